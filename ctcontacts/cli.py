"""The command line: parse options, call one core function, render, exit.

Heavy modules (rich, sqlite-utils, phonenumbers, pycountry, dateutil) are
imported inside the commands that need them, so a lookup starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .errors import CtContactsError, InvalidInput

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Whom to call right now in a 24/7 counter-terrorism contact network.\n\n"
    "Example: ctcontacts whois --country FR --network ftf",
)

_state: dict[str, Optional[Path]] = {"db": None}

DB_HELP = "Database file (default: $CTCONTACTS_DB, else ctcontacts.db in your app data directory)."


def _version(value: bool) -> None:
    if value:
        from . import __version__
        from .zones import tz_version

        typer.echo(f"ctcontacts {__version__} (time-zone database {tz_version()})")
        raise typer.Exit()


@app.callback()
def main_options(
    db: Optional[Path] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Print the version and the time-zone database release."),
) -> None:
    _state["db"] = db


def _path(db: Optional[Path]) -> Path:
    from .db import resolve_path

    return resolve_path(db or _state["db"], typer.get_app_dir("ctcontacts"))


def _fail(error: CtContactsError, as_json: bool = False) -> None:
    err = sys.stderr
    if isinstance(error, InvalidInput):
        for p in error.problems:
            err.write(f"{_plain(p)}\n")
        if as_json:
            # ASCII escapes: problems quote file content, which must not steer a terminal.
            sys.stdout.write(json.dumps({"ok": False, "problems": [p.as_dict() for p in error.problems]},
                                        ensure_ascii=True, indent=2) + "\n")
    err.write(f"error: {_plain(error)}\n")
    raise typer.Exit(error.exit_code)


def _plain(value: object) -> str:
    from .text import safe

    return safe(value)


def _db_error(e: Exception, path: Path) -> CtContactsError:
    from .db import _as_database_error

    return _as_database_error(e, path)


@app.command()
def whois(
    country: str = typer.Option(..., "--country", "-c", help="Member: FR, FRA, 250, France, UK, EU, org:coe …"),
    network: str = typer.Option(..., "--network", "-n", help="Network code, e.g. ftf, vot, iactn."),
    at: Optional[str] = typer.Option(None, "--at", metavar="WHEN",
                                     help="ISO 8601 instant (2026-12-24T03:00+01:00) or local time read in --tz. Default: now."),
    tz: Optional[str] = typer.Option(None, "--tz", metavar="ZONE", help="Your IANA zone for --at and display. Default: your system zone."),
    speaks: Optional[str] = typer.Option(None, "--speaks", metavar="LANG", help="Only contacts who speak this language (ISO 639-1, e.g. en)."),
    as_json: bool = typer.Option(False, "--json", help="Print the contract's JSON on stdout."),
    db: Optional[Path] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Who is on duty for a member now (or --at WHEN), how to reach them, until when, who is next.

    Example: ctcontacts whois --country FR --network ftf --at 2026-12-24T03:00+01:00
    """
    import sqlite3

    from . import clock
    from .db import connect
    from .members import resolve_member
    from .whois import speaks_option
    from .whois import whois as ask

    path = None
    try:
        user = clock.zone_option(tz)
        instant = clock.parse_when(at, user)
        member = resolve_member(country)
        path = _path(db)
        conn = connect(path)
        answer = ask(conn, network, member, instant, clock.now(), speaks=speaks_option(speaks))
    except CtContactsError as e:
        _fail(e)
    except sqlite3.DatabaseError as e:
        _fail(_db_error(e, path or Path("?")))
    if as_json:
        # Scripts get plain JSON and plain warnings: no rich on this path.
        for w in answer.warnings:
            sys.stderr.write(f"{'' if w.startswith('DEMO DATA') else 'warning: '}{_plain(w)}\n")
        sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        from . import render

        render.warnings(answer.warnings, render.stderr())
        render.whois(answer, user, render.stdout())
    raise typer.Exit(0 if answer.on_duty else 1)


@app.command("import")
def import_(
    files: List[Path] = typer.Argument(..., metavar="FILE...", help="Roster files: .json or .csv."),
    network: Optional[str] = typer.Option(None, "--network", "-n", help="Network for rows/rosters that do not name one."),
    country: Optional[str] = typer.Option(None, "--country", "-c", help="Member for rows/rosters that do not name one."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and show the change; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
    db: Optional[Path] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Import roster files. Each (network, member) roster in them replaces the stored one,
    all in one transaction; any problem in any file and nothing changes.

    Example: ctcontacts import rosters/fr-ftf.json rosters/es.csv --dry-run
    """
    import sqlite3

    from . import clock
    from .importer import import_files
    from .members import resolve_member

    path = None
    try:
        member = resolve_member(country) if country else None
        path = _path(db)
        report = import_files(path, list(files), now=clock.now(), network=network,
                              member=member, dry_run=dry_run)
    except CtContactsError as e:
        _fail(e, as_json)
    except sqlite3.DatabaseError as e:
        _fail(_db_error(e, path or Path("?")), as_json)
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    from .render import T, stdout

    out = stdout()
    verb = "would replace" if dry_run else "replaced"
    for r in report.rosters:
        if r.unchanged:
            out.print(T(f"{r.network} {r.member}: unchanged ({r.contacts} contacts)"))
            continue
        parts = [f"{k}: {', '.join(v)}" for k, v in (("added", r.added), ("removed", r.removed), ("changed", r.changed)) if v]
        what = "new roster" if r.new else verb
        out.print(T(f"{r.network} {r.member}: {what}, {r.contacts} contacts" + (f" ({'; '.join(parts)})" if parts else "")))
    if dry_run:
        out.print(T("dry run: nothing was written."))


@app.command()
def demo(
    db: Optional[Path] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Load the bundled fictional demo directory (marked as demo data in every answer).

    Example: ctcontacts --db demo.db demo && ctcontacts --db demo.db whois -c FR -n ftf
    """
    import sqlite3

    from . import clock
    from .db import connect
    from .importer import load_demo

    path = None
    try:
        path = _path(db)
        conn = connect(path, create=True)
        report = load_demo(conn, path, now=clock.now())
    except CtContactsError as e:
        _fail(e)
    except sqlite3.DatabaseError as e:
        _fail(_db_error(e, path or Path("?")))
    typer.echo(f"Loaded {len(report.rosters)} fictional demo rosters into {path}.")
    typer.echo(f"Try: ctcontacts --db {path} whois --country FR --network ftf")


def main() -> None:
    app(prog_name="ctcontacts")
