"""Wall clock <-> UTC in IANA zones, with the RFC 5545 §3.3.5 rule.

Instants are plain ``int`` seconds since the Unix epoch (UTC) everywhere in the
core; wall-clock times are naive ``datetime`` objects read in a named zone.

We read pytz's compiled transition table directly instead of calling
``localize(is_dst=...)``: the meaning of ``is_dst`` is inverted in zones with
negative DST (Europe/Dublin, Africa/Casablanca), whereas "the earliest instant
that shows this wall time" and "the offset in force before the gap" are defined
by the table alone, whatever a zone calls summer.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import struct
from functools import lru_cache

import pytz

from ..base.errors import UsageError
from .isotime import naive_to_seconds, seconds_to_naive
from ..base.values import value_class

# No zone has ever been more than 26 hours from UTC; a candidate window this
# wide around a wall time always contains every transition that matters.
WALL_SLACK = 27 * 3600


def tz_version() -> str:
    """The release of the time-zone database pytz bundles, e.g. ``2026f``."""
    return pytz.OLSON_VERSION


@value_class(frozen=True)
class Zone:
    """An IANA zone as a table: from ``starts[i]`` (UTC seconds) the offset is ``offsets[i]``."""

    name: str
    starts: tuple[int, ...]
    offsets: tuple[int, ...]

    def offset_at(self, instant: int) -> int:
        """UTC offset in seconds in force at ``instant``."""
        i = bisect.bisect_right(self.starts, instant) - 1
        return self.offsets[max(i, 0)]

    def steady_offset(self, lo: int, hi: int) -> int | None:
        """The offset in force from instant ``lo`` to ``hi`` if it does not change
        between them, else ``None``: wall time ``w`` in that stretch is then the
        instant ``w - offset``, without a search per wall time (``utc_of``)."""
        i = bisect.bisect_right(self.starts, lo) - 1
        if i + 1 < len(self.starts) and self.starts[i + 1] <= hi:
            return None
        return self.offsets[max(i, 0)]

    def to_utc(self, wall: dt.datetime) -> int:
        """The instant a wall-clock time names, by RFC 5545 §3.3.5.

        A time that occurs twice means its first occurrence; a time that does not
        exist is read with the offset in force before the gap.
        """
        return self.utc_of(naive_to_seconds(wall))

    def utc_of(self, w: int) -> int:
        """``to_utc`` for a wall-clock time given as seconds counted as if it were UTC."""
        # Fast path: the stretch of wall time the last answer came from, where every
        # wall time occurs once and is one subtraction from its instant. An import
        # converts a year of shifts a contact in turn (1.5 million for the world
        # benchmark), a board a few times a zone: 0.25 us a wall time where the
        # search below takes 0.8.
        lo, hi, offset = self._stretch
        if lo <= w < hi:
            return w - offset
        starts, offsets = self.starts, self.offsets
        lo = max(bisect.bisect_right(starts, w - WALL_SLACK) - 1, 0)
        hi = bisect.bisect_right(starts, w + WALL_SLACK)
        best = found = None
        for i in range(lo, hi):
            u = w - offsets[i]
            end = starts[i + 1] if i + 1 < len(starts) else None
            if u >= starts[i] and (end is None or u < end):
                if best is None or u < best:
                    best, found = u, i
        if best is not None:
            object.__setattr__(self, "_stretch", self._once(found))
            return best
        # In a gap: find the transition whose jump skipped this wall time and
        # use the offset before it.
        for i in range(max(lo, 1), hi):
            before, after = offsets[i - 1], offsets[i]
            if starts[i] + before <= w < starts[i] + after:
                return w - before
        # Not reachable for a consistent table, but never guess silently.
        raise ValueError(f"cannot place {seconds_to_naive(w)} in {self.name}")  # pragma: no cover

    _stretch = (0, 0, 0)  # (first wall time, end, offset) of the last _once; empty at first

    def _once(self, i: int) -> tuple[int, int, int]:
        """The wall times whose first occurrence is read with ``offsets[i]``: those of
        its stretch of the table that no earlier offset gives too (a later one gives a
        later instant). Earlier offsets' wall times end within ``WALL_SLACK`` of the
        stretch's start (no offset is further from UTC)."""
        starts, offsets = self.starts, self.offsets
        lo = starts[i] + offsets[i]
        j = i - 1
        while j >= 0 and starts[j + 1] > starts[i] - WALL_SLACK:
            lo = max(lo, starts[j + 1] + offsets[j])
            j -= 1
        hi = starts[i + 1] + offsets[i] if i + 1 < len(starts) else _LAST
        return lo, hi, offsets[i]

    def to_local(self, instant: int) -> dt.datetime:
        """Aware local datetime (fixed offset) for an instant, for display and JSON."""
        offset = self.offset_at(instant)
        tzinfo = dt.timezone(dt.timedelta(seconds=offset))
        return dt.datetime.fromtimestamp(instant, tz=dt.timezone.utc).astimezone(tzinfo)

    def wall(self, instant: int) -> dt.datetime:
        """Naive wall-clock time at ``instant``."""
        return seconds_to_naive(instant + self.offset_at(instant))

    def abbreviation(self, instant: int) -> str:
        """The zone's abbreviation at ``instant`` (``CET``, ``IST``, ``+14``)."""
        i = max(bisect.bisect_right(self.starts, instant) - 1, 0)
        return self._names[i] if self._names else self.name

    @property
    def _names(self) -> tuple[str, ...]:
        return _abbreviations(self.name)


@lru_cache(maxsize=None)
def _abbreviations(name: str) -> tuple[str, ...]:
    return _table(name)[2]


_FIRST = -(2**62)
_LAST = 2**62

# TZif's header (RFC 8536 §3.1): magic, version, 15 unused bytes, six counts.
_TZIF_HEAD = struct.Struct(">4s c 15x 6l")
_TZIF_TYPE = struct.Struct(">lBB")  # UT offset, is-DST, abbreviation index


@lru_cache(maxsize=None)
def _table(name: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[str, ...]]:
    """A canonical zone's table, read from pytz's file for it: from ``starts[i]`` (UTC
    seconds) the offset is ``offsets[i]`` and the abbreviation ``names[i]``.

    Fast path for zones met at lookup: pytz's own reader (``pytz.tzfile.build_tzinfo``)
    makes a class and a datetime for every transition, 0.12 to 0.25 ms a zone, and a
    board of a network of every country meets some 250 zones (30 ms of a 175 ms ``now``);
    this reads the same bytes in 15 to 40 us. It keeps what pytz makes of them, which the engine's answers
    are checked against: the first (32-bit) block only, the table opened by the first
    standard time, and offsets rounded to whole minutes where the zone changes (LMT's
    seconds). tests/test_zones.py holds the two equal for every zone pytz ships."""
    if name == "UTC":
        return (_FIRST,), (0,), ("UTC",)
    raw = _zone_file(name)
    if raw is None:
        raise ValueError(f"{name}: no such zone file")
    magic, _, _, _, _, timecnt, typecnt, charcnt = _TZIF_HEAD.unpack_from(raw)
    if magic != b"TZif" or typecnt < 1:
        raise ValueError(f"{name}: not a zone file pytz could read")
    pos = _TZIF_HEAD.size
    times = struct.unpack_from(f">{timecnt}l", raw, pos)
    pos += 4 * timecnt
    index = list(raw[pos:pos + timecnt])
    pos += timecnt
    chars = raw[pos + _TZIF_TYPE.size * typecnt:pos + _TZIF_TYPE.size * typecnt + charcnt]
    types = []
    for k in range(typecnt):
        offset, is_dst, at = _TZIF_TYPE.unpack_from(raw, pos + _TZIF_TYPE.size * k)
        end = chars.find(b"\0", at)
        types.append((offset, bool(is_dst), chars[at:end if end >= 0 else len(chars)].decode("ascii")))
    if typecnt == 1 or timecnt == 0:
        return (_FIRST,), (types[0][0],), (types[0][2],)  # one offset ever: kept to the second
    # Before its first transition a zone keeps its first standard time.
    std = next(k for k, t in enumerate(types) if not t[1])
    if types[std] == types[index[0]]:
        starts = (_FIRST, *times[1:])
    else:
        starts, index = (_FIRST, *times), [std, *index]
    rounded = [(t[0] + 30) // 60 * 60 for t in types]
    names = [t[2] for t in types]
    return starts, tuple(map(rounded.__getitem__, index)), tuple(map(names.__getitem__, index))


@lru_cache(maxsize=1024)
def _zone_file(name: str) -> bytes | None:
    """The bytes of pytz's file for a zone name from its list, or ``None`` if it has
    none. Read once: whether a zone exists (``find_zone_name``) and its table are both
    answered from them, where ``pytz.resource_exists`` and ``open_resource`` opened the
    file twice (a board of 250 zones: 500 opens and as many ``stat`` calls)."""
    # Read with three system calls (open, read, close) where ``open_resource`` and a
    # buffered file make ten: a board of 250 zones made 2,500 (strace -c).
    try:
        fd = os.open(os.path.join(_zoneinfo_dir(), *name.split("/")), os.O_RDONLY)
    except OSError:
        fd = None
    if fd is not None:
        try:
            chunks = [os.read(fd, 1 << 16)]
            while len(chunks[-1]) == 1 << 16:  # (a regular file reads short only at its end)
                chunks.append(os.read(fd, 1 << 16))
            return b"".join(chunks)
        except OSError:
            return None
        finally:
            os.close(fd)
    try:  # pytz's own way, for an installation whose files are not plain files
        with pytz.open_resource(name) as fp:
            return fp.read()
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=1)
def _zoneinfo_dir() -> str:
    """Where pytz keeps its zone files, as ``pytz.open_resource`` finds them."""
    return os.environ.get("PYTZ_TZDATADIR") or os.path.join(os.path.dirname(pytz.__file__), "zoneinfo")


@lru_cache(maxsize=1)
def _names_by_fold() -> dict[str, str]:
    # pytz's list of names before it checks each file exists; ``find_zone_name``
    # checks the one file it returns.
    names = getattr(pytz, "_all_timezones_unchecked", None) or pytz.all_timezones
    return {n.lower(): n for n in names}


@lru_cache(maxsize=None)
def _build(name: str) -> Zone:
    starts, offsets, _ = _table(name)
    return Zone(name, starts, offsets)


@lru_cache(maxsize=1)
def _zone_tab() -> dict[str, tuple[str, ...]]:
    """Each ISO 3166 code's zones in the order of the tz database's zone.tab."""
    out: dict[str, list[str]] = {}
    with pytz.open_resource("zone.tab") as fp:
        for line in fp.read().decode("utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and not line.startswith("#"):
                out.setdefault(parts[0], []).append(parts[2])
    return {code: tuple(zones) for code, zones in out.items()}


def country_zone(code: str) -> str | None:
    """A country's first zone in the tz database (its capital's, mostly), else ``None``.

    Fast path: ``pytz.country_timezones`` first checks that each of its ~600 zone
    files exists (14 ms, a board's worth); this reads zone.tab and checks the one zone."""
    return next((z for z in _zone_tab().get(code.upper(), ()) if find_zone_name(z) == z), None)


def suggest_zones(text: str, limit: int = 3) -> list[str]:
    from ..base.text import close_matches

    names = list(pytz.all_timezones)
    lowered = {n.lower(): n for n in names}
    guesses = close_matches(text.lower(), list(lowered), n=limit, cutoff=0.6)
    # Also try matching only the city part: "Pari" -> Europe/Paris.
    if not guesses:
        cities = {n.rsplit("/", 1)[-1].lower(): n for n in names}
        guesses = close_matches(text.lower(), list(cities), n=limit, cutoff=0.6)
        return [cities[g] for g in guesses]
    return [lowered[g] for g in guesses]


def lookup_zone(name: str) -> Zone:
    """A ``Zone`` by IANA name (exact, or differing only in case)."""
    found = find_zone_name(name)
    if found is None:
        raise UsageError(unknown_zone_message(name))
    return _build(found)


@lru_cache(maxsize=1024)
def find_zone_name(name: str) -> str | None:
    """The canonical spelling of an IANA zone pytz knows (case does not matter), else None."""
    found = _names_by_fold().get((name or "").strip().lower())
    if found is None or (found != "UTC" and _zone_file(found) is None):
        return None
    return found


def is_place(name: str) -> bool:
    """Whether a canonical zone name names a place (``Europe/Paris``, or ``UTC``). The
    others are abbreviations and fixed offsets kept for old systems (``EST``, ``CET``,
    ``MST7MDT``, ``Etc/GMT+5``, whose sign is inverted): a desk's clock follows its
    country's changes, which ``EST`` never does (it has no summer time)."""
    return name in ("UTC", "Etc/UTC") or ("/" in name and not name.startswith("Etc/"))


def place_zone_name(name: str) -> str | None:
    """``find_zone_name`` for a zone someone gives (a roster, ``--tz``): places only.
    What is already stored is read with ``find_zone_name``, whatever it is."""
    found = find_zone_name(name)
    return found if found is not None and is_place(found) else None


def unknown_zone_message(name: str) -> str:
    from ..base.text import clip

    found = find_zone_name(name)
    if found is not None and not is_place(found):
        return (f"{name!r} is an abbreviation, a fixed offset or an old alias, not the name of a place (Area/City): "
                "an abbreviation such as EST or CET does not follow a country's clock changes. Use the IANA name "
                "of the place, such as Europe/Paris or America/New_York.")
    hint = suggest_zones(name)
    if hint:
        return f"unknown time zone {clip(name)}; did you mean {' or '.join(hint)}? Use an IANA name such as Europe/Paris."
    return f"unknown time zone {clip(name)}; use an IANA name such as Europe/Paris or America/New_York."
