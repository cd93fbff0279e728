"""«Sauvegardes»: the backups of the data folder, «Sauvegarder maintenant», and how long
the automatic ones are kept."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
)

from app.errors import DomainError, PermissionDenied
from app.office.backup_service import BackupService
from app.office.office import BackupRetention
from app.office.settings_service import SettingsService
from ui.backup_ui import ProgressRun
from ui.columns import ColumnFitter
from ui.common import TableModel, plain, set_role
from ui.settings.list_page import TEXT_WIDTH, EmptyHint, Page, capped, form_layout
from ui.workers import Background

_BOX_WIDTH = 460  # three short numbers
_FILE_HINT = (
    "Dossia fait une sauvegarde automatique au premier démarrage de chaque jour et garde la "
    "plus récente de chacun des derniers jours, semaines et mois ci-dessous ; les autres sont "
    "effacées. Un dossier supprimé reste dans les sauvegardes gardées : les garder moins "
    "longtemps efface plus tôt les données des personnes, les garder plus longtemps permet de "
    "revenir plus loin en arrière. Les sauvegardes manuelles ne sont jamais effacées."
)
_SERVER_HINT = (
    "Ce cabinet est sur un serveur : ses sauvegardes automatiques sont celles du serveur, "
    "faites chaque jour par le prestataire informatique du cabinet, pas par chaque poste. "
    "Indiquez ci-dessous combien de temps il les garde : Dossia s'en sert pour dire combien "
    "de temps un dossier supprimé y reste. « Sauvegarder maintenant » écrit en plus une copie "
    "de la base (pg_dump) dans le dossier de ce poste."
)


class BackupsPage(Page):
    """Days, weeks and months of automatic backups kept; a deleted dossier stays that long."""

    def __init__(self, service: SettingsService, backups: BackupService) -> None:
        super().__init__("backupsPage", "backupsError")
        self._service = service
        self._backups = backups
        self._background: Background | None = None
        self.run_now: ProgressRun | None = None
        retention = service.backup_retention()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            capped(
                set_role(QLabel(_SERVER_HINT if backups.server else _FILE_HINT), "hint"),
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
        layout.addWidget(self._present_box(), 1)

    # --- the backups there are ---

    def _present_box(self) -> QGroupBox:
        box = QGroupBox("Sauvegardes présentes")
        inner = QVBoxLayout(box)
        self.model = TableModel(("Date", "Type", "Dossiers", "Taille"), frozenset({2, 3}))
        self.table = QTableView()
        self.table.setObjectName("backupsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        ColumnFitter(self.table, 1)
        inner.addWidget(self.table, 1)
        self.empty = EmptyHint(
            self.table,
            "backupsEmpty",
            "Aucune sauvegarde de ce poste pour l'instant : « Sauvegarder maintenant » en "
            "écrit une (pg_dump)."
            if self._backups.server
            else "Aucune sauvegarde pour l'instant : la première est faite au prochain "
            "démarrage, ou tout de suite avec « Sauvegarder maintenant ».",
        )
        buttons = QHBoxLayout()
        self.now_button = QPushButton("Sauvegarder maintenant")
        self.now_button.setObjectName("settingsBackupNowButton")
        self.now_button.clicked.connect(lambda _c=False: self.back_up_now())
        self.folder_button = QPushButton("Afficher le dossier des sauvegardes")
        self.folder_button.setObjectName("showBackupsFolderButton")
        self.folder_button.clicked.connect(lambda _c=False: self._show_folder())
        buttons.addWidget(self.now_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        inner.addLayout(buttons)
        self.refresh()
        return box

    def refresh(self) -> None:
        try:
            found = self._backups.list()
        except PermissionDenied:  # the list is «Sauvegarder et restaurer»'s: the button stays
            self.table.hide()
            self.empty.hide()
            return
        except DomainError as error:
            self.error.show_message(error.message)
            return
        found = sorted(found, key=lambda info: info.taken_at, reverse=True)
        self.model.set_rows(
            found,
            [
                (
                    f"{info.taken_at:%d/%m/%Y %H:%M}",
                    info.kind.label if info.kind else "Sauvegarde",
                    "—"
                    if info.server
                    else "illisible"
                    if info.dossiers is None
                    else f"{info.dossiers:,}".replace(",", "\u202f"),
                    _size(info.size_bytes),
                )
                for info in found
            ],
        )

    def back_up_now(self) -> ProgressRun:
        if self._background is None:
            self._background = Background()
        run = ProgressRun(self, "Sauvegarde en cours…", self._background)
        self.run_now = run
        run.start(
            lambda progress: self._backups.back_up(None, progress),
            lambda info: (self.refresh(), self.saved.setText(f"{info.label} : {info.path}")),
            self._failed,
        )
        return run

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            raise error
        self.error.show_message(error.message)

    def _show_folder(self) -> None:
        folder = self._backups.folder
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

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


def _size(size: int) -> str:
    """«12,4 Mo»."""
    if size < 1_000_000:
        return f"{max(size // 1000, 1)} ko"
    return f"{size / 1_000_000:.1f}".replace(".", ",") + " Mo"
