"""What a new invoice of a dossier proposes, by kind: the client and the fees of the
validated simulation; the bank retained and its commission on the amount lent; the
apporteur d'affaires and his share of the fees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.invoicing.invoices import InvoiceData
from app.text import format_amount, person_name
from models.base import money_sum
from models.dossier import BankSubmission, Dossier, Simulation
from models.enums import (
    InvoiceKind,
    InvoiceState,
    ReferrerKind,
    SimulationStatus,
    SubmissionStatus,
)
from models.office import Bank, Invoice, Referrer


def proposal(session: Session, dossier: Dossier, kind: InvoiceKind, today: dt.date) -> InvoiceData:
    simulations = sorted(dossier.simulations, key=lambda s: (s.created_at, s.id))
    validated = [s for s in simulations if s.status is SimulationStatus.CLIENT_VALIDATED]
    chosen = validated or simulations
    plan: Simulation | None = chosen[-1] if chosen else None
    borrowers = sorted(dossier.borrowers, key=lambda b: b.rank)
    service_on = dossier.funds_released_on or dossier.offer_signed_on or today
    if kind is InvoiceKind.FEES:
        main = borrowers[0] if borrowers else None
        address = (
            " ".join(p for p in (main.address, main.postal_code, main.city) if p) if main else ""
        )
        return InvoiceData(
            kind,
            " et ".join(person_name(b.first_name, b.last_name) for b in borrowers),
            address,
            description=f"Honoraires de courtage en opérations de banque — dossier {dossier.number}",
            amount_cents=plan.brokerage_fees_cents if plan is not None else 0,
            service_on=service_on,
        )
    if kind is InvoiceKind.BANK_COMMISSION:
        accepted = session.scalars(
            select(BankSubmission)
            .where(
                BankSubmission.dossier_id == dossier.id,
                BankSubmission.status == SubmissionStatus.OFFER_ACCEPTED,
            )
            .order_by(BankSubmission.updated_at.desc())
        ).first()
        bank = session.get(Bank, accepted.bank_id) if accepted and accepted.bank_id else None
        lent = (accepted.amount_cents if accepted else None) or (
            plan.amount_cents if plan is not None else 0
        )
        amount = 0
        if bank is not None and bank.commission_rate_mpct:
            amount = int((Decimal(lent) * bank.commission_rate_mpct / 100_000).to_integral_value())
        elif bank is not None and bank.commission_fixed_cents:
            amount = bank.commission_fixed_cents
        return InvoiceData(
            kind,
            (f"{bank.name} — {bank.agency}" if bank and bank.agency else bank.name)
            if bank
            else (accepted.bank_name if accepted else ""),
            bank.address if bank else "",
            bank.siren if bank else "",
            bank_id=bank.id if bank else None,
            recipient_is_business=True,
            description=(
                f"Commission d'intermédiation — prêt de {format_amount(lent)} — dossier "
                f"{dossier.number}"
            ),
            amount_cents=amount,
            service_on=service_on,
        )
    referrer = session.get(Referrer, dossier.referrer_id) if dossier.referrer_id else None
    fees = session.scalar(
        select(func.coalesce(money_sum(Invoice.amount_cents), 0)).where(
            Invoice.dossier_id == dossier.id,
            Invoice.kind == InvoiceKind.FEES,
            Invoice.state != InvoiceState.DRAFT,
        )
    ) or (plan.brokerage_fees_cents if plan is not None else 0)
    amount = 0
    if referrer is not None and referrer.rebate_rate_mpct:
        amount = int((Decimal(fees) * referrer.rebate_rate_mpct / 100_000).to_integral_value())
    elif referrer is not None and referrer.rebate_fixed_cents:
        amount = referrer.rebate_fixed_cents
    return InvoiceData(
        kind,
        referrer.name if referrer else "",
        referrer.address if referrer else "",
        recipient_siren=referrer.siren if referrer else "",
        recipient_is_business=bool(referrer and referrer.kind is ReferrerKind.COMPANY),
        referrer_id=referrer.id if referrer else None,
        description=f"Ristourne d'apporteur d'affaires — dossier {dossier.number}",
        amount_cents=amount,
        service_on=service_on,
    )
