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

from ctcontacts.cli.main import main

from .conftest import contact, dump, roster, roster_file

BIG = "x" * 100_000


def run_main(*args, stdin: bytes | io.TextIOBase = b"") -> tuple[int, str, str]:
    """The real entry point (``console.main``: the fast whois, else Typer), in-process:
    exit code, stdout, stderr. A test fails on any exception it lets out."""
    saved = sys.argv, sys.stdout, sys.stderr, sys.stdin
    out, err = io.StringIO(), io.StringIO()
    sys.argv = ["ctcontacts", *map(str, args)]
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8") if isinstance(stdin, bytes) else stdin
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


# (An empty --network was already refused by whois, schedule and members: store.find_network.)
EMPTY_OPTIONS = [
    ["whois", "-c", "", "-n", "ftf"],  # the fast path
    ["whois", "-c", "", "-n", "ftf", "--json"],
    ["schedule", "--country", "", "--network", "ftf"],
    ["coverage", "--network", "ftf", "--country", ""],
    ["contacts", "--network", "ftf", "--country", ""],
    ["now", "--network", ""],
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
def test_a_huge_argument_is_answered_and_not_echoed_back(fr, args):
    # (How fast is not asserted here: tests must not depend on the machine's load. The
    # suggestions below skip such text by length, see test_suggestions_never_look_at_huge_text.)
    code, out, err = run_main(*args)
    assert code == 2
    assert len(err) < 2000, err[:300]
    assert "characters" in err  # says how long it was


def test_suggestions_never_look_at_huge_text():
    from ctcontacts.domain.members import suggest_members
    from ctcontacts.base.text import close_matches
    from ctcontacts.time.zones import suggest_zones

    near = "Frnace" + "e" * 200
    assert close_matches(near, ["france"]) == []
    import difflib

    asked = []
    original = difflib.get_close_matches
    difflib.get_close_matches = lambda word, *a, **k: asked.append(word) or original(word, *a, **k)
    try:
        assert suggest_members("Fr" * 50_000) == [] and suggest_zones("Europe/Pari" * 10_000) == []
        assert asked == []  # difflib never saw them
        assert suggest_members("Frnace") == ["France (FR)"]  # a typo still gets its suggestion
        assert asked
    finally:
        difflib.get_close_matches = original  # a typo still gets its suggestion


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


@pytest.mark.parametrize("args", [["export"], ["export", "--format", "csv"],
                                  ["whois", "-c", "FR", "-n", "ftf", "--json"]], ids=" ".join)
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


# --- 8. inputs that are not regular files, standard input, limits ------------------------------


def test_devices_pipes_sockets_and_directories_are_refused_at_once_each_with_its_reason(tmp_path, fr, monkeypatch):
    import socket

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # nobody will ever write to it
    # A socket's path is at most 107 bytes: bound by a relative name, whatever the
    # length of the temporary directory.
    monkeypatch.chdir(tmp_path)
    sock = "s.csv"
    server = socket.socket(socket.AF_UNIX)
    server.bind(sock)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    good = roster_file(tmp_path, roster("DE"), name="good.json")
    before = dump(fr)
    try:
        result = subprocess.run(PROGRAM + ["import", "--json", "/dev/zero", "/dev/urandom", str(fifo), str(sock),
                                           str(folder), str(good)],
                                capture_output=True, text=True, timeout=60, env=subprocess_env(fr), cwd=tmp_path)
    finally:
        server.close()
    assert result.returncode == 2, result.stderr
    problems = {p["file"]: p for p in json.loads(result.stdout)["problems"]}
    assert set(problems) == {"/dev/zero", "/dev/urandom", str(fifo), str(sock), str(folder)}
    assert all(p["where"] == "file" and p["field"] == "" for p in problems.values())
    assert "character device" in problems["/dev/zero"]["reason"]
    assert "named pipe" in problems[str(fifo)]["reason"] and "'-'" in problems[str(fifo)]["reason"]
    assert "socket" in problems[str(sock)]["reason"]
    assert "directory" in problems[str(folder)]["reason"]
    assert dump(fr) == before


def test_a_roster_on_standard_input_is_imported_and_recorded_like_a_file(tmp_path, cli, fr):
    import hashlib

    data = json.dumps({"format": "ctcontacts-roster/1", "rosters": [roster("DE")]}).encode()
    code, out, err = run_main("import", "-", "--json", stdin=data)
    assert code == 0, err
    report = json.loads(out)
    assert report["files"] == [{"name": "<stdin>", "sha256": hashlib.sha256(data).hexdigest(), "format": "json",
                                "bytes": len(data)}]
    assert json.loads(cli("history", "--json").stdout)[0]["files"] == report["files"]
    assert json.loads(cli("whois", "-c", "DE", "-n", "ftf", "--json").stdout)["on_duty"]


def test_standard_input_is_sniffed_csv_or_json_and_the_same_bytes_again_are_recognised_unparsed(
        tmp_path, cli, fr, monkeypatch):
    csv_text = "network,member,id,name,phones,timezone,duty\nftf,GB,gb-desk,Desk,+44 20 7946 0101,Europe/London,24/7\n"
    code, out, err = run_main("import", "-", "--json", stdin=csv_text.encode())
    assert code == 0, err
    assert json.loads(out)["files"][0]["format"] == "csv"
    from ctcontacts.directory import importer

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(importer, "read_and_validate", no_parsing)
    code, out, err = run_main("import", "-", "--json", stdin=csv_text.encode())
    assert code == 0, err
    assert json.loads(out)["rosters"][0]["unchanged"] is True


def test_a_calendar_on_standard_input_is_sniffed(tmp_path, cli, fr):
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1@example.org\r\n"
           "DTSTAMP:20261101T000000Z\r\nDTSTART:20261201T080000Z\r\nDTEND:20261201T200000Z\r\n"
           "SUMMARY:fr-desk\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    code, out, err = run_main("import", "-", "--json", "--network", "ftf", "--country", "FR", stdin=ics.encode())
    assert code == 0, err
    assert json.loads(out)["files"][0]["format"] == "ics"


def test_format_option_overrides_the_extension(tmp_path, cli, fr):
    path = tmp_path / "export.json"  # a CSV, misnamed
    path.write_text("network,member,id,name,phones,timezone,duty\n"
                    "ftf,GB,gb-desk,Desk,+44 20 7946 0101,Europe/London,24/7\n")
    assert cli("import", path).exit_code == 2
    result, doc = cli.json("import", path, "--format", "CSV")
    assert result.exit_code == 0 and doc["files"][0]["format"] == "csv"
    result = cli("import", path, "--format", "xml")
    assert result.exit_code == 2 and "--format 'xml'" in result.stderr


def test_standard_input_may_be_named_once(fr):
    code, out, err = run_main("import", "-", "-", stdin=b"{}")
    assert code == 2 and "only once" in err


def test_a_closed_or_terminal_standard_input_is_refused_not_waited_on(fr):
    class Terminal(io.TextIOWrapper):
        def isatty(self):
            return True

    code, out, err = run_main("import", "-", stdin=Terminal(io.BytesIO(b"")))
    assert code == 2 and "<stdin>: file: standard input is a terminal" in err
    code, out, err = run_main("import", "-", stdin=None)
    assert code == 2 and "standard input is closed" in err


class Endless(io.RawIOBase):
    """Standard input that never ends (/dev/zero through a pipe), counting what is read."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, b):
        n = len(b)
        b[:n] = b"{" * n
        self.read_bytes += n
        return n


def test_standard_input_is_read_up_to_its_limit_and_one_byte(fr, monkeypatch):
    from ctcontacts.base import limits

    monkeypatch.setattr(limits, "MAX_WHOLE_FILE_BYTES", 5000)
    raw = Endless()
    stdin = io.TextIOWrapper(io.BufferedReader(raw, buffer_size=1))  # (no read-ahead: an exact count)
    code, out, err = run_main("import", "-", stdin=stdin)
    assert code == 2 and "standard input holds more than 5,000 bytes" in err
    assert raw.read_bytes == 5001


def test_files_above_the_limits_are_refused_with_the_limit(tmp_path, fr, monkeypatch):
    from ctcontacts.base import limits

    monkeypatch.setattr(limits, "MAX_WHOLE_FILE_BYTES", 1000)
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 2000)
    big_json = roster_file(tmp_path, roster("DE", contacts=[contact(f"de-{i}") for i in range(14)]), name="big.json")
    rows = [f"ftf,DE,de-{i},Desk {i},+49 30 901820{i % 10},Europe/Berlin,24/7\n" for i in range(40)]
    csv_ok = tmp_path / "ok.csv"
    csv_ok.write_text("network,member,id,name,phones,timezone,duty\n" + "".join(rows[:20]))
    csv_big = tmp_path / "big.csv"
    csv_big.write_text("network,member,id,name,phones,timezone,duty\n" + "".join(rows))
    assert 1000 < big_json.stat().st_size < 2000 and 1000 < csv_ok.stat().st_size < 2000 and csv_big.stat().st_size > 2000
    code, out, err = run_main("import", "--dry-run", big_json, csv_ok, csv_big)
    assert code == 2
    lines = err.splitlines()
    # JSON is read a roster at a time: only a roster longer than a file read whole could be is refused.
    assert any(line.startswith(f"{big_json}: file: ") and "a JSON value of more than 1,000 characters"
               in line for line in lines), err
    assert any(line.startswith(f"{csv_big}: file: ") and "2,000 bytes" in line for line in lines), err
    assert not any(line.startswith(f"{csv_ok}:") for line in lines), err  # CSV is read row by row: no whole-file limit
    code, out, err = run_main("import", "-", stdin=big_json.read_bytes())
    assert code == 2 and "more than 1,000 bytes" in err


def test_a_file_that_changes_while_it_is_read_is_refused(tmp_path):
    from ctcontacts.formats.files import Inputs, Refused

    path = roster_file(tmp_path, roster("DE"))
    with Inputs().open(str(path)) as f:
        first = f.stream.read()
        with open(path, "ab") as w:
            w.write(b" " * 10)  # appended after the open: not read
        assert f.stream.read() == b"" and len(first) == f.size
        with pytest.raises(Refused, match="changed while it was read"):
            f.check_unchanged()


def test_a_file_is_read_once_and_hashed_as_it_is_read(tmp_path):
    """The bytes hashed (and verified against a signature) are the bytes the reader
    parsed: the source is read once, front to back; the head a reader looks at first
    is served again from memory."""
    import hashlib

    from ctcontacts.formats.files import Inputs
    from ctcontacts.formats.readers import HEAD, read_file

    rows = "".join(f"ftf,DE,de-{i},Desk {i},+49 30 901820{i % 10},Europe/Berlin,24/7\n" for i in range(4000))
    path = tmp_path / "big.csv"
    path.write_text("network,member,id,name,phones,timezone,duty\n" + rows)
    data = path.read_bytes()
    assert len(data) > 2 * HEAD
    for fmt in ("csv", "json"):
        if fmt == "json":
            path = roster_file(tmp_path, roster("DE", contacts=[contact(f"de-{i}", notes="n" * 900)
                                                                 for i in range(200)]), name="big.json")
            data = path.read_bytes()
        with Inputs().open(str(path)) as f:
            source = f.stream._source
            taken = []
            real = source.read
            source.read = lambda n=-1: taken.append(real(n)) or taken[-1]
            raw = read_file(f.name, f.stream, fmt=fmt)
            assert f.sha256() == hashlib.sha256(data).hexdigest() and not f.stream.reread
            assert b"".join(taken) == data  # every byte read from the file once, in order
        assert not raw.problems and len(raw.rosters[0].contacts) in (4000, 200)


# --- 9. a key given twice in a JSON roster ------------------------------------------------------


def write_text(tmp_path, text: str, name="dup.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CONTACT = '"name": "Desk", "phones": ["+33 1 99 00 12 34"], "timezone": "Europe/Paris", "duty": ["24/7"]'


def test_a_key_given_twice_is_refused_naming_the_key_and_its_path(tmp_path, cli, db_path):
    path = write_text(tmp_path, '{"format": "ctcontacts-roster/1", "rosters": [{"network": "ftf", "member": "FR", '
                                '"contacts": [{"id": "fr-desk", "id": "fr-other", ' + CONTACT + '}]}]}')
    result, doc = cli.json("import", path)
    assert result.exit_code == 2
    assert doc["problems"] == [{"file": str(path), "where": "rosters[0].contacts[0]", "field": "id",
                                "reason": 'the key "id" appears twice in this object; give it once'}]
    assert not db_path.exists()


def test_keys_given_twice_are_found_at_every_depth_and_reported_with_the_other_problems(tmp_path, cli, fr):
    before = dump(fr)
    text = ('{"format": "ctcontacts-roster/1", "format": "ctcontacts-roster/1",'
            ' "networks": [{"code": "cyber", "name": "Cyber", "fallback": "org:coe", "fallback": "FR"}],'
            ' "rosters": [{"network": "ftf", "member": "DE", "member": "FR", "contacts": ['
            '   {"id": "fr-a", ' + CONTACT + '},'
            '   {"id": "fr-b", "name": "B", "phones": ["+33 1 99 00 12 35"], "phones": ["+44 20 7946 0101"],'
            '    "phones": ["+33 1 99 00 12 36"], "timezone": "Europe/Berln",'
            '    "duty": ["24/7", {"off": "2026-12-24/2026-12-27", "off": "2026-12-31/2027-01-02"}]}]}]}')
    result, doc = cli.json("import", write_text(tmp_path, text))
    assert result.exit_code == 2
    repeated = [(p["where"], p["field"], p["reason"].split(" in this")[0]) for p in doc["problems"]
                if "appears" in p["reason"]]
    assert repeated == [
        ("$", "format", 'the key "format" appears twice'),
        ("networks[0]", "fallback", 'the key "fallback" appears twice'),
        ("rosters[0]", "member", 'the key "member" appears twice'),
        ("rosters[0].contacts[1]", "phones", 'the key "phones" appears 3 times'),
        ("rosters[0].contacts[1].duty[1]", "off", 'the key "off" appears twice'),
    ]
    assert any(p["field"] == "timezone" and "Europe/Berlin" in p["reason"] for p in doc["problems"])  # and the rest
    assert dump(fr) == before


def test_a_repeat_deep_in_an_unknown_field_is_found_without_exhausting_the_stack(tmp_path, cli):
    deep = "[" * 400 + '{"a": 1, "a": 2}' + "]" * 400
    text = ('{"format": "ctcontacts-roster/1", "rosters": [{"network": "ftf", "member": "FR", "contacts": ['
            '{"id": "fr-a", "extra": ' + deep + ', ' + CONTACT + '}]}]}')
    result, doc = cli.json("import", write_text(tmp_path, text))
    assert result.exit_code == 2
    where = "rosters[0].contacts[0].extra" + "[0]" * 400
    assert {"file": str(tmp_path / "dup.json"), "where": where, "field": "a",
            "reason": 'the key "a" appears twice in this object; give it once'} in doc["problems"]


# --- 10. a missing or empty database is not a healthy one ----------------------------------------


READS = [
    ["whois", "-c", "FR", "-n", "ftf"],
    ["whois", "-c", "FR", "-n", "ftf", "--json"],
    ["now", "--network", "ftf"],
    ["check"],
    ["check", "--json"],
    ["schedule", "-c", "FR", "-n", "ftf"],
    ["coverage", "-n", "ftf"],
    ["networks"],
    ["members", "-n", "ftf"],
    ["contacts", "-n", "ftf", "-c", "FR"],
    ["search", "desk"],
    ["history"],
    ["export"],
    ["rollback", "1"],
    ["confirm", "-c", "FR", "-n", "ftf"],
]


def sqlite_without_tables(path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 7")  # a valid SQLite file, with no table at all
    conn.commit()
    conn.close()


@pytest.mark.parametrize("args", READS, ids=" ".join)
@pytest.mark.parametrize("state", ["missing", "0 bytes", "no tables"])
def test_reading_a_missing_or_empty_database_is_exit_3_and_creates_nothing(tmp_path, args, state):
    db = tmp_path / "ctcontacts.storage.db"  # (CTCONTACTS_DB, from conftest)
    if state == "0 bytes":
        db.write_bytes(b"")
    elif state == "no tables":
        sqlite_without_tables(db)
    before = db.read_bytes() if db.exists() else None
    code, out, err = run_main(*args)
    assert code == 3, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert ("there is no database" if state == "missing" else "is empty") in err
    assert "import a roster" in err and "backup" in err
    assert (db.read_bytes() if db.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ctcontacts.storage.db")) == (
        [] if state == "missing" else ["ctcontacts.storage.db"])


def test_a_dry_run_into_an_empty_database_changes_nothing_and_a_real_import_creates_it(tmp_path, cli, db_path):
    db_path.write_bytes(b"")
    path = roster_file(tmp_path, roster("FR"))
    assert cli("import", path, "--dry-run").exit_code == 0
    assert db_path.read_bytes() == b""
    assert cli("import", path).exit_code == 0
    assert cli("whois", "-c", "FR", "-n", "ftf").exit_code == 0
    assert cli("check").exit_code in (0, 1)
    # The demo, too, loads into an empty file.
    demo = tmp_path / "demo.db"
    demo.write_bytes(b"")
    code, out, err = run_main("--db", demo, "demo")
    assert code == 0, err
    assert run_main("--db", demo, "whois", "-c", "FR", "-n", "ftf", "--json")[0] in (0, 1)


@pytest.mark.parametrize("args", [["--db", "", "whois", "-c", "FR", "-n", "ftf"],
                                  ["--db=", "whois", "-c", "FR", "-n", "ftf", "--json"],
                                  ["whois", "-c", "FR", "-n", "ftf", "--db", ""],
                                  ["--db", "", "check"],
                                  ["check", "--db", ""],
                                  ["--db", "", "demo"]],
                         ids=" ".join)
def test_an_empty_db_option_is_a_usage_error(tmp_path, fr, args):
    code, out, err = run_main(*args)
    assert code == 2 and "--db is empty" in err and err.count("\n") == 1, err
    assert not (tmp_path / "home" / "config" / "ctcontacts").exists()


@pytest.mark.parametrize("args", [["whois", "-c", "FR", "-n", "ftf"], ["check"], ["import", "x.json"], ["demo"]],
                         ids=" ".join)
def test_an_empty_ctcontacts_db_variable_is_a_usage_error_not_the_default_directory(tmp_path, monkeypatch, args):
    monkeypatch.setenv("CTCONTACTS_DB", "")
    code, out, err = run_main(*args)
    assert code == 2 and "CTCONTACTS_DB is set but empty" in err, err
    assert not (tmp_path / "home" / "config" / "ctcontacts").exists()


def test_a_database_path_that_is_not_a_file_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    for db in (fifo, tmp_path, "/dev/null"):
        for args in (["whois", "-c", "FR", "-n", "ftf", "--json"], ["check"],
                     ["import", str(roster_file(tmp_path, roster("FR")))]):
            result = subprocess.run(PROGRAM + ["--db", str(db), *args], capture_output=True, text=True, timeout=60,
                                    env=os.environ.copy())
            assert result.returncode == 3 and "not a database file" in result.stderr, (db, args, result.stderr)
    assert fifo.is_fifo() and Path("/dev/null").is_char_device()


# --- the whole command line, with arbitrary values ------------------------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

HUGE_VALUES = ["x" * 100_000, "9" * 100_000, "é" * 50_000, "a b," * 25_000]
PLAIN = ["FR", "France", "Frnace", "org:coe", "EU", "ftf", "vot", "iactn", "nope", "Europe/Paris", "Pari",
         "2026-12-24T03:00+01:00", "2026-12-24T03:00", "2026-02-30T03:00", "now", "json", "csv", "ics", "vcf",
         "fr", "pt-BR", "7", "0", "-1", "366", "3661", "99999999999999999999", "fr-desk", "-", "--json", " ",
         "\x1b[31m", "\u202e", "\udcff", "\n", "\t"]
text_values = st.one_of(
    st.just(""),
    st.sampled_from(PLAIN),
    st.sampled_from(HUGE_VALUES),
    st.text(st.characters(blacklist_characters="\x00"), max_size=12),  # (argv cannot hold NUL)
)


def inside(text: str) -> str:
    """Any text as a path that, relative to the test's directory, stays inside it."""
    return text.lstrip("/~").replace("..", "__") or "x"


@st.composite
def command_lines(draw, places: dict) -> list[str]:
    # Paths something may be written to: only inside tmp_path, or the odd places that
    # are refused (/, /dev/null is written through, a FIFO nobody reads is refused).
    writable = st.one_of(
        st.sampled_from(["", ".", "/", "/dev/null", "-", "out.json", "no/such/folder/x.json", places["dir"],
                         places["fifo"], places["file"], places["empty_db"], places["demo_db"]]),
        st.text(st.characters(blacklist_characters="\x00"), max_size=12).map(inside),
        st.sampled_from(HUGE_VALUES[:1]),
    )
    readable = st.one_of(writable, st.sampled_from(["/dev/zero", "/dev/urandom", places["roster"],
                                                    places["bad_roster"], places["calendar"]]), text_values)
    kinds = {"text": text_values, "out": writable, "db": writable, "file": readable}
    name = draw(st.sampled_from(sorted(COMMANDS)))
    spec = COMMANDS[name]
    argv = [name]
    for i, kind in enumerate(spec["args"]):
        if i == 0 or draw(st.booleans()):
            argv.append(draw(kinds[kind]))
    for option, kind in spec["options"]:
        # A required option is nearly always given, with a plausible value half the
        # time (else every line would stop at 'missing option'); others in a third.
        required = option in spec["required"]
        if draw(st.integers(0, 9)) >= (9 if required else 3):
            continue
        if kind is None:
            argv.append(option)
            continue
        plausible = [places["demo_db"]] if option == "--db" else PLAUSIBLE.get(option)
        if plausible and draw(st.booleans()):
            argv += [option, draw(st.sampled_from(plausible))]
        else:
            argv += [option, draw(kinds[kind])]
    if draw(st.integers(0, 3)) == 0:
        argv[:0] = ["--db", draw(writable)]
    return argv


PLAUSIBLE = {"-c": ["FR", "ES", "org:coe", "Spain", "XK"], "-n": ["ftf", "vot", "iactn", "FTF"],
             "--at": ["2026-12-24T03:00+01:00", "now", "2026-11-29T02:00"], "--from": ["2026-12-24T03:00"],
             "--tz": ["Europe/Paris", "UTC", "America/New_York"], "--speaks": ["fr", "en"], "--days": ["1", "30"],
             "--format": ["json", "csv", "ics", "vcf"], "--out": ["out.json", "/dev/null"], "--limit": ["3"],
             "--contact": ["fr-desk"]}


def command(options: str, required: str = "", args: str = "") -> dict:
    """``"-c:text --json"``: options with the kind of value they take (none: a flag)."""
    pairs = [tuple(o.split(":")) if ":" in o else (o, None) for o in options.split()]
    return {"options": pairs, "required": required.split(), "args": args.split()}


LOOKUP = "--at:text --tz:text --json --db:db"
WINDOW = "--from:text --days:text --tz:text --json --db:db"
COMMANDS = {
    "whois": command("-c:text -n:text --speaks:text " + LOOKUP, required="-c -n"),
    "import": command("-n:text -c:text --dry-run --strict-reach --accept-reach-changes --contact:text "
                      "--format:text --quiet --json --db:db", args="file file"),
    "history": command("-n:text -c:text --limit:text --json --db:db"),
    "rollback": command("--force --json --db:db", args="text"),
    "confirm": command("-c:text -n:text --contact:text --db:db", required="-c -n"),
    "demo": command("--db:db"),
    "now": command("-n:text --all-networks --speaks:text " + LOOKUP, required="-n"),
    "schedule": command("-c:text -n:text " + WINDOW, required="-c -n"),
    "coverage": command("-n:text -c:text " + WINDOW, required="-n"),
    "check": command("--json --db:db"),
    "networks": command("--json --db:db"),
    "members": command("-n:text --json --db:db", required="-n"),
    "contacts": command("-n:text -c:text --json --db:db", required="-n -c"),
    "search": command("--limit:text --json --db:db", args="text"),
    "export": command("--format:text -n:text -c:text --out:out --from:text --days:text --tz:text --db:db"),
}


@pytest.fixture
def places(tmp_path, monkeypatch):
    demo_db = tmp_path / "demo.db"
    assert run_main("--db", demo_db, "demo")[0] == 0
    monkeypatch.setenv("CTCONTACTS_DB", str(demo_db))
    monkeypatch.chdir(tmp_path)  # every relative path lands in here
    folder = tmp_path / "folder"
    folder.mkdir()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    existing = tmp_path / "existing.json"
    existing.write_text("{}")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    calendar = tmp_path / "rota.ics"
    calendar.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ctcontacts-roster/1", "rosters": [{"network": "ftf", "member": "FR", "member": "DE"}]}')
    return {"dir": str(folder), "fifo": str(fifo), "file": str(existing), "empty_db": str(empty),
            "demo_db": str(demo_db), "roster": str(roster_file(tmp_path, roster("FR", demo=True), name="fr.json")),
            "bad_roster": str(bad), "calendar": str(calendar)}


STDIN_VALUES = [b"", b"{", b"\x00\xff" * 10, json.dumps({"format": "ctcontacts-roster/1", "rosters": []}).encode()]


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_no_command_line_traces_back_hangs_or_changes_the_database_when_it_fails(places, data):
    argv = data.draw(command_lines(places), label="argv")
    stdin = data.draw(st.sampled_from(STDIN_VALUES), label="stdin")
    demo_db = places["demo_db"]
    before = dump(demo_db)
    code, out, err = run_main(*argv, stdin=stdin)  # any uncaught exception fails the test
    from hypothesis import event
    event(f"{argv[0] if argv[0] != '--db' else argv[2]} -> {code}")
    allowed = {0, 1, 2, 3, 4} if "check" in argv else {0, 1, 2, 3}
    assert code in allowed, (code, err[-500:])
    assert "Traceback" not in err
    assert len(err) < 20_000, err[:500]  # nothing echoes a 100 kB value back
    if code != 0:
        assert dump(demo_db) == before, argv
    # Relative paths land in the test's directory; of the absolute ones drawn, /dev/null
    # is the one a careless export would replace (as root, a rename replaces the node).
    assert Path("/dev/null").is_char_device()


# --- 12. export refuses a selection whois would refuse ------------------------------------------


def test_export_of_an_unknown_network_or_a_member_without_roster_is_a_usage_error(cli, fr):
    result = cli("export", "--network", "nope")
    assert result.exit_code == 2 and result.stdout == ""
    assert "unknown network 'nope'" in result.stderr and "ftf" in result.stderr
    result = cli("export", "--network", "vot", "--country", "FR")
    assert result.exit_code == 2 and "France (FR) has no roster in vot" in result.stderr
    result = cli("export", "--country", "JP")
    assert result.exit_code == 2 and "Japan (JP) has no roster in any network" in result.stderr
    # What whois accepts, export accepts: any case, and the network's name.
    doc = json.loads(cli("export", "--network", "FTF", "--country", "France").stdout)
    assert [(r["network"], r["member"]) for r in doc["rosters"]] == [("ftf", "FR")]


def test_history_limit_below_one_is_a_usage_error_not_one_entry(fr):
    for limit in ("0", "-3"):
        code, out, err = run_main("history", "--limit", limit, "--json")
        assert code == 2 and "--limit" in err and out == "", (limit, out, err)
