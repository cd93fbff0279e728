"""Typing in the search field of a big office: does the window keep up?

    python bench/measure_typing.py OFFICE.sqlite3 [--runs N] [--interval MS]
    python bench/measure_typing.py postgresql://user@host:port/base [...]   (a server office)

Types each search of `SEARCHES` a key every `--interval` ms (a fast typist: 80 ms), on
«Tous» sorted by creation, newest first (the list as it opens), and reports per search:
the longest the GUI thread went without handling its events while typing (a 5 ms timer's
largest gap), the longest a single keystroke held it, and the time from the last key to
the list showing that search's rows. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from app.paths import DataPaths, ServerLocation, parse_location
from app.workspace import OfficeDatabase
from ui.launcher import create_application
from ui.main_window import MainWindow

# «2025» is the bunched search: its matches lie after every 2026 dossier in this order.
SEARCHES = ("2025", "2025-0", "martin", "m", "dupont marie", "b", "2026-001")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def pending(window: MainWindow) -> bool:
    return bool(getattr(window.model, "pending", False))  # before 2026-12-01: no such state


def wait_shown(app: QApplication, window: MainWindow) -> None:
    deadline = time.perf_counter() + 60
    while (pending(window) or window.counts_pending) and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)
    if pending(window):
        raise SystemExit("a search's rows never arrived")


def type_search(window: MainWindow, text: str, interval: float) -> dict:
    """Type `text` a key every `interval` seconds, in Qt's own event loop (idle between two
    events, as the application is: a busy loop here would hold the GIL that the list's
    worker needs)."""
    loop = QEventLoop()
    ticks: list[float] = []
    held: list[float] = []
    state = {"index": 0, "last_key": 0.0, "shown": 0.0}
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    keys = QTimer()
    keys.setTimerType(Qt.TimerType.PreciseTimer)
    keys.setInterval(round(interval * 1000))

    def finish() -> None:
        if pending(window):
            QTimer.singleShot(1, finish)
            return
        if not state["shown"]:
            state["shown"] = time.perf_counter() - state["last_key"]
        # The heartbeat runs on a key's interval after the last one: its hold is seen.
        if time.perf_counter() < state["last_key"] + interval:
            QTimer.singleShot(1, finish)
            return
        loop.quit()

    def key() -> None:
        char = text[state["index"]]
        start = time.perf_counter()
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(window.search, event)
        held.append(time.perf_counter() - start)
        ticks.append(start)  # the key came at the typist's pace: its hold counts from here
        state["last_key"] = start
        state["index"] += 1
        if state["index"] == len(text):
            keys.stop()
            QTimer.singleShot(0, finish)

    keys.timeout.connect(key)
    heartbeat.start()
    keys.start()
    loop.exec()
    heartbeat.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert window.model.query.search == text
    return {
        "longest_stall_ms": ms(max(gaps) if gaps else 0.0),
        "keystroke_held_max_ms": ms(max(held)),
        "last_key_to_rows_ms": ms(state["shown"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database", help="the office's file, or a server's address")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--interval", type=float, default=80.0, help="ms between two keys")
    args = parser.parse_args()
    app = create_application()
    location = parse_location(args.database)
    if not isinstance(location, ServerLocation):
        from app.storage.schema import ensure_schema

        location = DataPaths(Path(args.database))
        ensure_schema(location)
    office = OfficeDatabase(location)
    workspace = office.workspace_for(
        office.authenticate("admin", os.environ.get("DOSSIA_PASSWORD", "demo"))
    )
    window = MainWindow(workspace)
    window.show()
    window.tabs.setCurrentIndex(3)  # «Tous», newest first
    wait_shown(app, window)
    results: dict[str, list[dict]] = {text: [] for text in SEARCHES}
    for _ in range(args.runs):
        for text in SEARCHES:
            window.search.clear()
            wait_shown(app, window)
            results[text].append(type_search(window, text, args.interval / 1000))
    report: dict[str, object] = {
        text: {
            key: statistics.median(run[key] for run in runs)
            for key in ("longest_stall_ms", "keystroke_held_max_ms", "last_key_to_rows_ms")
        }
        for text, runs in results.items()
    }
    every = [run for runs in results.values() for run in runs]
    report["worst_stall_ms"] = max(run["longest_stall_ms"] for run in every)
    report["runs"] = args.runs
    window.close()
    window.shut_down()
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
