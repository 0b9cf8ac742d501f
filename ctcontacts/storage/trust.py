"""The trust store's queries: which keys may sign whose rosters, and each network's
signature policy (docs/signing.md). Writers run inside the caller's transaction.

A key is trusted for one member of one network, or (``member`` = ``SECRETARIAT``, the
empty string) for the network's secretariat, which signs consolidated directories of
all its members. Every change is recorded in ``import_trust`` under an entry of the
history (an ``imports`` row of kind ``trust``), with the entry's state before and
after, so that ``rollback`` can put it back.

On the lookup path (``lookup_trust``): one statement, by primary keys; no imports
beyond ``json``.
"""

from __future__ import annotations

import json
import sqlite3

OPTIONAL = "optional"
REQUIRED = "required"
POLICIES = (OPTIONAL, REQUIRED)
SECRETARIAT = ""  # the ``member`` of a key trusted for a network's secretariat
KEY_STATE = ("key", "key_type", "comment", "expires", "added_at", "added_by", "import_id")


def for_whom(member: str) -> str:
    """How a trust's member is named in answers: the member, or ``secretariat``."""
    return "secretariat" if member == SECRETARIAT else member


def key_state(conn: sqlite3.Connection, fingerprint: str, network: str, member: str) -> dict | None:
    row = conn.execute(
        f"SELECT {', '.join(KEY_STATE)} FROM trusted_keys WHERE fingerprint = ? AND network = ? AND member = ?",
        [fingerprint, network, member]).fetchone()
    return dict(row) if row else None


def keys(conn: sqlite3.Connection, network: str | None = None, member: str | None = None,
         fingerprint: str | None = None) -> list[dict]:
    """Trusted keys, by network, then member (the secretariat first), then fingerprint."""
    return [dict(r) for r in conn.execute(
        "SELECT * FROM trusted_keys WHERE (? IS NULL OR network = ?) AND (? IS NULL OR member = ?) "
        "AND (? IS NULL OR fingerprint = ?) ORDER BY network, member, fingerprint",
        [network, network, member, member, fingerprint, fingerprint])]


def put_key(conn: sqlite3.Connection, fingerprint: str, network: str, member: str, state: dict | None) -> None:
    """Make the trust of one key for one (network, member) be ``state`` (``None``: not trusted)."""
    conn.execute("DELETE FROM trusted_keys WHERE fingerprint = ? AND network = ? AND member = ?",
                 [fingerprint, network, member])
    if state is not None:
        conn.execute(
            f"INSERT INTO trusted_keys (fingerprint, network, member, {', '.join(KEY_STATE)}) "
            f"VALUES (?, ?, ?, {', '.join('?' * len(KEY_STATE))})",
            [fingerprint, network, member, *(state[k] for k in KEY_STATE)])


def policy(conn: sqlite3.Connection, network: str) -> str:
    row = conn.execute("SELECT signatures FROM signature_policies WHERE network = ?", [network]).fetchone()
    return row[0] if row else OPTIONAL


def policies(conn: sqlite3.Connection) -> dict[str, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT network, signatures FROM signature_policies")}


def policy_state(conn: sqlite3.Connection, network: str) -> dict | None:
    row = conn.execute("SELECT signatures, import_id FROM signature_policies WHERE network = ?", [network]).fetchone()
    return dict(row) if row else None


def put_policy(conn: sqlite3.Connection, network: str, state: dict | None) -> None:
    """``state``: ``{"signatures", "import_id"}``, or ``None`` for the default (optional)."""
    conn.execute("DELETE FROM signature_policies WHERE network = ?", [network])
    if state is not None:
        conn.execute("INSERT INTO signature_policies (network, signatures, import_id) VALUES (?, ?, ?)",
                     [network, state["signatures"], state["import_id"]])


def record_change(conn: sqlite3.Connection, import_id: int, what: str, network: str, member: str,
                  fingerprint: str, before: dict | None, after: dict | None) -> None:
    conn.execute(
        "INSERT INTO import_trust (import_id, what, network, member, fingerprint, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [import_id, what, network, member, fingerprint, json.dumps(before) if before is not None else None,
         json.dumps(after) if after is not None else None])


def changes_of(conn: sqlite3.Connection, import_id: int) -> list[dict]:
    """What one entry of the history changed in the trust store, each with ``before``
    and ``after`` read back (``None``: not trusted, or the default policy)."""
    out = []
    for r in conn.execute("SELECT * FROM import_trust WHERE import_id = ? ORDER BY what, network, member, "
                          "fingerprint", [import_id]):
        row = dict(r)
        row["before"] = json.loads(row["before"]) if row["before"] else None
        row["after"] = json.loads(row["after"]) if row["after"] else None
        out.append(row)
    return out


def later_changes(conn: sqlite3.Connection, what: str, network: str, member: str, fingerprint: str,
                  import_id: int) -> list[int]:
    """Entries of the history after ``import_id`` that changed the same key or policy."""
    return [r[0] for r in conn.execute(
        "SELECT import_id FROM import_trust WHERE what = ? AND network = ? AND member = ? AND fingerprint = ? "
        "AND import_id > ? AND before IS NOT after ORDER BY import_id", [what, network, member, fingerprint, import_id])]


def trusted_now(expires: str | None, today: str) -> bool:
    """Whether a trust with this last day (``None``: no end) holds on ``today`` (YYYY-MM-DD)."""
    return expires is None or expires >= today


def lookup_trust(conn: sqlite3.Connection, network: str, member: str, fingerprint: str | None) -> tuple[str, dict]:
    """What a lookup needs, in one statement by primary keys: the network's policy, and
    the trusts (member or ``SECRETARIAT`` -> last day or ``None``) that ``fingerprint``
    holds now for this member or the network's secretariat."""
    row = conn.execute(
        "SELECT (SELECT signatures FROM signature_policies WHERE network = ?), "
        "(SELECT group_concat(member || '|' || ifnull(expires, ''), ';') FROM trusted_keys "
        "WHERE fingerprint = ? AND network = ? AND member IN (?, ''))",
        [network, fingerprint, network, member]).fetchone()
    trusts = {}
    for item in (row[1] or "").split(";") if row[1] else []:
        who, _, expires = item.partition("|")
        trusts[who] = expires or None
    return row[0] or OPTIONAL, trusts


def network_trust(conn: sqlite3.Connection, network: str) -> tuple[str, dict[str, dict[str, str | None]]]:
    """``lookup_trust`` for every roster of a network at once (the network board): its
    policy, and each trusted key's trusts (member or ``SECRETARIAT`` -> last day or
    ``None``) by fingerprint, in two statements where a member each took one."""
    keys: dict[str, dict[str, str | None]] = {}
    for fingerprint, member, expires in conn.execute(
            "SELECT fingerprint, member, expires FROM trusted_keys WHERE network = ?", [network]):
        keys.setdefault(fingerprint, {})[member] = expires
    return policy(conn, network), keys


def trusts_held(keys: dict[str, dict[str, str | None]], member: str, fingerprint: str | None) -> dict:
    """Of ``network_trust``'s keys, the trusts ``fingerprint`` holds for ``member`` or the secretariat."""
    return {who: last for who, last in keys.get(fingerprint, {}).items() if who in (member, SECRETARIAT)}
