"""«Journal d'audit»: who did what and when, filtered, exported to CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
)

from app.office.settings_service import SettingsService
from app.text import format_datetime
from models.enums import AuditAction
from ui.common import TableModel, plain, plain_tooltip, set_role
from ui.settings.list_page import EmptyHint, ListPage, short_combo
from ui.widgets import DateField

if TYPE_CHECKING:
    from app.audit import AuditLine


_COLUMNS = ("Date", "Utilisateur", "Action", "N° de dossier", "Détails")
_USER, _DETAILS = 1, 4


class AuditModel(TableModel):
    """The log's rows; the user's login, and the details as written (with logins), in tool
    tips."""

    def __init__(self) -> None:
        super().__init__(_COLUMNS)
        self._tips: list[tuple[str, str]] = []

    def set_lines(self, lines: list[AuditLine]) -> None:
        self._tips = [
            (
                f"Identifiant : {line.user_login}" if line.user_name != line.user_login else "",
                line.raw_details if line.raw_details != line.details else "",
            )
            for line in lines
        ]
        self.set_rows(
            list(lines),
            [
                (
                    format_datetime(line.at),
                    line.user_name,
                    line.action.label,
                    line.dossier_number,
                    line.details,
                )
                for line in lines
            ],
        )

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (_USER, _DETAILS):
            user_tip, details_tip = self._tips[index.row()]
            tip = user_tip if index.column() == _USER else details_tip
            return plain_tooltip(tip) if tip else None
        return super().data(index, role)


class AuditPage(ListPage):
    """The latest 1 000 events matching the filters, people by their names (their logins in
    tool tips); a refused export opens a warning box."""

    def __init__(self, service: SettingsService) -> None:
        self.model: AuditModel
        super().__init__(
            "auditPage",
            "auditTable",
            _COLUMNS,
            refusal_title="Export",
            stretch=None,  # roomy columns, the details no wider than the others need
            model=AuditModel(),
        )
        self._service = service
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        self.start = DateField("auditStart", "Du")
        self.end = DateField("auditEnd", "Au")
        self.user_combo = QComboBox()
        self.user_combo.setObjectName("auditUserCombo")
        self.user_combo.setAccessibleName("Utilisateur")
        self.user_combo.addItem("Tous les utilisateurs", None)
        for login, name in service.audit_users():
            self.user_combo.addItem(name, login)
            if name != login:
                self.user_combo.setItemData(
                    self.user_combo.count() - 1,
                    plain_tooltip(f"Identifiant : {login}"),
                    Qt.ItemDataRole.ToolTipRole,
                )
        self.action_combo = QComboBox()
        self.action_combo.setObjectName("auditActionCombo")
        self.action_combo.setAccessibleName("Action")
        self.action_combo.addItem("Toutes les actions", None)
        for action in AuditAction:
            self.action_combo.addItem(action.label, action.value)
        self.dossier_edit = QLineEdit()
        self.dossier_edit.setObjectName("auditDossierEdit")
        self.dossier_edit.setAccessibleName("N° de dossier")
        self.dossier_edit.setPlaceholderText("N° de dossier")
        self.dossier_edit.setMaximumWidth(160)
        period = QHBoxLayout()
        for label, widget in (("Du", self.start), ("au", self.end)):
            period.addWidget(QLabel(label))
            widget.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
            period.addWidget(widget)
        period.addStretch(1)
        layout.addLayout(period)
        short_combo(self.user_combo, 16)
        short_combo(self.action_combo, 20)
        filters.addWidget(self.user_combo)
        filters.addWidget(self.action_combo)
        filters.addWidget(self.dossier_edit)
        filters.addStretch(1)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        self.empty_hint = EmptyHint(self.table, "auditEmpty", "")
        bottom = QHBoxLayout()
        self.count_label = plain(set_role(QLabel(), "hint"))  # shows the export's path
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
        filters = self.filters()
        lines = self._service.audit_lines(**filters)
        self.model.set_lines(lines)
        self.empty_hint.setText(
            "Aucun évènement ne correspond à ces filtres : élargissez la période ou choisissez "
            "« Tous les utilisateurs », « Toutes les actions »."
            if any(filters.values())
            else "Le journal est vide pour l'instant.\nLes actions sensibles (création, "
            "abandon ou suppression d'un dossier, changement de courtier, comptes, "
            "paramètres, sauvegardes…) s'y inscrivent d'elles-mêmes."
        )
        self.count_label.setText(
            f"{len(lines)} évènement{'s' if len(lines) > 1 else ''}"
            + (" (les 1 000 plus récents)" if len(lines) == 1000 else "")
        )

    def export(self, target: str | None = None) -> int | None:
        if not target:
            target, _ = QFileDialog.getSaveFileName(
                self, "Exporter le journal d'audit", "journal-audit.csv", "CSV (*.csv)"
            )
        if not target:
            return None
        outcome = self.run(
            lambda: self._service.export_audit_csv(Path(target), **self.filters()),
            lambda count: self.count_label.setText(f"{count} ligne(s) exportée(s) dans {target}"),
        )
        return outcome.value if outcome.ok else None
