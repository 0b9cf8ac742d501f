"""Reading and writing rosters, their versions, imports and reach flags.

SQL is always parameterised. Writers run inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3

from ..domain.members import builtin_networks
from ..domain.model import Contact, Network, Roster
from ..base.limits import (MAX_ROSTER_STARTS_PER_DAY, MAX_RULES_PER_CONTACT, MAX_RULES_PER_ROSTER,
                     roster_load_problem)
from ..domain.rules import Dated, Duty, RuleError, parse_stored
from ..time.zones import find_zone_name, tz_version

# How far a dated shift's stored instants may be off when the time-zone release
# changed since they were computed: no offset ever moved by a day or more.
_TZ_SLACK = 2 * 86400


def networks(conn: sqlite3.Connection) -> dict[str, Network]:
    """Shipped networks, with any the user defined (a user definition of a code wins)."""
    out = dict(builtin_networks())
    for row in conn.execute("SELECT code, name, organization, fallback FROM networks"):
        shipped = out.get(row["code"])
        out[row["code"]] = Network(
            row["code"], row["name"], row["organization"], row["fallback"],
            shipped.members if shipped else {}, builtin=False,
            roster_max_age_days=shipped.roster_max_age_days if shipped else 365,
        )
    return out


def find_network(conn: sqlite3.Connection, code: str) -> Network:
    """A network by code (any case) or by its name, else a ``UsageError`` with the closest."""
    known = networks(conn)
    key = (code or "").strip().lower()
    if key in known:
        return known[key]
    by_name = {n.name.lower(): n for n in known.values()}
    if key in by_name:
        return by_name[key]
    from ..base.errors import UsageError
    from ..base.text import clip, close_matches

    close = close_matches(key, list(known), n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UsageError(
        f"unknown network {clip(code)}; {hint}known networks: {', '.join(sorted(known))}."
    )


def upsert_networks(conn: sqlite3.Connection, defs: list[Network]) -> None:
    for n in defs:
        conn.execute(
            "INSERT INTO networks (code, name, organization, fallback) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
            "organization = excluded.organization, fallback = excluded.fallback",
            [n.code, n.name, n.organization, n.fallback],
        )


# Listed, but not expected to answer: their missing roster is not a gap.
INACTIVE = {"withdrawn", "not-participating"}


def network_members(conn: sqlite3.Connection, net: Network, *, inactive: bool = False) -> list[str]:
    """The members a network expects (with ``inactive``, also those withdrawn or not
    participating), and any other member with a roster in it."""
    rostered = [r[0] for r in conn.execute("SELECT member FROM rosters WHERE network = ?", [net.code])]
    expected = [m for m, e in net.members.items() if inactive or e.get("status") not in INACTIVE]
    return sorted(set(expected) | set(rostered), key=lambda m: (m.startswith("org:"), m))


# --- rosters and their versions -------------------------------------------------


def current_version(conn: sqlite3.Connection, network: str, member: str) -> int | None:
    row = conn.execute(
        "SELECT version_id FROM rosters WHERE network = ? AND member = ?", [network, member]
    ).fetchone()
    return row[0] if row else None


def current_issued(conn: sqlite3.Connection, network: str, member: str) -> tuple[str | None, int] | None:
    """The issue date of the current roster of (network, member) and the import that
    wrote it; ``None``: no current roster. A damaged date reads as none."""
    row = conn.execute(
        "SELECT v.issued, v.import_id FROM rosters r JOIN roster_versions v ON v.id = r.version_id "
        "WHERE r.network = ? AND r.member = ?", [network, member]).fetchone()
    if row is None:
        return None
    return (row[0] if _is_date(row[0]) else None), row[1]


def load_roster(conn: sqlite3.Connection, network: str, member: str, *, parse: bool = True,
                window: tuple[int, int] | None = None) -> Roster | None:
    """The current roster of a member in a network, or ``None``. With ``parse=False``
    duty rules stay text (a ``Duty``): enough to compare, far lighter to hold.
    With ``window`` (UTC instants), dated rules that cannot touch it are left out:
    a year of dated shifts need not be parsed to answer for one night."""
    version = current_version(conn, network, member)
    return None if version is None else load_version(conn, version, parse=parse, window=window)


_HEAD_COLUMNS = ("id, network, member, issued, created_at, source_file, demo, import_id, spans_tz, source_sha256, "
                 "signature")
# A contact's row as lookups read it, a plain tuple (``_tuples``) in this order (``_contact``).
_CONTACT_COLUMNS = ("version_id, id, name, timezone, agency, role, rank, phones, email, secure_channel, languages, "
                    "verified, dated_until, phone_formats")
_C_VERSION, _C_ID, _C_DATED_UNTIL = 0, 1, 12


def load_version(conn: sqlite3.Connection, version_id: int | None, *, parse: bool = True,
                 window: tuple[int, int] | None = None) -> Roster | None:
    if version_id is None:
        return None
    head = conn.execute(f"SELECT {_HEAD_COLUMNS} FROM roster_versions WHERE id = ?", [version_id]).fetchone()
    if head is None:
        return None
    unreadable: dict[str, str] = {}
    rules = load_duty(conn, head, parse=parse, window=window, unreadable=unreadable)
    # A lookup (a window) shows no notes: they stay off its path, however long an older
    # version let them be (a 50 MB one made every lookup of its member take 1.7 s).
    notes = "notes" if window is None else "'' AS notes"
    rows = _tuples(conn).execute(
        f"SELECT {_CONTACT_COLUMNS}, {notes} FROM contacts WHERE version_id = ? ORDER BY position", [version_id])
    return _assemble(head, rows, rules, unreadable, window)


def _tuples(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor whose rows are plain tuples: duty rows are read by the thousand, and a
    ``sqlite3.Row`` each costs a lookup of the board 3 ms of its 20 ms of SQL."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur


# The duty rows of a network's current rosters that a lookup from a window needs: every
# rule but a dated one, and the dated ones that may touch it. A dated rule is found by
# its start, in the index duty_rules_by_start (migration m008), no earlier than the
# version's longest dated rule before the window. Fast path for the network board: the
# whole network's rows scanned (150,000 of a year of 12-hour shifts on every third
# roster, the JSON benchmark world) cost 176 M instructions; the index, 77 M. Each
# contact's rules come in an order of their own; the engine's answer does not depend on
# it. (``starts IS NULL``: the rules without instants, first in the index.)
_NETWORK_DUTY = (
    "SELECT d.contact_id, d.rule, d.starts, d.ends, d.version_id FROM rosters r "
    "JOIN duty_rules d INDEXED BY duty_rules_by_start ON d.version_id = r.version_id AND d.starts IS NULL "
    "WHERE r.network = ? "
    "UNION ALL "
    "SELECT d.contact_id, d.rule, d.starts, d.ends, d.version_id FROM rosters r "
    "JOIN roster_versions v ON v.id = r.version_id "
    "JOIN duty_rules d INDEXED BY duty_rules_by_start ON d.version_id = r.version_id "
    "AND d.starts >= ? - ifnull(v.longest_dated, 1 << 62) AND d.starts < ? AND d.ends > ? "
    "WHERE r.network = ?")


def load_current(conn: sqlite3.Connection, network: str, *, window: tuple[int, int]) -> dict[str, Roster]:
    """The current roster of every member of ``network``, by member, as ``load_roster``
    gives each one with ``window``, in three statements for the whole network.

    Fast path for the network board: one roster at a time took four statements a
    member, 17 ms of a 110 ms board of 259 members; these three take 6 ms."""
    heads = {h["id"]: h for h in conn.execute(
        f"SELECT {', '.join('v.' + c.strip() for c in _HEAD_COLUMNS.split(','))} FROM rosters r "
        "JOIN roster_versions v ON v.id = r.version_id WHERE r.network = ?", [network])}
    if not heads:
        return {}
    bounds = {vid: _filter(h, window) for vid, h in heads.items()}
    lo, hi = min(b[1] for b in bounds.values()), max(b[2] for b in bounds.values())
    duty_rows: dict[int, list] = {vid: [] for vid in heads}
    same_bounds = len({b[1:] for b in bounds.values()}) == 1
    for row in _tuples(conn).execute(_NETWORK_DUTY, [network, lo, hi, lo, network]):
        rows = duty_rows.get(row[4])
        # (Past the limit one row is enough for _read_duty to refuse the roster, as
        # load_duty's would: a damaged database's millions of rules are not held.)
        if rows is not None and len(rows) <= MAX_RULES_PER_ROSTER:
            if not same_bounds and row[3] is not None:  # its own window, where the versions' differ
                _, v_lo, v_hi = bounds[row[4]]
                if not (row[3] > v_lo and row[2] < v_hi):
                    continue
            rows.append(row)
    contact_rows: dict[int, list] = {vid: [] for vid in heads}
    for row in _tuples(conn).execute(
        f"SELECT {_CONTACT_COLUMNS}, '' AS notes FROM contacts "
        "WHERE version_id IN (SELECT version_id FROM rosters WHERE network = ?) ORDER BY version_id, position",
        [network],
    ):
        rows = contact_rows.get(row[_C_VERSION])
        if rows is not None:
            rows.append(row)
    out = {}
    for vid, head in heads.items():
        unreadable: dict[str, str] = {}
        rules = _read_duty(head, duty_rows[vid], parse=True, window=window, unreadable=unreadable)
        out[head["member"]] = _assemble(head, contact_rows[vid], rules, unreadable, window)
    return out


def dated_after(conn: sqlite3.Connection, wanted: list[tuple[Roster, str]], window: tuple[int, int],
                end: int) -> dict[int, dict[str, list]]:
    """For rosters read for ``window`` (``load_current``), the dated rules of the
    ``wanted`` (roster, contact id) that start after it and before ``end``, by version
    and contact id: with the rules already read, all those that touch the window's
    start to ``end``. In one statement for them all, by the index of starts (the network
    board reads two days first; a few contacts need 16)."""
    heads: dict[int, dict] = {}
    ids: dict[int, set[str]] = {}
    for roster, cid in wanted:
        heads[roster.version_id] = _head_of(roster)
        ids.setdefault(roster.version_id, set()).add(cid)
    # Each version's rows go on from where its window's filter stopped (_filter: wider
    # when another tz release computed the instants).
    bounds = {vid: (_filter(head, window)[2], _filter(head, (window[0], end))[2]) for vid, head in heads.items()}
    rows: dict[int, list] = {vid: [] for vid in heads}
    versions = sorted(heads)
    for k in range(0, len(versions), 500):  # (SQLite's fewest variables a statement: 999)
        chunk = versions[k:k + 500]
        for row in _tuples(conn).execute(
                "SELECT contact_id, rule, starts, ends, version_id FROM duty_rules INDEXED BY duty_rules_by_start "
                f"WHERE version_id IN ({', '.join('?' * len(chunk))}) AND starts >= ? AND starts < ? "
                "ORDER BY version_id, contact_id, position",
                [*chunk, min(bounds[v][0] for v in chunk), max(bounds[v][1] for v in chunk)]):
            vid = row[4]
            start, stop = bounds[vid]
            if row[0] in ids[vid] and start <= row[2] < stop and len(rows[vid]) <= MAX_RULES_PER_ROSTER:
                rows[vid].append(row)
    out: dict[int, dict[str, list]] = {}
    for vid, found in rows.items():
        problems: dict[str, str] = {}
        rules = _read_duty(heads[vid], found, parse=True, window=(window[0], end), unreadable=problems,
                           one_contact=True)
        # A contact whose rules here are beyond the limits is left out: read on its own
        # (``contact_duty``), it is refused as whois refuses it.
        out[vid] = {cid: rules.get(cid, []) for cid in ids[vid]
                    if cid not in problems and WHOLE_ROSTER not in problems}
    return out


def _head_of(roster: Roster) -> dict:
    """What ``load_duty`` reads of a version's head row, from a roster read back."""
    return {"id": roster.version_id, "spans_tz": roster.spans_tz, "network": roster.network, "member": roster.member}


def _assemble(head, contact_rows, rules: dict[str, list], unreadable: dict[str, str],
              window: tuple[int, int] | None) -> Roster:
    """A version's roster from its head row, its contacts' rows (in order) and their duty."""
    contacts = []
    partial = None if window is None else set()
    hi = None if window is None else _filter(head, window)[2]
    for row in contact_rows:
        contact, damage = _contact(row, rules.get(row[_C_ID], []))
        if WHOLE_ROSTER in unreadable:
            unreadable.setdefault(contact.id, unreadable[WHOLE_ROSTER])
        if damage:
            unreadable.setdefault(contact.id, f"its stored entry is damaged ({damage})")
            contact.duty = []
        contacts.append(contact)
        if partial is not None and (row[_C_DATED_UNTIL] is None or row[_C_DATED_UNTIL] > hi):
            partial.add(row[_C_ID])
    unreadable.pop(WHOLE_ROSTER, None)
    issued = head["issued"] if _is_date(head["issued"]) else None  # damaged: read as "no issue date"
    return Roster(head["network"], head["member"], issued, contacts, head["source_file"], bool(head["demo"]),
                  imported_at=head["created_at"], version_id=head["id"], import_id=head["import_id"],
                  spans_tz=head["spans_tz"], partial=partial, unreadable=unreadable,
                  source_sha256=head["source_sha256"], signer=_signer(head["signature"]))


def _signer(text) -> dict | None:
    """A version's stored signature, or ``None``; a damaged one reads as unsigned (never as signed)."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("fingerprint"), str):
        return None
    return {"fingerprint": value["fingerprint"], "key_type": str(value.get("key_type", "")),
            "trusted_for": value["trusted_for"] if isinstance(value.get("trusted_for"), str) else None}


def json_texts(text) -> list[str] | None:
    """A stored JSON list of texts (phones, languages), or ``None`` if it is not one."""
    value = _stored_json(text)
    return value if isinstance(value, list) and _all_texts(value) else None


def _all_texts(values: list) -> bool:
    """Whether every item is a ``str``: ``str.join`` checks that in C, a quarter of
    what ``all(isinstance(...))`` costs (three lists a contact, 2,590 contacts a board)."""
    try:
        "".join(values)
    except TypeError:
        return False
    return True


_NOT_JSON = object()
_scan = json.JSONDecoder().scan_once  # json's own scanner (C), as json.loads calls it


def _stored_json(text) -> object:
    """``json.loads`` of a short JSON text of a contact's row, or ``_NOT_JSON``.

    Fast path: a contact's row holds three (phones, languages, phone forms), and the
    network board reads 2,590 contacts: ``json.loads`` costs 1.45 us a text, most of it
    checks and a regular expression for surrounding spaces that ctcontacts never
    writes; its scanner alone, 0.3 us. Text it cannot take whole goes to ``json.loads``."""
    if isinstance(text, str) and text[:1] in ("[", "{"):
        try:
            value, end = _scan(text, 0)
        except (StopIteration, ValueError, RecursionError):
            end = -1
        if end == len(text):
            return value
    try:
        return json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return _NOT_JSON


def _is_date(text) -> bool:
    if text is None:
        return True
    try:
        dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return True


def _contact(row: tuple, duty: list) -> tuple[Contact, str]:
    """A contact read back (``row``: ``_CONTACT_COLUMNS`` then notes), and what of it is
    damaged ("" if nothing). Every value is the import's own (validated then); a file
    changed since, by hand or by damage, must not stop the lookup of every other
    contact, nor name this one as on duty."""
    (_, cid, name, timezone, agency, role, rank, phones, email, secure_channel, languages, verified, _,
     formats, notes) = row
    damage = []
    phones, languages = json_texts(phones), json_texts(languages)
    if phones is None:
        damage.append("phones")
    if languages is None:
        damage.append("languages")
    zone = timezone if isinstance(timezone, str) and find_zone_name(timezone) else None
    if zone is None:
        damage.append("timezone")
    if not _is_date(verified):
        damage.append("verified")
        verified = None
    if not isinstance(rank, int):
        damage.append("rank")
        rank = 999
    phones = phones or []
    # (positionally, in Contact's order of fields: a third of the keyword call's cost)
    contact = Contact(str(cid), str(name), zone or "UTC", duty, str(agency), str(role), rank, phones, str(email),
                      str(secure_channel), languages or [], verified, str(notes), phone_formats(formats, phones))
    return contact, ", ".join(damage)


def phone_formats(text, phones: list[str]) -> list | None:
    """The stored ``[international, national]`` forms of each phone, or ``None`` when
    they are missing or do not match the numbers (the views then show E.164)."""
    if text is None:
        return None
    value = _stored_json(text)
    if not isinstance(value, list) or len(value) != len(phones):
        return None
    for f in value:
        if f is not None and not (isinstance(f, list) and len(f) == 2 and _all_texts(f)):
            return None
    return value


def _filter(head, window: tuple[int, int]) -> tuple[bool, int, int]:
    """Whether the version's stored instants can be trusted, and the bounds to filter
    its dated rules by: ``window`` itself, or wider when another tz release computed them."""
    trusted = head["spans_tz"] == tz_version()
    slack = 0 if trusted else _TZ_SLACK
    return trusted, window[0] - slack, window[1] + slack


# The key of ``unreadable`` that stands for every contact of the roster (no contact id
# is empty): set by ``load_duty``, spread over the contacts by ``load_version``.
WHOLE_ROSTER = ""


def load_duty(conn: sqlite3.Connection, head, *, parse: bool = True,
              window: tuple[int, int] | None = None, contact: str | None = None,
              unreadable: dict[str, str] | None = None) -> dict[str, list]:
    """Duty rules of a version (``head``: its roster_versions row), by contact id.

    With ``window``, dated rules that cannot touch it are left out, and those kept
    come back as ``Dated`` (their stored instants) when the time-zone release that
    computed the instants is the one in use; otherwise they are parsed from their
    wall-clock text, and the filter widens so no shift is missed.

    Parsed rules are held to the limits again (``limits.py``): a rule this version
    refuses, or a roster whose rules together exceed them, is never expanded (a
    database written by an older version may hold one that would take hours). Such
    a contact gets no duty at all, so it is never named as on duty (an 'off' rule
    left out would name it wrongly), and ``unreadable`` says why."""
    lo, hi = (None, None) if window is None else _filter(head, window)[1:]
    rows = _tuples(conn).execute(
        "SELECT contact_id, rule, starts, ends FROM duty_rules WHERE version_id = ? "
        "AND (? IS NULL OR contact_id = ?) "
        "AND (? IS NULL OR ends IS NULL OR (ends > ? AND starts < ?)) ORDER BY contact_id, position",
        [head["id"], contact, contact, lo, lo, hi],
    )
    return _read_duty(head, rows, parse=parse, window=window, unreadable=unreadable, one_contact=contact is not None)


def _read_duty(head, rows, *, parse: bool, window: tuple[int, int] | None, unreadable: dict[str, str] | None,
               one_contact: bool = False) -> dict[str, list]:
    """``load_duty`` of the rows read: tuples (contact_id, rule, starts, ends, ...), by contact, in order."""
    trusted = window is not None and _filter(head, window)[0]
    # Instants from another tz release are not handed on (a calendar import copies the
    # contacts it does not name into a new version, which would label them current).
    spans_current = head["spans_tz"] == tz_version()
    rules: dict[str, list] = {}
    problems = unreadable if unreadable is not None else {}
    load, read = 0.0, 0
    for row in rows:
        if not parse:
            span = (row[2], row[3]) if row[2] is not None and spans_current else None
            duty = rules.get(row[0])
            if duty is None:
                duty = rules[row[0]] = Duty()
            duty.append(row[1], span)
            continue
        cid, text, starts = row[0], row[1], row[2]
        read += 1  # (every row counts, as load_current keeps them: both refuse at the same row)
        if cid in problems:
            continue  # already left out: the rest of its rules are not parsed
        if read > MAX_RULES_PER_ROSTER or len(rules.get(cid, ())) >= MAX_RULES_PER_CONTACT:
            # An older version let more in: never parsed at every lookup (200,000 rules of
            # one contact made each take 3 s); the roster is re-imported within the limits.
            problems[cid] = (f"it has more stored duty rules than ctcontacts evaluates ({MAX_RULES_PER_CONTACT:,} "
                             f"a contact, {MAX_RULES_PER_ROSTER:,} a roster)")
            if read > MAX_RULES_PER_ROSTER:
                problems[WHOLE_ROSTER] = problems[cid]
                break
            continue
        if trusted and starts is not None:
            rule = Dated(starts, row[3], text.startswith("off"), text)
        else:
            try:
                rule = parse_stored(text)
            except RuleError as e:
                problems.setdefault(cid, f"a stored duty rule is beyond what ctcontacts evaluates: {e}")
                continue
            load += rule.starts_per_day()
        rules.setdefault(cid, []).append(rule)
    if parse and not one_contact and load > MAX_ROSTER_STARTS_PER_DAY:
        for cid, duty in rules.items():
            if any(r.starts_per_day() for r in duty):
                problems.setdefault(cid, f"the roster is beyond what ctcontacts evaluates: {roster_load_problem(load)}")
    for cid in problems:
        rules[cid] = []
    if WHOLE_ROSTER in problems:
        rules.clear()
    return rules


def contact_duty(conn: sqlite3.Connection, roster: Roster, contact: str, window: tuple[int, int]) -> list:
    """One contact's duty rules of a loaded roster, read again over a wider ``window``."""
    return load_duty(conn, _head_of(roster), window=window, contact=contact).get(contact, [])


def write_version(conn: sqlite3.Connection, roster: Roster, import_id: int, created_at: str) -> int:
    """Store a roster as a new version; returns its id. Does not make it current."""
    cur = conn.execute(
        "INSERT INTO roster_versions (network, member, issued, demo, source_file, import_id, created_at, spans_tz, "
        "source_sha256, signature, longest_dated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [roster.network, roster.member, roster.issued, int(roster.demo), roster.source, import_id, created_at,
         tz_version(), roster.source_sha256, json.dumps(roster.signer) if roster.signer else None,
         max((_longest_dated(c.duty) for c in roster.contacts), default=0)],
    )
    version = cur.lastrowid
    cache: dict = {}
    conn.executemany(
        "INSERT INTO contacts (version_id, id, position, name, agency, role, rank, phones, email, "
        "secure_channel, languages, timezone, verified, notes, dated_until, phone_formats) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [version, c.id, i, c.name, c.agency, c.role, c.rank, json.dumps(c.phones), c.email,
             c.secure_channel, json.dumps(c.languages), c.timezone, c.verified, c.notes, _dated_until(c.duty),
             json.dumps(_formats(c, cache))]
            for i, c in enumerate(roster.contacts)
        ],
    )
    conn.executemany(
        "INSERT INTO duty_rules (version_id, contact_id, position, rule, starts, ends) VALUES (?, ?, ?, ?, ?, ?)",
        itertools.chain.from_iterable(_duty_params(version, c) for c in roster.contacts),
    )
    return version


def _formats(c: Contact, cache: dict) -> list:
    """A contact's phones' stored forms: as validation made them, else made here (a
    roster read back from the database and written again, by a rollback, say)."""
    from ..domain.dialling import formats_of

    if c.phone_formats is not None and len(c.phone_formats) == len(c.phones):
        return c.phone_formats
    return formats_of(c.phones, cache)


def _duty_params(version: int, c: Contact):
    """The duty_rules rows of one contact. A contact whose rules are all dated shifts
    (a year of them, typically) is zipped from its arrays without a Python step per row."""
    duty = c.duty
    if isinstance(duty, Duty) and duty.all_dated():
        n = len(duty)
        return zip(itertools.repeat(version, n), itertools.repeat(c.id, n), range(n), duty.texts(), duty.starts, duty.ends)
    return ((version, c.id, j, *row) for j, row in enumerate(_duty_rows(duty)))


def _longest_dated(duty) -> int:
    """The length of a contact's longest dated rule (its stored instants); 0 when it has none."""
    if isinstance(duty, Duty):
        return duty.longest_span()
    return max((end - start for _, start, end in _duty_rows(duty) if end is not None), default=0)


def _dated_until(duty) -> int:
    """The latest stored end of a contact's dated rules; 0 when it has none."""
    if isinstance(duty, Duty):
        return duty.latest_end()
    return max((end for _, _, end in _duty_rows(duty) if end is not None), default=0)


def _duty_rows(duty):
    """``(text, starts, ends)`` per rule; the instants only for dated intervals."""
    if isinstance(duty, Duty):
        return duty.rows()
    return ((r.text(), getattr(r, "starts", None), getattr(r, "ends", None)) for r in duty)


def version_signer(conn: sqlite3.Connection, version_id: int) -> tuple[int, dict | None] | None:
    """The import that wrote a version, and its signer as recorded (``None``: unsigned)."""
    row = conn.execute("SELECT import_id, signature FROM roster_versions WHERE id = ?", [version_id]).fetchone()
    return (row[0], _signer(row[1])) if row is not None else None


def version_signed(conn: sqlite3.Connection, version_id: int | None) -> bool:
    """Whether a version records a signature."""
    if version_id is None:
        return False
    row = conn.execute("SELECT signature FROM roster_versions WHERE id = ?", [version_id]).fetchone()
    return row is not None and row[0] is not None


def set_current(conn: sqlite3.Connection, network: str, member: str, version_id: int | None) -> None:
    if version_id is None:
        conn.execute("DELETE FROM rosters WHERE network = ? AND member = ?", [network, member])
    else:
        conn.execute(
            "INSERT INTO rosters (network, member, version_id) VALUES (?, ?, ?) "
            "ON CONFLICT (network, member) DO UPDATE SET version_id = excluded.version_id",
            [network, member, version_id],
        )


def count_rosters(conn: sqlite3.Connection, *, demo: bool) -> int:
    return conn.execute(
        "SELECT count(*) FROM rosters r JOIN roster_versions v ON v.id = r.version_id WHERE v.demo = ?",
        [int(demo)],
    ).fetchone()[0]


# --- dialling -----------------------------------------------------------------------


def refresh_dial_regions(conn: sqlite3.Connection) -> None:
    """Each country's calling code and international prefix, as the installed
    libphonenumber has them (``domain.dialling``): written by the migration that made
    the table and again by every import, so they follow libphonenumber's updates."""
    from ..domain.dialling import dialling_regions

    conn.execute("DELETE FROM dial_regions")
    conn.executemany("INSERT INTO dial_regions (region, country_code, prefix) VALUES (?, ?, ?)", dialling_regions())


def dial_region(conn: sqlite3.Connection, region: str) -> tuple[int, str] | None:
    """``(country calling code, international prefix)`` of a country, or ``None``."""
    row = conn.execute("SELECT country_code, prefix FROM dial_regions WHERE region = ?", [region]).fetchone()
    return None if row is None else (row[0], row[1])


# --- imports (history) ----------------------------------------------------------


def os_user() -> str:
    """Who ran the command, as the history records it."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers and cron environments
        return "unknown"



def record_import(conn: sqlite3.Connection, *, started_at: str, os_user: str, kind: str, files: list[dict],
                  rosters: list[tuple[str, str]], outcome: str, reason: str = "",
                  rollback_of: int | None = None, options: dict | None = None) -> int:
    cur = conn.execute(
        "INSERT INTO imports (started_at, os_user, kind, files, options, rosters, outcome, reason, rollback_of) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [started_at, os_user, kind, json.dumps(files), json.dumps(options or {}, sort_keys=True),
         json.dumps([list(r) for r in rosters]), outcome, reason, rollback_of],
    )
    return cur.lastrowid


def same_files_import(conn: sqlite3.Connection, kind: str, digests: list[str], options: dict) -> sqlite3.Row | None:
    """The latest successful import of exactly these files (by SHA-256) with these options."""
    wanted = sorted(digests)
    for row in conn.execute(
        "SELECT * FROM imports WHERE outcome = 'ok' AND kind = ? AND options = ? ORDER BY id DESC LIMIT 20",
        [kind, json.dumps(options, sort_keys=True)],
    ):
        if sorted(f["sha256"] for f in json.loads(row["files"])) == wanted:
            return row
    return None


def contact_count(conn: sqlite3.Connection, version_id: int | None) -> int:
    if version_id is None:
        return 0
    return conn.execute("SELECT count(*) FROM contacts WHERE version_id = ?", [version_id]).fetchone()[0]


def record_counts(conn: sqlite3.Connection, import_id: int, *, added: int, removed: int, changed: int,
                  reach: int) -> None:
    conn.execute(
        "UPDATE imports SET added = ?, removed = ?, changed = ?, reach_changes = ? WHERE id = ?",
        [added, removed, changed, reach, import_id],
    )


def record_roster_change(conn: sqlite3.Connection, import_id: int, network: str, member: str,
                         before: int | None, after: int | None, report: dict) -> None:
    conn.execute(
        "INSERT INTO import_rosters (import_id, network, member, before_version, after_version, report) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [import_id, network, member, before, after, json.dumps(report)],
    )


def get_import(conn: sqlite3.Connection, import_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM imports WHERE id = ?", [import_id]).fetchone()


def import_rosters(conn: sqlite3.Connection, import_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM import_rosters WHERE import_id = ? ORDER BY network, member", [import_id]
    ).fetchall()


# --- reach flags ----------------------------------------------------------------
# A flag is pending until it is confirmed (confirmed_at) or an import or rollback
# puts back what was on record (cleared_by). Its fields are merged and settled by
# ``marks.settle_roster``; the views read it through ``marks``.

PENDING = "confirmed_at IS NULL AND cleared_by IS NULL"


def put_reach_flag(conn: sqlite3.Connection, network: str, member: str, contact_id: str, import_id: int,
                   import_ids: list[int], fields: dict, when: str) -> None:
    """Write a contact's pending flag as given (``marks.settle_roster`` has merged it)."""
    conn.execute(
        "INSERT INTO reach_flags (network, member, contact_id, import_id, import_ids, fields, flagged_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (network, member, contact_id) DO UPDATE SET "
        "import_id = excluded.import_id, import_ids = excluded.import_ids, fields = excluded.fields, "
        "flagged_at = excluded.flagged_at, confirmed_at = NULL, confirmed_by = NULL, cleared_by = NULL",
        [network, member, contact_id, import_id, json.dumps(import_ids), json.dumps(fields), when],
    )


def clear_reach_flag(conn: sqlite3.Connection, network: str, member: str, contact_id: str, import_id: int) -> None:
    """End a pending flag because import ``import_id`` put back what was on record; the row stays."""
    conn.execute(
        f"UPDATE reach_flags SET cleared_by = ? WHERE network = ? AND member = ? AND contact_id = ? AND {PENDING}",
        [import_id, network, member, contact_id],
    )


def unconfirmed_reach(conn: sqlite3.Connection, network: str, member: str) -> dict[str, sqlite3.Row]:
    return {
        row["contact_id"]: row
        for row in conn.execute(
            f"SELECT * FROM reach_flags WHERE network = ? AND member = ? AND {PENDING}", [network, member],
        )
    }


def reach_flags(conn: sqlite3.Connection, network: str, member: str | None) -> list[sqlite3.Row]:
    """Every reach flag of a member's contacts (``None``: of every member of the
    network), pending, confirmed or cleared."""
    return conn.execute("SELECT * FROM reach_flags WHERE network = ? AND (? IS NULL OR member = ?)",
                        [network, member, member]).fetchall()


def all_unconfirmed_reach(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        f"SELECT * FROM reach_flags WHERE {PENDING} ORDER BY network, member, contact_id"
    ).fetchall()


def confirm_reach(conn: sqlite3.Connection, network: str, member: str, contact_ids: list[str] | None,
                  user: str, when: str) -> list[sqlite3.Row]:
    pending = unconfirmed_reach(conn, network, member)
    chosen = [row for cid, row in pending.items() if contact_ids is None or cid in contact_ids]
    conn.executemany(
        f"UPDATE reach_flags SET confirmed_at = ?, confirmed_by = ? "
        f"WHERE network = ? AND member = ? AND contact_id = ? AND {PENDING}",
        [[when, user, network, member, row["contact_id"]] for row in chosen],
    )
    return chosen


def current_reach_values(conn: sqlite3.Connection, network: str, member: str) -> tuple[bool, dict] | None:
    """What settling a roster's flags compares with: whether the current roster is demo
    data, and each current contact's phones, e-mail and secure channel. ``None``: no roster."""
    head = conn.execute(
        "SELECT v.id, v.demo FROM rosters r JOIN roster_versions v ON v.id = r.version_id "
        "WHERE r.network = ? AND r.member = ?", [network, member],
    ).fetchone()
    if head is None:
        return None
    contacts = {
        row["id"]: {"phones": json_texts(row["phones"]) or [], "email": row["email"],
                    "secure_channel": row["secure_channel"]}
        for row in conn.execute("SELECT id, phones, email, secure_channel FROM contacts WHERE version_id = ?",
                                [head["id"]])
    }
    return bool(head["demo"]), contacts


def contact_ids(conn: sqlite3.Connection, network: str, member: str) -> list[str] | None:
    """Ids of the contacts in a member's current roster; ``None``: no roster."""
    version = current_version(conn, network, member)
    if version is None:
        return None
    return [r[0] for r in conn.execute("SELECT id FROM contacts WHERE version_id = ? ORDER BY position", [version])]


# --- network fallback flags ----------------------------------------------------------


def unconfirmed_fallback(conn: sqlite3.Connection, code: str) -> sqlite3.Row | None:
    return conn.execute(f"SELECT * FROM network_flags WHERE code = ? AND {PENDING}", [code]).fetchone()


def all_unconfirmed_fallbacks(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(f"SELECT * FROM network_flags WHERE {PENDING} ORDER BY code").fetchall()


def put_fallback_flag(conn: sqlite3.Connection, code: str, import_id: int, import_ids: list[int],
                      old: str | None, new: str | None, when: str) -> None:
    conn.execute(
        "INSERT INTO network_flags (code, import_id, import_ids, old, new, flagged_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (code) DO UPDATE SET import_id = excluded.import_id, import_ids = excluded.import_ids, "
        "old = excluded.old, new = excluded.new, flagged_at = excluded.flagged_at, "
        "confirmed_at = NULL, confirmed_by = NULL, cleared_by = NULL",
        [code, import_id, json.dumps(import_ids), old, new, when],
    )


def clear_fallback_flag(conn: sqlite3.Connection, code: str, import_id: int) -> None:
    conn.execute(f"UPDATE network_flags SET cleared_by = ? WHERE code = ? AND {PENDING}", [import_id, code])


def confirm_fallback(conn: sqlite3.Connection, code: str, user: str, when: str) -> sqlite3.Row | None:
    row = unconfirmed_fallback(conn, code)
    if row is not None:
        conn.execute(f"UPDATE network_flags SET confirmed_at = ?, confirmed_by = ? WHERE code = ? AND {PENDING}",
                     [when, user, code])
    return row


# --- network definitions --------------------------------------------------------


def network_definition(conn: sqlite3.Connection, code: str) -> dict | None:
    row = conn.execute("SELECT code, name, organization, fallback FROM networks WHERE code = ?", [code]).fetchone()
    return dict(row) if row else None


def set_network_definition(conn: sqlite3.Connection, code: str, definition: dict | None) -> None:
    if definition is None:
        conn.execute("DELETE FROM networks WHERE code = ?", [code])
    else:
        upsert_networks(conn, [Network(**definition)])


def record_network_change(conn: sqlite3.Connection, import_id: int, code: str, before: dict | None,
                          after: dict | None, fallback_cleared: bool = False) -> None:
    conn.execute(
        "INSERT INTO import_networks (import_id, code, before, after, fallback_cleared) VALUES (?, ?, ?, ?, ?)",
        [import_id, code, json.dumps(before) if before else None, json.dumps(after) if after else None,
         int(fallback_cleared)],
    )


def import_networks(conn: sqlite3.Connection, import_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM import_networks WHERE import_id = ? ORDER BY code", [import_id]).fetchall()


def last_version_before_removal(conn: sqlite3.Connection, network: str, member: str) -> int | None:
    """The version that was current when a roster was last removed (by a rollback):
    what a roster that comes back must be compared with, so a number cannot lose its
    reach flag by passing through "no roster"."""
    row = conn.execute(
        "SELECT before_version FROM import_rosters WHERE network = ? AND member = ? "
        "AND after_version IS NULL AND before_version IS NOT NULL ORDER BY import_id DESC LIMIT 1",
        [network, member],
    ).fetchone()
    return row[0] if row else None


def version_at(conn: sqlite3.Connection, network: str, member: str, when: str) -> sqlite3.Row | None:
    """The version of (network, member) current at ``when`` (ISO 8601 UTC with Z), as
    the history recorded it: the last import started by then that changed it (its
    ``after_version``, NULL for "no roster", and the import that made it current; a
    later import that left it as it was is not that import), or ``None``: no import
    had touched the roster by then."""
    return conn.execute(
        "SELECT ir.after_version, ir.import_id FROM import_rosters ir JOIN imports i ON i.id = ir.import_id "
        "WHERE ir.network = ? AND ir.member = ? AND i.started_at <= ? AND i.outcome = 'ok' "
        "AND ir.before_version IS NOT ir.after_version ORDER BY ir.import_id DESC LIMIT 1", [network, member, when],
    ).fetchone()


def network_definition_at(conn: sqlite3.Connection, code: str, when: str) -> tuple[bool, dict | None]:
    """A network's stored definition at ``when``: (whether any import changed it, the
    definition then, ``None`` meaning the shipped one or none)."""
    row = conn.execute(
        "SELECT n.after FROM import_networks n JOIN imports i ON i.id = n.import_id "
        "WHERE n.code = ? AND i.started_at <= ? ORDER BY n.import_id DESC LIMIT 1", [code, when]).fetchone()
    if row is None:
        row = conn.execute(
            "SELECT n.before AS after FROM import_networks n JOIN imports i ON i.id = n.import_id "
            "WHERE n.code = ? AND i.started_at > ? ORDER BY n.import_id LIMIT 1", [code, when]).fetchone()
        if row is None:
            return False, None
    return True, json.loads(row["after"]) if row["after"] else None


def later_imports(conn: sqlite3.Connection, network: str, member: str, import_id: int) -> list[int]:
    """Imports after ``import_id`` that changed the roster of (network, member)."""
    return [r[0] for r in conn.execute(
        "SELECT import_id FROM import_rosters WHERE network = ? AND member = ? AND import_id > ? "
        "AND before_version IS NOT after_version ORDER BY import_id", [network, member, import_id],
    )]
