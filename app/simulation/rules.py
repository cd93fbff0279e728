"""What a plan must respect: the usury rate, the HCSF ceilings, the reste à vivre. Each
verdict says whether the plan passes, and why not in French — never a silent pass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.dossier.household import BorrowerData, ChildData
from app.dossier.situation import ChargeData, LoanData, ProjectData
from app.simulation.finance import Line
from app.simulation.summary import percent
from app.text import format_amount
from models.enums import (
    ChargeKind,
    Deferral,
    LineKind,
    LoanKind,
    ProjectNature,
    ProjectUse,
    RentalMethod,
    UsuryCategory,
)

HCSF_MAX_RATIO = Decimal(35)  # percent of income, insurance included
HCSF_MAX_MONTHS = 25 * 12
RENTS_KEPT = Decimal(70)  # percent of the rents a bank counts as income


def usury_category(line: Line) -> UsuryCategory:
    if line.kind is LineKind.BRIDGE:
        return UsuryCategory.BRIDGE
    if line.kind is LineKind.CAPPED_VARIABLE:
        return UsuryCategory.VARIABLE
    if line.months < 120:
        return UsuryCategory.FIXED_UNDER_10
    if line.months < 240:
        return UsuryCategory.FIXED_10_TO_20
    return UsuryCategory.FIXED_20_AND_MORE


@dataclass(frozen=True)
class UsuryRate:
    """A threshold published for a quarter: valid from `valid_from` until the next one."""

    category: UsuryCategory
    valid_from: dt.date
    rate: Decimal  # yearly percentage


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # why not (French), or what was checked
    limit: Decimal | None = None
    value: Decimal | None = None


def usury_verdict(
    taeg: Decimal, category: UsuryCategory, rates: Sequence[UsuryRate], on: dt.date
) -> Verdict:
    """The TAEG against the usury rate in force on `on` for the category."""
    known = [r for r in rates if r.category is category and r.valid_from <= on]
    if not known:
        return Verdict(
            False,
            f"Taux d'usure « {category.label} » non renseigné pour le {on:%d/%m/%Y} : "
            "ajoutez-le dans les paramètres.",
        )
    limit = max(known, key=lambda r: r.valid_from).rate
    if taeg > limit:
        return Verdict(
            False,
            f"TAEG {percent(taeg)} au-dessus du taux d'usure {percent(limit)} "
            f"({category.label.lower()}) : la banque ne peut pas prêter à ce coût.",
            limit,
            taeg,
        )
    return Verdict(True, f"Sous le taux d'usure {percent(limit)}", limit, taeg)


@dataclass(frozen=True)
class Budget:
    """The household's monthly money before the project, in cents."""

    incomes_cents: int  # net salaries and other incomes, rents excluded
    rents_cents: int = 0  # rents received
    rental_loans_cents: int = 0  # payments of the loans on the let properties
    charges_cents: int = 0  # other loans kept and charges (rent, alimony…)
    adults: int = 1
    children: int = 0


@dataclass(frozen=True)
class DebtRatio:
    income_cents: int
    charges_cents: int
    ratio: Decimal  # percent, 2 decimals


def debt_ratio(budget: Budget, method: RentalMethod, new_payments_cents: int = 0) -> DebtRatio:
    """Charges over income, as the bank counts them, with `new_payments` (the plan's
    monthly total, insurance included) added to the charges."""
    rents = Decimal(budget.rents_cents) * RENTS_KEPT / 100
    income = Decimal(budget.incomes_cents)
    charges = Decimal(budget.charges_cents + new_payments_cents)
    if method is RentalMethod.CLASSIC:
        income += rents
        charges += budget.rental_loans_cents
    else:
        net = rents - budget.rental_loans_cents
        if net >= 0:
            income += net
        else:
            charges -= net
    ratio = charges / income * 100 if income > 0 else Decimal(100)
    return DebtRatio(
        int(income.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        int(charges.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
    )


def hcsf_verdict(after: DebtRatio, lines: Sequence[Line], new_build: bool = False) -> Verdict:
    """The HCSF's rules: a debt ratio of 35 % at most, insurance included, and 25 years at
    most — for a new build (or an old home with heavy works), longer by the deferral of
    the longest loan, two years at most. Every rule broken is said."""
    problems = []
    if after.charges_cents * 100 > HCSF_MAX_RATIO * after.income_cents:  # exact, not rounded
        problems.append(f"taux d'endettement {percent(after.ratio)} au-dessus de 35 %")
    longest = max(lines, key=lambda line: line.months, default=None)
    allowed = HCSF_MAX_MONTHS
    if new_build and longest is not None and longest.deferral is not Deferral.NONE:
        allowed += min(24, longest.deferral_months)
    if longest is not None and longest.months > allowed:
        problems.append(f"durée de {longest.months} mois au-delà de {allowed} mois")
    if problems:
        return Verdict(
            False,
            "Hors normes HCSF : " + " ; ".join(problems) + ".",
            HCSF_MAX_RATIO,
            after.ratio,
        )
    return Verdict(
        True,
        f"Taux d'endettement {percent(after.ratio)} (35 % au plus)",
        HCSF_MAX_RATIO,
        after.ratio,
    )


@dataclass(frozen=True)
class LivingThresholds:
    """The reste à vivre a bank wants at least, per month."""

    per_adult_cents: int = 800_00
    per_child_cents: int = 300_00


def remaining_income_verdict(
    budget: Budget, after: DebtRatio, thresholds: LivingThresholds
) -> tuple[int, Verdict]:
    """What the household keeps each month once every charge is paid, against the minimum
    for its size."""
    remaining = after.income_cents - after.charges_cents
    needed = budget.adults * thresholds.per_adult_cents + budget.children * (
        thresholds.per_child_cents
    )
    if remaining < needed:
        return remaining, Verdict(
            False,
            f"Reste à vivre {format_amount(remaining)} sous le minimum de "
            f"{format_amount(needed)} pour ce foyer.",
            Decimal(needed),
            Decimal(remaining),
        )
    return remaining, Verdict(
        True, f"Reste à vivre {format_amount(remaining)}", Decimal(needed), Decimal(remaining)
    )


def household_budget(
    borrowers: Sequence[BorrowerData],
    children: Sequence[ChildData],
    loans: Sequence[LoanData],
    charges: Sequence[ChargeData],
    project: ProjectData,
) -> Budget:
    """The household's monthly budget as a bank counts it before the project: the
    borrowers' net and other incomes, their rents, the loans kept (a loan to be bought back
    goes; a let property's loan is apart, for the «différentiel» method) and the charges — the rent paid goes too when the project is the main home."""
    buying_home = project.use is ProjectUse.MAIN_HOME
    kept = [loan for loan in loans if not loan.to_buy_back]
    return Budget(
        incomes_cents=sum(
            (b.net_monthly_income_cents or 0) + (b.other_income_cents or 0) for b in borrowers
        ),
        rents_cents=sum(b.rental_income_cents or 0 for b in borrowers),
        rental_loans_cents=sum(
            loan.monthly_payment_cents for loan in kept if loan.kind is LoanKind.RENTAL_MORTGAGE
        ),
        charges_cents=sum(
            loan.monthly_payment_cents for loan in kept if loan.kind is not LoanKind.RENTAL_MORTGAGE
        )
        + sum(
            charge.monthly_cents
            for charge in charges
            if not (buying_home and charge.kind is ChargeKind.RENT)
        ),
        adults=max(1, len(borrowers)),
        children=sum(1 for child in children if child.dependent),
    )


def is_new_build(project: ProjectData) -> bool:
    """A new home (VEFA or construction): HCSF's longer duration with a deferral applies."""
    return project.nature in (ProjectNature.NEW_BUILD, ProjectNature.CONSTRUCTION)
