"""The dossier's «Facturation» tab: its invoices and credit notes with their payments and what
remains due; a new invoice (of a kind, proposed from the dossier), issue, credit note,
payment. An issued invoice is never edited: the buttons say what French rules allow."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSpinBox,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.errors import DomainError
from app.invoicing.invoices import InvoiceData, PaymentData, paper_title
from app.text import format_amount, format_amount_input, format_date, parse_amount
from models.enums import DocumentFolder, InvoiceKind, InvoiceState, PaymentMeans
from ui.backup_ui import ProgressRun
from ui.columns import ColumnFitter
from ui.common import ErrorLabel, FormDialog, confirm, number_field, plain, push_button, set_role
from ui.operations import attempt, show_failure
from ui.widgets import DateField
from ui.workers import Background

if TYPE_CHECKING:  # the services import SQLAlchemy
    from app.invoicing.dossier_invoices import DossierInvoices, InvoiceRow
    from app.invoicing.invoice_service import InvoiceService
    from ui.dossier_window import DossierView

_ROLE = Qt.ItemDataRole.UserRole
COLUMNS = ("N°", "Type", "Destinataire", "Émise le", "Échéance", "TTC", "Payé", "Reste dû", "État")
_STATE_COLOURS = {
    "En retard": "#b42318",
    "Payée": "#1a7f37",
    "Annulée": "#7b8794",
    "À rembourser": "#b54708",
}


class InvoiceDialog(FormDialog):
    """A draft invoice: recipient, designation, amount before tax, dates."""

    def __init__(self, parent: QWidget, data: InvoiceData, submit, title: str) -> None:
        super().__init__(parent, title, "invoiceEditor")
        self._submit = submit
        self._kind = data.kind
        self._ids = (data.bank_id, data.referrer_id)
        form = QFormLayout()
        self.kind_label = QLabel(data.kind.label)
        self.name_edit = QLineEdit(data.recipient_name)
        self.name_edit.setObjectName("invoiceRecipientEdit")
        self.address_edit = QLineEdit(data.recipient_address)
        self.address_edit.setObjectName("invoiceAddressEdit")
        self.siren_edit = QLineEdit(data.recipient_siren)
        self.siren_edit.setObjectName("invoiceSirenEdit")
        self.business_check = QCheckBox("Client professionnel (indemnité de recouvrement de 40 €)")
        self.business_check.setObjectName("invoiceBusinessCheck")
        self.business_check.setChecked(data.recipient_is_business)
        self.description_edit = QLineEdit(data.description)
        self.description_edit.setObjectName("invoiceDescriptionEdit")
        self.amount_edit = QLineEdit(
            format_amount_input(data.amount_cents) if data.amount_cents else ""
        )
        self.amount_edit.setObjectName("invoiceAmountEdit")
        number_field(self.amount_edit)
        self.amount_edit.setPlaceholderText("Montant hors taxes (€)")
        self.service_field = DateField("invoiceServiceDate", "Date de la prestation")
        self.service_field.set_value(data.service_on)
        self.days_spin = QSpinBox()
        self.days_spin.setObjectName("invoicePaymentDaysSpin")
        self.days_spin.setRange(0, 60)
        self.days_spin.setSuffix(" jours")
        self.days_spin.setValue(data.payment_days)
        for label, widget in (
            ("Type :", self.kind_label),
            ("Destinataire :", self.name_edit),
            ("Adresse :", self.address_edit),
            ("SIREN / SIRET :", self.siren_edit),
            ("", self.business_check),
            ("Désignation :", self.description_edit),
            ("Montant HT (€) :", self.amount_edit),
            ("Date de la prestation :", self.service_field),
            ("Paiement à :", self.days_spin),
        ):
            form.addRow(label, widget)
        self.form.addLayout(form)
        self.fields = {
            "recipient_name": self.name_edit,
            "recipient_address": self.address_edit,
            "recipient_siren": self.siren_edit,
            "description": self.description_edit,
            "amount": self.amount_edit,
            "payment_days": self.days_spin,
        }
        self.setMinimumWidth(520)

    def data(self) -> InvoiceData:
        return InvoiceData(
            kind=self._kind,
            recipient_name=self.name_edit.text(),
            recipient_address=self.address_edit.text(),
            recipient_siren=self.siren_edit.text(),
            recipient_is_business=self.business_check.isChecked(),
            description=self.description_edit.text(),
            amount_cents=parse_amount(self.amount_edit.text(), "amount") or 0,
            service_on=self.service_field.value(),
            payment_days=self.days_spin.value(),
            bank_id=self._ids[0],
            referrer_id=self._ids[1],
        )

    def submit(self):
        return self._submit(self.data())


class PaymentDialog(FormDialog):
    """A payment received (or, for a rebate, made to the apporteur), or a refund."""

    def __init__(
        self,
        parent: QWidget,
        number: str,
        rebate: bool,
        amount_cents: int,
        submit,
        refund: bool = False,
    ) -> None:
        """`amount_cents`: proposed (what remains due, or what is to give back)."""
        if refund:
            title = f"Remboursement sur la pièce {number}"
        elif rebate:
            title = f"Versement de la ristourne {number}"
        else:
            title = f"Règlement de la facture {number}"
        super().__init__(parent, title, "refundDialog" if refund else "paymentDialog")
        self._submit = submit
        self._what = "du remboursement" if refund else "du règlement"
        form = QFormLayout()
        self.date_field = DateField("paymentDate", "Date " + self._what, optional=False)
        self.date_field.set_value(dt.date.today())
        self.amount_edit = QLineEdit(format_amount_input(amount_cents))
        self.amount_edit.setObjectName("paymentAmountEdit")
        number_field(self.amount_edit)
        self.means_combo = QComboBox()
        self.means_combo.setObjectName("paymentMeansCombo")
        for means in PaymentMeans:
            self.means_combo.addItem(means.label, means.value)
        self.reference_edit = QLineEdit()
        self.reference_edit.setObjectName("paymentReferenceEdit")
        self.reference_edit.setPlaceholderText("n° de chèque, libellé du virement…")
        for label, widget in (
            ("Date :", self.date_field),
            ("Montant TTC (€) :", self.amount_edit),
            ("Moyen :", self.means_combo),
            ("Référence :", self.reference_edit),
        ):
            form.addRow(label, widget)
        self.form.addLayout(form)
        self.fields = {
            "paid_on": self.date_field,
            "amount": self.amount_edit,
            "means": self.means_combo,
            "reference": self.reference_edit,
        }

    def submit(self):
        paid_on = self.date_field.value()
        if paid_on is None:
            raise DomainError(f"Indiquez la date {self._what}.", "paid_on")
        return self._submit(
            PaymentData(
                paid_on,
                parse_amount(self.amount_edit.text(), "amount") or 0,
                PaymentMeans(self.means_combo.currentData()),
                self.reference_edit.text(),
            )
        )


class CreditDialog(FormDialog):
    def __init__(self, parent: QWidget, row: InvoiceRow, submit) -> None:
        super().__init__(
            parent, f"Avoir sur la facture {row.number}", "creditNoteDialog", "Émettre l'avoir"
        )
        self._submit = submit
        form = QFormLayout()
        open_amount = row.amount_cents + row.credited_amount_cents
        self.amount_edit = QLineEdit(format_amount_input(open_amount))
        self.amount_edit.setObjectName("creditAmountEdit")
        number_field(self.amount_edit)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("creditReasonEdit")
        self.reason_edit.setPlaceholderText("ex. erreur de montant, geste commercial")
        form.addRow("Montant HT à annuler (€) :", self.amount_edit)
        form.addRow("Motif :", self.reason_edit)
        note = set_role(
            QLabel(
                "Une facture émise ne se modifie pas : l'avoir, numéroté à son tour, l'annule "
                "en tout (montant entier) ou en partie."
            ),
            "hint",
        )
        self.form.addLayout(form)
        self.form.addWidget(note)
        self.fields = {"amount": self.amount_edit}

    def submit(self):
        return self._submit(
            parse_amount(self.amount_edit.text(), "amount") or 0, self.reason_edit.text()
        )


class InvoicesTab(QWidget):
    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self.setObjectName("invoicesTab")
        self.view = view
        self.info: DossierInvoices | None = None
        self._background: Background | None = None
        self.pdf_run: ProgressRun | None = None
        layout = QVBoxLayout(self)
        box = QGroupBox("Factures et avoirs du dossier")
        box_layout = QVBoxLayout(box)
        self.table = QTreeWidget()
        self.table.setObjectName("dossierInvoicesTable")
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setUniformRowHeights(True)
        ColumnFitter(self.table, 2)  # whom each piece is for takes the width left
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda _i, _c: self.edit())
        box_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.new_button = QToolButton()
        self.new_button.setObjectName("newInvoiceTabButton")
        self.new_button.setText("Nouvelle facture")
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.new_menu = QMenu(self.new_button)
        for kind in InvoiceKind:
            action = self.new_menu.addAction(kind.label)
            action.setObjectName(f"newInvoice_{kind.value}")
            action.triggered.connect(lambda _c=False, k=kind: self.new_invoice(k))
        self.new_button.setMenu(self.new_menu)
        buttons.addWidget(self.new_button)
        self.edit_button = push_button("editInvoiceButton", "Modifier le brouillon…", self.edit)
        self.delete_button = push_button(
            "deleteInvoiceButton", "Supprimer le brouillon…", self.delete
        )
        self.issue_button = push_button("issueInvoiceButton", "Émettre…", self.issue)
        self.credit_button = push_button("creditNoteButton", "Avoir…", self.credit)
        self.pay_button = push_button("addPaymentButton", "Règlement…", self.pay)
        self.refund_button = push_button("refundButton", "Remboursement…", self.refund)
        self.refund_button.setToolTip(
            "Après un avoir sur une facture déjà payée : l'argent rendu au client ou à la banque"
        )
        self.pdf_button = push_button("invoicePdfButton", "PDF", self.open_pdf)
        self.pdf_button.setToolTip(
            "La facture ou l'avoir tel qu'imprimé (dans les documents du dossier, rubrique « Factures »)"
        )
        for button in (
            self.edit_button,
            self.delete_button,
            self.issue_button,
            self.credit_button,
            self.pay_button,
            self.refund_button,
            self.pdf_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.summary = plain(QLabel())  # its own row: the buttons fit 1366 pixels
        self.summary.setObjectName("invoicesSummary")
        self.summary.setAlignment(Qt.AlignmentFlag.AlignRight)
        box_layout.addWidget(self.summary)
        box_layout.addLayout(buttons)
        self.error = ErrorLabel("invoicesError")
        box_layout.addWidget(self.error)
        layout.addWidget(box)

    @property
    def service(self) -> InvoiceService:
        return self.view.workspace.invoices

    # --- showing ---

    def reload(self) -> None:
        if self.view.dossier_id is None:
            return
        outcome = attempt(lambda: self.service.for_dossier(self.view.dossier_id))
        if outcome.value is not None:
            self.render(outcome.value)
        elif outcome.problem is not None:
            self.error.show_message(outcome.problem.message)

    def render(self, info: DossierInvoices) -> None:
        self.info = info
        self.table.clear()
        chosen = None
        for row in info.invoices:
            item = QTreeWidgetItem(
                [
                    row.number or "(brouillon)",
                    ("Avoir — " if row.credit_note else "") + row.kind.label,
                    row.recipient_name,
                    format_date(row.issued_on) or "—",
                    format_date(row.due_on) or "—",
                    format_amount(row.total_cents),
                    format_amount(row.paid_cents) if row.paid_cents else "—",
                    format_amount(row.remaining_cents) if row.remaining_cents else "—",
                    row.status,
                ]
            )
            item.setData(0, _ROLE, row)
            item.setToolTip(2, row.description)
            for column in (5, 6, 7):
                item.setTextAlignment(
                    column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
            colour = _STATE_COLOURS.get(row.status)
            if colour:
                item.setForeground(8, QColor(colour))
            for payment in row.payments:
                if payment.amount_cents < 0:
                    what = "Remboursement"
                else:
                    what = "Versement" if row.rebate else "Règlement"
                child = QTreeWidgetItem(
                    [
                        "",
                        f"{what} — {payment.means_label}",
                        f"Réf. {payment.reference}" if payment.reference else "",
                        format_date(payment.paid_on),
                        "",
                        "",
                        format_amount(payment.amount_cents),
                        "",
                        "",
                    ]
                )
                child.setFlags(child.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                child.setTextAlignment(
                    6, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                item.addChild(child)
            self.table.addTopLevelItem(item)
            if row.id == info.changed_id:
                chosen = item
        if chosen is not None:
            self.table.setCurrentItem(chosen)
        self.table.expandAll()
        if not info.invoices:
            self.summary.setText("Aucune facture pour ce dossier.")
        else:
            said = []
            others = info.to_refund_cents or info.rebate_due_cents or info.rebate_to_recover_cents
            if info.remaining_cents or not others:
                said.append(
                    f"Reste dû : {format_amount(info.remaining_cents)}"
                    if info.remaining_cents
                    else "Rien n'est dû."
                )
            if info.to_refund_cents:
                said.append(f"À rembourser : {format_amount(info.to_refund_cents)}")
            if info.rebate_due_cents:
                said.append(f"Ristourne à verser : {format_amount(info.rebate_due_cents)}")
            if info.rebate_to_recover_cents:
                said.append(
                    "À récupérer auprès de l'apporteur : "
                    + format_amount(info.rebate_to_recover_cents)
                )
            self.summary.setText(" — ".join(said))
        self.new_button.setEnabled(info.may_invoice)
        self._selection_changed()

    def selected(self) -> InvoiceRow | None:
        item = self.table.currentItem()
        row = item.data(0, _ROLE) if item is not None and item.isSelected() else None
        return row

    def _selection_changed(self) -> None:
        row = self.selected()
        may = self.info is not None and self.info.may_invoice
        draft = row is not None and row.state is InvoiceState.DRAFT
        open_invoice = row is not None and row.state is InvoiceState.ISSUED and not row.credit_note
        self.edit_button.setEnabled(may and draft)
        self.delete_button.setEnabled(may and draft)
        self.issue_button.setEnabled(may and draft)
        self.credit_button.setEnabled(may and open_invoice)
        self.pay_button.setEnabled(
            may and open_invoice and row is not None and row.remaining_cents > 0
        )
        self.refund_button.setEnabled(may and row is not None and row.to_refund_cents > 0)
        rebate = row is not None and row.rebate
        self.pay_button.setText("Versement…" if rebate else "Règlement…")
        self.refund_button.setToolTip(
            "Après un avoir sur une ristourne déjà versée : ce que l'apporteur rend au cabinet"
            if rebate
            else "Après un avoir sur une facture déjà payée : l'argent rendu au client ou à la "
            "banque"
        )

    # --- changing ---

    def _done(self, info) -> None:
        self.error.clear_message()
        self.render(info)

    def _accept(self, info) -> bool:
        self._done(info)
        return True

    def _run(self, command) -> bool:
        outcome = attempt(command)
        if outcome.value is not None:
            self._done(outcome.value)
            return True
        if outcome.problem is not None:
            self.error.show_message(outcome.problem.message)
        return False

    def new_invoice(self, kind: InvoiceKind, despite_flag: bool = False):
        """The editor of a new draft of this kind, proposed from the dossier; a dossier
        ticked «Pas d'honoraires» (…) for this kind asks first."""
        detail = self.view.detail
        if detail is None:
            return None
        flag = {
            InvoiceKind.FEES: (detail.no_fees, "« Pas d'honoraires »"),
            InvoiceKind.BANK_COMMISSION: (
                detail.no_bank_commission,
                "« Pas de commission bancaire »",
            ),
            InvoiceKind.REBATE: (detail.no_rebate, "« Pas de ristourne »"),
        }[kind]
        if flag[0] and not despite_flag:
            return confirm(
                self,
                "flaggedInvoiceDialog",
                "Facturer quand même ?",
                f"Ce dossier est marqué {flag[1]} : le facturer quand même ?",
                "Facturer quand même",
                lambda: self.new_invoice(kind, despite_flag=True),
            )
        dossier_id = detail.id
        proposed = attempt(lambda: self.service.propose(dossier_id, kind))
        if proposed.value is None:
            if proposed.problem is not None:
                self.error.show_message(proposed.problem.message)
            return None
        dialog = InvoiceDialog(
            self,
            proposed.value,
            lambda data: self.service.create_draft(dossier_id, data, despite_flag),
            f"Nouvelle facture — {kind.label}",
        )
        dialog.accepted.connect(lambda: self._done(dialog.result_value))
        dialog.open()
        return dialog

    def edit(self) -> InvoiceDialog | None:
        row = self.selected()
        if row is None or row.state is not InvoiceState.DRAFT:
            return None
        dialog = InvoiceDialog(
            self,
            row.data(),
            lambda d: self.service.update_draft(row.id, d),
            "Modifier le brouillon",
        )
        dialog.accepted.connect(lambda: self._done(dialog.result_value))
        dialog.open()
        return dialog

    def delete(self):
        row = self.selected()
        if row is None or row.state is not InvoiceState.DRAFT:
            return None
        return confirm(
            self,
            "deleteInvoiceDialog",
            "Supprimer le brouillon",
            f"Supprimer ce brouillon de facture ({row.kind.label.lower()}, "
            f"{format_amount(row.total_cents)}) ?",
            "Supprimer",
            lambda: self._run(lambda: self.service.delete_draft(row.id)),
        )

    def issue(self):
        row = self.selected()
        if row is None or row.state is not InvoiceState.DRAFT:
            return None
        return confirm(
            self,
            "issueInvoiceDialog",
            "Émettre la facture",
            f"Émettre la facture de {format_amount(row.total_cents)} à {row.recipient_name} ?",
            "Émettre",
            lambda: self._issued(self._run(lambda: self.service.issue(row.id))),
            "Elle reçoit son numéro et ne pourra plus être modifiée ni supprimée : seul un "
            "avoir l'annulera.",
        )

    def _issued(self, done: bool) -> None:
        """An invoice or a credit note was issued: its PDF is made and kept in the dossier."""
        if done and self.info is not None and self.info.changed_id is not None:
            self.make_pdf(self.info.changed_id, open_it=False)

    def make_pdf(self, invoice_id: int, open_it: bool = True) -> ProgressRun | None:
        """The printed invoice, made off the GUI thread, kept in «Factures» and opened."""
        row = (
            next((r for r in self.info.invoices if r.id == invoice_id), None) if self.info else None
        )
        if row is None or not row.number:
            return None
        if self._background is None:
            self._background = Background()
        paper = paper_title(row.kind, row.credit_note, row.number)
        title = f"{paper} — {row.kind.label}"
        target = self.view.workspace.exports_folder / f"{paper}.pdf"
        service = self.service
        run = ProgressRun(self, "Impression de la facture…", self._background)
        self.pdf_run = run
        run.start(
            lambda progress: service.write_pdf(invoice_id, target, lambda: not progress(50, 100)),
            lambda path: self._pdf_made(path, title, open_it),
            self._pdf_failed,
        )
        return run

    def _pdf_made(self, path, title: str, open_it: bool) -> None:
        if not isValid(self):
            return
        self.view.keep_document(path, title, DocumentFolder.INVOICES, replaces=title)
        if open_it:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _pdf_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        show_failure(error, self.error, "La facture n'a pas pu être écrite")

    def open_pdf(self) -> ProgressRun | None:
        row = self.selected()
        return self.make_pdf(row.id) if row is not None else None

    def credit(self) -> CreditDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = CreditDialog(
            self, row, lambda amount, reason: self.service.credit(row.id, amount, reason)
        )
        dialog.accepted.connect(lambda: self._issued(self._accept(dialog.result_value)))
        dialog.open()
        return dialog

    def refund(self) -> PaymentDialog | None:
        return self._payment(refund=True)

    def pay(self) -> PaymentDialog | None:
        return self._payment(refund=False)

    def _payment(self, refund: bool) -> PaymentDialog | None:
        """A payment of the chosen invoice (what remains due proposed), or a refund (what
        was overpaid)."""
        row = self.selected()
        if row is None:
            return None
        record = self.service.refund if refund else self.service.pay
        dialog = PaymentDialog(
            self,
            row.number,
            row.rebate,
            row.to_refund_cents if refund else row.remaining_cents,
            lambda payment: record(row.id, payment),
            refund=refund,
        )
        dialog.accepted.connect(lambda: self._done(dialog.result_value))
        dialog.open()
        return dialog
