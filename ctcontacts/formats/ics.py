"""iCalendar (RFC 5545) duty calendars: each VEVENT is a duty period of one contact.

A calendar is kept whole, whatever the dates of its events; nothing is cut to a
window around the day it is imported:

* a single event, and every instance of a series with an end (COUNT or UNTIL),
  becomes a dated shift: its exact instants, or whole days in the contact's zone
  for an all-day event;
* a series without an end stays a recurrence rule, read in the series' own zone
  (written into the rule when it is not the contact's) and ending each instance
  on the wall clock as calendars do (``R/START[ZONE]/END/RRULE``). Its exceptions
  are kept as data: an EXDATE or a cancelled instance is an ``off`` period where
  the instance was, a moved or changed instance that ``off`` period and a dated
  shift where it is now, an RDATE a dated shift;
* what cannot be kept so (a series beyond the limits of a duty pattern, a series
  whose zone no IANA name matches, more shifts than a contact may have) is
  refused with the event's UID and time: never cut.

``icalendar`` parses the file. Times become instants by the engine's rule (RFC
5545 §3.3.5, ``zones.Zone``) and the instances of a series are the occurrences
the engine expands from the rule it is stored as, so what is stored means what
every later lookup reads. An ``off`` period covers only what no other shift of
the same contact covers (a moved instance that overlaps its old time keeps it).
"""

from __future__ import annotations

import datetime as dt
import re

from ..base.errors import Problem
from ..time.isotime import Duration, ISOError, Stamp, parse_duration
from ..base.limits import (MAX_RECURRING_RULES_PER_CONTACT, MAX_ROSTER_STARTS_PER_DAY, MAX_RULES_PER_CONTACT,
                     MAX_RULES_PER_ROSTER, roster_load_problem)
from ..base.values import field, value_class
from ..domain.rules import Duty, Recurrence, RuleError, parse_rule, parse_stored, rrule_parts
from ..time.zones import lookup_zone
from ..time.isotime import format_utc

DAY = 86400
# Far enough to hold every instance of a series with COUNT or UNTIL (isotime.MAX_YEAR).
_FAR = int(dt.datetime(2199, 12, 31, tzinfo=dt.timezone.utc).timestamp())

# What the import report says of each contact a calendar names (``CalendarDuty.report``).
COUNTS = ("events", "series_kept_as_rules", "series_with_an_end", "dated_shifts", "off_periods",
          "exceptions_applied", "cancelled", "zero_length")


@value_class
class CalendarDuty:
    """What a calendar says: duty rules per contact id, problems, and what was read."""

    rules: dict[str, Duty] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # contact id -> COUNTS
    events: int = 0  # VEVENTs in the file
    unassigned: int = 0  # cancelled events that name no single contact (they give no duty)

    def report(self, file: str) -> dict:
        return {"file": file, "events": self.events, "unassigned_cancelled": self.unassigned,
                "contacts": [{"id": cid, **{k: counts.get(k, 0) for k in COUNTS}}
                             for cid, counts in sorted(self.counts.items())]}


class _Unusable(Exception):
    """Why an event cannot be kept; the message is user-facing."""


@value_class(frozen=True)
class _When:
    """A DTSTART, DTEND, EXDATE, RDATE or RECURRENCE-ID value: its wall-clock time in
    ``zone`` (an IANA name; ``None`` when no IANA zone matches its VTIMEZONE), and the
    instant it names. A date is midnight in the contact's zone."""

    wall: dt.datetime
    zone: str | None
    instant: int
    is_date: bool = False


# --- reading the file ---------------------------------------------------------------------


def _decode(name: str, data: bytes, out: CalendarDuty) -> str | None:
    """The calendar's text, decoded like roster files are (UTF-8, or UTF-16 with a BOM)."""
    from .readers import binary_problem, encoding_of, undecodable_problem

    encoding = encoding_of(data[:4])
    if encoding != "utf-16" and b"\x00" in data:
        out.problems.append(binary_problem(name))
        return None
    problem = undecodable_problem(name, data, encoding)
    if problem:
        out.problems.append(problem)
        return None
    return data.decode(encoding)


def _short(e: Exception) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text[:120]}{'…' if len(text) > 120 else ''}"


def _raw_durations(text: str) -> list[str | None]:
    """Each VEVENT's DURATION as written, in file order. icalendar reads ``PT24H`` as a
    day, but hours are exact and days nominal (RFC 5545 §3.3.6): they differ on the
    days the clocks change."""
    out: list[str | None] = []
    stack: list[str] = []
    for line in re.sub(r"\r?\n[ \t]", "", text).splitlines():
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            stack.append(upper[6:].strip())
            if stack[-1] == "VEVENT":
                out.append(None)
        elif upper.startswith("END:"):
            if stack:
                stack.pop()
        elif stack and stack[-1] == "VEVENT" and re.match(r"DURATION[;:]", upper):
            out[-1] = line.split(":", 1)[1].strip() if ":" in line else None
    return out


def _listed(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class _Matcher:
    """Which contact an event is about: --contact, else an ATTENDEE's e-mail (one who
    did not decline), else the contact's id or name as whole words in the SUMMARY."""

    def __init__(self, contacts, contact_id: str | None):
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
        hits: set[str] = set()
        for a in _listed(event.get("ATTENDEE")):
            if str(getattr(a, "params", {}).get("PARTSTAT", "")).upper() == "DECLINED":
                continue
            hits |= self.by_email.get(str(a).lower().removeprefix("mailto:"), set())
        if hits:
            return sorted(hits), "ATTENDEE"
        summary = str(event.get("SUMMARY", "")).casefold()
        found = sorted(cid for cid, pats in self.patterns if any(p.search(summary) for p in pats))
        return found, "SUMMARY"


class _Calendar:
    """One calendar's times: its zones, and X-WR-TIMEZONE (Google's zone of the calendar)."""

    def __init__(self, cal, zones: list[str]):
        self.tzids = {str(tz.get("TZID", "")): tz for tz in cal.walk("VTIMEZONE")}
        self.candidates = list(dict.fromkeys(zones))  # zones a custom VTIMEZONE may turn out to be
        self._names: dict[str, str | None] = {}
        self._matched: dict[str, tuple[str, int]] = {}  # TZID -> the zone its VTIMEZONE keeps, from a year
        written = str(cal.get("X-WR-TIMEZONE", "")).strip()
        self.floating = self.name(written) if written else None
        if written and self.floating is None:
            raise _Unusable(f"X-WR-TIMEZONE {written!r} is not a time zone")
        if self.floating:
            self.candidates.append(self.floating)

    def name(self, tzid: str, tzinfo=None, year: int = 2000) -> str | None:
        """The IANA zone a TZID names: as written, quoted, a Windows name ("W. Europe
        Standard Time"), vendor-prefixed ("/mozilla.org/20050126_1/Europe/Paris"), its
        VTIMEZONE's X-LIC-LOCATION; else a zone whose clock the VTIMEZONE keeps from
        ``year`` on ("Customized Time Zone", "(UTC+01:00) Amsterdam, Berlin, …"): the
        contacts', X-WR-TIMEZONE, then those Windows names stand for. Zones that agree
        from ``year`` to 2037 give a rule starting then the same instants, so the first
        that matches will do. GMT, Etc/UTC and the like are UTC."""
        key = f"{tzid}\n{year}"
        if key in self._names:
            return self._names[key]
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

        from ..time.zones import find_zone_name

        text = tzid.strip().strip('"').strip()
        parts = text.split("/")
        candidates = [text, WINDOWS_TO_OLSON.get(text), *("/".join(parts[i:]) for i in range(1, len(parts)))]
        block = self.tzids.get(tzid) or self.tzids.get(text)
        if block is not None:
            candidates.append(str(block.get("X-LIC-LOCATION", "")))
        found = next((find_zone_name(c) for c in candidates if c and find_zone_name(c)), None)
        if found is not None and lookup_zone(found).offsets == (0,):
            found = "UTC"  # one clock, whatever its name; and UTC names a place, as a rule's zone must
        if found is None and block is not None and tzinfo is not None:
            matched = self._matched.get(tzid)  # a zone that matched from an earlier year matches now
            if matched is not None and matched[1] <= year:
                found = matched[0]
            else:
                guesses = self.candidates + sorted(set(WINDOWS_TO_OLSON.values()))
                found = next((z for z in guesses if find_zone_name(z) and _same_clock(tzinfo, z, year)), None)
                if found is not None:
                    self._matched[tzid] = (found, year)
        self._names[key] = found
        return found

    def when(self, value, tzid, home: str) -> _When:
        """A date or date-time value of the calendar (``tzid``: its TZID parameter; ``home``:
        the contact's zone, where dates and, without X-WR-TIMEZONE, floating times are read)."""
        if isinstance(value, dt.datetime):
            value = value.replace(microsecond=0)
            if tzid:
                zone = self.name(str(tzid), value.tzinfo, value.year)
                wall = value.replace(tzinfo=None)
                if zone is not None:
                    return _When(wall, zone, lookup_zone(zone).to_utc(wall))
                if value.tzinfo is None:
                    raise _Unusable(f"time zone {str(tzid)!r} is neither an IANA or Windows name nor defined in a "
                                    "VTIMEZONE")
                return _When(wall, None, int(value.timestamp()))
            if value.tzinfo is None:  # floating: the calendar's zone, else the contact's
                zone = self.floating or home
                return _When(value, zone, lookup_zone(zone).to_utc(value))
            # UTC. With X-WR-TIMEZONE a series written in UTC recurs on that zone's
            # clock, as Google shows it (the x-wr-timezone reading of such files).
            instant = int(value.timestamp())
            zone = self.floating or "UTC"
            return _When(lookup_zone(zone).wall(instant), zone, instant)
        if not isinstance(value, dt.date):
            raise _Unusable(f"{value!r} is not a date or a date-time")
        wall = dt.datetime(value.year, value.month, value.day)
        return _When(wall, home, lookup_zone(home).to_utc(wall), True)

    def values(self, event, key: str, home: str) -> list:
        """Every value of a multi-valued property (EXDATE, RDATE), each a ``_When``
        or, for an RDATE period, a ``(_When, end instant)`` pair."""
        out = []
        for prop in _listed(event.get(key)):
            tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
            for item in getattr(prop, "dts", [prop]):
                value = item.dt
                if isinstance(value, tuple):  # PERIOD: start/end or start/duration
                    begin = self.when(value[0], tzid, home)
                    end = value[1]
                    stop = (begin.instant + int(end.total_seconds()) if isinstance(end, dt.timedelta)
                            else self.when(end, tzid, home).instant)
                    out.append((begin, stop))
                else:
                    out.append(self.when(value, tzid, home))
        return out


def _same_clock(tzinfo, zone_name: str, year: int) -> bool:
    """Whether a VTIMEZONE keeps the clock of an IANA zone from ``year`` (not before
    2000) to 2037, the end of the tables: the offsets agree weekly and on each side of
    every change of the IANA zone. A VTIMEZONE often gives only the rules of its day."""
    zone = lookup_zone(zone_name)
    lo = int(dt.datetime(min(max(year, 2000), 2036), 1, 1, tzinfo=dt.timezone.utc).timestamp())
    hi = int(dt.datetime(2037, 1, 1, tzinfo=dt.timezone.utc).timestamp())
    instants = list(range(lo, hi, 7 * DAY))
    instants += [t + d for t in zone.starts if lo < t < hi for d in (-1, 1)]
    try:
        return all(int(dt.datetime.fromtimestamp(t, tzinfo).utcoffset().total_seconds()) == zone.offset_at(t)
                   for t in instants)
    except Exception:  # a VTIMEZONE dateutil cannot evaluate matches nothing
        return False


def _when_text(event) -> str:
    try:
        value = event["DTSTART"].dt
        if isinstance(value, dt.datetime):
            tzid = event["DTSTART"].params.get("TZID")
            zone = str(tzid) if tzid else ("UTC" if value.tzinfo is not None else None)
            return value.strftime("%Y-%m-%dT%H:%M") + (f" ({zone})" if zone else "")
        return value.isoformat()
    except Exception:
        return "(unreadable start)"


# --- one contact's duty from a calendar ---------------------------------------------------


class _Instances:
    """The occurrences of a kept rule, as the engine expands them, computed a year at a
    time and kept: a calendar's exceptions ask about the same years again and again."""

    SPAN = 366 * DAY

    def __init__(self, rule: Recurrence, zone):
        self.rule, self.zone = rule, zone
        self.longest = rule.length().longest_seconds()
        self._chunks: dict[int, list[tuple[dt.datetime, int, int]]] = {}

    def _chunk(self, k: int) -> list[tuple[dt.datetime, int, int]]:
        if k not in self._chunks:
            from ..domain.engine import occurrences

            lo, hi = k * self.SPAN, (k + 1) * self.SPAN
            self._chunks[k] = [o for o in occurrences(self.rule, self.zone, lo, hi) if lo <= o[1] < hi]
        return self._chunks[k]

    def touching(self, s: int, e: int):
        """Occurrences that overlap ``[s, e)``."""
        for k in range((s - self.longest) // self.SPAN, (e - 1) // self.SPAN + 1):
            for occurrence in self._chunk(k):
                if occurrence[1] < e and occurrence[2] > s:
                    yield occurrence

    def starting(self, instant: int) -> tuple[int, int] | None:
        """The occurrence that starts at ``instant``, if there is one: its span."""
        for _, s, e in self._chunk(instant // self.SPAN):
            if s == instant:
                return s, e
        return None

    def on_day(self, day: dt.date, around: int) -> list[int]:
        """Starts of the occurrences whose wall-clock start falls on ``day``."""
        return [s for k in range((around - 2 * DAY) // self.SPAN, (around + 2 * DAY) // self.SPAN + 1)
                for wall, s, _ in self._chunk(k) if wall.date() == day]


class _Duty:
    """What a calendar gives one contact, before it is written as rules."""

    def __init__(self, zone_name: str):
        self.zone_name = zone_name
        self.zone = lookup_zone(zone_name)
        self.rules: list[tuple[Recurrence, str, str, _Instances]] = []  # (rule, text, uid, its occurrences)
        self.skipped: list[set[int]] = []  # per rule: starts of the instances not worked
        self.shifts: dict[str, tuple[int, int, str]] = {}  # text -> (start, end, uid)
        self.cut: list[tuple[int, int]] = []  # instances of kept rules that are not worked
        self.counts: dict[str, int] = dict.fromkeys(COUNTS, 0)
        self.by_event: dict[str, int] = {}  # uid -> rules it gives, to name the largest

    def shift(self, start: int, end: int, uid: str, date: dt.datetime | None = None, days: int = 0) -> None:
        """A dated shift: exact instants, or (``date``) whole days in the contact's zone."""
        if end <= start:
            return
        text = f"{date:%Y-%m-%d}T00:00/P{days}D" if date is not None else f"{format_utc(start)}/{format_utc(end)}"
        if text not in self.shifts:
            self.shifts[text] = (start, end, uid)
            self.by_event[uid] = self.by_event.get(uid, 0) + 1

    def texts(self) -> list[str]:
        """The rules, then the dated shifts, then the ``off`` periods, each sorted: the same
        calendar gives the same duty whatever the order of its events."""
        from bisect import bisect_left

        from ..domain.engine import merge, subtract

        off: list[tuple[int, int]] = []
        dated = sorted((a, b) for a, b, _ in self.shifts.values())
        starts = [a for a, _ in dated]
        longest = max((b - a for a, b in dated), default=0)
        for s, e in self.cut:
            others = [(a, b) for a, b in dated[bisect_left(starts, s - longest):bisect_left(starts, e)] if b > s]
            for (_, _, _, instances), skipped in zip(self.rules, self.skipped):
                others += [(a, b) for _, a, b in instances.touching(s, e) if a not in skipped]
            off += subtract([(s, e)], merge(others))
        off_texts = [f"off {format_utc(s)}/{format_utc(e)}" for s, e in merge(off)]
        self.counts["series_kept_as_rules"] = len(self.rules)
        self.counts["dated_shifts"] = len(self.shifts)
        self.counts["off_periods"] = len(off_texts)
        shifts = sorted(self.shifts, key=lambda t: (self.shifts[t][0], self.shifts[t][1], t))
        return sorted(text for _, text, _, _ in self.rules) + shifts + off_texts


class _Event:
    """A master VEVENT with its overrides (RECURRENCE-ID), read for one contact."""

    def __init__(self, reader: _Reader, uid: str, event, index: int, overrides: list):
        self.reader, self.uid, self.event, self.index, self.overrides = reader, uid, event, index, overrides
        self.where = f"event UID {uid} at {_when_text(event)}"

    # -- lengths

    def length(self, event, index: int | None, start: _When, home: str) -> tuple[str, object, int]:
        """How an instance of ``event`` lasts: ``("days", n)`` (all-day, or whole days on the
        wall clock), ``("end", wall)`` (DTEND: the same wall-clock time later in each
        instance, as calendars show it), ``("duration", Duration)`` (DURATION as RFC 5545
        reads it: nominal days, exact hours) or ``("zero", None)``; and the end instant
        of the instance that starts at ``start``."""
        cal = self.reader.calendar
        if "DURATION" in event:
            raw = self.reader.durations[index] if index is not None and index < len(self.reader.durations) else None
            try:
                duration = parse_duration(raw) if raw else _timedelta_duration(event["DURATION"].dt)
            except (ISOError, TypeError, AttributeError):
                raise _Unusable(f"DURATION {raw or event['DURATION'].to_ical().decode()!r} is not a positive "
                                "duration") from None
            if duration.is_zero():
                return "zero", None, start.instant
            if start.is_date and not duration.seconds:
                days = duration.add_nominal(start.wall) - start.wall
                return "days", days.days, lookup_zone(start.zone).to_utc(start.wall + days)
            from ..domain.engine import add_duration

            if start.zone is None:  # a VTIMEZONE no IANA zone matches: days of 24 hours
                if duration.years or duration.months:
                    raise _Unusable("a DURATION in months or years needs a time zone with an IANA name")
                return "duration", duration, start.instant + duration.days * DAY + duration.seconds
            return "duration", duration, add_duration(start.instant, start.wall, duration,
                                                      lookup_zone(start.zone))
        if "DTEND" in event:
            value = event["DTEND"].dt
            if isinstance(value, dt.datetime) != isinstance(event["DTSTART"].dt, dt.datetime):
                raise _Unusable("DTSTART and DTEND mix a date and a date-time")
            end = cal.when(value, event["DTEND"].params.get("TZID"), home)
            if end.instant < start.instant or (start.is_date and end.wall < start.wall):
                raise _Unusable("the event ends before it starts")
            if end.instant == start.instant:
                return "zero", None, start.instant
            if start.zone is None:
                return "duration", Duration(seconds=end.instant - start.instant), end.instant
            wall = end.wall if end.zone == start.zone else lookup_zone(start.zone).wall(end.instant)
            delta = wall - start.wall
            if delta <= dt.timedelta(0):  # a fold: earlier on the wall clock, later in time
                return "duration", Duration(seconds=end.instant - start.instant), end.instant
            if not delta.seconds:
                return "days", delta.days, end.instant
            return "end", wall, end.instant
        if start.is_date:  # an all-day event without an end is one day (RFC 5545 §3.6.1)
            return "days", 1, lookup_zone(start.zone).to_utc(start.wall + dt.timedelta(days=1))
        return "zero", None, start.instant  # a date-time without an end ends when it starts

    # -- the whole event

    def read(self, duty: _Duty, owner: str) -> None:
        event = self.event
        cal = self.reader.calendar
        start = cal.when(event["DTSTART"].dt, event["DTSTART"].params.get("TZID"), duty.zone_name)
        kind, length, first_end = self.length(event, self.index, start, duty.zone_name)
        rrules = _listed(event.get("RRULE"))
        if len(rrules) > 1:
            raise _Unusable("the event has several RRULEs (RFC 2445); give one event per rule")
        if kind == "zero":
            duty.counts["zero_length"] += 1
            return
        if not rrules and "RDATE" not in event:
            duty.shift(start.instant, first_end, self.uid, *_days(start.wall, start.is_date, kind, length))
            return
        if not rrules:  # DTSTART and RDATEs only: a finite set, like a series with an end
            self._finite(duty, owner, start, None, kind, length, first_end)
            return
        if start.zone is None:
            raise _Unusable(f"time zone {str(event['DTSTART'].params.get('TZID'))!r} matches no IANA zone, and a "
                            "recurring event needs one to be kept")
        text = rrules[0].to_ical().decode()
        rule = self._rule(start.wall, start.zone, duty.zone_name, kind, length, text)
        parts = rrule_parts(rule.rrule)
        if "COUNT" in parts or rule.until is not None:
            self._finite(duty, owner, start, rule, kind, length, first_end)
        else:
            self._endless(duty, owner, start, rule, kind, length, first_end)

    def _rule(self, wall: dt.datetime, zone: str, home: str, kind: str, length, rrule: str) -> Recurrence:
        zone_part = "" if zone == home else f"[{zone}]"
        size = f"P{length}D" if kind == "days" else str(Stamp(length)) if kind == "end" else str(length)
        text = f"R/{Stamp(wall)}{zone_part}/{size}/{rrule}"
        try:
            rule = parse_rule(text)
        except RuleError as e:
            raise _Unusable(f"the series cannot be kept as a duty rule: {e}") from None
        return rule

    def _instances(self, duty: _Duty, rule: Recurrence | None, start: _When, first_end: int) -> dict:
        """Every instance of a finite series, by start instant: its start, end and
        wall-clock start. DTSTART is one even when it is off the rule (RFC 5545), and
        COUNT counts it then (dateutil counts only the rule's matches)."""
        from ..domain.engine import occurrences

        found = []
        if rule is not None and rule.until is not None and (rule.until.wall.year > 2199):
            raise _Unusable("the series ends after 2199; leave its end out to keep it as a rule")
        if rule is not None:
            for occurrence in occurrences(rule, duty.zone, start.instant - 2 * DAY, _FAR):
                found.append(occurrence)
                if len(found) > MAX_RULES_PER_CONTACT:
                    raise _Unusable(f"the series gives more than {MAX_RULES_PER_CONTACT:,} shifts, more than a "
                                    "contact may have; end it sooner, or leave its end out to keep it as a rule")
        out = {}
        if not found or found[0][0] != start.wall:
            out[start.instant] = (start.instant, first_end, start.wall)
            count = rrule_parts(rule.rrule).get("COUNT") if rule is not None else None
            if count:
                found = found[:int(count) - 1]
        for wall, s, e in found:
            out.setdefault(s, (s, e, wall))
        return out

    def _finite(self, duty: _Duty, owner: str, start: _When, rule: Recurrence | None, kind: str, length,
                first_end: int) -> None:
        """A series with an end (or DTSTART and RDATEs only): every instance a dated shift."""
        instances = self._instances(duty, rule, start, first_end)
        applied = 0
        for extra in self.reader.calendar.values(self.event, "RDATE", duty.zone_name):
            s, e, wall = self._extra(duty, rule, start, kind, length, extra)
            if s not in instances:
                instances[s] = (s, e, wall)
                applied += 1
        for when in self.reader.calendar.values(self.event, "EXDATE", duty.zone_name):
            if when.is_date and not start.is_date:  # a date excludes the instances of that day
                day = when.wall.date()
                gone = [s for s, (_, _, wall) in instances.items() if wall is not None and wall.date() == day]
            else:
                gone = [when.instant] if when.instant in instances else []
            for s in gone:
                del instances[s]
            applied += bool(gone)
        moved = []
        for override, index in self.overrides:
            original = self.reader.calendar.when(override["RECURRENCE-ID"].dt,
                                                 override["RECURRENCE-ID"].params.get("TZID"), duty.zone_name)
            before = instances.get(original.instant)
            if not self.reader.unchanged(override, index, before, owner):
                instances.pop(original.instant, None)
                moved.append((override, index, before))
        for s, e, wall in instances.values():
            duty.shift(s, e, self.uid, *_days(wall, start.is_date, kind, length))
        for override, index, before in moved:
            applied += self.reader.override(override, index, before, self.uid, owner, duty)
        if rule is not None:
            duty.counts["series_with_an_end"] += 1
        duty.counts["exceptions_applied"] += applied

    def _extra(self, duty: _Duty, rule: Recurrence | None, start: _When, kind: str, length, extra):
        """An RDATE's instance: a period as given, or an instance of the series' length."""
        if isinstance(extra, tuple):
            begin, stop = extra
            return begin.instant, stop, None
        if rule is not None:
            from ..domain.engine import shift_like

            zone = lookup_zone(rule.timezone or duty.zone_name)
            wall = extra.wall if extra.zone == zone.name or extra.is_date else zone.wall(extra.instant)
            s, e = shift_like(rule, duty.zone, wall)
            return s, e, wall
        # no RRULE: the event's own length from this start
        if kind == "days":
            return extra.instant, lookup_zone(extra.zone).to_utc(extra.wall + dt.timedelta(days=length)), extra.wall
        if kind == "end":
            zone = lookup_zone(start.zone)
            wall = extra.wall if extra.zone == start.zone else zone.wall(extra.instant)
            return extra.instant, zone.to_utc(wall + (length - start.wall)), wall
        from ..domain.engine import add_duration

        if extra.zone is None:
            return extra.instant, extra.instant + length.seconds, extra.wall
        return extra.instant, add_duration(extra.instant, extra.wall, length, lookup_zone(extra.zone)), extra.wall

    def _endless(self, duty: _Duty, owner: str, start: _When, rule: Recurrence, kind: str, length,
                 first_end: int) -> None:
        """A series without an end: its rule, with its exceptions as data."""
        from ..domain.engine import occurrences

        first = next(iter(occurrences(rule, duty.zone, start.instant - 2 * DAY, _FAR)), None)
        extras: dict[int, tuple[int, int, dt.datetime | None]] = {}
        if first is None or first[0] != start.wall:
            # DTSTART off its rule is still an instance (RFC 5545): a dated shift, and the
            # rule starts at its own first occurrence.
            extras[start.instant] = (start.instant, first_end, start.wall)
            if first is not None:
                shift = first[0] - start.wall
                rule = self._rule(first[0], start.zone, duty.zone_name, kind,
                                  length + shift if kind == "end" else length, rule.source_rrule)
        index = len(duty.rules)
        instances = _Instances(rule, duty.zone)
        duty.rules.append((rule, rule.text(), self.uid, instances))
        duty.skipped.append(set())
        duty.by_event[self.uid] = duty.by_event.get(self.uid, 0) + 1
        applied = 0
        for extra in self.reader.calendar.values(self.event, "RDATE", duty.zone_name):
            s, e, wall = self._extra(duty, rule, start, kind, length, extra)
            if s not in extras and not instances.starting(s):
                extras[s] = (s, e, wall)
                applied += 1

        def drop(instant: int) -> tuple[int, int] | None:
            """Take the instance that starts at ``instant`` out; its span, if there was one."""
            if instant in extras:
                s, e, _ = extras.pop(instant)
                return s, e
            span = instances.starting(instant)
            if span is not None and instant not in duty.skipped[index]:
                duty.skipped[index].add(instant)
                duty.cut.append(span)
                return span
            return None

        for when in self.reader.calendar.values(self.event, "EXDATE", duty.zone_name):
            if when.is_date and not start.is_date:  # a date excludes the instances of that day
                day = when.wall.date()
                starts = [s for s, (_, _, wall) in extras.items() if wall is not None and wall.date() == day]
                starts += instances.on_day(day, when.instant)
            else:
                starts = [when.instant]
            applied += any([drop(s) is not None for s in starts])
        for override, override_index in self.overrides:
            original = self.reader.calendar.when(override["RECURRENCE-ID"].dt,
                                                 override["RECURRENCE-ID"].params.get("TZID"), duty.zone_name)
            span = extras.get(original.instant) or instances.starting(original.instant)
            before = None if span is None else (span[0], span[1], None)
            if self.reader.unchanged(override, override_index, before, owner):
                continue
            drop(original.instant)
            applied += self.reader.override(override, override_index, before, self.uid, owner, duty)
        for s, e, wall in extras.values():
            duty.shift(s, e, self.uid, *_days(wall, start.is_date, kind, length))
        duty.counts["exceptions_applied"] += applied


class _Reader:
    """Reads a calendar for the contacts of one roster."""

    def __init__(self, name: str, cal, contacts, contact_id: str | None, text: str):
        self.name = name
        self.zone_of = {c.id: c.timezone for c in contacts}
        self.match = _Matcher(contacts, contact_id)
        self.calendar = _Calendar(cal, list(self.zone_of.values()))
        self.durations = _raw_durations(text)
        if len(self.durations) != len(cal.walk("VEVENT")):  # a file laid out oddly: icalendar's reading
            self.durations = []
        self.duties: dict[str, _Duty] = {}

    def duty(self, cid: str) -> _Duty:
        if cid not in self.duties:
            self.duties[cid] = _Duty(self.zone_of[cid])
        return self.duties[cid]

    def owner_of(self, event, series_owner: str) -> str:
        """Who a moved or swapped instance goes to: the contact it names, else the series'."""
        ids, _ = self.match(event)
        return ids[0] if len(ids) == 1 else series_owner

    def _span(self, override, index: int, home: str, before) -> tuple[int, int, tuple]:
        """An override's start and end, and how its text is written (``_days``)."""
        start = self.calendar.when(override["DTSTART"].dt, override["DTSTART"].params.get("TZID"), home)
        if "DTEND" in override or "DURATION" in override or before is None:
            kind, length, end = _Event(self, "", override, index, []).length(override, index, start, home)
        else:  # an override without an end lasts as long as the instance it replaces
            kind, length, end = "duration", None, start.instant + (before[1] - before[0])
        return start.instant, end, _days(start.wall, start.is_date, kind, length)

    def unchanged(self, override, index: int, before, series_owner: str) -> bool:
        """Whether an override leaves its instance as it was (same times, same contact)."""
        if before is None or _cancelled(override):
            return False
        if "DTSTART" not in override:  # nothing it says about the times can be read
            return True
        s, e, _ = self._span(override, index, self.zone_of[series_owner], before)
        return (s, e) == (before[0], before[1]) and self.owner_of(override, series_owner) == series_owner

    def override(self, override, index: int, before, uid: str, series_owner: str, duty: _Duty) -> int:
        """A moved, changed, swapped or cancelled instance: its new shift, for whom it names.
        Returns how many exceptions that applies (0 or 1)."""
        if _cancelled(override):
            return 1
        if "DTSTART" not in override:  # an instance that was not there, with no time of its own
            return 0
        cid = self.owner_of(override, series_owner)
        target = self.duty(cid)
        if cid != series_owner:
            target.counts["events"] += 1
        s, e, days = self._span(override, index, self.zone_of[cid], before)
        target.shift(s, e, uid, *days)
        return 1


def _days(wall: dt.datetime | None, is_date: bool, kind: str, length) -> tuple[dt.datetime | None, int]:
    """How a dated shift is written: whole days from a date in the contact's zone (an
    all-day event), or ``(None, 0)``: its exact instants."""
    return (wall, length) if wall is not None and is_date and kind == "days" else (None, 0)


def _timedelta_duration(delta: dt.timedelta) -> Duration:
    if delta <= dt.timedelta(0):
        raise TypeError("not positive")
    return Duration(days=delta.days, seconds=delta.seconds)


def read_calendar(name: str, data: bytes, contacts, *, contact_id: str | None) -> CalendarDuty:
    """The duty a calendar gives each contact of a roster (``contacts``, with their
    current duty, to hold the roster's limits)."""
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
    try:
        reader = _Reader(name, cal, contacts, contact_id, text)
    except _Unusable as e:
        out.problems.append(Problem(name, "file", "X-WR-TIMEZONE", str(e)))
        return out

    masters: dict[str, tuple[object, int]] = {}
    overrides: dict[str, list] = {}
    events = cal.walk("VEVENT")
    out.events = len(events)
    for i, event in enumerate(events):
        uid = str(event.get("UID", "")) or f"(no UID, event {i + 1})"
        if "RECURRENCE-ID" in event:
            overrides.setdefault(uid, []).append((event, i))
        elif uid in masters:
            out.problems.append(Problem(name, f"event UID {uid}", "UID",
                                        "two events share this UID; each needs its own"))
        else:
            masters[uid] = (event, i)
    # A moved instance without its series (as invitations to one instance come) is
    # an event of its own.
    for uid, items in overrides.items():
        if uid not in masters:
            for k, (event, i) in enumerate(items):
                masters[f"{uid} (instance {k + 1})"] = (event, i)
    for uid, (event, i) in masters.items():
        mine = [] if "RECURRENCE-ID" in event else overrides.get(uid, [])
        item = _Event(reader, uid, event, i, mine)
        try:
            _read_event(reader, item, out)
        except _Unusable as e:
            out.problems.append(Problem(name, item.where, "", str(e)))
        except Exception as e:  # a value icalendar parsed but cannot turn into a time
            out.problems.append(Problem(name, item.where, "", f"cannot be read ({_short(e)})"))
    if out.problems:
        return out
    _finish(name, reader, contacts, out)
    return out


def _cancelled(event) -> bool:
    return str(event.get("STATUS", "")).upper() == "CANCELLED"


def _read_event(reader: _Reader, item: _Event, out: CalendarDuty) -> None:
    event = item.event
    cancelled = _cancelled(event)
    if "DTSTART" not in event and not cancelled:
        raise _Unusable("the event has no start (DTSTART)")
    ids, how = reader.match(event)
    if cancelled:  # gives no duty: counted for its contact, and needs none
        if len(ids) == 1:
            duty = reader.duty(ids[0])
            duty.counts["events"] += 1 + len(item.overrides)
            duty.counts["cancelled"] += 1
        else:
            out.unassigned += 1
        return
    if not ids:
        raise _Unusable(f"matches no contact of the roster ({str(event.get('SUMMARY', ''))!r}); name the "
                        "contact's id or name in SUMMARY, invite their e-mail, or give --contact")
    if len(ids) > 1:
        raise _Unusable(f"{how} matches several contacts ({', '.join(ids)}); each event is one contact's duty")
    for override, _ in item.overrides:
        if override["RECURRENCE-ID"].params.get("RANGE"):
            raise _Unusable("an instance changed with RANGE=THISANDFUTURE cannot be kept as it is; split the series "
                            "into two (an end on the first, a new series from the change)")
    duty = reader.duty(ids[0])
    duty.counts["events"] += 1 + sum(_cancelled(o) or reader.owner_of(o, ids[0]) == ids[0] for o, _ in item.overrides)
    if "RECURRENCE-ID" in event:  # a lone instance: an event of its own
        event = event.copy()
        del event["RECURRENCE-ID"]
        item.event = event
    item.read(duty, ids[0])


def _finish(name: str, reader: _Reader, contacts, out: CalendarDuty) -> None:
    """Each contact's duty as checked rule texts, within the limits of a contact and of
    the roster (with the duty of the contacts the calendar does not name)."""
    from .validate import dated_span

    total = 0
    load = 0.0
    for c in contacts:
        if c.id in reader.duties:
            continue
        total += len(c.duty)
        for rule in c.duty:
            if getattr(rule, "span", None) is None:
                try:
                    load += parse_stored(rule.text()).starts_per_day()
                except RuleError:
                    pass
    for cid, duty in sorted(reader.duties.items()):
        texts = duty.texts()
        out.counts[cid] = duty.counts
        checked = Duty()
        for text in texts:
            try:
                rule = parse_rule(text)
            except RuleError as e:  # pragma: no cover - every text above is written to parse
                out.problems.append(Problem(name, f"contact {cid}", "duty", str(e)))
                continue
            checked.append(rule.text(), dated_span(rule, duty.zone))
            if not text.startswith(("R/", "off R/")):
                continue
            load += rule.starts_per_day()
        out.rules[cid] = checked
        total += len(checked)
        biggest = ", ".join(f"UID {uid} ({n:,})" for uid, n in sorted(duty.by_event.items(), key=lambda kv: -kv[1])[:3])
        if len(checked) > MAX_RULES_PER_CONTACT:
            out.problems.append(Problem(name, f"contact {cid}", "duty", f"the calendar gives {len(checked):,} duty "
                                        f"rules (most from {biggest}); a contact may have at most "
                                        f"{MAX_RULES_PER_CONTACT:,}: split the calendar over several contacts"))
        if len(duty.rules) > MAX_RECURRING_RULES_PER_CONTACT:
            series = ", ".join(f"UID {uid}" for _, _, uid, _ in duty.rules[:3])
            out.problems.append(Problem(name, f"contact {cid}", "duty", f"the calendar gives {len(duty.rules)} series "
                                        f"without an end ({series}, …); a contact may have at most "
                                        f"{MAX_RECURRING_RULES_PER_CONTACT}: give the old ones an end (UNTIL)"))
    if total > MAX_RULES_PER_ROSTER:
        out.problems.append(Problem(name, "file", "duty", f"with this calendar the roster holds {total:,} duty rules; "
                                    f"a roster may have at most {MAX_RULES_PER_ROSTER:,}"))
    if load > MAX_ROSTER_STARTS_PER_DAY:
        out.problems.append(Problem(name, "file", "duty", f"with this calendar the roster is too dense: "
                                    f"{roster_load_problem(load)}"))
