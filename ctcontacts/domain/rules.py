"""Duty rules: parsing the roster text into data, and back to one-string form.

A rule is data (wall-clock times, a zone-independent description); turning it
into UTC instants is the duty engine's job (``engine.py``), which is the only
place that knows the time semantics.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from functools import lru_cache

from ..time.isotime import MAX_YEAR, MIN_YEAR, Duration, ISOError, Stamp, parse_duration, parse_stamp
from ..base.limits import (MAX_COUNT, MAX_COUNT_YEARS, MAX_OCCURRENCE_DAYS, MAX_OVERLAP, MAX_RULE_CHARS,
                     MAX_STARTS_PER_DAY,
                     RECURRENCE_FREQS)
from ..base.values import field, value_class


def _lazy(pattern: str, flags: int = 0):
    """A pattern compiled on first use: imports and recurrences need these, and a lookup
    of weekly windows alone should not compile them (0.5 ms of a 32 ms whois)."""
    return lru_cache(maxsize=1)(lambda: re.compile(pattern, flags))


class RuleError(ValueError):
    """A duty rule that cannot be read; the message quotes the offending text."""


DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_INDEX = {d.lower(): i for i, d in enumerate(DAYS)}


@value_class(frozen=True)
class Always:
    def text(self) -> str:
        return "24/7"

    def starts_per_day(self) -> float:
        return 0.0


@value_class(frozen=True)
class Window:
    """One weekly window: starting on ``weekday`` (0 = Monday) at ``start`` seconds after
    midnight, ending at ``end`` seconds after midnight of the same day (``end`` may be
    86400 for 24:00), or of the next day when ``end <= start``."""

    weekday: int
    start: int
    end: int

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


@value_class(frozen=True)
class Weekly:
    windows: tuple[Window, ...]
    source: str = field(compare=False, default="")

    def text(self) -> str:
        return self.source

    def starts_per_day(self) -> float:
        """What a lookup expands per day of its horizon: a seventh of the windows."""
        return len(self.windows) / 7

    def by_weekday(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """For each weekday (0 = Monday), its windows as (start, end) seconds after that
        day's midnight, an overnight end counted into the next day (past 86400). Worked
        out once a rule: the engine reads it for every day it expands."""
        days = self.__dict__.get("_by_weekday")
        if days is None:
            days = tuple(tuple((w.start, w.end + (86400 if w.overnight else 0)) for w in self.windows
                               if w.weekday == d) for d in range(7))
            object.__setattr__(self, "_by_weekday", days)
        return days


@value_class(frozen=True)
class Interval:
    """``start``/``end``; either side may instead be a duration (not both)."""

    start: Stamp | None
    end: Stamp | None
    duration: Duration | None = None

    def text(self) -> str:
        if self.start is not None and self.end is not None:
            return f"{self.start}/{self.end}"
        if self.start is not None:
            return f"{self.start}/{self.duration}"
        return f"{self.duration}/{self.end}"

    def starts_per_day(self) -> float:
        return 0.0  # one span, whatever the horizon


@value_class(frozen=True)
class Recurrence:
    """RRULE expanded on wall-clock times from ``start``, in the rule's own ``timezone``
    if it names one (else the contact's). Each occurrence lasts ``duration`` or, when
    the rule gives ``end`` (the first occurrence's wall-clock end) instead, ends as far
    from its start on the wall clock as ``end`` is from ``start``: how calendars end
    each instance of an event given by DTSTART and DTEND."""

    rrule: str  # without UNTIL, which we apply ourselves (it may be local or UTC)
    start: dt.datetime
    duration: Duration | None
    until: Stamp | None = None  # inclusive bound on an occurrence's start
    source_rrule: str = ""
    timezone: str | None = None  # an IANA name; None: the contact's zone
    end: dt.datetime | None = None  # wall-clock end of the first occurrence, instead of ``duration``

    def text(self) -> str:
        zone = f"[{self.timezone}]" if self.timezone else ""
        length = Stamp(self.end) if self.end is not None else self.duration
        return f"R/{Stamp(self.start)}{zone}/{length}/{self.source_rrule or self.rrule}"

    def starts_per_day(self) -> float:
        return _rrule_starts_per_day(self.rrule)

    def in_zone(self, default):
        """The ``zones.Zone`` the rule is read in: its own, else ``default`` (the contact's)."""
        if self.timezone is None:
            return default
        from ..time.zones import lookup_zone

        return lookup_zone(self.timezone)

    def length(self) -> Duration:
        """How long an occurrence lasts, as a duration: ``duration``, or the wall-clock
        time from ``start`` to ``end`` counted as days and seconds. For the limits and
        for how far back a lookup looks; the engine ends occurrences by ``end`` itself."""
        if self.duration is not None:
            return self.duration
        delta = self.end - self.start
        return Duration(days=delta.days, seconds=delta.seconds)


@value_class(frozen=True)
class Off:
    """Not on duty during ``rule``, whatever the other rules say."""

    rule: Interval | Weekly | Recurrence

    def text(self) -> str:
        return f"off {self.rule.text()}"

    def starts_per_day(self) -> float:
        return self.rule.starts_per_day()


class Dated:
    """A dated interval (or an 'off' one) read back from the database as the UTC
    instants computed when it was imported, not re-parsed. Only lookups build it,
    and only when the time-zone release then and now is the same (see store.py):
    a year of dated shifts costs a lookup no parsing at all.

    A plain class with slots, not a ``value_class``: a lookup of a network builds one
    per dated row it reads (6,000 on the JSON benchmark world), 0.10 us each, where the
    frozen value class took 0.55. Compared and hashed by its instants and ``off``, as
    one would be; never changed once made."""

    __slots__ = ("start", "end", "off", "source")

    def __init__(self, start: int, end: int, off: bool = False, source: str = ""):
        self.start = start
        self.end = end
        self.off = off
        self.source = source

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Dated:
            return NotImplemented
        return (self.start, self.end, self.off) == (other.start, other.end, other.off)

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.off))

    def __repr__(self) -> str:
        return f"Dated(start={self.start!r}, end={self.end!r}, off={self.off!r}, source={self.source!r})"

    def text(self) -> str:
        return self.source

    def starts_per_day(self) -> float:
        return 0.0


Rule = Always | Weekly | Interval | Recurrence | Off | Dated


class RuleText:
    """A rule already validated, kept only as its one-string form.

    What an import holds and compares: a parsed rule costs ten times the memory
    of its text, and a year of dated shifts is hundreds of thousands of rules.
    The duty engine never sees these; lookups parse what the database holds.
    """

    # Two plain slots rather than a ``span`` tuple: 50 bytes less per rule, 75 MB
    # less for a world file of a million and a half shifts.
    __slots__ = ("_text", "starts", "ends")

    def __init__(self, text: str, span: tuple[int, int] | None = None):
        self._text = text
        # For a dated interval (or an 'off' one): its UTC instants in the contact's
        # zone, stored beside the text so lookups can skip shifts far from their moment.
        self.starts, self.ends = span if span is not None else (None, None)

    @property
    def span(self) -> tuple[int, int] | None:
        return None if self.starts is None else (self.starts, self.ends)

    def text(self) -> str:
        return self._text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleText) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)

    def __repr__(self) -> str:
        return f"RuleText({self._text!r})"


_NO_INSTANT = -(2**63)


class Duty:
    """A contact's validated duty rules, packed: their texts (``PackedTexts``) and the
    instants of the dated ones in two arrays. 61 bytes a dated shift, its text included,
    where a list of its texts took 107 and a list of ``RuleText`` 145: what an import of
    a 1.5-million-rule world holds until it writes them.
    Reads like a list of ``RuleText``; compares by the texts, in order."""

    __slots__ = ("_texts", "starts", "ends")

    def __init__(self, rules=()):
        from array import array  # here, not at the top: lookups never build a Duty

        from ..base.packed import PackedTexts

        self._texts = PackedTexts()
        self.starts = array("q")
        self.ends = array("q")
        for rule in rules:
            self.append(rule.text(), getattr(rule, "span", None))

    def append(self, text: str, span: tuple[int, int] | None = None) -> None:
        self._texts.append(text)
        start, end = span if span is not None else (_NO_INSTANT, _NO_INSTANT)
        self.starts.append(start)
        self.ends.append(end)

    def extend(self, texts: list[str], starts: list[int], ends: list[int]) -> None:
        """``append`` of each dated rule of ``texts``, whose instants are ``starts`` and ``ends``."""
        self._texts.extend(texts)
        self.starts.extend(starts)
        self.ends.extend(ends)

    def texts(self) -> list[str]:
        """Every rule's text, in order."""
        return list(self._texts)

    def latest_end(self) -> int:
        """The latest end of the dated rules; 0 when there are none."""
        return max(max(self.ends, default=0), 0)  # rules without instants hold _NO_INSTANT

    def longest_span(self) -> int:
        """The length in seconds of the longest dated rule; 0 when there are none.
        (Asked of every contact an import writes: a contact of dated shifts only, a year
        of them, is measured in C, ``map``, not a Python step per shift.)"""
        if self.all_dated():
            return max(map(operator.sub, self.ends, self.starts), default=0)
        return max((e - s for s, e in zip(self.starts, self.ends) if s != _NO_INSTANT), default=0)

    def all_dated(self) -> bool:
        """Whether every rule has instants (a contact given only dated shifts)."""
        return _NO_INSTANT not in self.starts

    def rows(self):
        """``(text, starts, ends)`` per rule, instants ``None`` unless dated: what the database stores."""
        for text, start, end in zip(self.texts(), self.starts, self.ends):
            yield (text, None, None) if start == _NO_INSTANT else (text, start, end)

    def __iter__(self):
        for text, start, end in self.rows():
            yield RuleText(text, None if start is None else (start, end))

    def __getitem__(self, i: int) -> RuleText:
        text = self._texts[i]
        start = self.starts[i]
        return RuleText(text, None if start == _NO_INSTANT else (start, self.ends[i]))

    def __len__(self) -> int:
        return len(self._texts)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Duty):
            return self._texts == other._texts
        if isinstance(other, list):
            return len(other) == len(self) and all(
                isinstance(r, RuleText) and r.text() == t for r, t in zip(other, self.texts()))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Duty({self.texts()!r})"


def parse_rule(value: object, *, stored: bool = False) -> Rule:
    """A rule from a roster: a string in one-string form, or a JSON object.

    ``stored``: the text was validated when it was imported, so the costly check
    that a recurrence ever occurs is skipped (a lookup reads it back every time).
    """
    if isinstance(value, str):
        if len(value) > MAX_RULE_CHARS:
            raise RuleError(f"{_clip(value)}: a duty rule is at most {MAX_RULE_CHARS:,} characters")
        return _parse_text(value, stored)
    if isinstance(value, dict):
        return _parse_object(value)
    raise RuleError(f"a duty rule must be a string or an object, not {type(value).__name__}")


def parse_given(value: object) -> Rule:
    """``parse_rule`` of a rule a roster file gives, a text parsed once per process (an
    import's process: once per import).

    Fast path: a directory repeats its rules' texts in roster after roster (office
    hours, 24/7, a rota's recurrence), and a recurrence's parse includes the check that
    it ever occurs: on the JSON benchmark world (2,590 rosters, every rule kind in
    each), rules other than plain dated shifts took 8 % of the import."""
    return _parse_given_text(value) if isinstance(value, str) else parse_rule(value)


@lru_cache(maxsize=4096)
def _parse_given_text(text: str) -> Rule:
    return parse_rule(text)


@lru_cache(maxsize=8192)
def parse_stored(text: str) -> Rule:
    """A rule read back from the database, parsed once per process (rules are
    immutable, and a network board meets the same texts, Mo-Fr 08:00-18:00 or 24/7,
    in member after member). ``RuleError`` when it is beyond the limits."""
    return parse_rule(text, stored=True)


def is_dated_shift(text: str) -> bool:
    """Whether a rule's one-string form is a plain dated interval (``2026-12-01T08:00/PT12H``),
    as rosters sent shift by shift hold hundreds of."""
    t = text.strip()
    return "/" in t and t[:2].upper() != "R/" and bool(re.match(r"^(\d{4}-\d{2}-\d{2}|P[\dTYMWDHS]+/)", t, re.I))


def _parse_text(text: str, stored: bool = False) -> Rule:
    t = text.strip()
    if not t:
        raise RuleError("the duty rule is empty")
    if t.lower() in ("24/7", "24x7"):
        return Always()
    if t[:4].lower() == "off ":
        inner = _parse_text(t[4:], stored)
        return _off(inner, t)
    if t[:2].upper() == "R/":
        m = _ONE_STRING().match(t)
        if not m:
            raise RuleError(
                f"{_clip(text)}: a recurrence is written R/START/DURATION/RRULE, "
                "e.g. R/2026-11-02T09:00/P7D/FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
            )
        return _recurrence(m["rrule"], m["start"], m["length"], text, stored, zone=m["zone"])
    if re.match(r"^\s*(\d{4}-\d{2}-\d{2}|P[\dTYMWDHS]+/)", t, re.I) and "/" in t:
        return _interval(t)
    return _weekly(t)


def _parse_object(obj: dict) -> Rule:
    keys = set(obj)
    if len(repr(obj)) > MAX_RULE_CHARS:
        raise RuleError(f"{_clip(obj)}: a duty rule is at most {MAX_RULE_CHARS:,} characters")
    if keys == {"off"}:
        inner = parse_rule(obj["off"])
        return _off(inner, repr(obj))
    if "rrule" in keys:
        unknown = keys - set(RECURRENCE_FIELDS)
        if unknown:
            raise RuleError(f"unknown key(s) {_clip(', '.join(sorted(unknown)))} in a recurrence; "
                            "use rrule, start, duration (or end) and, if it is not the contact's, timezone")
        missing = [k for k in ("rrule", "start") if k not in obj]
        if "duration" not in obj and "end" not in obj:
            missing.append("duration")
        if missing:
            raise RuleError(f"a recurrence needs {', '.join(missing)}")
        if "duration" in obj and "end" in obj:
            raise RuleError("a recurrence has a duration or an end, not both")
        if not all(isinstance(v, str) for v in obj.values()):
            raise RuleError(f"{', '.join(k for k in RECURRENCE_FIELDS if k in obj)} must be strings")
        m = _ZONED_START().match(obj["start"].strip())
        zone = obj.get("timezone")
        if m and m["zone"] is not None:
            if zone is not None and (place_zone(zone) or zone) != (place_zone(m["zone"]) or m["zone"]):
                raise RuleError(f"{_clip(obj['start'])} names the zone {_clip(m['zone'])} but timezone says "
                                f"{_clip(zone)}; give it once")
            zone = m["zone"]
        start = m["start"] if m else obj["start"]
        length = obj["duration"] if "duration" in obj else obj["end"]
        return _recurrence(obj["rrule"], start, length, repr(obj), zone=zone)
    raise RuleError(
        f"unknown duty object with keys {_clip(', '.join(sorted(keys))) if keys else 'none'}; "
        'use {"rrule": ..., "start": ..., "duration": ...} or {"off": ...}'
    )


def _off(inner: Rule, text: str) -> Off:
    if isinstance(inner, (Always, Off)):
        raise RuleError(f"{text!r}: 'off' takes an interval, a weekly window or a recurrence")
    return Off(inner)


# --- weekly windows -----------------------------------------------------------

_WINDOW = re.compile(r"^(?P<days>[A-Za-z]{2}(?:\s*[-,]\s*[A-Za-z]{2})*)\s+(?P<times>\S.*)$")
_TIME_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _weekly(text: str) -> Weekly:
    windows: list[Window] = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        m = _WINDOW.match(part)
        if not m:
            raise RuleError(
                f"{part!r} is not a duty rule; write a weekly window like 'Mo-Fr 08:00-18:00', "
                "an interval like '2026-12-01T08:00/PT12H', '24/7', a recurrence 'R/…' or 'off …'"
            )
        days = _parse_days(m["days"], part)
        for chunk in m["times"].split(","):
            start, end = _parse_time_range(chunk.strip(), part)
            windows.extend(Window(d, start, end) for d in days)
    if not windows:
        raise RuleError(f"{text!r} holds no weekly window")
    return Weekly(tuple(windows), source=text.strip())


def _parse_days(spec: str, part: str) -> list[int]:
    days: list[int] = []
    for item in re.split(r"\s*,\s*", spec.strip()):
        ends = [x.strip() for x in item.split("-")]
        if len(ends) > 2:
            raise RuleError(f"{part!r}: {item!r} is not a day or a day range; write ranges like Mo-Fr and lists like Sa,Su")
        for name in ends:
            if name.lower() not in _DAY_INDEX:
                raise RuleError(f"{part!r}: unknown day {name!r}; days are {' '.join(DAYS)}")
        if len(ends) == 1:
            days.append(_DAY_INDEX[ends[0].lower()])
        else:
            a, b = _DAY_INDEX[ends[0].lower()], _DAY_INDEX[ends[1].lower()]
            # Ranges wrap: Fr-Mo is Fr Sa Su Mo.
            span = (b - a) % 7
            days.extend((a + k) % 7 for k in range(span + 1))
    return sorted(set(days))


def _parse_time_range(chunk: str, part: str) -> tuple[int, int]:
    m = _TIME_RANGE.match(chunk)
    if not m:
        raise RuleError(f"{part!r}: {chunk!r} is not a time range; write it like 08:00-18:00")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    if h1 > 23 or m1 > 59:
        raise RuleError(f"{part!r}: start {chunk.split('-')[0].strip()!r} is not a time of day (00:00-23:59)")
    if (h2 > 23 and not (h2 == 24 and m2 == 0)) or m2 > 59:
        raise RuleError(f"{part!r}: end {chunk.split('-')[1].strip()!r} is not a time of day (00:00-24:00)")
    return h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60


# --- intervals ------------------------------------------------------------------


def _interval(text: str) -> Interval:
    parts = text.split("/")
    if len(parts) != 2:
        raise RuleError(f"{text!r}: an interval is START/END or START/DURATION")
    a, b = (p.strip() for p in parts)
    try:
        if a[:1].upper() == "P":
            if b[:1].upper() == "P":
                raise RuleError(f"{text!r}: an interval needs at least one date-time")
            rule = Interval(None, parse_stamp(b), _positive(parse_duration(a), text))
        elif b[:1].upper() == "P":
            rule = Interval(parse_stamp(a), None, _positive(parse_duration(b), text))
        else:
            rule = Interval(parse_stamp(a), parse_stamp(b))
    except ISOError as e:
        raise RuleError(f"{text!r}: {e}") from None
    if rule.start and rule.end:
        s, e = rule.start, rule.end
        if (s.offset is None) == (e.offset is None):
            before = s.wall >= e.wall if s.offset is None else s.instant >= e.instant
            if before:
                raise RuleError(f"{text!r}: the end is not after the start")
    return rule


def _positive(d: Duration, text: str) -> Duration:
    if d.is_zero():
        raise RuleError(f"{text!r}: the duration is zero")
    return d


# --- recurrences ----------------------------------------------------------------

# What a recurrence object may hold (data/roster.schema.json names the same).
RECURRENCE_FIELDS = ("rrule", "start", "duration", "end", "timezone")
# R/START[ZONE]/DURATION-OR-END/RRULE: the zone (RFC 9557's suffix) may hold slashes.
_ONE_STRING = _lazy(r"^R/(?P<start>[^/\[\]]*)(?:\[(?P<zone>[^\]]*)\])?/(?P<length>[^/]*)/(?P<rrule>.*)$",
                         re.I | re.S)
_ZONED_START = _lazy(r"^(?P<start>[^\[\]]*)(?:\[(?P<zone>[^\]]*)\])?$")


def place_zone(name: str, stored: bool = False) -> str | None:
    """A rule's own zone, canonically spelt: a place (``zones.place_zone_name``) when
    a roster gives it; what is already stored is read whatever it is."""
    from ..time.zones import find_zone_name, place_zone_name

    return (find_zone_name if stored else place_zone_name)(name)


_UNTIL = _lazy(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$", re.I)
# How far from its start a recurrence must first occur (checked at import).
FIRST_WITHIN = dt.timedelta(days=5 * 366)
MAX_INTERVAL = 1000  # beyond this, dateutil's date arithmetic overflows


def _clip(value: object) -> str:
    from ..base.text import clip

    return clip(value, 200)


def _ascii_digits(text: str) -> bool:
    """``str.isdigit`` says yes to '²', which ``int`` refuses: only 0-9 count here."""
    return text.isascii() and text.isdigit()


def rrule_parts(rrule: str) -> dict[str, str]:
    """``FREQ=WEEKLY;BYDAY=MO`` as ``{"FREQ": "WEEKLY", "BYDAY": "MO"}`` (keys upper-case)."""
    out = {}
    for item in rrule.split(";"):
        key, _, value = item.partition("=")
        if key.strip():
            out[key.strip().upper()] = value.strip()
    return out


# --- a fast path: plain daily, weekly and monthly recurrences ----------------------------
# Most rotas are "every N days", "these weekdays every N weeks" or "the first Friday of
# the month". Such a rule is read here, fully, and the engine walks it itself
# (``engine._plain_starts``) instead of asking dateutil, whose import alone costs 3.2 ms
# of a 30 ms lookup (``dateutil.rrule`` imported after the rest of a lookup's modules).
# Anything else (BYHOUR, BYSETPOS, YEARLY, an unusual spelling) goes to dateutil, as
# before; tests/test_plain_recurrence.py checks that both walk the same starts on
# thousands of random rules.

@value_class(frozen=True)
class PlainRule:
    """FREQ=DAILY, WEEKLY or MONTHLY with at most INTERVAL, WKST, BYDAY (weekdays, and in
    a monthly rule weekdays of an ordinal such as 1FR or -1MO) or, monthly, BYMONTHDAY.
    ``weekdays``: weekday numbers (Monday 0); ``nth``: (ordinal, weekday) pairs;
    ``monthdays``: days of the month, negative from its end."""

    freq: str
    interval: int = 1
    weekdays: frozenset = frozenset()
    nth: frozenset = frozenset()
    monthdays: frozenset = frozenset()
    week_start: int = 0


_RRULE_DAYS = {day.upper(): i for i, day in enumerate(DAYS)}  # MO: 0 ... SU: 6


def _signed(text: str) -> tuple[int, str]:
    """``-2MO`` as (-1, "2MO"); ``+1FR`` and ``1FR`` as (1, "1FR")."""
    if text[:1] in ("+", "-"):
        return (-1 if text[0] == "-" else 1), text[1:]
    return 1, text


@lru_cache(maxsize=1024)  # (asked at every expansion of a rule: a board asks thousands of times)
def plain_rule(rrule: str) -> PlainRule | None:
    """``rrule`` (as stored: no UNTIL, COUNT or DTSTART) as a ``PlainRule``, or ``None``
    if it says anything more than such a rule can."""
    parts: dict[str, str] = {}
    for item in rrule.split(";"):
        key, eq, value = item.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not eq or key in parts:
            return None
        parts[key] = value
    freq = parts.pop("FREQ", None)
    if freq not in ("DAILY", "WEEKLY", "MONTHLY"):
        return None
    interval = parts.pop("INTERVAL", "1")
    if not (_ascii_digits(interval) and 0 < int(interval) <= MAX_INTERVAL):
        return None
    week_start = _RRULE_DAYS.get(parts.pop("WKST", "MO"))
    weekdays, nth, monthdays = set(), set(), set()
    for day in parts.pop("BYDAY", None).split(",") if "BYDAY" in parts else ():
        day = day.strip()
        sign, rest = _signed(day)
        if day in _RRULE_DAYS:
            weekdays.add(_RRULE_DAYS[day])
        elif freq == "MONTHLY" and len(rest) == 3 and rest[0] in "12345" and rest[1:] in _RRULE_DAYS:
            nth.add((sign * int(rest[0]), _RRULE_DAYS[rest[1:]]))  # 1FR, -1MO, +2TU
        else:
            return None
    for day in parts.pop("BYMONTHDAY").split(",") if "BYMONTHDAY" in parts and freq == "MONTHLY" else ():
        sign, rest = _signed(day.strip())
        if not (_ascii_digits(rest) and len(rest) <= 2 and 1 <= int(rest) <= 31):
            return None
        monthdays.add(sign * int(rest))
    # (dateutil keeps only the days that satisfy every BY part given: a monthly rule that
    # mixes them, "TU,3MO" or BYDAY with BYMONTHDAY, is left to it.)
    if parts or week_start is None or (weekdays and nth) or (monthdays and (weekdays or nth)):
        return None
    return PlainRule(freq, int(interval), frozenset(weekdays), frozenset(nth), frozenset(monthdays), week_start)


def _values(parts: dict[str, str], key: str) -> int:
    """How many distinct values a BYxxx part lists (1 when it is absent)."""
    if key not in parts:
        return 1
    return max(len({v.strip() for v in parts[key].split(",") if v.strip()}), 1)


@lru_cache(maxsize=1024)  # (asked of every recurrence a lookup reads: a board reads ~900, of few RRULEs)
def _rrule_starts_per_day(rrule: str) -> float:
    return float(_starts_per_day(rrule_parts(rrule)))


def _starts_per_day(parts: dict[str, str]) -> int:
    """The most occurrences the rule can start in one day: its hours times its minutes
    times its seconds. BYDAY, BYMONTHDAY and the like choose days; BYSETPOS only
    removes; a FREQ=HOURLY rule without BYHOUR starts every INTERVAL hours."""
    if "BYHOUR" in parts:
        hours = _values(parts, "BYHOUR")
    elif parts.get("FREQ", "").upper() == "HOURLY":
        interval = int(parts.get("INTERVAL", "1") or 1)
        hours = -(-24 // interval)
    else:
        hours = 1
    return hours * _values(parts, "BYMINUTE") * _values(parts, "BYSECOND")


# Parts a duty pattern may use (RFC 5545 §3.3.10; dateutil's BYEASTER is not one),
# and the frequencies each day-choosing part is valid with.
RRULE_PARTS = ("FREQ", "INTERVAL", "COUNT", "WKST", "BYSETPOS", "BYMONTH", "BYWEEKNO", "BYYEARDAY",
               "BYMONTHDAY", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND")
_NOT_WITH = {"BYWEEKNO": ("MONTHLY", "WEEKLY", "DAILY", "HOURLY"), "BYYEARDAY": ("MONTHLY", "WEEKLY", "DAILY"),
             "BYMONTHDAY": ("WEEKLY",)}
# What each day-choosing part may name (negative values count from the end).
_RANGES = {"BYMONTH": 12, "BYMONTHDAY": 31, "BYYEARDAY": 366, "BYWEEKNO": 53}
# The Gregorian calendar repeats exactly every 400 years (146,097 days, 20,871 weeks).
CALENDAR_CYCLE_YEARS = 400


def _occurs(text: str, start: dt.datetime, within: dt.timedelta) -> bool:
    """Whether a rule occurs from ``start`` to ``start + within``.

    dateutil looks for a rule's next occurrence period by period and stops only on
    finding one, or in the year 9999: for a rule that never matches that is millions
    of periods. The rule is therefore asked about the same dates moved forward by a
    multiple of 400 years, to end just before 9999: dates, weekdays, week numbers and
    leap years repeat every 400 years and the rule's grid moves with its start, so
    the answer is the same, and the search past the horizon is at most 400 years."""
    from dateutil.rrule import rrulestr

    horizon = start + within
    shift = (dt.MAXYEAR - 1 - horizon.year) // CALENDAR_CYCLE_YEARS * CALENDAR_CYCLE_YEARS
    moved = rrulestr(text, dtstart=start.replace(year=start.year + shift))
    for occurrence in moved:
        return occurrence <= horizon.replace(year=horizon.year + shift)
    return False


def _per_period(parts: dict[str, str]) -> int:
    """The most occurrences one period of the rule can hold (a day for DAILY, a month
    for MONTHLY, ...): the days it may choose in a period times its times of day."""
    freq = parts["FREQ"].upper()
    times = _values(parts, "BYMINUTE") * _values(parts, "BYSECOND")
    if freq == "HOURLY":
        return times
    times *= _values(parts, "BYHOUR")
    days = [d.strip() for d in parts.get("BYDAY", "").split(",") if d.strip()]
    weekdays = sum(1 if d[:-2] else 5 for d in days)  # an ordinal weekday is one day, a plain one up to 5
    if freq == "DAILY":
        return times
    if freq == "WEEKLY":
        return (len(days) or 1) * times
    if freq == "MONTHLY":
        chosen = _values(parts, "BYMONTHDAY") if "BYMONTHDAY" in parts else (weekdays or 1)
        return min(chosen, 31) * times
    return 366 * times  # YEARLY: dateutil walks years, 400 of them at most


def _never_matches(parts: dict[str, str], start: dt.datetime) -> bool:
    """Cheap proofs that a rule never occurs, so that the search for a first one is
    not run for nothing: BYSETPOS beyond what a period holds, or a daily or hourly
    step that always lands on the start's weekday when BYDAY names others."""
    freq = parts["FREQ"].upper()
    positions = [p.strip() for p in parts.get("BYSETPOS", "").split(",") if p.strip()]
    size = _per_period(parts)
    if positions and all(_ascii_digits(p.lstrip("+-")) and abs(int(p)) > size for p in positions):
        return True
    interval = int(parts.get("INTERVAL", "1") or 1)
    locked = (freq == "DAILY" and interval % 7 == 0) or (freq == "HOURLY" and interval % 168 == 0)
    days = parts.get("BYDAY")
    if locked and days:
        names = {d.strip().upper()[-2:] for d in days.split(",")}
        return DAYS[start.weekday()].upper() not in names
    return False


def _last_of_count(text: str, start: dt.datetime) -> dt.datetime | None:
    """The wall-clock start of a COUNT rule's last shift, if every one starts within
    ``MAX_COUNT_YEARS`` of ``start``; else ``None``. Asked 400 years on, near the year
    9999, like ``_occurs``, so that a rule that has stopped occurring is not looked for
    beyond it (at most COUNT shifts are walked, and the years up to the bound)."""
    from dateutil.rrule import rrulestr

    bound = start + dt.timedelta(days=MAX_COUNT_YEARS * 366)
    shift = (dt.MAXYEAR - 1 - bound.year) // CALENDAR_CYCLE_YEARS * CALENDAR_CYCLE_YEARS
    bound = bound.replace(year=bound.year + shift)
    last = None
    for occurrence in rrulestr(text, dtstart=start.replace(year=start.year + shift)):
        if occurrence > bound:
            return None
        last = occurrence
    return None if last is None else last.replace(year=last.year - shift)


def _first_within(cleaned: str, parts: dict[str, str], start: dt.datetime) -> bool:
    """Whether the rule first occurs within ``FIRST_WITHIN`` of its start. The days the
    rule may fall on are tried first, yearly (a 31 April is found out in 400 steps,
    not 146,000), then the rule itself."""
    if _never_matches(parts, start):
        return False
    date_parts = [f"{k}={parts[k]}" for k in ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO") if k in parts]
    days = parts.get("BYDAY", "")
    if days and all(d.strip()[:-2] == "" for d in days.split(",")):
        date_parts.append(f"BYDAY={days}")  # weekdays without ordinals choose dates alike in every FREQ
    if date_parts and not _occurs(";".join(["FREQ=YEARLY", *date_parts]), start, FIRST_WITHIN):
        return False
    return _occurs(cleaned, start, FIRST_WITHIN)


def _limits(parts: dict[str, str], dur: Duration, text: str) -> None:
    """The limits a duty pattern may have (docs/rosters.md, "Limits"): each bounds what
    every later lookup must expand, whatever the rule (``limits.py``)."""
    unknown = [k for k in parts if k not in RRULE_PARTS]
    if unknown:
        raise RuleError(f"{_clip(text)}: {_clip(unknown[0])} is not a part of an RRULE a duty pattern may use; "
                        f"use {', '.join(RRULE_PARTS)}")
    freq = parts.get("FREQ", "").upper()
    if freq not in RECURRENCE_FREQS:
        raise RuleError(f"{_clip(text)}: FREQ={parts.get('FREQ', '')} is not a duty pattern; "
                        "use HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY")
    for key, most in _RANGES.items():
        for value in parts.get(key, "").split(","):
            value = value.strip()
            digits = value if key == "BYMONTH" else value.lstrip("+-")  # months have no sign
            if value and not (_ascii_digits(digits) and 1 <= abs(int(value)) <= most):
                # dateutil would take BYMONTH=13 and then look for it, day by day, to the year 9999
                span = f"1 to {most}" + ("" if key == "BYMONTH" else f", or -1 to -{most}")
                raise RuleError(f"{_clip(text)}: {key}={_clip(value)} is out of range ({span})")
    for key in ("INTERVAL", "COUNT"):
        value = parts.get(key)
        if value is not None and not (_ascii_digits(value) and int(value) >= 1):
            raise RuleError(f"{_clip(text)}: {key} must be a whole number from 1")
    if int(parts.get("INTERVAL", "1")) > MAX_INTERVAL:
        raise RuleError(f"{_clip(text)}: INTERVAL is at most {MAX_INTERVAL}")
    if int(parts.get("COUNT", "1")) > MAX_COUNT:
        raise RuleError(f"{_clip(text)}: COUNT is at most {MAX_COUNT:,}; for a longer rota give UNTIL or no end")
    for key, freqs in _NOT_WITH.items():
        if key in parts and freq in freqs:
            raise RuleError(f"{_clip(text)}: {key} cannot be used with FREQ={freq} (RFC 5545)")
    if freq in ("DAILY", "HOURLY") and "BYDAY" in parts and "BYMONTHDAY" in parts:
        raise RuleError(f"{_clip(text)}: with FREQ={freq} give BYDAY or BYMONTHDAY, not both; "
                        "for a weekday on given dates use FREQ=MONTHLY or YEARLY with BYHOUR")
    starts = _starts_per_day(parts)
    if starts > MAX_STARTS_PER_DAY:
        raise RuleError(f"{_clip(text)}: the rule can start {starts:,} shifts a day; a duty pattern starts "
                        f"at most {MAX_STARTS_PER_DAY} a day")
    if dur.longest_seconds() > (MAX_OCCURRENCE_DAYS + 1) * 86400:
        raise RuleError(f"{_clip(text)}: each occurrence lasts {dur}; a recurring shift lasts at most "
                        f"{MAX_OCCURRENCE_DAYS} days (P1M); write longer duty as intervals")
    days = dur.years * 366 + dur.months * 31 + dur.days + dur.seconds / 86400
    if starts * days > MAX_OVERLAP:
        raise RuleError(f"{_clip(text)}: {starts} starts a day of shifts lasting {dur} overlap up to "
                        f"{starts * days:,.0f} at a time; one recurrence's shifts may overlap at most {MAX_OVERLAP} "
                        "(a daily shift may last a month, an hourly one 31 hours)")


def _recurrence(rrule: str, start: str, length: str, text: str, stored: bool = False,
                zone: str | None = None) -> Recurrence:
    """A recurrence, within the limits. ``length`` is a duration, or the wall-clock end
    of the first occurrence; ``zone`` the rule's own IANA zone, if it names one.
    ``stored``: read back from the database, so the search for a first occurrence is
    skipped; every limit is still checked, as a database written by an older version
    may hold what this one refuses."""
    timezone = None
    if zone is not None:
        timezone = place_zone(zone, stored)
        if timezone is None:
            from ..time.zones import unknown_zone_message

            raise RuleError(f"{_clip(text)}: {unknown_zone_message(zone.strip())}")
    end = None
    try:
        stamp = parse_stamp(start)
        if length.strip()[:1].upper() == "P":
            dur = _positive(parse_duration(length), text)
        else:
            end = parse_stamp(length)
    except ISOError as e:
        raise RuleError(f"{_clip(text)}: {e}") from None
    if stamp.offset is not None:
        raise RuleError(
            f"{_clip(text)}: a recurrence start is a wall-clock time in the contact's zone (or in the zone "
            f"the rule names, R/{str(stamp)[:16]}[Area/City]/…); write it without an offset ({str(stamp)[:16]})"
        )
    if end is not None:
        if end.offset is not None:
            raise RuleError(f"{_clip(text)}: the end of a recurrence's first shift is a wall-clock time like its "
                            f"start; write it without an offset ({str(end)[:16]})")
        if end.wall <= stamp.wall:
            raise RuleError(f"{_clip(text)}: the end of the first shift is not after its start")
        delta = end.wall - stamp.wall
        dur = Duration(days=delta.days, seconds=delta.seconds)
    body = rrule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    kept: list[str] = []
    until: Stamp | None = None
    for item in body.split(";"):
        item = item.strip()
        if not item:
            continue
        key, _, val = item.partition("=")
        key = key.strip().upper()
        if key == "UNTIL":
            m = _UNTIL().match(val.strip())
            if not m:
                raise RuleError(f"{_clip(text)}: UNTIL={_clip(val)} is not a date (20261231) or date-time "
                                "(20261231T235959 or …Z)")
            y, mo, d, h, mi, s, z = m.groups()
            try:
                wall = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
            except ValueError:
                raise RuleError(f"{_clip(text)}: UNTIL={val} is not a real date-time") from None
            until = Stamp(wall, 0 if z else None)
        elif key == "DTSTART":
            raise RuleError(f"{_clip(text)}: give the start as 'start', not DTSTART inside the rule")
        else:
            kept.append(f"{key}={val.strip()}")
    cleaned = ";".join(kept)
    parts = rrule_parts(cleaned)
    if "FREQ" not in parts:
        raise RuleError(f"{_clip(text)}: the RRULE needs FREQ, e.g. FREQ=WEEKLY;BYDAY=MO")
    if until is not None and "COUNT" in parts:
        raise RuleError(f"{_clip(text)}: an RRULE may have COUNT or UNTIL, not both")
    _limits(parts, dur, text)
    try:
        if not (stored and plain_rule(cleaned)):  # (a plain rule is read in full by plain_rule)
            from dateutil.rrule import rrulestr

            rrulestr(cleaned, dtstart=stamp.wall)  # every part dateutil reads, and its values
        first = stored or _first_within(cleaned, parts, stamp.wall)
        last = _last_of_count(cleaned, stamp.wall) if first and "COUNT" in parts else None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
        raise RuleError(f"{_clip(text)}: the RRULE cannot be read ({_clip(e)})") from None
    if not first:
        raise RuleError(f"{_clip(text)}: the RRULE has no occurrence in the five years from its start")
    source = body.strip()
    if "COUNT" in parts:
        # A series of COUNT shifts is kept as the UNTIL of its last one, the same shifts:
        # dateutil counts from the start, so a lookup would walk the whole series every
        # time (a sparse one for a century); UNTIL lets it start near the moment asked.
        if last is None:
            raise RuleError(f"{_clip(text)}: its {parts['COUNT']} shifts do not all start within {MAX_COUNT_YEARS} "
                            "years of the first; give UNTIL, or no end")
        cleaned = ";".join(k for k in kept if not k.startswith("COUNT="))
        until = Stamp(last)
        source = f"{cleaned};UNTIL={last:%Y%m%dT%H%M%S}"
    if end is not None:
        return Recurrence(cleaned, stamp.wall, None, until, source, timezone, end.wall)
    return Recurrence(cleaned, stamp.wall, dur, until, source, timezone)


# --- a fast path: plain dated shifts ---------------------------------------------------
# A dated shift written the way exports and rostering systems write it, already in the
# one-string form ``parse_rule`` would give back: a local start, and a local end or whole
# hours (``2026-01-01T07:00/PT12H``, ``2026-01-01T07:00/2026-01-01T19:00``), whatever
# file format carried it. Files hold a year of them per contact (1.5 million rows for
# the world benchmark); read here they cost 1.4 µs each, through ``parse_rule`` and
# ``engine.interval_span`` 6.9 µs (measured on 100,000 such texts): 8 s of the world's
# import. tests/test_stored_spans.py holds both paths to the same text and instants.
_PLAIN_SHIFT = _lazy(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([01][0-9]|2[0-3]):([0-5][0-9])/"
                     r"(?:([0-9]{4}-[0-9]{2}-[0-9]{2})T([01][0-9]|2[0-3]):([0-5][0-9])|PT([1-9][0-9]{0,3})H)")


_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()


def plain_shift_span(value: object, zone) -> tuple[int, int] | None:
    """The UTC instants of the commonest rule in a big file, read without building the
    parsed rule (its text is already the one-string form): ``None`` for anything else
    (or anything odd), which then takes the general path. A test holds both paths to
    the same text and instants."""
    duty = Duty()
    if take_plain_shifts(iter([(0, value)]), zone, duty) is not None:
        return None
    return duty.starts[0], duty.ends[0]


def take_plain_shifts(pairs, zone, duty: Duty):
    """``plain_shift_span`` of each ``(place, value)`` of ``pairs`` in turn, each plain
    shift added to ``duty`` with its instants, up to the first value that is not one:
    that ``(place, value)`` is returned (``None`` when ``pairs`` ran out), for the
    general path. Fast path: a year of shifts a contact is read in one loop and added
    to ``duty`` at once (``Duty.extend``), 0.5 us a shift less than one call each."""
    match, midnight, utc_of = _PLAIN_SHIFT().fullmatch, _midnight, zone.utc_of
    texts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pending = None
    for pair in pairs:
        value = pair[1]
        m = match(value) if isinstance(value, str) else None
        if m is None:
            pending = pair
            break
        day, h, mi, end_day, end_h, end_mi, hours = m.groups()
        day_start = midnight(day)
        if day_start is None:
            pending = pair
            break
        wall = day_start + int(h) * 3600 + int(mi) * 60
        start = utc_of(wall)
        if hours is not None:
            end = start + int(hours) * 3600
        else:
            end_midnight = midnight(end_day)
            end_wall = None if end_midnight is None else end_midnight + int(end_h) * 3600 + int(end_mi) * 60
            if end_wall is None or end_wall <= wall:
                pending = pair  # the parser says what is wrong
                break
            end = utc_of(end_wall)
        texts.append(value)
        starts.append(start)
        ends.append(end)
    duty.extend(texts, starts, ends)
    return pending


@lru_cache(maxsize=4096)
def _midnight(day: str) -> int | None:
    """``YYYY-MM-DD`` as seconds (wall time read as if UTC); ``None`` if no such day
    or out of range. Cached: a file's shifts fall on the same few hundred days."""
    y, mo, d = int(day[:4]), int(day[5:7]), int(day[8:10])
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return (dt.date(y, mo, d).toordinal() - _EPOCH_DAY) * 86400
    except ValueError:
        return None
