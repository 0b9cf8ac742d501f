"""The import history, and confirming reach changes after an out-of-band check."""

from __future__ import annotations

import json
import sqlite3

from ..storage import marks

from ..storage import store, trust
from ..storage.db import Pathish, connect, write_transaction
from ..base.errors import UsageError
from .diff import NetworkChange
from .signing import change_dict
from ..base.values import value_class
from ..base.text import clip, given
from ..time.isotime import format_utc


def imports(conn: sqlite3.Connection, *, network: str | None = None, member: str | None = None,
            limit: int = 50) -> list[dict]:
    """Imports newest first, each with its files, outcome and per-roster changes.
    ``network``/``member`` keep the imports that touched (or tried to touch) them."""
    if limit < 1:
        from ..base.text import shorten

        raise UsageError(f"--limit {shorten(limit, 20)} is out of range; give 1 or more.")
    out = []
    net = network.strip().lower() if given(network, "--network") else None
    for row in conn.execute("SELECT * FROM imports ORDER BY id DESC"):
        pairs = [tuple(p) for p in json.loads(row["rosters"])]
        networks = [_network(n) for n in store.import_networks(conn, row["id"])]
        if net and all(p[0] != net for p in pairs) and all(n["code"] != net for n in networks):
            continue  # (an import that only redefined the network is kept: its fallback may have moved)
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
            "networks": networks,
            "rosters": rosters,
            # Changes to the trust store (trust add/remove/policy, and their rollbacks).
            "trust": [change_dict(t["what"], t["network"], t["member"], t["fingerprint"], t["before"], t["after"])
                      for t in trust.changes_of(conn, row["id"])],
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


@value_class
class Confirmation:
    """What one ``confirm`` ended: contact marks and the network's fallback mark, by whom, when."""

    network: str
    member: str | None
    contacts: list[dict]  # [{"id", "imports", "fields"}]: the marks confirmed
    unchanged: list[str]  # contacts named with --contact that had no unconfirmed change
    fallback: dict | None  # the fallback mark confirmed, if --fallback and there was one
    fallback_asked: bool
    by: str
    at: str

    def as_dict(self) -> dict:
        return {"network": self.network, "member": self.member, "confirmed_by": self.by, "confirmed_at": self.at,
                "contacts": self.contacts, "nothing_to_confirm": self.unchanged, "fallback": self.fallback}


def confirm(db_path: Pathish, network: str, member: str | None, contact_ids: list[str] | None, *, now: int,
            fallback: bool = False) -> Confirmation:
    """Record that the marked reach changes of a member's contacts (all of them, or
    ``contact_ids``) and, with ``fallback``, the network's fallback change were checked
    out of band, and end their marks. A network, member or contact that does not exist
    is a usage error, never "nothing to confirm": a typo in a security step must not
    look like success."""
    from ..domain.members import member_label

    if contact_ids and member is None:
        raise UsageError("--contact needs --country: give the member whose roster the contact is in.")
    if member is None and not fallback:
        raise UsageError("say what was checked: --country MEMBER for its contacts, --fallback for the network's "
                         "fallback member, or both.")
    conn = connect(db_path)
    net = store.find_network(conn, network)
    user, when = store.os_user(), format_utc(now)
    contacts: list[dict] = []
    unchanged: list[str] = []
    mark = None
    with write_transaction(conn, db_path):
        if member is not None:
            pending = store.unconfirmed_reach(conn, net.code, member)
            current = store.contact_ids(conn, net.code, member)
            if current is None and not pending:
                raise UsageError(
                    f"{member_label(member)} has no roster in {net.code} and no unconfirmed reach change: nothing "
                    f"was confirmed. Check --country and --network ('ctcontacts members --network {net.code}').")
            if contact_ids:
                asked = list(dict.fromkeys(contact_ids))
                unknown = [c for c in asked if c not in pending and c not in (current or [])]
                if unknown:
                    raise UsageError(
                        f"no contact {', '.join(clip(c) for c in unknown)} in the roster of {member} in {net.code}, "
                        f"nor any unconfirmed change for one: nothing was confirmed. 'ctcontacts contacts --network "
                        f"{net.code} --country {member}' lists the ids.")
                unchanged = [c for c in asked if c not in pending]
            rows = store.confirm_reach(conn, net.code, member, contact_ids, user, when)
            contacts = [{"id": r["contact_id"], **marks.contact_mark(r)} for r in rows]
        if fallback:
            row = store.confirm_fallback(conn, net.code, user, when)
            mark = marks.fallback_mark_of(row) if row is not None else None
    return Confirmation(net.code, member, contacts, unchanged, mark, fallback, user, when)
