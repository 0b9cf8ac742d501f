"""Schema migrations, applied in order by ``sqlite_utils.Migrations``.

An applied migration is never edited: change the schema by adding ``m002_…``
and its name to ``schema.KNOWN_MIGRATIONS``.
"""

from __future__ import annotations

import json
import re
import sqlite3

from sqlite_utils import Database, Migrations

from .schema import MIGRATION_SET

migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_initial(db: Database) -> None:
    # Nothing a roster ever said is lost: every import that changes a roster
    # writes a new *version* (contacts and duty rules hang off the version),
    # and `rosters` only points at the current one. Rolling back is moving
    # that pointer, itself recorded as an import.
    #
    # Shipped networks live in data/networks.json; `networks` holds only the
    # networks a user's roster file defined (a definition of a code replaces
    # the shipped one).
    db.execute(
        """
        CREATE TABLE networks (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            organization TEXT NOT NULL DEFAULT '',
            fallback TEXT
        )"""
    )
    db.execute(
        """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,          -- UTC, ISO 8601 with Z
            os_user TEXT NOT NULL,
            kind TEXT NOT NULL,                -- import | rollback | demo
            files TEXT NOT NULL DEFAULT '[]',  -- JSON: [{name, sha256, format, bytes}]
            options TEXT NOT NULL DEFAULT '{}',-- JSON: the command line's --network, --country, --contact
            rosters TEXT NOT NULL DEFAULT '[]',-- JSON: [[network, member], ...] touched or attempted
            outcome TEXT NOT NULL,             -- ok | refused
            reason TEXT NOT NULL DEFAULT '',   -- why it was refused
            added INTEGER NOT NULL DEFAULT 0,
            removed INTEGER NOT NULL DEFAULT 0,
            changed INTEGER NOT NULL DEFAULT 0,
            reach_changes INTEGER NOT NULL DEFAULT 0,
            rollback_of INTEGER REFERENCES imports (id)
        )"""
    )
    db.execute(
        """
        CREATE TABLE roster_versions (
            id INTEGER PRIMARY KEY,
            network TEXT NOT NULL,
            member TEXT NOT NULL,
            issued TEXT,                 -- YYYY-MM-DD as the member wrote it
            demo INTEGER NOT NULL DEFAULT 0,
            source_file TEXT NOT NULL,
            import_id INTEGER NOT NULL REFERENCES imports (id),
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX roster_versions_by_member ON roster_versions (network, member)")
    db.execute(
        """
        CREATE TABLE rosters (
            network TEXT NOT NULL,
            member TEXT NOT NULL,
            version_id INTEGER NOT NULL REFERENCES roster_versions (id),
            PRIMARY KEY (network, member)
        )"""
    )
    db.execute(
        """
        CREATE TABLE contacts (
            version_id INTEGER NOT NULL REFERENCES roster_versions (id),
            id TEXT NOT NULL,
            position INTEGER NOT NULL, -- order in the roster file
            name TEXT NOT NULL,
            agency TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL DEFAULT '',
            rank INTEGER NOT NULL DEFAULT 1,
            phones TEXT NOT NULL DEFAULT '[]',    -- JSON array of E.164 numbers
            email TEXT NOT NULL DEFAULT '',
            secure_channel TEXT NOT NULL DEFAULT '',
            languages TEXT NOT NULL DEFAULT '[]', -- JSON array of language tags
            timezone TEXT NOT NULL,               -- IANA name the duty rules are read in
            verified TEXT,
            notes TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (version_id, id)
        )"""
    )
    db.execute(
        """
        CREATE TABLE duty_rules (
            version_id INTEGER NOT NULL,
            contact_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            rule TEXT NOT NULL, -- one-string form, e.g. 'Mo-Fr 08:00-18:00' or 'off 2026-12-24T00:00/P3D'
            -- For a dated interval (plain or 'off'): its UTC instants, so a lookup reads
            -- only the shifts near its moment. NULL for every other kind of rule.
            starts INTEGER,
            ends INTEGER,
            PRIMARY KEY (version_id, contact_id, position),
            FOREIGN KEY (version_id, contact_id) REFERENCES contacts (version_id, id)
        )"""
    )
    db.execute(
        """
        CREATE TABLE import_rosters (
            import_id INTEGER NOT NULL REFERENCES imports (id),
            network TEXT NOT NULL,
            member TEXT NOT NULL,
            before_version INTEGER REFERENCES roster_versions (id), -- NULL: no roster before
            after_version INTEGER REFERENCES roster_versions (id),  -- NULL: no roster after
            report TEXT NOT NULL, -- JSON: this roster's part of the change report
            PRIMARY KEY (import_id, network, member)
        )"""
    )
    db.execute(
        """
        CREATE TABLE reach_flags (
            network TEXT NOT NULL,
            member TEXT NOT NULL,
            contact_id TEXT NOT NULL,
            import_id INTEGER NOT NULL REFERENCES imports (id), -- the latest one
            import_ids TEXT NOT NULL DEFAULT '[]', -- JSON: every import since the last confirmation
            fields TEXT NOT NULL,   -- JSON: {"phones": {"old": [...], "new": [...]}, ...}, merged
            flagged_at TEXT NOT NULL,
            confirmed_at TEXT,
            confirmed_by TEXT,
            PRIMARY KEY (network, member, contact_id)
        )"""
    )
    db.execute(
        """
        CREATE TABLE import_networks (
            import_id INTEGER NOT NULL REFERENCES imports (id),
            code TEXT NOT NULL,
            before TEXT, -- JSON definition, NULL: the shipped one (or none)
            after TEXT,  -- JSON definition, NULL: the shipped one (or none)
            PRIMARY KEY (import_id, code)
        )"""
    )
    # Views for people reading the file with the sqlite3 shell or Datasette.
    db.execute(
        """
        CREATE VIEW current_contacts AS
        SELECT r.network, r.member, c.*
        FROM rosters r JOIN contacts c ON c.version_id = r.version_id"""
    )
    db.execute(
        """
        CREATE VIEW contact_duty AS
        SELECT c.network, c.member, c.rank, c.id, c.name, c.agency, c.role, c.phones,
               c.email, c.timezone,
               (SELECT group_concat(rule, ' | ') FROM
                   (SELECT rule FROM duty_rules d
                    WHERE d.version_id = c.version_id AND d.contact_id = c.id ORDER BY position)) AS duty
        FROM current_contacts c
        ORDER BY c.network, c.member, c.rank, c.name"""
    )


@migrations()
def m002_spans_tz(db: Database) -> None:
    # The time-zone release (pytz's, e.g. 2026f) that computed a version's
    # duty_rules.starts/ends. A lookup trusts those instants only under the same
    # release; after a tz update (a country drops summer time) it re-reads the rules'
    # wall-clock text instead. NULL: written before this column existed.
    db.execute("ALTER TABLE roster_versions ADD COLUMN spans_tz TEXT")


@migrations()
def m003_duty_rules_without_rowid(db: Database) -> None:
    # duty_rules is by far the biggest table (a year of shifts is 700 rows per
    # contact) and is only ever reached by its primary key. Kept WITHOUT ROWID the
    # key is the table: one B-tree instead of a table plus its key index, so an
    # import writes a million and a half rows a second faster and the file is a
    # quarter smaller.
    view = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'contact_duty'").fetchone()
    if view:
        db.execute("DROP VIEW contact_duty")
    # The same table as m001 wrote it (columns, key, comments), without a rowid.
    # (SQLite keeps the statement as written; after a rename it quotes the name.)
    table = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'duty_rules'").fetchone()[0]
    packed, found = re.subn(r'^CREATE TABLE\s+("duty_rules"|duty_rules)', "CREATE TABLE duty_rules_packed", table)
    if not found:  # pragma: no cover - a file no ctcontacts wrote
        raise sqlite3.DatabaseError("duty_rules is not the table ctcontacts created")
    db.execute(packed + " WITHOUT ROWID")
    db.execute(
        "INSERT INTO duty_rules_packed (version_id, contact_id, position, rule, starts, ends) "
        "SELECT version_id, contact_id, position, rule, starts, ends FROM duty_rules"
    )
    db.execute("DROP TABLE duty_rules")
    db.execute("ALTER TABLE duty_rules_packed RENAME TO duty_rules")
    if view:
        db.execute(view[0])


@migrations()
def m004_contacts_dated_until(db: Database) -> None:
    # The latest end (UTC) of a contact's dated rules, 0 if it has none: a lookup
    # that read only the shifts near its moment knows from it whether any come
    # later, and reads the rest only then. NULL: written before this column.
    db.execute("ALTER TABLE contacts ADD COLUMN dated_until INTEGER")


@migrations()
def m005_network_flags(db: Database) -> None:
    # A network's fallback member changing is a reach change like a contact's phone:
    # calls that fall back go somewhere else. One row per network, merged like
    # reach_flags: ``old`` is the fallback on record when it was last confirmed,
    # ``new`` the one in force, ``import_ids`` every import since.
    db.execute(
        """
        CREATE TABLE network_flags (
            code TEXT PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES imports (id), -- the latest one
            import_ids TEXT NOT NULL DEFAULT '[]', -- JSON: every import since the last confirmation
            old TEXT,  -- fallback on record when last confirmed (NULL: none)
            new TEXT,  -- fallback in force (NULL: none)
            flagged_at TEXT NOT NULL,
            confirmed_at TEXT,
            confirmed_by TEXT,
            cleared_by INTEGER REFERENCES imports (id) -- put back as on record by this import
        )"""
    )
    # A contact's mark ends by confirmation, or when an import or rollback puts back
    # what was on record: that import is kept here instead of the row being deleted.
    db.execute("ALTER TABLE reach_flags ADD COLUMN cleared_by INTEGER REFERENCES imports (id)")
    # The same for a fallback, kept with the import that changed the definition (a
    # network has one flag row, which the next change overwrites; the history does not).
    db.execute("ALTER TABLE import_networks ADD COLUMN fallback_cleared INTEGER NOT NULL DEFAULT 0")


@migrations()
def m006_trust(db: Database) -> None:
    # Signed rosters (docs/signing.md). The keys trusted to sign a member's rosters in a
    # network, or (member '') the rosters of every member, for the network's secretariat.
    # ``key`` is the OpenSSH public key line without its comment; ``expires`` the last
    # day (UTC) it is trusted, NULL: no end.
    db.execute(
        """
        CREATE TABLE trusted_keys (
            fingerprint TEXT NOT NULL,        -- SHA256:… as ssh-keygen -l prints it
            network TEXT NOT NULL,
            member TEXT NOT NULL,             -- alpha-2 or org:name; '' the network's secretariat
            key TEXT NOT NULL,
            key_type TEXT NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            expires TEXT,                     -- YYYY-MM-DD, last day trusted; NULL: no end
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL,
            import_id INTEGER NOT NULL REFERENCES imports (id), -- the change that trusted it
            PRIMARY KEY (fingerprint, network, member)
        )"""
    )
    db.execute("CREATE INDEX trusted_keys_by_roster ON trusted_keys (network, member)")
    # Per network: are signatures optional (no row) or required.
    db.execute(
        """
        CREATE TABLE signature_policies (
            network TEXT PRIMARY KEY,
            signatures TEXT NOT NULL CHECK (signatures IN ('optional', 'required')),
            import_id INTEGER NOT NULL REFERENCES imports (id)
        )"""
    )
    # Every change to the trust store is an entry of the history (imports, kind 'trust'),
    # with what each key or policy was before and after it, so it can be rolled back.
    db.execute(
        """
        CREATE TABLE import_trust (
            import_id INTEGER NOT NULL REFERENCES imports (id),
            what TEXT NOT NULL,               -- key | policy
            network TEXT NOT NULL,
            member TEXT NOT NULL DEFAULT '',  -- key: as in trusted_keys; policy: ''
            fingerprint TEXT NOT NULL DEFAULT '',
            before TEXT,                      -- JSON row, NULL: none (policy: optional)
            after TEXT,
            PRIMARY KEY (import_id, what, network, member, fingerprint)
        )"""
    )
    db.execute("CREATE INDEX import_trust_by_entry ON import_trust (what, network, member, fingerprint, import_id)")
    # Where a version's numbers came from: the file's SHA-256, and the signature that
    # was verified at import (JSON {fingerprint, key_type, trusted_for}; NULL: unsigned).
    # Read with the version's other columns: provenance costs a lookup nothing.
    db.execute("ALTER TABLE roster_versions ADD COLUMN source_sha256 TEXT")
    db.execute("ALTER TABLE roster_versions ADD COLUMN signature TEXT")
    # whois --as-recorded: the version of a roster current at an instant.
    db.execute("CREATE INDEX import_rosters_by_roster ON import_rosters (network, member, import_id)")


@migrations()
def m007_phone_formats(db: Database) -> None:
    # How people read and dial a number: libphonenumber's grouped international and
    # national forms of each phone ([[international, national] or null, ...], in the
    # order of ``phones``), and each country's international prefix. Computed at import
    # so that a lookup need not load libphonenumber (tens of ms); here for every
    # version already stored, from its E.164 numbers. NULL: unreadable numbers.
    from ..domain.dialling import formats_of

    db.execute("ALTER TABLE contacts ADD COLUMN phone_formats TEXT")
    db.execute(
        """
        CREATE TABLE dial_regions (
            region TEXT PRIMARY KEY,       -- ISO 3166 alpha-2, as libphonenumber knows it
            country_code INTEGER NOT NULL, -- its country calling code (33, 1, 44)
            prefix TEXT NOT NULL           -- what it dials before a country code ('' : none preferred)
        ) WITHOUT ROWID"""
    )
    from .store import json_texts, refresh_dial_regions

    refresh_dial_regions(db.conn)
    cache: dict = {}
    rows = db.execute("SELECT rowid, phones FROM contacts").fetchall()
    updates = []
    for rowid, phones in rows:
        numbers = json_texts(phones)
        if numbers:
            updates.append((json.dumps(formats_of(numbers, cache)), rowid))
    db.conn.executemany("UPDATE contacts SET phone_formats = ? WHERE rowid = ?", updates)


@migrations()
def m008_dated_by_start(db: Database) -> None:
    # The network board reads the dated shifts near its moment for a whole network at
    # once (store.load_current): by their start, from no earlier than each version's
    # longest dated shift before it. Costs an index entry a rule (some 27 bytes) and
    # about 5 % of an import's time; see docs/performance.md.
    db.execute("ALTER TABLE roster_versions ADD COLUMN longest_dated INTEGER")
    db.execute("UPDATE roster_versions SET longest_dated = "
               "(SELECT ifnull(max(ends - starts), 0) FROM duty_rules WHERE version_id = roster_versions.id)")
    db.execute("CREATE INDEX duty_rules_by_start ON duty_rules (version_id, starts)")


def apply(conn: sqlite3.Connection) -> None:
    """Apply pending migrations under the write lock, so two processes opening a new
    database at once do not both create it: the second finds nothing pending."""
    db = Database(conn, execute_plugins=False)
    conn.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(db)  # each migration nests as a savepoint in this transaction
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
