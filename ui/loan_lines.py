"""A simulation's loans, edited from the «Simulations» tab (`ui.simulations_tab`): «Ajouter
un prêt», «Modifier» (or a double click) and «Retirer», each saved at once into the plan as it
stands then."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from app.errors import DomainError
from app.simulation.plans import LineData, PlanData
from app.text import format_amount
from ui.common import confirm
from ui.simulation_widgets import LineDialog

if TYPE_CHECKING:
    from ui.simulations_tab import SimulationsTab


class LoanLines:
    """The loan lines of the simulation shown, through the loan's dialog."""

    def __init__(self, tab: SimulationsTab) -> None:
        self._tab = tab

    def _borrowers(self) -> list[str]:
        household = self._tab.view.workspace.household.get(self._tab.view.dossier_id)
        return [
            f"{b.first_name} {b.last_name}".strip() or f"Emprunteur {rank}"
            for rank, b in enumerate(household.borrowers, start=1)
        ]

    def add_line(self) -> LineDialog | None:
        if self._tab.plan is None or self._tab.read_only:
            return None
        return self._line_dialog(None, lambda plan, line: replace(plan, lines=(*plan.lines, line)))

    def _chosen_line(self) -> int | None:
        """The loan line chosen in the table, if the plan may change."""
        index = self._tab.lines_view.currentIndex().row()
        plan = self._tab.plan
        if plan is None or self._tab.read_only or not 0 <= index < len(plan.lines):
            return None
        return index

    def edit_line(self) -> LineDialog | None:
        index = self._chosen_line()
        if index is None or self._tab.plan is None:
            return None

        def changed(plan: PlanData, line: LineData) -> PlanData:
            if index >= len(plan.lines):
                raise DomainError("Cette ligne n'existe plus : la simulation a été modifiée.")
            lines = list(plan.lines)
            lines[index] = line
            return replace(plan, lines=tuple(lines))

        return self._line_dialog(self._tab.plan.lines[index], changed)

    def remove_line(self) -> QMessageBox | None:
        index = self._chosen_line()
        if index is None or self._tab.plan is None:
            return None
        line = self._tab.plan.lines[index]

        def remove() -> None:
            if self._tab.plan is not None and index < len(self._tab.plan.lines):
                lines = [each for i, each in enumerate(self._tab.plan.lines) if i != index]
                self._tab.save_plan(replace(self._tab.plan, lines=tuple(lines)))

        return confirm(
            self._tab,
            "removeLoanLineDialog",
            "Retirer le prêt",
            f"Retirer le prêt {index + 1} ({line.kind.label.lower()}, "
            f"{format_amount(line.amount_cents)}) de la simulation ?",
            "Retirer",
            remove,
        )

    def _line_dialog(self, line: LineData | None, plan_with) -> LineDialog:
        def submit(new_line: LineData) -> bool:
            # The plan as it is now (another window may have changed it meanwhile).
            if self._tab.plan is None or not self._tab.save_plan(
                plan_with(self._tab.plan, new_line)
            ):
                raise DomainError(self._tab.error.text() or "La ligne n'a pas été enregistrée.")
            return True

        banks = self._tab.view.workspace.office.active_banks()
        dialog = LineDialog(self._tab, self._borrowers(), line, submit, banks)
        dialog.open()
        return dialog
