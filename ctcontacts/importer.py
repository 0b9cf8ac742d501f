"""``import``: read files, validate everything, then replace rosters in one transaction.

Nothing is written unless every file is valid; with ``dry_run`` nothing is
written at all. The report says, per roster, which contacts are added,
removed, changed or kept.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from . import store
from .db import connect, in_memory, write_transaction
from .errors import InvalidInput, Problem, UsageError
from .readers import read_file
from .validate import Contact, Roster, validate
from .zones import format_utc


@dataclass
class RosterChange:
    network: str
    member: str
    contacts: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    new: bool = False

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed or self.new)

    def as_dict(self) -> dict:
        return {
            "network": self.network, "member": self.member, "contacts": self.contacts,
            "added": self.added, "removed": self.removed, "changed": self.changed,
            "new": self.new, "unchanged": self.unchanged,
        }


@dataclass
class ImportReport:
    dry_run: bool
    files: list[str]
    rosters: list[RosterChange]
    networks: list[str]

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "files": self.files,
            "networks": self.networks,
            "rosters": [r.as_dict() for r in self.rosters],
        }


def read_and_validate(conn: sqlite3.Connection, paths: list[Path], network: str | None = None,
                      member: str | None = None) -> tuple[list[Roster], list]:
    """Parse and validate every file; raise ``InvalidInput`` listing every problem."""
    files = []
    problems: list[Problem] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            problems.append(Problem(str(path), "file", "", "no such file"))
            continue
        except IsADirectoryError:
            problems.append(Problem(str(path), "file", "", "is a directory, not a roster file"))
            continue
        except OSError as e:
            problems.append(Problem(str(path), "file", "", f"cannot be read ({e.strerror})"))
            continue
        files.append(read_file(str(path), data, network=network, member=member))
    rosters, defs, more = validate(files, set(store.networks(conn)))
    problems.extend(more)
    if problems:
        raise InvalidInput(problems)
    return rosters, defs


def _same(a: Contact, b: Contact) -> bool:
    return a == b or (
        {k: v for k, v in vars(a).items() if k != "duty"} == {k: v for k, v in vars(b).items() if k != "duty"}
        and [r.text() for r in a.duty] == [r.text() for r in b.duty]
    )


def _changes(conn: sqlite3.Connection, rosters: list[Roster]) -> list[RosterChange]:
    out = []
    for r in rosters:
        old = store.load_roster(conn, r.network, r.member)
        change = RosterChange(r.network, r.member, len(r.contacts))
        if old is None:
            change.new = True
            change.added = [c.id for c in r.contacts]
        else:
            before = {c.id: c for c in old.contacts}
            after = {c.id: c for c in r.contacts}
            change.added = [i for i in after if i not in before]
            change.removed = [i for i in before if i not in after]
            change.changed = [i for i in after if i in before and not _same(before[i], after[i])]
        out.append(change)
    return out


def import_files(db_path: Path, paths: list[Path], *, now: int, network: str | None = None,
                 member: str | None = None, dry_run: bool = False) -> ImportReport:
    """Validate every file against the database (or an empty one if there is no file
    yet), then replace the rosters in one transaction. A failed or dry run writes
    nothing, and does not even create the database file."""
    if not paths:
        raise UsageError("give at least one roster file to import (JSON or CSV).")
    exists = db_path.exists()
    conn = connect(db_path) if exists else in_memory()
    rosters, defs = read_and_validate(conn, paths, network, member)
    names = [str(p) for p in paths]
    codes = [d.code for d in defs]
    if dry_run:
        return ImportReport(True, names, _changes(conn, rosters), codes)
    if not exists:
        conn = connect(db_path, create=True)
    with write_transaction(conn, db_path):
        # Compared inside the write lock, so the report describes exactly what
        # this transaction replaced.
        report = ImportReport(False, names, _changes(conn, rosters), codes)
        store.replace_rosters(conn, rosters, defs, format_utc(now))
    return report


def demo_files() -> list[Path]:
    from .members import data_dir

    folder = data_dir() / "demo"
    return sorted(p for p in folder.iterdir() if p.suffix in (".json", ".csv"))


def load_demo(conn: sqlite3.Connection, db_path: Path, *, now: int) -> ImportReport:
    """Import the bundled fictional directory, every roster marked as demo data.

    Refuses a database that holds real (non-demo) rosters, so demo entries never
    mix silently with an operational directory.
    """
    real = conn.execute("SELECT count(*) FROM rosters WHERE demo = 0").fetchone()[0]
    if real:
        raise UsageError(
            f"{db_path} already holds {real} real roster(s); load the demo into its own file "
            "with --db demo.db."
        )
    rosters, defs = read_and_validate(conn, demo_files())
    for r in rosters:
        r.demo = True
    with write_transaction(conn, db_path):
        report = ImportReport(False, [str(p) for p in demo_files()], _changes(conn, rosters), [d.code for d in defs])
        store.replace_rosters(conn, rosters, defs, format_utc(now))
    return report
