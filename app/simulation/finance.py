"""The maths of a financing plan, to the cent, as French banks compute it. No database, no Qt.

- Rates are yearly percentages (`Decimal("4")` is 4 %); the monthly rate is the nominal rate
  divided by 12 (proportional rate, as on every French loan offer).
- Amounts are integer cents. Each month's interest is rounded to the cent (half up), each
  payment too; the last payment takes what rounding left, so the capital is repaid exactly.
- A deferral («différé») comes first: partial, the interest is paid; total, nothing is paid
  but insurance and the interest is added to the capital. The capital is then amortised
  over the remaining months.
- In fine and bridge loans pay the interest each month and the capital at the last one.
- The TAEG is the actuarial rate of the mortgage-credit directive (Code de la consommation,
  art. R. 314-3): the yearly rate X such that what the borrower receives (the loans less the
  fees paid at the start) equals the present value of every payment, mandatory insurance
  included, at times k/12 years: X = (1 + i)^12 − 1 for the monthly rate i. The TAEA
  (décret 2014-1190) is the TAEG with every insurance proposed less the TAEG without any.
  Each line also gets its own TAEG, with its share of the fees: the usury rate of its
  category applies to it.
- Rates have three decimals at most, insurance shares two: the schedule is then computed
  in integers, exactly (2.4 ms for three lines of 300 months, TAEG included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from app.errors import DomainError
from models.enums import Deferral, InsuranceBase, LineKind

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
TWELVE = Decimal(12)
MAX_AMOUNT_CENTS = 100_000_000_00  # 100 million euros
MAX_MONTHS = 480


def _round(value: Decimal) -> Decimal:
    """A cent amount (in cents, as a Decimal) rounded to the whole cent, half up."""
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cover:
    """One borrower's insurance on a line: the share of the capital covered (100 % for one
    borrower alone, often 50 % + 50 % or 100 % + 100 % for a couple), how the premium is
    computed, and whether the bank requires it (only required cover enters the TAEG)."""

    share: Decimal = HUNDRED
    base: InsuranceBase = InsuranceBase.INITIAL
    rate: Decimal = Decimal(0)  # yearly percentage of the capital (INITIAL / REMAINING)
    monthly_cents: int = 0  # FIXED
    mandatory: bool = True


@dataclass(frozen=True)
class Line:
    """A loan line of the plan."""

    amount_cents: int
    rate: Decimal  # nominal yearly percentage
    months: int
    kind: LineKind = LineKind.AMORTIZING
    deferral: Deferral = Deferral.NONE
    deferral_months: int = 0
    covers: tuple[Cover, ...] = ()
    lender: str = ""

    @property
    def monthly_rate(self) -> Decimal:
        return self.rate / HUNDRED / TWELVE


class Month(NamedTuple):
    """One month of a line's table (a tuple: a schedule has hundreds, built in a keystroke)."""

    number: int  # 1 = the first month
    payment_cents: int  # interest + capital (insurance apart)
    interest_cents: int
    capital_cents: int
    insurance_cents: int
    mandatory_insurance_cents: int
    remaining_cents: int  # capital still due after this month

    @property
    def total_cents(self) -> int:
        """What the borrower pays this month, insurance included."""
        return self.payment_cents + self.insurance_cents


@dataclass(frozen=True)
class Schedule:
    line: Line
    months: tuple[Month, ...]

    @property
    def interest_cents(self) -> int:
        return sum(m.interest_cents for m in self.months)

    @property
    def insurance_cents(self) -> int:
        return sum(m.insurance_cents for m in self.months)

    @property
    def repaying(self) -> Month:
        """The first month that repays capital at the usual payment (after any deferral)."""
        start = self.line.deferral_months if self.line.deferral is not Deferral.NONE else 0
        return self.months[min(start, len(self.months) - 1)]


@dataclass(frozen=True)
class Fees:
    """Paid at the start: they reduce what the borrower really receives (TAEG)."""

    dossier_cents: int = 0
    guarantee_cents: int = 0
    brokerage_cents: int = 0
    other_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.dossier_cents + self.guarantee_cents + self.brokerage_cents + self.other_cents


@dataclass(frozen=True)
class Plan:
    lines: tuple[Line, ...]
    fees: Fees = field(default_factory=Fees)
    smoothing: bool = False  # «lissage»: a constant total payment over several lines


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    schedules: tuple[Schedule, ...]
    monthly_cents: tuple[int, ...]  # per month, all lines, insurance included
    monthly_without_insurance_cents: tuple[int, ...]
    interest_cents: int
    insurance_cents: int
    fees_cents: int
    taeg: Decimal  # yearly percentage, 2 decimals
    taea: Decimal  # the insurance's share (every cover proposed), 2 decimals
    line_taegs: tuple[Decimal, ...] = ()  # each line's own, with its share of the fees

    @property
    def borrowed_cents(self) -> int:
        return sum(line.amount_cents for line in self.plan.lines)

    @property
    def cost_cents(self) -> int:
        """The total cost of the credit: interest, insurance and fees."""
        return self.interest_cents + self.insurance_cents + self.fees_cents

    @property
    def usual_month(self) -> int:
        """The index of the first month after every deferral: the usual payment."""
        start = max(
            (
                line.deferral_months
                for line in self.plan.lines
                if line.deferral is not Deferral.NONE
            ),
            default=0,
        )
        return min(start, len(self.monthly_cents) - 1)

    @property
    def first_monthly_cents(self) -> int:
        """The usual monthly payment, insurance included (the first after any deferral)."""
        return self.monthly_cents[self.usual_month]


# --- checks -------------------------------------------------------------------------------


def check_line(line: Line, index: int = 0) -> Line:
    """Refuse what a bank would never lend, with a French message naming the line."""
    where = f"Ligne {index + 1} : " if index >= 0 else ""
    if not 0 < line.amount_cents <= MAX_AMOUNT_CENTS:
        raise DomainError(
            f"{where}le montant doit être supérieur à 0 € et d'au plus 100 000 000 €.", "amount"
        )
    if not Decimal(0) <= line.rate <= Decimal(20):
        raise DomainError(f"{where}le taux doit être compris entre 0 et 20 %.", "rate")
    if line.rate != line.rate.quantize(Decimal("0.001")):
        raise DomainError(f"{where}le taux a au plus trois décimales.", "rate")
    if line.kind is LineKind.PTZ and line.rate != 0:
        raise DomainError(f"{where}un prêt à taux zéro a un taux de 0 %.", "rate")
    if not 1 <= line.months <= MAX_MONTHS:
        raise DomainError(f"{where}la durée doit être comprise entre 1 et 480 mois.", "months")
    if line.deferral is Deferral.NONE:
        if line.deferral_months:
            raise DomainError(f"{where}choisissez le type de différé.", "deferral")
    else:
        if line.kind.repays_at_the_end:
            raise DomainError(
                f"{where}un {line.kind.label.lower()} n'a pas de différé.", "deferral"
            )
        if not 1 <= line.deferral_months < line.months:
            raise DomainError(
                f"{where}le différé dure au moins 1 mois et moins que la durée du prêt.",
                "deferral_months",
            )
    for cover in line.covers:
        if not Decimal(0) < cover.share <= HUNDRED:
            raise DomainError(f"{where}la quotité assurée est de plus de 0 à 100 %.", "share")
        if cover.base is InsuranceBase.FIXED:
            if not 0 <= cover.monthly_cents <= 10_000_00:
                raise DomainError(f"{where}la prime mensuelle va de 0 à 10 000 €.", "insurance")
        elif not Decimal(0) <= cover.rate <= Decimal(5) or cover.rate != cover.rate.quantize(
            Decimal("0.001")
        ):
            raise DomainError(
                f"{where}le taux d'assurance va de 0 à 5 %, trois décimales au plus.", "insurance"
            )
        if cover.share != cover.share.quantize(CENT):
            raise DomainError(f"{where}la quotité a au plus deux décimales.", "share")
    return line


# --- one line -----------------------------------------------------------------------------


def level_payment(capital_cents: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    """The constant payment that repays `capital` in `months` (in cents, rounded)."""
    if monthly_rate == 0:
        return _round(capital_cents / months)
    factor = (1 + monthly_rate) ** months
    return _round(capital_cents * monthly_rate * factor / (factor - 1))


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves up (both ≥ 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


# A premium in cents: capital (cents) × rate (thousandths of a percent) × share (hundredths
# of a percent) / (100 000 × 12 × 10 000).
_PREMIUM_DIVISOR = 100_000 * 12 * 10_000


def schedule(line: Line, payments: Sequence[int] | None = None) -> Schedule:
    """The month-by-month table of a line. `payments` (for smoothing) gives each month's
    payment after the deferral; the last month still takes what remains.

    In integers: cents, rates in thousandths of a percent, shares in hundredths of a
    percent; each month's interest and each premium rounded to the cent, halves up."""
    rate_mpct = int(line.rate * 1000)
    remaining = line.amount_cents
    deferred = line.deferral_months if line.deferral is not Deferral.NONE else 0
    capitalised = line.deferral is Deferral.TOTAL
    at_the_end = line.kind.repays_at_the_end
    covers = [
        (
            cover.base,
            int(cover.rate * 1000) * int(cover.share * 100),
            cover.monthly_cents,
            cover.mandatory,
        )
        for cover in line.covers
    ]
    # A premium on the initial capital, or fixed, is the same every month: computed once.
    steady = [
        monthly
        if base is InsuranceBase.FIXED
        else _half_up(line.amount_cents * factor, _PREMIUM_DIVISOR)
        for base, factor, monthly, _mandatory in covers
    ]
    rows: list[Month] = []
    payment = 0
    for number in range(1, line.months + 1):
        interest = _half_up(remaining * rate_mpct, 1_200_000)
        insurance = kept = 0
        for index, (base, factor, _monthly, mandatory) in enumerate(covers):
            premium = (
                _half_up(remaining * factor, _PREMIUM_DIVISOR)
                if base is InsuranceBase.REMAINING
                else steady[index]
            )
            insurance += premium
            if mandatory:
                kept += premium
        last = number == line.months
        if number <= deferred:
            if capitalised:
                # Nothing paid but insurance: the interest is owed all the same, added to
                # the capital (a negative capital repayment), and counted in the cost.
                paid, capital = 0, -interest
            else:
                paid, capital = interest, 0
        elif at_the_end:
            capital = remaining if last else 0
            paid = interest + capital
        else:
            if payments is not None:
                payment = payments[number - deferred - 1]
            elif number == deferred + 1:
                payment = int(
                    level_payment(Decimal(remaining), line.monthly_rate, line.months - deferred)
                )
            capital = remaining if last else min(payment - interest, remaining)
            paid = interest + capital
        remaining -= capital
        rows.append(Month(number, paid, interest, capital, insurance, kept, remaining))
    return Schedule(line, tuple(rows))


# --- the plan -----------------------------------------------------------------------------


def compute(plan: Plan, details: bool = True) -> PlanResult:
    """Every line's schedule, the monthly totals, the costs, the TAEG and the TAEA.
    Without `details`, the TAEA and each line's own TAEG are left out (zero, none): a
    quarter of the time, for the reports that need only the plan's TAEG."""
    if not plan.lines:
        raise DomainError("Ajoutez au moins une ligne de prêt.", "lines")
    for index, line in enumerate(plan.lines):
        check_line(line, index)
    fees = plan.fees
    if min(fees.dossier_cents, fees.guarantee_cents, fees.brokerage_cents, fees.other_cents) < 0:
        raise DomainError("Les frais ne peuvent pas être négatifs.", "fees")
    borrowed = sum(line.amount_cents for line in plan.lines)
    if fees.total_cents >= borrowed:
        raise DomainError(
            "Les frais atteignent le montant emprunté : vérifiez les montants.", "fees"
        )
    main = _main_line(plan.lines) if plan.smoothing and len(plan.lines) > 1 else -1
    tables = [schedule(line) if i != main else None for i, line in enumerate(plan.lines)]
    if main >= 0:
        others = [s for s in tables if s is not None]
        line = plan.lines[main]
        tables[main] = schedule(line, smoothed_payments(line, others))
    schedules = [s for s in tables if s is not None]
    length = max(line.months for line in plan.lines)
    with_insurance = [0] * length
    without = [0] * length
    mandatory = [0] * length
    for one in schedules:
        for month in one.months:
            without[month.number - 1] += month.payment_cents
            with_insurance[month.number - 1] += month.total_cents
            mandatory[month.number - 1] += month.payment_cents + month.mandatory_insurance_cents
    received = borrowed - fees.total_cents
    taeg = yearly_percent(received, mandatory)
    # The TAEA: the TAEG with every insurance proposed, less the TAEG without any insurance
    # (décret 2014-1190), from the unrounded rates.
    taea = (
        yearly_percent(received, with_insurance) - yearly_percent(received, without)
        if details
        else 0.0
    )
    return PlanResult(
        plan=plan,
        schedules=tuple(schedules),
        monthly_cents=tuple(with_insurance),
        monthly_without_insurance_cents=tuple(without),
        interest_cents=sum(s.interest_cents for s in schedules),
        insurance_cents=sum(s.insurance_cents for s in schedules),
        fees_cents=fees.total_cents,
        taeg=_percent(taeg),
        taea=_percent(max(0.0, taea)),
        line_taegs=tuple(_line_taeg(s, fees.total_cents, borrowed) for s in schedules)
        if details
        else (),
    )


def _line_taeg(table: Schedule, fees_cents: int, borrowed_cents: int) -> Decimal:
    """A line's own TAEG, with its share of the fees (prorated to its amount): what the
    usury rate of its category applies to (a PTZ must not pull a bank loan's under it)."""
    amount = table.line.amount_cents
    received = amount - fees_cents * amount // borrowed_cents
    flows = [m.payment_cents + m.mandatory_insurance_cents for m in table.months]
    return _percent(yearly_percent(received, flows))


SMOOTHED_KINDS = (LineKind.AMORTIZING, LineKind.CAPPED_VARIABLE)


def _main_line(lines: Sequence[Line]) -> int:
    """The line whose payments smoothing adjusts: the bank's amortising loan, the longest,
    then the largest."""
    candidates = [i for i, line in enumerate(lines) if line.kind in SMOOTHED_KINDS]
    if not candidates:
        raise DomainError(
            "Le lissage ajuste un prêt amortissable de la banque : ajoutez-en un.", "smoothing"
        )
    return max(candidates, key=lambda i: (lines[i].months, lines[i].amount_cents))


def smoothed_payments(line: Line, others: Sequence[Schedule]) -> list[int]:
    """«Lissage»: the main line's payments that keep the plan's total payment (insurance
    apart) the same every month once its deferral is over.

    With S_k what the other lines ask in month k and v = 1/(1+r), the constant total T
    satisfies: capital = Σ (T − S_k)·v^k over the main line's repaying months."""
    if line.kind.repays_at_the_end:
        raise DomainError("Le lissage porte sur un prêt amortissable.", "smoothing")
    deferred = line.deferral_months if line.deferral is not Deferral.NONE else 0
    if any(len(other.months) > line.months for other in others):
        raise DomainError(
            "Lissage impossible : un autre prêt dure plus longtemps que le prêt principal.",
            "smoothing",
        )
    # The capital left after the deferral (a total deferral adds the interest to it).
    capital = (
        Decimal(schedule(line).months[deferred - 1].remaining_cents)
        if deferred
        else (Decimal(line.amount_cents))
    )
    rate = line.monthly_rate
    # What the other lines ask each month; a bridge or in-fine loan's capital, repaid at
    # once (by the sale, by savings), is not smoothed.
    others_paid = [
        sum(
            other.months[k].payment_cents
            - (other.months[k].capital_cents if other.line.kind.repays_at_the_end else 0)
            for other in others
            if k < len(other.months)
        )
        for k in range(deferred, line.months)
    ]
    months = line.months - deferred
    step, factor, discount = 1 / (1 + rate), Decimal(1), []
    for _ in range(months):
        factor *= step
        discount.append(factor)
    total = (
        capital + sum(Decimal(s) * v for s, v in zip(others_paid, discount, strict=True))
    ) / sum(discount)
    payments = [int(_round(total - Decimal(s))) for s in others_paid]
    remaining = capital
    for payment in payments[:-1]:
        interest = _half_up(int(remaining) * int(line.rate * 1000), 1_200_000)
        if payment <= interest:
            raise DomainError(
                "Lissage impossible : les autres prêts coûtent plus par mois que le total "
                "lissé ; allongez le prêt principal ou raccourcissez les autres.",
                "smoothing",
            )
        remaining -= payment - interest
    return payments


# --- rates --------------------------------------------------------------------------------


def annual_rate(received_cents: int, payments_cents: Sequence[int]) -> Decimal:
    """The actuarial yearly rate, in percent rounded to 2 decimals (see `yearly_percent`)."""
    return _percent(yearly_percent(received_cents, payments_cents))


def _percent(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def yearly_percent(received_cents: int, payments_cents: Sequence[int]) -> float:
    """The actuarial yearly rate (percent, unrounded) that makes `received` worth the
    monthly `payments` (month 1, 2…): (1 + i)^12 − 1 for the monthly rate i, by Newton's
    method (about 0.2 ms for 300 months)."""
    if received_cents <= 0 or not any(payments_cents):
        return 0.0
    flows = [float(p) for p in payments_cents]
    weighted = [k * flow for k, flow in enumerate(flows, start=1)]
    target = float(received_cents)

    def value_and_slope(i: float) -> tuple[float, float]:
        total = slope = 0.0
        base = 1.0 / (1.0 + i)
        factor = 1.0
        for flow, moment in zip(flows, weighted, strict=True):
            factor *= base  # (1 + i)^-k, month after month
            total += flow * factor
            slope += moment * factor
        return total - target, -slope * base

    if value_and_slope(0.0)[0] <= 0:  # repaid no more than received: no positive rate
        return 0.0
    # The present value falls and is convex in the rate: Newton's steps, once past the
    # root, come back to it from above without overshooting (about five steps).
    guess = 0.004
    for _ in range(200):
        value, slope = value_and_slope(guess)
        step = value / slope
        following = guess - step
        if following <= 0:
            following = guess / 2  # never at or below a zero rate
        if following > 10:
            raise DomainError("Taux effectif global incalculable : vérifiez le plan.", "taeg")
        if abs(following - guess) < 1e-15:
            guess = following
            break
        guess = following
    return ((1 + guess) ** 12 - 1) * 100
