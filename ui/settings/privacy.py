"""«Données personnelles»: how long abandoned dossiers are kept, and the purge of those kept
longer, each confirmed by a manager."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from app.errors import DomainError
from app.privacy.privacy import RETENTION_MAX_YEARS, RETENTION_MIN_YEARS, years_text
from app.text import format_date
from ui.backup_ui import ProgressRun
from ui.common import confirm, plain, set_role
from ui.settings.list_page import TEXT_WIDTH, EmptyHint, ListPage, capped
from ui.workers import Background

if TYPE_CHECKING:  # the service imports SQLAlchemy
    from app.privacy.privacy_service import PrivacyService
    from app.privacy.purge import PurgeCandidate


class PrivacyPage(ListPage):
    def __init__(self, service: PrivacyService, backups_kept: str) -> None:
        super().__init__(
            "privacyPage",
            "purgeTable",
            (
                "N° de dossier",
                "Porteur de projet",
                "Courtier",
                "Abandonné le",
                "Dernier contact",
                "Motif",
            ),
            error_name="privacyError",
            stretch=1,
        )
        self._service = service
        self._backups_kept = backups_kept
        self._background: Background | None = None  # the purge, on first use
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = set_role(
            QLabel(
                "Un dossier abandonné ne doit pas être gardé plus longtemps que nécessaire "
                "(RGPD). Ceux dont le dernier contact (abandon ou dernière modification) est "
                "plus ancien que la durée ci-dessous sont listés ici : sélectionnez ceux à "
                "effacer et confirmez. Les factures, quand il y en a, restent (obligation "
                "comptable de dix ans)."
            ),
            "hint",
        )
        intro.setWordWrap(True)
        layout.addWidget(capped(intro, TEXT_WIDTH))
        row = QHBoxLayout()
        row.addWidget(QLabel("Garder les dossiers abandonnés :"))
        self.years_spin = QSpinBox()
        self.years_spin.setObjectName("retentionYearsSpin")
        self.years_spin.setAccessibleName("Durée de conservation des dossiers abandonnés")
        self.years_spin.setRange(RETENTION_MIN_YEARS, RETENTION_MAX_YEARS)
        self.years_spin.setSuffix(" ans")
        self.years_spin.setValue(service.retention_years())
        self.years_spin.setFixedWidth(90)
        row.addWidget(self.years_spin)
        row.addWidget(QLabel("après le dernier contact"))
        save = QPushButton("Enregistrer")
        save.setObjectName("saveRetentionYearsButton")
        save.clicked.connect(self.save_years)
        row.addWidget(save)
        row.addStretch(1)
        layout.addLayout(row)
        self.fields = {"years": self.years_spin}
        layout.addWidget(self.error)
        self.count_label = plain(QLabel())
        self.count_label.setObjectName("purgeCountLabel")
        layout.addWidget(self.count_label)
        layout.addWidget(self.table, 1)
        self.empty_hint = EmptyHint(
            self.table,
            "purgeEmpty",
            "Aucun dossier à effacer pour l'instant.\nLes dossiers abandonnés apparaîtront ici "
            "une fois passée la durée de conservation choisie ci-dessus.",
        )
        layout.addLayout(
            self.button_row(
                (
                    ("selectAllPurgeButton", "Tout sélectionner", self.table.selectAll),
                    ("purgeButton", "Effacer les dossiers sélectionnés…", self.ask_purge),
                )
            )
        )
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.refresh()

    def refresh(self) -> None:
        candidates = self._service.purge_candidates()
        self.model.set_rows(
            list(candidates),
            [
                (
                    c.number,
                    c.holder_name,
                    c.broker,
                    format_date(c.abandoned_on),
                    format_date(c.last_contact),
                    c.reason,
                )
                for c in candidates
            ],
        )
        years = years_text(self._service.retention_years())
        count = len(candidates)
        plural = "s" if count > 1 else ""
        # None: the list's own empty state says so (not twice).
        self.count_label.setText(
            f"{count} dossier{plural} abandonné{plural} sans contact depuis plus de {years}."
            if count
            else ""
        )
        self.count_label.setVisible(bool(count))
        self._enable()

    def _enable(self) -> None:
        self.buttons["purgeButton"].setEnabled(bool(self.chosen()))
        self.buttons["selectAllPurgeButton"].setEnabled(self.model.rowCount() > 0)

    def chosen(self) -> list[PurgeCandidate]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.item_at(row) for row in rows]

    def save_years(self) -> None:
        self.run(
            lambda: self._service.save_retention_years(self.years_spin.value()),
            lambda _years: self.refresh(),
        )

    def ask_purge(self) -> QMessageBox | None:
        chosen = self.chosen()
        if not chosen:
            return None
        count = len(chosen)
        plural = "s" if count > 1 else ""
        return confirm(
            self,
            "purgeDialog",
            "Effacer des dossiers abandonnés",
            f"Effacer définitivement {count} dossier{plural} abandonné{plural} ?",
            "Effacer",
            lambda: self.purge([c.dossier_id for c in chosen]),
            details=(
                "Chaque dossier et tout ce qui lui est rattaché (emprunteurs, enfants, "
                "commentaires, simulations, documents et leurs fichiers) seront effacés ; "
                "le journal d'audit en garde le numéro. Les sauvegardes automatiques déjà "
                f"faites les gardent jusqu'à {self._backups_kept}."
            ),
        )

    def purge(self, dossier_ids: list[int]) -> ProgressRun:
        """Erase in the background, behind a progress dialog with «Annuler»."""
        if self._background is None:
            self._background = Background()
        run = ProgressRun(self, "Effacement des dossiers…", self._background)
        run.start(
            lambda progress: self._service.purge(dossier_ids, progress),
            lambda count: self._purged(len(dossier_ids), count),
            self._purge_failed,
        )
        return run

    def _purged(self, asked: int, count: int) -> None:
        self.refresh()
        plural = "s" if count > 1 else ""
        text = f"{count} dossier{plural} effacé{plural}."
        skipped = asked - count
        if skipped:
            were = "n'étaient" if skipped > 1 else "n'était"
            text += f" {skipped} {were} plus à effacer (repris ou modifié entre-temps)."
        self.count_label.setText((text + " " + self.count_label.text()).strip())
        self.count_label.show()

    def _purge_failed(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            raise error
        self.refresh()
        self.error.show_message(error.message)
