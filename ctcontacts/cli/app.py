"""The Typer commands: parse options, call one core function, print its answer, exit.

Options several commands share are defined once, below; every command's core call goes
through ``_answer``, which prints JSON for scripts or draws for people (``render``).
Heavy modules (rich, sqlite-utils, phonenumbers, pycountry, dateutil) are imported
inside the commands that need them, so a lookup starts fast. A plain ``whois`` does not
come here at all (``main.py``).
"""

from __future__ import annotations

import sys
from typing import Annotated, List, Optional

import typer

from . import session
from .lookup import now_command, whois_command

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Whom to call right now in a 24/7 counter-terrorism contact network.\n\n"
    "Example: ctcontacts whois --country FR --network ftf",
)


def sentences(doc: str) -> str:
    """A docstring as help: each paragraph one line of whole sentences, which rich
    wraps to the terminal (a line break kept from the source would cut a sentence
    in two in the list of commands)."""
    import inspect

    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(doc).split("\n\n"))


def command(name: str | None = None):
    """``app.command``, with the function's docstring as help (``sentences``): its
    first paragraph, one sentence, is what the list of commands shows."""
    def register(function):
        return app.command(name, help=sentences(function.__doc__))(function)

    return register


def _said_once(e) -> None:
    """Say a usage error's "Did you mean ...?" once: Typer adds one to the message and
    Click 8.2+ another when it shows the error (``NoSuchCommand.possibilities``)."""
    import re

    hint = re.compile(r"\s*\(?Did you mean [^?]*\?\)?")
    if len(hint.findall(e.format_message())) < 2:
        return
    first = hint.search(e.message)
    e.message = hint.sub("", e.message)
    if first and not hint.search(e.format_message()):
        e.message += first.group(0)  # every hint was the message's own: keep the first


def run_app():
    """The Typer app, for ``main``: its exit code. Click's own usage errors are shown as
    Typer shows them, but never echo back more than a line of what was typed (a 100 kB
    argument that is not a number)."""
    import click

    try:
        code = app(prog_name="ctcontacts", standalone_mode=False)
    except click.ClickException as e:
        from ..base.text import shorten

        e.message = shorten(e.message, 300)
        _said_once(e)
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


# --- options shared by commands ----------------------------------------------------------

Db = Annotated[Optional[str], typer.Option(
    "--db", metavar="PATH", help="Database file (default: $CTCONTACTS_DB, else ctcontacts.db in your app data directory).")]
Json = Annotated[bool, typer.Option("--json", help="Print the answer as JSON on stdout, for scripts.")]
Network = Annotated[str, typer.Option("--network", "-n", help="Network code, e.g. ftf, vot, iactn.")]
Member = Annotated[str, typer.Option("--country", "-c", help="Member: FR, FRA, 250, France, UK, EU, org:coe …")]
SomeMember = Annotated[Optional[str], typer.Option("--country", "-c", help="Only this member.")]
Tz = Annotated[Optional[str], typer.Option(
    "--tz", metavar="ZONE", help="Your IANA zone for --at/--from and display. Default: your system zone.")]
At = Annotated[Optional[str], typer.Option(
    "--at", metavar="WHEN", help="ISO 8601 instant (2026-12-24T03:00+01:00) or local time read in --tz. Default: now.")]
Speaks = Annotated[Optional[str], typer.Option(
    "--speaks", metavar="LANG", help="Only contacts who speak this language (ISO 639-1, e.g. en).")]
From = Annotated[Optional[str], typer.Option(
    "--from", metavar="WHEN", help="Start of the window: ISO 8601 or a local time read in --tz. Default: now.")]
Days = Annotated[int, typer.Option("--days", help="Length of the window in days (1-366).")]
DialFrom = Annotated[Optional[str], typer.Option(
    "--dial-from", metavar="COUNTRY",
    help="The country you call from (FR, US, JP …): numbers are also shown as dialled from there. "
    "Default: $CTCONTACTS_DIAL_FROM, else the country set with ctcontacts settings.")]


def _answer(call, as_json: bool, draw, doc=None, ascii_only: bool = True, quiet: bool = False):
    """Run ``call`` (the command's core call); print its result as JSON (shaped by
    ``doc``, else as it is) or draw it with ``draw(render, result)``. Returns the result."""
    result = session.run(call, as_json, quiet)
    if as_json:
        session.print_json(doc(result) if doc else result, ascii_only)
    elif draw is not None:
        from . import render

        draw(render, result)
    return result


def _connect(db: Optional[str]):
    from ..storage.db import connect

    return connect(session.db_path(db))


def _now() -> int:
    from ..time import clock

    return clock.now()


def _version(value: bool) -> None:
    if value:
        from .. import __version__
        from ..time.zones import tz_version

        typer.echo(f"ctcontacts {__version__} (time-zone database {tz_version()})")
        raise typer.Exit()


@app.callback()
def main_options(
    db: Db = None,
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Print the version and the time-zone database release."),
) -> None:
    session.state["db"] = db


# --- looking up --------------------------------------------------------------------------------


@command()
def whois(country: Member, network: Network, at: At = None, tz: Tz = None, speaks: Speaks = None,
          as_recorded: bool = typer.Option(False, "--as-recorded",
                                           help="Answer from the rosters current at --at, as the history recorded "
                                           "them (after-action reviews), naming the import each came from."),
          dial_from: DialFrom = None, as_json: Json = False, db: Db = None) -> None:
    """Who is on duty for a member now (or at --at WHEN), how to reach them, until when, and who is next.

    When nobody is, the network's fallback is shown instead, and the exit code is 1.

    Example: ctcontacts whois --country FR --network ftf --at 2026-12-24T03:00+01:00
    """
    raise SystemExit(whois_command(country=country, network=network, at=at, tz=tz, speaks=speaks,
                                   as_json=as_json, db=db, as_recorded=as_recorded, dial_from=dial_from))


@command()
def now(
    network: Annotated[Optional[str], typer.Option("--network", "-n", help="Network code, e.g. ftf.")] = None,
    all_networks: bool = typer.Option(False, "--all-networks", help="Every network at once."),
    at: At = None, tz: Tz = None, speaks: Speaks = None, dial_from: DialFrom = None,
    watch: Optional[int] = typer.Option(
        None, "--watch", metavar="SECONDS",
        help="Redraw the board every SECONDS seconds (1-3600), for an operations-room screen, and highlight "
        "each change of duty as it happens. Ctrl-C ends it."),
    as_json: Json = False, db: Db = None,
) -> None:
    """Every member of a network at once, those needing attention first.

    For each member: its status, the time there, who is on duty (rank 1 first, with the number to call) and
    until when. With --watch the board is redrawn every few seconds and changes of duty are highlighted.

    Example: ctcontacts now --network ftf --watch 30
    """
    if watch is None:
        raise SystemExit(now_command(network=network, all_networks=all_networks, at=at, tz=tz, speaks=speaks,
                                     as_json=as_json, db=db, dial_from=dial_from))
    from ..base.errors import UsageError
    from .lookup import NowBoard, draw_now
    from .watch import watch_board

    board = NowBoard(network, all_networks, speaks, dial_from, db)

    def first():
        board.check()
        if not 1 <= watch <= 3600:
            from ..base.text import shorten

            raise UsageError(f"--watch {shorten(watch, 20)} is out of range; give 1 to 3600 seconds.")
        if as_json or at is not None:
            raise UsageError("--watch draws the board as time goes by; it takes neither --json nor --at.")
        return board.first(at, tz)

    user, instant, *_ = start = session.run(first)
    raise typer.Exit(watch_board(lambda moment: session.run(lambda: board.at(moment, user)),
                                 lambda render, r, out=None, changed=None: draw_now(render, r, speaks, out, changed),
                                 every=watch, start=instant, user=user, first=start))


def _window(start: Optional[str], days: int, tz: Optional[str]):
    """``--from`` (default now) and ``--days`` as UTC instants, with the user's zone."""
    import datetime as dt

    from ..base.errors import UsageError
    from ..time import clock

    if not 1 <= days <= 366:
        from ..base.text import shorten

        raise UsageError(f"--days {shorten(days, 20)} is out of range; give 1 to 366.")
    user = clock.zone_option(tz)
    begin = clock.parse_when(start, user, "--from")
    # Calendar days in your zone (RFC 5545 nominal days): a week is Monday to Monday
    # on the wall clock, 167 or 169 hours across a clock change.
    return user, begin, user.to_utc(user.wall(begin) + dt.timedelta(days=days))


@command()
def schedule(country: Member, network: Network, start: From = None, days: Days = 7, tz: Tz = None,
             dial_from: DialFrom = None, as_json: Json = False, db: Db = None) -> None:
    """Every shift and handover of a member in a window, in their time and yours, with the gaps.

    Example: ctcontacts schedule --country FR --network ftf --days 3
    """
    from ..views.board import schedule as plan
    from ..views.whois import dialling

    def call():
        user, begin, end = _window(start, days, tz)
        caller = session.dial_from_option(dial_from)
        conn = _connect(db)
        return user, plan(conn, network, session.member_option(country), begin, end,
                          dial_from=dialling(conn, *caller) if caller else None)

    _answer(call, as_json, lambda render, r: render.schedule(r[1], r[0], render.stdout()), doc=lambda r: r[1],
            ascii_only=False)


@command()
def coverage(network: Network, country: SomeMember = None, start: From = None, days: Days = 7, tz: Tz = None,
             as_json: Json = False, db: Db = None) -> None:
    """Where nobody will answer: every gap in a window, with a week-by-hour map per member.

    Members with no roster count as a gap over the whole window; the stretches reachable only through backups
    are listed too. Each cell of the map shows how much of that hour of the week was covered. Exit 0 when the
    window has no gap, 1 when it has (for cron).

    Example: ctcontacts coverage --network ftf --days 30
    """
    from ..views.board import coverage as cover

    def call():
        user, begin, end = _window(start, days, tz)
        return user, cover(_connect(db), network, session.member_option(country), begin, end)

    user, report = _answer(call, as_json, lambda render, r: render.coverage(r[1], r[0], render.stdout()),
                           doc=lambda r: r[1].as_dict())
    raise typer.Exit(1 if report.has_gap else 0)


@command()
def check(as_json: Json = False, db: Db = None) -> None:
    """The health of the directory, for cron: the exit code is the worst finding.

    It checks the database's integrity and schema, the time-zone database, stale rosters and entries,
    unreachable contacts, duty beyond the limits and the gaps in the next 7 days. Exit code: 0 fine, 1 warnings,
    4 errors, 3 the database is missing or damaged (2 stays a usage error).

    Example: ctcontacts check --json
    """
    from ..views.check import exit_code, run

    findings = _answer(lambda: run(_connect(db), _now()), as_json,
                       lambda render, r: render.check(r, render.stdout()), doc=lambda r: [f.as_dict() for f in r])
    raise typer.Exit(exit_code(findings))


# --- browsing ------------------------------------------------------------------------------------


@command()
def networks(as_json: Json = False, db: Db = None) -> None:
    """The networks: shipped ones and those your roster files define.

    Example: ctcontacts networks
    """
    from ..views.board import networks_overview

    _answer(lambda: networks_overview(_connect(db)), as_json, lambda render, rows: render.simple_table(
        rows, [("code", "code"), ("name", "name"), ("organization", "run by"), ("fallback", "fallback"),
               ("expected_members", "members"), ("rosters", "rosters"), ("signatures", "signatures")],
        render.stdout(), whole_keys=("code", "fallback", "expected_members", "rosters", "signatures")))


@command()
def members(network: Network, as_json: Json = False, db: Db = None) -> None:
    """The members of a network with their status and the age of their roster.

    Example: ctcontacts members --network iactn
    """
    from ..views.board import members_overview

    _answer(lambda: members_overview(_connect(db), network, _now()), as_json, lambda render, rows: render.simple_table(
        rows, [("label", "member"), ("status", "status"), ("since", "since"), ("issued", "roster issued"),
               ("roster_age_days", "age (days)"), ("contacts", "contacts")], render.stdout(),
        whole_keys=("since", "issued", "roster_age_days", "contacts")))


@command()
def contacts(network: Network, country: Annotated[str, typer.Option("--country", "-c", help="Member.")],
             dial_from: DialFrom = None, as_json: Json = False, db: Db = None) -> None:
    """Everyone in a member's roster, on duty or not, with their duty rules in words.

    A long run of dated shifts is summed up; --json lists every rule.

    Example: ctcontacts contacts --network ftf --country FR
    """
    from ..views.board import contacts_list
    from ..views.whois import dialling

    def call():
        caller = session.dial_from_option(dial_from)
        conn = _connect(db)
        return contacts_list(conn, network, session.member_option(country), _now(),
                             dial_from=dialling(conn, *caller) if caller else None)

    _answer(call, as_json, lambda render, rows: render.contacts(rows, render.stdout()))


# What ``search`` shows on screen by default: a common word matched 25,900 contacts of the
# benchmark world, and drawing them took 11 s and 660 MB before the first was read.
SEARCH_SHOWN = 50


@command()
def search(text: str = typer.Argument(..., metavar="TEXT", help="Part of a name, agency, phone number or e-mail."),
           limit: int = typer.Option(SEARCH_SHOWN, "--limit",
                                     help="Show at most this many matches on screen; --json gives every match."),
           dial_from: DialFrom = None, as_json: Json = False, db: Db = None) -> None:
    """Find contacts by name, agency, phone number or e-mail, in every roster.

    Phone numbers are compared by their digits, so 7946 0123 finds +44 20 7946 0123.
    The screen shows the first matches, in directory order, and says how many more there are.

    Example: ctcontacts search "7946 0123"
    """
    from ..views.board import search as find
    from ..views.whois import dialling

    def call():
        if limit < 1:
            from ..base.errors import UsageError
            from ..base.text import shorten

            raise UsageError(f"--limit {shorten(limit, 20)} is out of range; give 1 or more.")
        caller = session.dial_from_option(dial_from)
        conn = _connect(db)
        return find(conn, text, dial_from=dialling(conn, *caller) if caller else None)

    _answer(call, as_json, lambda render, rows: render.search(rows, render.stdout(), limit))


# --- changing the directory ------------------------------------------------------------------------


@command("import")
def import_(
    files: List[str] = typer.Argument(..., metavar="FILE...",
                                      help="Roster files: .json or .csv; duty calendars: .ics; - for standard input."),
    network: Annotated[Optional[str], typer.Option("--network", "-n",
                                                   help="Network for rows/rosters that do not name one.")] = None,
    country: Annotated[Optional[str], typer.Option("--country", "-c",
                                                   help="Member for rows/rosters that do not name one.")] = None,
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
    require_signatures: bool = typer.Option(False, "--require-signatures",
                                            help="Refuse any roster not signed by a key trusted for it, whatever "
                                            "its network's policy (for this run)."),
    signature: Optional[str] = typer.Option(None, "--signature", metavar="FILE.sig",
                                            help="The detached signature of standard input ('-'); a file's is read "
                                            "beside it (FILE.sig)."),
    allow_older: bool = typer.Option(False, "--allow-older",
                                     help="Where signatures are required: take a roster issued before the current "
                                     "one (refused by default: an old signed file sent again)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on success (errors still go to stderr)."),
    as_json: Json = False,
    db: Db = None,
) -> None:
    """Import roster files (JSON, CSV) and duty calendars (iCalendar), all or nothing.

    Each (network, member) roster in them replaces the stored one, all in one transaction; any problem in any
    file and nothing changes. It prints what changed, contact by contact; changes to phones, e-mail domains and
    secure channels are flagged until someone confirms them (ctcontacts confirm).

    Example: ctcontacts import rosters/fr-ftf.json rosters/es.csv --dry-run
    """
    import contextlib

    from ..directory.importer import import_files

    bar = contextlib.nullcontext(None)
    if sys.stderr.isatty() and not quiet:
        from . import render

        bar = render.progress_bar(render.stderr())
    with bar as progress:
        _answer(lambda: import_files(
            session.db_path(db), list(files), now=_now(), network=network, member=session.member_option(country),
            dry_run=dry_run, strict_reach=strict_reach, accept_reach_changes=accept_reach_changes,
            progress=progress, contact=contact, fmt=fmt, require_signatures=require_signatures, signature=signature,
            allow_older=allow_older,
        ), as_json, None if quiet else (lambda render, r: render.import_report(r, render.stdout())),
            doc=lambda r: r.as_dict(), quiet=quiet)


@command()
def history(
    network: Annotated[Optional[str], typer.Option("--network", "-n", help="Only imports that touched this network.")] = None,
    country: Annotated[Optional[str], typer.Option("--country", "-c", help="Only imports that touched this member.")] = None,
    limit: int = typer.Option(50, "--limit", help="How many imports, newest first."),
    as_json: Json = False,
    db: Db = None,
) -> None:
    """Every import, refused ones included: when, by whom, which files (SHA-256) and what changed.

    Example: ctcontacts history --country FR --network ftf
    """
    from ..directory.history import imports

    _answer(lambda: imports(_connect(db), network=network, member=session.member_option(country), limit=limit),
            as_json, lambda render, entries: render.history(entries, render.stdout()))


@command()
def rollback(
    import_id: int = typer.Argument(..., metavar="IMPORT_ID", help="The import to undo (see ctcontacts history)."),
    force: bool = typer.Option(False, "--force", help="Also reset rosters that later imports changed again."),
    as_json: Json = False,
    db: Db = None,
) -> None:
    """Put back, for every roster an import touched, the version that was current before it.

    The rollback is itself an import in the history, and can be rolled back.

    Example: ctcontacts rollback 12
    """
    from ..directory.importer import rollback as undo

    _answer(lambda: undo(session.db_path(db), import_id, now=_now(), force=force), as_json,
            lambda render, r: render.import_report(r, render.stdout()), doc=lambda r: r.as_dict())


@command()
def confirm(
    network: Network,
    country: Annotated[Optional[str], typer.Option("--country", "-c", help="Member whose contacts were checked.")] = None,
    contact: Optional[List[str]] = typer.Option(None, "--contact", help="Contact id (repeatable); default: all flagged."),
    fallback: bool = typer.Option(False, "--fallback", help="The network's changed fallback member was checked."),
    as_json: Json = False,
    db: Db = None,
) -> None:
    """Record that a changed phone number, e-mail domain, secure channel or fallback was checked.

    Give --country for contacts' phone numbers, e-mail domains or secure channels, or --fallback for a network's
    changed fallback member, once they were checked out of band (for example by calling the number on record).
    Their mark is cleared, and exactly what was confirmed is printed.

    Example: ctcontacts confirm --country FR --network ftf --contact fr-desk
    """
    from ..directory.history import confirm as confirm_checked

    _answer(lambda: confirm_checked(session.db_path(db), network, session.member_option(country), contact or None,
                                    now=_now(), fallback=fallback),
            as_json, lambda render, done: render.confirmed(done, typer.echo), doc=lambda done: done.as_dict())


# --- signed rosters ---------------------------------------------------------------------------------

trust_app = typer.Typer(no_args_is_help=True, help="The keys trusted to sign rosters, and each network's signature "
                        "policy.\n\nEvery change is in the history and can be rolled back.\n\nExample: ctcontacts "
                        "trust add --network ftf --country FR fr-admin.pub")
app.add_typer(trust_app, name="trust")

KeyArg = Annotated[str, typer.Argument(metavar="KEYFILE|KEYLINE",
                                       help="A public key file (KEY.pub) or an OpenSSH public key line.")]
Secretariat = Annotated[bool, typer.Option("--secretariat",
                                           help="For the network's secretariat, which signs every member's rosters.")]
TrustMember = Annotated[Optional[str], typer.Option("--country", "-c", help="The member whose rosters the key signs.")]


def _whom(country: Optional[str], secretariat: bool) -> Optional[str]:
    """The member a key is trusted for; ``None``: the network's secretariat."""
    from ..base.errors import UsageError

    if (country is None) == (not secretariat):
        raise UsageError("say for whom the key signs: --country MEMBER, or --secretariat for the network's "
                         "secretariat (not both).")
    return session.member_option(country) if country is not None else None


@trust_app.command("add")
def trust_add(key: KeyArg, network: Network, country: TrustMember = None, secretariat: Secretariat = False,
              expires: Optional[str] = typer.Option(None, "--expires", metavar="YYYY-MM-DD",
                                                    help="The last day the key is trusted (check warns before)."),
              as_json: Json = False, db: Db = None) -> None:
    """Trust a key to sign the rosters of a member (or, with --secretariat, of every member) in a network.
    Check the key with its owner out of band first: compare the fingerprint this prints.

    Example: ctcontacts trust add --network ftf --country FR fr-admin.pub
    """
    from ..directory.signing import add_key

    _answer(lambda: add_key(session.db_path(db), network, _whom(country, secretariat), key, now=_now(),
                            expires=expires),
            as_json, lambda render, r: render.trust_change(r, render.stdout()), doc=lambda r: r.as_dict())


@trust_app.command("remove")
def trust_remove(key: Annotated[str, typer.Argument(metavar="FINGERPRINT|KEYFILE|KEYLINE",
                                                    help="The key's SHA256:… fingerprint, its .pub file or its line.")],
                 network: Network, country: TrustMember = None, secretariat: Secretariat = False,
                 as_json: Json = False, db: Db = None) -> None:
    """Stop trusting a key for a member (or the secretariat) of a network.

    Example: ctcontacts trust remove --network ftf --country FR SHA256:Ab3…
    """
    from ..directory.signing import remove_key

    _answer(lambda: remove_key(session.db_path(db), network, _whom(country, secretariat), key, now=_now()),
            as_json, lambda render, r: render.trust_change(r, render.stdout()), doc=lambda r: r.as_dict())


@trust_app.command("list")
def trust_list(
    network: Annotated[Optional[str], typer.Option("--network", "-n", help="Only this network.")] = None,
    country: SomeMember = None, as_json: Json = False, db: Db = None,
) -> None:
    """The trusted keys: for which network and member, fingerprint, comment, expiry, who added them.

    Example: ctcontacts trust list --network ftf
    """
    from ..directory.signing import list_keys

    _answer(lambda: list_keys(_connect(db), network, session.member_option(country), _now()), as_json,
            lambda render, rows: render.trust_keys(rows, render.stdout()))


@trust_app.command("policy")
def trust_policy(
    signatures: Annotated[str, typer.Argument(metavar="optional|required",
                                              help="required: refuse any roster of the network not signed by a key "
                                              "trusted for it.")],
    network: Network, as_json: Json = False, db: Db = None,
) -> None:
    """Make signatures optional (the default) or required for a network's rosters.

    Example: ctcontacts trust policy --network ftf required
    """
    from ..directory.signing import set_policy

    _answer(lambda: set_policy(session.db_path(db), network, signatures, now=_now()), as_json,
            lambda render, r: render.trust_change(r, render.stdout()), doc=lambda r: r.as_dict())


@command()
def verify(
    file: str = typer.Argument(..., metavar="FILE", help="A roster file."),
    signature: Optional[str] = typer.Argument(None, metavar="[FILE.sig]", help="Its signature (default: FILE.sig)."),
    as_json: Json = False, db: Db = None,
) -> None:
    """Who signed a roster file, and for what that key is trusted here, without importing it.

    Exit 0: a good signature by a trusted key; 1: a good signature by a key not trusted
    (or trusted no longer); 2: no signature, or one that does not verify.

    Example: ctcontacts verify fr-ftf.json
    """
    from ..directory.signing import verify_file

    doc = _answer(lambda: verify_file(session.db_path(db), file, signature, now=_now()), as_json,
                  lambda render, r: render.verified(r, render.stdout()))
    if not doc["verified"]:
        # Why the signature does not verify says what to do; only a verification that
        # failed says the file was changed (a damaged signature file is another matter).
        after = {"bad-signature": f"; {session.plain(doc['file'])} was not signed with that signature, or was "
                                  "changed since",
                 "malformed": "; ask the file's sender for its signature file again"}.get(doc["problem_code"], "")
        sys.stderr.write(f"error: {session.plain(doc['problem'])}{after}.\n")
        raise typer.Exit(2)
    raise typer.Exit(0 if any(not t["expired"] for t in doc["trusted_for"]) else 1)


@command()
def demo(db: Db = None) -> None:
    """Load the bundled fictional demo directory, marked as demo data in every answer.

    Example: ctcontacts --db demo.db demo && ctcontacts --db demo.db whois -c FR -n ftf
    """
    from ..directory.importer import load_demo

    report = session.run(lambda: load_demo(session.db_path(db), now=_now()))
    path = session.state["path"]
    count = len(report.rosters)
    if report.changed_anything:
        typer.echo(f"Loaded {count} fictional demo roster{'s' if count != 1 else ''} into {path}.")
    else:
        typer.echo(f"The fictional demo directory in {path} is already loaded and unchanged "
                   f"({count} roster{'s' if count != 1 else ''}).")
    typer.echo(f"Try: ctcontacts --db {path} whois --country FR --network ftf")


@command("export")
def export_(
    fmt: str = typer.Option("json", "--format", "-f",
                            help="json or csv (roster files that import back), ics (calendar), vcf (vCard 4.0)."),
    network: Annotated[Optional[str], typer.Option("--network", "-n", help="Only this network.")] = None,
    country: SomeMember = None,
    out: Optional[str] = typer.Option(None, "--out", "-o", metavar="FILE",
                                      help="Write here instead of stdout: a file (replaced whole, or created "
                                      "readable by you only), a pipe or a device."),
    start: Optional[str] = typer.Option(None, "--from", metavar="WHEN",
                                        help="ics: start of the window for duty written as shifts, such as weekly "
                                        "windows (default: 90 days ago)."),
    days: Optional[int] = typer.Option(None, "--days",
                                       help="ics: length of that window in days (default: 456, to 366 days ahead)."),
    tz: Tz = None,
    db: Db = None,
) -> None:
    """Export rosters as JSON or CSV roster files, an iCalendar of duty, or vCards.

    JSON and CSV import back to the same directory; ICS is for a calendar (recurrences kept as RRULE, and duty a
    calendar gave written whole); vCard 4.0 is for a phone's address book. CSV cells that a spreadsheet would
    run as formulas are written as text.

    Example: ctcontacts export --format ics --network ftf --country FR --out fr-duty.ics
    """
    from ..formats.export import ICS_DAYS_AHEAD, ICS_DAYS_BACK
    from ..formats.export import export as write
    from ..time import clock

    def call():
        if days is not None and not 1 <= days <= 3660:
            from ..base.errors import UsageError
            from ..base.text import shorten

            raise UsageError(f"--days {shorten(days, 20)} is out of range; give 1 to 3660.")
        user = clock.zone_option(tz)
        lo = clock.parse_when(start, user, "--from") if start else clock.now() - ICS_DAYS_BACK * 86400
        hi = lo + (days if days is not None else ICS_DAYS_BACK + ICS_DAYS_AHEAD) * 86400
        text = write(_connect(db), fmt.lower(), network=network, member=session.member_option(country),
                     start=lo, end=hi, now=clock.now())
        if out is None:
            return text
        from ..formats.files import write_output

        base = session.state["path"]
        write_output(out, text, protect=(base, base + "-wal", base + "-shm"))
        return None

    text = session.run(call)
    if text is not None:
        sys.stdout.write(text)


@command()
def settings(
    dial_from: DialFrom = None,
    no_dial_from: bool = typer.Option(False, "--no-dial-from", help="Forget the country you call from."),
    as_json: Json = False,
) -> None:
    """Your own settings, kept in your per-user directory: the country you call from.

    With it set, every view shows each phone number as it is dialled from there (00 44 20 7946 0137 from France,
    011 44 20 7946 0137 from the United States) besides its international form. --dial-from on a command and
    $CTCONTACTS_DIAL_FROM come first. Without options, prints the settings.

    Example: ctcontacts settings --dial-from FR
    """
    import json
    import os

    from ..base.errors import UsageError

    def call():
        current = session.settings()
        if dial_from is not None and no_dial_from:
            raise UsageError("give --dial-from COUNTRY or --no-dial-from, not both.")
        if dial_from is None and not no_dial_from:
            return current
        updated = dict(current)
        if no_dial_from:
            updated.pop("dial_from", None)
        else:
            from ..domain.members import resolve_member

            code = session.country_code(dial_from, "--dial-from")
            if resolve_member(code) != code:  # a real country, not only two letters
                raise UsageError(f"--dial-from {dial_from!r} is not a country; give one such as FR, US or JP.")
            updated["dial_from"] = code
        path = session.settings_path()
        temporary = path + ".new"
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # readable by you only
            with open(fd, "w", encoding="utf-8") as f:
                json.dump(updated, f, indent=2)
                f.write("\n")
            os.replace(temporary, path)  # whole or not at all
        except OSError as e:
            raise UsageError(f"cannot write the settings file {path} ({e.strerror}); check that folder and its "
                             "permissions.") from None
        return updated

    def draw(render, doc):
        out = render.stdout()
        place = session.settings_path()
        if doc.get("dial_from"):
            from ..domain.members import member_label

            render.say(out, "Numbers are also shown as dialled from", (member_label(doc["dial_from"]), "bold"),
                       f"(dial_from in {place}).")
        else:
            render.say(out, f"No country to dial from is set (ctcontacts settings --dial-from COUNTRY sets it, in {place}).")

    _answer(call, as_json, draw)
