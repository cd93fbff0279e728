"""The first dossier opened right after start, each in a process of its own (issue 18).

    python bench/measure_first_open.py OFFICE.sqlite3 [--runs 5]

Each run starts Dossia as `main.py` does (ui.launcher: the same warm-up), waits for the list's
first paint, then opens the list's first dossier — at once, or a moment later — and times it
from the moment it was asked for (first paint + delay) to the dossier window's first paint:
a click that arrives while the window is still busy waits too, as a real one would. Three
cases, interleaved so that they see the same machine load:

- unattended start (`--user` with the password in DOSSIA_PASSWORD: no login dialog), opened
  right after the first paint, 0.5 s and 1 s after it;
- the login dialog shown and the password typed 1.5 s later, opened right after the paint.

Prints one JSON object of medians (and every run's figure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {  # name: (delay after the first paint in ms, password typed after ms or None)
    "first_open_right_after_paint_ms": (0, None),
    "first_open_500ms_after_paint_ms": (500, None),
    "first_open_1s_after_paint_ms": (1000, None),
    "first_open_after_login_dialog_ms": (0, 1500),
}


def child(database: Path, delay: int, typed: int | None) -> None:
    """One start and one opening; prints {"ms": …, "title": …}."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from app.paths import DataPaths
    from ui import launcher

    class Painted(QObject):
        def __init__(self, callback) -> None:
            super().__init__()
            self.callback = callback

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                self.callback()
            return False

    app = launcher.create_application()
    password = os.environ.get("DOSSIA_PASSWORD", "demo")
    state: dict[str, object] = {}

    if typed is not None:  # the login dialog: the password typed `typed` ms after it shows

        def type_password() -> None:
            dialog = QApplication.activeModalWidget()
            if dialog is None or dialog.objectName() != "loginDialog":
                QTimer.singleShot(5, type_password)
                return

            def submit() -> None:
                dialog.password_edit.setText(password)
                dialog.ok_button.click()

            QTimer.singleShot(typed, submit)

        QTimer.singleShot(0, type_password)
    window = launcher._open_office(
        app, DataPaths(database), "admin", None if typed is not None else password, False
    )
    if window is None:
        raise SystemExit("the office did not open")

    def dossier_painted() -> None:
        elapsed = time.perf_counter() - state["asked"]  # type: ignore[operator]
        dossier = state["window"]
        state["result"] = {"ms": round(elapsed * 1000, 1), "title": dossier.windowTitle()}  # type: ignore[attr-defined]
        QTimer.singleShot(0, app.quit)

    def open_first() -> None:
        dossier = window.open_dossier(window.model.id_at(0))
        state["window"] = dossier
        state["dossier_filter"] = Painted(dossier_painted)
        dossier.view.installEventFilter(state["dossier_filter"])

    def list_painted() -> None:
        state["asked"] = time.perf_counter() + delay / 1000
        timer = QTimer()
        timer.setSingleShot(True)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(open_first)
        timer.start(delay)
        state["timer"] = timer

    list_filter = Painted(list_painted)
    window.table.viewport().installEventFilter(list_filter)
    app.exec()
    window.shut_down()
    print(json.dumps(state["result"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, type=int, metavar=("DELAY", "TYPED"))
    args = parser.parse_args()
    if args.child:
        delay, typed = args.child
        child(args.database, delay, None if typed < 0 else typed)
        return
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.setdefault("DOSSIA_PASSWORD", "demo")
    figures: dict[str, list[float]] = {name: [] for name in CASES}
    titles = set()
    for _ in range(args.runs):
        for name, (delay, typed) in CASES.items():
            command = [sys.executable, __file__, str(args.database)]
            command += ["--child", str(delay), str(-1 if typed is None else typed)]
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
            if done.returncode != 0 or not done.stdout.strip():
                raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            figures[name].append(result["ms"])
            titles.add(result["title"])
    if len(titles) != 1 or not next(iter(titles)).startswith("Dossier "):
        raise SystemExit(f"the first dossier's window showed {titles}")
    report: dict[str, object] = {
        name: round(statistics.median(values), 1) for name, values in figures.items()
    }
    report["first_open_runs_ms"] = figures
    print(json.dumps(report))


if __name__ == "__main__":
    main()
