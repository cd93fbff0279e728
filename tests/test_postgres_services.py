"""The dossier's use cases on both engines (issue 11): the same service, the same rules and
the same answers on the office's SQLite file and on a PostgreSQL server — the first slice of
the service tests run on both; the login check on both; and writers serialised on the server
as on the file (numbers unique and gapless when brokers create dossiers at once)."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth import Accounts, CurrentUser, authenticate
from app.dossier.comment_service import CommentService
from app.dossier.dossier_service import DossierFlag, DossierService, NewDossier
from app.dossier.household import BorrowerData, ChildData
from app.dossier.household_service import HouseholdService
from app.errors import ConflictError, DomainError, NotFound, StorageError
from app.office.office import BROKER, NewUser
from app.office.office_service import create_office
from app.paths import DataPaths
from app.security import hash_password
from app.storage import postgres, sqlite
from app.storage.database import Database
from app.storage.documents import DocumentStore
from app.storage.postgres import ServerDatabase, upgrade_server_schema
from app.storage.postgres_accounts import ServerAccounts
from app.storage.schema import ensure_schema
from app.storage.sqlite_accounts import SqliteAccounts
from models.audit import AuditEvent
from models.dossier import Borrower, Child, Comment, Dossier, StepChange
from models.enums import AbandonReason, AuditAction, DossierStatus, DossierTab, MaritalStatus
from models.office import Provenance, Role, User
from tests import postgres_server

PASSWORD = "Secret-2026"
ADMIN = NewUser("admin", "Claire", "Marchetti", PASSWORD)


def _seed(database: Database) -> None:
    """A new office: its administrator (Claire Marchetti) and a broker (Sophie Legrand)."""
    create_office(database, ADMIN)
    with database.write() as session:
        role = session.scalars(select(Role).where(Role.name == BROKER)).one()
        session.add(
            User(
                login="slegrand",
                first_name="Sophie",
                last_name="Legrand",
                role=role,
                password_hash=hash_password(PASSWORD),
                is_active=True,
                is_broker=True,
                failed_logins=0,
            )
        )


@dataclass
class Office:
    """An office on one engine, used as the application uses it: a Database, the login
    check's accounts, and services acting for a logged-in user."""

    engine: str
    database: Database
    accounts: Accounts
    documents: Path

    def log_in(self, login: str, password: str = PASSWORD) -> CurrentUser:
        return authenticate(self.accounts, login, password)

    def dossiers(self, user: CurrentUser) -> DossierService:
        return DossierService(self.database, user, DocumentStore(self.documents))

    def household(self, user: CurrentUser) -> HouseholdService:
        return HouseholdService(self.database, user)

    def comments(self, user: CurrentUser) -> CommentService:
        return CommentService(self.database, user)

    def create(self, user: CurrentUser, last_name: str = "Quénéhervé", **changes):
        with self.database.read() as session:
            provenance = session.scalar(select(Provenance.id).order_by(Provenance.position))
        values = {
            "status": DossierStatus.CLIENT,
            "last_name": last_name,
            "first_name": "Éloïse",
            "owner_id": user.id,
            "provenance_id": provenance,
            **changes,
        }
        return self.dossiers(user).create(NewDossier(**values))

    def events(self, dossier_id: int | None = None) -> list[AuditEvent]:
        with self.database.read() as session:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if dossier_id is not None:
                query = query.where(AuditEvent.dossier_id == dossier_id)
            return list(session.scalars(query))

    def count(self, model, **where) -> int:
        with self.database.read() as session:
            return session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory) -> Path:
    paths = DataPaths(tmp_path_factory.mktemp("sqlite-office") / "dossia.sqlite3")
    ensure_schema(paths)
    database = Database(paths)
    _seed(database)
    database.dispose()
    return paths.database


@pytest.fixture(scope="module")
def server_template(tmp_path_factory) -> Iterator[str]:
    """A server database migrated and seeded once; each test gets a copy (CREATE DATABASE
    … TEMPLATE)."""
    postgres_server.server_url()  # skips (or fails, when required) without a server
    name = postgres_server.create_database()
    try:
        location = postgres_server.location_of(name)
        upgrade_server_schema(location)
        folder = tmp_path_factory.mktemp("server-office")
        database = ServerDatabase(location, DataPaths(folder / "dossia.sqlite3"))
        _seed(database)
        database.dispose()
        yield name
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def office(request, tmp_path) -> Iterator[Office]:
    documents = tmp_path / "documents"
    if request.param == "sqlite":
        target = tmp_path / "dossia.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        database = Database(DataPaths(target))
        connection = sqlite.connect(target)
        yield Office("sqlite", database, SqliteAccounts(connection), documents)
        database.dispose()
        connection.close()
        return
    with _server_office(request.getfixturevalue("server_template"), tmp_path) as office:
        yield office


@pytest.fixture
def server_office(server_template, tmp_path) -> Iterator[Office]:
    with _server_office(server_template, tmp_path) as office:
        yield office


@contextlib.contextmanager
def _server_office(template: str, folder: Path) -> Iterator[Office]:
    with postgres_server.fresh_database(template) as location:
        database = ServerDatabase(location, DataPaths(folder / "dossia.sqlite3"))
        try:
            yield Office("postgresql", database, ServerAccounts(database), folder / "documents")
        finally:
            database.dispose()


def test_the_login_check_counts_failures_and_grants_the_roles_rights(office):
    admin = office.log_in(" Admin ")
    assert (admin.login, admin.display_name, admin.role_name) == (
        "admin",
        "Claire Marchetti",
        "Administrateur",
    )
    broker = office.log_in("slegrand")
    assert broker.rights < admin.rights
    with pytest.raises(DomainError, match="incorrect"):
        office.log_in("slegrand", "not-the-password")
    with office.database.read() as session:
        failed = session.scalar(select(User.failed_logins).where(User.login == "slegrand"))
    assert failed == 1
    refused = office.events()[-1]
    assert (refused.action, refused.user_login) == (AuditAction.LOGIN_FAILED, "slegrand")
    office.log_in("slegrand")  # a success clears the count
    assert office.count(User, login="slegrand", failed_logins=0) == 1


def test_create_numbers_the_dossier_and_starts_its_pipeline(office):
    admin = office.log_in("admin")
    detail = office.create(admin, co_last_name="Martin", co_first_name="Paul")
    assert detail.number.startswith(f"{dt.date.today().year}-")
    assert detail.holder_name == "QUÉNÉHERVÉ Éloïse"
    assert detail.household == "Deux emprunteurs"
    assert (detail.current_step.name, detail.current_step.percent) == ("Client créé", 10)
    assert [h.step_name for h in detail.history] == ["Client créé"]
    assert office.events(detail.id)[-1].action is AuditAction.DOSSIER_CREATED
    second = office.create(admin, "Durand")
    assert int(second.number.rsplit("-", 1)[1]) == int(detail.number.rsplit("-", 1)[1]) + 1


def test_flags_and_a_stale_version_detected_not_overwritten(office):
    service = office.dossiers(office.log_in("admin"))
    detail = office.create(office.log_in("admin"))
    for flag in DossierFlag:
        detail = service.set_flag(detail.id, detail.version, flag, True)
    assert service.get(detail.id).no_rebate is True
    changed = service.set_flag(detail.id, detail.version, DossierFlag.COMPLETE, False)
    with pytest.raises(ConflictError, match="modifié entre-temps"):
        service.set_flag(detail.id, detail.version, DossierFlag.COMPLETE, True)
    assert service.get(detail.id) == changed


def test_renumbering_checks_uniqueness_and_a_refusal_changes_nothing(office):
    admin = office.log_in("admin")
    service = office.dossiers(admin)
    first, second = office.create(admin), office.create(admin, "Durand")
    events = len(office.events())
    with pytest.raises(DomainError, match="déjà utilisé"):
        service.renumber(second.id, second.version, first.number)
    assert service.get(second.id) == second
    assert len(office.events()) == events
    renumbered = service.renumber(second.id, second.version, " AG-2026-001 ")
    assert renumbered.number == "AG-2026-001"
    assert office.events(second.id)[-1].details == f"{second.number} → AG-2026-001"


def test_steps_move_forward_and_back_with_dated_history(office):
    service = office.dossiers(office.log_in("admin"))
    detail = office.create(office.log_in("admin"))
    for move in (1, 1, -1):
        detail = service.move_step(detail.id, detail.version, move)
    assert [h.step_name for h in detail.history] == [
        "Client créé",
        "RDV banque",
        "Accord de principe",
        "RDV banque",
    ]
    assert all(h.user_name == "Claire Marchetti" for h in detail.history)
    first = service.move_step(detail.id, detail.version, -1)
    with pytest.raises(DomainError, match="première étape"):
        service.move_step(first.id, first.version, -1)


def test_abandon_then_resume(office):
    service = office.dossiers(office.log_in("admin"))
    detail = office.create(office.log_in("admin"))
    abandoned = service.abandon(detail.id, detail.version, AbandonReason.OTHER, "Mutation à Lyon")
    assert abandoned.status is DossierStatus.ABANDONED
    assert abandoned.abandon_label == "Autre : Mutation à Lyon"
    with pytest.raises(DomainError, match="lecture seule"):
        service.set_flag(abandoned.id, abandoned.version, DossierFlag.COMPLETE, True)
    resumed = service.resume(
        abandoned.id, abandoned.version, DossierStatus.PROSPECT, dt.date.today()
    )
    assert resumed.status is DossierStatus.PROSPECT


def test_a_broker_sees_only_his_dossiers(office):
    others = office.create(office.log_in("admin"))
    broker = office.log_in("slegrand")
    with pytest.raises(NotFound):
        office.dossiers(broker).get(others.id)
    mine = office.create(broker, "Petit")
    assert office.dossiers(broker).get(mine.id).owner.label == "Sophie Legrand"


def test_delete_leaves_only_the_number_in_the_log(office):
    admin = office.log_in("admin")
    kept, detail = office.create(admin, "Garde"), office.create(admin, "Efface")
    assert office.dossiers(admin).delete(detail.id).number == detail.number
    for model in (Borrower, StepChange):
        assert office.count(model, dossier_id=detail.id) == 0
    assert office.count(Dossier, id=detail.id) == 0
    assert office.count(Dossier, id=kept.id) == 1
    event = office.events(detail.id)[-1]
    assert (event.action, event.dossier_number) == (AuditAction.DOSSIER_DELETED, detail.number)
    assert all("efface" not in (e.details or "").lower() for e in office.events(detail.id))


def test_the_household_is_saved_normalised_and_follows_the_version(office):
    admin = office.log_in("admin")
    detail = office.create(admin)
    household = office.household(admin)
    info = household.get(detail.id)
    data = BorrowerData(
        last_name="d'Artagnan-Lefèvre",
        first_name="Éloïse",
        civility="Mme",
        birth_date=dt.date(1988, 4, 2),
        phone="06.12.34.56.78",
        email=" eloise@exemple.fr ",
        marital_status=MaritalStatus.MARRIED,
        net_monthly_income_cents=2_850_00,
    )
    info = household.save_borrower(detail.id, info.version, 1, data)
    saved = info.borrowers[0]
    assert (saved.phone, saved.email, saved.birth_date) == (
        "06 12 34 56 78",
        "eloise@exemple.fr",
        dt.date(1988, 4, 2),
    )
    assert office.dossiers(admin).get(detail.id).holder_name == "D'ARTAGNAN-LEFÈVRE Éloïse"
    info = household.add_child(detail.id, info.version, ChildData("Léo", dt.date(2015, 5, 1)))
    with pytest.raises(ConflictError):
        household.add_child(detail.id, info.version - 1, ChildData("Léa"))
    assert [c.data.first_name for c in household.get(detail.id).children] == ["Léo"]
    with office.database.read() as session:
        found = office.database.dossiers_naming(session, "artagnan")
    assert found == [detail.id]


def test_comments_are_sanitised_edited_and_go_with_the_dossier(office):
    admin, broker = office.log_in("admin"), office.log_in("slegrand")
    detail = office.create(broker)
    comments = office.comments(broker)
    with pytest.raises(DomainError, match="vide"):
        comments.add(detail.id, DossierTab.GENERAL, "<p><br></p>")
    first = comments.add(
        detail.id, DossierTab.GENERAL, "<p>Très <b>motivés</b><script>x</script></p>"
    )
    assert first.body == "<p>Très <b>motivés</b></p>" and first.in_synthesis
    second = comments.add(detail.id, DossierTab.BORROWERS, "<p>Bulletins</p>", in_synthesis=False)
    assert [c.id for c in comments.list(detail.id)] == [second.id, first.id]  # newest first
    edited = comments.update(first.id, "<p>Très motivés 😀</p>", in_synthesis=False)
    assert (edited.body, edited.in_synthesis) == ("<p>Très motivés 😀</p>", False)
    office.comments(admin).delete(second.id)  # a manager may delete another's comment
    assert [c.id for c in comments.list(detail.id)] == [first.id]
    office.household(broker).add_child(
        detail.id, office.dossiers(broker).get(detail.id).version, ChildData("Léo")
    )
    office.dossiers(admin).delete(detail.id)
    assert office.count(Comment, dossier_id=detail.id) == 0
    assert office.count(Child, dossier_id=detail.id) == 0


def test_the_search_index_finds_dossiers_by_name(office):
    admin = office.log_in("admin")
    wanted = office.create(admin, "LŒUILLIET", first_name="Lætitia")
    office.create(admin, "Durand")
    with office.database.read() as session:
        found = office.database.dossiers_naming(session, "laetitia", "loeuilliet")
    assert found == [wanted.id]


def test_brokers_creating_dossiers_at_once_get_unique_gapless_numbers(office):
    users = [office.log_in("admin"), office.log_in("slegrand")]
    created: list[str] = []
    failures: list[BaseException] = []

    def work(user: CurrentUser) -> None:
        try:
            for index in range(6):
                created.append(office.create(user, f"Client{index}").number)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=work, args=(user,)) for user in users * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    sequences = sorted(int(number.rsplit("-", 1)[1]) for number in created)
    assert sequences == list(range(sequences[0], sequences[0] + 24))


def test_a_writer_waits_for_the_one_before_it_then_gives_up_in_french(server_office, monkeypatch):
    """On the server as on the file (whose busy timeout test_crash_and_concurrency.py
    checks): a write transaction waits for the one in progress, not failing at once, and
    past the wait says the office is busy; nothing is written."""
    office = server_office
    monkeypatch.setattr(postgres, "WRITERS_WAIT_MS", 300)
    admin = office.log_in("admin")
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with office.database.write() as session:
            session.execute(select(User.id).limit(1))
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        with pytest.raises(StorageError, match="occupée par un autre utilisateur"):
            office.create(admin)
    finally:
        release.set()
        holder.join()
    assert office.count(Dossier) == 0
    assert office.create(admin).number  # and then it goes on


def test_a_lost_connection_is_said_in_french_and_the_next_use_case_reconnects(server_office):
    office = server_office
    admin = office.log_in("admin")
    detail = office.create(admin)
    with pytest.raises(StorageError, match="ne répond pas"), office.database.write() as session:
        session.execute(select(User.id).limit(1))
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        postgres_server.terminate_session(pid)  # in the middle of a use case
        session.add(Provenance(name="Salon", position=99, is_active=True))
        session.flush()
    assert office.count(Provenance, name="Salon") == 0  # nothing half-written
    service = office.dossiers(admin)  # the pool opens a new connection: no restart needed
    assert service.set_flag(detail.id, detail.version, DossierFlag.COMPLETE, True).is_complete
