"""The duty engine, rule kind by rule kind, with expected UTC instants worked out by hand."""

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from ctcontacts.domain.engine import HORIZON, duty_intervals, status_at
from ctcontacts.domain.rules import RuleError, parse_rule
from ctcontacts.time.isotime import format_utc
from ctcontacts.time.zones import lookup_zone


def utc(text: str) -> int:
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def spans(rules, zone, lo, hi):
    z = lookup_zone(zone)
    return [(format_utc(s), format_utc(e)) for s, e in duty_intervals([parse_rule(r) for r in rules], z, utc(lo), utc(hi))]


def status(rules, zone, at):
    s = status_at([parse_rule(r) for r in rules], lookup_zone(zone), utc(at))
    return (s.on_duty,
            format_utc(s.until) if s.until is not None else None,
            format_utc(s.next_start) if s.next_start is not None else None)


def test_always_has_no_end_and_no_next():
    assert status(["24/7"], "Europe/Paris", "2026-11-29T02:00:00Z") == (True, None, None)


def test_weekly_office_hours():
    # Friday 2026-11-27 in Paris (CET, +01).
    assert spans(["Mo-Fr 08:00-18:00"], "Europe/Paris", "2026-11-27T00:00:00Z", "2026-11-30T23:59:59Z") == [
        ("2026-11-27T07:00:00Z", "2026-11-27T17:00:00Z"),
        ("2026-11-30T07:00:00Z", "2026-11-30T17:00:00Z"),
    ]


def test_handover_instant_belongs_to_the_incoming_contact():
    rules = ["Mo-Fr 08:00-18:00"]
    assert status(rules, "Europe/Paris", "2026-11-27T07:00:00Z")[0] is True
    assert status(rules, "Europe/Paris", "2026-11-27T06:59:59Z")[0] is False
    assert status(rules, "Europe/Paris", "2026-11-27T17:00:00Z")[0] is False
    assert status(rules, "Europe/Paris", "2026-11-27T16:59:59Z")[0] is True


def test_touching_rules_merge_into_one_unbroken_duty():
    rules = ["Mo-Fr 18:00-24:00", "Mo-Fr 00:00-08:00", "Sa,Su 00:00-24:00"]
    # Friday 18:00 CET -> Monday 08:00 CET without a break.
    assert status(rules, "Europe/Paris", "2026-11-27T17:00:00Z") == (
        True, "2026-11-30T07:00:00Z", "2026-11-30T17:00:00Z")


def test_overnight_window_belongs_to_the_day_it_starts():
    rules = ["Mo-Fr 18:00-08:00"]
    # Friday's window ends Saturday 08:00; nothing starts Sa or Su, and Monday
    # 00:00-08:00 is not covered (it would be Sunday's window).
    assert status(rules, "Europe/Paris", "2026-11-27T17:00:00Z") == (
        True, "2026-11-28T07:00:00Z", "2026-11-30T17:00:00Z")
    assert status(rules, "Europe/Paris", "2026-11-30T03:00:00Z")[0] is False


def test_wrapping_day_range():
    # Fr-Mo is Fr Sa Su Mo.
    got = spans(["Fr-Mo 10:00-11:00"], "UTC", "2026-11-23T00:00:00Z", "2026-11-30T23:00:00Z")
    assert [s for s, _ in got] == ["2026-11-23T10:00:00Z", "2026-11-27T10:00:00Z", "2026-11-28T10:00:00Z",
                                   "2026-11-29T10:00:00Z", "2026-11-30T10:00:00Z"]


def test_several_windows_and_time_ranges_are_a_union():
    got = spans(["Sa,Su 09:00-13:00, 14:00-17:00; Mo 12:00-12:30"], "UTC",
                "2026-11-28T00:00:00Z", "2026-11-30T23:00:00Z")
    assert got == [
        ("2026-11-28T09:00:00Z", "2026-11-28T13:00:00Z"), ("2026-11-28T14:00:00Z", "2026-11-28T17:00:00Z"),
        ("2026-11-29T09:00:00Z", "2026-11-29T13:00:00Z"), ("2026-11-29T14:00:00Z", "2026-11-29T17:00:00Z"),
        ("2026-11-30T12:00:00Z", "2026-11-30T12:30:00Z"),
    ]


@pytest.mark.parametrize("day,hours", [("2026-03-28", 11), ("2026-10-24", 13), ("2026-11-28", 12)])
def test_window_across_a_changeover_is_11_or_13_hours(day, hours):
    # A night window starting the evening before the change spans it; both ends are
    # converted on their own, so the elapsed time follows the clock change.
    got = spans(["Mo-Su 20:00-08:00"], "Europe/Paris", f"{day}T12:00:00Z", f"{day[:8]}{int(day[8:]) + 1}T12:00:00Z")
    (s, e), = [g for g in got if g[0].startswith(day)]
    assert utc(e) - utc(s) == hours * 3600


def test_window_starting_in_a_gap_is_empty_that_day():
    # Paris spring forward: 02:30 does not exist; 02:30 -> 01:30Z, 03:00 -> 01:00Z.
    assert spans(["Su 02:30-03:00"], "Europe/Paris", "2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z") == []
    assert spans(["Su 02:30-03:00"], "Europe/Paris", "2026-04-04T00:00:00Z", "2026-04-06T00:00:00Z") == [
        ("2026-04-05T00:30:00Z", "2026-04-05T01:00:00Z")]


def test_midnight_window_on_havana_spring_forward():
    # 00:00 does not exist on 2026-03-08 (-05 -> -04): read at -05.
    assert spans(["Su 00:00-02:00"], "America/Havana", "2026-03-07T00:00:00Z", "2026-03-09T00:00:00Z") == [
        ("2026-03-08T05:00:00Z", "2026-03-08T06:00:00Z")]


def test_apia_missing_day_keeps_its_window():
    # Friday 2011-12-30 did not exist in Apia; its window is read at -10.
    got = spans(["Fr 08:00-10:00"], "Pacific/Apia", "2011-12-29T00:00:00Z", "2011-12-31T23:00:00Z")
    assert got == [("2011-12-30T18:00:00Z", "2011-12-30T20:00:00Z")]


def test_interval_local_and_offset_forms():
    z = "Europe/Paris"
    assert spans(["2026-12-01T08:00/2026-12-01T20:00"], z, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z") == [
        ("2026-12-01T07:00:00Z", "2026-12-01T19:00:00Z")]
    assert spans(["2026-12-01T20:00/PT12H"], z, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z") == [
        ("2026-12-01T19:00:00Z", "2026-12-02T07:00:00Z")]
    assert spans(["2026-12-01T07:00Z/2026-12-01T09:00+01:00"], z, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z") == [
        ("2026-12-01T07:00:00Z", "2026-12-01T08:00:00Z")]


def test_nominal_day_versus_exact_hours_across_a_changeover():
    z = "Europe/Paris"
    # P1D from Saturday 12:00 ends Sunday 12:00 wall clock: 23 hours in spring.
    (s, e), = spans(["2026-03-28T12:00/P1D"], z, "2026-03-27T00:00:00Z", "2026-03-30T00:00:00Z")
    assert utc(e) - utc(s) == 23 * 3600
    (s, e), = spans(["2026-03-28T12:00/PT24H"], z, "2026-03-27T00:00:00Z", "2026-03-30T00:00:00Z")
    assert utc(e) - utc(s) == 24 * 3600
    (s, e), = spans(["2026-10-24T12:00/P1D"], z, "2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z")
    assert utc(e) - utc(s) == 25 * 3600


def test_interval_end_not_after_start_is_an_input_error():
    with pytest.raises(RuleError, match="not after the start"):
        parse_rule("2026-12-01T08:00/2026-12-01T08:00")


def test_recurrence_week_on_week_off():
    rules = [{"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "start": "2026-11-02T09:00", "duration": "P7D"}]
    # On from Mon 2 Nov 09:00 CET to Mon 9 Nov 09:00 CET, then again 16 Nov.
    assert status(rules, "Europe/Paris", "2026-11-05T12:00:00Z") == (
        True, "2026-11-09T08:00:00Z", "2026-11-16T08:00:00Z")
    assert status(rules, "Europe/Paris", "2026-11-10T12:00:00Z") == (False, None, "2026-11-16T08:00:00Z")


def test_recurrence_one_string_form_equals_object_form():
    a = parse_rule("R/2026-11-02T09:00/P7D/FREQ=WEEKLY;INTERVAL=2;BYDAY=MO")
    b = parse_rule({"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "start": "2026-11-02T09:00", "duration": "P7D"})
    z = lookup_zone("Europe/Paris")
    lo, hi = utc("2026-10-01T00:00:00Z"), utc("2027-03-01T00:00:00Z")
    assert duty_intervals([a], z, lo, hi) == duty_intervals([b], z, lo, hi) != []


def test_recurrence_occurrence_in_a_gap_is_kept_and_counts():
    # Daily at 02:30 Paris, 3 occurrences from 2026-03-28: the 29th's 02:30 does not
    # exist; it is kept, moved to 03:30 CEST (01:30Z), and counts towards COUNT.
    got = spans(["R/2026-03-28T02:30/PT1H/FREQ=DAILY;COUNT=3"], "Europe/Paris",
                "2026-03-27T00:00:00Z", "2026-04-05T00:00:00Z")
    assert [s for s, _ in got] == ["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"]


def test_recurrence_start_not_matching_its_rule_is_not_an_occurrence():
    # 2026-11-03 is a Tuesday; BYDAY=MO means the first occurrence is Mon 9 Nov.
    got = spans(["R/2026-11-03T09:00/PT1H/FREQ=WEEKLY;BYDAY=MO"], "UTC",
                "2026-11-01T00:00:00Z", "2026-11-12T00:00:00Z")
    assert got == [("2026-11-09T09:00:00Z", "2026-11-09T10:00:00Z")]


@pytest.mark.parametrize("until,last", [
    ("20261105T090000", "2026-11-05T08:00:00Z"),   # local, inclusive
    ("20261105T080000Z", "2026-11-05T08:00:00Z"),  # UTC, inclusive
    ("20261105T075959Z", "2026-11-04T08:00:00Z"),  # UTC, one second short
])
def test_recurrence_until_is_inclusive_local_or_utc(until, last):
    got = spans([f"R/2026-11-01T09:00/PT1H/FREQ=DAILY;UNTIL={until}"], "Europe/Paris",
                "2026-10-30T00:00:00Z", "2026-12-01T00:00:00Z")
    assert got[-1][0] == last


def test_twelve_hour_rota_hands_over_without_a_gap():
    a = {"rrule": "FREQ=DAILY", "start": "2020-01-01T07:00", "duration": "PT12H"}
    b = {"rrule": "FREQ=DAILY", "start": "2020-01-01T19:00", "duration": "PT12H"}
    z = lookup_zone("UTC")
    lo, hi = utc("2026-11-01T00:00:00Z"), utc("2026-12-01T00:00:00Z")
    assert duty_intervals([parse_rule(a), parse_rule(b)], z, lo, hi) == [(lo, hi)]


def test_fast_forward_gives_the_same_occurrences_as_walking_from_the_start():
    from ctcontacts.domain import engine

    rule = parse_rule("R/2001-01-02T07:00/PT12H/FREQ=DAILY;INTERVAL=3;BYHOUR=7,19")
    z = lookup_zone("Europe/Paris")
    lo, hi = utc("2026-03-20T00:00:00Z"), utc("2026-04-10T00:00:00Z")
    fast = duty_intervals([rule], z, lo, hi)
    original = engine._fast_forward
    try:
        engine._fast_forward = lambda r, w: (r.rrule, r.start)
        slow = duty_intervals([rule], z, lo, hi)
    finally:
        engine._fast_forward = original
    assert fast == slow and fast


def test_off_cuts_out_of_every_rule():
    rules = ["24/7", "off 2026-12-24T00:00/2026-12-27T00:00"]
    assert status(rules, "Europe/Paris", "2026-12-23T12:00:00Z") == (
        True, "2026-12-23T23:00:00Z", "2026-12-26T23:00:00Z")
    assert status(rules, "Europe/Paris", "2026-12-25T12:00:00Z") == (False, None, "2026-12-26T23:00:00Z")


def test_weekly_off_inside_office_hours():
    rules = ["Mo-Fr 08:00-18:00", "off Mo 12:00-13:00"]
    assert status(rules, "UTC", "2026-11-30T09:00:00Z") == (True, "2026-11-30T12:00:00Z", "2026-11-30T13:00:00Z")


def test_until_within_horizon_and_beyond():
    # Duty ends exactly 366 days after "at": given. One second later: null.
    at = "2026-01-01T00:00:00Z"
    end = format_utc(utc(at) + HORIZON)
    assert status([f"2025-12-01T00:00Z/{end}"], "UTC", at)[1] == end
    later = format_utc(utc(at) + HORIZON + 1)
    assert status([f"2025-12-01T00:00Z/{later}"], "UTC", at)[1] is None


def test_next_horizon_is_inclusive():
    at = "2026-01-01T00:00:00Z"
    start = utc(at) + HORIZON
    assert status([f"{format_utc(start)}/PT1H"], "UTC", at)[2] == format_utc(start)
    assert status([f"{format_utc(start + 1)}/PT1H"], "UTC", at)[2] is None


def test_next_counts_a_break_in_a_current_duty():
    rules = ["Mo-Fr 08:00-12:00, 13:00-18:00"]
    assert status(rules, "UTC", "2026-11-30T09:00:00Z") == (True, "2026-11-30T12:00:00Z", "2026-11-30T13:00:00Z")


@pytest.mark.parametrize("text,needle", [
    ("Mo-Fx 08:00-18:00", "unknown day 'Fx'"),
    ("Mo-Fr 08:00-25:00", "end '25:00'"),
    ("Mo-Fr 8h-18h", "not a time range"),
    ("2026-13-01T08:00/PT1H", "does not exist"),
    ("2026-12-01T08:00/PT0S", "duration is zero"),
    ("R/2026-11-02T09:00/P7D/FREQ=SOMETIMES", "not a duty pattern"),
    ("R/2026-11-02T09:00/P7D/FREQ=DAILY;BYDAY=XX", "RRULE cannot be read"),
    ("R/2026-11-02T09:00Z/P7D/FREQ=DAILY", "without an offset"),
    ("off 24/7", "'off' takes"),
    ("", "empty"),
])
def test_rule_errors_point_at_the_text(text, needle):
    with pytest.raises(RuleError, match=needle.replace("(", r"\(")):
        parse_rule(text)


@pytest.mark.parametrize("rule", [
    "24/7", "Mo-Fr 08:00-18:00", "Sa,Su 09:00-13:00, 14:00-17:00", "Fr-Mo 18:00-08:00",
    "2026-12-01T08:00/2026-12-01T20:00", "2026-12-01T20:00/PT12H", "2026-12-01T07:00Z/P1DT2H",
    "R/2026-11-02T09:00/P7D/FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "off 2026-12-24T00:00/2026-12-27T00:00",
    "R/2026-11-02T09:00/PT1H/FREQ=DAILY;UNTIL=20261231T235959Z",
])
def test_one_string_form_round_trips(rule):
    parsed = parse_rule(rule)
    assert parse_rule(parsed.text()) == parsed


@settings(max_examples=300, deadline=None)
@given(wall=st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(2150, 1, 1)),
       years=st.integers(-3, 3), months=st.integers(-40, 40), days=st.integers(0, 60))
def test_nominal_months_are_dateutils(wall, years, months, days):
    """Duration.add_nominal writes relativedelta's month arithmetic out (31 January plus
    a month is the last day of February); it must agree with it everywhere."""
    from dateutil.relativedelta import relativedelta

    from ctcontacts.time.isotime import Duration

    expected = wall + relativedelta(years=years, months=months) + dt.timedelta(days=days)
    assert Duration(years, months, days, 0).add_nominal(wall) == expected


# --- a recurrence in its own zone, and one given by its first shift's end ----------------


def test_a_rule_in_its_own_zone_follows_that_zones_clock_not_the_contacts():
    # Monday 09:00 in New York for a contact in Paris. The US changes clocks on
    # 8 March 2026, Europe on 29 March: in between New York is 5 hours behind Paris, not 6.
    rule = "R/2026-03-02T09:00[America/New_York]/PT8H/FREQ=WEEKLY;BYDAY=MO"
    got = spans([rule], "Europe/Paris", "2026-03-02T00:00:00Z", "2026-03-31T00:00:00Z")
    assert [s for s, _ in got] == ["2026-03-02T14:00:00Z", "2026-03-09T13:00:00Z", "2026-03-16T13:00:00Z",
                                   "2026-03-23T13:00:00Z", "2026-03-30T13:00:00Z"]
    # Without the zone, the same text is read in the contact's zone (the default).
    plain = spans([rule.replace("[America/New_York]", "")], "Europe/Paris",
                  "2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z")
    assert plain == [("2026-03-09T08:00:00Z", "2026-03-09T16:00:00Z")]


@pytest.mark.parametrize("zone,day,first,last", [
    # Sydney leaves summer time on Sunday 5 April 2026 at 03:00 (to 02:00): 13 hours.
    ("Australia/Sydney", "2026-04-03", "2026-04-04T09:00:00Z", "2026-04-04T22:00:00Z"),
    # Dublin's "negative DST": winter time (GMT) begins on Sunday 25 October 2026: 13 hours.
    ("Europe/Dublin", "2026-10-24", "2026-10-24T19:00:00Z", "2026-10-25T08:00:00Z"),
    # London springs forward on Sunday 29 March 2026 at 01:00 GMT: 11 hours.
    ("Europe/London", "2026-03-28", "2026-03-28T20:00:00Z", "2026-03-29T07:00:00Z"),
    # New York springs forward on Sunday 8 March 2026 at 02:00 EST: 11 hours.
    ("America/New_York", "2026-03-07", "2026-03-08T01:00:00Z", "2026-03-08T12:00:00Z"),
])
def test_a_rule_given_by_its_first_shifts_end_ends_on_the_wall_clock(zone, day, first, last):
    # 20:00 to 08:00, as a calendar's DTSTART and DTEND say it: on the night the clocks
    # change the shift still ends at 08:00 local, so it lasts 11 or 13 hours.
    from ctcontacts.domain.engine import occurrences

    rule = parse_rule(f"R/2026-01-03T20:00[{zone}]/2026-01-04T08:00/FREQ=WEEKLY;BYDAY=SA")
    lo = utc(f"{day}T00:00:00Z")
    got = [(format_utc(s), format_utc(e)) for _, s, e in occurrences(rule, lookup_zone("UTC"), lo, lo + 3 * 86400)
           if lo <= s]
    assert (first, last) in got
    # PT12H would have kept exact hours instead.
    exact = parse_rule(f"R/2026-01-03T20:00[{zone}]/PT12H/FREQ=WEEKLY;BYDAY=SA")
    assert (utc(first), utc(first) + 12 * 3600) in [(s, e) for _, s, e in occurrences(exact, lookup_zone("UTC"), lo,
                                                                                         lo + 3 * 86400)]


def test_zoned_and_end_forms_round_trip_and_equal_their_object_forms():
    text = "R/2026-11-01T19:00[America/New_York]/2026-11-02T07:00/FREQ=DAILY;INTERVAL=2"
    obj = {"rrule": "FREQ=DAILY;INTERVAL=2", "start": "2026-11-01T19:00", "end": "2026-11-02T07:00",
           "timezone": "america/new_york"}
    assert parse_rule(text) == parse_rule(obj) and parse_rule(obj).text() == text
    assert parse_rule(f"off {text}").text() == f"off {text}"
    assert parse_rule({"off": obj}).text() == f"off {text}"
    assert parse_rule({**obj, "start": "2026-11-01T19:00[America/New_York]", "timezone": "America/New_York"}) == \
        parse_rule(obj)


@pytest.mark.parametrize("rule,needle", [
    ("R/2026-11-02T09:00[EST]/P7D/FREQ=WEEKLY", "not the name of a place"),
    ("R/2026-11-02T09:00[Europe/Pari]/P7D/FREQ=WEEKLY", "did you mean Europe/Paris"),
    ("R/2026-11-02T09:00-05:00[America/New_York]/P7D/FREQ=WEEKLY", "without an offset"),
    ("R/2026-11-02T09:00/2026-11-02T09:00/FREQ=WEEKLY", "not after its start"),
    ("R/2026-11-02T09:00/2026-11-02T10:00Z/FREQ=WEEKLY", "without an offset"),
    ("R/2026-11-02T09:00/2026-12-05T09:00/FREQ=DAILY", "at most 31 days"),
    ({"rrule": "FREQ=DAILY", "start": "2026-11-02T09:00", "duration": "PT1H", "end": "2026-11-02T10:00"},
     "not both"),
    ({"rrule": "FREQ=DAILY", "start": "2026-11-02T09:00[Europe/Paris]", "duration": "PT1H",
      "timezone": "Europe/Dublin"}, "give it once"),
    ({"rrule": "FREQ=DAILY", "start": "2026-11-02T09:00", "duration": "PT1H", "tz": "Europe/Dublin"},
     "unknown key"),
])
def test_zoned_and_end_forms_are_checked(rule, needle):
    with pytest.raises(RuleError, match=needle):
        parse_rule(rule)
