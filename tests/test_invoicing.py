"""«Facturation» without a screen: proposals from the dossier, French numbering (gapless per
series, two processes at once), credit notes instead of edits, the flags, payments and
article L519-6, the rights, invoices outliving their dossier."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from decimal import Decimal

import pytest

from app.dossier.dossier_service import DossierDate, DossierFlag
from app.dossier.household import BorrowerData
from app.dossier.situation import ProjectData
from app.errors import DomainError, PermissionDenied
from app.invoicing.invoices import FlaggedKind, InvoiceData, PaymentData, vat_of
from app.pipeline.submissions import SubmissionData
from models.enums import InvoiceKind, InvoiceState, PaymentMeans, SubmissionStatus
from tests.helpers import db_argument, new_dossier

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


TODAY = dt.date.today()
YEAR = TODAY.year


def _dossier_with_plan(workspace, fees_cents: int = 2_500_00, released: bool = True):
    detail = new_dossier(workspace, first_name="Paul", last_name="Durand")
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id,
        household.version,
        1,
        BorrowerData(
            "Durand", "Paul", address="3 rue Vauban", postal_code="33000", city="Bordeaux"
        ),
    )
    situation = workspace.situation.get(detail.id)
    workspace.situation.save_project(
        detail.id, situation.version, ProjectData(price_cents=250_000_00)
    )
    detail = workspace.dossiers.get(detail.id)
    info = workspace.simulations.create(detail.id, detail.version)
    stored = workspace.simulations.get(info.simulations[0].id)
    from dataclasses import replace

    workspace.simulations.save(
        stored.id, info.version, replace(stored.plan, brokerage_fees_cents=fees_cents)
    )
    detail = workspace.dossiers.get(detail.id)
    return _released(workspace, detail) if released else detail


def _numbers(workspace, series: str = "F"):
    """The numbers the next invoices of this year's series will take (the demo office has
    issued some already): `numbers(1)` the next one."""
    from models.dossier import Counter

    with workspace.database.read() as session:
        counter = session.get(Counter, f"facture:{series}-{YEAR}")
        taken = counter.value if counter else 0
    return lambda k: f"{series}-{YEAR}-{taken + k:04d}"


def _released(workspace, detail, day=None):
    """The offer signed and the funds released (today): fees may be invoiced (L519-6)."""
    day = day or TODAY
    detail = workspace.dossiers.get(detail.id)
    detail = workspace.dossiers.set_date(detail.id, detail.version, DossierDate.OFFER_SIGNED, day)
    return workspace.dossiers.set_date(detail.id, detail.version, DossierDate.FUNDS_RELEASED, day)


def _fees(workspace, detail, amount=2_500_00):
    data = workspace.invoices.propose(detail.id, InvoiceKind.FEES)
    from dataclasses import replace

    return replace(data, amount_cents=amount)


def test_fees_are_proposed_from_the_validated_simulation_and_the_client(workspace):
    detail = _dossier_with_plan(workspace, 3_000_00)
    data = workspace.invoices.propose(detail.id, InvoiceKind.FEES)
    assert data.recipient_name == "DURAND Paul"
    assert data.recipient_address == "3 rue Vauban 33000 Bordeaux"
    assert data.amount_cents == 3_000_00 and detail.number in data.description


def test_numbers_follow_without_gaps_and_an_issued_invoice_never_changes(workspace):
    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    invoices = workspace.invoices
    first = invoices.create_draft(detail.id, _fees(workspace, detail))
    draft = first.invoices[0]
    assert draft.state is InvoiceState.DRAFT and draft.number == ""
    second = invoices.create_draft(detail.id, _fees(workspace, detail, 100_00))
    invoices.delete_draft(second.invoices[1].id)  # a draft goes without leaving a gap
    issued = invoices.issue(draft.id).invoices[0]
    assert issued.number == number(1) and issued.issued_on == TODAY
    assert issued.due_on == TODAY + dt.timedelta(days=30)
    assert issued.vat_cents == 0 and issued.total_cents == 2_500_00  # exempt (261 C CGI)
    third = invoices.create_draft(detail.id, _fees(workspace, detail, 500_00)).invoices[-1]
    assert invoices.issue(third.id).invoices[-1].number == number(2)
    with pytest.raises(DomainError, match="ne se modifie ni ne se supprime"):
        invoices.update_draft(issued.id, _fees(workspace, detail, 1_00))
    with pytest.raises(DomainError, match="ne se modifie ni ne se supprime"):
        invoices.delete_draft(issued.id)


def test_split_credit_notes_give_back_exactly_the_invoices_vat(workspace):
    from dataclasses import replace

    company = workspace.company.get()
    workspace.company.save(replace(company, vat_status="Assujetti à la TVA", vat_number=""))
    detail = _dossier_with_plan(workspace)
    draft = workspace.invoices.create_draft(detail.id, _fees(workspace, detail, 1_000_06))
    invoice = workspace.invoices.issue(draft.changed_id).invoices[0]
    assert invoice.vat_cents == 200_01
    workspace.invoices.credit(invoice.id, 500_03)
    info = workspace.invoices.credit(invoice.id)  # the rest: it takes the VAT left
    notes = [i for i in info.invoices if i.credit_note]
    assert sum(n.vat_cents for n in notes) == -200_01
    assert sum(n.total_cents for n in notes) == -invoice.total_cents


def test_a_draft_edited_keeps_every_field_and_the_vat_is_the_one_of_the_day_of_issue(workspace):
    from dataclasses import replace

    detail = _dossier_with_plan(workspace)
    data = replace(
        _fees(workspace, detail),
        recipient_address="12 avenue Foch 75016 Paris",
        recipient_siren="812345601",
        recipient_is_business=True,
        payment_days=10,
    )
    draft = workspace.invoices.create_draft(detail.id, data).invoices[0]
    assert draft.data() == replace(data, recipient_name=draft.recipient_name)
    company = workspace.company.get()
    workspace.company.save(replace(company, vat_status="Assujetti à la TVA", vat_number=""))
    issued = workspace.invoices.issue(draft.id).invoices[0]
    assert issued.vat_cents == 500_00 and issued.due_on == TODAY + dt.timedelta(days=10)


def test_a_credit_note_cancels_part_or_all_of_an_invoice(workspace):
    detail = _dossier_with_plan(workspace)
    invoices = workspace.invoices
    draft = invoices.create_draft(detail.id, _fees(workspace, detail)).invoices[0]
    invoice = invoices.issue(draft.id).invoices[0]
    with pytest.raises(DomainError, match="au plus 2\u202f500,00"):
        invoices.credit(invoice.id, 3_000_00)
    info = invoices.credit(invoice.id, 500_00, "geste commercial")
    note = next(i for i in info.invoices if i.credit_note)
    assert note.number == f"A-{YEAR}-0001" and note.total_cents == -500_00
    assert note.credits_number == invoice.number and "geste commercial" in note.description
    invoice = next(i for i in info.invoices if i.id == invoice.id)
    assert invoice.remaining_cents == 2_000_00 and invoice.state is InvoiceState.ISSUED
    info = invoices.credit(invoice.id)  # the rest
    invoice = next(i for i in info.invoices if i.id == invoice.id)
    assert invoice.state is InvoiceState.CANCELLED and invoice.status == "Annulée"
    assert info.remaining_cents == 0


def test_a_flagged_dossier_asks_before_an_invoice_of_that_kind(workspace):
    detail = _dossier_with_plan(workspace)
    workspace.dossiers.set_flag(detail.id, detail.version, DossierFlag.NO_FEES, True)
    with pytest.raises(FlaggedKind, match="Pas d'honoraires"):
        workspace.invoices.create_draft(detail.id, _fees(workspace, detail))
    info = workspace.invoices.create_draft(detail.id, _fees(workspace, detail), despite_flag=True)
    assert len(info.invoices) == 1


def test_no_fees_are_asked_before_the_funds_are_released(workspace):
    detail = _dossier_with_plan(workspace, released=False)
    invoices = workspace.invoices
    draft = invoices.create_draft(detail.id, _fees(workspace, detail)).changed_id
    with pytest.raises(DomainError, match="L519-6") as refused:
        invoices.issue(draft)
    assert "date de déblocage des fonds" in refused.value.message
    detail = workspace.dossiers.get(detail.id)
    with pytest.raises(DomainError, match="après la signature de l'offre"):
        workspace.dossiers.set_date(detail.id, detail.version, DossierDate.FUNDS_RELEASED, TODAY)
    yesterday = TODAY - dt.timedelta(days=1)
    detail = workspace.dossiers.get(detail.id)
    detail = workspace.dossiers.set_date(detail.id, detail.version, DossierDate.CREATED, yesterday)
    detail = _released(workspace, detail, yesterday)
    invoices.issue(draft)
    # The release date the invoice rests on can no longer be cleared nor moved after it.
    detail = workspace.dossiers.get(detail.id)
    for moved in (None,):  # (moved after the day of issue: in the future here)
        with pytest.raises(DomainError, match="ne peut plus être effacée ni reculée"):
            workspace.dossiers.set_date(
                detail.id, detail.version, DossierDate.FUNDS_RELEASED, moved
            )
    payment = PaymentData(TODAY, 1_000_00, PaymentMeans.TRANSFER, "VIR 123")
    info = invoices.pay(draft, payment)
    row = info.invoices[0]
    assert row.paid_cents == 1_000_00 and row.status == "Partiellement payée"
    with pytest.raises(DomainError, match="dépasse le reste dû"):
        invoices.pay(draft, PaymentData(TODAY, 2_000_00, PaymentMeans.CHEQUE))
    with pytest.raises(DomainError, match="plus de 1 000 €"):  # a 2 500 € debt: no cash at all
        invoices.pay(draft, PaymentData(TODAY, 100_00, PaymentMeans.CASH))
    info = invoices.pay(draft, PaymentData(TODAY, 1_500_00, PaymentMeans.CHEQUE))
    assert info.invoices[0].status == "Payée" and info.remaining_cents == 0
    assert [p.means_label for p in info.invoices[0].payments] == ["Virement", "Chèque"]


def test_a_bank_commission_comes_from_the_bank_retained(workspace):
    detail = _dossier_with_plan(workspace)
    pipeline = workspace.pipeline
    info = pipeline.list(detail.id)
    lcl = next(b for b in info.banks if b.label.startswith("LCL"))
    from dataclasses import replace

    row = next(r for r in workspace.referential.banks() if r.id == lcl.id)
    with pytest.raises(DomainError, match="pas les deux"):
        workspace.referential.save_bank(
            lcl.id, replace(row.data, commission_rate_mpct=1000, commission_fixed_cents=500_00)
        )
    with pytest.raises(DomainError, match="de 0,001 à 5 %"):
        workspace.referential.save_bank(lcl.id, replace(row.data, commission_rate_mpct=6000))
    workspace.referential.save_bank(lcl.id, replace(row.data, commission_rate_mpct=1000))  # 1 %
    pipeline.save(
        detail.id,
        info.version,
        None,
        SubmissionData(
            lcl.id, SubmissionStatus.OFFER_ACCEPTED, amount_cents=240_000_00, rate=Decimal("3.4")
        ),
    )
    data = workspace.invoices.propose(detail.id, InvoiceKind.BANK_COMMISSION)
    assert data.recipient_name.startswith("LCL") and data.recipient_is_business
    assert data.amount_cents == 2_400_00 and data.bank_id == lcl.id


def test_vat_when_the_office_opted_for_it(workspace):
    from dataclasses import replace

    company = workspace.company.get()
    workspace.company.save(replace(company, vat_status="Assujetti à la TVA", vat_number=""))
    detail = _dossier_with_plan(workspace)
    info = workspace.invoices.create_draft(detail.id, _fees(workspace, detail, 1_000_01))
    row = info.invoices[0]
    assert row.vat_cents == vat_of(1_000_01, 2000) == 200_00 and row.total_cents == 1_200_01


def test_only_who_may_invoice_invoices(login_as):
    assistant, admin = login_as("assistant"), login_as("admin")
    detail = _dossier_with_plan(admin)
    with pytest.raises(PermissionDenied):
        assistant.invoices.create_draft(detail.id, _fees(admin, detail))
    draft = admin.invoices.create_draft(detail.id, _fees(admin, detail)).invoices[0]
    with pytest.raises(PermissionDenied):
        assistant.invoices.issue(draft.id)
    assert assistant.invoices.for_dossier(detail.id).invoices[0].number == ""  # may read


def test_issued_invoices_outlive_their_dossier(workspace):
    from models.office import Invoice

    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    draft = workspace.invoices.create_draft(detail.id, _fees(workspace, detail)).invoices[0]
    workspace.invoices.issue(draft.id)
    workspace.dossiers.delete(detail.id)
    with workspace.database.read() as session:
        [kept] = session.query(Invoice).filter_by(dossier_number=detail.number).all()
        assert kept.dossier_id is None and kept.dossier_number == detail.number
        assert kept.recipient_name == "DURAND Paul" and kept.number == number(1)


def _issue_many(db: str, dossier_id: int, count: int, queue) -> None:
    from app.paths import parse_location
    from app.workspace import OfficeDatabase

    office = OfficeDatabase(parse_location(db))  # the office's file, or its server
    workspace = office.workspace_for(office.authenticate("admin", "demo"))
    numbers: list[str] = []
    try:
        for _ in range(count):
            data = InvoiceData(
                InvoiceKind.FEES,
                "Client",
                "1 rue de la Paix 75002 Paris",
                description="Honoraires",
                amount_cents=100_00,
            )
            draft = workspace.invoices.create_draft(dossier_id, data)
            invoice = workspace.invoices.issue(draft.changed_id)
            numbers.append(next(i.number for i in invoice.invoices if i.id == draft.changed_id))
    except Exception as error:  # said to the test at once, not after its timeout
        numbers.append(f"failed: {error!r}")
    workspace.close()
    queue.put(numbers)


@pytest.mark.slow
def test_two_processes_issuing_at_once_never_share_nor_skip_a_number(workspace):
    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    workspace.close()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [
        context.Process(target=_issue_many, args=(db_argument(workspace), detail.id, 12, queue))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    numbers = queue.get(timeout=120) + queue.get(timeout=120)
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(numbers) == [number(n) for n in range(1, 25)]


def test_the_printed_invoice_has_the_mentions_french_law_requires(workspace, tmp_path):
    from pypdf import PdfReader

    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    draft = workspace.invoices.create_draft(detail.id, _fees(workspace, detail)).invoices[0]
    with pytest.raises(DomainError, match="brouillon ne s'imprime pas"):
        workspace.invoices.write_pdf(draft.id, tmp_path / "x.pdf")
    workspace.invoices.issue(draft.id)
    target = workspace.invoices.write_pdf(draft.id, tmp_path / "facture.pdf")
    text = (
        " ".join(" ".join(page.extract_text().split()) for page in PdfReader(target).pages)
        .replace("\u00a0", " ")
        .replace("\u202f", " ")
    )
    for expected in (
        f"FACTURE N° {number(1)}",
        "Atlantique Courtage Immobilier",
        "SARL au capital de 10 000 € — RCS Bordeaux 812 345 601",
        "ORIAS n° 23004567",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
        "DURAND Paul",
        "3 rue Vauban 33000 Bordeaux",
        f"Date d'émission {TODAY:%d/%m/%Y}",
        "Honoraires de courtage",
        "2 500,00 €",
        "article 261 C-1°-a",
        "trois fois le taux d'intérêt légal",
        "Date d'échéance",
    ):
        assert expected in text, expected
    assert "40 €" not in text  # a person, not a business
    # The office moves and changes its name: a reprint still says what the invoice said.
    from dataclasses import replace

    company = workspace.company.get()
    workspace.company.save(replace(company, name="Nouveau Nom Courtage", city="Nantes"))
    again = workspace.invoices.write_pdf(draft.id, tmp_path / "reprint.pdf")
    reprinted = " ".join(page.extract_text() for page in PdfReader(again).pages)
    assert "Atlantique Courtage Immobilier" in reprinted and "Nouveau Nom" not in reprinted
    info = workspace.invoices.credit(draft.id, 500_00)
    note = workspace.invoices.write_pdf(info.changed_id, tmp_path / "avoir.pdf")
    said = " ".join(page.extract_text() for page in PdfReader(note).pages)
    assert f"AVOIR N° A-{YEAR}-0001" in said and number(1) in said


def test_the_office_list_filters_and_totals_and_says_what_is_to_invoice(workspace):
    from app.invoicing.office_invoicing import InvoiceFilter

    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    office = workspace.invoices
    fees = office.create_draft(detail.id, _fees(workspace, detail, 1_000_00)).changed_id
    office.issue(fees)
    draft = office.create_draft(detail.id, _fees(workspace, detail, 300_00)).changed_id
    office.credit(fees, 200_00)
    found = workspace.office_invoicing.search(InvoiceFilter(dossier_id=detail.id))
    assert found.count == 3 and found.total_ttc_cents == 800_00  # the draft apart
    assert found.due_cents == 800_00 and found.paid_cents == 0
    statuses = {r.number or "draft": r.status for r in found.rows}
    assert statuses == {number(1): "Émise", f"A-{YEAR}-0001": "Avoir", "draft": "Brouillon"}
    only = workspace.office_invoicing.search(
        InvoiceFilter(dossier_id=detail.id, status="Brouillon")
    )
    assert [r.id for r in only.rows] == [draft]
    by_text = workspace.office_invoicing.search(InvoiceFilter(text=number(1)))
    assert [r.number for r in by_text.rows] == [number(1)]
    # «À facturer»: the offer signed, the fees invoiced; the commission still to come.
    [row] = [t for t in workspace.office_invoicing.to_invoice() if t.dossier_id == detail.id]
    assert row.kinds == (InvoiceKind.BANK_COMMISSION,)  # fees invoiced; no apporteur
    detail = workspace.dossiers.get(detail.id)
    workspace.dossiers.set_flag(detail.id, detail.version, DossierFlag.NO_BANK_COMMISSION, True)
    assert detail.id not in [t.dossier_id for t in workspace.office_invoicing.to_invoice()]


def test_the_sales_journal_for_the_accountant(workspace, tmp_path, monkeypatch, capsys):
    import csv

    import openpyxl

    import main

    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    office = workspace.invoices
    fees = office.create_draft(detail.id, _fees(workspace, detail, 1_500_00)).changed_id
    office.issue(fees)
    office.credit(fees, 300_00, "remise")
    office.pay(fees, PaymentData(TODAY, 1_200_00, PaymentMeans.TRANSFER, "=HYPERLINK(x)"))
    start = TODAY.replace(day=1)
    workbook = workspace.office_invoicing.write_journal(start, TODAY, tmp_path / "journal.xlsx")
    book = openpyxl.load_workbook(workbook)
    sales = [  # this dossier's (the demo office invoiced others this month)
        r for r in book["Ventes"].iter_rows(min_row=2, values_only=True) if r[5] == detail.number
    ]
    assert [(r[1], r[2], r[9]) for r in sales] == [
        ("Facture", number(1), 1500.0),
        ("Avoir", f"A-{YEAR}-0001", -300.0),
    ]
    assert sales[0][0].date() == TODAY and sales[1][3] == number(1)
    [paid] = [
        r for r in book["Règlements"].iter_rows(min_row=2, values_only=True) if r[1] == number(1)
    ]
    assert paid[5] == 1200.0 and paid[4] == "=HYPERLINK(x)"
    monkeypatch.setenv("DOSSIA_PASSWORD", "demo")
    target = tmp_path / "journal.csv"
    args = ["--db", db_argument(workspace), "invoices", "--user", "admin"]
    assert (
        main.main([*args, "--from", f"{start:%d/%m/%Y}", "--to", "demain", "--out", str(target)])
        == 2
    )
    assert "une date comme" in capsys.readouterr().err
    assert (
        main.main(
            [
                *args,
                "--from",
                f"{start:%d/%m/%Y}",
                "--to",
                f"{TODAY:%d/%m/%Y}",
                "--out",
                str(target),
            ]
        )
        == 0
    )
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    mine = [r for r in rows if len(r) > 5 and r[5] == detail.number]
    assert mine[0][2] == number(1) and mine[0][9] == "1500,00"
    assert mine[1][9] == "-300,00"
    [paid_row] = [r for r in rows if len(r) == 6 and r[1] == number(1)]
    assert paid_row[4] == "'=HYPERLINK(x)"  # never a formula in Excel


def test_the_demo_office_invoices_its_released_dossiers_in_order(workspace):
    """The demo office has invoiced the dossiers whose funds were released, numbered in the
    order of their dates, each series without a gap."""
    from models.dossier import Dossier
    from models.office import Invoice

    with workspace.database.read() as session:
        invoices = session.query(Invoice).all()
        assert invoices
        for invoice in invoices:
            dossier = session.get(Dossier, invoice.dossier_id)
            assert dossier.funds_released_on is not None
            assert invoice.issued_on >= dossier.funds_released_on
        by_series: dict[str, list] = {}
        for invoice in sorted(invoices, key=lambda i: i.sequence):
            by_series.setdefault(invoice.series, []).append(invoice)
        for rows in by_series.values():
            assert [i.sequence for i in rows] == list(range(1, len(rows) + 1))
            assert [i.issued_on for i in rows] == sorted(i.issued_on for i in rows)


def test_an_invoice_names_its_customer_fully_before_it_is_issued(workspace):
    from dataclasses import replace

    detail = _dossier_with_plan(workspace)
    service = workspace.invoices
    without = service.create_draft(
        detail.id, replace(_fees(workspace, detail), recipient_address="")
    )
    with pytest.raises(DomainError, match="adresse du client"):
        service.issue(without.changed_id)
    business = service.create_draft(
        detail.id, replace(_fees(workspace, detail), recipient_is_business=True)
    )
    with pytest.raises(DomainError, match="SIREN d'un client professionnel"):
        service.issue(business.changed_id)
    # A bank's identity comes from Paramètres › Banques.
    row = workspace.referential.banks()[0]
    workspace.referential.save_bank(
        row.id, replace(row.data, address="12 place de la Bourse 33000 Bordeaux", siren="812345601")
    )
    info = workspace.pipeline.list(detail.id)
    workspace.pipeline.save(
        detail.id,
        info.version,
        None,
        SubmissionData(row.id, SubmissionStatus.OFFER_ACCEPTED, amount_cents=100_000_00),
    )
    data = service.propose(detail.id, InvoiceKind.BANK_COMMISSION)
    assert data.recipient_address == "12 place de la Bourse 33000 Bordeaux"
    assert data.recipient_siren == "812345601" and data.recipient_is_business
    # A draft of a deleted dossier can still be deleted.
    detail = workspace.dossiers.get(detail.id)
    workspace.dossiers.delete(detail.id)
    assert service.delete_draft(without.changed_id) is None


def test_a_late_invoice_gets_its_reminder_letter(workspace, tmp_path):
    from pypdf import PdfReader

    from app.invoicing.office_invoicing import InvoiceFilter
    from models.office import Invoice

    detail = _dossier_with_plan(workspace)
    service = workspace.invoices
    invoice_id = service.create_draft(detail.id, _fees(workspace, detail, 1_800_00)).changed_id
    service.issue(invoice_id)
    with pytest.raises(DomainError, match="pas encore échue"):
        service.write_reminder(invoice_id, tmp_path / "r.pdf")
    service.pay(invoice_id, PaymentData(TODAY, 800_00, PaymentMeans.TRANSFER))
    with workspace.database.write() as session:  # forty days later, as it were
        session.get(Invoice, invoice_id).due_on = TODAY - dt.timedelta(days=40)
    late = workspace.office_invoicing.search(InvoiceFilter(status="En retard"))
    assert invoice_id in [r.id for r in late.rows]
    target = service.write_reminder(invoice_id, tmp_path / "relance.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(target).pages)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Objet : relance" in text and "depuis 40 jours" in text
    assert "1 000,00 €" in text and "DURAND Paul" in text
    assert "trois fois le taux d'intérêt légal" in text


def test_the_demo_office_has_nothing_in_the_future(tmp_path):
    """A dossier created on the day of the build moves on that day, never the next: no date
    of the demo office is after its «today» (its invoices would refuse any new one)."""
    import datetime as dt
    import sqlite3

    from app.demo import build_demo
    from app.paths import DataPaths
    from app.storage.database import Database
    from app.storage.schema import ensure_schema

    paths = DataPaths(tmp_path / "demo.sqlite3")
    ensure_schema(paths)
    database = Database(paths)
    today = dt.date(2026, 11, 30)
    build_demo(database, 1500, seed=3, today=today)
    database.dispose()
    with sqlite3.connect(paths.database) as connection:
        for table, column in (
            ("dossiers", "client_agreement_on"),
            ("dossiers", "offer_signed_on"),
            ("dossiers", "deed_signed_on"),
            ("dossiers", "funds_released_on"),
            ("dossiers", "abandoned_on"),
            ("invoices", "issued_on"),
            ("payments", "paid_on"),
        ):
            latest = connection.execute(f"SELECT MAX({column}) FROM {table}").fetchone()[0]
            assert latest is None or latest <= today.isoformat(), (table, column, latest)


def test_an_invoice_to_a_bank_is_a_factur_x(workspace, tmp_path):
    """A bank (a business) gets a Factur-X: the PDF/A-3 carrying the EN 16931 XML of the
    invoice, valid against its schema; a household gets a plain PDF; an office without a
    VAT number (EN 16931 wants one) gets a plain PDF too."""
    from dataclasses import replace

    import facturx
    from lxml import etree

    detail = _dossier_with_plan(workspace)
    bank = workspace.referential.banks()[0]  # the demo banks have an address and a SIREN
    info = workspace.pipeline.list(detail.id)
    workspace.pipeline.save(
        detail.id,
        info.version,
        None,
        SubmissionData(bank.id, SubmissionStatus.OFFER_ACCEPTED, amount_cents=200_000_00),
    )
    service = workspace.invoices
    commission = service.create_draft(
        detail.id, service.propose(detail.id, InvoiceKind.BANK_COMMISSION)
    ).changed_id
    info = service.issue(commission)
    row = next(r for r in info.invoices if r.id == commission)
    target = service.write_pdf(commission, tmp_path / "commission.pdf")
    name, xml = facturx.get_xml_from_pdf(target.read_bytes(), check_xsd=True)
    assert name == "factur-x.xml"
    tree = etree.fromstring(xml)
    ns = {
        "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    }
    assert tree.findtext("rsm:ExchangedDocument/ram:ID", namespaces=ns) == row.number
    assert tree.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=ns) == "380"
    total = tree.findtext(".//ram:GrandTotalAmount", namespaces=ns)
    assert total == f"{row.total_cents / 100:.2f}"
    assert facturx.get_level(tree) == "en16931"
    assert "Commission d'intermédiation" in _pdf_text(target)
    # Its credit note too, with the invoice it cancels.
    info = service.credit(commission, None, "offre retirée")
    note = next(r for r in info.invoices if r.credit_note)
    _, xml = facturx.get_xml_from_pdf(
        service.write_pdf(note.id, tmp_path / "avoir.pdf").read_bytes(), check_xsd=True
    )
    tree = etree.fromstring(xml)
    assert tree.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=ns) == "381"
    assert tree.findtext(
        ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=ns
    ) == (row.number)
    # A household's invoice is a plain PDF.
    fees = service.create_draft(detail.id, _fees(workspace, detail)).changed_id
    service.issue(fees)
    assert facturx.get_xml_from_pdf(
        service.write_pdf(fees, tmp_path / "fees.pdf").read_bytes(), check_xsd=False
    ) == (False, False)
    # An office without a VAT number: the bank's next invoice is a plain PDF (a reprint of
    # the first still says what it said, Factur-X included).
    workspace.company.save(replace(workspace.company.get(), vat_number=""))
    again = service.create_draft(
        detail.id, service.propose(detail.id, InvoiceKind.BANK_COMMISSION)
    ).changed_id
    service.issue(again)
    assert facturx.get_xml_from_pdf(
        service.write_pdf(again, tmp_path / "plain.pdf").read_bytes(), check_xsd=False
    ) == (False, False)
    name, _ = facturx.get_xml_from_pdf(
        service.write_pdf(commission, tmp_path / "reprint.pdf").read_bytes(), check_xsd=True
    )
    assert name == "factur-x.xml"


@pytest.mark.file_only("backups and the file's record of issued numbers")
def test_numbers_issued_after_a_backup_are_never_given_again(login_as):
    """An older backup restored brings back older counters: the invoices issued since were
    sent already. This computer remembers them (outside the database): the restore names
    the missing ones, and the next invoice takes the number after them."""
    workspace = login_as("admin")
    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    service = workspace.invoices

    def issue() -> str:
        invoice_id = service.create_draft(detail.id, _fees(workspace, detail)).changed_id
        return next(r.number for r in service.issue(invoice_id).invoices if r.id == invoice_id)

    assert issue() == number(1)
    backup = workspace.backups.back_up()
    assert [issue(), issue()] == [number(2), number(3)]
    result = workspace.backups.restore(backup.path)
    assert result.lost_numbers == (f"{number(2)} à {number(3)}",)
    again = login_as("admin")  # the office reopened on the restored data
    detail = again.dossiers.get(detail.id)
    invoice_id = again.invoices.create_draft(detail.id, _fees(again, detail)).changed_id
    info = again.invoices.issue(invoice_id)
    assert next(r.number for r in info.invoices if r.id == invoice_id) == number(4)
    from models.audit import AuditEvent
    from models.enums import AuditAction

    with again.database.read() as session:  # the restore says so in the restored data
        said = session.query(AuditEvent).filter_by(action=AuditAction.BACKUP_RESTORED).all()
        assert any("absentes" in event.details for event in said)


@pytest.mark.file_only("two office files in one folder")
def test_two_offices_in_one_folder_never_skip_each_others_numbers(login_as, tmp_path):
    """What a computer remembers of the numbers it issued belongs to one database file: a
    copy of the office kept in the same folder (to try something) numbers on without a gap."""
    import sqlite3

    from app.paths import DataPaths
    from app.workspace import OfficeDatabase
    from tests.conftest import PASSWORD

    workspace = login_as("admin")
    detail = _dossier_with_plan(workspace)
    number = _numbers(workspace)
    copy = workspace.paths.folder / "copie.sqlite3"
    source = sqlite3.connect(workspace.paths.database)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    for _ in range(3):
        invoice_id = workspace.invoices.create_draft(detail.id, _fees(workspace, detail)).changed_id
        workspace.invoices.issue(invoice_id)
    office = OfficeDatabase(DataPaths(copy))
    other = office.workspace_for(office.authenticate("admin", PASSWORD))
    try:
        detail = other.dossiers.get(detail.id)
        invoice_id = other.invoices.create_draft(detail.id, _fees(other, detail)).changed_id
        info = other.invoices.issue(invoice_id)
        assert next(r.number for r in info.invoices if r.id == invoice_id) == number(1)
    finally:
        other.close()


def test_an_invoice_is_issued_only_with_the_offices_mentions(workspace):
    from dataclasses import replace

    detail = _dossier_with_plan(workspace)
    draft = workspace.invoices.create_draft(detail.id, _fees(workspace, detail)).changed_id
    company = workspace.company.get()
    workspace.company.save(replace(company, legal_form="", rcs_city=""))
    with pytest.raises(DomainError, match="forme juridique, ville du greffe") as error:
        workspace.invoices.issue(draft)
    assert "Paramètres › Société" in error.value.message
    with pytest.raises(DomainError, match="pas de capital social") as error:
        workspace.company.save(replace(company, legal_form="EI"))
    assert error.value.field == "share_capital"
    workspace.company.save(replace(company, legal_form="EI", share_capital=""))
    workspace.invoices.issue(draft)  # an EI has no capital to state


def test_who_may_not_invoice_may_not_pay_credit_or_refund(login_as):
    admin, assistant = login_as("admin"), login_as("assistant")
    detail = _dossier_with_plan(admin)
    invoice_id = admin.invoices.create_draft(detail.id, _fees(admin, detail)).changed_id
    admin.invoices.issue(invoice_id)
    draft = admin.invoices.create_draft(detail.id, _fees(admin, detail)).changed_id
    paid = PaymentData(TODAY, 100_00, PaymentMeans.TRANSFER)
    for attempt in (
        lambda: assistant.invoices.pay(invoice_id, paid),
        lambda: assistant.invoices.credit(invoice_id, 100_00),
        lambda: assistant.invoices.refund(invoice_id, paid),
        lambda: assistant.invoices.delete_draft(draft),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert admin.invoices.for_dossier(detail.id).invoices[0].paid_cents == 0


def test_the_status_listed_is_the_status_of_the_dossier_tab(workspace):
    """The window computes each status in SQL, the dossier's tab in Python: the same words
    for every state — issued, partly paid, late, paid, partly credited, overpaid, cancelled,
    cancelled and overpaid, a credit note, a draft."""
    from app.invoicing.office_invoicing import InvoiceFilter
    from models.office import Invoice

    detail = _dossier_with_plan(workspace)
    office = workspace.invoices

    def issued(amount: int) -> int:
        invoice_id = office.create_draft(detail.id, _fees(workspace, detail, amount)).changed_id
        office.issue(invoice_id)
        return invoice_id

    def pay(invoice_id: int, amount: int) -> None:
        office.pay(invoice_id, PaymentData(TODAY, amount, PaymentMeans.TRANSFER))

    office.create_draft(detail.id, _fees(workspace, detail, 100_00))  # a draft
    issued(100_00)  # émise
    pay(issued(300_00), 100_00)  # partiellement payée
    pay(issued(200_00), 200_00)  # payée
    late = issued(400_00)  # en retard
    with workspace.database.write() as session:
        session.get(Invoice, late).due_on = TODAY - dt.timedelta(days=3)
    partly = issued(500_00)
    office.credit(partly, 100_00)  # partly credited, nothing paid
    overpaid = issued(600_00)
    pay(overpaid, 600_00)
    office.credit(overpaid, 100_00)  # à rembourser
    cancelled = issued(700_00)
    office.credit(cancelled)  # annulée
    gone = issued(800_00)
    pay(gone, 800_00)
    office.credit(gone)  # annulée, à rembourser
    tab = {r.id: r.status for r in office.for_dossier(detail.id).invoices}
    listed = {
        r.id: r.status
        for r in workspace.office_invoicing.search(InvoiceFilter(dossier_id=detail.id)).rows
    }
    assert listed == tab
    assert set(tab.values()) == {
        "Brouillon",
        "Émise",
        "Partiellement payée",
        "Payée",
        "En retard",
        "À rembourser",
        "Annulée",
        "Avoir",
    }
    with workspace.database.read() as session:  # the kept balances are the sums
        from sqlalchemy import func, select

        from models.office import Payment

        for invoice in session.scalars(select(Invoice).where(Invoice.dossier_id == detail.id)):
            paid = session.scalar(
                select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
                    Payment.invoice_id == invoice.id
                )
            )
            credited = session.scalar(
                select(func.coalesce(func.sum(Invoice.total_cents), 0)).where(
                    Invoice.credits_id == invoice.id
                )
            )
            assert (invoice.paid_cents, invoice.credited_cents) == (paid, credited)


def _with_referrer(workspace, detail, kind=None, **data):
    """The dossier sent by a new apporteur (a company unless `kind` says otherwise)."""
    from app.office.referential import ReferrerData
    from models.enums import ReferrerKind

    values = {
        "name": "Agence du Port",
        "kind": kind or ReferrerKind.COMPANY,
        "siren": "732829320",
        "address": "1 quai du Port 33000 Bordeaux",
        "rebate_rate_mpct": 10_000,  # 10 % of the fees
        "vat_regime": "exonere",  # an intermediary in credit, exempt
        "billing_mandate_on": dt.date(YEAR - 1, 1, 10),
    } | data
    rows = workspace.referential.save_referrer(None, ReferrerData(**values))
    referrer = next(r for r in rows if r.data.name == values["name"])
    detail = workspace.dossiers.get(detail.id)
    provenances = {c.label: c.id for c in workspace.office.active_provenances()}
    detail = workspace.dossiers.change_provenance(
        detail.id, detail.version, provenances["Apporteur d'affaires"], "", referrer.id
    )
    return workspace.dossiers.get(detail.id), referrer.id


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    return (
        " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)
        .replace("\u00a0", " ")
        .replace("\u202f", " ")
    )
