"""Human output with rich. Roster text never reaches rich as markup and never
reaches the terminal with control characters: everything goes through ``safe``
into ``Text`` objects, which rich does not parse for markup."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .members import member_label
from .text import safe
from .whois import Answer, Entry
from .zones import Zone


def T(value: object, style: str = "") -> Text:
    return Text(safe(value), style=style)


def lines(*parts: tuple[object, str] | object) -> Text:
    """Several sanitised values, one per line; empty ones are left out."""
    text = Text()
    for part in parts:
        value, style = part if isinstance(part, tuple) else (part, "")
        if value in (None, ""):
            continue
        if text:
            text.append("\n")
        text.append(safe(value), style=style)
    return text


def stdout() -> Console:
    return Console(highlight=False, emoji=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, emoji=False)


def clock(zone: Zone, instant: int, with_day: bool = True) -> str:
    local = zone.to_local(instant)
    fmt = "%a %d %b %H:%M" if with_day else "%H:%M"
    return f"{local.strftime(fmt)} {zone.abbreviation(instant)}"


def warnings(messages: list[str], err: Console) -> None:
    for m in messages:
        style = "bold white on red" if m.startswith("DEMO DATA") else "yellow"
        err.print(T(f"warning: {m}" if not m.startswith("DEMO DATA") else m, style))


def _table(entries: list[Entry], answer: Answer, user: Zone, title: str) -> Table:
    table = Table(title=T(title), title_justify="left", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("contact", overflow="fold", ratio=3)
    table.add_column("reach", overflow="fold", ratio=3)
    table.add_column("speaks", overflow="fold")
    table.add_column("their time", overflow="fold", ratio=1)
    table.add_column("on duty until\nthere / you", overflow="fold", ratio=2)
    for e in entries:
        c = e.contact
        until = e.status.until
        if until is None:
            until_text = T("no end within 366 days", "green")
        else:
            until_text = lines(clock(e.zone, until), (clock(user, until), "dim"))
        reach = [(p, "bold cyan") for p in c.phones] + [c.email, (c.secure_channel, "dim")]
        table.add_row(
            T(c.rank),
            lines((c.name, "bold"), c.agency, (c.role, "dim")),
            lines(*reach),
            T(", ".join(c.languages)),
            lines(clock(e.zone, answer.at), (e.zone.name, "dim")),
            until_text,
        )
    return table


def whois(answer: Answer, user: Zone, out: Console) -> None:
    net = answer.network
    where = member_label(answer.member)
    if answer.demo:
        # Also on stdout: a screenshot or a pasted answer must not lose the mark.
        out.print(T(" DEMO DATA: fictional directory, do not call these numbers ", "bold white on red"))
    out.print(T(f"{where} in {net.code} ({net.name})", "bold"))
    out.print(T(f"at {clock(user, answer.at)} your time ({user.name})"))
    if answer.on_duty:
        out.print(_table(answer.on_duty, answer, user, "On duty now, call in this order"))
    else:
        lang = f" who speaks {answer.speaks!r}" if answer.speaks else ""
        out.print(T(f"NOBODY ON DUTY{lang} for {where} in {net.code} at this time.", "bold white on red"))
        if answer.fallback:
            out.print(_table(answer.fallback, answer, user,
                             f"Fallback: {answer.fallback_member} (the network's fallback) on duty now"))
        elif answer.fallback_member and answer.fallback_member != answer.member:
            out.print(T(f"The fallback {answer.fallback_member} has nobody on duty either.", "bold red"))
        else:
            out.print(T(f"{net.code} names no fallback member.", "bold red"))
    if answer.next:
        start = answer.next_from
        names = ", ".join(f"{safe(e.contact.name)} (rank {e.contact.rank})" for e in answer.next)
        zone = answer.next[0].zone
        out.print(T(f"Next on duty: {names} from {clock(zone, start)} there, {clock(user, start)} your time."))
    else:
        out.print(T("Nobody comes on duty in the next 366 days."))
