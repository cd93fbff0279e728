"""«Société»: identity and legal mentions printed on PDFs and invoices."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.office.company import LEGAL_FORMS, ORIAS_CATEGORIES, VAT_STATUSES, Company
from app.office.company_service import CompanyService
from ui.common import plain, set_role
from ui.settings.list_page import Page

_COMPANY_FIELDS = (
    ("name", "Raison sociale*"),
    ("legal_form", "Forme juridique"),
    ("share_capital", "Capital social"),
    ("rcs_city", "Greffe du RCS (ville)"),
    ("address", "Adresse"),
    ("postal_code", "Code postal"),
    ("city", "Ville"),
    ("phone", "Téléphone"),
    ("email", "E-mail"),
    ("siren", "SIREN"),
    ("orias_number", "N° ORIAS"),
    ("orias_category", "Catégorie ORIAS"),
    ("insurer", "Assureur RC Pro"),
    ("association", "Association professionnelle"),
    ("mediator", "Médiateur"),
    ("vat_status", "TVA"),
    ("vat_number", "N° de TVA intracommunautaire"),
    ("iban", "IBAN"),
    ("bic", "BIC"),
)


_CHOICES = {
    "legal_form": LEGAL_FORMS,
    "orias_category": ORIAS_CATEGORIES,
    "vat_status": VAT_STATUSES,
}


class CompanyPage(Page):
    """One field per mention (`widgets`, also the fields a refusal marks) and the logo."""

    def __init__(self, service: CompanyService) -> None:
        super().__init__("companyPage", "companyError")
        self._service = service
        self._logo: Path | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.widgets: dict[str, QWidget] = {}
        for name, label in _COMPANY_FIELDS:
            if name in _CHOICES:
                widget: QWidget = QComboBox()
                widget.addItem("—", "")
                for choice in _CHOICES[name]:
                    widget.addItem(choice, choice)
                widget.setEditable(name == "legal_form")  # «SCOP SARL», «SELAS»…
            else:
                widget = QLineEdit()
            widget.setObjectName("company" + "".join(p.title() for p in name.split("_")))
            if name == "vat_number":  # EN 16931 wants it of the seller, even when exempt
                widget.setToolTip(
                    "Nécessaire aux factures électroniques (Factur-X) adressées aux banques, "
                    "même sans TVA facturée"
                )
            widget.setAccessibleName(label)
            self.widgets[name] = widget
            form.addRow(label + " :", widget)
        self.fields = self.widgets
        logo_row = QHBoxLayout()
        self.logo_label = plain(set_role(QLabel(), "hint"))  # shows the file's name
        self.logo_label.setObjectName("companyLogoLabel")
        choose = QPushButton("Choisir le logo…")
        choose.setObjectName("chooseLogoButton")
        choose.clicked.connect(self.choose_logo)
        logo_row.addWidget(self.logo_label, 1)
        logo_row.addWidget(choose)
        form.addRow("Logo :", logo_row)
        layout.addLayout(form)
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setObjectName("saveCompanyButton")
        self.save_button.clicked.connect(self.save)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.show_company(service.get())

    def show_company(self, company: Company) -> None:
        for name, widget in self.widgets.items():
            value = getattr(company, name)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
                if widget.isEditable():
                    widget.setEditText(value)
            elif isinstance(widget, QLineEdit):
                widget.setText(value)
        self.logo_label.setText("Logo enregistré" if company.logo_hash else "Aucun logo")

    def choose_logo(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, "Logo du cabinet", "", "Images (*.png *.jpg *.jpeg)"
            )
        if path:
            self._logo = Path(path)
            self.logo_label.setText(f"{self._logo.name} (enregistré avec le formulaire)")

    def save(self) -> None:
        values = {name: _value(widget) for name, widget in self.widgets.items()}
        current = self._service.get()
        self.run(
            lambda: self._service.save(Company(**values, logo_hash=current.logo_hash), self._logo),
            self._saved,
        )

    def _saved(self, company: Company) -> None:
        self._logo = None
        self.show_company(company)
        self.logo_label.setText(self.logo_label.text() + " — société enregistrée.")


def _value(widget: QWidget) -> str:
    if isinstance(widget, QComboBox):
        if widget.isEditable():  # a form typed in, or one of the list
            return "" if widget.currentText().strip() in ("", "—") else widget.currentText()
        return widget.currentData() or ""
    assert isinstance(widget, QLineEdit)
    return widget.text()
