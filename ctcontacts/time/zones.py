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
        lo = max(bisect.bisect_right(self.starts, w - WALL_SLACK) - 1, 0)
        hi = bisect.bisect_right(self.starts, w + WALL_SLACK)
        best = None
        for i in range(lo, hi):
            u = w - self.offsets[i]
            end = self.starts[i + 1] if i + 1 < len(self.starts) else None
            if u >= self.starts[i] and (end is None or u < end):
                if best is None or u < best:
                    best = u
        if best is not None:
            return best
        # In a gap: find the transition whose jump skipped this wall time and
        # use the offset before it.
        for i in range(max(lo, 1), hi):
            before, after = self.offsets[i - 1], self.offsets[i]
            if self.starts[i] + before <= w < self.starts[i] + after:
                return w - before
        # Not reachable for a consistent table, but never guess silently.
        raise ValueError(f"cannot place {seconds_to_naive(w)} in {self.name}")  # pragma: no cover

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
    tz = _tzinfo(name)
    if hasattr(tz, "_transition_info"):
        return tuple(info[2] for info in tz._transition_info)
    return (tz.tzname(None) or name,)


_FIRST = -(2**62)


@lru_cache(maxsize=None)
def _tzinfo(name: str):
    """pytz's zone for a canonical name, built from its file alone.

    ``pytz.timezone`` first checks every one of its ~600 zone files exist (about
    20 ms, as long as a whole lookup should take); the name here is already known
    to be one of pytz's zones, so open just that file.
    """
    if name == "UTC":
        return pytz.utc
    from pytz.tzfile import build_tzinfo

    with pytz.open_resource(name) as fp:
        return build_tzinfo(name, fp)


@lru_cache(maxsize=1)
def _names_by_fold() -> dict[str, str]:
    # pytz's list of names before it checks each file exists; ``find_zone_name``
    # checks the one file it returns.
    names = getattr(pytz, "_all_timezones_unchecked", None) or pytz.all_timezones
    return {n.lower(): n for n in names}


@lru_cache(maxsize=None)
def _build(name: str) -> Zone:
    tz = _tzinfo(name)
    if hasattr(tz, "_utc_transition_times"):
        starts = [_FIRST] + [naive_to_seconds(t) for t in tz._utc_transition_times[1:]]
        offsets = [int(info[0].total_seconds()) for info in tz._transition_info]
        return Zone(tz.zone, tuple(starts), tuple(offsets))
    offset = tz.utcoffset(dt.datetime(2000, 1, 1))
    return Zone(tz.zone, (_FIRST,), (int(offset.total_seconds()),))


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
    if found is None or not pytz.resource_exists(found):
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
