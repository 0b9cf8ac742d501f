"""``whois``: who is on duty for one member of one network at one instant.

Gathers the roster from the database, asks the duty engine about each contact,
and shapes the answer the contract defines. Rendering lives elsewhere.
"""

from __future__ import annotations

import sqlite3

from ..storage import marks

from ..storage import store, trust
from ..domain.engine import HORIZON, NEAR, Status, status_at
from ..base.errors import UsageError
from ..domain.freshness import entry_too_old, roster_too_old
from ..domain.members import member_label
from ..domain.model import Contact, Network, Roster
from ..base.values import field, value_class
from ..time.zones import Zone, lookup_zone
from ..time.isotime import format_utc

# pytz precomputes transitions up to 2037 and repeats the last offset after it.
PYTZ_LAST_RULES = 2145916800  # 2038-01-01T00:00:00Z
DEMO_WARNING = "DEMO DATA: this answer comes from the fictional demo directory; do not call these numbers."


@value_class
class Entry:
    contact: Contact
    zone: Zone
    status: Status
    reach_changed: dict | None = None  # unconfirmed reach change: marks.contact_marks' shape
    reach_confirmed: dict | None = None  # the last confirmation of a reach change: marks.contact_confirmations'
    speaks: bool | None = None  # whether the contact speaks the --speaks language (None: not asked)


@value_class(frozen=True)
class Dialling:
    """The caller's own country (``--dial-from``), its calling code and international
    prefix: what a number is dialled as from there (``domain.dialling.dial``)."""

    region: str
    code: int
    prefix: str

    def dial(self, formats: list[str] | None) -> str | None:
        from ..domain.dialling import dial

        return dial(formats, self.code, self.prefix)


def dialling(conn: sqlite3.Connection, region: str | None, source: str = "--dial-from") -> Dialling | None:
    """The ``Dialling`` of a country code, read from the database (no libphonenumber
    on a lookup); ``None`` when no country was given."""
    if region is None:
        return None
    found = store.dial_region(conn, region)
    if found is None:
        from ..base.text import clip

        raise UsageError(f"{source} {clip(region)} is not a country whose dialling ctcontacts knows; give an ISO "
                         "code such as FR, US or JP.")
    return Dialling(region, *found)


def international(c: Contact) -> list[str]:
    """The contact's numbers grouped in international form (``+44 20 7946 0137``);
    E.164 where the grouped form is not stored."""
    formats = c.phone_formats or [None] * len(c.phones)
    return [f[0] if f else p for p, f in zip(c.phones, formats)]


def dial_strings(c: Contact, dial_from: Dialling | None) -> list[str | None] | None:
    """What to dial for each number from ``dial_from``; ``None`` when no country is set."""
    if dial_from is None:
        return None
    formats = c.phone_formats or [None] * len(c.phones)
    return [dial_from.dial(f) for f in formats]


def phone_fields(c: Contact, dial_from: Dialling | None) -> dict:
    """The fields every JSON that shows a contact's numbers adds to ``phones`` (E.164)."""
    return {"phones_international": international(c), "dial": dial_strings(c, dial_from)}


@value_class
class Answer:
    network: Network
    member: str
    at: int
    on_duty: list[Entry]
    next: list[Entry]
    fallback: list[Entry]
    fallback_member: str | None
    warnings: list[str] = field(default_factory=list)
    roster: Roster | None = None
    speaks: str | None = None
    demo: bool = False
    fallback_changed: dict | None = None  # the network's unconfirmed fallback change (marks.fallback_mark)
    # Where each roster's numbers came from (``provenance``); None: no roster (used).
    provenance: dict | None = None
    fallback_provenance: dict | None = None
    as_recorded: bool = False  # answered from the versions current at ``at`` (the history), not today's
    # With --speaks and nobody on duty who speaks it: who is on duty all the same (a
    # call in another language beats no call), in the member's roster and the fallback's.
    on_duty_not_speaking: list[Entry] = field(default_factory=list)
    fallback_not_speaking: list[Entry] = field(default_factory=list)
    dial_from: Dialling | None = None

    @property
    def next_from(self) -> int | None:
        return self.next[0].status.next_start if self.next else None

    def to_json(self, your_timezone: str | None = None) -> dict:
        # The contract's fields (docs/whois.md, "JSON") keep their names and meaning;
        # the rest were added after it (issue 14).
        dial = self.dial_from
        return {
            "network": self.network.code,
            "member": self.member,
            "at": format_utc(self.at),
            "on_duty": [_on_duty_json(e, self.at, dial) for e in self.on_duty],
            "next": [
                {"id": e.contact.id, "name": e.contact.name, "rank": e.contact.rank,
                 "from": format_utc(e.status.next_start), "reach_changed": e.reach_changed,
                 "role": e.contact.role, "timezone": e.contact.timezone,
                 "from_local": e.zone.to_local(e.status.next_start).isoformat()}
                for e in self.next
            ],
            "fallback": [_on_duty_json(e, self.at, dial) for e in self.fallback],
            "fallback_changed": self.fallback_changed,
            "warnings": list(self.warnings),
            "as_recorded": self.as_recorded,
            "provenance": self.provenance,
            "fallback_provenance": self.fallback_provenance,
            "network_name": self.network.name,
            "fallback_member": self.fallback_member if self.fallback_member != self.member else None,
            "speaks": self.speaks,
            "on_duty_not_speaking": [_on_duty_json(e, self.at, dial) for e in self.on_duty_not_speaking],
            "fallback_not_speaking": [_on_duty_json(e, self.at, dial) for e in self.fallback_not_speaking],
            "your_timezone": your_timezone,
            "dial_from": dial.region if dial else None,
            "demo": self.demo,
        }


def _on_duty_json(e: Entry, at: int, dial_from: Dialling | None = None) -> dict:
    # The contract's fields (docs/whois.md, "JSON"), then what was added since.
    c = e.contact
    until = e.status.until
    return {**c.as_dict("id", "name", "rank", "role", "phones", "email", "languages", "timezone"),
            "local_time": e.zone.to_local(at).isoformat(),
            "until": format_utc(until) if until is not None else None,
            "reach_changed": e.reach_changed,
            "agency": c.agency,
            "secure_channel": c.secure_channel,
            **phone_fields(c, dial_from),
            "until_local": e.zone.to_local(until).isoformat() if until is not None else None,
            "reach_confirmed": e.reach_confirmed,
            "speaks_language": e.speaks}


def entry_order(e: Entry) -> tuple:
    return e.contact.order


def speaks_option(text: str | None) -> str | None:
    """``--speaks``: a language tag such as ``fr`` or ``pt-BR``."""
    if text is None:
        return None
    from ..base.text import LANGUAGE, clip

    tag = text.strip()
    if not LANGUAGE.match(tag):
        raise UsageError(f"--speaks {clip(text)} is not a language code; use ISO 639-1 such as en, fr or es.")
    return tag.lower()


def speaks_language(c: Contact, lang: str | None) -> bool:
    """Whether the contact speaks ``lang`` (``fr`` matches ``fr-CA``); true when none is asked."""
    if not lang:
        return True
    want = lang.lower()
    return any(t == want or t.split("-")[0] == want.split("-")[0] for t in c.languages)


def _entries(conn: sqlite3.Connection, roster: Roster | None, at: int,
             speaks: str | None, horizon: int = HORIZON, others: list[Entry] | None = None,
             with_marks: bool = True, marks_read: tuple[dict, dict] | None = None) -> list[Entry]:
    """Each contact's status at ``at``: those who speak ``speaks`` (all without it).
    ``others``: collects the rest, who do not speak it, for when nobody who does is on duty.
    ``marks_read``: the roster's reach marks and confirmations if already read (else read
    here, unless ``with_marks`` is false: an answer as recorded is not about today's marks)."""
    if roster is None:
        return []
    if marks_read is None:
        marks_read = (marks.contact_marks_and_confirmations(conn, roster.network, roster.member) if with_marks
                      else ({}, {}))
    flagged, confirmed = marks_read
    out = []
    for c in roster.contacts:
        if c.id in roster.unreadable:
            continue  # a duty that cannot be evaluated never names anyone (see _unreadable)
        speaking = speaks_language(c, speaks)
        if not speaking and others is None:
            continue
        zone = lookup_zone(c.timezone)
        status = contact_status(conn, roster, c, zone, at, horizon)
        entry = Entry(c, zone, status, flagged.get(c.id), confirmed.get(c.id), speaking if speaks else None)
        (out if speaking else others).append(entry)
    return out


def contact_status(conn: sqlite3.Connection, roster: Roster, c: Contact, zone: Zone, at: int, horizon: int,
                   whole: bool = False, known: int = NEAR, duty: list | None = None) -> Status:
    """The engine's answer for one contact of a roster loaded for the window of ``known``
    seconds from ``at``: first from the dated shifts near ``at``. A contact with dated
    shifts beyond them whose answer lies further out (a long unbroken duty, nobody due
    within the near window) is read again over the whole horizon. ``whole``:
    ``engine.status_at``'s; ``duty``: the contact's rules if not ``c.duty`` (read
    further than the roster was)."""
    partial = roster.partial is not None and c.id in roster.partial
    status = status_at(c.duty if duty is None else duty, zone, at, horizon, known=known if partial else None,
                       whole=whole)
    if status is None:
        status = status_at(store.contact_duty(conn, roster, c.id, (at, at + horizon + 1)), zone, at, horizon)
    return status


def _reach_warnings(member: str, entries: list[Entry]) -> list[str]:
    marked = [e for e in entries if e.reach_changed and (e.status.on_duty or e.status.next_start is not None)]
    if not marked:
        return []
    from ..domain.reach import describe_reach

    return [
        f"how {member} {e.contact.id!r} is reached changed in import {marks.imports_text(e.reach_changed)} "
        f"and is not confirmed ({describe_reach(e.reach_changed['fields'])}); check it out of band (the old value "
        f"is the one on record) before relying on it, then run ctcontacts confirm."
        for e in marked
    ]


def _fallback_warning(code: str, mark: dict) -> str:
    return (f"{marks.describe_fallback(code, mark)}; check it out of band before calling the fallback, then run "
            f"ctcontacts confirm --network {code} --fallback.")


def provenance(conn: sqlite3.Connection, roster: Roster | None, now: int,
               made_current_by: int | None = None, network_trust: tuple | None = None) -> dict | None:
    """Where a roster's numbers came from: its version and the import that wrote it,
    its file, and who signed it (as verified at import) and whether that key is trusted
    for it now; with the network's signature policy. One statement (``trust.lookup_trust``),
    by primary keys, or none with ``network_trust`` (``trust.network_trust`` of its
    network, read once for a board); nothing is verified at lookup."""
    if roster is None:
        return None
    signer = roster.signer
    fingerprint = signer["fingerprint"] if signer else None
    if network_trust is None:
        policy, trusts = trust.lookup_trust(conn, roster.network, roster.member, fingerprint)
    else:
        policy, trusts = network_trust[0], trust.trusts_held(network_trust[1], roster.member, fingerprint)
    out = {"import_id": roster.import_id, "version_id": roster.version_id, "imported_at": roster.imported_at,
           "file": roster.source, "sha256": roster.source_sha256, "signed": signer is not None, "signer": None,
           "policy": policy}
    if made_current_by is not None:
        out["made_current_by"] = made_current_by
    if signer is not None:
        day = format_utc(now)[:10]
        out["signer"] = dict(signer, trusted_now=any(trust.trusted_now(e, day) for e in trusts.values()))
    return out


def _provenance_warnings(roster: Roster, prov: dict) -> list[str]:
    signer = prov["signer"]
    who = f"the {roster.member} roster"
    if signer is None:
        if prov["policy"] == trust.REQUIRED:
            return [f"{who} is unsigned, and {roster.network} requires signatures (it was imported before they "
                    f"were required); ask {roster.member} for a signed roster."]
        return []
    key = f"key {signer['fingerprint']}"
    if signer["trusted_for"] is None and not signer["trusted_now"]:
        return [f"{who} is signed by {key}, which is not trusted for {roster.member} in {roster.network}: its "
                "numbers are no better vouched for than an unsigned roster's."]
    if not signer["trusted_now"]:
        return [f"{who} was signed by {key}, trusted for {signer['trusted_for']} when it was imported and no longer "
                f"trusted now; ask {roster.member} for a roster signed with its current key."]
    return []


def _network_at(net: Network, definition: tuple[bool, dict | None]) -> Network:
    """The network as it was defined at an instant (``store.network_definition_at``)."""
    changed, old = definition
    if not changed:
        return net
    if old is None:
        from ..domain.members import builtin_networks

        return builtin_networks().get(net.code) or Network(net.code, net.name, net.organization, None, net.members)
    return Network(old["code"], old["name"], old.get("organization") or "", old.get("fallback"), net.members,
                   builtin=False, roster_max_age_days=net.roster_max_age_days)


def _load(conn: sqlite3.Connection, network: str, member: str, at: int, as_recorded: bool):
    """The roster to answer from, and the import that made it current (as recorded only)."""
    window = (at, at + NEAR)
    if not as_recorded:
        return store.load_roster(conn, network, member, window=window), None
    row = store.version_at(conn, network, member, format_utc(at))
    if row is None or row["after_version"] is None:
        return None, None
    return store.load_version(conn, row["after_version"], window=window), row["import_id"]


def whois(conn: sqlite3.Connection, network: str, member: str, at: int, now: int,
          speaks: str | None = None, fallback: bool = True, horizon: int = HORIZON,
          as_recorded: bool = False, dial_from: Dialling | None = None) -> Answer:
    """The answer for one member; ``horizon``: how far ``until`` and ``next`` look (the
    contract's 366 days; the network board looks less far, see ``board.BOARD_HORIZON``).
    ``as_recorded``: from the roster versions (and network definition) current at ``at``
    as the history recorded them, not today's; reach marks, which are about now, are
    then left out, and ages are told as they were at ``at``.
    ``dial_from``: the caller's country, for the numbers to dial from there."""
    net = store.find_network(conn, network)
    trust_day = now  # whether a signer's key is trusted is told for today, as the trust store is
    if as_recorded:
        net = _network_at(net, store.network_definition_at(conn, net.code, format_utc(at)))
        now = at  # ages as they were then
    roster, made_current = _load(conn, net.code, member, at, as_recorded)
    return _answer(conn, net, member, roster, at, now, trust_day=trust_day, made_current=made_current,
                   speaks=speaks, fallback=fallback, horizon=horizon, as_recorded=as_recorded, dial_from=dial_from)


def _answer(conn: sqlite3.Connection, net: Network, member: str, roster: Roster | None, at: int, now: int, *,
            trust_day: int, made_current: int | None = None, speaks: str | None = None, fallback: bool = True,
            horizon: int = HORIZON, as_recorded: bool = False, marks_read: tuple[dict, dict] | None = None,
            dial_from: Dialling | None = None) -> Answer:
    """The answer from the roster loaded for ``member`` (see ``whois``)."""
    others: list[Entry] | None = [] if speaks else None
    entries = _entries(conn, roster, at, speaks, horizon, others, with_marks=not as_recorded, marks_read=marks_read)
    on_duty = sorted((e for e in entries if e.status.on_duty), key=entry_order)
    upcoming = [e for e in entries if e.status.next_start is not None]
    soonest = min((e.status.next_start for e in upcoming), default=None)
    nxt = sorted((e for e in upcoming if e.status.next_start == soonest), key=entry_order)

    answer = Answer(net, member, at, on_duty, nxt, [], net.fallback, roster=roster, speaks=speaks,
                    as_recorded=as_recorded, dial_from=dial_from)
    answer.provenance = provenance(conn, roster, trust_day, made_current)
    if speaks and not on_duty:
        answer.on_duty_not_speaking = sorted((e for e in others if e.status.on_duty), key=entry_order)
    warnings = answer.warnings
    warnings.extend(_membership(net, member))
    if roster is None and as_recorded:
        warnings.append(f"{member_label(member)} had no roster in {net.code} at {format_utc(at)} (as recorded); "
                        "nobody could be named for it then.")
    elif roster is None:
        warnings.append(f"{member_label(member)} has no roster in {net.code}; nobody can be named for it.")
    else:
        answer.demo = roster.demo
        if not as_recorded:  # (they are about today's trust store and policy)
            warnings.extend(_provenance_warnings(roster, answer.provenance))
        warnings.extend(_unreadable(roster))
        warnings.extend(_staleness(roster, net, now, then=as_recorded))
        if speaks and not entries and roster.contacts:
            warnings.append(f"nobody in the {member} roster spoke {speaks!r} then." if as_recorded
                            else f"nobody in the {member} roster speaks {speaks!r}.")
        elif speaks and answer.on_duty_not_speaking:
            warnings.append(f"contacts were on duty, but none of them spoke {speaks!r}." if as_recorded
                            else f"contacts are on duty, but none of them speaks {speaks!r}.")
    if fallback and not as_recorded:
        # One indexed read: whether calls that fall back go where they went when last confirmed.
        answer.fallback_changed = marks.fallback_mark(conn, net.code)
        if answer.fallback_changed and not on_duty and net.fallback != member:
            warnings.append(_fallback_warning(net.code, answer.fallback_changed))
    if fallback and not on_duty and net.fallback and net.fallback != member:
        fb, fb_current = _load(conn, net.code, net.fallback, at, as_recorded)
        fb_others: list[Entry] | None = [] if speaks else None
        answer.fallback = sorted((e for e in _entries(conn, fb, at, speaks, others=fb_others,
                                                      with_marks=not as_recorded) if e.status.on_duty), key=entry_order)
        if speaks and not answer.fallback:
            answer.fallback_not_speaking = sorted((e for e in fb_others if e.status.on_duty), key=entry_order)
        answer.fallback_provenance = provenance(conn, fb, trust_day, fb_current)
        warnings.extend(_reach_warnings(net.fallback, answer.fallback + answer.fallback_not_speaking))
        if fb is None:
            warnings.append(f"the fallback {net.fallback} had no roster in {net.code} then." if as_recorded
                            else f"the fallback {net.fallback} has no roster in {net.code}.")
        else:
            warnings.extend(_unreadable(fb))
            if not as_recorded:
                warnings.extend(_provenance_warnings(fb, answer.fallback_provenance))
            answer.demo = answer.demo or fb.demo
    warnings[0:0] = _reach_warnings(member, entries + answer.on_duty_not_speaking)
    if at + HORIZON >= PYTZ_LAST_RULES:
        warnings.append("the time-zone database has no clock changes after 2037; answers that far ahead "
                        "ignore summer time.")
    if answer.demo:
        warnings.insert(0, DEMO_WARNING)
    return answer


def _unreadable(roster: Roster) -> list[str]:
    """Contacts left out because their duty is beyond the limits: said, never hidden."""
    return [f"{roster.member} {cid!r} is not named as on duty or next, whatever its roster says: {why.rstrip('.')}. "
            f"Re-import the {roster.member} roster (ctcontacts check lists every such contact)."
            for cid, why in roster.unreadable.items()]


ACTIVE_STATUSES = {"member", "observer", "party", "secretariat"}


def _membership(net: Network, member: str) -> list[str]:
    """A word when the member's standing in the network is not plain membership."""
    entry = net.members.get(member)
    if entry is None or entry.get("status", "member") in ACTIVE_STATUSES:
        return []
    since = f" since {entry['since']}" if entry.get("since") else ""
    note = f" ({entry['note']})" if entry.get("note") else ""
    return [f"{member} is listed in {net.code} as {entry['status']}{since}{note}."]


def _staleness(roster: Roster, net: Network, now: int, then: bool = False) -> list[str]:
    """Age warnings, by the network's own rule (``domain.freshness``), as ``check`` reports
    them; ``then``: told of an answer as recorded, ``now`` being that moment."""
    out = []
    if roster.issued:
        age = roster_too_old(roster.issued, now, net.roster_max_age_days)
        if age is not None and then:
            out.append(f"the {roster.member} roster was issued {roster.issued}, {age} days before then (older than "
                       f"{net.code} allows, {net.roster_max_age_days}).")
        elif age is not None:
            out.append(
                f"the {roster.member} roster was issued {roster.issued}, {age} days ago "
                f"(older than {net.code} allows, {net.roster_max_age_days}); ask {roster.member} for a current one."
            )
    else:
        out.append(f"the {roster.member} roster had no issue date; its age then is unknown." if then
                   else f"the {roster.member} roster has no issue date; its age is unknown.")
    for c in roster.contacts:
        age = entry_too_old(c.verified, now)
        if age is not None:
            out.append(f"entry {c.id!r} had last been verified {c.verified}, {age} days before then (older than a "
                       "year)." if then else
                       f"entry {c.id!r} was last verified {c.verified}, {age} days ago (older than a year).")
    return out
