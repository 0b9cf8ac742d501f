"""The duty engine: rules + zone + instants -> when a contact is on duty.

Pure: no database, no clock, no I/O. Every command that asks "who is on duty"
(``whois``, the board, schedules, coverage, check, calendar export) goes through
``duty_intervals``, so the time semantics of the contract live here and only here:

* intervals are half-open ``[start, end)``;
* wall-clock times become instants by RFC 5545 §3.3.5 (``Zone.to_utc``);
* a weekly window belongs to the day it starts; an end at or before its start
  is on the next day; a window whose converted end is not after its converted
  start is empty that day;
* durations: days/weeks/months/years nominal (wall clock), hours and less exact;
* recurrences are expanded on wall-clock times, in the rule's own zone if it
  names one; an occurrence in a gap is kept and moved; ``UNTIL`` bounds an
  occurrence's start, inclusively; a recurrence given by its first shift's end
  ends each occurrence the same wall-clock time after its start;
* a contact is on duty where some rule covers it and no ``off`` rule does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from ..time.isotime import Duration, Stamp
from ..base.values import replace
from .rules import (CALENDAR_CYCLE_YEARS, Always, Dated, Interval, Off, PlainRule, Recurrence, Rule, Weekly,
                    plain_rule, rrule_parts)
from ..time.zones import WALL_SLACK, Zone
from ..time.isotime import naive_to_seconds, seconds_to_naive

DAY = 86400
HORIZON = 366 * DAY  # how far ``until`` and ``next`` look, inclusive

Span = tuple[int, int]


def duty_intervals(rules: Sequence[Rule], zone: Zone, lo: int, hi: int) -> list[Span]:
    """The contact's on-duty time within ``[lo, hi)``: sorted, merged, disjoint.

    ``zone`` is the contact's: every rule is read in it but a recurrence that names
    its own. Touching or overlapping rules merge into one span; ``off`` rules are cut out.
    Spans are clipped to the window, so a span starting at ``lo`` or ending at
    ``hi`` may extend beyond it.
    """
    on: list[Span] = []
    off: list[Span] = []
    for rule in rules:
        if isinstance(rule, Dated):
            if rule.start < hi and rule.end > lo:
                (off if rule.off else on).append((max(rule.start, lo), min(rule.end, hi)))
        elif isinstance(rule, Off):
            off.extend(_expand(rule.rule, zone, lo, hi))
        else:
            on.extend(_expand(rule, zone, lo, hi))
    merged = merge(on)
    if off:
        merged = subtract(merged, merge(off))
    return merged


def merge(spans: Iterable[Span]) -> list[Span]:
    """Spans sorted, the empty ones dropped, touching or overlapping ones joined."""
    out: list[Span] = []
    start = end = None
    for s, e in sorted(spans):
        if e <= s:
            continue
        if end is not None and s <= end:
            if e > end:
                end = e
        else:
            if end is not None:
                out.append((start, end))
            start, end = s, e
    if end is not None:
        out.append((start, end))
    return out


def subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    """``spans`` minus ``holes``; both sorted and merged."""
    out: list[Span] = []
    j = 0
    for s, e in spans:
        while j < len(holes) and holes[j][1] <= s:
            j += 1
        k = j
        cur = s
        while k < len(holes) and holes[k][0] < e:
            hs, he = holes[k]
            if hs > cur:
                out.append((cur, hs))
            cur = max(cur, he)
            k += 1
        if cur < e:
            out.append((cur, e))
    return out


def _clip(spans: Iterable[Span], lo: int, hi: int) -> list[Span]:
    return [(max(s, lo), min(e, hi)) for s, e in spans if s < hi and e > lo]


def _expand(rule: Rule, zone: Zone, lo: int, hi: int) -> list[Span]:
    """One rule's spans within ``[lo, hi)``, clipped to it."""
    if isinstance(rule, Weekly):
        return _weekly(rule, zone, lo, hi)
    if isinstance(rule, Recurrence):
        return _recurrence(rule, zone, lo, hi)
    if isinstance(rule, Always):
        return [(lo, hi)] if lo < hi else []
    if isinstance(rule, Interval):
        return _clip([interval_span(rule, zone)], lo, hi)
    raise TypeError(f"not a duty rule: {rule!r}")  # pragma: no cover


def _weekly(rule: Weekly, zone: Zone, lo: int, hi: int) -> list[Span]:
    """A weekly rule's spans within ``[lo, hi)``, clipped to it."""
    # A window starts on its day and lasts at most 48 wall-clock hours (plus a
    # DST shift), so days from two before ``lo`` to one after ``hi`` suffice.
    # Days are counted as local midnights in seconds, wall time read as if UTC (no
    # datetime objects: a network board expands thousands of these).
    first = (lo + zone.offset_at(lo)) // DAY - 2
    last = (hi + zone.offset_at(hi)) // DAY + 1
    by_weekday = rule.by_weekday()
    # Fast path: most windows fall where the zone's offset does not change (every
    # window, in a zone without summer time), and each wall time is then one
    # subtraction instead of a search of the zone's table (utc_of). A network board
    # evaluates some 20,000 windows: a contact of weekly windows took 15.5 us, now 9.0.
    # With each rule's windows sorted by weekday once (``Weekly.by_weekday``) and the
    # spans listed and clipped here, not yielded, 30 % fewer instructions (86,000 to
    # 60,000 a contact on the JSON benchmark world, valgrind --tool=callgrind).
    # (Wall times in the window lie within 27 hours of these instants.)
    steady = zone.steady_offset(first * DAY - WALL_SLACK, (last + 3) * DAY + WALL_SLACK)
    out: list[Span] = []
    for day in range(first, last + 1):
        windows = by_weekday[(day + 3) % 7]  # 1970-01-01 was a Thursday (weekday 3)
        if not windows:
            continue
        midnight = day * DAY
        for start, end in windows:
            if steady is not None:
                start, end = midnight - steady + start, midnight - steady + end
            else:
                start, end = zone.utc_of(midnight + start), zone.utc_of(midnight + end)
            if end > start and start < hi and end > lo:
                out.append((max(start, lo), min(end, hi)))
    return out


def stamp_instant(stamp: Stamp, zone: Zone) -> int:
    return stamp.instant if stamp.offset is not None else zone.to_utc(stamp.wall)


def add_duration(start: int, wall: dt.datetime, duration: Duration, zone: Zone) -> int:
    """End of a span that starts at instant ``start`` (wall time ``wall``) and lasts
    ``duration``: nominal part on the wall clock, then the exact part in seconds."""
    if duration.years or duration.months or duration.days:
        base = zone.to_utc(duration.add_nominal(wall))
    else:
        base = start
    return base + duration.seconds


_SPANS: dict[tuple[Interval, str], Span] = {}


def interval_span(rule: Interval, zone: Zone) -> Span:
    """The instants of an interval rule in ``zone`` (memoised: a lookup asks each
    dated shift several times, once per search window)."""
    key = (rule, zone.name)
    span = _SPANS.get(key)
    if span is None:
        if len(_SPANS) > 500_000:
            _SPANS.clear()
        span = _SPANS[key] = _interval_span(rule, zone)
    return span


def _interval_span(rule: Interval, zone: Zone) -> Span:
    if rule.start is not None and rule.end is not None:
        return (stamp_instant(rule.start, zone), stamp_instant(rule.end, zone))
    if rule.start is not None:
        s = stamp_instant(rule.start, zone)
        wall = rule.start.wall if rule.start.offset is None else zone.wall(s)
        return (s, add_duration(s, wall, rule.duration, zone))
    # DURATION/END: the duration counts backwards from the end.
    e = stamp_instant(rule.end, zone)
    d = rule.duration
    wall = rule.end.wall if rule.end.offset is None else zone.wall(e)
    if d.years or d.months or d.days:
        back = Duration(-d.years, -d.months, -d.days, 0)
        base = zone.to_utc(back.add_nominal(wall))
    else:
        base = e
    return (base - d.seconds, e)


class _Walk:
    """A rule's occurrences as far as a lookup has walked them, kept while the lookup
    asks about its windows in turn (2 days, 16 days, a year): each occurrence is
    produced once. dateutil's own cache (``cache=True``) produces ten at a time, which
    for a rule on 29 February walks forty years of days to answer for one."""

    __slots__ = ("_next", "seen")

    def __init__(self, rule):
        self._next = iter(rule).__next__
        self.seen: list[dt.datetime] = []

    def between(self, lo: dt.datetime, hi: dt.datetime) -> Iterable[dt.datetime]:
        """Occurrences in ``[lo, hi]``, walking no further than the first one after ``hi``."""
        for wall in self.seen:
            if wall > hi:
                return
            if wall >= lo:
                yield wall
        while True:
            try:
                wall = self._next()
            except StopIteration:
                return
            self.seen.append(wall)
            if wall > hi:
                return
            if wall >= lo:
                yield wall


# The rules walked recently: few are needed at a time (one contact's: at most 50), and
# a dense rule's walk holds a year of starts (10,000, half a megabyte), so the cache
# stays small.
@lru_cache(maxsize=64)
def _rrule(text: str, start: dt.datetime) -> _Walk:
    from dateutil.rrule import rrulestr

    return _Walk(rrulestr(text, dtstart=start, cache=False))


@lru_cache(maxsize=64)
def _plain_walk(rule: PlainRule, start: dt.datetime) -> _Walk:
    return _Walk(_plain_starts(rule, start))


def _plain_starts(rule: PlainRule, start: dt.datetime) -> Iterator[dt.datetime]:
    """The wall-clock starts of a plain rule (``rules.plain_rule``) as dateutil gives them,
    without importing it (3.2 ms of a 30 ms lookup), never before ``start``:
    DAILY, every INTERVAL days from the start, on BYDAY's weekdays if it names some;
    WEEKLY, BYDAY's weekdays (else the start's) of every INTERVAL-th week, weeks
    beginning on WKST (Monday by default) and counted from the start's;
    MONTHLY, in every INTERVAL-th month from the start's, BYMONTHDAY's days, BYDAY's
    weekdays (1FR the first Friday, -1MO the last Monday, FR every Friday), or else the
    start's day of the month, skipping months without it;
    each at the start's time of day. Ends, as dateutil does, at the last year a
    ``datetime`` holds, and at once for a rule that cannot occur again."""
    try:
        if rule.freq == "DAILY":
            yield from _plain_days(rule, start)
        elif rule.freq == "WEEKLY":
            days = rule.weekdays or frozenset((start.weekday(),))
            week = start - dt.timedelta(days=(start.weekday() - rule.week_start) % 7)
            step = dt.timedelta(weeks=rule.interval)
            while True:
                for offset in range(7):
                    day = week + dt.timedelta(days=offset)
                    if day >= start and day.weekday() in days:
                        yield day
                week += step
        else:
            yield from _plain_months(rule, start)
    except OverflowError:
        return


def _plain_days(rule: PlainRule, start: dt.datetime) -> Iterator[dt.datetime]:
    step = dt.timedelta(days=rule.interval)
    if rule.weekdays and not any((start + k * step).weekday() in rule.weekdays for k in range(7)):
        return  # the weekdays repeat every 7 steps: this rule never falls on BYDAY
    day = start
    while True:
        if not rule.weekdays or day.weekday() in rule.weekdays:
            yield day
        day += step


# Months in the calendar's cycle of 400 years: a monthly rule that finds no day in that
# many months never will (a 30 February, every 12 months).
_CALENDAR_MONTHS = CALENDAR_CYCLE_YEARS * 12


def _plain_months(rule: PlainRule, start: dt.datetime) -> Iterator[dt.datetime]:
    month = start.year * 12 + start.month - 1  # months since the year 0
    empty = 0
    while empty < _CALENDAR_MONTHS:
        year, index = divmod(month, 12)
        if year > dt.MAXYEAR:
            return
        first = dt.date(year, index + 1, 1)
        length = ((first + dt.timedelta(days=31)).replace(day=1) - first).days if index < 11 else 31
        found = False
        for day in sorted(_month_days(rule, start, first.weekday(), length)):
            wall = dt.datetime(year, index + 1, day, start.hour, start.minute, start.second)
            if wall >= start:
                found = True
                yield wall
        empty = 0 if found else empty + rule.interval
        month += rule.interval


def _month_days(rule: PlainRule, start: dt.datetime, first_weekday: int, length: int) -> set[int]:
    """The days of a month of ``length`` days, beginning on ``first_weekday``, that the rule picks."""
    if rule.monthdays:
        return {d if d > 0 else length + 1 + d for d in rule.monthdays if abs(d) <= length}
    if not (rule.weekdays or rule.nth):
        return {start.day} if start.day <= length else set()
    days = {d for d in range(1, length + 1) if (first_weekday + d - 1) % 7 in rule.weekdays}
    for n, weekday in rule.nth:
        first = 1 + (weekday - first_weekday) % 7  # the month's first such weekday
        if n > 0:
            day = first + 7 * (n - 1)
        else:
            last = first + 7 * ((length - first) // 7)
            day = last + 7 * (n + 1)
        if 1 <= day <= length:
            days.add(day)
    return days


_STEP = {"DAILY": 86400, "WEEKLY": 7 * 86400, "HOURLY": 3600}
# Parts that choose days; without any of them dateutil takes the day from the start.
_DAY_PARTS = ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYEASTER")


def _fast_forward(rule: Recurrence, wall_lo: dt.datetime) -> tuple[str, dt.datetime]:
    """The rule (its RRULE text and start) moved to a later start that gives the same
    occurrences from ``wall_lo`` on, so that a lookup's cost does not grow with the
    years since the rota began: dateutil walks every period from the start.

    The start moves by whole periods (times INTERVAL), so the grid of candidate
    periods is unchanged, and no later than one period before ``wall_lo``:
    * DAILY, WEEKLY, HOURLY: by a fixed wall-clock length; the time of day and the
      weekday dateutil takes from the start stay as they were;
    * MONTHLY, YEARLY: to the first instant of a later month or year, after writing
      out what dateutil would take from the old start (its day, month, hour, minute,
      second), since the new start would give other values.
    A start that does not match its rule is not an occurrence (dateutil), and the
    new start is an occurrence exactly when the rule says so; periods are kept whole,
    so BYSETPOS sees the same sets. (A rule has no COUNT here: ``rules`` keeps it as
    the UNTIL of its last shift.)
    """
    parts = rrule_parts(rule.rrule)
    freq = parts.get("FREQ", "")
    interval = int(parts.get("INTERVAL", "1") or 1)
    start = rule.start
    step = _STEP.get(freq)
    if step is not None:
        return rule.rrule, _steps_forward(start, wall_lo, step * interval)
    if freq not in ("MONTHLY", "YEARLY"):
        return rule.rrule, start  # pragma: no cover - the limits allow no other FREQ
    new_start = _months_forward(start, wall_lo, interval * (12 if freq == "YEARLY" else 1))
    if new_start == start:
        return rule.rrule, start
    explicit = dict(parts)
    if not any(p in parts for p in _DAY_PARTS):
        if freq == "YEARLY":
            explicit.setdefault("BYMONTH", str(start.month))
        explicit["BYMONTHDAY"] = str(start.day)
    explicit.setdefault("BYHOUR", str(start.hour))
    explicit.setdefault("BYMINUTE", str(start.minute))
    explicit.setdefault("BYSECOND", str(start.second))
    return ";".join(f"{k}={v}" for k, v in explicit.items()), new_start


def _plain_forward(rule: PlainRule, start: dt.datetime, wall_lo: dt.datetime) -> tuple[PlainRule, dt.datetime]:
    """``_fast_forward`` for a plain rule: a monthly one moves to the first day of a later
    month at the start's time of day, its day of the month written out."""
    if rule.freq != "MONTHLY":
        return rule, _steps_forward(start, wall_lo, _STEP[rule.freq] * rule.interval)
    moved = _months_forward(start, wall_lo, rule.interval)
    if moved == start:
        return rule, start
    if not (rule.weekdays or rule.nth or rule.monthdays):
        rule = replace(rule, monthdays=frozenset((start.day,)))
    return rule, moved.replace(hour=start.hour, minute=start.minute, second=start.second)


def _steps_forward(start: dt.datetime, wall_lo: dt.datetime, period: int) -> dt.datetime:
    """``start`` moved by whole periods of ``period`` seconds, to no later than one period before ``wall_lo``."""
    gap = (wall_lo - start).total_seconds() - period
    if gap <= 0:
        return start
    return start + dt.timedelta(seconds=(int(gap) // period) * period)


def _months_forward(start: dt.datetime, wall_lo: dt.datetime, months: int) -> dt.datetime:
    """The first instant of the month ``start`` moved to by whole periods of ``months``,
    no later than one period before ``wall_lo``; ``start`` itself if it cannot move."""
    elapsed = (wall_lo.year - start.year) * 12 + wall_lo.month - start.month - months
    moved = (elapsed // months) * months if elapsed > 0 else 0
    if moved <= 0:
        return start
    first = start.year * 12 + start.month - 1 + moved  # months since year 0
    return dt.datetime(first // 12, first % 12 + 1, 1)


def _recurrence(rule: Recurrence, zone: Zone, lo: int, hi: int) -> list[Span]:
    """A recurrence's spans within ``[lo, hi)``, clipped to it."""
    spans = _plain_spans(rule, zone, lo, hi)
    if spans is None:
        spans = [(start, end) for _, start, end in occurrences(rule, zone, lo, hi)]
    return [(max(start, lo), min(end, hi)) for start, end in spans if start < hi and end > lo]


# Wall times past this are left to ``occurrences``, whose datetimes end with the year 9999.
_LAST_PLAIN_WALL = naive_to_seconds(dt.datetime(9000, 1, 1))


def _plain_spans(rule: Recurrence, zone: Zone, lo: int, hi: int) -> list[Span] | None:
    """``occurrences``' start and end instants, for a daily or weekly plain rule
    (``rules.plain_rule``) whose shifts last days and hours or end as its first does;
    ``None`` for any other rule.

    Fast path: the same walk and the same conversions, in wall-clock seconds (as
    ``_weekly``), with no ``datetime`` made. A network board meets a recurrence in a
    third of its contacts (the JSON benchmark world: 864 of 2,590); a contact of daily
    and weekly ones took 24 us to evaluate with datetimes, 9 this way, and the board's
    instructions went from 743 M to 714 M (valgrind --tool=callgrind). A monthly rule
    stays with the datetime walk, whose cache (``_plain_walk``) serves every member:
    counted in seconds it cost more. tests/test_plain_recurrence.py holds the two equal
    on random rules, zones and windows."""
    plain = plain_rule(rule.rrule)
    if plain is None or plain.freq == "MONTHLY":
        return None
    duration = rule.duration
    if rule.end is None and (duration.years or duration.months):
        return None
    zone = rule.in_zone(zone)
    wall_lo = lo + zone.offset_at(lo) - rule.length().longest_seconds() - 2 * DAY
    wall_hi = hi + zone.offset_at(hi) + 2 * DAY
    if wall_hi > _LAST_PLAIN_WALL:
        return None
    until = rule.until
    if until is not None:
        # (A UTC ``UNTIL`` bounds wall times within 27 hours of it; each start is checked.)
        last = naive_to_seconds(until.wall) if until.offset is None else until.instant + WALL_SLACK
        if last < wall_lo:
            return []
        wall_hi = min(wall_hi, last)
    utc_of = zone.utc_of
    first = naive_to_seconds(rule.start)
    out: list[Span] = []
    for wall in _plain_walls(plain, first, wall_lo, wall_hi):
        start = utc_of(wall)
        if until is not None and until.offset is not None and start > until.instant:
            continue
        if rule.end is not None:
            end = utc_of(wall + naive_to_seconds(rule.end) - first)
        elif duration.days:
            end = utc_of(wall + duration.days * DAY) + duration.seconds
        else:
            end = start + duration.seconds
        out.append((start, end))
    return out


def _plain_walls(rule: PlainRule, start: int, lo: int, hi: int) -> list[int]:
    """``_plain_starts`` of a daily or weekly rule from ``start`` that lie in ``[lo, hi]``,
    as wall-clock seconds: the same grid, entered at the first period that may reach ``lo``."""
    out: list[int] = []
    if rule.freq == "DAILY":
        period = rule.interval * DAY
        wall = start + max(0, -((start - lo) // period)) * period  # the first at or after lo
        days = rule.weekdays
        while wall <= hi:
            if not days or (wall // DAY + 3) % 7 in days:  # 1970-01-01 was a Thursday (weekday 3)
                out.append(wall)
            wall += period
        return out
    day = start // DAY
    weekday = (day + 3) % 7
    days = rule.weekdays or frozenset((weekday,))
    step = 7 * rule.interval
    week = day - (weekday - rule.week_start) % 7  # the first day of the start's week
    week += max(0, (lo // DAY - week) // step) * step  # the last week of the grid to begin by lo
    time_of_day = start - day * DAY
    while True:
        for offset in range(7):
            wall = (week + offset) * DAY + time_of_day
            if wall > hi:
                return out
            if wall >= start and wall >= lo and (week + offset + 3) % 7 in days:
                out.append(wall)
        week += step


def occurrences(rule: Recurrence, zone: Zone, lo: int, hi: int) -> Iterable[tuple[dt.datetime, int, int]]:
    """The occurrences of a recurrence that may touch ``[lo, hi)`` (and a few beyond
    either end), in order: each as its wall-clock start in the rule's zone (its own,
    else ``zone``, the contact's) and its start and end instants. An occurrence whose
    end is not after its start (a shift inside a spring-forward gap) is yielded as it
    is; spans built from it are empty."""
    zone = rule.in_zone(zone)
    length = rule.length().longest_seconds()
    wall_lo = zone.wall(lo) - dt.timedelta(seconds=length + 2 * DAY)
    wall_hi = zone.wall(hi) + dt.timedelta(days=2)
    until = rule.until
    # Wall time minus UTC never exceeds 27 hours, so past this wall time every
    # occurrence starts after a UTC ``UNTIL``.
    last_wall = None
    if until is not None:
        last_wall = until.wall if until.offset is None else seconds_to_naive(until.instant + WALL_SLACK)
        if last_wall < wall_lo:
            return  # the series ended before the window: nothing to walk
    plain = plain_rule(rule.rrule)
    if plain is not None:
        walk = _plain_walk(*_plain_forward(plain, rule.start, wall_lo))
    else:
        walk = _rrule(*_fast_forward(rule, wall_lo))
    for wall in walk.between(wall_lo, wall_hi):
        if last_wall is not None and wall > last_wall:
            break
        start = zone.to_utc(wall)
        if until is not None and until.offset is not None and start > until.instant:
            continue
        yield wall, start, _occurrence_end(rule, zone, start, wall)


def shift_like(rule: Recurrence, zone: Zone, wall: dt.datetime) -> Span:
    """A shift starting at ``wall`` (in the rule's zone, else ``zone``) and lasting as
    the rule's occurrences do: an extra date of a calendar series (RDATE), say."""
    zone = rule.in_zone(zone)
    start = zone.to_utc(wall)
    return start, _occurrence_end(rule, zone, start, wall)


def _occurrence_end(rule: Recurrence, zone: Zone, start: int, wall: dt.datetime) -> int:
    """An occurrence's end: its duration added (nominal days, exact hours), or, for a
    rule given by its first shift's end, the same wall-clock time later."""
    if rule.end is not None:
        return zone.to_utc(wall + (rule.end - rule.start))
    return add_duration(start, wall, rule.duration, zone)


# --- answers ------------------------------------------------------------------


class Status:
    """One contact at one instant. A plain class with slots, compared by value: the
    network board makes one per contact, 0.12 us each where a frozen value class took 0.28."""

    __slots__ = ("on_duty", "until", "next_start")

    def __init__(self, on_duty: bool, until: int | None, next_start: int | None):
        self.on_duty = on_duty
        self.until = until  # end of the unbroken duty, if on duty and within the horizon
        self.next_start = next_start  # first off->on change after ``at`` within the horizon

    def _key(self) -> tuple:
        return (self.on_duty, self.until, self.next_start)

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if other.__class__ is Status else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Status(on_duty={self.on_duty!r}, until={self.until!r}, next_start={self.next_start!r})"


# Windows tried in turn: most contacts hand over within a day or two, so the
# answer is usually settled long before the full 366-day horizon is expanded.
_STEPS = (2 * DAY, 16 * DAY)


# Dated shifts a lookup reads first: enough for every step but the last.
NEAR = _STEPS[-1] + 1


@lru_cache(maxsize=64)
def _steps(horizon: int) -> tuple[int, ...]:
    return (*[s for s in _STEPS if s < horizon], horizon)


def status_at(rules: Sequence[Rule], zone: Zone, at: int, horizon: int = HORIZON,
              known: int | None = None, whole: bool = False) -> Status | None:
    """Whether the contact is on duty at ``at``, until when, and when it next comes on.

    ``until`` is ``None`` when the unbroken duty runs past ``at + horizon``;
    ``next_start`` looks at instants in ``(at, at + horizon]``.
    ``known``: the rules hold every dated shift that touches ``[at, at + known)``
    but maybe not later ones; ``None`` when the answer needs more than that.
    ``whole``: look at the whole horizon at once, for a caller that knows the shorter
    windows will not settle it (it asked them already).
    """
    for step in (horizon,) if whole else _steps(horizon):
        hi = at + step + 1
        if known is not None and hi - at > known:
            return None
        spans = duty_intervals(rules, zone, at, hi)
        on = bool(spans) and spans[0][0] <= at < spans[0][1]
        # Within [at, hi) every span start after ``at`` is real, and an end before
        # ``hi`` is real: settled unless the answer may lie beyond this window.
        until_known = not on or spans[0][1] < hi or step == horizon
        next_start = next((s for s, _ in spans if at < s <= at + step), None)
        if until_known and (next_start is not None or step == horizon):
            until = None
            if on:
                end = spans[0][1]
                until = end if end <= at + horizon else None
            return Status(on, until, next_start)
    raise AssertionError("unreachable")  # pragma: no cover
