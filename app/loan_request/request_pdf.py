"""The «Demande de prêt» PDF, in the house style: a cover with the office and the dossier,
the borrowers, their children and situation, the project and the financing plan (the
simulation's sections), the «Note de synthèse», and the supporting documents attached."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from app.loan_request.request_data import SUBJECT, LoanRequestData, Table
from app.office.company import letterhead_lines
from app.pdf import house
from app.simulation.synthesis_pdf import notes_section, plan_section, project_section
from app.text import format_amount, format_date


def write_request(
    data: LoanRequestData, target: Path, stop: Callable[[], bool] | None = None
) -> None:
    synthesis = data.synthesis
    styles = house.Styles()
    office = synthesis.company.name or "Cabinet de courtage"
    story: list[Any] = house.letterhead(letterhead_lines(synthesis.company), synthesis.logo, styles)
    story += [
        Spacer(1, 18 * mm),
        house.para(SUBJECT, styles.title),
        house.para(f"Dossier {synthesis.dossier_number}", styles.h1),
        house.para(
            " et ".join(sheet.title.split(" : ", 1)[-1] for sheet in data.borrowers), styles.body
        ),
        Spacer(1, 6 * mm),
        house.key_values(
            [
                ("Projet", synthesis.project.nature.label if synthesis.project.nature else ""),
                ("Montant demandé", format_amount(synthesis.result.borrowed_cents)),
                ("Plan présenté", synthesis.plan.name),
                ("Établie le", format_date(synthesis.printed_on)),
                ("Courtier", data.broker),
            ],
            styles,
        ),
    ]
    if data.hide_contacts:
        story.append(
            house.para(
                "Les coordonnées des emprunteurs ne figurent pas dans cette demande : "
                "adressez-vous au cabinet.",
                styles.small,
            )
        )
    story.append(PageBreak())
    story.append(house.para("Emprunteurs", styles.h1))
    for sheet in data.borrowers:
        story.append(
            house.heading_with(
                house.key_values(list(sheet.rows), styles), house.para(sheet.title, styles.h2)
            )
        )
        story.append(Spacer(1, 2 * mm))
    if data.children is not None:
        story += _table(data.children, styles)
    if data.situation:
        story.append(house.para("Situation financière", styles.h1))
        for table in data.situation:
            story += _table(table, styles)
    story += project_section(synthesis, styles)
    story += plan_section(synthesis, styles)
    story += notes_section(synthesis, styles)
    story.append(house.para("Pièces justificatives jointes", styles.h1))
    if data.documents:
        story += house.bullets(list(data.documents), styles)
    else:
        story.append(house.para("Les pièces seront transmises séparément.", styles.body))
    house.build(
        target,
        story,
        office=office,
        title=f"{SUBJECT} — dossier {synthesis.dossier_number}",
        author=office,
        printed_on=synthesis.printed_on,
        stop=stop,
    )


def _table(table: Table, styles: house.Styles) -> list[Any]:
    flowables: list[Any] = [
        house.heading_with(
            house.grid(table.headers, [list(row) for row in table.rows], styles),
            house.para(table.title, styles.h2),
        )
    ]
    if table.total:
        flowables.append(house.para(table.total, styles.small))
    flowables.append(Spacer(1, 2 * mm))
    return flowables
