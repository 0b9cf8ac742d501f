"""An independent reading of a duty calendar, for tests: what ``recurring-ical-events``
(after ``x-wr-timezone``, the reading of Google's X-WR-TIMEZONE) says each contact
works over a window. It shares no code with ctcontacts' importer or engine: zones are
the standard library's (PEP 495 ``fold=0`` is RFC 5545 §3.3.5), days of all-day events
are read in the contact's zone, and events go to contacts as docs/calendars.md says (an
ATTENDEE's e-mail (one who did not decline), else the contact's id or name in SUMMARY, or one contact for all).

Where recurring-ical-events departs from RFC 5545 the calendars under test avoid it:
COUNT with a DTSTART off its rule (it does not count DTSTART) and DURATION in hours
across a clock change (it adds them on the wall clock).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

UTC = dt.timezone.utc


def _instant(value, zone: str) -> int:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=0)
        return int(value.timestamp())
    midnight = dt.datetime(value.year, value.month, value.day, tzinfo=zoneinfo.ZoneInfo(zone), fold=0)
    return int(midnight.timestamp())


def _owner(event, contacts: dict, forced: str | None) -> str | None:
    if forced:
        return forced
    emails = {str(a).lower().removeprefix("mailto:") for a in _listed(event.get("ATTENDEE"))
              if str(a.params.get("PARTSTAT", "")).upper() != "DECLINED"}
    hits = [cid for cid, c in contacts.items() if c.get("email", "").lower() in emails]
    if len(hits) == 1:
        return hits[0]
    summary = str(event.get("SUMMARY", "")).casefold()
    hits = [cid for cid, c in contacts.items()
            if any(re.search(r"(?<![\w-])" + re.escape(t.casefold()) + r"(?![\w-])", summary) for t in (cid, c["name"]))]
    return hits[0] if len(hits) == 1 else None


def _listed(value):
    return [] if value is None else value if isinstance(value, list) else [value]


def spans(path, contacts: dict, forced: str | None, lo: dt.datetime, hi: dt.datetime) -> dict[str, list]:
    """``{contact id: merged [(start, end)]}`` of the calendar at ``path``, UTC seconds;
    ``contacts``: id -> {"name", "email", "timezone"}."""
    import icalendar
    import recurring_ical_events
    import x_wr_timezone

    cal = x_wr_timezone.to_standard(icalendar.Calendar.from_ical(path.read_bytes()))
    floating = str(cal.get("X-WR-TIMEZONE", "")) or None
    series_owner = {}
    for event in cal.walk("VEVENT"):
        if "RECURRENCE-ID" not in event:
            series_owner[str(event.get("UID"))] = _owner(event, contacts, forced)
    out: dict[str, list] = {}
    for occ in recurring_ical_events.of(cal).between(lo, hi):
        if str(occ.get("STATUS", "")).upper() == "CANCELLED":
            continue
        cid = _owner(occ, contacts, forced) or series_owner.get(str(occ.get("UID")))
        zone = contacts[cid]["timezone"]
        start, end = occ["DTSTART"].dt, occ["DTEND"].dt if "DTEND" in occ else occ["DTSTART"].dt
        home = zone if not isinstance(start, dt.datetime) else (floating or zone)
        s, e = _instant(start, home), _instant(end, home)
        if e > s:
            out.setdefault(cid, []).append((s, e))
    return {cid: _merge(v) for cid, v in out.items()}


def _merge(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [tuple(x) for x in out]


def clip(spans, lo: int, hi: int):
    return [(max(s, lo), min(e, hi)) for s, e in spans if s < hi and e > lo]
