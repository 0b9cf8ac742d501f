"""One command's session: which database it uses, and how the outcome of its core
call reaches the user: a value, or one plain sentence on stderr and the contract's
exit code. No traceback reaches a user.

On the path of every lookup: neither typing nor pathlib is imported here (about 7 ms
of a 50 ms budget); paths are strings.
"""

from __future__ import annotations

import json
import os
import sys

from ..base.errors import CtContactsError, InvalidInput, UsageError

# The --db given before the command (``ctcontacts --db X whois``), and the path the
# command resolved: what error messages and the demo's hint name.
state: dict = {"db": None, "path": None}


def app_dir() -> str:
    """The per-user directory, where Click's ``get_app_dir`` puts it (POSIX: XDG)."""
    home = os.path.expanduser("~")
    if sys.platform.startswith("win"):
        return os.path.join(os.environ.get("APPDATA", home), "ctcontacts")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Application Support", "ctcontacts")
    return os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "ctcontacts")


def db_path(db: str | os.PathLike | None) -> str:
    """The database file of this command: ``--db``, else ``$CTCONTACTS_DB``, else the app directory's."""
    from ..storage.db import resolve_path

    path = resolve_path(db if db is not None else state["db"], app_dir())
    state["path"] = path
    return path


def run(call, as_json: bool = False, quiet: bool = False):
    """Run one core call; any ``CtContactsError`` (or SQLite failure) becomes one plain
    sentence on stderr and the contract's exit code."""
    import sqlite3

    try:
        return call()
    except CtContactsError as e:
        fail(e, as_json, quiet)
    except sqlite3.DatabaseError as e:
        from ..storage.db import as_database_error

        fail(as_database_error(e, state["path"] or "?"), as_json)
    raise AssertionError("unreachable")  # pragma: no cover


def fail(error: CtContactsError, as_json: bool = False, quiet: bool = False) -> None:
    err = sys.stderr
    if isinstance(error, InvalidInput):
        for p in error.problems:
            err.write(f"{plain(p)}\n")
        if error.dropped:
            err.write(f"... and more problems, not listed: fix these first ({len(error.problems):,} listed).\n")
        if as_json:
            # ASCII escapes: problems quote file content, which must not steer a terminal.
            doc = {"ok": False, "problems": [p.as_dict() for p in error.problems], "more_problems": error.dropped > 0}
            sys.stdout.write(json.dumps(doc, ensure_ascii=True, indent=2) + "\n")
    report = getattr(error, "report", None)
    if report is not None:
        if as_json:
            doc = report.as_dict() | {"ok": False, "refused": "reach", "refused_import_id": error.import_id}
            sys.stdout.write(json.dumps(doc, ensure_ascii=True, indent=2) + "\n")
        elif not quiet:
            from . import render

            render.import_report(report, render.stdout())
    err.write(f"error: {plain(error)}\n")
    raise SystemExit(error.exit_code)


def plain(value: object) -> str:
    from ..base.text import safe

    return safe(value)


def print_json(doc: object, ascii_only: bool = True, rows: str | None = None) -> None:
    """JSON on stdout. ASCII escapes unless the content was validated for display
    (file names and problems quote whatever a file held). ``rows``: a key of ``doc``
    whose list is written one item a line (a board of 259 members).

    Fast path for ``rows``: ``json`` indents only in Python, and its C encoder writes
    everything else; a board of 259 members took 20 ms to write indented, 5 ms so."""
    if rows is None or not isinstance(doc, dict) or not isinstance(doc.get(rows), list):
        sys.stdout.write(json.dumps(doc, ensure_ascii=ascii_only, indent=2) + "\n")
        return
    one = json.JSONEncoder(ensure_ascii=ascii_only).encode
    lines = []
    for key, value in doc.items():
        if key == rows:
            items = ",\n".join(f"    {one(item)}" for item in value)
            lines.append(f"  {one(key)}: [\n{items}\n  ]" if value else f"  {one(key)}: []")
        else:
            lines.append(f"  {one(key)}: {one(value)}")
    sys.stdout.write("{\n" + ",\n".join(lines) + "\n}\n")


def member_option(country: str | None) -> str | None:
    """``--country``: a member code, ``None`` when the option was not given. An empty
    value is an unknown member, never "no filter"."""
    from ..domain.members import resolve_member

    return resolve_member(country) if country is not None else None


# --- the caller's own country, for the digits to dial --------------------------------

ENV_DIAL_FROM = "CTCONTACTS_DIAL_FROM"
SETTINGS_FILE = "settings.json"


def settings_path() -> str:
    """The per-user settings file, beside the default database (``ctcontacts settings``)."""
    return os.path.join(app_dir(), SETTINGS_FILE)


def settings() -> dict:
    """The per-user settings (``{"dial_from": "FR"}``); empty when there is no file."""
    path = settings_path()
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        reason = getattr(e, "strerror", None) or "not JSON"
        raise UsageError(f"the settings file {path} cannot be read ({reason}); fix it, or delete it and use "
                         "ctcontacts settings again.") from None
    if not isinstance(doc, dict):
        raise UsageError(f"the settings file {path} is not a JSON object; delete it and use ctcontacts settings again.")
    return doc


def dial_from_option(value: str | None) -> tuple[str, str] | None:
    """The country the user calls from, and where that was said: ``--dial-from``, else
    ``$CTCONTACTS_DIAL_FROM`` (set empty: none), else ``dial_from`` in the settings file;
    ``None`` when none says. A two-letter code is taken as it is (the database knows
    which countries it can dial from); a name is looked up (``members.resolve_member``)."""
    if value is not None:
        text, source = value, "--dial-from"
    elif os.environ.get(ENV_DIAL_FROM) is not None:
        text, source = os.environ[ENV_DIAL_FROM], ENV_DIAL_FROM
        if not text.strip():
            return None
    else:
        text = settings().get("dial_from")
        source = f"dial_from in {settings_path()}"
        if text is None:
            return None
    return country_code(text, source), source


def country_code(text: object, source: str) -> str:
    """A country's ISO code from what a user typed (``fr``, ``UK``, ``France``)."""
    from ..base.text import clip
    from ..domain.members import ALIASES, resolve_member

    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"{source} is empty; give the country you call from, such as FR, US or JP.")
    raw = text.strip()
    code = ALIASES.get(raw.casefold())
    if code is None:
        code = raw.upper() if len(raw) == 2 and raw.isascii() and raw.isalpha() else resolve_member(raw)
    if code.startswith("org:"):
        raise UsageError(f"{source} {clip(text)} is not a country; give the country you call from, such as FR.")
    return code
