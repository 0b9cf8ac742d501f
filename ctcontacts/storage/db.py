"""The one place that finds and opens the database and decides its pragmas.

Reading uses the standard library's ``sqlite3`` only, so a lookup does not pay
for importing sqlite-utils; schema creation and upgrades go through
``sqlite_utils.Migrations`` (``migrations.py``), loaded only when a migration
is actually pending.
"""

from __future__ import annotations

import os
import sqlite3
import stat

from .schema import KNOWN_MIGRATIONS, MIGRATION_SET
from ..base.errors import DatabaseError, UsageError

ENV_DB = "CTCONTACTS_DB"
def _busy_timeout() -> int:
    """How long a command waits for another one's write lock: ``$CTCONTACTS_BUSY_TIMEOUT_MS``,
    else 10 seconds."""
    text = os.environ.get("CTCONTACTS_BUSY_TIMEOUT_MS", "")
    return int(text) if text.isascii() and text.isdigit() else 10000  # '²'.isdigit() is true


BUSY_TIMEOUT_MS = _busy_timeout()


# Paths are plain strings here (os.path, not pathlib): a lookup opens the
# database, and pathlib alone costs about 4 ms of start-up.
Pathish = str | os.PathLike


def resolve_path(option: Pathish | None, app_dir: Pathish | None) -> str:
    """``--db``, else ``$CTCONTACTS_DB``, else ``ctcontacts.db`` in the per-user app
    directory. Given empty, either is a usage error: falling back to the default
    directory would answer from (or write into) a database nobody named."""
    if option is not None:
        if not os.fspath(option):
            raise UsageError("--db is empty; give the database file's path, or leave --db out "
                             f"to use ${ENV_DB} or the default.")
        return os.path.expanduser(os.fspath(option))
    env = os.environ.get(ENV_DB)
    if env is not None:
        if not env:
            raise UsageError(f"{ENV_DB} is set but empty; set it to the database file's path, "
                             "or unset it to use the default.")
        return os.path.expanduser(env)
    if app_dir is None:
        raise DatabaseError("no database given; use --db PATH or set CTCONTACTS_DB.")
    return os.path.join(os.fspath(app_dir), "ctcontacts.db")


def _shown(path: Pathish) -> str:
    """A database path in a message: whole, unless it is absurdly long."""
    from ..base.text import shorten

    return shorten(os.fspath(path), 300)


def _create_private(path: Pathish) -> None:
    """Create an empty database file readable and writable by its owner only."""
    try:
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        pass
    except OSError as e:
        raise DatabaseError(f"cannot create the database at {_shown(path)}: {e.strerror}; choose another place with --db.") from None


class NoDatabase(DatabaseError):
    """No directory at the path yet: no file, an empty one, or an SQLite file without
    ctcontacts' tables. For reading, that is exit 3: a wiped directory must not pass
    for a healthy one that happens to have nobody on duty."""


_WHAT_TO_DO = ("import a roster (ctcontacts import FILE), load the demo (ctcontacts demo) "
               "or restore the file from a backup.")


# The connections ``connect`` opened, while the program keeps them (``cli.main.program``:
# it closes them all before it leaves without Python's teardown); ``None`` otherwise.
opened: list[sqlite3.Connection] | None = None


def connect(path: Pathish, *, create: bool = False) -> sqlite3.Connection:
    """Open the database, with WAL, foreign keys and a busy timeout, its schema brought
    up to date (an older ctcontacts' file is upgraded); ``DatabaseError`` if it cannot be
    used. Without ``create`` nothing is made: a missing or empty database is
    ``NoDatabase``, and the file is left exactly as it was. With ``create`` (an import
    that writes), a missing or empty file becomes a new database."""
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if not create:
            raise NoDatabase(f"there is no database at {_shown(path)}; {_WHAT_TO_DO}") from None
        _create_private(path)
        mode = stat.S_IFREG
    except OSError as e:
        raise DatabaseError(f"cannot use the database at {_shown(path)} ({e.strerror}); "
                            "check the path and its permissions.") from None
    if not stat.S_ISREG(mode):
        # Never opened: SQLite would wait forever on a named pipe, or write its
        # journal beside a device.
        from ..base.text import kind_of

        raise DatabaseError(f"{_shown(path)} is {kind_of(mode)}, not a database file; give the database file "
                            f"with --db or ${ENV_DB}.")
    try:
        conn = sqlite3.connect(_target(path, create), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               uri=True)
        if opened is not None:
            opened.append(conn)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        applied = applied_migrations(conn)
        if not applied:
            _refuse_foreign(conn, path)  # before anything writes to it
            if not create:
                conn.close()
                raise NoDatabase(f"the database at {_shown(path)} is empty (no ctcontacts directory in it); {_WHAT_TO_DO}")
        _use_wal(conn)
        _check_schema(conn, path, applied)
    except sqlite3.DatabaseError as e:
        raise as_database_error(e, path) from None
    return conn


def open_existing(path: Pathish) -> sqlite3.Connection | None:
    """The database at ``path``, or ``None`` when there is none yet (``NoDatabase``):
    what an import compares against before it creates the file."""
    try:
        return connect(path)
    except NoDatabase:
        return None


def _target(path: str, create: bool) -> str:
    """What ``sqlite3.connect`` is given (as a URI). Without ``create``, ``mode=rw``:
    SQLite must not create the file if it vanished since it was looked at."""
    if os.name == "nt":  # (drive letters and backslashes: the plain path, as before)
        return path
    quoted = os.path.abspath(path).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file://{quoted}" + ("" if create else "?mode=rw")


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch a new file to WAL. The switch needs the file to itself and SQLite does
    not wait for that (no busy handler): when two first imports race, one is told
    "locked" at once. Retry until the busy timeout; done as soon as either switched it."""
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                # SQLite answers with the mode it is in; a file that cannot do WAL
                # (":memory:") stays as it is, as it always did.
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def as_database_error(e: sqlite3.DatabaseError, path: Pathish) -> DatabaseError:
    text = str(e)
    if "locked" in text or "busy" in text:
        return DatabaseError(
            f"the database at {_shown(path)} is locked by another ctcontacts process; try again when it has finished."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return DatabaseError(
            f"the database at {_shown(path)} is corrupt or not a ctcontacts database; restore it from a backup or use another --db."
        )
    return DatabaseError(f"cannot use the database at {_shown(path)} ({text}); check the file and its permissions.")


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    ).fetchone()
    if not exists:
        return []
    rows = conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", [MIGRATION_SET]
    )
    return [r[0] for r in rows]


def _refuse_foreign(conn: sqlite3.Connection, path: Pathish) -> None:
    other = conn.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()[0]
    # Another ctcontacts process may have created the schema since ``connect`` looked:
    # then the tables are ours, with our migrations recorded.
    if other and not applied_migrations(conn):
        raise DatabaseError(
            f"{_shown(path)} is an SQLite database of another program, not a ctcontacts database; "
            "choose another file with --db."
        )


def _check_schema(conn: sqlite3.Connection, path: Pathish, applied: list[str]) -> None:
    unknown = [name for name in applied if name not in KNOWN_MIGRATIONS]
    if unknown:
        raise DatabaseError(
            f"the database at {_shown(path)} was written by a newer ctcontacts (schema {unknown[-1]}); "
            "upgrade ctcontacts to use it."
        )
    if len(applied) < len(KNOWN_MIGRATIONS):
        from .migrations import apply

        apply(conn)


def schema_version(conn: sqlite3.Connection) -> str:
    applied = applied_migrations(conn)
    return applied[-1] if applied else "none"


class write_transaction:
    """One all-or-nothing write: ``BEGIN IMMEDIATE`` takes the write lock up front
    (waiting up to the busy timeout), everything inside commits together or not at all.

    ``with write_transaction(conn, path):``. A class rather than a
    ``contextlib.contextmanager``: importing contextlib costs a lookup 0.5 ms, and
    lookups never write."""

    def __init__(self, conn: sqlite3.Connection, path: Pathish | None = None):
        self.conn, self.path = conn, path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise as_database_error(e, self.path or "?") from None
        return self.conn

    def __exit__(self, kind, error, trace) -> bool:
        if kind is not None:
            self.conn.execute("ROLLBACK")
            return False
        try:
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            self.conn.execute("ROLLBACK")
            raise as_database_error(e, self.path or "?") from None
        return False


def in_memory() -> sqlite3.Connection:
    """An empty database in memory with the current schema: what a dry run compares
    against when there is no database file yet (so a dry run creates nothing)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    from .migrations import apply

    apply(conn)
    return conn
