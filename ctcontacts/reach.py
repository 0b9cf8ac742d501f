"""Reach-change marks, built in one place for every view that names someone to call.

A change to how a contact is reached (``changes.reach_fields``) is marked until
someone confirms it out of band. Every view reads the mark from here, in one shape:
``{"imports": [ids], "fields": {"phones": {"old": [...], "new": [...]}, ...}}``.

On the lookup path: no imports beyond ``json`` and ``store``.
"""

from __future__ import annotations

import json
import sqlite3

from . import store

MARK = "REACH CHANGED, NOT CONFIRMED"


def contact_mark(row) -> dict:
    return {"imports": json.loads(row["import_ids"]), "fields": json.loads(row["fields"])}


def contact_marks(conn: sqlite3.Connection, network: str, member: str) -> dict[str, dict]:
    """The unconfirmed reach changes of a member's contacts, by contact id."""
    return {cid: contact_mark(row) for cid, row in store.unconfirmed_reach(conn, network, member).items()}


def all_contact_marks(conn: sqlite3.Connection) -> dict[tuple[str, str, str], dict]:
    """Every unconfirmed contact mark, by (network, member, contact id)."""
    return {(r["network"], r["member"], r["contact_id"]): contact_mark(r) for r in store.all_unconfirmed_reach(conn)}


def imports_text(mark: dict) -> str:
    return ", ".join(f"#{i}" for i in mark["imports"])


def describe(mark: dict) -> str:
    """``phones [+33199001234] -> [+33199001299] (import #7)``."""
    from .text import describe_reach

    return f"{describe_reach(mark['fields'])} (import {imports_text(mark)})"
