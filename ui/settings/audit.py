"""«Journal d'audit»: who did what and when, filtered, exported to CSV."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from app.office.settings_service import SettingsService
from app.text import format_datetime
from models.enums import AuditAction
from ui.common import plain, set_role
from ui.settings.list_page import ListPage
from ui.widgets import DateField


class AuditPage(ListPage):
    """The latest 1 000 events matching the filters; a refused export opens a warning box."""

    def __init__(self, service: SettingsService) -> None:
        super().__init__(
            "auditPage",
            "auditTable",
            ("Date", "Utilisateur", "Action", "N° de dossier", "Détails"),
            refusal_title="Export",
        )
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
        layout.addWidget(self.table, 1)
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
        outcome = self.run(
            lambda: self._service.export_audit_csv(Path(target), **self.filters()),
            lambda count: self.count_label.setText(f"{count} ligne(s) exportée(s) dans {target}"),
        )
        return outcome.value if outcome.ok else None
