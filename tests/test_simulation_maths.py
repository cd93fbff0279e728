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
    UsuryRate,
    debt_ratio,
    hcsf_verdict,
    remaining_income_verdict,
    usury_category,
    usury_verdict,
)
from models.enums import Deferral, InsuranceBase, LineKind, RentalMethod, UsuryCategory


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
    short_deferral = Line(1_00, D(1), 324, deferral=Deferral.PARTIAL, deferral_months=12)
    assert not hcsf_verdict(at, [short_deferral], new_build=True).ok  # 25 years + 12 months
    both = hcsf_verdict(over, [Line(1_00, D(1), 301)])
    assert "taux d'endettement" in both.reason and "durée de 301 mois" in both.reason


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


def test_interest_added_during_a_total_deferral_is_part_of_the_cost():
    table = schedule(Line(100_000_00, D("3.6"), 120, deferral=Deferral.TOTAL, deferral_months=12))
    paid = sum(m.payment_cents for m in table.months)
    assert table.interest_cents == paid - 100_000_00  # every euro above the capital
    assert table.months[0].interest_cents == 300_00 and table.months[0].capital_cents == -300_00


def test_an_exact_half_cent_of_interest_rounds_up():
    table = schedule(Line(200_000_00, D("4"), 240))
    month = table.months[28]  # 184 024,5 € due: 613,415 € of interest
    assert month.interest_cents == 613_42


def test_each_borrowers_premium_is_rounded_on_its_own():
    halves = (Cover(share=D(50), rate=D("0.34")), Cover(share=D(50), rate=D("0.34")))
    table = schedule(Line(100_000_00, D(3), 120, covers=halves))
    assert table.months[0].insurance_cents == 2 * 14_17  # 14,1666… each


def test_fees_reaching_the_amount_are_refused():
    for fees in (200_000_00, 250_000_00):
        with pytest.raises(DomainError, match="atteignent le montant"):
            compute(Plan((Line(200_000_00, D(4), 240),), Fees(other_cents=fees)))
    with pytest.raises(DomainError, match="négatifs"):
        compute(Plan((Line(200_000_00, D(4), 240),), Fees(dossier_cents=-1, other_cents=5)))


def test_the_taea_counts_every_insurance_proposed():
    optional = Line(200_000_00, D("4"), 240, covers=(Cover(rate=D("0.30"), mandatory=False),))
    result = compute(Plan((optional,)))
    assert result.taeg == D("4.07")  # optional cover stays out of the TAEG
    assert result.taea > D("0.4")  # but the TAEA shows what it costs


def test_smoothing_adjusts_the_bank_loan_and_leaves_a_bridge_loans_capital_alone():
    bank = Line(200_000_00, D("3.8"), 240)
    bridge = Line(150_000_00, D("4.2"), 24, kind=LineKind.BRIDGE)
    result = compute(Plan((bank, bridge), smoothing=True))
    totals = result.monthly_without_insurance_cents
    assert len(set(totals[:23])) == 1  # constant while the bridge loan runs…
    assert totals[23] > 150_000_00  # …which is repaid at once, by the sale
    employer = Line(30_000_00, D(1), 300, kind=LineKind.EMPLOYER)
    with pytest.raises(DomainError, match="dure plus longtemps"):
        compute(Plan((bank, employer), smoothing=True))
    with pytest.raises(DomainError, match="prêt amortissable"):
        compute(Plan((Line(40_000_00, D(0), 240, kind=LineKind.PTZ), employer), smoothing=True))


def test_each_line_has_its_own_taeg_for_the_usury_check():
    bank = Line(200_000_00, D("4.5"), 300)
    ptz = Line(60_000_00, D(0), 240, kind=LineKind.PTZ)
    result = compute(Plan((bank, ptz), Fees(dossier_cents=1_000_00)))
    bank_taeg, ptz_taeg = result.line_taegs
    assert bank_taeg > result.taeg > ptz_taeg  # the PTZ pulls the plan's down, not the bank's
    assert bank_taeg == compute(Plan((bank,), Fees(dossier_cents=769_23))).taeg


deferred_lines = st.builds(
    Line,
    amount_cents=st.integers(10_000_00, 500_000_00),
    rate=st.decimals(D("0.5"), D("7"), places=2),
    months=st.integers(120, 300),
    kind=st.sampled_from((LineKind.AMORTIZING, LineKind.IN_FINE)),
    covers=st.just((Cover(rate=D("0.25")),)),
).flatmap(
    lambda line: (
        st.just(line)
        if line.kind is LineKind.IN_FINE
        else st.builds(
            lambda deferral, months: Line(
                line.amount_cents, line.rate, line.months, line.kind, deferral, months
            ),
            st.sampled_from((Deferral.PARTIAL, Deferral.TOTAL)),
            st.integers(1, 36),
        )
    )
)


@settings(max_examples=20, deadline=None)
@given(deferred_lines, st.integers(0, 5_000_00))
def test_the_taeg_of_deferred_and_in_fine_loans_matches_an_independent_irr(line, fees):
    result = compute(Plan((line,), Fees(dossier_cents=fees)))
    flows = [-(line.amount_cents - fees)] + [
        m.payment_cents + m.mandatory_insurance_cents for m in result.schedules[0].months
    ]
    expected = ((1 + npf.irr(flows)) ** 12 - 1) * 100
    assert float(result.taeg) == pytest.approx(expected, abs=0.006)


def test_the_households_budget_is_counted_as_a_bank_does():
    from app.dossier.household import BorrowerData, ChildData
    from app.dossier.situation import ChargeData, LoanData, ProjectData
    from app.simulation.rules import household_budget, is_new_build
    from models.enums import ChargeKind, LoanKind, ProjectNature, ProjectUse

    budget = household_budget(
        [
            BorrowerData("A", net_monthly_income_cents=2_500_00, rental_income_cents=600_00),
            BorrowerData("B", net_monthly_income_cents=1_800_00, other_income_cents=200_00),
        ],
        [ChildData("Lou"), ChildData("Tom", dependent=False)],
        [
            LoanData("Cetelem", LoanKind.CAR, 250_00),
            LoanData("LCL", LoanKind.MORTGAGE, 900_00, to_buy_back=True),  # bought back
            LoanData("CIC", LoanKind.RENTAL_MORTGAGE, 480_00),  # the let flat's loan
            LoanData("BNP", LoanKind.RENTAL_MORTGAGE, 300_00, to_buy_back=True),
        ],
        [ChargeData(ChargeKind.RENT, 850_00), ChargeData(ChargeKind.ALIMONY, 300_00)],
        ProjectData(nature=ProjectNature.NEW_BUILD, use=ProjectUse.MAIN_HOME),
    )
    assert budget == Budget(
        incomes_cents=4_500_00,
        rents_cents=600_00,
        rental_loans_cents=480_00,
        charges_cents=550_00,  # the car loan and the alimony: the rent ends with the purchase
        adults=2,
        children=1,
    )
    # Counted «en différentiel», the let flat costs 60 € a month: 70 % of 600 € less 480 €.
    differential = debt_ratio(budget, RentalMethod.DIFFERENTIAL)
    assert differential.income_cents == 4_500_00 and differential.charges_cents == 610_00
    classic = debt_ratio(budget, RentalMethod.CLASSIC)
    assert classic.income_cents == 4_920_00 and classic.charges_cents == 1_030_00
    assert is_new_build(ProjectData(nature=ProjectNature.CONSTRUCTION))
    assert not is_new_build(ProjectData(nature=ProjectNature.EXISTING))


def test_the_schedule_is_exported_for_french_excel_and_as_a_workbook(tmp_path):
    import zipfile

    from app.simulation.schedule_export import plan_years, write_csv, write_xlsx

    result = compute(
        Plan(
            (
                Line(200_000_00, D("4"), 240, covers=(Cover(rate=D("0.30")),)),
                Line(40_000_00, D(0), 120, kind=LineKind.PTZ),
            )
        )
    )
    csv_file = write_csv(result, tmp_path / "plan.csv")
    raw = csv_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "Mois;Échéance;Intérêts;Capital;Assurance;Total;Restant dû"
    assert lines[1] == "1;1545,29;666,67;878,62;50,00;1595,29;239121,38"
    assert len(lines) == 241 and lines[-1].endswith(";0,00")
    years = plan_years(result)
    assert len(years) == 20 and years[0][0] == 1 and years[-1][6] == 0
    assert sum(year[3] for year in years) == 240_000_00  # all the capital, year by year
    workbook = write_xlsx(result, tmp_path / "plan.xlsx", "Plan")
    with zipfile.ZipFile(workbook) as archive:
        names = archive.read("xl/workbook.xml").decode()
        assert all(f'name="{n}"' in names for n in ("Plan par mois", "Plan par année", "Prêt 1"))
        first = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in first  # numbers and text only, never formulas
    assert "<pane" in first  # the header row stays on screen
