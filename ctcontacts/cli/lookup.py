"""``whois`` as the command line prints it: the one function behind both the Typer
command and the fast path of ``main``, which answers a plain lookup without Typer."""

from __future__ import annotations

import sys

from . import session


def whois_command(*, country: str, network: str, at: str | None, tz: str | None, speaks: str | None,
                  as_json: bool, db: str | None, dial_from: str | None = None) -> int:
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
        dial = dialling(conn, *caller) if caller else None
        return user, ask(conn, network, member, instant, clock.now(), speaks=speaks_option(speaks), dial_from=dial)

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
