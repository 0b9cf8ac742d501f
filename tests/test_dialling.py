"""Numbers as people read and dial them (issue 14): grouped in international form,
and the digits to dial from the caller's own country, held to libphonenumber's own
formatting (``format_out_of_country_calling_number``), never to hand-written strings.

A lookup does not load libphonenumber: what it needs was stored at import.
"""

from __future__ import annotations

import json
import os
import sqlite3

import phonenumbers
import pytest

from ctcontacts.domain.dialling import dial, dialling_regions, number_formats

from .conftest import contact, roster, roster_file
from .test_startup import loaded_modules

# Numbers from every kind of plan: European (FR, GB, DE), NANP (US, CA, a Caribbean
# member), Japan and Australia, a country sharing its code (RU/KZ), Kosovo.
NUMBERS = ["+33199001001", "+442079460137", "+4930901820", "+12025550101", "+16135550105", "+18095550101",
           "+81312345678", "+61291234567", "+74951234567", "+77172123456", "+38345123456", "+35315550100"]
CALLERS = ["FR", "GB", "US", "DE", "JP", "AU", "CA", "DO", "RU", "KZ", "XK", "IE", "BR", "KR"]


def libphonenumber(e164: str, region: str) -> str:
    return phonenumbers.format_out_of_country_calling_number(phonenumbers.parse(e164), region)


@pytest.mark.parametrize("caller", CALLERS)
def test_dial_strings_are_libphonenumbers(caller):
    regions = {r: (code, prefix) for r, code, prefix in dialling_regions()}
    for number in NUMBERS:
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
        assert dial(number_formats(number), *regions[caller]) == libphonenumber(number, caller), (number, caller)


def test_every_region_dials_every_demo_number_as_libphonenumber_does():
    from ctcontacts.directory.importer import demo_files

    numbers = set(NUMBERS)
    for path in demo_files():
        if path.suffix == ".json":
            for r in json.loads(path.read_text(encoding="utf-8"))["rosters"]:
                for c in r["contacts"]:
                    numbers |= {phonenumbers.format_number(phonenumbers.parse(p), phonenumbers.PhoneNumberFormat.E164)
                                for p in c.get("phones", [])}
    for region, code, prefix in dialling_regions():
        for number in numbers:
            assert dial(number_formats(number), code, prefix) == libphonenumber(number, region), (number, region)


def test_grouped_forms_are_libphonenumbers():
    for number in NUMBERS:
        parsed = phonenumbers.parse(number)
        assert number_formats(number) == [
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)]


@pytest.fixture
def world(tmp_path, cli):
    path = roster_file(tmp_path, roster("GB", contacts=[
        contact("gb-ops", phones=["+44 20 7946 0137"], timezone="Europe/London"),
    ]), roster("US", contacts=[contact("us-desk", phones=["+1 202 555 0101"], timezone="America/New_York")]),
        roster("JP", contacts=[contact("jp-desk", phones=["+81 3 1234 5678"], timezone="Asia/Tokyo")]))
    assert cli("import", path).exit_code == 0


@pytest.mark.parametrize("caller,member,number", [
    ("FR", "GB", "+442079460137"), ("US", "GB", "+442079460137"), ("GB", "GB", "+442079460137"),
    ("DE", "JP", "+81312345678"), ("JP", "GB", "+442079460137"), ("AU", "US", "+12025550101"),
    ("CA", "US", "+12025550101"), ("US", "US", "+12025550101"), ("JP", "JP", "+81312345678"),
])
def test_whois_json_keeps_e164_and_adds_the_dial_string(world, cli, caller, member, number):
    result, doc = cli.json("whois", "-c", member, "-n", "ftf", "--dial-from", caller)
    entry = doc["on_duty"][0]
    assert entry["phones"] == [number]
    assert entry["phones_international"] == [phonenumbers.format_number(
        phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.INTERNATIONAL)]
    assert entry["dial"] == [libphonenumber(number, caller)]
    assert doc["dial_from"] == caller


def test_the_country_to_dial_from_by_option_environment_or_settings(world, cli, monkeypatch):
    def dialled():
        return cli.json("whois", "-c", "GB", "-n", "ftf")[1]["on_duty"][0]["dial"]

    assert dialled() is None
    result = cli("settings", "--dial-from", "France")
    assert result.exit_code == 0, result.output
    assert "France (FR)" in result.stdout
    settings = os.path.join(os.environ["XDG_CONFIG_HOME"], "ctcontacts", "settings.json")
    assert json.load(open(settings, encoding="utf-8")) == {"dial_from": "FR"}
    assert os.stat(settings).st_mode & 0o077 == 0  # readable by you only
    assert dialled() == ["00 44 20 7946 0137"]
    monkeypatch.setenv("CTCONTACTS_DIAL_FROM", "us")
    assert dialled() == ["011 44 20 7946 0137"]
    result, doc = cli.json("whois", "-c", "GB", "-n", "ftf", "--dial-from", "Japan")
    assert doc["on_duty"][0]["dial"] == ["010 44 20 7946 0137"]
    monkeypatch.setenv("CTCONTACTS_DIAL_FROM", "")  # set empty: no country, whatever the settings say
    assert dialled() is None
    monkeypatch.delenv("CTCONTACTS_DIAL_FROM")
    assert cli("settings", "--no-dial-from").exit_code == 0
    assert dialled() is None
    assert json.loads(cli("settings", "--json").stdout) == {}


@pytest.mark.parametrize("value,message", [("org:coe", "not a country"), ("Atlantis", "unknown country"),
                                           ("ZZ", "not a country whose dialling")])
def test_a_country_that_cannot_be_dialled_from_is_a_usage_error(world, cli, value, message):
    result = cli("whois", "-c", "GB", "-n", "ftf", "--dial-from", value)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_damaged_settings_file_is_one_sentence(world, cli):
    folder = os.path.join(os.environ["XDG_CONFIG_HOME"], "ctcontacts")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "settings.json"), "w", encoding="utf-8") as f:
        f.write("{not json")
    result = cli("whois", "-c", "GB", "-n", "ftf")
    assert result.exit_code == 2 and "settings file" in result.stderr and "Traceback" not in result.stderr


def test_a_lookup_that_dials_loads_no_libphonenumber(tmp_path, world, cli, db_path):
    for args in (["--json"], []):
        loaded = loaded_modules(tmp_path, "--db", str(db_path), "whois", "-c", "GB", "-n", "ftf", "--dial-from", "FR",
                                *args)
        assert "ctcontacts" in loaded and "phonenumbers" not in loaded and "pycountry" not in loaded


def test_the_migration_fills_numbers_stored_before_it(tmp_path, cli, db_path):
    """A database of m005 (before phone formats) is upgraded: every stored version's
    numbers get their forms, and the dialling prefixes are there."""
    assert cli("import", roster_file(tmp_path, roster("GB", contacts=[
        contact("gb-ops", phones=["+44 20 7946 0137"], timezone="Europe/London")]))).exit_code == 0
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE contacts SET phone_formats = NULL")
    conn.execute("DROP TABLE dial_regions")
    conn.execute("ALTER TABLE contacts DROP COLUMN phone_formats")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_phone_formats'")
    conn.commit()
    conn.close()
    result, doc = cli.json("whois", "-c", "GB", "-n", "ftf", "--dial-from", "US")
    assert doc["on_duty"][0]["phones_international"] == ["+44 20 7946 0137"]
    assert doc["on_duty"][0]["dial"] == ["011 44 20 7946 0137"]


def test_a_number_without_stored_forms_is_shown_in_e164(tmp_path, cli, db_path):
    assert cli("import", roster_file(tmp_path, roster("GB", contacts=[
        contact("gb-ops", phones=["+44 20 7946 0137"], timezone="Europe/London")]))).exit_code == 0
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE contacts SET phone_formats = '[\"damaged\"]'")
    conn.commit()
    result, doc = cli.json("whois", "-c", "GB", "-n", "ftf", "--dial-from", "US")
    assert doc["on_duty"][0]["phones_international"] == ["+442079460137"]
    assert doc["on_duty"][0]["dial"] == [None]
    assert "+442079460137" in cli("whois", "-c", "GB", "-n", "ftf").stdout


def test_forms_made_at_validation_are_the_stored_ones(tmp_path, cli, db_path):
    """Validation reads each phone once (cached by text and region) and keeps its
    forms; what is stored is what ``number_formats`` makes of the E.164 number, the
    same number read in another member's country is read there, and a number written
    twice is stored once."""
    local_gb = "020 7946 0137"
    assert cli("import", roster_file(
        tmp_path,
        roster("GB", contacts=[contact("gb-a", phones=[local_gb, "+44 20 7946 0137", "+33 1 99 00 10 01"],
                                       timezone="Europe/London"),
                               contact("gb-b", phones=["+1 202 555 0101", local_gb], timezone="Europe/London")]),
        roster("IE", contacts=[contact("ie-a", phones=["01 555 0100"], timezone="Europe/Dublin")]),
    )).exit_code == 0
    conn = sqlite3.connect(db_path)
    stored = {cid: (json.loads(p), json.loads(f)) for cid, p, f in conn.execute(
        "SELECT id, phones, phone_formats FROM contacts")}
    assert stored["gb-a"][0] == ["+442079460137", "+33199001001"]
    assert stored["gb-b"][0] == ["+12025550101", "+442079460137"]
    assert stored["ie-a"][0] == ["+35315550100"]
    for phones, forms in stored.values():
        assert forms == [number_formats(p) for p in phones]
    # The text read in Great Britain is no number in France: the cache is by region too.
    result = cli("import", roster_file(tmp_path, roster("FR", contacts=[contact("fr-a", phones=[local_gb])]),
                                       name="fr.json"))
    assert result.exit_code == 2 and "is not a valid number for its country" in result.stderr
