"""Issue 14's small frictions, one test each: what a new user met and should not."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest
from typer.main import get_command

from ctcontacts.cli.app import app

from .conftest import contact, roster, roster_file


def run(*args, columns: int = 200) -> subprocess.CompletedProcess:
    """The real program (its entry point, not Typer's runner), at a given width."""
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", "ctcontacts", *args], capture_output=True, text=True, env=env)


# --- help is sentences that rich wraps -------------------------------------------------------

def test_help_texts_are_sentences_rich_can_wrap():
    for name, command in get_command(app).commands.items():
        for paragraph in command.help.split("\n\n"):
            assert "\n" not in paragraph, f"{name}: a line break inside a paragraph of its help: {paragraph!r}"
        summary = command.help.split("\n\n")[0]
        assert summary.endswith(".") and summary.count(". ") == 0, f"{name}: its summary is one sentence: {summary!r}"
    for option in (p for c in get_command(app).commands.values() for p in c.params):
        assert "\n" not in (option.help or ""), option.name


def test_the_list_of_commands_cuts_no_sentence_in_two():
    out = run("--help").stdout
    panel = out[out.index("Commands"):]
    rows = [r.strip("│ ") for r in panel.splitlines()[1:] if r.startswith("│")]
    assert len(rows) == len(get_command(app).commands)
    names = set(get_command(app).commands)
    for row in rows:
        assert row.split(" ", 1)[0] in names, f"a command's summary runs on to a second line: {row!r}"


# --- plurals -----------------------------------------------------------------------------------

def test_one_contact_one_roster(tmp_path, cli):
    out = cli("import", roster_file(tmp_path, roster("FR"))).stdout
    assert "new roster, 1 contact (fr-desk)" in out and "1 contacts" not in out
    again = cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(name="Renamed")]), name="b.json")).stdout
    assert "ftf FR: 1 contact\n" in again
    history = cli("history").stdout
    assert "1 roster" in history and "1 rosters" not in history


# --- rules in words say durations in words --------------------------------------------------

def test_rules_in_words_say_durations_in_words(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=[
        "R/2026-01-01T07:00/PT12H/FREQ=DAILY", "2026-12-01T20:00/PT12H", "off 2026-12-24T00:00/P3D",
        "PT1H30M/2026-12-31T08:00"])])))
    words = json.loads(cli("contacts", "-n", "ftf", "-c", "FR", "--json").stdout)[0]["duty_in_words"]
    assert words == ["every day, starting 2026-01-01 07:00, each for 12 hours",
                     "from 2026-12-01 20:00 (local) for 12 hours",
                     "NOT on duty: from 2026-12-24 00:00 (local) for 3 days",
                     "for 1 hour 30 minutes until 2026-12-31 08:00 (local)"]
    assert not any(re.search(r"\bP(T?\d)", w) for w in words)


# --- a contact with a year of shifts ---------------------------------------------------------

def test_contacts_sums_up_a_long_run_of_shifts(tmp_path, cli):
    import datetime as dt

    start = dt.datetime(2026, 1, 1, 8)
    shifts = [f"{start + dt.timedelta(hours=12 * i):%Y-%m-%dT%H:%M}/PT12H" for i in range(10_000)]
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=shifts)])))
    out = cli("contacts", "-n", "ftf", "-c", "FR").stdout
    assert len(out) < 5_000, len(out)
    assert "9,995 more dated shifts" in out
    assert "from 2026-01-01 08:00 (local) for 12 hours" in out  # the first, and the last:
    assert f"from {start + dt.timedelta(hours=12 * 9_999):%Y-%m-%d %H:%M} (local) for 12 hours" in out
    # The JSON is data: every rule.
    assert len(json.loads(cli("contacts", "-n", "ftf", "-c", "FR", "--json").stdout)[0]["duty_in_words"]) == 10_000


# --- the progress bar does not sit at 100% while the database is written ---------------------

def test_import_reports_its_phases_after_the_files_are_read(tmp_path, db_path):
    from ctcontacts.directory.importer import CHECKING, WRITING, import_files

    path = roster_file(tmp_path, roster("FR"))
    calls = []

    def progress(name, done, total):
        imports = 0
        if db_path.exists():
            imports = sqlite3.connect(db_path).execute("SELECT count(*) FROM imports").fetchone()[0]
        calls.append((name, done, total, imports))

    import_files(db_path, [path], now=0, progress=progress)
    names = [c[0] for c in calls]
    size = path.stat().st_size
    assert names[-2:] == [CHECKING, WRITING]
    assert (str(path), size, size) in [c[:3] for c in calls]
    assert calls[-1][3] == 0  # told before the write, not after it


def test_the_progress_bar_gives_way_to_the_phases(tmp_path):
    from rich.console import Console

    from ctcontacts.cli.render import progress_bar
    from ctcontacts.directory.importer import CHECKING, WRITING

    err = Console(file=io.StringIO(), force_terminal=True, width=80)
    with progress_bar(err) as update:
        update("roster.json", 50, 100)
        update("roster.json", 100, 100)
        update(CHECKING, 0, 0)
        update(WRITING, 0, 0)
        live = err.file.getvalue()
    assert "writing to the database" in live


# --- demo twice ---------------------------------------------------------------------------------

def test_loading_the_demo_again_says_it_is_unchanged(cli):
    assert "Loaded 26 fictional demo rosters" in cli("demo").stdout
    again = cli("demo").stdout
    assert "already loaded and unchanged (26 rosters)" in again and "Loaded" not in again


# --- "Did you mean" once ------------------------------------------------------------------------

def test_did_you_mean_is_said_once():
    result = run("whoi", "-c", "FR")
    assert result.returncode == 2
    assert result.stderr.count("Did you mean 'whois'?") == 1, result.stderr


# --- history --limit ------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", ["0", "-5"])
def test_history_limit_below_one_is_a_usage_error(tmp_path, cli, limit):
    # (Already so before issue 14; held here.)
    cli("import", roster_file(tmp_path, roster("FR")))
    result = cli("history", "--limit", limit)
    assert result.exit_code == 2 and f"--limit {limit} is out of range" in result.stderr


# --- an unterminated CSV quote --------------------------------------------------------------------

def test_an_unterminated_quote_is_reported_as_one(tmp_path, cli):
    path = tmp_path / "r.csv"
    path.write_text("network,member,id,name,phones,timezone,duty\n"
                    "ftf,FR,a,A,+33 1 99 00 12 34,Europe/Paris,24/7\n"
                    'ftf,FR,b,"B,+33 1 99 00 12 35,Europe/Paris,24/7\n'
                    "ftf,FR,c,C,+33 1 99 00 12 36,Europe/Paris,24/7\n", encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 2
    assert 'row 3: a quote (") opens a cell here and is never closed' in result.stderr
    assert "timezone" not in result.stderr and "is required" not in result.stderr


# --- schedule: continues_before means what it says --------------------------------------------

def test_a_shift_that_began_before_the_window_continues_before_it(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=["Mo-Su 20:00-08:00"])])))
    doc = json.loads(cli("schedule", "-c", "FR", "-n", "ftf", "--from", "2026-12-02T02:00Z", "--days", "1",
                         "--json").stdout)
    first = doc["shifts"][0]
    assert first["start"] == "2026-12-01T19:00:00Z"  # hours before the window
    assert first["continues_before"] is True and first["start_known"] is True


# --- the coverage map: one uncovered quarter-hour is not a whole weekday ------------------------

def test_one_uncovered_quarter_hour_does_not_paint_a_weekday_empty(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=["24/7", "off 2026-12-08T10:00/PT15M"])])))
    args = ["coverage", "-n", "ftf", "-c", "FR", "--from", "2026-12-01T00:00", "--tz", "Europe/Paris", "--days", "28"]
    out = cli(*args).stdout
    rows = {line[:2]: line[4:28] for line in out.splitlines() if line[:2] in ("Mo", "Tu", "We") and line[2:4] == "  "}
    assert rows["Tu"] == "█" * 10 + "▒" + "█" * 13  # Tuesdays at 10: a quarter of one of four hours uncovered
    assert rows["Mo"] == rows["We"] == "█" * 24
    assert "▒ nobody on duty for less than half of the hour" in out
    from ctcontacts.domain.coverage import member_coverage, week_hours
    from ctcontacts.domain.rules import parse_rule
    from ctcontacts.formats.validate import Contact
    from ctcontacts.time.zones import lookup_zone

    zone = lookup_zone("Europe/Paris")
    c = Contact(id="a", name="A", timezone="Europe/Paris", duty=[parse_rule("24/7"),
                                                                  parse_rule("off 2026-12-08T10:00/PT15M")])
    start = zone.to_utc(__import__("datetime").datetime(2026, 12, 1))
    grid = week_hours(member_coverage("FR", [c], start, start + 28 * 86400), zone)
    assert grid[1][10] == (4 * 3600, 900, 0)  # four Tuesdays of an hour each; 15 minutes of one uncovered


# --- a rollback that changed nothing says it is a rollback -------------------------------------

def test_a_rollback_that_changes_nothing_is_called_a_rollback(tmp_path, cli):
    path = roster_file(tmp_path, roster("FR"))
    cli("import", path)
    cli("import", path)  # the same file again: import #2 changes nothing
    out = cli("rollback", "2").stdout
    assert "nothing changed (recorded as rollback #3)." in out


# --- check and coverage say lengths alike ------------------------------------------------------------

def test_check_says_gap_lengths_as_coverage_does(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=["Mo-Fr 08:00-18:00"])])))
    finding = next(f for f in json.loads(cli("check", "--json").stdout) if f["code"] == "gap" and f["member"] == "FR")
    assert re.search(r"\d+ gaps in the next 7 days, \d+d \d\d:\d\d in all", finding["message"]), finding["message"]
    assert " h in all" not in finding["message"] and "gap(s)" not in finding["message"]
    coverage = json.loads(cli("coverage", "-n", "ftf", "-c", "FR", "--days", "7", "--json").stdout)
    from ctcontacts.time.isotime import format_length

    total = sum(g["seconds"] for g in coverage["members"][0]["gaps"])
    assert f"{format_length(total)} in all" in finding["message"]
