"""«Société»: identity and legal mentions, IBAN / BIC / SIREN / ORIAS checks, logo."""

from __future__ import annotations

import pytest

from app.errors import DomainError, PermissionDenied
from app.office.company import Company, legal_identity
from app.validation import valid_iban

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


GOOD = Company(
    name="Cabinet Marchetti Courtage",
    legal_form="SAS",
    share_capital="5000,00",
    rcs_city="Bordeaux",
    address="12 cours de l'Intendance",
    postal_code="33000",
    city="Bordeaux",
    phone="05.56.00.00.00",
    siren="732 829 320",
    orias_number="12345678",
    orias_category="COBSP",
    insurer="Hiscox",
    association="APIC",
    mediator="Médiateur de l'ANM Conso",
    vat_status="Non assujetti (article 261 C du CGI)",
    iban="fr76 3000 6000 0112 3456 7890 189",
    bic="agrifrpp",
)


def test_iban_checksum():
    assert valid_iban("FR7630006000011234567890189")
    assert not valid_iban("FR7630006000011234567890188")
    assert not valid_iban("FR76300060000112345")


def test_company_details_are_checked_and_normalised(workspace):
    saved = workspace.company.save(GOOD)
    assert saved.iban == "FR76 3000 6000 0112 3456 7890 189" and saved.bic == "AGRIFRPP"
    assert saved.siren == "732829320" and saved.phone == "05 56 00 00 00"
    assert workspace.company.get() == saved
    assert saved.share_capital == "5 000 €"
    assert legal_identity(saved) == "SAS au capital de 5 000 € — RCS Bordeaux 732 829 320"
    assert legal_identity(Company(siren="732829320")) == "SIREN 732 829 320"
    for changes, field in (
        ({"share_capital": "cinq mille"}, "share_capital"),
        ({"share_capital": "0"}, "share_capital"),
        ({"iban": "FR76 3000 6000 0112 3456 7890 180"}, "iban"),
        ({"bic": "AGRI"}, "bic"),
        ({"siren": "123456789"}, "siren"),
        ({"orias_number": "1234"}, "orias_number"),
        ({"name": " "}, "name"),
    ):
        from dataclasses import replace

        with pytest.raises(DomainError) as error:
            workspace.company.save(replace(GOOD, **changes))
        assert error.value.field == field
    assert workspace.company.get() == saved


def test_logo_is_stored_with_the_documents(workspace, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n fake image")
    saved = workspace.company.save(GOOD, logo)
    assert workspace.company.logo(saved) == logo.read_bytes()
    with pytest.raises(DomainError, match="PNG ou JPEG"):
        workspace.company.save(GOOD, tmp_path / "logo.exe")


def test_company_needs_the_settings_right(login_as):
    with pytest.raises(PermissionDenied):
        login_as("slegrand").company.save(GOOD)


def test_company_page(qtbot, main_window, workspace, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

    window = main_window.open_settings()
    qtbot.addWidget(window)
    page = window.company
    page.findChild(QLineEdit, "companyName").setText("Cabinet Marchetti")
    page.findChild(QLineEdit, "companyIban").setText("FR76 3000 6000 0112 3456 7890 180")
    qtbot.mouseClick(page.findChild(QPushButton, "saveCompanyButton"), Qt.MouseButton.LeftButton)
    assert "IBAN invalide" in page.findChild(QLabel, "companyError").text()
    page.findChild(QLineEdit, "companyIban").setText("FR7630006000011234567890189")
    form = page.findChild(QComboBox, "companyLegalForm")
    form.setEditText("SELAS")  # a form not in the list, typed
    page.findChild(QLineEdit, "companyShareCapital").setText("7500")
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n fake")
    page.choose_logo(str(logo))
    qtbot.mouseClick(page.findChild(QPushButton, "saveCompanyButton"), Qt.MouseButton.LeftButton)
    saved = workspace.company.get()
    assert (
        saved.name == "Cabinet Marchetti" and saved.iban.startswith("FR76 3000") and saved.logo_hash
    )
    assert (saved.legal_form, saved.share_capital) == ("SELAS", "7 500 €")
    assert page.findChild(QLineEdit, "companyShareCapital").text() == "7 500 €"
    assert form.currentText() == "SELAS"
    assert page.findChild(QLineEdit, "companyIban").text() == "FR76 3000 6000 0112 3456 7890 189"
