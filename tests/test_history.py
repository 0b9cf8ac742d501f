"""Change reports, history, rollback, and reach changes (issue: nightly imports)."""

import json
import sqlite3
from pathlib import Path

from .conftest import contact, dump, roster, roster_file


def desk(**fields):
    return contact("fr-desk", **{"name": "Desk", "email": "desk@interieur.example", **fields})


def test_change_report_lists_fields_old_and_new(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(), contact("fr-b", name="B")]), name="v1.json"))
    v2 = roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 35"], role="desk"),
                                                      contact("fr-c", name="C")]), name="v2.json")
    result, doc = cli.json("import", v2)
    assert result.exit_code == 0
    assert doc["import_id"] == 2 and doc["dry_run"] is False
    (r,) = doc["rosters"]
    assert (r["network"], r["member"], r["unchanged"]) == ("ftf", "FR", False)
    assert r["added"] == ["fr-c"] and r["removed"] == ["fr-b"]
    assert r["changed"] == [{"id": "fr-desk", "fields": {
        "role": {"old": "", "new": "desk"},
        "phones": {"old": ["+33199001234"], "new": ["+33199001235"]}}}]
    # A changed number on an existing contact, and a new contact, are reach changes.
    assert r["reach_changes"] == ["fr-desk", "fr-c"]


def test_human_report_shows_old_and_new(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    out = cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 35"])]), name="v2.json")).stdout
    assert "changed fr-desk phones: [+33199001234] -> [+33199001235]" in out
    assert "REACH CHANGE fr-desk: phones" in out
    assert "recorded as import #2" in out


def test_reimport_is_idempotent(tmp_path, cli, db_path):
    path = roster_file(tmp_path, roster("FR", contacts=[desk()]))
    cli("import", path)
    result, doc = cli.json("import", path)
    assert doc["rosters"][0]["unchanged"] is True
    assert doc["rosters"][0]["added"] == doc["rosters"][0]["changed"] == []
    versions = sqlite3.connect(db_path).execute("SELECT count(*) FROM roster_versions").fetchone()[0]
    assert versions == 1  # … but no new roster version is written
    assert "unchanged" in cli("import", path).stdout


def test_dry_run_reports_without_import_id_or_history(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    result, doc = cli.json("import", roster_file(tmp_path, roster("FR", contacts=[desk(email="desk@evil.example")]), name="v2.json"), "--dry-run")
    assert doc["dry_run"] is True and doc["import_id"] is None
    assert doc["rosters"][0]["reach_changes"] == ["fr-desk"]
    assert len(cli.json("history")[1]) == 1


def test_history_records_files_users_outcomes_and_refusals(tmp_path, cli, monkeypatch):
    # Files named as a nightly job names them, relative to its directory: the human
    # table then holds short names whatever the length of the temporary path.
    monkeypatch.chdir(tmp_path)
    roster_file(tmp_path, roster("FR", contacts=[desk()]), name="good.json")
    good = Path("good.json")
    cli("import", good)
    roster_file(tmp_path, roster("FR", contacts=[desk(timezone="Mars/Olympus")]), name="bad.json")
    assert cli("import", "bad.json").exit_code == 2
    result, entries = cli.json("history")
    assert result.exit_code == 0
    assert [e["outcome"] for e in entries] == ["refused", "ok"]
    refused, ok = entries
    assert "unknown time zone 'Mars/Olympus'" in refused["reason"]
    import hashlib

    assert ok["files"] == [{"name": str(good), "sha256": hashlib.sha256(good.read_bytes()).hexdigest(),
                            "format": "json", "bytes": len(good.read_bytes())}]
    assert ok["user"] and ok["kind"] == "import" and ok["at"] == "2026-11-29T02:00:00Z"
    assert ok["counts"] == {"added": 1, "removed": 0, "changed": 0, "reach_changes": 0}
    assert ok["rosters"][0]["network"] == "ftf" and ok["rosters"][0]["member"] == "FR"
    human = cli("history").stdout
    assert "refused" in human and "good.json" in human


def test_history_filters_by_network_and_country(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR"), name="fr.json"))
    cli("import", roster_file(tmp_path, roster("DE", contacts=[contact("de", timezone="Europe/Berlin")]), name="de.json"))
    cli("import", roster_file(tmp_path, roster("DE", network="vot", contacts=[contact("de", timezone="Europe/Berlin")]), name="dev.json"))
    assert [e["import_id"] for e in cli.json("history", "--country", "Germany")[1]] == [3, 2]
    assert [e["import_id"] for e in cli.json("history", "--country", "DE", "--network", "ftf")[1]] == [2]
    assert [e["import_id"] for e in cli.json("history", "--network", "ftf")[1]] == [2, 1]


def test_rollback_restores_and_can_itself_be_rolled_back(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 35"])]), roster("DE", contacts=[contact("de", timezone="Europe/Berlin")]), name="v2.json"))

    def phones(member="FR"):
        doc = cli.json("whois", "-c", member, "-n", "ftf")[1]
        return [p for c in doc["on_duty"] for p in c["phones"]]

    assert phones() == ["+33199001235"] and phones("DE")
    result, doc = cli.json("rollback", "2")
    assert result.exit_code == 0 and doc["import_id"] == 3 and doc["kind"] == "rollback"
    assert phones() == ["+33199001234"]
    assert phones("DE") == []  # DE had no roster before import 2
    by_member = {r["member"]: r for r in doc["rosters"]}
    assert by_member["DE"]["removed_roster"] is True
    assert by_member["FR"]["reach_changes"] == ["fr-desk"]
    # The rollback is recorded and reversible.
    cli("rollback", "3")
    assert phones() == ["+33199001235"] and phones("DE")
    kinds = [(e["import_id"], e["kind"], e["rollback_of"]) for e in cli.json("history")[1]]
    assert kinds[:2] == [(4, "rollback", 3), (3, "rollback", 2)]


def test_rollback_of_unknown_or_refused_import(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR")))
    assert cli("rollback", "99").exit_code == 2
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(timezone="Mars/Olympus")]), name="bad.json"))
    result = cli("rollback", "2")
    assert result.exit_code == 2 and "refused" in result.stderr


def test_nothing_a_roster_said_is_lost(tmp_path, cli, db_path):
    for i, number in enumerate(["+33 1 99 00 12 34", "+33 1 99 00 12 35", "+33 1 99 00 12 36"]):
        cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=[number])]), name=f"v{i}.json"))
    stored = {p for (p,) in sqlite3.connect(db_path).execute("SELECT phones FROM contacts")}
    assert stored == {'["+33199001234"]', '["+33199001235"]', '["+33199001236"]'}


def test_strict_reach_refuses_unless_accepted(tmp_path, cli, db_path):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    tampered = roster_file(tmp_path, roster("FR", contacts=[desk(email="desk@evil.example")]), name="v2.json")
    before = dump(db_path)
    result = cli("import", tampered, "--strict-reach")
    assert result.exit_code == 2
    assert "import refused (--strict-reach)" in result.stderr and "ftf FR fr-desk (email)" in result.stderr
    assert dump(db_path) == before
    entries = cli.json("history")[1]
    assert entries[0]["outcome"] == "refused" and "strict-reach" in entries[0]["reason"]
    # JSON form for scripts.
    result, doc = cli.json("import", tampered, "--strict-reach")
    assert result.exit_code == 2 and doc["refused"] == "reach" and doc["rosters"][0]["reach_changes"] == ["fr-desk"]
    # Accepted after an out-of-band check.
    assert cli("import", tampered, "--strict-reach", "--accept-reach-changes").exit_code == 0
    # A change that does not touch reach passes strict mode.
    calm = roster_file(tmp_path, roster("FR", contacts=[desk(email="desk@evil.example", notes="x")]), name="v3.json")
    assert cli("import", calm, "--strict-reach").exit_code == 0


def test_whois_marks_unconfirmed_reach_until_confirmed(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 35"])]), name="v2.json"))
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert any("FR 'fr-desk' is reached changed in import #2 and is not confirmed (phones [+33199001234] -> [+33199001235])" in w for w in doc["warnings"])
    assert "REACH CHANGED, NOT CONFIRMED" in cli("whois", "-c", "FR", "-n", "ftf").stdout
    # An unchanged nightly re-import does not clear the mark; only a confirmation does.
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 35"])]), name="v3.json"))
    assert any("not confirmed" in w for w in cli.json("whois", "-c", "FR", "-n", "ftf")[1]["warnings"])
    result = cli("confirm", "-c", "FR", "-n", "ftf")
    assert result.exit_code == 0 and "confirmed fr-desk: phones [+33199001234] -> [+33199001235] (import #2)" in result.stdout
    assert cli.json("whois", "-c", "FR", "-n", "ftf")[1]["warnings"] == []
    assert "nothing to confirm" in cli("confirm", "-c", "FR", "-n", "ftf").stdout


def test_quiet_import_prints_nothing_on_success(tmp_path, cli):
    result = cli("import", roster_file(tmp_path, roster("FR")), "--quiet")
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""


def test_rollback_of_an_import_that_changed_nothing_changes_nothing(tmp_path, cli):
    v1 = roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json")
    cli("import", v1)
    cli("import", v1)  # #2: unchanged
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(notes="n")]), name="v2.json"))  # #3
    result, doc = cli.json("rollback", "2")
    assert result.exit_code == 0 and doc["rosters"] == []
    assert cli.json("whois", "-c", "FR", "-n", "ftf")[1]["on_duty"][0]["id"] == "fr-desk"
    assert "nothing changed" in cli("rollback", "2").stdout


def test_rollback_refuses_to_reset_a_roster_changed_since_unless_forced(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(notes="a")]), name="v2.json"))  # #2
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(notes="b")]), name="v3.json"))  # #3
    result = cli("rollback", "2")
    assert result.exit_code == 2 and "ftf FR by import #3" in result.stderr
    assert cli("rollback", "2", "--force").exit_code == 0
    history = cli.json("history")[1]
    assert history[0]["rollback_of"] == 2


def test_a_number_cannot_lose_its_flag_by_passing_through_no_roster(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))  # #1
    attack = roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+44 20 7946 0999"])]), name="attack.json")
    cli("import", attack)  # #2, flagged
    cli("rollback", "2")  # #3: back to v1
    cli("rollback", "1", "--force")  # #4: no roster at all
    result, doc = cli.json("import", attack, "--strict-reach")  # the same number comes back
    assert result.exit_code == 2 and doc["rosters"][0]["reach_changes"] == ["fr-desk"]
    cli("import", attack)
    warnings = cli.json("whois", "-c", "FR", "-n", "ftf")[1]["warnings"]
    assert any("+442079460999" in w and "not confirmed" in w for w in warnings)


def test_a_second_reach_change_never_hides_the_first(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+44 20 7946 0999"])]), name="v2.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+44 20 7946 0999"], email="x@evil.example")]), name="v3.json"))
    (warning,) = [w for w in cli.json("whois", "-c", "FR", "-n", "ftf")[1]["warnings"] if "not confirmed" in w]
    assert "import #2, #3" in warning
    assert "phones [+33199001234] -> [+442079460999]" in warning
    assert "email desk@interieur.example -> x@evil.example" in warning


def test_network_fallback_change_is_a_reach_change_and_rolls_back(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("org:coe", contacts=[contact("coe")]), name="coe.json"))
    hijack = roster_file(tmp_path, roster("XK", contacts=[contact("xk", phones=["+44 20 7946 0999"], timezone="Europe/Belgrade")]),
                         networks=[{"code": "ftf", "name": "FTF", "fallback": "XK"}], name="hijack.json")
    result, doc = cli.json("import", hijack, "--strict-reach")
    assert result.exit_code == 2 and "network ftf fallback (org:coe -> XK)" in result.stderr
    result, doc = cli.json("import", hijack)
    assert doc["networks"] == [{"code": "ftf", "old": None, "fallback_changed": True,
                                "new": {"code": "ftf", "name": "FTF", "organization": "", "fallback": "XK"}}]
    assert [c["id"] for c in cli.json("whois", "-c", "DE", "-n", "ftf")[1]["fallback"]] == ["xk"]
    assert "REACH CHANGE network ftf fallback" in cli("rollback", str(doc["import_id"])).stdout
    assert [c["id"] for c in cli.json("whois", "-c", "DE", "-n", "ftf")[1]["fallback"]] == ["coe"]


def test_conflicting_network_definitions_are_refused(tmp_path, cli):
    a = roster_file(tmp_path, roster("FR", network="zz"), networks=[{"code": "zz", "name": "Z", "fallback": "FR"}], name="a.json")
    b = roster_file(tmp_path, roster("DE", network="zz", contacts=[contact("de", timezone="Europe/Berlin")]),
                    networks=[{"code": "zz", "name": "Z", "fallback": "DE"}], name="b.json")
    result = cli("import", a, b)
    assert result.exit_code == 2 and "defined twice, differently" in result.stderr


def test_demo_to_real_is_reported_and_a_reach_change(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()], demo=True), name="demo.json"))
    result, doc = cli.json("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="real.json"))
    (r,) = doc["rosters"]
    assert r["demo"] == {"old": True, "new": False} and r["reach_changes"] == ["fr-desk"] and not r["unchanged"]


def test_refused_invalid_import_is_found_by_history_filters(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("France", contacts=[desk(timezone="Mars/Olympus")]), name="bad.json"))
    entries = cli.json("history", "--country", "FR", "--network", "ftf")[1]
    assert [e["outcome"] for e in entries] == ["refused", "ok"]


def test_strict_dry_run_says_it_would_be_refused_and_quiet_refusal_prints_only_the_error(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    attack = roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+44 20 7946 0999"])]), name="attack.json")
    result = cli("import", attack, "--strict-reach", "--dry-run")
    assert result.exit_code == 2 and "would be refused (--strict-reach)" in result.stderr
    result = cli("import", attack, "--strict-reach", "--quiet")
    assert result.exit_code == 2 and result.stdout == "" and "refused (--strict-reach)" in result.stderr


def test_rollback_of_an_absurd_id(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR")))
    result = cli("rollback", "99999999999999999999")
    assert result.exit_code == 2 and "there is no import" in result.stderr


def test_report_json_escapes_file_names(tmp_path, cli):
    path = roster_file(tmp_path, roster("FR"), name="fr\u202e.json")
    result = cli("import", path, "--json")
    assert result.exit_code == 0 and "\u202e" not in result.stdout and "\\u202e" in result.stdout
    assert "\u202e" not in cli("history", "--json").stdout


def test_long_duty_changes_are_summarised_with_counts(tmp_path, cli):
    shifts = [f"2026-12-{d:02d}T08:00/PT4H" for d in range(1, 31)] + [f"2027-01-{d:02d}T08:00/PT4H" for d in range(1, 31)]
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(duty=shifts)]), name="v1.json"))
    result, doc = cli.json("import", roster_file(tmp_path, roster("FR", contacts=[desk(duty=shifts[:-3] + ["24/7"])]), name="v2.json"))
    assert doc["rosters"][0]["changed"][0]["fields"]["duty"] == {
        "old_count": 60, "new_count": 58, "rules_removed": 3, "rules_added": 1}


def test_progress_bar_does_not_read_file_names_as_markup():
    import io

    from rich.console import Console

    from ctcontacts.cli.render import progress_bar

    out = io.StringIO()
    with progress_bar(Console(file=out, force_terminal=True)) as update:
        update("inc/a[/b]c.json", 10, 100)
        update("inc/a[/b]c.json", 100, 100)


def test_resending_the_same_file_is_recognised_without_parsing(tmp_path, cli, db_path, monkeypatch):
    path = roster_file(tmp_path, roster("FR", contacts=[desk()]))
    cli("import", path)
    from ctcontacts.directory import importer

    def no_parsing(*args, **kwargs):
        raise AssertionError("the file was parsed")

    parse = importer.read_and_validate
    monkeypatch.setattr(importer, "read_and_validate", no_parsing)
    result, doc = cli.json("import", path)
    assert result.exit_code == 0 and doc["import_id"] == 2
    assert doc["rosters"] == [{"network": "ftf", "member": "FR", "contacts": 1, "new_roster": False, "added": [],
                               "removed": [], "changed": [], "reach_changes": [], "unchanged": True,
                               "signer": None}]
    assert json.loads(cli("history", "--json").stdout)[0]["rosters"][0]["unchanged"] is True
    monkeypatch.setattr(importer, "read_and_validate", parse)  # (not undo(): that would drop env_setup too)
    # Once the roster changed (here by a rollback), the same file is parsed and compared again.
    cli("rollback", "1")
    result, doc = cli.json("import", path)
    assert doc["rosters"][0]["new_roster"] is True
