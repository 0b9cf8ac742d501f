"""docs/rosters.md says what the program does: its examples import, its rules parse, its
Limits section states the limits the program enforces (ctcontacts/limits.py), and each
message its "Common errors" quotes is what importing a small bad file prints."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from ctcontacts import limits
from ctcontacts.rules import parse_rule

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "rosters.md").read_text(encoding="utf-8")
ELISION = "…"


def section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end != -1 else None]


def test_the_full_json_example_imports(tmp_path, cli):
    block = DOC.split("```json\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.json"
    path.write_text(block, encoding="utf-8")
    result = cli("import", path, "--dry-run")
    assert result.exit_code == 0, result.output


def test_every_duty_example_parses():
    """Every rule in the staffing patterns and in the rule table of section 4."""
    rules = []
    for block in re.findall(r"```json\n(.*?)```", section("5. Common staffing patterns"), re.S):
        for line in block.splitlines():
            if line.strip().startswith('"duty"') or line.startswith("         "):
                text = line.split(":", 1)[1] if line.strip().startswith('"duty"') else line
                rules.extend(json.loads("[" + text.strip().strip("[],") + "]"))
    table = section("4. Duty rules").split("| form |", 1)[1].split("\n\n", 1)[0]
    for row in table.splitlines()[2:]:
        example = row.split("|")[2]
        for text in re.findall(r"`([^`]+)`", example):
            rules.append(json.loads(text) if text.startswith("{") and "…" not in text else text)
    rules = [r for r in rules if not (isinstance(r, str) and "…" in r)]
    assert len(rules) > 25
    for rule in rules:
        parse_rule(rule)


def test_the_limits_section_states_the_limits():
    text = section("6. Limits")
    numbers = [limits.MAX_PHONES, limits.MAX_PHONE_CHARS, limits.MAX_LANGUAGES, limits.MAX_NETWORK_NAME_CHARS,
               limits.MAX_CONTACTS_PER_ROSTER, limits.MAX_RULES_PER_CONTACT, limits.MAX_RULES_PER_ROSTER,
               limits.MAX_RECURRING_RULES_PER_CONTACT, limits.MAX_ROSTER_STARTS_PER_DAY, limits.MAX_RULE_CHARS,
               limits.MAX_STARTS_PER_DAY, limits.MAX_OCCURRENCE_DAYS, limits.MAX_OVERLAP, limits.MAX_COUNT,
               limits.MAX_COUNT_YEARS, limits.MAX_ROSTERS_PER_NETWORK, limits.MAX_PROBLEMS,
               *limits.MAX_FIELD_CHARS.values()]
    for n in numbers:
        assert f"{n:,}" in text, n
    assert f"{limits.MAX_FILE_BYTES >> 30} GiB" in text and f"{limits.MAX_WHOLE_FILE_BYTES >> 20} MiB" in text
    for freq in limits.RECURRENCE_FREQS:
        assert f"`{freq}`" in text
    for field_, most in limits.MAX_FIELD_CHARS.items():
        row = next(line for line in text.splitlines() if f"`{field_}`" in line and line.startswith("|"))
        assert f"{most:,}" in row, field_


def test_the_calendars_page_shows_rules_as_they_are_stored():
    """docs/calendars.md's examples of what a calendar is kept as are rules, written as
    ctcontacts writes them back."""
    page = (ROOT / "docs" / "calendars.md").read_text(encoding="utf-8")
    table = page.split("| in the calendar | kept as |", 1)[1].split("\n\n", 1)[0]
    examples = [t for t in re.findall(r"`([^`]+)`", table) if "/" in t]
    assert len(examples) >= 4
    for text in examples:
        assert parse_rule(text).text() == text


# --- Quoted error messages ------------------------------------------------------------


def _contact(**fields) -> dict:
    base = {"id": "fr-desk", "name": "Desk", "phones": ["+33 1 99 00 12 34"], "timezone": "Europe/Paris",
            "duty": ["24/7"]}
    return {**base, **fields}


def _roster_json(*contacts: dict, **roster) -> str:
    r = {"network": "ftf", "member": "FR", "issued": "2026-11-01", "contacts": list(contacts) or [_contact()]}
    return json.dumps({"format": "ctcontacts-roster/1", "rosters": [{**r, **roster}]})


def _duty(rule) -> str:
    return _roster_json(_contact(duty=[rule]))


CSV_HEAD = "network,member,id,name,phones,email,timezone,duty\n"

# Each message of docs/rosters.md's "Common errors", as the page quotes it, and a file
# that gives it: (file name, content, extra import options).
BAD_FILES = {
    'this JSON is not a ctcontacts roster: "format" must be "ctcontacts-roster/1"':
        ("a.json", '{"rosters": []}', ()),
    "not valid JSON: Expecting property name enclosed in double quotes":
        ("a.json", '{"format": "ctcontacts-roster/1", "rosters": [],}', ()),
    "unknown field 'emial'; did you mean 'email'?": ("a.json", _roster_json(_contact(emial="a@example.org")), ()),
    "unknown network 'fft'; did you mean 'ftf'? known: ftf, iactn, vot": ("a.json", _roster_json(network="fft"), ()),
    "unknown country or member 'Frnace'; did you mean France (FR)? …": ("a.json", _roster_json(member="Frnace"), ()),
    "unknown time zone 'Europe/Pari'; did you mean Europe/Paris or …? …":
        ("a.json", _roster_json(_contact(timezone="Europe/Pari")), ()),
    "'01 99 00 12 34' is not a phone number (write it in international form, +CC …)":
        ("a.json", _roster_json(_contact(phones=["01 99 00 12 34"]), member="org:coe"), ()),
    "'+33 1 99 00 12' is not a valid number for its country; check the digits":
        ("a.json", _roster_json(_contact(phones=["+33 1 99 00 12"])), ()),
    "a contact needs at least one phone number or an e-mail address":
        ("a.json", _roster_json(_contact(phones=[], email="")), ()),
    "'fr desk' is not a usable id; use letters, digits, '.', '-', '_', at most 100 (e.g. fr-desk)":
        ("a.json", _roster_json(_contact(id="fr desk")), ()),
    "'a' is already used by the contact at rosters[0].contacts[0]; ids are unique within a roster":
        ("a.json", _roster_json(_contact(id="a"), _contact(id="a")), ()),
    "contains a control character (U+202E); remove it": ("a.json", _roster_json(_contact(name="Desk\u202e")), ()),
    "'0' is not a rank; use a whole number from 1 (called first) to 999": ("a.json", _roster_json(_contact(rank=0)), ()),
    "'French' is not a language code; use ISO 639-1 such as en, fr":
        ("a.json", _roster_json(_contact(languages=["French"])), ()),
    "'28/11/2026' is not a date; write it as YYYY-MM-DD": ("a.json", _roster_json(issued="28/11/2026"), ()),
    "'Mo-Fx 08:00-18:00': unknown day 'Fx'; days are Mo Tu We Th Fr Sa Su": ("a.json", _duty("Mo-Fx 08:00-18:00"), ()),
    "'Mon-Fri 08:00-18:00' is not a duty rule; write a weekly window like 'Mo-Fr 08:00-18:00', …":
        ("a.json", _duty("Mon-Fri 08:00-18:00"), ()),
    "'Mo-Fr 8h-18h': '8h-18h' is not a time range; write it like 08:00-18:00": ("a.json", _duty("Mo-Fr 8h-18h"), ()),
    "'Mo-Fr 08:00-25:00': end '25:00' is not a time of day (00:00-24:00)":
        ("a.json", _duty("Mo-Fr 08:00-25:00"), ()),
    "'2026-12-01T20:00/2026-12-01T08:00': the end is not after the start":
        ("a.json", _duty("2026-12-01T20:00/2026-12-01T08:00"), ()),
    "'2026-12-01T20:00/PT0H': the duration is zero": ("a.json", _duty("2026-12-01T20:00/PT0H"), ()),
    "'…': a recurrence start is a wall-clock time in the contact's zone (or in the zone the rule names, …); "
    "write it without an offset (2026-11-02T09:00)":
        ("a.json", _duty("R/2026-11-02T09:00Z/PT8H/FREQ=DAILY"), ()),
    "'…': the end of the first shift is not after its start":
        ("a.json", _duty("R/2026-11-02T19:00/2026-11-02T07:00/FREQ=DAILY"), ()),
    "'…': an RRULE may have COUNT or UNTIL, not both":
        ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=DAILY;COUNT=3;UNTIL=20261231"), ()),
    "'…': give the start as 'start', not DTSTART inside the rule":
        ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=DAILY;DTSTART=20261102T090000"), ()),
    "'…': UNTIL='2026-12-31' is not a date (20261231) or date-time (20261231T235959 or …Z)":
        ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=DAILY;UNTIL=2026-12-31"), ()),
    "'…': a recurrence is written R/START/DURATION/RRULE, e.g. …": ("a.json", _duty("R/2026-11-02T09:00/PT8H"), ()),
    "'…': the RRULE needs FREQ, e.g. FREQ=WEEKLY;BYDAY=MO": ("a.json", _duty("R/2026-11-02T09:00/PT8H/BYDAY=MO"), ()),
    "'…': the RRULE cannot be read (…)": ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=WEEKLY;BYDAY=XX"), ()),
    "'…': FREQ=MINUTELY is not a duty pattern; use HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY":
        ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=MINUTELY"), ()),
    "'…': the rule can start 48 shifts a day; a duty pattern starts at most 24 a day":
        ("a.json", _duty("R/2026-11-02T09:00/PT1H/FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,"
                         "18,19,20,21,22,23;BYMINUTE=0,30"), ()),
    "'…': 24 starts a day of shifts lasting P1M overlap up to 744 at a time; …":
        ("a.json", _duty("R/2026-11-02T00:00/P1M/FREQ=HOURLY"), ()),
    "'…': the RRULE has no occurrence in the five years from its start":
        ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31"), ()),
    "is 5,000,000 characters long; at most 4,000 are allowed":
        ("a.json", _roster_json(_contact(notes="x" * 5_000_000)), ()),
    "'CET' is an abbreviation, a fixed offset or an old alias, not the name of a place (Area/City): …":
        ("a.json", _roster_json(_contact(timezone="CET")), ()),
    "'+44 20 7946 0123 ext. 45' has an extension, which cannot be dialled directly; …":
        ("a.json", _roster_json(_contact(phones=["+44 20 7946 0123 ext. 45"])), ()),
    "'off 24/7': 'off' takes an interval, a weekly window or a recurrence": ("a.json", _duty("off 24/7"), ()),
    "the roster of FR in ftf is given twice (also in …); give each roster once per import":
        ("a.json", json.dumps({"format": "ctcontacts-roster/1", "rosters": [
            json.loads(_roster_json())["rosters"][0]] * 2}), ()),
    "a roster needs at least one contact":
        ("a.json", json.dumps({"format": "ctcontacts-roster/1", "rosters": [
            {"network": "ftf", "member": "FR", "contacts": []}]}), ()),
    "missing column(s): network, member, …; give --network/--country on the command line or add the column":
        ("a.csv", "name,phones,timezone,duty\nDesk,+33 1 99 00 12 34,Europe/Paris,24/7\n", ()),
    "the column appears twice (columns 7 and 8)":
        ("a.csv", "network,member,id,name,phones,timezone,duty,duty\nftf,FR,a,A,+33 1 99 00 12 34,Europe/Paris,"
                  "24/7,24/7\n", ()),
    "contact 'a' has nothing here but 'a@example.org' in row 2; rows of one contact must agree on everything but duty":
        ("a.csv", CSV_HEAD + "ftf,FR,a,A,+33 1 99 00 12 34,a@example.org,Europe/Paris,Mo 09:00-17:00\n"
                             "ftf,FR,a,A,+33 1 99 00 12 34,,Europe/Paris,Tu 09:00-17:00\n", ()),
    "the row has 7 cells but the header has 5 columns":
        ("a.csv", "id,name,phones,timezone,duty\na,A,+33 1 99 00 12 34,Europe/Paris,Mo,Tu,We\n",
         ("--network", "ftf", "--country", "FR")),
    "the row says 'Italy' but --country says 'FR'":
        ("a.csv", CSV_HEAD.replace("network,", "") + "Italy,a,A,+39 06 9999 0000,,Europe/Rome,24/7\n",
         ("--network", "ftf", "--country", "FR")),
    "the file says 'FR' but the command line says 'DE'; drop one of them":
        ("a.json", _roster_json(), ("--country", "DE")),
    "byte 0xe9 is not valid UTF-8 text; save the file as UTF-8 (nothing is guessed or replaced)":
        ("a.csv", (CSV_HEAD + "ftf,FR,a,Caf\xe9,+33 1 99 00 12 34,,Europe/Paris,24/7\n").encode("latin-1"), ()),
    "the file holds binary data (NUL bytes); it is not a roster": ("a.csv", b"network\x00member\n", ()),
    'the key "id" appears twice in this object; give it once':
        ("a.json", _roster_json().replace('"id": "fr-desk"', '"id": "fr-desk", "id": "fr-other"'), ()),
    "is a named pipe, not a regular file; …": ("fifo.json", "fifo", ()),
    "is a character device, not a roster file": (os.devnull, None, ()),
    "the file is … bytes (… MiB); a JSON file is read whole and may be at most 268,435,456 bytes (256 MiB): …":
        ("big.json", "sparse", ()),
}
# Messages no small file can bring about.
NOT_BY_A_FILE = {"the file changed while it was read; import it again once it is complete"}


def common_errors() -> list[str]:
    table = section("7. Common errors").split("| message |", 1)[1].split("\n\n", 1)[0]
    return [m for row in table.splitlines()[2:] for m in re.findall(r"`([^`]+)`", row.split(" | ")[0])]


def test_every_common_error_is_quoted_from_the_program(tmp_path, cli):
    messages = common_errors()
    assert len(messages) > 45
    unknown = [m for m in messages if m not in BAD_FILES and m not in NOT_BY_A_FILE]
    assert not unknown, f"add a bad file for: {unknown}"
    problems = []
    for message in dict.fromkeys(messages):
        if message in NOT_BY_A_FILE:
            continue
        name, content, options = BAD_FILES[message]
        path = Path(name) if os.path.isabs(name) else tmp_path / name
        if content == "fifo":
            path.unlink(missing_ok=True)
            os.mkfifo(path)
        elif content == "sparse":
            with open(path, "wb") as f:
                f.truncate(limits.MAX_WHOLE_FILE_BYTES + 1)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif content is not None:
            path.write_text(content, encoding="utf-8")
        result = cli("import", "--dry-run", *options, path)
        pattern = ".*?".join(map(re.escape, message.split(ELISION)))
        if result.exit_code != 2 or not re.search(pattern, result.stderr):
            problems.append(f"{message!r} is not what the program says:\n{result.stderr}")
    assert not problems, "\n".join(problems)
