"""The network views: now, schedule, coverage (against the oracle), check, browsing."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ctcontacts.domain.coverage import member_coverage
from ctcontacts.domain.rules import parse_rule
from ctcontacts.formats.validate import Contact

from . import oracle
from .conftest import contact, roster, roster_file
from .test_oracle import LO, HI, ZONES, interval_rule, oracle_spans, recurrence_rule, weekly_rule


def utc(text: str) -> int:
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


# --- coverage against the independent oracle ------------------------------------

@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    people=st.lists(st.tuples(st.integers(1, 2), st.lists(st.one_of(weekly_rule(), interval_rule(), recurrence_rule()),
                                                           min_size=1, max_size=2)), min_size=1, max_size=3),
    start=st.integers(LO, HI),
    days=st.integers(1, 40),
)
def test_gaps_agree_with_the_oracle_to_the_second(zone, people, start, days):
    end = start + days * 86400
    contacts, on_all, on_top = [], [], []
    for i, (rank, rules) in enumerate(people):
        contacts.append(Contact(id=f"c{i}", name=f"C{i}", timezone=zone, rank=rank,
                                duty=[parse_rule(text) for text, _ in rules]))
        spans = oracle_spans(zone, [(False, spec) for _, spec in rules], start, end)
        on_all.extend(spans)
        if rank == 1:
            on_top.extend(spans)
    union = oracle.merge([(max(s, start), min(e, end)) for s, e in on_all if s < end and e > start])
    top = oracle.merge([(max(s, start), min(e, end)) for s, e in on_top if s < end and e > start])
    expected_gaps = oracle.on_spans([(start, end)], [tuple(x) for x in union])
    expected_backup = oracle.on_spans([tuple(x) for x in union], [tuple(x) for x in top])
    cov = member_coverage("FR", contacts, start, end)
    assert cov.gaps == expected_gaps
    assert cov.backup_only == expected_backup


# --- coverage edge cases ------------------------------------------------------------

def coverage_json(cli, *args):
    result = cli("coverage", "-n", "ftf", *args, "--json")
    return result, json.loads(result.stdout)


def import_fr(tmp_path, cli, *people):
    assert cli("import", roster_file(tmp_path, roster("FR", contacts=list(people)))).exit_code == 0


def test_gap_at_a_dst_transition(tmp_path, cli):
    # 00:00-02:30 and 03:00-24:00 leave 30 minutes a night; on the fall-back night 02:30
    # means its first occurrence (00:30Z) and 03:00 is 02:00Z: a 90-minute gap.
    import_fr(tmp_path, cli, contact(duty=["Mo-Su 00:00-02:30", "Mo-Su 03:00-24:00"]))
    result, doc = coverage_json(cli, "-c", "FR", "--from", "2026-10-24T12:00Z", "--days", "2")
    assert result.exit_code == 1
    assert doc["members"][0]["gaps"] == [
        {"start": "2026-10-25T00:30:00Z", "end": "2026-10-25T02:00:00Z", "seconds": 5400},
        {"start": "2026-10-26T01:30:00Z", "end": "2026-10-26T02:00:00Z", "seconds": 1800},
    ]
    # On the spring-forward night the two windows overlap: no gap at all.
    result, doc = coverage_json(cli, "-c", "FR", "--from", "2026-03-28T12:00Z", "--days", "1")
    assert doc["members"][0]["gaps"] == [] and result.exit_code == 0


def test_a_gap_of_exactly_one_second(tmp_path, cli):
    import_fr(tmp_path, cli, contact(duty=["2026-12-01T00:00Z/2026-12-01T10:00:00Z", "2026-12-01T10:00:01Z/2026-12-02T00:00Z"]))
    result, doc = coverage_json(cli, "-c", "FR", "--from", "2026-12-01T00:00Z", "--days", "1")
    assert doc["members"][0]["gaps"] == [{"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T10:00:01Z", "seconds": 1}]


def test_back_to_back_rules_leave_no_gap(tmp_path, cli):
    import_fr(tmp_path, cli, contact("a", duty=["Mo-Su 00:00-12:00"]), contact("b", duty=["Mo-Su 12:00-24:00"]))
    result, doc = coverage_json(cli, "-c", "FR", "--days", "30")
    assert result.exit_code == 0 and doc["members"][0]["gaps"] == []


def test_an_all_off_roster_is_one_gap(tmp_path, cli):
    import_fr(tmp_path, cli, contact(duty=["24/7", "off 2026-01-01T00:00Z/2028-01-01T00:00Z"]))
    result, doc = coverage_json(cli, "-c", "FR", "--from", "2026-12-01T00:00Z", "--days", "3")
    assert doc["members"][0]["gaps"] == [{"start": "2026-12-01T00:00:00Z", "end": "2026-12-04T00:00:00Z", "seconds": 259200}]


def test_a_member_with_no_roster(tmp_path, cli):
    import_fr(tmp_path, cli, contact())
    result, doc = coverage_json(cli, "--from", "2026-12-01T00:00Z", "--days", "1")
    by = {m["member"]: m for m in doc["members"]}
    assert by["FR"] == {"member": "FR", "roster": True, "gaps": [], "backup_only": []}
    assert by["DE"]["roster"] is False and by["DE"]["gaps"][0]["seconds"] == 86400
    assert result.exit_code == 1
    assert doc["network"] == "ftf" and doc["from"] == "2026-12-01T00:00:00Z" and doc["to"] == "2026-12-02T00:00:00Z"


def test_backup_only_stretches(tmp_path, cli):
    import_fr(tmp_path, cli, contact("office", rank=1, duty=["Mo-Fr 08:00-18:00"]), contact("backup", rank=2, duty=["24/7"]))
    result, doc = coverage_json(cli, "-c", "FR", "--from", "2026-11-30T00:00Z", "--days", "1")  # a Monday
    assert doc["members"][0]["backup_only"] == [
        {"start": "2026-11-30T00:00:00Z", "end": "2026-11-30T07:00:00Z", "seconds": 25200},
        {"start": "2026-11-30T17:00:00Z", "end": "2026-12-01T00:00:00Z", "seconds": 25200}]
    human = cli("coverage", "-n", "ftf", "-c", "FR", "--from", "2026-11-30T00:00Z", "--days", "7", "--tz", "Europe/Paris").stdout
    assert "▓ on duty all of the hour, backups only for some of it" in human
    assert "Mo  ▓▓▓▓▓▓▓▓██████████▓▓▓▓▓▓" in human


def test_coverage_human_view_fits_100_columns(cli):
    cli("demo")
    result = cli("coverage", "-n", "ftf", "--days", "7")
    assert result.exit_code == 1  # demo members without rosters are gaps
    assert max(len(line) for line in result.stdout.splitlines()) <= 120  # COLUMNS=120 in tests
    assert "France (FR)" in result.stdout and "no roster" in result.stdout


# --- now ------------------------------------------------------------------------------

def test_now_board_orders_attention_first(tmp_path, cli):
    path = roster_file(tmp_path,
                       roster("FR", contacts=[contact("fr", duty=["24/7"])]),
                       roster("DE", contacts=[contact("de1", rank=1, timezone="Europe/Berlin", duty=["Mo-Fr 08:00-18:00"]),
                                              contact("de2", rank=2, timezone="Europe/Berlin", duty=["24/7"])]),
                       roster("IT", contacts=[contact("it", timezone="Europe/Rome", duty=["Mo-Fr 08:00-18:00"])]))
    cli("import", path)
    result = cli("now", "-n", "ftf", "--at", "2026-11-29T02:00Z", "--json")  # Sunday night
    doc = json.loads(result.stdout)
    assert result.exit_code == 0 and doc["at"] == "2026-11-29T02:00:00Z"
    statuses = [(m["member"], m["status"]) for m in doc["members"]]
    assert statuses[0] == ("IT", "nobody")
    assert ("DE", "backup_only") in statuses and ("FR", "covered") in statuses and ("AD", "no_roster") in statuses
    order = [s for _, s in statuses]
    assert order == sorted(order, key=["nobody", "no_roster", "backup_only", "covered"].index)
    fr = next(m for m in doc["members"] if m["member"] == "FR")
    assert fr["on_duty"][0]["phones"] == ["+33199001234"] and fr["local_time"] == "2026-11-29T03:00:00+01:00"
    human = cli("now", "-n", "ftf", "--at", "2026-11-29T02:00Z").stdout
    assert "NOBODY ON DUTY" in human and "backup only" in human and "no roster (" in human


def test_now_all_networks_and_usage(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR"), roster("FR", network="vot")))
    doc = json.loads(cli("now", "--all-networks", "--json").stdout)
    assert {m["network"] for m in doc["members"]} == {"ftf", "vot", "iactn"}
    result = cli("now")
    assert result.exit_code == 2 and "--all-networks" in result.stderr


# --- schedule -------------------------------------------------------------------------

def test_schedule_lists_shifts_rank_by_rank_and_gaps(tmp_path, cli):
    import_fr(tmp_path, cli, contact("office", rank=1, duty=["Mo-Fr 08:00-18:00"]),
              contact("night", rank=1, duty=["Mo-Th 18:00-08:00"]))
    result = cli("schedule", "-c", "FR", "-n", "ftf", "--from", "2026-12-04T00:00Z", "--days", "1", "--json")  # Friday
    doc = json.loads(result.stdout)
    # Shifts keep their real start: the night shift began on Thursday evening.
    assert [(s["id"], s["start"], s["end"]) for s in doc["shifts"]] == [
        ("night", "2026-12-03T17:00:00Z", "2026-12-04T07:00:00Z"),
        ("office", "2026-12-04T07:00:00Z", "2026-12-04T17:00:00Z")]
    # The night shift began before the window (Thursday evening), and its start is known.
    assert [(s["continues_before"], s["continues_after"], s["start_known"], s["end_known"])
            for s in doc["shifts"]] == [(True, False, True, True), (False, False, True, True)]
    assert doc["gaps"] == [{"start": "2026-12-04T17:00:00Z", "end": "2026-12-05T00:00:00Z", "seconds": 25200}]
    human = cli("schedule", "-c", "FR", "-n", "ftf", "--from", "2026-12-04T00:00Z", "--days", "1", "--tz", "America/New_York").stdout
    assert "GAP: nobody on duty" in human and "Fri 04 Dec 08:00 CET" in human and "Fri 04 Dec 02:00 EST" in human


@pytest.mark.parametrize("args,needle", [(["--days", "0"], "--days 0"), (["--from", "someday"], "cannot read")])
def test_window_usage_errors(tmp_path, cli, args, needle):
    import_fr(tmp_path, cli, contact())
    result = cli("schedule", "-c", "FR", "-n", "ftf", *args)
    assert result.exit_code == 2 and needle in result.stderr


# --- check ----------------------------------------------------------------------------

def findings(cli):
    result = cli("check", "--json")
    return result.exit_code, {(f["code"], f["severity"]) for f in json.loads(result.stdout)}, json.loads(result.stdout)


def test_check_clean_directory(tmp_path, cli):
    # A network of its own whose every member has a complete, current, verified roster.
    cli("import", roster_file(tmp_path, roster("FR", network="solo", contacts=[contact(verified="2026-10-01")]),
                              networks=[{"code": "solo", "name": "Solo"}]))
    code, found, _ = findings(cli)
    assert ("schema", "info") in found and ("tz-database", "info") in found and ("network-unused", "info") in found
    assert code == 0
    # A shipped network in use, with expected members missing: a warning.
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(verified="2026-10-01")]), name="ftf.json"))
    code, found, _ = findings(cli)
    assert ("no-roster", "warning") in found and code == 1


def test_check_findings(tmp_path, cli, db_path):
    cli("import", roster_file(tmp_path,
                              roster("FR", issued="2025-01-01", contacts=[contact(verified="2025-01-01", email="d@example.org")]),
                              roster("DE", contacts=[contact("de", timezone="Europe/Berlin", duty=["Mo-Fr 08:00-18:00"],
                                                             verified="2026-10-01")])))
    import phonenumbers

    bad = phonenumbers.format_number(phonenumbers.invalid_example_number("FR"), phonenumbers.PhoneNumberFormat.E164)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE contacts SET phones = ?, email = '' WHERE id = 'de'", [json.dumps([bad])])
    conn.commit()
    conn.close()
    code, found, raw = findings(cli)
    assert {("stale-roster", "warning"), ("unverified", "warning"), ("gap", "warning"),
            ("invalid-phone", "warning"), ("unreachable", "error")} <= found
    assert code == 4  # errors: neither a usage error (2) nor a damaged database (3)
    human = cli("check").stdout
    assert "stale-roster" in human and "unreachable" in human


def test_check_stale_tz_database(tmp_path, cli, monkeypatch):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(verified="2026-10-01")])))
    monkeypatch.setattr("ctcontacts.views.check.tz_version", lambda: "2024a")
    code, found, _ = findings(cli)
    assert ("tz-database", "warning") in found and code == 1


def test_check_damaged_database_exits_3(tmp_path, cli, db_path):
    cli("import", roster_file(tmp_path, roster("FR")))
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    data[page * 2: page * 2 + 200] = b"\xff" * 200  # scribble over a b-tree page
    db_path.write_bytes(bytes(data))
    result = cli("check")
    assert result.exit_code == 3
    assert "Traceback" not in result.stderr


# --- browsing -------------------------------------------------------------------------

def test_networks_members_contacts_search(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[
        contact("fr-desk", name="Operations desk", agency="Ministry (fictional)", email="ops@example.org",
                duty=["Mo-Fr 08:00-18:00", "off 2026-12-24T00:00/2026-12-27T00:00"]),
        contact("fr-rota", name="Rota", phones=["+44 20 7946 0123"], duty=["R/2026-11-02T09:00/P7D/FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"])])))
    nets = {n["code"]: n for n in json.loads(cli("networks", "--json").stdout)}
    assert nets["ftf"]["rosters"] == 1 and nets["ftf"]["fallback"] == "org:coe" and nets["iactn"]["rosters"] == 0
    members = {m["member"]: m for m in json.loads(cli("members", "-n", "iactn", "--json").stdout)}
    assert members["NI"]["status"] == "withdrawn" and members["NI"]["since"] == "2023-11-19"
    ftf = {m["member"]: m for m in json.loads(cli("members", "-n", "ftf", "--json").stdout)}
    assert ftf["FR"]["roster"] is True and ftf["FR"]["roster_age_days"] == 28 and ftf["FR"]["contacts"] == 2
    people = json.loads(cli("contacts", "-n", "ftf", "-c", "France", "--json").stdout)
    desk = next(p for p in people if p["id"] == "fr-desk")
    assert desk["duty_in_words"] == ["Mon-Fri 08:00-18:00",
                                     "NOT on duty: from 2026-12-24 00:00 (local) to 2026-12-27 00:00 (local)"]
    rota = next(p for p in people if p["id"] == "fr-rota")
    assert rota["duty_in_words"] == ["every 2 weeks on Mon, starting 2026-11-02 09:00, each for 7 days"]
    assert "Mon-Fri 08:00-18:00" in cli("contacts", "-n", "ftf", "-c", "FR").stdout
    for text, ids in (("operations", ["fr-desk"]), ("7946 0123", ["fr-rota"]), ("OPS@EXAMPLE", ["fr-desk"]),
                      ("01 99 00 12 34", ["fr-desk"]), ("nobody-here", [])):
        assert [r["id"] for r in json.loads(cli("search", text, "--json").stdout)] == ids, text
    assert "Operations desk" in cli("search", "operations").stdout
    assert "org:coe" in cli("networks").stdout
    human = cli("members", "-n", "iactn").stdout
    assert "Nicaragua (NI)" in human and "withdrawn" in human and "2023-11-19" in human


def test_schedule_marks_endless_shifts_and_backup_only(tmp_path, cli):
    import_fr(tmp_path, cli, contact("office", rank=1, duty=["Mo-Fr 08:00-18:00"]), contact("backup", rank=2, duty=["24/7"]))
    doc = json.loads(cli("schedule", "-c", "FR", "-n", "ftf", "--from", "2026-12-04T00:00Z", "--days", "1", "--json").stdout)
    backup = next(s for s in doc["shifts"] if s["id"] == "backup")
    assert backup["continues_before"] and backup["continues_after"]
    assert not backup["start_known"] and not backup["end_known"]  # 24/7: cut at the margin, 8 days out
    assert [b["start"] for b in doc["backup_only"]] == ["2026-12-04T00:00:00Z", "2026-12-04T17:00:00Z"]
    human = cli("schedule", "-c", "FR", "-n", "ftf", "--from", "2026-12-04T00:00Z", "--days", "1").stdout
    assert "(8+ days before the window)" in human and "backups only: nobody of rank 1" in human


def test_week_map_in_a_half_hour_zone(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("IN", network="tst", contacts=[
        contact("in", timezone="Asia/Kolkata", duty=["Mo-Su 00:00-06:00", "Mo-Su 06:30-24:00"])]),
        networks=[{"code": "tst", "name": "Test"}]))
    human = cli("coverage", "-n", "tst", "-c", "IN", "--tz", "Asia/Kolkata", "--from", "2026-11-30T00:00", "--days", "7").stdout
    assert "Mo  ██████░█████████████████" in human  # only the 06:00 hour has a gap


def test_days_are_calendar_days_in_your_zone(tmp_path, cli):
    import_fr(tmp_path, cli, contact())
    doc = json.loads(cli("coverage", "-n", "ftf", "-c", "FR", "--from", "2026-10-19T00:00", "--tz", "Europe/Paris",
                         "--days", "7", "--json").stdout)
    assert (doc["from"], doc["to"]) == ("2026-10-18T22:00:00Z", "2026-10-25T23:00:00Z")  # 169 hours


def test_now_with_speaks_says_who_it_filtered(tmp_path, cli):
    import_fr(tmp_path, cli, contact(languages=["fr"]))
    doc = json.loads(cli("now", "-n", "ftf", "--speaks", "de", "--json").stdout)
    assert doc["speaks"] == "de"
    assert "NOBODY WHO SPEAKS DE" in cli("now", "-n", "ftf", "--speaks", "de").stdout


def test_the_board_looks_sixteen_days_ahead_whois_a_year(tmp_path, cli):
    """now answers for every member at once: it says 'until' and 'next' within 16 days
    (and says so), where whois looks the contract's 366 days."""
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=["2026-11-01T00:00/2027-01-01T00:00"])])))
    board = json.loads(cli("now", "-n", "ftf", "--json").stdout)
    fr = next(m for m in board["members"] if m["member"] == "FR")
    assert board["horizon_days"] == 16 and fr["on_duty"][0]["until"] is None
    assert "16+ days" in cli("now", "-n", "ftf").stdout
    whois = json.loads(cli("whois", "-c", "FR", "-n", "ftf", "--json").stdout)
    assert whois["on_duty"][0]["until"] == "2026-12-31T23:00:00Z"
