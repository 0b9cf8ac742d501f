"""Time every view on a directory of hostile rosters, each at the limits. Prints a table.

    python benchmarks/hostile.py [--repeat 5] [--workdir DIR] [--out FILE]

Issue 10 asks that every view answers within one second on a directory holding each
hostile rule the limits allow (ctcontacts/limits.py). Each roster below is as costly as
those limits let one roster be, in its own way:

    FR  dense      ten contacts on an hourly recurrence each, touching: 240 starts a day,
                   one unbroken duty, so until and next need the whole 366-day horizon
    DE  off        ten 24/7 contacts, each with an hourly 'off' recurrence
    IT  long       hourly recurrences of 31-hour shifts (31 running at once, the most)
    ES  ancient    a monthly rule with 24 starts a day every day, begun in 1900
    PT  count      hourly recurrences with COUNT=10000 (walked from their start)
    NL  weekly     168 weekly windows a contact (one every hour of the week)
    BE  sparse     240 daily rules on 29 February (a search of up to four years each)
    AT  dated      50,000 dated 12-hour shifts (the most a roster may hold)
    CH  wide       500 contacts (the most) with 4,000-character notes
    org:coe        the ftf fallback, as dense as FR: every member without a roster
                   (SE here) is answered through it

All names and numbers are fictional (+44 20 7946 0xxx is a drama range). Each command
is a whole process, timed as the median of --repeat runs, each run beside a run of the
floor (``python -c "import sqlite3"``), as benchmarks/run.py does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import CLI, FLOOR, compile_bytecode, floor_times, machine, measure, publish, row, run_once  # noqa: E402

HOURS = ",".join(str(h) for h in range(24))
EVERY_HOUR = ", ".join(f"{h:02d}:00-{h + 1:02d}:00" for h in range(24))


def _contact(cid: str, duty: list, **extra) -> dict:
    n = sum(map(ord, cid)) % 1000
    return {"id": cid, "name": f"Hostile test contact {cid} (fictional)", "phones": [f"+44 20 7946 0{n:03d}"],
            "timezone": "Europe/Paris", "duty": duty, **extra}


def rosters() -> list[dict]:
    def roster(member, contacts):
        return {"network": "ftf", "member": member, "issued": "2026-11-01", "contacts": contacts}

    shifts = [f"{dt.datetime(2026, 1, 1, 7) + dt.timedelta(hours=12 * i):%Y-%m-%dT%H:%M}/PT12H"
              for i in range(10_000)]
    return [
        roster("FR", [_contact(f"fr-{i}", [f"R/2026-01-01T00:{i:02d}/PT1H/FREQ=HOURLY"]) for i in range(10)]),
        roster("DE", [_contact(f"de-{i}", ["24/7", f"off R/2026-01-01T00:{i:02d}/PT30M/FREQ=HOURLY"])
                      for i in range(10)]),
        roster("IT", [_contact(f"it-{i}", [f"R/2026-01-01T00:{i:02d}/PT31H/FREQ=HOURLY"]) for i in range(10)]),
        roster("ES", [_contact(f"es-{i}", [f"R/1900-01-01T00:{i:02d}/PT1H/FREQ=MONTHLY;"
                                            f"BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR={HOURS}"]) for i in range(10)]),
        roster("PT", [_contact(f"pt-{i}", [f"R/2026-01-01T00:{i:02d}/PT1H/FREQ=HOURLY;COUNT=10000"])
                      for i in range(10)]),
        roster("NL", [_contact(f"nl-{i}", [f"Mo-Su {EVERY_HOUR}"]) for i in range(10)]),
        roster("BE", [_contact(f"be-{i}", [f"R/2028-02-29T{h:02d}:{i:02d}/PT{d}H/FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29"
                                           for h in range(24) for d in (1, 2)]) for i in range(5)]),
        roster("AT", [_contact(f"at-{i}", shifts) for i in range(5)]),
        roster("CH", [_contact(f"ch-{i}", ["24/7"], notes="n" * 4000) for i in range(500)]),
        roster("org:coe", [_contact(f"coe-{i}", [f"R/2026-01-01T00:{i:02d}/PT1H/FREQ=HOURLY"]) for i in range(10)]),
    ]


def write(path: Path) -> dict:
    doc = {"format": "ctcontacts-roster/1", "rosters": rosters()}
    path.write_text(json.dumps(doc))
    rules = sum(len(c["duty"]) for r in doc["rosters"] for c in r["contacts"])
    return {"rosters": len(doc["rosters"]), "rules": rules, "bytes": path.stat().st_size}


VIEWS = [
    ("whois --json, FR (dense, continuous)", ["whois", "-c", "FR", "-n", "ftf", "--json"]),
    ("whois, FR, human", ["whois", "-c", "FR", "-n", "ftf"]),
    ("whois --json, DE (hourly off)", ["whois", "-c", "DE", "-n", "ftf", "--json"]),
    ("whois --json, IT (31-hour hourly shifts)", ["whois", "-c", "IT", "-n", "ftf", "--json"]),
    ("whois --json, ES (monthly rule from 1900)", ["whois", "-c", "ES", "-n", "ftf", "--json"]),
    ("whois --json, PT (COUNT=10000)", ["whois", "-c", "PT", "-n", "ftf", "--json"]),
    ("whois --json, NL (168 weekly windows)", ["whois", "-c", "NL", "-n", "ftf", "--json"]),
    ("whois --json, BE (240 rules on 29 February)", ["whois", "-c", "BE", "-n", "ftf", "--json"]),
    ("whois --json, AT (50,000 dated shifts)", ["whois", "-c", "AT", "-n", "ftf", "--json"]),
    ("whois --json, CH (500 contacts)", ["whois", "-c", "CH", "-n", "ftf", "--json"]),
    ("whois --json, SE (no roster: dense fallback)", ["whois", "-c", "SE", "-n", "ftf", "--json"]),
    ("now --network ftf --json", ["now", "-n", "ftf", "--json"]),
    ("now --network ftf, human", ["now", "-n", "ftf"]),
    ("schedule FR, 7 days", ["schedule", "-c", "FR", "-n", "ftf", "--json"]),
    ("schedule BE, 7 days", ["schedule", "-c", "BE", "-n", "ftf", "--json"]),
    ("schedule AT, 7 days", ["schedule", "-c", "AT", "-n", "ftf", "--json"]),
    ("coverage ftf, 30 days", ["coverage", "-n", "ftf", "--days", "30", "--json"]),
    ("coverage FR, 366 days", ["coverage", "-n", "ftf", "-c", "FR", "--days", "366", "--json"]),
    ("check", ["check", "--json"]),
    ("contacts CH (500 contacts)", ["contacts", "-n", "ftf", "-c", "CH", "--json"]),
    ("contacts AT (50,000 shifts)", ["contacts", "-n", "ftf", "-c", "AT", "--json"]),
    ("export ics FR (default window)", ["export", "--format", "ics", "-n", "ftf", "-c", "FR"]),
    ("export ics ES (default window)", ["export", "--format", "ics", "-n", "ftf", "-c", "ES"]),
    ("export ics AT (all 50,000 shifts)", ["export", "--format", "ics", "-n", "ftf", "-c", "AT"]),
    ("export json, whole directory", ["export", "--format", "json"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat counts runs: give 1 or more")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ctcontacts-hostile-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "hostile.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    sizes = write(workdir / "hostile.json")
    compile_bytecode()
    env = {**os.environ, "CTCONTACTS_DB": str(db), "TZ": "UTC"}
    imported = measure(CLI + ["import", "--quiet", str(workdir / "hostile.json")], env, 1)
    if imported["exit"] != [0]:
        sys.exit(f"the hostile directory did not import (exit {imported['exit']}): a limit changed?")
    results = [("import the hostile file, empty database", imported)]
    for name, cmd in VIEWS:
        m = measure(CLI + cmd, env, args.repeat)
        results.append((name, m))
        print(f"  {name}: median {m['median']:.3f} s, exit {m['exit']}", file=sys.stderr)
    times = floor_times["sqlite3"]  # (every view here is measured against python -c "import sqlite3")
    floor = {"median": statistics.median(times), "min": min(times), "max": max(times),
             "peak_mb": run_once(FLOOR, env)[2], "floor": statistics.median(times), "exit": [0]}
    lines = [
        f"Machine: {machine()}. Hostile directory: {sizes['rosters']} rosters, {sizes['rules']:,} duty rules, "
        f"{sizes['bytes'] / 1e6:.1f} MB of JSON; median of {args.repeat} runs.",
        "",
        "| measurement | median | min | max | peak memory | x floor | exit | within 1 s |",
        "|---|---|---|---|---|---|---|---|",
        row('floor: python -c "import sqlite3"', floor, "0", ""),
    ]
    for name, m in results:
        ok = "" if name.startswith("import") else ("yes" if m["median"] < 1 else "**no**")
        lines.append(row(name, m, ",".join(map(str, m["exit"])), ok))
    publish(lines, args.out)


if __name__ == "__main__":
    main()
