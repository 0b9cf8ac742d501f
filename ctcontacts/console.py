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

from .errors import CtContactsError, InvalidInput

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
    from .db import resolve_path

    path = resolve_path(db or _state["db"], app_dir())
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
        from .db import _as_database_error

        _fail(_as_database_error(e, _state["path"] or "?"), as_json)
    raise AssertionError("unreachable")  # pragma: no cover


def _fail(error: CtContactsError, as_json: bool = False, quiet: bool = False) -> None:
    err = sys.stderr
    if isinstance(error, InvalidInput):
        for p in error.problems:
            err.write(f"{_plain(p)}\n")
        if as_json:
            # ASCII escapes: problems quote file content, which must not steer a terminal.
            sys.stdout.write(json.dumps({"ok": False, "problems": [p.as_dict() for p in error.problems]},
                                        ensure_ascii=True, indent=2) + "\n")
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
    from .text import safe

    return safe(value)


def _print_json(doc: object, ascii_only: bool = True) -> None:
    """JSON on stdout. ASCII escapes unless the content was validated for display
    (file names and problems quote whatever a file held)."""
    sys.stdout.write(json.dumps(doc, ensure_ascii=ascii_only, indent=2) + "\n")


def member_option(country: str | None) -> str | None:
    """``--country``: a member code, ``None`` when the option was not given. An empty
    value is an unknown member, never "no filter"."""
    from .members import resolve_member

    return resolve_member(country) if country is not None else None


def whois_command(*, country: str, network: str, at: str | None, tz: str | None, speaks: str | None,
                  as_json: bool, db: str | None) -> int:
    """``ctcontacts whois``: print the answer; the exit code is 0 if someone is on duty, else 1."""
    from . import clock
    from .db import connect
    from .whois import speaks_option
    from .whois import whois as ask

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


def main() -> None:
    opts = _fast_whois(sys.argv[1:])
    if opts is not None:
        db = opts.pop("db", None)
        raise SystemExit(whois_command(country=opts["country"], network=opts["network"], at=opts.get("at"),
                                       tz=opts.get("tz"), speaks=opts.get("speaks"), as_json=opts["as_json"],
                                       db=db or None))
    from .cli import app

    app(prog_name="ctcontacts")
