"""A computed plan as text and as JSON (the `simulate` command; later the PDF's figures)."""

from __future__ import annotations

from decimal import Decimal

from app.simulation.finance import PlanResult
from app.simulation.schedule_export import plan_months
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
        keys = ("mois", "echeance", "interets", "capital", "assurance", "total", "capital_restant")
        data["echeancier_centimes"] = [
            dict(zip(keys, row, strict=True)) for row in plan_months(result)
        ]
    return data
