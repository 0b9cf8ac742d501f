"""Reach-change marks: the one place they are settled after an import and built for views.

A change to how a contact is reached (``domain.reach.reach_fields``) or to a network's
fallback member is marked until someone confirms it out of band. Every view that
names someone to call reads the mark from here, in one shape:

- a contact: ``{"imports": [ids], "fields": {"phones": {"old": [...], "new": [...]}, ...}}``
- a network's fallback: ``{"imports": [ids], "old": "org:coe", "new": "org:evil"}``

``old`` is what was on record when the change was last confirmed, ``new`` what is
in force. After every import or rollback a mark stands only while the two still
differ in the reach sense; one that no longer does is cleared, naming that import.

On the lookup path: no imports beyond ``json`` and ``store``.
"""

from __future__ import annotations

import json
import sqlite3

from . import store

MARK = "REACH CHANGED, NOT CONFIRMED"
FALLBACK_MARK = "FALLBACK CHANGED, NOT CONFIRMED"


def contact_mark(row) -> dict:
    return {"imports": json.loads(row["import_ids"]), "fields": json.loads(row["fields"])}


def fallback_mark_of(row) -> dict:
    return {"imports": json.loads(row["import_ids"]), "old": row["old"], "new": row["new"]}


def contact_marks(conn: sqlite3.Connection, network: str, member: str) -> dict[str, dict]:
    """The unconfirmed reach changes of a member's contacts, by contact id."""
    return {cid: contact_mark(row) for cid, row in store.unconfirmed_reach(conn, network, member).items()}


def contact_marks_and_confirmations(conn: sqlite3.Connection, network: str,
                                    member: str) -> tuple[dict[str, dict], dict[str, dict]]:
    """In one read: the unconfirmed reach changes of a member's contacts (``contact_marks``)
    and, for contacts with none pending, the last confirmed one: ``{"imports": [ids],
    "fields": {...}, "confirmed_at": "…Z", "confirmed_by": "name"}``, by contact id."""
    return network_marks_and_confirmations(conn, network, member).get(member, ({}, {}))


def network_marks_and_confirmations(conn: sqlite3.Connection, network: str, member: str | None = None,
                                    ) -> dict[str, tuple[dict[str, dict], dict[str, dict]]]:
    """``contact_marks_and_confirmations`` of every member of ``network`` (or of ``member``), by member."""
    out: dict[str, tuple[dict, dict]] = {}
    for row in store.reach_flags(conn, network, member):
        pending, confirmed = out.setdefault(row["member"], ({}, {}))
        if row["confirmed_at"] is None and row["cleared_by"] is None:
            pending[row["contact_id"]] = contact_mark(row)
        elif row["confirmed_at"] is not None:
            confirmed[row["contact_id"]] = {**contact_mark(row), "confirmed_at": row["confirmed_at"],
                                            "confirmed_by": row["confirmed_by"]}
    return out


def all_contact_marks(conn: sqlite3.Connection) -> dict[tuple[str, str, str], dict]:
    """Every unconfirmed contact mark, by (network, member, contact id)."""
    return {(r["network"], r["member"], r["contact_id"]): contact_mark(r) for r in store.all_unconfirmed_reach(conn)}


def fallback_mark(conn: sqlite3.Connection, code: str) -> dict | None:
    """The unconfirmed change of a network's fallback member, or ``None``."""
    row = store.unconfirmed_fallback(conn, code)
    return None if row is None else fallback_mark_of(row)


def all_fallback_marks(conn: sqlite3.Connection) -> dict[str, dict]:
    return {r["code"]: fallback_mark_of(r) for r in store.all_unconfirmed_fallbacks(conn)}


def imports_text(mark: dict) -> str:
    return ", ".join(f"#{i}" for i in mark["imports"])


def describe(mark: dict) -> str:
    """``phones [+33199001234] -> [+33199001299] (import #7)``."""
    from ..domain.reach import describe_reach

    return f"{describe_reach(mark['fields'])} (import {imports_text(mark)})"


def describe_fallback(code: str, mark: dict) -> str:
    return (f"the fallback of {code} changed from {mark['old'] or '(none)'} to {mark['new'] or '(none)'} "
            f"in import {imports_text(mark)} and is not confirmed")


# --- settling marks after an import or rollback ----------------------------------------


class _OnRecord:
    """A contact as far as reach goes: what ``domain.reach.reach_fields`` compares."""

    def __init__(self, phones, email, secure_channel):
        self.phones, self.email, self.secure_channel = phones, email, secure_channel


def _merge(earlier: dict, raised: dict) -> dict:
    """Each field keeps its oldest "old" (the value on record when last confirmed) and
    its latest "new"."""
    merged = {name: dict(change) for name, change in earlier.items()}
    for name, change in raised.items():
        merged[name] = {"old": earlier[name]["old"] if name in earlier else change["old"], "new": change["new"]}
    return merged


def _standing(merged: dict, current: dict, demo: bool) -> dict:
    """The fields of a mark that still differ, in the reach sense, from what was on
    record; their "new" is the value in force now."""
    from ..domain.reach import reach_fields

    def old(name):
        return merged[name]["old"] if name in merged else current[name]

    now = _OnRecord(current["phones"], current["email"], current["secure_channel"])
    differs = reach_fields(_OnRecord(old("phones"), old("email"), old("secure_channel")), now)
    out = {}
    for name, change in merged.items():
        if name == "demo":
            if not demo:  # still real data where the record was demo
                out[name] = change
        elif name in differs:
            out[name] = {"old": change["old"], "new": differs[name]["new"]}
    return out


def settle_roster(conn: sqlite3.Connection, network: str, member: str, import_id: int, raised: dict[str, dict],
                  when: str) -> list[str]:
    """Write the marks of one roster after import ``import_id`` changed it: ``raised``
    (contact id -> fields, from ``changes.diff``) merges into any pending mark, then
    every pending mark keeps only the fields that still differ from what was on
    record. A mark left with none is cleared, naming this import; a contact or roster
    that is gone keeps its mark (a number must not lose it by leaving and coming back).
    Returns the ids of the contacts whose mark this import cleared."""
    pending = store.unconfirmed_reach(conn, network, member)
    if not raised and not pending:
        return []
    current = store.current_reach_values(conn, network, member)
    cleared = []
    for cid in dict.fromkeys([*pending, *raised]):
        row = pending.get(cid)
        earlier = json.loads(row["fields"]) if row else {}
        ids = json.loads(row["import_ids"]) if row else []
        new = raised.get(cid, {})
        merged = _merge(earlier, new)
        if current is None or cid not in current[1]:
            standing = merged
        else:
            standing = _standing(merged, current[1][cid], current[0])
        if not standing:
            if row is not None:
                store.clear_reach_flag(conn, network, member, cid, import_id)
                cleared.append(cid)
            continue
        if any(name in standing for name in new):  # this import is part of what stands
            store.put_reach_flag(conn, network, member, cid, import_id, ids + [import_id], standing, when)
        elif standing != earlier:
            store.put_reach_flag(conn, network, member, cid, row["import_id"], ids, standing, row["flagged_at"])
    return cleared


def settle_fallback(conn: sqlite3.Connection, code: str, old: str | None, new: str | None, import_id: int,
                    when: str) -> bool:
    """The same for a network whose definition import ``import_id`` changed, its
    fallback going from ``old`` to ``new``. Returns whether it cleared the mark."""
    row = store.unconfirmed_fallback(conn, code)
    if row is None:
        if old != new:
            store.put_fallback_flag(conn, code, import_id, [import_id], old, new, when)
        return False
    if new == row["old"]:
        store.clear_fallback_flag(conn, code, import_id)
        return True
    if old != new:
        store.put_fallback_flag(conn, code, import_id, json.loads(row["import_ids"]) + [import_id], row["old"], new,
                                when)
    return False
