"""What a simulation gives the client or the bank, from the «Simulations» tab
(`ui.simulations_tab`): the «Synthèse de financement» (a PDF made off the GUI thread, kept in
the dossier's documents and opened) and the amortization table exported to Excel or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from app.simulation.finance import compute
from app.simulation.schedule_export import write_csv, write_xlsx
from ui.backup_ui import ProgressRun
from ui.operations import attempt, show_failure
from ui.workers import Background

if TYPE_CHECKING:
    from ui.simulations_tab import SimulationsTab


class SimulationExports:
    """«Synthèse PDF» and «Exporter le tableau (Excel, CSV)…», for the simulation shown."""

    def __init__(self, tab: SimulationsTab) -> None:
        self._tab = tab
        self._background: Background | None = None  # the PDF, on first use

    def choose_export(self) -> None:
        """«Exporter le tableau…»: where to write it, then the export."""
        if self._tab.plan is None:
            return
        name, _filter = QFileDialog.getSaveFileName(
            self._tab,
            "Exporter le tableau d'amortissement",
            f"{self._tab.plan.name}.xlsx",
            "Classeur Excel (*.xlsx);;CSV pour Excel (*.csv)",
        )
        if name:
            self.export_schedule(Path(name))

    def export_schedule(self, target: Path) -> bool:
        """The plan's amortization table into `target` (.csv for French Excel, else a
        workbook). A few tens of milliseconds for 30 years: done at once."""
        plan = self._tab.plan
        if plan is None:
            return False
        outcome = attempt(lambda: compute(plan.plan()))
        if outcome.value is None:
            return False
        result = outcome.value
        try:
            if target.suffix.lower() == ".csv":
                write_csv(result, target)
            else:
                write_xlsx(result, target.with_suffix(".xlsx"), plan.name)
        except OSError as error:
            self._tab.error.show_message(f"Le fichier n'a pas pu être écrit : {error.strerror}.")
            return False
        self._tab.error.clear_message()
        self._tab.view.show_notice(f"Tableau d'amortissement exporté : {target}")
        return True

    def make_pdf(self, open_it: bool = True) -> ProgressRun | None:
        """The «Synthèse de financement», made off the GUI thread, then saved into the
        dossier's documents and opened with the system's viewer."""
        current, plan = self._tab.current, self._tab.plan
        if current is None or plan is None or self._tab.view.detail is None:
            return None
        folder = self._tab.view.workspace.exports_folder
        name = f"Synthèse {self._tab.view.detail.number} - {plan.name}.pdf".replace("/", "-")
        target = folder / name
        if self._background is None:
            self._background = Background()
        run = ProgressRun(self._tab, "Synthèse de financement…", self._background)
        service = self._tab.service
        run.start(
            lambda progress: service.write_synthesis(
                current, target, lambda: not progress(50, 100)
            ),
            lambda path: self._pdf_made(path, plan.name, open_it),
            self._pdf_failed,
        )
        return run

    def _pdf_made(self, path: Path, name: str, open_it: bool) -> None:
        saved = self._tab.view.keep_document(path, f"Synthèse de financement — {name}")
        if saved:
            self._tab.view.show_notice(
                "Synthèse enregistrée dans les documents du dossier "
                "(«\u00a0Demandes de prêt et simulations\u00a0»)."
            )
        if open_it:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _pdf_failed(self, error: BaseException) -> None:
        show_failure(error, self._tab.error, "La synthèse n'a pas pu être écrite")
