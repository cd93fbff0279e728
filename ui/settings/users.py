"""«Utilisateurs» (administrators): accounts, their profile, their password."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.office.office import Choice, NewUser
from app.office.user_service import UserRow, UserService
from ui.common import FormDialog, set_role
from ui.settings.list_page import TEXT_WIDTH, ListPage, capped


class UserDialog(FormDialog):
    """Create a user (with a password) or edit one (identity, profile, broker)."""

    def __init__(
        self,
        parent: QWidget,
        roles: list[Choice],
        submit: Callable[[UserDialog], list[UserRow]],
        user: UserRow | None = None,
    ) -> None:
        super().__init__(
            parent, "Modifier l'utilisateur" if user else "Nouvel utilisateur", "userDialog"
        )
        self._submit = submit
        form = QFormLayout()
        self.first_name = QLineEdit(user.first_name if user else "")
        self.first_name.setObjectName("userFirstNameEdit")
        self.last_name = QLineEdit(user.last_name if user else "")
        self.last_name.setObjectName("userLastNameEdit")
        self.login = QLineEdit(user.login if user else "")
        self.login.setObjectName("userLoginEdit")
        self.login.setEnabled(user is None)
        self.role = QComboBox()
        self.role.setObjectName("userRoleCombo")
        for role in roles:
            self.role.addItem(role.label, role.id)
        if user:
            self.role.setCurrentIndex(self.role.findData(user.role.id))
        self.is_broker = QCheckBox("Courtier (peut être propriétaire de dossiers)")
        self.is_broker.setObjectName("userBrokerCheck")
        self.is_broker.setChecked(user.is_broker if user else True)
        self.password = QLineEdit()
        self.password.setObjectName("userPasswordEdit")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        for label, widget in (
            ("Prénom :", self.first_name),
            ("Nom :", self.last_name),
            ("Identifiant :", self.login),
            ("Profil :", self.role),
        ):
            form.addRow(label, widget)
        form.addRow("", self.is_broker)
        if user is None:
            form.addRow("Mot de passe :", self.password)
        self.form.addLayout(form)
        self.fields = {
            "login": self.login,
            "last_name": self.last_name,
            "password": self.password,
            "role": self.role,
        }

    def submit(self) -> list[UserRow]:
        return self._submit(self)


class PasswordDialog(FormDialog):
    """A new password: reset by an administrator, or changed by the user (current asked)."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        submit: Callable[[str, str], object],
        ask_current: bool,
    ) -> None:
        super().__init__(parent, title, "passwordDialog")
        self._submit = submit
        form = QFormLayout()
        self.current = QLineEdit()
        self.current.setObjectName("currentPasswordEdit")
        self.new = QLineEdit()
        self.new.setObjectName("newPasswordEdit")
        self.confirm = QLineEdit()
        self.confirm.setObjectName("confirmPasswordEdit")
        for edit in (self.current, self.new, self.confirm):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        if ask_current:
            form.addRow("Mot de passe actuel :", self.current)
        form.addRow("Nouveau mot de passe :", self.new)
        form.addRow("Confirmation :", self.confirm)
        self.form.addLayout(form)
        self.fields = {"current": self.current, "password": self.new, "confirm": self.confirm}
        self.setMinimumWidth(420)

    def submit(self) -> object:
        if self.new.text() != self.confirm.text():
            raise DomainError("Les deux mots de passe ne sont pas identiques.", field="confirm")
        return self._submit(self.current.text(), self.new.text())


class UsersPage(ListPage):
    def __init__(self, service: UserService) -> None:
        super().__init__(
            "usersPage",
            "usersTable",
            ("Nom", "Identifiant", "Profil", "Courtier", "État", "Dossiers"),
            error_name="usersError",
        )
        self._service = service
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            capped(
                set_role(
                    QLabel(
                        "Un utilisateur n'est jamais supprimé : désactivé, il ne peut plus se "
                        "connecter mais ses dossiers et son historique gardent son nom."
                    ),
                    "hint",
                ),
                TEXT_WIDTH,
            )
        )
        layout.addWidget(self.table, 1)
        layout.addLayout(
            self.button_row(
                (
                    ("addUserButton", "Nouvel utilisateur…", self.add),
                    ("editUserButton", "Modifier…", self.edit),
                    ("toggleUserButton", "Désactiver / réactiver", self.toggle),
                    ("resetPasswordButton", "Nouveau mot de passe…", self.reset_password),
                )
            )
        )
        layout.addWidget(self.error)
        self.show_users(service.users())

    def show_users(self, rows: list[UserRow]) -> None:
        self.model.set_rows(
            rows,
            [
                (
                    u.display_name,
                    u.login,
                    u.role.label,
                    "Oui" if u.is_broker else "Non",
                    "Actif" if u.is_active else "Désactivé",
                    str(u.dossiers),
                )
                for u in rows
            ],
        )

    def add(self) -> UserDialog:
        def submit(dialog: UserDialog) -> list[UserRow]:
            return self._service.create_user(
                NewUser(
                    dialog.login.text(),
                    dialog.first_name.text(),
                    dialog.last_name.text(),
                    dialog.password.text(),
                    dialog.is_broker.isChecked(),
                ),
                dialog.role.currentData(),
            )

        return self.open_dialog(UserDialog(self, self._service.roles(), submit), self.show_users)

    def edit(self) -> UserDialog | None:
        user: UserRow | None = self.selected()
        if user is None:
            return None

        def submit(dialog: UserDialog) -> list[UserRow]:
            return self._service.update_user(
                user.id,
                dialog.first_name.text(),
                dialog.last_name.text(),
                dialog.role.currentData(),
                dialog.is_broker.isChecked(),
            )

        return self.open_dialog(
            UserDialog(self, self._service.roles(), submit, user), self.show_users
        )

    def toggle(self) -> None:
        self.toggle_active(self._service.set_active, self.show_users)

    def reset_password(self) -> PasswordDialog | None:
        user: UserRow | None = self.selected()
        if user is None:
            return None
        return self.open_dialog(
            PasswordDialog(
                self,
                f"Nouveau mot de passe pour {user.display_name}",
                lambda _current, new: self._service.reset_password(user.id, new),
                ask_current=False,
            )
        )
