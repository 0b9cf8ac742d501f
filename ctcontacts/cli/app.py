"""The command line: parse options, call one core function, render, exit.

Heavy modules (rich, sqlite-utils, phonenumbers, pycountry, dateutil) are
imported inside the commands that need them, so a lookup starts fast.
"""

from __future__ import annotations

import sys
from typing import List, Optional, TypeVar

import typer

from .main import _fail, _path, _plain, _print_json, _run, _state  # noqa: F401  (shared with the fast path)

def run():
    """The Typer app, for ``console.main``: its exit code. Click's own usage errors are
    shown as Typer shows them, but never echo back more than a line of what was typed
    (a 100 kB argument that is not a number)."""
    import click

    try:
        code = app(prog_name="ctcontacts", standalone_mode=False)
    except click.ClickException as e:
        from ..base.text import shorten

        e.message = shorten(e.message, 300)
        from typer import core

        if core.HAS_RICH and app.rich_markup_mode is not None:
            from typer import rich_utils

            rich_utils.rich_format_error(e)
        else:
            e.show()
        return e.exit_code
    except click.Abort:
        sys.stderr.write("Aborted!\n")
        return 1
    return code if isinstance(code, int) else 0


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Whom to call right now in a 24/7 counter-terrorism contact network.\n\n"
    "Example: ctcontacts whois --country FR --network ftf",
)


DB_HELP = "Database file (default: $CTCONTACTS_DB, else ctcontacts.db in your app data directory)."
T_ = TypeVar("T_")


def _version(value: bool) -> None:
    if value:
        from .. import __version__
        from ..time.zones import tz_version

        typer.echo(f"ctcontacts {__version__} (time-zone database {tz_version()})")
        raise typer.Exit()


@app.callback()
def main_options(
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Print the version and the time-zone database release."),
) -> None:
    _state["db"] = db


def _member(country: Optional[str]) -> Optional[str]:
    from .main import member_option

    return member_option(country)


@app.command()
def whois(
    country: str = typer.Option(..., "--country", "-c", help="Member: FR, FRA, 250, France, UK, EU, org:coe …"),
    network: str = typer.Option(..., "--network", "-n", help="Network code, e.g. ftf, vot, iactn."),
    at: Optional[str] = typer.Option(None, "--at", metavar="WHEN",
                                     help="ISO 8601 instant (2026-12-24T03:00+01:00) or local time read in --tz. Default: now."),
    tz: Optional[str] = typer.Option(None, "--tz", metavar="ZONE", help="Your IANA zone for --at and display. Default: your system zone."),
    speaks: Optional[str] = typer.Option(None, "--speaks", metavar="LANG", help="Only contacts who speak this language (ISO 639-1, e.g. en)."),
    as_json: bool = typer.Option(False, "--json", help="Print the contract's JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Who is on duty for a member now (or --at WHEN), how to reach them, until when, who is next.

    Example: ctcontacts whois --country FR --network ftf --at 2026-12-24T03:00+01:00
    """
    from .main import whois_command

    raise SystemExit(whois_command(country=country, network=network, at=at, tz=tz, speaks=speaks,
                                   as_json=as_json, db=db))


@app.command("import")
def import_(
    files: List[str] = typer.Argument(..., metavar="FILE...",
                                      help="Roster files: .json or .csv; duty calendars: .ics; - for standard input."),
    network: Optional[str] = typer.Option(None, "--network", "-n", help="Network for rows/rosters that do not name one."),
    country: Optional[str] = typer.Option(None, "--country", "-c", help="Member for rows/rosters that do not name one."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and show the change; write nothing."),
    strict_reach: bool = typer.Option(False, "--strict-reach",
                                      help="Refuse the import if it changes how any existing contact is reached."),
    accept_reach_changes: bool = typer.Option(False, "--accept-reach-changes",
                                              help="With --strict-reach: the reach changes were checked; import them."),
    contact: Optional[str] = typer.Option(None, "--contact", metavar="ID",
                                          help="For a calendar (.ics) of one person: the contact its events are."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", metavar="FORMAT",
                                      help="json, csv or ics: read the files so, whatever their names "
                                      "(default: by extension, else by content)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on success (errors still go to stderr)."),
    as_json: bool = typer.Option(False, "--json", help="Print the change report as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Import roster files. Each (network, member) roster in them replaces the stored one,
    all in one transaction; any problem in any file and nothing changes. Prints what
    changed, contact by contact; changes to phones, e-mail domains and secure channels
    are flagged until confirmed (ctcontacts confirm).

    Example: ctcontacts import rosters/fr-ftf.json rosters/es.csv --dry-run
    """
    import contextlib

    from ..time import clock
    from ..directory.importer import import_files

    bar = contextlib.nullcontext(None)
    if sys.stderr.isatty() and not quiet:
        from . import render

        bar = render.progress_bar(render.stderr())
    with bar as progress:
        report = _run(lambda: import_files(
            _path(db), list(files), now=clock.now(), network=network, member=_member(country),
            dry_run=dry_run, strict_reach=strict_reach, accept_reach_changes=accept_reach_changes,
            progress=progress, contact=contact, fmt=fmt,
        ), as_json, quiet)
    if as_json:
        _print_json(report.as_dict())
    elif not quiet:
        from . import render

        render.import_report(report, render.stdout())


@app.command()
def history(
    network: Optional[str] = typer.Option(None, "--network", "-n", help="Only imports that touched this network."),
    country: Optional[str] = typer.Option(None, "--country", "-c", help="Only imports that touched this member."),
    limit: int = typer.Option(50, "--limit", help="How many imports, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print the history as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Every import, refused ones included: when, by whom, which files (SHA-256), what changed.

    Example: ctcontacts history --country FR --network ftf
    """
    from ..storage.db import connect
    from ..directory.history import imports

    entries = _run(lambda: imports(connect(_path(db)), network=network, member=_member(country), limit=limit))
    if as_json:
        _print_json(entries)
    else:
        from . import render

        render.history(entries, render.stdout())


@app.command()
def rollback(
    import_id: int = typer.Argument(..., metavar="IMPORT_ID", help="The import to undo (see ctcontacts history)."),
    force: bool = typer.Option(False, "--force", help="Also reset rosters that later imports changed again."),
    as_json: bool = typer.Option(False, "--json", help="Print the change report as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Put back, for every roster an import touched, the version that was current before it.
    The rollback is itself an import in the history, and can be rolled back.

    Example: ctcontacts rollback 12
    """
    from ..time import clock
    from ..directory.importer import rollback as undo

    report = _run(lambda: undo(_path(db), import_id, now=clock.now(), force=force), as_json)
    if as_json:
        _print_json(report.as_dict())
    else:
        from . import render

        render.import_report(report, render.stdout())


@app.command()
def confirm(
    country: Optional[str] = typer.Option(None, "--country", "-c", help="Member whose contacts were checked."),
    network: str = typer.Option(..., "--network", "-n", help="Network code."),
    contact: Optional[List[str]] = typer.Option(None, "--contact", help="Contact id (repeatable); default: all flagged."),
    fallback: bool = typer.Option(False, "--fallback", help="The network's changed fallback member was checked."),
    as_json: bool = typer.Option(False, "--json", help="Print what was confirmed as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Record that changed phone numbers, e-mail domains or secure channels (--country), or a
    network's changed fallback member (--fallback), were checked out of band (for example by
    calling the number on record), and clear their mark. Prints exactly what was confirmed.

    Example: ctcontacts confirm --country FR --network ftf --contact fr-desk
    """
    from ..time import clock
    from ..directory.history import confirm as record
    from ..storage.marks import describe as describe_mark
    from ..storage.marks import imports_text

    done = _run(lambda: record(_path(db), network, _member(country), contact or None, now=clock.now(),
                               fallback=fallback), as_json)
    if as_json:
        _print_json(done.as_dict())
        return
    for c in done.contacts:
        typer.echo(_plain(f"confirmed {c['id']}: {describe_mark(c)}"))
    if done.fallback:
        mark = done.fallback
        typer.echo(_plain(f"confirmed the fallback of {done.network}: {mark['old'] or '(none)'} -> "
                          f"{mark['new'] or '(none)'} (import {imports_text(mark)})"))
    where = f"{done.member} in {done.network}"
    if done.unchanged:
        typer.echo(_plain(f"nothing to confirm for {', '.join(done.unchanged)} ({where}): no unconfirmed reach change."))
    elif done.member is not None and not done.contacts:
        typer.echo(_plain(f"nothing to confirm for {where}: no unconfirmed reach change."))
    if done.fallback_asked and not done.fallback:
        typer.echo(_plain(f"nothing to confirm for the fallback of {done.network}: it has no unconfirmed change."))
    if done.contacts or done.fallback:
        typer.echo(_plain(f"recorded as checked by {done.by} at {done.at}."))


@app.command()
def demo(
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Load the bundled fictional demo directory (marked as demo data in every answer).

    Example: ctcontacts --db demo.db demo && ctcontacts --db demo.db whois -c FR -n ftf
    """
    from ..time import clock
    from ..directory.importer import load_demo

    report = _run(lambda: load_demo(_path(db), now=clock.now()))
    path = _state["path"]
    typer.echo(f"Loaded {len(report.rosters)} fictional demo rosters into {path}.")
    typer.echo(f"Try: ctcontacts --db {path} whois --country FR --network ftf")


def _window(start: Optional[str], days: int, tz: Optional[str]):
    """``--from`` (default now) and ``--days`` as UTC instants, with the user's zone."""
    from ..time import clock
    from ..base.errors import UsageError

    if not 1 <= days <= 366:
        from ..base.text import shorten

        raise UsageError(f"--days {shorten(days, 20)} is out of range; give 1 to 366.")
    import datetime as dt

    user = clock.zone_option(tz)
    begin = clock.parse_when(start, user, "--from")
    # Calendar days in your zone (RFC 5545 nominal days): a week is Monday to Monday
    # on the wall clock, 167 or 169 hours across a clock change.
    return user, begin, user.to_utc(user.wall(begin) + dt.timedelta(days=days))


FROM_HELP = "Start of the window: ISO 8601 or a local time read in --tz. Default: now."
TZ_HELP = "Your IANA zone for --at/--from and display. Default: your system zone."


@app.command()
def now(
    network: Optional[str] = typer.Option(None, "--network", "-n", help="Network code, e.g. ftf."),
    all_networks: bool = typer.Option(False, "--all-networks", help="Every network at once."),
    at: Optional[str] = typer.Option(None, "--at", metavar="WHEN", help="ISO 8601 instant or local time in --tz. Default: now."),
    tz: Optional[str] = typer.Option(None, "--tz", metavar="ZONE", help=TZ_HELP),
    speaks: Optional[str] = typer.Option(None, "--speaks", metavar="LANG", help="Only contacts who speak this language."),
    as_json: bool = typer.Option(False, "--json", help="Print the board as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Every member of a network at once: status, their time, who is on duty (rank 1 first,
    with the number to call), until when. Members needing attention come first.

    Example: ctcontacts now --network ftf
    """
    from ..time import clock
    from ..views.board import network_fallbacks, now_board
    from ..storage.db import connect
    from ..base.errors import UsageError
    from ..views.whois import speaks_option

    def call():
        if network is None and not all_networks:
            raise UsageError("give --network CODE or --all-networks.")
        user = clock.zone_option(tz)
        instant = clock.parse_when(at, user)
        conn = connect(_path(db))
        from ..storage import store

        codes = sorted(store.networks(conn)) if all_networks else [network]
        board = now_board(conn, codes, instant, clock.now(), speaks=speaks_option(speaks))
        return user, instant, board, network_fallbacks(conn, codes)

    user, instant, entries, fallbacks = _run(call)
    if as_json:
        from ..time.zones import format_utc

        from ..views.board import BOARD_HORIZON

        _print_json({"at": format_utc(instant), "speaks": speaks_option(speaks),
                     "horizon_days": BOARD_HORIZON // 86400, "members": entries, "networks": fallbacks},
                    ascii_only=False)
    else:
        from . import render

        from ..views.board import BOARD_HORIZON

        render.now_board(entries, user, instant, render.stdout(), speaks=speaks_option(speaks), networks=fallbacks,
                         horizon_days=BOARD_HORIZON // 86400)


@app.command()
def schedule(
    country: str = typer.Option(..., "--country", "-c", help="Member: FR, France, org:coe …"),
    network: str = typer.Option(..., "--network", "-n", help="Network code."),
    start: Optional[str] = typer.Option(None, "--from", metavar="WHEN", help=FROM_HELP),
    days: int = typer.Option(7, "--days", help="Length of the window in days (1-366)."),
    tz: Optional[str] = typer.Option(None, "--tz", metavar="ZONE", help=TZ_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the schedule as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Every shift and handover of a member in a window, in their time and yours, with gaps.

    Example: ctcontacts schedule --country FR --network ftf --days 3
    """
    from ..views.board import schedule as plan
    from ..storage.db import connect

    def call():
        user, begin, end = _window(start, days, tz)
        return user, plan(connect(_path(db)), network, _member(country), begin, end)

    user, doc = _run(call)
    if as_json:
        _print_json(doc, ascii_only=False)
    else:
        from . import render

        render.schedule(doc, user, render.stdout())


@app.command()
def coverage(
    network: str = typer.Option(..., "--network", "-n", help="Network code."),
    country: Optional[str] = typer.Option(None, "--country", "-c", help="Only this member."),
    start: Optional[str] = typer.Option(None, "--from", metavar="WHEN", help=FROM_HELP),
    days: int = typer.Option(7, "--days", help="Length of the window in days (1-366)."),
    tz: Optional[str] = typer.Option(None, "--tz", metavar="ZONE", help=TZ_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print gaps as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Where nobody will answer: every gap in the window, members with no roster, and the
    stretches reachable only through backups, with a week-by-hour map per member.
    Exit 0 when the window has no gap, 1 when it has (for cron).

    Example: ctcontacts coverage --network ftf --days 30
    """
    from ..views.board import coverage as cover
    from ..storage.db import connect

    def call():
        user, begin, end = _window(start, days, tz)
        return user, cover(connect(_path(db)), network, _member(country), begin, end)

    user, report = _run(call)
    if as_json:
        _print_json(report.as_dict())
    else:
        from . import render

        render.coverage(report, user, render.stdout())
    raise typer.Exit(1 if report.has_gap else 0)


@app.command()
def check(
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """The health of the directory: database integrity, schema, time-zone database, stale
    rosters and entries, unreachable contacts, duty beyond the limits, gaps in the next 7
    days. Exit code: 0 fine, 1 warnings, 4 errors, 3 the database is missing or damaged
    (2 stays a usage error).

    Example: ctcontacts check --json
    """
    from ..time import clock
    from ..views.check import exit_code, run
    from ..storage.db import connect

    findings = _run(lambda: run(connect(_path(db)), clock.now()))
    if as_json:
        _print_json([f.as_dict() for f in findings])
    else:
        from . import render

        render.check(findings, render.stdout())
    raise typer.Exit(exit_code(findings))


@app.command()
def networks(
    as_json: bool = typer.Option(False, "--json", help="Print as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """The networks: shipped ones and those your roster files define.

    Example: ctcontacts networks
    """
    from ..views.board import networks_overview
    from ..storage.db import connect

    rows = _run(lambda: networks_overview(connect(_path(db))))
    if as_json:
        _print_json(rows)
    else:
        from . import render

        render.simple_table(rows, [("code", "code"), ("name", "name"), ("organization", "run by"),
                                   ("fallback", "fallback"), ("expected_members", "members"),
                                   ("rosters", "rosters")], render.stdout())


@app.command()
def members(
    network: str = typer.Option(..., "--network", "-n", help="Network code."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """The members of a network with their status and the age of their roster.

    Example: ctcontacts members --network iactn
    """
    from ..time import clock
    from ..views.board import members_overview
    from ..storage.db import connect

    rows = _run(lambda: members_overview(connect(_path(db)), network, clock.now()))
    if as_json:
        _print_json(rows)
    else:
        from . import render

        render.simple_table(rows, [("label", "member"), ("status", "status"), ("since", "since"),
                                   ("issued", "roster issued"), ("roster_age_days", "age (days)"),
                                   ("contacts", "contacts")], render.stdout())


@app.command()
def contacts(
    network: str = typer.Option(..., "--network", "-n", help="Network code."),
    country: str = typer.Option(..., "--country", "-c", help="Member."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Everyone in a member's roster, on duty or not, with their duty rules in words.

    Example: ctcontacts contacts --network ftf --country FR
    """
    from ..views.board import contacts_list
    from ..storage.db import connect

    rows = _run(lambda: contacts_list(connect(_path(db)), network, _member(country)))
    if as_json:
        _print_json(rows)
    else:
        from . import render

        render.contacts(rows, render.stdout())


@app.command()
def search(
    text: str = typer.Argument(..., metavar="TEXT", help="Part of a name, agency, phone number or e-mail."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Find contacts by name, agency, phone number or e-mail, in every roster.

    Example: ctcontacts search "7946 0123"
    """
    from ..views.board import search as find
    from ..storage.db import connect

    rows = _run(lambda: find(connect(_path(db)), text))
    if as_json:
        _print_json(rows)
    else:
        from . import render

        render.search(rows, render.stdout())


@app.command("export")
def export_(
    fmt: str = typer.Option("json", "--format", "-f", help="json or csv (roster files that import back), ics (calendar), vcf (vCard 4.0)."),
    network: Optional[str] = typer.Option(None, "--network", "-n", help="Only this network."),
    country: Optional[str] = typer.Option(None, "--country", "-c", help="Only this member."),
    out: Optional[str] = typer.Option(None, "--out", "-o", metavar="FILE",
                                      help="Write here instead of stdout: a file (replaced whole, or created readable by you only), a pipe or a device."),
    start: Optional[str] = typer.Option(None, "--from", metavar="WHEN", help="ics: start of the window for duty written as shifts, such as weekly windows (default: 90 days ago)."),
    days: Optional[int] = typer.Option(None, "--days", help="ics: length of that window in days (default: 456, to 366 days ahead)."),
    tz: Optional[str] = typer.Option(None, "--tz", metavar="ZONE", help=TZ_HELP),
    db: Optional[str] = typer.Option(None, "--db", metavar="PATH", help=DB_HELP),
) -> None:
    """Export rosters: JSON and CSV import back to the same directory; ICS for a calendar
    (recurrences kept as RRULE, and duty a calendar gave written whole); vCard 4.0 for a phone's address book. CSV cells that a
    spreadsheet would run as formulas are written as text.

    Example: ctcontacts export --format ics --network ftf --country FR --out fr-duty.ics
    """
    from ..time import clock
    from ..storage.db import connect
    from ..formats.export import export as write

    def call():
        from ..formats.export import ICS_DAYS_AHEAD, ICS_DAYS_BACK

        from ..base.errors import UsageError

        if days is not None and not 1 <= days <= 3660:
            from ..base.text import shorten

            raise UsageError(f"--days {shorten(days, 20)} is out of range; give 1 to 3660.")
        user = clock.zone_option(tz)
        lo = clock.parse_when(start, user, "--from") if start else clock.now() - ICS_DAYS_BACK * 86400
        hi = lo + (days if days is not None else ICS_DAYS_BACK + ICS_DAYS_AHEAD) * 86400
        text = write(connect(_path(db)), fmt.lower(), network=network,
                     member=_member(country), start=lo, end=hi, now=clock.now())
        if out is None:
            return text
        from ..formats.files import write_output

        base = _state["path"]
        write_output(out, text, protect=(base, base + "-wal", base + "-shm"))
        return None

    text = _run(call)
    if text is not None:
        sys.stdout.write(text)
