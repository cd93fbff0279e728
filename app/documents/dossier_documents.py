"""A dossier's «Documents» tab as read models: its files and its «Pièces à fournir» (asked
by the dossier's facts, received by a file or ticked by hand), read in one go."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import CurrentUser
from app.changes import Change
from app.documents import checklist
from app.documents.checklist import BorrowerFacts, DossierFacts, Item, ItemState, Requirement
from app.dossier.access import read_only_for
from app.text import person_name
from models.dossier import Document, Dossier, RequirementTick
from models.enums import DocumentFolder
from models.office import RequiredDocument, User

CHANGED = "documents_changed"  # in a write session's info: the documents it changed


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    filename: str
    folder: DocumentFolder
    size_bytes: int
    added_at: dt.datetime
    added_by: str
    requirement: tuple[int, int] | None  # the checklist item it answers: (requirement, rank)
    answers: str  # that item, as text ("" if none)


@dataclass(frozen=True)
class DocumentsInfo:
    """A dossier's «Documents» tab."""

    dossier_id: int
    number: str
    version: int
    read_only: bool
    documents: tuple[DocumentRow, ...]
    checklist: tuple[ItemState, ...]
    changed_ids: tuple[int, ...] = ()  # the documents the command added or changed
    changes: Change = field(default=Change.NONE, compare=False)

    @property
    def missing(self) -> list[Item]:
        return checklist.missing(list(self.checklist))


def expected_items(session: Session, dossier: Dossier) -> Sequence[Item]:
    """The pieces the office asks of this dossier, by its facts (borrowers, project, loans)."""
    requirements = [
        Requirement(r.id, r.label, r.rule, r.folder, r.is_active)
        for r in session.scalars(
            select(RequiredDocument)
            .where(RequiredDocument.is_active)
            .order_by(RequiredDocument.position)
        )
    ]
    project = dossier.project
    facts = DossierFacts(
        borrowers=tuple(
            BorrowerFacts(
                b.rank,
                person_name(b.first_name, b.last_name),
                b.contract,
                bool(b.rental_income_cents),
            )
            for b in dossier.borrowers
        ),
        nature=project.nature if project else None,
        contribution=bool(project and project.contribution_cents),
        works=bool(project and project.works_cents),
        buy_back=any(loan.to_buy_back for loan in dossier.loans),
    )
    return checklist.expected(requirements, facts)


def dossier_documents(session: Session, dossier: Dossier, user: CurrentUser) -> DocumentsInfo:
    """The dossier's «Documents» tab as `user` sees it."""
    items = expected_items(session, dossier)
    texts = {item.key: item.text for item in items}
    documents = list(
        session.scalars(
            select(Document)
            .where(Document.dossier_id == dossier.id)
            .order_by(Document.created_at, Document.id)
        )
    )
    users = {d.added_by for d in documents if d.added_by is not None}
    names = {
        uid: f"{first} {last}"
        for uid, first, last in session.execute(
            select(User.id, User.first_name, User.last_name).where(User.id.in_(users))
        )
    }
    ticks = {
        (t.requirement_id, t.borrower_rank): t.ticked_on
        for t in session.scalars(
            select(RequirementTick).where(RequirementTick.dossier_id == dossier.id)
        )
    }
    rows = tuple(
        DocumentRow(
            id=d.id,
            title=d.title,
            filename=d.filename,
            folder=d.folder,
            size_bytes=d.size_bytes,
            added_at=d.created_at,
            added_by=names.get(d.added_by, "") if d.added_by else "",
            requirement=(d.requirement_id, d.borrower_rank) if d.requirement_id else None,
            answers=texts.get((d.requirement_id, d.borrower_rank), "") if d.requirement_id else "",
        )
        for d in documents
    )
    found = checklist.states(
        items,
        [(d.requirement_id, d.borrower_rank, d.created_at.date(), d.title) for d in documents],
        ticks,
    )
    changed = session.info.pop(CHANGED, ())
    return DocumentsInfo(
        dossier_id=dossier.id,
        number=dossier.number,
        version=dossier.version,
        read_only=read_only_for(user, dossier),
        documents=rows,
        checklist=tuple(found),
        changed_ids=changed,
    )
