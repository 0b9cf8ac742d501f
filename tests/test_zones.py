"""Wall clock -> UTC by RFC 5545 §3.3.5 at named real transitions (pytz 2026f data).

Expected instants are worked out by hand from each zone's rules: a time that
occurs twice means its first occurrence; a time in a gap is read with the
offset in force before the gap.
"""

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings, strategies as st

from ctcontacts.time.isotime import format_utc
from ctcontacts.time.zones import lookup_zone

CASES = [
    # zone, wall time, expected UTC, why
    ("Europe/Paris", "2026-03-29T01:59", "2026-03-29T00:59:00Z", "last minute of CET"),
    ("Europe/Paris", "2026-03-29T02:30", "2026-03-29T01:30:00Z", "gap: read at +01, i.e. 03:30 CEST"),
    ("Europe/Paris", "2026-03-29T03:00", "2026-03-29T01:00:00Z", "first CEST minute"),
    ("Europe/Paris", "2026-10-25T02:30", "2026-10-25T00:30:00Z", "twice: first is CEST"),
    ("Europe/Paris", "2026-10-25T03:00", "2026-10-25T02:00:00Z", "after the repeat"),
    # Dublin: negative DST (IST is standard time, winter GMT has dst = -1h).
    ("Europe/Dublin", "2026-03-29T01:30", "2026-03-29T01:30:00Z", "gap: read at +00"),
    ("Europe/Dublin", "2026-10-25T01:30", "2026-10-25T00:30:00Z", "twice: first is IST"),
    # Casablanca: +01 with a negative-DST +00 over Ramadan; permanent +00 from 2026-09-20.
    ("Africa/Casablanca", "2026-02-15T02:30", "2026-02-15T01:30:00Z", "twice: first is +01"),
    ("Africa/Casablanca", "2026-03-22T02:30", "2026-03-22T02:30:00Z", "gap: read at +00"),
    ("Africa/Casablanca", "2026-09-20T01:30", "2026-09-20T00:30:00Z", "twice: first is +01"),
    ("Africa/Casablanca", "2026-12-01T12:00", "2026-12-01T12:00:00Z", "+00 after the 2026 change"),
    # Lord Howe: 30-minute DST.
    ("Australia/Lord_Howe", "2026-04-05T01:45", "2026-04-04T14:45:00Z", "twice: first is +11"),
    ("Australia/Lord_Howe", "2026-04-05T02:00", "2026-04-04T15:30:00Z", "after the repeat, +10:30"),
    ("Australia/Lord_Howe", "2026-10-04T02:15", "2026-10-03T15:45:00Z", "gap: read at +10:30"),
    # Transitions at midnight.
    ("America/Havana", "2026-03-08T00:30", "2026-03-08T05:30:00Z", "gap at midnight: read at -05"),
    ("America/Havana", "2026-03-08T00:00", "2026-03-08T05:00:00Z", "midnight itself does not exist"),
    ("America/Havana", "2025-11-02T00:30", "2025-11-02T04:30:00Z", "twice after midnight: first is -04"),
    ("America/Santiago", "2026-09-06T00:30", "2026-09-06T04:30:00Z", "gap at midnight: read at -04"),
    ("America/Santiago", "2026-04-04T23:30", "2026-04-05T02:30:00Z", "twice before midnight: first is -03"),
    # Apia skipped 2011-12-30 entirely (-10 -> +14).
    ("Pacific/Apia", "2011-12-29T23:00", "2011-12-30T09:00:00Z", "last hour at -10"),
    ("Pacific/Apia", "2011-12-30T08:00", "2011-12-30T18:00:00Z", "the missing day, read at -10"),
    ("Pacific/Apia", "2011-12-31T08:00", "2011-12-30T18:00:00Z", "first day at +14"),
]


@pytest.mark.parametrize("zone,wall,expected,why", CASES, ids=[f"{c[0]}@{c[1]}" for c in CASES])
def test_named_transitions(zone, wall, expected, why):
    assert format_utc(lookup_zone(zone).to_utc(dt.datetime.fromisoformat(wall))) == expected, why


ZONES = ["Europe/Paris", "Europe/Dublin", "Africa/Casablanca", "Australia/Lord_Howe",
         "America/Havana", "America/Santiago", "Pacific/Apia", "America/New_York", "Asia/Kolkata"]


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    wall=st.datetimes(min_value=dt.datetime(2010, 1, 1), max_value=dt.datetime(2024, 12, 31)),
)
def test_matches_zoneinfo_fold0(zone, wall):
    """PEP 495 fold=0 is exactly RFC 5545's rule (first occurrence; gap read with the
    offset before it), so the stdlib's zoneinfo is an independent oracle for years both
    databases agree on."""
    wall = wall.replace(microsecond=0)
    oracle = wall.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=0).astimezone(dt.timezone.utc)
    ours = lookup_zone(zone).to_utc(wall)
    assert ours == int(oracle.timestamp())


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), instant=st.integers(1262304000, 2051222400))
def test_local_round_trip(zone, instant):
    z = lookup_zone(zone)
    local = z.to_local(instant)
    assert int(local.timestamp()) == instant
    # The wall time read back gives the instant unless it occurs twice (then the first).
    assert z.to_utc(z.wall(instant)) <= instant


def test_unknown_zone_suggests():
    from ctcontacts.base.errors import UsageError

    with pytest.raises(UsageError, match="Europe/Paris"):
        lookup_zone("Europe/Pari")


def _pytz_table(name):
    """A zone's table as pytz's own reader builds it: what ``zones._table`` must equal."""
    import pytz
    from pytz.tzfile import build_tzinfo

    from ctcontacts.time.isotime import naive_to_seconds
    from ctcontacts.time.zones import _FIRST

    if name == "UTC":
        tz = pytz.utc
    else:
        with pytz.open_resource(name) as fp:
            tz = build_tzinfo(name, fp)
    if not hasattr(tz, "_utc_transition_times"):
        return (_FIRST,), (int(tz.utcoffset(dt.datetime(2000, 1, 1)).total_seconds()),), (tz.tzname(None) or name,)
    return ((_FIRST, *[naive_to_seconds(t) for t in tz._utc_transition_times[1:]]),
            tuple(int(info[0].total_seconds()) for info in tz._transition_info),
            tuple(info[2] for info in tz._transition_info))


def test_zone_tables_read_as_pytz_reads_them():
    """The zone file reader (a fast path) gives pytz's table for every zone pytz ships:
    transitions, offsets rounded as pytz rounds LMT's seconds, abbreviations."""
    import pytz

    from ctcontacts.time.zones import _table

    differ = [name for name in pytz.all_timezones if _table.__wrapped__(name) != _pytz_table(name)]
    assert differ == []
    # Zones whose reading has a trap: a file opened by summer time, negative DST, LMT in
    # seconds, one offset ever.
    for name in ("Europe/Dublin", "Africa/Casablanca", "Africa/Monrovia", "Asia/Kolkata", "Etc/GMT+5", "UTC"):
        assert _table.__wrapped__(name) == _pytz_table(name)


def test_a_country_zone_is_its_first_in_the_tz_database():
    import pytz

    from ctcontacts.time.zones import country_zone

    assert {code: country_zone(code) for code in pytz.country_timezones} == {
        code: zones[0] for code, zones in pytz.country_timezones.items()}
    assert country_zone("fr") == "Europe/Paris"
    assert country_zone("XK") is None and country_zone("ZZ") is None


def test_the_last_stretch_shortcut_answers_as_the_search_does():
    """``Zone.utc_of`` answers from the stretch of wall time of its last answer when it
    can. Every zone pytz ships, walked across each transition from 1970 to 2037 (two
    hours either side, every 30 minutes, forwards then backwards): each answer equals
    the one a zone with nothing remembered gives."""
    import pytz

    from ctcontacts.time.zones import Zone, find_zone_name

    checked = 0
    for name in pytz.all_timezones:
        if find_zone_name(name) is None:
            continue
        z = lookup_zone(name)
        walls = sorted({t + z.offsets[i - 1] + k * 1800 for i, t in enumerate(z.starts)
                        if i and 0 <= t < 2_145_916_800 for k in range(-4, 5)})
        for w in walls + walls[::-1]:
            assert z.utc_of(w) == Zone(z.name, z.starts, z.offsets).utc_of(w), (name, w)
            checked += 1
    assert checked > 100_000
