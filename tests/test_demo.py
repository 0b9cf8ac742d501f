"""The demo directory: fictional, valid, marked, and useful on any date."""

import datetime as dt
import json
import re

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ctcontacts.time import clock
from ctcontacts.storage.db import connect
from ctcontacts.directory.importer import demo_files, load_demo
from ctcontacts.views.whois import DEMO_WARNING, whois

FICTION = re.compile(r"^\+(3319900\d{4}|442079460\d{3}|1\d{3}55501\d\d)$")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    load_demo(path, now=clock.now())
    return connect(path)


def test_demo_has_every_network_and_enough_members(demo_db):
    rows = demo_db.execute("SELECT r.network, r.member, v.demo FROM rosters r "
                           "JOIN roster_versions v ON v.id = r.version_id").fetchall()
    assert {r["network"] for r in rows} == {"ftf", "vot", "iactn"}
    countries = {r["member"] for r in rows if not r["member"].startswith("org:")}
    assert len(countries) >= 15
    assert {("ftf", "org:coe"), ("ftf", "org:eu"), ("vot", "org:coe"), ("iactn", "org:oas-cicte")} <= {
        (r["network"], r["member"]) for r in rows}
    assert all(r["demo"] for r in rows)


def test_every_demo_number_is_valid_and_in_a_fiction_range(demo_db):
    for (phones,) in demo_db.execute("SELECT phones FROM current_contacts"):
        for number in json.loads(phones):
            assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
            assert FICTION.match(number), number


def test_demo_addresses_are_reserved_domains(demo_db):
    for (email,) in demo_db.execute("SELECT email FROM current_contacts WHERE email != ''"):
        assert email.endswith((".example", "@example.org")), email


def test_spain_has_contacts_in_two_zones(demo_db):
    zones = {z for (z,) in demo_db.execute("SELECT timezone FROM current_contacts WHERE network='ftf' AND member='ES'")}
    assert zones == {"Europe/Madrid", "Atlantic/Canary"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.integers(int(dt.datetime(1995, 1, 1).timestamp()), int(dt.datetime(2060, 1, 1).timestamp())))
def test_demo_gives_someone_to_call_on_any_date(demo_db, at):
    for row in demo_db.execute("SELECT network, member FROM rosters").fetchall():
        answer = whois(demo_db, row["network"], row["member"], at, at)
        assert answer.on_duty or answer.fallback, (row["network"], row["member"], at)
        assert answer.warnings[0] == DEMO_WARNING


def test_demo_files_are_in_the_project():
    names = {p.name for p in demo_files()}
    assert {"ftf.json", "vot.json", "iactn.json"} <= names
