"""Automatic comments: small declared rules that turn facts of the data into comments.

A rule looks at a snapshot of the household and states facts, each with a stable key: the
same fact gives the same comment once, a changed fact updates it, a fact that disappears
removes it. Automatic comments are not in the «note de synthèse» until a user ticks it.

Adding a rule is a few lines: a function `(Snapshot) -> Iterable[Fact]` in RULES.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.dossier.household import BorrowerData, ChildData
from app.text import format_amount, person_name
from models.enums import Contract, DossierTab

if TYPE_CHECKING:
    from app.dossier.situation import LoanData, ProjectData


@dataclass(frozen=True)
class Snapshot:
    borrowers: tuple[tuple[int, BorrowerData], ...]  # (rank, data)
    children: tuple[tuple[int, ChildData], ...]  # (child id, data)
    today: dt.date
    project: ProjectData | None = None
    loans: tuple[tuple[int, LoanData], ...] = ()  # (loan id, data)


@dataclass(frozen=True)
class Fact:
    key: str
    text: str  # safe HTML


@dataclass(frozen=True)
class Rule:
    key: str
    tab: DossierTab
    facts: Callable[[Snapshot], Iterable[Fact]]


def _name(data: BorrowerData) -> str:
    return html.escape(person_name(data.first_name, data.last_name), quote=False)


def _years_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 365.25


def _alternating_custody(snapshot: Snapshot) -> Iterable[Fact]:
    for child_id, child in snapshot.children:
        if child.alternating_custody:
            yield Fact(
                f"child-{child_id}",
                f"<p>{html.escape(child.first_name, quote=False)} est en <b>garde alternée</b> : "
                "les banques le comptent en général pour une demi-part dans le reste à vivre ; "
                "joindre le jugement ou la convention de garde.</p>",
            )


def _short_contract(snapshot: Snapshot) -> Iterable[Fact]:
    for rank, borrower in snapshot.borrowers:
        if borrower.contract in (Contract.CDI_TRIAL, Contract.CDD, Contract.INTERIM):
            yield Fact(
                f"borrower-{rank}-{borrower.contract.value}",
                f"<p>{_name(borrower)} est en <b>{borrower.contract.label}</b> : les banques "
                "demandent souvent la fin de la période d'essai, ou trois ans d'ancienneté "
                "dans le secteur pour un contrat court.</p>",
            )


def _young_business(snapshot: Snapshot) -> Iterable[Fact]:
    for rank, borrower in snapshot.borrowers:
        if borrower.contract not in (Contract.SELF_EMPLOYED, Contract.COMPANY_HEAD):
            continue
        since = borrower.employed_since
        if since is None or _years_between(since, snapshot.today) < 3:
            yield Fact(
                f"borrower-{rank}",
                f"<p>{_name(borrower)} est {borrower.contract.label.lower()} avec <b>moins de "
                "trois ans d'activité</b> : les banques demandent en général trois bilans.</p>",
            )


def _rental_income(snapshot: Snapshot) -> Iterable[Fact]:
    for rank, borrower in snapshot.borrowers:
        if borrower.rental_income_cents:
            retained = borrower.rental_income_cents * 70 // 100
            yield Fact(
                f"borrower-{rank}",
                f"<p>{_name(borrower)} déclare <b>{format_amount(borrower.rental_income_cents)}"
                f"</b> de revenus locatifs par mois : les banques en retiennent en général 70 %, "
                f"soit {format_amount(retained)}.</p>",
            )


def _recent_hire(snapshot: Snapshot) -> Iterable[Fact]:
    for rank, borrower in snapshot.borrowers:
        since = borrower.employed_since
        if (
            borrower.contract is Contract.CDI
            and since
            and _years_between(since, snapshot.today) < 1
        ):
            yield Fact(
                f"borrower-{rank}",
                f"<p>{_name(borrower)} est en CDI depuis moins d'un an : vérifier que la période "
                "d'essai est terminée (attestation de l'employeur).</p>",
            )


def _unemployed_borrower(snapshot: Snapshot) -> Iterable[Fact]:
    for rank, borrower in snapshot.borrowers:
        if borrower.contract is Contract.UNEMPLOYED:
            yield Fact(
                f"borrower-{rank}",
                f"<p>{_name(borrower)} est <b>sans emploi</b> : ses revenus ne seront pas retenus "
                "par la banque, sauf allocations justifiées.</p>",
            )


def _loan_buyback(snapshot: Snapshot) -> Iterable[Fact]:
    for loan_id, loan in snapshot.loans:
        if loan.to_buy_back:
            remaining = (
                f" (capital restant dû : {format_amount(loan.remaining_capital_cents)})"
                if loan.remaining_capital_cents
                else ""
            )
            yield Fact(
                f"loan-{loan_id}",
                f"<p>{loan.kind.label} {html.escape(loan.lender, quote=False)}{remaining} à "
                "<b>racheter</b> : prévoir les indemnités de remboursement anticipé (jusqu'à "
                "3 % du capital restant dû ou six mois d'intérêts pour un prêt immobilier) et, "
                "s'il y a une hypothèque, les frais de mainlevée.</p>",
            )


def _contribution_below_fees(snapshot: Snapshot) -> Iterable[Fact]:
    project = snapshot.project
    if project is None or not project.price_cents:
        return
    fees = (project.notary_fees_cents or 0) + (project.agency_fees_cents or 0)
    contribution = project.contribution_cents or 0
    if fees and contribution < fees:
        yield Fact(
            "project",
            f"<p>L'apport ({format_amount(contribution)}) ne couvre pas les frais de notaire et "
            f"d'agence ({format_amount(fees)}) : la plupart des banques demandent au moins les "
            "frais en apport ; un financement à plus de 100 % sera à justifier.</p>",
        )


RULES: tuple[Rule, ...] = (
    Rule("alternating-custody", DossierTab.CHILDREN, _alternating_custody),
    Rule("short-contract", DossierTab.BORROWERS, _short_contract),
    Rule("young-business", DossierTab.BORROWERS, _young_business),
    Rule("rental-income", DossierTab.BORROWERS, _rental_income),
    Rule("recent-hire", DossierTab.BORROWERS, _recent_hire),
    Rule("unemployed", DossierTab.BORROWERS, _unemployed_borrower),
    Rule("loan-buyback", DossierTab.CREDIT, _loan_buyback),
    Rule("contribution-below-fees", DossierTab.PROJECT, _contribution_below_fees),
)


def expected_comments(
    snapshot: Snapshot, rules: Iterable[Rule] = RULES
) -> dict[tuple[str, str], tuple[DossierTab, str]]:
    """(rule key, fact key) → (tab, text) for every fact the data states now."""
    found: dict[tuple[str, str], tuple[DossierTab, str]] = {}
    for rule in rules:
        for fact in rule.facts(snapshot):
            found[(rule.key, fact.key)] = (rule.tab, fact.text)
    return found
