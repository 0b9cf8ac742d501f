"""Change reports, history, rollback, and reach changes (issue: nightly imports)."""

import sqlite3

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


def test_history_records_files_users_outcomes_and_refusals(tmp_path, cli):
    good = roster_file(tmp_path, roster("FR", contacts=[desk()]), name="good.json")
    cli("import", good)
    bad = roster_file(tmp_path, roster("FR", contacts=[desk(timezone="Mars/Olympus")]), name="bad.json")
    assert cli("import", bad).exit_code == 2
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
    assert any("'fr-desk' is reached (phones) changed in import #2" in w for w in doc["warnings"])
    assert "REACH CHANGED, NOT CONFIRMED" in cli("whois", "-c", "FR", "-n", "ftf").stdout
    # An unchanged nightly re-import does not clear the mark; only a confirmation does.
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 35"])]), name="v3.json"))
    assert any("not confirmed" in w for w in cli.json("whois", "-c", "FR", "-n", "ftf")[1]["warnings"])
    result = cli("confirm", "-c", "FR", "-n", "ftf")
    assert result.exit_code == 0 and "confirmed: fr-desk" in result.stdout
    assert cli.json("whois", "-c", "FR", "-n", "ftf")[1]["warnings"] == []
    assert "nothing to confirm" in cli("confirm", "-c", "FR", "-n", "ftf").stdout


def test_quiet_import_prints_nothing_on_success(tmp_path, cli):
    result = cli("import", roster_file(tmp_path, roster("FR")), "--quiet")
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
