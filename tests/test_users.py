"""Users: creation, roles, deactivation, passwords, login lockout."""

from __future__ import annotations

import datetime as dt

import pytest

from app.auth import BAD_CREDENTIALS
from app.errors import DomainError, PermissionDenied
from app.office.office import NewUser
from app.workspace import OfficeDatabase
from models.enums import AuditAction
from tests.conftest import PASSWORD

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


def role_id(workspace, name):
    return next(r.id for r in workspace.users.roles() if r.label == name)


def test_an_administrator_creates_a_broker_who_can_log_in(workspace, open_office):
    users = workspace.users
    rows = users.create_user(
        NewUser("lblanc", "Léa", "Blanc", "motdepasse-1"), role_id(workspace, "Courtier")
    )
    created = next(u for u in rows if u.login == "lblanc")
    assert created.role.label == "Courtier" and created.is_active and created.is_broker
    assert "Léa Blanc" in [c.label for c in workspace.office.active_brokers()]
    office = open_office()
    assert office.authenticate("LBLANC", "motdepasse-1").role_name == "Courtier"
    with pytest.raises(DomainError, match="déjà utilisé"):
        users.create_user(
            NewUser("lblanc", "X", "Y", "motdepasse-1"), role_id(workspace, "Courtier")
        )
    with pytest.raises(DomainError, match="au moins 8"):
        users.create_user(NewUser("court", "X", "Y", "court"), role_id(workspace, "Courtier"))
    assert workspace.settings.audit_events(action=AuditAction.USER_CREATED)


def test_deactivate_but_never_delete_and_not_oneself(workspace, open_office):
    users = workspace.users
    broker = next(u for u in users.users() if u.login == "kbenali")
    assert broker.dossiers > 0
    rows = users.set_active(broker.id, False)
    assert not next(u for u in rows if u.id == broker.id).is_active
    assert "Karim Benali" not in [c.label for c in workspace.office.active_brokers()]
    with pytest.raises(DomainError, match="incorrect"):
        open_office().authenticate("kbenali", PASSWORD)
    with pytest.raises(DomainError, match="propre compte"):
        users.set_active(workspace.user.id, False)
    with pytest.raises(DomainError, match="retirer le droit"):
        users.update_user(
            workspace.user.id, "Claire", "Marchetti", role_id(workspace, "Courtier"), True
        )


def test_user_management_needs_the_right(login_as):
    manager = login_as("pmoreau")  # Responsable d'agence: settings, not users
    with pytest.raises(PermissionDenied):
        manager.users.users()
    with pytest.raises(PermissionDenied):
        manager.users.create_user(NewUser("x", "X", "Y", "motdepasse-1"), 1)


def test_passwords_reset_and_changed(workspace, login_as, open_office):
    users = workspace.users
    broker = next(u for u in users.users() if u.login == "slegrand")
    users.reset_password(broker.id, "nouveau-mdp-1")
    session = login_as("admin")  # any logged-in user may change their own password
    with pytest.raises(DomainError, match="actuel est incorrect"):
        session.users.change_own_password("faux", "encore-nouveau", "encore-nouveau")
    with pytest.raises(DomainError, match="pas identiques"):
        session.users.change_own_password(PASSWORD, "encore-nouveau", "autre-chose")
    session.users.change_own_password(PASSWORD, "encore-nouveau", "encore-nouveau")
    office = open_office()
    assert office.authenticate("admin", "encore-nouveau").login == "admin"
    assert office.authenticate("slegrand", "nouveau-mdp-1").login == "slegrand"


def test_five_wrong_passwords_lock_the_login_for_a_while(paths):
    office = OfficeDatabase(paths)
    start = dt.datetime(2026, 11, 30, 9, 0)
    for attempt in range(5):
        with pytest.raises(DomainError, match="incorrect"):
            office.authenticate("slegrand", f"faux{attempt}", now=start)
    # Locked: even the right password gets the answer of any refusal (no password oracle,
    # no hint that the login exists).
    with pytest.raises(DomainError) as refused:
        office.authenticate("slegrand", PASSWORD, now=start + dt.timedelta(minutes=1))
    assert refused.value.message == BAD_CREDENTIALS
    user = office.authenticate("slegrand", PASSWORD, now=start + dt.timedelta(minutes=6))
    assert user.login == "slegrand"
    with pytest.raises(DomainError, match="incorrect"):  # the counter started again
        office.authenticate("slegrand", "faux", now=start + dt.timedelta(minutes=7))


def test_a_password_reset_unlocks_the_login(workspace, open_office):
    office = open_office()
    now = dt.datetime.now()
    for attempt in range(5):
        with pytest.raises(DomainError, match="incorrect"):
            office.authenticate("slegrand", f"faux{attempt}", now=now)
    broker = next(u for u in workspace.users.users() if u.login == "slegrand")
    workspace.users.reset_password(broker.id, "nouveau-mdp-1")
    assert office.authenticate("slegrand", "nouveau-mdp-1", now=now).login == "slegrand"


def test_one_password_rule_everywhere(workspace):
    users = workspace.users
    broker = next(u for u in users.users() if u.login == "slegrand")
    for short in ("", "court", "7-chars"):
        with pytest.raises(DomainError, match="au moins 8 caractères"):
            users.reset_password(broker.id, short)
        with pytest.raises(DomainError, match="au moins 8 caractères"):
            users.change_own_password(PASSWORD, short, short)
        with pytest.raises(DomainError, match="au moins 8 caractères"):
            users.create_user(NewUser("court", "X", "Y", short), role_id(workspace, "Courtier"))


def test_users_page_creates_and_deactivates(qtbot, main_window, workspace):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QPushButton

    window = main_window.open_settings()
    qtbot.addWidget(window)
    page = window.users
    qtbot.mouseClick(page.findChild(QPushButton, "addUserButton"), Qt.MouseButton.LeftButton)
    dialog = page.findChild(QDialog, "userDialog")
    dialog.findChild(QLineEdit, "userFirstNameEdit").setText("Hugo")
    dialog.findChild(QLineEdit, "userLastNameEdit").setText("Roux")
    dialog.findChild(QLineEdit, "userLoginEdit").setText("hroux")
    dialog.findChild(QLineEdit, "userPasswordEdit").setText("court")
    role = dialog.findChild(QComboBox, "userRoleCombo")
    role.setCurrentIndex(role.findText("Assistant(e)"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "au moins 8" in dialog.error.text()
    dialog.findChild(QLineEdit, "userPasswordEdit").setText("assez-long-1")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    logins = [page.model.item_at(r).login for r in range(page.model.rowCount())]
    assert "hroux" in logins
    row = logins.index("hroux")
    page.table.selectRow(row)
    qtbot.mouseClick(page.findChild(QPushButton, "toggleUserButton"), Qt.MouseButton.LeftButton)
    assert not next(u for u in workspace.users.users() if u.login == "hroux").is_active


def test_change_my_password_from_the_menu(qtbot, main_window, open_office):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit

    dialog = main_window.change_password()
    dialog.findChild(QLineEdit, "currentPasswordEdit").setText("pas-le-bon")
    dialog.findChild(QLineEdit, "newPasswordEdit").setText("tout-neuf-42")
    dialog.findChild(QLineEdit, "confirmPasswordEdit").setText("tout-neuf-42")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "actuel est incorrect" in dialog.error.text()
    dialog.findChild(QLineEdit, "currentPasswordEdit").setText(PASSWORD)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert open_office().authenticate("admin", "tout-neuf-42").login == "admin"


def test_profiles_are_named_sets_of_rights(workspace, open_office):
    from models.enums import Right

    roles = workspace.roles
    rows = roles.duplicate_role(role_id(workspace, "Courtier"))
    copy = next(r for r in rows if r.name == "Courtier (copie)")
    assert copy.rights == next(r for r in rows if r.name == "Courtier").rights
    rows = roles.update_role(
        copy.id, "Courtier senior", copy.rights | {Right.VIEW_ALL_DOSSIERS, Right.EXPORT_C1}
    )
    senior = next(r for r in rows if r.name == "Courtier senior")
    assert Right.VIEW_ALL_DOSSIERS in senior.rights
    with pytest.raises(DomainError, match="existe déjà"):
        roles.update_role(senior.id, "Courtier", senior.rights)
    admin_role = role_id(workspace, "Administrateur")
    with pytest.raises(DomainError, match="Gérer les utilisateurs"):
        roles.update_role(admin_role, "Administrateur", frozenset({Right.CREATE_DOSSIER}))
    # a user given the new profile gets its rights at the next login
    broker = next(u for u in workspace.users.users() if u.login == "slegrand")
    workspace.users.update_user(broker.id, "Sophie", "Legrand", senior.id, True)
    assert open_office().authenticate("slegrand", PASSWORD).can(Right.VIEW_ALL_DOSSIERS)


def test_profiles_need_the_users_right(login_as):
    with pytest.raises(PermissionDenied):
        login_as("pmoreau").roles.roles()


def test_roles_page_edits_rights(qtbot, main_window, workspace):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QCheckBox, QLineEdit, QPushButton

    from models.enums import Right

    window = main_window.open_settings()
    qtbot.addWidget(window)
    page = window.roles
    qtbot.mouseClick(page.findChild(QPushButton, "newRoleButton"), Qt.MouseButton.LeftButton)
    assert page.findChild(QLineEdit, "roleNameEdit").text() == "Nouveau profil"
    page.findChild(QLineEdit, "roleNameEdit").setText("Stagiaire")
    page.findChild(QCheckBox, "right_create_dossier").setChecked(True)
    qtbot.mouseClick(page.findChild(QPushButton, "saveRoleButton"), Qt.MouseButton.LeftButton)
    stagiaire = next(r for r in workspace.roles.roles() if r.name == "Stagiaire")
    assert stagiaire.rights == frozenset({Right.CREATE_DOSSIER})
