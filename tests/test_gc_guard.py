"""Python's collector of cycles runs on the GUI thread only (ui/gc_guard.py)."""

from __future__ import annotations

import gc
import threading

from ui.gc_guard import collect_due, collect_on_gui_thread


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_cycles_made_in_a_worker_are_collected_by_the_gui_thread(qtbot, qapp):
    from PySide6.QtCore import QTimer

    collect_on_gui_thread(qapp)
    assert not gc.isenabled()
    assert qapp.findChild(QTimer, "gcTimer").isActive()
    collected: list[str] = []

    def note(phase: str, info: dict) -> None:
        if phase == "stop":
            collected.append(threading.current_thread().name)

    gc.callbacks.append(note)
    try:
        worker = threading.Thread(target=lambda: [_Cycle() for _ in range(50_000)], name="worker")
        worker.start()
        worker.join()
        assert "worker" not in collected  # never in the worker: no collection ran there
        qtbot.waitUntil(lambda: bool(collected), timeout=2000)  # the GUI thread's timer
        assert set(collected) == {threading.main_thread().name}
    finally:
        gc.callbacks.remove(note)


def test_a_collection_follows_pythons_own_thresholds():
    gc.collect()
    assert collect_due() is None  # nothing allocated since
    garbage = [_Cycle() for _ in range(gc.get_threshold()[0] + 10)]
    del garbage
    assert collect_due() in (0, 1, 2)
