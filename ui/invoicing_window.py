"""«Facturation» (Outils menu, and the «feuille» of a dossier's Général tab): the office's
invoices with their filters and totals, and «À facturer» — the dossiers whose offer is signed
and that still lack an invoice they should have. The lists' table and status colours are in
`ui.invoicing_lists`, «Relevé de ristournes…»'s dialog in `ui.rebate_statement`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.invoicing.invoices import paper_title
from app.invoicing.office_invoicing import STATUSES, InvoiceFilter
from app.text import format_amount, format_date
from models.enums import DocumentFolder, InvoiceKind
from ui.backup_ui import ProgressRun
from ui.common import ErrorLabel, RememberedGeometry, TableModel, plain, set_role
from ui.invoices_tab import PaymentDialog
from ui.invoicing_lists import StatusColouredModel, invoicing_table
from ui.operations import attempt, show_failure
from ui.rebate_statement import StatementDialog
from ui.widgets import DateField
from ui.workers import Background

if TYPE_CHECKING:
    from app.workspace import Workspace

_AMOUNTS = frozenset({5, 6, 7})


def _figure(label: str, cents: int) -> str:
    """«reste dû 52 832,50 €», never cut between its words when the line wraps."""
    return f"{label} {format_amount(cents)}".replace(" ", "\u00a0")


class InvoicingWindow(QMainWindow):
    def __init__(self, workspace: Workspace, open_dossier, dossier_id: int | None = None) -> None:
        super().__init__()
        self.setObjectName("invoicingWindow")
        self.setWindowTitle("Facturation — Dossia")
        self._geometry = RememberedGeometry(self, workspace, "facturation", (1240, 720))
        self.workspace = workspace
        self._open_dossier = open_dossier
        self.dossier_id = dossier_id
        self._background: Background | None = None
        self.reminder_run: ProgressRun | None = None
        self.statement_run: ProgressRun | None = None
        self.print_run: ProgressRun | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._invoices_page(), "Factures")
        self.tabs.addTab(self._to_invoice_page(), "À facturer")
        self.tabs.addTab(self._reminders_page(), "Relances")
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        self.setCentralWidget(self.tabs)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.refresh)
        self.refresh()

    def changeEvent(self, event) -> None:
        """Back to the window (an invoice issued or paid in a dossier meanwhile): read again."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.refresh()

    # --- «Factures» ---

    def _invoices_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        filters = QHBoxLayout()
        today = dt.date.today()
        self.start_field = DateField("invoicesFromDate", "Du")
        self.start_field.set_value(None if self.dossier_id else today.replace(month=1, day=1))
        self.end_field = DateField("invoicesToDate", "Au")
        self.broker_combo = QComboBox()
        self.broker_combo.setObjectName("invoicesBrokerCombo")
        self.broker_combo.addItem("Tous les courtiers", None)
        for broker in self.workspace.brokers():
            self.broker_combo.addItem(broker.name, broker.id)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("invoicesKindCombo")
        self.kind_combo.addItem("Tous les types", None)
        for kind in InvoiceKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("invoicesStatusCombo")
        self.status_combo.addItem("Tous les états", None)
        for status in STATUSES:
            self.status_combo.addItem(status, status)
        self.text_edit = QLineEdit()
        self.text_edit.setObjectName("invoicesSearchField")
        self.text_edit.setPlaceholderText("Dossier, client, banque ou n° de facture")
        self.text_edit.setClearButtonEnabled(True)
        for label, widget in (
            ("Du", self.start_field),
            ("au", self.end_field),
            ("", self.broker_combo),
            ("", self.kind_combo),
            ("", self.status_combo),
        ):
            if label:
                filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.text_edit, 1)
        layout.addLayout(filters)
        self.dossier_label = set_role(plain(QLabel()), "hint")
        self.dossier_label.setObjectName("invoicesDossierFilter")
        layout.addWidget(self.dossier_label)
        self.model = StatusColouredModel(
            (
                "N°",
                "Dossier",
                "Type",
                "Destinataire",
                "Émise le",
                "TTC",
                "Payé",
                "Reste dû",
                "Échéance",
                "État",
            ),
            _AMOUNTS,
            9,
        )
        self.table = invoicing_table("invoicesTable", self.model, 3)
        self.table.doubleClicked.connect(lambda index: self._open(self.model.item_at(index.row())))
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._chosen_changed())
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        self.totals = plain(QLabel())
        self.totals.setObjectName("invoiceTotals")
        self.totals.setWordWrap(True)  # on two lines rather than a window wider than a laptop
        bottom.addWidget(self.totals, 1)
        self.pay_button = QPushButton("Règlement…")
        self.pay_button.setObjectName("windowPaymentButton")
        self.pay_button.setToolTip("Un règlement reçu (ou, pour une ristourne, versé)")
        self.pay_button.clicked.connect(lambda _c=False: self.pay(refund=False))
        bottom.addWidget(self.pay_button)
        self.refund_button = QPushButton("Remboursement…")
        self.refund_button.setObjectName("windowRefundButton")
        self.refund_button.setToolTip("Après un avoir sur une pièce déjà payée")
        self.refund_button.clicked.connect(lambda _c=False: self.pay(refund=True))
        bottom.addWidget(self.refund_button)
        self.print_button = QPushButton("Imprimer")
        self.print_button.setObjectName("printInvoiceButton")
        self.print_button.setToolTip(
            "La facture ou l'avoir choisi, tel qu'émis (aussi ceux d'un dossier supprimé)"
        )
        self.print_button.clicked.connect(lambda _c=False: self.print_selected())
        bottom.addWidget(self.print_button)
        self.journal_button = QPushButton("Journal des ventes…")
        self.journal_button.setObjectName("salesJournalButton")
        self.journal_button.setToolTip(
            "Pour le comptable : les factures, avoirs et règlements de la période choisie, "
            "en Excel ou en CSV"
        )
        self.journal_button.clicked.connect(lambda _c=False: self.choose_journal())
        bottom.addWidget(self.journal_button)
        self.statement_button = QPushButton("Relevé de ristournes…")
        self.statement_button.setObjectName("rebateStatementButton")
        self.statement_button.setToolTip(
            "Pour un apporteur d'affaires : ses ristournes de la période, versées ou à verser (PDF)"
        )
        self.statement_button.clicked.connect(lambda _c=False: self.choose_statement())
        bottom.addWidget(self.statement_button)
        layout.addLayout(bottom)
        self.error = ErrorLabel("invoicingError")
        layout.addWidget(self.error)
        for field in (self.start_field, self.end_field):
            field.edited.connect(lambda _v: self.refresh())
        for combo in (self.broker_combo, self.kind_combo, self.status_combo):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.text_edit.textChanged.connect(lambda _t: self._debounce.start())
        return page

    def filter(self) -> InvoiceFilter:
        kind = self.kind_combo.currentData()
        return InvoiceFilter(
            start=self.start_field.value(),
            end=self.end_field.value(),
            broker_id=self.broker_combo.currentData(),
            kind=InvoiceKind(kind) if kind else None,
            status=self.status_combo.currentData(),
            text=self.text_edit.text(),
            dossier_id=self.dossier_id,
        )

    def show_dossier(self, dossier_id: int | None, number: str = "") -> None:
        """Filter on one dossier (the «feuille» of its Général tab), or on none."""
        self.dossier_id = dossier_id
        if dossier_id is not None:
            self.start_field.set_value(None)
        self.dossier_label.setText(
            f"Factures du dossier {number} seulement." if dossier_id is not None else ""
        )
        self.dossier_label.setVisible(dossier_id is not None)
        self.tabs.setCurrentIndex(0)
        self.refresh()

    def refresh(self) -> None:
        if self.tabs.currentIndex() == 1:
            self._refresh_to_invoice()
            return
        if self.tabs.currentIndex() == 2:
            self._refresh_reminders()
            return
        outcome = attempt(lambda: self.workspace.office_invoicing.search(self.filter()))
        found = outcome.value
        if found is None:
            if outcome.problem is not None:
                self.error.show_message(outcome.problem.message)
            return
        self.error.clear_message()
        self.model.set_rows(
            list(found.rows),
            [
                (
                    r.number or "(brouillon)",
                    r.dossier_number,
                    ("Avoir — " if r.credit_note else "") + r.kind.label,
                    r.recipient_name,
                    format_date(r.issued_on) or "—",
                    format_amount(r.total_cents),
                    format_amount(r.paid_cents) if r.paid_cents else "—",
                    format_amount(r.due_cents) if r.due_cents else "—",
                    format_date(r.due_on) or "—",
                    r.status,
                )
                for r in found.rows
            ],
        )
        self._chosen_changed()
        shown = f"{found.count} pièce{'s' * (found.count > 1)}" + (
            f" (les {len(found.rows)} plus récentes affichées)"
            if found.count > len(found.rows)
            else ""
        )
        said = [
            shown,
            _figure("ventes HT", found.total_ht_cents)
            + ", "
            + _figure("TTC", found.total_ttc_cents)
            + ", "
            + _figure("encaissé", found.paid_cents)
            + ", "
            + _figure("reste dû", found.due_cents),
        ]
        if found.to_refund_cents:
            said.append(_figure("à rembourser", found.to_refund_cents))
        if found.rebates_cents:
            said.append(
                _figure("ristournes", found.rebates_cents)
                + " ("
                + _figure("à verser", found.rebates_due_cents)
                + ")"
            )
        self.totals.setText(" — ".join(said))
        self.totals.setToolTip(
            "Les ristournes sont dues par le cabinet à ses apporteurs : elles ne comptent pas "
            "dans les ventes."
        )

    def choose_journal(self) -> None:
        start, end = self.journal_period()
        name, _filter = QFileDialog.getSaveFileName(
            self,
            "Journal des ventes",
            str(Path.home() / f"Journal des ventes {start:%Y-%m-%d} au {end:%Y-%m-%d}.xlsx"),
            "Classeur Excel (*.xlsx);;CSV pour Excel (*.csv)",
        )
        if name:
            self.write_journal(Path(name))

    def journal_period(self) -> tuple[dt.date, dt.date]:
        """The filter's period (this year to today when it says none)."""
        today = dt.date.today()
        return (
            self.start_field.value() or today.replace(month=1, day=1),
            self.end_field.value() or today,
        )

    def write_journal(self, target: Path) -> Path | None:
        if target.suffix.lower() not in (".xlsx", ".csv"):
            target = target.with_name(target.name + ".xlsx")
        start, end = self.journal_period()
        outcome = attempt(lambda: self.workspace.office_invoicing.write_journal(start, end, target))
        if outcome.problem is not None:
            self.error.show_message(outcome.problem.message)
            return None
        self.error.clear_message()
        self.statusBar().showMessage(f"Journal des ventes enregistré : {target}", 8000)
        return outcome.value

    def choose_statement(self) -> StatementDialog:
        start, end = self.journal_period()
        dialog = StatementDialog(self, self.workspace, start, end)
        dialog.accepted.connect(lambda: self.write_statement(*dialog.result_value))
        dialog.open()
        return dialog

    def write_statement(
        self, referrer_id: int, name: str, start: dt.date, end: dt.date, open_it: bool = True
    ) -> ProgressRun:
        """The statement made off the GUI thread, into the exports folder, then opened."""
        if self._background is None:
            self._background = Background()
        safe = "".join(c for c in name if c.isalnum() or c in " -'")[:60].strip() or "apporteur"
        target = (
            self.workspace.exports_folder
            / f"Relevé de ristournes {safe} {start:%Y-%m-%d} au {end:%Y-%m-%d}.pdf"
        )
        service = self.workspace.office_invoicing
        run = ProgressRun(self, "Relevé de ristournes…", self._background)
        self.statement_run = run
        run.start(
            lambda progress: service.write_rebate_statement(
                referrer_id, start, end, target, lambda: not progress(50, 100)
            ),
            lambda path: self._pdf_made(path, "Relevé de ristournes enregistré", open_it),
            lambda error: self._pdf_failed(error, self.error, "Le relevé n'a pas pu être écrit"),
        )
        return run

    def _pdf_made(self, path: Path, said: str, open_it: bool) -> None:
        if not isValid(self):
            return
        self.statusBar().showMessage(f"{said} : {path}", 8000)
        if open_it:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _pdf_failed(self, error: BaseException, label: ErrorLabel, what: str) -> None:
        if isValid(self):
            show_failure(error, label, what)

    def chosen(self):
        index = self.table.currentIndex()
        selected = self.table.selectionModel().hasSelection()
        return self.model.item_at(index.row()) if index.isValid() and selected else None

    def _chosen_changed(self) -> None:
        row = self.chosen()
        issued = row is not None and bool(row.number) and not row.credit_note
        self.pay_button.setEnabled(issued and row.due_cents > 0)
        self.refund_button.setEnabled(issued and row.due_cents < 0)
        self.print_button.setEnabled(row is not None and bool(row.number))

    def pay(self, refund: bool) -> PaymentDialog | None:
        """A payment (or a refund) of the chosen piece, from here: any invoice, a deleted
        dossier's too."""
        row = self.chosen()
        if row is None or not row.number or row.credit_note:
            return None
        service = self.workspace.invoices
        dialog = PaymentDialog(
            self,
            row.number,
            row.kind is InvoiceKind.REBATE,
            abs(row.due_cents),
            (lambda p: service.refund(row.id, p)) if refund else (lambda p: service.pay(row.id, p)),
            refund=refund,
        )
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    def print_selected(self, open_it: bool = True) -> ProgressRun | None:
        """The chosen invoice as issued (a reprint says what it said), into the exports
        folder and opened; kept in its dossier's «Factures» when the dossier still exists."""
        row = self.chosen()
        if row is None or not row.number:
            self.error.show_message(
                "Choisissez une facture émise dans la liste (un brouillon ne s'imprime pas)."
            )
            return None
        self.error.clear_message()
        if self._background is None:
            self._background = Background()
        paper = paper_title(row.kind, row.credit_note, row.number)
        target = self.workspace.exports_folder / f"{paper}.pdf"
        service, workspace = self.workspace.invoices, self.workspace
        title = f"{paper} — {row.kind.label}"
        run = ProgressRun(self, "Impression de la facture…", self._background)
        self.print_run = run

        def work(progress):
            path = service.write_pdf(row.id, target, lambda: not progress(50, 100))
            if row.dossier_id is not None:
                workspace.documents.keep(
                    row.dossier_id, path, title, DocumentFolder.INVOICES, replaces=title
                )
            return path

        run.start(
            work,
            lambda path: self._pdf_made(path, f"{paper} : PDF enregistré", open_it),
            lambda error: self._pdf_failed(error, self.error, "La facture n'a pas pu être écrite"),
        )
        return run

    def _open(self, row) -> None:
        if row is None:
            return
        if row.dossier_id is None:  # its dossier was deleted: the invoice remains
            self.print_selected()
            return
        window = self._open_dossier(row.dossier_id)
        if window is not None:
            window.view.show_invoices()

    # --- «Relances» ---

    def _reminders_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(
            set_role(
                QLabel(
                    "Les factures échues qui restent dues, la plus ancienne échéance d'abord. "
                    "« Lettre de relance » l'imprime et la garde dans les documents du dossier."
                ),
                "hint",
            )
        )
        self.reminders_model = StatusColouredModel(
            ("N°", "Dossier", "Destinataire", "Échéance", "Retard", "Reste dû", "État"),
            frozenset({4, 5}),
            6,
        )
        self.reminders = invoicing_table("remindersList", self.reminders_model, 2)
        layout.addWidget(self.reminders, 1)
        row = QHBoxLayout()
        self.reminders_count = plain(QLabel())
        self.reminders_count.setObjectName("remindersCount")
        row.addWidget(self.reminders_count, 1)
        self.reminder_button = QPushButton("Lettre de relance…")
        self.reminder_button.setObjectName("reminderLetterButton")
        self.reminder_button.clicked.connect(lambda _c=False: self.make_reminder())
        row.addWidget(self.reminder_button)
        layout.addLayout(row)
        self.reminders_error = ErrorLabel("remindersError")
        layout.addWidget(self.reminders_error)
        return page

    def _refresh_reminders(self) -> None:
        outcome = attempt(
            lambda: self.workspace.office_invoicing.search(
                InvoiceFilter(status="En retard", sales_only=True)
            )
        )
        found = outcome.value
        if found is None:
            return
        today = dt.date.today()
        late = sorted(found.rows, key=lambda r: (r.due_on or today, r.id))
        self.reminders_model.set_rows(
            late,
            [
                (
                    r.number,
                    r.dossier_number,
                    r.recipient_name,
                    format_date(r.due_on),
                    f"{(today - r.due_on).days} j" if r.due_on else "",
                    format_amount(r.due_cents),
                    r.status,
                )
                for r in late
            ],
        )
        total = sum(r.due_cents for r in late)
        self.reminders_count.setText(
            f"{len(late)} facture{'s' * (len(late) > 1)} en retard — {format_amount(total)} dus"
        )

    def make_reminder(self, open_it: bool = True) -> ProgressRun | None:
        index = self.reminders.currentIndex()
        row = self.reminders_model.item_at(index.row()) if index.isValid() else None
        if row is None:
            self.reminders_error.show_message("Choisissez d'abord une facture dans la liste.")
            return None
        self.reminders_error.clear_message()
        if self._background is None:
            self._background = Background()
        target = self.workspace.exports_folder / f"Relance {row.number}.pdf"
        service, workspace = self.workspace.invoices, self.workspace
        run = ProgressRun(self, "Lettre de relance…", self._background)
        self.reminder_run = run
        title = f"Relance du {format_date(dt.date.today())} — facture {row.number}"

        def work(progress):
            path = service.write_reminder(row.id, target, lambda: not progress(50, 100))
            if row.dossier_id is not None:
                workspace.documents.keep(row.dossier_id, path, title, DocumentFolder.INVOICES)
            return path

        run.start(
            work,
            lambda path: self._pdf_made(path, "Lettre de relance enregistrée", open_it),
            lambda error: self._pdf_failed(
                error, self.reminders_error, "La lettre n'a pas pu être écrite"
            ),
        )
        return run

    # --- «À facturer» ---

    def _to_invoice_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(
            set_role(
                QLabel(
                    "Les dossiers dont l'offre est signée et qui n'ont pas encore la facture "
                    "attendue (sauf « Pas d'honoraires », « Pas de commission bancaire », « Pas "
                    "de ristourne », et la ristourne d'un dossier sans apporteur). Double-cliquez "
                    "pour ouvrir le dossier."
                ),
                "hint",
            )
        )
        self.to_invoice_model = TableModel(
            ("Dossier", "Porteur de projet", "Courtier", "Offre signée le", "À facturer")
        )
        self.to_invoice = invoicing_table("toInvoiceList", self.to_invoice_model, 1)
        self.to_invoice.doubleClicked.connect(
            lambda index: self._open_to_invoice(self.to_invoice_model.item_at(index.row()))
        )
        layout.addWidget(self.to_invoice, 1)
        self.to_invoice_count = plain(QLabel())
        self.to_invoice_count.setObjectName("toInvoiceCount")
        layout.addWidget(self.to_invoice_count)
        return page

    def _refresh_to_invoice(self) -> None:
        outcome = attempt(lambda: self.workspace.office_invoicing.to_invoice())
        rows = outcome.value
        if rows is None:
            return
        self.to_invoice_model.set_rows(
            rows,
            [
                (
                    r.number,
                    r.holder,
                    r.broker,
                    format_date(r.offer_signed_on),
                    ", ".join(k.label for k in r.kinds),
                )
                for r in rows
            ],
        )
        self.to_invoice_count.setText(
            f"{len(rows)} dossier{'s' * (len(rows) > 1)} à facturer"
            + (" (les 500 plus anciens)" if len(rows) == 500 else "")
        )

    def _open_to_invoice(self, row) -> None:
        if row is None:
            return
        window = self._open_dossier(row.dossier_id)
        if window is not None:
            window.view.show_invoices()
