"""«Journal des ventes» for the accountant: the invoices and credit notes issued over a period,
and the payments received (then, apart, the apporteurs' rebates and what was paid them), to XLSX (typed cells: dates as dates, amounts as numbers in €,
frozen header) and to CSV for French Excel (semicolons, decimal commas, UTF-8 with BOM)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from app import xlsx
from app.files import atomic_path, atomic_write
from app.text import format_date

SALES_HEADERS = (
    "Date",
    "Pièce",
    "N°",
    "Facture d'origine",
    "Type",
    "Dossier",
    "Client",
    "Montant HT",
    "TVA",
    "Montant TTC",
)
PAYMENTS_HEADERS = ("Date", "Facture", "Client", "Moyen", "Référence", "Montant")
REBATE_HEADERS = (*SALES_HEADERS[:6], "Apporteur", *SALES_HEADERS[7:])


class SaleLine(NamedTuple):  # a tuple: a year's 50,000 lines are made in a blink
    issued_on: dt.date
    credit_note: bool
    number: str
    credits_number: str
    kind_label: str
    dossier_number: str
    recipient_name: str
    amount_cents: int
    vat_cents: int
    total_cents: int


class PaymentLine(NamedTuple):
    paid_on: dt.date
    invoice_number: str
    recipient_name: str
    means_label: str
    reference: str
    amount_cents: int


@dataclass(frozen=True)
class Journal:
    start: dt.date
    end: dt.date
    sales: tuple[SaleLine, ...]
    payments: tuple[PaymentLine, ...]  # received (a refund: negative)
    # The apporteurs' rebates (self-billed, purchases of the office) and what was paid them
    rebates: tuple[SaleLine, ...] = ()
    rebate_payments: tuple[PaymentLine, ...] = ()


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros},{rest:02d}"


_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()


def _serial(day: dt.date) -> int:
    """A date as Excel counts it (shown as a date by the cell's format)."""
    return day.toordinal() - _EXCEL_EPOCH


def _cell(text: str) -> str:
    """A text cell Excel will not take for a formula (a name typed «=HYPERLINK(…)»)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _sale_cells(s: SaleLine) -> list[str]:
    return [
        format_date(s.issued_on),
        "Avoir" if s.credit_note else "Facture",
        s.number,
        s.credits_number,
        s.kind_label,
        s.dossier_number,
        _cell(s.recipient_name),
        _euros(s.amount_cents),
        _euros(s.vat_cents),
        _euros(s.total_cents),
    ]


def _payment_cells(p: PaymentLine) -> list[str]:
    return [
        format_date(p.paid_on),
        p.invoice_number,
        _cell(p.recipient_name),
        p.means_label,
        _cell(p.reference),
        _euros(p.amount_cents),
    ]


def write_csv(journal: Journal, target: Path) -> Path:
    """Sales, payments, then the rebates and their payments, each section under its
    title and headers, a blank line between."""
    with atomic_write(target, encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        sections = (
            ("Ventes", SALES_HEADERS, [_sale_cells(s) for s in journal.sales]),
            ("Règlements", PAYMENTS_HEADERS, [_payment_cells(p) for p in journal.payments]),
            ("Ristournes", REBATE_HEADERS, [_sale_cells(s) for s in journal.rebates]),
            (
                "Versements des ristournes",
                PAYMENTS_HEADERS,
                [_payment_cells(p) for p in journal.rebate_payments],
            ),
        )
        for index, (title, headers, rows) in enumerate(sections):
            if index:
                writer.writerow([])
            writer.writerow([title])
            writer.writerow(headers)
            writer.writerows(rows)
    return target


def write_xlsx(journal: Journal, target: Path) -> Path:
    title = f"Journal des ventes du {format_date(journal.start)} au {format_date(journal.end)}"
    # A year is 75,000 lines: streamed.
    with atomic_path(target) as partial, xlsx.workbook(partial, title) as workbook:
        euro = workbook.add_format({"num_format": '#,##0.00 "€"'})
        date = workbook.add_format({"num_format": "dd/mm/yyyy"})
        bold = workbook.add_format({"bold": True, "bg_color": "#F0F4F8", "border": 1})

        def sheet(name: str, headers: Sequence[str], widths: Sequence[int], rows: int):
            worksheet = workbook.add_worksheet(name)
            worksheet.write_row(0, 0, headers, bold)
            worksheet.freeze_panes(1, 0)
            for column, width in enumerate(widths):
                worksheet.set_column(column, column, width)
            worksheet.autofilter(0, 0, rows, len(headers) - 1)
            return worksheet

        def texts(worksheet, row: int, cells: dict[int, str]) -> None:
            for column, text in cells.items():
                if text:  # an empty cell stays empty (and costs nothing)
                    worksheet.write_string(row, column, text)

        def sales_sheet(name: str, headers: Sequence[str], lines: Sequence[SaleLine]) -> None:
            widths = (11, 9, 16, 16, 20, 13, 34, 14, 12, 14)
            worksheet = sheet(name, headers, widths, len(lines))
            for row, s in enumerate(lines, start=1):
                worksheet.write_number(row, 0, _serial(s.issued_on), date)
                texts(
                    worksheet,
                    row,
                    {
                        1: "Avoir" if s.credit_note else "Facture",
                        2: s.number,
                        3: s.credits_number,
                        4: s.kind_label,
                        5: s.dossier_number,
                        6: s.recipient_name,
                    },
                )
                for column, cents in ((7, s.amount_cents), (8, s.vat_cents), (9, s.total_cents)):
                    worksheet.write_number(row, column, cents / 100, euro)

        def payments_sheet(name: str, lines: Sequence[PaymentLine]) -> None:
            worksheet = sheet(name, PAYMENTS_HEADERS, (11, 16, 34, 14, 24, 14), len(lines))
            for row, p in enumerate(lines, start=1):
                worksheet.write_number(row, 0, _serial(p.paid_on), date)
                texts(
                    worksheet,
                    row,
                    {1: p.invoice_number, 2: p.recipient_name, 3: p.means_label, 4: p.reference},
                )
                worksheet.write_number(row, 5, p.amount_cents / 100, euro)

        sales_sheet("Ventes", SALES_HEADERS, journal.sales)
        payments_sheet("Règlements", journal.payments)
        sales_sheet("Ristournes", REBATE_HEADERS, journal.rebates)
        payments_sheet("Versements ristournes", journal.rebate_payments)
    return target
