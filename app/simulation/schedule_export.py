"""A plan's amortization table exported for the client or the bank: XLSX (typed cells,
euro format, frozen header; one sheet for the whole plan by month, one by year, one per
loan) and CSV for French Excel (semicolons, decimal commas, UTF-8 with BOM).

XlsxWriter is imported only when a workbook is written. Cells are written as numbers or as
strings, never as formulas: a name starting with «=» stays text."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from app import xlsx
from app.files import atomic_path, atomic_write
from app.simulation.finance import PlanResult, Schedule

HEADERS = ("Mois", "Échéance", "Intérêts", "Capital", "Assurance", "Total", "Restant dû")
YEAR_HEADERS = ("Année", "Échéances", "Intérêts", "Capital", "Assurance", "Total", "Restant dû")
# The chart of a plan, on screen and in the PDF: per year (a column of plan_years), stacked
# bars, and the capital still owed as a line; same names and colours in both.
CHART_BARS = (("Capital", 3, "#1f5f8b"), ("Intérêts", 2, "#616e7c"), ("Assurance", 4, "#cbd2d9"))
CHART_LINE = ("Capital restant dû", 6, "#c0504d")


def round_top(value: float) -> float:
    """A round top for a chart's scale, at or above the value (326 700 → 400 000)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    return float(-(-value // magnitude) * magnitude)


def plan_months(result: PlanResult) -> Iterator[tuple[int, int, int, int, int, int, int]]:
    """Per month, all loans together: (month, payment, interest, capital, insurance, total,
    remaining), in cents."""
    for index in range(len(result.monthly_cents)):
        months = [s.months[index] for s in result.schedules if index < len(s.months)]
        payment = sum(m.payment_cents for m in months)
        insurance = sum(m.insurance_cents for m in months)
        yield (
            index + 1,
            payment,
            sum(m.interest_cents for m in months),
            sum(m.capital_cents for m in months),
            insurance,
            payment + insurance,
            sum(m.remaining_cents for m in months),
        )


def plan_years(result: PlanResult) -> list[tuple[int, int, int, int, int, int, int]]:
    """The same, year by year (12 months each; the remaining capital at the year's end)."""
    years: list[tuple[int, int, int, int, int, int, int]] = []
    rows = list(plan_months(result))
    for start in range(0, len(rows), 12):
        chunk = rows[start : start + 12]
        payment, interest, capital, insurance, total = (
            sum(row[column] for row in chunk) for column in range(1, 6)
        )
        years.append((start // 12 + 1, payment, interest, capital, insurance, total, chunk[-1][6]))
    return years


def line_months(table: Schedule) -> Iterator[tuple[int, int, int, int, int, int, int]]:
    for month in table.months:
        yield (
            month.number,
            month.payment_cents,
            month.interest_cents,
            month.capital_cents,
            month.insurance_cents,
            month.total_cents,
            month.remaining_cents,
        )


def _euros(cents: int) -> str:
    """«1234,56» (a number French Excel reads; no thousands separator)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros},{rest:02d}"


def write_csv(result: PlanResult, target: Path) -> Path:
    """The whole plan month by month, for French Excel."""
    with atomic_write(target, encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(HEADERS)
        for month, *amounts in plan_months(result):
            writer.writerow([month, *(_euros(a) for a in amounts)])
    return target


def write_xlsx(result: PlanResult, target: Path, title: str = "") -> Path:
    # Sheets written side by side (not streamed): a plan is at most a few thousand lines.
    with atomic_path(target) as partial, xlsx.workbook(partial, title, streamed=False) as workbook:
        euro = workbook.add_format({"num_format": '#,##0.00 "€"'})
        bold = workbook.add_format({"bold": True, "bg_color": "#F0F4F8", "border": 1})

        def sheet(name: str, headers, rows) -> None:
            worksheet = workbook.add_worksheet(name[:31])
            worksheet.write_row(0, 0, headers, bold)
            worksheet.freeze_panes(1, 0)
            worksheet.set_column(0, 0, 8)
            worksheet.set_column(1, len(headers) - 1, 15, euro)
            for index, (first, *amounts) in enumerate(rows, start=1):
                worksheet.write_number(index, 0, first)
                for column, cents in enumerate(amounts, start=1):
                    worksheet.write_number(index, column, cents / 100, euro)

        sheet("Plan par mois", HEADERS, plan_months(result))
        sheet("Plan par année", YEAR_HEADERS, plan_years(result))
        for number, table in enumerate(result.schedules, start=1):
            sheet(f"Prêt {number}", HEADERS, line_months(table))
    return target
