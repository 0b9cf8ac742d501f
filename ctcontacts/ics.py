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
from bisect import bisect_left

from .errors import Problem
from .record import field, record
from .rules import RuleError, RuleText, parse_rule
from .zones import naive_to_seconds

FLATTEN_DAYS_BACK, FLATTEN_DAYS_AHEAD = 90, 731
UTC = dt.timezone.utc


@record
class CalendarDuty:
    """What a calendar says: duty rules per contact id, and problems."""

    rules: dict[str, list[RuleText]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


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
    """Which contact an event is about: --contact, else an ATTENDEE's e-mail (one who
    did not decline), else the contact's id or name as whole words in the SUMMARY."""

    def __init__(self, contacts, contact_id: str | None):
        import re

        self.forced = contact_id
        self.by_email: dict[str, set[str]] = {}
        for c in contacts:
            if c.email:
                self.by_email.setdefault(c.email.lower(), set()).add(c.id)
        self.patterns = [
            (c.id, [re.compile(r"(?<![\w-])" + re.escape(text.casefold()) + r"(?![\w-])") for text in (c.id, c.name)])
            for c in contacts
        ]

    def __call__(self, event) -> tuple[list[str], str]:
        if self.forced:
            return [self.forced], ""
        attendees = event.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        hits: set[str] = set()
        for a in attendees:
            if str(getattr(a, "params", {}).get("PARTSTAT", "")).upper() == "DECLINED":
                continue
            hits |= self.by_email.get(str(a).lower().removeprefix("mailto:"), set())
        if hits:
            return sorted(hits), "ATTENDEE"
        summary = str(event.get("SUMMARY", "")).casefold()
        found = sorted(cid for cid, pats in self.patterns if any(p.search(summary) for p in pats))
        return found, "SUMMARY"


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
    if isinstance(start, dt.datetime) and "D" not in duration.split("T")[0] and not _clear_of_clock_changes(
            contact_zone, wall, int(duration[2:-1])):
        # Calendars end each instance at the same wall-clock time; a rule of exact
        # hours would not on a clock-change night. Such events become shifts.
        return None
    rrules = event["RRULE"]
    if isinstance(rrules, list):
        if len(rrules) != 1:
            return None
        rrules = rrules[0]
    text = rrules.to_ical().decode()
    return f"R/{wall:%Y-%m-%dT%H:%M:%S}/{duration}/{text}"


def _clear_of_clock_changes(zone_name: str, wall: dt.datetime, seconds: int) -> bool:
    """Whether a daily span of ``seconds`` from ``wall``'s time of day never contains a
    clock change of the zone (checked against its changes from now to 2037): then
    exact hours and wall-clock ends agree on every day."""
    from .zones import lookup_zone

    if seconds >= 86400:
        return False
    zone = lookup_zone(zone_name)
    begin = wall.hour * 3600 + wall.minute * 60 + wall.second
    end = begin + seconds
    first = max(0, bisect_left(zone.starts, naive_to_seconds(wall) - 366 * 86400))
    for i in range(max(first, 1), len(zone.starts)):
        for offset in (zone.offsets[i - 1], zone.offsets[i]):
            tod = (zone.starts[i] + offset) % 86400
            if begin < tod <= end or begin < tod + 86400 <= end:
                return False
    return True


# Frequencies a duty rota can have; a shift every minute is a broken file, and
# expanding it would take the machine.
DUTY_FREQS = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"}
MAX_OCCURRENCES = 50_000


def _decode(name: str, data: bytes, out: CalendarDuty) -> str | None:
    """The calendar's text, decoded like roster files are (UTF-8, or UTF-16 with a BOM)."""
    from .readers import _binary, _encoding, _undecodable

    encoding = _encoding(data[:4])
    if encoding != "utf-16" and b"\x00" in data:
        out.problems.append(_binary(name))
        return None
    problem = _undecodable(name, data, encoding)
    if problem:
        out.problems.append(problem)
        return None
    return data.decode(encoding)


def _short(e: Exception) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text[:120]}{'…' if len(text) > 120 else ''}"


def _check_times(event, tzids: set[str]) -> str | None:
    """Why an event's times cannot be used, if they cannot."""
    from .zones import find_zone_name

    start = event["DTSTART"].dt
    tzid = event["DTSTART"].params.get("TZID")
    if tzid and isinstance(start, dt.datetime) and str(tzid).strip('"') not in tzids and _iana(event) is None:
        return f"time zone {str(tzid)!r} is neither an IANA or Windows name nor defined in a VTIMEZONE"
    if tzid and isinstance(start, dt.datetime) and start.tzinfo is None and not find_zone_name(str(tzid)):
        return f"time zone {str(tzid)!r} could not be read"
    if "DTEND" in event:
        end = event["DTEND"].dt
        if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
            return "DTSTART and DTEND mix a date and a date-time"
        if isinstance(start, dt.datetime) and (start.tzinfo is None) != (end.tzinfo is None):
            start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
        if end <= start:
            return "the event ends before (or when) it starts"
    elif "DURATION" not in event and isinstance(start, dt.datetime):
        return "the event has a start but no end (DTEND or DURATION)"
    for rrule in event.get("RRULE", []) if isinstance(event.get("RRULE"), list) else [event.get("RRULE")]:
        if rrule is None:
            continue
        freq = (rrule.get("FREQ") or ["?"])[0]
        if freq not in DUTY_FREQS:
            return f"RRULE FREQ={freq} is not a duty pattern (use HOURLY or longer)"
        for key in ("INTERVAL", "COUNT"):
            if key in rrule and int(rrule[key][0]) < 1:
                return f"RRULE {key} must be a whole number from 1"
    return None


def _starts_on_rule(event) -> bool:
    """Whether DTSTART is itself an occurrence of the RRULE: if not, calendars still show
    it (RFC 5545) while a recurrence rule would not, so such an event is flattened."""
    from dateutil.rrule import rrulestr

    start = event["DTSTART"].dt
    wall = start.replace(tzinfo=None) if isinstance(start, dt.datetime) else dt.datetime(start.year, start.month, start.day)
    text = event["RRULE"].to_ical().decode()
    body = ";".join(p for p in text.split(";") if not p.upper().startswith("UNTIL="))
    first = rrulestr(body, dtstart=wall)[0]
    return first == wall


def read_calendar(name: str, data: bytes, contacts, *, contact_id: str | None, now: int) -> CalendarDuty:
    """The duty a calendar gives each contact of a roster (``contacts``)."""
    import icalendar

    out = CalendarDuty()
    zone_of = {c.id: c.timezone for c in contacts}
    if contact_id and contact_id not in zone_of:
        out.problems.append(Problem(name, "file", "contact", f"--contact {contact_id!r} is not in that roster; "
                                    f"its contacts are {', '.join(sorted(zone_of)) or 'none'}"))
        return out
    text = _decode(name, data, out)
    if text is None:
        return out
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as e:  # icalendar raises ValueError and friends for broken files
        out.problems.append(Problem(name, "file", "", f"not a readable iCalendar file ({_short(e)})"))
        return out
    for comp in cal.walk():
        for prop, error in getattr(comp, "errors", []) or []:
            where = f"{comp.name} UID {comp.get('UID', '(none)')}"
            out.problems.append(Problem(name, where, str(prop), f"cannot be read: {error}"))
    if out.problems:
        return out
    calendar_zone = str(cal.get("X-WR-TIMEZONE", "")) or None
    tzids = {str(tz.get("TZID", "")) for tz in cal.walk("VTIMEZONE")}
    match = _Matcher(contacts, contact_id)

    masters: dict[str, object] = {}
    overrides: dict[str, list] = {}
    for i, event in enumerate(cal.walk("VEVENT")):
        uid = str(event.get("UID", "")) or f"(no UID, event {i + 1})"
        if "RECURRENCE-ID" in event:
            overrides.setdefault(uid, []).append(event)
        elif uid in masters:
            out.problems.append(Problem(name, f"event UID {uid}", "UID", "two events share this UID; each needs its own"))
        else:
            masters[uid] = event
    # A moved instance without its series (as invitations to one instance come) is
    # an event of its own.
    for uid, events in overrides.items():
        if uid not in masters:
            for k, event in enumerate(events):
                masters[f"{uid} (instance {k + 1})"] = event
    owner: dict[str, str] = {}
    flatten: list[str] = []
    for uid, event in masters.items():
        where = f"event UID {uid} at {_safe_when(event)}"
        try:
            if "DTSTART" not in event:
                out.problems.append(Problem(name, where, "DTSTART", "the event has no start"))
                continue
            cancelled = str(event.get("STATUS", "")).upper() == "CANCELLED"
            reason = None if cancelled else _check_times(event, tzids)
            if reason:
                out.problems.append(Problem(name, where, "DTSTART", reason))
                continue
            ids, how = match(event)
            if not ids:
                out.problems.append(Problem(name, where, "SUMMARY",
                                            f"matches no contact of the roster ({str(event.get('SUMMARY', ''))!r}); "
                                            "name the contact's id or name in SUMMARY, invite their e-mail, "
                                            "or give --contact"))
                continue
            if len(ids) > 1:
                out.problems.append(Problem(name, where, how, f"matches several contacts ({', '.join(ids)}); "
                                            "each event is one contact's duty"))
                continue
            owner[uid] = ids[0]
            out.rules.setdefault(ids[0], [])
            if cancelled:
                continue
            rule = None
            if uid not in overrides and "RRULE" in event and _starts_on_rule(event):
                rule = _as_rule(event, zone_of[ids[0]], calendar_zone)
            if rule is not None:
                out.rules[ids[0]].append(rule)
            else:
                flatten.append(uid)
        except Exception as e:  # a value icalendar parsed but cannot turn into a time
            out.problems.append(Problem(name, where, "", f"cannot be read ({_short(e)})"))
    if out.problems:
        return out
    _flatten(name, cal, masters, overrides, flatten, owner, match, zone_of, calendar_zone, now, out)
    from .engine import interval_span
    from .rules import Interval
    from .zones import lookup_zone

    for cid, texts in out.rules.items():
        checked = []
        for text in texts:
            try:
                rule = parse_rule(text)
                span = interval_span(rule, lookup_zone(zone_of[cid])) if isinstance(rule, Interval) else None
                checked.append(RuleText(rule.text(), span))
            except RuleError as e:
                out.problems.append(Problem(name, f"contact {cid}", "duty", str(e)))
        out.rules[cid] = checked
    return out


def _safe_when(event) -> str:
    try:
        return _when(event)
    except Exception:
        return "(unreadable start)"


def _flatten(name, cal, masters, overrides, uids, owner, match, zone_of, calendar_zone, now, out) -> None:
    """The exact shifts of the events that are not kept as rules, within the window.
    Only those events are expanded, lazily, with a cap."""
    import icalendar
    import recurring_ical_events

    if not uids:
        return
    sub = icalendar.Calendar()
    for key, value in cal.items():
        sub.add(key, value)
    for tz in cal.walk("VTIMEZONE"):
        sub.add_component(tz)
    series_of: dict[str, str] = {}
    for uid in uids:
        event = masters[uid]
        real_uid = str(event.get("UID", "")) or uid
        if uid != real_uid and "RECURRENCE-ID" in event:  # a lone moved instance: its own event
            event = event.copy()
            del event["RECURRENCE-ID"]
            event["UID"] = uid
            real_uid = uid
        elif not event.get("UID"):
            event = event.copy()
            event["UID"] = uid
            real_uid = uid
        series_of[real_uid] = uid
        sub.add_component(event)
        for override in overrides.get(uid, []):
            sub.add_component(override)
    lo = dt.datetime.fromtimestamp(now - FLATTEN_DAYS_BACK * 86400, UTC)
    hi = dt.datetime.fromtimestamp(now + FLATTEN_DAYS_AHEAD * 86400, UTC)
    count = 0
    try:
        for occ in recurring_ical_events.of(sub).after(lo):
            start = occ["DTSTART"].dt
            if _as_utc(start, calendar_zone, None) > hi:
                break
            count += 1
            if count > MAX_OCCURRENCES:
                out.problems.append(Problem(name, "file", "", f"the calendar gives more than {MAX_OCCURRENCES} "
                                            "shifts in its window; that is not a duty rota"))
                return
            uid = series_of.get(str(occ.get("UID", "")))
            if uid is None or str(occ.get("STATUS", "")).upper() == "CANCELLED":
                continue
            cid = owner[uid]
            if "RECURRENCE-ID" in occ:  # a swapped instance goes to whom it names
                ids, _ = match(occ)
                if len(ids) == 1:
                    cid = ids[0]
                    out.rules.setdefault(cid, [])
            end = occ["DTEND"].dt if "DTEND" in occ else None
            if not isinstance(start, dt.datetime):  # all-day: whole days in the contact's zone
                days = (end - start).days if end is not None else 1
                out.rules[cid].append(f"{start.isoformat()}T00:00/P{max(days, 1)}D")
                continue
            if end is None:
                continue
            zone = calendar_zone or zone_of[cid]
            s, e = _as_utc(start, zone, zone_of[cid]), _as_utc(end, zone, zone_of[cid])
            if e > s:
                out.rules[cid].append(f"{s:%Y-%m-%dT%H:%M:%SZ}/{e:%Y-%m-%dT%H:%M:%SZ}")
    except Exception as e:
        out.problems.append(Problem(name, "file", "", f"the recurrences cannot be expanded ({_short(e)})"))


def _as_utc(value, zone: str | None, fallback: str | None) -> dt.datetime:
    """An aware UTC datetime; floating times are read in ``zone`` (else ``fallback``, else UTC)."""
    import zoneinfo

    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        name = zone or fallback
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(name) if name else UTC)
    return value.astimezone(UTC)
