"""«Pièces à fournir»: which supporting documents a dossier needs, from the office's list
and the dossier itself (its borrowers' jobs, its project, its loans), and which are in.

Pure rules: the service reads the dossier and the list, this module decides. An item is
received when a file is attached against it, or when it was ticked by hand (a paper copy
seen, or not needed for this client); its date is the first of these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from app.office.company import Company
from models.enums import Contract, DocumentFolder, ProjectNature, RequirementRule

EMPLOYEES = frozenset(
    {Contract.CDI, Contract.CDI_TRIAL, Contract.CDD, Contract.INTERIM, Contract.CIVIL_SERVANT}
)
SELF_EMPLOYED = frozenset({Contract.SELF_EMPLOYED, Contract.COMPANY_HEAD})


@dataclass(frozen=True)
class Requirement:
    """An item of the office's list."""

    id: int
    label: str
    rule: RequirementRule
    folder: DocumentFolder = DocumentFolder.SUPPORTING
    is_active: bool = True


@dataclass(frozen=True)
class BorrowerFacts:
    rank: int
    name: str
    contract: Contract | None = None
    receives_rents: bool = False


@dataclass(frozen=True)
class DossierFacts:
    """What the rules look at."""

    borrowers: tuple[BorrowerFacts, ...]
    nature: ProjectNature | None = None
    contribution: bool = False
    works: bool = False
    buy_back: bool = False


@dataclass(frozen=True)
class Item:
    """One document asked of this dossier (of one borrower, or of the dossier: rank 0)."""

    requirement_id: int
    borrower_rank: int
    label: str
    borrower: str = ""
    folder: DocumentFolder = DocumentFolder.SUPPORTING

    @property
    def key(self) -> tuple[int, int]:
        return (self.requirement_id, self.borrower_rank)

    @property
    def text(self) -> str:
        return f"{self.label} — {self.borrower}" if self.borrower else self.label


@dataclass(frozen=True)
class ItemState:
    item: Item
    received_on: dt.date | None = None
    by_hand: bool = False  # ticked without a file
    files: tuple[str, ...] = ()  # the titles of the files attached against it

    @property
    def received(self) -> bool:
        return self.received_on is not None


def _borrower_applies(rule: RequirementRule, borrower: BorrowerFacts) -> bool:
    if rule is RequirementRule.PER_BORROWER:
        return True
    if rule is RequirementRule.PER_EMPLOYEE:
        # No job entered yet: asked as for most borrowers, so that «Dossier complet» never
        # passes without any proof of income.
        return borrower.contract is None or borrower.contract in EMPLOYEES
    if rule is RequirementRule.PER_SELF_EMPLOYED:
        return borrower.contract in SELF_EMPLOYED
    if rule is RequirementRule.PER_RETIRED:
        return borrower.contract is Contract.RETIRED
    if rule is RequirementRule.PER_LANDLORD:
        return borrower.receives_rents
    return False


def _dossier_applies(rule: RequirementRule, facts: DossierFacts) -> bool:
    return {
        RequirementRule.ONCE: True,
        RequirementRule.CONTRIBUTION: facts.contribution,
        RequirementRule.BUY_BACK: facts.buy_back or facts.nature is ProjectNature.BUYBACK,
        # A construction starts with buying the land: its «compromis» too.
        RequirementRule.PURCHASE: facts.nature
        in (ProjectNature.EXISTING, ProjectNature.LAND, ProjectNature.CONSTRUCTION),
        RequirementRule.NEW_BUILD: facts.nature is ProjectNature.NEW_BUILD,
        RequirementRule.CONSTRUCTION: facts.nature is ProjectNature.CONSTRUCTION,
        RequirementRule.WORKS: facts.works or facts.nature is ProjectNature.WORKS,
    }.get(rule, False)


def expected(requirements: Sequence[Requirement], facts: DossierFacts) -> list[Item]:
    """The items this dossier needs, in the list's order (each borrower's in rank order)."""
    items: list[Item] = []
    for requirement in requirements:
        if not requirement.is_active:
            continue
        if requirement.rule.per_borrower:
            items += [
                Item(requirement.id, b.rank, requirement.label, b.name, requirement.folder)
                for b in sorted(facts.borrowers, key=lambda b: b.rank)
                if _borrower_applies(requirement.rule, b)
            ]
        elif _dossier_applies(requirement.rule, facts):
            items.append(Item(requirement.id, 0, requirement.label, "", requirement.folder))
    return items


def states(
    items: Sequence[Item],
    files: list[tuple[int | None, int, dt.date, str]],
    ticks: dict[tuple[int, int], dt.date],
) -> list[ItemState]:
    """Each item with what answers it: `files` as (requirement, rank, added on, title),
    `ticks` by (requirement, rank)."""
    attached: dict[tuple[int, int], list[tuple[dt.date, str]]] = {}
    for requirement_id, rank, added_on, title in files:
        if requirement_id is not None:
            attached.setdefault((requirement_id, rank), []).append((added_on, title))
    result = []
    for item in items:
        answering = sorted(attached.get(item.key, []))
        ticked = ticks.get(item.key)
        dates = [d for d, _title in answering] + ([ticked] if ticked else [])
        result.append(
            ItemState(
                item,
                min(dates) if dates else None,
                by_hand=ticked is not None and not answering,
                files=tuple(title for _d, title in answering),
            )
        )
    return result


def missing(found: Sequence[ItemState]) -> list[Item]:
    return [state.item for state in found if not state.received]


SUBJECT = "Liste des pièces à fournir"


@dataclass(frozen=True)
class ChecklistLetter:
    company: Company
    logo: bytes | None  # the image file's bytes
    dossier_number: str
    borrowers: tuple[str, ...]
    missing: tuple[Item, ...]
    received: int
    broker: str
    printed_on: dt.date
