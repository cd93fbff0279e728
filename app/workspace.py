"""An open office: its database, the logged-in user, and the services they give access to.

Built by `main.py` / the launcher and handed to the windows (no global registry). The
Clients list is served from a plain DB-API connection; the services that need SQLAlchemy
are created on first use (or by `warm_up()` in the background after the first paint).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from app import db_listing, db_raw
from app.auth import CurrentUser
from app.db_listing import BrokerChoice, ListQuery, ListRow, ListTab
from app.paths import DataPaths
from models.enums import Right

if TYPE_CHECKING:
    from app.comments import CommentService
    from app.company import CompanyService
    from app.db import Database
    from app.dossiers import DossierService
    from app.household_service import HouseholdService
    from app.office import OfficeService
    from app.referential import ReferentialService
    from app.roles import RoleService
    from app.settings import SettingsService
    from app.situation import SituationService
    from app.users import UserService


class OfficeDatabase:
    """A checked database file, opened before anyone has logged in."""

    def __init__(self, paths: DataPaths) -> None:
        self.paths = paths
        self._connection = db_raw.connect(paths.database)

    def authenticate(self, login: str, password: str, now=None) -> CurrentUser:
        from app.auth import authenticate

        return authenticate(self._connection, login, password, now)

    def workspace_for(self, user: CurrentUser) -> Workspace:
        return Workspace(self.paths, self._connection, user)

    def close(self) -> None:
        self._connection.close()


class Workspace:
    def __init__(self, paths: DataPaths, connection: sqlite3.Connection, user: CurrentUser) -> None:
        self.paths = paths
        self.user = user
        self._connection = connection
        self._list_lock = threading.Lock()  # the list connection, used by the GUI thread
        self._services_lock = threading.RLock()  # lazy creation of the SQLAlchemy services
        self._database: Database | None = None
        self._dossiers: DossierService | None = None
        self._office: OfficeService | None = None
        self._household: HouseholdService | None = None
        self._comments: CommentService | None = None
        self._situation: SituationService | None = None
        self._settings: SettingsService | None = None
        self._users: UserService | None = None
        self._roles: RoleService | None = None
        self._referential: ReferentialService | None = None
        self._company: CompanyService | None = None

    # --- the Clients list (no SQLAlchemy) ----------------------------------------------

    def _scoped(self, query: ListQuery) -> ListQuery:
        """Apply the user's rights: without «voir tous les dossiers», only their own."""
        if self.user.can(Right.VIEW_ALL_DOSSIERS):
            return replace(query, restrict_to_owner=None)
        return replace(query, restrict_to_owner=self.user.id)

    def list_page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        with self._list_lock:
            return db_listing.fetch_page(self._connection, self._scoped(query), offset, limit)

    def tab_counts(
        self, query: ListQuery, connection: sqlite3.Connection | None = None
    ) -> dict[ListTab, int]:
        """Counts per tab; pass a connection of your own when calling from another thread."""
        if connection is not None:
            return db_listing.count_by_tab(connection, self._scoped(query))
        with self._list_lock:
            return db_listing.count_by_tab(self._connection, self._scoped(query))

    def data_version(self) -> int:
        """Changes whenever another connection (or process) commits: time to refresh."""
        with self._list_lock:
            return self._connection.execute("PRAGMA data_version").fetchone()[0]

    def quick_check(self) -> str | None:
        """None if SQLite's quick check finds the file sound (call from a worker thread)."""
        connection = self.open_reader()
        try:
            rows = [row[0] for row in connection.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as error:
            return str(error)
        finally:
            connection.close()
        return None if rows == ["ok"] else "; ".join(rows[:5])

    def recover_missing_database(self) -> bool:
        """The file was deleted or moved under our feet: our connection still reads it, so
        write it back where it was and reconnect everything to the new file.

        Returns True if it had to. Raises StorageError if the copy cannot be written.
        """
        if self.paths.database.exists():
            return False
        from app.errors import StorageError

        with self._list_lock, self._services_lock:
            try:
                self.paths.folder.mkdir(parents=True, exist_ok=True)
                target = sqlite3.connect(self.paths.database)
                try:
                    self._connection.backup(target)
                finally:
                    target.close()
            except (OSError, sqlite3.Error) as error:
                raise StorageError(
                    f"Le fichier de la base « {self.paths.database} » a disparu et Dossia n'a pas "
                    f"pu le réécrire ({error}). Ne fermez pas Dossia : utilisez « Sauvegarder vers "
                    "un dossier… »."
                ) from error
            self._connection.close()
            self._connection = db_raw.connect(self.paths.database)
            if self._database is not None:
                self._database.engine.dispose()  # pooled connections point at the old file
        return True

    def open_reader(self) -> sqlite3.Connection:
        """A separate connection for a worker thread (SQLite connections are not shared)."""
        return db_raw.connect(self.paths.database)

    def brokers(self) -> list[BrokerChoice]:
        with self._list_lock:
            brokers = db_listing.list_brokers(self._connection)
        if not self.user.can(Right.VIEW_ALL_DOSSIERS):
            brokers = [b for b in brokers if b.id == self.user.id]
        return brokers

    # --- services (SQLAlchemy, created on first use) -----------------------------------

    @property
    def database(self) -> Database:
        with self._services_lock:
            if self._database is None:
                from app.db import Database

                self._database = Database(self.paths)
            return self._database

    @property
    def dossiers(self) -> DossierService:
        with self._services_lock:
            if self._dossiers is None:
                from app.documents import DocumentStore
                from app.dossiers import DossierService
                from app.numbering import MachineSettings

                self._dossiers = DossierService(
                    self.database, self.user, DocumentStore(self.paths.documents)
                )
                self._dossiers.machine_prefix = MachineSettings().machine_prefix()
            return self._dossiers

    @property
    def household(self) -> HouseholdService:
        with self._services_lock:
            if self._household is None:
                from app.household_service import HouseholdService

                self._household = HouseholdService(self.database, self.user)
            return self._household

    @property
    def situation(self) -> SituationService:
        with self._services_lock:
            if self._situation is None:
                from app.situation import SituationService

                self._situation = SituationService(self.database, self.user)
            return self._situation

    @property
    def settings(self) -> SettingsService:
        with self._services_lock:
            if self._settings is None:
                from app.settings import SettingsService

                self._settings = SettingsService(self.database, self.user)
            return self._settings

    @property
    def users(self) -> UserService:
        with self._services_lock:
            if self._users is None:
                from app.users import UserService

                self._users = UserService(self.database, self.user)
            return self._users

    @property
    def roles(self) -> RoleService:
        with self._services_lock:
            if self._roles is None:
                from app.roles import RoleService

                self._roles = RoleService(self.database, self.user)
            return self._roles

    @property
    def referential(self) -> ReferentialService:
        with self._services_lock:
            if self._referential is None:
                from app.referential import ReferentialService

                self._referential = ReferentialService(self.database, self.user)
            return self._referential

    @property
    def company(self) -> CompanyService:
        with self._services_lock:
            if self._company is None:
                from app.company import CompanyService
                from app.documents import DocumentStore

                self._company = CompanyService(
                    self.database, self.user, DocumentStore(self.paths.documents)
                )
            return self._company

    @property
    def comments(self) -> CommentService:
        with self._services_lock:
            if self._comments is None:
                from app.comments import CommentService

                self._comments = CommentService(self.database, self.user)
            return self._comments

    @property
    def office(self) -> OfficeService:
        with self._services_lock:
            if self._office is None:
                from app.office import OfficeService

                self._office = OfficeService(self.database)
            return self._office

    def warm_up(self) -> None:
        """Import and build the services ahead of the first click (call from a thread)."""
        _ = (self.dossiers, self.office, self.household, self.comments, self.situation)

    def close(self) -> None:
        with self._list_lock, self._services_lock:
            with contextlib.suppress(sqlite3.Error):
                db_raw.optimize(self._connection)
            self._connection.close()
            if self._database is not None:
                self._database.dispose()
