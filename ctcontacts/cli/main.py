"""The program's entry point: ``ctcontacts`` runs ``main``.

An emergency lookup is typed under stress; Typer and Click alone take longer to
import than everything ``whois --json`` needs. ``main`` therefore answers a plain
``whois`` or ``now`` itself (``lookup.whois_command``, ``lookup.now_command``, which the
Typer commands call too) and hands every other command line, and anything it does not
recognise, to the Typer app (``app.py``). Both write through one output path (``output.py``).
"""

from __future__ import annotations

import gc
import os
import sys

from ..base.errors import OutputError
from . import session
from .lookup import now_command, whois_command
from .output import Errors, Output, silence

# The commands ``main`` answers itself: for each, its options (option -> parameter),
# its flags, and the options it cannot do without. tests/test_layout.py keeps them the
# Typer commands' own, but for those in TYPER_ONLY, which Typer answers.
FAST_COMMANDS = {
    "whois": ({"--country": "country", "-c": "country", "--network": "network", "-n": "network",
               "--at": "at", "--tz": "tz", "--speaks": "speaks", "--db": "db", "--dial-from": "dial_from"},
              {"--json": "as_json", "--as-recorded": "as_recorded"}, ("country", "network")),
    # The network board: 259 members answered at once, where Typer's own start-up
    # (30 ms) would be a fifth of the whole.
    "now": ({"--network": "network", "-n": "network", "--at": "at", "--tz": "tz", "--speaks": "speaks",
             "--db": "db", "--dial-from": "dial_from"},
            {"--json": "as_json", "--all-networks": "all_networks"}, ()),
}
TYPER_ONLY = {"now": {"--watch"}}  # a live screen: start-up is not what it waits for


def plain_command(argv: list[str]) -> tuple[str, dict] | None:
    """The command and options of a plain ``[--db PATH] whois|now ...`` command line, or
    ``None`` for anything else (help, unknown or repeated options): Typer then handles it."""
    args = list(argv)
    before: dict = {}
    while args and args[0] not in FAST_COMMANDS:
        head = args.pop(0)
        if head == "--db" and args:
            before["db"] = args.pop(0)
        elif head.startswith("--db="):
            before["db"] = head[5:]
        else:
            return None
    if not args:
        return None
    command = args.pop(0)
    options, flags, required = FAST_COMMANDS[command]
    opts: dict = dict.fromkeys(flags.values(), False) | before
    while args:
        head = args.pop(0)
        flag = flags.get(head)
        if flag is not None and not opts[flag]:
            opts[flag] = True
            continue
        name, eq, value = head.partition("=")
        key = options.get(name)
        if key is None or (eq and not name.startswith("--")):
            return None
        if not eq:
            if not args or (args[0].startswith("-") and key != "at"):
                return None  # a missing value: Typer says so
            value = args.pop(0)
        if key in opts and key != "db":
            return None
        opts[key] = value
    if any(k not in opts for k in required):
        return None
    return command, opts


def _dispatch(argv: list[str]) -> tuple[object, bool]:
    """Run one command line; its exit code, and whether ``main`` answered it itself (a
    plain lookup, which reads and never writes)."""
    plain = plain_command(argv)
    if plain is None:
        from .app import run_app

        return run_app(), False
    command, opts = plain
    if command == "now":
        return now_command(network=opts.get("network"), all_networks=opts["all_networks"], at=opts.get("at"),
                           tz=opts.get("tz"), speaks=opts.get("speaks"), as_json=opts["as_json"], db=opts.get("db"),
                           dial_from=opts.get("dial_from")), True
    return whois_command(country=opts["country"], network=opts["network"], at=opts.get("at"), tz=opts.get("tz"),
                         speaks=opts.get("speaks"), as_json=opts["as_json"], db=opts.get("db"),
                         as_recorded=opts["as_recorded"], dial_from=opts.get("dial_from")), True


# Fast path: Python's cycle collector looks at its youngest objects every 700 new ones;
# a lookup makes tens of thousands (modules, classes, a board's 2,590 contacts) and
# almost no cycles. Every 100,000: whois --json 147.3 M -> 146.0 M instructions, now
# over 259 members 708 M -> 686 M (the installed script, valgrind --tool=callgrind);
# cycles are still collected, only less often (a live board's redraws included).
COLLECT_EVERY = 100_000


def program() -> None:
    """The ``ctcontacts`` executable (and ``python -m ctcontacts``): ``main``, leaving
    at once after a lookup it answered itself when the process is the program's alone.
    Anything else in the process must get its ``SystemExit`` and go on: a caller that
    captures the output (a test harness), a script that runs this one (``runpy``), a
    profiler, tracer, debugger or coverage tool, an interactive session."""
    from ..storage import db

    launcher = getattr(sys.modules.get("__main__"), "program", None) is program
    alone = (launcher and sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__
             and sys.getprofile() is None and sys.gettrace() is None and not sys.flags.interactive)
    if alone:
        db.opened = []  # (closed before leaving, whatever the command left open)
    main(leave_at_once=alone)


def main(*, leave_at_once: bool = False) -> None:
    """The program: the fast ``whois``, else the Typer app, with one output path for
    both. A closed or full standard output is one line on stderr and exit 2; a reader
    that stopped reading (``| head``) ends it quietly, also with exit 2.

    ``leave_at_once``: after a plain lookup whose answer is written and flushed, the
    process ends without Python's teardown (``os._exit``), which frees every object and
    module one by one for nobody. Fast path: that teardown was 16 M of whois --json's
    150 M instructions (valgrind --tool=callgrind), and 23 M of a board's. A lookup
    has nothing left to write (an upgrade of the database commits as it opens), and
    every connection ``connect`` opened is closed first (``db.opened``, which
    ``program`` keeps): tests/test_startup.py checks that no journal file is left."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Output(out), Errors(err)
    session.state.update(db=None, path=None)
    threshold = gc.get_threshold()
    if threshold[0]:  # (0: a caller in this process turned automatic collection off)
        gc.set_threshold(COLLECT_EVERY, *threshold[1:])
    try:
        try:
            code, plain = _dispatch(sys.argv[1:])
        except SystemExit as e:
            code, plain = e.code, False
        sys.stdout.flush()  # here, not at exit: a full disk is found while it can be reported
        if leave_at_once and plain and isinstance(code, int):
            from ..storage import db

            for conn in db.opened or ():
                conn.close()  # (a no-op for one closed already; a lookup has nothing uncommitted)
            sys.stderr.flush()
            os._exit(code)
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
        gc.set_threshold(*threshold)
    raise SystemExit(code)
