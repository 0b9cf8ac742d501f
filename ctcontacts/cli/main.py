"""The program's entry point: ``ctcontacts`` runs ``main``.

An emergency lookup is typed under stress; Typer and Click alone take longer to
import than everything ``whois --json`` needs. ``main`` therefore answers a plain
``whois`` itself (``lookup.whois_command``, which the Typer command calls too) and
hands every other command line, and anything it does not recognise, to the Typer app
(``app.py``). Both write through one output path (``output.py``).
"""

from __future__ import annotations

import sys

from ..base.errors import OutputError
from . import session
from .lookup import whois_command
from .output import Errors, Output, silence

WHOIS_OPTIONS = {"--country": "country", "-c": "country", "--network": "network", "-n": "network",
                 "--at": "at", "--tz": "tz", "--speaks": "speaks", "--db": "db", "--dial-from": "dial_from"}


def plain_whois(argv: list[str]) -> dict | None:
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
        key = WHOIS_OPTIONS.get(name)
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


def _dispatch(argv: list[str]):
    """Run one command line; its exit code."""
    opts = plain_whois(argv)
    if opts is None:
        from .app import run_app

        return run_app()
    return whois_command(country=opts["country"], network=opts["network"], at=opts.get("at"), tz=opts.get("tz"),
                         speaks=opts.get("speaks"), as_json=opts["as_json"], db=opts.get("db"),
                         dial_from=opts.get("dial_from"))


def main() -> None:
    """The program: the fast ``whois``, else the Typer app, with one output path for
    both. A closed or full standard output is one line on stderr and exit 2; a reader
    that stopped reading (``| head``) ends it quietly, also with exit 2."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Output(out), Errors(err)
    session.state.update(db=None, path=None)
    try:
        try:
            code = _dispatch(sys.argv[1:])
        except SystemExit as e:
            code = e.code
        sys.stdout.flush()  # here, not at exit: a full disk is found while it can be reported
    except OutputError as e:
        if not e.quiet:
            sys.stderr.write(f"error: {session.plain(e)}\n")
        silence(out)
        code = e.exit_code
    except KeyboardInterrupt:
        # Ctrl-C: the user stopped it. No traceback; the shell's code for an interrupt.
        # (An import or other write is one transaction: it happened whole or not at all.)
        err.write("interrupted.\n")
        silence(out)
        code = 130
    finally:
        sys.stdout, sys.stderr = out, err
    raise SystemExit(code)
