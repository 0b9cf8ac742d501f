"""The import history, and confirming reach changes after an out-of-band check."""

from __future__ import annotations

import json
import sqlite3

from . import store
from .db import Pathish, connect, write_transaction
from .importer import os_user
from .text import describe_reach, given  # noqa: F401  (describe_reach: re-exported for the command layer)
from .zones import format_utc


def imports(conn: sqlite3.Connection, *, network: str | None = None, member: str | None = None,
            limit: int = 50) -> list[dict]:
    """Imports newest first, each with its files, outcome and per-roster changes.
    ``network``/``member`` keep the imports that touched (or tried to touch) them."""
    if limit < 1:
        from .errors import UsageError
        from .text import shorten

        raise UsageError(f"--limit {shorten(limit, 20)} is out of range; give 1 or more.")
    out = []
    net = network.strip().lower() if given(network, "--network") else None
    for row in conn.execute("SELECT * FROM imports ORDER BY id DESC"):
        pairs = [tuple(p) for p in json.loads(row["rosters"])]
        if net and all(p[0] != net for p in pairs):
            continue
        if member and all(p[1] != member for p in pairs):
            continue
        if net and member and (net, member) not in pairs:
            continue
        rosters = []
        for r in store.import_rosters(conn, row["id"]):
            report = json.loads(r["report"])
            report["changed"] = [c["id"] for c in report.get("changed", [])]
            report["before_version"] = r["before_version"]
            report["after_version"] = r["after_version"]
            rosters.append(report)
        out.append({
            "import_id": row["id"],
            "at": row["started_at"],
            "user": row["os_user"],
            "kind": row["kind"],
            "outcome": row["outcome"],
            "reason": row["reason"],
            "rollback_of": row["rollback_of"],
            "files": json.loads(row["files"]),
            "counts": {"added": row["added"], "removed": row["removed"], "changed": row["changed"],
                       "reach_changes": row["reach_changes"]},
            "rosters": rosters,
        })
        if len(out) >= limit:
            break
    return out


def confirm(db_path: Pathish, network: str, member: str, contact_ids: list[str] | None, *, now: int) -> list[dict]:
    """Clear the reach-change mark of the given contacts (all flagged ones by default);
    returns exactly what was confirmed: each contact's changed fields, old and new."""
    from .whois import find_network

    conn = connect(db_path)
    net = find_network(conn, network)
    with write_transaction(conn, db_path):
        rows = store.confirm_reach(conn, net.code, member, contact_ids, os_user(), format_utc(now))
    return [{"id": r["contact_id"], "fields": json.loads(r["fields"]), "imports": json.loads(r["import_ids"])}
            for r in rows]
