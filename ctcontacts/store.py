"""Reading and writing rosters in the database. SQL is always parameterised."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from .members import Network, builtin_networks
from .errors import DatabaseError
from .rules import RuleError, parse_rule
from .validate import Contact, NetworkDef, Roster


@dataclass
class StoredRoster:
    network: str
    member: str
    issued: str | None
    imported_at: str
    source_file: str
    demo: bool
    contacts: list[Contact]


def networks(conn: sqlite3.Connection) -> dict[str, Network]:
    """Shipped networks, with any the user defined (a user definition of a code wins)."""
    out = dict(builtin_networks())
    for row in conn.execute("SELECT code, name, organization, fallback FROM networks"):
        shipped = out.get(row["code"])
        out[row["code"]] = Network(
            row["code"], row["name"], row["organization"], row["fallback"],
            shipped.members if shipped else {}, builtin=False,
        )
    return out


def load_roster(conn: sqlite3.Connection, network: str, member: str) -> StoredRoster | None:
    head = conn.execute(
        "SELECT issued, imported_at, source_file, demo FROM rosters WHERE network = ? AND member = ?",
        [network, member],
    ).fetchone()
    if head is None:
        return None
    rules: dict[str, list] = {}
    for row in conn.execute(
        "SELECT contact_id, rule FROM duty_rules WHERE network = ? AND member = ? ORDER BY contact_id, position",
        [network, member],
    ):
        try:
            rule = parse_rule(row["rule"])
        except RuleError:
            raise DatabaseError(
                f"the stored duty rule {row['rule']!r} of {member} in {network} cannot be read; "
                "re-import that roster or restore the database from a backup."
            ) from None
        rules.setdefault(row["contact_id"], []).append(rule)
    contacts = []
    for row in conn.execute(
        "SELECT * FROM contacts WHERE network = ? AND member = ? ORDER BY position", [network, member]
    ):
        contacts.append(Contact(
            id=row["id"], name=row["name"], timezone=row["timezone"], duty=rules.get(row["id"], []),
            agency=row["agency"], role=row["role"], rank=row["rank"],
            phones=json.loads(row["phones"]), email=row["email"],
            secure_channel=row["secure_channel"], languages=json.loads(row["languages"]),
            verified=row["verified"], notes=row["notes"],
        ))
    return StoredRoster(network, member, head["issued"], head["imported_at"], head["source_file"],
                        bool(head["demo"]), contacts)


def replace_rosters(conn: sqlite3.Connection, rosters: list[Roster], defs: list[NetworkDef], imported_at: str) -> None:
    """Write inside the caller's transaction: each roster replaces the one it names."""
    for n in defs:
        conn.execute(
            "INSERT INTO networks (code, name, organization, fallback) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
            "organization = excluded.organization, fallback = excluded.fallback",
            [n.code, n.name, n.organization, n.fallback],
        )
    for r in rosters:
        conn.execute("DELETE FROM rosters WHERE network = ? AND member = ?", [r.network, r.member])
        conn.execute(
            "INSERT INTO rosters (network, member, issued, imported_at, source_file, demo) VALUES (?, ?, ?, ?, ?, ?)",
            [r.network, r.member, r.issued, imported_at, r.source, int(r.demo)],
        )
        conn.executemany(
            "INSERT INTO contacts (network, member, id, position, name, agency, role, rank, phones, email, "
            "secure_channel, languages, timezone, verified, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [r.network, r.member, c.id, i, c.name, c.agency, c.role, c.rank, json.dumps(c.phones),
                 c.email, c.secure_channel, json.dumps(c.languages), c.timezone, c.verified, c.notes]
                for i, c in enumerate(r.contacts)
            ],
        )
        conn.executemany(
            "INSERT INTO duty_rules (network, member, contact_id, position, rule) VALUES (?, ?, ?, ?, ?)",
            [
                [r.network, r.member, c.id, j, rule.text()]
                for c in r.contacts
                for j, rule in enumerate(c.duty)
            ],
        )


def roster_count(conn: sqlite3.Connection) -> dict[str, int]:
    row = conn.execute(
        "SELECT count(*) AS rosters, coalesce(sum(demo), 0) AS demo FROM rosters"
    ).fetchone()
    return {"rosters": row["rosters"], "demo": row["demo"]}
