"""Start-up is part of the product: whois --json must not load what it does not need."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import contact, roster, roster_file

ROOT = Path(__file__).resolve().parent.parent
# Needed only to import, draw with rich, migrate, validate phones, resolve country
# names, expand recurrences or read calendars: none of it answers a plain whois.
NOT_NEEDED = ["rich", "sqlite_utils", "phonenumbers", "pycountry", "dateutil", "icalendar",
              "recurring_ical_events", "pluggy", "click_default_group", "cryptography", "_cffi_backend", "hashlib"]

PROBE = """
import json, sys
sys.argv = ["ctcontacts", *json.loads(sys.argv[1])]
from ctcontacts.cli.main import main
try:
    main()
except SystemExit:
    pass
with open({out!r}, "w") as f:
    json.dump(sorted(sys.modules), f)
"""


def loaded_modules(tmp_path, *args) -> set[str]:
    out = tmp_path / "modules.json"
    code = PROBE.format(out=str(out))
    subprocess.run([sys.executable, "-c", code, json.dumps(list(args))], check=True, capture_output=True,
                   env={**os.environ})
    return {m.split(".")[0] for m in json.loads(out.read_text())}


def test_whois_json_loads_only_what_it_needs(tmp_path, cli, db_path):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=["Mo-Fr 08:00-18:00", "24/7"])])))
    loaded = loaded_modules(tmp_path, "--db", str(db_path), "whois", "-c", "FR", "-n", "ftf", "--json")
    assert "ctcontacts" in loaded  # the probe really ran the command
    assert not loaded & set(NOT_NEEDED), sorted(loaded & set(NOT_NEEDED))


def test_human_whois_loads_neither_validation_nor_the_pycountry_package(tmp_path, cli, db_path):
    # It prints "France (FR)" from pycountry's data file; importing the package would
    # cost a fifth of the lookup (importlib.metadata, email, zipfile...).
    cli("import", roster_file(tmp_path, roster("FR")))
    loaded = loaded_modules(tmp_path, "--db", str(db_path), "whois", "-c", "FR", "-n", "ftf")
    assert "rich" in loaded  # the probe really drew the answer
    assert not loaded & {"pycountry", "phonenumbers", "sqlite_utils", "typer", "click", "importlib_metadata"}


def test_country_names_read_from_the_data_file_are_pycountrys():
    import pycountry

    from ctcontacts.domain.members import _country_names

    assert _country_names() == {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


def test_lint_bans_heavy_module_level_imports():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    result = subprocess.run([ruff, "check", "--select", "TID253", str(ROOT / "ctcontacts")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def run_cli(*args, db) -> subprocess.CompletedProcess:
    env = {**os.environ, "CTCONTACTS_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "ctcontacts", *args], capture_output=True, text=True, env=env)


FAST_CASES = [
    ["whois", "-c", "FR", "-n", "ftf", "--json"],
    ["whois", "--country=France", "--network=ftf", "--at", "2026-11-30T20:00Z", "--json"],
    ["whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-29T03:00", "--tz", "Europe/Paris", "--speaks", "fr", "--json"],
    ["whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-30T20:00Z"],
    ["whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-30T20:00Z", "--as-recorded", "--json"],
    ["whois", "--as-recorded", "-c", "FR", "-n", "ftf", "--at", "2020-01-01T00:00Z"],
    ["whois", "-c", "FR", "-n", "ftf", "--dial-from", "US", "--json"],
    ["whois", "-c", "FR", "-n", "ftf", "--dial-from=Japan"],
    ["whois", "-c", "FR", "-n", "ftf", "--dial-from", "ZZ"],
    ["whois", "-c", "Frnace", "-n", "ftf"],
    ["whois", "-c", "FR", "-n", "fft", "--json"],
    ["whois", "-c", "FR", "-n", "ftf", "--at", "tomorrow"],
    ["whois", "-c", "FR"],  # missing --network: Typer's usage error
    ["whois", "-c", "FR", "-n", "ftf", "--help"],
    ["now", "-n", "ftf", "--json", "--at", "2026-11-30T20:00Z"],
    ["now", "--network=ftf", "--at", "2026-11-30T09:00", "--tz", "Europe/Paris", "--speaks", "fr"],
    ["now", "--all-networks", "--json", "--at", "2026-11-30T20:00Z"],
    ["now", "--json"],  # neither --network nor --all-networks: our usage error
    ["now", "-n", "nope", "--json"],
    ["now", "-n", "ftf", "--all-networks", "--at", "2026-11-30T20:00Z"],
]


@pytest.mark.parametrize("args", FAST_CASES, ids=[" ".join(a) for a in FAST_CASES])
def test_the_fast_path_answers_exactly_like_the_typer_command(tmp_path, cli, db_path, args):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=["Mo-Fr 08:00-18:00"], languages=["fr"])])))
    fast = run_cli(*args, db=db_path)  # python -m ctcontacts: console.main, fast path when it can
    typer_way = cli(*args)  # the Typer app itself
    assert fast.returncode == typer_way.exit_code
    assert fast.stdout == typer_way.stdout
    assert fast.stderr.replace(" ", "") == typer_way.stderr.replace(" ", "")


def test_whois_json_does_not_load_typer_or_click(tmp_path, cli, db_path):
    cli("import", roster_file(tmp_path, roster("FR")))
    loaded = loaded_modules(tmp_path, "--db", str(db_path), "whois", "-c", "FR", "-n", "ftf", "--json")
    assert not loaded & {"typer", "click"}
    # Nor typing and pathlib (3 and 4 ms of a 33 ms lookup): the modules on its path
    # take paths as strings and name types for annotations only.
    assert not loaded & {"typing", "pathlib"}


def test_now_json_loads_what_whois_json_loads(tmp_path, cli, db_path):
    # The network board answers without Typer, rich or dateutil too: its cost is the
    # members' answers, not the start-up (docs/performance.md).
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=[
        "Mo-Fr 08:00-18:00", {"rrule": "FREQ=MONTHLY;BYDAY=1FR", "start": "2026-01-02T09:00", "duration": "PT8H"}])])))
    loaded = loaded_modules(tmp_path, "--db", str(db_path), "now", "-n", "ftf", "--json")
    assert "ctcontacts" in loaded
    assert not loaded & (set(NOT_NEEDED) | {"typer", "click", "typing", "pathlib"}), sorted(loaded & set(NOT_NEEDED))


@pytest.mark.parametrize("country", ["KI", "KIR", "296", "Kiribati"])
def test_whois_json_of_a_member_outside_the_shipped_networks_with_recurrences(tmp_path, cli, db_path, country):
    # Kiribati is in none of the shipped networks: its code is read from ISO data
    # without importing pycountry, and its monthly and fortnightly rota walked
    # without dateutil, so the lookup costs what one of France does (issue 13).
    duty = [{"rrule": "FREQ=MONTHLY;BYDAY=1FR", "start": "2026-01-02T09:00", "duration": "PT8H"},
            "R/2026-01-05T20:00/PT12H/FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "off R/2026-01-01T12:00/PT1H/FREQ=DAILY"]
    result = cli("import", roster_file(tmp_path, roster("KI", contacts=[contact(duty=duty, timezone="Pacific/Tarawa")])))
    assert result.exit_code == 0, result.output
    loaded = loaded_modules(tmp_path, "--db", str(db_path), "whois", "-c", country, "-n", "ftf", "--json")
    assert "ctcontacts" in loaded
    assert not loaded & set(NOT_NEEDED), sorted(loaded & set(NOT_NEEDED))
    answer = json.loads(run_cli("whois", "-c", country, "-n", "ftf", "--json", db=db_path).stdout)
    assert answer["member"] == "KI"


def test_the_cycle_collector_runs_less_often_during_a_command_and_as_before_after(monkeypatch):
    """``main`` has the cycle collector look at new objects every ``COLLECT_EVERY``
    (a fast path: a lookup makes tens of thousands and almost no cycles), and gives
    back the thresholds it found, whatever the command did."""
    import gc

    from ctcontacts.cli import main as entry

    seen = []

    def dispatch(argv):
        seen.append(gc.get_threshold()[0])
        raise RuntimeError("a command that failed")

    monkeypatch.setattr(entry, "_dispatch", dispatch)
    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        entry.main()
    assert seen == [entry.COLLECT_EVERY] and gc.get_threshold() == before
    # A caller that turned automatic collection off (threshold 0) keeps it off.
    gc.set_threshold(0, *before[1:])
    try:
        with pytest.raises(RuntimeError):
            entry.main()
        assert seen[-1] == 0
    finally:
        gc.set_threshold(*before)


@pytest.mark.parametrize("args", [["whois", "-c", "FR", "-n", "ftf", "--json"], ["whois", "-c", "FR", "-n", "ftf"],
                                  ["now", "-n", "ftf", "--json"], ["now", "-n", "ftf"]])
def test_a_lookup_that_leaves_at_once_has_said_everything_and_left_no_journal(tmp_path, cli, db_path, args):
    """The program leaves without Python's teardown after a plain lookup (a fast path):
    its answer is whole, its exit code the lookup's, and its database is left as a
    lookup that closed it leaves it, with no -wal or -shm file beside it."""
    import gc

    assert cli("import", roster_file(tmp_path, roster("FR"))).exit_code == 0
    gc.collect()  # (the in-process import's connection, held in a cycle by sqlite3's statement cache)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(db_path.name)) == [db_path.name]
    result = run_cli(*args, db=db_path)
    typer = cli(*args)
    assert (result.returncode, result.stdout) == (typer.exit_code, typer.stdout)
    if "--json" in args:
        json.loads(result.stdout)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(db_path.name)) == [db_path.name]


def test_the_program_called_in_a_process_that_captures_its_output_returns(tmp_path, cli, db_path, monkeypatch):
    """``program`` leaves at once only when its output is the process's own: called by
    a caller that captures it (a harness, a test), it ends with ``SystemExit`` as
    ``main`` does, and the caller goes on."""
    import contextlib
    import io

    from ctcontacts.cli.main import program

    assert cli("import", roster_file(tmp_path, roster("FR"))).exit_code == 0
    monkeypatch.setattr(sys, "argv", ["ctcontacts", "--db", str(db_path), "whois", "-c", "FR", "-n", "ftf", "--json"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as ended:
        program()
    assert ended.value.code == 0 and json.loads(out.getvalue())["on_duty"]


def test_a_script_that_runs_the_program_and_a_profiler_go_on_after_a_lookup(tmp_path, cli, db_path):
    """The program leaves at once only when the process is its alone: a script that runs
    it with ``runpy`` gets its ``SystemExit`` after each lookup and goes on, and a
    profiler writes its profile."""
    assert cli("import", roster_file(tmp_path, roster("FR"), roster("DE", contacts=[
        contact("de-desk", timezone="Europe/Berlin", phones=["+49 30 901820"])]))).exit_code == 0
    host = tmp_path / "host.py"
    host.write_text(
        "import runpy, sys\n"
        "for member in ('FR', 'DE'):\n"
        "    sys.argv = ['ctcontacts', 'whois', '-c', member, '-n', 'ftf', '--json']\n"
        "    try:\n"
        "        runpy.run_module('ctcontacts', run_name='__main__')\n"
        "    except SystemExit as e:\n"
        "        print('exit', e.code)\n"
        "print('the host goes on')\n", encoding="utf-8")
    env = {**os.environ, "CTCONTACTS_DB": str(db_path)}
    ran = subprocess.run([sys.executable, str(host)], capture_output=True, text=True, env=env)
    assert ran.returncode == 0 and ran.stdout.count("exit 0") == 2 and "the host goes on" in ran.stdout, ran.stdout
    profile = tmp_path / "lookup.prof"
    profiled = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "ctcontacts",
                               "whois", "-c", "FR", "-n", "ftf", "--json"], capture_output=True, text=True, env=env)
    assert profiled.returncode == 0 and profile.stat().st_size > 0
