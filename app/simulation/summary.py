"""A computed plan as text and as JSON (the `simulate` command; later the PDF's figures)."""

from __future__ import annotations

from decimal import Decimal

from app.simulation.finance import PlanResult
from app.text import format_amount


def percent(value: Decimal) -> str:
    """«4,56 %»."""
    return f"{value:.2f}".replace(".", ",") + "\u00a0%"


def summary_lines(result: PlanResult) -> list[str]:
    first = result.first_monthly_cents
    without = result.monthly_without_insurance_cents[result.usual_month]
    return [
        f"Montant emprunté : {format_amount(result.borrowed_cents)}",
        f"Mensualité : {format_amount(without)} hors assurance, "
        f"{format_amount(first - without)} d'assurance, {format_amount(first)} au total",
        f"Intérêts : {format_amount(result.interest_cents)}",
        f"Assurance : {format_amount(result.insurance_cents)}",
        f"Frais : {format_amount(result.fees_cents)}",
        f"Coût total du crédit : {format_amount(result.cost_cents)}",
        f"TAEG : {percent(result.taeg)} (dont TAEA {percent(result.taea)})",
    ]


def schedule_rows(result: PlanResult) -> list[tuple[int, int, int, int, int, int]]:
    """Per month, all lines: (month, payment, interest, capital, insurance, remaining)."""
    length = len(result.monthly_cents)
    rows = []
    for index in range(length):
        months = [s.months[index] for s in result.schedules if index < len(s.months)]
        rows.append(
            (
                index + 1,
                sum(m.payment_cents for m in months),
                sum(m.interest_cents for m in months),
                sum(m.capital_cents for m in months),
                sum(m.insurance_cents for m in months),
                sum(m.remaining_cents for m in months),
            )
        )
    return rows


def as_json(result: PlanResult, with_schedule: bool = False) -> dict[str, object]:
    data: dict[str, object] = {
        "montant_emprunte_centimes": result.borrowed_cents,
        "mensualite_centimes": result.first_monthly_cents,
        "interets_centimes": result.interest_cents,
        "assurance_centimes": result.insurance_cents,
        "frais_centimes": result.fees_cents,
        "cout_total_centimes": result.cost_cents,
        "taeg_pourcent": str(result.taeg),
        "taea_pourcent": str(result.taea),
    }
    if with_schedule:
        keys = ("mois", "echeance", "interets", "capital", "assurance", "capital_restant")
        data["echeancier_centimes"] = [
            dict(zip(keys, row, strict=True)) for row in schedule_rows(result)
        ]
    return data
