"""whois end to end through the command line: JSON shape, exit codes, warnings."""

import json
import sqlite3

import pytest

from .conftest import contact, roster, roster_file


@pytest.fixture
def fr(tmp_path, cli):
    """FR in ftf: a 24/7-less roster with office hours, a night line and a backup."""
    path = roster_file(
        tmp_path,
        roster("FR", contacts=[
            contact("fr-office", name="Office", rank=1, duty=["Mo-Fr 08:00-18:00"], languages=["fr", "en"],
                    email="office@example.org", role="primary", verified="2026-10-01"),
            contact("fr-night", name="Night line", rank=1, duty=["Mo-Fr 18:00-08:00"], languages=["fr"]),
            contact("fr-backup", name="Backup", rank=2, duty=["Mo-Fr 08:00-18:00"], languages=["en"]),
        ]),
        roster("org:coe", contacts=[contact("coe-duty", name="CoE duty", timezone="Europe/Paris",
                                            phones=["+33 1 99 00 20 00"], duty=["24/7"], languages=["en", "fr"])]),
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    return path


CONTRACT_TOP = ("network", "member", "at", "on_duty", "next", "fallback", "fallback_changed", "warnings")
CONTRACT_ON_DUTY = ("id", "name", "rank", "role", "phones", "email", "languages", "timezone", "local_time", "until",
                    "reach_changed")
CONTRACT_NEXT = ("id", "name", "rank", "from", "reach_changed")


def contract(doc: dict) -> dict:
    """The fields the contract fixed, as it fixed them: later fields are added, never changed."""
    out = {k: doc[k] for k in CONTRACT_TOP}
    for key in ("on_duty", "fallback"):
        out[key] = [{k: e[k] for k in CONTRACT_ON_DUTY} for e in doc[key]]
    out["next"] = [{k: e[k] for k in CONTRACT_NEXT} for e in doc["next"]]
    return out


def test_on_duty_json_matches_the_contract(fr, cli):
    # Friday 2026-11-27 10:00 CET.
    result, doc = cli.json("whois", "--country", "FR", "--network", "ftf", "--at", "2026-11-27T10:00+01:00")
    assert result.exit_code == 0
    # Fields added since the contract (issue 15): where the numbers came from.
    assert doc["as_recorded"] is False and doc["fallback_provenance"] is None
    assert {k: doc["provenance"][k] for k in ("import_id", "signed", "signer", "policy")} == {
        "import_id": 1, "signed": False, "signer": None, "policy": "optional"}
    assert contract(doc) == {
        "network": "ftf",
        "member": "FR",
        "at": "2026-11-27T09:00:00Z",
        "on_duty": [
            {"id": "fr-office", "name": "Office", "rank": 1, "role": "primary", "phones": ["+33199001234"],
             "email": "office@example.org", "languages": ["fr", "en"], "timezone": "Europe/Paris",
             "local_time": "2026-11-27T10:00:00+01:00", "until": "2026-11-27T17:00:00Z", "reach_changed": None},
            {"id": "fr-backup", "name": "Backup", "rank": 2, "role": "", "phones": ["+33199001234"],
             "email": "", "languages": ["en"], "timezone": "Europe/Paris",
             "local_time": "2026-11-27T10:00:00+01:00", "until": "2026-11-27T17:00:00Z", "reach_changed": None},
        ],
        "next": [{"id": "fr-night", "name": "Night line", "rank": 1, "from": "2026-11-27T17:00:00Z",
                  "reach_changed": None}],
        "fallback": [],
        "fallback_changed": None,
        "warnings": [],
    }
    # The contract's fields come first, in its order; what issue 14 added follows them.
    assert list(doc)[:len(CONTRACT_TOP)] == list(CONTRACT_TOP)
    assert list(doc["on_duty"][0])[:len(CONTRACT_ON_DUTY)] == list(CONTRACT_ON_DUTY)


def test_whois_json_has_every_field_a_person_sees(fr, cli):
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-27T10:00+01:00", "--tz", "Asia/Tokyo",
                           "--dial-from", "US")
    added = {k: v for k, v in doc.items() if k not in CONTRACT_TOP}
    # (Issue 15's provenance fields are checked in test_on_duty_json_matches_the_contract.)
    assert {k: added.pop(k) is not None for k in ("as_recorded", "provenance", "fallback_provenance")} == {
        "as_recorded": True, "provenance": True, "fallback_provenance": False}
    assert added == {"network_name": "24/7 Network of Points of Contact on Foreign Terrorist Fighters",
                     "fallback_member": "org:coe", "speaks": None, "on_duty_not_speaking": [],
                     "fallback_not_speaking": [], "your_timezone": "Asia/Tokyo", "dial_from": "US", "demo": False}
    office = doc["on_duty"][0]
    assert {k: v for k, v in office.items() if k not in CONTRACT_ON_DUTY} == {
        "agency": "", "secure_channel": "", "phones_international": ["+33 1 99 00 12 34"],
        "dial": ["011 33 1 99 00 12 34"], "until_local": "2026-11-27T18:00:00+01:00", "reach_confirmed": None,
        "speaks_language": None}
    assert doc["next"][0]["timezone"] == "Europe/Paris" and doc["next"][0]["from_local"] == "2026-11-27T18:00:00+01:00"
    # Without a country to dial from there is no dial string, but the grouped form stays.
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-27T10:00+01:00")
    assert doc["dial_from"] is None and doc["on_duty"][0]["dial"] is None
    assert doc["on_duty"][0]["phones_international"] == ["+33 1 99 00 12 34"]


def test_nobody_on_duty_gives_fallback_and_exit_1(fr, cli):
    # Sunday 03:00 CET: the night line's Friday window ended Saturday 08:00.
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-29T02:00Z")
    assert result.exit_code == 1
    assert doc["on_duty"] == []
    assert [c["id"] for c in doc["fallback"]] == ["coe-duty"]
    assert doc["fallback"][0]["until"] is None
    assert doc["next"] == [{"id": "fr-night", "name": "Night line", "rank": 1, "from": "2026-11-30T07:00:00Z"}] or \
        doc["next"][0]["from"] == "2026-11-30T07:00:00Z"


def test_next_lists_everyone_coming_on_at_the_same_instant(fr, cli):
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-29T02:00Z")
    assert [(n["id"], n["from"]) for n in doc["next"]] == [
        ("fr-office", "2026-11-30T07:00:00Z"), ("fr-backup", "2026-11-30T07:00:00Z")]


def test_speaks_filters_and_says_when_it_leaves_nobody(fr, cli):
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-27T09:00Z", "--speaks", "en")
    assert [c["id"] for c in doc["on_duty"]] == ["fr-office", "fr-backup"]
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-27T20:00Z", "--speaks", "en")
    assert result.exit_code == 1
    assert doc["on_duty"] == []
    assert any("speaks 'en'" in w for w in doc["warnings"])
    assert "speaks 'en'" in result.stderr


def test_member_without_roster_is_answered_with_a_warning(fr, cli):
    result, doc = cli.json("whois", "-c", "DE", "-n", "ftf", "--at", "2026-11-27T09:00Z")
    assert result.exit_code == 1
    assert doc["member"] == "DE" and doc["on_duty"] == []
    assert [c["id"] for c in doc["fallback"]] == ["coe-duty"]
    assert any("no roster" in w for w in doc["warnings"])


@pytest.mark.parametrize("typed", ["fr", "FRA", "250", "France", "france"])
def test_country_input_forms(fr, cli, typed):
    result, doc = cli.json("whois", "-c", typed, "-n", "ftf", "--at", "2026-11-27T09:00Z")
    assert doc["member"] == "FR"


@pytest.mark.parametrize("typed,member", [("UK", "GB"), ("United Kingdom", "GB"), ("EU", "org:eu"),
                                          ("XK", "XK"), ("org:coe", "org:coe"), ("826", "GB")])
def test_country_aliases(fr, cli, typed, member):
    result, doc = cli.json("whois", "-c", typed, "-n", "ftf", "--at", "2026-11-27T09:00Z")
    assert doc["member"] == member


def test_local_at_is_read_in_tz(fr, cli):
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-27T10:00", "--tz", "Europe/Paris")
    assert doc["at"] == "2026-11-27T09:00:00Z"
    # Without --tz the user's own zone (TZ=UTC in tests) is used.
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-27T10:00")
    assert doc["at"] == "2026-11-27T10:00:00Z"


def test_at_defaults_to_now(fr, cli):
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert doc["at"] == "2026-11-29T02:00:00Z"


@pytest.mark.parametrize("args,needle", [
    (["-c", "Frnace", "-n", "ftf"], "did you mean France (FR)"),
    (["-c", "FR", "-n", "fft"], "did you mean 'ftf'"),
    (["-c", "FR", "-n", "ftf", "--at", "tomorrow"], "cannot read --at"),
    (["-c", "FR", "-n", "ftf", "--at", "2026-02-30T10:00"], "cannot read --at"),
    (["-c", "FR", "-n", "ftf", "--tz", "Europe/Pariss"], "Europe/Paris"),
    (["-c", "FR", "-n", "ftf", "--speaks", "French!"], "not a language code"),
])
def test_usage_errors_are_one_sentence_and_exit_2(fr, cli, args, needle):
    result = cli("whois", *args)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_missing_database_exits_3(cli, tmp_path):
    result = cli("whois", "-c", "FR", "-n", "ftf", "--db", tmp_path / "nope.db")
    assert result.exit_code == 3
    assert "no database" in result.stderr
    assert not (tmp_path / "nope.db").exists()


def test_corrupt_database_exits_3(cli, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    result = cli("whois", "-c", "FR", "-n", "ftf", "--db", bad)
    assert result.exit_code == 3
    assert "corrupt" in result.stderr


def test_newer_schema_is_refused_with_exit_3(fr, cli, db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('ctcontacts', 'm999_future', '2030-01-01')")
    conn.commit()
    conn.close()
    result = cli("whois", "-c", "FR", "-n", "ftf")
    assert result.exit_code == 3
    assert "newer ctcontacts" in result.stderr


def test_old_roster_and_entry_warn(tmp_path, cli):
    # ftf asks for a roster a year (as check says); iactn a quarter.
    path = roster_file(tmp_path, roster("FR", issued="2025-10-15", contacts=[contact(verified="2025-06-01")]),
                       roster("MX", network="iactn", issued="2026-06-01",
                              contacts=[contact("mx", timezone="America/Mexico_City")]))
    cli("import", path)
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert any("issued 2025-10-15" in w and "older than ftf allows, 365" in w for w in doc["warnings"])
    assert any("last verified 2025-06-01" in w for w in doc["warnings"])
    assert "issued 2025-10-15" in result.stderr
    result, doc = cli.json("whois", "-c", "MX", "-n", "iactn")
    assert any("issued 2026-06-01" in w and "older than iactn allows, 92" in w for w in doc["warnings"])
    fresh = roster_file(tmp_path, roster("FR", issued="2026-06-01"), name="fresh.json")
    cli("import", fresh)
    assert not any("issued" in w for w in cli.json("whois", "-c", "FR", "-n", "ftf")[1]["warnings"])


def test_human_output_shows_the_essentials(fr, cli):
    result = cli("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-27T09:00Z", "--tz", "America/New_York")
    out = result.stdout
    assert result.exit_code == 0
    for needle in ["France (FR)", "Office", "+33 1 99 00 12 34", "office@example.org", "Fri 27 Nov 10:00 CET",
                   "Fri 27 Nov 18:00 CET", "Fri 27 Nov 12:00 EST", "Night line", "Next on duty"]:
        assert needle in out, needle


def test_human_output_when_nobody_is_on_duty(fr, cli):
    result = cli("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-29T02:00Z")
    assert result.exit_code == 1
    assert "NOBODY ON DUTY" in result.stdout
    assert "CoE duty" in result.stdout and "Fallback: org:coe" in result.stdout


def test_hostile_text_cannot_inject_markup(tmp_path, cli):
    path = roster_file(tmp_path, roster("FR", contacts=[contact(name="[bold red]EVIL[/] [link=http://x]y[/link]",
                                                                agency="[blink]z")]))
    assert cli("import", path).exit_code == 0
    result = cli("whois", "-c", "FR", "-n", "ftf")
    assert "[bold red]EVIL[/]" in result.stdout
    assert "[blink]z" in result.stdout


def test_escape_sequences_are_refused_at_import_and_never_printed(tmp_path, cli, db_path):
    path = roster_file(tmp_path, roster("FR", contacts=[contact(name="Desk\x1b[2J\x1b]0;pwned\x07")]))
    result = cli("import", path)
    assert result.exit_code == 2
    assert "control character (U+001B)" in result.stderr
    assert "\x1b" not in result.stderr
    # Even a database written by another tool cannot reach the terminal raw.
    cli("import", roster_file(tmp_path, roster("FR"), name="ok.json"))
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE contacts SET name = 'A\x1b[31mB'")
    conn.commit()
    conn.close()
    out = cli("whois", "-c", "FR", "-n", "ftf").stdout
    assert "\x1b[31m" not in out and "\\x1b[31mB" in out


def test_demo_answers_are_marked(cli):
    assert cli("demo").exit_code == 0
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert result.exit_code == 0
    assert doc["warnings"][0].startswith("DEMO DATA")
    assert "DEMO DATA" in result.stderr
    assert doc["on_duty"]
    human = cli("whois", "-c", "FR", "-n", "ftf")
    assert "DEMO DATA" in human.stdout and "DEMO DATA" in human.stderr


def test_demo_refuses_a_real_directory(fr, cli):
    result = cli("demo")
    assert result.exit_code == 2
    assert "real roster" in result.stderr


def test_version_names_the_tz_release(cli):
    import pytz

    result = cli("--version")
    assert result.exit_code == 0 and pytz.OLSON_VERSION in result.stdout


def test_global_db_option(fr, cli, db_path, monkeypatch):
    monkeypatch.delenv("CTCONTACTS_DB")
    result = cli("--db", db_path, "whois", "-c", "FR", "-n", "ftf", "--json")
    assert json.loads(result.stdout)["member"] == "FR"


@pytest.mark.parametrize("command", ["whois", "import", "history", "rollback", "confirm", "demo", "now", "schedule",
                                     "coverage", "check", "networks", "members", "contacts", "search"])
def test_every_command_has_help_with_an_example(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_membership_status_is_shown(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("org:oas-cicte", network="iactn")))
    result, doc = cli.json("whois", "-c", "Nicaragua", "-n", "iactn")
    assert any("NI is listed in iactn as withdrawn since 2023-11-19" in w for w in doc["warnings"])


@pytest.mark.parametrize("when", ["9999-12-31T12:00Z", "0001-01-01T00:00Z", "1850-06-01T00:00Z"])
def test_out_of_range_at_is_a_usage_error(fr, cli, when):
    result = cli("whois", "-c", "FR", "-n", "ftf", "--at", when)
    assert result.exit_code == 2 and "cannot read --at" in result.stderr


def test_far_future_answers_warn_about_the_tz_database(fr, cli):
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2040-07-01T12:00Z")
    assert any("after 2037" in w for w in doc["warnings"])


def test_another_programs_sqlite_file_is_refused_untouched(cli, tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    for args in (["whois", "-c", "FR", "-n", "ftf"], ["import", roster_file(tmp_path, roster("FR"))]):
        result = cli(*args, "--db", other)
        assert result.exit_code == 3 and "another program" in result.stderr
    assert other.read_bytes() == before


def test_bad_pinned_now_is_a_usage_error(fr, cli, monkeypatch):
    monkeypatch.setenv("CTCONTACTS_NOW", "yesterday")
    result = cli("whois", "-c", "FR", "-n", "ftf")
    assert result.exit_code == 2 and "CTCONTACTS_NOW" in result.stderr


def test_answers_with_many_dated_shifts_far_from_the_moment(tmp_path, cli, db_path):
    # Stored instants let a lookup read only nearby shifts; the answer must not change.
    past = [f"2025-{m:02d}-01T08:00/PT12H" for m in range(1, 13)]
    cli("import", roster_file(tmp_path, roster("FR", contacts=[
        contact("a", duty=past + ["2026-11-24T08:00/P10D", "2027-06-01T08:00/PT1H"]),
        contact("b", duty=past + ["2026-12-24T20:00/PT12H", "off 2026-12-25T00:00/PT1H"])])))
    doc = json.loads(cli("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-29T02:00Z", "--json").stdout)
    assert [(c["id"], c["until"]) for c in doc["on_duty"]] == [("a", "2026-12-04T07:00:00Z")]
    assert [(n["id"], n["from"]) for n in doc["next"]] == [("b", "2026-12-24T19:00:00Z")]
    spans = sqlite3.connect(db_path).execute("SELECT count(*) FROM duty_rules WHERE starts IS NOT NULL").fetchone()[0]
    assert spans == 28
    doc = json.loads(cli("whois", "-c", "FR", "-n", "ftf", "--at", "2026-12-25T00:30", "--tz", "Europe/Paris", "--json").stdout)
    assert doc["on_duty"] == [] and doc["next"][0]["from"] == "2026-12-25T00:00:00Z"


def test_a_schema_another_ctcontacts_process_just_created_is_not_foreign(tmp_path):
    # Two first imports race: one sees an empty file, then finds the other's tables.
    from ctcontacts.storage import db as dbmod

    path = tmp_path / "new.db"
    dbmod.connect(path, create=True).close()
    conn = sqlite3.connect(path)
    dbmod._refuse_foreign(conn, str(path))  # ours: no error
    conn.execute("CREATE TABLE notes (x)")
    conn.execute("DROP TABLE _sqlite_migrations")
    conn.commit()
    try:
        dbmod._refuse_foreign(conn, str(path))
    except dbmod.DatabaseError as e:
        assert "another program" in str(e)
    else:
        raise AssertionError("a file with tables and no ctcontacts migrations was taken for ours")
