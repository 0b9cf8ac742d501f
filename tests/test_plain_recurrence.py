"""Plain daily, weekly and monthly recurrences are walked by the engine itself (no dateutil on
a lookup): the starts must be exactly the ones dateutil gives, for every rule the fast
path takes, and every other rule must still go to dateutil."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from dateutil.rrule import rrulestr

from ctcontacts.domain.engine import _plain_starts
from ctcontacts.domain.rules import PlainRule, plain_rule

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _first(starts, n: int, before: dt.datetime | None) -> list[dt.datetime]:
    return list(itertools.islice(itertools.takewhile(lambda t: before is None or t < before, starts), n))


def _dateutil(text: str, start: dt.datetime, n: int, years: int | None = None) -> list[dt.datetime]:
    before = start.replace(year=start.year + years, day=1) if years else None
    return _first(rrulestr(text, dtstart=start, cache=False), n, before)


def _ours(text: str, start: dt.datetime, n: int, years: int | None = None) -> list[dt.datetime]:
    rule = plain_rule(text)
    assert rule is not None, text
    before = start.replace(year=start.year + years, day=1) if years else None
    return _first(_plain_starts(rule, start), n, before)


def _random_rule(rng: random.Random) -> str:
    freq = rng.choice(["DAILY", "WEEKLY", "MONTHLY", "daily", "Weekly", "monthly"])
    parts = [f"FREQ={freq}"]
    monthly = freq.upper() == "MONTHLY"
    if rng.random() < 0.7:
        # (Not every interval for every FREQ: a daily rule every 7 days on another weekday,
        # or a yearly 30 February, never occurs, and dateutil then walks to the year 9999
        # before it says so. Those are tested below, by themselves.)
        intervals = {"DAILY": [1, 2, 3, 4, 5, 9], "WEEKLY": [1, 2, 3, 4, 5, 7, 12, 14, 21, 9],
                     "MONTHLY": [1, 2, 3, 4, 5, 7, 9]}[freq.upper()]
        parts.append(f"INTERVAL={rng.choice(intervals)}")
    pick = rng.random()
    if monthly and pick < 0.3:
        parts.append("BYMONTHDAY=" + ",".join(str(rng.choice([1, 2, 15, 28, 29, 30, 31, -1, -2, -31]))
                                              for _ in range(rng.randint(1, 3))))
    elif pick < 0.75:
        days = rng.sample(DAYS, rng.randint(1, 4))
        if monthly and rng.random() < 0.6:
            days = [rng.choice(["1", "2", "+3", "4", "5", "-1", "-2", "-5"]) + d for d in days]
        parts.append("BYDAY=" + ",".join(days))
    if rng.random() < 0.4:
        parts.append(f"WKST={rng.choice(DAYS)}")
    rng.shuffle(parts)
    return ";".join(parts)


def test_plain_rules_walk_the_starts_dateutil_walks():
    rng = random.Random(20261201)
    tried = 0
    for _ in range(4000):
        text = _random_rule(rng)
        start = dt.datetime(2026, 1, 1, rng.randint(0, 23), rng.choice([0, 15, 30])) + dt.timedelta(
            days=rng.randint(0, 800))
        # (within 30 years: dateutil looks for a rule that never occurs until the year 9999)
        expected = _dateutil(text, start, 40, years=30)
        assert _ours(text, start, 40, years=30) == expected, (text, start)
        tried += bool(expected)
    assert tried > 3500  # (most random rules do occur: the comparison is not of empty lists)


@pytest.mark.parametrize("text, start, first", [
    # Every second week from a Wednesday, weeks from Monday: the Monday of the start's
    # week is before the start, so the first is the Friday; then two weeks on.
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR", dt.datetime(2026, 12, 2, 8), [
        dt.datetime(2026, 12, 4, 8), dt.datetime(2026, 12, 14, 8), dt.datetime(2026, 12, 18, 8)]),
    # Weeks from Sunday: the same days here (the fortnights hold the same weekdays) ...
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;WKST=SU", dt.datetime(2026, 12, 2, 8), [
        dt.datetime(2026, 12, 4, 8), dt.datetime(2026, 12, 14, 8), dt.datetime(2026, 12, 18, 8)]),
    # ... but not with Sunday in BYDAY: from Monday, Sunday the 6th ends the start's week;
    # from Sunday, it begins the week skipped.
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO", dt.datetime(2026, 12, 2, 8), [
        dt.datetime(2026, 12, 6, 8), dt.datetime(2026, 12, 14, 8), dt.datetime(2026, 12, 20, 8)]),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO;WKST=SU", dt.datetime(2026, 12, 2, 8), [
        dt.datetime(2026, 12, 13, 8), dt.datetime(2026, 12, 14, 8), dt.datetime(2026, 12, 27, 8)]),
    ("FREQ=DAILY;INTERVAL=3", dt.datetime(2026, 2, 27, 19), [
        dt.datetime(2026, 2, 27, 19), dt.datetime(2026, 3, 2, 19), dt.datetime(2026, 3, 5, 19)]),
    # The first Friday of each month, from a start that is not one.
    ("FREQ=MONTHLY;BYDAY=1FR", dt.datetime(2026, 1, 2, 9), [
        dt.datetime(2026, 1, 2, 9), dt.datetime(2026, 2, 6, 9), dt.datetime(2026, 3, 6, 9)]),
    ("FREQ=MONTHLY;BYDAY=-1SU", dt.datetime(2026, 10, 1, 1), [
        dt.datetime(2026, 10, 25, 1), dt.datetime(2026, 11, 29, 1), dt.datetime(2026, 12, 27, 1)]),
    # The 31st: months without one are skipped, not moved to their last day.
    ("FREQ=MONTHLY", dt.datetime(2026, 1, 31, 8), [
        dt.datetime(2026, 1, 31, 8), dt.datetime(2026, 3, 31, 8), dt.datetime(2026, 5, 31, 8)]),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", dt.datetime(2028, 1, 31, 8), [
        dt.datetime(2028, 1, 31, 8), dt.datetime(2028, 2, 29, 8), dt.datetime(2028, 3, 31, 8)]),
])
def test_named_rules(text, start, first):
    assert _ours(text, start, 3) == first == _dateutil(text, start, 3)


def test_a_rule_that_cannot_occur_again_ends_at_once():
    # Every 7 days from a Monday is always a Monday, never a Tuesday; every 12 months
    # from February never has a 30th (dateutil walks to the year 9999 to say so).
    assert _ours("FREQ=DAILY;INTERVAL=7;BYDAY=TU", dt.datetime(2026, 11, 30, 8), 5) == []
    assert _ours("FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=30", dt.datetime(2026, 2, 1, 8), 5) == []
    # A fifth Monday of February comes once in 28 years, at most; it is found.
    assert _ours("FREQ=MONTHLY;INTERVAL=12;BYDAY=5MO", dt.datetime(2026, 2, 1, 8), 2) == \
        _dateutil("FREQ=MONTHLY;INTERVAL=12;BYDAY=5MO", dt.datetime(2026, 2, 1, 8), 2)


def test_the_walk_stops_at_the_last_year_a_datetime_holds():
    assert _ours("FREQ=WEEKLY", dt.datetime(9999, 12, 20, 8), 10) == [dt.datetime(9999, 12, 20, 8),
                                                                      dt.datetime(9999, 12, 27, 8)]


@pytest.mark.parametrize("text", [
    "FREQ=YEARLY", "FREQ=WEEKLY;BYDAY=1MO", "FREQ=MONTHLY;BYDAY=6MO", "FREQ=MONTHLY;BYDAY=MO;BYMONTHDAY=1",
    "FREQ=MONTHLY;BYDAY=TU,3MO",
    "FREQ=MONTHLY;BYMONTHDAY=0", "FREQ=MONTHLY;BYMONTHDAY=32", "FREQ=DAILY;BYMONTHDAY=1", "FREQ=MONTHLY;BYSETPOS=-1",
    "FREQ=WEEKLY;WKST=XX", "FREQ=DAILY;BYHOUR=8,20", "FREQ=WEEKLY;BYDAY=",
    "FREQ=WEEKLY;INTERVAL=0", "FREQ=WEEKLY;INTERVAL=²", "FREQ=DAILY;FREQ=WEEKLY", "INTERVAL=2",
    "FREQ=WEEKLY;BYSETPOS=1", "FREQ=WEEKLY;X", "FREQ=HOURLY",
])
def test_anything_more_goes_to_dateutil(text):
    assert plain_rule(text) is None


def test_plain_rule_reads_every_part():
    assert plain_rule("freq=weekly; interval=2 ;byday=mo, fr;wkst=su") == PlainRule(
        "WEEKLY", 2, weekdays=frozenset({0, 4}), week_start=6)
    assert plain_rule("FREQ=DAILY") == PlainRule("DAILY")
    assert plain_rule("FREQ=MONTHLY;BYDAY=1FR,-1MO,+2TU") == PlainRule(
        "MONTHLY", nth=frozenset({(1, 4), (-1, 0), (2, 1)}))
    assert plain_rule("FREQ=MONTHLY;BYMONTHDAY=1,-1") == PlainRule("MONTHLY", monthdays=frozenset({1, -1}))


def test_a_plain_rule_moved_forward_gives_the_occurrences_walked_from_its_start(monkeypatch):
    # The engine moves a rule's start forward to the moment asked about before walking
    # it (engine._plain_forward for plain rules); the occurrences must be those dateutil
    # gives walking from the rule's own start, years back, whatever the rule.
    from ctcontacts.domain import engine
    from ctcontacts.domain.rules import parse_rule
    from ctcontacts.time.zones import lookup_zone

    rng = random.Random(13)
    zone = lookup_zone("Europe/Paris")
    cases = []
    for _ in range(300):
        text = _random_rule(rng)
        start = dt.datetime(rng.randint(2001, 2024), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                            rng.choice([0, 30]))
        if rng.random() < 0.3:  # the last days of a month, where a moved start could lose its day
            start = start.replace(month=rng.choice([1, 3, 5, 8]), day=rng.choice([29, 30, 31]))
        rule = parse_rule(f"R/{start:%Y-%m-%dT%H:%M}/PT8H/{text}")
        lo = int(dt.datetime(2026, rng.randint(1, 12), rng.randint(1, 28), tzinfo=dt.timezone.utc).timestamp())
        cases.append((rule, lo, lo + 40 * 86400))
    fast = [list(engine.occurrences(rule, zone, lo, hi)) for rule, lo, hi in cases]
    monkeypatch.setattr(engine, "plain_rule", lambda text: None)  # every rule to dateutil
    engine._rrule.cache_clear()
    slow = [list(engine.occurrences(rule, zone, lo, hi)) for rule, lo, hi in cases]
    assert fast == slow
    assert sum(map(bool, fast)) > 200  # (rules that occur in the window: not a comparison of empty lists)


def test_plain_spans_in_seconds_are_the_occurrences_spans():
    """``engine._plain_spans`` walks daily and weekly plain rules in wall-clock seconds;
    its spans must be ``occurrences``' own, whatever the rule's start, interval,
    weekdays and week start, its length (hours, days and hours, or its first shift's
    end), its UNTIL (local or UTC), its own zone or the contact's, and the window,
    in zones with gaps and repeats (Dublin's and Casablanca's negative DST, Lord Howe's
    half hour, Apia's lost day, Santiago's midnight changes)."""
    from ctcontacts.domain import engine
    from ctcontacts.domain.rules import parse_rule
    from ctcontacts.time.zones import lookup_zone

    zones = ["Europe/Paris", "Europe/Dublin", "Africa/Casablanca", "Australia/Lord_Howe", "Pacific/Apia",
             "America/Santiago", "America/Havana", "Asia/Kolkata"]
    rng = random.Random(20261202)
    taken = nonempty = 0
    for _ in range(1500):
        text = _random_rule(rng)
        while "MONTHLY" in text.upper():  # (left to the datetime walk: the test below)
            text = _random_rule(rng)
        start = dt.datetime(rng.randint(2009, 2027), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                            rng.choice([0, 15, 30, 45]))
        length = rng.choice(["PT8H", "PT12H", "PT30M", "P1D", "P2DT6H", "P7D", "PT25H",
                             f"{(start + dt.timedelta(hours=rng.randint(1, 60))):%Y-%m-%dT%H:%M}"])
        own_zone = f"[{rng.choice(zones)}]" if rng.random() < 0.2 else ""
        until = ""
        if rng.random() < 0.3:
            end = start + dt.timedelta(days=rng.randint(0, 6000), hours=rng.randint(0, 23))
            until = f";UNTIL={end:%Y%m%dT%H%M%S}" + ("Z" if rng.random() < 0.5 else "")
        rule = parse_rule(f"R/{start:%Y-%m-%dT%H:%M}{own_zone}/{length}/{text}{until}")
        zone = lookup_zone(rng.choice(zones))
        days = rng.randint(-40, 0) if rng.random() < 0.2 else rng.randint(0, 3000)  # (some before the start)
        near = start.replace(tzinfo=dt.timezone.utc) + dt.timedelta(days=days, minutes=rng.randint(0, 1439))
        lo = int(near.timestamp())
        hi = lo + rng.choice([3600, 2 * 86400 + 1, 16 * 86400 + 1, 366 * 86400 + 1])
        fast = engine._plain_spans(rule, zone, lo, hi)
        if fast is None:
            continue
        taken += 1
        slow = [(start, end) for _, start, end in engine.occurrences(rule, zone, lo, hi)]
        assert [s for s in fast if s[0] < hi and s[1] > lo] == [s for s in slow if s[0] < hi and s[1] > lo], (
            rule.text(), zone.name, lo, hi)
        nonempty += any(s[0] < hi and s[1] > lo for s in fast)
    assert taken > 1300 and nonempty > 700  # (the fast path was taken, and found shifts)


def test_monthly_rules_and_months_long_shifts_are_left_to_the_datetime_walk():
    from ctcontacts.domain import engine
    from ctcontacts.domain.rules import parse_rule
    from ctcontacts.time.zones import lookup_zone

    zone = lookup_zone("Europe/Paris")
    for text in ("R/2026-01-02T09:00/PT8H/FREQ=MONTHLY;BYDAY=1FR", "R/2026-01-02T09:00/P1M/FREQ=WEEKLY",
                 "R/2026-01-02T09:00/PT8H/FREQ=DAILY;BYHOUR=9,21"):
        assert engine._plain_spans(parse_rule(text), zone, 1796000000, 1797000000) is None, text

