"""The shapes of a directory, each defined once: a network, a contact, a roster.

Plain data, so that answering a lookup needs none of the validation machinery. What a
reader gets from a file before validation is ``formats.readers.RawRoster`` (values as
written, each with its place in the file, for error messages); once validated, and
when read back from the database, a roster is a ``Roster``.
"""

from __future__ import annotations

from operator import attrgetter

from ..base.values import field, value_class

# Names for annotations only, without importing typing on the lookup path (it costs
# about 3 ms of a 33 ms whois --json): what typing.TYPE_CHECKING is, but for free.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from .rules import Duty, Rule


@value_class(frozen=True)
class Network:
    """A 24/7 network: shipped (data/networks.json) or defined by a roster file.
    ``members``: the members it expects, with their status (member, observer,
    withdrawn since ...); ``roster_max_age_days``: how often a member must send a new
    roster (``domain.freshness``)."""

    code: str
    name: str
    organization: str = ""
    fallback: str | None = None
    members: dict[str, dict] = field(default_factory=dict, compare=False)
    builtin: bool = False
    roster_max_age_days: int = 365

    def definition(self) -> dict:
        """What a roster file says of the network, and what the database stores."""
        return {"code": self.code, "name": self.name, "organization": self.organization, "fallback": self.fallback}


# The fields of a contact as a roster file writes them, in the file's order.
CONTACT_FIELDS = ("id", "name", "agency", "role", "rank", "phones", "email", "secure_channel", "languages",
                  "timezone", "duty", "verified", "notes")


@value_class
class Contact:
    """A point of contact of one member in one network. ``duty``: its rules, parsed
    (``rules.Rule``, or ``Dated`` as read back for a lookup) or, where they are only
    compared or written out, packed as texts (``rules.Duty``)."""

    # (storage.store._contact builds it positionally, in this order: keep them in step)
    id: str
    name: str
    timezone: str
    duty: Duty | list[Rule]
    agency: str = ""
    role: str = ""
    rank: int = 1
    phones: list[str] = field(default_factory=list)
    email: str = ""
    secure_channel: str = ""
    languages: list[str] = field(default_factory=list)
    verified: str | None = None
    notes: str = ""
    # As read back from the database: each phone's [international, national] forms
    # (``domain.dialling``), or ``None`` when they are not known; not part of a roster file.
    phone_formats: list | None = field(default=None, compare=False)

    @property
    def order(self) -> tuple:
        """Call order within a roster: rank, then name, then id (the contract's)."""
        return call_order(self)

    def as_dict(self, *fields: str) -> dict:
        """The contact as a roster file writes it (duty as one-string rules), or only
        ``fields`` of it, in that order: what every JSON that shows a contact starts from."""
        out = {}
        for name in fields or CONTACT_FIELDS:
            value = getattr(self, name)
            if name == "duty":
                value = [r.text() for r in value]
            elif isinstance(value, list):
                value = list(value)
            out[name] = value
        return out


# ``Contact.order`` as a key function, read in C: a network board orders 2,590 contacts.
call_order = attrgetter("rank", "name", "id")


@value_class
class Roster:
    """The contacts one member gives for one network. Read back from the database it
    also carries what its version is (``version_id``, ``import_id``, ``imported_at``,
    ``spans_tz``: the tz release that computed its dated shifts' instants) and, for a
    lookup, what was left out (``partial``, ``unreadable``: see ``storage.store``)."""

    network: str
    member: str
    issued: str | None
    contacts: list[Contact]
    source: str = ""  # the file it came from
    demo: bool = False
    calendar: dict | None = None  # what a duty calendar (.ics) held, for the import report
    imported_at: str | None = None
    version_id: int = 0
    import_id: int = 0
    spans_tz: str | None = None
    # Loaded for a window: ids of contacts that may have dated shifts after it (the
    # rest have every rule that matters loaded). None: loaded without a window.
    partial: set[str] | None = None
    # Contacts whose duty is not evaluated, and why: a rule beyond the limits (stored
    # by an older version, or damaged), or a roster whose rules exceed them together.
    # Their duty is left empty, so they are never named as on duty.
    unreadable: dict[str, str] = field(default_factory=dict)
    # Where it came from: the SHA-256 of its file, and the signature verified at import
    # ({"fingerprint", "key_type", "trusted_for"}: trusted_for is the member, "secretariat"
    # or None for a key not trusted for it); None: the file was not signed.
    source_sha256: str | None = None
    signer: dict | None = None
    # At import: the check of its own file's signature (``directory.signing``), carried
    # from the file object that was read (``formats.readers.RawFile``), and judged into
    # ``signer``. Never stored.
    signature: object = field(default=None, compare=False)
