"""Issue 10, "never hide a tampered number": reach-change marks in every view, a replaced
network fallback, marks that end when a rollback puts the record back, and confirm
refusing what does not exist.

Assertions are on JSON, or on plain text with whitespace collapsed (rich wraps long
lines at the terminal width), never on table layout.
"""

import json
import sqlite3

from .conftest import contact, roster, roster_file

MARK = "REACH CHANGED, NOT CONFIRMED"
PHONES_2 = {"phones": {"old": ["+33199001234"], "new": ["+33199001299"]}}


def flat(text: str) -> str:
    return " ".join(text.split())


def desk(**fields):
    return contact("fr-desk", **{"name": "Desk", "email": "desk@interieur.example", **fields})


def coe():
    return roster("org:coe", contacts=[contact("coe", name="CoE duty", phones=["+33 1 99 00 20 00"])])


def evil_fallback(tmp_path, name="evil.json", member="org:evil", phone="+44 20 7946 0999"):
    """A roster file that points ftf's fallback at a member it also supplies, 24/7."""
    return roster_file(tmp_path, roster(member, contacts=[contact(member.replace(":", "-"), name="Not the CoE",
                                                                  phones=[phone], timezone="Europe/London")]),
                       networks=[{"code": "ftf", "name": "FTF", "fallback": member}], name=name)


def changed_desk(tmp_path, cli):
    """FR's desk with its phone changed by import #2 (unconfirmed)."""
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), coe(), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 99"])]), name="v2.json"))


def whois(cli, member="FR"):
    return cli.json("whois", "-c", member, "-n", "ftf")[1]


def findings(cli, code):
    return [f for f in json.loads(cli("check", "--json").stdout) if f["code"] == code]


# --- item 2: a replaced fallback ---------------------------------------------------------


def test_a_replaced_fallback_is_marked_in_whois_until_confirmed(tmp_path, cli):
    cli("import", roster_file(tmp_path, coe(), name="coe.json"))
    cli("import", evil_fallback(tmp_path))  # #2
    result, doc = cli.json("whois", "-c", "DE", "-n", "ftf")
    assert [c["id"] for c in doc["fallback"]] == ["org-evil"]
    assert doc["fallback_changed"] == {"imports": [2], "old": "org:coe", "new": "org:evil"}
    (warning,) = [w for w in doc["warnings"] if "fallback" in w and "not confirmed" in w]
    assert "from org:coe to org:evil in import #2" in warning
    assert "ctcontacts confirm --network ftf --fallback" in warning
    human = cli("whois", "-c", "DE", "-n", "ftf")
    assert "FALLBACK CHANGED, NOT CONFIRMED: ftf fallback org:coe -> org:evil (import #2)" in flat(human.stdout)
    assert "from org:coe to org:evil in import #2" in flat(human.stderr)

    result = cli("confirm", "-n", "ftf", "--fallback")
    assert result.exit_code == 0
    assert "confirmed the fallback of ftf: org:coe -> org:evil (import #2)" in result.stdout
    doc = whois(cli, "DE")
    assert doc["fallback_changed"] is None and not any("fallback" in w for w in doc["warnings"][1:])
    assert "FALLBACK CHANGED" not in cli("whois", "-c", "DE", "-n", "ftf").stdout


def test_a_replaced_fallback_is_in_history_and_check(tmp_path, cli):
    cli("import", roster_file(tmp_path, coe(), name="coe.json"))
    cli("import", evil_fallback(tmp_path))  # #2
    entry = cli.json("history")[1][0]
    assert entry["import_id"] == 2 and entry["counts"]["reach_changes"] == 1
    assert entry["networks"] == [{"code": "ftf", "old": None, "fallback_changed": True,
                                  "new": {"code": "ftf", "name": "FTF", "organization": "", "fallback": "org:evil"},
                                  "fallback": {"old": "org:coe", "new": "org:evil"}}]
    assert "org:evil" in cli("history").stdout
    (finding,) = findings(cli, "unconfirmed-fallback")
    assert finding["severity"] == "warning" and finding["network"] == "ftf"
    assert "from org:coe to org:evil in import #2" in finding["message"]
    assert cli("check").exit_code >= 1
    cli("confirm", "-n", "ftf", "--fallback")
    assert findings(cli, "unconfirmed-fallback") == []


def test_confirming_a_fallback_takes_an_explicit_flag(tmp_path, cli):
    cli("import", roster_file(tmp_path, coe(), name="coe.json"))
    cli("import", evil_fallback(tmp_path))
    result = cli("confirm", "-n", "ftf")
    assert result.exit_code == 2 and "--fallback" in result.stderr
    assert whois(cli, "DE")["fallback_changed"] is not None
    # With --country too, both are confirmed at once; JSON says exactly what.
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="fr1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 99"])]), name="fr2.json"))
    result, doc = cli.json("confirm", "-n", "ftf", "-c", "FR", "--fallback")
    assert result.exit_code == 0
    assert doc["fallback"] == {"imports": [2], "old": "org:coe", "new": "org:evil"}
    assert doc["contacts"] == [{"id": "fr-desk", "imports": [4], "fields": PHONES_2}]
    assert doc["confirmed_by"] and doc["confirmed_at"] == "2026-11-29T02:00:00Z"


def test_a_second_fallback_change_keeps_the_one_on_record(tmp_path, cli):
    cli("import", roster_file(tmp_path, coe(), name="coe.json"))
    cli("import", evil_fallback(tmp_path))  # #2
    cli("import", evil_fallback(tmp_path, "evil2.json", "org:evil2", "+44 20 7946 0998"))  # #3
    assert whois(cli, "DE")["fallback_changed"] == {"imports": [2, 3], "old": "org:coe", "new": "org:evil2"}


def test_rolling_back_a_fallback_change_clears_its_mark_with_a_trace(tmp_path, cli):
    cli("import", roster_file(tmp_path, coe(), name="coe.json"))
    cli("import", evil_fallback(tmp_path))  # #2
    result = cli("rollback", "2")  # #3
    assert "back to the fallback on record" in flat(result.stdout)
    doc = whois(cli, "DE")
    assert doc["fallback_changed"] is None and [c["id"] for c in doc["fallback"]] == ["coe"]
    assert findings(cli, "unconfirmed-fallback") == []
    assert cli.json("history")[1][0]["networks"][0]["fallback_cleared"] is True
    assert "nothing to confirm for the fallback of ftf" in cli("confirm", "-n", "ftf", "--fallback").stdout
    # Undoing the rollback brings the change back, marked again.
    cli("rollback", "3")  # #4
    assert whois(cli, "DE")["fallback_changed"] == {"imports": [4], "old": "org:coe", "new": "org:evil"}


def test_an_import_that_puts_the_fallback_back_clears_its_mark(tmp_path, cli):
    cli("import", roster_file(tmp_path, coe(), name="coe.json"))
    cli("import", evil_fallback(tmp_path))  # #2
    cli("import", roster_file(tmp_path, networks=[{"code": "ftf", "name": "FTF", "fallback": "org:coe"}], name="back.json"))
    assert whois(cli, "DE")["fallback_changed"] is None


def test_history_of_a_network_lists_imports_that_only_redefined_it(tmp_path, cli):
    cli("import", roster_file(tmp_path, coe(), name="coe.json"))
    cli("import", roster_file(tmp_path, networks=[{"code": "ftf", "name": "FTF", "fallback": "FR"}], name="nets.json"))
    entries = cli.json("history", "--network", "ftf")[1]
    assert [e["import_id"] for e in entries] == [2, 1]
    assert entries[0]["networks"][0]["fallback"] == {"old": "org:coe", "new": "FR"}
    assert [e["import_id"] for e in cli.json("history", "--network", "vot")[1]] == []


# --- item 3: the mark in every view that names someone to call --------------------------


def test_whois_json_carries_the_mark_per_contact(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(duty=["Mo-Fr 08:00-18:00"])]), coe(), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(duty=["Mo-Fr 08:00-18:00"], phones=["+33 1 99 00 12 99"])]),
                              roster("org:coe", contacts=[contact("coe", phones=["+33 1 99 00 20 01"])]), name="v2.json"))
    doc = whois(cli)  # Sunday night: nobody on duty in FR
    mark = {"imports": [2], "fields": PHONES_2}
    assert [(n["id"], n["reach_changed"]) for n in doc["next"]] == [("fr-desk", mark)]
    assert [(f["id"], f["reach_changed"]) for f in doc["fallback"]] == [
        ("coe", {"imports": [2], "fields": {"phones": {"old": ["+33199002000"], "new": ["+33199002001"]}}})]
    doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-30T10:00Z")[1]
    assert [(e["id"], e["reach_changed"]) for e in doc["on_duty"]] == [("fr-desk", mark)]


def test_now_carries_the_mark(tmp_path, cli):
    changed_desk(tmp_path, cli)
    doc = cli.json("now", "-n", "ftf")[1]
    fr = next(m for m in doc["members"] if m["member"] == "FR")
    assert fr["on_duty"][0]["phones"] == ["+33199001299"]
    assert fr["on_duty"][0]["reach_changed"] == {"imports": [2], "fields": PHONES_2}
    coe_row = next(m for m in doc["members"] if m["member"] == "org:coe")
    assert coe_row["on_duty"][0]["reach_changed"] is None
    assert doc["networks"] == [{"code": "ftf", "fallback": "org:coe", "fallback_changed": None}]
    human = flat(cli("now", "-n", "ftf").stdout)
    assert f"{MARK}: ftf FR 'fr-desk': phones [+33199001234] -> [+33199001299] (import #2)" in human


def test_schedule_and_contacts_carry_the_mark(tmp_path, cli):
    changed_desk(tmp_path, cli)
    mark = {"imports": [2], "fields": PHONES_2}
    doc = cli.json("schedule", "-c", "FR", "-n", "ftf", "--days", "1")[1]
    assert {s["id"]: s["reach_changed"] for s in doc["shifts"]} == {"fr-desk": mark}
    people = cli.json("contacts", "-n", "ftf", "-c", "FR")[1]
    assert [(p["id"], p["reach_changed"]) for p in people] == [("fr-desk", mark)]
    assert cli.json("contacts", "-n", "ftf", "-c", "org:coe")[1][0]["reach_changed"] is None
    found = cli.json("search", "1299")[1]
    assert [(f["id"], f["reach_changed"]) for f in found] == [("fr-desk", mark)]
    line = f"{MARK}: ftf FR 'fr-desk': phones [+33199001234] -> [+33199001299] (import #2)"
    for args in (["schedule", "-c", "FR", "-n", "ftf", "--days", "1"], ["contacts", "-n", "ftf", "-c", "FR"],
                 ["search", "1299"]):
        assert line in flat(cli(*args).stdout), args
    cli("confirm", "-c", "FR", "-n", "ftf")
    assert cli.json("contacts", "-n", "ftf", "-c", "FR")[1][0]["reach_changed"] is None
    assert MARK not in cli("schedule", "-c", "FR", "-n", "ftf", "--days", "1").stdout


def _unfold(text: str) -> str:
    """Content lines unfolded and unescaped (the runner's stdout may turn CRLF into LF)."""
    text = text.replace("\r\n", "\n").replace("\n ", "")
    return text.replace("\\,", ",").replace("\\;", ";")


def test_vcard_and_calendar_exports_say_so_roster_exports_do_not(tmp_path, cli):
    changed_desk(tmp_path, cli)
    roster_exports = {fmt: cli("export", "--format", fmt, "-n", "ftf").stdout for fmt in ("json", "csv")}
    vcf = _unfold(cli("export", "--format", "vcf", "-n", "ftf", "-c", "FR").stdout)
    (note,) = [line for line in vcf.splitlines() if line.startswith("NOTE:")]
    assert note.startswith(f"NOTE:{MARK}: phones [+33199001234] -> [+33199001299] (import #2)")
    ics = _unfold(cli("export", "--format", "ics", "-n", "ftf", "-c", "FR").stdout)
    descriptions = [line for line in ics.splitlines() if line.startswith("DESCRIPTION:")]
    assert descriptions and all(d.startswith(f"DESCRIPTION:{MARK}: phones") for d in descriptions)
    coe_card = _unfold(cli("export", "--format", "vcf", "-n", "ftf", "-c", "org:coe").stdout)
    assert MARK not in coe_card
    # JSON and CSV are roster files: they import back unchanged and carry no state.
    cli("confirm", "-c", "FR", "-n", "ftf")
    assert {fmt: cli("export", "--format", fmt, "-n", "ftf").stdout for fmt in ("json", "csv")} == roster_exports
    assert MARK not in _unfold(cli("export", "--format", "vcf", "-n", "ftf", "-c", "FR").stdout)


def test_check_reports_each_unconfirmed_contact_change(tmp_path, cli):
    changed_desk(tmp_path, cli)
    (finding,) = findings(cli, "unconfirmed-reach")
    assert (finding["severity"], finding["network"], finding["member"], finding["contact"]) == (
        "warning", "ftf", "FR", "fr-desk")
    assert "phones [+33199001234] -> [+33199001299] (import #2)" in finding["message"]
    assert "unconfirmed-reach" in cli("check").stdout
    cli("confirm", "-c", "FR", "-n", "ftf")
    assert findings(cli, "unconfirmed-reach") == []


def test_check_still_lists_the_mark_of_a_contact_that_left(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(), contact("fr-night")]), name="v2.json"))  # new contact
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v3.json"))  # gone again
    (finding,) = findings(cli, "unconfirmed-reach")
    assert finding["contact"] == "fr-night" and finding["severity"] == "info"
    assert "not in the current roster" in finding["message"]
    # It comes back still marked with the import that first brought it.
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(), contact("fr-night")]), name="v4.json"))
    assert cli.json("contacts", "-n", "ftf", "-c", "FR")[1][1]["reach_changed"]["imports"][0] == 2


# --- item 4: a mark stands only while the contact still differs from the record ----------


def test_rolling_back_a_reach_change_leaves_no_false_alarm(tmp_path, cli):
    changed_desk(tmp_path, cli)
    result = cli("rollback", "2")  # #3
    assert "back to the value on record" in flat(result.stdout)
    doc = whois(cli)
    assert doc["warnings"] == [] and doc["on_duty"][0]["reach_changed"] is None
    assert findings(cli, "unconfirmed-reach") == []
    rollback = cli.json("history")[1][0]
    assert rollback["rosters"][0]["reach_cleared"] == ["fr-desk"]
    assert "nothing to confirm for FR in ftf" in cli("confirm", "-c", "FR", "-n", "ftf").stdout
    # Undoing the rollback puts the new number back: marked again.
    cli("rollback", "3")  # #4
    assert whois(cli)["on_duty"][0]["reach_changed"] == {"imports": [4], "fields": PHONES_2}


def test_a_field_put_back_drops_out_the_others_stand(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 99"], email="x@evil.example")]),
                              name="v2.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(email="x@evil.example")]), name="v3.json"))
    mark = whois(cli)["on_duty"][0]["reach_changed"]
    assert mark == {"imports": [2], "fields": {"email": {"old": "desk@interieur.example", "new": "x@evil.example"}}}
    (warning,) = whois(cli)["warnings"]
    assert "phones" not in warning and "email desk@interieur.example -> x@evil.example" in warning


def test_a_number_added_then_dropped_again_clears_the_mark(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 34", "+44 20 7946 0999"])]),
                              name="v2.json"))
    assert whois(cli)["on_duty"][0]["reach_changed"]["fields"]["phones"]["new"] == ["+33199001234", "+442079460999"]
    result, doc = cli.json("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v3.json"))
    assert doc["rosters"][0]["reach_cleared"] == ["fr-desk"]
    assert whois(cli)["on_duty"][0]["reach_changed"] is None


def test_the_mark_describes_what_is_in_force_now(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="v1.json"))  # A
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 99", "+44 20 7946 0999"])]),
                              name="v2.json"))  # B, C
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 99"])]), name="v3.json"))  # B
    assert whois(cli)["on_duty"][0]["reach_changed"] == {"imports": [2], "fields": PHONES_2}


def test_demo_data_turned_real_and_back_clears_the_mark(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()], demo=True), name="demo.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), name="real.json"))  # #2
    assert whois(cli)["on_duty"][0]["reach_changed"] == {"imports": [2], "fields": {"demo": {"old": True, "new": False}}}
    cli("rollback", "2")
    assert whois(cli)["on_duty"][0]["reach_changed"] is None


def test_a_removed_roster_keeps_its_mark(tmp_path, cli):
    changed_desk(tmp_path, cli)
    cli("rollback", "1", "--force")  # no FR roster at all
    (finding,) = findings(cli, "unconfirmed-reach")
    assert finding["contact"] == "fr-desk" and "not in the current roster" in finding["message"]


# --- item 5: confirm refuses what does not exist ----------------------------------------


def test_confirm_of_what_does_not_exist_is_a_usage_error(tmp_path, cli):
    changed_desk(tmp_path, cli)
    result = cli("confirm", "-c", "FR", "-n", "fft")
    assert result.exit_code == 2 and "unknown network 'fft'" in result.stderr
    result = cli("confirm", "-c", "ES", "-n", "ftf")
    assert result.exit_code == 2 and "Spain (ES) has no roster in ftf" in result.stderr
    result = cli("confirm", "-c", "FR", "-n", "ftf", "--contact", "fr-desk", "--contact", "fr-dsek")
    assert result.exit_code == 2 and "'fr-dsek'" in result.stderr and "Traceback" not in result.stderr
    # Nothing was confirmed: the whole command is refused.
    assert whois(cli)["on_duty"][0]["reach_changed"] is not None
    result = cli("confirm", "-n", "ftf", "--contact", "fr-desk")
    assert result.exit_code == 2 and "--country" in result.stderr
    # A contact that left its roster (here with the whole roster) is still flagged: it can be confirmed.
    cli("rollback", "1", "--force")
    result = cli("confirm", "-c", "FR", "-n", "ftf", "--contact", "fr-desk")
    assert result.exit_code == 0 and "confirmed fr-desk" in result.stdout


def test_confirm_of_an_existing_contact_without_a_change_says_so(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(), contact("fr-b", name="B")]), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 99"]), contact("fr-b", name="B")]),
                              name="v2.json"))
    result = cli("confirm", "-c", "FR", "-n", "ftf", "--contact", "fr-b")
    assert result.exit_code == 0 and "nothing to confirm for fr-b (FR in ftf)" in flat(result.stdout)
    result, doc = cli.json("confirm", "-c", "FR", "-n", "ftf", "--contact", "fr-desk", "--contact", "fr-b")
    assert result.exit_code == 0
    assert [c["id"] for c in doc["contacts"]] == ["fr-desk"] and doc["nothing_to_confirm"] == ["fr-b"]
    assert doc["fallback"] is None


# --- the schema -------------------------------------------------------------------------


def test_a_database_from_before_network_flags_is_upgraded_with_its_marks(tmp_path, cli, db_path):
    changed_desk(tmp_path, cli)
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TABLE network_flags")
    conn.execute("ALTER TABLE reach_flags DROP COLUMN cleared_by")
    conn.execute("ALTER TABLE import_networks DROP COLUMN fallback_cleared")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm005_network_flags'")
    conn.commit()
    conn.close()
    assert whois(cli)["on_duty"][0]["reach_changed"] == {"imports": [2], "fields": PHONES_2}
    cli("import", evil_fallback(tmp_path))
    assert whois(cli, "DE")["fallback_changed"]["new"] == "org:evil"


def test_search_shows_the_first_matches_and_counts_the_rest(tmp_path, cli):
    """A common word may match thousands of contacts: the screen shows ``--limit`` of
    them and says how many there are, and that a hidden one changed how it is reached;
    ``--json`` gives every match."""
    changed_desk(tmp_path, cli)  # FR's desk: +33 1 99 00 12 99, unconfirmed
    cli("import", roster_file(tmp_path, roster("ES", contacts=[contact("es-desk", phones=["+34 91 999 12 99"],
                                                                       timezone="Europe/Madrid")]), name="es.json"))
    every = cli.json("search", "1299")[1]
    assert [f["id"] for f in every] == ["es-desk", "fr-desk"]  # directory order: network, member
    shown = flat(cli("search", "1299", "--limit", "1").stdout)
    assert "2 matches; the first 1 are shown" in shown and "fr-desk" not in shown
    assert f"{MARK}: 1 of the matches not shown changed how they are reached" in shown
    whole = flat(cli("search", "1299").stdout)
    assert "matches; the first" not in whole and "ftf FR 'fr-desk'" in whole
    assert len(cli.json("search", "1299", "--limit", "1")[1]) == 2  # JSON: every match
    for bad in ("0", "-5"):
        result = cli("search", "1299", "--limit", bad)
        assert result.exit_code == 2 and f"--limit {bad} is out of range" in result.stderr
