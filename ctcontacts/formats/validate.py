"""Validation: raw rosters from the readers become clean rosters, or problems.

Every problem is collected (never only the first) with file, place and field.
Phones become E.164, zones canonical IANA names, languages lower-case tags,
duty rules parsed (so a bad rule is caught here, not at 03:00).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..base import limits
from ..base.errors import Problem, Problems
from ..time.isotime import ISOError, parse_date
from ..domain.dialling import parsed_formats
from ..domain.members import ORG, find_member, unknown_member_message
from ..domain.model import Contact, Network, Roster
from .readers import RawContact, RawFile, RawRoster
from ..domain.rules import Duty, Interval, Off, Rule, RuleError, parse_given, take_plain_shifts
from ..base.text import LANGUAGE, clip, unsafe
from ..time.zones import lookup_zone, place_zone_name, unknown_zone_message

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$")
EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
NETWORK_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _bad_text(value: str, multiline: bool = False) -> str | None:
    """Why a text field cannot be shown safely in a terminal, if it cannot."""
    if value.isascii() and value.isprintable():
        return None  # no control characters at all: the common case, in one C call
    for ch in value:
        if multiline and ch in "\n\t":
            continue
        if unsafe(ch):
            return f"contains a control character (U+{ord(ch):04X}); remove it"
    return None


class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = Problems()

    def add(self, where: str, field_: str, reason: str) -> None:
        self.problems.append(Problem(self.file, where, field_, reason))

    def text(self, c: RawContact, key: str, *, required: bool = False, multiline: bool = False) -> str:
        value = c.values.get(key)
        where = c.places.get(key, c.where)
        if value is None or value == "":
            if required:
                self.add(c.where, key, "is required")
            return ""
        if not isinstance(value, str):
            self.add(where, key, f"must be text, not {type(value).__name__}")
            return ""
        value = value.strip()
        most = limits.MAX_FIELD_CHARS.get(key)
        if most is not None and len(value) > most:
            self.add(where, key, f"is {len(value):,} characters long; at most {most:,} are allowed")
            return ""
        bad = _bad_text(value, multiline)
        if bad:
            self.add(where, key, bad)
        if required and not value:
            self.add(where, key, "is required")
        return value


def validate(files: list[RawFile], known_networks: set[str]) -> tuple[list[Roster], list[Network], list[Problem]]:
    """Every file's rosters and network definitions, checked: the rosters and networks
    that pass, and every problem."""
    check = Validator(known_networks)
    for f in files:
        check.add(f)
    return check.finish()


class Validator:
    """``validate``, a file at a time, as the importer reads them: each roster is checked
    as soon as its file is read, and what was read of it let go, so an import holds
    one file as read, not every file (1.5 million rules in ten files: 203 MB live at
    the end of reading, 154 a file at a time). A roster naming a network that only a
    later file defines waits for it (``finish``)."""

    def __init__(self, known_networks: set[str]):
        self.problems: list[Problem] = Problems()
        self.known = set(known_networks)
        self.by_code: dict[str, Network] = {}
        self.rosters: list[Roster] = []
        self.seen: dict[tuple[str, str], str] = {}
        self.waiting: list[tuple[RawFile, RawRoster]] = []

    def add(self, f: RawFile) -> None:
        problems = self.problems
        problems.extend(f.problems)
        for where, n in f.networks:
            nd = _network(f.file, where, n, problems)
            if nd is None:
                continue
            if nd.code in self.by_code and self.by_code[nd.code] != nd:
                problems.append(Problem(f.file, where, "code", f"network {nd.code!r} is defined twice, differently; "
                                        "give one definition per import"))
            self.by_code.setdefault(nd.code, nd)
        for raw in f.rosters:
            network = raw.network.strip().lower() if isinstance(raw.network, str) else ""
            if network and network not in self.known and network not in self.by_code:
                self.waiting.append((f, raw))  # (perhaps a later file defines it)
                continue
            self._roster(f, raw)

    def finish(self) -> tuple[list[Roster], list[Network], list[Problem]]:
        for f, raw in self.waiting:
            self._roster(f, raw)
        self.waiting = []
        return self.rosters, list(self.by_code.values()), self.problems

    def _roster(self, f: RawFile, raw: RawRoster) -> None:
        problems = self.problems
        if problems.full:  # limits.MAX_PROBLEMS found: the rest is not checked
            problems.append(Problem(f.file, raw.where, "", "not checked"))
            raw.contacts = []
            return
        roster = _roster(raw, self.known | set(self.by_code), problems)
        # The roster as read is no longer needed: its values go now, not with the
        # file, so that a directory is not held twice, as read and as checked
        # (1.5 million rules: 315 MB live at the end of validation, 203 with this).
        raw.contacts = []
        if roster is None:
            return
        key = (roster.network, roster.member)
        if key in self.seen:
            problems.append(Problem(
                f.file, raw.where, "",
                f"the roster of {roster.member} in {roster.network} is given twice "
                f"(also in {self.seen[key]}); give each roster once per import",
            ))
            return
        self.seen[key] = f"{f.file} {raw.where}"
        roster.source_sha256, roster.signature = f.sha256, f.signature
        self.rosters.append(roster)


def _network(file: str, where: str, n: dict, problems: list[Problem]) -> Network | None:
    before = len(problems)
    code = n.get("code")
    if not isinstance(code, str) or not NETWORK_CODE.match(code.strip().lower()):
        problems.append(Problem(file, where, "code", "a network code is lower-case letters, digits, '-' or '_', e.g. ftf"))
    name = n.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(file, where, "name", "is required"))
    fallback = n.get("fallback")
    if fallback is not None:
        if not isinstance(fallback, str) or find_member(fallback) is None:
            problems.append(Problem(file, where, "fallback", unknown_member_message(str(fallback))))
        else:
            fallback = find_member(fallback)
    org = n.get("organization", "")
    if not isinstance(org, str):
        problems.append(Problem(file, where, "organization", "must be text"))
    for key, value in (("name", name), ("organization", org)):
        if isinstance(value, str) and len(value.strip()) > limits.MAX_NETWORK_NAME_CHARS:
            problems.append(Problem(file, where, key, f"is {len(value.strip()):,} characters long; at most "
                                    f"{limits.MAX_NETWORK_NAME_CHARS} are allowed"))
            continue
        bad = _bad_text(value) if isinstance(value, str) else None
        if bad:
            problems.append(Problem(file, where, key, bad))
    if len(problems) > before:
        return None
    return Network(code.strip().lower(), name.strip(), org.strip(), fallback)


def _roster(raw: RawRoster, networks: set[str], problems: list[Problem]) -> Roster | None:
    check = _Checker(raw.file)
    network = raw.network.strip().lower() if isinstance(raw.network, str) else ""
    if not network:
        check.add(raw.where, "network", "is required")
    elif network not in networks:
        from ..base.text import clip, close_matches

        close = close_matches(network, sorted(networks), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        check.add(raw.where, "network", f"unknown network {clip(raw.network)}; {hint}known: {', '.join(sorted(networks))}")
    member = find_member(raw.member) if isinstance(raw.member, str) else None
    if member is None:
        check.add(raw.where, "member", unknown_member_message(str(raw.member or "")) if raw.member else "is required")
    issued = None
    if raw.issued not in (None, ""):
        try:
            issued = parse_date(str(raw.issued)).isoformat()
        except ISOError as e:
            check.add(raw.where, "issued", str(e))
    contacts: list[Contact] = []
    ids: dict[str, str] = {}
    region = member if member and not ORG.match(member) else None
    oversized = len(raw.contacts) > limits.MAX_CONTACTS_PER_ROSTER
    if oversized:
        check.add(raw.where, "contacts", f"holds {len(raw.contacts):,} contacts; a roster may have at most "
                  f"{limits.MAX_CONTACTS_PER_ROSTER}")
    rule_count = sum(len(c.duty) for c in raw.contacts)
    if rule_count > limits.MAX_RULES_PER_ROSTER:
        oversized = True
        check.add(raw.where, "contacts", f"holds {rule_count:,} duty rules; a roster may have at most "
                  f"{limits.MAX_RULES_PER_ROSTER:,}")
    if oversized:  # a roster beyond its size: its contacts are not checked one by one
        problems.extend(check.problems)
        return None
    starts_per_day = 0.0
    for c in raw.contacts:
        checked = _contact(c, check, region)
        if checked is None:
            continue
        contact, load = checked
        starts_per_day += load
        if contact.id in ids:
            check.add(c.where, "id", f"{contact.id!r} is already used by the contact at {ids[contact.id]}; ids are unique within a roster")
            continue
        ids[contact.id] = c.where
        contacts.append(contact)
    if not raw.contacts and not raw.rejected_rows:
        check.add(raw.where, "contacts", "a roster needs at least one contact")
    if starts_per_day > limits.MAX_ROSTER_STARTS_PER_DAY:
        check.add(raw.where, "contacts", limits.roster_load_problem(starts_per_day))
    problems.extend(check.problems)
    if check.problems:
        return None
    return Roster(network, member, issued, contacts, raw.file, raw.demo)


def _contact(c: RawContact, check: _Checker, region: str | None) -> tuple[Contact, float] | None:
    before = len(check.problems)
    cid = check.text(c, "id", required=True)
    if cid and not ID.match(cid):
        check.add(c.places.get("id", c.where), "id",
                  f"{clip(cid)} is not a usable id; use letters, digits, '.', '-', '_', at most 100 (e.g. fr-desk)")
    name = check.text(c, "name", required=True)
    agency = check.text(c, "agency")
    role = check.text(c, "role")
    secure = check.text(c, "secure_channel")
    notes = check.text(c, "notes", multiline=True)
    rank = _rank(c, check)
    zone_name = _zone(c, check)
    phones, phone_forms = _phones(c, check, region)
    email = _email(c, check)
    languages = _languages(c, check)
    verified = None
    if c.values.get("verified") not in (None, ""):
        try:
            verified = parse_date(str(c.values["verified"])).isoformat()
        except ISOError as e:
            check.add(c.places.get("verified", c.where), "verified", str(e))
    reach_problems = any(p.field in ("phones", "email") for p in check.problems[before:])
    if not phones and not email and not reach_problems:
        check.add(c.where, "phones", "a contact needs at least one phone number or an e-mail address")
    if "duty" not in c.values and not c.duty and "duty" not in c.reported:
        check.add(c.where, "duty", "is required (a list of duty rules, e.g. [\"24/7\"])")
    rules = Duty()
    zone = lookup_zone(zone_name) if zone_name else None
    starts_per_day, recurring = 0.0, 0
    if len(c.duty) > limits.MAX_RULES_PER_CONTACT:
        check.add(c.where, "duty", f"holds {len(c.duty):,} rules; a contact may have at most "
                  f"{limits.MAX_RULES_PER_CONTACT:,} (split a long rota over several contacts or rosters)")
        c.duty.clear()
    pairs = iter(c.duty)
    while True:
        # The plain dated shifts up to the next rule that is not one (most of a big
        # file's rows: 1.5 million for the world benchmark), then that rule.
        pending = take_plain_shifts(pairs, zone, rules) if zone is not None else next(pairs, None)
        if pending is None:
            break
        at, value = pending
        place = c.duty.where(at)
        try:
            rule = parse_given(value)
        except RuleError as e:
            check.add(place, "duty", str(e))
            continue
        span = dated_span(rule, zone)
        problem = _mixed_interval_problem(rule, span)
        if problem:
            check.add(place, "duty", problem)
            continue
        if span is None:  # expanded by every lookup, unlike a dated interval
            recurring += 1
            starts_per_day += rule.starts_per_day()
        rules.append(rule.text(), span)
    c.duty.clear()  # the raw rows are no longer needed; a big file should not be held twice
    if recurring > limits.MAX_RECURRING_RULES_PER_CONTACT:
        check.add(c.where, "duty", f"holds {recurring} weekly windows, recurrences and 24/7 rules; a contact may "
                  f"have at most {limits.MAX_RECURRING_RULES_PER_CONTACT} (dated intervals do not count)")
    if len(check.problems) > before:
        return None
    contact = Contact(
        id=cid, name=name, timezone=zone_name, duty=rules, agency=agency, role=role,
        rank=rank, phones=phones, email=email, secure_channel=secure,
        languages=languages, verified=verified, notes=notes, phone_formats=phone_forms,
    )
    return contact, starts_per_day


def _mixed_interval_problem(rule: Rule, span: tuple[int, int] | None) -> str | None:
    """The one check that needs the contact's zone: an interval with one local end and
    one end with an offset (the parser compares ends written alike)."""
    inner = rule.rule if isinstance(rule, Off) else rule
    if span is None or inner.start is None or inner.end is None:
        return None
    if (inner.start.offset is None) != (inner.end.offset is None) and span[1] <= span[0]:
        return f"{inner.text()!r}: the end is not after the start"
    return None


def dated_span(rule: Rule, zone) -> tuple[int, int] | None:
    """The instants of a dated interval rule (plain or 'off'); ``None`` for other kinds."""
    inner = rule.rule if isinstance(rule, Off) else rule
    if zone is None or not isinstance(inner, Interval):
        return None
    from ..domain.engine import interval_span

    return interval_span(inner, zone)


def _rank(c: RawContact, check: _Checker) -> int:
    value = c.values.get("rank")
    if value in (None, ""):
        return 1
    where = c.places.get("rank", c.where)
    if isinstance(value, bool):
        check.add(where, "rank", "must be a whole number from 1")
        return 1
    try:
        rank = int(value) if isinstance(value, (int, str)) else None
    except ValueError:
        rank = None
    if rank is None or not 1 <= rank <= 999 or (isinstance(value, float)):
        check.add(where, "rank", f"{clip(value)} is not a rank; use a whole number from 1 (called first) to 999")
        return 1
    return rank


def _zone(c: RawContact, check: _Checker) -> str:
    value = c.values.get("timezone")
    where = c.places.get("timezone", c.where)
    if value in (None, ""):
        check.add(c.where, "timezone", "is required (an IANA name such as Europe/Paris)")
        return ""
    if not isinstance(value, str):
        check.add(where, "timezone", "must be text, an IANA name such as Europe/Paris")
        return ""
    name = place_zone_name(value)
    if name is None:
        check.add(where, "timezone", unknown_zone_message(value))
        return ""
    return name


_MOST = {"phones": (limits.MAX_PHONES, limits.MAX_PHONE_CHARS), "languages": (limits.MAX_LANGUAGES, 35)}


def _list(c: RawContact, check: _Checker, key: str) -> list[str]:
    value = c.values.get(key)
    if value in (None, ""):
        return []
    where = c.places.get(key, c.where)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        check.add(where, key, "must be a list of text values")
        return []
    values = [v.strip() for v in value if v.strip()]
    count, chars = _MOST[key]
    if len(values) > count:
        check.add(where, key, f"holds {len(values):,} values; at most {count} are allowed")
        return []
    long = next((v for v in values if len(v) > chars), None)
    if long is not None:
        check.add(where, key, f"{clip(long)} is {len(long):,} characters long; at most {chars} are allowed")
        return []
    return values


def _phones(c: RawContact, check: _Checker, region: str | None) -> tuple[list[str], list]:
    """A contact's phones in E.164, each once, and each one's ``[international,
    national]`` forms (``dialling.number_formats``, stored beside it)."""
    values = _list(c, check, "phones")
    out: list[str] = []
    forms: list = []
    where = c.places.get("phones", c.where)
    for i, text in enumerate(values):
        place = f"{where}.phones[{i}]" if where.startswith("rosters") else where
        bad = _bad_text(text)
        if bad:
            check.add(place, "phones", bad)
            continue
        read = read_phone(text, region)
        if isinstance(read, str):
            check.add(place, "phones", read)
        elif read[0] not in out:
            out.append(read[0])
            forms.append(list(read[1]))
    return out, forms


@lru_cache(maxsize=4096)
def read_phone(text: str, region: str | None) -> tuple[str, tuple[str, str]] | str:
    """A phone as written in a roster, read in ``region``: its E.164 form and its
    ``[international, national]`` forms, or why it cannot be dialled.

    Cached by text and region. A directory names the same desk lines in roster after
    roster (a member's duty desk in each of its networks; one line for every officer of
    a desk): reading one with libphonenumber costs some 80 us (parse, validity, three
    formats), 2.1 s of the benchmark world's import, whose 25,900 phones are 1,000
    numbers. A directory of all different numbers pays that cost in full."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        hint = "" if region else " (write it in international form, +CC …)"
        return f"{clip(text)} is not a phone number{hint}"
    if number.extension:
        return (f"{clip(text)} has an extension, which cannot be dialled directly; "
                "give the direct number and put the extension in notes")
    if not phonenumbers.is_valid_number(number):
        return f"{clip(text)} is not a valid number for its country; check the digits"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), tuple(parsed_formats(number))


def _email(c: RawContact, check: _Checker) -> str:
    value = check.text(c, "email")
    if value and not EMAIL.match(value):
        check.add(c.places.get("email", c.where), "email", f"{clip(value)} is not an e-mail address")
    return value


def _languages(c: RawContact, check: _Checker) -> list[str]:
    out: list[str] = []
    for text in _list(c, check, "languages"):
        if not LANGUAGE.match(text):
            check.add(c.places.get("languages", c.where), "languages",
                      f"{clip(text)} is not a language code; use ISO 639-1 such as en, fr")
            continue
        tag = text.lower()
        if tag not in out:
            out.append(tag)
    return out
