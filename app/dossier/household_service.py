"""Use cases of the «Emprunteurs» and «Enfants» tabs."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.changes import Change
from app.dossier.access import read_only_for
from app.dossier.comment_service import SyncedCommands
from app.dossier.household import (
    BorrowerData,
    ChildData,
    borrower_data,
    child_data,
    describe_household,
    validate_borrower,
    validate_child,
)
from app.errors import DomainError, NotFound
from models.dossier import (
    Borrower,
    Child,
    Document,
    Dossier,
    RequirementTick,
    Simulation,
    SimulationCover,
    SimulationLine,
)


@dataclass(frozen=True)
class ChildInfo:
    id: int
    data: ChildData


@dataclass(frozen=True)
class HouseholdInfo:
    dossier_id: int
    version: int
    read_only: bool
    borrowers: tuple[BorrowerData, ...]  # index 0: porteur de projet, 1: co-emprunteur
    children: tuple[ChildInfo, ...]
    household: str
    # What the command that returned it changed (not part of the state: not compared).
    changes: Change = field(default=Change.NONE, compare=False)

    @property
    def co_borrower(self) -> BorrowerData | None:
        return self.borrowers[1] if len(self.borrowers) > 1 else None


class HouseholdService(SyncedCommands[HouseholdInfo]):
    refreshes_names = True  # the porteur de projet's name is a column of the list

    def get(self, dossier_id: int) -> HouseholdInfo:
        with self._db.read() as session:
            return self._result(session, self._visible(session, dossier_id))

    def save_borrower(
        self, dossier_id: int, version: int, rank: int, data: BorrowerData
    ) -> HouseholdInfo:
        """Save the porteur de projet (rank 1) or the co-emprunteur (rank 2, created if new)."""
        if rank not in (1, 2):
            raise DomainError("Emprunteur inconnu.")
        cleaned = validate_borrower(data, self._today())

        def change(session: Session, dossier: Dossier) -> None:
            borrower = next((b for b in dossier.borrowers if b.rank == rank), None)
            if borrower is None:
                if rank == 2 and not dossier.borrowers:
                    raise DomainError("Saisissez d'abord le porteur de projet.")
                borrower = Borrower(rank=rank, last_name=cleaned.last_name)
                dossier.borrowers.append(borrower)
            for spec in fields(cleaned):
                setattr(borrower, spec.name, getattr(cleaned, spec.name))

        return self._edit(dossier_id, version, self._then_sync(change))

    def remove_co_borrower(self, dossier_id: int, version: int) -> HouseholdInfo:
        def change(session: Session, dossier: Dossier) -> None:
            co = next((b for b in dossier.borrowers if b.rank == 2), None)
            if co is None:
                raise DomainError("Ce dossier n'a pas de co-emprunteur.")
            forget_borrower_covers(session, dossier.id, 2)
            dossier.borrowers.remove(co)

        return self._edit(dossier_id, version, self._then_sync(change))

    def add_child(self, dossier_id: int, version: int, data: ChildData) -> HouseholdInfo:
        cleaned = validate_child(data, self._today())

        def change(session: Session, dossier: Dossier) -> None:
            if len(dossier.children) >= 20:
                raise DomainError("Vingt enfants au plus par dossier.")
            dossier.children.append(
                Child(**{f.name: getattr(cleaned, f.name) for f in fields(cleaned)})
            )

        return self._edit(dossier_id, version, self._then_sync(change))

    def update_child(
        self, dossier_id: int, version: int, child_id: int, data: ChildData
    ) -> HouseholdInfo:
        cleaned = validate_child(data, self._today())

        def change(session: Session, dossier: Dossier) -> None:
            child = _child(dossier, child_id)
            for spec in fields(cleaned):
                setattr(child, spec.name, getattr(cleaned, spec.name))

        return self._edit(dossier_id, version, self._then_sync(change))

    def remove_child(self, dossier_id: int, version: int, child_id: int) -> HouseholdInfo:
        def change(session: Session, dossier: Dossier) -> None:
            dossier.children.remove(_child(dossier, child_id))

        return self._edit(dossier_id, version, self._then_sync(change))

    # --- helpers ---

    def _result(self, session: Session, dossier: Dossier) -> HouseholdInfo:
        borrowers = tuple(borrower_data(b) for b in sorted(dossier.borrowers, key=lambda b: b.rank))
        children = tuple(ChildInfo(c.id, child_data(c)) for c in dossier.children)
        return HouseholdInfo(
            dossier_id=dossier.id,
            version=dossier.version,
            read_only=read_only_for(self._user, dossier),
            borrowers=borrowers,
            children=children,
            household=describe_household(
                [b.marital_status for b in borrowers], [c.data for c in children]
            ),
        )


def forget_borrower_covers(session: Session, dossier_id: int, rank: int) -> None:
    """A borrower leaves the dossier: his insurance goes from its simulations; if the porteur
    goes, the co-emprunteur's becomes the porteur's (covers are kept by rank)."""
    lines = select(SimulationLine.id).join(Simulation).where(Simulation.dossier_id == dossier_id)
    session.execute(
        delete(SimulationCover)
        .where(SimulationCover.line_id.in_(lines), SimulationCover.borrower_rank == rank)
        .execution_options(synchronize_session=False)
    )
    if rank == 1:
        session.execute(
            update(SimulationCover)
            .where(SimulationCover.line_id.in_(lines), SimulationCover.borrower_rank == 2)
            .values(borrower_rank=1)
            .execution_options(synchronize_session=False)
        )
    forget_borrower_pieces(session, dossier_id, rank)


def forget_borrower_pieces(session: Session, dossier_id: int, rank: int) -> None:
    """The same for «Pièces à fournir»: his pieces ticked by hand go, his files stay in the
    dossier but answer nothing; if the porteur goes, the co-emprunteur's become his."""
    session.execute(
        delete(RequirementTick)
        .where(RequirementTick.dossier_id == dossier_id, RequirementTick.borrower_rank == rank)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Document)
        .where(Document.dossier_id == dossier_id, Document.borrower_rank == rank)
        .values(requirement_id=None, borrower_rank=0)
        .execution_options(synchronize_session=False)
    )
    if rank == 1:
        for model in (RequirementTick, Document):
            session.execute(
                update(model)
                .where(model.dossier_id == dossier_id, model.borrower_rank == 2)
                .values(borrower_rank=1)
                .execution_options(synchronize_session=False)
            )


def _child(dossier: Dossier, child_id: int) -> Child:
    child = next((c for c in dossier.children if c.id == child_id), None)
    if child is None:
        raise NotFound("Cet enfant n'existe plus dans le dossier.")
    return child
