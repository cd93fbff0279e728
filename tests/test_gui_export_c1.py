"""«Exporter C1» (Fichier menu), driven through its widgets: who sees it, the preview and
its count following the filters, the export written off the GUI thread, its cancel, its
refusals, and the office's models of columns."""

from __future__ import annotations

import threading
import time

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableView,
)

from app.exports.c1 import COLUMNS, DEFAULT_MODEL, C1Filters, Completeness, default_model
from app.exports.c1_files import Format
from tests.conftest import TEMPLATE_DOSSIERS


@pytest.fixture
def out(tmp_path):
    """A folder for the exports alone (tmp_path also holds the office)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def dialog(qtbot, main_window):
    """Fichier › Exporter C1…, its first preview shown."""
    action = main_window.findChild(QAction, "exportC1Action")
    action.trigger()
    found = main_window._export_c1
    assert found is not None and found.isVisible()
    settle(qtbot, found)
    yield found
    found.close()
    found.wait()


def settle(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.preview_pending, timeout=5000)


def shown_rows(table: QTableView) -> list[list[str]]:
    model = table.model()
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def headers(table: QTableView) -> list[str]:
    model = table.model()
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def test_the_menu_offers_it_to_whoever_may_export_only(qtbot, main_window, login_as):
    action = main_window.findChild(QAction, "exportC1Action")
    assert action is not None and action.isVisible() and action.text() == "&Exporter C1…"
    file_menu = main_window.menuBar().actions()[0].menu()
    assert action in file_menu.actions()

    from ui.main_window import MainWindow

    assistant = login_as("assistant")  # sees every dossier, exports nothing
    window = MainWindow(assistant)
    qtbot.addWidget(window)
    try:
        assert window.findChild(QAction, "exportC1Action") is None
    finally:
        window.close()
        window.shut_down()


def test_the_preview_shows_the_first_rows_and_the_count(qtbot, dialog, workspace):
    assert dialog.objectName() == "exportC1Dialog"
    for name, kind in (
        ("exportModelCombo", QComboBox),
        ("exportFormatCombo", QComboBox),
        ("exportPreviewTable", QTableView),
        ("exportRowCountLabel", QLabel),
        ("exportButton", QPushButton),
    ):
        assert dialog.findChild(kind, name) is not None, name
    table = dialog.findChild(QTableView, "exportPreviewTable")
    count = dialog.findChild(QLabel, "exportRowCountLabel")
    assert headers(table) == [column.header for column in COLUMNS]
    rows = shown_rows(table)
    assert len(rows) == TEMPLATE_DOSSIERS  # fewer than the preview's 50: all of them
    assert count.text() == f"{TEMPLATE_DOSSIERS} dossiers seront exportés"
    expected = workspace.c1_exports.preview(C1Filters(), default_model())
    assert [tuple(row) for row in rows] == list(expected.rows)
    combo = dialog.findChild(QComboBox, "exportFormatCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == [
        Format.LABELS[kind] for kind in Format.ALL
    ]
    assert dialog.findChild(QPushButton, "exportButton").isEnabled()


def test_the_preview_follows_the_filters(qtbot, dialog, workspace):
    service = workspace.c1_exports
    abandoned = service.preview(C1Filters(statuses=frozenset({"abandoned"})), default_model())
    assert 0 < abandoned.count < TEMPLATE_DOSSIERS
    dialog.findChild(QCheckBox, "exportProspectCheck").click()
    dialog.findChild(QCheckBox, "exportClientCheck").click()
    assert dialog.preview_pending  # debounced: one query for both clicks
    settle(qtbot, dialog)
    count = dialog.findChild(QLabel, "exportRowCountLabel")
    assert count.text() == f"{abandoned.count} dossiers seront exportés"
    table = dialog.findChild(QTableView, "exportPreviewTable")
    status = headers(table).index("Statut")
    assert {row[status] for row in shown_rows(table)} == {"Abandonné"}

    dialog.findChild(QCheckBox, "exportAbandonedCheck").click()  # no status left
    settle(qtbot, dialog)
    assert count.text() == "Cochez au moins un statut"
    assert table.model().rowCount() == 0
    assert not dialog.findChild(QPushButton, "exportButton").isEnabled()

    for name in ("exportProspectCheck", "exportClientCheck", "exportAbandonedCheck"):
        dialog.findChild(QCheckBox, name).setChecked(True)
    dialog.filters_box.completeness_radios[Completeness.NO].click()
    broker_combo = dialog.findChild(QComboBox, "exportBrokerCombo")
    broker_combo.setCurrentIndex(1)
    settle(qtbot, dialog)
    expected = service.preview(
        C1Filters(broker_ids=frozenset({broker_combo.currentData()}), completeness=Completeness.NO),
        default_model(),
    )
    assert count.text().startswith(str(expected.count)) or expected.count == 0
    assert table.model().rowCount() == len(expected.rows)


def test_a_period_ending_before_it_starts_is_said_in_french(qtbot, dialog):
    import datetime as dt

    dialog.filters_box.start_field.set_date(dt.date(2026, 6, 1))
    dialog.filters_box.end_field.set_date(dt.date(2026, 1, 1))
    settle(qtbot, dialog)
    error = dialog.findChild(QLabel, "exportErrorLabel")
    assert error.isVisible() and error.text() == "La fin de la période précède son début."
    assert not dialog.findChild(QPushButton, "exportButton").isEnabled()
    dialog.filters_box.period_menu.actions()[-1].trigger()  # «Toutes les dates»
    settle(qtbot, dialog)
    assert not error.isVisible()
    assert dialog.findChild(QPushButton, "exportButton").isEnabled()


def test_export_to_excel_then_open_it(qtbot, dialog, out, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    target = out / "Export C1 2026-11-30.xlsx"
    dialog.export_to(target)
    assert dialog.findChild(QPushButton, "cancelExportButton").isVisible()
    qtbot.waitUntil(lambda: dialog.exported is not None, timeout=10000)
    book = openpyxl.load_workbook(target, read_only=True)
    rows = list(book["Dossiers"].iter_rows(values_only=True))
    book.close()  # a read-only workbook keeps its file open until closed
    assert list(rows[0]) == [column.header for column in COLUMNS]
    assert len(rows) == TEMPLATE_DOSSIERS + 1
    state = dialog.findChild(QLabel, "exportStateLabel")
    assert state.text() == f"✓ {TEMPLATE_DOSSIERS} dossiers exportés : {target.name}"
    assert not dialog.findChild(QPushButton, "cancelExportButton").isVisible()
    open_button = dialog.findChild(QPushButton, "openExportButton")
    folder_button = dialog.findChild(QPushButton, "showExportFolderButton")
    for button in (open_button, folder_button):
        assert button.isVisible() and button.isEnabled()
    open_button.click()
    folder_button.click()
    assert [url.toLocalFile() for url in opened] == [str(target), str(out)]
    assert not [p for p in out.iterdir() if p.name != target.name]  # no leftover


def test_the_columns_chosen_are_the_file_s(qtbot, dialog, out):
    """Unchecked, moved up with ▲, written to CSV (the format chosen: no extension typed)."""
    columns = dialog.findChild(QListWidget, "exportColumnsList")
    for row in range(3, columns.count()):
        columns.item(row).setCheckState(Qt.CheckState.Unchecked)
    columns.setCurrentRow(2)  # «Étape»
    dialog.findChild(type(dialog.columns_box.up_button), "exportColumnUpButton").click()
    settle(qtbot, dialog)
    table = dialog.findChild(QTableView, "exportPreviewTable")
    assert headers(table) == ["N° dossier", "Étape", "Statut"]
    dialog.findChild(QComboBox, "exportFormatCombo").setCurrentIndex(Format.ALL.index("csv"))
    dialog.export_to(out / "contrôle")
    qtbot.waitUntil(lambda: dialog.exported is not None, timeout=10000)
    written = (out / "contrôle.csv").read_text(encoding="utf-8-sig").splitlines()
    assert written[0] == "N° dossier;Étape;Statut"
    assert len(written) == TEMPLATE_DOSSIERS + 1


def test_a_cancelled_export_leaves_no_file(qtbot, dialog, workspace, out, monkeypatch):
    service = workspace.c1_exports
    real_export = service.export
    started = threading.Event()

    def export_when_cancelled(filters, model, target, progress=None, cancelled=None, **kw):
        started.set()
        deadline = time.monotonic() + 5
        while not cancelled() and time.monotonic() < deadline:  # the user's click
            time.sleep(0.01)
        return real_export(filters, model, target, progress, cancelled, **kw)

    monkeypatch.setattr(service, "export", export_when_cancelled)
    target = out / "annulé.xlsx"
    dialog.export_to(target)
    assert started.wait(5)
    cancel = dialog.findChild(QPushButton, "cancelExportButton")
    assert cancel.isVisible() and cancel.isEnabled()
    assert not dialog.findChild(QPushButton, "exportButton").isEnabled()
    cancel.click()
    state = dialog.findChild(QLabel, "exportStateLabel")
    qtbot.waitUntil(lambda: state.isVisible(), timeout=10000)
    assert state.text() == "Export annulé : aucun fichier n'a été écrit."
    assert list(out.iterdir()) == []
    assert dialog.exported is None
    assert not dialog.findChild(QPushButton, "openExportButton").isVisible()
    assert dialog.findChild(QPushButton, "exportButton").isEnabled()  # may start again


def test_a_refused_target_is_said_next_to_the_button(qtbot, dialog, out):
    folder = out / "rapport.xlsx"
    folder.mkdir()
    dialog.export_to(folder)
    error = dialog.findChild(QLabel, "exportErrorLabel")
    qtbot.waitUntil(lambda: error.isVisible(), timeout=10000)
    assert "est un dossier" in error.text()
    assert dialog.exported is None
    assert dialog.findChild(QPushButton, "exportButton").isEnabled()


def test_a_model_saved_from_the_dialog_is_offered_then_deleted(qtbot, dialog, workspace):
    service = workspace.c1_exports
    columns = dialog.findChild(QListWidget, "exportColumnsList")
    for row in range(4, columns.count()):
        columns.item(row).setCheckState(Qt.CheckState.Unchecked)
    assert dialog.findChild(QLabel, "exportColumnsHint").text() == f"4 sur {len(COLUMNS)} — modifié"
    delete = dialog.findChild(QPushButton, "deleteExportModelButton")
    assert not delete.isEnabled()  # Dossia's own model stays

    dialog.findChild(QPushButton, "saveExportModelButton").click()
    asked = dialog.columns_box.model_dialog
    assert asked is not None and asked.objectName() == "saveExportModelDialog"
    asked.findChild(QLineEdit, "exportModelNameField").setText("  Contrôle   réseau ")
    asked.findChild(QPushButton, "okButton").click()
    assert not asked.isVisible()

    combo = dialog.findChild(QComboBox, "exportModelCombo")
    assert combo.currentText() == "Contrôle réseau"
    assert [combo.itemData(i) for i in range(combo.count())] == [DEFAULT_MODEL, "Contrôle réseau"]
    saved = service.model("Contrôle réseau")
    assert saved.columns == ("number", "status", "step", "progress")
    assert [m.name for m in service.models()] == [DEFAULT_MODEL, "Contrôle réseau"]
    assert dialog.findChild(QLabel, "exportColumnsHint").text() == f"4 colonnes sur {len(COLUMNS)}"
    settle(qtbot, dialog)
    table = dialog.findChild(QTableView, "exportPreviewTable")
    assert headers(table) == ["N° dossier", "Statut", "Étape", "Avancement"]

    combo.setCurrentIndex(0)  # back to every column
    settle(qtbot, dialog)
    assert len(headers(table)) == len(COLUMNS)
    combo.setCurrentIndex(1)
    assert delete.isEnabled()
    delete.click()
    box = dialog.findChild(QMessageBox, "deleteExportModelDialog")
    box.findChild(QPushButton, "confirmDeleteExportModelButton").click()
    assert [m.name for m in service.models()] == [DEFAULT_MODEL]
    assert [combo.itemData(i) for i in range(combo.count())] == [DEFAULT_MODEL]


def test_a_model_without_a_name_is_refused_in_french(qtbot, dialog):
    dialog.findChild(QPushButton, "saveExportModelButton").click()
    asked = dialog.columns_box.model_dialog
    asked.findChild(QLineEdit, "exportModelNameField").setText("   ")
    asked.findChild(QPushButton, "okButton").click()
    assert asked.isVisible()
    assert asked.findChild(QLabel, "errorLabel").text() == "Donnez un nom au modèle d'export."
    asked.reject()


def test_a_date_typed_wrong_stops_the_export_until_corrected(qtbot, dialog, out):
    """«31/13/2026» in the period: the field says why, the count is withdrawn and
    «Exporter…» waits — never an export of every date instead."""
    from tests.helpers import type_text

    button = dialog.findChild(QPushButton, "exportButton")
    assert button.isEnabled()
    edit = dialog.filters_box.end_field.edit
    edit.setFocus()
    type_text(qtbot, edit, "31132026")
    edit.editingFinished.emit()
    settle(qtbot, dialog)
    assert dialog.filters_box.end_field.date_problem()
    assert not button.isEnabled()
    assert "n'existe pas" in dialog.findChild(QLabel, "exportRowCountLabel").text()
    dialog.export_to(out / "c1.xlsx")
    assert not dialog.exporting and not list(out.iterdir())
    edit.clear()
    type_text(qtbot, edit, "31122026")
    edit.editingFinished.emit()
    settle(qtbot, dialog)
    assert button.isEnabled()


def test_a_preview_overtaken_by_a_change_is_never_shown(qtbot, dialog):
    """The columns changed while a preview was being read: its answer is dropped, the
    preview shows the new columns."""
    columns = dialog.findChild(QListWidget, "exportColumnsList")
    dialog.refresh_preview()  # a question on its way…
    columns.item(0).setCheckState(Qt.CheckState.Unchecked)  # …overtaken: «N° dossier» off
    assert not dialog.findChild(QPushButton, "exportButton").isEnabled()
    settle(qtbot, dialog)
    headers = [
        dialog.preview_model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(dialog.preview_model.columnCount())
    ]
    assert "N° dossier" not in headers


def test_the_dialog_opens_on_the_choices_of_the_last_export(qtbot, main_window, out):
    """An office manager exports the same way every month: the statuses, completeness,
    format and model of his last export come back (not the period)."""
    dialog = main_window.open_export_c1()
    settle(qtbot, dialog)
    dialog.findChild(QCheckBox, "exportProspectCheck").setChecked(False)
    dialog.findChild(QCheckBox, "exportClientCheck").setChecked(False)
    formats = dialog.findChild(QComboBox, "exportFormatCombo")
    formats.setCurrentIndex(formats.findData(Format.CSV))
    settle(qtbot, dialog)
    dialog.export_to(out / "c1.csv")
    qtbot.waitUntil(lambda: dialog.exported is not None, timeout=10_000)
    dialog.close()
    dialog.wait()
    qtbot.waitUntil(
        lambda: main_window._export_c1 is None or not main_window._export_c1.isVisible()
    )
    again = main_window.open_export_c1()
    settle(qtbot, again)
    assert not again.findChild(QCheckBox, "exportProspectCheck").isChecked()
    assert not again.findChild(QCheckBox, "exportClientCheck").isChecked()
    assert again.findChild(QCheckBox, "exportAbandonedCheck").isChecked()
    assert again.findChild(QComboBox, "exportFormatCombo").currentData() == Format.CSV
    assert again.filters_box.filters().statuses == frozenset({"abandoned"})
    again.close()
    again.wait()
