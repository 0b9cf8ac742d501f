"""The shapes a roster takes once read: contacts, rosters, network definitions.

Plain data, so that answering a lookup needs none of the validation machinery.
"""

from __future__ import annotations

from ..base.values import field, record
from .rules import Rule


@record
class Contact:
    id: str
    name: str
    timezone: str
    duty: list[Rule]
    agency: str = ""
    role: str = ""
    rank: int = 1
    phones: list[str] = field(default_factory=list)
    email: str = ""
    secure_channel: str = ""
    languages: list[str] = field(default_factory=list)
    verified: str | None = None
    notes: str = ""


@record
class Roster:
    network: str
    member: str
    issued: str | None
    contacts: list[Contact]
    source: str
    demo: bool = False
    calendar: dict | None = None  # what a duty calendar (.ics) held, for the import report


@record
class NetworkDef:
    code: str
    name: str
    organization: str = ""
    fallback: str | None = None
