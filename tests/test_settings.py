"""«Paramètres»: pipeline steps and the audit log (service level)."""

from __future__ import annotations

import csv

import pytest

from app.errors import DomainError, PermissionDenied
from app.listing import ListQuery
from app.office.machine import MachineSettings
from app.office.numbering import NumberingFormat
from app.office.settings_service import check_step_order
from models.enums import AbandonReason, AuditAction
from tests.helpers import new_dossier

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


def active(rows):
    return [(r.name, r.percent) for r in rows if r.is_active]


def test_step_order_rules():
    check_step_order([("A", 10), ("B", 100)])
    with pytest.raises(DomainError, match="croître"):
        check_step_order([("A", 50), ("B", 40), ("C", 100)])
    with pytest.raises(DomainError, match="100 %"):
        check_step_order([("A", 10), ("B", 90)])
    with pytest.raises(DomainError, match="au moins une"):
        check_step_order([])


def test_add_rename_reorder_steps(workspace):
    settings = workspace.settings
    rows = settings.add_step("Dépôt en banque", 40)
    assert active(rows)[2] == ("Dépôt en banque", 40)
    new_id = next(r.id for r in rows if r.name == "Dépôt en banque")
    rows = settings.rename_step(new_id, " Dossier  déposé ")
    assert active(rows)[2] == ("Dossier déposé", 40)
    rows = settings.move_step(new_id, -1)  # percentages stay with the places
    assert active(rows)[1:3] == [("Dossier déposé", 30), ("RDV banque", 40)]
    with pytest.raises(DomainError, match="croître"):
        settings.set_percent(new_id, 90)
    with pytest.raises(DomainError, match="extrémité"):
        settings.move_step(active_id(settings, "Client créé"), -1)
    assert settings.audit_events(action=AuditAction.STEPS_CHANGED)


def active_id(settings, name):
    return next(r.id for r in settings.steps() if r.name == name and r.is_active)


def test_deactivating_a_step_moves_its_dossiers_and_keeps_history(workspace):
    settings = workspace.settings
    detail = new_dossier(workspace)
    detail = workspace.dossiers.move_step(detail.id, detail.version, 1)  # RDV banque
    rdv = active_id(settings, "RDV banque")
    with pytest.raises(DomainError, match="choisissez l'étape") as error:
        settings.deactivate_step(rdv, None)
    assert error.value.field == "move_to"
    rows = settings.deactivate_step(rdv, active_id(settings, "Accord de principe"))
    assert "RDV banque" not in [n for n, _p in active(rows)]
    fresh = workspace.dossiers.get(detail.id)
    assert fresh.current_step.name == "Accord de principe"
    assert [h.step_name for h in fresh.history] == [
        "Client créé",
        "RDV banque",
        "Accord de principe",
    ]
    assert fresh.history[1].step_name == "RDV banque"  # the past is not rewritten
    rows_list = workspace.list_page(ListQuery(search=fresh.number), 0, 1)
    assert rows_list[0].step == "Accord de principe"
    rows = settings.reactivate_step(rdv)
    assert ("RDV banque", 30) in active(rows)


def test_the_last_step_stays_at_100_percent(workspace):
    settings = workspace.settings
    last = active_id(settings, "Dossier clôturé")
    with pytest.raises(DomainError, match="100 %"):
        settings.set_percent(last, 95)
    moved_to = active_id(settings, "Signature de l'offre")
    with pytest.raises(DomainError, match="100 %"):
        settings.deactivate_step(last, moved_to)


def test_settings_need_the_right(login_as):
    courtier = login_as("slegrand")
    with pytest.raises(PermissionDenied):
        courtier.settings.steps()
    with pytest.raises(PermissionDenied):
        courtier.settings.audit_events()


def test_audit_viewer_filters_and_csv_export(workspace, tmp_path):
    detail = new_dossier(workspace)
    workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.COMPETITION)
    settings = workspace.settings
    events = settings.audit_events(dossier_number=detail.number)
    assert [e.action for e in events] == [
        AuditAction.DOSSIER_ABANDONED,
        AuditAction.DOSSIER_CREATED,
    ]
    assert settings.audit_events(login="nobody") == []
    assert "admin" in settings.audit_logins()
    target = tmp_path / "export" / "journal.csv"
    count = settings.export_audit_csv(target, dossier_number=detail.number)
    assert count == 2
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0] == ["Date", "Utilisateur", "Action", "N° de dossier", "Détails"]
    assert rows[1][2] == "Abandon" and rows[1][3] == detail.number
    assert settings.audit_events(action=AuditAction.AUDIT_EXPORTED)  # the export is logged


# --- the «Paramètres» window ---


def test_settings_menu_only_for_managers(qtbot, main_window, login_as):
    from PySide6.QtGui import QAction

    from ui.main_window import MainWindow

    assert main_window.findChild(QAction, "settingsAction") is not None
    courtier_window = MainWindow(login_as("slegrand"))
    qtbot.addWidget(courtier_window)
    assert courtier_window.findChild(QAction, "settingsAction") is None
    qtbot.waitUntil(lambda: not courtier_window.counts_pending)
    courtier_window.shut_down()  # its list readers closed (a server's connections warn)


def test_steps_page_adds_moves_and_deactivates(qtbot, main_window, workspace):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QPushButton, QSpinBox

    detail = new_dossier(workspace)
    window = main_window.open_settings()
    qtbot.addWidget(window)
    page = window.steps
    qtbot.mouseClick(page.findChild(QPushButton, "addStepButton"), Qt.MouseButton.LeftButton)
    dialog = page.findChild(QDialog, "stepDialog")
    dialog.findChild(QLineEdit, "stepNameEdit").setText("Dépôt en banque")
    dialog.findChild(QSpinBox, "stepPercentSpin").setValue(10)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "croître" in dialog.error.text()  # 10 % is already «Client créé»
    dialog.findChild(QSpinBox, "stepPercentSpin").setValue(40)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    names = [page.model.index(r, 1).data() for r in range(page.model.rowCount())]
    assert names[:4] == ["Client créé", "RDV banque", "Dépôt en banque", "Accord de principe"]
    page.table.selectRow(0)
    qtbot.mouseClick(page.findChild(QPushButton, "deactivateStepButton"), Qt.MouseButton.LeftButton)
    move = page.findChild(QDialog, "deactivateStepDialog")
    combo = move.findChild(QComboBox, "moveToCombo")
    assert combo.isVisible()
    assert any(
        "dossier(s) sont à cette étape" in label.text() for label in move.findChildren(QLabel)
    )
    combo.setCurrentIndex(combo.findText("RDV banque (30 %)"))
    qtbot.mouseClick(move.ok_button, Qt.MouseButton.LeftButton)
    assert "10 %" not in [
        page.model.index(r, 2).data()
        for r in range(page.model.rowCount())
        if page.model.item_at(r).is_active
    ]
    assert workspace.dossiers.get(detail.id).current_step.name == "RDV banque"
    page.table.selectRow(0)
    qtbot.mouseClick(page.findChild(QPushButton, "stepUpButton"), Qt.MouseButton.LeftButton)
    assert "extrémité" in page.findChild(QLabel, "stepsError").text()


def test_audit_page_filters_and_exports(qtbot, main_window, workspace, tmp_path):
    from PySide6.QtWidgets import QComboBox, QLineEdit

    detail = new_dossier(workspace)
    workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.OTHER, "Départ")
    window = main_window.open_settings()
    qtbot.addWidget(window)
    page = window.audit
    page.dossier_edit.setText(detail.number)
    actions = [page.model.index(r, 2).data() for r in range(page.model.rowCount())]
    assert actions == ["Abandon", "Création de dossier"]
    combo = page.findChild(QComboBox, "auditActionCombo")
    combo.setCurrentIndex(combo.findText("Abandon"))
    assert page.model.rowCount() == 1
    assert page.model.index(0, 4).data() == "Autre"  # the reason, never the free text
    assert page.export(str(tmp_path / "audit.csv")) == 1
    assert "1 ligne(s) exportée(s)" in page.count_label.text()
    assert isinstance(page.findChild(QLineEdit, "auditDossierEdit"), QLineEdit)


def test_numbering_with_an_office_prefix_and_a_laptop_prefix(workspace, login_as):
    settings = workspace.settings
    assert settings.numbering() == (NumberingFormat(), "")
    with pytest.raises(DomainError, match="Préfixe"):
        settings.save_numbering("AG 1", True, 5, "")
    with pytest.raises(DomainError, match="3 à 8"):
        settings.save_numbering("AG", True, 2, "")
    example = settings.save_numbering("ag", True, 4, "l2")
    assert settings.audit_events(action=AuditAction.SETTINGS_CHANGED)[0].details.startswith(
        "Numérotation"
    )
    year = __import__("datetime").date.today().year
    assert example == f"AG-L2-{year}-0042"
    assert MachineSettings().machine_prefix() == "L2"
    fresh = login_as("admin")  # a new session reads this laptop's prefix
    first = new_dossier(fresh)
    second = new_dossier(fresh)
    assert first.number == f"AG-L2-{year}-0001" and second.number == f"AG-L2-{year}-0002"
    settings.save_numbering("", True, 5, "")
    assert new_dossier(login_as("admin")).number.startswith(f"{year}-")


def test_numbering_page(qtbot, main_window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

    window = main_window.open_settings()
    qtbot.addWidget(window)
    page = window.numbering
    page.findChild(QLineEdit, "numberingPrefixEdit").setText("cab")
    page.findChild(QLineEdit, "machinePrefixEdit").setText("P1")
    year = __import__("datetime").date.today().year
    assert f"CAB-P1-{year}-00042" in page.findChild(QLabel, "numberingExample").text()
    page.findChild(QLineEdit, "machinePrefixEdit").setText("P 1")
    qtbot.mouseClick(page.findChild(QPushButton, "saveNumberingButton"), Qt.MouseButton.LeftButton)
    assert "Préfixe" in page.findChild(QLabel, "numberingError").text()
    page.findChild(QLineEdit, "machinePrefixEdit").setText("P1")
    qtbot.mouseClick(page.findChild(QPushButton, "saveNumberingButton"), Qt.MouseButton.LeftButton)
    assert "Enregistré" in page.findChild(QLabel, "numberingExample").text()
