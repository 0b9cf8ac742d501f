"""Write a CSV roster file of N dated 12-hour shifts (default 500,000 rows).

    python benchmarks/big_roster.py OUT.csv [ROWS]

Fifty fictional members of ftf, ten duty officers each, taking turns on
12-hour shifts from 2026 on; every row is one dated shift, as a rostering
system exports them.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys

MEMBERS = ("AD AL AM AT AZ BA BE BG CH CY CZ DE DK EE ES FI FR GB GE GR HR HU IE IS IT LI LT LU LV MC "
           "MD ME MK MT NL NO PL PT RO RS SE SI SK SM TR UA CA JP MX US").split()
ZONE = "Europe/Paris"


def rows(count: int):
    start = dt.datetime(2026, 1, 1, 7, 0)
    per_member = -(-count // len(MEMBERS))
    for m, member in enumerate(MEMBERS):
        for i in range(min(per_member, count - m * per_member)):
            who = i % 10
            shift = start + dt.timedelta(hours=12 * i)
            yield ["ftf", member, "2026-11-01", f"{member.lower()}-officer-{who}",
                   f"Duty officer {who} (fictional)", 1 + who % 2, f"+33 1 99 00 {m:02d} {who:02d}",
                   ZONE, f"{shift:%Y-%m-%dT%H:%M}/PT12H"]


def write(path: str, count: int = 500_000) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["network", "member", "issued", "id", "name", "rank", "phones", "timezone", "duty"])
        w.writerows(rows(count))


if __name__ == "__main__":
    write(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 500_000)
