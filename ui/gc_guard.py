"""Python's cyclic garbage collector, run on the GUI thread only.

Seen in a test run: a worker thread (a loan request's PDF) allocated, Python's collector ran
there and freed a Qt object caught in a cycle; its destruction disconnected signals while
holding Qt's connection lock and waited for the GIL to ask whether Python overrides a
virtual method — while the GUI thread, holding the GIL, built a widget and waited for that
same lock. Both waited for ever: the window froze. Objects are still freed by their
reference counts in every thread at once; only the collector of cycles (which may free Qt
objects anywhere) is kept to the GUI thread, as Python's own thresholds would run it.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QTimer

TICK_MS = 100  # how often the GUI thread looks whether a collection is due
_PROPERTY = "dossiaCollector"


def collect_on_gui_thread(app: QCoreApplication) -> None:
    """Turn the automatic collector off and run it from `app`'s thread instead (once)."""
    if app.property(_PROPERTY):
        return
    gc.disable()
    timer = QTimer(app)
    timer.setObjectName("gcTimer")
    timer.setInterval(TICK_MS)
    timer.timeout.connect(collect_due)
    timer.start()
    app.setProperty(_PROPERTY, True)


def collect_due() -> int | None:
    """The collection Python's thresholds call for now, if any (the generation run)."""
    threshold0, threshold1, threshold2 = gc.get_threshold()
    count0, count1, count2 = gc.get_count()
    if count0 <= threshold0:
        return None
    generation = 0
    if count1 >= threshold1:
        generation = 2 if count2 >= threshold2 else 1
    gc.collect(generation)
    return generation
