"""iCalendar duty calendars, shaped like those Google, Outlook/Exchange, Thunderbird and
Nextcloud write (fixtures in tests/data), checked by who is on duty at chosen instants."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from .conftest import contact, roster, roster_file

DATA = Path(__file__).parent / "data"


@pytest.fixture
def fr(tmp_path, cli):
    people = [
        contact("fr-desk", name="Permanent desk", duty=["24/7"]),
        contact("fr-duty-a", name="Duty officer A (fictional)", email="duty-a@example.org", duty=["Mo 00:00-01:00"]),
        contact("fr-duty-b", name="Duty officer B (fictional)", email="duty-b@example.org", duty=[]),
    ]
    assert cli("import", roster_file(tmp_path, roster("FR", contacts=people))).exit_code == 0


def on(cli, cid, at) -> bool:
    doc = json.loads(cli("whois", "-c", "FR", "-n", "ftf", "--at", at, "--json").stdout)
    return cid in [c["id"] for c in doc["on_duty"]]


def calendar(cli, name, *extra):
    result = cli("import", DATA / name, "--network", "ftf", "--country", "FR", *extra)
    assert result.exit_code == 0, result.stderr
    return result


def test_google_calendar(fr, cli):
    calendar(cli, "google.ics")
    # Matched by ATTENDEE e-mail; times in UTC.
    assert on(cli, "fr-duty-a", "2026-11-30T12:00:00Z") and not on(cli, "fr-duty-a", "2026-11-30T19:00:00Z")
    # Floating times read in X-WR-TIMEZONE (Europe/Paris); matched by id in SUMMARY; across midnight.
    assert not on(cli, "fr-duty-b", "2026-11-30T17:59:59Z") and on(cli, "fr-duty-b", "2026-11-30T18:00:00Z")
    assert on(cli, "fr-duty-b", "2026-12-01T05:59:59Z") and not on(cli, "fr-duty-b", "2026-12-01T06:00:00Z")
    # All-day events are whole days in the contact's zone; matched by name in SUMMARY.
    assert on(cli, "fr-duty-a", "2026-12-04T23:00:00Z") and not on(cli, "fr-duty-a", "2026-12-04T22:59:59Z")
    assert on(cli, "fr-duty-a", "2026-12-06T22:59:59Z")
    # The calendar replaced fr-duty-a's old duty (Mondays 00:00-01:00) and a cancelled event gives nothing.
    assert not on(cli, "fr-duty-a", "2026-12-06T23:30:00Z") and not on(cli, "fr-duty-a", "2026-12-07T08:00:00Z")
    # Contacts the calendar does not name keep their duty.
    assert on(cli, "fr-desk", "2026-12-07T08:00:00Z")


def test_outlook_calendar_with_windows_zone_exdate_and_dst(fr, cli):
    calendar(cli, "outlook.ics", "--contact", "fr-duty-b")
    # Saturday 20:00 CEST to Sunday 08:00 CET across the October change: 13 hours.
    assert on(cli, "fr-duty-b", "2026-10-24T18:00:00Z") and on(cli, "fr-duty-b", "2026-10-25T06:59:59Z")
    assert not on(cli, "fr-duty-b", "2026-10-25T07:00:00Z")
    assert not on(cli, "fr-duty-b", "2026-12-05T21:00:00Z")  # EXDATE
    assert on(cli, "fr-duty-b", "2026-12-12T21:00:00Z")
    # The last one, across the March change (20:00 CET to 08:00 CEST): 11 hours.
    assert on(cli, "fr-duty-b", "2027-03-28T05:59:59Z") and not on(cli, "fr-duty-b", "2027-03-28T06:00:00Z")
    assert not on(cli, "fr-duty-b", "2027-04-03T21:00:00Z")  # after UNTIL


def test_thunderbird_recurrence_is_kept_as_a_rule(fr, cli, db_path):
    calendar(cli, "thunderbird.ics")
    rules = [r for (r,) in sqlite3.connect(db_path).execute(
        "SELECT d.rule FROM duty_rules d JOIN rosters r ON r.version_id = d.version_id WHERE d.contact_id = 'fr-duty-a'")]
    # DTEND, not DURATION: each instance ends at 19:00 on the wall clock, as calendars show it.
    assert rules == ["R/2026-11-01T07:00/2026-11-01T19:00/FREQ=DAILY;INTERVAL=2"]
    assert on(cli, "fr-duty-a", "2026-11-29T10:00:00Z") and not on(cli, "fr-duty-a", "2026-11-30T10:00:00Z")
    assert on(cli, "fr-duty-a", "2030-01-02T10:00:00Z")  # years ahead: a rule, not a list of shifts


def test_nextcloud_moved_cancelled_and_extra_instances(fr, cli):
    calendar(cli, "nextcloud.ics")
    assert on(cli, "fr-duty-b", "2026-11-30T09:00:00Z")
    assert not on(cli, "fr-duty-b", "2026-12-02T09:00:00Z")  # moved away from 09:00 ...
    assert on(cli, "fr-duty-b", "2026-12-02T15:00:00Z") and on(cli, "fr-duty-b", "2026-12-02T19:59:59Z")  # ... to 13:00-21:00
    assert not on(cli, "fr-duty-b", "2026-12-02T20:00:00Z")
    assert not on(cli, "fr-duty-b", "2026-12-04T10:00:00Z")  # cancelled instance
    assert on(cli, "fr-duty-b", "2026-12-05T10:00:00Z")  # RDATE
    assert on(cli, "fr-duty-b", "2026-12-07T10:00:00Z")


CAL = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{}END:VCALENDAR\r\n"
EVENT = "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:{summary}\r\n{times}END:VEVENT\r\n"


def write_cal(tmp_path, *events) -> Path:
    p = tmp_path / "cal.ics"
    p.write_text(CAL.format("".join(EVENT.format(**e) for e in events)))
    return p


@pytest.mark.parametrize("tzid", ["America/New_York", '"America/New_York"', '"Eastern Standard Time"'])
def test_missing_vtimezone_for_an_iana_quoted_or_windows_name(fr, cli, tmp_path, tzid):
    p = write_cal(tmp_path, {"uid": "ny", "summary": "fr-duty-b in New York",
                             "times": f"DTSTART;TZID={tzid}:20261201T090000\r\nDTEND;TZID={tzid}:20261201T170000\r\n"})
    assert cli("import", p, "-n", "ftf", "-c", "FR").exit_code == 0
    assert on(cli, "fr-duty-b", "2026-12-01T14:00:00Z") and not on(cli, "fr-duty-b", "2026-12-01T13:59:59Z")


def test_events_matching_nobody_are_listed_and_nothing_changes(fr, cli, tmp_path, db_path):
    from .conftest import dump

    before = dump(db_path)
    p = write_cal(tmp_path,
                  {"uid": "u-1", "summary": "Someone else", "times": "DTSTART:20261201T090000Z\r\nDTEND:20261201T170000Z\r\n"},
                  {"uid": "u-2", "summary": "fr-duty-a", "times": "DTSTART:20261202T090000Z\r\nDTEND:20261202T170000Z\r\n"},
                  {"uid": "u-3", "summary": "Duty officer A (fictional) and Duty officer B (fictional)",
                   "times": "DTSTART:20261203T090000Z\r\nDTEND:20261203T170000Z\r\n"})
    result = cli("import", p, "-n", "ftf", "-c", "FR")
    assert result.exit_code == 2
    assert "event UID u-1 at 2026-12-01T09:00 (UTC)" in result.stderr and "matches no contact" in result.stderr
    assert "event UID u-3" in result.stderr and "matches several contacts" in result.stderr
    assert dump(db_path) == before


def test_calendar_for_an_unknown_contact_or_roster(fr, cli, tmp_path):
    p = write_cal(tmp_path, {"uid": "x", "summary": "x", "times": "DTSTART:20261201T090000Z\r\nDTEND:20261201T170000Z\r\n"})
    result = cli("import", p, "-n", "ftf", "-c", "FR", "--contact", "nobody")
    assert result.exit_code == 2 and "--contact 'nobody' is not in that roster" in result.stderr
    result = cli("import", p, "-n", "ftf", "-c", "DE")
    assert result.exit_code == 2 and "DE has no roster in ftf" in result.stderr


def test_calendar_import_is_recorded_like_any_import(fr, cli):
    calendar(cli, "google.ics")
    entry = json.loads(cli("history", "--json").stdout)[0]
    assert entry["files"][0]["format"] == "ics" and entry["rosters"][0]["changed"] == ["fr-duty-a", "fr-duty-b"]


@pytest.mark.parametrize("times,needle", [
    ("DTSTART:20261201T090000Z\r\nDTEND:20261201T080000Z\r\n", "ends before"),
    ("DTSTART;TZID=America/New_Yrok:20261201T090000\r\nDTEND;TZID=America/New_Yrok:20261201T170000\r\n", "America/New_Yrok"),
    ("DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nRRULE:FREQ=SECONDLY\r\n", "not a duty pattern"),
    ("DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nRRULE:FREQ=DAILY;INTERVAL=0\r\n", "INTERVAL"),
    ("DTSTART:2026XX01T090000Z\r\nDTEND:20261201T100000Z\r\n", "cannot be read"),
    ("DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nEXDATE:garbage\r\n", "cannot be read"),
])
def test_broken_events_are_problems_not_crashes_or_hangs(fr, cli, tmp_path, times, needle):
    p = write_cal(tmp_path, {"uid": "bad", "summary": "fr-duty-a", "times": times})
    result = cli("import", p, "-n", "ftf", "-c", "FR")
    assert result.exit_code == 2 and needle in result.stderr, result.stderr


def test_binary_and_utf16_calendars(fr, cli, tmp_path):
    p = tmp_path / "bin.ics"
    p.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 10)
    result = cli("import", p, "-n", "ftf", "-c", "FR")
    assert result.exit_code == 2 and "binary data" in result.stderr and len(result.stderr) < 400
    p = tmp_path / "u16.ics"
    p.write_bytes(CAL.format(EVENT.format(uid="u", summary="fr-duty-a", times="DTSTART:20261201T090000Z\r\nDTEND:20261201T170000Z\r\n")).encode("utf-16"))
    assert cli("import", p, "-n", "ftf", "-c", "FR").exit_code == 0
    assert on(cli, "fr-duty-a", "2026-12-01T10:00:00Z")


def test_events_without_uid_and_swapped_instances_go_to_their_own_contact(fr, cli, tmp_path):
    p = write_cal(
        tmp_path,
        {"uid": "", "summary": "fr-duty-a", "times": "DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\n"},
        {"uid": "", "summary": "fr-duty-b", "times": "DTSTART:20261202T090000Z\r\nDTEND:20261202T100000Z\r\n"},
        {"uid": "series", "summary": "fr-duty-a", "times": "DTSTART:20261203T090000Z\r\nDTEND:20261203T100000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"},
        {"uid": "series", "summary": "fr-duty-b (swap)", "times": "RECURRENCE-ID:20261204T090000Z\r\nDTSTART:20261204T090000Z\r\nDTEND:20261204T100000Z\r\n"},
    )
    result = cli("import", p, "-n", "ftf", "-c", "FR")
    assert result.exit_code == 0, result.stderr
    assert on(cli, "fr-duty-a", "2026-12-01T09:30:00Z") and not on(cli, "fr-duty-a", "2026-12-02T09:30:00Z")
    assert on(cli, "fr-duty-b", "2026-12-02T09:30:00Z")
    assert on(cli, "fr-duty-b", "2026-12-04T09:30:00Z") and not on(cli, "fr-duty-a", "2026-12-04T09:30:00Z")
    assert on(cli, "fr-duty-a", "2026-12-05T09:30:00Z")


def test_summary_matches_whole_words_only(fr, cli, tmp_path):
    p = write_cal(tmp_path, {"uid": "m", "summary": "Duty officer Anne Martin (fr-ann)",
                             "times": "DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\n"})
    result = cli("import", p, "-n", "ftf", "-c", "FR")
    assert result.exit_code == 2 and "matches no contact" in result.stderr


def test_a_start_off_its_own_rule_is_still_a_shift_as_calendars_show(fr, cli, tmp_path):
    # Tuesday 1 December, BYDAY=TH;COUNT=2: calendars show 1, 3 and 10 December... per RFC 5545
    # DTSTART is the first instance, so the event is flattened rather than kept as a rule.
    p = write_cal(tmp_path, {"uid": "t", "summary": "fr-duty-a", "times":
                             "DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=2\r\n"})
    assert cli("import", p, "-n", "ftf", "-c", "FR").exit_code == 0
    assert on(cli, "fr-duty-a", "2026-12-01T09:30:00Z") and on(cli, "fr-duty-a", "2026-12-03T09:30:00Z")


def test_a_night_rota_ends_at_the_wall_clock_time_calendars_show(fr, cli, tmp_path, db_path):
    # 19:00 to 07:00 every night: on the spring-forward night that is 11 hours, as every
    # calendar shows it (a rule of exact hours would run to 08:00). Kept as a rule that
    # ends each shift on the wall clock, so it answers in any year.
    p = write_cal(tmp_path, {"uid": "night", "summary": "fr-duty-b", "times":
                             "DTSTART;TZID=Europe/Paris:20261101T190000\r\nDTEND;TZID=Europe/Paris:20261102T070000\r\n"
                             "RRULE:FREQ=DAILY\r\n"})
    assert cli("import", p, "-n", "ftf", "-c", "FR").exit_code == 0
    assert on(cli, "fr-duty-b", "2027-03-28T04:59:59Z") and not on(cli, "fr-duty-b", "2027-03-28T05:00:00Z")
    # 2030: the clocks go forward on Sunday 31 March.
    assert on(cli, "fr-duty-b", "2030-03-31T04:59:59Z") and not on(cli, "fr-duty-b", "2030-03-31T05:00:00Z")
    rules = [r for (r,) in sqlite3.connect(db_path).execute(
        "SELECT d.rule FROM duty_rules d JOIN rosters r ON r.version_id = d.version_id WHERE d.contact_id = 'fr-duty-b'")]
    assert rules == ["R/2026-11-01T19:00/2026-11-02T07:00/FREQ=DAILY"]


def test_an_event_without_an_end_gives_no_duty_and_is_counted(fr, cli, tmp_path):
    # RFC 5545: a date-time DTSTART without DTEND or DURATION ends when it starts.
    p = write_cal(tmp_path, {"uid": "z", "summary": "fr-duty-a", "times": "DTSTART:20261201T090000Z\r\n"},
                  {"uid": "y", "summary": "fr-duty-a", "times": "DTSTART:20261202T090000Z\r\nDTEND:20261202T100000Z\r\n"})
    result = cli("import", p, "-n", "ftf", "-c", "FR", "--json")
    assert result.exit_code == 0, result.stderr
    counts = json.loads(result.stdout)["rosters"][0]["calendar"]["contacts"][0]
    assert counts["id"] == "fr-duty-a" and counts["zero_length"] == 1 and counts["dated_shifts"] == 1
    assert counts["events"] == 2


# --- calendars kept whole, whatever their dates (issue 11) ---------------------------------
#
# Calendars as Google, Outlook/Exchange, Thunderbird, Nextcloud (SabreDAV) and Apple write
# them, with events from 2013 to 2030, for desks in five zones. "Now" is pinned far from
# every event, before and after: nothing may depend on the day of the import. Each shift
# below was worked out by hand (UTC): on at its start, inside and one second before its
# end; not one second before its start, nor at its end.

DESKS = [("c-toronto", "America/Toronto"), ("c-paris", "Europe/Paris"), ("c-dublin", "Europe/Dublin"),
         ("c-sydney", "Australia/Sydney"), ("c-london", "Europe/London")]
DESK_CONTACTS = {cid: {"name": f"Duty desk {cid[2:].title()} (fictional)", "email": f"{cid[2:]}-desk@example.org",
                       "timezone": zone} for cid, zone in DESKS}

PRODUCERS = {
    # Google: X-WR-TIMEZONE America/New_York, for a desk in Toronto (--contact).
    "google-2014.ics": ("c-toronto", [
        ("2013-06-03T13:00:00Z", "2013-06-03T21:00:00Z"),  # a single event, in UTC
        ("2014-03-03T14:00:00Z", "2014-03-03T22:00:00Z"),  # Mondays 09:00-17:00 New York (EST)...
        ("2014-03-10T13:00:00Z", "2014-03-10T21:00:00Z"),  # ... (EDT since Sunday 9 March)
        ("2014-07-08T14:00:00Z", "2014-07-08T22:00:00Z"),  # 7 July moved to Tuesday 10:00-18:00
        ("2014-11-03T14:00:00Z", "2014-11-03T22:00:00Z"),  # EST again since 2 November
        ("2014-12-22T14:00:00Z", "2014-12-22T22:00:00Z"),  # the last, at UNTIL exactly
        ("2016-07-04T04:00:00Z", "2016-07-05T04:00:00Z"),  # all day in Toronto
        ("2018-01-06T23:00:00Z", "2018-01-07T11:00:00Z"),  # Saturday nights 18:00-06:00, no end
        ("2019-12-20T23:00:00Z", "2019-12-21T11:00:00Z"),  # 21 December moved to the Friday
        ("2025-07-05T22:00:00Z", "2025-07-06T10:00:00Z"),
        ("2030-03-09T23:00:00Z", "2030-03-10T10:00:00Z"),  # clocks forward that night: 11 hours
        ("2030-11-02T22:00:00Z", "2030-11-03T11:00:00Z"),  # clocks back: 13 hours
    ], ["2014-05-26T15:00:00Z",  # EXDATE
        "2014-07-07T15:00:00Z",  # moved away
        "2014-09-01T15:00:00Z",  # cancelled instance
        "2014-12-29T15:00:00Z",  # after UNTIL
        "2015-03-10T15:00:00Z",  # cancelled event
        "2017-03-15T13:00:00Z",  # an event of zero length
        "2019-12-22T00:00:00Z", "2019-12-29T00:00:00Z", "2020-01-05T00:00:00Z"]),  # moved, EXDATE, cancelled
    # Outlook/Exchange: Windows zone names with VTIMEZONE blocks, for a desk in Paris.
    "outlook-2015.ics": ("c-paris", [
        ("2013-12-23T23:00:00Z", "2013-12-25T23:00:00Z"),  # all day, two days, in Paris
        ("2015-01-03T19:00:00Z", "2015-01-04T07:00:00Z"),  # Saturday 20:00 to Sunday 08:00, no end
        ("2015-03-28T19:00:00Z", "2015-03-29T06:00:00Z"),  # clocks forward: 11 hours
        ("2016-10-28T06:00:00Z", "2016-10-28T14:00:00Z"),  # weekdays 08:00-16:00 until 18 November
        ("2016-10-29T18:00:00Z", "2016-10-30T07:00:00Z"),  # clocks back: 13 hours
        ("2016-10-31T07:00:00Z", "2016-10-31T15:00:00Z"),
        ("2016-11-18T07:00:00Z", "2016-11-18T15:00:00Z"),  # the last, at UNTIL exactly
        ("2018-03-30T18:00:00Z", "2018-03-31T06:00:00Z"),  # Easter Saturday moved to the Friday
        ("2019-03-29T09:00:00Z", "2019-03-29T17:00:00Z"),  # in "GMT Standard Time"
        ("2030-03-30T19:00:00Z", "2030-03-31T06:00:00Z"),
        ("2030-10-26T18:00:00Z", "2030-10-27T07:00:00Z"),
    ], ["2016-11-21T08:00:00Z", "2017-12-30T20:00:00Z", "2018-03-31T20:00:00Z"]),
    # Thunderbird: plain IANA TZIDs with VTIMEZONE blocks; a London rota for a desk in Dublin.
    "thunderbird-2016.ics": ("c-dublin", [
        ("2013-10-26T23:00:00Z", "2013-10-27T04:00:00Z"),  # 00:00 IST to 04:00 GMT: 5 hours
        ("2016-01-04T22:00:00Z", "2016-01-05T06:00:00Z"),  # nights 22:00-06:00 London, no end
        ("2017-01-01T00:00:00Z", "2017-01-01T08:00:00Z"),  # 31 December's moved to 00:00-08:00
        ("2017-03-24T09:00:00Z", "2017-03-24T17:00:00Z"),  # ten days 09:00-17:00 Dublin (COUNT)
        ("2017-03-26T08:00:00Z", "2017-03-26T16:00:00Z"),  # (IST from that morning)
        ("2017-03-29T08:00:00Z", "2017-03-29T16:00:00Z"),  # the tenth (one was EXDATE)
        ("2030-03-30T22:00:00Z", "2030-03-31T05:00:00Z"),  # clocks forward: 7 hours
        ("2030-10-26T21:00:00Z", "2030-10-27T06:00:00Z"),  # clocks back: 9 hours
    ], ["2016-12-26T02:00:00Z", "2016-12-31T23:00:00Z", "2017-03-25T10:00:00Z", "2017-03-30T09:00:00Z"]),
    # Nextcloud (SabreDAV): matched by ATTENDEE, for a desk in Sydney.
    "nextcloud-2017.ics": (None, [
        ("2017-09-02T10:00:00Z", "2017-09-02T22:00:00Z"),  # Saturdays 20:00-08:00 until June 2018
        ("2017-09-30T10:00:00Z", "2017-09-30T21:00:00Z"),  # clocks forward: 11 hours
        ("2018-01-26T09:00:00Z", "2018-01-26T21:00:00Z"),  # 27 January moved to the Friday
        ("2018-03-31T09:00:00Z", "2018-03-31T22:00:00Z"),  # clocks back: 13 hours
        ("2018-06-23T10:00:00Z", "2018-06-23T22:00:00Z"),  # the last before UNTIL
        ("2018-07-14T10:00:00Z", "2018-07-14T22:00:00Z"),  # RDATE after UNTIL
        ("2019-01-05T09:00:00Z", "2019-01-05T21:00:00Z"),  # first Saturday of each month, no end
        ("2019-12-23T13:00:00Z", "2019-12-26T13:00:00Z"),  # all day, three days
        ("2020-04-04T07:00:00Z", "2020-04-05T00:00:00Z"),  # changed to 18:00-10:00 across the change
        ("2030-04-06T09:00:00Z", "2030-04-06T22:00:00Z"),
        ("2030-10-05T10:00:00Z", "2030-10-05T21:00:00Z"),
    ], ["2017-12-23T12:00:00Z", "2018-01-27T12:00:00Z", "2018-04-14T12:00:00Z", "2018-06-30T12:00:00Z",
        "2019-11-02T12:00:00Z"]),
    # Apple Calendar: X-WR-TIMEZONE and a VTIMEZONE, for a desk in London.
    "apple-2019.ics": ("c-london", [
        ("2013-09-01T09:00:00Z", "2013-09-01T13:00:00Z"),
        ("2019-01-02T08:00:00Z", "2019-01-02T20:00:00Z"),  # Wednesdays 08:00-20:00, no end
        ("2019-04-03T07:00:00Z", "2019-04-03T19:00:00Z"),  # (BST)
        ("2019-05-26T23:00:00Z", "2019-05-27T23:00:00Z"),  # all day
        ("2019-08-31T23:00:00Z", "2019-09-01T11:00:00Z"),  # Sundays 00:00-12:00 until 27 October
        ("2019-10-26T23:00:00Z", "2019-10-27T12:00:00Z"),  # clocks back: 13 hours, the last
        ("2019-11-10T00:00:00Z", "2019-11-10T12:00:00Z"),  # RDATE after UNTIL
        ("2020-01-02T08:00:00Z", "2020-01-02T20:00:00Z"),  # 1 January moved to the Thursday
        ("2030-03-31T00:30:00Z", "2030-03-31T02:30:00Z"),  # 00:30 GMT to 03:30 BST: 2 hours
        ("2030-07-03T07:00:00Z", "2030-07-03T19:00:00Z"),
    ], ["2019-11-03T06:00:00Z", "2019-12-25T12:00:00Z", "2020-01-01T12:00:00Z"]),
}


@pytest.fixture(params=["2040-06-01T00:00:00Z", "2005-01-01T00:00:00Z"])
def desks(request, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("CTCONTACTS_NOW", request.param)
    people = [contact(cid, duty=[], phones=[f"+33 1 99 00 12 4{i}"], **c) for i, (cid, c) in enumerate(DESK_CONTACTS.items())]
    assert cli("import", roster_file(tmp_path, roster("FR", contacts=people), name="desks.json")).exit_code == 0


def utc(text: str) -> int:
    import datetime as dt

    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def at(instant: int) -> str:
    from ctcontacts.time.isotime import format_utc

    return format_utc(instant)


def import_calendar(cli, name, cid=None, *extra) -> dict:
    """Import a calendar (a name in tests/data, or a path); the --json report."""
    result = cli("import", DATA / name, "-n", "ftf", "-c", "FR", *(["--contact", cid] if cid else []), *extra, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", PRODUCERS)
def test_a_calendar_is_kept_whole_whatever_its_dates(desks, cli, name):
    cid, shifts, free = PRODUCERS[name]
    cid = cid or "c-sydney"
    import_calendar(cli, name, None if name.startswith("nextcloud") else cid)
    for start, end in shifts:
        s, e = utc(start), utc(end)
        assert not on(cli, cid, at(s - 1)), (name, start)
        assert on(cli, cid, start) and on(cli, cid, at((s + e) // 2)) and on(cli, cid, at(e - 1)), (name, start)
        assert not on(cli, cid, end), (name, end)
    for instant in free:
        assert not on(cli, cid, instant), (name, instant)


def db_duty(db_path, lo="2012-06-01T00:00:00Z", hi="2030-12-01T00:00:00Z") -> dict:
    """Each contact's duty in the directory over a window, as the engine reads it."""
    from ctcontacts.storage import store
    from ctcontacts.storage.db import connect
    from ctcontacts.domain.engine import duty_intervals
    from ctcontacts.time.zones import lookup_zone

    r = store.load_roster(connect(db_path), "ftf", "FR")
    return {c.id: duty_intervals(c.duty, lookup_zone(c.timezone), utc(lo), utc(hi)) for c in r.contacts}


# Every calendar in tests/data, with the roster it fills and who --contact is.
FR_CONTACTS = {"fr-desk": {"name": "Permanent desk", "email": "", "timezone": "Europe/Paris"},
               "fr-duty-a": {"name": "Duty officer A (fictional)", "email": "duty-a@example.org",
                             "timezone": "Europe/Paris"},
               "fr-duty-b": {"name": "Duty officer B (fictional)", "email": "duty-b@example.org",
                             "timezone": "Europe/Paris"}}
CALENDARS = {"google.ics": None, "outlook.ics": "fr-duty-b", "thunderbird.ics": None, "nextcloud.ics": None,
             **{name: cid for name, (cid, _, _) in PRODUCERS.items()}}


@pytest.fixture
def roster_for(tmp_path, cli):
    def load(name):
        if name in PRODUCERS:
            people = [contact(cid, duty=[], phones=[f"+33 1 99 00 12 4{i}"], **c)
                      for i, (cid, c) in enumerate(DESK_CONTACTS.items())]
            contacts = DESK_CONTACTS
        else:
            people = [contact("fr-desk", name="Permanent desk", duty=["24/7"]),
                      contact("fr-duty-a", name="Duty officer A (fictional)", email="duty-a@example.org", duty=[]),
                      contact("fr-duty-b", name="Duty officer B (fictional)", email="duty-b@example.org", duty=[])]
            contacts = FR_CONTACTS
        assert cli("import", roster_file(tmp_path, roster("FR", contacts=people), name="fr.json")).exit_code == 0
        return contacts
    return load


@pytest.mark.parametrize("name", CALENDARS)
def test_every_calendar_agrees_with_recurring_ical_events(roster_for, cli, db_path, name, monkeypatch):
    """An independent expansion of the same file (recurring-ical-events, x-wr-timezone,
    the standard library's zones) over 2012-2030 gives each contact the same duty."""
    import datetime as dt

    from . import calendar_oracle

    monkeypatch.setenv("CTCONTACTS_NOW", "2040-06-01T00:00:00Z")
    contacts = roster_for(name)
    import_calendar(cli, name, CALENDARS[name])
    lo, hi = "2012-06-01T00:00:00Z", "2030-12-01T00:00:00Z"
    truth = calendar_oracle.spans(DATA / name, contacts, CALENDARS[name], dt.datetime(2012, 1, 1, tzinfo=dt.timezone.utc),
                                  dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc))
    got = db_duty(db_path, lo, hi)
    for cid in truth:
        assert got[cid] == calendar_oracle.clip(truth[cid], utc(lo), utc(hi)), (name, cid)
    assert truth  # the file gave someone something


@pytest.mark.parametrize("name", CALENDARS)
def test_export_to_ics_and_back_gives_the_same_duty(roster_for, cli, db_path, tmp_path, name, monkeypatch):
    monkeypatch.setenv("CTCONTACTS_NOW", "2040-06-01T00:00:00Z")
    roster_for(name)
    report = import_calendar(cli, name, CALENDARS[name])
    named = [c["id"] for c in report["rosters"][0]["calendar"]["contacts"]]
    before = db_duty(db_path)
    exported = tmp_path / "exported.ics"
    assert cli("export", "--format", "ics", "--out", exported).exit_code == 0
    monkeypatch.setenv("CTCONTACTS_DB", str(tmp_path / "again.db"))
    roster_for(name)
    again = import_calendar(cli, exported)  # an absolute path: DATA / path is the path
    after = db_duty(tmp_path / "again.db")
    assert {cid: after[cid] for cid in named} == {cid: before[cid] for cid in named}
    assert any(before[cid] for cid in named)
    assert again["rosters"][0]["calendar"]["contacts"]


@pytest.mark.parametrize("name", CALENDARS)
def test_reimporting_the_same_calendar_is_unchanged(roster_for, cli, name, monkeypatch):
    roster_for(name)
    first = import_calendar(cli, name, CALENDARS[name])
    # A later "now" changes nothing: no window around the day of the import.
    monkeypatch.setenv("CTCONTACTS_NOW", "2039-01-01T00:00:00Z")
    second = import_calendar(cli, name, CALENDARS[name])
    assert not first["rosters"][0]["unchanged"] and second["rosters"][0]["unchanged"]
    assert second["rosters"][0]["calendar"] == first["rosters"][0]["calendar"]


def stored(db_path, cid) -> list[str]:
    return [r for (r,) in sqlite3.connect(db_path).execute(
        "SELECT d.rule FROM duty_rules d JOIN rosters r ON r.version_id = d.version_id WHERE d.contact_id = ? "
        "ORDER BY d.position", [cid])]


def test_the_report_says_what_the_calendar_held(desks, cli, db_path):
    report = import_calendar(cli, "google-2014.ics", "c-toronto")["rosters"][0]["calendar"]
    assert report["file"].endswith("google-2014.ics") and report["events"] == 10
    assert report["contacts"] == [{
        "id": "c-toronto", "events": 10, "series_kept_as_rules": 1, "series_with_an_end": 1,
        "dated_shifts": 1 + 49 + 1 + 1,  # the 2013 event, 49 Mondays (52 less 3), Independence Day, the Friday swap
        "off_periods": 3, "exceptions_applied": 6, "cancelled": 1, "zero_length": 1}]
    rules = stored(db_path, "c-toronto")
    # The series without an end: kept as a rule in its own zone, ending on the wall clock.
    assert rules[0] == "R/2018-01-06T18:00[America/New_York]/2018-01-07T06:00/FREQ=WEEKLY;BYDAY=SA"
    assert "2016-07-04T00:00/P1D" in rules  # all day, in the contact's zone
    assert [r for r in rules if r.startswith("off")] == [
        "off 2019-12-21T23:00Z/2019-12-22T11:00Z", "off 2019-12-28T23:00Z/2019-12-29T11:00Z",
        "off 2020-01-04T23:00Z/2020-01-05T11:00Z"]
    # History keeps the report.
    entry = json.loads(cli("history", "--json").stdout)[0]
    assert entry["files"][0]["format"] == "ics"


def test_a_series_in_the_contacts_own_zone_names_no_zone(desks, cli, db_path):
    import_calendar(cli, "apple-2019.ics", "c-london")
    assert stored(db_path, "c-london")[0] == "R/2019-01-02T08:00/2019-01-02T20:00/FREQ=WEEKLY;INTERVAL=1"
    text = cli("export", "--format", "ics").stdout
    assert "DTSTART;TZID=Europe/London:20190102T080000" in text and "EXDATE;TZID=Europe/London:20191225T080000" in text


def test_ics_export_writes_a_zoned_rule_in_its_own_zone(desks, cli):
    import re

    import_calendar(cli, "google-2014.ics", "c-toronto")
    text = re.sub(r"\r?\n ", "", cli("export", "--format", "ics").stdout)  # unfolded
    assert "DTSTART;TZID=America/New_York:20180106T180000" in text
    assert "DTEND;TZID=America/New_York:20180107T060000" in text
    assert "EXDATE;TZID=America/New_York:20191221T180000,20191228T180000,20200104T180000" in text
    assert "TZID:America/New_York" in text


def cal_text(*events: str, head: str = "") -> str:
    return CAL.format(head + "".join(events))


def vevent(uid: str, summary: str, *lines: str) -> str:
    return EVENT.format(uid=uid, summary=summary, times="".join(line + "\r\n" for line in lines))


def test_a_series_in_utc_with_x_wr_timezone_recurs_on_that_zones_clock(fr, cli, tmp_path, monkeypatch):
    # Google writes some series in UTC and shows them on the calendar's clock: 09:00 in
    # New York all year, 14:00Z in winter and 13:00Z in summer.
    monkeypatch.setenv("CTCONTACTS_NOW", "2040-06-01T00:00:00Z")
    p = tmp_path / "utc.ics"
    p.write_text(cal_text(vevent("u", "fr-duty-a", "DTSTART:20180105T140000Z", "DTEND:20180105T220000Z",
                                 "RRULE:FREQ=WEEKLY;BYDAY=FR"), head="X-WR-TIMEZONE:America/New_York\r\n"))
    assert cli("import", p, "-n", "ftf", "-c", "FR").exit_code == 0
    assert on(cli, "fr-duty-a", "2029-01-05T14:00:00Z") and not on(cli, "fr-duty-a", "2029-01-05T13:59:59Z")
    assert on(cli, "fr-duty-a", "2029-07-06T13:00:00Z") and not on(cli, "fr-duty-a", "2029-07-06T21:00:00Z")


def test_a_customized_vtimezone_that_keeps_the_contacts_clock_is_read_as_its_zone(fr, cli, tmp_path, db_path):
    # Exchange names some zones "Customized Time Zone"; this one keeps Paris time.
    block = ("BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000\r\n"
             "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\n"
             "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
             "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n")
    p = tmp_path / "custom.ics"
    p.write_text(cal_text(vevent("c", "fr-duty-a", "DTSTART;TZID=Customized Time Zone:20150103T200000",
                                 "DTEND;TZID=Customized Time Zone:20150104T080000", "RRULE:FREQ=WEEKLY"), head=block))
    assert cli("import", p, "-n", "ftf", "-c", "FR").exit_code == 0
    assert stored(db_path, "fr-duty-a") == ["R/2015-01-03T20:00/2015-01-04T08:00/FREQ=WEEKLY"]
    # A zone no IANA name matches (no summer time at +03:30) cannot carry a series.
    p.write_text(cal_text(vevent("d", "fr-duty-a", "DTSTART;TZID=Odd:20150103T200000", "DTEND;TZID=Odd:20150104T080000",
                                 "RRULE:FREQ=WEEKLY"),
                          head=block.replace("Customized Time Zone", "Odd").replace("+0200", "+0330").replace("+0100", "+0330")))
    result = cli("import", p, "-n", "ftf", "-c", "FR")
    assert result.exit_code == 2 and "event UID d at 2015-01-03T20:00 (Odd)" in result.stderr
    assert "matches no IANA zone" in result.stderr


def test_duration_in_hours_is_exact_and_in_days_nominal(fr, cli, tmp_path, db_path):
    # RFC 5545: PT24H is 24 hours, P1D a calendar day; they differ when the clocks change.
    p = tmp_path / "d.ics"
    p.write_text(cal_text(
        vevent("h", "fr-duty-a", "DTSTART;TZID=Europe/Paris:20270327T120000", "DURATION:PT24H", "RRULE:FREQ=WEEKLY"),
        vevent("d", "fr-duty-b", "DTSTART;TZID=Europe/Paris:20270327T120000", "DURATION:P1D", "RRULE:FREQ=WEEKLY")))
    assert cli("import", p, "-n", "ftf", "-c", "FR").exit_code == 0
    assert stored(db_path, "fr-duty-a") == ["R/2027-03-27T12:00/PT24H/FREQ=WEEKLY"]
    assert stored(db_path, "fr-duty-b") == ["R/2027-03-27T12:00/P1D/FREQ=WEEKLY"]
    # Saturday 27 March 12:00 CET is 11:00Z; the clocks go forward that night.
    assert on(cli, "fr-duty-a", "2027-03-28T10:59:59Z") and not on(cli, "fr-duty-a", "2027-03-28T11:00:00Z")
    assert on(cli, "fr-duty-b", "2027-03-28T09:59:59Z") and not on(cli, "fr-duty-b", "2027-03-28T10:00:00Z")


def test_exdate_given_as_a_date_excludes_that_days_instance(fr, cli, tmp_path):
    p = tmp_path / "x.ics"
    p.write_text(cal_text(vevent("x", "fr-duty-a", "DTSTART;TZID=Europe/Paris:20261130T090000",
                                 "DTEND;TZID=Europe/Paris:20261130T170000", "RRULE:FREQ=DAILY",
                                 "EXDATE;VALUE=DATE:20261202")))
    assert cli("import", p, "-n", "ftf", "-c", "FR").exit_code == 0
    assert on(cli, "fr-duty-a", "2026-12-01T10:00:00Z") and not on(cli, "fr-duty-a", "2026-12-02T10:00:00Z")
    assert on(cli, "fr-duty-a", "2026-12-03T10:00:00Z")


def test_a_cancelled_event_naming_nobody_is_counted_not_refused(fr, cli, tmp_path):
    p = tmp_path / "c.ics"
    p.write_text(cal_text(vevent("c", "Someone else's meeting", "DTSTART:20261201T090000Z", "DTEND:20261201T100000Z",
                                 "STATUS:CANCELLED"),
                          vevent("d", "fr-duty-a", "DTSTART:20261201T090000Z", "DTEND:20261201T100000Z")))
    result = cli("import", p, "-n", "ftf", "-c", "FR", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rosters"][0]["calendar"]["unassigned_cancelled"] == 1


def test_an_instance_changed_for_this_and_future_ones_is_refused_not_guessed(fr, cli, tmp_path):
    p = tmp_path / "r.ics"
    p.write_text(cal_text(vevent("r", "fr-duty-a", "DTSTART:20261201T090000Z", "DTEND:20261201T100000Z", "RRULE:FREQ=DAILY"),
                          vevent("r", "fr-duty-a", "RECURRENCE-ID;RANGE=THISANDFUTURE:20261205T090000Z",
                                 "DTSTART:20261205T100000Z", "DTEND:20261205T110000Z")))
    result = cli("import", p, "-n", "ftf", "-c", "FR")
    assert result.exit_code == 2 and "event UID r at 2026-12-01T09:00 (UTC)" in result.stderr
    assert "THISANDFUTURE" in result.stderr


@pytest.mark.parametrize("events,needle", [
    # A series with an end but more instances than a contact may hold: refused, never cut.
    ([vevent("big", "fr-duty-a", "DTSTART:20140101T000000Z", "DTEND:20140101T003000Z",
             "RRULE:FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;"
             "UNTIL=20191231T000000Z")], "event UID big at 2014-01-01T00:00 (UTC)"),
    # 51 series without an end for one contact.
    ([vevent(f"s{i}", "fr-duty-a", f"DTSTART:2026{1 + i // 28:02d}{1 + i % 28:02d}T090000Z",
             f"DTEND:2026{1 + i // 28:02d}{1 + i % 28:02d}T100000Z", "RRULE:FREQ=YEARLY") for i in range(51)],
     "51 series without an end (UID s0, UID s1, UID s2"),
    # Eleven hourly series: more starts a day than a roster may have.
    ([vevent(f"h{i}", "fr-duty-a", f"DTSTART:202612{1 + i:02d}T000000Z", f"DTEND:202612{1 + i:02d}T003000Z",
             "RRULE:FREQ=HOURLY") for i in range(11)], "start about 264 shifts a day"),
])
def test_a_calendar_beyond_the_limits_is_refused_with_its_events_named(fr, cli, tmp_path, db_path, events, needle):
    from .conftest import dump

    before = dump(db_path)
    p = tmp_path / "big.ics"
    p.write_text(cal_text(*events))
    result = cli("import", p, "-n", "ftf", "-c", "FR")
    assert result.exit_code == 2 and needle in result.stderr, result.stderr
    assert dump(db_path) == before


def test_the_issue_a_google_calendar_of_2014_to_2019_imported_years_later(tmp_path, cli, monkeypatch):
    """Issue 11 as reported: a Google calendar whose events lie in 2014-2019, imported for
    one contact (--contact c1), gave "changed c1 duty: [...] -> []". Every event is kept."""
    monkeypatch.setenv("CTCONTACTS_NOW", "2040-06-01T00:00:00Z")
    people = [contact("c1", name="Holiday cover (fictional)", duty=["Mo-Fr 09:00-17:00"], timezone="Europe/Berlin")]
    assert cli("import", roster_file(tmp_path, roster("FR", contacts=people))).exit_code == 0
    events = "".join(vevent(f"2014{y}_{m:02d}{d:02d}_holiday@google.com", "Public holiday (fictional)",
                            f"DTSTART;VALUE=DATE:{y}{m:02d}{d:02d}", f"DTEND;VALUE=DATE:{y}{m:02d}{d + 1:02d}",
                            "CLASS:PUBLIC", "TRANSP:TRANSPARENT", "STATUS:CONFIRMED")
                     for y in range(2014, 2020) for m, d in ((1, 1), (5, 1), (10, 3), (12, 25)))
    p = tmp_path / "Germany.ics"
    p.write_text(cal_text(events, head="X-WR-CALNAME:Holidays (fictional)\r\nX-WR-TIMEZONE:Europe/Berlin\r\n"))
    result = cli("import", p, "--network", "ftf", "--country", "FR", "--contact", "c1", "--json")
    assert result.exit_code == 0, result.stderr
    change = json.loads(result.stdout)["rosters"][0]
    assert change["changed"][0]["fields"]["duty"]["new"][:2] == ["2014-01-01T00:00/P1D", "2014-05-01T00:00/P1D"]
    assert change["calendar"]["contacts"][0]["dated_shifts"] == 24
    # 3 October 2016, all day in Berlin: from 2 October 22:00Z to 3 October 22:00Z.
    assert not on(cli, "c1", "2016-10-02T21:59:59Z") and on(cli, "c1", "2016-10-02T22:00:00Z")
    assert on(cli, "c1", "2016-10-03T21:59:59Z") and not on(cli, "c1", "2016-10-03T22:00:00Z")
    assert on(cli, "c1", "2019-12-25T12:00:00Z")


def test_an_outlook_zone_named_for_display_is_read_by_its_clock(fr, cli, tmp_path, db_path, monkeypatch):
    # Newer Outlook names zones for display; this one is US Eastern time, for a desk in Paris.
    monkeypatch.setenv("CTCONTACTS_NOW", "2005-01-01T00:00:00Z")
    tzid = "(UTC-05:00) Eastern Time (US & Canada)"
    block = (f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\nBEGIN:STANDARD\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:-0400\r\n"
             "TZOFFSETTO:-0500\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\n"
             "BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"
             "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n")
    p = tmp_path / "o.ics"
    p.write_text(cal_text(vevent("o", "fr-duty-a", f'DTSTART;TZID="{tzid}":20180106T180000',
                                 f'DTEND;TZID="{tzid}":20180107T060000', "RRULE:FREQ=WEEKLY;BYDAY=SA",
                                 "EXDATE;TZID=GMT:20191228T230000"), head=block))
    assert cli("import", p, "-n", "ftf", "-c", "FR").exit_code == 0
    [rule] = [r for r in stored(db_path, "fr-duty-a") if r.startswith("R/")]
    assert rule.startswith("R/2018-01-06T18:00[America/") and rule.endswith("]/2018-01-07T06:00/FREQ=WEEKLY;BYDAY=SA")
    # Saturday 9 March 2030 18:00 EST to Sunday 06:00 EDT: 11 hours.
    assert not on(cli, "fr-duty-a", "2030-03-09T22:59:59Z") and on(cli, "fr-duty-a", "2030-03-09T23:00:00Z")
    assert on(cli, "fr-duty-a", "2030-03-10T09:59:59Z") and not on(cli, "fr-duty-a", "2030-03-10T10:00:00Z")
    assert not on(cli, "fr-duty-a", "2019-12-29T00:00:00Z")  # EXDATE in GMT: the same instant


def test_a_series_in_gmt_is_kept_in_utc(fr, cli, tmp_path, db_path):
    p = tmp_path / "g.ics"
    p.write_text(cal_text(vevent("g", "fr-duty-a", "DTSTART;TZID=GMT:20261201T090000", "DTEND;TZID=GMT:20261201T170000",
                                 "RRULE:FREQ=DAILY")))
    assert cli("import", p, "-n", "ftf", "-c", "FR").exit_code == 0
    assert stored(db_path, "fr-duty-a") == ["R/2026-12-01T09:00[UTC]/2026-12-01T17:00/FREQ=DAILY"]
