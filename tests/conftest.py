"""Shared fixtures: every test gets its own database and a pinned "now".

No test touches the user's real data directory or depends on the day it runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ctcontacts.cli.app import app

# A Sunday night in Paris, 03:00 CET.
NOW = "2026-11-29T02:00:00Z"


@pytest.fixture(autouse=True)
def env_setup(tmp_path, monkeypatch):
    monkeypatch.setenv("CTCONTACTS_DB", str(tmp_path / "ctcontacts.storage.db"))
    monkeypatch.setenv("CTCONTACTS_NOW", NOW)
    monkeypatch.setenv("TZ", "UTC")
    # Never fall through to the real per-user directory.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / "config"))
    monkeypatch.setenv("COLUMNS", "120")
    yield
    # A test that undid this fixture (monkeypatch.undo()) ran against the real directory.
    assert os.environ.get("HOME") == str(tmp_path / "home"), "a test undid env_setup"


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "ctcontacts.storage.db"


class Cli:
    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args: str):
        return self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False, prog_name="ctcontacts")

    def json(self, *args: str):
        result = self(*args, "--json")
        return result, json.loads(result.stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()


def contact(id="fr-desk", **fields) -> dict:
    base = {
        "id": id,
        "name": fields.pop("name", id.replace("-", " ").title()),
        "phones": ["+33 1 99 00 12 34"],
        "timezone": "Europe/Paris",
        "duty": ["24/7"],
    }
    base.update(fields)
    return base


def roster(member="FR", network="ftf", contacts=None, **extra) -> dict:
    r = {"network": network, "member": member, "issued": "2026-11-01",
         "contacts": contacts if contacts is not None else [contact()]}
    r.update(extra)
    return r


def roster_file(tmp_path: Path, *rosters: dict, name="roster.json", **top) -> Path:
    doc = {"format": "ctcontacts-roster/1", "rosters": list(rosters)}
    doc.update(top)
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def dump(db_path) -> str:
    """A digest of every table's rows except the import history (which records refused
    imports on purpose): equal digests, unchanged directory."""
    conn = sqlite3.connect(db_path)
    h = hashlib.sha256()
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name != 'imports' ORDER BY name"):
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2, 3'):
            h.update(repr(row).encode())
    conn.close()
    return h.hexdigest()
