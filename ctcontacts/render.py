"""Human output with rich. Roster text never reaches rich as markup and never
reaches the terminal with control characters: everything goes through ``safe``
into ``Text`` objects, which rich does not parse for markup."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
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
        flag = ("REACH CHANGED, NOT CONFIRMED", "bold white on red") if e.reach_changed else ""
        table.add_row(
            T(c.rank),
            lines((c.name, "bold"), c.agency, (c.role, "dim"), flag),
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


def _ids(ids: list[str]) -> str:
    return ", ".join(safe(i) for i in ids)


def import_report(report, out: Console) -> None:
    """The change report of an import, dry run or rollback, roster by roster."""
    for r in report.rosters:
        head = f"{r.network} {r.member}: "
        if r.unchanged:
            out.print(T(head + f"unchanged ({r.contacts} contacts)"))
            continue
        if r.new_roster:
            out.print(T(head + f"new roster, {r.contacts} contacts ({_ids(r.added)})", "bold"))
            continue
        if r.gone:
            out.print(T(head + f"roster removed ({_ids(r.removed)})", "bold"))
            continue
        out.print(T(head + f"{r.contacts} contacts", "bold"))
        if r.issued:
            out.print(T(f"  issued: {r.issued['old']} -> {r.issued['new']}"))
        if r.demo:
            out.print(T(f"  demo data: {r.demo['old']} -> {r.demo['new']}", "bold"))
        if r.added:
            out.print(T(f"  added: {_ids(r.added)}", "green"))
        if r.removed:
            out.print(T(f"  removed: {_ids(r.removed)}", "red"))
        for c in r.changed:
            for name, values in c["fields"].items():
                if "old" in values:
                    detail = f"{safe(_show(values['old']))} -> {safe(_show(values['new']))}"
                else:
                    detail = (f"{values['old_count']} -> {values['new_count']} rules "
                              f"({values['rules_removed']} removed, {values['rules_added']} added)")
                out.print(T(f"  changed {safe(c['id'])} {name}: {detail}"))
        for cid, fields in r.reach.items():
            out.print(T(f"  REACH CHANGE {safe(cid)}: {', '.join(fields)} (check out of band, then ctcontacts confirm)",
                        "bold white on red"))
    for n in report.networks:
        new = n.new or {}
        what = "restored to the shipped definition" if n.new is None else (
            f"defined: {new.get('name')} (fallback {new.get('fallback') or 'none'})")
        out.print(T(f"network {n.code}: {what}", "bold"))
        if n.fallback_changed:
            out.print(T(f"  REACH CHANGE network {n.code} fallback: {n.old_fallback or '(none)'} -> "
                        f"{n.new_fallback or '(none)'}", "bold white on red"))
    if report.dry_run:
        out.print(T("dry run: nothing was written."))
    elif report.import_id is not None and not report.changed_anything:
        out.print(T(f"nothing changed (recorded as import #{report.import_id})."))
    elif report.import_id is not None:
        what = "rollback" if report.kind == "rollback" else "import"
        out.print(T(f"recorded as {what} #{report.import_id} (ctcontacts history; undo with ctcontacts rollback {report.import_id})"))


def _show(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "(none)" if value in (None, "") else str(value)


def history(entries: list[dict], out: Console) -> None:
    if not entries:
        out.print(T("no imports recorded."))
        return
    table = Table(show_lines=True)
    for col in ("#", "when (UTC)", "user", "what", "files", "outcome", "changes"):
        table.add_column(col, overflow="fold")
    for e in entries:
        files = lines(*[f"{f['name']} ({f['format']}, sha256 {f['sha256'][:12]}…)" for f in e["files"]])
        kind = e["kind"] + (f" of #{e['rollback_of']}" if e["rollback_of"] else "")
        if e["outcome"] == "ok":
            c = e["counts"]
            parts = [f"{len(e['rosters'])} rosters", f"+{c['added']} -{c['removed']} ~{c['changed']}"]
            changes = lines(*parts, (f"{c['reach_changes']} reach changes", "bold red") if c["reach_changes"] else "")
            outcome = T("ok", "green")
        else:
            changes = T(e["reason"])
            outcome = T("refused", "bold red")
        table.add_row(T(e["import_id"]), T(e["at"].replace("T", " ").rstrip("Z")), T(e["user"]), T(kind),
                      files, outcome, changes)
    out.print(table)


@contextmanager
def progress_bar(err: Console):
    """A progress callback drawing one bar per file on stderr (``(name, done, total)``)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    bars: dict[str, int] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as progress:
        def update(name: str, done: int, total: int) -> None:
            if name not in bars:
                bars[name] = progress.add_task(escape(safe(name)), total=total)
            progress.update(bars[name], completed=done)

        yield update
