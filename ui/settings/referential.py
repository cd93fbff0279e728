"""«Provenances et apporteurs»: where dossiers come from, and who brings them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.office.referential import VAT_REGIMES, ProvenanceRow, ReferrerData, ReferrerRow
from app.office.referential_service import ReferentialService
from app.text import format_amount, format_amount_input, parse_amount
from models.enums import ReferrerKind
from ui.common import FormDialog, TableModel, number_field, set_role
from ui.settings.list_page import (
    TEXT_WIDTH,
    EmptyHint,
    ListPage,
    capped,
    roomy_screen,
    section_title,
    table_view,
)
from ui.widgets import DateField


class NameDialog(FormDialog):
    def __init__(
        self, parent: QWidget, title: str, name: str, submit: Callable[[str], object]
    ) -> None:
        super().__init__(parent, title, "nameDialog")
        self._submit = submit
        form = QFormLayout()
        self.name_edit = QLineEdit(name)
        self.name_edit.setObjectName("nameEdit")
        self.name_edit.setMaxLength(100)
        form.addRow("Nom :", self.name_edit)
        self.form.addLayout(form)
        self.fields = {"name": self.name_edit}

    def submit(self) -> object:
        return self._submit(self.name_edit.text())


def _rate_text(mpct: int | None) -> str:
    return "" if mpct is None else f"{mpct / 1000:g}".replace(".", ",")


def _rebate_text(data: ReferrerData) -> str:
    if data.rebate_rate_mpct is not None:
        return f"{_rate_text(data.rebate_rate_mpct)} %"
    return format_amount(data.rebate_fixed_cents) if data.rebate_fixed_cents is not None else ""


class ReferrerDialog(FormDialog):
    def __init__(
        self,
        parent: QWidget,
        submit: Callable[[ReferrerData], list[ReferrerRow]],
        data: ReferrerData | None = None,
    ) -> None:
        super().__init__(parent, "Apporteur d'affaires", "referrerDialog")
        self._submit = submit
        form = QFormLayout()
        self.name_edit = QLineEdit(data.name if data else "")
        self.name_edit.setObjectName("referrerNameEdit")
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("referrerKindCombo")
        self.kind_combo.addItem("Société", ReferrerKind.COMPANY.value)
        self.kind_combo.addItem("Personne", ReferrerKind.PERSON.value)
        if data:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(data.kind.value))
        self.contact_edit = QLineEdit(data.contact if data else "")
        self.contact_edit.setObjectName("referrerContactEdit")
        self.siren_edit = QLineEdit(data.siren if data else "")
        self.siren_edit.setObjectName("referrerSirenEdit")
        self.address_edit = QLineEdit(data.address if data else "")
        self.address_edit.setObjectName("referrerAddressEdit")
        self.address_edit.setPlaceholderText("sur ses notes de ristourne et autofactures")
        self.vat_combo = QComboBox()
        self.vat_combo.setObjectName("referrerVatCombo")
        self.vat_combo.addItem("—", "")
        for key, label in VAT_REGIMES.items():
            self.vat_combo.addItem(label, key)
        self.vat_combo.setCurrentIndex(
            max(0, self.vat_combo.findData(data.vat_regime if data else ""))
        )
        self.vat_number_edit = QLineEdit(data.vat_number if data else "")
        self.vat_number_edit.setObjectName("referrerVatNumberEdit")
        self.mandate_field = DateField("referrerMandateDate", "Mandat d'autofacturation du")
        self.mandate_field.set_value(data.billing_mandate_on if data else None)
        self.mandate_field.setToolTip(
            "Le mandat par lequel la société vous charge d'établir ses factures de ristourne "
            "(article 289 I-2 du CGI)"
        )
        self.rate_edit = number_field(QLineEdit(_rate_text(data.rebate_rate_mpct) if data else ""))
        self.rate_edit.setObjectName("referrerRateEdit")
        self.rate_edit.setPlaceholderText("ex. 15 (% des honoraires)")
        self.fixed_edit = number_field(
            QLineEdit(format_amount_input(data.rebate_fixed_cents) if data else "")
        )
        self.fixed_edit.setObjectName("referrerFixedEdit")
        self.fixed_edit.setPlaceholderText("ou un montant fixe par dossier")
        for label, widget in (
            ("Nom :", self.name_edit),
            ("Type :", self.kind_combo),
            ("Contact :", self.contact_edit),
            ("SIREN :", self.siren_edit),
            ("Adresse :", self.address_edit),
            ("TVA (société) :", self.vat_combo),
            ("N° de TVA :", self.vat_number_edit),
            ("Mandat d'autofacturation du :", self.mandate_field),
            ("Rétrocession (%) :", self.rate_edit),
            ("ou montant (€) :", self.fixed_edit),
        ):
            form.addRow(label, widget)
        self.form.addLayout(form)
        self.fields = {
            "name": self.name_edit,
            "contact": self.contact_edit,
            "siren": self.siren_edit,
            "address": self.address_edit,
            "vat_regime": self.vat_combo,
            "vat_number": self.vat_number_edit,
            "billing_mandate_on": self.mandate_field,
            "rebate_rate_mpct": self.rate_edit,
            "rebate_fixed_cents": self.fixed_edit,
        }
        self.setMinimumWidth(460)

    def submit(self) -> list[ReferrerRow]:
        rate = parse_amount(self.rate_edit.text(), field="rebate_rate_mpct")
        return self._submit(
            ReferrerData(
                self.name_edit.text(),
                ReferrerKind(self.kind_combo.currentData()),
                self.contact_edit.text(),
                self.siren_edit.text(),
                None if rate is None else rate * 10,  # cents of a percent → thousandths
                parse_amount(self.fixed_edit.text(), field="rebate_fixed_cents"),
                self.address_edit.text(),
                self.vat_combo.currentData() or "",
                self.vat_number_edit.text(),
                self.mandate_field.value(),
            )
        )


class ReferentialPage(ListPage):
    """Two lists side by side: the provenances (`table`, `model`) and the referrers."""

    def __init__(self, service: ReferentialService) -> None:
        super().__init__(
            "referentialPage",
            "provenancesTable",
            ("Provenance", "État", "Dossiers"),
            error_name="referentialError",
        )
        self._service = service
        self.provenance_table, self.provenance_model = self.table, self.model
        self.referrer_model = TableModel(
            ("Apporteur d'affaires", "SIREN", "Rétrocession", "État", "Dossiers")
        )
        self.referrer_table = table_view("referrersTable", self.referrer_model)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(
            capped(
                set_role(
                    QLabel(
                        "D'où viennent les dossiers, et qui les apporte (avec sa rétrocession). "
                        "Une provenance ou un apporteur désactivé disparaît des listes de choix "
                        "mais reste sur les dossiers qui l'utilisent."
                    ),
                    "hint",
                ),
                TEXT_WIDTH,
            )
        )
        self.provenances_empty = EmptyHint(
            self.provenance_table,
            "provenancesEmpty",
            "Aucune provenance.\nAjoutez d'où viennent vos dossiers (site internet, notaire, "
            "bouche-à-oreille…) : « Ajouter… », sous la liste.",
        )
        self.referrers_empty = EmptyHint(
            self.referrer_table,
            "referrersEmpty",
            "Aucun apporteur d'affaires.\nAjoutez les agences, notaires ou partenaires qui "
            "vous apportent des dossiers, et leur rétrocession : « Ajouter… », sous la liste.",
        )
        layout = QBoxLayout(
            QBoxLayout.Direction.LeftToRight  # one above the other on a small screen
            if roomy_screen(self)
            else QBoxLayout.Direction.TopToBottom
        )
        layout.setSpacing(16)
        outer.addLayout(layout, 1)
        for title, table, buttons, stretch in (
            (
                "Provenances",
                self.provenance_table,
                (
                    ("addProvenanceButton", "Ajouter…", self.add_provenance),
                    ("renameProvenanceButton", "Renommer…", self.rename_provenance),
                    ("toggleProvenanceButton", "Désactiver / réactiver", self.toggle_provenance),
                ),
                2,
            ),
            (
                "Apporteurs d'affaires",
                self.referrer_table,
                (
                    ("addReferrerButton", "Ajouter…", self.add_referrer),
                    ("editReferrerButton", "Modifier…", self.edit_referrer),
                    ("toggleReferrerButton", "Désactiver / réactiver", self.toggle_referrer),
                ),
                3,
            ),
        ):
            column = QVBoxLayout()
            column.setSpacing(4)
            column.addWidget(section_title(title))
            column.addWidget(table, 1)
            column.addLayout(self.button_row(buttons))
            layout.addLayout(column, stretch)
        outer.addWidget(self.error)
        self.show_provenances(service.provenances())
        self.show_referrers(service.referrers())

    def show_provenances(self, rows: list[ProvenanceRow]) -> None:
        self.provenance_model.set_rows(
            rows,
            [(r.name, "Active" if r.is_active else "Désactivée", str(r.dossiers)) for r in rows],
        )

    def show_referrers(self, rows: list[ReferrerRow]) -> None:
        self.referrer_model.set_rows(
            rows,
            [
                (
                    r.data.name,
                    r.data.siren,
                    _rebate_text(r.data),
                    "Actif" if r.is_active else "Désactivé",
                    str(r.dossiers),
                )
                for r in rows
            ],
        )

    def add_provenance(self) -> NameDialog:
        return self.open_dialog(
            NameDialog(
                self,
                "Nouvelle provenance",
                "",
                lambda name: self._service.save_provenance(None, name),
            ),
            self.show_provenances,
        )

    def rename_provenance(self) -> NameDialog | None:
        row: ProvenanceRow | None = self.selected(self.provenance_table)
        if row is None:
            return None
        return self.open_dialog(
            NameDialog(
                self,
                "Renommer la provenance",
                row.name,
                lambda name: self._service.save_provenance(row.id, name),
            ),
            self.show_provenances,
        )

    def toggle_provenance(self) -> None:
        self.toggle_active(
            self._service.set_provenance_active, self.show_provenances, self.provenance_table
        )

    def add_referrer(self) -> ReferrerDialog:
        return self.open_dialog(
            ReferrerDialog(self, lambda data: self._service.save_referrer(None, data)),
            self.show_referrers,
        )

    def edit_referrer(self) -> ReferrerDialog | None:
        row: ReferrerRow | None = self.selected(self.referrer_table)
        if row is None:
            return None
        return self.open_dialog(
            ReferrerDialog(self, lambda data: self._service.save_referrer(row.id, data), row.data),
            self.show_referrers,
        )

    def toggle_referrer(self) -> None:
        self.toggle_active(
            self._service.set_referrer_active, self.show_referrers, self.referrer_table
        )
