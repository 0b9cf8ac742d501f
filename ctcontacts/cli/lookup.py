"""``whois`` and ``now`` as the command line prints them: the one function behind both
the Typer command and the fast path of ``main``, which answers a plain lookup without Typer."""

from __future__ import annotations

import sys

from . import session


def whois_command(*, country: str, network: str, at: str | None, tz: str | None, speaks: str | None,
                  as_json: bool, db: str | None, as_recorded: bool = False, dial_from: str | None = None) -> int:
    """``ctcontacts whois``: print the answer; the exit code is 0 if someone is on duty, else 1."""
    from ..time import clock
    from ..storage.db import connect
    from ..views.whois import dialling, speaks_option
    from ..views.whois import whois as ask

    def call():
        user = clock.zone_option(tz)
        instant = clock.parse_when(at, user)
        member = session.member_option(country)
        caller = session.dial_from_option(dial_from)
        conn = connect(session.db_path(db))
        try:
            dial = dialling(conn, *caller) if caller else None
            return user, ask(conn, network, member, instant, clock.now(), speaks=speaks_option(speaks),
                             dial_from=dial, as_recorded=as_recorded)
        finally:
            # Closed here, not when collected: sqlite3's statement cache makes each
            # connection part of a cycle, which only the cycle collector frees.
            conn.close()

    user, answer = session.run(call)
    if as_json:
        # Scripts get plain JSON and plain warnings: no rich on this path.
        for w in answer.warnings:
            sys.stderr.write(f"{'' if w.startswith('DEMO DATA') else 'warning: '}{session.plain(w)}\n")
        session.print_json(answer.to_json(user.name), ascii_only=False)
    else:
        from . import render

        render.warnings(answer.warnings, render.stderr())
        render.whois(answer, user, render.stdout())
    return 0 if answer.on_duty else 1


def now_command(*, network: str | None, all_networks: bool, at: str | None, tz: str | None, speaks: str | None,
                as_json: bool, db: str | None, dial_from: str | None = None) -> int:
    """``ctcontacts now`` (but ``--watch``, app.py): every member of a network (or of all) at once; exit code 0."""
    from ..time.isotime import format_utc
    from ..views.board import BOARD_HORIZON
    from ..views.whois import speaks_option

    now = NowBoard(network, all_networks, speaks, dial_from, db)
    try:
        user, instant, board, fallbacks, _, _, dial = session.run(lambda: now.first(at, tz), as_json)
    finally:
        now.close()
    if as_json:
        session.print_json({"at": format_utc(instant), "speaks": speaks_option(speaks),
                            "horizon_days": BOARD_HORIZON // 86400,
                            "members": board, "networks": fallbacks, "your_timezone": user.name,
                            "dial_from": dial.region if dial else None}, ascii_only=False, rows="members")
    else:
        from . import render

        draw_now(render, (user, instant, board, fallbacks, None, None, dial), speaks)
    return 0


class NowBoard:
    """The network board's inputs, read once, and the board at any instant: what
    ``now`` prints once and ``now --watch`` redraws."""

    def __init__(self, network: str | None, all_networks: bool, speaks: str | None, dial_from: str | None,
                 db: str | None):
        self.network, self.all_networks, self.speaks, self.dial_from, self.db = (
            network, all_networks, speaks, dial_from, db)
        self.conn = self.codes = self.dial = None

    def check(self) -> None:
        from ..base.errors import UsageError

        if self.network is None and not self.all_networks:
            raise UsageError("give --network CODE or --all-networks.")

    def first(self, at: str | None, tz: str | None):
        """(user zone, instant, board, network fallbacks, connection, codes, dialling)."""
        from ..storage import store
        from ..storage.db import connect
        from ..time import clock
        from ..views.whois import dialling

        self.check()
        user = clock.zone_option(tz)
        instant = clock.parse_when(at, user)
        caller = session.dial_from_option(self.dial_from)
        self.conn = connect(session.db_path(self.db))
        self.codes = sorted(store.networks(self.conn)) if self.all_networks else [
            store.find_network(self.conn, self.network).code]
        self.dial = dialling(self.conn, *caller) if caller else None
        return self.at(instant, user)

    def close(self) -> None:
        """Close the database connection, if one was opened (as ``whois_command`` does)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def at(self, instant: int, user):
        from ..time import clock
        from ..views.board import network_fallbacks, now_board
        from ..views.whois import speaks_option

        board = now_board(self.conn, self.codes, instant, clock.now(), speaks=speaks_option(self.speaks),
                          dial_from=self.dial)
        return user, instant, board, network_fallbacks(self.conn, self.codes), self.conn, self.codes, self.dial


def draw_now(render, r, speaks: str | None, out=None, changed=None) -> None:
    """Draw a board as ``NowBoard`` gives it."""
    from ..views.board import BOARD_HORIZON
    from ..views.whois import speaks_option

    render.now_board(r[2], r[0], r[1], out or render.stdout(), speaks=speaks_option(speaks), networks=r[3],
                     horizon_days=BOARD_HORIZON // 86400, changed=changed, dial_from=r[6].region if r[6] else None)
