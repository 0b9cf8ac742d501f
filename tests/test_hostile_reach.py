"""Issue 10, "never hide a tampered number": reach-change marks in every view.

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


def changed_desk(tmp_path, cli):
    """FR's desk with its phone changed by import #2 (unconfirmed)."""
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk()]), coe(), name="v1.json"))
    cli("import", roster_file(tmp_path, roster("FR", contacts=[desk(phones=["+33 1 99 00 12 99"])]), name="v2.json"))


def whois(cli, member="FR"):
    return cli.json("whois", "-c", member, "-n", "ftf")[1]


def findings(cli, code):
    return [f for f in json.loads(cli("check", "--json").stdout) if f["code"] == code]


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
