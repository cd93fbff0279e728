"""The «relevé de ristournes» of an apporteur d'affaires over a period, in the house style:
the office, the apporteur, each rebate (and credit note) issued in his name with the dossier
and the client it came from, what was paid him, and what remains to pay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from app.invoicing.invoices import PRIVATE_REBATE, RebateStatement
from app.office.company import letterhead_lines
from app.pdf import house
from app.text import format_amount, format_date


def write_statement(
    data: RebateStatement, today: dt.date, target: Path, stop: Callable[[], bool] | None = None
) -> None:
    styles = house.Styles()
    office = data.company.name or "Cabinet de courtage"
    title = f"Relevé de ristournes — {data.referrer_name}"
    story: list[Any] = house.letterhead(letterhead_lines(data.company), data.logo, styles)
    story += [
        house.para("RELEVÉ DE RISTOURNES", styles.title),
        house.para(
            f"Du {format_date(data.start)} au {format_date(data.end)} — établi le "
            f"{format_date(today)}",
            styles.small,
        ),
        Spacer(1, 4 * mm),
        house.key_values(
            [
                (label, value)
                for label, value in (
                    ("Apporteur d'affaires", data.referrer_name),
                    ("Adresse", data.referrer_address),
                    ("SIREN / SIRET", data.referrer_siren),
                )
                if value
            ],
            styles,
        ),
        Spacer(1, 5 * mm),
    ]
    if data.lines:
        story.append(
            house.grid(
                ("Date", "N°", "Dossier", "Client", "Montant", "Versé", "Reste à verser"),
                [
                    [
                        format_date(line.issued_on),
                        line.number + (" (avoir)" if line.credit_note else ""),
                        line.dossier_number,
                        line.client or "—",
                        format_amount(line.total_cents),
                        format_amount(line.paid_cents) if line.paid_cents else "—",
                        format_amount(line.total_cents - line.paid_cents)
                        if line.total_cents != line.paid_cents
                        else "—",
                    ]
                    for line in data.lines
                ],
                styles,
            )
        )
    else:
        story.append(house.para("Aucune ristourne sur la période.", styles.body))
    story += [
        Spacer(1, 4 * mm),
        house.key_values(
            [
                (f"Total des ristournes ({len(data.lines)})", format_amount(data.total_cents)),
                ("Déjà versé", format_amount(data.paid_cents)),
                ("Reste à verser", format_amount(data.due_cents)),
            ],
            styles,
        ),
        Spacer(1, 5 * mm),
    ]
    said = [
        "Chaque ristourne a fait l'objet d'une "
        + (
            "autofacturation établie par le cabinet au nom et pour le compte de l'apporteur, "
            "en vertu de son mandat de facturation (article 289 I-2 du Code général des impôts)."
            if data.referrer_is_business
            else "note de ristourne."
        ),
        "Montants toutes taxes comprises, selon le régime de TVA de l'apporteur indiqué sur "
        "chaque autofacture."
        if data.referrer_is_business
        else PRIVATE_REBATE,
    ]
    for text in said:
        story.append(house.para(text, styles.small))
    house.build(
        target, story, office=office, title=title, author=office, printed_on=today, stop=stop
    )
