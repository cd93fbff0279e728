"""Rules that depend only on data: plain functions, unit-tested without a database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.errors import DomainError
from app.office.numbering import MAX_NUMBER_LENGTH
from app.validation import clean_text
from models.enums import AbandonReason, DossierStatus

MAX_ABANDON_DETAIL = 500


def check_can_edit(status: DossierStatus) -> None:
    """An abandoned dossier is read-only: only «Reprendre» and «Supprimer» apply."""
    if status is DossierStatus.ABANDONED:
        raise DomainError(
            "Ce dossier est abandonné : il est en lecture seule. Utilisez « Reprendre » "
            "dans le menu Actions pour le modifier."
        )


def check_abandon(status: DossierStatus, reason: AbandonReason | None, detail: str) -> str:
    """Validate an abandonment; returns the detail to store (empty unless «Autre»)."""
    if status is DossierStatus.ABANDONED:
        raise DomainError("Ce dossier est déjà abandonné.")
    if reason is None:
        raise DomainError("Choisissez le motif de l'abandon.", field="reason")
    detail = clean_text(
        detail,
        "detail",
        "Motif",
        MAX_ABANDON_DETAIL,
        required=reason is AbandonReason.OTHER,
        required_message="Précisez le motif de l'abandon.",
        too_long_message=f"Le motif ne doit pas dépasser {MAX_ABANDON_DETAIL} caractères.",
    )
    return detail if reason is AbandonReason.OTHER else ""


def check_resume(
    status: DossierStatus, new_status: DossierStatus, created_on: dt.date | None
) -> dt.date:
    """Validate a resumption; returns the new creation date (required)."""
    if status is not DossierStatus.ABANDONED:
        raise DomainError("Seul un dossier abandonné peut être repris.")
    if new_status not in (DossierStatus.PROSPECT, DossierStatus.CLIENT):
        raise DomainError("Un dossier repris devient un prospect ou un client.", field="status")
    if created_on is None:
        raise DomainError("Saisissez la nouvelle date de création.", field="created_on")
    return created_on


def check_convert_to_client(status: DossierStatus) -> None:
    if status is not DossierStatus.PROSPECT:
        raise DomainError("Seul un prospect peut devenir client.")


def normalize_number(number: str) -> str:
    """Validate a dossier number typed by a user; returns it trimmed."""
    cleaned = number.strip()
    if not cleaned:
        raise DomainError("Le numéro de dossier ne peut pas être vide.", field="number")
    if len(cleaned) > MAX_NUMBER_LENGTH:
        raise DomainError(
            f"Le numéro de dossier ne doit pas dépasser {MAX_NUMBER_LENGTH} caractères.",
            field="number",
        )
    if any(not c.isprintable() for c in cleaned):
        raise DomainError("Le numéro de dossier contient des caractères invalides.", field="number")
    return cleaned


@dataclass(frozen=True)
class DossierDates:
    created_on: dt.date
    client_agreement_on: dt.date | None
    offer_signed_on: dt.date | None
    deed_signed_on: dt.date | None
    funds_released_on: dt.date | None = None


DATE_LABELS = {
    "created_on": "Date de création",
    "client_agreement_on": "Date d'accord client",
    "offer_signed_on": "Date de signature de l'offre",
    "deed_signed_on": "Date de signature de l'acte",
    "funds_released_on": "Date de déblocage des fonds",
}
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def check_dates(dates: DossierDates, today: dt.date) -> None:
    """Dates follow the life of a loan: nothing before the creation, the deed after the offer."""
    for name, value in vars(dates).items():
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise DomainError(f"{DATE_LABELS[name]} : date invalide.", field=name)
    if dates.created_on > today:
        raise DomainError("La date de création ne peut pas être dans le futur.", field="created_on")
    for name in ("client_agreement_on", "offer_signed_on", "deed_signed_on", "funds_released_on"):
        value = getattr(dates, name)
        if value is not None and value < dates.created_on:
            raise DomainError(
                f"La {DATE_LABELS[name].lower()} ne peut pas être antérieure à la date de "
                "création "
                f"({dates.created_on:%d/%m/%Y}).",
                field=name,
            )
    if (
        dates.offer_signed_on
        and dates.deed_signed_on
        and dates.deed_signed_on < dates.offer_signed_on
    ):
        raise DomainError(
            "La signature de l'acte ne peut pas précéder la signature de l'offre "
            f"({dates.offer_signed_on:%d/%m/%Y}).",
            field="deed_signed_on",
        )
    if (
        dates.offer_signed_on
        and dates.funds_released_on
        and dates.funds_released_on < dates.offer_signed_on
    ):
        raise DomainError(
            "Les fonds ne peuvent pas être débloqués avant la signature de l'offre "
            f"({dates.offer_signed_on:%d/%m/%Y}).",
            field="funds_released_on",
        )
    if dates.funds_released_on and dates.offer_signed_on is None:
        raise DomainError(
            "Les fonds sont débloqués après la signature de l'offre : saisissez d'abord la "
            "date de signature de l'offre.",
            field="funds_released_on",
        )
    if dates.funds_released_on and dates.funds_released_on > today:
        raise DomainError(
            "La date de déblocage des fonds ne peut pas être dans le futur : saisissez-la "
            "quand la banque a versé les fonds.",
            field="funds_released_on",
        )


def next_step_index(current: int, count: int, direction: int) -> int:
    """Move one step forward (+1) or back (-1) in the pipeline."""
    target = current + direction
    if direction > 0 and target >= count:
        raise DomainError("Le dossier est déjà à la dernière étape.")
    if direction < 0 and target < 0:
        raise DomainError("Le dossier est déjà à la première étape.")
    return target
