"""Security issue 9: the login (atomic lockout, no hint of which logins exist, failures
audited), rights re-checked at every write, one password rule, «Modifier tous les dossiers»."""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import update

from app.auth import BAD_CREDENTIALS, DUMMY_HASH, LOGIN_MAX
from app.demo import build_demo
from app.dossier.dossier_service import DossierFlag
from app.dossier.household import BorrowerData
from app.errors import DomainError, NotFound, PermissionDenied
from app.office.office import DEFAULT_ROLES, NewUser
from app.office.permissions import check_writer
from app.office.referential import BankData
from app.paths import DataPaths
from app.security import hash_password
from app.storage.database import Database
from app.storage.schema import alembic_config, ensure_schema
from app.workspace import OfficeDatabase
from models.enums import AbandonReason, AuditAction, DossierStatus, DossierTab, Right
from models.office import User
from tests.conftest import PASSWORD
from tests.helpers import audit_events, new_dossier
from tests.test_demo_and_cli import run_main

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


NOW = dt.datetime(2026, 11, 30, 9, 0)


def _account(paths: DataPaths, login: str) -> tuple[int, str | None]:
    connection = sqlite3.connect(paths.database)
    try:
        return connection.execute(
            "SELECT failed_logins, locked_until FROM users WHERE login = ?", (login,)
        ).fetchone()
    finally:
        connection.close()


def _refusal(office: OfficeDatabase, login: str, password: str, now=NOW) -> DomainError:
    with pytest.raises(DomainError) as refused:
        office.authenticate(login, password, now=now)
    return refused.value


# --- 8. the login -----------------------------------------------------------------------


def test_wrong_passwords_sent_at_once_all_count_and_lock_the_account(paths, monkeypatch):
    """Eight wrong passwords at once, each on its own connection (read-then-write used to
    leave the count at one and no lock); only five are tried against the real password."""
    import app.auth

    real = app.auth.verify_password
    tried: list[bool] = []

    def counting(stored: str, password: str) -> bool:
        tried.append(stored != DUMMY_HASH)
        return real(stored, password)

    monkeypatch.setattr(app.auth, "verify_password", counting)
    offices = [OfficeDatabase(paths) for _ in range(8)]
    start = threading.Barrier(len(offices))
    answers: list[str] = []

    def attempt(office: OfficeDatabase, index: int) -> None:
        start.wait()
        try:
            office.authenticate("slegrand", f"faux-{index}", now=NOW)
        except DomainError as error:
            answers.append(error.message)

    threads = [threading.Thread(target=attempt, args=(o, i)) for i, o in enumerate(offices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for office in offices:
        office.close()
    assert answers == [BAD_CREDENTIALS] * 8
    failures, locked_until = _account(paths, "slegrand")
    assert locked_until is not None and dt.datetime.fromisoformat(locked_until) > NOW
    assert failures == 0  # the five that locked it; the three during the lock do not count
    assert tried.count(True) == 5  # the attempt is counted before the password is checked
    office = OfficeDatabase(paths)
    workspace = office.workspace_for(office.authenticate("admin", PASSWORD, now=NOW))
    checked = [
        e.details
        for e in audit_events(workspace)
        if e.action is AuditAction.LOGIN_FAILED and e.details != "Pendant le blocage"
    ]
    assert len(checked) == 5  # only five were ever tried against the real password
    assert _refusal(office, "slegrand", PASSWORD).message == BAD_CREDENTIALS  # locked
    assert office.authenticate("slegrand", PASSWORD, now=NOW + dt.timedelta(minutes=6))
    office.close()
    office = OfficeDatabase(paths)
    workspace = office.workspace_for(office.authenticate("admin", PASSWORD))
    failed = workspace.settings.audit_events(action=AuditAction.LOGIN_FAILED)
    assert len([e for e in failed if e.user_login == "slegrand"]) == 9
    workspace.close()


def test_an_unknown_login_and_a_locked_account_get_the_same_answer(paths):
    office = OfficeDatabase(paths)
    for attempt in range(5):
        _refusal(office, "slegrand", f"faux{attempt}")
        _refusal(office, "personne", f"faux{attempt}")
    locked = _refusal(office, "slegrand", PASSWORD)  # even with the right password
    unknown = _refusal(office, "personne", PASSWORD)
    deactivated = _refusal(office, "ebrunet", PASSWORD)
    assert (locked.message, locked.field) == (unknown.message, unknown.field)
    assert (deactivated.message, deactivated.field) == (unknown.message, unknown.field)
    assert unknown.message == BAD_CREDENTIALS and "bloqué" not in unknown.message


def test_an_unknown_login_takes_as_long_as_a_known_one(paths):
    office = OfficeDatabase(paths)

    def duration(login: str, password: str) -> float:
        started = time.perf_counter()
        with pytest.raises(DomainError):
            office.authenticate(login, password, now=NOW)
        return time.perf_counter() - started

    for attempt in range(5):
        _refusal(office, "kbenali", f"faux{attempt}")  # locked
    known, unknown, locked = [], [], []
    for _ in range(4):  # interleaved, against the machine's noise; 4 failures do not lock
        known.append(duration("slegrand", "faux"))
        unknown.append(duration("personne", "faux"))
        locked.append(duration("kbenali", PASSWORD))
    assert min(known) > 0.005  # one argon2 verification
    assert 1 / 3 < min(unknown) / min(known) < 3, (unknown, known)
    assert 1 / 3 < min(locked) / min(known) < 3, (locked, known)


def test_the_dummy_hash_has_the_parameters_of_real_hashes():
    def parameters(encoded: str) -> str:
        return encoded.rsplit("$", 2)[0]

    assert parameters(DUMMY_HASH) == parameters(hash_password("x" * 12))


def test_failed_logins_are_audited_with_the_login_typed_never_the_password(paths):
    office = OfficeDatabase(paths)
    typed = "  Quelqu'un-De-Très-Long" + "x" * 100
    _refusal(office, typed, "secret-tape-1")
    _refusal(office, "slegrand", "secret-tape-2")
    _refusal(office, "ebrunet", "secret-tape-3")  # deactivated: like an unknown login
    workspace = office.workspace_for(office.authenticate("admin", PASSWORD))
    events = [e for e in audit_events(workspace) if e.action is AuditAction.LOGIN_FAILED]
    # An unknown (or deactivated) login is masked: people type their password there.
    assert [(e.user_login, e.user_id is None) for e in events] == [
        ("qu… (122 caractères, inconnu)", True),
        ("slegrand", False),
        ("eb… (7 caractères, inconnu)", True),
    ]
    assert all(len(e.user_login) <= LOGIN_MAX for e in events)
    connection = sqlite3.connect(paths.database)
    dump = "\n".join(connection.iterdump())
    connection.close()
    assert "secret-tape" not in dump
    assert AuditAction.LOGIN_FAILED.label == "Connexion refusée"
    workspace.close()


def test_the_fifth_failure_is_audited_as_the_lock(paths):
    office = OfficeDatabase(paths)
    for attempt in range(6):
        _refusal(office, "slegrand", f"faux{attempt}")
    workspace = office.workspace_for(office.authenticate("admin", PASSWORD))
    details = [e.details for e in audit_events(workspace) if e.action is AuditAction.LOGIN_FAILED]
    assert details[4] == "5 erreurs : connexion bloquée jusqu'à 09:05"
    assert details[5] == "Pendant le blocage"
    workspace.close()


# --- 9. every write re-reads the account and its rights ----------------------------------


def _deactivate(workspace, login: str) -> None:
    """As another administrator would, from another computer."""
    with workspace.database.write() as session:
        session.execute(update(User).where(User.login == login).values(is_active=False))


def _remove_right(admin, role_name: str, right: Right) -> None:
    role = next(r for r in admin.roles.roles() if r.name == role_name)
    admin.roles.update_role(role.id, role.name, role.rights - {right})


def test_a_deactivated_broker_can_no_longer_change_anything(login_as):
    admin = login_as("admin")
    broker = login_as("kbenali")
    mine = new_dossier(broker)
    comment = broker.comments.add(mine.id, DossierTab.GENERAL, "<p>À rappeler</p>")
    broker_id = next(u.id for u in admin.users.users() if u.login == "kbenali")
    admin.users.set_active(broker_id, False)
    for command in (
        lambda: broker.dossiers.set_flag(mine.id, mine.version, DossierFlag.COMPLETE, True),
        lambda: broker.dossiers.save_note(mine.id, mine.version, "<p>note</p>"),
        lambda: broker.dossiers.abandon(mine.id, mine.version, AbandonReason.COMPETITION),
        lambda: new_dossier(broker),
        lambda: broker.household.save_borrower(
            mine.id, mine.version, 2, BorrowerData(last_name="Durand")
        ),
        lambda: broker.comments.add(mine.id, DossierTab.GENERAL, "<p>encore</p>"),
        lambda: broker.comments.update(comment.id, "<p>changé</p>", True),
        lambda: broker.comments.delete(comment.id),
        lambda: broker.users.change_own_password(PASSWORD, "nouveau-mdp-1", "nouveau-mdp-1"),
    ):
        with pytest.raises(PermissionDenied, match="Votre compte a été désactivé"):
            command()
    assert broker.dossiers.get(mine.id) == mine  # nothing was written


@pytest.mark.parametrize(
    "command",
    [
        lambda w, d: w.dossiers.set_flag(d.id, d.version, DossierFlag.NO_FEES, True),
        lambda w, d: w.dossiers.renumber(d.id, d.version, "AUTRE-1"),
        lambda w, d: w.dossiers.change_owner(d.id, d.version, d.owner.id),
        lambda w, d: w.dossiers.move_step(d.id, d.version, 1),
        lambda w, d: w.dossiers.convert_to_client(d.id, d.version),
        lambda w, d: w.dossiers.add_simulation(d.id, d.version, "S", 100_000_00, 3000, 240),
        lambda w, d: w.dossiers.delete(d.id),
        lambda w, d: w.situation.save_project(d.id, d.version, w.situation.get(d.id).project),
        lambda w, d: w.settings.add_step("Nouvelle étape", 95),
        lambda w, d: w.settings.save_numbering("", True, 5, ""),
        lambda w, d: w.settings.export_audit_csv(w.paths.folder / "journal.csv"),
        lambda w, d: w.referential.save_bank(None, BankData("Banque", "", "")),
        lambda w, d: w.referential.save_provenance(None, "Salon"),
        lambda w, d: w.company.save(replace(w.company.get(), name="Cabinet Martin")),
        lambda w, d: w.roles.create_role("Stagiaire", frozenset({Right.CREATE_DOSSIER})),
        lambda w, d: w.users.create_user(NewUser("nouveau", "N", "U", "motdepasse-1"), 1),
        lambda w, d: w.users.reset_password(d.owner.id, "motdepasse-1"),
    ],
)
def test_every_write_refuses_a_deactivated_account(login_as, command):
    admin = login_as("admin")
    detail = new_dossier(admin, status=DossierStatus.PROSPECT)
    _deactivate(login_as("pmoreau"), "admin")
    with pytest.raises(PermissionDenied, match="désactivé"):
        command(admin, detail)
    assert not (admin.paths.folder / "journal.csv").exists()


def test_a_withdrawn_right_stops_the_next_write_not_the_next_login(login_as):
    admin = login_as("admin")
    manager = login_as("pmoreau")
    detail = new_dossier(manager)
    manager.referential.save_provenance(None, "Salon de l'immobilier")
    _remove_right(admin, "Responsable d'agence", Right.MANAGE_SETTINGS)
    _remove_right(admin, "Responsable d'agence", Right.RENUMBER_DOSSIER)
    assert manager.user.can(Right.MANAGE_SETTINGS)  # still what was read at login
    with pytest.raises(PermissionDenied, match="ne permet plus cette action"):
        manager.referential.save_provenance(None, "Foire")
    with pytest.raises(PermissionDenied, match=r"ne permet plus.*modifier le numéro"):
        manager.dossiers.renumber(detail.id, detail.version, "AUTRE-2")
    manager.dossiers.set_flag(detail.id, detail.version, DossierFlag.COMPLETE, True)  # allowed


def test_a_withdrawn_edit_all_right_stops_editing_the_others_dossiers(login_as):
    admin = login_as("admin")
    assistant = login_as("assistant")
    others = new_dossier(admin)
    _remove_right(admin, "Assistant(e)", Right.EDIT_ALL_DOSSIERS)
    assert assistant.dossiers.get(others.id).id == others.id  # still sees it
    with pytest.raises(PermissionDenied, match="autres courtiers"):
        assistant.dossiers.set_flag(others.id, others.version, DossierFlag.COMPLETE, True)


def test_the_check_costs_well_under_a_millisecond_per_write(workspace):
    with workspace.database.write() as session:
        check_writer(session, workspace.user, Right.MANAGE_USERS)  # warm the statement cache
        durations = []
        for _ in range(200):
            started = time.perf_counter()
            check_writer(session, workspace.user, Right.MANAGE_USERS)
            durations.append(time.perf_counter() - started)
    assert statistics.median(durations) < 0.001, statistics.median(durations)


# --- 10. one password rule -----------------------------------------------------------------


def test_the_demo_refuses_an_empty_or_short_password(tmp_path):
    paths = DataPaths(tmp_path / "demo.sqlite3")
    ensure_schema(paths)
    database = Database(paths)
    for password in ("", "court"):
        with pytest.raises(DomainError, match="au moins 8 caractères"):
            build_demo(database, 1, password=password)
    database.dispose()
    connection = sqlite3.connect(paths.database)
    assert connection.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
    connection.close()


def test_the_demo_command_refuses_an_empty_password(tmp_path):
    database = tmp_path / "demo.sqlite3"
    result = run_main("demo", "--db", str(database), "--dossiers", "3", "--password", "")
    assert result.returncode == 2
    assert "Le mot de passe doit contenir au moins 8 caractères." in result.stderr
    assert not database.exists()  # refused before any file is created


# --- 11. «Voir tous les dossiers» and «Modifier tous les dossiers» ------------------------


def test_rights_labels():
    assert Right.VIEW_ALL_DOSSIERS.label == "Voir tous les dossiers"
    assert Right.EDIT_ALL_DOSSIERS.label == "Modifier tous les dossiers"
    assert Right.BACKUP_RESTORE.label == "Sauvegarder et restaurer"
    assert AuditAction.BACKUP_EXPORTED.label == "Sauvegarde vers un dossier"
    assert AuditAction.BACKUP_RESTORED.label == "Restauration d'une sauvegarde"


def test_default_profiles_as_an_office_expects():
    every = frozenset(Right)
    assert DEFAULT_ROLES["Administrateur"] == every
    assert DEFAULT_ROLES["Responsable d'agence"] == every - {Right.MANAGE_USERS}
    broker = DEFAULT_ROLES["Courtier"]
    assert not broker & {Right.VIEW_ALL_DOSSIERS, Right.EDIT_ALL_DOSSIERS}
    assert {Right.VIEW_ALL_DOSSIERS, Right.EDIT_ALL_DOSSIERS} <= DEFAULT_ROLES["Assistant(e)"]
    assert Right.BACKUP_RESTORE not in broker | DEFAULT_ROLES["Assistant(e)"]


def _view_only_assistant(login_as):
    """The assistant(e) on a profile that sees every dossier but changes only her own."""
    admin = login_as("admin")
    rows = admin.roles.create_role(
        "Lecture", frozenset({Right.VIEW_ALL_DOSSIERS, Right.CREATE_DOSSIER})
    )
    role = next(r for r in rows if r.name == "Lecture")
    assistant = next(u for u in admin.users.users() if u.login == "assistant")
    admin.users.update_user(assistant.id, "Nadia", "Haddad", role.id, False)
    return admin, login_as("assistant")


def test_seeing_every_dossier_does_not_mean_editing_them(login_as):
    admin, assistant = _view_only_assistant(login_as)
    others = new_dossier(admin)
    comment = admin.comments.add(others.id, DossierTab.GENERAL, "<p>Note</p>")
    assert assistant.dossiers.get(others.id).id == others.id
    assert not assistant.comments.list(others.id)[0].can_edit
    for command in (
        lambda: assistant.dossiers.set_flag(others.id, others.version, DossierFlag.NO_FEES, True),
        lambda: assistant.dossiers.save_note(others.id, others.version, "<p>Vu</p>"),
        lambda: assistant.dossiers.move_step(others.id, others.version, 1),
        lambda: assistant.household.save_borrower(
            others.id, others.version, 2, BorrowerData(last_name="Durand")
        ),
        lambda: assistant.situation.save_project(
            others.id, others.version, assistant.situation.get(others.id).project
        ),
        lambda: assistant.comments.add(others.id, DossierTab.GENERAL, "<p>Vu</p>"),
        lambda: assistant.comments.update(comment.id, "<p>Vu</p>", True),
        lambda: assistant.comments.delete(comment.id),
        lambda: new_dossier(assistant, owner_id=admin.user.id),
    ):
        with pytest.raises((PermissionDenied, DomainError), match=r"autres courtiers|vous-même"):
            command()
    assert admin.dossiers.get(others.id) == others


def test_a_dossier_seen_but_not_editable_opens_read_only_in_every_tab(qtbot, login_as):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton

    from ui.dossier_window import DossierWindow

    admin, assistant = _view_only_assistant(login_as)
    others = new_dossier(admin)
    window = DossierWindow(assistant, others.id)
    qtbot.addWidget(window)
    window.show()
    banner = window.findChild(QLabel, "readOnlyBanner")
    assert banner.isVisible()
    assert "pas le modifier" in banner.text() and "Modifier tous les dossiers" in banner.text()
    assert not window.findChild(QCheckBox, "completeCheck").isEnabled()
    assert not window.findChild(QLineEdit, "holderLastName").isEnabled()
    assert not window.findChild(QPushButton, "addChildButton").isEnabled()
    assert not window.findChild(QLineEdit, "projectPrice").isEnabled()
    assert not window.findChild(QAction, "abandonAction").isVisible()
    own = DossierWindow(admin, others.id)  # its owner
    qtbot.addWidget(own)
    own.show()
    assert not own.findChild(QLabel, "readOnlyBanner").isVisible()
    assert own.findChild(QLineEdit, "holderLastName").isEnabled()


def test_the_default_assistant_edits_every_dossier(login_as):
    admin = login_as("admin")
    assistant = login_as("assistant")
    others = new_dossier(admin)
    changed = assistant.dossiers.set_flag(others.id, others.version, DossierFlag.NO_FEES, True)
    assert changed.no_fees
    assistant.comments.add(others.id, DossierTab.GENERAL, "<p>Pièces reçues</p>")
    created = new_dossier(assistant, owner_id=admin.user.id)
    assert created.owner.id == admin.user.id


def test_a_broker_still_edits_only_his_own(login_as):
    admin = login_as("admin")
    broker = login_as("slegrand")
    others = new_dossier(admin)
    with pytest.raises(NotFound):
        broker.dossiers.set_flag(others.id, others.version, DossierFlag.NO_FEES, True)
    mine = new_dossier(broker)
    assert broker.dossiers.set_flag(mine.id, mine.version, DossierFlag.NO_FEES, True).no_fees


def test_editing_all_needs_seeing_all(workspace):
    with pytest.raises(DomainError, match="demande aussi « Voir tous les dossiers »"):
        workspace.roles.create_role("Bizarre", frozenset({Right.EDIT_ALL_DOSSIERS}))


def test_the_profiles_of_the_user_dialog_need_the_users_right(login_as):
    assert login_as("admin").users.roles()
    with pytest.raises(PermissionDenied):
        login_as("pmoreau").users.roles()


def test_the_migration_keeps_what_existing_offices_could_do(tmp_path):
    from alembic import command

    path = tmp_path / "old.sqlite3"
    config = alembic_config(path)
    command.upgrade(config, "0008_settings")
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        INSERT INTO roles (id, name) VALUES (1, 'Administrateur'), (2, 'Responsable d''agence'),
            (3, 'Courtier'), (4, 'Assistant(e)'), (5, 'Gérant'), (6, 'Stagiaire');
        INSERT INTO role_rights (role_id, "right") VALUES
            (1, 'view_all_dossiers'), (1, 'manage_users'), (1, 'manage_settings'),
            (2, 'view_all_dossiers'), (3, 'create_dossier'), (4, 'view_all_dossiers'),
            (5, 'manage_settings'), (6, 'invoice');
        """
    )
    connection.commit()
    connection.close()
    command.upgrade(config, "head")
    connection = sqlite3.connect(path)
    granted = {
        role: {
            r
            for (n, r) in connection.execute('SELECT role_id, "right" FROM role_rights')
            if n == role
        }
        for role in range(1, 7)
    }
    assert granted[1] >= {"edit_all_dossiers", "backup_restore", "personal_data"}
    assert granted[2] == {
        "view_all_dossiers",
        "edit_all_dossiers",
        "backup_restore",
        "personal_data",
    }
    assert granted[3] == {"create_dossier"}
    assert granted[4] == {"view_all_dossiers", "edit_all_dossiers"}
    # Personal data needs every dossier in sight: not granted to a profile without it.
    assert granted[5] == {"manage_settings", "backup_restore"}
    assert granted[6] == {"invoice"}
    with pytest.raises(sqlite3.IntegrityError):  # the rights column still checks its values
        connection.execute("INSERT INTO role_rights (role_id, \"right\") VALUES (6, 'fly')")
    connection.close()
    command.downgrade(config, "0008_settings")
    connection = sqlite3.connect(path)
    rights = {r for (r,) in connection.execute('SELECT "right" FROM role_rights')}
    assert not rights & {"edit_all_dossiers", "backup_restore", "personal_data"}
    connection.close()


def test_a_comment_of_a_dossier_out_of_reach_answers_like_one_that_does_not_exist(login_as):
    from app.errors import NotFound
    from models.enums import DossierTab
    from tests.helpers import new_dossier

    admin, broker = login_as("admin"), login_as("slegrand")
    others = new_dossier(admin, owner_id=admin.user.id)
    comment = admin.comments.add(others.id, DossierTab.GENERAL, "<p>Rappeler</p>", False)
    answers = set()
    for comment_id in (comment.id, 999_999):
        with pytest.raises(NotFound) as refused:
            broker.comments.update(comment_id, "<p>x</p>", False)
        answers.add(refused.value.message)
    assert len(answers) == 1
