"""The «Export C1» written out: Excel (dates as dates, amounts in euros, percentages, frozen
header, autofilter, a sheet of totals per broker and per step), CSV for French Excel
(semicolons, UTF-8 with a BOM, decimal commas, formulas neutralised) and a PDF summary
(totals per broker and per step, the incomplete dossiers). Rows are streamed: written as
they are read, never all in memory. Each writer writes the path it is given; the service
gives it a temporary one that takes the target's name once the export is audited."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from app import xlsx
from app.exports.c1 import (
    INDEX,
    TOTAL_HEADERS,
    C1Filters,
    ExportModel,
    Kind,
    Row,
    Summary,
    total_cells,
)
from app.text import format_amount, format_date

PDF_INCOMPLETE_MAX = 500  # the PDF lists this many; the workbook holds them all


class Format:
    XLSX = "xlsx"
    CSV = "csv"
    PDF = "pdf"
    ALL = (XLSX, CSV, PDF)
    LABELS = {XLSX: "Excel (.xlsx)", CSV: "CSV (.csv)", PDF: "PDF — synthèse (.pdf)"}


def format_of(target: Path) -> str:
    suffix = target.suffix.lower().lstrip(".")
    return suffix if suffix in Format.ALL else ""


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula («=HYPERLINK(…)» typed as a name)."""
    return "'" + text if text[:1] in _FORMULA_STARTS else text


class _Memo(dict):
    """A column's cells written once per distinct value (dates, steps, brokers… repeat
    across 100,000 rows): a hit is a dictionary lookup in C, no Python call."""

    def __init__(self, write: Callable[[Any], str]) -> None:
        super().__init__({None: ""})
        self._write = write

    def __missing__(self, value: Any) -> str:
        if len(self) > 10_000:  # a column of unique values: no point keeping them
            self.clear()
            self[None] = ""
        text = self[value] = self._write(value)
        return text


def _euros(cents: int) -> str:
    """«-1234,50»: exact for any amount under 90,000 billion euros (a double holds
    cents / 100 to within far less than half a cent)."""
    return f"{cents / 100:.2f}".replace(".", ",")


def _date(value: dt.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}" if value else ""


def _csv_formatter(kind: Kind, repeats: bool) -> Callable[[Any], str]:
    """How one column's values are written (chosen once per column, not per cell)."""
    if kind is Kind.TEXT and not repeats:
        return lambda value: neutral(value) if value else ""
    if kind is Kind.AMOUNT:
        return lambda value: "" if value is None else _euros(value)
    if kind is Kind.RATE:
        return lambda value: "" if value is None else _euros(value) + " %"
    write: Callable[[Any], str] = {
        Kind.TEXT: lambda value: neutral(value) if value else "",
        Kind.DATE: _date,
        Kind.PERCENT: lambda value: f"{value} %",
        Kind.YES_NO: lambda value: "Oui" if value else "Non",
    }[kind]
    return _Memo(write).__getitem__


def write_csv(rows: Iterable[Row], model: ExportModel, summary: Summary, target: Path) -> Path:
    columns = model.shown
    cells = [(INDEX[c.key], _csv_formatter(c.kind, c.repeats)) for c in columns]
    with open(target, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow([column.header for column in columns])
        for row in rows:
            summary.add(row)
            writer.writerow([write(row[index]) for index, write in cells])
    return target


_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()


def write_xlsx(
    rows: Iterable[Row], model: ExportModel, summary: Summary, target: Path, title: str
) -> Path:
    with xlsx.workbook(target, title) as book:
        _fill_workbook(book, rows, model.shown, summary)
    return target


def _fill_workbook(workbook: Any, rows: Iterable[Row], columns: tuple, summary: Summary) -> None:
    formats = {
        Kind.AMOUNT: workbook.add_format({"num_format": '#,##0.00 "€"'}),
        Kind.DATE: workbook.add_format({"num_format": "dd/mm/yyyy"}),
        Kind.PERCENT: workbook.add_format({"num_format": "0 %"}),
        Kind.RATE: workbook.add_format({"num_format": "0.00 %"}),
    }
    head = workbook.add_format(
        {"bold": True, "bg_color": "#F0F4F8", "border": 1, "text_wrap": True}
    )
    sheet = workbook.add_worksheet("Dossiers")
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
    sheet.write_row(0, 0, [column.header for column in columns], head)
    # Each column written by its own small function, chosen once: 2.5 million cells.
    writers = [_xlsx_writer(sheet, index, c.kind, formats) for index, c in enumerate(columns)]
    indexes = [INDEX[column.key] for column in columns]
    number = 0
    for number, row in enumerate(rows, start=1):
        summary.add(row)
        for write, index in zip(writers, indexes, strict=True):
            value = row[index]
            if value is not None and value != "":
                write(number, value)
    sheet.autofilter(0, 0, max(number, 1), len(columns) - 1)
    _totals_sheet(workbook, summary, head, formats[Kind.AMOUNT])


def _xlsx_writer(sheet: Any, index: int, kind: Kind, formats: dict) -> Callable[[int, Any], Any]:
    if kind is Kind.TEXT:
        return lambda row, value: sheet.write_string(row, index, str(value))
    if kind is Kind.DATE:
        date = formats[Kind.DATE]
        return lambda row, value: sheet.write_number(
            row, index, value.toordinal() - _EXCEL_EPOCH, date
        )
    if kind is Kind.AMOUNT:
        euro = formats[Kind.AMOUNT]
        return lambda row, value: sheet.write_number(row, index, value / 100, euro)
    if kind is Kind.PERCENT:
        percent = formats[Kind.PERCENT]
        return lambda row, value: sheet.write_number(row, index, value / 100, percent)
    if kind is Kind.RATE:
        rate = formats[Kind.RATE]
        return lambda row, value: sheet.write_number(row, index, value / 10_000, rate)
    return lambda row, value: sheet.write_string(row, index, "Oui" if value else "Non")


def _totals_sheet(workbook: Any, summary: Summary, head: Any, euro: Any) -> None:
    sheet = workbook.add_worksheet("Totaux")
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 2, 10)
    sheet.set_column(3, len(TOTAL_HEADERS), 16)
    bold = workbook.add_format({"bold": True})
    bold_euro = workbook.add_format({"bold": True, "num_format": '#,##0.00 "€"'})
    row = 0
    for title, groups in (
        ("Par courtier", summary.brokers()),
        ("Par étape", summary.steps()),
    ):
        sheet.write_row(row, 0, [title, *TOTAL_HEADERS], head)
        row += 1
        for name, totals in groups:
            sheet.write_string(row, 0, name)
            for column, value in enumerate(total_cells(totals), start=1):
                if column <= 2:
                    sheet.write_number(row, column, value)
                else:
                    sheet.write_number(row, column, value / 100, euro)
            row += 1
        sheet.write_string(row, 0, "Total", bold)
        for column, value in enumerate(total_cells(summary.whole), start=1):
            if column <= 2:
                sheet.write_number(row, column, value, bold)
            else:
                sheet.write_number(row, column, value / 100, bold_euro)
        row += 2


def write_pdf(
    rows: Iterable[Row],
    summary: Summary,
    filters: C1Filters,
    target: Path,
    office: str,
    today: dt.date,
    stop: Callable[[], bool] | None = None,
) -> Path:
    """The summary: totals per broker and per step, then the incomplete dossiers (the
    oldest first, at most `PDF_INCOMPLETE_MAX`)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from app.pdf import house

    for row in rows:  # read through: the figures are added up as the rows come
        summary.add(row)
    styles = house.Styles()
    title = "Export C1 — contrôle de premier niveau"
    story: list[Any] = [
        house.para("EXPORT C1 — CONTRÔLE DE PREMIER NIVEAU", styles.title),
        house.para(
            f"{_first_upper(filters.describe())} — établi le {format_date(today)}", styles.small
        ),
        Spacer(1, 4 * mm),
        house.key_values(
            [
                ("Dossiers", str(summary.whole.dossiers)),
                ("Complets", f"{summary.whole.complete} sur {summary.whole.dossiers}"),
                ("Montant financé", format_amount(summary.whole.financed_cents)),
                ("Honoraires facturés", format_amount(summary.whole.fees_invoiced_cents)),
                ("Commissions facturées", format_amount(summary.whole.commission_invoiced_cents)),
            ],
            styles,
        ),
        Spacer(1, 5 * mm),
    ]
    figures = ("Dossiers", "Complets", "Financé", "Honoraires", "Commission", "Ristournes")
    for heading, name, groups in (
        ("Par courtier", "Courtier", summary.brokers()),
        ("Par étape", "Étape", summary.steps()),
    ):
        story.append(house.para(heading, styles.h1))
        lines = [_pdf_totals(group, totals) for group, totals in groups]
        lines.append(_pdf_totals("Total", summary.whole))
        story += [house.grid((name, *figures), lines, styles), Spacer(1, 5 * mm)]
    incomplete = sorted(summary.incomplete, key=lambda item: (item[4], item[0]))
    story.append(house.para(f"Dossiers incomplets ({len(incomplete)})", styles.h1))
    if incomplete:
        story.append(
            house.grid(
                ("N° dossier", "Porteur de projet", "Courtier", "Étape", "Créé le"),
                [
                    [number, holder, owner, step, format_date(created)]
                    for number, holder, owner, step, created in incomplete[:PDF_INCOMPLETE_MAX]
                ],
                styles,
            )
        )
        if len(incomplete) > PDF_INCOMPLETE_MAX:
            story.append(
                house.para(
                    f"… et {len(incomplete) - PDF_INCOMPLETE_MAX} autres : la liste entière est "
                    "dans l'export Excel ou CSV.",
                    styles.small,
                )
            )
    else:
        story.append(house.para("Tous les dossiers en cours sont complets.", styles.body))
    house.build(
        target, story, office=office, title=title, author=office, printed_on=today, stop=stop
    )
    return target


def _first_upper(text: str) -> str:
    """«Date de création du …» (str.capitalize would lower «Abandonné» further on)."""
    return text[:1].upper() + text[1:]


def _pdf_totals(name: str, totals: Any) -> list[str]:
    return [
        name,
        str(totals.dossiers),
        str(totals.complete),
        format_amount(totals.financed_cents),
        format_amount(totals.fees_invoiced_cents),
        format_amount(totals.commission_invoiced_cents),
        format_amount(totals.rebate_cents),
    ]


def counted(rows: Iterable[Row], every: int, tick: Callable[[int], None]) -> Iterator[Row]:
    """The rows, `tick(n)` called every `every` rows (progress, and the chance to cancel)."""
    number = 0
    for number, row in enumerate(rows, start=1):
        if number % every == 0:
            tick(number)
        yield row
    tick(number)
