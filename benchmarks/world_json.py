"""Generate the second benchmark world: the same directory in another shape.

    python benchmarks/world_json.py OUTDIR

Where world.py writes one CSV of dated shifts listed contact by contact, this world is
what a secretariat would send: one JSON roster file per network, every ISO 3166 country
(each in its own zone) and ten organisations in each of ten networks (seven defined in
the first file), ten contacts a roster, each contact with a different mix of every duty
rule kind (24/7, weekly and overnight windows, recurrences with BYDAY and INTERVAL, 'off'
windows, 'off' recurrences, dated intervals), and on every third roster a year of
12-hour shifts shared round the roster's ten contacts, written start/end as rostering
systems export them. Every name and number is fictional (+44 20 7946 0xxx is a drama range).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from world import EXTRA_NETWORKS, NETWORKS, ZONES, members


def member_zone(member: str, m: int) -> str:
    """Each country's own zone (its first in the tz database), as its desk would give
    it, so a lookup over the network meets some 250 zones, not a handful; organisations
    take one of ``ZONES``."""
    from ctcontacts.time.zones import country_zone

    return (None if member.startswith("org:") else country_zone(member)) or ZONES[m % len(ZONES)]


KINDS = [
    lambda c: ["24/7"],
    lambda c: ["Mo-Fr 08:00-18:00", "off 2026-12-24T00:00/2026-12-27T00:00"],
    lambda c: ["Mo-Th 18:00-08:00; Fr 18:00-24:00; Sa,Su 00:00-24:00", "Mo 00:00-08:00"],
    lambda c: [f"R/2026-01-0{1 + c % 2}T07:00/PT12H/FREQ=DAILY;INTERVAL=2"],
    lambda c: [{"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "start": f"2026-01-{5 + 7 * (c % 2):02d}T09:00",
                "duration": "P7D"}],
    lambda c: ["Mo-Fr 09:00-17:00", "off R/2026-01-02T09:00/PT8H/FREQ=MONTHLY;BYDAY=1FR", "off Mo-Fr 12:00-13:00"],
    lambda c: ["2026-12-01T08:00/2026-12-01T20:00", "Sa,Su 09:00-13:00, 14:00-17:00"],
    lambda c: ["R/2026-01-03T20:00/PT12H/FREQ=WEEKLY;BYDAY=SA,SU", "Mo-Fr 07:30-19:30"],
]


def roster(net: str, member: str, m: int, dated: bool, shifts: int = 730) -> dict:
    zone = member_zone(member, m)
    contacts = []
    for c in range(10):
        cid = f"{member.replace(':', '-').lower()}-{net}-{c}"
        contacts.append({
            "id": cid, "name": f"Duty contact {c} (fictional)", "agency": "Benchmark agency (fictional)",
            "role": "duty-officer", "rank": 1 + c % 3, "phones": [f"+44 20 7946 0{(m * 10 + c) % 1000:03d}"],
            "email": f"{cid}@example.org", "languages": ["en", "fr"], "timezone": zone,
            "duty": [] if dated else KINDS[(m + c) % len(KINDS)](c), "verified": "2026-10-01",
        })
    if dated:
        # A year of 12-hour shifts, handing over at 07:00 and 19:00, taken in turn.
        start = dt.datetime(2026, 1, 1, 7)
        for i in range(shifts):
            s = start + dt.timedelta(hours=12 * i)
            contacts[i % 10]["duty"].append(f"{s:%Y-%m-%dT%H:%M}/{s + dt.timedelta(hours=12):%Y-%m-%dT%H:%M}")
    return {"network": net, "member": member, "issued": "2026-11-01", "contacts": contacts}


def write(outdir: Path, shifts: int = 730) -> dict:
    """``shifts``: 12-hour shifts in each dated roster (730, a year: 660,923 duty rows in all;
    1,740: 1.5 million, the size of the CSV world)."""
    outdir.mkdir(parents=True, exist_ok=True)
    everyone = members()
    rows = n = 0
    files = []
    for k, net in enumerate(NETWORKS):
        rosters = []
        for m, member in enumerate(everyone):
            rosters.append(roster(net, member, m, dated=n % 3 == 0, shifts=shifts))
            n += 1
        doc = {"format": "ctcontacts-roster/1", "rosters": rosters}
        if k == 0:
            doc["networks"] = [{"code": code, "name": f"Benchmark network {code[-1]} (fictional)",
                                "organization": "Benchmark", "fallback": "org:coe"} for code in EXTRA_NETWORKS]
            # networks are defined by the first file: import it first
        rows += sum(len(c["duty"]) for r in rosters for c in r["contacts"])
        path = outdir / f"{k:02d}-{net}.json"
        path.write_text(json.dumps(doc))
        files.append(str(path))
    return {"members": len(everyone), "networks": len(NETWORKS), "rosters": len(everyone) * len(NETWORKS),
            "contacts": len(everyone) * len(NETWORKS) * 10, "duty_rows": rows, "files": files}


def write_one(files: list[str], path: Path) -> int:
    """The rosters (and network definitions) of ``files`` in one JSON file, as a
    secretariat might send its whole directory; its size in bytes."""
    networks, rosters = [], []
    for name in files:
        doc = json.loads(Path(name).read_text())
        networks += doc.get("networks", [])
        rosters += doc["rosters"]
    path.write_text(json.dumps({"format": "ctcontacts-roster/1", "networks": networks, "rosters": rosters}))
    return path.stat().st_size


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--shifts", type=int, default=730, help="12-hour shifts in each dated roster")
    args = parser.parse_args()
    print(json.dumps(write(args.outdir, args.shifts)))
