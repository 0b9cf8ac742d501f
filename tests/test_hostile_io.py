"""Hostile input and faults (issue 10): the program never hangs, never traces back,
never answers wrongly in silence, whatever the arguments, files, output or database."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ctcontacts.console import main

from .conftest import contact, dump, roster, roster_file

BIG = "x" * 100_000


def run_main(*args, stdin: bytes = b"") -> tuple[int, str, str]:
    """The real entry point (``console.main``: the fast whois, else Typer), in-process:
    exit code, stdout, stderr. A test fails on any exception it lets out."""
    saved = sys.argv, sys.stdout, sys.stderr, sys.stdin
    out, err = io.StringIO(), io.StringIO()
    sys.argv = ["ctcontacts", *map(str, args)]
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.argv, sys.stdout, sys.stderr, sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def subprocess_env(db) -> dict:
    return {**os.environ, "CTCONTACTS_DB": str(db)}


PROGRAM = [sys.executable, "-m", "ctcontacts"]


@pytest.fixture
def fr(tmp_path, cli, db_path):
    """A directory with one roster: France in ftf, someone always on duty."""
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(languages=["fr"])])))
    return db_path


# --- 6. arguments that used to trace back -----------------------------------------------


EMPTY_OPTIONS = [
    ["whois", "-c", "", "-n", "ftf"],  # the fast path
    ["whois", "-c", "", "-n", "ftf", "--json"],
    ["whois", "-c", "FR", "-n", ""],
    ["schedule", "--country", "", "--network", "ftf"],
    ["schedule", "--country", "FR", "--network", ""],
    ["coverage", "--network", "ftf", "--country", ""],
    ["contacts", "--network", "ftf", "--country", ""],
    ["now", "--network", ""],
    ["members", "--network", ""],
    ["history", "--network", ""],
    ["history", "--country", ""],
    ["confirm", "--country", "", "--network", "ftf"],
    ["export", "--network", ""],
    ["export", "--country", ""],
]


@pytest.mark.parametrize("args", EMPTY_OPTIONS, ids=[" ".join(map(repr, a)) for a in EMPTY_OPTIONS])
def test_an_empty_country_or_network_is_a_usage_error_not_a_filter_left_out(fr, args):
    code, out, err = run_main(*args)
    assert code == 2, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "''" in err or "is empty" in err


def test_import_options_given_empty_are_usage_errors(tmp_path, fr):
    path = roster_file(tmp_path, roster("FR"))
    for option in ("--network", "--country", "--contact"):
        code, out, err = run_main("import", path, option, "")
        assert code == 2 and err.startswith("error: ") and "Traceback" not in err, (option, err)


HUGE = [
    ["whois", "-c", "FR", "-n", "ftf", "--at", BIG],
    ["whois", "-c", BIG, "-n", "ftf"],
    ["whois", "-c", "FR", "-n", BIG, "--json"],
    ["whois", "-c", "FR", "-n", "ftf", "--tz", BIG],
    ["whois", "-c", "FR", "-n", "ftf", "--speaks", BIG],
    ["schedule", "-c", "FR", "-n", "ftf", "--from", BIG],
    ["schedule", "-c", "FR", "-n", "ftf", "--days", "9" * 100_000],  # Click's own message
    ["coverage", "-n", "ftf", "--days", "9" * 4000],  # a number, but absurd
    ["export", "--format", BIG],
    ["now", "--" + BIG],
    ["networks", BIG],
]


@pytest.mark.parametrize("args", HUGE, ids=range(len(HUGE)))
def test_a_huge_argument_is_answered_at_once_and_not_echoed_back(fr, args):
    start = time.monotonic()
    code, out, err = run_main(*args)
    assert time.monotonic() - start < 3
    assert code == 2
    assert len(err) < 2000, err[:300]
    assert "characters" in err  # says how long it was


def test_suggestions_never_look_at_huge_text():
    from ctcontacts.members import suggest_members
    from ctcontacts.text import close_matches
    from ctcontacts.zones import suggest_zones

    near = "Frnace" + "e" * 200
    assert close_matches(near, ["france"]) == []
    start = time.monotonic()
    assert suggest_members("Fr" * 50_000) == [] and suggest_zones("Europe/Pari" * 10_000) == []
    assert time.monotonic() - start < 1
    assert suggest_members("Frnace") == ["France (FR)"]  # a typo still gets its suggestion


# --- 6. one output path: closed, full or abandoned standard output -------------------------


def close_stdout():
    os.close(1)


OUTPUT_COMMANDS = [
    ["whois", "-c", "FR", "-n", "ftf", "--json"],  # the fast path, JSON
    ["whois", "-c", "FR", "-n", "ftf"],  # the fast path, rich
    ["networks"],  # Typer, rich
    ["networks", "--json"],  # Typer, JSON
    ["export"],  # Typer, plain text
    ["--help"],  # Click's own output
]


@pytest.mark.parametrize("args", OUTPUT_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("where", ["closed", "full"])
def test_a_closed_or_full_stdout_is_one_line_on_stderr_and_exit_2(fr, args, where):
    if where == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    kwargs = {"preexec_fn": close_stdout} if where == "closed" else {"stdout": open("/dev/full", "w")}
    result = subprocess.run(PROGRAM + args, stderr=subprocess.PIPE, text=True, env=subprocess_env(fr), **kwargs)
    errors = [line for line in result.stderr.splitlines() if not line.startswith("DEMO DATA")]
    assert result.returncode == 2, result.stderr
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    assert ("closed" if where == "closed" else "No space left") in errors[0]


def small_pipe() -> tuple[int, int]:
    r, w = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ: the output cannot fit in the pipe
    except (ImportError, OSError):
        pass
    return r, w


@pytest.mark.parametrize("args", [["export"], ["export", "--format", "csv"], ["whois", "-c", "FR", "-n", "ftf", "--json"]],
                         ids=" ".join)
def test_a_reader_that_stops_reading_ends_the_program_quietly_with_exit_2(tmp_path, cli, db_path, args):
    # Enough contacts that every output is larger than the pipe.
    many = [contact(f"fr-{i}", phones=[f"+33 1 99 00 {i // 100:02d} {i % 100:02d}"]) for i in range(120)]
    cli("import", roster_file(tmp_path, roster("FR", contacts=many)))
    r, w = small_pipe()
    proc = subprocess.Popen(PROGRAM + args, stdout=w, stderr=subprocess.PIPE, env=subprocess_env(db_path))
    os.close(w)
    assert os.read(r, 10)  # like head -c 10
    os.close(r)
    assert proc.wait(timeout=30) == 2
    assert proc.stderr.read() == b""  # no message, no "Exception ignored"


def test_the_output_path_is_the_same_in_process(fr):
    # A stream that is closed, the way an embedding program might leave it.
    saved = sys.stdout
    closed = io.StringIO()
    closed.close()
    sys.argv = ["ctcontacts", "whois", "-c", "FR", "-n", "ftf", "--json"]
    err = io.StringIO()
    saved_err = sys.stderr
    sys.stdout, sys.stderr = closed, err
    try:
        with pytest.raises(SystemExit) as exit_:
            main()
    finally:
        sys.stdout, sys.stderr = saved, saved_err
    assert exit_.value.code == 2 and err.getvalue().startswith("error: standard output is closed")


# --- 7. export --out replaces only what it should ---------------------------------------------


def exported(cli) -> str:
    result = cli("export")
    assert result.exit_code == 0
    return result.stdout


def test_export_through_a_symlink_replaces_its_target_and_keeps_the_link_and_mode(tmp_path, cli, fr):
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    assert cli("export", "--out", link).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert target.read_text() == exported(cli)
    assert (target.stat().st_mode & 0o777) == 0o640


def test_a_new_export_is_private_and_no_temporary_file_is_left_or_touched(tmp_path, cli, fr):
    out = tmp_path / "out" / "dir.json"
    out.parent.mkdir()
    bystander = out.with_name("dir.json.tmp")  # what the old code wrote to, then renamed
    bystander.write_text("someone else's")
    old = os.umask(0o022)
    try:
        assert cli("export", "--out", out).exit_code == 0
    finally:
        os.umask(old)
    assert (out.stat().st_mode & 0o777) == 0o600
    assert bystander.read_text() == "someone else's"
    assert sorted(p.name for p in out.parent.iterdir()) == ["dir.json", "dir.json.tmp"]


def test_a_failed_export_leaves_the_target_and_no_temporary_file(tmp_path, cli, fr, monkeypatch):
    out = tmp_path / "dir.json"
    out.write_text("previous export")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = cli("export", "--out", out)
    assert result.exit_code == 2 and "No space left on device" in result.stderr
    assert out.read_text() == "previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ctcontacts")] == []


def test_export_to_a_named_pipe_writes_through_and_the_pipe_stays(tmp_path, cli, fr):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Nobody reading: refused at once rather than waited on.
    result = cli("export", "--out", fifo)
    assert result.exit_code == 2 and "nobody is reading" in result.stderr
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    deadline = time.monotonic() + 10
    while True:  # until the reader has opened its end
        result = cli("export", "--out", fifo)
        if result.exit_code == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    reader.join(10)
    assert result.exit_code == 0 and got == [exported(cli).encode()]
    assert fifo.is_fifo()


def test_export_to_dev_null_writes_through_it(cli, fr):
    assert cli("export", "--out", "/dev/null").exit_code == 0
    assert Path("/dev/null").is_char_device()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_export_to_dev_full_is_a_clear_error_and_the_device_stays(cli, fr):
    result = cli("export", "--out", "/dev/full")
    assert result.exit_code == 2 and "No space left on device" in result.stderr
    assert Path("/dev/full").is_char_device()


@pytest.mark.parametrize("out, needle", [(".", "is a directory"), ("/", "is a directory"), ("", "--out is empty"),
                                         ("no/such/folder/x.json", "does not exist")])
def test_export_refuses_what_is_not_a_file(tmp_path, cli, fr, monkeypatch, out, needle):
    monkeypatch.chdir(tmp_path)
    code, stdout, err = run_main("export", "--out", out)
    assert code == 2 and needle in err and err.count("\n") == 1, err
    assert stdout == ""
