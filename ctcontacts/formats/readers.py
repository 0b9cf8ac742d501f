"""Roster file readers: bytes in, raw rosters and problems out. They never write.

A reader checks the shape of its format (JSON structure, CSV header and row
grouping) and locates every value (JSON path or CSV row) so that validation
(``validate.py``) can report each problem with file, place and field.
"""

from __future__ import annotations

import csv
from array import array
import io
import itertools
import json
import re
from functools import lru_cache
from typing import BinaryIO, Callable, TextIO

from ..base.errors import Problem, Problems
from ..base import limits
from ..base.packed import PackedTexts
from ..base.values import field, value_class
from ..domain.model import CONTACT_FIELDS
from ..base.text import clip, shorten

FORMAT = "ctcontacts-roster/1"

ROSTER_FIELDS = ("network", "member", "issued", "contacts", "demo")
NETWORK_FIELDS = ("code", "name", "organization", "fallback")
TOP_FIELDS = ("format", "rosters", "networks")
# ``issued`` and ``demo`` are per roster: every row of one roster must agree on them.
CSV_COLUMNS = ("network", "member", "issued", "demo") + CONTACT_FIELDS
ROSTER_COLUMNS = ("network", "member", "issued", "demo")

# A spreadsheet runs a cell that starts with one of these as a formula. Export
# prefixes such a cell with an apostrophe (the spreadsheet convention for "text");
# import takes one such apostrophe off again, so values round-trip.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def unformula(value: str) -> str:
    """Take off the one apostrophe that export puts before a formula character or
    before an apostrophe of the value's own."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START + ("'",)) else value
CSV_ALIASES = {"country": "member"}


class RawDuty:
    """A contact's duty values as read, each with where it was written. From a CSV
    file, the row of each value (an array of row numbers, 4 bytes each) and the values
    packed (``PackedTexts``: a whole CSV file is held until every roster in it is
    complete; 1.5 million rules in one file: 278 MB peak with a list of texts, 163 packed); from a
    JSON file, the contact's path and the list as written (a value's place is its index).
    No place is spelled out until a problem needs it: a path string per rule cost a
    1.5-million-rule JSON import 90 MB. Iterates as (place, value)."""

    __slots__ = ("rows", "values", "path")

    def __init__(self, path: str | None = None, values: list | None = None):
        self.path = path
        self.rows = None if path is not None else array("I")
        self.values = values if values is not None else ([] if path is not None else PackedTexts())

    def append(self, row: int, value: object) -> None:
        """A value from CSV row ``row``."""
        self.rows.append(row)
        self.values.append(value)

    def where(self, place: int) -> str:
        """Where the value at ``place`` was written: ``row 7`` or ``rosters[0].contacts[1].duty[2]``."""
        return f"row {place}" if self.path is None else f"{self.path}.duty[{place}]"

    def clear(self) -> None:
        self.rows = None if self.path is not None else array("I")
        self.values = [] if self.path is not None else PackedTexts()

    def __iter__(self):
        return zip(self.rows, self.values) if self.path is None else enumerate(self.values)

    def __len__(self) -> int:
        return len(self.values)


@value_class
class RawContact:
    where: str  # "rosters[0].contacts[1]" or "row 4"
    values: dict[str, object]
    places: dict[str, str]  # field -> where it was written (row or path)
    duty: RawDuty = field(default_factory=RawDuty)  # its rules, each with where it was written
    reported: set[str] = field(default_factory=set)  # fields the reader already complained about


@value_class
class RawRoster:
    file: str
    where: str
    network: object
    member: object
    issued: object = None
    demo: bool = False
    contacts: list[RawContact] = field(default_factory=list)
    rejected_rows: int = 0  # rows the reader already reported; no knock-on "empty roster"


@value_class
class RawFile:
    file: str
    format: str  # "json" or "csv"
    rosters: list[RawRoster] = field(default_factory=list)
    networks: list[tuple[str, dict]] = field(default_factory=list)  # (where, definition)
    problems: list[Problem] = field(default_factory=Problems)
    calendar: bytes | None = None  # an iCalendar file's bytes
    # Set by the importer as the file is read: the SHA-256 of the bytes parsed, and the
    # check of its detached signature over those same bytes (``directory.signing``;
    # ``None``: no signature). Carried to each roster of the file, never looked up by name.
    sha256: str | None = None
    signature: object = None


HEAD = 1 << 16


def encoding_of(head: bytes) -> str:
    """UTF-16 when the file starts with its byte-order mark, else UTF-8 (BOM optional)."""
    return "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"


def undecodable_problem(name: str, data: bytes, encoding: str) -> Problem | None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as e:
        return Problem(
            name, f"byte offset {e.start}", "",
            f"byte 0x{data[e.start]:02x} is not valid {encoding.upper().replace('-SIG', '')} text; "
            "save the file as UTF-8 (nothing is guessed or replaced)",
        )
    return None


def binary_problem(name: str) -> Problem:
    return Problem(name, "file", "", "the file holds binary data (NUL bytes); it is not a roster")


FORMATS = ("json", "csv", "ics")
CALENDAR_SUFFIXES = (".ics", ".ical", ".ifb")


def detect_format(name: str, head: bytes) -> str:
    """``json``, ``csv`` or ``ics``: by the name's extension, else by the content."""
    lower = name.lower()
    if lower.endswith(CALENDAR_SUFFIXES):
        return "ics"
    if lower.endswith(".json"):
        return "json"
    if lower.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    return sniff(head)


def sniff(head: bytes) -> str:
    """The format of content without a telling name (standard input, ``roster.dat``):
    JSON starts with ``{``, iCalendar with ``BEGIN:VCALENDAR``, anything else is CSV
    (whose reader then says what is wrong with it)."""
    text = head.decode(encoding_of(head), errors="ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return "json"
    if text[:15].upper() == "BEGIN:VCALENDAR":
        return "ics"
    return "csv"


def read_file(name: str, source: BinaryIO, *, fmt: str | None = None, network: str | None = None,
              member: str | None = None, progress: Callable[[int], None] | None = None) -> RawFile:
    """Read one roster file from a seekable binary stream, in ``fmt`` if given, else by
    extension, else by content (``detect_format``). CSV is read row by row, so a large
    file is never held whole; ``progress`` is told how many bytes have been read as it goes."""
    head = source.read(HEAD)
    source.seek(0)
    fmt = fmt or detect_format(name, head)
    if fmt == "ics":
        # Read whole: the importer reads it against the roster it names (ics.py).
        raw = RawFile(name, "ics")
        raw.calendar = source.read()
        if not raw.calendar.strip():
            raw.problems.append(Problem(name, "file", "", "the file is empty"))
        return raw
    encoding = encoding_of(head)
    raw = RawFile(name, fmt)
    if not head.strip() and len(head) < HEAD:
        raw.problems.append(Problem(name, "file", "", "the file is empty"))
    elif encoding != "utf-16" and b"\x00" in head:
        raw.problems.append(binary_problem(name))
    else:
        stream = io.TextIOWrapper(source, encoding=encoding, errors="strict", newline="")
        try:
            if fmt == "json":
                _read_json(raw, stream, network, member, progress, source)
            else:
                _read_csv(raw, stream, network, member, progress, source)
        except UnicodeDecodeError:
            # Where exactly? Only this error path reads the whole file at once.
            source.seek(0)
            raw.rosters.clear()
            raw.networks.clear()
            raw.problems = Problems([undecodable_problem(name, source.read(), encoding)])
        finally:
            stream.detach()
    return raw


# --- JSON -----------------------------------------------------------------------


class _Repeated(dict):
    """A JSON object in which some key is written more than once. ``json`` keeps the
    last value and says nothing: in a tampered roster, a place to hide a second phone
    number or id behind the one a reviewer reads."""

    __slots__ = ("repeated",)


def _noting_repeats(found: list[_Repeated]) -> Callable[[list], dict]:
    """json's ``object_pairs_hook`` that makes each object a dict, and notes in ``found``
    those that repeat a key. It costs one ``dict()`` per object."""

    def pairs_hook(pairs: list[tuple[str, object]]) -> dict:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            obj = _Repeated(obj)
            counts: dict[str, int] = {}
            for key, _ in pairs:
                counts[key] = counts.get(key, 0) + 1
            obj.repeated = {k: n for k, n in counts.items() if n > 1}
            found.append(obj)
        return obj

    return pairs_hook


def _repeated_problem(name: str, where: str, key: str, n: int) -> Problem:
    times = "twice" if n == 2 else f"{n} times"
    return Problem(name, where, shorten(key, 60), f'the key "{shorten(key, 60)}" appears {times} in this object; '
                                                  "give it once")


def _repeated_keys(name: str, doc: object, found: list[_Repeated], where: str = "$") -> list[Problem]:
    """One problem per repeated key, at the JSON path of its object (``$``,
    ``rosters[0].contacts[1]``...; ``doc`` is at ``where``), in document order.
    Iterative: nesting as deep as ``json`` accepts does not exhaust the stack."""

    wanted = {id(obj) for obj in found}
    problems = []
    stack: list[tuple[str, object]] = [(where, doc)]
    while stack and wanted:
        where, value = stack.pop()
        if isinstance(value, dict):
            if id(value) in wanted:
                wanted.discard(id(value))
                for key, n in value.repeated.items():
                    problems.append(_repeated_problem(name, where, key, n))
            base = "" if where == "$" else f"{where}."
            stack.extend((f"{base}{shorten(k, 60)}", v) for k, v in reversed(value.items())
                         if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", value[i]) for i in range(len(value) - 1, -1, -1)
                         if isinstance(value[i], (dict, list)))
    return problems


# How much of a JSON file is read at a time; a value (one roster) may be longer, up to
# limits.MAX_WHOLE_FILE_BYTES characters, the most a JSON file could be when it was read whole.
JSON_CHUNK = 1 << 20
_JSON_SPACE = re.compile(r"[ \t\n\r]*")  # (as json skips it: one match, not a loop)


class _TooLong(Exception):
    """A JSON value longer than any roster within the limits."""


class _JsonText:
    """A JSON text read from a stream a piece at a time: ``buf[pos:]`` is what is read
    and not yet taken; what was taken is let go, with the count of its lines, so each
    problem still names the line and column json would name in the whole file."""

    def __init__(self, stream: TextIO, progress, source: BinaryIO):
        self.stream, self.progress, self.source = stream, progress, source
        self.buf, self.pos, self.eof = "", 0, False
        self.lines = 0  # lines let go
        self.column = 0  # characters let go since the last of them
        self.binary = False

    def more(self, want: int = 0) -> bool:
        """Read on (``want`` more characters, at least a chunk, unless the file ends);
        false at its end, with nothing changed. Else what was taken is let go: a place
        found in ``buf`` before this call is no longer one. (A ``UnicodeDecodeError``
        goes up to ``read_file``, which says at which byte.)"""
        if self.eof:
            return False
        chunk = self.stream.read(max(want, JSON_CHUNK))
        if self.progress is not None:
            self.progress(self.source.tell())
        if "\x00" in chunk:
            self.binary = True
            chunk = ""
        if not chunk:
            self.eof = True
            return False
        if self.pos:
            gone = self.buf[:self.pos]
            newline = gone.rfind("\n")
            if newline >= 0:
                self.lines += gone.count("\n")
                self.column = len(gone) - newline - 1
            else:
                self.column += len(gone)
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        return True

    def char(self) -> str:
        """The next character that is not white space ("" at the end), not taken."""
        while True:
            self.pos = _JSON_SPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def take(self, text: str) -> bool:
        if self.char() == text:
            self.pos += 1
            return True
        return False

    def value(self, decode) -> object:
        """The JSON value that starts here, taken whole. Raises ``json.JSONDecodeError``
        (its place in the whole file), or ``_TooLong``."""
        self.char()
        limit = limits.MAX_WHOLE_FILE_BYTES
        while True:
            pending = len(self.buf) - self.pos
            try:
                value, end = decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                into = e.pos - self.pos
                # Read on only where the value may be cut short by the end of what is
                # read (a string not yet closed, anything else failing at the end):
                # any other error is the file's, wherever it stands.
                if e.pos >= len(self.buf) - 6 or e.msg.startswith("Unterminated string"):
                    if pending > limit:
                        raise _TooLong() from None  # more than the limit read, and the value goes on
                    if self.more(min(pending, limit + 1 - pending)):  # twice as far, to just past the limit
                        continue
                raise self.located(json.JSONDecodeError(e.msg, self.buf, self.pos + into)) from None
            # A number may go on past what is read (``1e`` of ``1e400``): read on first.
            if len(self.buf) - end < 3 and not self.eof and pending <= limit and self.more(min(pending, 64)):
                continue
            if end - self.pos > limit:
                raise _TooLong()
            self.pos = end
            return value

    def located(self, e: json.JSONDecodeError) -> json.JSONDecodeError:
        """``e``, raised within ``buf``, with its line and column in the whole file."""
        before = self.buf.count("\n", 0, e.pos)
        column = e.pos - self.buf.rfind("\n", 0, e.pos) if before else self.column + e.pos + 1
        out = json.JSONDecodeError(e.msg, self.buf, e.pos)
        out.lineno, out.colno = self.lines + before + 1, column
        return out

    def syntax(self, expected: str) -> json.JSONDecodeError:
        return self.located(json.JSONDecodeError(expected, self.buf, self.pos))


def _read_json(raw: RawFile, stream: TextIO, network: str | None, member: str | None,
               progress, source: BinaryIO) -> None:
    """A JSON roster file read one roster at a time: the document as a whole is never
    held, only each roster as it is checked into ``raw`` (its rules packed, as CSV's).

    A roster file of 1.5 million rules in one JSON document peaked at 392 MB when it was
    parsed whole, 2.1 times its ten files of one network each; read this way, 193 MB.
    Every value is read by ``json`` itself, so what is valid JSON, and what json says of
    what is not, is unchanged (tests/test_json_stream.py holds it to ``json.loads`` of
    the whole document). Of the top level only the fields of a roster file are kept,
    and the first ``MAX_PROBLEMS`` others named."""
    import gc

    text = _JsonText(stream, progress, source)
    name = raw.file
    found: list[_Repeated] = []
    decode = json.JSONDecoder(object_pairs_hook=_noting_repeats(found)).raw_decode
    repeats: list[Problem] = []

    def checked(value: object, where: str) -> object:
        if found:
            repeats.extend(_repeated_keys(name, value, found, where))
            found.clear()
        return value

    top: dict[str, object] = {}
    seen: dict[str, int] = {}  # how often each key of the top level was written (the first ones)
    others = 0  # keys in ``seen`` that are no field of a roster file
    enabled = gc.isenabled()
    gc.disable()  # (the parse makes no reference cycles, only a great many containers)
    try:
        if text.char() != "{":  # a value, but no roster file: only what to say of it
            checked(text.value(decode), "$")
            if text.char() != "":
                raise text.syntax("Extra data")
            raw.problems.extend(repeats)
            raw.problems.append(Problem(name, "$", "", f"a roster file is a JSON object with \"format\": \"{FORMAT}\""))
            return
        text.pos += 1
        first = True
        while not text.take("}"):
            if not first and not text.take(","):
                raise text.syntax("Expecting ',' delimiter")
            first = False
            if text.char() != '"':
                raise text.syntax("Expecting property name enclosed in double quotes")
            key = text.value(decode)
            if not text.take(":"):
                raise text.syntax("Expecting ':' delimiter")
            if key in seen or key in TOP_FIELDS or others < limits.MAX_PROBLEMS:
                others += key not in seen and key not in TOP_FIELDS
                seen[key] = seen.get(key, 0) + 1
            if key == "rosters" and text.char() == "[":
                text.pos += 1
                top[key] = []
                index = 0
                while not text.take("]"):
                    if index and not text.take(","):
                        raise text.syntax("Expecting ',' delimiter")
                    where = f"rosters[{index}]"
                    r = checked(text.value(decode), where)
                    index += 1
                    if raw.problems.full:  # limits.MAX_PROBLEMS listed: the rest is not read
                        raw.problems.append(Problem(name, where, "", "reading stopped here"))
                        return
                    if _object(raw, where, r, ROSTER_FIELDS, "roster"):
                        _add_roster(raw, where, r, network, member)
            else:
                value = checked(text.value(decode), shorten(key, 60))
                if key in TOP_FIELDS:  # (another field's value is not kept: it is not read)
                    top[key] = value
        if text.char() != "":
            raise text.syntax("Extra data")
    except (json.JSONDecodeError, _TooLong, RecursionError) as e:
        # Not JSON, or not JSON a roster file can hold: that alone is said of the file.
        raw.rosters.clear()
        raw.networks.clear()
        if text.binary:  # (what could not be read was not text at all)
            problem = binary_problem(name)
        elif isinstance(e, json.JSONDecodeError):
            problem = Problem(name, f"line {e.lineno}, column {e.colno}", "", f"not valid JSON: {e.msg}")
        elif isinstance(e, _TooLong):
            n = limits.MAX_WHOLE_FILE_BYTES
            size = f"{n >> 20:,} MiB" if n >= 1 << 20 else f"{n:,} characters"
            problem = Problem(name, "file", "", f"it holds a JSON value of more than {size}; no roster within "
                                                "ctcontacts' limits is that long")
        else:  # absurd nesting
            problem = Problem(name, "file", "", f"the JSON cannot be read ({type(e).__name__}); it is not a roster")
        raw.problems = Problems([problem])
        return
    except ValueError as e:
        if isinstance(e, UnicodeDecodeError):
            raise  # read_file says at which byte
        raw.rosters.clear()
        raw.networks.clear()  # a 5,000-digit number
        raw.problems = Problems([Problem(name, "file", "", f"the JSON cannot be read ({type(e).__name__}); it is "
                                                           "not a roster")])
        return
    finally:
        if enabled:
            gc.enable()
    if text.binary:
        raw.rosters.clear()
        raw.problems = Problems([binary_problem(name)])
        return
    _json_top(raw, top, seen, repeats)


def _json_top(raw: RawFile, top: dict, seen: dict[str, int], repeats: list[Problem]) -> None:
    """The streamed document's own fields, once it is read: its format first (a file of
    another format is no roster file, whatever its rosters said), then the rest, in the
    order ``json.loads`` of the whole document would give them."""
    name = raw.file
    problems = Problems()
    for key, n in seen.items():
        if n > 1:
            problems.append(_repeated_problem(name, "$", key, n))
    problems.extend(repeats)  # (in document order, as _repeated_keys gives them)
    if top.get("format") != FORMAT:
        got = top.get("format")
        problems.append(Problem(name, "$", "format", f"this JSON is not a ctcontacts roster: \"format\" must be "
                                                     f"\"{FORMAT}\"" + (f", not {clip(got)}" if got is not None else "")))
        raw.rosters.clear()
        raw.problems = problems
        return
    for key in seen:
        if key not in TOP_FIELDS:
            if problems.full:
                break  # (each costs a search for the field meant; the rest would not be listed)
            problems.append(Problem(name, "$", shorten(key), _unknown(key, TOP_FIELDS)))
    found_in_rosters, raw.problems = raw.problems, problems
    raw.networks.extend(_objects(raw, top, "$", "networks", NETWORK_FIELDS, "network definition", []))
    if not isinstance(top.get("rosters"), list):
        problems.append(Problem(name, "$", "rosters", "must be a list of rosters"))
    problems.extend(found_in_rosters)


def _add_roster(raw: RawFile, where: str, r: dict, network: str | None, member: str | None) -> None:
    """One roster object of a JSON file, checked for its shape, into ``raw``."""
    name = raw.file
    roster = RawRoster(
        name, where,
        _pick(raw, where, "network", r.get("network"), network),
        _pick(raw, where, "member", r.get("member"), member),
        r.get("issued"),
        r.get("demo") is True,
    )
    if "demo" in r and not isinstance(r["demo"], bool):
        raw.problems.append(Problem(name, where, "demo", "must be true or false"))
    for cwhere, c in _objects(raw, r, where, "contacts", CONTACT_FIELDS, "contact"):
        values = {k: v for k, v in c.items() if k in CONTACT_FIELDS}
        contact = RawContact(cwhere, values, {k: cwhere for k in values})
        duty = c.get("duty")
        if duty is None:
            pass  # reported as missing by validation
        elif not isinstance(duty, list):
            raw.problems.append(Problem(name, cwhere, "duty", "must be a list of rules, e.g. [\"24/7\"]"))
        else:
            values["duty"] = []  # (what was written is held once, below)
            if all(type(v) is str for v in duty):
                # Packed, as CSV's are: a file's rosters are held until all are checked,
                # and 1.5 million rules as a list of texts took 100 MB more. (A lone
                # surrogate, which JSON may escape, is no UTF-8: kept as written, for
                # validation to say where it is.)
                packed = PackedTexts()
                try:
                    packed.extend(duty)
                    duty = packed
                except UnicodeEncodeError:
                    pass
            contact.duty = RawDuty(cwhere, duty)
        roster.contacts.append(contact)
    raw.rosters.append(roster)


def _objects(raw: RawFile, parent: dict, where: str, key: str, allowed: tuple[str, ...],
             what: str, default: object = None) -> list[tuple[str, dict]]:
    """The objects of the list ``parent[key]``, each with its JSON path; non-objects
    and unknown fields are reported (unknown fields are usually typos)."""
    items = parent.get(key, default)
    if not isinstance(items, list):
        raw.problems.append(Problem(raw.file, where, key, f"must be a list of {what}s"))
        return []
    base = "" if where == "$" else f"{where}."
    out = []
    for i, item in enumerate(items):
        place = f"{base}{key}[{i}]"
        if _object(raw, place, item, allowed, what):
            out.append((place, item))
    return out


def _object(raw: RawFile, place: str, item: object, allowed: tuple[str, ...], what: str) -> bool:
    """Whether ``item`` is an object; its unknown fields are reported."""
    if not isinstance(item, dict):
        raw.problems.append(Problem(raw.file, place, "", f"a {what} is an object"))
        return False
    for k in item:
        if k not in allowed:
            raw.problems.append(Problem(raw.file, place, shorten(k), _unknown(k, allowed)))
    return True


def _pick(raw: RawFile, where: str, key: str, written: object, option: str | None) -> object:
    """A roster's network/member: as written, else the command-line option; both must agree."""
    if written in (None, "") and option:
        return option
    if option and isinstance(written, str) and not _same_code(key, written, option):
        raw.problems.append(Problem(
            raw.file, where, key,
            f"the file says {clip(written)} but the command line says {clip(option)}; drop one of them",
        ))
    return written


@lru_cache(maxsize=4096)
def _member_key(text: str) -> str:
    """Rows saying 'France' and 'FR' belong to one roster. (Cached: asked once per row.)"""
    from ..domain.members import find_member

    return find_member(text) or text.strip().casefold()


def _same_code(key: str, a: str, b: str) -> bool:
    """Whether two spellings name the same network or member (``France`` is ``FR``)."""
    if a.strip().casefold() == b.strip().casefold():
        return True
    if key == "member":
        from ..domain.members import find_member

        return find_member(a) is not None and find_member(a) == find_member(b)
    return False


def _unknown(key: str, allowed: tuple[str, ...]) -> str:
    from ..base.text import close_matches

    close = close_matches(str(key).strip().lower(), allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
    return f"unknown field {clip(key)}{hint}"


# --- CSV ------------------------------------------------------------------------


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


PROGRESS_EVERY = 10_000  # rows


def _read_csv(raw: RawFile, stream: TextIO, network: str | None, member: str | None,
              progress: Callable[[int], None] | None, source: BinaryIO) -> None:
    """Read a CSV roster file row by row into ``raw``: a header, then one duty rule a row."""
    first = stream.readline()
    # strict: a quote that opens a cell and is never closed is an error, not a cell that
    # swallows the rest of the file (which would then be reported as missing columns).
    reader = csv.reader(itertools.chain([first], stream), delimiter=_sniff_delimiter(first), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as e:
        raw.problems.append(Problem(raw.file, "row 1", "", f"cannot read the header: {_csv_error(e)}"))
        return
    columns = _csv_columns(raw, header, network, member)
    if columns is None:
        return
    rows = _CsvRows(raw, header, columns, network, member)
    index = 1
    try:
        for index, cells in enumerate(reader, start=2):
            if progress is not None and index % PROGRESS_EVERY == 0:
                progress(source.tell())
            if rows.next_shift is not None and rows.next_shift.takes(index, cells):
                rows.count += 1
                continue
            if raw.problems.full:  # limits.MAX_PROBLEMS listed: the rest of the file is not read
                raw.problems.append(Problem(raw.file, f"row {index}", "", "reading stopped here"))
                break
            if not rows.row(index, cells):
                return  # binary data: nothing more is read
    except csv.Error as e:
        # The row being read when it failed is the one after the last row read.
        raw.problems.append(Problem(raw.file, f"row {index + 1}", "", _csv_error(e)))
        return
    rows.finish()


def _csv_error(e: csv.Error) -> str:
    """What Python's CSV reader could not read, said for whoever wrote the file."""
    text = str(e)
    if "unexpected end of data" in text or "EOF" in text:
        return ('a quote (") opens a cell here and is never closed; close it, or remove it if the cell '
                "is not quoted")
    if "expected after" in text:
        return ('a quoted cell goes on after its closing quote; quote the whole cell, and write a quote '
                'inside it as two ("")')
    return f"cannot read the CSV: {text}"


def _csv_columns(raw: RawFile, header: list[str], network: str | None, member: str | None) -> list[str | None] | None:
    """The column each header cell names (``None`` for an empty or refused one), or
    ``None`` when a required column is missing."""
    columns: list[str | None] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        key = h.strip().lower()
        key = CSV_ALIASES.get(key, key)
        if not key:
            columns.append(None)
            continue
        if key not in CSV_COLUMNS:
            raw.problems.append(Problem(raw.file, "row 1", shorten(h.strip()), _unknown(key, CSV_COLUMNS)))
            columns.append(None)
            continue
        if key in seen:
            raw.problems.append(Problem(raw.file, "row 1", key,
                                        f"the column appears twice (columns {seen[key] + 1} and {i + 1})"))
            columns.append(None)
            continue
        seen[key] = i
        columns.append(key)
    required = ["id", "name", "timezone", "duty"]
    if not network:
        required.insert(0, "network")
    if not member:
        required.insert(1, "member")
    missing = [c for c in required if c not in seen]
    if missing:
        hint = "; give --network/--country on the command line or add the column" if set(missing) & {
            "network", "member"} else ""
        raw.problems.append(Problem(raw.file, "row 1", "", f"missing column(s): {', '.join(missing)}{hint}"))
        return None
    return columns


class _NextShift:
    """A fast path: the row that repeats the last clean row but for its duty is that
    contact's next shift, and needs none of the checks the last one passed. A year of
    12-hour shifts is 700 such rows per contact. Reading 200,000 rows of 50 contacts,
    each contact's rows together, takes 0.21 s with it and 1.24 s without (every row
    split into a dict and checked again); rows of contacts that alternate gain nothing."""

    __slots__ = ("width", "duty_at", "before", "after", "add_place", "add_value")

    def __init__(self, cells: list[str], duty_at: int, contact: RawContact):
        self.width, self.duty_at = len(cells), duty_at
        self.before, self.after = cells[:duty_at], cells[duty_at + 1:]
        # Bound once: this runs for most rows of a big file.
        self.add_place, self.add_value = contact.duty.rows.append, contact.duty.values.append

    def takes(self, index: int, cells: list[str]) -> bool:
        """Whether ``cells`` is the same contact's next shift; if so, its duty is added."""
        if len(cells) != self.width:
            return False
        duty = cells[self.duty_at].strip()
        if not duty or "\x00" in duty or cells[:self.duty_at] != self.before or cells[self.duty_at + 1:] != self.after:
            return False
        self.add_place(index)
        self.add_value(unformula(duty) if duty[0] == "'" else duty)
        return True


class _CsvRows:
    """The rows of one CSV file, grouped into rosters and contacts as they come."""

    def __init__(self, raw: RawFile, header: list[str], columns: list[str | None], network: str | None,
                 member: str | None):
        self.raw, self.columns, self.network, self.member = raw, columns, network, member
        self.unnamed = [i for i, h in enumerate(header) if not h.strip()]
        self.duty_at = columns.index("duty")
        self.rosters: dict[tuple[str, str], RawRoster] = {}
        self.contacts: dict[tuple[str, str, str], tuple[RawContact, int]] = {}
        self.rows_of: dict[int, int] = {}  # rows per contact (by id())
        self.empty: list[tuple[RawContact, int]] = []  # rows with no duty
        self.count = 0  # data rows
        self.next_shift: _NextShift | None = None

    def problem(self, where: str, field_: str, reason: str) -> None:
        self.raw.problems.append(Problem(self.raw.file, where, field_, reason))

    def row(self, index: int, cells: list[str]) -> bool:
        """Take one row (not the next shift of the last one); ``False`` for binary data."""
        self.next_shift = None
        raw, columns, where = self.raw, self.columns, f"row {index}"
        before = len(raw.problems)
        if not any(c.strip() for c in cells):
            return True  # blank rows (spreadsheets add them at the end)
        self.count += 1
        if any("\x00" in c for c in cells):
            raw.problems.append(binary_problem(raw.file))
            raw.rosters.clear()
            return False
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns):]):
            self.problem(where, "", f"the row has {len(cells)} cells but the header has {len(columns)} columns")
            return True
        for i in self.unnamed:
            if i < len(cells) and cells[i].strip():
                self.problem(where, "", f"column {i + 1} holds {clip(cells[i].strip())} but has no header; "
                             "name the column or empty it")
        row = {col: unformula(cells[i].strip()) for i, col in enumerate(columns) if col and i < len(cells)}
        roster = self._roster(where, row)
        cid = row.get("id", "")
        if not cid:
            self.problem(where, "id", "is required")
            roster.rejected_rows += 1
            return True
        contact = self._contact(index, where, roster, row, cid)
        duty = row.get("duty", "")
        self.rows_of[id(contact)] = self.rows_of.get(id(contact), 0) + 1
        if duty:
            contact.duty.append(index, duty)  # a row number: cheaper than a string per row
            if len(raw.problems) == before:
                self.next_shift = _NextShift(cells, self.duty_at, contact)
        else:
            self.empty.append((contact, index))
        return True

    def _roster(self, where: str, row: dict) -> RawRoster:
        """The roster a row belongs to (network and member, as written or given)."""
        network, member = self.network, self.member
        net = row.get("network") or network or ""
        mem = row.get("member") or member or ""
        if network and row.get("network") and not _same_code("network", row["network"], network):
            self.problem(where, "network", f"the row says {clip(row['network'])} but --network says {clip(network)}")
        if member and row.get("member") and not _same_code("member", row["member"], member):
            self.problem(where, "member", f"the row says {clip(row['member'])} but --country says {clip(member)}")
        key = (net.strip().casefold(), _member_key(mem))
        roster = self.rosters.get(key)
        if roster is None:
            roster = self.rosters[key] = RawRoster(self.raw.file, where, net, mem)
        issued = row.get("issued") or None
        demo = (row.get("demo") or "").lower()
        if demo not in ("", "true", "false"):
            self.problem(where, "demo", "must be true, false or empty")
        demo = demo == "true"
        if roster.contacts or roster.rejected_rows:
            if issued != roster.issued:
                self.problem(where, "issued", f"the roster's other rows say {_show(roster.issued)}, this row "
                             f"{_show(issued)}; give one date per roster")
            if demo != roster.demo:
                self.problem(where, "demo", "the roster's rows disagree on demo; give it once per roster")
        roster.issued, roster.demo = issued, demo
        return roster

    def _contact(self, index: int, where: str, roster: RawRoster, row: dict, cid: str) -> RawContact:
        """The contact a row belongs to; its other cells must agree with its first row's."""
        values = {k: v for k, v in row.items() if k not in ROSTER_COLUMNS + ("duty",) and v != ""}
        for k in ("phones", "languages"):
            if k in values:
                values[k] = [x.strip() for x in str(values[k]).split(";") if x.strip()]
        key = (roster.network.strip().casefold() if isinstance(roster.network, str) else "",
               _member_key(roster.member) if isinstance(roster.member, str) else "", cid)
        if key in self.contacts:
            contact, first_row = self.contacts[key]
            for k in set(values) | set(contact.values):
                if values.get(k) != contact.values.get(k):
                    self.problem(where, k, f"contact {clip(cid)} has {_show(values.get(k))} here but "
                                 f"{_show(contact.values.get(k))} in row {first_row}; "
                                 "rows of one contact must agree on everything but duty")
            return contact
        contact = RawContact(where, values, {k: where for k in values})
        self.contacts[key] = (contact, index)
        roster.contacts.append(contact)
        return contact

    def finish(self) -> None:
        raw = self.raw
        for contact, index in self.empty:
            # A contact's only row may leave duty empty: a contact with no duty rules (an
            # export writes one so). Among several rows, an empty duty is never dropped silently.
            if self.rows_of[id(contact)] > 1:
                self.problem(f"row {index}", "duty", "is empty; each row gives one duty rule")
                contact.reported.add("duty")
            else:
                contact.values["duty"] = []
        if not self.count:
            self.problem("file", "", "the CSV has a header but no rows")
        raw.rosters.extend(self.rosters.values())


def _show(value: object) -> str:
    if value is None or value == "":
        return "nothing"
    if isinstance(value, list):
        return clip("; ".join(value))
    return clip(value)
