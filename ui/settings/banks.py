"""«Banques»: the banks (and agencies) the office submits dossiers to."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.office.referential import BankData, BankRow
from app.office.referential_service import ReferentialService
from app.simulation.plans import parse_rate
from app.simulation.summary import percent
from app.text import format_amount, format_amount_input, parse_amount
from ui.common import FormDialog, number_field, set_role
from ui.settings.list_page import TEXT_WIDTH, EmptyHint, ListPage, capped


class BankDialog(FormDialog):
    def __init__(
        self,
        parent: QWidget,
        submit: Callable[[BankData], list[BankRow]],
        data: BankData | None = None,
    ) -> None:
        super().__init__(parent, "Banque", "bankDialog")
        self._submit = submit
        form = QFormLayout()
        self.name_edit = QLineEdit(data.name if data else "")
        self.name_edit.setObjectName("bankNameEdit")
        self.agency_edit = QLineEdit(data.agency if data else "")
        self.agency_edit.setObjectName("bankAgencyEdit")
        self.contact_edit = QLineEdit(data.contact if data else "")
        self.contact_edit.setObjectName("bankContactEdit")
        rate = data.commission_rate_mpct if data else None
        self.rate_edit = number_field(
            QLineEdit(
                ""
                if rate is None
                else f"{Decimal(rate) / 1000:f}".rstrip("0").rstrip(".").replace(".", ",")
            )
        )
        self.rate_edit.setObjectName("bankCommissionRateEdit")
        self.rate_edit.setPlaceholderText("ex. 0,5 (% du montant prêté)")
        fixed = data.commission_fixed_cents if data else None
        self.fixed_edit = number_field(
            QLineEdit("" if fixed is None else format_amount_input(fixed))
        )
        self.fixed_edit.setObjectName("bankCommissionFixedEdit")
        self.fixed_edit.setPlaceholderText("ou un forfait en €")
        self.address_edit = QLineEdit(data.address if data else "")
        self.address_edit.setObjectName("bankAddressEdit")
        self.address_edit.setPlaceholderText("Adresse de facturation des commissions")
        self.siren_edit = QLineEdit(data.siren if data else "")
        self.siren_edit.setObjectName("bankSirenEdit")
        for label, widget in (
            ("Banque :", self.name_edit),
            ("Agence :", self.agency_edit),
            ("Contact :", self.contact_edit),
            ("Adresse :", self.address_edit),
            ("SIREN / SIRET :", self.siren_edit),
            ("Commission (% du prêt) :", self.rate_edit),
            ("ou commission forfaitaire (€) :", self.fixed_edit),
        ):
            form.addRow(label, widget)
        self.form.addLayout(form)
        self.fields = {
            "name": self.name_edit,
            "agency": self.agency_edit,
            "commission_rate": self.rate_edit,
            "commission_fixed": self.fixed_edit,
            "address": self.address_edit,
            "siren": self.siren_edit,
        }
        self.setMinimumWidth(420)

    def submit(self) -> list[BankRow]:
        rate_text = self.rate_edit.text().strip()
        rate = parse_rate(rate_text, "commission_rate", "Taux de commission") if rate_text else None
        return self._submit(
            BankData(
                self.name_edit.text(),
                self.agency_edit.text(),
                self.contact_edit.text(),
                None if rate is None else int(rate * 1000),
                parse_amount(self.fixed_edit.text(), "commission_fixed"),
                self.address_edit.text(),
                self.siren_edit.text(),
            )
        )


def _commission(data: BankData) -> str:
    if data.commission_rate_mpct is not None:
        return percent(Decimal(data.commission_rate_mpct) / 1000) + " du prêt"
    if data.commission_fixed_cents is not None:
        return format_amount(data.commission_fixed_cents)
    return "—"


class BanksPage(ListPage):
    def __init__(self, service: ReferentialService) -> None:
        super().__init__(
            "banksPage",
            "banksTable",
            ("Banque", "Agence", "Contact", "Commission", "État"),
            error_name="banksError",
        )
        self._service = service
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            capped(
                set_role(
                    QLabel(
                        "Les banques et agences auxquelles le cabinet présente ses dossiers, "
                        "avec la commission qu'elles lui versent. Une banque désactivée ne "
                        "se propose plus mais reste sur les dossiers qui l'utilisent."
                    ),
                    "hint",
                ),
                TEXT_WIDTH,
            )
        )
        layout.addWidget(self.table, 1)
        self.empty_hint = EmptyHint(
            self.table,
            "banksEmpty",
            "Aucune banque enregistrée.\nAjoutez les banques avec lesquelles le cabinet "
            "travaille : « Ajouter… », sous la liste. Elles seront proposées dans les "
            "simulations et le pipeline des dossiers.",
        )
        layout.addLayout(
            self.button_row(
                (
                    ("addBankButton", "Ajouter…", self.add),
                    ("editBankButton", "Modifier…", self.edit),
                    ("toggleBankButton", "Désactiver / réactiver", self.toggle),
                )
            )
        )
        layout.addWidget(self.error)
        self.show_banks(service.banks())

    def show_banks(self, rows: list[BankRow]) -> None:
        self.model.set_rows(
            rows,
            [
                (
                    r.data.name,
                    r.data.agency,
                    r.data.contact,
                    _commission(r.data),
                    "Active" if r.is_active else "Désactivée",
                )
                for r in rows
            ],
        )

    def add(self) -> BankDialog:
        return self.open_dialog(
            BankDialog(self, lambda data: self._service.save_bank(None, data)), self.show_banks
        )

    def edit(self) -> BankDialog | None:
        row: BankRow | None = self.selected()
        if row is None:
            return None
        return self.open_dialog(
            BankDialog(self, lambda data: self._service.save_bank(row.id, data), row.data),
            self.show_banks,
        )

    def toggle(self) -> None:
        self.toggle_active(self._service.set_bank_active, self.show_banks)
