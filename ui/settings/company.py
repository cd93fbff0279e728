"""«Société»: identity and legal mentions printed on PDFs and invoices."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.office.company import LEGAL_FORMS, ORIAS_CATEGORIES, VAT_STATUSES, Company
from app.office.company_service import CompanyService
from ui.common import plain, scrolling, set_role
from ui.settings.list_page import (
    FIELD_WIDTH,
    TEXT_WIDTH,
    Page,
    align_labels,
    capped,
    form_layout,
)

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
_LABELS = dict(_COMPANY_FIELDS)

# The form's groups, in the order they are shown (every field of _COMPANY_FIELDS once).
_GROUPS = (
    ("Identité", ("name", "legal_form", "share_capital", "rcs_city", "siren")),
    ("Coordonnées", ("address", "postal_code", "city", "phone", "email")),
    (
        "Intermédiaire en opérations de banque",
        ("orias_number", "orias_category", "insurer", "association", "mediator"),
    ),
    ("Facturation", ("vat_status", "vat_number", "iban", "bic")),
)

# Short data, short fields (the others grow up to FIELD_WIDTH).
_WIDTHS = {
    "share_capital": 180,
    "rcs_city": 280,
    "postal_code": 110,
    "city": 280,
    "phone": 200,
    "siren": 200,
    "orias_number": 200,
    "orias_category": 280,
    "legal_form": 280,
    "vat_number": 260,
    "iban": 380,
    "bic": 200,
}


_CHOICES = {
    "legal_form": LEGAL_FORMS,
    "orias_category": ORIAS_CATEGORIES,
    "vat_status": VAT_STATUSES,
}


class CompanyPage(Page):
    """One field per mention (`widgets`, also the fields a refusal marks) and the logo, by
    group; the groups scroll, «Enregistrer» stays in view under them."""

    def __init__(self, service: CompanyService) -> None:
        super().__init__("companyPage", "companyError")
        self._service = service
        self._logo: Path | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        content.setObjectName("companyForm")
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 12, 0)
        column.addWidget(
            capped(
                set_role(
                    QLabel(
                        "Les mentions légales du cabinet, imprimées sur ses documents et ses "
                        "factures. La raison sociale (*) est obligatoire ; une facture exige "
                        "aussi l'adresse, le SIREN, la forme juridique, le capital social, le "
                        "greffe du RCS et le n° ORIAS."
                    ),
                    "hint",
                ),
                TEXT_WIDTH,
            )
        )
        self.widgets: dict[str, QWidget] = {}
        forms: list[QFormLayout] = []
        for title, names in _GROUPS:
            box = QGroupBox(title)
            box.setMaximumWidth(TEXT_WIDTH)
            form = form_layout()
            box.setLayout(form)
            for name in names:
                self.widgets[name] = widget = self._field(name)
                form.addRow(_LABELS[name] + " :", widget)
            forms.append(form)
            column.addWidget(box)
        logo_row = QHBoxLayout()
        self.logo_label = plain(set_role(QLabel(), "hint"))  # shows the file's name
        self.logo_label.setObjectName("companyLogoLabel")
        choose = QPushButton("Choisir le logo…")
        choose.setObjectName("chooseLogoButton")
        choose.clicked.connect(self.choose_logo)
        logo_row.addWidget(choose)
        logo_row.addWidget(self.logo_label, 1)
        forms[-1].addRow("Logo :", logo_row)
        align_labels(*forms)
        column.addStretch(1)
        self.widgets = {name: self.widgets[name] for name, _label in _COMPANY_FIELDS}
        self.fields = self.widgets
        area = scrolling(content)
        area.setMaximumWidth(TEXT_WIDTH + area.verticalScrollBar().sizeHint().width() + 16)
        layout.addWidget(area, 1)
        footer = QHBoxLayout()
        footer.setContentsMargins(0, 8, 0, 0)
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setObjectName("saveCompanyButton")
        self.save_button.clicked.connect(self.save)
        footer.addWidget(self.save_button)
        footer.addWidget(self.error, 1)
        footer.addStretch(1)
        layout.addLayout(footer)
        self.show_company(service.get())

    def _field(self, name: str) -> QWidget:
        label = _LABELS[name]
        if name in _CHOICES:
            combo = QComboBox()
            combo.addItem("—", "")
            for choice in _CHOICES[name]:
                combo.addItem(choice, choice)
            combo.setEditable(name == "legal_form")  # «SCOP SARL», «SELAS»…
            widget: QWidget = combo
        else:
            widget = QLineEdit()
        widget.setObjectName("company" + "".join(p.title() for p in name.split("_")))
        if name == "vat_number":  # EN 16931 wants it of the seller, even when exempt
            widget.setToolTip(
                "Nécessaire aux factures électroniques (Factur-X) adressées aux banques, "
                "même sans TVA facturée"
            )
        widget.setAccessibleName(label)
        return capped(widget, _WIDTHS.get(name, FIELD_WIDTH))

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
