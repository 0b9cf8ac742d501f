"""The 03:00 screen (issue 14): every view fits the terminal at any width, from a
phone's SSH client to an operations-room screen, and never breaks or cuts a phone
number, an e-mail address or a time.

Each view is drawn at explicit widths (``COLUMNS``, never the real terminal's), and
what it must show whole is taken from its own ``--json``: every phone number in
international form and as dialled, every address, every time.
"""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

from ctcontacts.cli.app import app
from ctcontacts.cli.render import wall_time
from ctcontacts.time.zones import lookup_zone

from .conftest import contact, roster, roster_file

WIDTHS = [40, 60, 80, 120, 200]


@pytest.fixture
def directory(tmp_path, cli):
    """The demo, and a roster whose names, agency and address are as long as rosters get."""
    assert cli("demo").exit_code == 0
    long = roster("GR", contacts=[
        contact("gr-desk", name="Directorate of State Security, Counter-Terrorism Operations Centre (fictional)",
                agency="Hellenic Police Headquarters, Division of International Police Cooperation (fictional)",
                role="duty officer of the night shift", phones=["+30 21 0999 0000", "+30 21 0999 0001"],
                email="night-desk.counter-terrorism@hellenic-police.example", secure_channel="I-24/7 and SIENA",
                languages=["el", "en", "fr"], timezone="Europe/Athens", duty=["Mo-Su 00:00-08:00"]),
        contact("gr-day", name="Day desk", rank=2, phones=["+30 21 0999 0002"], timezone="Europe/Athens",
                duty=["Mo-Fr 08:00-20:00"])], demo=True)
    result = cli("import", roster_file(tmp_path, long))
    assert result.exit_code == 0, result.output


def draw(cli, width: int, *args) -> str:
    result = cli.runner.invoke(app, list(args), env={"COLUMNS": str(width)}, catch_exceptions=False,
                               prog_name="ctcontacts")
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def data(cli, *args):
    result = cli(*args, "--json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def assert_whole(out: str, width: int, wanted: set[str]) -> None:
    """Every wanted text on one line; no line wider than the screen unless it holds a
    text that is itself wider."""
    rows = out.splitlines()
    missing = sorted(w for w in wanted if w and not any(w in r for r in rows))
    assert not missing, f"broken or cut at {width} columns: {missing}\n{out}"
    wide = [r for r in rows if cell_len(r.rstrip()) > width and not any(len(w) > width - 2 and w in r for w in wanted)]
    assert not wide, f"lines wider than {width} columns:\n" + "\n".join(wide)


def contact_texts(entries: list[dict], email: bool = True) -> set[str]:
    """Numbers (grouped, and as dialled) and addresses; ``email=False``: an address
    only for a contact with no number (a schedule names the number to call)."""
    out = set()
    for e in entries:
        out.update(e.get("phones_international") or [])
        out.update(d for d in e.get("dial") or [] if d)
        if e.get("email") and (email or not e.get("phones")):
            out.add(e["email"])
    return out


def instant(text: str) -> int:
    import datetime as dt

    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


WHOIS = [("GB", []), ("FR", ["--speaks", "de"]), ("IT", []), ("GR", ["--at", "2026-11-29T03:00Z"])]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("member,extra", WHOIS, ids=[m for m, _ in WHOIS])
def test_whois_at_every_width(directory, cli, width, member, extra):
    args = ["whois", "-c", member, "-n", "ftf", "--dial-from", "US", "--tz", "America/New_York", *extra]
    doc = data(cli, *args)
    user = lookup_zone("America/New_York")
    entries = doc["on_duty"] + doc["fallback"] + doc["on_duty_not_speaking"] + doc["fallback_not_speaking"]
    wanted = contact_texts(entries)
    at = instant(doc["at"])
    for e in entries:
        zone = lookup_zone(e["timezone"])
        wanted.add(wall_time(zone, at))
        if e["until"]:
            wanted |= {wall_time(zone, instant(e["until"])), wall_time(user, instant(e["until"]))}
    if doc["next"]:
        start = instant(doc["next"][0]["from"])
        wanted |= {wall_time(lookup_zone(doc["next"][0]["timezone"]), start), wall_time(user, start)}
    wanted.add(wall_time(user, at))
    assert len(wanted) > 4
    assert_whole(draw(cli, width, *args), width, wanted)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scope", [["-n", "ftf"], ["--all-networks"]], ids=["ftf", "all"])
def test_now_at_every_width(directory, cli, width, scope):
    args = ["now", *scope, "--dial-from", "FR"]
    doc = data(cli, *args)
    user = lookup_zone("UTC")
    wanted = set()
    for m in doc["members"]:
        if m["on_duty"]:
            first = m["on_duty"][0]
            wanted |= {first["phones_international"][0], first["dial"][0]}
            if first["until"]:
                wanted.add(user.to_local(instant(first["until"])).strftime("%d %b %H:%M"))
        if m["local_time"] and m["status"] != "no_roster":
            wanted.add(m["local_time"][11:16] + " " + m["local_time"][19:])
    out = draw(cli, width, *args)
    assert_whole(out, width, wanted)
    # Every member with a roster is named, with its status: none is dropped to fit.
    for m in doc["members"]:
        if m["status"] != "no_roster":
            assert m["member_name"].split(" (")[0] in out.replace("\n", " ") or m["member"] in out


@pytest.mark.parametrize("width", WIDTHS)
def test_schedule_at_every_width(directory, cli, width):
    args = ["schedule", "-c", "ES", "-n", "ftf", "--days", "3", "--dial-from", "JP", "--tz", "Asia/Tokyo"]
    doc = data(cli, *args)
    user = lookup_zone("Asia/Tokyo")
    wanted = contact_texts(doc["shifts"], email=False)
    for s in doc["shifts"]:
        zone = lookup_zone(s["timezone"])
        if s["start_known"]:
            wanted |= {wall_time(zone, instant(s["start"])), wall_time(user, instant(s["start"]))}
        if s["end_known"]:
            wanted |= {wall_time(zone, instant(s["end"])), wall_time(user, instant(s["end"]))}
    wanted |= {doc["from"], doc["to"]}
    assert_whole(draw(cli, width, *args), width, wanted)


@pytest.mark.parametrize("width", WIDTHS)
def test_coverage_at_every_width(directory, cli, width):
    from ctcontacts.time.isotime import format_length

    args = ["coverage", "-n", "vot", "--days", "7", "--tz", "Europe/Paris"]
    doc = data(cli, *args)
    user = lookup_zone("Europe/Paris")
    wanted = {doc["from"], doc["to"]}
    for m in doc["members"]:
        if m["roster"]:
            for g in m["gaps"] + m["backup_only"]:
                wanted |= {wall_time(user, instant(g["start"])), wall_time(user, instant(g["end"])),
                           format_length(g["seconds"])}
    assert_whole(draw(cli, width, *args), width, wanted)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("member", ["FR", "GR"])
def test_contacts_at_every_width(directory, cli, width, member):
    args = ["contacts", "-n", "ftf", "-c", member, "--dial-from", "AU"]
    rows = data(cli, *args)
    wanted = contact_texts(rows) | {r["timezone"] for r in rows}
    assert_whole(draw(cli, width, *args), width, wanted)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("text", ["7946", "police"])
def test_search_at_every_width(directory, cli, width, text):
    args = ["search", text, "--dial-from", "DE"]
    rows = data(cli, *args)
    assert rows
    assert_whole(draw(cli, width, *args), width, contact_texts(rows))


@pytest.mark.parametrize("width", WIDTHS)
def test_history_at_every_width(directory, cli, width):
    entries = data(cli, "history")
    wanted = {e["at"].replace("T", " ").rstrip("Z") for e in entries}
    wanted |= {f"({f['format']}, sha256 {f['sha256'][:12]}…)" for e in entries for f in e["files"]}
    assert_whole(draw(cli, width, "history"), width, wanted)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", [["networks"], ["members", "-n", "iactn"], ["check"]], ids=["networks", "members", "check"])
def test_the_other_views_fit_too(directory, cli, width, args):
    result = cli.runner.invoke(app, args, env={"COLUMNS": str(width)}, catch_exceptions=False)
    assert_whole(result.stdout, width, set())
