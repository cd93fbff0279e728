"""The «Facturation» tab and the Général tab's invoicing icons, driven through the widgets."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.dossier.dossier_service import DossierDate, DossierFlag
from models.enums import InvoiceKind
from tests.test_invoicing import TODAY, _dossier_with_plan, _numbers


def test_an_invoice_from_general_to_its_payment(qtbot, workspace, open_dossier):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QTreeWidget

    from tests.test_gui_dossier import click, find

    detail = _dossier_with_plan(workspace, 2_400_00, released=False)
    number = _numbers(workspace)
    window = open_dossier(detail.id)
    find(window, QAction, "generalNewInvoice_fees").trigger()  # the «+» of Général
    tab = window.view.invoices_tab
    assert tab.isVisible()
    dialog = find(tab, QWidget, "invoiceEditor")
    assert find(dialog, QLineEdit, "invoiceRecipientEdit").text() == "DURAND Paul"
    amount = find(dialog, QLineEdit, "invoiceAmountEdit")
    assert amount.text().replace("\u202f", " ") == "2 400,00"
    amount.setText("")
    click(qtbot, dialog.ok_button)
    assert "Montant invalide" in dialog.error.text()
    amount.setText("2 400")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    table = find(tab, QTreeWidget, "dossierInvoicesTable")
    row = table.topLevelItem(0)
    assert row.text(0) == "(brouillon)" and row.text(8) == "Brouillon"
    # Fees are not asked before the funds are released: article L519-6.
    table.setCurrentItem(row)
    tab.issue()
    click(qtbot, find(tab, QPushButton, "confirmIssueInvoiceButton"))
    assert "L519-6" in find(tab, QLabel, "invoicesError").text()
    window.view.tabs.setCurrentIndex(0)
    for name in ("offerSignedDateEditField", "fundsReleaseDateEditField"):
        field = find(window, QWidget, name)
        field.set_date(TODAY)
        field.edited.emit(TODAY)
    tab = window.view.show_invoices()
    table = tab.table
    table.setCurrentItem(table.topLevelItem(0))
    box = tab.issue()
    assert "ne pourra plus être modifiée" in box.informativeText()
    click(qtbot, find(tab, QPushButton, "confirmIssueInvoiceButton"))
    row = table.topLevelItem(0)
    assert row.text(0) == number(1) and row.text(8) == "Émise"
    qtbot.waitUntil(  # its PDF made in the background and kept in «Factures»
        lambda: (
            [d.title for d in workspace.documents.list(detail.id).documents]
            == [f"Facture {number(1)} — Honoraires"]
        )
    )
    assert not find(tab, QPushButton, "editInvoiceButton").isEnabled()
    assert find(tab, QPushButton, "invoicePdfButton").isVisible()
    table.setCurrentItem(row)
    payment = tab.pay()
    means = find(payment, QComboBox, "paymentMeansCombo")
    means.setCurrentIndex(means.findData("transfer"))
    click(qtbot, payment.ok_button)
    assert not payment.isVisible()
    assert tab.table.topLevelItem(0).text(8) == "Payée"
    assert find(tab, QLabel, "invoicesSummary").text() == "Rien n'est dû."


def test_a_flagged_dossier_asks_before_the_editor(qtbot, workspace, open_dossier):
    from PySide6.QtWidgets import QPushButton

    from tests.test_gui_dossier import click, find

    detail = _dossier_with_plan(workspace)
    detail = workspace.dossiers.set_flag(detail.id, detail.version, DossierFlag.NO_FEES, True)
    window = open_dossier(detail.id)
    tab = window.view.show_invoices()
    box = tab.new_invoice(InvoiceKind.FEES)
    assert "Pas d'honoraires" in box.text()
    click(qtbot, find(tab, QPushButton, "confirmFlaggedInvoiceButton"))
    dialog = find(tab, QWidget, "invoiceEditor")
    click(qtbot, dialog.ok_button)
    assert workspace.invoices.for_dossier(detail.id).invoices[0].kind is InvoiceKind.FEES


def test_a_banks_commission_is_set_in_the_settings(qtbot, workspace, main_window):
    from PySide6.QtWidgets import QLineEdit

    from tests.test_gui_dossier import click, find

    window = main_window.open_settings()
    qtbot.addWidget(window)
    page = window.banks
    page.table.selectRow(0)
    dialog = page.edit()
    find(dialog, QLineEdit, "bankCommissionRateEdit").setText("0,75")
    find(dialog, QLineEdit, "bankCommissionFixedEdit").setText("300")
    click(qtbot, dialog.ok_button)
    assert "pas les deux" in dialog.error.text()
    find(dialog, QLineEdit, "bankCommissionFixedEdit").setText("")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    [row] = [r for r in workspace.referential.banks() if r.id == page.model.item_at(0).id]
    assert row.data.commission_rate_mpct == 750
    assert page.model.index(0, 3).data() == "0,75\u00a0% du prêt"


def test_the_invoicing_window_from_the_menu_and_from_a_dossier(
    qtbot, workspace, main_window, open_dossier, tmp_path
):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QTableView

    from tests.test_gui_dossier import click, find

    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    service = workspace.invoices
    data = service.propose(detail.id, InvoiceKind.FEES)
    service.issue(service.create_draft(detail.id, data).changed_id)
    find(main_window, QAction, "invoicingAction").trigger()
    window = main_window.findChild(QWidget, "invoicingWindow")
    qtbot.addWidget(window)
    table = find(window, QTableView, "invoicesTable")
    numbers = [table.model().index(r, 0).data() for r in range(table.model().rowCount())]
    assert number(1) in numbers
    search = find(window, QLineEdit, "invoicesSearchField")
    search.setText(detail.number)
    window.refresh()
    assert table.model().rowCount() == 1
    status = find(window, QComboBox, "invoicesStatusCombo")
    status.setCurrentIndex(status.findData("Payée"))  # it is not paid yet
    assert table.model().rowCount() == 0
    assert find(window, QLabel, "invoiceTotals").text().startswith("0 pièce")
    # From the dossier's Général tab, the «feuille» shows that dossier's invoices only.
    status.setCurrentIndex(0)
    search.setText("")
    opened = open_dossier(detail.id)
    click(qtbot, find(opened, QWidget, "invoicesButton"))
    assert find(window, QLabel, "invoicesDossierFilter").text() == (
        f"Factures du dossier {detail.number} seulement."
    )
    assert table.model().rowCount() == 1
    detail = workspace.dossiers.get(detail.id)
    workspace.dossiers.set_date(detail.id, detail.version, DossierDate.OFFER_SIGNED, TODAY)
    journal = window.write_journal(tmp_path / "journal")  # the filter's period, in Excel
    assert journal is not None and journal.name == "journal.xlsx" and journal.is_file()
    window.tabs.setCurrentIndex(1)  # «À facturer»: the bank's commission is still to come
    listed = find(window, QTableView, "toInvoiceList").model()
    rows = [[listed.index(r, c).data() for c in (0, 4)] for r in range(listed.rowCount())]
    assert [detail.number, "Commission bancaire"] in rows


def test_the_reminders_of_the_invoicing_window(qtbot, workspace, main_window):
    import datetime as dt

    from PySide6.QtWidgets import QTableView

    from models.office import Invoice
    from tests.test_gui_dossier import find

    detail = _dossier_with_plan(workspace)
    service = workspace.invoices
    data = service.propose(detail.id, InvoiceKind.FEES)
    invoice_id = service.create_draft(detail.id, data).changed_id
    service.issue(invoice_id)
    with workspace.database.write() as session:
        session.get(Invoice, invoice_id).due_on = TODAY - dt.timedelta(days=12)
    window = main_window.open_invoicing()
    qtbot.addWidget(window)
    window.tabs.setCurrentIndex(2)
    table = find(window, QTableView, "remindersList")
    rows = [table.model().item_at(r).id for r in range(table.model().rowCount())]
    assert invoice_id in rows
    table.selectRow(rows.index(invoice_id))
    window.make_reminder(open_it=False)
    qtbot.waitUntil(
        lambda: any(
            d.title.startswith("Relance du") for d in workspace.documents.list(detail.id).documents
        )
    )


def test_a_refund_after_a_credit_note_on_a_paid_invoice(qtbot, workspace, open_dossier):
    from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

    from app.invoicing.invoices import PaymentData
    from models.enums import PaymentMeans
    from tests.test_gui_dossier import click, find

    detail = _dossier_with_plan(workspace)
    service = workspace.invoices
    invoice_id = service.create_draft(
        detail.id, service.propose(detail.id, InvoiceKind.FEES)
    ).changed_id
    service.issue(invoice_id)
    service.pay(invoice_id, PaymentData(TODAY, 2_500_00, PaymentMeans.TRANSFER))
    window = open_dossier(detail.id)
    tab = window.view.show_invoices()
    tab.table.setCurrentItem(tab.table.topLevelItem(0))
    refund = find(tab, QPushButton, "refundButton")
    assert not refund.isEnabled()  # paid, nothing to give back
    credit = tab.credit()
    find(credit, QLineEdit, "creditAmountEdit").setText("500")
    click(qtbot, credit.ok_button)
    row = tab.table.topLevelItem(0)
    assert row.text(8) == "À rembourser"
    tab.table.setCurrentItem(row)
    assert refund.isEnabled()
    assert "À rembourser : 500,00" in find(tab, QLabel, "invoicesSummary").text().replace(
        "\u202f", " "
    ).replace("\u00a0", " ")
    dialog = tab.refund()
    assert dialog.windowTitle().startswith("Remboursement")
    amount = find(dialog, QLineEdit, "paymentAmountEdit")
    assert amount.text() == "500,00"
    amount.setText("600")
    click(qtbot, dialog.ok_button)
    assert "au plus" in dialog.error.text() and dialog.isVisible()
    amount.setText("500")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    row = tab.table.topLevelItem(0)
    assert row.text(8) == "Payée"
    assert [row.child(i).text(1) for i in range(row.childCount())] == [
        "Règlement — Virement",
        "Remboursement — Virement",
    ]


def test_the_statement_of_rebates_from_the_invoicing_window(qtbot, workspace, main_window):
    import datetime as dt

    from PySide6.QtWidgets import QComboBox, QLabel

    from tests.test_gui_dossier import click, find
    from tests.test_invoicing import _with_referrer

    detail, referrer_id = _with_referrer(workspace, _dossier_with_plan(workspace))
    service = workspace.invoices
    rebate = service.create_draft(
        detail.id, service.propose(detail.id, InvoiceKind.REBATE)
    ).changed_id
    service.issue(rebate)
    window = main_window.open_invoicing()
    qtbot.addWidget(window)
    totals = find(window, QLabel, "invoiceTotals").text()
    assert "ristournes" in totals and "à\u00a0verser" in totals
    dialog = window.choose_statement()
    combo = find(dialog, QComboBox, "statementReferrerCombo")
    combo.setCurrentIndex(combo.findData(referrer_id))
    find(dialog, QWidget, "statementFromDateField").set_value(TODAY)
    end = find(dialog, QWidget, "statementToDateField")
    end.set_value(TODAY - dt.timedelta(days=1))
    click(qtbot, dialog.ok_button)
    assert "précède" in dialog.error.text()
    end.set_value(TODAY)
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    run = window.statement_run
    assert run is not None
    exports = workspace.paths.folder / "exports"
    qtbot.waitUntil(lambda: any(exports.glob("Relevé de ristournes Agence du Port *.pdf")))


def test_an_invoice_is_printed_again_from_the_window_even_once_its_dossier_is_gone(
    qtbot, workspace, main_window
):
    from PySide6.QtWidgets import QLabel, QTableView

    from tests.test_gui_dossier import find

    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    service = workspace.invoices
    invoice_id = service.create_draft(
        detail.id, service.propose(detail.id, InvoiceKind.FEES)
    ).changed_id
    service.issue(invoice_id)
    window = main_window.open_invoicing()
    qtbot.addWidget(window)
    table = find(window, QTableView, "invoicesTable")

    def select(invoice_number: str) -> None:
        model = table.model()
        rows = [model.item_at(r).number for r in range(model.rowCount())]
        table.selectRow(rows.index(invoice_number))

    exports = workspace.paths.folder / "exports"

    def printed() -> None:
        window.statusBar().clearMessage()
        select(number(1))
        assert window.print_selected(open_it=False) is not None
        qtbot.waitUntil(lambda: "enregistré" in window.statusBar().currentMessage())

    for _ in range(2):  # printed twice: one copy in the dossier's «Factures», not two
        printed()
    titles = [d.title for d in workspace.documents.list(detail.id).documents]
    assert titles.count(f"Facture {number(1)} — Honoraires") == 1
    workspace.dossiers.delete(detail.id)
    (exports / f"Facture {number(1)}.pdf").unlink()
    window.refresh()
    printed()
    assert (exports / f"Facture {number(1)}.pdf").is_file()
    assert find(window, QLabel, "invoicingError").text() == ""


def test_a_deleted_dossiers_invoice_is_paid_from_the_invoicing_window(
    qtbot, workspace, main_window
):
    from PySide6.QtWidgets import QLineEdit, QPushButton, QTableView

    from tests.test_gui_dossier import click, find

    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    service = workspace.invoices
    invoice_id = service.create_draft(
        detail.id, service.propose(detail.id, InvoiceKind.FEES)
    ).changed_id
    service.issue(invoice_id)
    workspace.dossiers.delete(detail.id)
    window = main_window.open_invoicing()
    qtbot.addWidget(window)
    table = find(window, QTableView, "invoicesTable")
    pay = find(window, QPushButton, "windowPaymentButton")
    assert not pay.isEnabled()  # nothing chosen
    model = table.model()
    table.selectRow([model.item_at(r).number for r in range(model.rowCount())].index(number(1)))
    assert pay.isEnabled() and not find(window, QPushButton, "windowRefundButton").isEnabled()
    dialog = window.pay(refund=False)
    assert find(dialog, QLineEdit, "paymentAmountEdit").text().replace("\u202f", " ") == (
        "2 500,00"
    )
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    rows = {model.item_at(r).number: model.item_at(r) for r in range(model.rowCount())}
    assert rows[number(1)].status == "Payée" and rows[number(1)].paid_cents == 2_500_00
