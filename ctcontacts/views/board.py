"""The whole network at a glance: who is reachable now, schedules, coverage, browsing.

Every duty answer comes from the one engine: ``engine.status_at`` (through
``whois.contact_status``, as ``whois`` asks it) for "now", and ``coverage.member_coverage``
(``engine.duty_intervals``) for windows. What only the window views and browsing need
is imported there, off the path of ``now``.
"""

from __future__ import annotations

import sqlite3

from ..storage import marks

from ..storage import store, trust
from ..domain.freshness import age_days
from ..domain.members import member_label
from ..base.values import value_class
from ..domain.model import Contact, call_order
from ..domain.engine import NEAR
from .whois import Dialling, Entry, contact_status, entry_order, phone_fields, provenance, speaks_language
from ..time.zones import country_zone, lookup_zone
from ..time.isotime import format_utc

STATUS_ORDER = {"nobody": 0, "no_roster": 1, "backup_only": 2, "covered": 3}


def member_zone(code: str, contacts) -> str | None:
    """Where "local time there" is read: the first rank-1 contact's zone, else the
    country's first zone in the tz database; organisations without a roster have none."""
    if contacts:
        return min(contacts, key=call_order).timezone
    if code.startswith("org:"):
        return None
    return country_zone(code)


# --- now --------------------------------------------------------------------------


def status_of(roster, on_duty: list[Entry]) -> str:
    if roster is None:
        return "no_roster"
    if not on_duty:
        return "nobody"
    return "covered" if any(e.contact.rank == 1 for e in on_duty) else "backup_only"


# How far the network board looks for the end of a duty and for who comes next. A
# board is about now: 16 days show every shift pattern's handover (office hours,
# 12-hour rotas, a week on call) and every 24/7 line as "16+ days", while the 366 days
# of whois would make the board cost every member's full year. On the hostile
# directory (benchmarks/hostile.py) the board took 1.6 s with 366 days, 0.43 s with 16.
BOARD_HORIZON = 16 * 86400

# The board's first look at each contact. A board names who is on duty, until when,
# and who of the member comes on soonest: a contact whose next start lies beyond a
# member's soonest one is never shown, so it is looked at over the whole horizon only
# when its own answer may be shown (on duty past the first look, or nobody of its
# member due within it). Fast path: on the JSON benchmark world (259 members, 2,590
# contacts of every rule kind) 1,164 contacts took whois' second, 16-day look, and 324
# take it here: evaluating the network costs 291 M instructions where whois' way took
# 330 M (valgrind --tool=callgrind). Most of the cost is the first look itself.
# The rosters are read for the first look only (``FIRST_READ``), and the dated shifts
# after it only for the contacts that need them, in one statement (``store.dated_after``):
# the network's rosters cost 244 M instructions to read for two days, 293 M for 16.
BOARD_FIRST_LOOK = 2 * 86400
FIRST_READ = BOARD_FIRST_LOOK + 1  # the dated shifts read with the rosters: [at, at + FIRST_READ)


def first_look(conn: sqlite3.Connection, roster, at: int, speaks: str | None) -> list[list]:
    """Each evaluable contact of a roster read for ``FIRST_READ`` from ``at``, with its
    zone, its status over ``BOARD_FIRST_LOOK`` and whether it speaks ``speaks``; then
    whether it needs the whole horizon (``member_now``)."""
    if roster is None:
        return []
    seen = []  # [contact, zone, status, speaks, needs the whole horizon]
    due = False
    for c in roster.contacts:
        if c.id in roster.unreadable:
            continue  # a duty that cannot be evaluated never names anyone (as whois)
        zone = lookup_zone(c.timezone)
        speaking = speaks_language(c, speaks)
        status = contact_status(conn, roster, c, zone, at, BOARD_FIRST_LOOK, known=FIRST_READ)
        due = due or (speaking and status.next_start is not None)
        seen.append([c, zone, status, speaking, False])
    for item in seen:
        s = item[2]
        item[4] = (s.on_duty and s.until is None) or (item[3] and not due and s.next_start is None)
    return seen


def member_now(conn: sqlite3.Connection, roster, at: int, speaks: str | None, marks_read: tuple[dict, dict],
               seen: list[list] | None = None, more: dict | None = None) -> tuple[list[Entry], list[Entry], list[Entry]]:
    """One member's line of the board: who is on duty (who speaks ``speaks``, if given),
    who comes on soonest within ``BOARD_HORIZON``, and, when nobody who speaks it is on
    duty, who is on duty all the same. The same contacts, ``until`` and ``from`` as
    ``whois`` with that horizon (tests/test_board.py holds the two equal).
    ``roster``: read for ``FIRST_READ`` from ``at``; ``seen``: its ``first_look``, if
    taken; ``more``: the dated rules after that window (``store.dated_after``) by
    contact id, for those read already (the others are read here, one at a time)."""
    if roster is None:
        return [], [], []
    if seen is None:
        seen = first_look(conn, roster, at, speaks)
    for item in seen:
        c, zone, _, _, whole = item
        if whole:
            extra = (more or {}).get(c.id)
            item[2] = contact_status(conn, roster, c, zone, at, BOARD_HORIZON, whole=True,
                                     known=FIRST_READ if extra is None else NEAR,
                                     duty=None if extra is None else [*c.duty, *extra])
    flagged, confirmed = marks_read

    def entries(chosen) -> list[Entry]:
        return sorted((Entry(c, zone, s, flagged.get(c.id), confirmed.get(c.id), speaking if speaks else None)
                       for c, zone, s, speaking, _ in chosen), key=entry_order)

    on_duty = entries(i for i in seen if i[2].on_duty and i[3])
    soonest = min((i[2].next_start for i in seen if i[3] and i[2].next_start is not None), default=None)
    nxt = entries(i for i in seen if i[3] and soonest is not None and i[2].next_start == soonest)
    others = [] if on_duty or not speaks else entries(i for i in seen if i[2].on_duty)
    return on_duty, nxt, others


def _on_duty(e: Entry, dial_from: Dialling | None) -> dict:
    c = e.contact
    return {"id": c.id, "name": c.name, "rank": c.rank, "phones": list(c.phones), "email": c.email,
            "until": format_utc(e.status.until) if e.status.until is not None else None,
            "reach_changed": e.reach_changed,
            # Added with issue 14: everything the board and whois show of a contact.
            "agency": c.agency, "role": c.role, "secure_channel": c.secure_channel, "languages": list(c.languages),
            "timezone": c.timezone, **phone_fields(c, dial_from)}


def duty_key(entry: dict) -> tuple:
    """What a change of duty is, on the board: the member's status and who is on duty."""
    return (entry["status"], tuple(d["id"] for d in entry["on_duty"]))


def now_board(conn: sqlite3.Connection, codes: list[str], at: int, now: int, speaks: str | None = None,
              dial_from: Dialling | None = None) -> list[dict]:
    """One entry per (network, member): status, local time there, who is on duty, until
    when and who is next, both within ``BOARD_HORIZON``. With ``speaks`` and nobody on
    duty who speaks it, who is on duty all the same (``on_duty_not_speaking``).
    The rosters and reach marks are read once for the whole network
    (``store.load_current``), not once a member; the board shows each member's own
    status (no fallback), and the warnings of ``whois`` are its own."""
    out = []
    for code in codes:
        net = store.find_network(conn, code)
        rosters = store.load_current(conn, net.code, window=(at, at + FIRST_READ))
        read = marks.network_marks_and_confirmations(conn, net.code)
        trust_read = trust.network_trust(conn, net.code)
        members = store.network_members(conn, net)
        looks = {m: first_look(conn, rosters.get(m), at, speaks) for m in members}
        # The contacts whose answer lies past the first look and whose dated shifts go
        # past the rosters' window: the rest of those shifts, for all at once.
        wanted = [(roster, item[0].id) for roster, seen in ((rosters.get(m), looks[m]) for m in members)
                  for item in seen if item[4] and roster.partial and item[0].id in roster.partial]
        more = store.dated_after(conn, wanted, (at, at + FIRST_READ), at + NEAR) if wanted else {}
        for member in members:
            roster = rosters.get(member)
            on_duty, nxt, others = member_now(conn, roster, at, speaks, read.get(member, ({}, {})), looks[member],
                                              more.get(roster.version_id) if roster else None)
            zone = member_zone(member, roster.contacts if roster else None)
            out.append({
                "network": net.code,
                "member": member,
                "status": status_of(roster, on_duty),
                "member_status": net.members.get(member, {}).get("status"),
                "timezone": zone,
                "local_time": lookup_zone(zone).to_local(at).isoformat() if zone else None,
                "on_duty": [_on_duty(e, dial_from) for e in on_duty],
                "next": [{"id": e.contact.id, "name": e.contact.name, "rank": e.contact.rank,
                          "from": format_utc(e.status.next_start), "reach_changed": e.reach_changed}
                         for e in nxt],
                "demo": roster.demo if roster else False,
                "provenance": provenance(conn, roster, now, network_trust=trust_read),
                # Contacts whose stored duty is beyond the limits or damaged: never named
                # as on duty, so the board says why a member may show nobody.
                "not_evaluated": dict(roster.unreadable) if roster else {},
                "member_name": member_label(member),
                "on_duty_not_speaking": [_on_duty(e, dial_from) for e in others],
            })
    out.sort(key=lambda e: (STATUS_ORDER[e["status"]], e["network"], e["member"]))
    return out


def network_fallbacks(conn: sqlite3.Connection, codes: list[str]) -> list[dict]:
    """Each network's fallback member and its unconfirmed change, if any."""
    out = []
    for code in codes:
        net = store.find_network(conn, code)
        out.append({"code": net.code, "fallback": net.fallback, "fallback_changed": marks.fallback_mark(conn, net.code)})
    return out


# --- windows: schedule and coverage ---------------------------------------------


def _contacts(conn: sqlite3.Connection, network: str, member: str, window: tuple[int, int] | None = None):
    roster = store.load_roster(conn, network, member, window=window)
    return None if roster is None else roster.contacts


def _spans(spans) -> list[dict]:
    return [{"start": format_utc(s), "end": format_utc(e), "seconds": e - s} for s, e in spans]


# How far before and after the window a shift's real start and end are looked for.
SCHEDULE_MARGIN = 8 * 86400


def schedule(conn: sqlite3.Connection, network: str, member: str, start: int, end: int,
             dial_from: Dialling | None = None) -> dict:
    """Every shift that overlaps ``[start, end)`` with its real start and end (the
    handovers), the gaps and the backup-only stretches. ``continues_before/after``:
    the shift began before the window, or ends after it. A shift that reaches past
    the margin around the window is cut there and says so (``start_known``, ``end_known``)."""
    from ..domain.engine import duty_intervals

    net = store.find_network(conn, network)
    lo, hi = start - SCHEDULE_MARGIN, end + SCHEDULE_MARGIN
    contacts = _contacts(conn, net.code, member, (lo, hi))
    from ..domain.coverage import member_coverage

    cov = member_coverage(member, contacts, start, end)
    flagged = marks.contact_marks(conn, net.code, member) if contacts else {}
    shifts = [
        {"id": c.id, "name": c.name, "rank": c.rank, "timezone": c.timezone, "phones": list(c.phones),
         "start": format_utc(s), "end": format_utc(e), "continues_before": s < start, "continues_after": e > end,
         "reach_changed": flagged.get(c.id),
         "start_known": s > lo, "end_known": e < hi, "role": c.role, "email": c.email, **phone_fields(c, dial_from)}
        for c in contacts or []
        for s, e in duty_intervals(c.duty, lookup_zone(c.timezone), lo, hi)
        if s < end and e > start
    ]
    shifts.sort(key=lambda x: (x["start"], x["rank"], x["name"], x["id"]))
    return {"network": net.code, "member": member, "from": format_utc(start), "to": format_utc(end),
            "roster": cov.roster, "shifts": shifts, "gaps": _spans(cov.gaps), "backup_only": _spans(cov.backup_only),
            "member_name": member_label(member), "margin_days": SCHEDULE_MARGIN // 86400}


@value_class
class CoverageReport:
    network: str
    start: int
    end: int
    members: list  # of coverage.MemberCoverage

    @property
    def has_gap(self) -> bool:
        return any(m.gaps for m in self.members)

    def as_dict(self) -> dict:
        return {
            "network": self.network,
            "from": format_utc(self.start),
            "to": format_utc(self.end),
            "members": [
                {"member": m.member, "roster": m.roster, "gaps": _spans(m.gaps), "backup_only": _spans(m.backup_only)}
                for m in self.members
            ],
        }


def coverage(conn: sqlite3.Connection, network: str, member: str | None, start: int, end: int) -> CoverageReport:
    """Gaps and backup-only stretches of every member (or one) over ``[start, end)``.
    A member with no roster is one gap over the whole window."""
    from ..domain.coverage import member_coverage

    net = store.find_network(conn, network)
    members = [member] if member else store.network_members(conn, net)
    return CoverageReport(net.code, start, end,
                          [member_coverage(m, _contacts(conn, net.code, m, (start, end)), start, end)
                           for m in members])


# --- browsing ----------------------------------------------------------------------


def networks_overview(conn: sqlite3.Connection) -> list[dict]:
    out = []
    policies = trust.policies(conn)
    for net in sorted(store.networks(conn).values(), key=lambda n: n.code):
        rostered = conn.execute("SELECT count(*) FROM rosters WHERE network = ?", [net.code]).fetchone()[0]
        out.append({"code": net.code, "name": net.name, "organization": net.organization, "fallback": net.fallback,
                    "expected_members": len(net.members), "rosters": rostered, "shipped": net.builtin,
                    "roster_max_age_days": net.roster_max_age_days,
                    "signatures": policies.get(net.code, trust.OPTIONAL)})
    return out


def members_overview(conn: sqlite3.Connection, network: str, now: int) -> list[dict]:
    net = store.find_network(conn, network)
    out = []
    for m in store.network_members(conn, net, inactive=True):
        roster = store.load_roster(conn, net.code, m, parse=False)
        entry = net.members.get(m, {})
        out.append({
            "member": m,
            "label": member_label(m),
            "status": entry.get("status", "not listed"),
            "since": entry.get("since"),
            "note": entry.get("note"),
            "roster": roster is not None,
            "issued": roster.issued if roster else None,
            "roster_age_days": age_days(roster.issued, now) if roster else None,
            "imported_at": roster.imported_at if roster else None,
            "contacts": len(roster.contacts) if roster else 0,
            "demo": roster.demo if roster else False,
        })
    return out


def contact_dict(c, network: str, member: str, reach_changed: dict | None = None,
                 dial_from: Dialling | None = None) -> dict:
    from ..domain.describe import describe_text

    return {"network": network, "member": member, **c.as_dict(),
            "duty_in_words": [describe_text(r.text()) for r in c.duty], "reach_changed": reach_changed,
            **phone_fields(c, dial_from)}


def contacts_list(conn: sqlite3.Connection, network: str, member: str, now: int,
                  dial_from: Dialling | None = None) -> list[dict]:
    net = store.find_network(conn, network)
    roster = store.load_roster(conn, net.code, member, parse=False)  # texts: shown, not evaluated
    if roster is None:
        return []
    contacts = sorted(roster.contacts, key=lambda c: c.order)
    flagged = marks.contact_marks(conn, net.code, member)
    source = provenance(conn, roster, now)
    return [contact_dict(c, net.code, member, flagged.get(c.id), dial_from) | {"provenance": source}
            for c in contacts]


def search(conn: sqlite3.Connection, text: str, dial_from: Dialling | None = None) -> list[dict]:
    """Current contacts whose name, agency, phone or e-mail holds ``text`` (case-insensitive;
    for phones, digits are compared, so '01 99 00' finds +33199001234)."""
    needle = text.strip().casefold()
    digits = "".join(ch for ch in text if "0" <= ch <= "9")
    if not needle:
        return []
    out = []
    flagged = marks.all_contact_marks(conn)
    rows = conn.execute(
        "SELECT network, member, id, name, agency, phones, email, role, secure_channel, phone_formats "
        "FROM current_contacts ORDER BY network, member, rank, name, id"
    )
    for row in rows:
        phones = store.json_texts(row["phones"]) or []
        hay = [row["name"], row["agency"], row["email"], row["id"]]
        hit = any(needle in (h or "").casefold() for h in hay)
        stripped = digits.lstrip("0")  # a national trunk 0 is not part of the E.164 number
        if not hit and len(stripped) >= 4:
            hit = any(stripped in p for p in phones)
        if hit:
            shown = Contact(row["id"], row["name"], "UTC", [], phones=phones,
                            phone_formats=store.phone_formats(row["phone_formats"], phones))
            out.append({"network": row["network"], "member": row["member"], "id": row["id"], "name": row["name"],
                        "agency": row["agency"], "phones": phones, "email": row["email"],
                        "reach_changed": flagged.get((row["network"], row["member"], row["id"])),
                        "role": row["role"], "secure_channel": row["secure_channel"],
                        **phone_fields(shown, dial_from)})
    return out
