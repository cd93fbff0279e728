"""A stored simulation as plain data, and back: what the editor shows and sends. No
database here (the service reads and writes the rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from app.errors import DomainError
from app.simulation.finance import Cover, Fees, Line, Plan
from app.validation import clean_text
from models.enums import (
    Deferral,
    Guarantee,
    InsuranceBase,
    LineKind,
    RentalMethod,
    SimulationStatus,
)

NAME_LIMIT = 150
MAX_LINES = 6
GUARANTEES = ("dc", "ptia", "ipt", "ipp", "itt", "pe")  # the insurance guarantees


class AnotherValidated(DomainError):
    """Validating a simulation while another is validated: the user confirms first."""


@dataclass(frozen=True)
class CoverData:
    borrower_rank: int  # 1: porteur de projet, 2: co-emprunteur
    share: Decimal = Decimal(100)
    base: InsuranceBase = InsuranceBase.INITIAL
    rate: Decimal = Decimal(0)
    monthly_cents: int = 0
    mandatory: bool = True
    guarantees: tuple[str, ...] = ("dc", "ptia")


@dataclass(frozen=True)
class LineData:
    amount_cents: int
    rate: Decimal
    months: int
    kind: LineKind = LineKind.AMORTIZING
    deferral: Deferral = Deferral.NONE
    deferral_months: int = 0
    bank_id: int | None = None
    covers: tuple[CoverData, ...] = ()


@dataclass(frozen=True)
class PlanData:
    name: str
    lines: tuple[LineData, ...]
    dossier_fees_cents: int = 0
    guarantee: Guarantee | None = None
    guarantee_fees_cents: int = 0
    brokerage_fees_cents: int = 0
    smoothing: bool = False
    rental_method: RentalMethod = RentalMethod.CLASSIC

    def plan(self) -> Plan:
        """The plan the maths compute."""
        return Plan(
            tuple(
                Line(
                    line.amount_cents,
                    line.rate,
                    line.months,
                    line.kind,
                    line.deferral,
                    line.deferral_months,
                    tuple(
                        Cover(c.share, c.base, c.rate, c.monthly_cents, c.mandatory)
                        for c in line.covers
                    ),
                )
                for line in self.lines
            ),
            Fees(self.dossier_fees_cents, self.guarantee_fees_cents, self.brokerage_fees_cents),
            self.smoothing,
        )


@dataclass(frozen=True)
class SimulationSummary:
    """A simulation as the dossier's lists show it."""

    id: int
    name: str
    status: SimulationStatus
    amount_cents: int
    rate_mpct: int  # the main line's
    duration_months: int  # the longest line's
    created_at: dt.datetime


def clean_plan(data: PlanData, borrowers: int) -> PlanData:
    """The plan as it will be stored, or a DomainError naming the field: its name, its
    lines (1 to 6), each cover on a borrower of the dossier; the maths' own checks run
    too (`finance.compute`, by the caller)."""
    name = clean_text(
        data.name,
        "name",
        "Nom de la simulation",
        NAME_LIMIT,
        required=True,
        required_message="Donnez un nom à la simulation (150 caractères au plus).",
        too_long_message="Donnez un nom à la simulation (150 caractères au plus).",
    )
    if not 1 <= len(data.lines) <= MAX_LINES:
        raise DomainError(f"Une simulation a de 1 à {MAX_LINES} lignes de prêt.", "lines")
    for index, line in enumerate(data.lines):
        ranks = [c.borrower_rank for c in line.covers]
        if any(rank not in range(1, borrowers + 1) for rank in ranks) or len(set(ranks)) < len(
            ranks
        ):
            raise DomainError(
                f"Ligne {index + 1} : une assurance par emprunteur du dossier.", "insurance"
            )
        for cover in line.covers:
            unknown = set(cover.guarantees) - set(GUARANTEES)
            if unknown:
                raise DomainError(f"Ligne {index + 1} : garantie inconnue.", "insurance")
    return PlanData(
        name,
        data.lines,
        data.dossier_fees_cents,
        data.guarantee,
        data.guarantee_fees_cents,
        data.brokerage_fees_cents,
        data.smoothing,
        data.rental_method,
    )


def parse_rate(text: str, field: str, label: str = "Taux") -> Decimal:
    """«3,85», «3.85 %» → Decimal("3.85"); three decimals at most."""
    cleaned = text.replace("%", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned or "0")
    except ArithmeticError:
        raise DomainError(f"{label} invalide : saisissez par exemple 3,85.", field) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.001")):
        raise DomainError(f"{label} invalide : saisissez par exemple 3,85.", field)
    return value


def parse_months(text: str, field: str = "months", label: str = "Durée") -> int:
    cleaned = text.strip()
    if not cleaned:
        return 0
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 3:
        raise DomainError(f"{label} invalide : un nombre de mois, par exemple 240.", field)
    return int(cleaned)


def format_rate_input(value: Decimal) -> str:
    """The text of a rate field: «3,85» (two decimals at least, three when needed)."""
    text = f"{value:.3f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{value:.2f}"
    return text.replace(".", ",")
