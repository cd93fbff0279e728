"""Other users' changes on a PostgreSQL server, told at once (issue 11): LISTEN/NOTIFY.

Every write transaction of `ServerDatabase` ends by `pg_notify(CHANNEL, <token>)`: the
server delivers it to the listeners when — and only if — the transaction commits (a rolled
back one says nothing). No trigger, no schema change: every write of Dossia goes through
`ServerDatabase.write()`, and a trigger per table would notify once per row rather than once
per transaction. The payload is the writing office's token (one per opened office, that is
per Dossia process): a listener ignores its own process's commits, whose screens refresh
themselves, as `settled_version` does for the polled `data_version`.

`ChangeListener` holds its own psycopg connection in autocommit in a thread of its own and
calls back (from that thread) for each other process's commit; a lost connection (server
restarted, session terminated, network cut) is reopened by itself, after which it calls
back once too (commits may have been missed meanwhile). The caller marshals the callback
to its GUI thread: nothing of Qt here.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import psycopg

from app.paths import ServerLocation
from app.storage.postgres import CHANGES_CHANNEL as CHANNEL
from app.storage.postgres import CONNECT_TIMEOUT_S

# How often the thread looks at its stop flag while no notification comes.
_WAKE_S = 0.5
# Waits between two attempts to reconnect (then the last one, repeated).
_RETRY_S = (0.2, 0.5, 1.0, 2.0, 5.0)
RECONNECTED = ""  # the callback's argument after a reconnection (anything may have changed)


class ChangeListener:
    """LISTEN on `CHANNEL` in a thread; `callback(token)` for each commit of another office
    (another process), `callback(RECONNECTED)` after a lost connection came back."""

    def __init__(
        self, location: ServerLocation, own_token: str, callback: Callable[[str], None]
    ) -> None:
        self._location = location
        self._own = own_token
        self._callback = callback
        self._stop = threading.Event()
        self.connected = threading.Event()  # listening now (for the tests, and a status)
        self._thread = threading.Thread(target=self._run, name="dossia-changes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait_s: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(wait_s)

    def _connect(self) -> psycopg.Connection:
        connection = psycopg.connect(
            "postgresql://" + self._location.url.split("://", 1)[1],
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="Dossia (changements)",
            # A network cut without a word from the server is noticed within a minute.
            keepalives=1,
            keepalives_idle=20,
            keepalives_interval=5,
            keepalives_count=4,
            **self._location.connect_args,  # type: ignore[arg-type]
        )
        connection.execute(f"LISTEN {CHANNEL}")
        return connection

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                connection = self._connect()
            except psycopg.Error:
                self._stop.wait(_RETRY_S[min(failures, len(_RETRY_S) - 1)])
                failures += 1
                continue
            try:
                self.connected.set()
                if failures:
                    failures = 0
                    self._callback(RECONNECTED)  # what was missed meanwhile
                while not self._stop.is_set():
                    for notice in connection.notifies(timeout=_WAKE_S):
                        if notice.payload != self._own:
                            self._callback(notice.payload)
            except psycopg.Error:
                failures = 1  # lost: reconnect at once, then say so
            finally:
                self.connected.clear()
                with contextlib.suppress(psycopg.Error):
                    connection.close()
