"""import: all-or-nothing, every problem at once, replacement per (network, member)."""

import datetime as dt
import json
import sqlite3

import pytest

from .conftest import contact, dump, roster, roster_file


def test_import_then_whois(tmp_path, cli):
    result = cli("import", roster_file(tmp_path, roster("FR")))
    assert result.exit_code == 0
    assert "ftf FR: new roster, 1 contact (fr-desk)" in result.stdout


def test_bad_roster_is_rejected_whole_with_every_problem(tmp_path, cli, db_path):
    cli("import", roster_file(tmp_path, roster("FR"), name="good.json"))
    before = dump(db_path)
    bad = roster_file(
        tmp_path,
        roster("FR", contacts=[contact("fr-new")]),  # valid, but must not land either
        roster("DE", contacts=[
            contact("de-1", timezone="Europe/Berln", phones=["+49 12"], duty=["Mo-Fx 08:00-18:00"]),
            contact("de-1", emial="x@example.org"),
            {"id": "de-3", "name": "", "timezone": "Europe/Berlin", "duty": ["24/7"]},
        ]),
        roster("Germny", network="ftff"),
        name="bad.json",
    )
    result, doc = cli.json("import", bad)
    assert result.exit_code == 2
    problems = {(p["where"], p["field"]) for p in doc["problems"]}
    assert problems >= {
        ("rosters[1].contacts[0]", "timezone"),
        ("rosters[1].contacts[0].phones[0]", "phones"),
        ("rosters[1].contacts[0].duty[0]", "duty"),
        ("rosters[1].contacts[1]", "emial"),
        ("rosters[1].contacts[2]", "name"),
        ("rosters[1].contacts[2]", "phones"),
        ("rosters[2]", "network"),
        ("rosters[2]", "member"),
    }
    err = result.stderr
    assert "bad.json: rosters[1].contacts[0], field 'timezone': unknown time zone 'Europe/Berln'; did you mean Europe/Berlin" in err
    assert "unknown day 'Fx'" in err
    assert "did you mean 'email'" in err
    assert "did you mean 'ftf'" in err
    assert "did you mean Germany (DE)" in err
    assert "nothing was imported" in err
    assert dump(db_path) == before


def test_duplicate_ids_in_one_roster(tmp_path, cli):
    path = roster_file(tmp_path, roster("FR", contacts=[contact("a"), contact("a")]))
    result = cli("import", path)
    assert result.exit_code == 2 and "already used" in result.stderr


def test_dry_run_writes_nothing(tmp_path, cli, db_path):
    path = roster_file(tmp_path, roster("FR"))
    result, doc = cli.json("import", path, "--dry-run")
    assert result.exit_code == 0
    assert doc["dry_run"] is True and doc["rosters"][0]["added"] == ["fr-desk"]
    assert not db_path.exists()
    cli("import", path)
    before = dump(db_path)
    result, doc = cli.json("import", roster_file(tmp_path, roster("FR", contacts=[contact("fr-other")]), name="b.json"), "--dry-run")
    assert doc["rosters"][0]["added"] == ["fr-other"] and doc["rosters"][0]["removed"] == ["fr-desk"]
    assert dump(db_path) == before


def test_replacement_is_per_network_and_member(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR"), roster("DE", contacts=[contact("de-desk", timezone="Europe/Berlin")]),
                              roster("FR", network="vot", contacts=[contact("fr-vot")])))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact("fr-new")]), name="fr.json"))
    assert [c["id"] for c in cli.json("whois", "-c", "FR", "-n", "ftf")[1]["on_duty"]] == ["fr-new"]
    assert [c["id"] for c in cli.json("whois", "-c", "DE", "-n", "ftf")[1]["on_duty"]] == ["de-desk"]
    assert [c["id"] for c in cli.json("whois", "-c", "FR", "-n", "vot")[1]["on_duty"]] == ["fr-vot"]


def test_reimport_reports_unchanged(tmp_path, cli):
    path = roster_file(tmp_path, roster("FR"))
    cli("import", path)
    result, doc = cli.json("import", path)
    assert doc["rosters"][0]["unchanged"] is True


def test_phones_are_stored_in_e164_national_form_read_in_the_members_country(tmp_path, cli):
    path = roster_file(tmp_path, roster("FR", contacts=[contact(phones=["01 99 00 12 34", "+44 20 7946 0123"])]))
    assert cli("import", path).exit_code == 0
    doc = cli.json("whois", "-c", "FR", "-n", "ftf")[1]
    assert doc["on_duty"][0]["phones"] == ["+33199001234", "+442079460123"]


def test_invalid_phone_number_is_refused(tmp_path, cli):
    import phonenumbers

    bad = phonenumbers.format_number(phonenumbers.invalid_example_number("FR"), phonenumbers.PhoneNumberFormat.E164)
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(phones=[bad])])))
    assert result.exit_code == 2 and "not a valid number" in result.stderr


def test_network_defined_in_the_file(tmp_path, cli):
    path = roster_file(
        tmp_path,
        roster("FR", network="cyber"),
        roster("org:interpol", network="cyber", contacts=[contact("ccc", timezone="Asia/Singapore")]),
        networks=[{"code": "cyber", "name": "Budapest 24/7", "organization": "CoE", "fallback": "org:interpol"}],
    )
    assert cli("import", path).exit_code == 0
    doc = cli.json("whois", "-c", "DE", "-n", "cyber")[1]
    assert [c["id"] for c in doc["fallback"]] == ["ccc"]


def test_a_network_defined_in_a_later_file(tmp_path, cli, db_path):
    # Files are checked one at a time as they are read; a roster naming a network only a
    # later file defines waits for it, and one that none defines is refused all the same.
    first = roster_file(tmp_path, roster("FR", network="cyber"), name="a.json")
    nets = roster_file(tmp_path, name="b.json",
                       networks=[{"code": "cyber", "name": "Budapest 24/7", "organization": "CoE"}])
    stray = roster_file(tmp_path, roster("DE", network="cybr"), name="c.json")
    before = dump(db_path) if db_path.exists() else None
    refused = cli("import", first, nets, stray)
    assert refused.exit_code == 2 and "c.json" in refused.stderr and "unknown network 'cybr'" in refused.stderr
    assert "a.json" not in refused.stderr
    assert (dump(db_path) if db_path.exists() else None) == before
    assert cli("import", first, nets).exit_code == 0
    assert cli.json("whois", "-c", "FR", "-n", "cyber")[1]["on_duty"][0]["id"] == "fr-desk"


def test_not_a_roster_json(tmp_path, cli):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"hello": 1}))
    result = cli("import", p)
    assert result.exit_code == 2 and "not a ctcontacts roster" in result.stderr


def test_broken_json_names_line_and_column(tmp_path, cli):
    p = tmp_path / "x.json"
    p.write_text('{"format": "ctcontacts-roster/1",\n "rosters": [}')
    result = cli("import", p)
    assert result.exit_code == 2 and "line 2" in result.stderr


def test_missing_file(tmp_path, cli):
    result = cli("import", tmp_path / "nope.json")
    assert result.exit_code == 2 and "no such file" in result.stderr


CSV = """network,member,id,name,agency,rank,phones,email,languages,timezone,duty,verified
ftf,FR,fr-desk,Desk,Ministry (fictional),1,+33 1 99 00 12 34;+44 20 7946 0123,desk@example.org,fr;en,Europe/Paris,Mo-Fr 08:00-18:00,2026-10-01
ftf,FR,fr-desk,Desk,Ministry (fictional),1,+33 1 99 00 12 34;+44 20 7946 0123,desk@example.org,fr;en,Europe/Paris,"Sa,Su 10:00-12:00",2026-10-01
ftf,FR,fr-night,Night,Ministry (fictional),1,+33 1 99 00 12 35,,fr,Europe/Paris,off 2026-12-24T00:00/2026-12-27T00:00,
ftf,FR,fr-night,Night,Ministry (fictional),1,+33 1 99 00 12 35,,fr,Europe/Paris,Mo-Fr 18:00-08:00,
"""


def test_csv_rows_of_one_contact_merge(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_text(CSV)
    assert cli("import", p).exit_code == 0
    doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-28T09:30Z")[1]
    assert [c["id"] for c in doc["on_duty"]] == ["fr-desk"]
    assert doc["on_duty"][0]["phones"] == ["+33199001234", "+442079460123"]
    assert doc["on_duty"][0]["until"] == "2026-11-28T11:00:00Z"


def test_csv_network_and_member_from_the_command_line(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_text("ID;Name ;Phones;TimeZone;Duty\r\nfr-desk;Desk;+33 1 99 00 12 34;Europe/Paris;24/7\r\n\r\n")
    result = cli("import", p, "--network", "ftf", "--country", "France")
    assert result.exit_code == 0, result.stderr
    assert cli.json("whois", "-c", "FR", "-n", "ftf")[1]["on_duty"][0]["id"] == "fr-desk"


def test_csv_rows_that_disagree_are_reported_by_row(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_text(CSV.replace("Night,Ministry (fictional),1,+33 1 99 00 12 35,,fr,Europe/Paris,Mo-Fr",
                             "Night,Ministry (fictional),2,+33 1 99 00 12 35,,fr,Europe/Paris,Mo-Fr"))
    result = cli("import", p)
    assert result.exit_code == 2
    assert "row 5, field 'rank'" in result.stderr and "in row 4" in result.stderr


def test_csv_duplicated_header_and_unknown_column(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_text("network,member,id,name,phones,timezone,duty,Duty,mobile\nftf,FR,a,A,+33 1 99 00 12 34,Europe/Paris,24/7,24/7,1\n")
    result = cli("import", p)
    assert result.exit_code == 2
    assert "appears twice" in result.stderr and "unknown field 'mobile'" in result.stderr


def test_undecodable_bytes_name_the_offset(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_bytes(b"network,member,id,name\nftf,FR,a,Caf\xe9\n")
    result = cli("import", p)
    assert result.exit_code == 2 and "byte offset 35" in result.stderr and "0xe9" in result.stderr


def test_utf16_with_bom_is_read(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_bytes("id\tname\tphones\ttimezone\tduty\nfr-desk\tDésk\t+33 1 99 00 12 34\tEurope/Paris\t24/7\n".encode("utf-16"))
    result = cli("import", p, "-n", "ftf", "-c", "FR")
    assert result.exit_code == 0, result.stderr
    assert cli.json("whois", "-c", "FR", "-n", "ftf")[1]["on_duty"][0]["name"] == "Désk"


def test_empty_file(tmp_path, cli):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    result = cli("import", p)
    assert result.exit_code == 2 and "empty" in result.stderr


def test_every_rule_kind_imports_and_round_trips_in_the_database(tmp_path, cli, db_path):
    rules = ["24/7", "Mo-Fr 08:00-18:00", "Fr-Mo 18:00-08:00; Sa 09:00-10:00",
             "2026-12-01T08:00/2026-12-01T20:00", "2026-12-01T20:00/PT12H",
             {"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "start": "2026-11-02T09:00", "duration": "P7D"},
             "R/2026-11-02T09:00/P7D/FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
             {"off": "2026-12-24T00:00/2026-12-27T00:00"}, "off 2026-12-31T00:00/P1D"]
    assert cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=rules)]))).exit_code == 0
    stored = [r for (r,) in sqlite3.connect(db_path).execute("SELECT rule FROM duty_rules ORDER BY position")]
    assert stored[5] == stored[6] == "R/2026-11-02T09:00/P7D/FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
    assert stored[7] == "off 2026-12-24T00:00/2026-12-27T00:00"


def test_database_file_is_private(tmp_path, cli, db_path):
    cli("import", roster_file(tmp_path, roster("FR")))
    assert db_path.stat().st_mode & 0o077 == 0


def test_failed_import_does_not_create_the_database(tmp_path, cli, db_path):
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(timezone="Mars/Olympus")])))
    assert result.exit_code == 2
    assert not db_path.exists()


def test_a_calendar_needs_the_roster_it_fills(tmp_path, cli):
    p = tmp_path / "rota.ics"
    p.write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    result = cli("import", p)
    assert result.exit_code == 2 and "a calendar names no roster; give --network and --country" in result.stderr


@pytest.mark.parametrize("fields,needle", [
    ({"phones": [], "email": ""}, "at least one phone number or an e-mail"),
    ({"phones": ["+44 20 7946 0123 ext. 45"]}, "has an extension"),
    ({"duty": ["R/2026-11-02T09:00/P7D/INTERVAL=2"]}, "the RRULE needs FREQ"),
])
def test_contact_problems(tmp_path, cli, fields, needle):
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(**fields)])))
    assert result.exit_code == 2 and needle in result.stderr


def test_csv_unnamed_column_with_data_is_reported(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_text("network,member,id,name,phones,timezone,duty,\nftf,FR,a,A,+33 1 99 00 12 34,Europe/Paris,24/7,oops\n")
    result = cli("import", p)
    assert result.exit_code == 2 and "row 2" in result.stderr and "column 8 holds 'oops' but has no header" in result.stderr


def test_csv_issued_column_is_per_roster(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_text("network,member,issued,id,name,phones,timezone,duty\n"
                 "ftf,FR,2026-11-20,a,A,+33 1 99 00 12 34,Europe/Paris,24/7\n"
                 "ftf,FR,2026-11-21,b,B,+33 1 99 00 12 34,Europe/Paris,24/7\n")
    result = cli("import", p)
    assert result.exit_code == 2 and "row 3, field 'issued'" in result.stderr
    p.write_text(p.read_text().replace("2026-11-21", "2026-11-20"))
    assert cli("import", p).exit_code == 0
    doc = cli.json("whois", "-c", "FR", "-n", "ftf")[1]
    assert not any("issue date" in w for w in doc["warnings"])


def test_a_rejected_only_row_does_not_add_knock_on_problems(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_text("network,member,id,name,phones,timezone,duty\nftf,FR,,A,+33 1 99 00 12 34,Europe/Paris,24/7\n")
    result = cli("import", p)
    assert result.exit_code == 2
    assert "field 'id': is required" in result.stderr
    assert "1 problem found" in result.stderr


@pytest.mark.parametrize("rule,needle", [
    ("0999-01-01T00:00/2026-01-01T00:00", "outside the years 1900-2199"),
    ("9999-12-31T00:00/P1D", "outside the years"),
    ("2026-01-01T00:00/P1Y99999999D", "longer than a century"),
    ("R/2026-01-01T00:00/P99999999D/FREQ=DAILY", "longer than a century"),
    ("R/2026-01-01T00:00/PT1H/FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number from 1"),
    ("R/2026-01-01T00:00/PT1H/FREQ=DAILY;COUNT=0", "COUNT must be a whole number from 1"),
    ("R/2026-01-01T00:00/PT1H/FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31", "no occurrence in the five years"),
    ("Mo-Fr-Su 08:00-18:00", "not a day or a day range"),
])
def test_rules_that_would_break_lookups_are_refused(tmp_path, cli, rule, needle):
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=[rule])])))
    assert result.exit_code == 2 and needle in result.stderr


def test_absurd_rank_and_lone_surrogate_are_input_errors(tmp_path, cli, db_path):
    p = tmp_path / "r.json"
    doc = {"format": "ctcontacts-roster/1", "rosters": [roster("FR", contacts=[contact(rank=10**30), contact("b", name="x\ud800")])]}
    p.write_text(json.dumps(doc))
    result = cli("import", p)
    assert result.exit_code == 2
    assert "is not a rank" in result.stderr and "U+D800" in result.stderr
    assert not db_path.exists()


@pytest.mark.parametrize("payload", ["[" * 100000, '{"format": "ctcontacts-roster/1", "rosters": [' + "9" * 5000 + "]}"])
def test_pathological_json_is_refused(tmp_path, cli, payload):
    p = tmp_path / "r.json"
    p.write_text(payload)
    result = cli("import", p)
    assert result.exit_code == 2


def test_csv_row_with_empty_duty_is_not_dropped(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_text("network,member,id,name,phones,timezone,duty\n"
                 "ftf,FR,a,A,+33 1 99 00 12 34,Europe/Paris,Mo-Fr 08:00-18:00\n"
                 "ftf,FR,a,A,+33 1 99 00 12 34,Europe/Paris,\n")
    result = cli("import", p)
    assert result.exit_code == 2 and "row 3, field 'duty': is empty" in result.stderr


def test_member_spelled_differently_in_file_and_option_is_the_same_member(tmp_path, cli):
    path = roster_file(tmp_path, roster("France"))
    assert cli("import", path, "--country", "FR").exit_code == 0
    p = tmp_path / "fr.csv"
    p.write_text("network,member,id,name,phones,timezone,duty\nftf,FRA,a,A,+33 1 99 00 12 34,Europe/Paris,24/7\n")
    assert cli("import", p, "-c", "FR").exit_code == 0


def test_problems_json_cannot_carry_terminal_controls(tmp_path, cli):
    p = tmp_path / "x.csv"
    p.write_text("network,member,id,name,timezone,duty,\u009b31mRED\u202e\nftf,FR,a,A,Europe/Paris,24/7,1\n")
    result = cli("import", p, "--json")
    assert result.exit_code == 2
    assert "\u009b" not in result.stdout and "\u202e" not in result.stdout
    assert "\u009b" not in result.stderr and "\u202e" not in result.stderr


def test_csv_rows_spelling_one_member_two_ways_are_one_roster(tmp_path, cli):
    p = tmp_path / "fr.csv"
    p.write_text("network,member,id,name,phones,timezone,duty\n"
                 "ftf,France,a,A,+33 1 99 00 12 34,Europe/Paris,Mo-Fr 08:00-18:00\n"
                 "ftf,FR,b,B,+33 1 99 00 12 35,Europe/Paris,24/7\n")
    result, doc = cli.json("import", p)
    assert result.exit_code == 0 and doc["rosters"][0]["added"] == ["a", "b"]


def test_csv_repeated_rows_are_checked_like_any_other(tmp_path, cli):
    # Rows that repeat the one before but for the duty take a shortcut through the
    # reader; only rows that raised nothing may be the model for it.
    head = "network,member,id,name,rank,phones,timezone,duty\n"
    row = "ftf,FR,a,A,{rank},+33 1 99 00 12 34,Europe/Paris,{duty}\n"
    p = tmp_path / "fr.csv"
    p.write_text(head + row.format(rank=1, duty="Mo 08:00-09:00") + row.format(rank=2, duty="Tu 08:00-09:00")
                 + row.format(rank=2, duty="We 08:00-09:00") + row.format(rank=1, duty="Th 08:00-09:00")
                 + row.format(rank=1, duty="") + row.format(rank=1, duty="2026-13-01T08:00/PT8H"))
    result = cli("import", p)
    assert result.exit_code == 2
    err = result.stderr
    assert "row 3, field 'rank'" in err and "row 4, field 'rank'" in err  # the repeat of a bad row too
    assert "row 5" not in err  # back in line with row 2
    assert "row 6, field 'duty': is empty" in err
    assert "row 7, field 'duty'" in err and "2026-13-01" in err

    p.write_text(head + row.format(rank=1, duty="Mo 08:00-09:00") + row.format(rank=1, duty="Tu 08:00\x00-09:00"))
    result = cli("import", p)
    assert result.exit_code == 2 and "binary" in result.stderr.lower()

    p.write_text(head + "".join(row.format(rank=1, duty=f"{d} 08:00-09:00") for d in ("Mo", "Tu", "We")))
    assert cli("import", p).exit_code == 0
    assert cli.json("contacts", "-n", "ftf", "-c", "FR")[1][0]["duty"] == ["Mo 08:00-09:00", "Tu 08:00-09:00", "We 08:00-09:00"]


def test_a_rule_text_repeated_is_read_in_each_contacts_zone_and_reported_at_each_place(tmp_path, cli, db_path):
    """Validation parses a rule's text once per import (``rules.parse_given``): the
    same dated rule in Paris and in Tokyo still gets each zone's instants, and a bad
    rule written twice is reported at both places."""
    rules = ["off 2026-12-24T00:00/P3D", "Mo-Fr 08:00-18:00"]
    good = roster_file(tmp_path, roster("FR", contacts=[contact("fr-a", duty=rules)]),
                       roster("JP", contacts=[contact("jp-a", duty=rules, timezone="Asia/Tokyo",
                                                      phones=["+81 3 1234 5678"])]))
    assert cli("import", good).exit_code == 0
    conn = sqlite3.connect(db_path)
    spans = dict(conn.execute("SELECT contact_id, starts FROM duty_rules WHERE starts IS NOT NULL"))
    utc = dt.timezone.utc
    assert spans == {"fr-a": int(dt.datetime(2026, 12, 23, 23, tzinfo=utc).timestamp()),
                     "jp-a": int(dt.datetime(2026, 12, 23, 15, tzinfo=utc).timestamp())}
    bad = roster_file(tmp_path, roster("FR", contacts=[contact("fr-a", duty=["Mo-Fr 08:00-25:00"]),
                                                       contact("fr-b", duty=["Mo-Fr 08:00-25:00"])]), name="bad.json")
    result = cli("import", bad)
    assert result.exit_code == 2
    assert "contacts[0].duty[0]" in result.stderr and "contacts[1].duty[0]" in result.stderr


def test_an_import_leaves_the_cycle_collector_as_it_found_it(tmp_path, db_path):
    """The collector is paused while an import runs (a fast path) and is found again as
    it was: on after an import that succeeded or was refused, off if it was off."""
    import gc

    from ctcontacts.base.errors import InvalidInput
    from ctcontacts.directory.importer import import_files

    good = roster_file(tmp_path, roster("FR"))
    bad = roster_file(tmp_path, roster("FR", contacts=[contact(duty=["Mo-Fr 08:00-25:00"])]), name="bad.json")
    seen = []
    gc.callbacks.append(lambda phase, info: seen.append(phase))
    try:
        assert gc.isenabled()
        import_files(db_path, [good], now=1796000000)
        assert gc.isenabled() and seen == []  # (no collection ran during it)
        with pytest.raises(InvalidInput):
            import_files(db_path, [bad], now=1796000000)
        assert gc.isenabled()
        gc.disable()
        try:
            import_files(db_path, [good], now=1796000000)
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        gc.callbacks.pop()
