"""docs/rosters.md says what the program does: its examples import, its rules parse, and
its Limits section states the limits the program enforces (ctcontacts/limits.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ctcontacts.base import limits
from ctcontacts.domain.rules import parse_rule

DOC = (Path(__file__).resolve().parent.parent / "docs" / "rosters.md").read_text(encoding="utf-8")


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
    for field, most in limits.MAX_FIELD_CHARS.items():
        row = next(line for line in text.splitlines() if f"`{field}`" in line and line.startswith("|"))
        assert f"{most:,}" in row, field


def test_the_calendars_page_shows_rules_as_they_are_stored():
    """docs/calendars.md's examples of what a calendar is kept as are rules, written as
    ctcontacts writes them back."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "calendars.md").read_text(encoding="utf-8")
    table = page.split("| in the calendar | kept as |", 1)[1].split("\n\n", 1)[0]
    examples = [t for t in re.findall(r"`([^`]+)`", table) if "/" in t]
    assert len(examples) >= 4
    for text in examples:
        assert parse_rule(text).text() == text
