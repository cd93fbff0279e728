"""Dossia's speed targets, measured on a generated office of 100,000 dossiers.

    python bench/run_bench.py [--dossiers 100000] [--runs 7] [--db PATH] [--keep]

Prints medians: demo build time, time to first paint of the main window (and of a bare
PySide6 window in the same run, for the ratio), search keystroke to updated list, sorting,
opening a dossier, and peak memory. Targets (2-core machine): start ≤ 3× the bare window,
keystroke ≤ 30 ms, sort ≤ 50 ms, open ≤ 100 ms, memory ≤ 250 MB, demo build ≤ 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    **os.environ,
    "QT_QPA_PLATFORM": "offscreen",
    "DOSSIA_PASSWORD": "demo",
    "DOSSIA_TRACE_STARTUP": "1",
}


def first_paint_seconds(command: list[str]) -> float:
    """Wall time from spawning the process to its first paint (printed by the process)."""
    started = time.time()
    result = subprocess.run(command, capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)
    for line in result.stdout.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - started
    raise RuntimeError(f"no first paint reported by {command}: {result.stderr[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", help="reuse (or keep) this database instead of a temporary one")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="dossia-bench-"))
    database = Path(args.db) if args.db else folder / "bench.sqlite3"
    python = sys.executable
    report: dict[str, object] = {"dossiers": args.dossiers}

    if not database.exists():
        started = time.perf_counter()
        subprocess.run(
            [
                python,
                "main.py",
                "demo",
                "--db",
                str(database),
                "--dossiers",
                str(args.dossiers),
                "--seed",
                "1",
            ],
            check=True,
            cwd=ROOT,
            env=ENV,
        )
        report["demo_build_s"] = round(time.perf_counter() - started, 1)
    report["database_mb"] = round(database.stat().st_size / 1e6, 1)

    bare, dossia = [], []
    app_command = [
        python,
        "main.py",
        "--db",
        str(database),
        "--user",
        "admin",
        "--quit-after-start",
    ]
    first_paint_seconds(app_command)  # warm the file cache once
    for _ in range(args.runs):  # interleaved, so both see the same machine load
        bare.append(first_paint_seconds([python, "bench/bare_window.py"]))
        dossia.append(first_paint_seconds(app_command))
    report["bare_window_start_s"] = round(statistics.median(bare), 3)
    report["dossia_start_s"] = round(statistics.median(dossia), 3)
    report["start_ratio"] = round(statistics.median(dossia) / statistics.median(bare), 2)

    measured = subprocess.run(
        [python, "bench/measure_gui.py", str(database)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=ENV,
        check=True,
    )
    report.update(json.loads(measured.stdout.strip().splitlines()[-1]))

    # The persons' rights erase: measured on a copy of the office.
    copy = folder / "privacy.sqlite3"
    copy.write_bytes(database.read_bytes())
    measured = subprocess.run(
        [python, "bench/measure_privacy.py", str(copy)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=ENV,
        check=True,
    )
    report.update(json.loads(measured.stdout.strip().splitlines()[-1]))
    copy.unlink()

    print(json.dumps(report, indent=2, ensure_ascii=False))
    checks = {
        "demo build ≤ 60 s": report.get("demo_build_s", 0) <= 60,
        "start ≤ 3× bare window": report["start_ratio"] <= 3,
        "keystroke ≤ 30 ms (median)": report["keystroke_ms_median"] <= 30,
        "sort ≤ 50 ms (worst)": report["sort_ms_max"] <= 50,
        "open a dossier ≤ 100 ms (median)": report["open_dossier_ms_median"] <= 100,
        "peak memory ≤ 250 MB": report["peak_memory_mb"] <= 250,
    }
    for name, ok in checks.items():
        print(f"{'OK ' if ok else 'MISS'}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
