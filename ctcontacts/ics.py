"""iCalendar (RFC 5545) duty calendars: each VEVENT is a duty period of one contact.

Parsing, time zones (VTIMEZONE blocks, Windows zone names, quoted and prefixed
TZIDs, X-WR-TIMEZONE) and the expansion of recurrences with EXDATE, RDATE and
moved or cancelled instances are left to well-kept libraries (``icalendar`` and
``recurring-ical-events``). This module decides what each event means for a
contact's duty:

* a plain recurring event (RRULE only, in the contact's own zone, or floating)
  is kept as a recurrence rule, so it goes on for as long as it says;
* anything else — single events, recurrences with exceptions, events in
  another zone or in UTC — becomes the exact shifts it gives within a window
  (``FLATTEN_DAYS_BACK`` to ``FLATTEN_DAYS_AHEAD`` around now).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .errors import Problem
from .rules import RuleError, RuleText, parse_rule

FLATTEN_DAYS_BACK, FLATTEN_DAYS_AHEAD = 90, 731
UTC = dt.timezone.utc


@dataclass
class CalendarDuty:
    """What a calendar says: duty rules per contact id, and problems."""

    rules: dict[str, list[RuleText]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _stamp_utc(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _zone_key(value) -> str | None:
    tz = getattr(value, "tzinfo", None)
    if tz is None:
        return None
    return getattr(tz, "key", None) or getattr(tz, "zone", None) or str(tz)


def _iana(event) -> str | None:
    """The IANA zone an event's DTSTART names: its TZID as written, a Windows zone name
    ("W. Europe Standard Time"), or a vendor-prefixed TZID
    ("/mozilla.org/20050126_1/Europe/Paris"); else the zone of the parsed time."""
    from .zones import find_zone_name

    prop = event["DTSTART"]
    tzid = prop.params.get("TZID")
    if tzid:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

        parts = str(tzid).strip('"').split("/")
        candidates = [str(tzid).strip('"'), WINDOWS_TO_OLSON.get(str(tzid).strip('"'))]
        candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
        for name in candidates:
            if name and find_zone_name(name):
                return find_zone_name(name)
    return _zone_key(prop.dt)


def _when(event) -> str:
    start = event.get("DTSTART")
    if start is None:
        return "?"
    value = start.dt
    if isinstance(value, dt.datetime):
        zone = _zone_key(value)
        return value.strftime("%Y-%m-%dT%H:%M") + (f" ({zone})" if zone else "")
    return value.isoformat()


class _Matcher:
    """Which contact an event is about: --contact, else an ATTENDEE's e-mail, else the
    contact's id or name in the SUMMARY."""

    def __init__(self, contacts, contact_id: str | None):
        self.contacts = contacts
        self.forced = contact_id
        self.by_email = {c.email.lower(): c.id for c in contacts if c.email}

    def __call__(self, event) -> tuple[list[str], str]:
        if self.forced:
            return [self.forced], ""
        attendees = event.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        emails = [str(a).lower().removeprefix("mailto:") for a in attendees]
        hits = sorted({self.by_email[e] for e in emails if e in self.by_email})
        if hits:
            return hits, "ATTENDEE"
        summary = str(event.get("SUMMARY", "")).casefold()
        hits = sorted({c.id for c in self.contacts if c.id.casefold() in summary or c.name.casefold() in summary})
        # The longest match wins when one name holds another ("Duty A" inside "Duty AB").
        if len(hits) > 1:
            longest = max(hits, key=lambda cid: max(len(cid), len(next(c.name for c in self.contacts if c.id == cid))))
            covering = [h for h in hits if h != longest and (h.casefold() in longest.casefold())]
            if len(hits) - len(covering) == 1:
                hits = [longest]
        return hits, "SUMMARY"


def _duration(event, start):
    """ISO duration text of the first instance: DURATION as written, else DTEND - DTSTART
    (whole days for all-day events, exact seconds for timed ones, as RFC 5545 says)."""
    if "DURATION" in event:
        d = event["DURATION"].dt
        days, seconds = d.days, d.seconds
    elif "DTEND" in event:
        end = event["DTEND"].dt
        if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
            return None
        if isinstance(start, dt.datetime):
            if start.tzinfo is not None and end.tzinfo is not None:
                seconds = int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())
            else:
                seconds = int((end - start).total_seconds())
            return f"PT{seconds}S" if seconds > 0 else None
        days, seconds = (end - start).days, 0
    else:
        days, seconds = (1, 0) if not isinstance(start, dt.datetime) else (0, 0)
    if days < 0 or (days == 0 and seconds <= 0):
        return None
    return "P" + (f"{days}D" if days else "") + (f"T{seconds}S" if seconds else "")


def _as_rule(event, contact_zone: str, calendar_zone: str | None) -> str | None:
    """The event as one recurrence rule, when that says exactly what the event says."""
    if "RRULE" not in event or "RDATE" in event or "EXDATE" in event:
        return None
    start = event["DTSTART"].dt
    if isinstance(start, dt.datetime):
        zone = _iana(event) or calendar_zone or contact_zone
        if zone != contact_zone:
            return None
        wall = start.replace(tzinfo=None)
    else:
        wall = dt.datetime(start.year, start.month, start.day)
    duration = _duration(event, start)
    if duration is None:
        return None
    rrules = event["RRULE"]
    if isinstance(rrules, list):
        if len(rrules) != 1:
            return None
        rrules = rrules[0]
    text = rrules.to_ical().decode()
    return f"R/{wall:%Y-%m-%dT%H:%M:%S}/{duration}/{text}"


def read_calendar(name: str, data: bytes, contacts, *, contact_id: str | None, now: int) -> CalendarDuty:
    """The duty a calendar gives each contact of a roster (``contacts``)."""
    import icalendar
    import recurring_ical_events

    out = CalendarDuty()
    zone_of = {c.id: c.timezone for c in contacts}
    if contact_id and contact_id not in zone_of:
        out.problems.append(Problem(name, "file", "contact", f"--contact {contact_id!r} is not in that roster; "
                                    f"its contacts are {', '.join(sorted(zone_of)) or 'none'}"))
        return out
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as e:  # icalendar raises ValueError and friends for broken files
        out.problems.append(Problem(name, "file", "", f"not a readable iCalendar file ({e})"))
        return out
    calendar_zone = str(cal.get("X-WR-TIMEZONE", "")) or None
    match = _Matcher(contacts, contact_id)
    masters = {}
    overridden = set()
    for event in cal.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        if "RECURRENCE-ID" in event:
            overridden.add(uid)
        else:
            masters.setdefault(uid, event)
    owner: dict[str, str] = {}
    kept_as_rule: set[str] = set()
    for uid, event in masters.items():
        where = f"event UID {uid or '(none)'} at {_when(event)}"
        if "DTSTART" not in event:
            out.problems.append(Problem(name, where, "DTSTART", "the event has no start"))
            continue
        ids, how = match(event)
        if not ids:
            out.problems.append(Problem(name, where, "SUMMARY",
                                        f"matches no contact of the roster ({str(event.get('SUMMARY', ''))!r}); name "
                                        "the contact's id or name in SUMMARY, invite their e-mail, or give --contact"))
            continue
        if len(ids) > 1:
            out.problems.append(Problem(name, where, how, f"matches several contacts ({', '.join(ids)}); "
                                        "each event is one contact's duty"))
            continue
        cid = ids[0]
        owner[uid] = cid
        out.rules.setdefault(cid, [])
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        rule = None if uid in overridden else _as_rule(event, zone_of[cid], calendar_zone)
        if rule is not None:
            out.rules[cid].append(rule)
            kept_as_rule.add(uid)
    lo = dt.datetime.fromtimestamp(now - FLATTEN_DAYS_BACK * 86400, UTC)
    hi = dt.datetime.fromtimestamp(now + FLATTEN_DAYS_AHEAD * 86400, UTC)
    try:
        occurrences = recurring_ical_events.of(cal).between(lo, hi)
    except Exception as e:
        out.problems.append(Problem(name, "file", "", f"the recurrences cannot be expanded ({e})"))
        return out
    for occ in occurrences:
        uid = str(occ.get("UID", ""))
        if uid in kept_as_rule or uid not in owner:
            continue
        if str(occ.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start, end = occ["DTSTART"].dt, occ["DTEND"].dt if "DTEND" in occ else None
        zone = zone_of[owner[uid]]
        if not isinstance(start, dt.datetime):  # an all-day event: whole days in the contact's zone
            days = (end - start).days if end is not None else 1
            out.rules[owner[uid]].append(f"{start.isoformat()}T00:00/P{max(days, 1)}D")
            continue
        if end is None:
            continue
        if start.tzinfo is None:  # floating: the calendar's zone, else the contact's
            import zoneinfo

            tz = zoneinfo.ZoneInfo(calendar_zone or zone)
            start, end = start.replace(tzinfo=tz), end.replace(tzinfo=tz)
        if end > start:
            out.rules[owner[uid]].append(f"{_stamp_utc(start)}/{_stamp_utc(end)}")
    for cid, texts in out.rules.items():
        checked = []
        for text in texts:
            try:
                checked.append(RuleText(parse_rule(text).text()))
            except RuleError as e:
                out.problems.append(Problem(name, f"contact {cid}", "duty", str(e)))
        out.rules[cid] = checked
    return out
