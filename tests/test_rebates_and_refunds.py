"""Rebates and refunds: a rebate self-billed in the apporteur's name (or a «note de
ristourne»), with his VAT and mandate, out of the sales; the statement of an apporteur's
rebates; money given back after a credit note on a paid invoice."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import DomainError
from app.invoicing.invoices import PaymentData
from models.enums import InvoiceKind, InvoiceState, PaymentMeans
from tests.test_invoicing import (
    TODAY,
    YEAR,
    _dossier_with_plan,
    _fees,
    _numbers,
    _pdf_text,
    _with_referrer,
)

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


def test_a_rebate_is_self_billed_in_its_own_series_and_is_no_sale(workspace, tmp_path):
    """The office issues the apporteur's rebate in his name («autofacturation», art. 289
    I-2 CGI) in the series R-, without VAT, never reminded, out of the sales totals and
    journal; a private person gets a «note de ristourne»."""
    from app.invoicing.office_invoicing import InvoiceFilter

    detail, _ = _with_referrer(workspace, _dossier_with_plan(workspace, 2_000_00))
    office = workspace.invoices
    fees = office.create_draft(detail.id, _fees(workspace, detail, 2_000_00)).changed_id
    office.issue(fees)
    before = workspace.office_invoicing.search(InvoiceFilter(start=TODAY, end=TODAY))
    proposed = office.propose(detail.id, InvoiceKind.REBATE)
    assert proposed.recipient_name == "Agence du Port"
    assert proposed.recipient_address == "1 quai du Port 33000 Bordeaux"  # not the contact
    assert proposed.recipient_siren == "732829320" and proposed.recipient_is_business
    assert proposed.amount_cents == 200_00  # 10 % of the fees invoiced
    rebate = office.create_draft(detail.id, proposed).changed_id
    rebates = _numbers(workspace, "R")
    info = office.issue(rebate)
    row = next(r for r in info.invoices if r.id == rebate)
    assert row.number == rebates(1) and row.vat_cents == 0
    assert info.remaining_cents == 2_000_00  # what the client owes; the rebate apart
    assert info.rebate_due_cents == 200_00
    text = _pdf_text(office.write_pdf(rebate, tmp_path / "r.pdf"))
    for expected in (
        f"AUTOFACTURATION N° {rebates(1)}",
        "Fournisseur Agence du Port",
        "1 quai du Port 33000 Bordeaux",
        "au nom et pour le compte de Agence du Port",
        "article 289 I-2",
        "article 261 C-1°-a",
        "Net à verser 200,00 €",
    ):
        assert expected in text, expected
    assert "IBAN" not in text  # the office pays: its own IBAN has no business here
    # Sales totals do not count it; the rebates have their own.
    after = workspace.office_invoicing.search(InvoiceFilter(start=TODAY, end=TODAY))
    assert after.total_ttc_cents - before.total_ttc_cents == 0
    assert after.rebates_cents - before.rebates_cents == 200_00
    assert after.rebates_due_cents - before.rebates_due_cents == 200_00
    # Never reminded, even late.
    with pytest.raises(DomainError, match="ne se relance pas"):
        office.write_reminder(rebate, tmp_path / "x.pdf")
    late = workspace.office_invoicing.search(InvoiceFilter(status="Émise", sales_only=True))
    assert rebate not in [r.id for r in late.rows]
    # Paid (no L519-6 for a rebate), then credited: its credit note is AR-.
    office.pay(rebate, PaymentData(TODAY, 200_00, PaymentMeans.TRANSFER, "vir. 12"))
    info = office.credit(rebate, 50_00, "erreur de taux")
    note = next(r for r in info.invoices if r.credit_note)
    assert note.number.startswith(f"AR-{YEAR}-")
    journal = workspace.office_invoicing.journal(TODAY, TODAY)
    assert rebates(1) not in [s.number for s in journal.sales]
    assert [s.number for s in journal.rebates if s.dossier_number == detail.number] == [
        rebates(1),
        note.number,
    ]
    assert [p.amount_cents for p in journal.rebate_payments if p.invoice_number == rebates(1)] == [
        200_00
    ]
    assert rebates(1) not in [p.invoice_number for p in journal.payments]


def test_a_self_billed_rebate_states_the_apporteurs_vat_and_mandate(workspace, tmp_path):
    """The rebate is the apporteur's own invoice: no mandate, no self-billing; an agency
    registered for VAT charges 20 % and its VAT number is printed; a small adviser in
    «franchise en base» says article 293 B."""
    from dataclasses import replace

    detail, referrer_id = _with_referrer(
        workspace,
        _dossier_with_plan(workspace, 2_000_00),
        billing_mandate_on=None,
        vat_regime="assujetti",
        vat_number="FR40303265045",
    )
    office = workspace.invoices
    office.issue(office.create_draft(detail.id, _fees(workspace, detail, 2_000_00)).changed_id)
    proposed = office.propose(detail.id, InvoiceKind.REBATE)
    info = office.create_draft(detail.id, proposed)
    draft = next(r for r in info.invoices if r.id == info.changed_id)
    assert (draft.vat_cents, draft.total_cents) == (40_00, 240_00)  # the agency's VAT
    with pytest.raises(DomainError, match="date du mandat de facturation"):
        office.issue(draft.id)
    row = next(r for r in workspace.referential.referrers() if r.id == referrer_id)
    workspace.referential.save_referrer(
        referrer_id, replace(row.data, billing_mandate_on=dt.date(YEAR - 1, 3, 2))
    )
    office.issue(draft.id)
    text = _pdf_text(office.write_pdf(draft.id, tmp_path / "r.pdf"))
    assert f"mandat de facturation du 02/03/{YEAR - 1}" in text
    assert "N° de TVA FR40303265045" in text and "40,00 €" in text and "240,00 €" in text
    assert "261 C" not in text
    with pytest.raises(DomainError) as error:  # an agency registered for VAT has a number
        workspace.referential.save_referrer(referrer_id, replace(row.data, vat_number=""))
    assert error.value.field == "vat_number"
    # A small adviser in «franchise en base»: no VAT, article 293 B.
    workspace.referential.save_referrer(
        referrer_id,
        replace(row.data, vat_regime="franchise", billing_mandate_on=dt.date(YEAR - 1, 3, 2)),
    )
    second = office.create_draft(detail.id, proposed, despite_flag=True).changed_id
    office.issue(second)
    text = _pdf_text(office.write_pdf(second, tmp_path / "f.pdf"))
    assert "article 293 B" in text and "261 C" not in text


def test_a_private_apporteur_gets_a_note_de_ristourne(workspace, tmp_path):
    from models.enums import ReferrerKind

    detail, _ = _with_referrer(
        workspace,
        _dossier_with_plan(workspace),
        ReferrerKind.PERSON,
        name="Jean Martin",
        siren="",
        rebate_rate_mpct=None,
        rebate_fixed_cents=300_00,
        address="",
    )
    office = workspace.invoices
    proposed = office.propose(detail.id, InvoiceKind.REBATE)
    assert not proposed.recipient_is_business and proposed.amount_cents == 300_00
    rebate = office.create_draft(detail.id, proposed).changed_id
    with pytest.raises(DomainError, match="adresse de l'apporteur"):
        office.issue(rebate)
    from dataclasses import replace

    office.update_draft(rebate, replace(proposed, recipient_address="8 rue Sainte-Catherine"))
    office.issue(rebate)
    text = _pdf_text(office.write_pdf(rebate, tmp_path / "r.pdf"))
    assert "NOTE DE RISTOURNE N° R-" in text and "Bénéficiaire Jean Martin" in text
    assert "DAS2" in text and "hors champ de la TVA" in text
    assert "AUTOFACTURATION" not in text and "40 €" not in text


def test_a_credit_note_on_a_paid_invoice_leaves_money_to_refund(workspace):
    from app.invoicing.office_invoicing import InvoiceFilter

    detail = _dossier_with_plan(workspace)
    office = workspace.invoices
    fees = office.create_draft(detail.id, _fees(workspace, detail, 1_000_00)).changed_id
    office.issue(fees)
    office.pay(fees, PaymentData(TODAY, 1_000_00, PaymentMeans.TRANSFER))
    with pytest.raises(DomainError, match="Rien n'est à rembourser"):
        office.refund(fees, PaymentData(TODAY, 1_00, PaymentMeans.TRANSFER))
    info = office.credit(fees, None, "dossier annulé par la banque")
    row = next(r for r in info.invoices if r.id == fees)
    assert row.state is InvoiceState.CANCELLED
    assert row.status == "À rembourser" and row.to_refund_cents == 1_000_00
    assert info.to_refund_cents == 1_000_00 and info.remaining_cents == 0
    found = workspace.office_invoicing.search(InvoiceFilter(status="À rembourser"))
    assert [r.id for r in found.rows] == [fees] and found.to_refund_cents == 1_000_00
    assert found.rows[0].due_cents == -1_000_00
    with pytest.raises(DomainError, match="au plus") as error:
        office.refund(fees, PaymentData(TODAY, 1_000_01, PaymentMeans.TRANSFER))
    assert error.value.field == "amount"
    with pytest.raises(DomainError, match="futur"):
        office.refund(fees, PaymentData(TODAY + dt.timedelta(days=1), 1_00, PaymentMeans.CHEQUE))
    office.refund(fees, PaymentData(TODAY, 400_00, PaymentMeans.CHEQUE, "chèque 118"))
    info = office.refund(fees, PaymentData(TODAY, 600_00, PaymentMeans.TRANSFER))
    row = next(r for r in info.invoices if r.id == fees)
    assert row.status == "Annulée" and row.paid_cents == 0
    assert [p.amount_cents for p in row.payments] == [1_000_00, -400_00, -600_00]
    from models.office import Invoice

    with workspace.database.read() as session:  # the balances kept on the invoice
        kept = session.get(Invoice, fees)
        assert (kept.paid_cents, kept.credited_cents) == (0, -1_000_00)
    assert workspace.office_invoicing.search(InvoiceFilter(status="À rembourser")).rows == ()
    journal = workspace.office_invoicing.journal(TODAY, TODAY)
    assert [p.amount_cents for p in journal.payments if p.invoice_number == row.number] == [
        1_000_00,
        -400_00,
        -600_00,
    ]


def test_the_statement_of_rebates_of_an_apporteur(workspace, tmp_path):
    detail, referrer_id = _with_referrer(workspace, _dossier_with_plan(workspace, 2_000_00))
    office = workspace.invoices
    first = office.create_draft(detail.id, office.propose(detail.id, InvoiceKind.REBATE)).changed_id
    office.issue(first)
    office.pay(first, PaymentData(TODAY, 150_00, PaymentMeans.TRANSFER))
    assert (referrer_id, "Agence du Port") in workspace.office_invoicing.referrers()
    statement = workspace.office_invoicing.rebate_statement(referrer_id, TODAY, TODAY)
    [line] = statement.lines
    assert line.client == detail.holder_name and line.dossier_number == detail.number
    assert (statement.total_cents, statement.paid_cents, statement.due_cents) == (
        200_00,
        150_00,
        50_00,
    )
    target = workspace.office_invoicing.write_rebate_statement(
        referrer_id, TODAY.replace(day=1), TODAY, tmp_path / "releve.pdf"
    )
    text = _pdf_text(target)
    for expected in (
        "RELEVÉ DE RISTOURNES",
        "Agence du Port",
        line.number,
        detail.number,
        "Reste à verser 50,00 €",
        "autofacturation",
    ):
        assert expected in text, expected
    with pytest.raises(DomainError, match="précède"):
        workspace.office_invoicing.rebate_statement(
            referrer_id, TODAY, TODAY.replace(day=1) - dt.timedelta(days=1)
        )
