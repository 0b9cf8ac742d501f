"""Duty rules: parsing the roster text into data, and back to one-string form.

A rule is data (wall-clock times, a zone-independent description); turning it
into UTC instants is the duty engine's job (``engine.py``), which is the only
place that knows the time semantics.
"""

from __future__ import annotations

import datetime as dt
import re

from .isotime import Duration, ISOError, Stamp, parse_duration, parse_stamp
from .record import field, record


class RuleError(ValueError):
    """A duty rule that cannot be read; the message quotes the offending text."""


DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_INDEX = {d.lower(): i for i, d in enumerate(DAYS)}


@record(frozen=True)
class Always:
    def text(self) -> str:
        return "24/7"


@record(frozen=True)
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


@record(frozen=True)
class Weekly:
    windows: tuple[Window, ...]
    source: str = field(compare=False, default="")

    def text(self) -> str:
        return self.source


@record(frozen=True)
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


@record(frozen=True)
class Recurrence:
    """RRULE expanded on wall-clock times from ``start``; each occurrence lasts ``duration``."""

    rrule: str  # without UNTIL, which we apply ourselves (it may be local or UTC)
    start: dt.datetime
    duration: Duration
    until: Stamp | None = None  # inclusive bound on an occurrence's start
    source_rrule: str = ""

    def text(self) -> str:
        stamp = Stamp(self.start)
        return f"R/{stamp}/{self.duration}/{self.source_rrule or self.rrule}"


@record(frozen=True)
class Off:
    """Not on duty during ``rule``, whatever the other rules say."""

    rule: Interval | Weekly | Recurrence

    def text(self) -> str:
        return f"off {self.rule.text()}"


@record(frozen=True)
class Dated:
    """A dated interval (or an 'off' one) read back from the database as the UTC
    instants computed when it was imported, not re-parsed. Only lookups build it,
    and only when the time-zone release then and now is the same (see store.py):
    a year of dated shifts costs a lookup no parsing at all."""

    start: int
    end: int
    off: bool = False
    source: str = field(default="", compare=False)

    def text(self) -> str:
        return self.source


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
    """A contact's validated duty rules, packed: their texts, and the instants of the
    dated ones in two arrays. About 25 bytes a rule beside its text, where a list of
    ``RuleText`` costs 140: the difference between 200 and 400 MB for a world file.
    Reads like a list of ``RuleText``; compares by the texts, in order."""

    __slots__ = ("texts", "starts", "ends")

    def __init__(self, rules=()):
        from array import array  # here, not at the top: lookups never build a Duty

        self.texts: list[str] = []
        self.starts = array("q")
        self.ends = array("q")
        for rule in rules:
            self.append(rule.text(), getattr(rule, "span", None))

    def append(self, text: str, span: tuple[int, int] | None = None) -> None:
        self.texts.append(text)
        start, end = span if span is not None else (_NO_INSTANT, _NO_INSTANT)
        self.starts.append(start)
        self.ends.append(end)

    def all_dated(self) -> bool:
        """Whether every rule has instants (a contact given only dated shifts)."""
        return _NO_INSTANT not in self.starts

    def rows(self):
        """``(text, starts, ends)`` per rule, instants ``None`` unless dated: what the database stores."""
        for text, start, end in zip(self.texts, self.starts, self.ends):
            yield (text, None, None) if start == _NO_INSTANT else (text, start, end)

    def __iter__(self):
        for text, start, end in self.rows():
            yield RuleText(text, None if start is None else (start, end))

    def __getitem__(self, i: int) -> RuleText:
        start = self.starts[i]
        return RuleText(self.texts[i], None if start == _NO_INSTANT else (start, self.ends[i]))

    def __len__(self) -> int:
        return len(self.texts)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Duty):
            return self.texts == other.texts
        if isinstance(other, list):
            return len(other) == len(self.texts) and all(
                isinstance(r, RuleText) and r.text() == t for r, t in zip(other, self.texts))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Duty({self.texts!r})"


def parse_rule(value: object, *, stored: bool = False) -> Rule:
    """A rule from a roster: a string in one-string form, or a JSON object.

    ``stored``: the text was validated when it was imported, so the costly check
    that a recurrence ever occurs is skipped (a lookup reads it back every time).
    """
    if isinstance(value, str):
        return _parse_text(value, stored)
    if isinstance(value, dict):
        return _parse_object(value)
    raise RuleError(f"a duty rule must be a string or an object, not {type(value).__name__}")


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
        parts = t[2:].split("/", 2)
        if len(parts) != 3:
            raise RuleError(
                f"{text!r}: a recurrence is written R/START/DURATION/RRULE, "
                "e.g. R/2026-11-02T09:00/P7D/FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
            )
        return _recurrence(parts[2], parts[0], parts[1], text, stored)
    if re.match(r"^\s*(\d{4}-\d{2}-\d{2}|P[\dTYMWDHS]+/)", t, re.I) and "/" in t:
        return _interval(t)
    return _weekly(t)


def _parse_object(obj: dict) -> Rule:
    keys = set(obj)
    if keys == {"off"}:
        inner = parse_rule(obj["off"])
        return _off(inner, repr(obj))
    if "rrule" in keys:
        unknown = keys - {"rrule", "start", "duration"}
        if unknown:
            raise RuleError(f"unknown key(s) {', '.join(sorted(unknown))} in a recurrence; "
                            "use rrule, start and duration")
        missing = [k for k in ("rrule", "start", "duration") if k not in obj]
        if missing:
            raise RuleError(f"a recurrence needs {', '.join(missing)}")
        if not all(isinstance(obj[k], str) for k in ("rrule", "start", "duration")):
            raise RuleError("rrule, start and duration must be strings")
        return _recurrence(obj["rrule"], obj["start"], obj["duration"], repr(obj))
    raise RuleError(
        f"unknown duty object with keys {', '.join(sorted(keys)) or 'none'}; "
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

_UNTIL = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$", re.I)


def _first_by(rule, horizon: dt.datetime) -> bool:
    """Whether the rule's first occurrence (never before its start) comes by ``horizon``.
    (``between`` would list every occurrence up to it: 900 for an every-other-day rule.)"""
    for occurrence in rule:
        return occurrence <= horizon
    return False


def _recurrence(rrule: str, start: str, duration: str, text: str, stored: bool = False) -> Recurrence:
    try:
        stamp = parse_stamp(start)
        dur = _positive(parse_duration(duration), text)
    except ISOError as e:
        raise RuleError(f"{text!r}: {e}") from None
    if stamp.offset is not None:
        raise RuleError(
            f"{text!r}: a recurrence start is a wall-clock time in the contact's zone; "
            f"write it without an offset ({str(stamp)[:16]})"
        )
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
            m = _UNTIL.match(val.strip())
            if not m:
                raise RuleError(f"{text!r}: UNTIL={val} is not a date (20261231) or date-time (20261231T235959 or …Z)")
            y, mo, d, h, mi, s, z = m.groups()
            try:
                wall = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
            except ValueError:
                raise RuleError(f"{text!r}: UNTIL={val} is not a real date-time") from None
            until = Stamp(wall, 0 if z else None)
        elif key == "DTSTART":
            raise RuleError(f"{text!r}: give the start as 'start', not DTSTART inside the rule")
        elif key in ("INTERVAL", "COUNT") and not (val.strip().isdigit() and int(val) >= 1):
            raise RuleError(f"{text!r}: {key} must be a whole number from 1")
        else:
            kept.append(f"{key}={val.strip()}")
    cleaned = ";".join(kept)
    if not any(item.startswith("FREQ=") for item in kept):
        raise RuleError(f"{text!r}: the RRULE needs FREQ, e.g. FREQ=WEEKLY;BYDAY=MO")
    if stored:
        return Recurrence(cleaned, stamp.wall, dur, until, source_rrule=body.strip())
    try:
        from dateutil.rrule import rrulestr

        parsed = rrulestr(cleaned, dtstart=stamp.wall)
        # dateutil looks for a rule's next occurrence up to the year 9999, period
        # by period: for a rule that never matches (BYMONTH=4;BYMONTHDAY=31) that
        # takes seconds at every lookup. Its date filters alone, tried year by
        # year, find such a rule cheaply; then the rule itself must match soon.
        date_parts = [k for k in kept if k.split("=")[0] in ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")]
        horizon = stamp.wall + dt.timedelta(days=5 * 366)
        first = True
        if date_parts:
            probe = rrulestr(";".join(["FREQ=YEARLY", *date_parts]), dtstart=stamp.wall)
            first = _first_by(probe, horizon)
        if first:
            first = _first_by(parsed, horizon)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
        raise RuleError(f"{text!r}: the RRULE cannot be read ({e})") from None
    if not first:
        raise RuleError(f"{text!r}: the RRULE has no occurrence in the five years from its start")
    if until is not None and "COUNT=" in cleaned.upper():
        raise RuleError(f"{text!r}: an RRULE may have COUNT or UNTIL, not both")
    return Recurrence(cleaned, stamp.wall, dur, until, source_rrule=body.strip())
