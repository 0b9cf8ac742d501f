"""Schema migrations, applied in order by ``sqlite_utils.Migrations``.

An applied migration is never edited: change the schema by adding ``m002_…``
and its name to ``db.KNOWN_MIGRATIONS``.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database, Migrations

from .db import MIGRATION_SET

migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_initial(db: Database) -> None:
    # Rosters are replaced whole per (network, member); contacts and their duty
    # rules hang off them with ON DELETE CASCADE so a replacement is one DELETE
    # and fresh INSERTs inside the import's transaction.
    #
    # Shipped networks live in data/networks.json; this table holds only the
    # networks a user's roster file defined (a definition of the same code
    # replaces the shipped one).
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
        CREATE TABLE rosters (
            network TEXT NOT NULL,
            member TEXT NOT NULL,
            issued TEXT,               -- YYYY-MM-DD as the member wrote it
            imported_at TEXT NOT NULL, -- UTC, ISO 8601 with Z
            source_file TEXT NOT NULL,
            demo INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (network, member)
        )"""
    )
    db.execute(
        """
        CREATE TABLE contacts (
            network TEXT NOT NULL,
            member TEXT NOT NULL,
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
            PRIMARY KEY (network, member, id),
            FOREIGN KEY (network, member) REFERENCES rosters (network, member) ON DELETE CASCADE
        )"""
    )
    db.execute(
        """
        CREATE TABLE duty_rules (
            network TEXT NOT NULL,
            member TEXT NOT NULL,
            contact_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            rule TEXT NOT NULL, -- one-string form, e.g. 'Mo-Fr 08:00-18:00' or 'off 2026-12-24T00:00/P3D'
            PRIMARY KEY (network, member, contact_id, position),
            FOREIGN KEY (network, member, contact_id)
                REFERENCES contacts (network, member, id) ON DELETE CASCADE
        )"""
    )
    # A view for people reading the file with the sqlite3 shell or Datasette.
    db.execute(
        """
        CREATE VIEW contact_duty AS
        SELECT c.network, c.member, c.rank, c.id, c.name, c.agency, c.role, c.phones,
               c.email, c.timezone, group_concat(d.rule, ' | ') AS duty
        FROM contacts c LEFT JOIN duty_rules d
          ON d.network = c.network AND d.member = c.member AND d.contact_id = c.id
        GROUP BY c.network, c.member, c.id
        ORDER BY c.network, c.member, c.rank, c.name"""
    )


def apply(conn: sqlite3.Connection) -> None:
    migrations.apply(Database(conn, execute_plugins=False))
