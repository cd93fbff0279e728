"""A dossier's submissions to banks: what one says, and the rules it obeys (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from app.errors import DomainError
from app.validation import clean_text
from models.enums import SubmissionStatus

MAX_AMOUNT_CENTS = 100_000_000_00
MAX_RATE = Decimal("20")


@dataclass(frozen=True)
class SubmissionData:
    """What the broker enters for one sending to a bank."""

    bank_id: int | None
    status: SubmissionStatus = SubmissionStatus.PREPARED
    contact: str = ""
    simulation_id: int | None = None
    sent_on: dt.date | None = None
    answered_on: dt.date | None = None
    amount_cents: int | None = None
    rate: Decimal | None = None
    comment: str = ""


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    bank_id: int | None
    bank_name: str
    contact: str
    simulation_id: int | None
    simulation_name: str
    status: SubmissionStatus
    sent_on: dt.date | None
    answered_on: dt.date | None
    amount_cents: int | None
    rate: Decimal | None
    comment: str
    updated_at: dt.datetime

    def data(self) -> SubmissionData:
        return SubmissionData(
            self.bank_id,
            self.status,
            self.contact,
            self.simulation_id,
            self.sent_on,
            self.answered_on,
            self.amount_cents,
            self.rate,
            self.comment,
        )


def clean_submission(data: SubmissionData, today: dt.date) -> SubmissionData:
    """The submission as stored, or the refusal of its first wrong field."""
    if data.bank_id is None:
        raise DomainError("Choisissez la banque.", "bank")
    contact = clean_text(data.contact, "contact", "Contact", 350)
    comment = clean_text(data.comment, "comment", "Commentaire", 1000)
    sent_on = data.sent_on
    if sent_on is None and data.status is not SubmissionStatus.PREPARED:
        sent_on = today  # sent, so sent some day: today unless said
    answered_on = data.answered_on
    if answered_on is None and data.status.answered:
        answered_on = today
    for field, day, label in (
        ("sent_on", sent_on, "La date d'envoi"),
        ("answered_on", answered_on, "La date de réponse"),
    ):
        if day is not None and day > today:
            raise DomainError(f"{label} ne peut pas être dans le futur.", field)
    if sent_on and answered_on and answered_on < sent_on:
        raise DomainError("La banque ne peut pas répondre avant l'envoi.", "answered_on")
    if data.amount_cents is not None and not 0 < data.amount_cents <= MAX_AMOUNT_CENTS:
        raise DomainError("Montant proposé invalide.", "amount")
    if data.rate is not None and not 0 <= data.rate <= MAX_RATE:
        raise DomainError("Taux proposé invalide : entre 0 et 20 %.", "rate")
    return replace(data, contact=contact, comment=comment, sent_on=sent_on, answered_on=answered_on)


def latest_by_bank(
    rows: Sequence[SubmissionRow],
) -> list[tuple[SubmissionRow, list[SubmissionRow]]]:
    """Each bank's latest submission and its earlier ones, the most recent bank first (two
    agencies of one bank are two banks)."""
    groups: dict[object, list[SubmissionRow]] = {}
    for row in sorted(rows, key=_recency, reverse=True):
        key = row.bank_id if row.bank_id is not None else row.bank_name.casefold()
        groups.setdefault(key, []).append(row)
    return [(found[0], found[1:]) for found in groups.values()]


def chosen_bank(rows: Sequence[SubmissionRow]) -> str:
    """The bank whose offer the client accepted (the latest, if ever several)."""
    accepted = [r for r in rows if r.status is SubmissionStatus.OFFER_ACCEPTED]
    return max(accepted, key=_recency).bank_name if accepted else ""


def _recency(row: SubmissionRow) -> tuple:
    day = row.answered_on or row.sent_on or row.updated_at.date()
    return (day, row.updated_at, row.id)
