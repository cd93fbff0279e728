"""An open office: its storage, the logged-in user, and the services they give access to.

Built by `main.py` / the launcher and handed to the windows (no global registry). The
Clients list and the login are served by the storage's fast path; the services that need
SQLAlchemy are created on first use (or by `warm_up()` in the background after the first
paint): their imports sit inside the properties on purpose, for start-up speed.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.auth import CurrentUser, authenticate
from app.errors import DomainError
from app.listing import BrokerChoice, DossierListing, ListQuery, ListRow, ListTab
from app.office.machine import MachineSettings
from app.paths import OfficeLocation, ServerLocation
from app.storage.documents import DocumentStore
from app.storage.driver import sqlite_version
from app.storage.issued_numbers import IssuedNumbers
from app.storage.sqlite import is_encrypted
from app.storage.sqlite_office import SqliteOffice
from models.enums import Right

if TYPE_CHECKING:
    from app.carry.carry_service import CarryService
    from app.documents.document_service import DocumentService
    from app.dossier.comment_service import CommentService
    from app.dossier.dossier_service import DossierService
    from app.dossier.household_service import HouseholdService
    from app.dossier.situation_service import SituationService
    from app.exports.c1_service import C1ExportService
    from app.invoicing.invoice_service import InvoiceService
    from app.invoicing.office_invoicing import OfficeInvoicing
    from app.loan_request.loan_request_service import LoanRequestService
    from app.office.backup_service import BackupService
    from app.office.company_service import CompanyService
    from app.office.encryption_service import EncryptionService
    from app.office.migration_service import MigrationService
    from app.office.office_service import OfficeService
    from app.office.referential_service import ReferentialService
    from app.office.role_service import RoleService
    from app.office.settings_service import SettingsService
    from app.office.user_service import UserService
    from app.pipeline.pipeline_service import PipelineService
    from app.privacy.privacy_service import PrivacyService
    from app.simulation.simulation_service import SimulationService
    from app.storage.database import Database
    from app.storage.server_office import ServerOffice

    Store = SqliteOffice | ServerOffice

Service = TypeVar("Service")

# What a dossier's services import — SQLAlchemy, the ORM, the models, the services — in the
# order of their dependencies and in steps of at most ~0.2 s (SQLAlchemy's Core is the
# longest), for a thread that imports them ahead of time while the GUI is idle and pauses
# between two steps while it is not (see `preload_steps`); then what the other tabs and the
# checks after the first paint import.
_PRELOADED = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "models.office",
    "models.dossier",
    "models.audit",
    "app.dossier.dossier_service",
    "app.dossier.household_service",
    "app.dossier.situation_service",
    "app.dossier.comment_service",
)
_PRELOADED_LATER = (
    "app.simulation.simulation_service",
    "app.documents.document_service",
    "app.office.backup_service",
    "app.privacy.privacy_service",
)


def _configure_mappers() -> None:
    """The mappers configured (≈ 25 ms, else done by the first query)."""
    importlib.import_module("sqlalchemy.orm").configure_mappers()


def preload_steps(later: bool = False) -> tuple[Callable[[], object], ...]:
    """The imports a dossier's services need (`later`: those of the other tabs and of the
    checks after the first paint), one callable per step. Call them from a thread, in
    order; before the first paint only while the GUI waits for the user (the login dialog
    waiting for a password): no user is needed, nothing is read."""
    if later:
        return tuple(functools.partial(importlib.import_module, name) for name in _PRELOADED_LATER)
    return (
        *(functools.partial(importlib.import_module, name) for name in _PRELOADED),
        _configure_mappers,
    )


class OfficeDatabase:
    """A checked office, opened before anyone has logged in: a file (`DataPaths`) or a
    database on a server (`ServerLocation`, issue 11)."""

    def __init__(self, location: OfficeLocation) -> None:
        self._store: Store
        if isinstance(location, ServerLocation):
            from app.storage.server_office import ServerOffice  # SQLAlchemy, psycopg

            self._store = ServerOffice(location, after_dossier_change=(_keep_figures,))
        else:
            self._store = SqliteOffice(location, after_dossier_change=(_keep_figures,))
        self.paths = self._store.paths

    def authenticate(self, login: str, password: str, now=None) -> CurrentUser:
        accounts = self._store.accounts
        before = accounts.active_account(login.strip().lower())
        user = authenticate(accounts, login, password, now)
        if is_encrypted(self.paths.database):
            from app.crypto.unlocked import keep_user_key  # 90 ms: encrypted offices only

            with self._store.write_lock():  # no other process's key change interleaved
                now_stored = accounts.active_account(user.login)
                # The password checked is still the current one (not changed by another
                # computer's session meanwhile, whose own key change then prevails).
                if before and now_stored and now_stored.password_hash == before.password_hash:
                    keep_user_key(self.paths.database, user.login, password)
        return user

    def workspace_for(self, user: CurrentUser) -> Workspace:
        return Workspace(self._store, user)

    def close(self) -> None:
        self._store.close()


def _keep_figures(session: Any, dossier: Any) -> None:
    """Inside every change of a dossier: its validated simulation's TAEG and debt ratio
    kept in step (the simulation wing sits above the dossier's: it is handed down)."""
    from app.simulation.figures import keep_in_step

    keep_in_step(session, dossier)


class ScopedListing:
    """The list as one user may see it: without «voir tous les dossiers», only their own."""

    def __init__(self, listing: DossierListing, user: CurrentUser) -> None:
        self._listing = listing
        self._user = user

    def _scoped(self, query: ListQuery) -> ListQuery:
        if self._user.can(Right.VIEW_ALL_DOSSIERS):
            return replace(query, restrict_to_owner=None)
        return replace(query, restrict_to_owner=self._user.id)

    def fetch_page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        return self._listing.fetch_page(self._scoped(query), offset, limit)

    def fetch_row(self, query: ListQuery, dossier_id: int) -> ListRow | None:
        return self._listing.fetch_row(self._scoped(query), dossier_id)

    def count_by_tab(self, query: ListQuery) -> dict[ListTab, int]:
        return self._listing.count_by_tab(self._scoped(query))

    def fetch_ids(self, query: ListQuery) -> Sequence[int]:
        return self._listing.fetch_ids(self._scoped(query))

    def fetch_rows(self, query: ListQuery, ids: Sequence[int]) -> dict[int, ListRow]:
        return self._listing.fetch_rows(self._scoped(query), ids)

    def interrupt(self) -> None:
        self._listing.interrupt()

    def brokers(self) -> list[BrokerChoice]:
        brokers = self._listing.brokers()
        if not self._user.can(Right.VIEW_ALL_DOSSIERS):
            brokers = [b for b in brokers if b.id == self._user.id]
        return brokers

    def close(self) -> None:
        self._listing.close()


@dataclass(frozen=True)
class About:
    version: str
    folder: Path
    database_file: Path
    database_bytes: int
    sqlite_version: str
    office: str
    orias_number: str
    encrypted: bool = False
    server: str = ""  # an office on a server: which one (no password), and its version
    server_encrypted: bool = False  # …and whether the connection to it is encrypted (TLS)


class Workspace:
    def __init__(self, store: Store, user: CurrentUser) -> None:
        self.paths = store.paths
        self.user = user
        self._store = store
        self._list = ScopedListing(store.listing, user)
        self._services_lock = threading.RLock()
        self._services: dict[str, Any] = {}

    # --- the Clients list (no SQLAlchemy) ----------------------------------------------

    @property
    def server(self) -> ServerLocation | None:
        """The server the office is on, or None for an office in a file of this computer."""
        return getattr(self._store, "location", None)

    @property
    def exports_folder(self) -> Path:
        """Where the PDFs made to be opened at once go (synthesis, checklist, invoices…): the
        data folder's `exports/`; in an encrypted office, a folder of copies for the viewer,
        emptied at each start and close — the lasting copy is the encrypted one Dossia
        keeps, and nothing readable stays on the disk."""
        if is_encrypted(self.paths.database):
            return self.paths.viewing / "exports"
        return self.paths.folder / "exports"

    def _document_store(self) -> DocumentStore:
        """The office's document files: encrypted with its key in an encrypted office; in
        the database for an office on a server."""
        if self.server is not None:
            from app.storage.postgres import ServerDatabase
            from app.storage.server_documents import ServerDocumentStore  # a server's only

            assert isinstance(self.database, ServerDatabase)
            return ServerDocumentStore(self.database)
        if not is_encrypted(self.paths.database):
            return DocumentStore(self.paths.documents)
        from app.crypto.unlocked import document_cipher  # 90 ms: encrypted offices only

        return DocumentStore(self.paths.documents, document_cipher(self.paths.database))

    def list_page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        return self._list.fetch_page(query, offset, limit)

    def list_row(self, query: ListQuery, dossier_id: int) -> ListRow | None:
        """One dossier's row of the list, or None if `query` no longer shows it."""
        return self._list.fetch_row(query, dossier_id)

    def list_ids(self, query: ListQuery) -> Sequence[int]:
        """Every dossier id of the list, in order (for the rows far down: see the model)."""
        return self._list.fetch_ids(query)

    def list_rows(self, query: ListQuery, ids: Sequence[int]) -> dict[int, ListRow]:
        """These dossiers' rows, by id, among those `query` still shows."""
        return self._list.fetch_rows(query, ids)

    def tab_counts(self, query: ListQuery) -> dict[ListTab, int]:
        return self._list.count_by_tab(query)

    def brokers(self) -> list[BrokerChoice]:
        return self._list.brokers()

    def open_reader(self) -> ScopedListing:
        """The list on a connection of its own, for a worker thread (close it after use)."""
        return ScopedListing(self._store.reader(), self.user)

    # --- watching the file -------------------------------------------------------------

    def data_version(self) -> int:
        """Changes whenever another connection (or process) commits: time to refresh."""
        return self._store.data_version()

    def settled_version(self, seen: int) -> int:
        """`seen` moved past this process's own commits since (shown already), up to the
        first commit of another connection."""
        return self._store.settled_version(seen)

    def watch_changes(self, callback: Callable[[str], None]) -> bool:
        """An office on a server tells at once when another computer commits:
        `callback(payload)` is then called from a thread of the storage (marshal it to
        the GUI thread); this process's own commits are not told. False for a file, whose
        `data_version` is polled."""
        return self._store.watch_changes(callback)

    def quick_check(self) -> str | None:
        """None if the database's quick check finds it sound (call from a worker thread)."""
        return self._store.quick_check()

    def interrupt_quick_check(self) -> None:
        """Stop the start's whole-file check if it is running (Dossia quitting)."""
        self._store.interrupt_quick_check()

    def recover_missing_database(self) -> bool:
        """The file vanished under our feet: write it back (True if it had to)."""
        return self._store.recover_missing_file()

    # --- services (SQLAlchemy, created on first use) -----------------------------------

    def _service(self, name: str, build: Callable[[], Service]) -> Service:
        with self._services_lock:
            if name not in self._services:
                self._services[name] = build()
            return self._services[name]

    @property
    def database(self) -> Database:
        return self._store.database

    @property
    def dossiers(self) -> DossierService:
        from app.dossier.dossier_service import DossierService

        def build() -> DossierService:
            service = DossierService(self.database, self.user, self._document_store())
            service.machine_prefix = self.numbering_prefix()()
            return service

        return self._service("dossiers", build)

    @property
    def household(self) -> HouseholdService:
        from app.dossier.household_service import HouseholdService

        return self._service("household", lambda: HouseholdService(self.database, self.user))

    @property
    def situation(self) -> SituationService:
        from app.dossier.situation_service import SituationService

        return self._service("situation", lambda: SituationService(self.database, self.user))

    @property
    def comments(self) -> CommentService:
        from app.dossier.comment_service import CommentService

        return self._service("comments", lambda: CommentService(self.database, self.user))

    @property
    def settings(self) -> SettingsService:
        from app.office.settings_service import SettingsService

        return self._service("settings", lambda: SettingsService(self.database, self.user))

    @property
    def users(self) -> UserService:
        from app.office.user_service import UserService

        return self._service("users", lambda: UserService(self.database, self.user))

    @property
    def roles(self) -> RoleService:
        from app.office.role_service import RoleService

        return self._service("roles", lambda: RoleService(self.database, self.user))

    @property
    def referential(self) -> ReferentialService:
        from app.office.referential_service import ReferentialService

        return self._service("referential", lambda: ReferentialService(self.database, self.user))

    def about(self) -> About:
        """What «À propos» says: the version, where the data live and their size, SQLite's
        version, the office and its ORIAS number."""
        from importlib import metadata  # only here: not on the start path

        try:
            version = metadata.version("dossia")
        except metadata.PackageNotFoundError:  # sources never installed
            version = "version de développement"
        database = self.paths.database
        size = sum(
            f.stat().st_size
            for f in (database, database.with_name(database.name + "-wal"))
            if f.exists()
        )
        company = self.company.get()
        server, server_encrypted = "", False
        if self.server is not None:
            from app.storage.postgres import connection_encrypted

            with self.database.read() as session:
                connection = session.connection()
                server_version = connection.exec_driver_sql("SHOW server_version").scalar()
                server = f"{self.server.label} (PostgreSQL {server_version})"
                server_encrypted = connection_encrypted(connection)
        return About(
            version,
            self.paths.folder,
            database,
            size,
            sqlite_version,
            company.name,
            company.orias_number,
            is_encrypted(database),
            server,
            server_encrypted,
        )

    @property
    def company(self) -> CompanyService:
        from app.office.company_service import CompanyService

        return self._service(
            "company",
            lambda: CompanyService(self.database, self.user, self._document_store()),
        )

    @property
    def office(self) -> OfficeService:
        from app.office.office_service import OfficeService

        return self._service("office", lambda: OfficeService(self.database))

    @property
    def backups(self) -> BackupService:
        from app.office.backup_service import BackupService, ServerBackupService

        kind = BackupService if self.server is None else ServerBackupService
        return self._service("backups", lambda: kind(self.paths, self.user, self.database))

    @property
    def encryption(self) -> EncryptionService:
        from app.office.encryption_service import EncryptionService, ServerEncryptionService

        kind = EncryptionService if self.server is None else ServerEncryptionService
        return self._service(
            "encryption", lambda: kind(self.database, self.user, self.paths, self._store.close)
        )

    @property
    def migration(self) -> MigrationService:
        """«Migrer vers le serveur»: a file office only (DomainError on a server)."""
        from app.office.migration_service import MigrationService

        if self.server is not None:
            raise DomainError("Ce cabinet est déjà sur un serveur PostgreSQL.")
        return self._service(
            "migration",
            lambda: MigrationService(
                self.database, self.user, self.paths, self._store.close, self._document_store()
            ),
        )

    def numbering_prefix(self) -> Callable[[], str]:
        """The prefix of the dossiers and invoices numbered here, as it is when asked: this
        computer's (Paramètres › Numérotation); in a laptop's file, the one its dossiers
        were taken away with (read now, once: it never changes), so that nothing numbered
        offline meets a number of the office."""
        from app.carry.laptop import laptop_prefix  # a settings lookup, not the carries' service

        carried = laptop_prefix(self.database) if self.server is None else ""
        if carried:
            return lambda: carried
        return lambda: MachineSettings().machine_prefix()

    @property
    def carries(self) -> CarryService:
        """«Emporter des dossiers» on a server's office; «Rapporter» in a laptop's file
        (`app.carry.carry_service`)."""
        from app.carry.carry_service import CarryService

        return self._service(
            "carries",
            lambda: CarryService(
                self.database, self.user, self.paths, self._document_store(), self.server
            ),
        )

    @property
    def simulations(self) -> SimulationService:
        from app.simulation.simulation_service import SimulationService

        return self._service(
            "simulations", lambda: SimulationService(self.database, self.user, self._letterhead)
        )

    def _letterhead(self) -> tuple[Any, bytes | None]:
        """The office's identity and logo, for the PDFs."""
        company = self.company.get()
        return company, self.company.logo(company)

    @property
    def privacy(self) -> PrivacyService:
        from app.privacy.privacy_service import PrivacyService

        return self._service(
            "privacy",
            lambda: PrivacyService(
                self.database,
                self.user,
                self._document_store(),
                lambda: self.company.get(),
            ),
        )

    @property
    def documents(self) -> DocumentService:
        from app.documents.document_service import DocumentService

        return self._service(
            "documents",
            lambda: DocumentService(
                self.database,
                self.user,
                self._document_store(),
                self.paths.viewing,
                self._letterhead,
            ),
        )

    @property
    def pipeline(self) -> PipelineService:
        from app.pipeline.pipeline_service import PipelineService

        return self._service("pipeline", lambda: PipelineService(self.database, self.user))

    @property
    def loan_requests(self) -> LoanRequestService:
        from app.loan_request.loan_request_service import LoanRequestService, Services

        return self._service(
            "loan_requests",
            lambda: LoanRequestService(
                self.database,
                self.user,
                self._document_store(),
                Services(
                    self.dossiers,
                    self.household,
                    self.situation,
                    self.simulations,
                    self.documents,
                    self.pipeline,
                ),
                scratch=self.paths.viewing,
            ),
        )

    @property
    def invoices(self) -> InvoiceService:
        from app.invoicing.invoice_service import InvoiceService

        def build() -> InvoiceService:
            return InvoiceService(
                self.database,
                self.user,
                lambda: self.company.get(),
                self.numbering_prefix(),
                logo=lambda company: self.company.logo(company),
                # What a restore of an older file must not give again: files only.
                issued=IssuedNumbers(self.paths.database) if self.server is None else None,
            )

        return self._service("invoices", build)

    @property
    def office_invoicing(self) -> OfficeInvoicing:
        from app.invoicing.office_invoicing import OfficeInvoicing

        return self._service(
            "office_invoicing",
            lambda: OfficeInvoicing(self.database, self.user, letterhead=self._letterhead),
        )

    @property
    def c1_exports(self) -> C1ExportService:
        """«Export C1»: the office manager's control report."""
        from app.exports.c1_service import C1ExportService

        return self._service("c1_exports", lambda: C1ExportService(self.database, self.user))

    @property
    def machine(self) -> MachineSettings:
        """This computer's own settings (the list's optional columns, the laptop prefix)."""
        return MachineSettings()

    def warm_up(self) -> None:
        """Import and build the services ahead of the first click (call from a thread);
        remove the copies of documents opened in an earlier session, and on a server the
        bytes of attaches stopped midway."""
        _ = (self.dossiers, self.office, self.household, self.comments, self.situation)
        self.documents.clear_viewing_copies()
        if self.server is not None:  # the bytes a computer stopped in an attach left behind
            self._document_store().sweep()

    def close(self) -> None:
        with self._services_lock:
            documents = self._services.get("documents")
            if documents is not None:
                documents.clear_viewing_copies()  # copies of ID cards, payslips: not left
            self._store.close()
