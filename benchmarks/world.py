"""Generate a world-scale fictional directory for benchmarks.

    python benchmarks/world.py OUTDIR [--shifts-per-contact N]

Every ISO 3166 country plus ten organisations, in ten networks (the three shipped
ones and seven defined in the file), ten contacts per roster, mixing every duty
rule kind; a third of the rosters carry a year of dated 12-hour shifts. Writes
OUTDIR/networks.json (the seven extra network definitions) and OUTDIR/world.csv
(every roster, one row per duty rule). All names, numbers and addresses are
fictional (+44 20 7946 0xxx is a drama range).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from pathlib import Path

ORGS = ["org:eu", "org:coe", "org:interpol", "org:europol", "org:eurojust", "org:oas-cicte",
        "org:un-oct", "org:osce", "org:gctf", "org:nato"]
EXTRA_NETWORKS = [f"bench{i}" for i in range(1, 8)]
NETWORKS = ["ftf", "vot", "iactn"] + EXTRA_NETWORKS
HEADER = ["network", "member", "issued", "id", "name", "agency", "role", "rank", "phones", "email",
          "languages", "timezone", "duty", "verified"]
ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Dublin",
         "Africa/Casablanca", "America/Santiago", "Pacific/Apia", "Asia/Tokyo", "UTC"]


def members() -> list[str]:
    import pycountry

    return sorted(c.alpha_2 for c in pycountry.countries) + ORGS


def _rules(kind: int, contact: int, zone_start: dt.datetime, shifts: int) -> list[str]:
    """Duty rules for one contact; ``kind`` picks the staffing pattern."""
    if kind == 0:
        return ["24/7"]
    if kind == 1:
        return ["Mo-Fr 08:00-18:00", "off 2026-12-24T00:00/2026-12-27T00:00"]
    if kind == 2:
        return ["Mo-Th 18:00-08:00; Fr 18:00-24:00; Sa,Su 00:00-24:00", "Mo 00:00-08:00"]
    if kind == 3:
        return [f"R/2026-01-0{1 + contact % 2}T07:00/PT12H/FREQ=DAILY;INTERVAL=2"]
    if kind == 4:
        return [f"R/2026-01-{5 + 7 * (contact % 2):02d}T09:00/P7D/FREQ=WEEKLY;INTERVAL=2"]
    if kind == 5:
        return ["2026-12-01T08:00/2026-12-01T20:00", "Sa,Su 09:00-13:00, 14:00-17:00"]
    # Dated 12-hour shifts for a year, handing over at 07:00 and 19:00.
    out = []
    for i in range(shifts):
        start = zone_start + dt.timedelta(hours=12 * (contact + 10 * i))
        out.append(f"{start:%Y-%m-%dT%H:%M}/PT12H")
    return out


def write(outdir: Path, shifts_per_contact: int = 215) -> dict:
    outdir.mkdir(parents=True, exist_ok=True)
    defs = [{"code": code, "name": f"Benchmark network {code[-1]} (fictional)", "organization": "Benchmark",
             "fallback": "org:coe"} for code in EXTRA_NETWORKS]
    (outdir / "networks.json").write_text(json.dumps({"format": "ctcontacts-roster/1", "networks": defs,
                                                      "rosters": []}, indent=1))
    rows = 0
    everyone = members()
    with open(outdir / "world.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        n = 0
        for net in NETWORKS:
            for m, member in enumerate(everyone):
                dated = n % 3 == 0
                n += 1
                zone = ZONES[m % len(ZONES)]
                for c in range(10):
                    kind = 6 if dated and c < 8 else (m + c) % 6
                    start = dt.datetime(2026, 1, 1, 7, 0)
                    cid = f"{member.replace(':', '-').lower()}-{net}-{c}"
                    phone = f"+44 20 7946 0{(m * 10 + c) % 1000:03d}"
                    for rule in _rules(kind, c, start, shifts_per_contact):
                        w.writerow([net, member, "2026-11-01", cid, f"Duty contact {c} (fictional)",
                                    "Benchmark agency (fictional)", "duty-officer", 1 + c % 3, phone,
                                    f"{cid}@example.org", "en;fr", zone, rule, "2026-10-01"])
                        rows += 1
    return {"members": len(everyone), "networks": len(NETWORKS), "rosters": len(everyone) * len(NETWORKS),
            "contacts": len(everyone) * len(NETWORKS) * 10, "duty_rows": rows}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--shifts-per-contact", type=int, default=215)
    print(json.dumps(write(parser.parse_args().outdir, parser.parse_args().shifts_per_contact)))
