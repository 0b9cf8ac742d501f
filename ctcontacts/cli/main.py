"""The typer-free half of the command line: how outcomes reach the user, and the
``whois`` lookup itself, which runs without loading Typer or Click at all.

An emergency lookup is typed under stress; Typer and Click alone take longer to
import than everything ``whois --json`` needs. ``main`` therefore answers a plain
``whois`` itself (the same function the Typer command calls) and hands every other
command line, and anything it does not recognise, to Typer.
"""

from __future__ import annotations

import json
import os
import sys

from ..base.errors import CtContactsError, InvalidInput, OutputError

# Neither typing nor pathlib is imported here: this module is on the path of every
# lookup, and the two cost about 7 ms of a 50 ms budget. Paths are strings.
_state: dict = {"db": None, "path": None}


def app_dir() -> str:
    """The per-user directory, where Click's ``get_app_dir`` puts it (POSIX: XDG)."""
    home = os.path.expanduser("~")
    if sys.platform.startswith("win"):
        return os.path.join(os.environ.get("APPDATA", home), "ctcontacts")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Application Support", "ctcontacts")
    return os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "ctcontacts")


def _path(db: str | os.PathLike | None) -> str:
    from ..storage.db import resolve_path

    path = resolve_path(db if db is not None else _state["db"], app_dir())
    _state["path"] = path
    return path


def _run(call, as_json: bool = False, quiet: bool = False):
    """Run one core call; any ``CtContactsError`` (or SQLite failure) becomes one plain
    sentence on stderr and the contract's exit code. No traceback reaches a user."""
    import sqlite3

    try:
        return call()
    except CtContactsError as e:
        _fail(e, as_json, quiet)
    except sqlite3.DatabaseError as e:
        from ..storage.db import _as_database_error

        _fail(_as_database_error(e, _state["path"] or "?"), as_json)
    raise AssertionError("unreachable")  # pragma: no cover


def _fail(error: CtContactsError, as_json: bool = False, quiet: bool = False) -> None:
    err = sys.stderr
    if isinstance(error, InvalidInput):
        for p in error.problems:
            err.write(f"{_plain(p)}\n")
        if error.dropped:
            err.write(f"... and more problems, not listed: fix these first ({len(error.problems):,} listed).\n")
        if as_json:
            # ASCII escapes: problems quote file content, which must not steer a terminal.
            doc = {"ok": False, "problems": [p.as_dict() for p in error.problems], "more_problems": error.dropped > 0}
            sys.stdout.write(json.dumps(doc, ensure_ascii=True, indent=2) + "\n")
    report = getattr(error, "report", None)
    if report is not None:
        if as_json:
            doc = report.as_dict() | {"ok": False, "refused": "reach", "refused_import_id": error.import_id}
            sys.stdout.write(json.dumps(doc, ensure_ascii=True, indent=2) + "\n")
        elif not quiet:
            from . import render

            render.import_report(report, render.stdout())
    err.write(f"error: {_plain(error)}\n")
    raise SystemExit(error.exit_code)


def _plain(value: object) -> str:
    from ..base.text import safe

    return safe(value)


def _print_json(doc: object, ascii_only: bool = True) -> None:
    """JSON on stdout. ASCII escapes unless the content was validated for display
    (file names and problems quote whatever a file held)."""
    sys.stdout.write(json.dumps(doc, ensure_ascii=ascii_only, indent=2) + "\n")


def member_option(country: str | None) -> str | None:
    """``--country``: a member code, ``None`` when the option was not given. An empty
    value is an unknown member, never "no filter"."""
    from ..domain.members import resolve_member

    return resolve_member(country) if country is not None else None


def whois_command(*, country: str, network: str, at: str | None, tz: str | None, speaks: str | None,
                  as_json: bool, db: str | None) -> int:
    """``ctcontacts whois``: print the answer; the exit code is 0 if someone is on duty, else 1."""
    from ..time import clock
    from ..storage.db import connect
    from ..views.whois import speaks_option
    from ..views.whois import whois as ask

    def call():
        user = clock.zone_option(tz)
        instant = clock.parse_when(at, user)
        member = member_option(country)
        conn = connect(_path(db))
        return user, ask(conn, network, member, instant, clock.now(), speaks=speaks_option(speaks))

    user, answer = _run(call)
    if as_json:
        # Scripts get plain JSON and plain warnings: no rich on this path.
        for w in answer.warnings:
            sys.stderr.write(f"{'' if w.startswith('DEMO DATA') else 'warning: '}{_plain(w)}\n")
        _print_json(answer.to_json(), ascii_only=False)
    else:
        from . import render

        render.warnings(answer.warnings, render.stderr())
        render.whois(answer, user, render.stdout())
    return 0 if answer.on_duty else 1


_WHOIS_VALUES = {"--country": "country", "-c": "country", "--network": "network", "-n": "network",
                 "--at": "at", "--tz": "tz", "--speaks": "speaks", "--db": "db"}


def _fast_whois(argv: list[str]) -> dict | None:
    """The options of a plain ``[--db PATH] whois ...`` command line, or ``None`` for
    anything else (help, unknown or repeated options): Typer then handles it."""
    args = list(argv)
    opts: dict = {"as_json": False}
    while args and args[0] != "whois":
        head = args.pop(0)
        if head == "--db" and args:
            opts["db"] = args.pop(0)
        elif head.startswith("--db="):
            opts["db"] = head[5:]
        else:
            return None
    if not args:
        return None
    args.pop(0)
    while args:
        head = args.pop(0)
        if head == "--json" and not opts["as_json"]:
            opts["as_json"] = True
            continue
        name, eq, value = head.partition("=")
        key = _WHOIS_VALUES.get(name)
        if key is None or (eq and not name.startswith("--")):
            return None
        if not eq:
            if not args or (args[0].startswith("-") and key != "at"):
                return None  # a missing value: Typer says so
            value = args.pop(0)
        if key in opts and key != "db":
            return None
        opts[key] = value
    if "country" not in opts or "network" not in opts:
        return None
    return opts


class _Output:
    """``sys.stdout`` while ``main`` runs: every write of every command (JSON, rich
    tables, Typer's help) goes through here, so a closed, full or broken standard output
    is one ``OutputError`` for ``main`` to report, not an ``OSError`` that Click, rich
    and the interpreter each treat their own way (Click exits 1 on a broken pipe, rich
    prints to nowhere when stdout is closed, the interpreter traces back at exit)."""

    def __init__(self, stream):
        self.stream = stream  # None when the program was started with stdout closed

    def write(self, text: str) -> int:
        stream = self.stream
        if stream is None:
            if not isinstance(text, str):
                raise TypeError("write() argument must be str")  # how Click tells a text stream
            if not text:
                return 0
            raise _output_error(None)
        try:
            buffer = getattr(stream, "buffer", None) if isinstance(text, str) else None
            if buffer is None:
                return stream.write(text)
            # Bytes through the binary buffer, each one accounted for: when the kernel
            # cuts a write short because the reader left, CPython's text layer drops
            # the rest and reports success; written here, the rest meets EPIPE.
            if os.linesep != "\n":
                text = text.replace("\n", os.linesep)
            data = memoryview(text.encode(self.encoding, self.errors))
            while data:
                n = buffer.write(data)
                if n is None:
                    break
                data = data[n:]
            if getattr(stream, "line_buffering", False):
                buffer.flush()
            return len(text)
        except UnicodeError as e:
            raise OutputError(f"standard output cannot show this text ({e.reason}, encoding {self.encoding}); "
                              "set PYTHONIOENCODING=utf-8.") from None
        except (OSError, ValueError) as e:  # ValueError: the stream was closed
            raise _output_error(e) from None

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.stream is None:
            return
        try:
            self.stream.flush()
        except (OSError, ValueError) as e:
            raise _output_error(e) from None

    def isatty(self) -> bool:
        try:
            return self.stream is not None and self.stream.isatty()
        except (OSError, ValueError):
            return False

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        return getattr(self.stream, "errors", None) or "strict"

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


class _Errors(_Output):
    """``sys.stderr`` while ``main`` runs: a message that cannot be written is dropped
    (there is nowhere left to say anything; the exit code still tells)."""

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except OutputError:
            _silence(self.stream)
            return len(text)

    def flush(self) -> None:
        try:
            super().flush()
        except OutputError:
            _silence(self.stream)


def _output_error(e: BaseException | None) -> OutputError:
    import errno

    code = getattr(e, "errno", None)
    if code == errno.EPIPE:
        # The reader (head, less) has all it wanted: nothing to say, but the output is cut.
        return OutputError("standard output was closed by its reader", quiet=True)
    if e is None or code == errno.EBADF or not isinstance(e, OSError) or code is None:
        return OutputError("standard output is closed, so nothing could be printed; "
                           "run the command with its output going to a terminal, a file or a pipe.")
    return OutputError(f"cannot write to standard output ({e.strerror or e}); "
                       "free some space or send the output elsewhere.")


def _silence(stream) -> None:
    """Point a failed stream's file descriptor at /dev/null and drop what it still
    holds, so that the interpreter's last flush at exit succeeds without a word."""
    try:
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
        stream.flush()
    except (AttributeError, OSError, ValueError):
        pass


def _dispatch(argv: list[str]):
    """Run one command line; its exit code."""
    opts = _fast_whois(argv)
    if opts is None:
        from .app import run

        return run()
    return whois_command(country=opts["country"], network=opts["network"], at=opts.get("at"), tz=opts.get("tz"),
                         speaks=opts.get("speaks"), as_json=opts["as_json"], db=opts.get("db"))


def main() -> None:
    """The program: the fast ``whois``, else the Typer app, with one output path for
    both. A closed or full standard output is one line on stderr and exit 2; a reader
    that stopped reading (``| head``) ends it quietly, also with exit 2."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Output(out), _Errors(err)
    _state.update(db=None, path=None)
    try:
        try:
            code = _dispatch(sys.argv[1:])
        except SystemExit as e:
            code = e.code
        sys.stdout.flush()  # here, not at exit: a full disk is found while it can be reported
    except OutputError as e:
        if not e.quiet:
            sys.stderr.write(f"error: {_plain(e)}\n")
        _silence(out)
        code = e.exit_code
    except KeyboardInterrupt:
        # Ctrl-C: the user stopped it. No traceback; the shell's code for an interrupt.
        # (An import or other write is one transaction: it happened whole or not at all.)
        err.write("interrupted.\n")
        _silence(out)
        code = 130
    finally:
        sys.stdout, sys.stderr = out, err
    raise SystemExit(code)
