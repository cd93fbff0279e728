"""Provenances and apporteurs d'affaires (service and page)."""

from __future__ import annotations

import pytest

from app.errors import DomainError, PermissionDenied
from app.office.referential import ReferrerData
from app.validation import valid_siren
from models.enums import ReferrerKind
from tests.helpers import new_dossier

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


def test_siren_checksum():
    assert valid_siren("732829320")  # a real one
    assert not valid_siren("732829321")
    assert not valid_siren("12345678")


def test_a_deactivated_provenance_leaves_the_drop_downs_not_the_dossiers(workspace):
    referential = workspace.referential
    rows = referential.save_provenance(None, "Salon de l'habitat")
    salon = next(r for r in rows if r.name == "Salon de l'habitat")
    detail = new_dossier(workspace, provenance_id=salon.id)
    rows = referential.set_provenance_active(salon.id, False)
    assert "Salon de l'habitat" not in [c.label for c in workspace.office.active_provenances()]
    assert workspace.dossiers.get(detail.id).provenance.label == "Salon de l'habitat"
    assert next(r for r in rows if r.id == salon.id).dossiers == 1
    with pytest.raises(DomainError, match="existe déjà"):
        referential.save_provenance(None, "Notaire")


def test_referrers_with_siren_and_rebate(workspace):
    referential = workspace.referential
    with pytest.raises(DomainError, match="SIREN invalide") as error:
        referential.save_referrer(None, ReferrerData("Agence Sud", siren="123456789"))
    assert error.value.field == "siren"
    with pytest.raises(DomainError, match="pas les deux"):
        referential.save_referrer(
            None, ReferrerData("Agence Sud", rebate_rate_mpct=10_000, rebate_fixed_cents=50_000)
        )
    rows = referential.save_referrer(
        None,
        ReferrerData("Agence Sud", ReferrerKind.COMPANY, "05 56 00 00 00", "732 829 320", 15_000),
    )
    sud = next(r for r in rows if r.data.name == "Agence Sud")
    assert sud.data.siren == "732829320" and sud.data.rebate_rate_mpct == 15_000
    assert "Agence Sud" in [c.label for c in workspace.office.active_referrers()]
    referential.set_referrer_active(sud.id, False)
    assert "Agence Sud" not in [c.label for c in workspace.office.active_referrers()]


def test_referential_needs_the_settings_right(login_as):
    with pytest.raises(PermissionDenied):
        login_as("slegrand").referential.provenances()


def test_referential_page(qtbot, main_window, workspace):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton

    window = main_window.open_settings()
    qtbot.addWidget(window)
    page = window.referential
    qtbot.mouseClick(page.findChild(QPushButton, "addReferrerButton"), Qt.MouseButton.LeftButton)
    dialog = page.findChild(QDialog, "referrerDialog")
    dialog.findChild(QLineEdit, "referrerNameEdit").setText("Cabinet Durand")
    dialog.findChild(QLineEdit, "referrerSirenEdit").setText("111111111")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "SIREN invalide" in dialog.error.text()
    dialog.findChild(QLineEdit, "referrerSirenEdit").setText("732829320")
    dialog.findChild(QLineEdit, "referrerRateEdit").setText("12,5")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    row = next(r for r in workspace.referential.referrers() if r.data.name == "Cabinet Durand")
    assert row.data.rebate_rate_mpct == 12_500
    names = [page.referrer_model.index(r, 0).data() for r in range(page.referrer_model.rowCount())]
    index = names.index("Cabinet Durand")
    assert page.referrer_model.index(index, 2).data() == "12,5 %"
    qtbot.mouseClick(page.findChild(QPushButton, "addProvenanceButton"), Qt.MouseButton.LeftButton)
    name_dialog = page.findChild(QDialog, "nameDialog")
    name_dialog.findChild(QLineEdit, "nameEdit").setText("Foire de Bordeaux")
    qtbot.mouseClick(name_dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "Foire de Bordeaux" in [c.label for c in workspace.office.active_provenances()]


def test_banks(workspace, qtbot, main_window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton

    from app.office.referential import BankData

    referential = workspace.referential
    demo = [row.data.name for row in referential.banks()]  # the demo office's own
    rows = referential.save_bank(None, BankData("Crédit Agricole", "Arcachon", "M. Petit"))
    with pytest.raises(DomainError, match="existe déjà"):
        referential.save_bank(None, BankData("Crédit Agricole", "Arcachon "))
    [bank] = [row for row in rows if row.data.agency == "Arcachon"]
    rows = referential.set_bank_active(bank.id, False)
    assert [row.is_active for row in rows if row.id == bank.id] == [False]
    assert rows[-1].id == bank.id  # the inactive ones last
    window = main_window.open_settings()
    qtbot.addWidget(window)
    page = window.banks
    qtbot.mouseClick(page.findChild(QPushButton, "addBankButton"), Qt.MouseButton.LeftButton)
    dialog = page.findChild(QDialog, "bankDialog")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "nom de la banque" in dialog.error.text()
    dialog.findChild(QLineEdit, "bankNameEdit").setText("LCL")
    dialog.findChild(QLineEdit, "bankAgencyEdit").setText("Talence")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    # Active banks by name (the new LCL agency among the demo's), the inactive one last.
    assert [page.model.index(r, 0).data() for r in range(page.model.rowCount())] == [
        *sorted([*demo, "LCL"]),
        "Crédit Agricole",
    ]
