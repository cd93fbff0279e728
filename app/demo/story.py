"""What a demo dossier has lived through, as plain rules: the steps it went through and
when, what a bank answered by then, which of its simulations stands where, and what its
household can borrow. The generator draws the chances; these say what agrees with what."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from models.enums import AbandonReason, DossierStatus, SimulationStatus, SubmissionStatus

# The percents of the office's steps from which each thing has happened (the default steps:
# «RDV banque» 30, «Accord de principe» 50, «Signature de l'offre» 80, «Dossier clôturé» 100)
SENT_TO_BANKS = 30
BANK_AGREED = 50
OFFER_SIGNED = 80
DEED_SIGNED = 100

HCSF_RATIO = 0.35  # the bank's ceiling of the debt ratio, insurance included
RENTS_KEPT = 0.70  # the share of the rents received a bank counts as income
LIVING_PER_ADULT = 800_00  # the default «reste à vivre» a bank wants, per month
LIVING_PER_CHILD = 300_00


@dataclass(frozen=True)
class Story:
    """The steps a dossier reached (their indexes and days), where it stands now, and the
    days of its milestones (None when not reached)."""

    status: DossierStatus
    reached: list[tuple[int, dt.date]]  # (step index, day reached), from the creation on
    percent: int  # the current step's
    abandon_reason: AbandonReason | None
    abandoned_on: dt.date | None

    @property
    def created_on(self) -> dt.date:
        return self.reached[0][1]

    @property
    def step_index(self) -> int:
        return self.reached[-1][0]

    @property
    def last_move(self) -> dt.date:
        return self.reached[-1][1]

    @property
    def end(self) -> dt.date | None:
        """The last day anything happened to it: its abandonment, else None (still alive)."""
        return self.abandoned_on

    @property
    def sent(self) -> bool:
        """Sent to banks: a client (or a dossier abandoned as one) from «RDV banque» on."""
        return self.status is not DossierStatus.PROSPECT and self.percent >= SENT_TO_BANKS


def milestone(story: Story, percents: list[int], threshold: int) -> dt.date | None:
    """The day the dossier reached the first step of at least `threshold` percent."""
    for index, day in story.reached:
        if percents[index] >= threshold:
            return day
    return None


def step_gap(rng: random.Random, percent: int) -> int:
    """Days to reach a step of `percent` from the one before: the bank's meeting and answer
    take weeks; the offer comes weeks after the agreement (and its 11 days of reflection);
    the deed, weeks after the offer."""
    if percent >= DEED_SIGNED:
        return rng.randrange(20, 75)
    if percent >= OFFER_SIGNED:
        return rng.randrange(15, 45)
    return rng.randrange(4, 36)


ABANDON_BEFORE_BANKS = (
    (AbandonReason.PROJECT_ABANDONED, 30),
    (AbandonReason.OWN_BANK, 15),
    (AbandonReason.COMPETITION, 15),
    (AbandonReason.DEBT_RATIO, 15),
    (AbandonReason.OVER_INDEBTEDNESS, 5),
    (AbandonReason.OTHER, 20),
)
ABANDON_AT_BANKS = (*ABANDON_BEFORE_BANKS, (AbandonReason.BANK_REFUSAL, 40))
ABANDON_AFTER_AGREEMENT = (
    (AbandonReason.PROJECT_ABANDONED, 30),
    (AbandonReason.OWN_BANK, 15),
    (AbandonReason.COMPETITION, 25),
    (AbandonReason.OTHER, 20),
)


def abandon_reason(rng: random.Random, percent: int) -> AbandonReason:
    """A reason the step allows: a bank refuses only a dossier it received; no «Refus
    banque» or «Endettement» once a bank has agreed."""
    table = (
        ABANDON_AFTER_AGREEMENT
        if percent >= BANK_AGREED
        else ABANDON_AT_BANKS
        if percent >= SENT_TO_BANKS
        else ABANDON_BEFORE_BANKS
    )
    return rng.choices([r for r, _w in table], [w for _r, w in table])[0]


def over_budget(reason: AbandonReason | None) -> bool:
    """A dossier abandoned for its debt ratio asked more than its household could repay."""
    return reason in (AbandonReason.DEBT_RATIO, AbandonReason.OVER_INDEBTEDNESS)


def retained_status(story: Story) -> SimulationStatus:
    """The status of the simulation the dossier stands on (its latest): a draft for a
    prospect, proposed to a client, sent to the banks, accepted by one once a bank agreed,
    validated by the client once he signed the offer; refused when the banks refused."""
    if story.status is DossierStatus.PROSPECT:
        return SimulationStatus.DRAFT
    if story.abandon_reason is AbandonReason.BANK_REFUSAL:
        return SimulationStatus.BANK_REFUSED
    if story.percent >= OFFER_SIGNED:
        return SimulationStatus.CLIENT_VALIDATED
    if story.percent >= BANK_AGREED:
        return SimulationStatus.BANK_ACCEPTED
    if story.percent >= SENT_TO_BANKS:
        return SimulationStatus.SENT_TO_BANK
    return SimulationStatus.PROPOSED


def alternative_status(rng: random.Random, story: Story) -> SimulationStatus:
    """An earlier scenario: a draft, or proposed to a client and set aside."""
    if story.status is DossierStatus.PROSPECT or rng.random() < 0.5:
        return SimulationStatus.DRAFT
    return SimulationStatus.PROPOSED


def chosen_bank_status(story: Story) -> SubmissionStatus:
    """Where the dossier stands with the bank it went furthest with."""
    if story.abandon_reason is AbandonReason.BANK_REFUSAL:
        return SubmissionStatus.REFUSED
    if story.percent >= OFFER_SIGNED:
        return SubmissionStatus.OFFER_ACCEPTED
    if story.percent >= BANK_AGREED:
        return SubmissionStatus.AGREEMENT
    return SubmissionStatus.STUDYING


def other_bank_statuses(story: Story) -> tuple[SubmissionStatus, ...]:
    """What the other banks may have said by now."""
    if story.abandon_reason is AbandonReason.BANK_REFUSAL:
        return (SubmissionStatus.REFUSED,)
    if story.percent >= BANK_AGREED:  # all have answered: a no, or an agreement not taken
        return (SubmissionStatus.REFUSED, SubmissionStatus.REFUSED, SubmissionStatus.AGREEMENT)
    return (SubmissionStatus.STUDYING, SubmissionStatus.REFUSED)


def monthly_per_euro(rate_mpct: int, months: int, insurance_per_year: float) -> float:
    """What one euro borrowed costs a month: the annuity at the rate (thousandths of a
    percent) over `months`, and the insurance (a yearly rate of the initial capital)."""
    rate = rate_mpct / 100_000 / 12
    annuity = rate / (1 - (1 + rate) ** -months) if rate else 1 / months
    return annuity + insurance_per_year / 12


def repayable_cents(incomes: int, rents: int, charges: int, adults: int, children: int) -> int:
    """The highest new monthly payment the household's bank accepts: its debt ratio at 35 %
    at most (70 % of the rents counted as income) and the reste à vivre its size needs."""
    income = incomes + rents * RENTS_KEPT
    living = adults * LIVING_PER_ADULT + children * LIVING_PER_CHILD
    return int(min(income * HCSF_RATIO - charges, income - charges - living))
