"""``check``: the health of the directory in one command, for cron and for a person.

Each finding has a severity; the exit code is the worst one's: 0 nothing above
``info``, 1 ``warning``, 4 ``error`` (a contact nobody can reach, a duty that is
not evaluated), 3 ``critical`` (the database itself is damaged, as every command
says with 3). A usage error stays 2, so cron can tell a broken command line from
a broken directory.
"""

from __future__ import annotations

import sqlite3

from ..domain import freshness
from ..storage import store, trust
from ..domain.coverage import member_coverage
from ..storage.db import schema_version
from ..base.values import value_class
from ..time.zones import is_place, tz_version
from ..time.isotime import format_length, format_utc

SEVERITIES = ("info", "warning", "error", "critical")  # from least to most severe
SEVERITY_EXIT = {"info": 0, "warning": 1, "error": 4, "critical": 3}
GAP_DAYS = 7


@value_class
class Finding:
    severity: str
    code: str
    message: str
    network: str | None = None
    member: str | None = None
    contact: str | None = None

    def as_dict(self) -> dict:
        return {"severity": self.severity, "code": self.code, "message": self.message,
                "network": self.network, "member": self.member, "contact": self.contact}


def exit_code(findings: list[Finding]) -> int:
    worst = max((SEVERITIES.index(f.severity) for f in findings), default=0)
    return SEVERITY_EXIT[SEVERITIES[worst]]


def run(conn: sqlite3.Connection, now: int) -> list[Finding]:
    out: list[Finding] = []
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        out.append(Finding("critical", "integrity", f"the database fails its integrity check: {result}; "
                                                    "restore it from a backup."))
        return out
    out.append(Finding("info", "schema", f"database schema {schema_version(conn)}, integrity ok"))
    out.extend(_tz_database(now))
    nets = store.networks(conn)
    for code in sorted(nets):
        out.extend(_network(conn, nets[code], now))
    out.extend(_unconfirmed(conn))
    out.extend(_keys(conn, now))
    return out


def _keys(conn: sqlite3.Connection, now: int) -> list[Finding]:
    """Trusted keys whose trust has ended, or ends within ``KEY_EXPIRY_WARNING_DAYS``:
    the rosters they sign are refused (or shown as untrusted) from the day after."""
    import datetime as dt

    from ..base.limits import KEY_EXPIRY_WARNING_DAYS

    today = freshness.today(now)
    soon = (today + dt.timedelta(days=KEY_EXPIRY_WARNING_DAYS)).isoformat()
    out = []
    for k in trust.keys(conn):
        if k["expires"] is None or k["expires"] > soon:
            continue
        whom = f"{trust.for_whom(k['member'])} in {k['network']}"
        what = f"key {k['fingerprint']} ({k['key_type']}{', ' + k['comment'] if k['comment'] else ''})"
        if k["expires"] < today.isoformat():
            whose = "--secretariat" if k["member"] == trust.SECRETARIAT else f"--country {k['member']}"
            out.append(Finding("warning", "key-expired", f"{what} was trusted for {whom} until {k['expires']}; "
                               "rosters it signs are no longer accepted as signed: trust its owner's new key, "
                               f"then ctcontacts trust remove --network {k['network']} {whose} {k['fingerprint']}",
                               k["network"], k["member"] or None))
        else:
            out.append(Finding("warning", "key-expiring", f"{what} is trusted for {whom} until {k['expires']}; "
                               "ask for its successor and trust it before then", k["network"], k["member"] or None))
    return out


def _provenance(net, member: str, roster, policy: str, trusts: dict, today: str) -> list[Finding]:
    """A roster that is unsigned where its network requires signatures, or signed by a
    key not (or no longer) trusted for it."""
    signer = roster.signer
    if signer is None:
        if policy != trust.REQUIRED:
            return []
        return [Finding("warning", "unsigned-roster", f"{net.code} {member}: the roster is unsigned, and {net.code} "
                        "requires signatures (it was imported before they were); ask for a signed one",
                        net.code, member)]
    if any(trust.trusted_now(e, today) for e in trusts.values()):
        return []
    was = (f"trusted for {signer['trusted_for']} when it was imported, and no longer" if signer["trusted_for"]
           else "not trusted for it")
    return [Finding("warning", "untrusted-signer", f"{net.code} {member}: the roster is signed by key "
                    f"{signer['fingerprint']}, {was}; ask for a roster signed with a trusted key", net.code, member)]


def _unconfirmed(conn: sqlite3.Connection) -> list[Finding]:
    """Reach changes nobody has confirmed yet: a tampered number or fallback looks just
    like a genuine change until someone checks it out of band."""
    from ..storage import marks

    out = []
    for code, mark in marks.all_fallback_marks(conn).items():
        out.append(Finding("warning", "unconfirmed-fallback",
                           f"{marks.describe_fallback(code, mark)}; check it out of band, then "
                           f"ctcontacts confirm --network {code} --fallback", code))
    current: dict[tuple[str, str], list[str] | None] = {}
    for (network, member, cid), mark in marks.all_contact_marks(conn).items():
        if (network, member) not in current:
            current[(network, member)] = store.contact_ids(conn, network, member)
        present = cid in (current[(network, member)] or [])
        # A contact no longer in its roster is named by nobody; its mark is kept so it
        # comes back marked.
        where = f"{network} {member} {cid!r}" + ("" if present else " (not in the current roster)")
        out.append(Finding("warning" if present else "info", "unconfirmed-reach",
                           f"{where}: how it is reached changed and is not confirmed: {marks.describe(mark)}; "
                           f"check it out of band, then ctcontacts confirm --network {network} --country {member} "
                           f"--contact {cid}", network, member, cid))
    return out


def _tz_database(now: int) -> list[Finding]:
    """pytz records its release (``2026f``) but no release date: the age is told in
    years, and a release from an earlier year is stale once the new year is three
    months old (most years bring several releases by then)."""
    version = tz_version()
    year = int(version[:4]) if version[:4].isdigit() else 0
    today = freshness.today(now)
    age = today.year - year
    if age > 1 or (age == 1 and today.month > 3):
        return [Finding("warning", "tz-database",
                        f"the time-zone database is {version}, from {year}: countries that changed their clocks "
                        "since are answered with old rules; upgrade pytz.")]
    return [Finding("info", "tz-database", f"time-zone database {version} (released in {year})")]


def _network(conn: sqlite3.Connection, net, now: int) -> list[Finding]:
    out: list[Finding] = []
    members = [r[0] for r in conn.execute("SELECT member FROM rosters WHERE network = ? ORDER BY member", [net.code])]
    if not members:
        return [Finding("info", "network-unused", f"{net.code} has no roster in this directory", net.code)]
    missing = sorted(set(store.network_members(conn, net)) - set(members))
    if missing:
        # Nobody will answer for them: a gap, like any other (withdrawn members excepted).
        out.append(Finding("warning", "no-roster",
                           f"{len(missing)} expected members of {net.code} have no roster: {' '.join(missing)}",
                           net.code))
    start, end = now, now + GAP_DAYS * 86400
    for member in members:
        # Dated shifts only near the week checked: a roster may hold 50,000 of them.
        roster = store.load_roster(conn, net.code, member, window=(start, end))
        policy, trusts = trust.lookup_trust(conn, net.code, member,
                                            roster.signer["fingerprint"] if roster.signer else None)
        out.extend(_provenance(net, member, roster, policy, trusts, format_utc(now)[:10]))
        if roster.issued:
            age = freshness.roster_too_old(roster.issued, now, net.roster_max_age_days)
            if age is not None:
                out.append(Finding("warning", "stale-roster",
                                   f"{net.code} {member}: roster issued {roster.issued}, {age} days ago "
                                   f"(limit {net.roster_max_age_days})", net.code, member))
        else:
            out.append(Finding("warning", "stale-roster", f"{net.code} {member}: roster has no issue date",
                               net.code, member))
        for cid, why in roster.unreadable.items():
            out.append(Finding("error", "unreadable-duty",
                               f"{net.code} {member} {cid!r}: never named as on duty: {why.rstrip('.')}; "
                               "re-import the roster within the limits (docs/rosters.md)", net.code, member, cid))
        for c in roster.contacts:
            out.extend(_contact(net.code, member, c, now))
        cov = member_coverage(member, roster.contacts, start, end)
        if cov.gaps:
            first = cov.gaps[0]
            total = format_length(sum(e - s for s, e in cov.gaps))
            gaps = "1 gap" if len(cov.gaps) == 1 else f"{len(cov.gaps)} gaps"
            out.append(Finding("warning", "gap",
                               f"{net.code} {member}: {gaps} in the next {GAP_DAYS} days, "
                               f"{total} in all; first {format_utc(first[0])} to {format_utc(first[1])}",
                               net.code, member))
    return out


def _contact(network: str, member: str, c, now: int) -> list[Finding]:
    out: list[Finding] = []
    where = f"{network} {member} {c.id!r}"
    if not is_place(c.timezone):
        out.append(Finding("warning", "legacy-zone", f"{where}: time zone {c.timezone} is an abbreviation or a fixed "
                           "offset that does not follow a country's clock changes; re-import it with the zone of "
                           "its place (Europe/Paris)", network, member, c.id))
    if not c.verified:
        out.append(Finding("info", "unverified", f"{where}: no verification date", network, member, c.id))
    elif freshness.entry_too_old(c.verified, now) is not None:
        out.append(Finding("warning", "unverified", f"{where}: last verified {c.verified}, more than a year ago",
                           network, member, c.id))
    import phonenumbers

    working = []
    for number in c.phones:
        try:
            ok = phonenumbers.is_valid_number(phonenumbers.parse(number))
        except phonenumbers.NumberParseException:
            ok = False
        if ok:
            working.append(number)
        else:
            out.append(Finding("warning", "invalid-phone",
                               f"{where}: {number} is no longer a valid number (numbering plans change)",
                               network, member, c.id))
    if not working and not c.email:
        out.append(Finding("error", "unreachable", f"{where}: no working phone number and no e-mail", network, member,
                           c.id))
    return out
