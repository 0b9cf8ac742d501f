"""``import``, ``rollback`` and ``demo``: changing which roster versions are current.

An import reads and validates every file first; then, in one transaction
holding the write lock, it compares each roster with the current one, stores
a new version of each roster that changed and makes it current, flags changes
to how contacts are reached, and records the import in the history. A refused
import (bad input, or a reach change under ``--strict-reach``) changes no
roster and is recorded with its reason. Nothing a roster ever said is
deleted: a rollback makes an earlier version current again.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

from . import store
from .changes import RosterChange, diff
from .db import connect, in_memory, write_transaction
from .errors import CtContactsError, InvalidInput, Problem, UsageError
from .readers import read_file
from .validate import NetworkDef, Roster, validate
from .zones import format_utc


@dataclass
class ImportReport:
    import_id: int | None
    dry_run: bool
    files: list[dict]
    rosters: list[RosterChange]
    networks: list[str] = field(default_factory=list)
    kind: str = "import"

    @property
    def reach_changes(self) -> int:
        return sum(len(r.reach) for r in self.rosters)

    def as_dict(self) -> dict:
        return {
            "import_id": self.import_id,
            "dry_run": self.dry_run,
            "kind": self.kind,
            "files": self.files,
            "networks": self.networks,
            "rosters": [r.as_dict() for r in self.rosters],
        }


class ReachChangeRefused(CtContactsError):
    """``--strict-reach`` and the files change how contacts are reached: exit 2."""

    exit_code = 2

    def __init__(self, report: ImportReport, import_id: int | None):
        self.report = report
        self.import_id = import_id
        flagged = [f"{r.network} {r.member} {cid} ({', '.join(fields)})"
                   for r in report.rosters for cid, fields in r.reach.items()]
        super().__init__(
            f"import refused (--strict-reach): how {len(flagged)} contact(s) are reached would change: "
            f"{'; '.join(flagged)}. Check them out of band, then import again with --accept-reach-changes."
        )


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers and cron environments
        return "unknown"


Progress = Callable[[str, int, int], None]  # (file name, bytes read, bytes in all)


def _sha256(f: BinaryIO) -> str:
    h = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
    f.seek(0)
    return h.hexdigest()


def _read(paths: list[Path], infos: list[dict], network: str | None, member: str | None,
          problems: list[Problem], progress: Progress | None = None) -> list:
    files = []
    for path in paths:
        name = str(path)
        try:
            with path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                digest = _sha256(f)
                tell = (lambda done, name=name, size=size: progress(name, done, size)) if progress else None
                raw = read_file(name, f, network=network, member=member, progress=tell)
                if progress:
                    progress(name, size, size)
        except FileNotFoundError:
            problems.append(Problem(name, "file", "", "no such file"))
            continue
        except IsADirectoryError:
            problems.append(Problem(name, "file", "", "is a directory, not a roster file"))
            continue
        except OSError as e:
            problems.append(Problem(name, "file", "", f"cannot be read ({e.strerror})"))
            continue
        infos.append({"name": name, "sha256": digest, "format": raw.format, "bytes": size})
        files.append(raw)
    return files


def read_and_validate(conn: sqlite3.Connection, paths: list[Path], network: str | None = None,
                      member: str | None = None, infos: list[dict] | None = None,
                      progress: Progress | None = None) -> tuple[list[Roster], list[NetworkDef]]:
    """Parse and validate every file; raise ``InvalidInput`` listing every problem."""
    problems: list[Problem] = []
    files = _read(paths, infos if infos is not None else [], network, member, problems, progress)
    rosters, defs, more = validate(files, set(store.networks(conn)))
    problems.extend(more)
    if problems:
        raise InvalidInput(problems)
    return rosters, defs


def _summary(problems: list[Problem]) -> str:
    first = str(problems[0])
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{len(problems)} problem(s): {first}{more}"


def _record_refusal(db_path: Path, when: str, kind: str, infos: list[dict], rosters: list[tuple[str, str]],
                    reason: str) -> int | None:
    """Write the refused import into the history, if there is a database to write to."""
    if not db_path.exists():
        return None
    try:
        conn = connect(db_path)
        with write_transaction(conn, db_path):
            return store.record_import(conn, started_at=when, os_user=os_user(), kind=kind, files=infos,
                                       rosters=rosters, outcome="refused", reason=reason)
    except CtContactsError:
        return None  # the refusal itself matters more than its record (database locked, say)


def _apply(conn: sqlite3.Connection, import_id: int, rosters: list[Roster | None],
           changes: list[RosterChange], targets: list[int | None] | None, when: str) -> None:
    """Make each roster's new state current and record it. ``targets`` are existing
    versions to return to (rollback); otherwise new versions are written."""
    totals = dict(added=0, removed=0, changed=0, reach=0)
    for i, change in enumerate(changes):
        before = store.current_version(conn, change.network, change.member)
        after = before
        if targets is not None:
            after = targets[i]
        elif not change.unchanged:
            after = store.write_version(conn, rosters[i], import_id, when)
        if after != before:
            store.set_current(conn, change.network, change.member, after)
        store.record_roster_change(conn, import_id, change.network, change.member, before, after, change.as_dict())
        store.drop_reach_flags(conn, change.network, change.member, change.removed)
        for cid, fields in change.reach.items():
            store.flag_reach(conn, change.network, change.member, cid, import_id, fields, when)
        totals["added"] += len(change.added)
        totals["removed"] += len(change.removed)
        totals["changed"] += len(change.changed)
        totals["reach"] += len(change.reach)
    store.record_counts(conn, import_id, **totals)


def import_files(db_path: Path, paths: list[Path], *, now: int, network: str | None = None,
                 member: str | None = None, dry_run: bool = False, strict_reach: bool = False,
                 accept_reach_changes: bool = False, kind: str = "import", demo: bool = False,
                 progress: Progress | None = None) -> ImportReport:
    """Validate every file against the database (or an empty one if there is no file
    yet), then change the rosters in one transaction. A failed or dry run changes
    no roster and does not even create the database file."""
    if not paths:
        raise UsageError("give at least one roster file to import (JSON or CSV).")
    when = format_utc(now)
    exists = db_path.exists()
    conn = connect(db_path) if exists else in_memory()
    infos: list[dict] = []
    try:
        rosters, defs = read_and_validate(conn, paths, network, member, infos, progress)
    except InvalidInput as e:
        _record_refusal(db_path, when, kind, infos, [], _summary(e.problems))
        raise
    for r in rosters:
        r.demo = r.demo or demo
    keys = [(r.network, r.member) for r in rosters]
    codes = [d.code for d in defs]
    if dry_run:
        changes = [diff(r.network, r.member, store.load_roster(conn, r.network, r.member, parse=False), r) for r in rosters]
        return ImportReport(None, True, infos, changes, codes, kind)
    if not exists:
        conn = connect(db_path, create=True)
    with write_transaction(conn, db_path):
        # Compared inside the write lock, so the report describes exactly what
        # this transaction changes.
        changes = [diff(r.network, r.member, store.load_roster(conn, r.network, r.member, parse=False), r) for r in rosters]
        report = ImportReport(None, False, infos, changes, codes, kind)
        refused = strict_reach and report.reach_changes and not accept_reach_changes
        if not refused:
            report.import_id = store.record_import(conn, started_at=when, os_user=os_user(), kind=kind,
                                                   files=infos, rosters=keys, outcome="ok")
            store.upsert_networks(conn, defs)
            _apply(conn, report.import_id, rosters, changes, None, when)
    if refused:
        reason = ReachChangeRefused(report, None)
        raise ReachChangeRefused(report, _record_refusal(db_path, when, kind, infos, keys, str(reason)))
    return report


def rollback(db_path: Path, import_id: int, *, now: int) -> ImportReport:
    """Make current again, for every roster import ``import_id`` touched, the version
    that was current before it. Recorded as an import of its own, so it can be
    rolled back too."""
    when = format_utc(now)
    conn = connect(db_path)
    with write_transaction(conn, db_path):
        row = store.get_import(conn, import_id)
        if row is None:
            raise UsageError(f"there is no import #{import_id}; 'ctcontacts history' lists them.")
        if row["outcome"] != "ok":
            raise UsageError(f"import #{import_id} was refused and changed nothing; there is nothing to roll back.")
        touched = store.import_rosters(conn, import_id)
        targets = [t["before_version"] for t in touched]
        changes = [
            diff(t["network"], t["member"],
                 store.load_version(conn, store.current_version(conn, t["network"], t["member"]), parse=False),
                 store.load_version(conn, t["before_version"], parse=False))
            for t in touched
        ]
        new_id = store.record_import(conn, started_at=when, os_user=os_user(), kind="rollback", files=[],
                                     rosters=[(t["network"], t["member"]) for t in touched], outcome="ok",
                                     rollback_of=import_id)
        _apply(conn, new_id, [None] * len(touched), changes, targets, when)
    return ImportReport(new_id, False, [], changes, [], "rollback")


def demo_files() -> list[Path]:
    from .members import data_dir

    folder = data_dir() / "demo"
    return sorted(p for p in folder.iterdir() if p.suffix in (".json", ".csv"))


def load_demo(db_path: Path, *, now: int) -> ImportReport:
    """Import the bundled fictional directory, every roster marked as demo data.

    Refuses a database that holds real (non-demo) rosters, so demo entries never
    mix silently with an operational directory.
    """
    if db_path.exists():
        real = store.count_rosters(connect(db_path), demo=False)
        if real:
            raise UsageError(
                f"{db_path} already holds {real} real roster(s); load the demo into its own file "
                "with --db demo.db."
            )
    return import_files(db_path, demo_files(), now=now, kind="demo", demo=True)
