"""Build the world-scale directory and time what users wait for. Prints a table.

    python benchmarks/run.py [--repeat 11] [--import-repeat 1] [--workdir DIR] [--out FILE]

Every figure is the median of repeated runs, with min and max. Cold commands are
whole processes, as a user starts them (the installed ``ctcontacts`` script, bytecode
compiled). Every run of a command follows a run of the floor, a Python process that
only imports sqlite3, and a command's ratio is to the floor runs beside it: a noisy
moment on the machine weighs on both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import world  # noqa: E402  (the generator beside this file)

def _cli() -> list[str]:
    """The installed ``ctcontacts`` script, as a user starts it (``python -m`` adds runpy)."""
    script = Path(sys.executable).with_name("ctcontacts")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ctcontacts"]


CLI = _cli()
MEASURE = (
    "import resource, subprocess, sys, time, json;"
    "t = time.perf_counter(); r = subprocess.run(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL);"
    "print(json.dumps([r.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"
)


def run_once(cmd: list[str], env: dict) -> tuple[int, float, float]:
    """(exit code, seconds, peak MB) of one process."""
    out = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(cmd)], env=env, capture_output=True,
                         text=True, check=True).stdout
    code, seconds, kb = json.loads(out)
    return code, seconds, kb / 1024


FLOOR = [sys.executable, "-c", "import sqlite3"]
floor_times: list[float] = []  # every floor run of the whole benchmark


def measure(cmd: list[str], env: dict, repeat: int, before=None) -> dict:
    """Run ``cmd`` ``repeat`` times, each run right after a run of the floor, so that
    a noisy moment on the machine weighs on both: the ratio is this command's median
    over the median of the floor runs taken beside it."""
    times, floors, peaks, codes = [], [], [], set()
    for _ in range(repeat):
        if before:
            before()
        floors.append(run_once(FLOOR, env)[1])
        code, seconds, peak = run_once(cmd, env)
        codes.add(code)
        times.append(seconds)
        peaks.append(peak)
    floor_times.extend(floors)
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "peak_mb": max(peaks), "exit": sorted(codes), "floor": statistics.median(floors)}


def compile_bytecode() -> None:
    """What a user runs has its bytecode compiled (pip does it at install). An editable
    install run with PYTHONDONTWRITEBYTECODE set would compile every module on every
    start instead, and measure that, so compile it once here."""
    import ctcontacts

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(ctcontacts.__file__).parent)],
                   check=True, stdout=subprocess.DEVNULL)


def row(name: str, m: dict, *extra: str) -> str:
    """One line of a results table: median, min, max, peak memory, ratio to the floor
    runs beside it, then ``extra`` cells."""
    cells = [name, f"{m['median']:.3f} s", f"{m['min']:.3f} s", f"{m['max']:.3f} s", f"{m['peak_mb']:.0f} MB",
             f"{m['median'] / m['floor']:.1f}", *extra]
    return "| " + " | ".join(cells) + " |"


def publish(lines: list[str], out: Path | None) -> None:
    table = "\n".join(lines)
    print(table)
    if out:
        out.write_text(table + "\n")


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11, help="runs of each cold command")
    parser.add_argument("--import-repeat", type=int, default=1, help="runs of each import")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    if args.repeat < 1 or args.import_repeat < 1:
        parser.error("--repeat and --import-repeat count runs: give 1 or more")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ctcontacts-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"generating the world in {workdir} ...", file=sys.stderr)
    sizes = world.write(workdir)
    db = workdir / "world.db"
    env = {**os.environ, "CTCONTACTS_DB": str(db), "TZ": "UTC"}
    files = [str(workdir / "networks.json"), str(workdir / "world.csv")]
    rows = sizes["duty_rows"]

    def fresh():
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)

    results = []

    def add(name, m, unit_rows=None):
        results.append((name, m, unit_rows))
        print(f"  {name}: median {m['median']:.3f} s", file=sys.stderr)

    compile_bytecode()
    print("timing ...", file=sys.stderr)
    add("import, empty database", measure(CLI + ["import", "--quiet", *files], env, args.import_repeat, before=fresh),
        rows)
    if not db.exists():
        run_once(CLI + ["import", "--quiet", *files], env)
    add("re-import, nothing changed", measure(CLI + ["import", "--quiet", *files], env, args.import_repeat), rows)
    add("whois, cold, human", measure(CLI + ["whois", "-c", "FR", "-n", "ftf"], env, args.repeat))
    add("whois --json, cold", measure(CLI + ["whois", "-c", "FR", "-n", "ftf", "--json"], env, args.repeat))
    add(f"now --network ftf ({sizes['members']} members), cold",
        measure(CLI + ["now", "-n", "ftf", "--json"], env, args.repeat))
    add("coverage of ftf, 30 days", measure(CLI + ["coverage", "-n", "ftf", "--days", "30", "--json"], env,
                                           max(3, args.repeat // 3)))
    add("coverage of one member, 366 days",
        measure(CLI + ["coverage", "-n", "ftf", "-c", "FR", "--days", "366", "--json"], env, max(3, args.repeat // 3)))

    floor_peak = run_once(FLOOR, env)[2]
    results.insert(0, ('floor: python -c "import sqlite3" (all runs)',
                       {"median": statistics.median(floor_times), "min": min(floor_times), "max": max(floor_times),
                        "peak_mb": floor_peak, "floor": statistics.median(floor_times)}, None))
    lines = [
        f"Machine: {machine()}. World: {sizes['members']} members x {sizes['networks']} networks = "
        f"{sizes['rosters']} rosters, {sizes['contacts']} contacts, {rows:,} duty rows. "
        f"Commands run as `{Path(CLI[0]).name}{' -m ctcontacts' if len(CLI) > 1 else ''}`, bytecode compiled.",
        "",
        "| measurement | median | min | max | peak memory | x floor (run beside it) | rows/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m, unit_rows in results:
        lines.append(row(name, m, f"{unit_rows / m['median']:,.0f}" if unit_rows else ""))
    publish(lines, args.out)


if __name__ == "__main__":
    main()
