"""What a change to how a contact is reached is, and how it is said to a person.

A tampered roster is an attack: a swapped phone number or e-mail domain routes an
urgent call to the wrong person. These changes are marked until someone confirms them
out of band (``storage.marks``); here is only what counts as one.
"""

from __future__ import annotations

from .model import Contact


def _domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def reach_fields(old: Contact | None, new: Contact) -> dict:
    """The reach changes of one contact: a phone number added or changed, an e-mail
    domain changed or added, a secure channel changed. A brand-new contact in an
    existing roster is a new way to be reached: all of its channels count."""
    before_phones = old.phones if old else []
    out: dict = {}
    if any(p not in before_phones for p in new.phones):
        out["phones"] = {"old": list(before_phones), "new": list(new.phones)}
    old_email = old.email if old else ""
    if new.email and _domain(new.email) != _domain(old_email):
        out["email"] = {"old": old_email, "new": new.email}
    old_channel = old.secure_channel if old else ""
    if new.secure_channel != old_channel and new.secure_channel:
        out["secure_channel"] = {"old": old_channel, "new": new.secure_channel}
    return out


def describe_reach(fields: dict) -> str:
    """``phones [+33199001234] -> [+33199001299]; email …``: what changed, for a person."""
    def show(value):
        if isinstance(value, list):
            return "[" + ", ".join(map(str, value)) + "]"
        return "(none)" if value in (None, "") else str(value)

    return "; ".join(f"{name} {show(v['old'])} -> {show(v['new'])}" for name, v in fields.items())
