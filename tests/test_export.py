"""export: JSON and CSV round-trip, formula-safe CSV, vCard and ICS read back by
independent parsers, and the JSON Schema kept in step with the importer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ctcontacts.formats import readers
from ctcontacts.directory.importer import demo_files

from .conftest import contact, roster, roster_file

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "data" / "roster.schema.json").read_text())

HOSTILE = contact(
    "fr-x", name="=HYPERLINK(\"http://evil.example\",\"click\")", agency="+cmd|' /C calc'!A0", role="-2+3",
    notes="@SUM(1)\nsecond line; with, punctuation", email="desk@example.org",
    duty=["Mo-Fr 08:00-18:00", "off 2026-12-24T00:00/2026-12-27T00:00",
          {"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20271231T000000Z", "start": "2026-11-02T09:00", "duration": "P7D"}],
    languages=["fr", "en"], verified="2026-10-01", secure_channel="I-24/7", rank=2)


def load_everything(tmp_path, cli):
    cli("demo")
    path = roster_file(tmp_path, roster("FR", network="cyber", contacts=[HOSTILE, contact("fr-y", duty=[])]),
                       networks=[{"code": "cyber", "name": "Cyber 24/7", "organization": "CoE", "fallback": "org:coe"}],
                       name="extra.json")
    assert cli("import", path).exit_code == 0


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_import_export_is_identical(tmp_path, cli, monkeypatch, fmt):
    load_everything(tmp_path, cli)
    first = tmp_path / f"first.{fmt}"
    assert cli("export", "--format", fmt, "--out", first).exit_code == 0
    monkeypatch.setenv("CTCONTACTS_DB", str(tmp_path / "empty.db"))
    if fmt == "csv":  # CSV has no place for network definitions: the target must know 'cyber'
        nets = roster_file(tmp_path, networks=[{"code": "cyber", "name": "Cyber 24/7", "organization": "CoE",
                                                "fallback": "org:coe"}], name="nets.json")
        assert cli("import", nets).exit_code == 0
    result = cli("import", first)
    assert result.exit_code == 0, result.stderr
    second = cli("export", "--format", fmt).stdout
    assert second == first.read_text(encoding="utf-8")
    # And the directory answers the same.
    doc = json.loads(cli("whois", "-c", "FR", "-n", "cyber", "--at", "2026-11-30T10:00Z", "--json").stdout)
    assert doc["on_duty"][0]["name"] == HOSTILE["name"]


def test_csv_cells_cannot_run_as_formulas(tmp_path, cli):
    load_everything(tmp_path, cli)
    text = cli("export", "--format", "csv", "--network", "cyber").stdout
    import csv
    import io

    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(readers.FORMULA_START), cell
    assert "'=HYPERLINK" in text and "'+33199001234" in text and "'@SUM(1)" in text


def test_json_export_matches_the_schema_and_the_demo_does_too(tmp_path, cli):
    jsonschema = pytest.importorskip("jsonschema")
    load_everything(tmp_path, cli)
    jsonschema.validate(json.loads(cli("export", "--format", "json").stdout), SCHEMA)
    for path in demo_files():
        if path.suffix == ".json":
            jsonschema.validate(json.loads(path.read_text()), SCHEMA)


def test_schema_names_exactly_the_fields_the_importer_reads():
    defs = SCHEMA["$defs"]
    assert set(SCHEMA["properties"]) == set(readers.TOP_FIELDS)
    assert set(defs["roster"]["properties"]) == set(readers.ROSTER_FIELDS)
    assert set(defs["contact"]["properties"]) == set(readers.CONTACT_FIELDS)
    assert set(defs["network"]["properties"]) == set(readers.NETWORK_FIELDS)
    assert set(defs["contact"]["required"]) == {"id", "name", "timezone", "duty"}
    assert all(d["additionalProperties"] is False for d in (SCHEMA, defs["roster"], defs["contact"], defs["network"]))
    from ctcontacts.domain.rules import RECURRENCE_FIELDS

    assert set(defs["recurrence"]["properties"]) == set(RECURRENCE_FIELDS)
    assert defs["recurrence"]["additionalProperties"] is False


ZONED = [
    {"rrule": "FREQ=WEEKLY;BYDAY=MO", "start": "2026-11-02T09:00", "duration": "PT8H", "timezone": "America/New_York"},
    {"rrule": "FREQ=DAILY", "start": "2026-11-01T19:00", "end": "2026-11-02T07:00", "timezone": "Europe/London"},
    {"off": {"rrule": "FREQ=MONTHLY;BYDAY=1FR", "start": "2026-12-04T10:00", "duration": "PT2H",
             "timezone": "America/New_York"}},
    "R/2026-11-03T20:00/2026-11-04T08:00/FREQ=WEEKLY;BYDAY=TU",
]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_rules_in_their_own_zone_or_with_an_end_round_trip(tmp_path, cli, monkeypatch, fmt):
    jsonschema = pytest.importorskip("jsonschema")
    doc = {"format": "ctcontacts-roster/1", "rosters": [roster("FR", contacts=[contact("fr-x", duty=ZONED)])]}
    jsonschema.validate(doc, SCHEMA)
    assert cli("import", roster_file(tmp_path, *doc["rosters"])).exit_code == 0
    exported = cli("export", "--format", fmt).stdout
    assert "R/2026-11-02T09:00[America/New_York]/PT8H/FREQ=WEEKLY;BYDAY=MO" in exported
    assert "R/2026-11-01T19:00[Europe/London]/2026-11-02T07:00/FREQ=DAILY" in exported
    assert "off R/2026-12-04T10:00[America/New_York]/PT2H/FREQ=MONTHLY;BYDAY=1FR" in exported
    if fmt == "json":
        jsonschema.validate(json.loads(exported), SCHEMA)
    path = tmp_path / f"out.{fmt}"
    path.write_text(exported, encoding="utf-8")
    monkeypatch.setenv("CTCONTACTS_DB", str(tmp_path / "again.db"))
    assert cli("import", path).exit_code == 0
    assert cli("export", "--format", fmt).stdout == exported
    # Monday 15 March 2027 09:00 in New York is 13:00Z (EDT since the 14th), 14:00 in Paris.
    doc = json.loads(cli("whois", "-c", "FR", "-n", "ftf", "--at", "2027-03-15T13:00:00Z", "--json").stdout)
    assert [c["id"] for c in doc["on_duty"]] == ["fr-x"]
    doc = json.loads(cli("whois", "-c", "FR", "-n", "ftf", "--at", "2027-03-15T12:59:59Z", "--json").stdout)
    assert doc["on_duty"] == []


@pytest.mark.parametrize("rule", [
    {"rrule": "FREQ=DAILY", "start": "2026-11-01T19:00"},
    {"rrule": "FREQ=DAILY", "start": "2026-11-01T19:00", "duration": "PT1H", "end": "2026-11-01T20:00"},
    {"rrule": "FREQ=DAILY", "start": "2026-11-01T19:00", "duration": "PT1H", "zone": "UTC"},
])
def test_schema_and_importer_agree_on_recurrence_objects(tmp_path, cli, rule):
    jsonschema = pytest.importorskip("jsonschema")
    doc = {"format": "ctcontacts-roster/1", "rosters": [roster("FR", contacts=[contact(duty=[rule])])]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)
    assert cli("import", roster_file(tmp_path, *doc["rosters"])).exit_code == 2


def test_schema_and_importer_agree_on_unknown_fields(tmp_path, cli):
    jsonschema = pytest.importorskip("jsonschema")
    doc = {"format": "ctcontacts-roster/1", "rosters": [roster("FR", contacts=[contact(mobile="x")])]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)
    p = tmp_path / "x.json"
    p.write_text(json.dumps(doc))
    assert cli("import", p).exit_code == 2


def test_vcard_export_reads_back_with_vobject(tmp_path, cli):
    vobject = pytest.importorskip("vobject")
    load_everything(tmp_path, cli)
    out = tmp_path / "cards.vcf"
    assert cli("export", "--format", "vcf", "--network", "cyber", "--out", out).exit_code == 0
    text = out.read_bytes().decode("utf-8")
    cards = list(vobject.readComponents(text))
    assert len(cards) == 2
    card = next(c for c in cards if c.fn.value == HOSTILE["name"])
    assert card.version.value == "4.0"
    assert [t.value for t in card.contents["tel"]] == ["tel:+33199001234"]
    assert card.email.value == "desk@example.org"
    assert card.role.value == "-2+3"
    assert {lang.value for lang in card.contents["lang"]} == {"fr", "en"}
    assert "Mon-Fri 08:00-18:00" in card.note.value
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_ics_export_keeps_recurrences_and_flattens_the_rest(tmp_path, cli):
    import icalendar
    import recurring_ical_events

    cli("import", roster_file(tmp_path, roster("FR", contacts=[
        contact("rota", duty=[{"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "start": "2026-11-02T09:00", "duration": "P7D"}]),
        contact("office", duty=["Mo-Fr 08:00-18:00", "off 2026-12-24T00:00/2026-12-27T00:00"])])))
    text = cli("export", "--format", "ics", "--from", "2026-12-21T00:00Z", "--days", "7").stdout
    cal = icalendar.Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    rota = [e for e in events if str(e["uid"]).startswith("ftf-FR-rota")]
    assert len(rota) == 1 and rota[0]["rrule"]["FREQ"] == ["WEEKLY"] and rota[0]["rrule"]["INTERVAL"] == [2]
    assert str(rota[0]["dtstart"].dt.tzinfo) == "Europe/Paris" and rota[0]["duration"].dt == dt.timedelta(days=7)
    office = sorted((e["dtstart"].dt, e["dtend"].dt) for e in events if str(e["uid"]).startswith("ftf-FR-office"))
    utc = dt.timezone.utc
    assert office == [(dt.datetime(2026, 12, d, 7, tzinfo=utc), dt.datetime(2026, 12, d, 17, tzinfo=utc)) for d in (21, 22, 23)]
    # An independent expansion of the RRULE gives the weeks on duty.
    starts = [o["dtstart"].dt.date() for o in recurring_ical_events.of(cal).between(dt.date(2026, 11, 1), dt.date(2026, 12, 31))
              if str(o["uid"]).startswith("ftf-FR-rota")]
    assert starts == [dt.date(2026, 11, 2), dt.date(2026, 11, 16), dt.date(2026, 11, 30), dt.date(2026, 12, 14), dt.date(2026, 12, 28)]
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Paris" in text


def test_export_usage_errors(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR")))
    result = cli("export", "--format", "xls")
    assert result.exit_code == 2 and "unknown format" in result.stderr
    result = cli("export", "--out", tmp_path / "no" / "such" / "dir" / "x.json")
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_csv_keeps_a_leading_apostrophe_of_the_value(tmp_path, cli, monkeypatch):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(name="'=already", notes="'quoted")])))
    out = tmp_path / "fr.csv"
    cli("export", "--format", "csv", "--out", out)
    monkeypatch.setenv("CTCONTACTS_DB", str(tmp_path / "empty.db"))
    assert cli("import", out).exit_code == 0
    doc = json.loads(cli("export", "--format", "json").stdout)
    c = doc["rosters"][0]["contacts"][0]
    assert (c["name"], c["notes"]) == ("'=already", "'quoted")


def test_ics_export_of_a_rule_whose_start_is_not_an_occurrence(tmp_path, cli):
    import icalendar

    cli("import", roster_file(tmp_path, roster("FR", contacts=[
        contact("x", duty=["R/2026-11-01T09:00/PT8H/FREQ=WEEKLY;BYDAY=MO"])])))  # 1 Nov is a Sunday
    text = cli("export", "--format", "ics", "--from", "2026-10-31T00:00Z", "--days", "3").stdout
    starts = sorted(e["dtstart"].dt for e in icalendar.Calendar.from_ical(text).walk("VEVENT"))
    assert [s.isoformat() for s in starts] == ["2026-11-02T08:00:00+00:00"]
    assert cli("export", "--format", "ics", "--days", "99999999").exit_code == 2


def test_ics_export_writes_durations_as_the_rule_says(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact("x", duty=["R/2026-11-02T09:00/PT24H/FREQ=WEEKLY"])])))
    text = cli("export", "--format", "ics").stdout
    assert "DURATION:PT24H" in text


def test_ics_export_is_the_same_bytes_in_every_process(tmp_path, cli, db_path):
    # icalendar adds VTIMEZONEs in set order, which Python varies per process.
    import os
    import subprocess
    import sys

    zones = ["Europe/Paris", "Europe/Brussels", "Europe/Amsterdam", "America/Bogota", "Asia/Tokyo", "Africa/Casablanca"]
    contacts = [contact(f"c{i}", timezone=z, duty=[f"R/2026-01-0{1 + i}T08:00/PT8H/FREQ=WEEKLY"]) for i, z in enumerate(zones)]
    assert cli("import", roster_file(tmp_path, roster("FR", contacts=contacts))).exit_code == 0
    outputs = set()
    for seed in range(6):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        result = subprocess.run([sys.executable, "-m", "ctcontacts", "--db", str(db_path), "export", "--format", "ics"],
                                capture_output=True, text=True, env=env, check=True)
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert next(iter(outputs)).count("BEGIN:VTIMEZONE") == len(zones)


from hypothesis import given, strategies as st  # noqa: E402


@given(st.text(alphabet=st.sampled_from("ab é中😀\u200d;,"), max_size=400))
def test_folded_lines_are_at_most_75_octets_and_unfold_to_the_line(line):
    from ctcontacts.formats.export import _fold

    folded = _fold(line)
    physical = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert "".join([physical[0]] + [p[1:] for p in physical[1:]]) == line
