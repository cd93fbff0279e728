"""The reminder letter («lettre de relance») of an invoice past its due date, in the house
style: the office, the customer, the invoice, what remains due, and the penalties the law
provides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from app.invoicing.invoices import LATE_PENALTY, RECOVERY_INDEMNITY, PrintedInvoice
from app.office.company import letterhead_lines
from app.pdf import house
from app.text import format_amount, format_date


def write_reminder(
    invoice: PrintedInvoice,
    remaining_cents: int,
    today: dt.date,
    target: Path,
    stop: Callable[[], bool] | None = None,
) -> None:
    styles = house.Styles()
    company = invoice.company
    office = company.name or "Cabinet de courtage"
    story: list[Any] = house.letterhead(letterhead_lines(company), invoice.logo, styles)
    story += [
        house.para(line, styles.body)
        for line in (invoice.recipient_name, invoice.recipient_address)
        if line
    ]
    late = (today - invoice.due_on).days if invoice.due_on else 0
    story += [
        Spacer(1, 6 * mm),
        house.para(
            f"{company.city or ''}{', ' if company.city else ''}le {format_date(today)}",
            styles.small,
        ),
        Spacer(1, 4 * mm),
        house.para(f"Objet : relance — facture n° {invoice.number}", styles.h2),
        house.para("Madame, Monsieur,", styles.body),
        Spacer(1, 2 * mm),
        house.para(
            f"Sauf erreur de notre part, la facture n° {invoice.number} du "
            f"{format_date(invoice.issued_on)} ({invoice.description}), échue le "
            f"{format_date(invoice.due_on)}, reste impayée depuis {late} jour"
            f"{'s' if late > 1 else ''} : il nous reste dû {format_amount(remaining_cents)}.",
            styles.body,
        ),
        Spacer(1, 2 * mm),
        house.para(
            "Nous vous remercions de bien vouloir en effectuer le règlement dans les meilleurs "
            "délais. Si votre paiement nous est parvenu entre-temps, merci de ne pas tenir "
            "compte de ce courrier.",
            styles.body,
        ),
        Spacer(1, 2 * mm),
        house.key_values(
            [
                ("Facture", invoice.number),
                ("Émise le", format_date(invoice.issued_on)),
                ("Échéance", format_date(invoice.due_on)),
                ("Montant TTC", format_amount(invoice.total_cents)),
                ("Reste dû", format_amount(remaining_cents)),
            ],
            styles,
        ),
        Spacer(1, 4 * mm),
        house.para(LATE_PENALTY, styles.small),
    ]
    if invoice.recipient_is_business:
        story.append(house.para(RECOVERY_INDEMNITY, styles.small))
    if company.iban:
        story.append(
            house.para(
                f"Règlement par virement : IBAN {company.iban}"
                + (f", BIC {company.bic}" if company.bic else ""),
                styles.small,
            )
        )
    story += [
        Spacer(1, 6 * mm),
        house.para("Veuillez agréer, Madame, Monsieur, nos salutations distinguées.", styles.body),
        house.para(office, styles.body),
    ]
    house.build(
        target,
        story,
        office=office,
        title=f"Relance — facture {invoice.number}",
        author=office,
        printed_on=today,
        stop=stop,
    )
