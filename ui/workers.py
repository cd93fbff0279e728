"""Running work off the GUI thread: results come back through signals."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    """Lives in the GUI thread; the worker emits, Qt queues the call back to the GUI."""

    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, function: Callable[[], object], relay: _Relay) -> None:
        super().__init__()
        self._function = function
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._function()
        except Exception as error:  # reported to the GUI thread, never swallowed
            self._relay.failed.emit(error)
        else:
            self._relay.done.emit(result)


class Background:
    """Starts functions in a thread pool and delivers their results in the GUI thread."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()

    def run(
        self,
        function: Callable[[], object],
        on_done: Callable[[object], None],
        on_failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        relay = _Relay()
        self._relays.add(relay)

        def finish(callback, value) -> None:
            self._relays.discard(relay)
            if callback is not None:
                callback(value)

        relay.done.connect(lambda value: finish(on_done, value))
        relay.failed.connect(lambda error: finish(on_failed or _raise, error))
        self._pool.start(_Task(function, relay))

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, msecs: int = 5000) -> bool:
        return self._pool.waitForDone(msecs)


def _raise(error: BaseException) -> None:
    raise error
