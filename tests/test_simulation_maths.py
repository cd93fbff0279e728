"""The maths of a financing plan: schedules to the cent, deferrals, in fine, smoothing, the
TAEG against an independent IRR, and the usury, HCSF and reste-à-vivre verdicts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import DomainError
from app.simulation.finance import (
    Cover,
    Fees,
    Line,
    Plan,
    annual_rate,
    compute,
    schedule,
)
from app.simulation.rules import (
    Budget,
    LivingThresholds,
    RentalMethod,
    UsuryCategory,
    UsuryRate,
    debt_ratio,
    hcsf_verdict,
    remaining_income_verdict,
    usury_category,
    usury_verdict,
)
from models.enums import Deferral, InsuranceBase, LineKind


def test_200_000_at_4_percent_over_240_months_is_1_211_96_a_month():
    table = schedule(Line(200_000_00, D("4"), 240))
    assert table.months[0].payment_cents == 1_211_96
    assert table.months[0].interest_cents == 666_67
    assert all(m.payment_cents == 1_211_96 for m in table.months[:-1])
    assert table.months[-1].remaining_cents == 0
    assert sum(m.capital_cents for m in table.months) == 200_000_00
    assert abs(table.months[-1].payment_cents - 1_211_96) < 100  # rounding, settled at the end


def test_insurance_on_the_initial_capital_is_the_same_every_month():
    cover = Cover(rate=D("0.30"))
    table = schedule(Line(200_000_00, D("4"), 240, covers=(cover,)))
    assert {m.insurance_cents for m in table.months} == {50_00}
    halves = (Cover(share=D(50), rate=D("0.30")), Cover(share=D(50), rate=D("0.30")))
    assert schedule(Line(200_000_00, D("4"), 240, covers=halves)).months[0].insurance_cents == 50_00


def test_insurance_on_the_remaining_capital_decreases_and_a_fixed_premium_does_not():
    remaining = schedule(
        Line(100_000_00, D("3"), 120, covers=(Cover(base=InsuranceBase.REMAINING, rate=D("0.36")),))
    )
    assert remaining.months[0].insurance_cents == 30_00  # 100 000 × 0,36 % / 12
    assert remaining.months[-1].insurance_cents < 1_00
    fixed = schedule(
        Line(
            100_000_00, D("3"), 120, covers=(Cover(base=InsuranceBase.FIXED, monthly_cents=17_50),)
        )
    )
    assert {m.insurance_cents for m in fixed.months} == {17_50}


def test_a_partial_deferral_pays_the_interest_then_amortises_over_the_rest():
    table = schedule(Line(100_000_00, D("3.6"), 240, deferral=Deferral.PARTIAL, deferral_months=24))
    assert {m.payment_cents for m in table.months[:24]} == {300_00}  # 100 000 × 3,6 % / 12
    assert table.months[23].remaining_cents == 100_000_00
    expected = round(npf.pmt(0.036 / 12, 216, -100_000) * 100)
    assert table.months[24].payment_cents == expected
    assert table.months[-1].remaining_cents == 0


def test_a_total_deferral_adds_the_interest_to_the_capital():
    table = schedule(Line(100_000_00, D("3.6"), 120, deferral=Deferral.TOTAL, deferral_months=12))
    assert {m.payment_cents for m in table.months[:12]} == {0}
    grown = table.months[11].remaining_cents
    assert grown == pytest.approx(100_000_00 * (1 + 0.003) ** 12, abs=2)
    assert table.months[-1].remaining_cents == 0


def test_in_fine_pays_the_interest_then_the_capital_at_the_end():
    table = schedule(Line(150_000_00, D("4.2"), 60, kind=LineKind.IN_FINE))
    assert {m.payment_cents for m in table.months[:-1]} == {525_00}
    assert table.months[-1].payment_cents == 150_525_00
    assert table.months[-1].remaining_cents == 0


def test_a_zero_rate_loan_repays_the_capital_in_equal_parts():
    table = schedule(Line(40_000_00, D(0), 240, kind=LineKind.PTZ))
    assert table.months[0].payment_cents == 166_67
    assert sum(m.payment_cents for m in table.months) == 40_000_00
    assert table.interest_cents == 0


def test_smoothing_keeps_the_total_payment_constant():
    plan = Plan(
        (
            Line(180_000_00, D("3.9"), 300),
            Line(40_000_00, D(0), 180, kind=LineKind.PTZ),
            Line(20_000_00, D("1"), 120, kind=LineKind.EMPLOYER),
        ),
        smoothing=True,
    )
    result = compute(plan)
    totals = result.monthly_without_insurance_cents
    assert len(set(totals[:-1])) == 1  # constant, the last month settles the rounding
    assert abs(totals[-1] - totals[0]) < 200
    assert all(s.months[-1].remaining_cents == 0 for s in result.schedules)
    unsmoothed = compute(Plan(plan.lines))
    assert unsmoothed.monthly_without_insurance_cents[0] > totals[0]  # higher at first


def test_smoothing_is_refused_when_it_cannot_work():
    ptz = Line(50_000_00, D(0), 240, kind=LineKind.PTZ)
    with pytest.raises(DomainError, match="dure plus longtemps"):
        compute(Plan((Line(100_000_00, D(4), 120), ptz), smoothing=True))
    with pytest.raises(DomainError, match=r"in fine|amortissable"):
        compute(Plan((Line(100_000_00, D(4), 240, kind=LineKind.IN_FINE), ptz), smoothing=True))


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (Line(0, D(4), 240), "amount"),
        (Line(100_000_00, D(21), 240), "rate"),
        (Line(100_000_00, D(4), 481), "months"),
        (Line(100_000_00, D(1), 240, kind=LineKind.PTZ), "rate"),
        (
            Line(100_000_00, D(4), 240, deferral=Deferral.PARTIAL, deferral_months=240),
            "deferral_months",
        ),
        (
            Line(
                100_000_00,
                D(4),
                240,
                kind=LineKind.IN_FINE,
                deferral=Deferral.TOTAL,
                deferral_months=3,
            ),
            "deferral",
        ),
        (Line(100_000_00, D(4), 240, covers=(Cover(share=D(120)),)), "share"),
    ],
)
def test_impossible_lines_are_refused_with_the_field_named(line, field):
    with pytest.raises(DomainError) as refused:
        compute(Plan((line,)))
    assert refused.value.field == field
    assert refused.value.message.startswith("Ligne 1 : ")


def test_the_taeg_counts_fees_and_mandatory_insurance_only():
    line = Line(200_000_00, D("4"), 240, covers=(Cover(rate=D("0.30")),))
    bare = compute(Plan((Line(200_000_00, D("4"), 240),)))
    assert bare.taeg == D("4.07")  # 4 % nominal is 4,07 % actuarial
    insured = compute(Plan((line,), Fees(dossier_cents=1_000_00, guarantee_cents=2_500_00)))
    assert insured.taeg > D("4.5")
    optional = Line(200_000_00, D("4"), 240, covers=(Cover(rate=D("0.30"), mandatory=False),))
    assert compute(Plan((optional,))).taeg == bare.taeg
    assert (
        insured.taea
        == insured.taeg
        - compute(
            Plan(
                (Line(200_000_00, D("4"), 240),),
                Fees(dossier_cents=1_000_00, guarantee_cents=2_500_00),
            )
        ).taeg
    )
    assert insured.cost_cents == insured.interest_cents + 120 * 2 * 50_00 + 3_500_00


lines = st.builds(
    Line,
    amount_cents=st.integers(10_000_00, 800_000_00),
    rate=st.decimals(D("0.5"), D("7"), places=2),
    months=st.integers(60, 360),
    covers=st.lists(
        st.builds(Cover, rate=st.decimals(D("0.05"), D("0.6"), places=2)), max_size=2
    ).map(tuple),
)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(lines, min_size=1, max_size=3).map(tuple),
    st.integers(0, 8_000_00),
)
def test_the_taeg_matches_an_independent_irr(plan_lines, fees):
    result = compute(Plan(plan_lines, Fees(dossier_cents=fees)))
    flows = [-(result.borrowed_cents - fees)] + [
        sum(
            m.payment_cents + m.mandatory_insurance_cents
            for s in result.schedules
            for m in s.months[k : k + 1]
        )
        for k in range(len(result.monthly_cents))
    ]
    monthly = npf.irr(flows)
    expected = ((1 + monthly) ** 12 - 1) * 100
    assert float(result.taeg) == pytest.approx(expected, abs=0.006)


def test_annual_rate_of_nothing_is_zero():
    assert annual_rate(0, [100]) == 0
    assert annual_rate(1000, [100] * 5) == 0  # repaid less than received


# --- verdicts ------------------------------------------------------------------------------

RATES = (
    UsuryRate(UsuryCategory.FIXED_20_AND_MORE, dt.date(2026, 10, 1), D("6.00")),
    UsuryRate(UsuryCategory.FIXED_20_AND_MORE, dt.date(2026, 7, 1), D("6.20")),
)


def test_the_usury_rate_is_the_one_in_force_and_its_boundary_passes():
    assert usury_category(Line(1_00, D(1), 300)) is UsuryCategory.FIXED_20_AND_MORE
    assert usury_category(Line(1_00, D(1), 239)) is UsuryCategory.FIXED_10_TO_20
    assert usury_category(Line(1_00, D(1), 119)) is UsuryCategory.FIXED_UNDER_10
    assert usury_category(Line(1_00, D(1), 12, kind=LineKind.BRIDGE)) is UsuryCategory.BRIDGE
    category = UsuryCategory.FIXED_20_AND_MORE
    assert usury_verdict(D("6.00"), category, RATES, dt.date(2026, 11, 30)).ok
    over = usury_verdict(D("6.01"), category, RATES, dt.date(2026, 11, 30))
    assert not over.ok and "au-dessus du taux d'usure 6,00" in over.reason
    assert usury_verdict(D("6.10"), category, RATES, dt.date(2026, 8, 1)).ok  # the older rate
    unknown = usury_verdict(D("3"), UsuryCategory.BRIDGE, RATES, dt.date(2026, 11, 30))
    assert not unknown.ok and "non renseigné" in unknown.reason


def test_the_debt_ratio_counts_rents_the_way_the_bank_chose():
    budget = Budget(incomes_cents=4_000_00, rents_cents=1_000_00, rental_loans_cents=800_00)
    classic = debt_ratio(budget, RentalMethod.CLASSIC, 1_000_00)
    assert classic.income_cents == 4_700_00 and classic.charges_cents == 1_800_00
    assert classic.ratio == D("38.30")
    differential = debt_ratio(budget, RentalMethod.DIFFERENTIAL, 1_000_00)
    assert differential.income_cents == 4_000_00 and differential.charges_cents == 1_100_00
    assert differential.ratio == D("27.50")


def test_the_hcsf_ceiling_and_duration_at_their_boundaries():
    budget = Budget(incomes_cents=1_000_00)
    at = debt_ratio(budget, RentalMethod.CLASSIC, 350_00)
    assert at.ratio == D("35.00") and hcsf_verdict(at, [Line(1_00, D(1), 300)]).ok
    over = debt_ratio(budget, RentalMethod.CLASSIC, 350_01)
    assert not hcsf_verdict(over, [Line(1_00, D(1), 300)]).ok
    assert not hcsf_verdict(at, [Line(1_00, D(1), 301)]).ok
    deferred = Line(1_00, D(1), 324, deferral=Deferral.PARTIAL, deferral_months=24)
    assert not hcsf_verdict(at, [deferred]).ok
    assert hcsf_verdict(at, [deferred], new_build=True).ok


def test_the_reste_a_vivre_against_the_household_minimum():
    budget = Budget(incomes_cents=3_000_00, adults=2, children=1)
    after = debt_ratio(budget, RentalMethod.CLASSIC, 1_100_00)
    remaining, verdict = remaining_income_verdict(budget, after, LivingThresholds())
    assert remaining == 1_900_00 and verdict.ok  # 2 × 800 + 300 = 1 900 €
    after = debt_ratio(budget, RentalMethod.CLASSIC, 1_100_01)
    remaining, verdict = remaining_income_verdict(budget, after, LivingThresholds())
    assert not verdict.ok and "sous le minimum" in verdict.reason


def test_the_simulate_command_prints_the_payment_the_cost_and_the_taeg(capsys):
    import json

    import main

    assert (
        main.main(
            [
                "simulate",
                "--amount",
                "200000",
                "--rate",
                "4",
                "--months",
                "240",
                "--insurance-rate",
                "0,30",
                "--fees",
                "1500",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Mensualité : 1 211,96 € hors assurance, 50,00 € d'assurance, 1 261,96 € au total" in out
    assert "TAEG : 4,65 % (dont TAEA 0,49 %)" in out
    assert (
        main.main(
            [
                "simulate",
                "--amount",
                "200000",
                "--rate",
                "4",
                "--months",
                "240",
                "--json",
                "--schedule",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["mensualite_centimes"] == 121196 and data["taeg_pourcent"] == "4.07"
    assert len(data["echeancier_centimes"]) == 240
    assert data["echeancier_centimes"][-1]["capital_restant"] == 0
    assert main.main(["simulate", "--amount", "200000", "--rate", "40", "--months", "24"]) == 2
    assert "le taux doit être compris entre 0 et 20 %" in capsys.readouterr().err
