"""«Paramètres» (managers): the pipeline steps and the audit log."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.office.settings_service import SettingsService, StepRow
from app.text import format_amount, format_amount_input, format_datetime, parse_amount
from models.enums import AuditAction, Right
from ui.common import ErrorLabel, FormDialog, TableModel, icon, mark_invalid, scrolling, set_role
from ui.widgets import DateField


def _table(name: str, model: TableModel) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class StepDialog(FormDialog):
    """Add a step, or change one's name and percentage."""

    def __init__(self, parent: QWidget, submit, step: StepRow | None = None) -> None:
        super().__init__(parent, "Modifier l'étape" if step else "Ajouter une étape", "stepDialog")
        self._submit = submit
        form = QFormLayout()
        self.name_edit = QLineEdit(step.name if step else "")
        self.name_edit.setObjectName("stepNameEdit")
        self.name_edit.setMaxLength(100)
        form.addRow("Nom :", self.name_edit)
        self.percent_spin = QSpinBox()
        self.percent_spin.setObjectName("stepPercentSpin")
        self.percent_spin.setRange(1, 100)
        self.percent_spin.setSuffix(" %")
        self.percent_spin.setValue(step.percent if step else 50)
        form.addRow("Avancement :", self.percent_spin)
        self.form.addLayout(form)
        self.form.addWidget(
            set_role(
                QLabel(
                    "Les pourcentages croissent d'une étape à la suivante ; la dernière est à 100 %."
                ),
                "hint",
            )
        )
        self.fields = {"name": self.name_edit, "percent": self.percent_spin}

    def submit(self):
        return self._submit(self.name_edit.text(), self.percent_spin.value())


class MoveDossiersDialog(FormDialog):
    """Deactivating a step that dossiers are on: where do they go?"""

    def __init__(self, parent: QWidget, step: StepRow, targets: list[StepRow], submit) -> None:
        super().__init__(
            parent, f"Désactiver « {step.name} »", "deactivateStepDialog", ok_text="Désactiver"
        )
        self._submit = submit
        text = (
            f"{step.dossiers} dossier(s) sont à cette étape : choisissez l'étape où les déplacer. "
            "Le déplacement est daté dans leur historique ; les dates déjà enregistrées ne changent pas."
            if step.dossiers
            else "Aucun dossier n'est à cette étape."
        )
        self.form.addWidget(set_role(QLabel(text), "hint"))
        self.target_combo = QComboBox()
        self.target_combo.setObjectName("moveToCombo")
        for target in targets:
            self.target_combo.addItem(f"{target.name} ({target.percent} %)", target.id)
        self.target_combo.setVisible(bool(step.dossiers))
        self.form.addWidget(self.target_combo)
        self.fields = {"move_to": self.target_combo}

    def submit(self):
        return self._submit(
            self.target_combo.currentData() if self.target_combo.isVisible() else None
        )


class StepsPage(QWidget):
    def __init__(self, service: SettingsService) -> None:
        super().__init__()
        self.setObjectName("stepsPage")
        self._service = service
        layout = QVBoxLayout(self)
        layout.addWidget(
            set_role(
                QLabel(
                    "Les étapes du pipeline de vos dossiers, dans l'ordre. La jauge et la liste des "
                    "dossiers les suivent aussitôt ; l'historique des dossiers n'est jamais réécrit."
                ),
                "hint",
            )
        )
        self.model = TableModel(("Ordre", "Étape", "Avancement", "État", "Dossiers"))
        self.table = _table("stepsTable", self.model)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.buttons = {}
        for name, text, slot in (
            ("addStepButton", "Ajouter…", self.add),
            ("editStepButton", "Modifier…", self.edit),
            (
                "stepUpButton",
                "Monter",
                lambda: self._run(lambda s: self._service.move_step(s.id, -1)),
            ),
            (
                "stepDownButton",
                "Descendre",
                lambda: self._run(lambda s: self._service.move_step(s.id, 1)),
            ),
            ("deactivateStepButton", "Désactiver…", self.deactivate),
            (
                "reactivateStepButton",
                "Réactiver",
                lambda: self._run(lambda s: self._service.reactivate_step(s.id)),
            ),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[name] = button
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.error = ErrorLabel("stepsError")
        layout.addWidget(self.error)
        self.show_steps(service.steps())

    def show_steps(self, rows: list[StepRow]) -> None:
        self.model.set_rows(
            rows,
            [
                (
                    str(r.position) if r.is_active else "",
                    r.name,
                    f"{r.percent} %",
                    "Active" if r.is_active else "Désactivée",
                    str(r.dossiers),
                )
                for r in rows
            ],
        )

    def selected(self) -> StepRow | None:
        index = self.table.currentIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def select_step(self, step_id: int) -> None:
        for row in range(self.model.rowCount()):
            if self.model.item_at(row).id == step_id:
                self.table.selectRow(row)

    def _run(self, command) -> None:
        step = self.selected()
        if step is None:
            self.error.show_message("Sélectionnez une étape.")
            return
        try:
            rows = command(step)
        except DomainError as error:
            self.error.show_message(error.message)
            return
        self.error.clear_message()
        self.show_steps(rows)
        self.select_step(step.id)

    def add(self) -> StepDialog:
        dialog = StepDialog(self, lambda name, percent: self._service.add_step(name, percent))
        dialog.accepted.connect(lambda: self.show_steps(dialog.result_value))
        dialog.open()
        return dialog

    def edit(self) -> StepDialog | None:
        step = self.selected()
        if step is None:
            return None

        def submit(name: str, percent: int):
            rows = self._service.rename_step(step.id, name) if name != step.name else None
            return (
                self._service.set_percent(step.id, percent)
                if percent != step.percent
                else rows or self._service.steps()
            )

        dialog = StepDialog(self, submit, step)
        dialog.accepted.connect(lambda: self.show_steps(dialog.result_value))
        dialog.open()
        return dialog

    def deactivate(self) -> MoveDossiersDialog | None:
        step = self.selected()
        if step is None or not step.is_active:
            return None
        targets = [r for r in self.model._items if r.is_active and r.id != step.id]
        dialog = MoveDossiersDialog(
            self, step, targets, lambda target: self._service.deactivate_step(step.id, target)
        )
        dialog.accepted.connect(lambda: self.show_steps(dialog.result_value))
        dialog.open()
        return dialog


class AuditPage(QWidget):
    def __init__(self, service: SettingsService) -> None:
        super().__init__()
        self.setObjectName("auditPage")
        self._service = service
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.start = DateField("auditStart", "Du")
        self.end = DateField("auditEnd", "Au")
        self.user_combo = QComboBox()
        self.user_combo.setObjectName("auditUserCombo")
        self.user_combo.addItem("Tous les utilisateurs", None)
        for login in service.audit_logins():
            self.user_combo.addItem(login, login)
        self.action_combo = QComboBox()
        self.action_combo.setObjectName("auditActionCombo")
        self.action_combo.addItem("Toutes les actions", None)
        for action in AuditAction:
            self.action_combo.addItem(action.label, action.value)
        self.dossier_edit = QLineEdit()
        self.dossier_edit.setObjectName("auditDossierEdit")
        self.dossier_edit.setPlaceholderText("N° de dossier")
        for label, widget in (("Du", self.start), ("au", self.end)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.user_combo)
        filters.addWidget(self.action_combo)
        filters.addWidget(self.dossier_edit)
        layout.addLayout(filters)
        self.model = TableModel(("Date", "Utilisateur", "Action", "N° de dossier", "Détails"))
        self.table = _table("auditTable", self.model)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        self.count_label = set_role(QLabel(), "hint")
        self.count_label.setObjectName("auditCount")
        bottom.addWidget(self.count_label, 1)
        self.export_button = QPushButton("Exporter en CSV…")
        self.export_button.setObjectName("exportAuditButton")
        self.export_button.clicked.connect(self.export)
        bottom.addWidget(self.export_button)
        layout.addLayout(bottom)
        for signal in (self.start.edited, self.end.edited):
            signal.connect(lambda _v: self.refresh())
        self.user_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.action_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.dossier_edit.textChanged.connect(lambda _t: self.refresh())
        self.refresh()

    def filters(self) -> dict:
        action = self.action_combo.currentData()
        return {
            "start": self.start.value(),
            "end": self.end.value(),
            "login": self.user_combo.currentData(),
            "action": AuditAction(action) if action else None,
            "dossier_number": self.dossier_edit.text(),
        }

    def refresh(self) -> None:
        events = self._service.audit_events(**self.filters())
        self.model.set_rows(
            events,
            [
                (
                    format_datetime(e.at),
                    e.user_login,
                    e.action.label,
                    e.dossier_number or "",
                    e.details,
                )
                for e in events
            ],
        )
        self.count_label.setText(
            f"{len(events)} évènement(s)"
            + (" (les 1 000 plus récents)" if len(events) == 1000 else "")
        )

    def export(self, target: str | None = None) -> int | None:
        if not target:
            target, _ = QFileDialog.getSaveFileName(
                self, "Exporter le journal d'audit", "journal-audit.csv", "CSV (*.csv)"
            )
        if not target:
            return None
        try:
            count = self._service.export_audit_csv(Path(target), **self.filters())
        except DomainError as error:
            QMessageBox.warning(self, "Export", error.message)
            return None
        self.count_label.setText(f"{count} ligne(s) exportée(s) dans {target}")
        return count


class SettingsWindow(QMainWindow):
    """The pages the user's rights open: steps and audit (settings), users (users)."""

    def __init__(self, workspace) -> None:
        super().__init__()
        self.setObjectName("settingsWindow")
        self.setWindowTitle("Dossia — Paramètres")
        self.setWindowIcon(icon("dossia"))
        self.resize(1180, 700)
        tabs = QTabWidget()
        tabs.setObjectName("settingsTabs")
        self.steps = self.audit = self.users = None
        user = workspace.user
        if user.can(Right.MANAGE_SETTINGS):
            self.steps = StepsPage(workspace.settings)
            self.audit = AuditPage(workspace.settings)
            self.referential = ReferentialPage(workspace.referential)
            tabs.addTab(self.steps, "Étapes du pipeline")
            tabs.addTab(self.referential, "Provenances et apporteurs")
            self.banks = BanksPage(workspace.referential)
            tabs.addTab(self.banks, "Banques")
            self.numbering = NumberingPage(workspace.settings)
            tabs.addTab(self.numbering, "Numérotation")
            self.company = CompanyPage(workspace.company)
            tabs.addTab(scrolling(self.company), "Société")
            tabs.addTab(self.audit, "Journal d'audit")
            tabs.currentChanged.connect(
                lambda index: self.audit.refresh() if tabs.widget(index) is self.audit else None
            )
        self.roles = None
        if user.can(Right.MANAGE_USERS):
            self.users = UsersPage(workspace.users)
            tabs.addTab(self.users, "Utilisateurs")
            self.roles = RolesPage(workspace.roles)
            tabs.addTab(self.roles, "Profils et droits")
        self.setCentralWidget(tabs)


class UserDialog(FormDialog):
    """Create a user (with a password) or edit one (identity, profile, broker)."""

    def __init__(self, parent: QWidget, roles, submit, user=None) -> None:
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

    def submit(self):
        return self._submit(self)


class PasswordDialog(FormDialog):
    """A new password: reset by an administrator, or changed by the user (current asked)."""

    def __init__(self, parent: QWidget | None, title: str, submit, ask_current: bool) -> None:
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

    def submit(self):
        if self.new.text() != self.confirm.text():
            raise DomainError("Les deux mots de passe ne sont pas identiques.", field="confirm")
        return self._submit(self.current.text(), self.new.text())


class UsersPage(QWidget):
    def __init__(self, service) -> None:
        super().__init__()
        self.setObjectName("usersPage")
        self._service = service
        layout = QVBoxLayout(self)
        layout.addWidget(
            set_role(
                QLabel(
                    "Un utilisateur n'est jamais supprimé : désactivé, il ne peut plus se connecter "
                    "mais ses dossiers et son historique gardent son nom."
                ),
                "hint",
            )
        )
        self.model = TableModel(("Nom", "Identifiant", "Profil", "Courtier", "État", "Dossiers"))
        self.table = _table("usersTable", self.model)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        for name, text, slot in (
            ("addUserButton", "Nouvel utilisateur…", self.add),
            ("editUserButton", "Modifier…", self.edit),
            ("toggleUserButton", "Désactiver / réactiver", self.toggle),
            ("resetPasswordButton", "Réinitialiser le mot de passe…", self.reset_password),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.error = ErrorLabel("usersError")
        layout.addWidget(self.error)
        self.show_users(service.users())

    def show_users(self, rows) -> None:
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

    def selected(self):
        index = self.table.currentIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def add(self) -> UserDialog:
        from app.office.office import NewUser

        def submit(dialog: UserDialog):
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

        dialog = UserDialog(self, self._service.roles(), submit)
        dialog.accepted.connect(lambda: self.show_users(dialog.result_value))
        dialog.open()
        return dialog

    def edit(self) -> UserDialog | None:
        user = self.selected()
        if user is None:
            return None

        def submit(dialog: UserDialog):
            return self._service.update_user(
                user.id,
                dialog.first_name.text(),
                dialog.last_name.text(),
                dialog.role.currentData(),
                dialog.is_broker.isChecked(),
            )

        dialog = UserDialog(self, self._service.roles(), submit, user)
        dialog.accepted.connect(lambda: self.show_users(dialog.result_value))
        dialog.open()
        return dialog

    def toggle(self) -> None:
        user = self.selected()
        if user is None:
            return
        try:
            self.show_users(self._service.set_active(user.id, not user.is_active))
        except DomainError as error:
            self.error.show_message(error.message)
            return
        self.error.clear_message()

    def reset_password(self) -> PasswordDialog | None:
        user = self.selected()
        if user is None:
            return None
        dialog = PasswordDialog(
            self,
            f"Nouveau mot de passe pour {user.display_name}",
            lambda _current, new: self._service.reset_password(user.id, new),
            ask_current=False,
        )
        dialog.open()
        return dialog


class RolesPage(QWidget):
    """«Profils»: each profile's rights as check boxes; changes apply at the next login."""

    def __init__(self, service) -> None:
        super().__init__()
        self.setObjectName("rolesPage")
        self._service = service
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.model = TableModel(("Profil", "Utilisateurs actifs"))
        self.table = _table("rolesTable", self.model)
        self.table.clicked.connect(lambda _i: self._show_selected())
        left.addWidget(self.table, 1)
        row = QHBoxLayout()
        for name, text, slot in (
            ("newRoleButton", "Nouveau profil", self.new_role),
            ("duplicateRoleButton", "Dupliquer", self.duplicate),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            row.addWidget(button)
        left.addLayout(row)
        layout.addLayout(left, 2)
        right = QVBoxLayout()
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("roleNameEdit")
        form.addRow("Nom du profil :", self.name_edit)
        right.addLayout(form)
        self.checks: dict[Right, QCheckBox] = {}
        for right_ in Right:
            check = QCheckBox(right_.label)
            check.setObjectName(f"right_{right_.value}")
            self.checks[right_] = check
            right.addWidget(check)
        self.save_button = QPushButton("Enregistrer le profil")
        self.save_button.setObjectName("saveRoleButton")
        self.save_button.clicked.connect(self.save)
        right.addWidget(self.save_button)
        right.addWidget(
            set_role(
                QLabel(
                    "Les changements s'appliquent à la prochaine connexion de chaque utilisateur."
                ),
                "hint",
            )
        )
        self.error = ErrorLabel("rolesError")
        right.addWidget(self.error)
        right.addStretch(1)
        layout.addLayout(right, 3)
        self.show_roles(service.roles())

    def show_roles(self, rows, select_name: str | None = None) -> None:
        self.model.set_rows(rows, [(r.name, str(r.users)) for r in rows])
        names = [r.name for r in rows]
        self.table.selectRow(names.index(select_name) if select_name in names else 0)
        self._show_selected()

    def selected(self):
        index = self.table.currentIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def _show_selected(self) -> None:
        role = self.selected()
        if role is None:
            return
        self.name_edit.setText(role.name)
        for right_, check in self.checks.items():
            check.setChecked(right_ in role.rights)
        self.error.clear_message()

    def _apply(self, command, name: str) -> None:
        try:
            rows = command()
        except DomainError as error:
            self.error.show_message(error.message)
            return
        self.show_roles(rows, name)

    def save(self) -> None:
        role = self.selected()
        if role is None:
            return
        rights = frozenset(r for r, check in self.checks.items() if check.isChecked())
        name = self.name_edit.text()
        self._apply(
            lambda: self._service.update_role(role.id, name, rights), " ".join(name.split())
        )

    def new_role(self) -> None:
        self._apply(
            lambda: self._service.create_role("Nouveau profil", frozenset()), "Nouveau profil"
        )

    def duplicate(self) -> None:
        role = self.selected()
        if role is not None:
            self._apply(lambda: self._service.duplicate_role(role.id), f"{role.name} (copie)")


class NameDialog(FormDialog):
    def __init__(self, parent: QWidget, title: str, name: str, submit) -> None:
        super().__init__(parent, title, "nameDialog")
        self._submit = submit
        form = QFormLayout()
        self.name_edit = QLineEdit(name)
        self.name_edit.setObjectName("nameEdit")
        self.name_edit.setMaxLength(100)
        form.addRow("Nom :", self.name_edit)
        self.form.addLayout(form)
        self.fields = {"name": self.name_edit}

    def submit(self):
        return self._submit(self.name_edit.text())


class ReferrerDialog(FormDialog):
    def __init__(self, parent: QWidget, submit, data=None) -> None:
        from models.enums import ReferrerKind

        super().__init__(parent, "Apporteur d'affaires", "referrerDialog")
        self._submit = submit
        form = QFormLayout()
        self.name_edit = QLineEdit(data.name if data else "")
        self.name_edit.setObjectName("referrerNameEdit")
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("referrerKindCombo")
        self.kind_combo.addItem("Société", ReferrerKind.COMPANY.value)
        self.kind_combo.addItem("Personne", ReferrerKind.PERSON.value)
        if data:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(data.kind.value))
        self.contact_edit = QLineEdit(data.contact if data else "")
        self.contact_edit.setObjectName("referrerContactEdit")
        self.siren_edit = QLineEdit(data.siren if data else "")
        self.siren_edit.setObjectName("referrerSirenEdit")
        self.rate_edit = QLineEdit(_rate_text(data.rebate_rate_mpct) if data else "")
        self.rate_edit.setObjectName("referrerRateEdit")
        self.rate_edit.setPlaceholderText("ex. 15 (% des honoraires)")
        self.fixed_edit = QLineEdit(format_amount_input(data.rebate_fixed_cents) if data else "")
        self.fixed_edit.setObjectName("referrerFixedEdit")
        self.fixed_edit.setPlaceholderText("ou un montant fixe par dossier")
        for label, widget in (
            ("Nom :", self.name_edit),
            ("Type :", self.kind_combo),
            ("Contact :", self.contact_edit),
            ("SIREN :", self.siren_edit),
            ("Rétrocession (%) :", self.rate_edit),
            ("ou montant (€) :", self.fixed_edit),
        ):
            form.addRow(label, widget)
        self.form.addLayout(form)
        self.fields = {
            "name": self.name_edit,
            "contact": self.contact_edit,
            "siren": self.siren_edit,
            "rebate_rate_mpct": self.rate_edit,
            "rebate_fixed_cents": self.fixed_edit,
        }
        self.setMinimumWidth(460)

    def submit(self):
        from app.office.referential import ReferrerData
        from models.enums import ReferrerKind

        rate = parse_amount(self.rate_edit.text(), field="rebate_rate_mpct")
        return self._submit(
            ReferrerData(
                self.name_edit.text(),
                ReferrerKind(self.kind_combo.currentData()),
                self.contact_edit.text(),
                self.siren_edit.text(),
                None if rate is None else rate * 10,  # cents of a percent → thousandths
                parse_amount(self.fixed_edit.text(), field="rebate_fixed_cents"),
            )
        )


def _rate_text(mpct: int | None) -> str:
    return "" if mpct is None else f"{mpct / 1000:g}".replace(".", ",")


class ReferentialPage(QWidget):
    """«Provenances et apporteurs»."""

    def __init__(self, service) -> None:
        super().__init__()
        self.setObjectName("referentialPage")
        self._service = service
        outer = QVBoxLayout(self)
        outer.addWidget(
            set_role(
                QLabel(
                    "Une provenance ou un apporteur désactivé disparaît des listes de choix mais "
                    "reste sur les dossiers qui l'utilisent."
                ),
                "hint",
            )
        )
        layout = QHBoxLayout()
        outer.addLayout(layout, 1)
        self.provenance_model = TableModel(("Provenance", "État", "Dossiers"))
        self.referrer_model = TableModel(
            ("Apporteur d'affaires", "SIREN", "Rétrocession", "État", "Dossiers")
        )
        self.provenance_table = _table("provenancesTable", self.provenance_model)
        self.referrer_table = _table("referrersTable", self.referrer_model)
        self.error = ErrorLabel("referentialError")
        for table, buttons in (
            (
                self.provenance_table,
                (
                    ("addProvenanceButton", "Ajouter…", self.add_provenance),
                    ("renameProvenanceButton", "Renommer…", self.rename_provenance),
                    ("toggleProvenanceButton", "Désactiver / réactiver", self.toggle_provenance),
                ),
            ),
            (
                self.referrer_table,
                (
                    ("addReferrerButton", "Ajouter…", self.add_referrer),
                    ("editReferrerButton", "Modifier…", self.edit_referrer),
                    ("toggleReferrerButton", "Désactiver / réactiver", self.toggle_referrer),
                ),
            ),
        ):
            column = QVBoxLayout()
            column.addWidget(table, 1)
            row = QHBoxLayout()
            for name, text, slot in buttons:
                button = QPushButton(text)
                button.setObjectName(name)
                button.clicked.connect(slot)
                row.addWidget(button)
            column.addLayout(row)
            layout.addLayout(column, 1)
        outer.addWidget(self.error)
        self.show_provenances(service.provenances())
        self.show_referrers(service.referrers())

    def show_provenances(self, rows) -> None:
        self.provenance_model.set_rows(
            rows,
            [(r.name, "Active" if r.is_active else "Désactivée", str(r.dossiers)) for r in rows],
        )

    def show_referrers(self, rows) -> None:
        def rebate(data) -> str:
            if data.rebate_rate_mpct is not None:
                return f"{_rate_text(data.rebate_rate_mpct)} %"
            return (
                format_amount(data.rebate_fixed_cents)
                if data.rebate_fixed_cents is not None
                else ""
            )

        self.referrer_model.set_rows(
            rows,
            [
                (
                    r.data.name,
                    r.data.siren,
                    rebate(r.data),
                    "Actif" if r.is_active else "Désactivé",
                    str(r.dossiers),
                )
                for r in rows
            ],
        )

    def _selected(self, table: QTableView, model: TableModel):
        index = table.currentIndex()
        return model.item_at(index.row()) if index.isValid() else None

    def _dialog(self, dialog, show) -> FormDialog:
        dialog.accepted.connect(lambda: show(dialog.result_value))
        dialog.open()
        return dialog

    def add_provenance(self):
        return self._dialog(
            NameDialog(
                self,
                "Nouvelle provenance",
                "",
                lambda name: self._service.save_provenance(None, name),
            ),
            self.show_provenances,
        )

    def rename_provenance(self):
        row = self._selected(self.provenance_table, self.provenance_model)
        if row is None:
            return None
        return self._dialog(
            NameDialog(
                self,
                "Renommer la provenance",
                row.name,
                lambda name: self._service.save_provenance(row.id, name),
            ),
            self.show_provenances,
        )

    def toggle_provenance(self) -> None:
        row = self._selected(self.provenance_table, self.provenance_model)
        if row is not None:
            self._toggle(
                lambda: self.show_provenances(
                    self._service.set_provenance_active(row.id, not row.is_active)
                )
            )

    def add_referrer(self):
        return self._dialog(
            ReferrerDialog(self, lambda data: self._service.save_referrer(None, data)),
            self.show_referrers,
        )

    def edit_referrer(self):
        row = self._selected(self.referrer_table, self.referrer_model)
        if row is None:
            return None
        return self._dialog(
            ReferrerDialog(self, lambda data: self._service.save_referrer(row.id, data), row.data),
            self.show_referrers,
        )

    def toggle_referrer(self) -> None:
        row = self._selected(self.referrer_table, self.referrer_model)
        if row is not None:
            self._toggle(
                lambda: self.show_referrers(
                    self._service.set_referrer_active(row.id, not row.is_active)
                )
            )

    def _toggle(self, action) -> None:
        try:
            action()
        except DomainError as error:
            self.error.show_message(error.message)
            return
        self.error.clear_message()


class BankDialog(FormDialog):
    def __init__(self, parent: QWidget, submit, data=None) -> None:
        super().__init__(parent, "Banque", "bankDialog")
        self._submit = submit
        form = QFormLayout()
        self.name_edit = QLineEdit(data.name if data else "")
        self.name_edit.setObjectName("bankNameEdit")
        self.agency_edit = QLineEdit(data.agency if data else "")
        self.agency_edit.setObjectName("bankAgencyEdit")
        self.contact_edit = QLineEdit(data.contact if data else "")
        self.contact_edit.setObjectName("bankContactEdit")
        for label, widget in (
            ("Banque :", self.name_edit),
            ("Agence :", self.agency_edit),
            ("Contact :", self.contact_edit),
        ):
            form.addRow(label, widget)
        self.form.addLayout(form)
        self.fields = {"name": self.name_edit, "agency": self.agency_edit}
        self.setMinimumWidth(420)

    def submit(self):
        from app.office.referential import BankData

        return self._submit(
            BankData(self.name_edit.text(), self.agency_edit.text(), self.contact_edit.text())
        )


class BanksPage(QWidget):
    """«Banques»: the banks (and agencies) the office submits dossiers to."""

    def __init__(self, service) -> None:
        super().__init__()
        self.setObjectName("banksPage")
        self._service = service
        layout = QVBoxLayout(self)
        self.model = TableModel(("Banque", "Agence", "Contact", "État"))
        self.table = _table("banksTable", self.model)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        for name, text, slot in (
            ("addBankButton", "Ajouter…", self.add),
            ("editBankButton", "Modifier…", self.edit),
            ("toggleBankButton", "Désactiver / réactiver", self.toggle),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.error = ErrorLabel("banksError")
        layout.addWidget(self.error)
        self.show_banks(service.banks())

    def show_banks(self, rows) -> None:
        self.model.set_rows(
            rows,
            [
                (
                    r.data.name,
                    r.data.agency,
                    r.data.contact,
                    "Active" if r.is_active else "Désactivée",
                )
                for r in rows
            ],
        )

    def _selected(self):
        index = self.table.currentIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def add(self) -> BankDialog:
        dialog = BankDialog(self, lambda data: self._service.save_bank(None, data))
        dialog.accepted.connect(lambda: self.show_banks(dialog.result_value))
        dialog.open()
        return dialog

    def edit(self) -> BankDialog | None:
        row = self._selected()
        if row is None:
            return None
        dialog = BankDialog(self, lambda data: self._service.save_bank(row.id, data), row.data)
        dialog.accepted.connect(lambda: self.show_banks(dialog.result_value))
        dialog.open()
        return dialog

    def toggle(self) -> None:
        row = self._selected()
        if row is not None:
            self.show_banks(self._service.set_bank_active(row.id, not row.is_active))


class NumberingPage(QWidget):
    """«Numérotation des dossiers»: the office's format and this laptop's prefix."""

    def __init__(self, service) -> None:
        super().__init__()
        self.setObjectName("numberingPage")
        self._service = service
        numbering, machine = service.numbering()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.prefix_edit = QLineEdit(numbering.prefix)
        self.prefix_edit.setObjectName("numberingPrefixEdit")
        self.prefix_edit.setPlaceholderText("ex. AG (facultatif)")
        self.year_check = QCheckBox("Inclure l'année de création")
        self.year_check.setObjectName("numberingYearCheck")
        self.year_check.setChecked(numbering.with_year)
        self.digits_spin = QSpinBox()
        self.digits_spin.setObjectName("numberingDigitsSpin")
        self.digits_spin.setRange(3, 8)
        self.digits_spin.setValue(numbering.digits)
        self.machine_edit = QLineEdit(machine)
        self.machine_edit.setObjectName("machinePrefixEdit")
        self.machine_edit.setPlaceholderText("ex. L2 (facultatif)")
        form.addRow("Préfixe du cabinet :", self.prefix_edit)
        form.addRow("", self.year_check)
        form.addRow("Chiffres du compteur :", self.digits_spin)
        form.addRow("Préfixe de ce poste :", self.machine_edit)
        layout.addLayout(form)
        layout.addWidget(
            set_role(
                QLabel(
                    "Le préfixe de ce poste ne vaut que pour cet ordinateur : donnez-en un différent à "
                    "chaque portable qui crée des dossiers hors connexion, deux postes ne produiront "
                    "jamais le même numéro. Les dossiers existants gardent leur numéro."
                ),
                "hint",
            )
        )
        self.example = QLabel()
        self.example.setObjectName("numberingExample")
        layout.addWidget(self.example)
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setObjectName("saveNumberingButton")
        self.save_button.clicked.connect(self.save)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.error = ErrorLabel("numberingError")
        layout.addWidget(self.error)
        layout.addStretch(1)
        for signal in (self.prefix_edit.textChanged, self.machine_edit.textChanged):
            signal.connect(lambda _t: self._preview())
        self.year_check.toggled.connect(lambda _on: self._preview())
        self.digits_spin.valueChanged.connect(lambda _v: self._preview())
        self._preview()

    def _preview(self) -> None:
        import datetime as dt

        from app.office.numbering import NumberingFormat

        numbering = NumberingFormat(
            self.prefix_edit.text().strip().upper(),
            self.year_check.isChecked(),
            self.digits_spin.value(),
        )
        example = numbering.number(
            self.machine_edit.text().strip().upper(), dt.date.today().year, 42
        )
        self.example.setText(f"Exemple : <b>{example}</b>")

    def save(self) -> None:
        try:
            example = self._service.save_numbering(
                self.prefix_edit.text(),
                self.year_check.isChecked(),
                self.digits_spin.value(),
                self.machine_edit.text(),
            )
        except DomainError as error:
            self.error.show_message(error.message)
            return
        self.error.clear_message()
        self.example.setText(
            f"Enregistré. Exemple : <b>{example}</b> (prend effet à la prochaine ouverture de Dossia)"
        )


_COMPANY_FIELDS = (
    ("name", "Raison sociale*"),
    ("address", "Adresse"),
    ("postal_code", "Code postal"),
    ("city", "Ville"),
    ("phone", "Téléphone"),
    ("email", "E-mail"),
    ("siren", "SIREN"),
    ("orias_number", "N° ORIAS"),
    ("orias_category", "Catégorie ORIAS"),
    ("insurer", "Assureur RC Pro"),
    ("association", "Association professionnelle"),
    ("mediator", "Médiateur"),
    ("vat_status", "TVA"),
    ("vat_number", "N° de TVA intracommunautaire"),
    ("iban", "IBAN"),
    ("bic", "BIC"),
)


class CompanyPage(QWidget):
    """«Société»: identity and legal mentions printed on PDFs and invoices."""

    def __init__(self, service) -> None:
        from app.office.company import ORIAS_CATEGORIES, VAT_STATUSES

        super().__init__()
        self.setObjectName("companyPage")
        self._service = service
        self._logo: Path | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.widgets: dict[str, QWidget] = {}
        for name, label in _COMPANY_FIELDS:
            if name in ("orias_category", "vat_status"):
                widget = QComboBox()
                widget.addItem("—", "")
                for choice in ORIAS_CATEGORIES if name == "orias_category" else VAT_STATUSES:
                    widget.addItem(choice, choice)
            else:
                widget = QLineEdit()
            widget.setObjectName("company" + "".join(p.title() for p in name.split("_")))
            widget.setAccessibleName(label)
            self.widgets[name] = widget
            form.addRow(label + " :", widget)
        logo_row = QHBoxLayout()
        self.logo_label = set_role(QLabel(), "hint")
        self.logo_label.setObjectName("companyLogoLabel")
        choose = QPushButton("Choisir le logo…")
        choose.setObjectName("chooseLogoButton")
        choose.clicked.connect(self.choose_logo)
        logo_row.addWidget(self.logo_label, 1)
        logo_row.addWidget(choose)
        form.addRow("Logo :", logo_row)
        layout.addLayout(form)
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setObjectName("saveCompanyButton")
        self.save_button.clicked.connect(self.save)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.error = ErrorLabel("companyError")
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.show_company(service.get())

    def show_company(self, company) -> None:
        for name, widget in self.widgets.items():
            value = getattr(company, name)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            else:
                widget.setText(value)
        self.logo_label.setText("Logo enregistré" if company.logo_hash else "Aucun logo")

    def choose_logo(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, "Logo du cabinet", "", "Images (*.png *.jpg *.jpeg *.svg)"
            )
        if path:
            self._logo = Path(path)
            self.logo_label.setText(f"{self._logo.name} (enregistré avec le formulaire)")

    def save(self) -> None:
        from app.office.company import Company

        values = {
            name: (widget.currentData() if isinstance(widget, QComboBox) else widget.text())
            for name, widget in self.widgets.items()
        }
        current = self._service.get()
        for widget in self.widgets.values():
            mark_invalid(widget, False)
        try:
            saved = self._service.save(Company(**values, logo_hash=current.logo_hash), self._logo)
        except DomainError as error:
            widget = self.widgets.get(error.field or "")
            if widget is not None:
                mark_invalid(widget, True)
            self.error.show_message(error.message)
            return
        self._logo = None
        self.error.clear_message()
        self.show_company(saved)
        self.logo_label.setText(self.logo_label.text() + " — société enregistrée.")
