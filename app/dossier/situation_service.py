"""«Projet», «Crédit» and «Patrimoine»: the use cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Protocol

from sqlalchemy.orm import Session

from app.dossier.access import read_only_for
from app.dossier.comment_service import SyncedCommands
from app.dossier.situation import (
    ChargeData,
    Item,
    ItemKind,
    LineT,
    LoanData,
    ProjectData,
    RealEstateData,
    SavingsData,
    SituationInfo,
    SituationItems,
    line_data,
    project_data,
    validate_project,
)
from app.errors import DomainError, NotFound
from models.dossier import CurrentLoan, Dossier, MonthlyCharge, Project, RealEstate, Savings

_MODELS: dict[ItemKind, type] = {
    ItemKind.LOAN: CurrentLoan,
    ItemKind.CHARGE: MonthlyCharge,
    ItemKind.REAL_ESTATE: RealEstate,
    ItemKind.SAVINGS: Savings,
}


class SituationService(SyncedCommands[SituationInfo]):
    def get(self, dossier_id: int) -> SituationInfo:
        with self._db.read() as session:
            return self._result(session, self._visible(session, dossier_id))

    def save_project(self, dossier_id: int, version: int, data: ProjectData) -> SituationInfo:
        cleaned = validate_project(data)

        def change(session: Session, dossier: Dossier) -> None:
            if dossier.project is None:
                dossier.project = Project()
            for field in fields(cleaned):
                setattr(dossier.project, field.name, getattr(cleaned, field.name))

        return self._edit(dossier_id, version, self._then_sync(change))

    def save_item(
        self, dossier_id: int, version: int, kind: ItemKind, item_id: int | None, data
    ) -> SituationInfo:
        """Add (`item_id` None) or change a loan, charge, property or savings line."""
        attribute, model = kind.attribute, _MODELS[kind]
        cleaned = kind.check(data, self._today())

        def change(session: Session, dossier: Dossier) -> None:
            rows = getattr(dossier, attribute)
            if item_id is None:
                if len(rows) >= 30:
                    raise DomainError("Trente lignes au plus.")
                rows.append(model(**{f.name: getattr(cleaned, f.name) for f in fields(cleaned)}))
                return
            row = _find(rows, item_id)
            for field in fields(cleaned):
                setattr(row, field.name, getattr(cleaned, field.name))

        return self._edit(dossier_id, version, self._then_sync(change))

    def remove_item(
        self, dossier_id: int, version: int, kind: ItemKind, item_id: int
    ) -> SituationInfo:
        def change(session: Session, dossier: Dossier) -> None:
            rows = getattr(dossier, kind.attribute)
            rows.remove(_find(rows, item_id))

        return self._edit(dossier_id, version, self._then_sync(change))

    def _result(self, session: Session, dossier: Dossier) -> SituationInfo:
        return SituationInfo(
            dossier_id=dossier.id,
            version=dossier.version,
            read_only=read_only_for(self._user, dossier),
            project=project_data(dossier.project),
            items=SituationItems(
                loans=_lines(dossier.loans, LoanData),
                charges=_lines(dossier.charges, ChargeData),
                real_estate=_lines(dossier.real_estate, RealEstateData),
                savings=_lines(dossier.savings, SavingsData),
            ),
        )


class _StoredLine(Protocol):
    @property
    def id(self) -> int: ...


def _lines(rows: Iterable[_StoredLine], data_class: type[LineT]) -> tuple[Item[LineT], ...]:
    return tuple(Item(row.id, line_data(data_class, row)) for row in rows)


def _find(rows, item_id: int):
    row = next((r for r in rows if r.id == item_id), None)
    if row is None:
        raise NotFound("Cette ligne n'existe plus dans le dossier.")
    return row
