"""An independent, brute-force reading of the duty rules of the contract, for tests.

It shares no time code with ctcontacts: wall clock -> UTC uses the standard
library's zoneinfo with PEP 495 ``fold=0`` (the first occurrence of a repeated
time; a time in a gap read with the offset before it), which is RFC 5545
§3.3.5. Rules are given here as plain tuples, not parsed by ctcontacts.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from dateutil.rrule import rrulestr

UTC = dt.timezone.utc
HORIZON = 366 * 86400


def to_utc(zone: str, wall: dt.datetime) -> int:
    return int(wall.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=0).timestamp())


def weekly(zone, days, start, end, lo, hi):
    """days: set of weekday ints; start/end: (h, m); end <= start runs overnight."""
    out = []
    z = zoneinfo.ZoneInfo(zone)
    d = dt.datetime.fromtimestamp(lo, z).date() - dt.timedelta(days=3)
    last = dt.datetime.fromtimestamp(hi, z).date() + dt.timedelta(days=1)
    while d <= last:
        if d.weekday() in days:
            base = dt.datetime(d.year, d.month, d.day)
            s = base + dt.timedelta(hours=start[0], minutes=start[1])
            e = base + dt.timedelta(hours=end[0], minutes=end[1])
            if end <= start:
                e += dt.timedelta(days=1)
            su, eu = to_utc(zone, s), to_utc(zone, e)
            if eu > su:
                out.append((su, eu))
        d += dt.timedelta(days=1)
    return out


def after(zone, wall, nominal_days, exact_seconds):
    return to_utc(zone, wall + dt.timedelta(days=nominal_days)) + exact_seconds if nominal_days else to_utc(zone, wall) + exact_seconds


def recurrence(zone, rule, start, nominal_days, exact_seconds, lo, hi, until=None):
    """until: ('local', naive) or ('utc', instant) bound on occurrence starts, inclusive."""
    out = []
    r = rrulestr(rule, dtstart=start)
    z = zoneinfo.ZoneInfo(zone)
    wall_hi = dt.datetime.fromtimestamp(hi, z).replace(tzinfo=None) + dt.timedelta(days=2)
    for occ in r:
        if occ > wall_hi:
            break
        s = to_utc(zone, occ)
        if until and until[0] == "local" and occ > until[1]:
            break
        if until and until[0] == "utc" and s > until[1]:
            continue
        out.append((s, after(zone, occ, nominal_days, exact_seconds)))
    return out


def merge(spans):
    out = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def on_spans(on, off):
    """Brute force: on minus off, merged."""
    result = []
    for s, e in merge(on):
        pieces = [(s, e)]
        for os_, oe in merge(off):
            nxt = []
            for ps, pe in pieces:
                if oe <= ps or os_ >= pe:
                    nxt.append((ps, pe))
                    continue
                if os_ > ps:
                    nxt.append((ps, os_))
                if oe < pe:
                    nxt.append((oe, pe))
            pieces = nxt
        result.extend(pieces)
    return [tuple(x) for x in merge(result)]


def status(spans, at):
    on = any(s <= at < e for s, e in spans)
    until = None
    if on:
        end = next(e for s, e in spans if s <= at < e)
        until = end if end <= at + HORIZON else None
    starts = [s for s, e in spans if at < s <= at + HORIZON]
    return on, until, (min(starts) if starts else None)
