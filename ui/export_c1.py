"""«Exporter C1» (Fichier menu): the office manager's control report. Filters, a model of
columns (saved under a name for the office), a format; a preview of the first rows and the
row count, refreshed as the filters change; then the export, off the GUI thread, with a
progress bar and «Annuler», and «Ouvrir» / «Afficher dans le dossier» once written. The
filters' box is in `ui.export_c1_filters`, the columns' in `ui.export_c1_columns`."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QProcess,
    QStandardPaths,
    Qt,
    QTimer,
    QUrl,
)
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.errors import Cancelled, DomainError
from app.exports.c1 import BY_KEY, DEFAULT_MODEL, Kind
from app.exports.c1_files import Format, format_of
from ui.common import (
    ErrorLabel,
    RememberedGeometry,
    TableModel,
    plain,
    plain_tooltip,
    primary,
    set_role,
)
from ui.export_c1_columns import C1ColumnsBox
from ui.export_c1_filters import C1FiltersBox
from ui.export_c1_parts import count_text, fit_preview_columns, thousands
from ui.operations import attempt, mark_invalid, show_failure
from ui.workers import Background

if TYPE_CHECKING:
    from app.exports.c1_service import C1ExportService, ExportResult, Preview
    from app.workspace import Workspace

DEBOUNCE_MS = 250
_RIGHT_ALIGNED = (Kind.AMOUNT, Kind.PERCENT, Kind.RATE)
_FILE_FILTERS = {
    Format.XLSX: "Classeur Excel (*.xlsx)",
    Format.CSV: "CSV pour Excel (*.csv)",
    Format.PDF: "Synthèse PDF (*.pdf)",
}
_SUCCESS = "color: #1a7f37; font-weight: 600;"
# --- the dialog ----------------------------------------------------------------------------


class ExportC1Dialog(QDialog):
    """Fichier › Exporter C1…"""

    last_folder: Path | None = None  # where the last export went, for this session

    def __init__(self, parent: QWidget | None, workspace: Workspace) -> None:
        super().__init__(parent)
        self.setObjectName("exportC1Dialog")
        self.setWindowTitle("Exporter C1 — contrôle de 1er niveau")
        self.workspace = workspace
        self.service: C1ExportService = workspace.c1_exports
        self._previews = Background()
        self._exports = Background()
        self._generation = 0
        self._cancel = threading.Event()
        self._done_total = (0, 0)
        self._count: int | None = None
        self.exporting = False
        self.exported: ExportResult | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh_preview)
        self._ticker = QTimer(self)
        self._ticker.setInterval(50)
        self._ticker.timeout.connect(self._show_progress)
        # The first preview after an upgrade works out the validated plans' TAEG (once, a
        # millisecond each): it says how far it is, and stops when the dialog closes.
        self._closing = threading.Event()
        self._figures_done = (0, 0)
        self._figures_ticker = QTimer(self)
        self._figures_ticker.setInterval(250)
        self._figures_ticker.timeout.connect(self._show_figures_progress)
        app = QApplication.instance()
        if app is not None:  # Dossia quits meanwhile: the export stops, leaving no file
            app.aboutToQuit.connect(self._cancel.set)
            app.aboutToQuit.connect(self._closing.set)

        outer = QVBoxLayout(self)
        self.filters_box = C1FiltersBox(self)
        outer.addWidget(self.filters_box)
        middle = QHBoxLayout()
        self.columns_box = C1ColumnsBox(self)
        middle.addWidget(self.columns_box)
        middle.addWidget(self._preview_box(), 1)
        outer.addLayout(middle, 1)
        outer.addLayout(self._state_row())
        outer.addLayout(self._action_row())
        self._geometry = RememberedGeometry(self, workspace, "export_c1", (1300, 700))

        self._fill_choices()
        self._restore_choices()
        self._connect()
        self.refresh_preview()

    # --- building ---

    def _preview_box(self) -> QGroupBox:
        box = QGroupBox("Aperçu")
        box.setObjectName("exportPreviewBox")
        layout = QVBoxLayout(box)
        self.preview_hint = plain(set_role(QLabel(), "hint"))
        self.preview_hint.setObjectName("exportPreviewHint")
        layout.addWidget(self.preview_hint)
        self.preview_model = TableModel((), tooltips=True)  # the service's own formatting
        self.preview_table = QTableView()
        self.preview_table.setObjectName("exportPreviewTable")
        self.preview_table.setAccessibleName("Aperçu de l'export")
        self.preview_table.setModel(self.preview_model)
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.preview_table.setAlternatingRowColors(True)
        self.preview_table.setShowGrid(False)
        self.preview_table.setWordWrap(False)
        self.preview_table.verticalHeader().hide()
        self.preview_table.horizontalHeader().setStretchLastSection(False)
        self.preview_table.horizontalHeader().setHighlightSections(False)
        layout.addWidget(self.preview_table, 1)
        return box

    def _state_row(self) -> QHBoxLayout:
        """While exporting: the progress and «Annuler»; then what became of it."""
        row = QHBoxLayout()
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("exportProgressBar")
        self.progress_bar.setAccessibleName("Avancement de l'export")
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        row.addWidget(self.progress_bar, 1)
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.setObjectName("cancelExportButton")
        self.cancel_button.setAccessibleName("Annuler l'export")
        self.cancel_button.clicked.connect(lambda _c=False: self.cancel_export())
        self.cancel_button.hide()
        row.addWidget(self.cancel_button)
        self.state_label = plain(QLabel())
        self.state_label.setObjectName("exportStateLabel")
        self.state_label.setWordWrap(True)
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_label.hide()
        row.addWidget(self.state_label, 1)
        self.open_button = QPushButton("Ouvrir")
        self.open_button.setObjectName("openExportButton")
        self.open_button.setToolTip("Ouvrir le fichier exporté")
        self.open_button.clicked.connect(lambda _c=False: self.open_file())
        self.open_button.hide()
        row.addWidget(self.open_button)
        self.folder_button = QPushButton("Afficher dans le dossier")
        self.folder_button.setObjectName("showExportFolderButton")
        self.folder_button.setToolTip("Ouvrir le dossier qui contient le fichier exporté")
        self.folder_button.clicked.connect(lambda _c=False: self.show_in_folder())
        self.folder_button.hide()
        row.addWidget(self.folder_button)
        return row

    def _action_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.count_label = plain(set_role(QLabel(), "fieldValue"))
        self.count_label.setObjectName("exportRowCountLabel")
        self.count_label.setWordWrap(False)
        row.addWidget(self.count_label)
        row.addSpacing(12)
        self.error = ErrorLabel("exportErrorLabel")
        row.addWidget(self.error, 1)
        self.format_hint = plain(set_role(QLabel(), "hint"))
        self.format_hint.setObjectName("exportFormatHint")
        self.format_hint.setWordWrap(True)
        row.addWidget(self.format_hint, 1)
        row.addStretch(0)
        row.addWidget(QLabel("Format :"))
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("exportFormatCombo")
        self.format_combo.setAccessibleName("Format du fichier")
        for kind in Format.ALL:
            self.format_combo.addItem(Format.LABELS[kind], kind)
        row.addWidget(self.format_combo)
        self.export_button = primary(QPushButton("Exporter…"))
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(lambda _c=False: self.choose_target())
        row.addWidget(self.export_button)
        self.close_button = QPushButton("Fermer")
        self.close_button.setObjectName("closeExportButton")
        self.close_button.clicked.connect(lambda _c=False: self.close())
        row.addWidget(self.close_button)
        return row

    def _fill_choices(self) -> None:
        self.filters_box.broker_combo.addItem("Tous les courtiers", None)
        self.filters_box.step_combo.addItem("Toutes les étapes", None)
        brokers = attempt(self.service.brokers)
        for broker_id, name in brokers.value or []:
            self.filters_box.broker_combo.addItem(name, broker_id)
        steps = attempt(self.service.steps)
        for step_id, name in steps.value or []:
            self.filters_box.step_combo.addItem(name, step_id)
        self.columns_box.load_models(DEFAULT_MODEL)
        problem = brokers.problem or steps.problem
        if problem is not None:
            self.error.show_message(problem.message)
        self._format_changed()

    def _connect(self) -> None:
        self.filters_box.follow_choices()
        self.columns_box.follow_choices()
        self.format_combo.currentIndexChanged.connect(lambda _i: self._format_changed())

    # --- the preview ---

    def schedule_preview(self) -> None:
        """A question changed: the preview shown and any answer on its way are stale (never
        shown, never exported from) until the new one arrives."""
        self._generation += 1
        self._count = None
        self._update_export_button()
        self._debounce.start()

    def _problem(self) -> str:
        """What keeps the export from being asked: a date typed wrong, no status, no column."""
        for field in (self.filters_box.start_field, self.filters_box.end_field):
            problem = field.date_problem()
            if problem:
                return problem
        if not self.columns_box.columns():
            return "Cochez au moins une colonne"
        if not any(check.isChecked() for check in self.filters_box.status_checks.values()):
            return "Cochez au moins un statut"
        return ""

    @property
    def preview_pending(self) -> bool:
        return self._debounce.isActive() or self._previews.busy

    def refresh_preview(self) -> None:
        """The first rows and the count, read off the GUI thread; an answer overtaken by a
        newer question is dropped."""
        self._debounce.stop()
        self._generation += 1
        generation = self._generation
        mark_invalid(self.filters_box.end_field.edit, False)
        why = self._problem()
        if why:
            self._show_preview(None, why)
            self._update_export_button()
            return
        filters, model = self.filters_box.filters(), self.columns_box.chosen_model()
        self.preview_hint.setText("Calcul de l'aperçu…")
        service = self.service
        self._figures_done = (0, 0)

        def figures(done: int, total: int) -> None:  # in the worker
            self._figures_done = (done, total)

        self._previews.run(
            lambda: service.preview(filters, model, figures, self._closing.is_set),
            lambda preview: self._previewed(generation, preview),
            lambda error: self._preview_failed(generation, error),
        )
        self._figures_ticker.start()

    def _show_figures_progress(self) -> None:
        done, total = self._figures_done
        if total and not self._closing.is_set():
            self.preview_hint.setText(
                "Calcul des TAEG et taux d'endettement des simulations validées (une seule "
                f"fois) : {thousands(done)} / {thousands(total)}…"
            )

    def _previewed(self, generation: int, preview: Preview) -> None:
        if not isValid(self) or generation != self._generation:
            return
        self._figures_ticker.stop()
        if not self.exporting:
            self.error.clear_message()
        self._show_preview(preview)

    def _preview_failed(self, generation: int, error: BaseException) -> None:
        if not isValid(self) or generation != self._generation:
            return
        self._figures_ticker.stop()
        if not isinstance(error, DomainError):
            raise error
        if error.field == "end":
            mark_invalid(self.filters_box.end_field.edit, True)
        self._show_preview(None, "")
        self.error.show_message(error.message)

    def _show_preview(self, preview: Preview | None, why: str = "") -> None:
        if preview is None:
            self._count = None
            self.preview_model.set_table((), [])
            self.count_label.setText(why)
            self.preview_hint.setText("")
        else:
            self._count = preview.count
            keys = list(self.columns_box.chosen_model().columns)
            right = frozenset(i for i, key in enumerate(keys) if BY_KEY[key].kind in _RIGHT_ALIGNED)
            self.preview_model.set_table(preview.headers, list(preview.rows), right)
            fit_preview_columns(self.preview_table)
            self.count_label.setText(count_text(preview.count))
            shown = len(preview.rows)
            if shown < preview.count:
                self.preview_hint.setText(
                    f"Les {shown} premiers dossiers, par date de création — l'export les "
                    "contiendra tous."
                )
            elif shown:
                self.preview_hint.setText("Tous les dossiers de l'export, par date de création.")
            else:
                self.preview_hint.setText(
                    "Aucun dossier : élargissez la période ou les filtres ci-dessus."
                )
        self._update_export_button()

    def _update_export_button(self) -> None:
        ready = bool(self._count) and not self.exporting
        self.export_button.setEnabled(ready)  # the style sheet greys a disabled primary
        self.export_button.setToolTip(
            "" if ready or self.exporting else "Aucun dossier à exporter avec ces filtres"
        )

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.preview_model.columnCount():
            fit_preview_columns(self.preview_table)

    # --- the export ---

    def _format_changed(self) -> None:
        pdf = self.format_combo.currentData() == Format.PDF
        self.format_hint.setText(
            "Synthèse : totaux par courtier et par étape, dossiers incomplets (sans les "
            "colonnes choisies)."
            if pdf
            else ""
        )
        self.format_hint.setVisible(pdf)

    def default_target(self) -> Path:
        folder = ExportC1Dialog.last_folder
        if folder is None or not folder.is_dir():
            documents = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            )
            folder = Path(documents) if documents else Path.home()
        kind = self.format_combo.currentData()
        return folder / f"Export C1 {dt.date.today():%Y-%m-%d}.{kind}"

    def choose_target(self) -> None:
        """«Exporter…»: where to write, then the export."""
        kind = self.format_combo.currentData()
        name, _filter = QFileDialog.getSaveFileName(
            self, "Exporter C1", str(self.default_target()), _FILE_FILTERS[kind]
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, target: Path) -> None:
        """Write the export to `target` off the GUI thread (its format: the file's extension,
        else the one chosen)."""
        if self.exporting:
            return
        problem = self._problem()
        if problem:
            self.error.show_message(problem)
            return
        if not format_of(target):
            target = target.with_name(f"{target.name}.{self.format_combo.currentData()}")
        filters, model, service = (
            self.filters_box.filters(),
            self.columns_box.chosen_model(),
            self.service,
        )
        self.error.clear_message()
        self._cancel.clear()
        self._done_total = (0, self._count or 0)
        self._set_exporting(True)
        cancel = self._cancel

        def progress(done: int, total: int) -> None:  # in the worker
            self._done_total = (done, total)

        self._exports.run(
            lambda: service.export(filters, model, target, progress, cancel.is_set),
            self._exported,
            self._export_failed,
        )

    def cancel_export(self) -> None:
        self._cancel.set()
        self.cancel_button.setEnabled(False)
        self.progress_bar.setFormat("Annulation…")

    def _set_exporting(self, on: bool) -> None:
        self.exporting = on
        for widget in (
            self.findChild(QGroupBox, "exportFiltersBox"),
            self.findChild(QGroupBox, "exportColumnsBox"),
            self.format_combo,
        ):
            widget.setEnabled(not on)
        self.progress_bar.setVisible(on)
        self.cancel_button.setVisible(on)
        self.cancel_button.setEnabled(on)
        if on:
            for widget in (self.state_label, self.open_button, self.folder_button):
                widget.hide()
            self._show_progress()
            self._ticker.start()
        else:
            self._ticker.stop()
        self._update_export_button()

    def _show_progress(self) -> None:
        if self._cancel.is_set():
            return
        done, total = self._done_total
        if total <= 0:
            self.progress_bar.setRange(0, 0)  # busy
            self.progress_bar.setFormat("Export en cours…")
            return
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(min(done, total))
        self.progress_bar.setFormat(f"{thousands(done)} / {thousands(total)} dossiers")

    # --- what this user chose last time (this computer) ---

    def _restore_choices(self) -> None:
        """The filters, model and format of this user's last export (not its period: a new
        export is most often of another one)."""
        user = self.workspace.user.id
        chosen = self.workspace.machine.choices(user, "export_c1")
        for combo, key in (
            (self.filters_box.date_field_combo, "date_field"),
            (self.filters_box.broker_combo, "broker"),
            (self.filters_box.step_combo, "step"),
            (self.format_combo, "format"),
        ):
            if key in chosen:
                index = next(
                    (i for i in range(combo.count()) if str(combo.itemData(i)) == chosen[key]), -1
                )
                if index >= 0:
                    combo.setCurrentIndex(index)
        if "model" in chosen:
            index = self.columns_box.model_combo.findText(chosen["model"])
            if index >= 0:
                self.columns_box.model_combo.setCurrentIndex(index)
        if "statuses" in chosen:
            kept = set(chosen["statuses"].split(","))
            for value, check in self.filters_box.status_checks.items():
                check.setChecked(value in kept)
        if "completeness" in chosen:
            for value, radio in self.filters_box.completeness_radios.items():
                radio.setChecked(value.value == chosen["completeness"])

    def _keep_choices(self) -> None:
        statuses = [
            value for value, check in self.filters_box.status_checks.items() if check.isChecked()
        ]
        complete = next(
            v for v, radio in self.filters_box.completeness_radios.items() if radio.isChecked()
        )
        choices = {
            "date_field": str(self.filters_box.date_field_combo.currentData()),
            "broker": str(self.filters_box.broker_combo.currentData()),
            "step": str(self.filters_box.step_combo.currentData()),
            "format": str(self.format_combo.currentData()),
            "model": self.columns_box.model_combo.currentText(),
            "statuses": ",".join(statuses),
            "completeness": complete.value,
        }
        user = self.workspace.user.id
        attempt(lambda: self.workspace.machine.set_choices(user, "export_c1", choices))

    def _exported(self, result: ExportResult) -> None:
        if not isValid(self):
            return
        self._set_exporting(False)
        self.exported = result
        self._keep_choices()
        ExportC1Dialog.last_folder = result.target.parent
        rows = (
            "1 dossier exporté"
            if result.rows == 1
            else f"{thousands(result.rows)} dossiers exportés"
        )
        self.state_label.setStyleSheet(_SUCCESS)
        self.say(f"✓ {rows} : {result.target.name}")
        self.state_label.setToolTip(plain_tooltip(str(result.target)))
        self.open_button.show()
        self.folder_button.show()
        self.open_button.setFocus()

    def _export_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self._set_exporting(False)
        if isinstance(error, Cancelled):
            self.state_label.setStyleSheet("")
            self.say("Export annulé : aucun fichier n'a été écrit.")
            return
        show_failure(error, self.error, "L'export n'a pas pu être écrit")

    def say(self, text: str) -> None:
        """What became of the export (or of a model), on the state line."""
        self.state_label.setText(text)
        self.state_label.setToolTip("")
        self.state_label.show()
        self.open_button.hide()
        self.folder_button.hide()

    def open_file(self) -> None:
        if self.exported is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.exported.target)))

    def show_in_folder(self) -> None:
        """The file's folder, the file selected where the system allows it (Windows)."""
        if self.exported is None:
            return
        target = self.exported.target
        if sys.platform == "win32":
            QProcess.startDetached("explorer.exe", ["/select,", str(target)])
        else:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target.parent)))

    def wait(self, msecs: int = 30000) -> None:
        self._exports.wait(msecs)
        self._previews.wait(msecs)

    # --- closing ---

    def done(self, code: int) -> None:
        """Closed while exporting: the export stops and leaves no file."""
        self._cancel.set()
        self._closing.set()
        self._debounce.stop()
        super().done(code)

    def closeEvent(self, event) -> None:
        self._cancel.set()
        self._closing.set()
        self._debounce.stop()
        super().closeEvent(event)
