"""The readable half of a person's data export: a PDF in the house style."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.office.company import Company
from app.pdf import house
from app.privacy.person_report import PersonReport, Section
from app.text import format_datetime


def write_pdf(
    report: PersonReport, company: Company, target: Path, stop: Callable[[], bool] | None = None
) -> None:
    styles = house.Styles()
    office = company.name or "Cabinet de courtage"
    story: list[Any] = [
        house.para(f"Données personnelles de {report.person}", styles.title),
        house.para(
            f"Export du {format_datetime(report.exported_at)}, établi par {report.exported_by} "
            "en réponse à une demande d'accès (article 15 du RGPD).",
            styles.small,
        ),
        house.SPACE,
        house.para("Responsable du traitement", styles.h2),
        house.key_values(_controller(company), styles),
        house.SPACE,
        house.para(
            "Ce document reprend toutes les données que le cabinet conserve sur vous dans son "
            "logiciel de gestion des dossiers, dossier par dossier. Le fichier "
            "« donnees-personnelles.json » joint contient les mêmes données dans un format "
            "lisible par une machine ; les documents que vous nous avez transmis sont copiés "
            "dans le dossier « Documents » (sauf dans un dossier commun avec un autre "
            "emprunteur). L'autre emprunteur d'un dossier commun n'est que nommé : ses "
            "coordonnées et sa situation n'y figurent pas, et son nom, son e-mail et son "
            "téléphone sont remplacés par « [autre emprunteur] » dans les commentaires et le "
            "bloc-notes.",
            styles.body,
        ),
    ]
    for part in report.dossiers:
        story.append(house.para(f"Dossier {part.number} — {part.role}", styles.h1))
        for section in part.sections:
            story.extend(_section(section, styles))
    house.build(
        target,
        story,
        office=office,
        title=f"Données personnelles — {report.person}",
        author=office,
        printed_on=report.exported_at.date(),
        stop=stop,
    )


def _controller(company: Company) -> list[tuple[str, str]]:
    address = " ".join(
        part for part in (company.address, company.postal_code, company.city) if part
    )
    pairs = [
        ("Cabinet", company.name),
        ("Adresse", address),
        ("Téléphone", company.phone),
        ("E-mail", company.email),
        ("N° ORIAS", company.orias_number),
    ]
    return [(label, value) for label, value in pairs if value] or [("Cabinet", "—")]


def _section(section: Section, styles: house.Styles) -> list[Any]:
    """The section's heading and content; a short one is kept on one page."""
    heading = house.para(section.title, styles.h2)
    if not section.many:
        pairs = [(item.label, item.shown) for item in section.items]
        return [house.heading_with(house.key_values(pairs, styles), heading)]
    if not section.rows:
        return [house.heading_with(house.para(section.empty, styles.small), heading)]
    headers = [item.label for item in section.rows[0]]
    rows = [[item.shown for item in row] for row in section.rows]
    table = house.grid(headers, rows, styles)
    if len(rows) <= 8:
        return [house.heading_with(table, heading)]
    return [heading, table]  # a long table breaks across pages, its header repeated
