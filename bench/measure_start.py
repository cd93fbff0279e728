"""The first paint against a bare PySide6 window, alternated (issue 18).

    python bench/measure_start.py OFFICE.sqlite3 [--runs 15]

Each run spawns `bench/bare_window.py` then `main.py --user admin --quit-after-start` on the
office (password in DOSSIA_PASSWORD, «demo» by default), so both see the same machine load;
the time is from spawning the process to its first paint. Prints one JSON object: the medians,
their ratio and every run's figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import first_paint_seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database", type=Path)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    python = sys.executable
    app = [python, "main.py", "--db", str(args.database), "--user", "admin"]
    app.append("--quit-after-start")
    first_paint_seconds(app)  # the file cache warmed once
    bare: list[float] = []
    dossia: list[float] = []
    for _ in range(args.runs):
        bare.append(first_paint_seconds([python, "bench/bare_window.py"]))
        dossia.append(first_paint_seconds(app))
    report = {
        "bare_window_start_s": round(statistics.median(bare), 3),
        "dossia_start_s": round(statistics.median(dossia), 3),
        "start_ratio": round(statistics.median(dossia) / statistics.median(bare), 2),
        "bare_runs_s": [round(value, 3) for value in bare],
        "dossia_runs_s": [round(value, 3) for value in dossia],
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
