"""«Sauvegardes»: how long the automatic backups are kept."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from app.office.office import BackupRetention
from app.office.settings_service import SettingsService
from ui.common import plain, set_role
from ui.settings.list_page import TEXT_WIDTH, Page, capped, form_layout

_BOX_WIDTH = 460  # three short numbers


class BackupsPage(Page):
    """Days, weeks and months of automatic backups kept; a deleted dossier stays that long."""

    def __init__(self, service: SettingsService) -> None:
        super().__init__("backupsPage", "backupsError")
        self._service = service
        retention = service.backup_retention()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            capped(
                set_role(
                    QLabel(
                        "Dossia fait une sauvegarde automatique au premier démarrage de chaque "
                        "jour et garde la plus récente de chacun des derniers jours, semaines et "
                        "mois ci-dessous ; les autres sont effacées. Un dossier supprimé reste "
                        "dans les sauvegardes gardées : les garder moins longtemps efface plus "
                        "tôt les données des personnes, les garder plus longtemps permet de "
                        "revenir plus loin en arrière. Les sauvegardes manuelles ne sont jamais "
                        "effacées."
                    ),
                    "hint",
                ),
                TEXT_WIDTH,
            )
        )
        box = QGroupBox("Sauvegardes automatiques gardées")
        box.setMaximumWidth(_BOX_WIDTH)
        form = form_layout()
        box.setLayout(form)
        self.days = self._spin("retentionDaysSpin", "Jours gardés", 1, 31, retention.daily)
        self.weeks = self._spin("retentionWeeksSpin", "Semaines gardées", 0, 52, retention.weekly)
        self.months = self._spin("retentionMonthsSpin", "Mois gardés", 0, 60, retention.monthly)
        form.addRow("Derniers jours :", self.days)
        form.addRow("Dernières semaines :", self.weeks)
        form.addRow("Derniers mois :", self.months)
        layout.addWidget(box)
        self.fields = {"daily": self.days, "weekly": self.weeks, "monthly": self.months}
        footer = QHBoxLayout()
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setObjectName("saveRetentionButton")
        self.save_button.clicked.connect(self.save)
        footer.addWidget(self.save_button)
        footer.addWidget(self.error, 1)
        footer.addStretch(1)
        layout.addLayout(footer)
        self.saved = capped(plain(set_role(QLabel(), "hint")), TEXT_WIDTH)
        self.saved.setObjectName("retentionSavedLabel")
        layout.addWidget(self.saved)
        layout.addStretch(1)

    def _spin(self, name: str, accessible: str, low: int, high: int, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setAccessibleName(accessible)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setFixedWidth(90)
        return spin

    def save(self) -> None:
        retention = BackupRetention(self.days.value(), self.weeks.value(), self.months.value())
        self.run(
            lambda: self._service.save_backup_retention(retention),
            lambda kept: self.saved.setText(
                f"Enregistré : les sauvegardes automatiques sont gardées jusqu'à {kept.horizon} "
                "; la prochaine sauvegarde automatique efface les plus anciennes."
            ),
        )
