"""The documentation says what the program does, and a test holds it to that.

README.md and every page in docs/ are read here:

- **```console blocks are run.** A line ``$ ctcontacts ARGS`` is a command; the lines
  after it, up to the next ``$`` line or the end of the block, are what it prints,
  standard error and standard output together as a terminal shows them. Each page is one
  session: a working directory of its own holding a fresh demo database (``ctcontacts
  --db demo.db demo``) named by ``CTCONTACTS_DB=demo.db``; its commands run in the order
  of the page, through the program's real entry point, with ``CTCONTACTS_NOW`` pinned to
  2026-11-29T02:00:00Z, ``TZ=UTC``, ``COLUMNS=100`` and the OS user ``officer``.
  ``NAME=value`` words before ``ctcontacts`` add to that environment for one command
  (``$ COLUMNS=120 ctcontacts now ...``). A command must exit 0 unless its line ends in a
  comment that says otherwise: ``$ ctcontacts whois -c IT -n ftf   # exit 1: ...``.
- **Output is compared as text**, line by line, trailing spaces ignored. A line that is
  only ``…`` stands for any number of lines (none included).
- **A command with ``--json`` has its output compared as JSON**: the JSON document
  shown (pretty or compact) must equal the one printed on standard output, and the lines
  shown before and after it are what it printed on standard error. In that JSON, ``…``
  is an elision: as a value it matches any value; as the last item of a list, any
  further items (none included); as a member of an object (a bare ``…`` among the
  members), any further members; at the end of a string (``"9f2c…"``), any rest of it.
- **```json file=NAME blocks are files** written into the page's working directory when
  the page reaches them, for the commands after them to use.
- **Commands that are only illustrations** (```sh, ```cron, and lines in ```console
  blocks too) must parse: every ``ctcontacts`` command in them (also after ``|``,
  ``&&``, ``;``) names a command that exists, with options it has and values of the right
  kind, as the real command line would parse them. Inline code that starts with
  ``ctcontacts `` names an existing command and options; inline code that starts with
  ``--`` names an option some command has.
- **Quoted error messages are the program's**: each message in docs/rosters.md,
  "Common errors", is produced by importing a small bad file, and each message
  docs/operations.md quotes by the case it describes (``…`` in a message stands for any
  text).
- docs/performance.md says which targets are met as benchmarks/results.md's figures say.
- The README keeps its quick start and test command as written (a hook and .ci/run use
  them), and stays short.
- Relative links lead to files that exist, and their ``#anchors`` to headings there.

To bring the text outputs back in step after a deliberate change of what the program
prints, run ``CTCONTACTS_DOCS_WRITE=1 python -m pytest tests/test_docs.py``: text
outputs that leave no line out are rewritten with what the program now prints (so is
JSON shown as nothing at all), and the test fails once to have the diff reviewed.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import json
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ctcontacts.base import limits
from ctcontacts.domain.rules import parse_rule

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "rosters.md").read_text(encoding="utf-8")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Where the command line lives: the Typer app, for parsing illustrative commands. The
# program's entry point itself is read from pyproject.toml ([project.scripts]).
TYPER_APP = ("ctcontacts.cli.app", "app")

# What every example runs with (the page's session adds CTCONTACTS_DB=demo.db).
EXAMPLE_ENV = {"CTCONTACTS_NOW": "2026-11-29T02:00:00Z", "TZ": "UTC", "COLUMNS": "100", "LINES": "50",
               "LOGNAME": "officer", "USER": "officer"}
# Anything that would make rich or Typer draw in colour or at another width.
UNSET_ENV = ("FORCE_COLOR", "NO_COLOR", "PY_COLORS", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
             "TERMINAL_WIDTH", "GITHUB_ACTIONS", "JUPYTER_COLUMNS", "JUPYTER_LINES", "CTCONTACTS_BUSY_TIMEOUT_MS")
ELISION = "…"
SHELL_LANGS = {"sh", "shell", "bash", "cron"}
# Options that inline code names for other programs: benchmarks/run.py.
OTHER_OPTIONS = {"--repeat", "--import-repeat"}
# Linked from here, written on another branch (issue 12): checked once it is here.
PENDING_FILES: set[Path] = set()
WRITE = os.environ.get("CTCONTACTS_DOCS_WRITE") == "1"


def section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end != -1 else None]


def test_the_full_json_example_imports(tmp_path, cli):
    block = DOC.split("```json\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.json"
    path.write_text(block, encoding="utf-8")
    result = cli("import", path, "--dry-run")
    assert result.exit_code == 0, result.output


def test_every_duty_example_parses():
    """Every rule in the staffing patterns and in the rule table of section 4."""
    rules = []
    for block in re.findall(r"```json\n(.*?)```", section("5. Common staffing patterns"), re.S):
        for line in block.splitlines():
            if line.strip().startswith('"duty"') or line.startswith("         "):
                text = line.split(":", 1)[1] if line.strip().startswith('"duty"') else line
                rules.extend(json.loads("[" + text.strip().strip("[],") + "]"))
    table = section("4. Duty rules").split("| form |", 1)[1].split("\n\n", 1)[0]
    for row in table.splitlines()[2:]:
        example = row.split("|")[2]
        for text in re.findall(r"`([^`]+)`", example):
            rules.append(json.loads(text) if text.startswith("{") and "…" not in text else text)
    rules = [r for r in rules if not (isinstance(r, str) and "…" in r)]
    assert len(rules) > 25
    for rule in rules:
        parse_rule(rule)


def test_the_limits_section_states_the_limits():
    text = section("6. Limits")
    numbers = [limits.MAX_PHONES, limits.MAX_PHONE_CHARS, limits.MAX_LANGUAGES, limits.MAX_NETWORK_NAME_CHARS,
               limits.MAX_CONTACTS_PER_ROSTER, limits.MAX_RULES_PER_CONTACT, limits.MAX_RULES_PER_ROSTER,
               limits.MAX_RECURRING_RULES_PER_CONTACT, limits.MAX_ROSTER_STARTS_PER_DAY, limits.MAX_RULE_CHARS,
               limits.MAX_STARTS_PER_DAY, limits.MAX_OCCURRENCE_DAYS, limits.MAX_OVERLAP, limits.MAX_COUNT,
               limits.MAX_COUNT_YEARS, limits.MAX_ROSTERS_PER_NETWORK, limits.MAX_PROBLEMS,
               *limits.MAX_FIELD_CHARS.values()]
    for n in numbers:
        assert f"{n:,}" in text, n
    assert f"{limits.MAX_FILE_BYTES >> 30} GiB" in text and f"{limits.MAX_WHOLE_FILE_BYTES >> 20} MiB" in text
    for freq in limits.RECURRENCE_FREQS:
        assert f"`{freq}`" in text
    for field_, most in limits.MAX_FIELD_CHARS.items():
        row = next(line for line in text.splitlines() if f"`{field_}`" in line and line.startswith("|"))
        assert f"{most:,}" in row, field_


def test_the_calendars_page_shows_rules_as_they_are_stored():
    """docs/calendars.md's examples of what a calendar is kept as are rules, written as
    ctcontacts writes them back."""
    page = (ROOT / "docs" / "calendars.md").read_text(encoding="utf-8")
    table = page.split("| in the calendar | kept as |", 1)[1].split("\n\n", 1)[0]
    examples = [t for t in re.findall(r"`([^`]+)`", table) if "/" in t]
    assert len(examples) >= 4
    for text in examples:
        assert parse_rule(text).text() == text


# --- Reading the pages ---------------------------------------------------------------


@dataclass
class Block:
    page: Path
    lang: str
    attrs: dict
    lines: list[str]
    first: int  # line number (1-based) of the first line inside the fence
    indent: str = ""  # a block inside a list item is indented

    def where(self, index: int = 0) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.first + index}"


def blocks(page: Path) -> list[Block]:
    found, current = [], None
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if current is None:
            m = re.match(r"^( *)```(\S*)(.*)$", line)
            if m:
                attrs = dict(a.split("=", 1) for a in m.group(3).split() if "=" in a)
                current = Block(page, m.group(2), attrs, [], number + 1, m.group(1))
        elif line.strip().startswith("```"):
            found.append(current)
            current = None
        else:
            current.lines.append(line[len(current.indent):] if line.startswith(current.indent) else line)
    assert current is None, f"{page.relative_to(ROOT)}: a code block is not closed"
    return found


def prose(page: Path) -> str:
    """The page without its fenced blocks."""
    return re.sub(r"^ *```.*?^ *```[^\n]*$", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)


def comment_of(line: str) -> tuple[str, str]:
    """A shell line split at its comment (a ``#`` outside quotes, after a blank)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line, ""


def shell_commands(line: str) -> list[list[str]]:
    """The ctcontacts command lines in one shell line: each simple command (split at
    ``|``, ``&&``, ``||``, ``;``) whose program, after any NAME=value words, is
    ctcontacts; its arguments, without the program."""
    lex = shlex.shlex(comment_of(line)[0], posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    found, words, redirected = [], [], False
    for token in [*lex, ";"]:
        if redirected:  # the target of a redirection is no argument
            redirected = False
        elif token and set(token) <= set("<>&") and "&&" not in token:
            redirected = True
            if words and words[-1].isdigit():
                words.pop()  # 2>/dev/null
        elif token and set(token) <= set("|&;()"):
            while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
                words.pop(0)
            if words and os.path.basename(words[0]) == "ctcontacts":
                found.append(words[1:])
            words = []
        else:
            words.append(token)
    return found


@dataclass
class Example:
    block: Block
    index: int  # of the $ line within the block
    env: dict
    argv: list[str]
    exit_code: int
    expected: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)  # the lines after the $ line, as written

    @property
    def where(self) -> str:
        return self.block.where(self.index)

    @property
    def json_mode(self) -> bool:
        return "--json" in self.argv


def examples(block: Block) -> list[Example]:
    found = []
    for index, line in enumerate(block.lines):
        if line.startswith("$ "):
            command, comment = comment_of(line[2:])
            words = shlex.split(command)
            env = {}
            while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
                name, _, value = words.pop(0).partition("=")
                env[name] = value
            assert words and words[0] == "ctcontacts", f"{block.where(index)}: a console example runs ctcontacts"
            m = re.match(r"exit (\d+)", comment)
            found.append(Example(block, index, env, words[1:], int(m.group(1)) if m else 0))
        else:
            assert found, f"{block.where(index)}: output before any $ command"
            found[-1].raw.append(line)
            found[-1].expected.append(line.rstrip())
    for ex in found:
        while ex.expected and not ex.expected[-1]:
            ex.expected.pop()
    return found


# --- The command line, as Click parses it --------------------------------------------


@functools.cache
def typer_group():
    """The Click group of the Typer app: at TYPER_APP, else the one Typer app in the
    package, wherever it has moved."""
    import pkgutil

    import typer
    import typer.main

    import ctcontacts

    module, name = TYPER_APP
    try:
        app = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        apps = {id(value): value
                for found in pkgutil.walk_packages(ctcontacts.__path__, "ctcontacts.")
                if not found.name.endswith("__main__")
                for value in vars(importlib.import_module(found.name)).values() if isinstance(value, typer.Typer)}
        (app,) = apps.values()
    return typer.main.get_command(app)


def entry_point():
    """The function the installed ``ctcontacts`` script calls."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    module, name = re.search(r'^ctcontacts\s*=\s*"([\w.]+):(\w+)"', text, re.M).groups()
    return getattr(importlib.import_module(module), name)


def option_names(command) -> dict:
    import click

    return {name: p for p in command.params if isinstance(p, click.Option) for name in (*p.opts, *p.secondary_opts)}


def split_global(argv: list[str]) -> tuple[str | None, list[str], str | None]:
    """``ctcontacts [GLOBAL OPTIONS] COMMAND REST``: (COMMAND or None, REST, a problem)."""
    globals_ = option_names(typer_group())
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        name, eq, _ = argv[i].partition("=")
        option = globals_.get(name)
        if option is None:
            return None, [], f"no global option {name}"
        i += 1
        if not option.is_flag and not eq:
            if i >= len(argv):
                return None, [], f"{name} needs a value"
            i += 1
    if i == len(argv):
        return None, [], None if "--version" in argv or "--help" in argv else "no command"
    return argv[i], argv[i + 1:], None


def parse_problem(argv: list[str], strict: bool = True) -> str | None:
    """Why ``ctcontacts ARGV`` would not parse, or None. ``strict``: also required
    options, values and their types, as Click checks them before a command runs."""
    import click

    group = typer_group()
    name, rest, problem = split_global(argv)
    if name is None:
        return problem
    command = group.commands.get(name)
    if command is None:
        return f"no command {name!r}"
    if isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        # A command of commands (``trust add``): the one it names, with the rest.
        name, command, rest = f"{name} {rest[0]}", command.commands.get(rest[0]), rest[1:]
        if command is None:
            return f"no command {name!r}"
    if not strict:
        known = option_names(command)
        for word in rest:
            if word == "--":
                break
            if word.startswith("-") and len(word) > 1 and word.partition("=")[0] not in known:
                return f"{name} has no option {word.partition('=')[0]}"
        return None
    try:
        command.make_context(name, list(rest), parent=click.Context(group, info_name="ctcontacts"))
    except click.exceptions.Exit:
        pass
    except click.UsageError as e:
        return f"{name}: {e.format_message()}"
    return None


# --- Running examples -----------------------------------------------------------------


class Capture:
    """Standard output or error: what was written, in order, into one shared list."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, name: str, events: list):
        self.name, self.events = name, events

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("write() argument must be str")  # a text stream, as Click probes it
        self.events.append((self.name, text))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@dataclass
class Run:
    code: int
    events: list

    def text(self, stream: str | None = None) -> str:
        return "".join(t for s, t in self.events if stream in (None, s))

    def stderr_split(self) -> tuple[str, str]:
        """Standard error written before the first output, and after it."""
        before, after, seen = [], [], False
        for s, t in self.events:
            seen = seen or (s == "out" and bool(t))
            if s == "err":
                (after if seen else before).append(t)
        return "".join(before), "".join(after)


def run(argv: list[str], env: dict, monkeypatch) -> Run:
    main = entry_point()
    events: list = []
    with monkeypatch.context() as m:
        for name in UNSET_ENV:
            m.delenv(name, raising=False)
        for name, value in {**EXAMPLE_ENV, **env}.items():
            m.setenv(name, value)
        m.setattr(sys, "argv", ["ctcontacts", *argv])
        m.setattr(sys, "stdout", Capture("out", events))
        m.setattr(sys, "stderr", Capture("err", events))
        try:
            main()
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return Run(code, events)


def lines_of(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def lines_match(expected: list[str], actual: list[str]) -> bool:
    pattern = "".join(r"(?:[^\n]*\n)*?" if line == ELISION else re.escape(line) + r"\n" for line in expected)
    return re.fullmatch(pattern, "".join(line + "\n" for line in actual)) is not None


def split_json(lines: list[str]) -> tuple[list[str], str, list[str]]:
    """Lines shown before a JSON document, the document (with bare ``…`` made strings:
    ``"…"`` as a value, ``"…": "…"`` as an object member), and the lines after it."""
    start = next((i for i, line in enumerate(lines) if line[:1] in "{["), None)
    if start is None:
        return lines, "", []
    text = "\n".join(lines[start:])
    out, stack, quote, escape = [], [], False, False
    for i, ch in enumerate(text):
        if quote:
            out.append(ch)
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                quote = False
            continue
        if ch == ELISION:
            after_key = "".join(out).rstrip().endswith(":")
            out.append('"…": "…"' if stack and stack[-1] == "{" and not after_key else '"…"')
            continue
        out.append(ch)
        if ch == '"':
            quote = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]":
            stack.pop()
            if not stack:
                rest = text[i + 1:].split("\n")
                assert not rest[0].strip(), f"text after the JSON document on its line: {rest[0]!r}"
                return lines[:start], "".join(out), rest[1:]
    raise AssertionError("the JSON document is not closed")


def json_mismatch(expected, actual, path: str = "$") -> str | None:
    """Where ``actual`` differs from ``expected`` (with its elisions), or None."""
    if expected == ELISION:
        return None
    if isinstance(expected, str) and expected.endswith(ELISION):
        ok = isinstance(actual, str) and actual.startswith(expected[:-1])
        return None if ok else f"{path}: {actual!r} does not start with {expected[:-1]!r}"
    if isinstance(expected, list) and isinstance(actual, list):
        open_ended = bool(expected) and expected[-1] == ELISION
        head = expected[:-1] if open_ended else expected
        if len(actual) < len(head) or (not open_ended and len(actual) != len(head)):
            return f"{path}: {len(actual)} items, the page shows {len(head)}{' or more' if open_ended else ''}"
        return next((m for i, e in enumerate(head) if (m := json_mismatch(e, actual[i], f"{path}[{i}]"))), None)
    if isinstance(expected, dict) and isinstance(actual, dict):
        keys = [k for k in expected if k != ELISION]
        missing = [k for k in keys if k not in actual]
        extra = [] if ELISION in expected else [k for k in actual if k not in expected]
        if missing or extra:
            return f"{path}: members missing {missing}, not shown {extra}"
        return next((m for k in keys if (m := json_mismatch(expected[k], actual[k], f"{path}.{k}"))), None)
    if type(expected) is type(actual) and expected == actual:
        return None
    return f"{path}: {json.dumps(actual)}, the page shows {json.dumps(expected)}"


def mismatch(ex: Example, result: Run) -> str | None:
    """What differs between an example and its run, or None."""
    if "\x1b" in result.text():
        return "the output holds terminal escape codes (colour): the example environment leaks"
    problems = []
    if result.code != ex.exit_code:
        problems.append(f"exit code {result.code}, the page says {ex.exit_code}"
                        + ("" if ex.exit_code else " (say '# exit N' at the end of the command line)"))
    if not ex.json_mode:
        actual = lines_of(result.text())
        if not lines_match(ex.expected, actual):
            problems.append("output differs:\n" + "\n".join(difflib.unified_diff(
                ex.expected, actual, "the page", "the program", lineterm="")))
        return "\n".join(problems) or None
    before, document, after = split_json(ex.expected)
    printed = result.text("out")
    if document:
        try:
            want = json.loads(document)
        except json.JSONDecodeError as e:
            return f"the page's JSON does not parse: {e}"
        try:
            where = json_mismatch(want, json.loads(printed))
        except json.JSONDecodeError:
            where = "standard output is not JSON"
        if where:
            problems.append(f"JSON differs at {where}; the program printed:\n{printed}")
    elif lines_of(printed):
        problems.append("the page shows no JSON; the program printed:\n" + printed)
    stderr = lines_of(result.text("err"))
    if not lines_match(before + after, stderr):
        problems.append("standard error differs:\n" + "\n".join(difflib.unified_diff(
            before + after, stderr, "the page", "the program", lineterm="")))
    return "\n".join(problems) or None


def rewritten(ex: Example, result: Run) -> list[str] | None:
    """The example's output as the program now prints it, when it can be written back."""
    if not ex.json_mode:
        return None if ELISION in ex.expected else lines_of(result.text())  # a line left out
    if ex.expected:
        return None
    before, after = map(lines_of, result.stderr_split())
    return before + lines_of(result.text("out")) + after


def pages_with_examples() -> list[Path]:
    return [p for p in PAGES if any(b.lang == "console" for b in blocks(p))]


@pytest.mark.parametrize("page", pages_with_examples(), ids=lambda p: str(p.relative_to(ROOT)))
def test_console_examples_print_what_the_page_shows(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo = run(["--db", "demo.db", "demo"], {}, monkeypatch)
    assert demo.code == 0, demo.text()
    env = {"CTCONTACTS_DB": "demo.db"}
    failures, rewrites = [], []
    for block in blocks(page):
        if "file" in block.attrs:
            (tmp_path / block.attrs["file"]).write_text("\n".join(block.lines) + "\n", encoding="utf-8")
        if block.lang != "console":
            continue
        for ex in examples(block):
            result = run(ex.argv, {**env, **ex.env}, monkeypatch)
            problem = mismatch(ex, result)
            if problem is None:
                continue
            new = rewritten(ex, result) if WRITE else None
            if new is not None and result.code == ex.exit_code:
                rewrites.append((ex, new))
            failures.append(f"{ex.where}: $ ctcontacts {shlex.join(ex.argv)}\n{problem}")
    if rewrites:
        text = page.read_text(encoding="utf-8").split("\n")
        for ex, new in sorted(rewrites, key=lambda r: -(r[0].block.first + r[0].index)):
            start = ex.block.first + ex.index  # 0-based: the line after the $ line
            kept = len(ex.raw) - len(ex.expected)  # blank lines between examples stay
            indent = ex.block.indent
            text[start:start + len(ex.raw)] = [indent + line if line else line for line in new] + [""] * kept
        page.write_text("\n".join(text), encoding="utf-8")
        pytest.fail(f"rewrote {len(rewrites)} example(s) in {page.relative_to(ROOT)}; review the diff")
    assert not failures, "\n\n".join(failures)


def test_there_are_examples_to_run():
    """The mechanism above is in use: the README and the pages about the commands show
    real output."""
    runs = {p.name: sum(len(examples(b)) for b in blocks(p) if b.lang == "console") for p in PAGES}
    for name in ("README.md", "whois.md", "import.md", "views.md", "export.md", "reach.md"):
        assert runs.get(name, 0) >= 1, name
    assert sum(runs.values()) >= 30


def test_a_changed_output_fails(tmp_path, monkeypatch):
    """The comparison is not vacuous: a wrong line, a wrong exit code, a wrong JSON value
    and a missing JSON member are each caught; elisions match what they stand for."""
    monkeypatch.chdir(tmp_path)
    assert run(["--db", "demo.db", "demo"], {}, monkeypatch).code == 0
    block = Block(ROOT / "README.md", "console", {}, [], 1)
    env = {"CTCONTACTS_DB": "demo.db"}

    def check(line: str, *output: str) -> str | None:
        block.lines = [f"$ {line}", *output]
        (ex,) = examples(block)
        return mismatch(ex, run(ex.argv, {**env, **ex.env}, monkeypatch))

    assert check("ctcontacts networks --json", '[{"code": "ftf", …}, …]') is None
    assert check("ctcontacts networks --json", '[{"code": "ftx", …}, …]')
    assert check("ctcontacts networks --json", '[{"code": "ftf"}, …]')
    assert check("ctcontacts networks --json",
                 '[{"code": "ftf", …}, {"code": "iactn", …}, {"code": "vot", "name": "Network…", …}]') is None
    assert check("ctcontacts networks --json", '[{"code": "ftf", …}, {"code": "iactn", …}]')
    assert check("ctcontacts networks --json", '[{"code": "ftf", "name": …, …}, …]') is None
    assert check("ctcontacts whois -c IT -n ftf --json", "DEMO DATA: …", '{"on_duty": [], …}')
    assert check("ctcontacts whois -c IT -n ftf --json   # exit 1", "DEMO DATA…", '{"on_duty": [], …}')
    assert check("ctcontacts whois -c IT -n ftf --json   # exit 1",
                 "DEMO DATA: this answer comes from the fictional demo directory; do not call these numbers.",
                 '{"on_duty": [], …}') is None
    assert check("ctcontacts search nobody-at-all", "nothing found.") is None
    assert check("ctcontacts search nobody-at-all", "nothing found!")
    assert check("ctcontacts search nobody-at-all", "…") is None
    assert check("ctcontacts search nobody-at-all", "nothing found.", "…") is None


# --- Commands that are only shown ------------------------------------------------------


def shown_commands() -> list[tuple[str, list[str]]]:
    found = []
    for page in PAGES:
        for block in blocks(page):
            if block.lang == "console":
                found += [(ex.where, ex.argv) for ex in examples(block)]
            elif block.lang in SHELL_LANGS:
                for index, line in enumerate(block.lines):
                    if block.lang == "cron" and line.strip() and not line.startswith("#"):
                        line = line.split(None, 5)[5]
                    found += [(block.where(index), argv) for argv in shell_commands(line)]
    return found


def test_every_command_shown_parses():
    commands = shown_commands()
    assert len(commands) > 60
    problems = [f"{where}: ctcontacts {shlex.join(argv)}: {why}"
                for where, argv in commands if (why := parse_problem(argv))]
    assert not problems, "\n".join(problems)
    shown = {split_global(argv)[0] for _, argv in commands}
    assert shown >= set(typer_group().commands), f"commands never shown: {set(typer_group().commands) - shown}"


def test_inline_commands_and_options_exist():
    group = typer_group()
    commands = [c for c in group.commands.values()]
    commands += [sub for c in commands for sub in getattr(c, "commands", {}).values()]  # trust add, …
    every_option = {"--help"}.union(option_names(group), *(option_names(c) for c in commands))
    problems = []
    for page in PAGES:
        for span in re.findall(r"`([^`\n]+)`", prose(page)):
            if span.startswith("ctcontacts "):
                for argv in shell_commands(span):
                    # `ctcontacts confirm` names a command; with arguments, it is a whole one.
                    if why := parse_problem(argv, strict=bool(split_global(argv)[1])):
                        problems.append(f"{page.name}: `{span}`: {why}")
            elif span.startswith("--"):
                name = re.split(r"[\s=]", span)[0]
                if name not in every_option and name not in OTHER_OPTIONS:
                    problems.append(f"{page.name}: `{span}`: no command has {name}")
    assert not problems, "\n".join(problems)


def test_the_parser_check_is_not_vacuous():
    assert parse_problem(["whois", "--country", "FR", "--network", "ftf"]) is None
    assert parse_problem(["--db", "x.db", "whois", "-c", "FR", "-n", "ftf", "--at", "2026-12-24T03:00"]) is None
    assert parse_problem(["whois", "--country", "FR"])  # --network is required
    assert parse_problem(["whois", "-c", "FR", "-n", "ftf", "--at"])  # a value is missing
    assert parse_problem(["whois", "-c", "FR", "-n", "ftf", "--when", "now"])
    assert parse_problem(["schedule", "-c", "FR", "-n", "ftf", "--days", "three"])
    assert parse_problem(["rollback", "seven"])
    assert parse_problem(["lookup", "FR"])
    assert parse_problem(["confirm"], strict=False) is None
    assert parse_problem(["confirm", "--country-code", "FR"], strict=False)
    assert shell_commands('gpg -d fr.json.gpg | ctcontacts import -  # standard input') == [["import", "-"]]
    assert shell_commands("ctcontacts check --json 2>/dev/null >report.json") == [["check", "--json"]]
    assert shell_commands("X=1 .venv/bin/ctcontacts --db d.db demo && .venv/bin/ctcontacts check || "
                          'logger -t ctcontacts "failed $?"') == [["--db", "d.db", "demo"], ["check"]]


# --- The README ---------------------------------------------------------------------

QUICK_START = ("python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/ctcontacts --db demo.db "
               "demo && .venv/bin/ctcontacts --db demo.db whois --country FR --network ftf")
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest"


def test_the_readme_keeps_its_two_commands_and_its_size():
    """A hook and CI run the README's quick start and test command as written."""
    readme = ROOT / "README.md"
    lines = [line for b in blocks(readme) if b.lang == "sh" for line in b.lines]
    assert QUICK_START in lines and TEST_COMMAND in lines
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert len(readme.read_text(encoding="utf-8").splitlines()) <= 210


# --- Quoted error messages ------------------------------------------------------------


def _contact(**fields) -> dict:
    base = {"id": "fr-desk", "name": "Desk", "phones": ["+33 1 99 00 12 34"], "timezone": "Europe/Paris",
            "duty": ["24/7"]}
    return {**base, **fields}


def _roster_json(*contacts: dict, **roster) -> str:
    r = {"network": "ftf", "member": "FR", "issued": "2026-11-01", "contacts": list(contacts) or [_contact()]}
    return json.dumps({"format": "ctcontacts-roster/1", "rosters": [{**r, **roster}]})


def _duty(rule) -> str:
    return _roster_json(_contact(duty=[rule]))


CSV_HEAD = "network,member,id,name,phones,email,timezone,duty\n"

# Each message of docs/rosters.md's "Common errors", as the page quotes it, and a file
# that gives it: (file name, content, extra import options).
BAD_FILES = {
    'this JSON is not a ctcontacts roster: "format" must be "ctcontacts-roster/1"':
        ("a.json", '{"rosters": []}', ()),
    "not valid JSON: Expecting property name enclosed in double quotes":
        ("a.json", '{"format": "ctcontacts-roster/1", "rosters": [],}', ()),
    "unknown field 'emial'; did you mean 'email'?": ("a.json", _roster_json(_contact(emial="a@example.org")), ()),
    "unknown network 'fft'; did you mean 'ftf'? known: ftf, iactn, vot": ("a.json", _roster_json(network="fft"), ()),
    "unknown country or member 'Frnace'; did you mean France (FR)? …": ("a.json", _roster_json(member="Frnace"), ()),
    "unknown time zone 'Europe/Pari'; did you mean Europe/Paris or …? …":
        ("a.json", _roster_json(_contact(timezone="Europe/Pari")), ()),
    "'01 99 00 12 34' is not a phone number (write it in international form, +CC …)":
        ("a.json", _roster_json(_contact(phones=["01 99 00 12 34"]), member="org:coe"), ()),
    "'+33 1 99 00 12' is not a valid number for its country; check the digits":
        ("a.json", _roster_json(_contact(phones=["+33 1 99 00 12"])), ()),
    "a contact needs at least one phone number or an e-mail address":
        ("a.json", _roster_json(_contact(phones=[], email="")), ()),
    "'fr desk' is not a usable id; use letters, digits, '.', '-', '_', at most 100 (e.g. fr-desk)":
        ("a.json", _roster_json(_contact(id="fr desk")), ()),
    "'a' is already used by the contact at rosters[0].contacts[0]; ids are unique within a roster":
        ("a.json", _roster_json(_contact(id="a"), _contact(id="a")), ()),
    "contains a control character (U+202E); remove it": ("a.json", _roster_json(_contact(name="Desk\u202e")), ()),
    "'0' is not a rank; use a whole number from 1 (called first) to 999": ("a.json", _roster_json(_contact(rank=0)), ()),
    "'French' is not a language code; use ISO 639-1 such as en, fr":
        ("a.json", _roster_json(_contact(languages=["French"])), ()),
    "'28/11/2026' is not a date; write it as YYYY-MM-DD": ("a.json", _roster_json(issued="28/11/2026"), ()),
    "'Mo-Fx 08:00-18:00': unknown day 'Fx'; days are Mo Tu We Th Fr Sa Su": ("a.json", _duty("Mo-Fx 08:00-18:00"), ()),
    "'Mon-Fri 08:00-18:00' is not a duty rule; write a weekly window like 'Mo-Fr 08:00-18:00', …":
        ("a.json", _duty("Mon-Fri 08:00-18:00"), ()),
    "'Mo-Fr 8h-18h': '8h-18h' is not a time range; write it like 08:00-18:00": ("a.json", _duty("Mo-Fr 8h-18h"), ()),
    "'Mo-Fr 08:00-25:00': end '25:00' is not a time of day (00:00-24:00)":
        ("a.json", _duty("Mo-Fr 08:00-25:00"), ()),
    "'2026-12-01T20:00/2026-12-01T08:00': the end is not after the start":
        ("a.json", _duty("2026-12-01T20:00/2026-12-01T08:00"), ()),
    "'2026-12-01T20:00/PT0H': the duration is zero": ("a.json", _duty("2026-12-01T20:00/PT0H"), ()),
    "'…': a recurrence start is a wall-clock time in the contact's zone (or in the zone the rule names, …); "
    "write it without an offset (2026-11-02T09:00)":
        ("a.json", _duty("R/2026-11-02T09:00Z/PT8H/FREQ=DAILY"), ()),
    "'…': the end of the first shift is not after its start":
        ("a.json", _duty("R/2026-11-02T19:00/2026-11-02T07:00/FREQ=DAILY"), ()),
    "'…': an RRULE may have COUNT or UNTIL, not both":
        ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=DAILY;COUNT=3;UNTIL=20261231"), ()),
    "'…': give the start as 'start', not DTSTART inside the rule":
        ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=DAILY;DTSTART=20261102T090000"), ()),
    "'…': UNTIL='2026-12-31' is not a date (20261231) or date-time (20261231T235959 or …Z)":
        ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=DAILY;UNTIL=2026-12-31"), ()),
    "'…': a recurrence is written R/START/DURATION/RRULE, e.g. …": ("a.json", _duty("R/2026-11-02T09:00/PT8H"), ()),
    "'…': the RRULE needs FREQ, e.g. FREQ=WEEKLY;BYDAY=MO": ("a.json", _duty("R/2026-11-02T09:00/PT8H/BYDAY=MO"), ()),
    "'…': the RRULE cannot be read (…)": ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=WEEKLY;BYDAY=XX"), ()),
    "'…': FREQ=MINUTELY is not a duty pattern; use HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY":
        ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=MINUTELY"), ()),
    "'…': the rule can start 48 shifts a day; a duty pattern starts at most 24 a day":
        ("a.json", _duty("R/2026-11-02T09:00/PT1H/FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,"
                         "18,19,20,21,22,23;BYMINUTE=0,30"), ()),
    "'…': 24 starts a day of shifts lasting P1M overlap up to 744 at a time; …":
        ("a.json", _duty("R/2026-11-02T00:00/P1M/FREQ=HOURLY"), ()),
    "'…': the RRULE has no occurrence in the five years from its start":
        ("a.json", _duty("R/2026-11-02T09:00/PT8H/FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31"), ()),
    "is 5,000,000 characters long; at most 4,000 are allowed":
        ("a.json", _roster_json(_contact(notes="x" * 5_000_000)), ()),
    "'CET' is an abbreviation, a fixed offset or an old alias, not the name of a place (Area/City): …":
        ("a.json", _roster_json(_contact(timezone="CET")), ()),
    "'+44 20 7946 0123 ext. 45' has an extension, which cannot be dialled directly; …":
        ("a.json", _roster_json(_contact(phones=["+44 20 7946 0123 ext. 45"])), ()),
    "'off 24/7': 'off' takes an interval, a weekly window or a recurrence": ("a.json", _duty("off 24/7"), ()),
    "the roster of FR in ftf is given twice (also in …); give each roster once per import":
        ("a.json", json.dumps({"format": "ctcontacts-roster/1", "rosters": [
            json.loads(_roster_json())["rosters"][0]] * 2}), ()),
    "a roster needs at least one contact":
        ("a.json", json.dumps({"format": "ctcontacts-roster/1", "rosters": [
            {"network": "ftf", "member": "FR", "contacts": []}]}), ()),
    "missing column(s): network, member, …; give --network/--country on the command line or add the column":
        ("a.csv", "name,phones,timezone,duty\nDesk,+33 1 99 00 12 34,Europe/Paris,24/7\n", ()),
    "the column appears twice (columns 7 and 8)":
        ("a.csv", "network,member,id,name,phones,timezone,duty,duty\nftf,FR,a,A,+33 1 99 00 12 34,Europe/Paris,"
                  "24/7,24/7\n", ()),
    "contact 'a' has nothing here but 'a@example.org' in row 2; rows of one contact must agree on everything but duty":
        ("a.csv", CSV_HEAD + "ftf,FR,a,A,+33 1 99 00 12 34,a@example.org,Europe/Paris,Mo 09:00-17:00\n"
                             "ftf,FR,a,A,+33 1 99 00 12 34,,Europe/Paris,Tu 09:00-17:00\n", ()),
    "the row has 7 cells but the header has 5 columns":
        ("a.csv", "id,name,phones,timezone,duty\na,A,+33 1 99 00 12 34,Europe/Paris,Mo,Tu,We\n",
         ("--network", "ftf", "--country", "FR")),
    "the row says 'Italy' but --country says 'FR'":
        ("a.csv", CSV_HEAD.replace("network,", "") + "Italy,a,A,+39 06 9999 0000,,Europe/Rome,24/7\n",
         ("--network", "ftf", "--country", "FR")),
    "the file says 'FR' but the command line says 'DE'; drop one of them":
        ("a.json", _roster_json(), ("--country", "DE")),
    "byte 0xe9 is not valid UTF-8 text; save the file as UTF-8 (nothing is guessed or replaced)":
        ("a.csv", (CSV_HEAD + "ftf,FR,a,Caf\xe9,+33 1 99 00 12 34,,Europe/Paris,24/7\n").encode("latin-1"), ()),
    "the file holds binary data (NUL bytes); it is not a roster": ("a.csv", b"network\x00member\n", ()),
    'the key "id" appears twice in this object; give it once':
        ("a.json", _roster_json().replace('"id": "fr-desk"', '"id": "fr-desk", "id": "fr-other"'), ()),
    "is a named pipe, not a regular file; …": ("fifo.json", "fifo", ()),
    "is a character device, not a roster file": (os.devnull, None, ()),
    "the file is … bytes (… MiB); a calendar is read whole and may be at most 268,435,456 bytes (256 MiB): …":
        ("big.ics", "sparse", ()),
}
# Messages no small file can bring about.
NOT_BY_A_FILE = {"the file changed while it was read; import it again once it is complete"}


def common_errors() -> list[str]:
    table = section("7. Common errors").split("| message |", 1)[1].split("\n\n", 1)[0]
    return [m for row in table.splitlines()[2:] for m in re.findall(r"`([^`]+)`", row.split(" | ")[0])]


def test_every_common_error_is_quoted_from_the_program(tmp_path, cli):
    messages = common_errors()
    assert len(messages) > 45
    unknown = [m for m in messages if m not in BAD_FILES and m not in NOT_BY_A_FILE]
    assert not unknown, f"add a bad file for: {unknown}"
    problems = []
    for message in dict.fromkeys(messages):
        if message in NOT_BY_A_FILE:
            continue
        name, content, options = BAD_FILES[message]
        path = Path(name) if os.path.isabs(name) else tmp_path / name
        if content == "fifo":
            path.unlink(missing_ok=True)
            os.mkfifo(path)
        elif content == "sparse":
            with open(path, "wb") as f:
                f.truncate(limits.MAX_WHOLE_FILE_BYTES + 1)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif content is not None:
            path.write_text(content, encoding="utf-8")
        result = cli("import", "--dry-run", *options, path)
        pattern = ".*?".join(map(re.escape, message.split(ELISION)))
        if result.exit_code != 2 or not re.search(pattern, result.stderr):
            problems.append(f"{message!r} is not what the program says:\n{result.stderr}")
    assert not problems, "\n".join(problems)


# Messages docs/operations.md quotes, and how to bring each about: (arguments, what to
# put at the path the arguments name first after --db or import).
OPERATIONS_QUOTES = {
    "there is no database at …; import a roster (ctcontacts import FILE), load the demo (ctcontacts demo) or "
    "restore the file from a backup.": (["--db", "missing.db", "check"], None),
    "the database at … is empty …": (["--db", "empty.db", "check"], "empty"),
    "… is a directory, not a database file": (["--db", "folder", "check"], "folder"),
    "fifo.json: file: is a named pipe, not a regular file; to import from a pipe, give '-' …":
        (["--db", "x.db", "import", "fifo.json"], "fifo"),
    "rosters[0].contacts[1], field 'id': the key \"id\" appears twice in this object; give it once":
        (["--db", "x.db", "import", "dup.json"], "duplicate key"),
    "error: cannot write to standard output (No space left on device); …": (["--db", "x.db", "networks"], "full"),
}


def test_the_operations_page_quotes_the_program(tmp_path, monkeypatch):
    page = " ".join((ROOT / "docs" / "operations.md").read_text(encoding="utf-8").split())
    monkeypatch.chdir(tmp_path)
    assert run(["--db", "x.db", "demo"], {}, monkeypatch).code == 0
    (tmp_path / "empty.db").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "dup.json").write_text(_roster_json(_contact(id="a"), _contact()).replace(
        '"id": "fr-desk"', '"id": "fr-desk", "id": "fr-other"'), encoding="utf-8")
    problems = []
    for message, (argv, setup) in OPERATIONS_QUOTES.items():
        if message not in page:
            problems.append(f"the page no longer quotes {message!r}: update OPERATIONS_QUOTES")
            continue
        if setup == "full":
            if not os.path.exists("/dev/full"):
                continue
            import subprocess

            with open("/dev/full", "w") as full:
                said = subprocess.run([sys.executable, "-m", "ctcontacts", *argv], stdout=full, stderr=subprocess.PIPE,
                                      text=True, env={**os.environ, **EXAMPLE_ENV}).stderr
        else:
            said = run(argv, {}, monkeypatch).text("err")
        if not re.search(".*?".join(map(re.escape, message.split(ELISION))), said):
            problems.append(f"{message!r} is not what the program says:\n{said}")
    assert not problems, "\n".join(problems)


# --- Performance claims ---------------------------------------------------------------


def markdown_table(text: str, header_start: str) -> list[dict]:
    lines = text[text.index(header_start):].split("\n\n", 1)[0].splitlines()
    names = [c.strip() for c in lines[0].strip("|").split("|")]
    return [dict(zip(names, (c.strip() for c in line.strip("|").split("|")))) for line in lines[2:]]


def results_tables() -> dict[str, dict[str, dict]]:
    """benchmarks/results.md's tables, one per world (its ``## csv: ...`` heading), by measurement."""
    text = (ROOT / "benchmarks" / "results.md").read_text(encoding="utf-8")
    out = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        world = section.split(":", 1)[0]
        out[world] = {r["measurement"]: r for r in markdown_table(section, "| measurement |")}
    return out


def result_row(table: dict[str, dict], name: str) -> dict:
    """The row named ``name``, or the one row named ``name (...)`` (a row that names the
    member found worst: ``whois --json, worst of 11 members (AQ)``)."""
    if name in table:
        return table[name]
    found = [r for key, r in table.items() if key.startswith(name + " (")]
    assert len(found) == 1, f"no one row of results.md named {name!r}: {sorted(table)}"
    return found[0]


def test_the_performance_targets_say_what_the_results_say():
    """docs/performance.md says which targets are met in which world; benchmarks/results.md
    has the figures. The page must agree with the file whenever the file is measured again."""
    tables = results_tables()
    assert set(tables) == {"csv", "json"}
    number = lambda text: float(re.sub(r"[^\d.]", "", text))  # noqa: E731
    targets = markdown_table((ROOT / "docs" / "performance.md").read_text(encoding="utf-8"), "| target |")
    assert len(targets) == 12 and {t["world"] for t in targets} == {"csv", "json"}
    for t in targets:
        table = tables[t["world"]]
        row = result_row(table, t["row of results.md"].strip("`"))
        limit = t["limit"]
        if m := re.fullmatch(r"at most ([\d.]+) × (?:the|its) floor", limit):
            met = number(row["x floor (run beside it)"]) <= float(m.group(1))
        elif m := re.fullmatch(r"at least ([\d,]+) rows/s, peak memory under (\d+) MB", limit):
            met = number(row["rows/s"]) >= number(m.group(1)) and number(row["peak memory"]) < int(m.group(2))
        elif m := re.fullmatch(r"at least ([\d.]+) × faster than the first import", limit):
            first = table["import, empty database"]
            met = number(first["median"]) / number(row["median"]) >= float(m.group(1))
        elif m := re.fullmatch(r"under ([\d.]+) s", limit):
            met = number(row["median"]) < float(m.group(1))
        else:
            raise AssertionError(f"a limit this test cannot read: {limit!r}")
        assert t["met"] == ("yes" if met else "no"), t


# --- Links ---------------------------------------------------------------------------


def anchors(page: Path) -> set[str]:
    found = set()
    for heading in re.findall(r"^#+\s+(.*)$", prose(page), re.M):
        found.add(re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-"))
    return found


def test_links_lead_somewhere():
    problems = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", prose(page)):
            if re.match(r"^[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if dest in PENDING_FILES and not dest.exists():
                continue
            if not dest.exists():
                problems.append(f"{page.name}: {target}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{page.name}: {target}: no such heading")
    assert not problems, "\n".join(problems)
