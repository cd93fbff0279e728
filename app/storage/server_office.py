"""An office on a PostgreSQL server, opened (issue 11): what `SqliteOffice` gives the
workspace — the list's connection, the login check's data, the SQLAlchemy `Database`, the
helpers that watch for other users' changes — for a server.

The server holds the office; this computer keeps only its own small folder
(`ServerLocation.local_paths`: logs, copies of documents opened for viewing, PDFs made to be
opened). SQLAlchemy is imported at once here (the login check runs on it): a server office
starts about 0.3 s slower than a file does, which the shared-office mode accepts for now.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import psycopg

from app.errors import DatabaseOpenError, StorageError
from app.paths import ServerLocation
from app.storage.postgres import CONNECT_TIMEOUT_S, ServerDatabase, ServerRefusal, unreachable
from app.storage.postgres_accounts import ServerAccounts
from app.storage.postgres_changes import ChangeListener
from app.storage.postgres_listing import LIST_UNREACHABLE, ServerListing

_OWN_COMMITS_KEPT = 1000


def connect_listing(location: ServerLocation) -> psycopg.Connection:
    """A connection for the list (autocommit: each statement sees every commit before it).
    Raises ServerRefusal (French) when the server cannot be reached or refuses."""
    url = "postgresql://" + location.url.split("://", 1)[1]
    try:
        return psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="Dossia",
            **location.connect_args,  # type: ignore[arg-type]
        )
    except psycopg.OperationalError as error:
        raise unreachable(location, error) from error


class ServerOffice:
    """The store a `Workspace` works on, for an office on a server."""

    is_server = True

    def __init__(
        self, location: ServerLocation, after_dossier_change: tuple[Callable[..., None], ...] = ()
    ) -> None:
        self.location = location
        self.paths = location.local_paths
        self.listing = ServerListing(lambda: connect_listing(location))
        try:
            self.database = ServerDatabase(location, self.paths)
        except BaseException:
            self.listing.close()
            raise
        self.database.commit_observer = self
        self.database.after_dossier_change = after_dossier_change
        self.accounts = ServerAccounts(self.database)
        self._own_commits: dict[int, int] = {}
        self._last_version = -1
        self._listener: ChangeListener | None = None

    def reader(self) -> ServerListing:
        """A listing on a connection of its own, for a worker thread (close it after use).
        Raises StorageError (the list's own French message) while the server is away."""
        try:
            return ServerListing(lambda: connect_listing(self.location))
        except ServerRefusal as error:
            if error.reason != "unreachable":
                raise
            raise StorageError(LIST_UNREACHABLE) from error

    # --- other users' changes: told at once (LISTEN/NOTIFY), and polled as a fallback ---

    def watch_changes(self, callback: Callable[[str], None]) -> bool:
        """`callback` is called (from a thread of its own) at each commit of another
        Dossia on the server, and once after its lost connection came back; this
        process's own commits are not told. True: the changes are pushed."""
        if self._listener is None:
            self._listener = ChangeListener(self.location, self.database.change_token, callback)
            self._listener.start()
        return True

    def data_version(self) -> int:
        """Moves whenever a write transaction ends on the server (the next transaction id
        to be given): time to refresh. Another database of the same server moves it too,
        which only costs a refresh."""
        try:
            with self.listing.lock:
                rows = self.listing._execute(
                    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
                )
        except (StorageError, DatabaseOpenError):
            # The server does not answer: nothing to refresh for now (the next use case
            # says it); asked again at the next check.
            return self._last_version
        self._last_version = int(rows[0][0])
        return self._last_version

    def before_write(self) -> int:
        return self.data_version()

    def committed(self, before: int) -> None:
        after = self.data_version()
        if after != before:
            self._own_commits[before] = after
            while len(self._own_commits) > _OWN_COMMITS_KEPT:
                del self._own_commits[next(iter(self._own_commits))]

    def settled_version(self, seen: int) -> int:
        """As `SqliteOffice.settled_version`: `seen` moved past our own commits only."""
        version = seen
        while version in self._own_commits:
            version = self._own_commits.pop(version)
        return version

    # --- what only a file needs ---

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        yield  # an encrypted office's key file: files only (a server is never encrypted here)

    def quick_check(self, force: bool = False) -> str | None:
        """The file's integrity check has no server counterpart: the server keeps its own
        data sound (checksums, WAL); None."""
        return None

    def interrupt_quick_check(self) -> None:
        return None

    def recover_missing_file(self) -> bool:
        return False

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        self.database.commit_observer = None
        self.database.dispose()
        self.listing.close()
