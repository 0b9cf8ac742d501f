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
