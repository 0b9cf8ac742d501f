"""``import``, ``rollback`` and ``demo``: changing which roster versions are current.

An import reads and validates every file first; then, in one transaction
holding the write lock, it compares each roster with the current one, stores
a new version of each roster that changed and makes it current, flags changes
to how contacts are reached, and records the import in the history. A refused
import (bad input, or a reach change under ``--strict-reach``) changes no
roster and is recorded with its reason. Nothing a roster ever said is
deleted: a rollback makes an earlier version current again.

A file may come signed (``F.sig`` beside it): its signature is verified over the
same bytes that are hashed and parsed, and each roster is judged against the trust
store and its network's policy (``signing``); a refusal is a problem of the file,
like any other, and refuses the whole import.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import sqlite3
from pathlib import Path
from collections.abc import Iterator
from typing import Callable

from ..storage import store, trust
from . import signing
from .diff import NetworkChange, RosterChange, diff
from ..storage.db import Pathish, connect, in_memory, open_existing, write_transaction
from ..base.errors import CtContactsError, InvalidInput, Problem, Problems, UsageError
from ..formats.files import STDIN, Inputs, Refused, shown_name
from ..formats.readers import FORMATS, read_file
from ..base.values import field, value_class, replace
from ..domain.model import Network, Roster
from ..formats.validate import Validator
from ..time.isotime import format_utc


@value_class
class ImportReport:
    import_id: int | None
    dry_run: bool
    files: list[dict]
    rosters: list[RosterChange]
    networks: list[NetworkChange] = field(default_factory=list)
    kind: str = "import"
    trust: list[dict] = field(default_factory=list)  # a rollback of trust changes: signing.change_dict's

    @property
    def reach_changes(self) -> int:
        return sum(len(r.reach) for r in self.rosters) + sum(n.fallback_changed for n in self.networks)

    @property
    def changed_anything(self) -> bool:
        return bool(self.networks) or bool(self.trust) or any(not r.unchanged for r in self.rosters)

    def as_dict(self) -> dict:
        out = {
            "import_id": self.import_id,
            "dry_run": self.dry_run,
            "kind": self.kind,
            "files": self.files,
            "networks": [n.as_dict() for n in self.networks],
            "rosters": [r.as_dict() for r in self.rosters],
        }
        if self.trust:
            out["trust"] = self.trust
        return out


class ReachChangeRefused(CtContactsError):
    """``--strict-reach`` and the files change how contacts are reached: exit 2."""

    exit_code = 2

    def __init__(self, report: ImportReport, import_id: int | None):
        self.report = report
        self.import_id = import_id
        flagged = [f"{r.network} {r.member} {cid} ({', '.join(fields)})"
                   for r in report.rosters for cid, fields in r.reach.items()]
        flagged += [f"network {n.code} fallback ({n.old_fallback} -> {n.new_fallback})"
                    for n in report.networks if n.fallback_changed]
        verb = "would be refused" if report.dry_run else "refused"
        super().__init__(
            f"import {verb} (--strict-reach): {len(flagged)} reach change(s): "
            f"{'; '.join(flagged)}. Check them out of band, then import again with --accept-reach-changes."
        )


Progress = Callable[[str, int, int], None]  # (file name, bytes read, bytes in all)
# A progress call whose name starts with this is a phase after the files are read
# ("checking the rosters", "writing to the database"): no file, no byte count.
PHASE = "\x00"
CHECKING = PHASE + "checking the rosters"
WRITING = PHASE + "writing to the database"


def _read(paths: list[str], inputs: Inputs, infos: list[dict], network: str | None, member: str | None,
          problems: list[Problem], progress: Progress | None = None, signature: str | None = None) -> Iterator:
    """Read each input in turn, yielding it read (a file that cannot be read is a
    problem); each carries its SHA-256 and its signature check (``RawFile.sha256``,
    ``RawFile.signature``) on to its rosters."""
    for path in paths:
        if path != STDIN and path.endswith(signing.SIG_SUFFIX):
            problems.append(Problem(shown_name(path), "file", "", "is a signature, not a roster; name the roster "
                                    f"file, and its signature is read beside it ({path[:-4]}{signing.SIG_SUFFIX})"))
            continue
        check = signing.open_signature(signing.signature_path(path, signature))
        try:
            with inputs.open(path) as f:
                name, size = f.name, f.size
                if check is not None and check.hash is not None:
                    f.hash_also(check.hash)  # verified over the very bytes parsed, read once
                tell = (lambda done, name=name, size=size: progress(name, done, size)) if progress else None
                raw = read_file(name, f.stream, fmt=f.format, network=network, member=member, progress=tell)
                digest = f.sha256()
                if f.stream.reread and not raw.problems:
                    raise Refused(name, "was read twice; import it again")  # (only an error path reads twice)
                f.check_unchanged()
        except Refused as e:
            problems.append(Problem(e.name, "file", "", e.reason))
            continue
        except OSError as e:  # a read that fails half-way (an I/O error, a vanished network share)
            problems.append(Problem(shown_name(path), "file", "", f"cannot be read ({e.strerror})"))
            continue
        info = {"name": name, "sha256": digest, "format": raw.format, "bytes": size}
        if check is not None:
            check.finish()
            info["signature"] = check.as_info()
            if check.error is not None:
                problems.append(signing.signature_problem(name, check))
        raw.sha256, raw.signature = digest, check
        infos.append(info)
        yield raw


def read_and_validate(conn: sqlite3.Connection, paths: list[str], network: str | None = None,
                      member: str | None = None, infos: list[dict] | None = None,
                      progress: Progress | None = None, contact: str | None = None,
                      inputs: Inputs | None = None, *, now: int = 0, require_signatures: bool = False,
                      signature: str | None = None, allow_older: bool = False) -> tuple[list[Roster], list[Network]]:
    """Parse and validate every file, and judge each roster's signature (``signing``);
    raise ``InvalidInput`` listing every problem."""
    problems = Problems()
    check = Validator(set(store.networks(conn)))
    files = []
    infos = infos if infos is not None else []
    # Each file is checked as soon as it is read, and what was read of its rosters let
    # go (validate.Validator): an import holds one file as read, not all of them. Its
    # bar is full once it is checked too.
    for f in _read([os.fspath(p) for p in paths], inputs or Inputs(), infos, network, member, problems, progress,
                   signature):
        files.append(f)
        if f.format != "ics":
            check.add(f)
        if progress:
            progress(f.file, infos[-1]["bytes"], infos[-1]["bytes"])
    if progress:
        progress(CHECKING, 0, 0)
    rosters, defs, more = check.finish()
    problems.extend(more)
    for f in files:
        if f.format == "ics":
            problems.extend(f.problems)
            if not f.problems:
                roster = _calendar_roster(conn, f, network, member, contact, problems)
                if roster is not None:
                    if any((r.network, r.member) == (roster.network, roster.member) for r in rosters):
                        problems.append(Problem(f.file, "file", "", f"the roster of {roster.member} in "
                                                f"{roster.network} is given twice in this import"))
                    rosters.append(roster)
    problems.extend(_network_sizes(conn, rosters))
    problems.extend(signing.judge_rosters(conn, rosters, require_signatures, now, allow_older))
    changed = [n.code for n in _network_changes(conn, defs)]
    problems.extend(signing.judge_networks(conn, files, changed, require_signatures, now))
    if problems:
        error = InvalidInput(problems)
        error.attempted = _attempted(files)
        raise error
    return rosters, defs


def _network_sizes(conn: sqlite3.Connection, rosters: list[Roster]) -> list[Problem]:
    """A network holds at most ``limits.MAX_ROSTERS_PER_NETWORK`` rosters, those stored
    and those this import adds: the whole-network views (now, coverage, check) cost
    every roster's, each within its own limits."""
    from ..base.limits import MAX_ROSTERS_PER_NETWORK

    new: dict[str, set[str]] = {}
    for r in rosters:
        new.setdefault(r.network, set()).add(r.member)
    out = []
    for code, members in new.items():
        stored = {row[0] for row in conn.execute("SELECT member FROM rosters WHERE network = ?", [code])}
        total = len(stored | members)
        if total > MAX_ROSTERS_PER_NETWORK:
            first = next(r for r in rosters if r.network == code)
            out.append(Problem(first.source, "file", "network", f"{code} would hold {total:,} rosters; a network "
                               f"holds at most {MAX_ROSTERS_PER_NETWORK} (every country and {MAX_ROSTERS_PER_NETWORK - 250} "
                               "organisations)"))
    return out


def _calendar_roster(conn: sqlite3.Connection, f, network: str | None, member: str | None,
                     contact: str | None, problems: list[Problem]) -> Roster | None:
    """The roster a duty calendar names, with the duty of each contact it covers replaced
    (all of it, whatever its dates), and what the calendar held for the report."""
    from ..formats.ics import read_calendar

    if not network or not member:
        problems.append(Problem(f.file, "file", "", "a calendar names no roster; give --network and --country"))
        return None
    code = network.strip().lower()
    if code not in store.networks(conn):
        from ..base.text import clip

        problems.append(Problem(f.file, "file", "network", f"unknown network {clip(network)}"))
        return None
    current = store.load_roster(conn, code, member, parse=False)
    if current is None:
        problems.append(Problem(f.file, "file", "", f"{member} has no roster in {code} to take this calendar's "
                                "duty; import its contacts (JSON or CSV) first"))
        return None
    duty = read_calendar(f.file, f.calendar, current.contacts, contact_id=contact)
    problems.extend(duty.problems)
    if duty.problems:
        return None
    contacts = [replace(c, duty=duty.rules[c.id]) if c.id in duty.rules else c for c in current.contacts]
    roster = Roster(code, member, current.issued, contacts, f.file, current.demo, duty.report(f.file))
    roster.source_sha256, roster.signature = f.sha256, f.signature
    return roster


def _attempted(files: list) -> list[tuple[str, str]]:
    """The (network, member) pairs a refused import named, as well as they can be read,
    so that 'history --country' finds the refusal too; a network it defined, as
    (network, '')."""
    from ..domain.members import find_member

    pairs = []
    for f in files:
        for r in f.rosters:
            net = r.network.strip().lower() if isinstance(r.network, str) else ""
            mem = (find_member(r.member) or r.member.strip()) if isinstance(r.member, str) else ""
            if (net, mem) not in pairs:
                pairs.append((net, mem))
        for _, n in f.networks:  # a definition refused: found by 'history --network' too
            code = n.get("code").strip().lower() if isinstance(n.get("code"), str) else ""
            if code and (code, "") not in pairs:
                pairs.append((code, ""))
    return pairs


def _summary(problems: list[Problem]) -> str:
    total = len(problems) + getattr(problems, "dropped", 0)
    first = str(problems[0])
    more = f" (and {total - 1:,} more)" if total > 1 else ""
    return f"{total:,} problem{'' if total == 1 else 's'}: {first}{more}"


def _record_refusal(db_path: Pathish, when: str, kind: str, infos: list[dict], rosters: list[tuple[str, str]],
                    reason: str, rollback_of: int | None = None) -> int | None:
    """Write the refused import into the history, if there is a database to write to."""
    try:
        conn = open_existing(db_path)
        if conn is None:
            return None
        with write_transaction(conn, db_path):
            return store.record_import(conn, started_at=when, os_user=store.os_user(), kind=kind, files=infos,
                                       rosters=rosters, outcome="refused", reason=reason, rollback_of=rollback_of)
    except CtContactsError:
        return None  # the refusal itself matters more than its record (database locked, say)


def _apply(conn: sqlite3.Connection, import_id: int, rosters: list[Roster | None],
           changes: list[RosterChange], targets: list[int | None] | None, when: str, networks: int = 0) -> None:
    """Make each roster's new state current and record it. ``targets`` are existing
    versions to return to (rollback); otherwise new versions are written. ``networks``:
    how many network fallbacks the import changed (reach changes too)."""
    from ..storage.marks import settle_roster

    totals = dict(added=0, removed=0, changed=0, reach=networks)
    for i, change in enumerate(changes):
        before = store.current_version(conn, change.network, change.member)
        after = before
        if targets is not None:
            after = targets[i]
        elif not change.unchanged:
            after = store.write_version(conn, rosters[i], import_id, when)
        if after != before:
            store.set_current(conn, change.network, change.member, after)
        if not change.unchanged:
            # Raised marks merge into pending ones; a mark stands only while the contact
            # still differs from what was on record (a rollback that puts it back clears it).
            change.cleared = settle_roster(conn, change.network, change.member, import_id, change.reach, when)
        store.record_roster_change(conn, import_id, change.network, change.member, before, after, change.as_dict())
        totals["added"] += len(change.added)
        totals["removed"] += len(change.removed)
        totals["changed"] += len(change.changed)
        totals["reach"] += len(change.reach)
    store.record_counts(conn, import_id, **totals)


def _network_changes(conn: sqlite3.Connection, defs: list[Network]) -> list[NetworkChange]:
    out = []
    for d in defs:
        old = store.network_definition(conn, d.code)
        new = d.definition()
        if old != new:
            out.append(NetworkChange(d.code, old, new))
    return out


def _apply_networks(conn: sqlite3.Connection, import_id: int, changes: list[NetworkChange], when: str) -> int:
    """Put the network definitions in force and settle their fallback marks; returns
    how many fallbacks changed."""
    from ..storage.marks import settle_fallback

    for n in changes:
        store.set_network_definition(conn, n.code, n.new)
        n.cleared = settle_fallback(conn, n.code, n.old_fallback, n.new_fallback, import_id, when)
        store.record_network_change(conn, import_id, n.code, n.old, n.new, n.cleared)
    return sum(n.fallback_changed for n in changes)


def _diff_from_current(conn: sqlite3.Connection, network: str, member: str, new) -> RosterChange:
    """The change from the current roster to ``new``. With no current roster, reach is
    judged against the last version that was current, so a number cannot lose its
    flag by passing through "no roster"."""
    current = store.load_roster(conn, network, member, parse=False)
    reference = None
    if current is None:
        reference = store.load_version(conn, store.last_version_before_removal(conn, network, member), parse=False)
    return diff(network, member, current, new, reference)


def _changes(conn: sqlite3.Connection, rosters: list[Roster]) -> list[RosterChange]:
    changes = [_diff_from_current(conn, r.network, r.member, r) for r in rosters]
    for change, r in zip(changes, rosters):
        change.calendar = r.calendar
    return changes


def _file_infos(paths: list[str], inputs: Inputs) -> list[dict] | None:
    """Name, SHA-256, format and size of each file, without parsing; ``None`` if one
    cannot be read or is a calendar (read every time, so the report can say what it held).
    Opened as the real read opens them (``files.Inputs``): a device or a pipe is never
    read, standard input is read once and kept for the real read."""
    out = []
    for path in paths:
        try:
            with inputs.open(path) as f:
                if f.format == "ics":
                    return None
                digest = f.sha256()
                f.check_unchanged()
        except (Refused, OSError):
            return None  # the real read says why
        out.append({"name": f.name, "sha256": digest, "format": f.format, "bytes": f.size})
    return out


def _same_as_before(conn: sqlite3.Connection, db_path: Pathish, paths: list[str], kind: str, options: dict,
                    when: str, dry_run: bool, inputs: Inputs) -> ImportReport | None:
    """A re-import of exactly the files of an earlier import (same bytes, same options)
    whose rosters are all still as it left them changes nothing: say so without parsing
    (a nightly cron job resends the same file). ``None`` when that cannot be shown."""
    infos = _file_infos(paths, inputs)
    if infos is None:
        return None
    before = store.same_files_import(conn, kind, [f["sha256"] for f in infos], options)
    if before is None:
        return None
    touched = store.import_rosters(conn, before["id"])
    if any(store.current_version(conn, t["network"], t["member"]) != t["after_version"] for t in touched):
        return None
    # Unsigned files only, into networks that do not require signatures, over rosters
    # that are unsigned too: anything else is judged again in full (signing.judge).
    if any(trust.policy(conn, t["network"]) == trust.REQUIRED or store.version_signed(conn, t["after_version"])
           for t in touched):
        return None
    for n in store.import_networks(conn, before["id"]):
        if store.network_definition(conn, n["code"]) != (json.loads(n["after"]) if n["after"] else None):
            return None
    if {(t["network"], t["member"]) for t in touched} != {tuple(p) for p in json.loads(before["rosters"])}:
        return None
    changes = [RosterChange(t["network"], t["member"], store.contact_count(conn, t["after_version"])) for t in touched]
    report = ImportReport(None, dry_run, infos, changes, [], kind)
    if dry_run:
        return report
    with write_transaction(conn, db_path):
        if any(store.current_version(conn, t["network"], t["member"]) != t["after_version"] for t in touched):
            return None  # changed meanwhile: take the full path
        report.import_id = store.record_import(
            conn, started_at=when, os_user=store.os_user(), kind=kind, files=infos,
            rosters=[(t["network"], t["member"]) for t in touched], outcome="ok", options=options)
        for t, change in zip(touched, changes):
            store.record_roster_change(conn, report.import_id, t["network"], t["member"], t["after_version"],
                                       t["after_version"], change.as_dict())
    return report


def _distinct_names(paths: list[str]) -> None:
    """Refuse two inputs shown by the same name (``files.shown_name``: paths cut to 300
    characters, standard input as ``<stdin>``): the report, the history and each
    version's provenance name a file by it, and could not tell them apart."""
    seen: dict[str, str] = {}
    for path in paths:
        name = shown_name(path)
        if name in seen:
            from ..base.text import clip

            if seen[name] == path:
                raise UsageError(f"{clip(name, 120)} is given twice; give each file once.")
            raise UsageError(f"two inputs are shown by the same name, {clip(name, 120)} (paths that differ only "
                             "after their first 300 characters, or a file named <stdin> beside '-'), and reports, "
                             "the history and provenance could not tell them apart; nothing was imported. Import "
                             "them from shorter paths, or one at a time.")
        seen[name] = path


def _collector_paused(run: Callable) -> Callable:
    """``run`` with Python's cycle collector paused, and left as it was found.

    Fast path for imports: an import holds what it reads until it writes it, and the
    collector walks that growing heap again and again for the few cycles it makes. The
    CSV world's import (1.5 million rules) ran 575 collections, four of them over
    everything, in 0.73 s of 11.3 s, and the JSON world's 0.66 s of 12.8 s; after
    the JSON world's import with the collector paused, 919 objects were cyclic
    garbage, and peak memory was unchanged (164 MB)."""

    @functools.wraps(run)
    def paused(*args, **kwargs):
        was = gc.isenabled()
        gc.disable()
        try:
            return run(*args, **kwargs)
        finally:
            if was:
                gc.enable()

    return paused


@_collector_paused
def import_files(db_path: Pathish, paths: list[Pathish], *, now: int, network: str | None = None,
                 member: str | None = None, dry_run: bool = False, strict_reach: bool = False,
                 accept_reach_changes: bool = False, kind: str = "import", demo: bool = False,
                 progress: Progress | None = None, contact: str | None = None,
                 fmt: str | None = None, require_signatures: bool = False,
                 signature: str | None = None, allow_older: bool = False) -> ImportReport:
    """Validate every file against the database (or an empty one if there is no file
    yet), then change the rosters in one transaction. A failed or dry run changes
    no roster and does not even create the database file. A path ``-`` is standard
    input; ``fmt`` (json, csv or ics) reads every file in that format. A file ``F``
    signed by ``F.sig`` (standard input: by ``signature``) is verified and judged by
    its network's policy; ``require_signatures`` requires signatures for this run;
    ``allow_older`` takes, where signatures are required, a roster issued before the
    current one."""
    if not paths:
        raise UsageError("give at least one roster file to import (JSON or CSV).")
    from ..base.text import clip, given

    given(network, "--network")
    given(contact, "--contact")
    paths = [os.fspath(p) for p in paths]
    if paths.count(STDIN) > 1:
        raise UsageError("'-' (standard input) can be given only once; it can be read only once.")
    _distinct_names(paths)
    if signature is not None and STDIN not in paths:
        raise UsageError("--signature is the signature of standard input ('-'); a file's signature is read "
                         "beside it (FILE.sig).")
    if fmt is not None and fmt.strip().lower() not in FORMATS:
        raise UsageError(f"--format {clip(fmt)} is not a roster format; use json, csv or ics.")
    fmt = fmt.strip().lower() if fmt is not None else None
    inputs = Inputs(fmt)
    when = format_utc(now)
    conn = open_existing(db_path)  # (a missing or empty file: compared against an empty database)
    exists = conn is not None
    if conn is None:
        conn = in_memory()
    options = {"network": network, "member": member, "contact": contact, "demo": demo}
    if fmt is not None:
        options["format"] = fmt  # (only when given: earlier imports' options stay comparable)
    if require_signatures:
        options["require_signatures"] = True
    if allow_older:
        options["allow_older"] = True
    unsigned = signature is None and not any(signing.signature_path(p, None) for p in paths if p != STDIN)
    if exists and unsigned and not require_signatures:
        same = _same_as_before(conn, db_path, paths, kind, options, when, dry_run, inputs)
        if same is not None:
            return same
    infos: list[dict] = []
    try:
        rosters, defs = read_and_validate(conn, paths, network, member, infos, progress, contact, inputs, now=now,
                                          require_signatures=require_signatures, signature=signature,
                                          allow_older=allow_older)
    except InvalidInput as e:
        _record_refusal(db_path, when, kind, infos, getattr(e, "attempted", []), _summary(e.problems))
        raise
    for r in rosters:
        r.demo = r.demo or demo
    keys = [(r.network, r.member) for r in rosters]
    if dry_run:
        report = ImportReport(None, True, infos, _changes(conn, rosters), _network_changes(conn, defs), kind)
        if strict_reach and report.reach_changes and not accept_reach_changes:
            raise ReachChangeRefused(report, None)
        return report
    if not exists:
        conn = connect(db_path, create=True)
    if progress:
        progress(WRITING, 0, 0)
    with write_transaction(conn, db_path):
        # Compared inside the write lock, so the report describes exactly what
        # this transaction changes.
        report = ImportReport(None, False, infos, _changes(conn, rosters), _network_changes(conn, defs), kind)
        refused = strict_reach and report.reach_changes and not accept_reach_changes
        if not refused:
            report.import_id = store.record_import(conn, started_at=when, os_user=store.os_user(), kind=kind,
                                                   files=infos, rosters=keys, outcome="ok", options=options)
            fallbacks = _apply_networks(conn, report.import_id, report.networks, when)
            _apply(conn, report.import_id, rosters, report.rosters, None, when, fallbacks)
            store.refresh_dial_regions(conn)
    if refused:
        reason = ReachChangeRefused(report, None)
        raise ReachChangeRefused(report, _record_refusal(db_path, when, kind, infos, keys, str(reason)))
    return report


def _roll_back(conn: sqlite3.Connection, import_id: int, touched: list, force: bool, when: str):
    """The rollback itself, inside the caller's transaction: (its id, roster changes,
    network changes, trust changes)."""
    trust_back = signing.rollback_trust(conn, import_id, force)
    targets = [t["before_version"] for t in touched]
    changes = [_diff_from_current(conn, t["network"], t["member"],
                                  store.load_version(conn, t["before_version"], parse=False))
               for t in touched]
    networks = [
        NetworkChange(n["code"], store.network_definition(conn, n["code"]),
                      json.loads(n["before"]) if n["before"] else None)
        for n in store.import_networks(conn, import_id)
    ]
    pairs = [(t["network"], t["member"]) for t in touched] + [(e[1], e[2]) for e in trust_back]
    new_id = store.record_import(conn, started_at=when, os_user=store.os_user(), kind="rollback", files=[],
                                 rosters=list(dict.fromkeys(pairs)), outcome="ok", rollback_of=import_id)
    fallbacks = _apply_networks(conn, new_id, networks, when)
    _apply(conn, new_id, [None] * len(touched), changes, targets, when, fallbacks)
    return new_id, changes, networks, signing.apply_rollback(conn, new_id, trust_back)


def rollback(db_path: Pathish, import_id: int, *, now: int, force: bool = False) -> ImportReport:
    """Make current again, for every roster import ``import_id`` changed, the version
    that was current before it, and put back the network definitions it changed.
    Recorded as an import of its own, so it can be rolled back too.

    A roster changed again by a later import is not silently reset: the rollback
    is refused, naming those imports, unless ``force``. Nor is a roster version made
    current again that its network, now requiring signatures, would refuse (unsigned,
    or signed by a key not trusted for it today): refused and recorded, unless ``force``.
    """
    if not 0 < import_id < 2**63:
        from ..base.text import shorten

        raise UsageError(f"there is no import #{shorten(import_id, 20)}; 'ctcontacts history' lists them.")
    when = format_utc(now)
    conn = connect(db_path)
    with write_transaction(conn, db_path):
        row = store.get_import(conn, import_id)
        if row is None:
            raise UsageError(f"there is no import #{import_id}; 'ctcontacts history' lists them.")
        if row["outcome"] != "ok":
            raise UsageError(f"import #{import_id} was refused and changed nothing; there is nothing to roll back.")
        touched = [t for t in store.import_rosters(conn, import_id) if t["before_version"] != t["after_version"]]
        later = {f"{t['network']} {t['member']}": store.later_imports(conn, t["network"], t["member"], import_id)
                 for t in touched}
        later = {k: v for k, v in later.items() if v}
        if later and not force:
            detail = "; ".join(f"{k} by import #{', #'.join(map(str, v))}" for k, v in later.items())
            raise UsageError(
                f"rosters changed again since import #{import_id} ({detail}); roll those back first, "
                "or give --force to reset them to their state before it anyway."
            )
        unaccepted = [] if force else signing.unaccepted_versions(
            conn, [(t["network"], t["member"], t["before_version"]) for t in touched], now)
        if unaccepted:
            # Refused, and the refusal recorded in this same transaction (nothing else is written).
            refused = UsageError(f"rollback of import #{import_id} refused: {'; '.join(unaccepted)}. Import a signed "
                                 "roster instead, or give --force to roll back anyway (its answers will then warn "
                                 "that the roster is not signed by a trusted key).")
            store.record_import(conn, started_at=when, os_user=store.os_user(), kind="rollback", files=[],
                                rosters=list(dict.fromkeys((t["network"], t["member"]) for t in touched)),
                                outcome="refused", reason=str(refused), rollback_of=import_id)
        else:
            new_id, changes, networks, trust_changes = _roll_back(conn, import_id, touched, force, when)
    if unaccepted:
        raise refused
    return ImportReport(new_id, False, [], changes, networks, "rollback", trust_changes)


def demo_files() -> list[Path]:
    from ..domain.members import data_dir

    folder = Path(data_dir()) / "demo"
    return sorted(p for p in folder.iterdir() if p.suffix in (".json", ".csv"))


def load_demo(db_path: Pathish, *, now: int) -> ImportReport:
    """Import the bundled fictional directory, every roster marked as demo data.

    Refuses a database that holds real (non-demo) rosters, so demo entries never
    mix silently with an operational directory.
    """
    conn = open_existing(db_path)
    if conn is not None:
        real = store.count_rosters(conn, demo=False)
        if real:
            raise UsageError(
                f"{db_path} already holds {real} real roster(s); load the demo into its own file "
                "with --db demo.db."
            )
    return import_files(db_path, demo_files(), now=now, kind="demo", demo=True)
