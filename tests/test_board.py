"""The network board answers each member as whois does with the board's horizon.

``board.member_now`` looks at every contact over two days first and over the whole
16-day horizon only where the board may show the answer (views/board.py,
``BOARD_FIRST_LOOK``). These tests hold it to ``whois``, which looks at every contact
over every window, on random rosters of every rule kind, in zones with summer time,
at random instants and at handovers."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from hypothesis import HealthCheck, given, settings, strategies as st

from ctcontacts.directory.importer import import_files
from ctcontacts.domain.members import builtin_networks
from ctcontacts.domain.model import Contact, Roster
from ctcontacts.domain.rules import parse_rule
from ctcontacts.storage import store
from ctcontacts.storage.db import connect
from ctcontacts.views import board, whois

from .conftest import contact, roster, roster_file

ZONES = ["Europe/Paris", "Europe/Dublin", "Africa/Casablanca", "America/Santiago", "Australia/Lord_Howe", "UTC"]
DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
BASE = dt.datetime(2026, 3, 20)  # a week before Europe's clocks go forward

hours = st.integers(0, 23)


@st.composite
def rule_text(draw):
    kind = draw(st.sampled_from(["weekly", "overnight", "dated", "long", "recurrence", "monthly", "always"]))
    day = BASE + dt.timedelta(days=draw(st.integers(-20, 40)), hours=draw(hours))
    if kind == "weekly":
        days = sorted(set(draw(st.lists(st.integers(0, 6), min_size=1, max_size=7))))
        start = draw(st.integers(0, 20))
        return f"{','.join(DAYS[d] for d in days)} {start:02d}:00-{draw(st.integers(start + 1, 24)):02d}:00"
    if kind == "overnight":
        return f"{DAYS[draw(st.integers(0, 6))]} {draw(st.integers(12, 23)):02d}:00-{draw(hours):02d}:00"
    if kind == "dated":
        return f"{day:%Y-%m-%dT%H:%M}/PT{draw(st.sampled_from([8, 12, 24]))}H"
    if kind == "long":  # a week or three on call: its end lies beyond the first look
        return f"{day:%Y-%m-%dT%H:%M}/P{draw(st.sampled_from([3, 7, 21]))}D"
    if kind == "recurrence":
        every = draw(st.sampled_from(["FREQ=DAILY;INTERVAL=2", "FREQ=DAILY;INTERVAL=5", "FREQ=WEEKLY;BYDAY=MO,TH",
                                      "FREQ=WEEKLY;INTERVAL=3"]))
        return f"R/{day:%Y-%m-%dT%H:%M}/PT{draw(st.sampled_from([8, 12, 24, 36]))}H/{every}"
    if kind == "monthly":
        return f"R/{day:%Y-%m-%dT%H:%M}/P{draw(st.sampled_from([1, 4]))}D/FREQ=MONTHLY;BYDAY=1FR"
    return "24/7"


@st.composite
def duty(draw):
    rules = draw(st.lists(rule_text(), min_size=0, max_size=3))
    if rules and draw(st.booleans()):
        rules.append("off " + draw(st.sampled_from(["Mo-Fr 12:00-13:00", "Sa,Su 00:00-24:00", "2026-03-28T00:00/P4D"])))
    return rules


@st.composite
def a_roster(draw):
    zone = draw(st.sampled_from(ZONES))
    contacts = []
    for i in range(draw(st.integers(1, 5))):
        contacts.append(Contact(
            f"c{i}", f"Contact {i}", draw(st.sampled_from([zone, zone, "UTC"])),
            [parse_rule(text) for text in draw(duty())], rank=draw(st.integers(1, 3)),
            languages=draw(st.sampled_from([["fr"], ["en"], ["en", "fr"], []]))))
    return Roster("ftf", "FR", "2026-01-01", contacts)


def lines(entries) -> list[tuple]:
    return [(e.contact.id, e.status.until, e.status.next_start if not e.status.on_duty else None) for e in entries]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(roster=a_roster(), offset=st.integers(0, 50 * 86400), speaks=st.sampled_from([None, "fr", "de"]))
def test_the_board_names_whom_whois_names(tmp_path, roster, offset, speaks):
    conn = connect(tmp_path / "board.db", create=True)
    net = builtin_networks()["ftf"]
    at = int((BASE - dt.timedelta(days=10)).replace(tzinfo=dt.timezone.utc).timestamp()) + offset
    # Also at a handover: the first start after ``at`` of any contact, and one second either side.
    moments = [at]
    starts = [e.status.next_start for e in whois._entries(conn, roster, at, None, board.BOARD_HORIZON, None,
                                                          marks_read=({}, {})) if e.status.next_start]
    if starts:
        moments += [min(starts) - 1, min(starts), min(starts) + 1]
    for moment in moments:
        expected = whois._answer(conn, net, "FR", roster, moment, moment, trust_day=moment, speaks=speaks,
                                 fallback=False, horizon=board.BOARD_HORIZON, marks_read=({}, {}))
        on_duty, nxt, others = board.member_now(conn, roster, moment, speaks, ({}, {}))
        assert lines(on_duty) == lines(expected.on_duty)
        assert [(e.contact.id, e.status.next_start) for e in nxt] == [
            (e.contact.id, e.status.next_start) for e in expected.next]
        assert lines(others) == lines(expected.on_duty_not_speaking)
        assert board.status_of(roster, on_duty) == board.status_of(roster, expected.on_duty)


# --- the dated shifts a board reads, by their start (migration m008) ----------------



def _long_shift_board(tmp_path, cli):
    """FR: one shift of 20 days that began 10 days before "now" (2026-11-29T02:00Z) and
    a short one next week; DE: 12-hour shifts. The long shift starts long before any
    window a board reads: only the version's longest shift says how far back to look."""
    cli("import", roster_file(tmp_path, roster("FR", contacts=[
        contact(duty=["2026-11-19T02:00/P20D", "2026-12-10T08:00/PT12H"])]), roster("DE", contacts=[
        contact("de-desk", timezone="Europe/Berlin", duty=["2026-11-28T20:00/PT12H", "2026-11-29T08:00/PT12H"])])))
    doc = json.loads(cli("now", "-n", "ftf", "--json").stdout)
    return {m["member"]: ([d["until"] for d in m["on_duty"]], [n["from"] for n in m["next"]]) for m in doc["members"]
            if m["member"] in ("FR", "DE")}


# FR: until the long shift ends, next on 10 December; DE: the two shifts touch (20:00 to
# 08:00 and 08:00 to 20:00, Berlin), one duty until 19:00Z.
EXPECTED = {"FR": (["2026-12-09T01:00:00Z"], ["2026-12-10T07:00:00Z"]), "DE": (["2026-11-29T19:00:00Z"], [])}


def test_a_shift_that_began_long_before_the_board_is_read(tmp_path, cli, db_path):
    assert _long_shift_board(tmp_path, cli) == EXPECTED
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT max(longest_dated) FROM roster_versions").fetchone()[0] == 20 * 86400


def _fr_until_after(cli, db_path, *statements: str) -> list:
    """FR's ``until`` on the board after the database was changed by ``statements``."""
    conn = sqlite3.connect(db_path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    doc = json.loads(cli("now", "-n", "ftf", "--json").stdout)
    return [d["until"] for m in doc["members"] if m["member"] == "FR" for d in m["on_duty"]]


def test_a_database_from_before_the_index_is_upgraded(tmp_path, cli, db_path):
    """A database written before m008 gets the index and each version's longest shift."""
    assert _long_shift_board(tmp_path, cli) == EXPECTED
    assert _fr_until_after(cli, db_path, "DROP INDEX duty_rules_by_start",
                           "ALTER TABLE roster_versions DROP COLUMN longest_dated",
                           "DELETE FROM _sqlite_migrations WHERE name = 'm008_dated_by_start'") == EXPECTED["FR"][0]
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT max(longest_dated) FROM roster_versions").fetchone()[0] == 20 * 86400


def test_a_version_whose_longest_shift_is_unknown_is_read_whole(tmp_path, cli, db_path):
    assert _long_shift_board(tmp_path, cli) == EXPECTED
    assert _fr_until_after(cli, db_path, "UPDATE roster_versions SET longest_dated = NULL") == EXPECTED["FR"][0]


# --- two days read first, the rest of the dated shifts for whoever needs them ----------


NOW = int(dt.datetime(2026, 11, 29, 2, tzinfo=dt.timezone.utc).timestamp())


@st.composite
def dated_shifts(draw):
    # Shifts from a week before "now" to a month after it: some in the two days a board
    # reads first, some only within its 16 days, some beyond; a few of them 'off'.
    out = []
    for _ in range(draw(st.integers(1, 10))):
        start = dt.datetime(2026, 11, 22) + dt.timedelta(minutes=30 * draw(st.integers(0, 38 * 48)))
        text = f"{start:%Y-%m-%dT%H:%M}/PT{draw(st.sampled_from([4, 12, 24, 72, 24 * 9]))}H"
        out.append(("off " + text) if draw(st.integers(0, 6)) == 0 else text)
    return sorted(set(out))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(fr=dated_shifts(), de=dated_shifts(), weekly=st.sampled_from([[], ["Sa 10:00-12:00"]]),
       offsets=st.lists(st.integers(-86400, 20 * 86400), min_size=1, max_size=4))
def test_shifts_read_after_the_first_two_days_give_whois_answer(tmp_path_factory, monkeypatch, fr, de, weekly,
                                                                 offsets):
    tmp = tmp_path_factory.mktemp("board")
    db = tmp / "board.db"
    import_files(db, [roster_file(tmp, roster("FR", contacts=[contact(duty=fr), contact("fr-b", duty=fr[::2] + weekly)]),
                                  roster("DE", contacts=[contact("de-desk", timezone="Europe/Berlin", duty=de)]))],
                 now=NOW)
    conn = connect(db)
    one_at_a_time = []
    real = store.contact_duty
    monkeypatch.setattr(store, "contact_duty", lambda *a, **k: one_at_a_time.append(a) or real(*a, **k))
    for offset in offsets:
        at = NOW + offset
        shown = {m["member"]: m for m in board.now_board(conn, ["ftf"], at, NOW)}
        for member in ("FR", "DE"):
            expected = whois.whois(conn, "ftf", member, at, NOW, fallback=False, horizon=board.BOARD_HORIZON)
            line = shown[member]
            assert [(d["id"], d["until"]) for d in line["on_duty"]] == [
                (e.contact.id, whois.format_utc(e.status.until) if e.status.until else None) for e in expected.on_duty]
            assert [(n["id"], n["from"]) for n in line["next"]] == [
                (e.contact.id, whois.format_utc(e.status.next_start)) for e in expected.next]
    # Every shift the board needed past its first two days was read in its one statement.
    assert one_at_a_time == []
