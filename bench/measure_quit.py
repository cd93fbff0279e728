"""Quitting while the day's automatic backup is being written (issue 18).

    python bench/measure_quit.py OFFICE.sqlite3 [--after SECONDS]

Starts Dossia as `main.py` does (no login dialog: the password in DOSSIA_PASSWORD), lets
the automatic backup begin as soon as the start checks end (instead of after a quiet
minute), quits `--after` seconds later and times the quitting (`shut_down`). Use a copy of
the office whose backups folder holds no backup of today: the backup is written beside it.
Prints one JSON object: the seconds quitting took, whether a partial backup was being
written when Dossia quit, and what the backups folder holds afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QTimer

from app.files import PARTIAL_PREFIX
from app.paths import DataPaths
from ui import launcher


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database", type=Path)
    parser.add_argument("--after", type=float, default=12.0, help="seconds before quitting")
    args = parser.parse_args()
    paths = DataPaths(args.database)
    app = launcher.create_application()
    password = os.environ.get("DOSSIA_PASSWORD", "demo")
    window = launcher._open_office(app, paths, "admin", password, False)
    if window is None:
        raise SystemExit("the office did not open")
    if hasattr(window, "upkeep"):  # since 2026-12-01 (ui.office_upkeep)
        window.upkeep.quiet_ms = 0
    elif hasattr(window, "automatic_backup_quiet_ms"):  # before 2026-12-01: taken at start
        window.automatic_backup_quiet_ms = 0
    state: dict[str, object] = {}

    def quit_now() -> None:
        state["backup_being_written"] = any(paths.backups.glob(f"{PARTIAL_PREFIX}*"))
        app.quit()

    QTimer.singleShot(round(args.after * 1000), quit_now)
    app.exec()
    start = time.perf_counter()
    window.shut_down()
    state["quit_s"] = round(time.perf_counter() - start, 2)
    folder = paths.backups
    state["left_in_backups"] = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    print(json.dumps(state))


if __name__ == "__main__":
    main()
