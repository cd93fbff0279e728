"""A computed plan held to its rules, as the editor and the PDF say it: each bank loan
against the usury rate of its category, the household's debt ratio against the HCSF's rules,
its reste à vivre against the minimum for its size. One place for the wording."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from app.simulation.finance import PlanResult
from app.simulation.rules import (
    Budget,
    LivingThresholds,
    UsuryRate,
    debt_ratio,
    hcsf_verdict,
    remaining_income_verdict,
    usury_category,
    usury_verdict,
)
from app.simulation.summary import percent
from models.enums import LineKind, RentalMethod


@dataclass(frozen=True)
class Said:
    label: str
    text: str
    ok: bool


def usury(result: PlanResult, rates: Sequence[UsuryRate], today: dt.date) -> Said:
    """Each bank loan's own TAEG (with its share of the fees) against the usury rate of its
    category in force `today`; a PTZ is not concerned."""
    parts, ok = [], True
    for index, (taeg, table) in enumerate(zip(result.line_taegs, result.schedules, strict=True)):
        if table.line.kind is LineKind.PTZ:
            continue
        verdict = usury_verdict(taeg, usury_category(table.line), rates, today)
        ok = ok and verdict.ok
        parts.append(f"Prêt {index + 1} : TAEG {percent(taeg)} — {verdict.reason}")
    if not rates:
        parts.append("Saisissez les taux d'usure dans Paramètres › Simulations.")
    return Said("Taux d'usure", "\n".join(parts), ok)


def budget(
    result: PlanResult,
    household: Budget,
    method: RentalMethod,
    new_build: bool,
    living: LivingThresholds,
) -> tuple[Said, Said | None]:
    """The debt ratio before and after (on the plan's highest monthly payment, insurance
    included, as the bank counts it), and the reste à vivre."""
    before = debt_ratio(household, method)
    after = debt_ratio(household, method, max(result.monthly_cents))
    if after.income_cents <= 0:
        return (
            Said(
                "Taux d'endettement",
                "Taux d'endettement : saisissez les revenus des emprunteurs (onglet "
                "« Emprunteurs ») pour le calculer.",
                False,
            ),
            None,
        )
    hcsf = hcsf_verdict(after, result.plan.lines, new_build)
    debt = Said(
        "Taux d'endettement",
        f"Taux d'endettement : {percent(before.ratio)} avant, {percent(after.ratio)} avec ce "
        "financement — "
        + (hcsf.reason if not hcsf.ok else "dans les normes HCSF (35 % au plus, 25 ans)."),
        hcsf.ok,
    )
    _remaining, verdict = remaining_income_verdict(household, after, living)
    adults, children = household.adults, household.children
    remaining = Said(
        "Reste à vivre",
        verdict.reason + f" ({adults} adulte{'s' if adults > 1 else ''}, "
        f"{children} enfant{'s' if children > 1 else ''} à charge).",
        verdict.ok,
    )
    return debt, remaining


def ratio_after(result: PlanResult, household: Budget, method: RentalMethod) -> str:
    """The household's debt ratio with this plan (its highest monthly payment), or «—»
    without incomes entered."""
    if household.incomes_cents <= 0:
        return "—"
    return percent(debt_ratio(household, method, max(result.monthly_cents)).ratio)
