"""«Banques»: the banks (and agencies) the office submits dossiers to."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFormLayout, QLineEdit, QVBoxLayout, QWidget

from app.office.referential import BankData, BankRow
from app.office.referential_service import ReferentialService
from ui.common import FormDialog
from ui.settings.list_page import ListPage


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
        for label, widget in (
            ("Banque :", self.name_edit),
            ("Agence :", self.agency_edit),
            ("Contact :", self.contact_edit),
        ):
            form.addRow(label, widget)
        self.form.addLayout(form)
        self.fields = {"name": self.name_edit, "agency": self.agency_edit}
        self.setMinimumWidth(420)

    def submit(self) -> list[BankRow]:
        return self._submit(
            BankData(self.name_edit.text(), self.agency_edit.text(), self.contact_edit.text())
        )


class BanksPage(ListPage):
    def __init__(self, service: ReferentialService) -> None:
        super().__init__(
            "banksPage",
            "banksTable",
            ("Banque", "Agence", "Contact", "État"),
            error_name="banksError",
        )
        self._service = service
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
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
