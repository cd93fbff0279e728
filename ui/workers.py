"""Running work off the GUI thread: results come back to the GUI thread through a signal."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    """Lives in the GUI thread for the whole life of its Background; workers emit on it and
    Qt queues the call back to the GUI thread. One long-lived object, so no QObject is ever
    destroyed while one of its signals is being delivered.

    Signals:
        finished(object): an _Outcome.
    """

    finished = Signal(object)


class _Outcome:
    """What a task produced. Always a real object: PySide6 (6.12, Python 3.11) miscounts
    references when None itself travels through a queued signal, and crashes later."""

    __slots__ = ("error", "number", "result")

    def __init__(self, number: int, result: object, error: BaseException | None) -> None:
        self.number = number
        self.result = result
        self.error = error


class _Task(QRunnable):
    def __init__(self, number: int, function: Callable[[], object], relay: _Relay) -> None:
        super().__init__()
        self._number = number
        self._function = function
        self._relay = relay

    def run(self) -> None:
        try:
            outcome = _Outcome(self._number, self._function(), None)
        except Exception as exception:  # handed to the GUI thread, never swallowed
            outcome = _Outcome(self._number, None, exception)
        self._relay.finished.emit(outcome)


class Background:
    """Starts functions in a thread pool and delivers their outcome in the GUI thread."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay()
        self._relay.finished.connect(self._finished)
        self._numbers = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable, Callable | None]] = {}

    def run(
        self,
        function: Callable[[], object],
        on_done: Callable[[object], None],
        on_failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        number = next(self._numbers)
        self._callbacks[number] = (on_done, on_failed)
        self._pool.start(_Task(number, function, self._relay))

    def _finished(self, outcome: _Outcome) -> None:
        on_done, on_failed = self._callbacks.pop(outcome.number)
        if outcome.error is None:
            on_done(outcome.result)
        elif on_failed is not None:
            on_failed(outcome.error)
        else:
            raise outcome.error

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def wait(self, msecs: int = 5000) -> bool:
        return self._pool.waitForDone(msecs)
