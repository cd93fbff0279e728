"""The persons' rights through the screens: the Actions menu, the dialogs, the purge page."""

from __future__ import annotations

import datetime as dt
import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
)

from app.dossier.household import BorrowerData
from app.listing import ListQuery, ListTab
from models.enums import AbandonReason, AuditAction
from tests.helpers import audit_events, new_dossier
from tests.test_gui_dossier import click, find
from tests.test_privacy import _age


def _couple(workspace):
    detail = new_dossier(workspace)
    info = workspace.household.save_borrower(
        detail.id,
        detail.version,
        1,
        BorrowerData(last_name="Quénéhervé", first_name="Éloïse", email="e.q@example.fr"),
    )
    workspace.household.save_borrower(
        detail.id, info.version, 2, BorrowerData(last_name="Durand", first_name="Paul")
    )
    return workspace.dossiers.get(detail.id)


def test_the_actions_are_offered_only_with_the_right(qtbot, workspace, open_dossier, login_as):
    from ui.dossier_window import DossierWindow

    detail = _couple(workspace)
    window = open_dossier(detail.id)
    assert find(window, QAction, "exportPersonAction").isVisible()
    assert find(window, QAction, "erasePersonAction").isVisible()
    broker = login_as("slegrand")
    mine = new_dossier(broker)
    other = DossierWindow(broker, mine.id)
    qtbot.addWidget(other)
    assert not find(other, QAction, "exportPersonAction").isVisible()
    assert not find(other, QAction, "erasePersonAction").isVisible()


def test_a_person_is_exported_from_the_actions_menu(qtbot, workspace, open_dossier, tmp_path):
    detail = _couple(workspace)
    homonym = new_dossier(workspace, "DURAND", "paul")  # him, or another Paul Durand?
    window = open_dossier(detail.id)
    target = tmp_path / "export"
    target.mkdir()
    find(window, QAction, "exportPersonAction").trigger()
    dialog = window.view.findChild(QRadioButton, "exportPersonRadio2").window()
    assert dialog.objectName() == "exportPersonDialog"
    assert find(dialog, QRadioButton, "exportPersonRadio1").text() == (
        "QUÉNÉHERVÉ Éloïse — porteur de projet"
    )
    matches = find(dialog, QListWidget, "exportMatchesList")
    assert not matches.isVisible()  # nobody else is Éloïse
    assert find(dialog, QLabel, "exportMatchesHint").text() == "Aucun autre dossier."
    click(qtbot, find(dialog, QRadioButton, "exportPersonRadio2"))
    assert matches.count() == 1 and matches.item(0).text().startswith(homonym.number)
    assert "date de naissance inconnue" in matches.item(0).text()
    assert matches.item(0).checkState() == Qt.CheckState.Unchecked  # a possible homonym
    matches.item(0).setCheckState(Qt.CheckState.Checked)  # the manager checked: it is him
    folder = find(dialog, QLineEdit, "exportFolderEdit")
    folder.setText(str(tmp_path / "nowhere"))
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    assert find(dialog, QLabel, "errorLabel").text() == "Choisissez un dossier existant."
    assert folder.property("invalid") is True
    folder.setText(str(target))
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(
        lambda: window.view.findChild(QMessageBox, "exportDoneDialog") is not None, timeout=10000
    )
    box = window.view.findChild(QMessageBox, "exportDoneDialog")
    assert "Export terminé : 2 dossiers, 0 document." in box.text()
    assert box.findChild(QPushButton, "openExportFolderButton") is not None
    [made] = list(target.iterdir())
    assert str(made) in box.text()
    data = json.loads((made / "donnees-personnelles.json").read_text(encoding="utf-8"))
    assert data["dossiers"][0]["role"] == "Co-emprunteur"
    assert data["dossiers"][0]["identite"]["nom"] == "Durand"
    assert data["dossiers"][1]["numero"] == homonym.number
    assert (made / "donnees-personnelles.pdf").stat().st_size > 1000
    box.reject()


def test_erasing_a_co_borrower_asks_to_tick_then_updates_every_tab(
    qtbot, workspace, open_dossier, main_window
):
    detail = _couple(workspace)
    window = open_dossier(detail.id)
    dialog = window.view.actions.erase_person()
    assert "jusqu'à 12 mois" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    click(qtbot, dialog.ok_button)  # nobody is chosen in advance
    assert "Choisissez la personne" in find(dialog, QLabel, "errorLabel").text()
    click(qtbot, find(dialog, QRadioButton, "erasePersonRadio2"))
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    assert "Cochez la case" in find(dialog, QLabel, "errorLabel").text()
    click(qtbot, find(dialog, QCheckBox, "confirmEraseCheck"))
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    assert len(workspace.household.get(detail.id).borrowers) == 1
    assert "Co-emprunteur effacé du dossier" in find(window, QLabel, "messageText").text()
    assert audit_events(workspace, detail.id)[-1].action is AuditAction.PERSON_ERASED


def test_erasing_the_porteur_renames_the_dossier_everywhere(qtbot, workspace, open_dossier):
    detail = _couple(workspace)
    window = open_dossier(detail.id)
    dialog = window.view.actions.erase_person()
    click(qtbot, find(dialog, QRadioButton, "erasePersonRadio1"))
    click(qtbot, find(dialog, QCheckBox, "confirmEraseCheck"))
    click(qtbot, dialog.ok_button)
    assert window.windowTitle() == f"Dossier {detail.number} — DURAND Paul"
    rows = workspace.list_page(ListQuery(tab=ListTab.ALL, search=detail.number), 0, 5)
    assert [row.holder for row in rows] == ["DURAND Paul"]


def test_the_only_person_goes_with_the_whole_dossier(qtbot, workspace, open_dossier, main_window):
    detail = new_dossier(workspace)
    main_window.refresh()
    window = open_dossier(detail.id)
    dialog = window.view.actions.erase_person()
    assert not find(dialog, QRadioButton, "erasePersonRadio1").isEnabled()
    assert find(dialog, QRadioButton, "eraseWholeDossierRadio").isChecked()
    assert find(dialog, QLabel, "onlyPersonLabel").isVisible()
    click(qtbot, find(dialog, QCheckBox, "confirmEraseCheck"))
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: not window.isVisible())
    assert main_window.model.row_of(detail.id) == -1
    assert workspace.list_page(ListQuery(tab=ListTab.ALL, search=detail.number), 0, 5) == []


def test_the_purge_page_lists_old_abandoned_dossiers_and_erases_the_chosen_ones(
    qtbot, workspace, main_window
):
    old = new_dossier(workspace, "Ancien")
    workspace.dossiers.abandon(old.id, old.version, AbandonReason.PROJECT_ABANDONED)
    _age(workspace, old.id, dt.date(2020, 2, 3), dt.datetime(2020, 2, 3, 10))
    main_window.after_start()
    qtbot.waitUntil(lambda: main_window.upkeep.purge_reminder is not None, timeout=10000)
    reminder = main_window.upkeep.purge_reminder
    assert reminder.objectName() == "purgeReminderButton"
    assert "à effacer (RGPD)" in reminder.text()
    click(qtbot, reminder)
    settings = main_window._settings_window
    qtbot.addWidget(settings)
    page = settings.privacy
    assert settings.tabs.currentWidget() is page
    assert main_window.upkeep.purge_reminder is None
    numbers = [page.model.item_at(row).number for row in range(page.model.rowCount())]
    assert old.number in numbers
    assert find(page, QSpinBox, "retentionYearsSpin").value() == 3
    purge_button = find(page, QPushButton, "purgeButton")
    assert not purge_button.isEnabled()
    page.table.selectRow(numbers.index(old.number))
    assert purge_button.isEnabled()
    box = page.ask_purge()
    assert box.objectName() == "purgeDialog"
    assert "1 dossier abandonné" in box.text()
    click(qtbot, box.findChild(QPushButton, "confirmPurgeButton"))
    qtbot.waitUntil(
        lambda: "1 dossier effacé." in find(page, QLabel, "purgeCountLabel").text(),
        timeout=10000,
    )
    assert old.number not in [
        page.model.item_at(row).number for row in range(page.model.rowCount())
    ]
    assert audit_events(workspace, old.id)[-1].action is AuditAction.DOSSIER_PURGED


def test_the_retention_is_saved_from_the_page(qtbot, workspace, main_window):
    settings = main_window.open_settings()
    qtbot.addWidget(settings)
    page = settings.privacy
    spin = find(page, QSpinBox, "retentionYearsSpin")
    spin.setValue(5)
    click(qtbot, find(page, QPushButton, "saveRetentionYearsButton"))
    assert workspace.privacy.retention_years() == 5
    assert "5 ans" in audit_events(workspace)[-1].details
