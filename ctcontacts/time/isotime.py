"""ISO 8601 pieces the roster formats use: date-times, durations, dates.

Hand-written rather than ``datetime.fromisoformat`` because we need to know
whether an offset was written (a time without one is read in the contact's
zone), to accept ``24:00`` and durations, and to say exactly what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from ..base.values import value_class


def _clip(text: str) -> str:
    from ..base.text import clip

    return clip(text, 200)


EPOCH = dt.datetime(1970, 1, 1)
_DAY = 86400


def naive_to_seconds(wall: dt.datetime) -> int:
    """Seconds of a naive datetime counted as if it were UTC (microseconds dropped)."""
    delta = wall.replace(microsecond=0) - EPOCH
    return delta.days * _DAY + delta.seconds


def seconds_to_naive(seconds: int) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=seconds)


@lru_cache(maxsize=4096)
def format_utc(instant: int) -> str:
    """``2026-11-29T02:00:00Z``: UTC, to the second, as the contract prints instants.
    (``isoformat`` writes the same text as ``strftime`` in a quarter of the time, 0.5 us,
    for whole seconds in four-digit years; and a network board writes a thousand, of
    far fewer instants, since shifts end on the hour: each is written once.)"""
    wall = seconds_to_naive(instant)
    if wall.microsecond == 0 and wall.year >= 1000:
        return wall.isoformat() + "Z"
    return wall.strftime("%Y-%m-%dT%H:%M:%SZ")


class ISOError(ValueError):
    """A piece of text that is not the ISO 8601 form expected; message is user-facing."""


# Rosters and lookups live in this range; beyond it dates are typos, and the
# time arithmetic would overflow Python's datetime.
MIN_YEAR, MAX_YEAR = 1900, 2199
# Longest duration a rule may name: a century, in any unit.
MAX_DURATION_DAYS = 36525


_DATETIME = re.compile(
    r"""^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})
        (?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?)?
        (?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?)?$""",
    re.X,
)


@value_class(frozen=True)
class Stamp:
    """A written date-time: wall-clock ``wall``, and ``offset`` seconds if one was written."""

    wall: dt.datetime
    offset: int | None = None

    @property
    def instant(self) -> int | None:
        """UTC seconds when an offset was written; ``None`` for a local time."""
        if self.offset is None:
            return None
        return naive_to_seconds(self.wall) - self.offset

    def __str__(self) -> str:
        w = self.wall
        text = f"{w.year:04d}-{w.month:02d}-{w.day:02d}T{w.hour:02d}:{w.minute:02d}"
        if w.second:
            text += f":{w.second:02d}"
        if self.offset is None:
            return text
        if self.offset == 0:
            return text + "Z"
        sign = "+" if self.offset > 0 else "-"
        h, m = divmod(abs(self.offset) // 60, 60)
        return f"{text}{sign}{h:02d}:{m:02d}"


def parse_stamp(text: str) -> Stamp:
    """``2026-12-01T08:00``, ``2026-12-01T08:00:30+01:00``, ``2026-12-01T07:00Z``, ``2026-12-01``."""
    m = _DATETIME.match(text.strip())
    if not m:
        raise ISOError(
            f"{_clip(text)} is not an ISO 8601 date-time; write it like 2026-12-01T08:00 "
            "(local to the contact) or 2026-12-01T07:00Z"
        )
    y, mo, d = int(m["y"]), int(m["mo"]), int(m["d"])
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise ISOError(f"{_clip(text)} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    h = int(m["h"] or 0)
    mi = int(m["mi"] or 0)
    s = int(m["s"] or 0)
    try:
        day = dt.datetime(y, mo, d)
    except ValueError:
        raise ISOError(f"{_clip(text)} names a day that does not exist") from None
    if h == 24 and mi == 0 and s == 0:
        wall = day + dt.timedelta(days=1)
    elif h > 23 or mi > 59 or s > 59:
        raise ISOError(f"{_clip(text)} has a time of day out of range")
    else:
        wall = day.replace(hour=h, minute=mi, second=s)
    offset = None
    tz = m["tz"]
    if tz:
        if tz in ("Z", "z"):
            offset = 0
        else:
            digits = tz[1:].replace(":", "")
            oh, om = int(digits[:2]), int(digits[2:4] or 0)
            if oh > 23 or om > 59:
                raise ISOError(f"{_clip(text)} has a UTC offset out of range")
            offset = (oh * 3600 + om * 60) * (1 if tz[0] == "+" else -1)
    return Stamp(wall, offset)


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ISOError(f"{_clip(text)} is not a date; write it as YYYY-MM-DD") from None


_DURATION = re.compile(
    r"""^P(?!$)(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?
        (?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+)S)?)?$""",
    re.X,
)


@value_class(frozen=True)
class Duration:
    """RFC 5545 §3.3.6: years, months, weeks, days are nominal; ``seconds`` are exact."""

    years: int = 0
    months: int = 0
    days: int = 0  # weeks folded in: 7 nominal days each
    seconds: int = 0

    def is_zero(self) -> bool:
        return not (self.years or self.months or self.days or self.seconds)

    def add_nominal(self, wall: dt.datetime) -> dt.datetime:
        """The wall-clock time after adding the nominal part (years, months, days).
        A month later than 31 January is the last day of February (as dateutil's
        ``relativedelta``, written out: a month-long shift is added once per occurrence)."""
        if self.years or self.months:
            months = wall.month - 1 + self.months + 12 * self.years
            year, month = wall.year + months // 12, months % 12 + 1
            wall = wall.replace(year=year, month=month, day=min(wall.day, _month_days(year, month)))
        return wall + dt.timedelta(days=self.days)

    def longest_seconds(self) -> int:
        """An upper bound of the elapsed seconds, for choosing search windows."""
        return (self.years * 366 + self.months * 31 + self.days + 1) * 86400 + self.seconds

    def __str__(self) -> str:
        out = "P"
        if self.years:
            out += f"{self.years}Y"
        if self.months:
            out += f"{self.months}M"
        if self.days:
            out += f"{self.days}D"
        if self.seconds or out == "P":
            h, rest = divmod(self.seconds, 3600)
            m, s = divmod(rest, 60)
            out += "T"
            if h:
                out += f"{h}H"
            if m:
                out += f"{m}M"
            if s or out.endswith("T"):
                out += f"{s}S"
        return out


@lru_cache(maxsize=1024)
def _month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_duration(text: str) -> Duration:
    """A duration; cached, since a rota repeats the same few (PT12H) thousands of times."""
    m = _DURATION.match(text.strip().upper())
    if not m:
        raise ISOError(f"{_clip(text)} is not an ISO 8601 duration; write it like PT12H, P1D or P7D")
    n = {k: int(v or 0) for k, v in m.groupdict().items()}
    d = Duration(
        years=n["y"],
        months=n["mo"],
        days=n["w"] * 7 + n["d"],
        seconds=n["h"] * 3600 + n["mi"] * 60 + n["s"],
    )
    if d.longest_seconds() > (MAX_DURATION_DAYS + 400) * 86400:
        raise ISOError(f"{_clip(text)} is longer than a century; check the number")
    return d


def format_length(seconds: int) -> str:
    """A stretch of time as every view says it: ``14:30``, ``5d 08:00``, ``00:00:30``
    (days, then hours and minutes; seconds only when there are some)."""
    d, rest = divmod(int(seconds), 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return (f"{d}d " if d else "") + f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")
