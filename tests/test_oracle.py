"""The engine against an independent reading of the contract (``oracle.py``), on
random rules in the zones the contract names, at random instants, at every
handover, one second either side, and at DST transitions."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings, strategies as st

from ctcontacts.domain.engine import status_at
from ctcontacts.domain.rules import RuleError, parse_rule
from ctcontacts.time.zones import lookup_zone

from . import oracle

ZONES = ["Europe/Paris", "Europe/Dublin", "Africa/Casablanca", "Australia/Lord_Howe",
         "America/Havana", "America/Santiago", "Pacific/Apia", "Asia/Kathmandu", "UTC"]
DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
# Both databases (the system's for zoneinfo, pytz's for ctcontacts) agree up to
# 2024; instants stay early enough that the 366-day horizon ends before 2025.
LO = int(dt.datetime(2011, 6, 1, tzinfo=dt.timezone.utc).timestamp())
HI = int(dt.datetime(2023, 10, 1, tzinfo=dt.timezone.utc).timestamp())

times = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))


@st.composite
def weekly_rule(draw):
    days = sorted(set(draw(st.lists(st.integers(0, 6), min_size=1, max_size=7))))
    start = draw(times)
    end = draw(st.one_of(times, st.just((24, 0))))
    text = f"{','.join(DAYS[d] for d in days)} {start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}"
    return text, ("weekly", set(days), start, end)


@st.composite
def interval_rule(draw):
    start = draw(st.datetimes(dt.datetime(2011, 1, 1), dt.datetime(2024, 6, 1))).replace(second=0, microsecond=0)
    days = draw(st.integers(0, 3))
    hours = draw(st.integers(0 if days else 1, 30))
    dur = "P" + (f"{days}D" if days else "") + (f"T{hours}H" if hours else "")
    return f"{start:%Y-%m-%dT%H:%M}/{dur}", ("interval", start, days, hours * 3600)


@st.composite
def recurrence_rule(draw):
    freq = draw(st.sampled_from(["DAILY", "WEEKLY"]))
    interval = draw(st.integers(1, 3))
    start = draw(st.datetimes(dt.datetime(2010, 1, 1), dt.datetime(2023, 1, 1))).replace(
        minute=draw(st.sampled_from([0, 30])), second=0, microsecond=0)
    rule = f"FREQ={freq};INTERVAL={interval}"
    if freq == "WEEKLY" and draw(st.booleans()):
        rule += ";BYDAY=" + ",".join(sorted(set(draw(st.lists(st.sampled_from(["MO", "WE", "SA"]), min_size=1)))))
    hours = draw(st.sampled_from([1, 8, 12, 13, 24]))
    days = draw(st.sampled_from([0, 0, 1, 7]))
    dur = "P" + (f"{days}D" if days else "") + f"T{hours}H"
    until = None
    bare = rule  # the oracle applies UNTIL itself (dateutil refuses a UTC UNTIL on a naive start)
    if draw(st.booleans()):
        u = start + dt.timedelta(days=draw(st.integers(10, 2000)))
        if draw(st.booleans()):
            rule += f";UNTIL={u:%Y%m%dT%H%M%S}"
            until = ("local", u)
        else:
            rule += f";UNTIL={u:%Y%m%dT%H%M%S}Z"
            until = ("utc", int(u.replace(tzinfo=dt.timezone.utc).timestamp()))
    return f"R/{start:%Y-%m-%dT%H:%M}/{dur}/{rule}", ("recurrence", bare, start, days, hours * 3600, until)


@st.composite
def calendar_recurrence_rule(draw):
    """Monthly, yearly and hourly rules with the parts that choose days and times: the
    engine moves their start forward (``engine._fast_forward``) and must not change a
    single occurrence by it, whatever day of the month the rota began on (the 31st)."""
    freq = draw(st.sampled_from(["MONTHLY", "YEARLY", "HOURLY"]))
    start = draw(st.datetimes(dt.datetime(2005, 1, 1), dt.datetime(2023, 1, 1))).replace(
        minute=draw(st.sampled_from([0, 30])), second=0, microsecond=0)
    if draw(st.booleans()):  # the last days of a month, where a moved start could lose the day
        start = start.replace(month=draw(st.sampled_from([1, 3, 5, 8])), day=draw(st.sampled_from([29, 30, 31])))
    rule = f"FREQ={freq};INTERVAL={draw(st.integers(1, 3) if freq != 'HOURLY' else st.sampled_from([5, 12, 24, 36]))}"
    parts = draw(st.lists(st.sampled_from(["BYMONTHDAY", "BYDAY", "BYMONTH", "BYHOUR", "BYSETPOS"]),
                          unique=True, max_size=3))
    if "BYMONTHDAY" in parts:
        rule += ";BYMONTHDAY=" + draw(st.sampled_from(["1", "15", "31", "-1", "1,15"]))
    if "BYDAY" in parts:
        rule += ";BYDAY=" + draw(st.sampled_from(
            ["MO", "FR,SA", "1FR", "-1SU", "MO,TU,WE,TH,FR"] if freq != "HOURLY" else ["MO", "SA,SU"]))
    if "BYMONTH" in parts:
        rule += ";BYMONTH=" + draw(st.sampled_from(["1", "3,10", "2,6,11"]))
    if "BYHOUR" in parts and freq != "HOURLY":
        rule += ";BYHOUR=" + draw(st.sampled_from(["7", "7,19", "0,12"]))
    if "BYSETPOS" in parts and freq != "HOURLY" and "BYDAY" in parts:
        rule += ";BYSETPOS=" + draw(st.sampled_from(["1", "-1"]))
    hours = draw(st.sampled_from([1, 8, 12, 24]))
    days = 0 if freq == "HOURLY" else draw(st.sampled_from([0, 1, 7]))
    dur = "P" + (f"{days}D" if days else "") + f"T{hours}H"
    try:
        parse_rule(f"R/{start:%Y-%m-%dT%H:%M}/{dur}/{rule}")
    except RuleError:
        rule, start = f"FREQ={freq}", start.replace(day=1)  # a rule the importer takes
    return f"R/{start:%Y-%m-%dT%H:%M}/{dur}/{rule}", ("recurrence", rule, start, days, hours * 3600, None)


any_rule = st.one_of(weekly_rule(), interval_rule(), recurrence_rule(), calendar_recurrence_rule())


def oracle_spans(zone, rules, lo, hi):
    on, off = [], []
    for is_off, spec in rules:
        kind = spec[0]
        if kind == "weekly":
            got = oracle.weekly(zone, spec[1], spec[2], spec[3], lo, hi)
        elif kind == "interval":
            s = oracle.to_utc(zone, spec[1])
            got = [(s, oracle.after(zone, spec[1], spec[2], spec[3]))]
        else:
            _, rule, start, days, secs, until = spec
            got = oracle.recurrence(zone, rule, start, days, secs, lo - 10 * 86400, hi, until)
        (off if is_off else on).extend(got)
    return oracle.on_spans(on, off)


def clip(spans, lo, hi):
    return [(max(s, lo), min(e, hi)) for s, e in spans if s < hi and e > lo]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    rules=st.lists(st.tuples(st.just(False), any_rule), min_size=1, max_size=3),
    offs=st.lists(st.one_of(weekly_rule(), interval_rule()), max_size=1),
    at=st.integers(LO, HI),
)
def test_engine_agrees_with_the_oracle(zone, rules, offs, at):
    parsed = [parse_rule(text) for _, (text, _) in rules] + [parse_rule(f"off {text}") for text, _ in offs]
    specs = [(False, spec) for _, (_, spec) in rules] + [(True, spec) for _, spec in offs]
    z = lookup_zone(zone)
    lo, hi = at - 40 * 86400, at + 31 * 86400 + oracle.HORIZON + 2 * 86400
    truth = oracle_spans(zone, specs, lo, hi)
    # Random instants, every handover in the next weeks and one second either side,
    # and every UTC offset change in the zone around "at".
    edges = {at}
    for s, e in truth:
        for t in (s, e):
            if at - 5 * 86400 <= t <= at + 30 * 86400:
                edges.update({t - 1, t, t + 1})
    for t in z.starts:
        if at - 5 * 86400 <= t <= at + 30 * 86400:
            edges.update({t - 1, t, t + 1})
    for t in sorted(edges)[:60]:
        expected = oracle.status(truth, t)
        got = status_at(parsed, z, t)
        assert (got.on_duty, got.until, got.next_start) == expected, (zone, [r[1][0] for r in rules], t)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zone=st.sampled_from(ZONES), rule=calendar_recurrence_rule(), at=st.integers(LO, HI))
def test_moved_start_keeps_every_occurrence(zone, rule, at):
    """Monthly, yearly and hourly rules begun years before the moment asked about."""
    text, spec = rule
    z = lookup_zone(zone)
    truth = oracle_spans(zone, [(False, spec)], at - 40 * 86400, at + 31 * 86400 + oracle.HORIZON + 2 * 86400)
    edges = {at} | {t + d for s, e in truth for t in (s, e) for d in (-1, 0, 1) if at - 86400 <= t <= at + 30 * 86400}
    parsed = [parse_rule(text)]
    for t in sorted(edges)[:40]:
        got = status_at(parsed, z, t)
        assert (got.on_duty, got.until, got.next_start) == oracle.status(truth, t), (zone, text, t)
