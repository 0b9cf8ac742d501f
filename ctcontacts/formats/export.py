"""``export``: the directory out again, as JSON or CSV rosters (which import back to the
same thing), iCalendar events or vCard 4.0 contacts."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

from ..storage import marks

from ..storage import store
from ..domain.model import Roster
from .readers import CSV_COLUMNS, FORMAT, FORMULA_START


def _rosters(conn: sqlite3.Connection, network: str | None, member: str | None,
             parse: bool = False) -> list[Roster]:
    """The current rosters chosen; with ``parse``, duty as rules (held to the limits:
    a contact whose duty is beyond them has none, see ``store.load_duty``)."""
    rows = conn.execute(
        "SELECT network, member FROM rosters WHERE (? IS NULL OR network = ?) AND (? IS NULL OR member = ?) "
        "ORDER BY network, member", [network, network, member, member],
    ).fetchall()
    return [store.load_roster(conn, r["network"], r["member"], parse=parse) for r in rows]


def _mark_note(mark: dict | None) -> str:
    """The warning a calendar event or an address-book entry carries while the contact's
    reach change is unconfirmed (JSON and CSV are roster files: they carry no state)."""
    if not mark:
        return ""
    return f"{marks.MARK}: {marks.describe(mark)}; check it out of band before calling. "


def to_json(conn: sqlite3.Connection, network: str | None = None, member: str | None = None) -> str:
    """Rosters in the import format, with the network definitions the user added."""
    doc: dict = {"format": FORMAT}
    nets = [store.network_definition(conn, r[0]) for r in conn.execute("SELECT code FROM networks ORDER BY code")]
    nets = [n for n in nets if network is None or n["code"] == network]
    if nets:
        doc["networks"] = nets
    doc["rosters"] = [
        {"network": r.network, "member": r.member, "issued": r.issued, "demo": r.demo,
         "contacts": [c.as_dict() for c in r.contacts]}
        for r in _rosters(conn, network, member)
    ]
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def formula_safe(value: str) -> str:
    """What ``readers.unformula`` undoes: an apostrophe before a formula character, and
    before a value's own leading apostrophe (so that one survives the round trip)."""
    return "'" + value if value.startswith(FORMULA_START + ("'",)) else value


def to_csv(conn: sqlite3.Connection, network: str | None = None, member: str | None = None) -> str:
    """One row per duty rule (a contact without rules gets one row with an empty duty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in _rosters(conn, network, member):
        for c in r.contacts:
            base = {
                "network": r.network, "member": r.member, "issued": r.issued or "",
                "demo": "true" if r.demo else "", "id": c.id, "name": c.name,
                "agency": c.agency, "role": c.role, "rank": str(c.rank), "phones": ";".join(c.phones),
                "email": c.email, "secure_channel": c.secure_channel, "languages": ";".join(c.languages),
                "timezone": c.timezone, "verified": c.verified or "", "notes": c.notes,
            }
            for rule in c.duty or [None]:
                row = dict(base, duty=rule.text() if rule else "")
                writer.writerow([formula_safe(row[col]) for col in CSV_COLUMNS])
    return out.getvalue()


# --- vCard 4.0 (RFC 6350) -------------------------------------------------------------


def _vescape(value: str) -> str:
    """RFC 6350 §3.4: backslash, comma, semicolon and newline are escaped in text values."""
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (CRLF and one space), never inside a
    character: a cut that would fall on a UTF-8 continuation byte moves back to the
    character's first byte. (Cut on the encoded line, not character by character:
    a calendar of 50,000 shifts spent 0.7 s here.)"""
    data = line.encode("utf-8")
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, 74
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def to_vcf(conn: sqlite3.Connection, network: str | None = None, member: str | None = None) -> str:
    """Every contact as a vCard 4.0, for a phone's address book."""
    from ..domain.describe import describe_text
    from ..domain.members import member_label

    cards = []
    for r in _rosters(conn, network, member):
        flagged = marks.contact_marks(conn, r.network, r.member)
        for c in r.contacts:
            duty = "; ".join(describe_text(rule.text()) for rule in c.duty)
            note = f"{r.network} {member_label(r.member)}, rank {c.rank}. Duty ({c.timezone}): {duty or 'none'}."
            if c.secure_channel:
                note += f" Secure channel: {c.secure_channel}."
            note = _mark_note(flagged.get(c.id)) + note
            if r.demo:
                note = "DEMO DATA, fictional. " + note
            lines = [
                "BEGIN:VCARD",
                "VERSION:4.0",
                f"UID:urn:ctcontacts:{r.network}:{r.member}:{c.id}",
                f"FN:{_vescape(c.name)}",
                f"ORG:{_vescape(c.agency)}" if c.agency else "",
                f"ROLE:{_vescape(c.role)}" if c.role else "",
                f"TITLE:{_vescape(f'{r.network} point of contact, rank {c.rank}')}",
                *[f"TEL;VALUE=uri;TYPE=voice;PREF={i + 1}:tel:{p}" for i, p in enumerate(c.phones)],
                f"EMAIL;TYPE=work:{_vescape(c.email)}" if c.email else "",
                *[f"LANG;PREF={i + 1}:{lang}" for i, lang in enumerate(c.languages)],
                f"TZ;VALUE=text:{c.timezone}",
                f"NOTE:{_vescape(note)}",
                f"CATEGORIES:{_vescape('ctcontacts')},{_vescape(r.network)}",
                "END:VCARD",
            ]
            cards.append("\r\n".join(_fold(line) for line in lines if line))
    return "\r\n".join(cards) + ("\r\n" if cards else "")


# --- iCalendar (RFC 5545) ----------------------------------------------------------------

ICS_DAYS_BACK, ICS_DAYS_AHEAD = 90, 366


def _writable_whole(rules) -> bool:
    """Whether a contact's duty can be written as calendar events that mean exactly the
    same, whatever its dates: recurrences iCalendar can express (no years or months,
    a start on the rule), dated intervals, and dated 'off' intervals (written as
    EXDATEs and the parts of the instances they leave). That is all a calendar import
    gives. A weekly window, 24/7 or a recurring 'off' is written as its shifts instead."""
    from ..domain.rules import Interval, Off, Recurrence

    def whole(r) -> bool:
        if isinstance(r, Recurrence):
            return not r.length().years and not r.length().months and _starts_on_rule(r)
        return isinstance(r, Interval) or (isinstance(r, Off) and isinstance(r.rule, Interval))

    return bool(rules) and all(whole(r) for r in rules)


def _starts_on_rule(rule) -> bool:
    """In iCalendar DTSTART is always an occurrence; in the contract a start that does
    not match its rule is not. Such a recurrence is written as its shifts instead."""
    from dateutil.rrule import rrulestr

    return rrulestr(rule.rrule, dtstart=rule.start)[0] == rule.start


def _whole_day(rule) -> tuple | None:
    """A local interval from a midnight to a midnight ('2026-12-24/2026-12-27',
    '2026-12-05T00:00/P2D'): its first and its end date, written as an all-day event."""
    import datetime as dt

    from ..time.isotime import Stamp

    first, last = rule.start, rule.end
    if first is None or first.offset is not None or first.wall.time() != dt.time(0):
        return None
    if last is None:
        d = rule.duration
        if d.seconds or d.years or d.months:
            return None
        last = Stamp(first.wall + dt.timedelta(days=d.days))
    if last.offset is not None or last.wall.time() != dt.time(0):
        return None
    return first.wall.date(), last.wall.date()


def _whole_events(rules, zone, base: str, event, cal) -> list[str]:
    """A contact's duty written whole (``_writable_whole``): each recurrence an RRULE
    event in its own zone, with an EXDATE for each instance an 'off' interval touches
    and the parts of that instance it leaves as events of their own; each dated
    interval, less its 'off' parts, as events (all-day when it is whole local days).

    The dated events come back as text (``_dated_events``): a roster may hold 50,000
    dated shifts, and as icalendar objects they take ten seconds and 400 MB to write."""
    import datetime as dt
    import zoneinfo

    import icalendar

    from ..domain.engine import interval_span, merge, occurrences, subtract
    from ..domain.rules import Interval, Off, Recurrence

    utc = dt.timezone.utc
    offs = merge(interval_span(r.rule, zone) for r in rules if isinstance(r, Off))
    pieces: list[tuple[int, int]] = []
    days: dict[dt.date, dt.date] = {}
    recurrences = [r for r in rules if isinstance(r, Recurrence)]
    for i, rule in enumerate(recurrences):
        name = rule.timezone or zone.name  # a rule's own zone, else the contact's
        tz = zoneinfo.ZoneInfo(name)
        ev = event(f"{base}-rule{i}")
        ev.add("dtstart", rule.start.replace(tzinfo=tz))
        if rule.end is not None:  # ends on the wall clock: what DTEND means to calendars
            ev.add("dtend", rule.end.replace(tzinfo=tz))
        else:
            # Written as the rule says it (PT24H is exact hours, P1D a calendar day);
            # a timedelta would turn PT24H into P1D.
            ev["DURATION"] = icalendar.vText(str(rule.duration))
        text = rule.rrule
        if rule.until is not None:
            own = rule.in_zone(zone)
            instant = rule.until.instant if rule.until.offset is not None else own.to_utc(rule.until.wall)
            text += ";UNTIL=" + dt.datetime.fromtimestamp(instant, utc).strftime("%Y%m%dT%H%M%SZ")
        ev.add("rrule", icalendar.vRecur.from_ical(text))
        skipped = set()
        for s, e in offs:
            for wall, a, b in occurrences(rule, zone, s, e):
                if a < e and b > s and b > a and wall not in skipped:
                    skipped.add(wall)
                    pieces += subtract([(a, b)], offs)
        if skipped:
            ev.add("exdate", [w.replace(tzinfo=tz) for w in sorted(skipped)])
        cal.add_component(ev)
    for rule in rules:
        if not isinstance(rule, Interval):
            continue
        span = interval_span(rule, zone)
        left = subtract([span], offs)
        whole = _whole_day(rule) if left == [span] else None
        if whole is not None and whole[0] not in days:
            days[whole[0]] = whole[1]
        else:
            pieces += left
    dated = [(f"{base}-d{first:%Y%m%d}", f"DTSTART;VALUE=DATE:{first:%Y%m%d}", f"DTEND;VALUE=DATE:{last:%Y%m%d}")
             for first, last in sorted(days.items())]
    # Each shift as it is: merged, back-to-back shifts would hide their handovers.
    dated += [(f"{base}-{s}-{e}", f"DTSTART:{_utc_stamp(s)}", f"DTEND:{_utc_stamp(e)}") for s, e in sorted(set(pieces))]
    return _dated_events(event, dated)


def _utc_stamp(instant: int) -> str:
    from ..time.isotime import seconds_to_naive

    return seconds_to_naive(instant).strftime("%Y%m%dT%H%M%SZ")


def _dated_events(event, dated: list[tuple[str, str, str]]) -> list[str]:
    """Events of one contact that differ only in UID, DTSTART and DTEND, as text: the
    rest (summary, description, categories, stamp) is written once by icalendar and
    repeated, the three lines folded as RFC 5545 asks."""
    if not dated:
        return []
    template = event("template")
    del template["UID"]
    lines = template.to_ical().decode("utf-8").split("\r\n")
    head = "\r\n".join(lines[1:lines.index("END:VEVENT")])
    return [f"BEGIN:VEVENT\r\n{head}\r\n{_fold(f'UID:{uid}@ctcontacts')}\r\n{first}\r\n{last}\r\nEND:VEVENT\r\n"
            for uid, first, last in dated]


def to_ics(conn: sqlite3.Connection, network: str | None, member: str | None, start: int, end: int,
           stamp: int) -> str:
    """Each contact's duty as events. Duty made of recurrences and dated intervals (what
    a calendar import gives) is written whole, whatever its dates, so that the file
    imports back to the same duty: recurrences stay RRULEs (their meaning in RFC 5545
    is the contract's: wall-clock start in the zone, nominal days, exact hours; a rule
    given by its first shift's end gets DTEND), 'off' intervals become EXDATEs and the
    parts of the instances they leave. Other duty is written as the exact shifts
    within ``[start, end)``."""
    import datetime as dt

    import icalendar

    from ..domain.engine import duty_intervals
    from ..time.zones import lookup_zone

    utc = dt.timezone.utc
    dated: list[str] = []
    cal = icalendar.Calendar()
    cal.add("prodid", "-//ctcontacts//duty rosters//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "ctcontacts duty" + (f" {network}" if network else "") + (f" {member}" if member else ""))
    when = dt.datetime.fromtimestamp(stamp, utc)
    for r in _rosters(conn, network, member, parse=True):
        flagged = marks.contact_marks(conn, r.network, r.member)
        for c in r.contacts:
            rules = c.duty
            note = _mark_note(flagged.get(c.id))
            label = f"{c.name} on duty ({r.network} {r.member}, rank {c.rank})"
            if r.demo:
                label = "DEMO: " + label
            channels = ", ".join(c.phones + ([c.email] if c.email else []))

            def event(uid: str) -> icalendar.Event:
                ev = icalendar.Event()
                ev.add("uid", f"{uid}@ctcontacts")
                ev.add("dtstamp", when)
                ev.add("summary", label)
                ev.add("description", f"{note}Reach: {channels}. Zone: {c.timezone}.")
                ev.add("categories", [r.network, r.member])
                return ev

            base = f"{r.network}-{r.member}-{c.id}".replace(":", "-")
            zone = lookup_zone(c.timezone)
            if _writable_whole(rules):
                dated += _whole_events(rules, zone, base, event, cal)
                continue
            for s, e in duty_intervals(rules, zone, start, end):
                ev = event(f"{base}-{s}")
                ev.add("dtstart", dt.datetime.fromtimestamp(s, utc))
                ev.add("dtend", dt.datetime.fromtimestamp(e, utc))
                cal.add_component(ev)
    cal.add_missing_timezones()
    # icalendar adds the zones in the order of a set, which changes from one process
    # to the next: sorted by TZID, the same directory exports the same bytes.
    zones = sorted((x for x in cal.subcomponents if x.name == "VTIMEZONE"), key=lambda x: str(x["TZID"]))
    cal.subcomponents[:] = zones + [x for x in cal.subcomponents if x.name != "VTIMEZONE"]
    text = cal.to_ical().decode("utf-8")
    end_mark = "END:VCALENDAR\r\n"
    return text[:-len(end_mark)] + "".join(dated) + end_mark


FORMATS = ("json", "csv", "ics", "vcf")


def _selection(conn: sqlite3.Connection, network: str | None, member: str | None) -> str | None:
    """The network code to export (``None``: all), refusing what ``whois`` would refuse:
    an unknown network, and a member with no roster in the selection (an empty file
    would look like a directory with nobody in it)."""
    from ..base.errors import UsageError
    from ..domain.members import member_label

    code = store.find_network(conn, network).code if network is not None else None
    if member is not None and conn.execute(
        "SELECT 1 FROM rosters WHERE (? IS NULL OR network = ?) AND member = ? LIMIT 1", [code, code, member]
    ).fetchone() is None:
        where = f"in {code}" if code else "in any network"
        raise UsageError(f"{member_label(member)} has no roster {where}, so there is nothing to export; "
                         f"'ctcontacts members --network NETWORK' shows who has one.")
    return code


def export(conn: sqlite3.Connection, fmt: str, *, network: str | None = None, member: str | None = None,
           start: int | None = None, end: int | None = None, now: int = 0) -> str:
    from ..base.errors import UsageError

    if fmt not in FORMATS:
        from ..base.text import clip

        raise UsageError(f"unknown format {clip(fmt)}; use json, csv, ics or vcf.")
    network = _selection(conn, network, member)
    if fmt == "json":
        return to_json(conn, network, member)
    if fmt == "csv":
        return to_csv(conn, network, member)
    if fmt == "vcf":
        return to_vcf(conn, network, member)
    if fmt == "ics":
        lo = start if start is not None else now - ICS_DAYS_BACK * 86400
        hi = end if end is not None else now + ICS_DAYS_AHEAD * 86400
        return to_ics(conn, network, member, lo, hi, now)
    raise AssertionError(fmt)  # pragma: no cover
