"""«Étapes du pipeline»: the steps of the office's dossiers, in order."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.office.settings_service import SettingsService, StepRow
from ui.common import FormDialog, set_role
from ui.settings.list_page import TEXT_WIDTH, ListPage, capped


class StepDialog(FormDialog):
    """Add a step, or change one's name and percentage."""

    def __init__(
        self,
        parent: QWidget,
        submit: Callable[[str, int], list[StepRow]],
        step: StepRow | None = None,
    ) -> None:
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

    def submit(self) -> list[StepRow]:
        return self._submit(self.name_edit.text(), self.percent_spin.value())


class MoveDossiersDialog(FormDialog):
    """Deactivating a step that dossiers are on: where do they go?"""

    def __init__(
        self,
        parent: QWidget,
        step: StepRow,
        targets: list[StepRow],
        submit: Callable[[int | None], list[StepRow]],
    ) -> None:
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

    def submit(self) -> list[StepRow]:
        return self._submit(
            self.target_combo.currentData() if self.target_combo.isVisible() else None
        )


class StepsPage(ListPage):
    def __init__(self, service: SettingsService) -> None:
        super().__init__(
            "stepsPage",
            "stepsTable",
            ("Ordre", "Étape", "Avancement", "État", "Dossiers"),
            error_name="stepsError",
            stretch=1,
        )
        self._service = service
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            capped(
                set_role(
                    QLabel(
                        "Les étapes du pipeline de vos dossiers, dans l'ordre. La jauge et la "
                        "liste des dossiers les suivent aussitôt ; l'historique des dossiers "
                        "n'est jamais réécrit."
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
                    ("addStepButton", "Ajouter…", self.add),
                    ("editStepButton", "Modifier…", self.edit),
                    ("stepUpButton", "Monter", lambda: self._on_step(self._move_up)),
                    ("stepDownButton", "Descendre", lambda: self._on_step(self._move_down)),
                    ("deactivateStepButton", "Désactiver…", self.deactivate),
                    ("reactivateStepButton", "Réactiver", lambda: self._on_step(self._reactivate)),
                )
            )
        )
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

    def select_step(self, step_id: int) -> None:
        for row in range(self.model.rowCount()):
            if self.model.item_at(row).id == step_id:
                self.table.selectRow(row)

    def _move_up(self, step: StepRow) -> list[StepRow]:
        return self._service.move_step(step.id, -1)

    def _move_down(self, step: StepRow) -> list[StepRow]:
        return self._service.move_step(step.id, 1)

    def _reactivate(self, step: StepRow) -> list[StepRow]:
        return self._service.reactivate_step(step.id)

    def _on_step(self, command: Callable[[StepRow], list[StepRow]]) -> None:
        """Run `command` on the selected step, which stays selected."""
        step: StepRow | None = self.selected()
        if step is None:
            self.error.show_message("Sélectionnez une étape.")
            return

        def show(rows: list[StepRow]) -> None:
            self.show_steps(rows)
            self.select_step(step.id)

        self.run(lambda: command(step), show)

    def add(self) -> StepDialog:
        return self.open_dialog(StepDialog(self, self._service.add_step), self.show_steps)

    def edit(self) -> StepDialog | None:
        step: StepRow | None = self.selected()
        if step is None:
            return None

        def submit(name: str, percent: int) -> list[StepRow]:
            rows = self._service.rename_step(step.id, name) if name != step.name else None
            return (
                self._service.set_percent(step.id, percent)
                if percent != step.percent
                else rows or self._service.steps()
            )

        return self.open_dialog(StepDialog(self, submit, step), self.show_steps)

    def deactivate(self) -> MoveDossiersDialog | None:
        step: StepRow | None = self.selected()
        if step is None or not step.is_active:
            return None
        targets = [
            row
            for row in (self.model.item_at(r) for r in range(self.model.rowCount()))
            if row.is_active and row.id != step.id
        ]
        return self.open_dialog(
            MoveDossiersDialog(
                self, step, targets, lambda target: self._service.deactivate_step(step.id, target)
            ),
            self.show_steps,
        )
