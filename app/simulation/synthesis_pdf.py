"""«Synthèse de financement»: a simulation on paper, for the client or a bank, in the house
style (app/pdf): the office's letterhead, the borrowers (their contact details left out when
the dossier says so), the project, the plan and its figures, a chart by year, the «note de
synthèse» (the comments flagged for it, their bold, italic, underline and lists kept), and
the amortization by year in annex.

User text is escaped; the comments' rich text (already reduced to a safe subset of HTML when
stored) is rebuilt here tag by tag, so nothing typed can become reportlab markup."""

from __future__ import annotations

import html
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from app.office.company import letterhead_lines
from app.pdf import house
from app.simulation.finance import PlanResult
from app.simulation.schedule_export import (
    CHART_BARS,
    CHART_LINE,
    YEAR_HEADERS,
    plan_years,
    round_top,
)
from app.simulation.summary import percent
from app.simulation.synthesis_data import SynthesisData
from app.text import format_amount, format_date, format_duration

SUBJECT = "Synthèse de financement"


def write_synthesis(
    data: SynthesisData, target: Path, stop: Callable[[], bool] | None = None
) -> None:
    styles = house.Styles()
    office = data.company.name or "Cabinet de courtage"
    story: list[Any] = _letterhead(data, styles)
    story += [
        house.para(f"{SUBJECT} — {data.plan.name}", styles.title),
        house.para(
            f"Dossier {data.dossier_number}, établie le {format_date(data.printed_on)}.",
            styles.small,
        ),
        house.SPACE,
    ]
    story += _borrowers(data, styles)
    story += project_section(data, styles)
    story += plan_section(data, styles)
    story += notes_section(data, styles)
    story += year_annex(data.result, styles)
    house.build(
        target,
        story,
        office=office,
        title=f"{SUBJECT} — dossier {data.dossier_number}",
        author=office,
        printed_on=data.printed_on,
        stop=stop,
    )


def year_annex(result: PlanResult, styles: house.Styles) -> list[Any]:
    """The amortization by year, on a page of its own."""
    years = plan_years(result)
    return [
        PageBreak(),
        house.para("Annexe : tableau d'amortissement par année", styles.h1),
        house.grid(
            YEAR_HEADERS,
            [[str(y[0]), *(format_amount(v) for v in y[1:])] for y in years],
            styles,
        ),
    ]


def _letterhead(data: SynthesisData, styles: house.Styles) -> list[Any]:
    return house.letterhead(letterhead_lines(data.company), data.logo, styles)


def _borrowers(data: SynthesisData, styles: house.Styles) -> list[Any]:
    story: list[Any] = [house.para("Emprunteurs", styles.h1)]
    for person in data.borrowers:
        pairs = [("Nom", person.name), *person.details]
        story.append(house.key_values(pairs, styles))
        story.append(Spacer(1, 2 * mm))
    return story


def project_section(data: SynthesisData, styles: house.Styles) -> list[Any]:
    project = data.project
    pairs = [
        ("Nature", project.nature.label if project.nature else ""),
        ("Usage", project.use.label if project.use else ""),
        ("Prix", format_amount(project.price_cents) if project.price_cents else ""),
        (
            "Frais de notaire",
            format_amount(project.notary_fees_cents) if project.notary_fees_cents else "",
        ),
        ("Travaux", format_amount(project.works_cents) if project.works_cents else ""),
        ("Coût total de l'opération", format_amount(project.total_cents)),
        ("Apport", format_amount(project.contribution_cents or 0)),
        ("Montant à financer", format_amount(project.to_finance_cents)),
    ]
    return [
        house.heading_with(
            house.key_values([(k, v) for k, v in pairs if v], styles),
            house.para("Projet", styles.h1),
        )
    ]


def plan_section(data: SynthesisData, styles: house.Styles) -> list[Any]:
    result, plan = data.result, data.plan
    rows = []
    for index, line in enumerate(plan.lines):
        table = result.schedules[index]
        rows.append(
            [
                line.kind.label,
                format_amount(line.amount_cents),
                percent(line.rate),
                format_duration(line.months),
                f"{line.deferral.label} {line.deferral_months} mois"
                if line.deferral_months
                else "—",
                format_amount(table.repaying.payment_cents),
                format_amount(table.repaying.insurance_cents),
            ]
        )
    first = result.first_monthly_cents
    without = result.monthly_without_insurance_cents[result.usual_month]
    figures = [
        ("Montant emprunté", format_amount(result.borrowed_cents)),
        ("Mensualité", f"{format_amount(first)} dont assurance {format_amount(first - without)}"),
        ("Intérêts", format_amount(result.interest_cents)),
        ("Assurance", format_amount(result.insurance_cents)),
        ("Frais (dossier, garantie, courtage)", format_amount(result.fees_cents)),
        ("Coût total du crédit", format_amount(result.cost_cents)),
        ("TAEG", f"{percent(result.taeg)} (dont TAEA {percent(result.taea)})"),
        *data.verdicts,
    ]
    if plan.smoothing:
        figures.insert(2, ("Lissage", "mensualités lissées : total constant"))
    return [
        house.para("Plan de financement", styles.h1),
        house.grid(
            ("Prêt", "Montant", "Taux", "Durée", "Différé", "Mensualité", "Assurance"),
            rows,
            styles,
        ),
        Spacer(1, 3 * mm),
        house.key_values(figures, styles),
        Spacer(1, 4 * mm),
        KeepTogether(
            [house.para("Remboursement année par année", styles.h2), _chart(result, styles)]
        ),
    ]


def _chart(result: PlanResult, styles: house.Styles) -> Drawing:
    """Per year: capital, interest and insurance paid, stacked; and the capital still owed
    at the year's end, as a line on its own scale (on the right)."""
    years = plan_years(result)
    width, height = house.WIDTH, 62 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = int(16 * mm), int(12 * mm)
    chart.width, chart.height = int(width - 34 * mm), int(height - 22 * mm)
    chart.data = [[y[column] / 100 for y in years] for _label, column, _colour in CHART_BARS]
    chart.categoryAxis.style = "stacked"
    step = 1 if len(years) <= 15 else 2 if len(years) <= 30 else 5
    chart.categoryAxis.categoryNames = [
        str(y[0]) if index % step == 0 else "" for index, y in enumerate(years)
    ]
    chart.categoryAxis.labels.fontName = house.FONT
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = house.FONT
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = _euros
    chart.bars.strokeWidth = 0
    for index, (_label, _column, colour) in enumerate(CHART_BARS):
        chart.bars[index].fillColor = colors.HexColor(colour)
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    label, column, colour = CHART_LINE
    line_colour = colors.HexColor(colour)
    owed = [y[column] / 100 for y in years]
    top = round_top(
        (years[0][column] + years[0][3]) / 100
    )  # owed after the first year + its capital
    slot = chart.width / len(years)
    points: list[float] = []
    for index, value in enumerate(owed):
        points += [chart.x + slot * (index + 0.5), chart.y + chart.height * value / top]
    drawing.add(PolyLine(points, strokeColor=line_colour, strokeWidth=1.2))
    right = chart.x + chart.width
    drawing.add(Line(right, chart.y, right, chart.y + chart.height, strokeColor=line_colour))
    for tick in range(5):
        value = top * tick / 4
        y = chart.y + chart.height * tick / 4
        drawing.add(Line(right, y, right + 1.5 * mm, y, strokeColor=line_colour))
        drawing.add(String(right + 2 * mm, y - 2, _euros(value), fontName=house.FONT, fontSize=6))
    legend = [(name, colors.HexColor(hue)) for name, _c, hue in CHART_BARS] + [(label, line_colour)]
    x = 16 * mm
    for name, hue in legend:
        drawing.add(String(x + 4 * mm, height - 6 * mm, name, fontName=house.FONT, fontSize=7))
        swatch = Rect(x, height - 6.5 * mm, 3 * mm, 3 * mm)
        swatch.fillColor, swatch.strokeWidth = hue, 0
        drawing.add(swatch)
        x += 4 * mm + stringWidth(name, house.FONT, 7) + 6 * mm
    return drawing


def _euros(value: float) -> str:
    return f"{value:,.0f}\u00a0€".replace(",", "\u00a0")


def notes_section(data: SynthesisData, styles: house.Styles) -> list[Any]:
    """The comments flagged for the note, in the order of the tabs; a heading never ends a
    page alone."""
    if not data.notes:
        return []
    story: list[Any] = []
    for index, note in enumerate(data.notes):
        block: list[Flowable] = [
            house.para(note.heading, styles.h2),
            *rich_paragraphs(note.body, styles),
        ]
        if index == 0:
            block.insert(0, house.para("Note de synthèse", styles.h1))
        story.append(KeepTogether(block) if len(block) <= 12 else block)
    return [item for part in story for item in (part if isinstance(part, list) else [part])]


class _Rebuilder(HTMLParser):
    """The stored subset of HTML (b, i, u, p, br, ul, ol, li) as reportlab paragraphs:
    text escaped, only the tags written here."""

    _INLINE = {"b": "b", "i": "i", "u": "u"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[tuple[str, str]] = []  # (markup, bullet or "")
        self._current: list[str] = []
        self._open: list[str] = []
        self._lists: list[list[int]] = []  # [counter] per open list; -1: bullets
        self._bullet = ""

    def _flush(self) -> None:
        text = "".join(self._current).strip()
        closing = "".join(f"</{tag}>" for tag in reversed(self._open))
        opening = "".join(f"<{tag}>" for tag in self._open)
        if text:
            self.paragraphs.append((text + closing, self._bullet))
        self._current = [opening] if opening else []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._INLINE:
            self._open.append(self._INLINE[tag])
            self._current.append(f"<{self._INLINE[tag]}>")
        elif tag == "br":
            self._current.append("<br/>")
        elif tag in ("p", "li"):
            self._flush()
            if tag == "li" and self._lists:
                counter = self._lists[-1]
                if counter[0] >= 0:
                    counter[0] += 1
                    self._bullet = f"{counter[0]}."
                else:
                    self._bullet = "•"
        elif tag in ("ul", "ol"):
            self._flush()
            self._lists.append([0 if tag == "ol" else -1])

    def handle_endtag(self, tag: str) -> None:
        if tag in self._INLINE and self._INLINE[tag] in self._open:
            self._open.remove(self._INLINE[tag])
            self._current.append(f"</{self._INLINE[tag]}>")
        elif tag in ("p", "li"):
            self._flush()
            self._bullet = ""
        elif tag in ("ul", "ol") and self._lists:
            self._flush()
            self._lists.pop()
            self._bullet = ""

    def handle_data(self, data: str) -> None:
        self._current.append(html.escape(house.printable(data), quote=False))

    def close(self) -> None:
        super().close()
        self._flush()


def rich_paragraphs(markup: str, styles: house.Styles) -> list[Paragraph]:
    parser = _Rebuilder()
    parser.feed(markup)
    parser.close()
    result = []
    for text, bullet in parser.paragraphs:
        if bullet:
            result.append(Paragraph(text, styles.bullet, bulletText=bullet))
        else:
            result.append(Paragraph(text, styles.body))
    return result
