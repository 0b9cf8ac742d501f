"""What an import (or a rollback) changes in one roster, contact by contact.

Pure: compares two rosters, no database. Changes to how a contact is reached
are singled out: a tampered roster that swaps a phone number or an e-mail
domain routes an urgent call to the wrong person.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from ..domain.model import CONTACT_FIELDS, Contact
from ..base.values import field, value_class
from ..domain.reach import reach_fields
from ..domain.rules import Duty

FIELDS = CONTACT_FIELDS[1:]  # all but the id, which says which contact it is
# Long duty lists (a year of dated shifts) are summarised in reports.
MAX_LISTED_RULES = 50


class RosterLike(Protocol):
    issued: str | None
    demo: bool
    contacts: Sequence[Contact]
    signer: dict | None


def values(c: Contact) -> dict:
    out = {f: getattr(c, f) for f in FIELDS if f != "duty"}
    out["duty"] = c.duty.texts() if isinstance(c.duty, Duty) else [r.text() for r in c.duty]
    return out


def _field_change(name: str, old, new) -> dict:
    if name == "duty" and max(len(old), len(new)) > MAX_LISTED_RULES:
        from collections import Counter

        gone, came = Counter(old) - Counter(new), Counter(new) - Counter(old)
        return {"old_count": len(old), "new_count": len(new),
                "rules_removed": sum(gone.values()), "rules_added": sum(came.values())}
    return {"old": old, "new": new}


@value_class
class RosterChange:
    network: str
    member: str
    contacts: int
    new_roster: bool = False
    gone: bool = False  # a rollback to "no roster"
    issued: dict | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)  # [{"id": …, "fields": {f: {"old", "new"}}}]
    reach: dict[str, dict] = field(default_factory=dict)  # id -> fields
    demo: dict | None = None  # {"old": bool, "new": bool} when the demo mark changed
    cleared: list[str] = field(default_factory=list)  # ids whose unconfirmed reach mark this put back as on record
    calendar: dict | None = None  # what the duty calendar that gave this roster held (ics.CalendarDuty.report)
    # Who signed the roster as it is after the change (Roster.signer; None: unsigned), and
    # {"old", "new"} when that differs from before: a new signer, a signature dropped.
    signer: dict | None = None
    signature: dict | None = None

    @property
    def unchanged(self) -> bool:
        return not (self.new_roster or self.gone or self.issued or self.added or self.removed
                    or self.changed or self.demo or self.reach or self.signature)

    def as_dict(self) -> dict:
        out = {
            "network": self.network,
            "member": self.member,
            "contacts": self.contacts,
            "new_roster": self.new_roster,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "reach_changes": list(self.reach),
            "unchanged": self.unchanged,
            "signer": self.signer,
        }
        if self.signature:
            out["signature"] = self.signature
        if self.issued:
            out["issued"] = self.issued
        if self.demo:
            out["demo"] = self.demo
        if self.gone:
            out["removed_roster"] = True
        if self.cleared:
            out["reach_cleared"] = self.cleared
        if self.calendar:
            out["calendar"] = self.calendar
        return out


def diff(network: str, member: str, old: RosterLike | None, new: RosterLike | None,
         reference: RosterLike | None = None) -> RosterChange:
    """The change from ``old`` to ``new`` (either may be ``None``: no roster).

    ``reference`` is what a roster coming back after a removal is checked against
    for reach changes (its last current version), so that passing through "no
    roster" cannot launder a number.
    """
    change = RosterChange(network, member, len(new.contacts) if new else 0)
    change.signer = getattr(new, "signer", None) if new is not None else None
    if old is not None and new is not None and getattr(old, "signer", None) != change.signer:
        change.signature = {"old": getattr(old, "signer", None), "new": change.signer}
    if new is None:
        change.gone = old is not None
        change.removed = [c.id for c in old.contacts] if old else []
        return change
    if old is None:
        change.new_roster = True
        change.added = [c.id for c in new.contacts]
        if reference is not None:
            before = {c.id: c for c in reference.contacts}
            for c in new.contacts:
                reach = reach_fields(before.get(c.id), c)
                if reach:
                    change.reach[c.id] = reach
        return change
    if old.issued != new.issued:
        change.issued = {"old": old.issued, "new": new.issued}
    if old.demo != new.demo:
        change.demo = {"old": old.demo, "new": new.demo}
    before = {c.id: c for c in old.contacts}
    after = {c.id: c for c in new.contacts}
    change.added = [i for i in after if i not in before]
    change.removed = [i for i in before if i not in after]
    for cid, c in after.items():
        if cid in before:
            a, b = values(before[cid]), values(c)
            fields = {f: _field_change(f, a[f], b[f]) for f in FIELDS if a[f] != b[f]}
            if fields:
                change.changed.append({"id": cid, "fields": fields})
        reach = reach_fields(before.get(cid), c)
        if old.demo and not new.demo:
            # Fictional numbers turning into real ones: every channel needs a check.
            reach["demo"] = {"old": True, "new": False}
        if reach:
            change.reach[cid] = reach
    return change


@value_class
class NetworkChange:
    """A network definition an import adds, changes or (on rollback) takes back."""

    code: str
    old: dict | None  # None: the shipped definition, or none
    new: dict | None
    cleared: bool = False  # it put back the fallback on record: its unconfirmed mark ended

    @property
    def old_fallback(self) -> str | None:
        return _fallback(self.code, self.old)

    @property
    def new_fallback(self) -> str | None:
        return _fallback(self.code, self.new)

    @property
    def fallback_changed(self) -> bool:
        """A reach change: calls that fall back go somewhere else."""
        return self.old_fallback != self.new_fallback

    def as_dict(self) -> dict:
        out = {"code": self.code, "old": self.old, "new": self.new, "fallback_changed": self.fallback_changed}
        if self.cleared:
            out["fallback_cleared"] = True
        return out


def _fallback(code: str, definition: dict | None) -> str | None:
    """The fallback in force under ``definition`` (``None``: the shipped one)."""
    if definition is not None:
        return definition.get("fallback")
    from ..domain.members import builtin_networks

    shipped = builtin_networks().get(code)
    return shipped.fallback if shipped else None
