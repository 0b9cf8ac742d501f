"""The import history, and confirming reach changes after an out-of-band check."""

from __future__ import annotations

import json
import sqlite3

from . import reach, store
from .db import Pathish, connect, write_transaction
from .errors import UsageError
from .importer import NetworkChange, os_user
from .text import describe_reach  # noqa: F401  (re-exported for the command layer)
from .zones import format_utc


def imports(conn: sqlite3.Connection, *, network: str | None = None, member: str | None = None,
            limit: int = 50) -> list[dict]:
    """Imports newest first, each with its files, outcome and per-roster changes.
    ``network``/``member`` keep the imports that touched (or tried to touch) them."""
    out = []
    net = network.strip().lower() if network else None
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
            "networks": [_network(n) for n in store.import_networks(conn, row["id"])],
            "rosters": rosters,
        })
        if len(out) >= limit:
            break
    return out


def _network(row) -> dict:
    """A network definition an import changed: ``{code, old, new, fallback_changed}``
    (``old``/``new`` ``None``: the shipped definition) and the fallbacks in force."""
    change = NetworkChange(row["code"], json.loads(row["before"]) if row["before"] else None,
                           json.loads(row["after"]) if row["after"] else None, bool(row["fallback_cleared"]))
    return change.as_dict() | {"fallback": {"old": change.old_fallback, "new": change.new_fallback}}


def confirm(db_path: Pathish, network: str, member: str | None, contact_ids: list[str] | None, *, now: int,
            fallback: bool = False) -> tuple[list[dict], dict | None]:
    """Clear the reach-change mark of the given contacts of ``member`` (all flagged ones by
    default) and, with ``fallback``, of the network's fallback; returns exactly what was
    confirmed: each contact's changed fields, old and new, and the fallback's change."""
    from .whois import find_network

    if member is None and not fallback:
        raise UsageError("say what was checked: --country MEMBER for its contacts, --fallback for the network's "
                         "fallback member, or both.")
    conn = connect(db_path)
    net = find_network(conn, network)
    user, when = os_user(), format_utc(now)
    with write_transaction(conn, db_path):
        rows = store.confirm_reach(conn, net.code, member, contact_ids, user, when) if member is not None else []
        row = store.confirm_fallback(conn, net.code, user, when) if fallback else None
    return ([{"id": r["contact_id"], **reach.contact_mark(r)} for r in rows],
            reach.fallback_mark_of(row) if row is not None else None)
