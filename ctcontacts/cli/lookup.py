"""``whois`` and ``now`` as the command line prints them: the one function behind both
the Typer command and the fast path of ``main``, which answers a plain lookup without Typer."""

from __future__ import annotations

import sys

from . import session


def whois_command(*, country: str, network: str, at: str | None, tz: str | None, speaks: str | None,
                  as_json: bool, db: str | None, as_recorded: bool = False) -> int:
    """``ctcontacts whois``: print the answer; the exit code is 0 if someone is on duty, else 1."""
    from ..time import clock
    from ..storage.db import connect
    from ..views.whois import speaks_option
    from ..views.whois import whois as ask

    def call():
        user = clock.zone_option(tz)
        instant = clock.parse_when(at, user)
        member = session.member_option(country)
        conn = connect(session.db_path(db))
        return user, ask(conn, network, member, instant, clock.now(), speaks=speaks_option(speaks),
                         as_recorded=as_recorded)

    user, answer = session.run(call)
    if as_json:
        # Scripts get plain JSON and plain warnings: no rich on this path.
        for w in answer.warnings:
            sys.stderr.write(f"{'' if w.startswith('DEMO DATA') else 'warning: '}{session.plain(w)}\n")
        session.print_json(answer.to_json(), ascii_only=False)
    else:
        from . import render

        render.warnings(answer.warnings, render.stderr())
        render.whois(answer, user, render.stdout())
    return 0 if answer.on_duty else 1


def now_command(*, network: str | None, all_networks: bool, at: str | None, tz: str | None, speaks: str | None,
                as_json: bool, db: str | None) -> int:
    """``ctcontacts now``: every member of a network (or of all) at once; exit code 0."""
    from ..base.errors import UsageError
    from ..time import clock
    from ..time.isotime import format_utc
    from ..storage import store
    from ..storage.db import connect
    from ..views.board import BOARD_HORIZON, network_fallbacks, now_board
    from ..views.whois import speaks_option

    def call():
        if network is None and not all_networks:
            raise UsageError("give --network CODE or --all-networks.")
        user = clock.zone_option(tz)
        instant = clock.parse_when(at, user)
        conn = connect(session.db_path(db))
        codes = sorted(store.networks(conn)) if all_networks else [network]
        board = now_board(conn, codes, instant, clock.now(), speaks=speaks_option(speaks))
        return user, instant, board, network_fallbacks(conn, codes)

    user, instant, board, fallbacks = session.run(call, as_json)
    days = BOARD_HORIZON // 86400
    if as_json:
        session.print_json({"at": format_utc(instant), "speaks": speaks_option(speaks), "horizon_days": days,
                            "members": board, "networks": fallbacks}, ascii_only=False)
    else:
        from . import render

        render.now_board(board, user, instant, render.stdout(), speaks=speaks_option(speaks), networks=fallbacks,
                         horizon_days=days)
    return 0
