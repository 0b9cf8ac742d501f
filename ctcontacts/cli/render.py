"""Human output with rich. Roster text never reaches rich as markup and never
reaches the terminal with control characters: everything goes through ``safe``
into ``Text`` objects, which rich does not parse for markup."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..domain.members import member_label
from ..storage.marks import FALLBACK_MARK, MARK, imports_text
from ..storage.marks import describe as describe_mark
from ..base.text import safe
from ..views.whois import Answer, Entry
from ..time.zones import Zone, lookup_zone


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


def wall_time(zone: Zone, instant: int, with_day: bool = True) -> str:
    """``Mon 30 Nov 09:00 CET``; seconds are shown when they are not zero."""
    local = zone.to_local(instant)
    fmt = ("%a %d %b " if with_day else "") + ("%H:%M:%S" if local.second else "%H:%M")
    return f"{local.strftime(fmt)} {zone.abbreviation(instant)}"


def warnings(messages: list[str], err: Console) -> None:
    for m in messages:
        style = "bold white on red" if m.startswith("DEMO DATA") else "yellow"
        err.print(T(f"warning: {m}" if not m.startswith("DEMO DATA") else m, style))


def _table(entries: list[Entry], answer: Answer, user: Zone, title: str, fallback: bool = False) -> Table:
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
            until_text = lines(wall_time(e.zone, until), (wall_time(user, until), "dim"))
        reach = [(p, "bold cyan") for p in c.phones] + [c.email, (c.secure_channel, "dim")]
        flag = (MARK, "bold white on red") if e.reach_changed else ""
        moved = (FALLBACK_MARK, "bold white on red") if fallback and answer.fallback_changed else ""
        table.add_row(
            T(c.rank),
            lines((c.name, "bold"), c.agency, (c.role, "dim"), flag, moved),
            lines(*reach),
            T(", ".join(c.languages)),
            lines(wall_time(e.zone, answer.at), (e.zone.name, "dim")),
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
    out.print(T(f"at {wall_time(user, answer.at)} your time ({user.name})"))
    if answer.on_duty:
        out.print(_table(answer.on_duty, answer, user, "On duty now, call in this order"))
    else:
        lang = f" who speaks {answer.speaks!r}" if answer.speaks else ""
        out.print(T(f"NOBODY ON DUTY{lang} for {where} in {net.code} at this time.", "bold white on red"))
        if answer.fallback_changed and answer.fallback_member != answer.member:
            out.print(T(_fallback_line(net.code, answer.fallback_changed), "bold white on red"))
        if answer.fallback:
            out.print(_table(answer.fallback, answer, user,
                             f"Fallback: {answer.fallback_member} (the network's fallback) on duty now", fallback=True))
        elif answer.fallback_member and answer.fallback_member != answer.member:
            out.print(T(f"The fallback {answer.fallback_member} has nobody on duty either.", "bold red"))
        else:
            out.print(T(f"{net.code} names no fallback member.", "bold red"))
    if answer.next:
        start = answer.next_from
        names = ", ".join(f"{safe(e.contact.name)} (rank {e.contact.rank})" for e in answer.next)
        zone = answer.next[0].zone
        out.print(T(f"Next on duty: {names} from {wall_time(zone, start)} there, {wall_time(user, start)} your time."))
    else:
        out.print(T("Nobody comes on duty in the next 366 days."))
    recorded = " as recorded then" if answer.as_recorded else ""
    if answer.provenance:
        out.print(source_line(f"Roster{recorded}", answer.provenance))
    elif answer.as_recorded:
        out.print(T(f"Roster as recorded then: none (no roster for {where} in {net.code} at that time).", "bold red"))
    if answer.fallback_provenance and answer.fallback:
        out.print(source_line(f"Fallback roster{recorded}", answer.fallback_provenance))


def signer_text(signer: dict | None) -> str:
    """``signed by SHA256:… (ssh-ed25519), trusted for FR``, or ``unsigned``."""
    if signer is None:
        return "unsigned"
    trusted = (f"trusted for {signer['trusted_for']}" if signer["trusted_for"] else "by a key NOT TRUSTED for it")
    return f"signed by {signer['fingerprint']} ({signer['key_type']}), {trusted}"


def source_line(label: str, prov: dict) -> Text:
    """Where a roster's numbers came from: the import, its file, who signed it."""
    since = (f", current since #{prov['made_current_by']}"
             if prov.get("made_current_by") not in (None, prov["import_id"]) else "")
    head = f"{label}: import #{prov['import_id']}{since} ({_base_name(prov['file'])}), "
    signer = prov["signer"]
    if signer is None:
        if prov["policy"] == "required":
            return T(head + "UNSIGNED, though its network requires signatures.", "bold red")
        return T(head + "unsigned.")
    if not signer["trusted_now"]:
        was = f"trusted for {signer['trusted_for']} at import, " if signer["trusted_for"] else ""
        return T(head + f"signed by {signer['fingerprint']} ({signer['key_type']}), {was}NOT TRUSTED now.",
                 "bold red")
    return T(head + signer_text(signer) + ".", "green")


def _base_name(path: str | None) -> str:
    import os

    return os.path.basename(path or "") or str(path)


def _trust_line(c: dict) -> str:
    if c["what"] == "policy":
        return f"signatures in {c['network']}: {c['before']} -> {c['after']}"
    whom = f"{c['for']} in {c['network']}"
    state = c["after"] or c["before"] or {}
    key = f"{c['fingerprint']} ({state.get('key_type', 'key')}{', ' + state['comment'] if state.get('comment') else ''})"
    if c["after"] is None:
        return f"no longer trusted: {key} for {whom}"
    until = f", until {c['after']['expires']}" if c["after"].get("expires") else ""
    return f"trusted: {key} for {whom}{until}"


def trust_change(change, out: Console) -> None:
    """What a trust command changed, and how to undo it."""
    for c in change.changes:
        line = _trust_line(c)
        if change.import_id is None:
            out.print(T(f"already so ({line}); nothing changed."))
        else:
            out.print(T(line, "bold"))
    if change.import_id is not None:
        out.print(T(f"recorded as change #{change.import_id} by {change.by} (ctcontacts history; undo with "
                    f"ctcontacts rollback {change.import_id})"))


def trust_keys(rows: list[dict], out: Console) -> None:
    """The trusted keys, one block each: the fingerprint whole on one line, as it is read
    out on the telephone to the key's owner."""
    if not rows:
        out.print(T("no trusted keys."))
        return
    for r in rows:
        out.print(T(f"{r['network']} {r['for']}: {r['fingerprint']}", "bold"))
        out.print(T(f"  {r['key_type']} {r['comment']}".rstrip()))
        until = f"until {r['expires']}" if r["expires"] else "no expiry"
        out.print(T(f"  trusted since {r['added_at'][:10]} by {r['added_by']} (#{r['import_id']}), {until}"
                    + (": EXPIRED" if r["expired"] else ""), "bold red" if r["expired"] else ""))


def verified(doc: dict, out: Console) -> None:
    """``verify``: who signed the file, and for what that key is trusted here."""
    if not doc["verified"]:
        return
    out.print(T(f"{doc['file']}: good signature ({doc['signature']}, {doc['hash']}) by {doc['key_type']} key "
                f"{doc['fingerprint']}", "bold"))
    if not doc["directory"]:
        out.print(T("no directory here, so no key is trusted (give --db).", "bold red"))
        return
    if not doc["trusted_for"]:
        out.print(T("that key is NOT TRUSTED for any member in this directory (ctcontacts trust add, after checking "
                    "it with its owner).", "bold red"))
    for t in doc["trusted_for"]:
        until = f", until {t['expires']}" if t["expires"] else ""
        state = ("EXPIRED: ", "bold red") if t["expired"] else ("", "green")
        out.print(T(f"{state[0]}trusted for {t['for']} in {t['network']}{until}"
                    + (f" ({t['comment']})" if t["comment"] else ""), state[1]))


def _ids(ids: list[str]) -> str:
    return ", ".join(safe(i) for i in ids)


def _calendar(calendar: dict, out: Console) -> None:
    """What a duty calendar held, contact by contact: nothing it gave is left unsaid."""
    def n(count: int, one: str, many: str) -> str:
        return f"{count:,} {one if count == 1 else many}"

    head = f"  calendar {safe(calendar['file'])}: {n(calendar['events'], 'event', 'events')} read"
    if calendar.get("unassigned_cancelled"):
        head += f", {n(calendar['unassigned_cancelled'], 'cancelled event', 'cancelled events')} naming nobody"
    out.print(T(head))
    for c in calendar["contacts"]:
        parts = [n(c["events"], "event", "events"),
                 n(c["series_kept_as_rules"], "series kept as a rule", "series kept as rules"),
                 n(c["series_with_an_end"], "series with an end", "series with an end") + " (as dated shifts)",
                 n(c["dated_shifts"], "dated shift", "dated shifts"),
                 n(c["off_periods"], "off period", "off periods"),
                 n(c["exceptions_applied"], "exception applied", "exceptions applied")]
        none = c["cancelled"] + c["zero_length"]
        if none:
            parts.append(f"{n(none, 'event gives', 'events give')} no duty ({c['cancelled']} cancelled, "
                         f"{c['zero_length']} of zero length)")
        out.print(T(f"    {safe(c['id'])}: " + "; ".join(parts)))


def import_report(report, out: Console) -> None:
    """The change report of an import, dry run or rollback, roster by roster."""
    for r in report.rosters:
        head = f"{r.network} {r.member}: "
        if r.unchanged:
            out.print(T(head + f"unchanged ({r.contacts} contacts)"))
            if r.signer:
                out.print(T(f"  {signer_text(r.signer)}"))
            if r.calendar:
                _calendar(r.calendar, out)
            continue
        if r.new_roster:
            out.print(T(head + f"new roster, {r.contacts} contacts ({_ids(r.added)})", "bold"))
            if r.signer:
                out.print(T(f"  {signer_text(r.signer)}"))
            continue
        if r.gone:
            out.print(T(head + f"roster removed ({_ids(r.removed)})", "bold"))
            continue
        out.print(T(head + f"{r.contacts} contacts", "bold"))
        if r.signature:
            dropped = r.signature["old"] is not None and r.signature["new"] is None
            out.print(T(f"  signature: {signer_text(r.signature['old'])} -> {signer_text(r.signature['new'])}",
                        "bold white on red" if dropped else "bold"))
        elif r.signer:
            out.print(T(f"  {signer_text(r.signer)}"))
        if r.calendar:
            _calendar(r.calendar, out)
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
            if cid in r.cleared:
                out.print(T(f"  REACH CHANGE {safe(cid)}: {', '.join(fields)}: back to the value on record, "
                            "its unconfirmed mark is cleared", "bold"))
            else:
                out.print(T(f"  REACH CHANGE {safe(cid)}: {', '.join(fields)} (check out of band, then ctcontacts "
                            "confirm)", "bold white on red"))
        for cid in r.cleared:
            if cid not in r.reach:
                out.print(T(f"  reach mark of {safe(cid)} cleared: back to the value on record", "bold"))
    for c in getattr(report, "trust", []):
        out.print(T(f"trust: {_trust_line(c)}", "bold"))
    for n in report.networks:
        new = n.new or {}
        what = "restored to the shipped definition" if n.new is None else (
            f"defined: {new.get('name')} (fallback {new.get('fallback') or 'none'})")
        out.print(T(f"network {n.code}: {what}", "bold"))
        if n.fallback_changed:
            tail = (": back to the fallback on record, its unconfirmed mark is cleared" if n.cleared else
                    f" (check out of band, then ctcontacts confirm --network {n.code} --fallback)")
            out.print(T(f"  REACH CHANGE network {n.code} fallback: {n.old_fallback or '(none)'} -> "
                        f"{n.new_fallback or '(none)'}{tail}", "bold" if n.cleared else "bold white on red"))
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
        files = lines(*[part for f in e["files"] for part in (
            f"{f['name']} ({f['format']}, sha256 {f['sha256'][:12]}…)", _file_signature(f.get("signature")))])
        kind = e["kind"] + (f" of #{e['rollback_of']}" if e["rollback_of"] else "")
        if e.get("trust"):
            changes = lines(*[_trust_line(c) for c in e["trust"]])
            table.add_row(T(e["import_id"]), T(e["at"].replace("T", " ").rstrip("Z")), T(e["user"]), T(kind),
                          files, T("ok", "green"), changes)
            continue
        if e["outcome"] == "ok":
            c = e["counts"]
            parts = [f"{len(e['rosters'])} rosters", f"+{c['added']} -{c['removed']} ~{c['changed']}"]
            nets = [(f"network {n['code']}: fallback {n['fallback']['old'] or '(none)'} -> "
                     f"{n['fallback']['new'] or '(none)'}"
                     + (" (back as on record: mark cleared)" if n.get("fallback_cleared") else ""), "bold red")
                    if n["fallback_changed"] else f"network {n['code']}: definition changed" for n in e["networks"]]
            nets += [f"{r['network']} {r['member']}: reach mark cleared ({_ids(r['reach_cleared'])})"
                     for r in e["rosters"] if r.get("reach_cleared")]
            changes = lines(*parts, *nets,
                            (f"{c['reach_changes']} reach changes", "bold red") if c["reach_changes"] else "")
            outcome = T("ok", "green")
        else:
            changes = T(e["reason"])
            outcome = T("refused", "bold red")
        table.add_row(T(e["import_id"]), T(e["at"].replace("T", " ").rstrip("Z")), T(e["user"]), T(kind),
                      files, outcome, changes)
    out.print(table)


def _file_signature(sig: dict | None) -> tuple[str, str] | str:
    if sig is None:
        return ""
    if not sig["verified"]:
        return ("BAD SIGNATURE", "bold red")
    return (f"signed by {sig['fingerprint']}", "green")


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


# --- network views ------------------------------------------------------------------

STATUS_STYLE = {"covered": ("covered", "green"), "backup_only": ("backup only", "yellow"),
                "nobody": ("NOBODY ON DUTY", "bold white on red"), "no_roster": ("no roster", "red")}


def _marks_below(items: list[tuple[str, str, str, dict]], out: Console) -> None:
    """One line per marked contact under a table: (network, member, id, mark)."""
    seen = set()
    for network, member, cid, mark in items:
        if (network, member, cid) in seen:
            continue
        seen.add((network, member, cid))
        out.print(T(f"{MARK}: {network} {member} {cid!r}: {describe_mark(mark)}; check it out of band, then "
                    f"ctcontacts confirm --network {network} --country {member} --contact {cid}", "bold red"))


def _fallback_line(code: str, mark: dict) -> str:
    return (f"{FALLBACK_MARK}: {code} fallback {mark['old'] or '(none)'} -> {mark['new'] or '(none)'} "
            f"(import {imports_text(mark)})")


def _fallback_lines(networks: list[dict], out: Console) -> None:
    for n in networks:
        if n["fallback_changed"]:
            out.print(T(f"{_fallback_line(n['code'], n['fallback_changed'])}; check it out of band, then "
                        f"ctcontacts confirm --network {n['code']} --fallback", "bold red"))


def now_board(entries: list[dict], user: Zone, at: int, out: Console, speaks: str | None = None,
              networks: list[dict] | None = None, horizon_days: int = 16) -> None:
    out.print(T(f"at {wall_time(user, at)} your time ({user.name})"
                + (f"; only contacts who speak {speaks!r}" if speaks else "")))
    if any(e["demo"] for e in entries):
        out.print(T(" DEMO DATA: fictional directory, do not call these numbers ", "bold white on red"))
    several = len({e["network"] for e in entries}) > 1
    table = Table(show_lines=False)
    if several:
        table.add_column("network", no_wrap=True)
    table.add_column("member", ratio=2, overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("their time", no_wrap=True)
    table.add_column("on duty, rank 1 first", ratio=3, overflow="fold")
    table.add_column("number to call", no_wrap=True)
    table.add_column("until (UTC)", no_wrap=True)
    # Whether each roster is signed: a column once signatures are in use, else one line.
    signing = any(e.get("provenance") and (e["provenance"]["signed"] or e["provenance"]["policy"] == "required")
                  for e in entries)
    if signing:
        table.add_column("signed", no_wrap=True)
    missing = [e for e in entries if e["status"] == "no_roster"]
    for e in entries:
        if e["status"] == "no_roster":
            continue
        label, style = STATUS_STYLE[e["status"]]
        if e["status"] == "nobody" and speaks:
            label = f"NOBODY WHO SPEAKS {speaks.upper()}"
        local = e["local_time"]
        there = "" if local is None else local[11:16] + " " + local[19:]
        first = e["on_duty"][0] if e["on_duty"] else None
        who = lines(*[(f"{d['rank']} {d['name']}" + (" (reach changed)" if d["reach_changed"] else ""),
                       "bold red" if d["reach_changed"] else "") for d in e["on_duty"]]) if first else T("")
        if not first and e["next"]:
            who = T(f"next {e['next'][0]['from'][5:16].replace('T', ' ')}: {e['next'][0]['name']}", "dim")
        number = lines((first["phones"][0] if first and first["phones"] else (first or {}).get("email", ""), "bold cyan"),
                       (MARK, "bold white on red") if first and first["reach_changed"] else "")
        until = T("-" if not first else (first["until"] or f"{horizon_days}+ days").replace("T", " ")
                  .replace(":00Z", "").rstrip("Z"))
        cells = [T(member_label(e["member"])), T(label, style), T(there), who, number, until]
        if signing:
            cells.append(_signed_cell(e))
        table.add_row(*([T(e["network"])] if several else []), *cells)
    out.print(table)
    if missing:
        codes = " ".join(f"{e['network']}:{e['member']}" if several else e["member"] for e in missing)
        out.print(T(f"no roster ({len(missing)}): {codes}", "red"))
    for e in entries:
        for cid in e["not_evaluated"]:
            out.print(T(f"{e['network']} {e['member']} {cid}: duty not evaluated, never shown as on duty "
                        "(ctcontacts check says why)", "bold red"))
    _marks_below([(e["network"], e["member"], d["id"], d["reach_changed"])
                  for e in entries for d in e["on_duty"] if d["reach_changed"]], out)
    _fallback_lines(networks or [], out)
    if not signing and any(e.get("provenance") for e in entries):
        out.print(T("signed rosters: none (every roster here is unsigned)", "dim"))
    for e in entries:
        prov = e.get("provenance")
        if prov and prov["signer"]:
            out.print(source_line(f"{e['network']} {e['member']}", prov))


def _signed_cell(entry: dict) -> Text:
    prov = entry.get("provenance")
    if not prov or prov["signer"] is None:
        return T("NO", "bold red") if prov and prov["policy"] == "required" else T("no", "dim")
    return T("yes", "green") if prov["signer"]["trusted_now"] else T("UNTRUSTED", "bold red")


def schedule(doc: dict, user: Zone, out: Console) -> None:
    out.print(T(f"{member_label(doc['member'])} in {doc['network']}: {doc['from']} to {doc['to']}", "bold"))
    if not doc["roster"]:
        out.print(T("no roster: nobody can be named for this member.", "bold red"))
        return
    table = Table(show_lines=False)
    for col in ("from (there / you)", "to (there / you)", "rank", "contact", "number"):
        table.add_column(col, overflow="fold")
    rows = ([(s["start"], 0, s) for s in doc["shifts"]] + [(g["start"], 1, g) for g in doc["gaps"]]
            + [(b["start"], 2, b) for b in doc["backup_only"]])
    marks = {1: ("GAP: nobody on duty", "bold white on red"), 2: ("backups only: nobody of rank 1", "yellow")}
    for _, kind, item in sorted(rows, key=lambda r: (r[0], r[1])):
        s, e = _instant(item["start"]), _instant(item["end"])
        if kind:
            table.add_row(lines(wall_time(user, s)), lines(wall_time(user, e)), T(""), T(*marks[kind]), T(""))
            continue
        zone = lookup_zone(item["timezone"])
        start = T("(before the window)", "dim") if item["continues_before"] else lines(wall_time(zone, s), (wall_time(user, s), "dim"))
        end = T("(after the window)", "dim") if item["continues_after"] else lines(wall_time(zone, e), (wall_time(user, e), "dim"))
        who = lines((item["name"], "bold"), (MARK, "bold white on red") if item["reach_changed"] else "")
        table.add_row(start, end, T(item["rank"]), who, T(", ".join(item["phones"]), "cyan"))
    out.print(table)
    if not doc["gaps"]:
        out.print(T("no gap in this window.", "green"))
    _marks_below([(doc["network"], doc["member"], s["id"], s["reach_changed"])
                  for s in doc["shifts"] if s["reach_changed"]], out)


def _instant(text: str) -> int:
    import datetime as dt

    return int(dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())


CELL = {"covered": ("█", "green"), "backup": ("▓", "yellow"), "gap": ("░", "red"), "outside": (" ", "")}


def coverage(report, user: Zone, out: Console) -> None:
    from rich.columns import Columns

    from ..domain.coverage import week_grid

    out.print(T(f"{report.network}: {report.as_dict()['from']} to {report.as_dict()['to']}, "
                f"hours in {user.name}", "bold"))
    out.print(lines(("█ covered by rank 1  ", "green"), ("▓ backups only  ", "yellow"), ("░ nobody on duty", "red")))
    blocks = []
    for m in report.members:
        if not m.roster:
            continue
        block = Text()
        block.append(safe(member_label(m.member))[:28] + "\n", style="bold")
        block.append("    0     6     12    18   \n", style="dim")
        for day, row in zip(("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"), week_grid(m, user)):
            block.append(f"{day}  ")
            for state in row:
                ch, style = CELL[state]
                block.append(ch, style=style)
            block.append("\n")
        gap = _length(sum(e - s for s, e in m.gaps))
        backup = _length(sum(e - s for s, e in m.backup_only))
        block.append(f"gaps {gap}, backups only {backup}", style="red" if m.gaps else "green")
        blocks.append(block)
    out.print(Columns(blocks, width=30, padding=(1, 2)))
    for title, attr in (("Gaps: nobody on duty", "gaps"), ("Backups only: nobody of rank 1", "backup_only")):
        spans = [(m.member, s, e) for m in report.members if m.roster for s, e in getattr(m, attr)]
        if not spans:
            continue
        table = Table(title=T(title), title_justify="left")
        for col in ("member", "from (you)", "to (you)", "length"):
            table.add_column(col)
        for member, s, e in spans:
            table.add_row(T(member_label(member)), T(wall_time(user, s)), T(wall_time(user, e)), T(_length(e - s)))
        out.print(table)
    missing = [m.member for m in report.members if not m.roster]
    if missing:
        out.print(T(f"no roster: {' '.join(missing)}", "red"))


def _length(seconds: int) -> str:
    d, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return (f"{d}d " if d else "") + f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


SEVERITY_STYLE = {"info": "dim", "warning": "yellow", "error": "bold red", "critical": "bold white on red"}


def check(findings, out: Console) -> None:
    for f in findings:
        out.print(T(f"{f.severity:8} {f.code:13} {f.message}", SEVERITY_STYLE[f.severity]))


def marked(rows: list[dict]) -> list[dict]:
    """Rows whose contact has an unconfirmed reach change carry the mark under its name."""
    return [dict(r, name=lines((r["name"], "bold"), (MARK, "bold white on red"))) if r.get("reach_changed") else r
            for r in rows]


def contacts(rows: list[dict], out: Console) -> None:
    simple_table(marked(rows), [("rank", "#"), ("name", "name"), ("role", "role"), ("phones", "phones"),
                                ("email", "e-mail"), ("timezone", "zone"), ("duty_in_words", "duty")],
                 out, empty="no roster for that member in that network.")
    if rows and rows[0].get("provenance"):
        out.print(source_line("Roster", rows[0]["provenance"]))
    _marks_below([(r["network"], r["member"], r["id"], r["reach_changed"]) for r in rows if r["reach_changed"]], out)


def search(rows: list[dict], out: Console) -> None:
    simple_table(marked(rows), [("network", "network"), ("member", "member"), ("name", "name"),
                                ("agency", "agency"), ("phones", "phones"), ("email", "e-mail")], out)
    _marks_below([(r["network"], r["member"], r["id"], r["reach_changed"]) for r in rows if r["reach_changed"]], out)


def simple_table(rows: list[dict], columns: list[tuple[str, str]], out: Console, empty: str = "nothing found.") -> None:
    """A plain table of dicts: ``columns`` are (key, heading)."""
    if not rows:
        out.print(T(empty))
        return
    table = Table()
    for _, heading in columns:
        table.add_column(heading, overflow="fold")
    for r in rows:
        cells = []
        for key, _ in columns:
            value = r.get(key)
            if isinstance(value, Text):  # already made safe
                cells.append(value)
            elif isinstance(value, list):
                cells.append(lines(*value))
            else:
                cells.append(T("" if value is None else value))
        table.add_row(*cells)
    out.print(table)


def confirmed(done, echo) -> None:
    """What ``confirm`` recorded, one plain line each (``echo``: the command's printer)."""
    from ..storage.marks import describe as describe_mark
    from ..storage.marks import imports_text

    for c in done.contacts:
        echo(safe(f"confirmed {c['id']}: {describe_mark(c)}"))
    if done.fallback:
        mark = done.fallback
        echo(safe(f"confirmed the fallback of {done.network}: {mark['old'] or '(none)'} -> "
                  f"{mark['new'] or '(none)'} (import {imports_text(mark)})"))
    where = f"{done.member} in {done.network}"
    if done.unchanged:
        echo(safe(f"nothing to confirm for {', '.join(done.unchanged)} ({where}): no unconfirmed reach change."))
    elif done.member is not None and not done.contacts:
        echo(safe(f"nothing to confirm for {where}: no unconfirmed reach change."))
    if done.fallback_asked and not done.fallback:
        echo(safe(f"nothing to confirm for the fallback of {done.network}: it has no unconfirmed change."))
    if done.contacts or done.fallback:
        echo(safe(f"recorded as checked by {done.by} at {done.at}."))
