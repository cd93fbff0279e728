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
  included, at times k/12 years: X = (1 + i)^12 − 1 for the monthly rate i. The TAEA is the
  insurance's share: the TAEG with the mandatory insurance less the TAEG without it.
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


def cents(value: Decimal) -> int:
    """Euros (as a Decimal of cents' precision or more) → integer cents, half up."""
    return int((value * HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))


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

    def premium(self, initial_cents: int, remaining_cents: Decimal) -> Decimal:
        """This month's premium, in cents (not rounded)."""
        if self.base is InsuranceBase.FIXED:
            return Decimal(self.monthly_cents)
        basis = Decimal(initial_cents) if self.base is InsuranceBase.INITIAL else remaining_cents
        return basis * self.rate / HUNDRED / TWELVE * self.share / HUNDRED


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
    taea: Decimal  # the mandatory insurance's share of it, 2 decimals

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
            f"{where}le montant doit être compris entre 0 et 100 000 000 €.", "amount"
        )
    if not Decimal(0) <= line.rate <= Decimal(20):
        raise DomainError(f"{where}le taux doit être compris entre 0 et 20 %.", "rate")
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
                f"{where}un prêt {line.kind.label.lower()} n'a pas de différé.", "deferral"
            )
        if not 1 <= line.deferral_months < line.months:
            raise DomainError(
                f"{where}le différé doit durer de 1 mois à moins que la durée du prêt.",
                "deferral_months",
            )
    for cover in line.covers:
        if not Decimal(0) < cover.share <= HUNDRED:
            raise DomainError(f"{where}la quotité assurée va de 1 à 100 %.", "share")
        if cover.base is InsuranceBase.FIXED:
            if not 0 <= cover.monthly_cents <= 10_000_00:
                raise DomainError(f"{where}la prime mensuelle va de 0 à 10 000 €.", "insurance")
        elif not Decimal(0) <= cover.rate <= Decimal(5):
            raise DomainError(f"{where}le taux d'assurance va de 0 à 5 %.", "insurance")
    return line


# --- one line -----------------------------------------------------------------------------


def level_payment(capital_cents: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    """The constant payment that repays `capital` in `months` (in cents, rounded)."""
    if monthly_rate == 0:
        return _round(capital_cents / months)
    factor = (1 + monthly_rate) ** months
    return _round(capital_cents * monthly_rate * factor / (factor - 1))


def schedule(line: Line, payments: Sequence[int] | None = None) -> Schedule:
    """The month-by-month table of a line. `payments` (for smoothing) gives each month's
    payment after the deferral; the last month still takes what remains."""
    rate = line.monthly_rate
    remaining = Decimal(line.amount_cents)
    deferred = line.deferral_months if line.deferral is not Deferral.NONE else 0
    capitalised = line.deferral is Deferral.TOTAL
    at_the_end = line.kind.repays_at_the_end
    zero = Decimal(0)
    # Premiums on the initial capital or fixed are the same each month: computed once.
    steady = [c.premium(line.amount_cents, zero) for c in line.covers]
    declining = [c.base is InsuranceBase.REMAINING for c in line.covers]
    mandatory = [c.mandatory for c in line.covers]
    any_declining = any(declining)
    rows: list[Month] = []
    payment = zero
    for number in range(1, line.months + 1):
        interest = _round(remaining * rate)
        insurance = kept = zero
        if line.covers:
            for index, cover in enumerate(line.covers):
                premium = (
                    cover.premium(line.amount_cents, remaining)
                    if any_declining and declining[index]
                    else steady[index]
                )
                insurance += premium
                if mandatory[index]:
                    kept += premium
        last = number == line.months
        if number <= deferred:
            if capitalised:
                remaining += interest  # nothing paid but insurance
                paid = capital = interest_paid = zero
            else:
                paid, capital, interest_paid = interest, zero, interest
        elif at_the_end:
            capital = remaining if last else zero
            paid, interest_paid = interest + capital, interest
        else:
            if payments is not None:
                payment = Decimal(payments[number - deferred - 1])
            elif number == deferred + 1:
                payment = level_payment(remaining, rate, line.months - deferred)
            capital = remaining if last else min(payment - interest, remaining)
            paid, interest_paid = interest + capital, interest
        remaining -= capital
        rows.append(
            Month(
                number,
                int(paid),
                int(interest_paid),
                int(capital),
                int(_round(insurance)) if line.covers else 0,
                int(_round(kept)) if line.covers else 0,
                int(remaining),
            )
        )
    return Schedule(line, tuple(rows))


# --- the plan -----------------------------------------------------------------------------


def compute(plan: Plan) -> PlanResult:
    """Every line's schedule, the monthly totals, the costs, the TAEG and the TAEA."""
    if not plan.lines:
        raise DomainError("Ajoutez au moins une ligne de prêt.", "lines")
    for index, line in enumerate(plan.lines):
        check_line(line, index)
    if plan.fees.total_cents < 0:
        raise DomainError("Les frais ne peuvent pas être négatifs.", "fees")
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
    borrowed = sum(line.amount_cents for line in plan.lines)
    received = borrowed - plan.fees.total_cents
    taeg = annual_rate(received, mandatory)
    taeg_without = annual_rate(received, without)
    return PlanResult(
        plan=plan,
        schedules=tuple(schedules),
        monthly_cents=tuple(with_insurance),
        monthly_without_insurance_cents=tuple(without),
        interest_cents=sum(s.interest_cents for s in schedules),
        insurance_cents=sum(s.insurance_cents for s in schedules),
        fees_cents=plan.fees.total_cents,
        taeg=taeg,
        taea=max(Decimal(0), taeg - taeg_without),
    )


def _main_line(lines: Sequence[Line]) -> int:
    """The line whose payments are adjusted by smoothing: the bank's loan (not a PTZ), the
    longest, then the largest."""
    candidates = [i for i, line in enumerate(lines) if line.kind is not LineKind.PTZ]
    return max(
        candidates or range(len(lines)), key=lambda i: (lines[i].months, lines[i].amount_cents)
    )


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
    others_paid = [
        sum(other.months[k].payment_cents for other in others if k < len(other.months))
        for k in range(deferred, line.months)
    ]
    months = line.months - deferred
    discount = [(1 + rate) ** -(k + 1) for k in range(months)]
    total = (
        capital + sum(Decimal(s) * v for s, v in zip(others_paid, discount, strict=True))
    ) / sum(discount)
    payments = [int(_round(total - Decimal(s))) for s in others_paid]
    remaining = capital
    for payment in payments[:-1]:
        interest = _round(remaining * rate)
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
    """The actuarial yearly rate (percent, 2 decimals) that makes `received` worth the
    monthly `payments` (month 1, 2…): (1 + i)^12 − 1 for the monthly rate i. Newton's
    method from a bracketing guess, with bisection when a step would leave the bracket;
    converges to 1e-14 in a handful of passes (about 1 ms for 300 months)."""
    if received_cents <= 0 or not any(payments_cents):
        return Decimal(0)
    flows = [(k, float(p)) for k, p in enumerate(payments_cents, start=1) if p]
    target = float(received_cents)

    def value_and_slope(i: float) -> tuple[float, float]:
        total = slope = 0.0
        base = 1.0 / (1.0 + i)
        for k, flow in flows:
            discounted = flow * base**k
            total += discounted
            slope -= k * discounted * base
        return total - target, slope

    if value_and_slope(0.0)[0] <= 0:  # repaid no more than received: no positive rate
        return Decimal(0)
    low, high = 0.0, 0.01
    while value_and_slope(high)[0] > 0:
        low, high = high, high * 2
        if high > 10:
            raise DomainError("Taux effectif global incalculable : vérifiez le plan.", "taeg")
    guess = (low + high) / 2
    for _ in range(100):
        value, slope = value_and_slope(guess)
        if value > 0:
            low = guess
        else:
            high = guess
        step = guess - value / slope if slope else (low + high) / 2
        guess = step if low < step < high else (low + high) / 2
        if high - low < 1e-14 or abs(value) < 1e-7:
            break
    yearly = (1 + guess) ** 12 - 1
    return Decimal(repr(yearly * 100)).quantize(CENT, rounding=ROUND_HALF_UP)
