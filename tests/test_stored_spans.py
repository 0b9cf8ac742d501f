"""Lookups read dated shifts as the UTC instants stored at import, and only those
near the moment asked about. Both shortcuts must give exactly the answer of the
engine run on every rule parsed from its text."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ctcontacts.storage.db import connect
from ctcontacts.domain.engine import DAY, HORIZON, status_at
from ctcontacts.directory.importer import import_files
from ctcontacts.domain.rules import parse_rule
from ctcontacts.views.whois import whois
from ctcontacts.time.zones import lookup_zone, tz_version

from .conftest import contact, roster, roster_file

NOW = int(dt.datetime(2026, 11, 29, 2, tzinfo=dt.timezone.utc).timestamp())
ZONES = ["Europe/Paris", "Europe/Dublin", "Africa/Casablanca", "Australia/Lord_Howe", "America/Santiago"]


@st.composite
def shift(draw):
    # Shifts from a month before "now" to fourteen months after it: some near the
    # lookup, some only within the 366-day horizon, some beyond it.
    start = dt.datetime(2026, 10, 29) + dt.timedelta(minutes=15 * draw(st.integers(0, 14 * 30 * 96)))
    hours = draw(st.sampled_from([1, 8, 12, 24, 72, 24 * 20]))
    text = f"{start:%Y-%m-%dT%H:%M}/PT{hours}H"
    return ("off " + text) if draw(st.integers(0, 5)) == 0 else text


def _import(tmp_path, zone: str, duty: list[str]) -> None:
    path = roster_file(tmp_path, roster(contacts=[contact(timezone=zone, duty=duty)]))
    import_files(tmp_path / "ctcontacts.storage.db", [path], now=NOW)


def _expected(zone: str, duty: list[str], at: int):
    return status_at([parse_rule(r) for r in duty], lookup_zone(zone), at, HORIZON)


def _answer(db, at: int):
    answer = whois(connect(db), "ftf", "FR", at, NOW, fallback=False)
    entries = answer.on_duty or answer.next
    if not entries:
        return None
    e = entries[0]
    return e.status


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(zone=st.sampled_from(ZONES),
       duty=st.lists(shift(), min_size=1, max_size=12, unique=True),
       extra=st.sampled_from([[], ["Mo 09:00-10:00"], ["R/2026-11-02T20:00/PT6H/FREQ=WEEKLY;INTERVAL=3"]]),
       offsets=st.lists(st.integers(-2 * DAY, 400 * DAY), min_size=1, max_size=6))
def test_lookups_from_stored_instants_match_the_rules_text(tmp_path_factory, zone, duty, extra, offsets):
    tmp_path = tmp_path_factory.mktemp("spans")
    duty = duty + extra
    if all(r.startswith("off") for r in duty):
        duty.append("Tu 08:00-09:00")
    _import(tmp_path, zone, duty)
    db = tmp_path / "ctcontacts.storage.db"
    for offset in offsets:
        at = NOW + offset
        want = _expected(zone, duty, at)
        got = _answer(db, at)
        if want.on_duty or want.next_start is not None:
            assert got == want, (at, duty)
        else:
            assert got is None


def test_long_unbroken_duty_and_a_far_next_shift_are_read_in_full(tmp_path):
    # Thirty back-to-back 12-hour shifts: the duty runs far past the near window.
    start = dt.datetime(2026, 11, 28, 20)
    shifts = [f"{start + dt.timedelta(hours=12 * i):%Y-%m-%dT%H:%M}/PT12H" for i in range(30)]
    _import(tmp_path, "Europe/Paris", shifts)
    status = _answer(tmp_path / "ctcontacts.storage.db", NOW)
    assert status.on_duty and status.until == _expected("Europe/Paris", shifts, NOW).until
    assert status.until - NOW > 14 * DAY

    # Nobody on duty, next shift in five months: beyond the near window, within the horizon.
    other = tmp_path / "other"
    other.mkdir()
    _import(other, "Europe/Paris", ["2027-04-30T08:00/PT8H"])
    status = _answer(other / "ctcontacts.storage.db", NOW)
    assert not status.on_duty
    assert status.next_start == lookup_zone("Europe/Paris").to_utc(dt.datetime(2027, 4, 30, 8))


def _shift_stored_instants(db, seconds: int, spans_tz: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute("UPDATE duty_rules SET starts = starts + ?, ends = ends + ? WHERE starts IS NOT NULL", [seconds, seconds])
    conn.execute("UPDATE roster_versions SET spans_tz = ?", [spans_tz])
    conn.commit()
    conn.close()


def test_stored_instants_are_trusted_only_under_the_tz_release_that_computed_them(tmp_path):
    _import(tmp_path, "Europe/Paris", ["2026-11-29T02:00/PT8H"])  # 01:00Z to 09:00Z
    db = tmp_path / "ctcontacts.storage.db"
    assert _answer(db, NOW).until == NOW + 7 * 3600

    # Same release: the stored instants are what lookups read (here made an hour early).
    _shift_stored_instants(db, -3600, tz_version())
    assert _answer(db, NOW).until == NOW + 6 * 3600

    # Another release computed them: the wall-clock text is read again, and the
    # shift is found although its stored instants are off.
    _shift_stored_instants(db, 0, "1999a")
    assert _answer(db, NOW).until == NOW + 7 * 3600
    conn = sqlite3.connect(db)
    conn.execute("UPDATE roster_versions SET spans_tz = NULL")  # written before the column existed
    conn.commit()
    conn.close()
    assert _answer(db, NOW).until == NOW + 7 * 3600


def test_a_database_from_before_spans_tz_is_upgraded_and_read_from_text(tmp_path):
    _import(tmp_path, "Europe/Paris", ["2026-11-29T02:00/PT8H"])
    db = tmp_path / "ctcontacts.storage.db"
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE roster_versions DROP COLUMN spans_tz")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm002_spans_tz'")
    conn.commit()
    conn.close()
    upgraded = connect(db)
    assert [tuple(r) for r in upgraded.execute("SELECT spans_tz FROM roster_versions")] == [(None,)]
    assert _answer(db, NOW).until == NOW + 7 * 3600


@settings(max_examples=300, deadline=None)
@given(wall=st.datetimes(dt.datetime(1899, 12, 25), dt.datetime(2200, 1, 5)).map(lambda d: d.replace(second=0, microsecond=0)),
       hours=st.integers(1, 9999), zone=st.sampled_from(ZONES + ["Asia/Kathmandu", "Pacific/Apia", "UTC"]),
       end_form=st.booleans(), minutes=st.integers(-90, 600))
def test_the_shortcut_for_plain_shifts_gives_what_the_general_parser_gives(wall, hours, zone, end_form, minutes):
    from ctcontacts.domain.engine import interval_span
    from ctcontacts.domain.rules import plain_shift_span

    text = f"{wall:%Y-%m-%dT%H:%M}/PT{hours}H"
    if end_form:  # the same shift written start/end, as rostering systems export it (ends before starts too)
        end = wall + dt.timedelta(hours=hours % 48, minutes=minutes)
        text = f"{wall:%Y-%m-%dT%H:%M}/{end:%Y-%m-%dT%H:%M}"
    z = lookup_zone(zone)
    fast = plain_shift_span(text, z)
    try:
        rule = parse_rule(text)
    except Exception:
        assert fast is None  # whatever the parser refuses goes its way to be reported
        return
    assert fast is not None
    assert rule.text() == text  # the text is stored as written: it must be the one-string form
    assert fast == interval_span(rule, z)


def test_the_shortcut_leaves_anything_unusual_to_the_parser():
    from ctcontacts.domain.rules import plain_shift_span

    z = lookup_zone("Europe/Paris")
    for text in ["2026-02-30T08:00/PT8H", "2026-01-01T24:00/PT8H", "2026-01-01T08:00/PT0H", "2026-01-01T08:00/PT08H",
                 "2026-01-01T08:00/2026-01-01T08:00", "2026-01-01T08:00/2025-12-31T20:00", "2026-01-01T08:00/2026-02-30T08:00",
                 "2026-01-01T08:00/2026-01-01T24:00", "2026-01-01T08:00/2026-01-01T20:00:00", "2026-01-01T08:00/2026-01-01T20:00Z",
                 "2026-01-01t08:00/pt8h", " 2026-01-01T08:00/PT8H", "2026-01-01T08:00:30/PT8H", "2026-01-01T08:00Z/PT8H",
                 "2200-01-01T08:00/PT8H", "1899-12-31T08:00/PT8H", "off 2026-01-01T08:00/PT8H", 20260101,
                 "2026-12-01T0\u0668:00/PT1\u0662H"]:  # Arabic-Indic digits: the parser stores them as 0-9
        assert plain_shift_span(text, z) is None, text


@pytest.mark.parametrize("renamed", [False, True])
def test_an_older_schema_is_upgraded_with_every_rule_kept(tmp_path, renamed):
    """A database written by the schema before m003 (duty_rules with a rowid) is
    rebuilt on first open, its rules, instants and view intact."""
    from sqlite_utils import Database

    from ctcontacts.storage.migrations import migrations

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    migrations.apply(Database(conn), stop_before="m003_duty_rules_without_rowid")
    if renamed:  # SQLite then keeps the name quoted in the table's statement
        conn.execute("ALTER TABLE duty_rules RENAME TO duty_rules_x")
        conn.execute("ALTER TABLE duty_rules_x RENAME TO duty_rules")
    conn.execute("INSERT INTO imports (id, started_at, os_user, kind, outcome) VALUES (1, '2026-11-01T00:00:00Z', 'u', 'import', 'ok')")
    conn.execute("INSERT INTO roster_versions (id, network, member, issued, source_file, import_id, created_at, spans_tz) "
                 "VALUES (1, 'ftf', 'FR', '2026-11-01', 'a.json', 1, '2026-11-01T00:00:00Z', ?)", [tz_version()])
    conn.execute("INSERT INTO contacts (version_id, id, position, name, phones, languages, timezone) "
                 "VALUES (1, 'fr-desk', 0, 'Desk', '[\"+33199001234\"]', '[]', 'Europe/Paris')")
    rows = [(1, "fr-desk", 0, "Mo 08:00-09:00", None, None), (1, "fr-desk", 1, "2026-11-29T02:00/PT8H", NOW - 3600, NOW + 7 * 3600)]
    conn.executemany("INSERT INTO duty_rules VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.execute("INSERT INTO rosters VALUES ('ftf', 'FR', 1)")
    conn.close()

    upgraded = connect(db)
    assert upgraded.execute("SELECT sql FROM sqlite_master WHERE name = 'duty_rules'").fetchone()[0].endswith("WITHOUT ROWID")
    assert [tuple(r) for r in upgraded.execute("SELECT * FROM duty_rules ORDER BY position")] == rows
    assert upgraded.execute("SELECT duty FROM contact_duty").fetchone()[0] == "Mo 08:00-09:00 | 2026-11-29T02:00/PT8H"
    assert upgraded.execute("PRAGMA foreign_key_check").fetchall() == []
    assert _answer(db, NOW).until == NOW + 7 * 3600


def test_a_calendar_import_does_not_hand_on_instants_from_another_tz_release(tmp_path):
    # The contacts a calendar does not name are copied into the new version; their
    # stored instants, computed under an older release, must not become trusted.
    doc = roster(contacts=[
        contact("fr-duty-a", name="Duty officer A (fictional)", email="duty-a@example.org", duty=["Mo 00:00-01:00"]),
        contact("fr-duty-b", name="Duty officer B (fictional)", email="duty-b@example.org", duty=[]),
        contact("fr-x", duty=["2026-12-10T08:00/PT8H"]),  # 07:00Z to 15:00Z
    ])
    import_files(tmp_path / "ctcontacts.storage.db", [roster_file(tmp_path, doc)], now=NOW)
    db = tmp_path / "ctcontacts.storage.db"
    _shift_stored_instants(db, 3600, "2020a")  # as an older release might have put them
    at = int(dt.datetime(2026, 12, 10, 7, 30, tzinfo=dt.timezone.utc).timestamp())
    calendar = Path(__file__).parent / "data" / "google.ics"
    import_files(db, [calendar], now=NOW, network="ftf", member="FR")
    answer = whois(connect(db), "ftf", "FR", at, NOW, fallback=False)
    assert [(e.contact.id, e.status.until) for e in answer.on_duty if e.contact.id == "fr-x"] == [("fr-x", at + 7.5 * 3600)]
