"""JSON as data (issue 14): what a person sees is in ``--json``, and ``--speaks``
still shows who is on duty when nobody speaks the language."""

from __future__ import annotations

import json

import pytest

from .conftest import contact, roster, roster_file


@pytest.fixture
def demo(cli):
    assert cli("demo").exit_code == 0


def test_speaks_shows_who_is_on_duty_when_nobody_speaks_it(demo, cli):
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--speaks", "de")
    assert result.exit_code == 1  # the contract: nobody who speaks it is on duty
    assert doc["on_duty"] == [] and doc["fallback"] == []
    assert [(e["id"], e["speaks_language"]) for e in doc["on_duty_not_speaking"]] == [("fr-desk", False)]
    assert [(e["id"], e["speaks_language"]) for e in doc["fallback_not_speaking"]] == [("coe-ftf-duty", False)]
    assert doc["speaks"] == "de"
    assert "nobody in the FR roster speaks 'de'." in doc["warnings"]
    human = cli("whois", "-c", "FR", "-n", "ftf", "--speaks", "de").stdout
    assert "On duty, but not listed as speaking 'de'" in human and "Permanent operations desk" in human
    assert "nobody on duty speaks 'de'; on duty now, in other languages" in human and "Secretariat duty line" in human
    assert "not listed: de" in human
    assert "has nobody on duty either" not in human


def test_speaks_names_only_speakers_when_one_is_on_duty(demo, cli):
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--speaks", "fr")
    assert result.exit_code == 0
    assert [(e["id"], e["speaks_language"]) for e in doc["on_duty"]] == [("fr-desk", True)]
    assert doc["on_duty_not_speaking"] == [] and doc["fallback_not_speaking"] == []


def test_speaks_on_the_board(demo, cli):
    doc = json.loads(cli("now", "-n", "ftf", "--speaks", "de", "--json").stdout)
    fr = next(m for m in doc["members"] if m["member"] == "FR")
    assert fr["status"] == "nobody" and [d["id"] for d in fr["on_duty_not_speaking"]] == ["fr-desk"]
    board = cli("now", "-n", "ftf", "--speaks", "de").stdout
    assert "NOBODY WHO SPEAKS DE" in board and "not de: 1 Permanent" in board
    assert "+33 1 99 00 10 01" in board  # a call in another language beats no call


def test_now_json_has_what_the_board_shows(demo, cli):
    doc = json.loads(cli("now", "-n", "ftf", "--dial-from", "GB", "--tz", "Europe/Paris", "--json").stdout)
    assert doc["your_timezone"] == "Europe/Paris" and doc["dial_from"] == "GB"
    fr = next(m for m in doc["members"] if m["member"] == "FR")
    assert fr["member_name"] == "France (FR)" and fr["demo"] is True
    desk = fr["on_duty"][0]
    assert {k: desk[k] for k in ("agency", "role", "secure_channel", "languages", "timezone",
                                 "phones_international", "dial")} == {
        "agency": "Counter-terrorism coordination unit, Ministry of the Interior (fictional)", "role": "desk",
        "secure_channel": "I-24/7", "languages": ["fr", "en"], "timezone": "Europe/Paris",
        "phones_international": ["+33 1 99 00 10 01", "+33 1 99 00 10 08"],
        "dial": ["00 33 1 99 00 10 01", "00 33 1 99 00 10 08"]}


def test_reach_confirmed_says_who_checked_a_change_and_when(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR"), name="a.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(phones=["+33 1 99 00 12 35"])]), name="b.json"))
    entry = cli.json("whois", "-c", "FR", "-n", "ftf")[1]["on_duty"][0]
    assert entry["reach_changed"]["fields"]["phones"] == {"old": ["+33199001234"], "new": ["+33199001235"]}
    assert entry["reach_confirmed"] is None
    assert cli("confirm", "-n", "ftf", "-c", "FR").exit_code == 0
    entry = cli.json("whois", "-c", "FR", "-n", "ftf")[1]["on_duty"][0]
    assert entry["reach_changed"] is None
    confirmed = entry["reach_confirmed"]
    assert confirmed["fields"]["phones"]["new"] == ["+33199001235"] and confirmed["imports"] == [2]
    assert confirmed["confirmed_at"] == "2026-11-29T02:00:00Z" and confirmed["confirmed_by"]


def test_the_other_views_carry_the_grouped_numbers(demo, cli):
    rows = json.loads(cli("contacts", "-n", "ftf", "-c", "GB", "--dial-from", "FR", "--json").stdout)
    assert rows[0]["phones_international"][0] == "+44 20 7946 0137" and rows[0]["dial"][0] == "00 44 20 7946 0137"
    found = json.loads(cli("search", "7946 0101", "--json").stdout)
    assert found[0]["phones_international"] == ["+44 20 7946 0101"] and found[0]["dial"] is None
    doc = json.loads(cli("schedule", "-c", "ES", "-n", "ftf", "--days", "1", "--json").stdout)
    assert doc["member_name"] == "Spain (ES)"
    assert doc["shifts"][0]["phones_international"] == ["+44 20 7946 0104", "+44 20 7946 0107"]


def test_rows_are_written_one_a_line_and_read_back_as_the_same_json(capsys):
    from ctcontacts.cli.session import print_json

    doc = {"at": "2026-12-01T00:00:00Z", "members": [{"member": "FR", "name": "Équipe \u2028 \"x\""},
                                                      {"member": "DE", "on_duty": []}], "networks": [], "n": None}
    print_json(doc, ascii_only=False, rows="members")
    out = capsys.readouterr().out
    assert json.loads(out) == doc
    lines = out.rstrip("\n").split("\n")  # (not splitlines: U+2028 inside a value is no line break)
    assert lines[0] == "{" and lines[2] == '  "members": [' and lines[5] == "  ]," and lines[-1] == "}"
    assert [json.loads(ln.strip().rstrip(",")) for ln in lines[3:5]] == doc["members"]  # one member a line
    print_json(dict(doc, members=[]), ascii_only=False, rows="members")
    assert json.loads(capsys.readouterr().out)["members"] == []
