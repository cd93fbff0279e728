"""The invoice and the credit note as printed, in the house style, with the mentions French
law requires: the office's identity (name, SIREN, address, ORIAS), the customer's, the
number, the dates of issue and of the service, the designation, the amounts, VAT or its
exemption, the due date, the late-payment penalties and, for a business, the 40 € indemnity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from app.invoicing.invoices import SELF_BILLED, PrintedInvoice, document_title, mentions
from app.office.company import legal_identity, letterhead_lines
from app.pdf import house
from app.text import format_amount, format_date
from models.enums import InvoiceKind


def write_invoice(
    data: PrintedInvoice, target: Path, stop: Callable[[], bool] | None = None
) -> None:
    styles = house.Styles()
    company = data.company
    office = company.name or "Cabinet de courtage"
    rebate = data.kind is InvoiceKind.REBATE
    credit_note = bool(data.credit_note_of)
    title = (
        document_title(data.kind, credit_note, data.recipient_is_business) + f" N° {data.number}"
    )
    if rebate:  # the apporteur supplies the service; the office, its customer, issues this
        who = "Fournisseur" if data.recipient_is_business else "Bénéficiaire"
        due_label, net_label = "Versement prévu le", "Net à verser"
    else:
        who, due_label, net_label = "Client", "Date d'échéance", "Net à payer"
    lines = letterhead_lines(company)
    registration = legal_identity(company)
    if registration:
        lines.append(registration)
    if company.vat_number:
        lines.append(f"N° de TVA intracommunautaire : {company.vat_number}")
    story: list[Any] = house.letterhead(lines, data.logo, styles)
    story += [
        house.para(title, styles.title),
        house.para(
            f"{data.kind_label} — dossier {data.dossier_number}"
            + (
                f" — annule tout ou partie de la facture {data.credit_note_of}"
                if data.credit_note_of
                else ""
            ),
            styles.small,
        ),
        Spacer(1, 4 * mm),
        house.key_values(
            [
                (label, value)
                for label, value in (
                    (who, data.recipient_name),
                    ("Adresse", data.recipient_address),
                    ("SIREN / SIRET", data.recipient_siren),
                    ("N° de TVA", data.recipient_vat_number),
                    ("Client", office if rebate and data.recipient_is_business else ""),
                    ("Date d'émission", format_date(data.issued_on)),
                    ("Date de la prestation", format_date(data.service_on)),
                    (due_label, format_date(data.due_on) if not credit_note else ""),
                )
                if value
            ],
            styles,
        ),
        Spacer(1, 5 * mm),
    ]
    vat_label = (
        f"TVA {data.vat_rate_bp / 100:.1f} %".replace(".", ",").replace(",0 %", " %")
        if data.vat_rate_bp
        else "TVA"
    )
    story.append(
        house.grid(
            ("Désignation", "Montant HT", vat_label, "Montant TTC"),
            [
                [
                    data.description,
                    format_amount(data.amount_cents),
                    format_amount(data.vat_cents)
                    if data.vat_rate_bp
                    else "hors champ"
                    if rebate and not data.recipient_is_business
                    else "exonérée",
                    format_amount(data.total_cents),
                ]
            ],
            styles,
        )
    )
    story += [
        Spacer(1, 3 * mm),
        house.key_values(
            [
                ("Total HT", format_amount(data.amount_cents)),
                ("TVA", format_amount(data.vat_cents)),
                (
                    net_label if not credit_note else "Total de l'avoir",
                    format_amount(data.total_cents),
                ),
            ],
            styles,
        ),
        Spacer(1, 5 * mm),
    ]
    said = mentions(
        data.vat_rate_bp,
        data.recipient_is_business,
        None if credit_note else data.due_on,
        rebate=rebate,
        vat_mention=data.vat_mention,
    )
    if rebate and data.recipient_is_business:
        said.insert(
            0,
            SELF_BILLED.format(
                office=office,
                supplier=data.recipient_name,
                mandate=format_date(data.billing_mandate_on),
            ),
        )
    if company.iban and not credit_note and not rebate:
        said.append(
            f"Règlement par virement : IBAN {company.iban}"
            + (f", BIC {company.bic}" if company.bic else "")
        )
    if company.orias_number:
        said.append(
            f"Intermédiaire en opérations de banque immatriculé à l'ORIAS sous le n° "
            f"{company.orias_number} (www.orias.fr)."
        )
    if company.mediator:
        said.append(f"Médiation de la consommation : {company.mediator}.")
    for text in [m for m in said if m]:
        story.append(house.para(text, styles.small))
    house.build(
        target,
        story,
        office=office,
        title=title,
        author=office,
        printed_on=data.issued_on,
        stop=stop,
    )
