"""Human output with rich. Roster text never reaches rich as markup and never
reaches the terminal with control characters: everything goes through ``safe``
into ``Text`` objects, which rich does not parse for markup.

Every view fits the console's width (``layout``): a table where it fits, stacked
cards below that, and no phone number, e-mail address or time ever broken across
lines (they are ``whole`` parts).
"""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..domain.members import member_label
from ..storage.marks import FALLBACK_MARK, MARK, imports_text
from ..storage.marks import describe as describe_mark
from ..base.text import safe
from ..time.isotime import format_length
from ..views.whois import Answer, Entry, dial_strings, international
from ..time.zones import Zone, lookup_zone
from .layout import Column, cell, flow, grid, line, say, whole


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


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 contact``, ``2 contacts``, ``1,000 rosters``."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def wall_time(zone: Zone, instant: int, with_day: bool = True) -> str:
    """``Mon 30 Nov 09:00 CET``; seconds are shown when they are not zero."""
    local = zone.to_local(instant)
    fmt = ("%a %d %b " if with_day else "") + ("%H:%M:%S" if local.second else "%H:%M")
    return f"{local.strftime(fmt)} {zone.abbreviation(instant)}"


def warnings(messages: list[str], err: Console) -> None:
    for m in messages:
        style = "bold white on red" if m.startswith("DEMO DATA") else "yellow"
        say(err, (f"warning: {m}" if not m.startswith("DEMO DATA") else m, style), hang=2)


def phone_lines(numbers: list[str], dial: list | None, style: str = "bold cyan") -> list:
    """Each number grouped in international form, and under it what to dial from the
    caller's country when it is known: every one a whole part."""
    out = []
    for i, number in enumerate(numbers):
        out.append(line(whole(number, style)))
        if dial and i < len(dial) and dial[i]:
            out.append(line(whole(f"dial {dial[i]}", "cyan")))
    return out


DEMO_BANNER = " DEMO DATA: fictional directory, do not call these numbers "


# --- whois --------------------------------------------------------------------------

WHOIS_COLUMNS = [Column("#", justify="right"), Column("contact"), Column("reach"), Column("speaks"),
                 Column("their time"), Column("on duty until\nthere / you")]
WHOIS_CARD = [Column("", title=True, hang=3, wrap=3), Column("phone"), Column("e-mail"), Column("secure"), Column("speaks"),
              Column("time"), Column("until")]


def _speaks_cell(e: Entry, lang: str | None):
    shown = line(", ".join(e.contact.languages) or "-")
    if e.speaks is False:
        return cell(shown, whole(f"not listed: {lang}", "bold yellow"))
    return cell(shown)


def _whois_rows(entries: list[Entry], answer: Answer, user: Zone, fallback: bool):
    rows, card_rows = [], []
    for e in entries:
        c = e.contact
        until = e.status.until
        flag = (MARK, "bold white on red") if e.reach_changed else ""
        moved = (FALLBACK_MARK, "bold white on red") if fallback and answer.fallback_changed else ""
        phones = phone_lines(international(c), dial_strings(c, answer.dial_from))
        there = whole(wall_time(e.zone, answer.at))
        zone = whole(e.zone.name, "dim")
        speaks = _speaks_cell(e, answer.speaks)
        if until is None:
            until_table = until_card = cell(("no end within 366 days", "green"))
        else:
            until_table = cell(whole(wall_time(e.zone, until)), whole(wall_time(user, until), "dim"))
            until_card = cell(line(whole(wall_time(e.zone, until)), ("there", "dim")),
                              line(whole(wall_time(user, until)), ("your time", "dim")))
        rows.append([cell(whole(c.rank)), cell((c.name, "bold"), c.agency, (c.role, "dim"), flag, moved),
                     [*phones, *cell(whole(c.email), (c.secure_channel, "dim"))], speaks, cell(there, zone),
                     until_table])
        card_rows.append([cell(line((f"{c.rank}.", "bold"), (c.name, "bold")), c.agency, (c.role, "dim"), flag, moved),
                          phones, cell(whole(c.email)), cell(c.secure_channel), speaks, cell(there, zone), until_card])
    return rows, card_rows


def _block(entries: list[Entry], answer: Answer, user: Zone, title: str, out: Console,
           fallback: bool = False, style: str = "", as_cards: bool = False) -> None:
    say(out, (title, style or "italic"))
    rows, card_rows = _whois_rows(entries, answer, user, fallback)
    grid(out, WHOIS_COLUMNS, rows, show_lines=True, cards_as=(WHOIS_CARD, card_rows), body=3, as_cards=as_cards)


def whois(answer: Answer, user: Zone, out: Console) -> None:
    from functools import partial

    from .layout import fits

    # Every table of one answer is drawn the same way: all tables, or all cards.
    blocks = [(answer.on_duty, False), (answer.on_duty_not_speaking, False), (answer.fallback, True),
              (answer.fallback_not_speaking, True)]
    tables = fits(out, WHOIS_COLUMNS, *[_whois_rows(e, answer, user, fb)[0] for e, fb in blocks])
    block = partial(_block, as_cards=not tables)
    net = answer.network
    where = member_label(answer.member)
    if answer.demo:
        # Also on stdout: a screenshot or a pasted answer must not lose the mark.
        say(out, (DEMO_BANNER, "bold white on red"))
    say(out, (f"{where} in {net.code} ({net.name})", "bold"))
    dial = f"; numbers to dial from {answer.dial_from.region}" if answer.dial_from else ""
    say(out, "at", whole(wall_time(user, answer.at)), f"your time ({user.name}){dial}")
    lang = answer.speaks
    if answer.on_duty:
        block(answer.on_duty, answer, user, "On duty now, call in this order", out)
    else:
        who = f" who speaks {lang!r}" if lang else ""
        say(out, (f"NOBODY ON DUTY{who} for {where} in {net.code} at this time.", "bold white on red"))
        if answer.on_duty_not_speaking:
            block(answer.on_duty_not_speaking, answer, user,
                            f"On duty, but not listed as speaking {lang!r}: a call in another language beats no call",
                            out, style="bold yellow")
        if answer.fallback_changed and answer.fallback_member != answer.member:
            say(out, (_fallback_line(net.code, answer.fallback_changed), "bold white on red"))
        if answer.fallback:
            block(answer.fallback, answer, user,
                            f"Fallback: {answer.fallback_member} (the network's fallback) on duty now", out,
                            fallback=True)
        elif answer.fallback_not_speaking:
            block(answer.fallback_not_speaking, answer, user,
                            f"Fallback: {answer.fallback_member} (the network's fallback): nobody on duty speaks "
                            f"{lang!r}; on duty now, in other languages", out, fallback=True, style="bold yellow")
        elif answer.fallback_member and answer.fallback_member != answer.member:
            say(out, (f"The fallback {answer.fallback_member} has nobody on duty either.", "bold red"))
        else:
            say(out, (f"{net.code} names no fallback member.", "bold red"))
    who = f" who speaks {lang!r}" if lang else ""
    if answer.next:
        start = answer.next_from
        names = ", ".join(f"{e.contact.name} (rank {e.contact.rank})" for e in answer.next)
        zone = answer.next[0].zone
        say(out, f"Next on duty{who}: {names} from", whole(wall_time(zone, start)), "there,",
            whole(wall_time(user, start)), "your time.")
    else:
        say(out, f"Nobody{who} comes on duty in the next 366 days.")
    recorded = " as recorded then" if answer.as_recorded else ""
    if answer.provenance:
        source_line(out, f"Roster{recorded}", answer.provenance)
    elif answer.as_recorded:
        say(out, (f"Roster as recorded then: none (no roster for {where} in {net.code} at that time).", "bold red"))
    if answer.fallback_provenance and answer.fallback:
        source_line(out, f"Fallback roster{recorded}", answer.fallback_provenance)


def signer_text(signer: dict | None) -> str:
    """``signed by SHA256:… (ssh-ed25519), trusted for FR``, or ``unsigned``."""
    if signer is None:
        return "unsigned"
    trusted = (f"trusted for {signer['trusted_for']}" if signer["trusted_for"] else "by a key NOT TRUSTED for it")
    return f"signed by {signer['fingerprint']} ({signer['key_type']}), {trusted}"


def signer_parts(signer: dict | None, style: str = "") -> list:
    """``signer_text`` as parts of a line, the fingerprint whole (it is read out on the telephone)."""
    if signer is None:
        return [("unsigned", style)]
    trusted = (f"trusted for {signer['trusted_for']}" if signer["trusted_for"] else "by a key NOT TRUSTED for it")
    return [("signed by", style), whole(signer["fingerprint"], style), (f"({signer['key_type']}), {trusted}", style)]


def source_line(out: Console, label: str, prov: dict) -> None:
    """Where a roster's numbers came from: the import, its file, who signed it."""
    since = (f", current since #{prov['made_current_by']}"
             if prov.get("made_current_by") not in (None, prov["import_id"]) else "")
    head = [f"{label}: import #{prov['import_id']}{since}", whole(f"({_base_name(prov['file'])}),")]
    signer = prov["signer"]
    if signer is None:
        if prov["policy"] == "required":
            say(out, *[(p, "bold red") if isinstance(p, str) else p for p in head],
                ("UNSIGNED, though its network requires signatures.", "bold red"))
        else:
            say(out, *head, "unsigned.")
        return
    if not signer["trusted_now"]:
        was = f"trusted for {signer['trusted_for']} at import, " if signer["trusted_for"] else ""
        say(out, *head, ("signed by", "bold red"), whole(signer["fingerprint"], "bold red"),
            (f"({signer['key_type']}), {was}NOT TRUSTED now.", "bold red"))
        return
    say(out, *head, *signer_parts(signer, "green"))


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
        text = _trust_line(c)
        if change.import_id is None:
            say(out, f"already so ({text}); nothing changed.")
        else:
            say(out, (text, "bold"))
    if change.import_id is not None:
        say(out, f"recorded as change #{change.import_id} by {change.by} (ctcontacts history; undo with "
            f"ctcontacts rollback {change.import_id})")


def trust_keys(rows: list[dict], out: Console) -> None:
    """The trusted keys, one block each: the fingerprint whole on one line, as it is read
    out on the telephone to the key's owner."""
    if not rows:
        say(out, "no trusted keys.")
        return
    for r in rows:
        say(out, (f"{r['network']} {r['for']}:", "bold"), whole(r["fingerprint"], "bold"))
        say(out, f"  {r['key_type']} {r['comment']}".rstrip(), hang=2)
        until = f"until {r['expires']}" if r["expires"] else "no expiry"
        say(out, (f"  trusted since {r['added_at'][:10]} by {r['added_by']} (#{r['import_id']}), {until}"
                  + (": EXPIRED" if r["expired"] else ""), "bold red" if r["expired"] else ""), hang=2)


def verified(doc: dict, out: Console) -> None:
    """``verify``: who signed the file, and for what that key is trusted here."""
    if not doc["verified"]:
        return
    say(out, (f"{doc['file']}: good signature ({doc['signature']}, {doc['hash']}) by {doc['key_type']} key", "bold"),
        whole(doc["fingerprint"], "bold"))
    if not doc["directory"]:
        say(out, ("no directory here, so no key is trusted (give --db).", "bold red"))
        return
    if not doc["trusted_for"]:
        say(out, ("that key is NOT TRUSTED for any member in this directory (ctcontacts trust add, after checking "
                  "it with its owner).", "bold red"))
    for t in doc["trusted_for"]:
        until = f", until {t['expires']}" if t["expires"] else ""
        state = ("EXPIRED: ", "bold red") if t["expired"] else ("", "green")
        say(out, (f"{state[0]}trusted for {t['for']} in {t['network']}{until}"
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
            out.print(T(head + f"unchanged ({plural(r.contacts, 'contact')})"))
            if r.signer:
                say(out, "  ", *signer_parts(r.signer), hang=2)
            if r.calendar:
                _calendar(r.calendar, out)
            continue
        if r.new_roster:
            out.print(T(head + f"new roster, {plural(r.contacts, 'contact')} ({_ids(r.added)})", "bold"))
            if r.signer:
                say(out, "  ", *signer_parts(r.signer), hang=2)
            continue
        if r.gone:
            out.print(T(head + f"roster removed ({_ids(r.removed)})", "bold"))
            continue
        out.print(T(head + plural(r.contacts, "contact"), "bold"))
        if r.signature:
            style = "bold white on red" if r.signature["old"] is not None and r.signature["new"] is None else "bold"
            say(out, ("  signature:", style), *signer_parts(r.signature["old"], style), ("->", style),
                *signer_parts(r.signature["new"], style), hang=2)
        elif r.signer:
            say(out, "  ", *signer_parts(r.signer), hang=2)
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
    what = "rollback" if report.kind == "rollback" else "import"
    if report.dry_run:
        out.print(T("dry run: nothing was written."))
    elif report.import_id is not None and not report.changed_anything:
        out.print(T(f"nothing changed (recorded as {what} #{report.import_id})."))
    elif report.import_id is not None:
        out.print(T(f"recorded as {what} #{report.import_id} (ctcontacts history; undo with ctcontacts rollback {report.import_id})"))


def _show(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "(none)" if value in (None, "") else str(value)


HISTORY_COLUMNS = [Column("#", justify="right"), Column("when (UTC)"), Column("user"), Column("what"),
                   Column("files"), Column("outcome"), Column("changes")]
HISTORY_CARD = [Column("", title=True), Column("files"), Column("changes")]


def history(entries: list[dict], out: Console) -> None:
    if not entries:
        say(out, "no imports recorded.")
        return
    rows, card_rows = [], []
    for e in entries:
        files = [ln for f in e["files"] for ln in (
            line(f["name"], whole(f"({f['format']}, sha256 {f['sha256'][:12]}…)", "dim")),
            _file_signature(f.get("signature"))) if ln]
        kind = e["kind"] + (f" of #{e['rollback_of']}" if e["rollback_of"] else "")
        when = whole(e["at"].replace("T", " ").rstrip("Z"))
        if e.get("trust"):
            changes = cell(*[_trust_line(c) for c in e["trust"]])
            outcome = ("ok", "green")
            rows.append([cell(whole(e["import_id"])), cell(when), cell(e["user"]), cell(kind), files, cell(outcome),
                         changes])
            card_rows.append([cell(line((f"#{e['import_id']}", "bold"), (kind, "bold"), when, "UTC by",
                                        e["user"] + ":", outcome)), files, changes])
            continue
        if e["outcome"] == "ok":
            c = e["counts"]
            nets = [(f"network {n['code']}: fallback {n['fallback']['old'] or '(none)'} -> "
                     f"{n['fallback']['new'] or '(none)'}"
                     + (" (back as on record: mark cleared)" if n.get("fallback_cleared") else ""), "bold red")
                    if n["fallback_changed"] else f"network {n['code']}: definition changed" for n in e["networks"]]
            nets += [f"{r['network']} {r['member']}: reach mark cleared ({_ids(r['reach_cleared'])})"
                     for r in e["rosters"] if r.get("reach_cleared")]
            changes = cell(plural(len(e["rosters"]), "roster"), f"+{c['added']} -{c['removed']} ~{c['changed']}",
                           *nets, (plural(c["reach_changes"], "reach change"), "bold red") if c["reach_changes"] else "")
            outcome = ("ok", "green")
        else:
            changes = cell(e["reason"])
            outcome = ("refused", "bold red")
        rows.append([cell(whole(e["import_id"])), cell(when), cell(e["user"]), cell(kind), files, cell(outcome),
                     changes])
        card_rows.append([cell(line((f"#{e['import_id']}", "bold"), (kind, "bold"), when, "UTC by", e["user"] + ":",
                                    outcome)), files, changes])
    grid(out, HISTORY_COLUMNS, rows, show_lines=True, cards_as=(HISTORY_CARD, card_rows))


def _file_signature(sig: dict | None) -> list:
    """A file's signature as a line of ``history`` (empty: unsigned)."""
    if sig is None:
        return []
    if not sig["verified"]:
        return line(("BAD SIGNATURE", "bold red"))
    return line(("signed by", "green"), whole(sig["fingerprint"], "green"))


@contextmanager
def progress_bar(err: Console):
    """A progress callback drawing one bar per file on stderr (``(name, done, total)``),
    then, once every file is read, a spinner for each phase that follows (checking,
    writing: ``importer.PHASE``), so a long write never sits under a full bar."""
    from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn

    from ..directory.importer import PHASE

    bars: dict[str, int] = {}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TimeRemainingColumn(), console=err, transient=True) as progress:
        def update(name: str, done: int, total: int) -> None:
            if name.startswith(PHASE):
                # The files are read: their bars give way to what is being done now.
                for task in bars.values():
                    progress.update(task, visible=False)
                bars[name] = progress.add_task(escape(name[len(PHASE):]) + "…", total=None)
                return
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
        say(out, (f"{MARK}: {network} {member} {cid!r}: {describe_mark(mark)}; check it out of band, then "
                  f"ctcontacts confirm --network {network} --country {member} --contact {cid}", "bold red"))


def _fallback_line(code: str, mark: dict) -> str:
    return (f"{FALLBACK_MARK}: {code} fallback {mark['old'] or '(none)'} -> {mark['new'] or '(none)'} "
            f"(import {imports_text(mark)})")


def _fallback_lines(networks: list[dict], out: Console) -> None:
    for n in networks:
        if n["fallback_changed"]:
            say(out, (f"{_fallback_line(n['code'], n['fallback_changed'])}; check it out of band, then "
                      f"ctcontacts confirm --network {n['code']} --fallback", "bold red"))


def _signed_cell(entry: dict) -> tuple[str, str]:
    """Whether a member's roster is signed, for the board's ``signed`` column."""
    prov = entry.get("provenance")
    if not prov or prov["signer"] is None:
        return ("NO", "bold red") if prov and prov["policy"] == "required" else ("no", "dim")
    return ("yes", "green") if prov["signer"]["trusted_now"] else ("UNTRUSTED", "bold red")


def _instant(text: str) -> int:
    import datetime as dt

    return int(dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())


def _short(zone: Zone, instant: int) -> str:
    """``29 Nov 07:00``: a moment within the board's horizon, on the user's clock."""
    local = zone.to_local(instant)
    return local.strftime("%d %b %H:%M")


def _board_cells(e: dict, user: Zone, speaks: str | None, horizon_days: int, changed: str | None):
    label, style = STATUS_STYLE[e["status"]]
    if e["status"] == "nobody" and speaks:
        label = f"NOBODY WHO SPEAKS {speaks.upper()}"
    local = e["local_time"]
    there = "" if local is None else local[11:16] + " " + local[19:]
    first = e["on_duty"][0] if e["on_duty"] else None
    who = [line((f"{d['rank']} {d['name']}" + (" (reach changed)" if d["reach_changed"] else ""),
                 "bold red" if d["reach_changed"] else "")) for d in e["on_duty"]]
    if not first and e.get("on_duty_not_speaking"):
        # Nobody on duty speaks it: who is on duty all the same, and their number.
        who = [line((f"not {speaks}: {d['rank']} {d['name']}", "yellow")) for d in e["on_duty_not_speaking"]]
        first = e["on_duty_not_speaking"][0]
    elif not first and e["next"]:
        nxt = e["next"][0]
        who.append(line(("next", "dim"), whole(_short(user, _instant(nxt["from"])) + ":", "dim"), (nxt["name"], "dim")))
    number = []
    if first:
        shown = first.get("phones_international") or first["phones"]
        if shown:
            number = phone_lines(shown[:1], (first.get("dial") or [])[:1])
        elif first["email"]:
            number = [line(whole(first["email"], "bold cyan"))]
        if first["reach_changed"]:
            number.append(line((MARK, "bold white on red")))
    until = "-" if not first else (_short(user, _instant(first["until"])) if first["until"]
                                   else f"{horizon_days}+ days")
    status = cell(whole(label, style), whole(f"changed {changed}", "bold reverse") if changed else "")
    return label, style, there, who, number, until, status


def now_board(entries: list[dict], user: Zone, at: int, out: Console, speaks: str | None = None,
              networks: list[dict] | None = None, horizon_days: int = 16, changed: dict | None = None,
              dial_from: str | None = None) -> None:
    """The board of ``now``. ``changed``: (network, member) -> when its duty changed,
    for ``now --watch``, which highlights those rows."""
    changed = changed or {}
    head = ["at", whole(wall_time(user, at)), f"your time ({user.name})"
            + (f"; only contacts who speak {speaks!r}" if speaks else "")
            + (f"; numbers to dial from {dial_from}" if dial_from else "")]
    say(out, *head)
    if any(e["demo"] for e in entries):
        say(out, (DEMO_BANNER, "bold white on red"))
    several = len({e["network"] for e in entries}) > 1
    # Whether each roster is signed: a column once signatures are in use, else one line.
    signing = any(e.get("provenance") and (e["provenance"]["signed"] or e["provenance"]["policy"] == "required")
                  for e in entries)
    columns = ([Column("network")] if several else []) + [
        Column("member"), Column("status"), Column("their time"), Column("on duty, rank 1 first"),
        Column("number to call"), Column(f"until ({user.abbreviation(at)})")] + (
        [Column("signed")] if signing else [])
    card_columns = [Column("", title=True), Column("", title=True, indent=2), Column("", title=True, indent=2)]
    missing = [e for e in entries if e["status"] == "no_roster"]
    rows, card_rows = [], []
    for e in entries:
        if e["status"] == "no_roster":
            continue
        when = changed.get((e["network"], e["member"]))
        label, style, there, who, number, until, status = _board_cells(e, user, speaks, horizon_days, when)
        name_style = "bold reverse" if when else ""
        signed = _signed_cell(e)
        rows.append(([cell(e["network"])] if several else []) + [
            cell((member_label(e["member"]), name_style)), status, cell(whole(there)), who, number,
            cell(whole(until))] + ([cell(whole(*signed))] if signing else []))
        title = line((member_label(e["member"]), "bold " + name_style), (e["network"], "dim") if several else "",
                     whole(label, style), whole(there), ("there", "dim") if there else "",
                     whole(f"changed {when}", "bold reverse") if when else "",
                     whole(f"signed: {signed[0]}", signed[1]) if signing else "")
        reach = [line(*number[0], ("until", "dim"), whole(until))] + number[1:] if number else []
        card_rows.append([cell(title), who, reach])
    grid(out, columns, rows, cards_as=(card_columns, card_rows), separator=False)
    if missing:
        codes = " ".join(f"{e['network']}:{e['member']}" if several else e["member"] for e in missing)
        say(out, (f"no roster ({len(missing)}): {codes}", "red"))
    for e in entries:
        for cid in e["not_evaluated"]:
            say(out, (f"{e['network']} {e['member']} {cid}: duty not evaluated, never shown as on duty "
                      "(ctcontacts check says why)", "bold red"))
    _marks_below([(e["network"], e["member"], d["id"], d["reach_changed"])
                  for e in entries for d in e["on_duty"] if d["reach_changed"]], out)
    _fallback_lines(networks or [], out)
    if not signing and any(e.get("provenance") for e in entries):
        say(out, ("signed rosters: none (every roster here is unsigned)", "dim"))
    for e in entries:
        prov = e.get("provenance")
        if prov and prov["signer"]:
            source_line(out, f"{e['network']} {e['member']}", prov)


SCHEDULE_COLUMNS = [Column("from (there / you)"), Column("to (there / you)"), Column("rank"), Column("contact"),
                    Column("number")]
SCHEDULE_CARD = [Column("", title=True), Column("", title=True, indent=2), Column("", title=True, indent=2),
                 Column("", title=True, indent=2)]


def schedule(doc: dict, user: Zone, out: Console) -> None:
    say(out, (f"{member_label(doc['member'])} in {doc['network']}:", "bold"), whole(doc["from"], "bold"),
        ("to", "bold"), whole(doc["to"], "bold"))
    if not doc["roster"]:
        say(out, ("no roster: nobody can be named for this member.", "bold red"))
        return
    rows = ([(s["start"], 0, s) for s in doc["shifts"]] + [(g["start"], 1, g) for g in doc["gaps"]]
            + [(b["start"], 2, b) for b in doc["backup_only"]])
    marks = {1: ("GAP: nobody on duty", "bold white on red"), 2: ("backups only: nobody of rank 1", "yellow")}
    margin = f"({doc.get('margin_days', 8)}+ days before the window)"
    after = f"({doc.get('margin_days', 8)}+ days after the window)"
    table, cards_ = [], []
    for _, kind, item in sorted(rows, key=lambda r: (r[0], r[1])):
        s, e = _instant(item["start"]), _instant(item["end"])
        if kind:
            mine = cell(whole(wall_time(user, s))), cell(whole(wall_time(user, e)))
            table.append([*mine, cell(""), cell(marks[kind]), cell("")])
            cards_.append([cell(marks[kind]), cell(line(whole(wall_time(user, s)), "to", whole(wall_time(user, e)),
                                                        ("your time", "dim"))), [], []])
            continue
        zone = lookup_zone(item["timezone"])
        start_known = item.get("start_known", not item["continues_before"])
        end_known = item.get("end_known", not item["continues_after"])
        start = (cell((margin, "dim")) if not start_known
                 else cell(whole(wall_time(zone, s)), whole(wall_time(user, s), "dim")))
        end = (cell((after, "dim")) if not end_known
               else cell(whole(wall_time(zone, e)), whole(wall_time(user, e), "dim")))
        who = cell((item["name"], "bold"), (MARK, "bold white on red") if item["reach_changed"] else "")
        numbers = phone_lines(item.get("phones_international") or item["phones"], item.get("dial"), "cyan")
        if not numbers and item.get("email"):
            numbers = [line(whole(item["email"], "cyan"))]
        table.append([start, end, cell(whole(item["rank"])), who, numbers])
        there = line(whole(wall_time(zone, s)) if start_known else (margin, "dim"), "to",
                     whole(wall_time(zone, e)) if end_known else (after, "dim"))
        yours = line(("you", "dim"), whole(wall_time(user, s), "dim") if start_known else "", "to",
                     whole(wall_time(user, e), "dim") if end_known else "")
        cards_.append([cell(there), cell(yours),
                       cell(line((f"{item['rank']}.", "bold"), (item["name"], "bold")),
                            (MARK, "bold white on red") if item["reach_changed"] else ""), numbers])
    grid(out, SCHEDULE_COLUMNS, table, cards_as=(SCHEDULE_CARD, cards_))
    if not doc["gaps"]:
        say(out, ("no gap in this window.", "green"))
    _marks_below([(doc["network"], doc["member"], s["id"], s["reach_changed"])
                  for s in doc["shifts"] if s["reach_changed"]], out)


# One character a cell of the coverage map: how much of that hour of the week, over
# every date of the window, someone was on duty.
LEGEND = [("█", "green", "rank 1 on duty all of the hour"),
          ("▓", "yellow", "on duty all of the hour, backups only for some of it"),
          ("▒", "red", "nobody on duty for less than half of the hour"),
          ("░", "red", "nobody on duty for half of the hour or more"),
          ("·", "red", "nobody on duty at all")]
MAP_WIDTH = 28  # "Mo  " and 24 hours


def hour_cell(hour: tuple[int, int, int] | None) -> tuple[str, str]:
    """The character and style of one cell: ``(seconds, gap, backup_only)``."""
    if hour is None or not hour[0]:
        return " ", ""
    seconds, gap, backup = hour
    if not gap:
        return LEGEND[0][:2] if not backup else LEGEND[1][:2]
    if gap >= seconds:
        return LEGEND[4][:2]
    return LEGEND[2][:2] if 2 * gap < seconds else LEGEND[3][:2]


def coverage(report, user: Zone, out: Console) -> None:
    from rich.columns import Columns

    from ..domain.coverage import week_hours

    doc = report.as_dict()
    say(out, (f"{report.network}:", "bold"), whole(doc["from"], "bold"), ("to", "bold"), whole(doc["to"] + ",", "bold"),
        (f"hours in {user.name}", "bold"))
    say(out, "Each cell is one hour of your week, over every date in the window:")
    for ch, style, what in LEGEND:
        say(out, (ch, style), what, hang=2)
    blocks = []
    for m in report.members:
        if not m.roster:
            continue
        block = Text()
        for t in flow(line((member_label(m.member), "bold")), MAP_WIDTH):
            block.append_text(t)
            block.append("\n")
        block.append("    0     6     12    18   \n", style="dim")
        for day, row in zip(("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"), week_hours(m, user)):
            block.append(f"{day}  ")
            for hour in row:
                ch, style = hour_cell(hour)
                block.append(ch, style=style)
            block.append("\n")
        gap = format_length(sum(e - s for s, e in m.gaps))
        backup = format_length(sum(e - s for s, e in m.backup_only))
        summary = flow(line("gaps", whole(gap + ","), "backups only", whole(backup)), MAP_WIDTH)
        for i, t in enumerate(summary):
            t.stylize("red" if m.gaps else "green")
            block.append_text(t)
            if i < len(summary) - 1:
                block.append("\n")
        blocks.append(block)
    out.print(Columns(blocks, width=MAP_WIDTH + 2, padding=(1, 2)))
    columns = [Column("member"), Column("from (you)"), Column("to (you)"), Column("length")]
    card_columns = [Column("", title=True), Column("", title=True, indent=2)]
    for title, attr in (("Gaps: nobody on duty", "gaps"), ("Backups only: nobody of rank 1", "backup_only")):
        spans = [(m.member, s, e) for m in report.members if m.roster for s, e in getattr(m, attr)]
        if not spans:
            continue
        say(out, (title, "italic"))
        rows = [[cell(member_label(member)), cell(whole(wall_time(user, s))), cell(whole(wall_time(user, e))),
                 cell(whole(format_length(e - s)))] for member, s, e in spans]
        cards_ = [[cell((member_label(member), "bold")),
                   cell(line(whole(wall_time(user, s)), "to", whole(wall_time(user, e)),
                             whole(f"({format_length(e - s)})")))] for member, s, e in spans]
        grid(out, columns, rows, cards_as=(card_columns, cards_), separator=False)
    missing = [m.member for m in report.members if not m.roster]
    if missing:
        say(out, (f"no roster: {' '.join(missing)}", "red"))


SEVERITY_STYLE = {"info": "dim", "warning": "yellow", "error": "bold red", "critical": "bold white on red"}


def check(findings, out: Console) -> None:
    import re

    # Lengths ("5d 08:00") stay whole; the rest of a message wraps between words.
    length = re.compile(r"(\d+d \d\d:\d\d(?::\d\d)?)")
    for f in findings:
        style = SEVERITY_STYLE[f.severity]
        parts = [whole(f"{f.severity:8} {f.code:13}", style)]
        for i, piece in enumerate(length.split(f.message)):
            parts.append(whole(piece, style) if i % 2 else (piece, style))
        say(out, *parts, hang=2)


def marked(rows: list[dict]) -> list[dict]:
    """Rows whose contact has an unconfirmed reach change carry the mark under its name."""
    return [dict(r, name=lines((r["name"], "bold"), (MARK, "bold white on red"))) if r.get("reach_changed") else r
            for r in rows]


# More dated shifts than this in one contact's duty are summed up in words, not listed.
DATED_SHOWN = 6


def duty_lines(rules: list[str], words_: list[str]) -> list:
    """A contact's duty in words: every rule, but a long run of dated shifts (a year
    of them) as its first few, how many more, and its last."""
    from ..domain.rules import is_dated_shift

    dated = [w for t, w in zip(rules, words_) if is_dated_shift(t)]
    if len(dated) <= DATED_SHOWN:
        return [line(w) for w in words_]
    others = [w for t, w in zip(rules, words_) if not is_dated_shift(t)]
    head = dated[: DATED_SHOWN - 2]
    more = len(dated) - len(head) - 1
    return ([line(w) for w in others] + [line(w) for w in head]
            + [line((f"… {more:,} more dated shifts, then:", "dim")), line(dated[-1])])


CONTACT_COLUMNS = [Column("#", justify="right"), Column("name"), Column("role"), Column("phones"),
                   Column("e-mail"), Column("zone"), Column("duty")]
CONTACT_CARD = [Column("", title=True, hang=3, wrap=3), Column("phone"), Column("e-mail"), Column("zone"), Column("duty")]


def contacts(rows: list[dict], out: Console) -> None:
    if not rows:
        say(out, "no roster for that member in that network.")
        return
    table, cards_ = [], []
    for r in rows:
        flag = (MARK, "bold white on red") if r["reach_changed"] else ""
        numbers = phone_lines(r.get("phones_international") or r["phones"], r.get("dial"), "")
        duty = duty_lines(r["duty"], r["duty_in_words"])
        table.append([cell(whole(r["rank"])), cell((r["name"], "bold"), flag), cell(r["role"]), numbers,
                      cell(whole(r["email"])), cell(whole(r["timezone"])), duty])
        cards_.append([cell(line((f"{r['rank']}.", "bold"), (r["name"], "bold")), (r["role"], "dim"), flag),
                       numbers, cell(whole(r["email"])), cell(whole(r["timezone"])), duty])
    grid(out, CONTACT_COLUMNS, table, cards_as=(CONTACT_CARD, cards_), body=3)
    _marks_below([(r["network"], r["member"], r["id"], r["reach_changed"]) for r in rows if r["reach_changed"]], out)
    if rows[0].get("provenance"):
        source_line(out, "Roster", rows[0]["provenance"])


SEARCH_COLUMNS = [Column("network"), Column("member"), Column("name"), Column("agency"), Column("phones"),
                  Column("e-mail")]
SEARCH_CARD = [Column("", title=True), Column("in"), Column("agency"), Column("phone"), Column("e-mail")]


def search(rows: list[dict], out: Console, limit: int | None = None) -> None:
    """The matches, the first ``limit`` of them, and how many more there are."""
    if not rows:
        say(out, "nothing found.")
        return
    hidden = len(rows) - limit if limit is not None and len(rows) > limit else 0
    hidden_marks = sum(1 for r in rows[limit:] if r["reach_changed"]) if hidden else 0
    if hidden:
        rows = rows[:limit]
    table, cards_ = [], []
    for r in rows:
        flag = (MARK, "bold white on red") if r["reach_changed"] else ""
        numbers = phone_lines(r.get("phones_international") or r["phones"], r.get("dial"), "")
        table.append([cell(r["network"]), cell(r["member"]), cell((r["name"], "bold"), flag), cell(r["agency"]),
                      numbers, cell(whole(r["email"]))])
        cards_.append([cell((r["name"], "bold"), flag), cell(f"{r['network']} {r['member']}"), cell(r["agency"]),
                       numbers, cell(whole(r["email"]))])
    grid(out, SEARCH_COLUMNS, table, cards_as=(SEARCH_CARD, cards_))
    _marks_below([(r["network"], r["member"], r["id"], r["reach_changed"]) for r in rows if r["reach_changed"]], out)
    if hidden:
        say(out, (f"{len(rows) + hidden:,} matches; the first {len(rows):,} are shown. Narrow the search (more of "
                  "the name, or the number's digits), or raise --limit; --json gives every match.", "bold"))
        if hidden_marks:
            say(out, (f"{MARK}: {hidden_marks:,} of the matches not shown changed how they are reached and are not "
                      "confirmed.", "bold red"))


def simple_table(rows: list[dict], columns: list[tuple[str, str]], out: Console, empty: str = "nothing found.",
                 whole_keys: tuple[str, ...] = ()) -> None:
    """A plain table of dicts: ``columns`` are (key, heading); values under
    ``whole_keys`` (dates, numbers) are never broken. As cards, the first column titles each."""
    if not rows:
        say(out, empty)
        return
    table = []
    for r in rows:
        cells = []
        for key, _ in columns:
            value = r.get(key)
            if isinstance(value, list):
                cells.append(cell(*[whole(v) if key in whole_keys else v for v in value]))
            else:
                text = "" if value is None else value
                cells.append(cell(whole(text) if key in whole_keys else text))
        table.append(cells)
    heads = [Column(h) for _, h in columns]
    card_columns = [Column("", title=True)] + heads[1:]
    card_rows = [[cell(*[line((part.text, "bold")) for ln in r[0] for part in ln])] + r[1:] for r in table]
    grid(out, heads, table, cards_as=(card_columns, card_rows))


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
