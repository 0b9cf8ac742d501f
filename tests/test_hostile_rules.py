"""Hostile rosters (issue 10): rules that would make lookups hang, fields that would make
them slow, zones that do not follow a country's clock. Each is refused at import with a
clear reason and nothing written; what an older version stored anyway is reported and
never evaluated, and every view still answers."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ctcontacts.base import limits
from ctcontacts.domain.engine import duty_intervals
from ctcontacts.domain.rules import RuleError, parse_rule
from ctcontacts.time.zones import lookup_zone

from .conftest import contact, dump, roster, roster_file

# --- rules a duty pattern may not have ---------------------------------------------------

REFUSED = [
    ("R/2026-01-01T07:00/PT1S/FREQ=SECONDLY", "FREQ=SECONDLY is not a duty pattern"),
    ({"rrule": "FREQ=SECONDLY", "start": "2026-01-01T07:00", "duration": "P400D"}, "FREQ=SECONDLY is not a duty pattern"),
    ("off R/2026-01-01T07:00/PT1M/FREQ=MINUTELY", "FREQ=MINUTELY is not a duty pattern"),
    ({"off": {"rrule": "FREQ=MINUTELY", "start": "2026-01-01T07:00", "duration": "PT1M"}}, "not a duty pattern"),
    # BYxxx parts multiply the starts of a coarse frequency: 24 hours x 60 minutes a day.
    ("R/2026-01-01T00:00/PT1M/FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE="
     + ",".join(map(str, range(60))), "can start 1,440 shifts a day"),
    ("R/2026-01-01T00:00/PT1M/FREQ=HOURLY;BYMINUTE=0,30", "can start 48 shifts a day"),
    ("R/2026-01-01T00:00/P400D/FREQ=YEARLY", "a recurring shift lasts at most 31 days"),
    ("R/2026-01-01T00:00/P1M/FREQ=HOURLY", "overlap up to 744 at a time; one recurrence's shifts may overlap at most 31"),
    ("R/2026-01-01T00:00/PT1H/FREQ=DAILY;COUNT=10001", "COUNT is at most 10,000"),
    ("R/2026-01-01T00:00/PT1H/FREQ=DAILY;COUNT=3700", "do not all start within 10 years of the first"),
    ("R/1900-01-01T00:00/PT1H/FREQ=HOURLY;COUNT=10000;BYMONTH=2;BYMONTHDAY=29;BYHOUR=5", "within 10 years"),
    ("R/2026-01-02T00:00/PT1H/FREQ=DAILY;INTERVAL=²", "INTERVAL must be a whole number from 1"),
    ("R/2026-01-02T00:00/PT1H/FREQ=DAILY;BYMONTH=13", "BYMONTH='13' is out of range (1 to 12)"),
    ("R/2026-01-01T00:00/PT1H/FREQ=DAILY;INTERVAL=1001", "INTERVAL is at most 1000"),
    ("R/2026-01-01T00:00/PT1H/FREQ=DAILY;BYEASTER=0", "'BYEASTER' is not a part of an RRULE"),
    ("R/2026-01-01T00:00/PT1H/FREQ=DAILY;BYWEEKNO=3", "BYWEEKNO cannot be used with FREQ=DAILY"),
    ("R/2026-01-01T00:00/PT1H/FREQ=HOURLY;BYDAY=MO;BYMONTHDAY=13", "give BYDAY or BYMONTHDAY, not both"),
    # Rules that never occur, found without walking to the year 9999.
    ("R/2026-01-01T00:00/PT1H/FREQ=DAILY;BYSETPOS=2", "no occurrence in the five years"),
    ("R/2026-01-01T00:00/PT1H/FREQ=HOURLY;BYSETPOS=2", "no occurrence in the five years"),
    ("R/2026-01-06T00:00/PT1H/FREQ=DAILY;INTERVAL=7;BYDAY=MO", "no occurrence in the five years"),
    ("R/2026-01-01T00:00/PT1H/FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31", "no occurrence in the five years"),
    ("R/2026-01-01T00:00/PT1H/FREQ=WEEKLY;BYSETPOS=9", "no occurrence in the five years"),
    ("Mo-Fr 08:00-18:00" + ", 19:00-20:00" * 100, "a duty rule is at most 1,000 characters"),
]


@pytest.mark.parametrize("rule,reason", REFUSED, ids=[str(r)[:40] for r, _ in REFUSED])
def test_rules_beyond_the_limits_are_refused_and_nothing_changes(tmp_path, cli, db_path, rule, reason):
    cli("import", roster_file(tmp_path, roster("DE", contacts=[contact("de", timezone="Europe/Berlin")]), name="de.json"))
    before = dump(db_path)
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=[rule])])))
    assert result.exit_code == 2
    assert "rosters[0].contacts[0].duty[0], field 'duty'" in result.stderr and reason in result.stderr
    assert dump(db_path) == before


def test_rules_at_the_limits_are_taken():
    for text in ["R/2026-01-01T00:00/PT1H/FREQ=HOURLY", "R/2026-01-01T00:00/P1M/FREQ=MONTHLY",
                 "R/2026-01-01T00:00/PT31H/FREQ=HOURLY", "R/2026-01-01T00:00/P1M/FREQ=DAILY",
                 "R/2026-01-01T00:00/PT1H/FREQ=HOURLY;COUNT=10000", "R/2026-01-05T09:00/PT1H/FREQ=DAILY;INTERVAL=7;BYDAY=MO",
                 "R/2026-01-01T00:00/PT30M/FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;BYMINUTE=0,30"]:
        assert parse_rule(text).starts_per_day() <= limits.MAX_STARTS_PER_DAY


PARTS = st.sampled_from(["BYDAY=MO", "BYDAY=1FR", "BYDAY=MO,WE,FR", "BYMONTHDAY=31", "BYMONTHDAY=-1",
                         "BYMONTH=2", "BYMONTH=4,6", "BYHOUR=0,6,12,18", "BYHOUR=7", "BYMINUTE=0,15,30,45",
                         "BYSECOND=0,30", "BYSETPOS=1", "BYSETPOS=-1", "BYSETPOS=3", "BYYEARDAY=366",
                         "BYWEEKNO=53", "INTERVAL=3", "INTERVAL=7", "COUNT=500", "WKST=SU"])


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(freq=st.sampled_from(["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
       parts=st.lists(PARTS, max_size=4, unique=True),
       start=st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 1, 1)),
       duration=st.sampled_from(["PT1S", "PT1H", "PT12H", "P1D", "P7D", "P1M", "P40D"]))
def test_every_rule_taken_is_bounded(freq, parts, start, duration):
    """Whatever RRULE is tried, either it is refused or a year of it expands to at most
    the starts its limits allow, however long ago it began."""
    text = f"R/{start:%Y-%m-%dT%H:%M}/{duration}/FREQ={freq};" + ";".join(parts)
    try:
        rule = parse_rule(text.rstrip(";"))
    except RuleError:
        return
    assert rule.starts_per_day() <= limits.MAX_STARTS_PER_DAY
    lo = int(dt.datetime(2040, 6, 1, tzinfo=dt.timezone.utc).timestamp())
    from ctcontacts.domain import engine

    occurrences = list(engine._recurrence(rule, lookup_zone("Europe/Paris"), lo, lo + 366 * 86400))
    assert len(occurrences) <= limits.MAX_STARTS_PER_DAY * (366 + limits.MAX_OCCURRENCE_DAYS + 6)


# --- what an older version stored --------------------------------------------------------

def _stored(tmp_path, cli, db_path, duty, *, member="FR", extra=()):
    """Import a plain roster, then put ``duty`` in place of its rules as an older
    ctcontacts (or a damaged file) may have left them."""
    cli("import", roster_file(tmp_path, roster(member, contacts=[contact("x-hostile", name="Hostile", duty=["24/7"]),
                                                                 *extra]), name=f"{member}.json"))
    conn = sqlite3.connect(db_path)
    conn.execute("DELETE FROM duty_rules WHERE contact_id = 'x-hostile'")
    conn.executemany("INSERT INTO duty_rules (version_id, contact_id, position, rule) "
                     "SELECT version_id, 'x-hostile', ?, ? FROM contacts WHERE id = 'x-hostile'",
                     list(enumerate(duty)))
    conn.commit()
    conn.close()


HOSTILE_STORED = ["R/2026-01-01T07:00/PT1S/FREQ=SECONDLY", "24/7",
                  "off R/2026-01-01T07:00/PT1M/FREQ=MINUTELY"]


def test_a_stored_rule_beyond_the_limits_is_reported_never_evaluated(tmp_path, cli, db_path):
    _stored(tmp_path, cli, db_path, HOSTILE_STORED,
            extra=[contact("fr-desk", name="Desk", duty=["Mo-Fr 08:00-18:00"])])
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-12-01T10:00+01:00")
    assert result.exit_code == 0 and [c["id"] for c in doc["on_duty"]] == ["fr-desk"]
    assert any("'x-hostile' is not named as on duty" in w and "FREQ=SECONDLY" in w for w in doc["warnings"])
    # Never next either, and the human view says so on stderr.
    assert all(c["id"] != "x-hostile" for c in doc["next"])
    assert "x-hostile" in cli("whois", "-c", "FR", "-n", "ftf").stderr
    found = json.loads(cli("check", "--json").stdout)
    assert [(f["code"], f["severity"], f["contact"]) for f in found if f["code"] == "unreadable-duty"] == [
        ("unreadable-duty", "error", "x-hostile")]
    assert cli("check").exit_code == 4
    # Every other view answers, and none names the contact as on duty.
    board = json.loads(cli("now", "-n", "ftf", "--json").stdout)
    fr = next(m for m in board["members"] if m["member"] == "FR")
    assert all(c["id"] != "x-hostile" for c in fr["on_duty"])
    assert list(fr["not_evaluated"]) == ["x-hostile"] and "FREQ=SECONDLY" in fr["not_evaluated"]["x-hostile"]
    assert "x-hostile: duty not evaluated" in cli("now", "-n", "ftf").stdout
    plan = json.loads(cli("schedule", "-c", "FR", "-n", "ftf", "--days", "3", "--json").stdout)
    assert all(s["id"] != "x-hostile" for s in plan["shifts"])
    assert cli("coverage", "-n", "ftf", "-c", "FR", "--days", "30", "--json").exit_code in (0, 1)
    ics = cli("export", "--format", "ics", "-n", "ftf", "-c", "FR")
    assert ics.exit_code == 0 and "Hostile on duty" not in ics.stdout
    words = json.loads(cli("contacts", "-n", "ftf", "-c", "FR", "--json").stdout)
    hostile = next(c for c in words if c["id"] == "x-hostile")
    assert hostile["duty"] == HOSTILE_STORED and hostile["duty_in_words"][0].startswith("NOT EVALUATED")
    assert "NOT EVALUATED" in cli("export", "--format", "vcf", "-n", "ftf", "-c", "FR").stdout


def test_a_hostile_fallback_roster_does_not_stop_other_members(tmp_path, cli, db_path):
    _stored(tmp_path, cli, db_path, ["R/2026-01-01T07:00/PT1S/FREQ=SECONDLY"], member="org:coe")
    result, doc = cli.json("whois", "-c", "DE", "-n", "ftf")
    assert result.exit_code == 1 and doc["fallback"] == []
    assert any("org:coe 'x-hostile' is not named" in w for w in doc["warnings"])


def test_a_stored_roster_over_its_daily_starts_is_not_evaluated(tmp_path, cli, db_path):
    hourly = [f"R/2026-01-01T00:{m:02d}/PT1H/FREQ=HOURLY" for m in range(11)]  # 11 x 24 = 264 starts a day
    _stored(tmp_path, cli, db_path, hourly)
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert result.exit_code == 1
    assert any("start about 264 shifts a day" in w for w in doc["warnings"])


def test_a_roster_over_its_daily_starts_is_refused(tmp_path, cli):
    people = [contact(f"fr-{i}", duty=[f"R/2026-01-01T00:{i:02d}/PT1H/FREQ=HOURLY"]) for i in range(11)]
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=people)))
    assert result.exit_code == 2
    assert "rosters[0], field 'contacts'" in result.stderr and "start about 264 shifts a day" in result.stderr


def test_counts_per_contact_and_roster(tmp_path, cli):
    many = ["Mo 08:00-09:00"] * (limits.MAX_RECURRING_RULES_PER_CONTACT + 1)
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=many)])))
    assert result.exit_code == 2 and "at most 50 (dated intervals do not count)" in result.stderr
    people = [contact(f"fr-{i}") for i in range(limits.MAX_CONTACTS_PER_ROSTER + 1)]
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=people)))
    assert result.exit_code == 2 and "holds 501 contacts; a roster may have at most 500" in result.stderr
    shifts = [f"{dt.date(2026, 1, 1) + dt.timedelta(days=i)}T08:00/PT8H" for i in range(limits.MAX_RULES_PER_CONTACT + 1)]
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(duty=shifts)])))
    assert result.exit_code == 2 and "holds 20,001 rules; a contact may have at most 20,000" in result.stderr


# --- fields ------------------------------------------------------------------------------

def test_huge_fields_are_refused_without_being_echoed(tmp_path, cli, db_path):
    big = "x" * 5_000_000
    people = [contact("fr-a", notes=big), contact("fr-b", name="N" * 201), contact("fr-c", agency=big),
              contact("fr-d", phones=["+33 1 99 00 12 34"] * 11), contact("fr-e", email="a" * 250 + "@example.org"),
              contact("fr-f", phones=["+33" + " 1" * 30]), contact("fr-g", languages=["en"] * 21),
              contact("x" * 5000)]
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=people)))
    assert result.exit_code == 2 and not db_path.exists()
    err = result.stderr
    assert len(err) < 10_000  # every problem, none of the payload
    for needle in ["contacts[0], field 'notes': is 5,000,000 characters long; at most 4,000 are allowed",
                   "contacts[1], field 'name': is 201 characters long; at most 200",
                   "contacts[2], field 'agency': is 5,000,000 characters long",
                   "contacts[3], field 'phones': holds 11 values; at most 10",
                   "contacts[4], field 'email': is 262 characters long; at most 254",
                   "contacts[5], field 'phones': '+33 1 1 1", "at most 40 are allowed",
                   "contacts[6], field 'languages': holds 21 values; at most 20",
                   "contacts[7], field 'id': 'xxxxxxxx"]:
        assert needle in err, needle


def test_a_network_name_has_a_limit(tmp_path, cli):
    result = cli("import", roster_file(tmp_path, roster("FR"), networks=[{"code": "x", "name": "N" * 201}]))
    assert result.exit_code == 2 and "field 'name': is 201 characters long; at most 200" in result.stderr


# --- zones that are not places -----------------------------------------------------------

@pytest.mark.parametrize("zone", ["EST", "CET", "MST7MDT", "Etc/GMT+5", "est"])
def test_abbreviated_zones_are_refused(tmp_path, cli, zone):
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(timezone=zone)])))
    assert result.exit_code == 2
    assert "field 'timezone'" in result.stderr and "not the name of a place (Area/City)" in result.stderr
    assert cli("whois", "-c", "FR", "-n", "ftf", "--tz", zone).exit_code == 2


def test_a_stored_abbreviated_zone_still_answers(tmp_path, cli, db_path):
    cli("import", roster_file(tmp_path, roster("FR")))
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE contacts SET timezone = 'CET'")
    conn.commit()
    conn.close()
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert result.exit_code == 0 and doc["on_duty"][0]["timezone"] == "CET"
    assert any(f["code"] == "legacy-zone" for f in json.loads(cli("check", "--json").stdout))


# --- check's exit codes --------------------------------------------------------------------

def test_check_exit_codes_do_not_collide_with_usage_or_database_errors(tmp_path, cli, db_path):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact(verified="2026-10-01")])))
    assert cli("check").exit_code == 1  # warnings (members of ftf without a roster)
    assert cli("check", "--no-such-option").exit_code == 2
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE contacts SET phones = '[]', email = ''")
    conn.commit()
    conn.close()
    assert cli("check").exit_code == 4  # an error: a contact nobody can reach


def test_a_huge_stored_note_stays_off_the_lookup_path(tmp_path, cli, db_path, monkeypatch):
    """An older version let a 50 MB note in; a lookup does not read it (contacts does)."""
    cli("import", roster_file(tmp_path, roster("FR")))
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE contacts SET notes = ?", ["n" * 5_000_000])
    conn.commit()
    conn.close()
    from ctcontacts.storage import store

    read = []
    original = store.load_version

    def spy(*args, **kwargs):
        roster = original(*args, **kwargs)
        if roster is not None:
            read.extend(len(c.notes) for c in roster.contacts)
        return roster

    monkeypatch.setattr(store, "load_version", spy)
    assert cli("whois", "-c", "FR", "-n", "ftf", "--json").exit_code == 0
    assert read == [0]
    assert len(json.loads(cli("contacts", "-n", "ftf", "-c", "FR", "--json").stdout)[0]["notes"]) == 5_000_000


def test_no_problem_echoes_a_huge_value(tmp_path, cli):
    """Whichever field holds a megabyte, the problem quotes a short piece of it."""
    big = "x" * 1_000_000
    doc = {"format": "ctcontacts-roster/1", big: 1, "networks": [{"code": big, "name": "n", "fallback": big}],
           "rosters": [{"network": big, "member": big, "issued": big, "contacts": [
               {"id": "a", "name": "A", "phones": ["+33 1 99 00 12 34"], "timezone": big, "duty": ["2026-01-01T" + big],
                "verified": big, big: 1, "rank": big}]}]}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) >= 10 and max(map(len, lines)) < 2000
    csv = tmp_path / "big.csv"
    csv.write_text("network,member,id,name,phones,timezone,duty,issued\n"
                   f"ftf,FR,a,A,+33 1 99 00 12 34,Europe/Paris,24/7,{'y' * 100_000}\n", encoding="utf-8")
    result = cli("import", csv)
    assert result.exit_code == 2 and max(map(len, result.stderr.splitlines())) < 2000


def test_a_count_is_kept_as_the_until_of_its_last_shift():
    """The same shifts, and a lookup never walks the series from its start."""
    rule = parse_rule("R/2026-03-27T02:30/PT1H/FREQ=DAILY;COUNT=3")
    assert rule.text() == "R/2026-03-27T02:30/PT1H/FREQ=DAILY;UNTIL=20260329T023000"
    paris = lookup_zone("Europe/Paris")
    lo = int(dt.datetime(2026, 3, 26, tzinfo=dt.timezone.utc).timestamp())
    spans = duty_intervals([rule], paris, lo, lo + 10 * 86400)
    # Three shifts; the third starts in the spring-forward gap and is moved, not dropped.
    assert [dt.datetime.fromtimestamp(s, dt.timezone.utc).strftime("%d %H:%M") for s, _ in spans] == [
        "27 01:30", "28 01:30", "29 01:30"]


def test_more_stored_rules_than_the_limits_are_not_parsed(tmp_path, cli, db_path):
    """An older version let 25,000 rules into one contact: none is parsed at a lookup."""
    _stored(tmp_path, cli, db_path, ["Mo 08:00-09:00"] * (limits.MAX_RULES_PER_CONTACT + 5000),
            extra=[contact("fr-desk", name="Desk", duty=["24/7"])])
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert result.exit_code == 0 and [c["id"] for c in doc["on_duty"]] == ["fr-desk"]
    assert any("'x-hostile'" in w and "more stored duty rules than ctcontacts evaluates" in w for w in doc["warnings"])


def test_a_damaged_stored_entry_is_reported_not_a_traceback(tmp_path, cli, db_path):
    cli("import", roster_file(tmp_path, roster("FR", contacts=[contact("fr-a", name="A"), contact("fr-b", name="B"),
                                                               contact("fr-c", name="C")])))
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE contacts SET phones = 'not json' WHERE id = 'fr-a'")
    conn.execute("UPDATE contacts SET timezone = 'Mars/Base' WHERE id = 'fr-b'")
    conn.execute("UPDATE roster_versions SET issued = 'garbage'")
    conn.commit()
    conn.close()
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert result.exit_code == 0 and [c["id"] for c in doc["on_duty"]] == ["fr-c"]
    assert sum("stored entry is damaged" in w for w in doc["warnings"]) == 2
    for args in (["now", "-n", "ftf"], ["check"], ["contacts", "-n", "ftf", "-c", "FR"], ["search", "A"],
                 ["schedule", "-c", "FR", "-n", "ftf"], ["export", "--format", "ics"]):
        result = cli(*args)
        assert "Traceback" not in result.output and result.exit_code in (0, 1, 4), args


def test_a_file_of_endless_problems_stops_at_a_thousand(tmp_path, cli, db_path):
    """Two hundred thousand bad rows: the first thousand problems, and reading stops."""
    path = tmp_path / "bad.csv"
    path.write_text("network,member,id,name,timezone,duty\n" + "x,y\n" * 200_000, encoding="utf-8")
    result = cli("import", path, "--json")
    assert result.exit_code == 2 and not db_path.exists()
    assert len(result.stderr.splitlines()) == limits.MAX_PROBLEMS + 2
    assert "more than 1,000 problems found (the first 1,000 are listed)" in result.stderr
    doc = json.loads(result.stdout)
    assert len(doc["problems"]) == limits.MAX_PROBLEMS and doc["more_problems"] is True


def test_a_network_holds_at_most_300_rosters(tmp_path, cli):
    orgs = [roster(f"org:m{i}", contacts=[contact(f"m{i}")]) for i in range(limits.MAX_ROSTERS_PER_NETWORK + 1)]
    result = cli("import", roster_file(tmp_path, *orgs))
    assert result.exit_code == 2 and "ftf would hold 301 rosters; a network holds at most 300" in result.stderr
    assert cli("import", roster_file(tmp_path, *orgs[:300], name="ok.json")).exit_code == 0
