"""«Paramètres › Documents»: the office's list of «Pièces à fournir» (what each item asks,
its order, asked or no longer) and the size limit of a document (a part of
`DocumentService`). Changing them needs «Gérer les paramètres» and is audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.documents.checklist import Requirement
from app.errors import DomainError, NotFound
from app.office.permissions import write_as
from app.storage.database import Database
from app.validation import clean_text
from models.enums import AuditAction, DocumentFolder, RequirementRule, Right
from models.office import RequiredDocument, Setting

SIZE_LIMIT_KEY = "documents.max_mb"
DEFAULT_SIZE_LIMIT_MB = 50
MAX_SIZE_LIMIT_MB = 500


class DocumentSettings:
    """The office's list of pieces and size limit, in `DocumentService`."""

    _db: Database
    _user: CurrentUser

    def requirements(self) -> Sequence[Requirement]:
        with self._db.read() as session:
            return [
                Requirement(r.id, r.label, r.rule, r.folder, r.is_active)
                for r in session.scalars(
                    select(RequiredDocument).order_by(
                        RequiredDocument.is_active.desc(), RequiredDocument.position
                    )
                )
            ]

    def save_requirement(
        self, requirement_id: int | None, label: str, rule: RequirementRule
    ) -> Sequence[Requirement]:
        cleaned = clean_text(label, "label", "Pièce", 200)
        if not cleaned:
            raise DomainError("Nommez la pièce à fournir.", "label")
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            if requirement_id is None:
                last = session.scalar(select(func.max(RequiredDocument.position))) or 0
                session.add(
                    RequiredDocument(
                        label=cleaned,
                        rule=rule,
                        position=last + 1,
                        is_active=True,
                        folder=DocumentFolder.SUPPORTING,
                    )
                )
            else:
                row = self._requirement(session, requirement_id)
                row.label, row.rule = cleaned, rule
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=f"Pièces à fournir : {cleaned} ({rule.label.lower()})",
            )
        return self.requirements()

    def set_requirement_active(self, requirement_id: int, active: bool) -> Sequence[Requirement]:
        """An item no longer asked leaves every dossier's checklist (its ticks are kept,
        should it be asked again)."""
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            row = self._requirement(session, requirement_id)
            row.is_active = active
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=f"Pièces à fournir : {row.label} {'redemandée' if active else 'retirée'}",
            )
        return self.requirements()

    def move_requirement(self, requirement_id: int, direction: int) -> Sequence[Requirement]:
        """One place up (-1) or down (+1) among the items asked."""
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            rows = list(
                session.scalars(
                    select(RequiredDocument)
                    .where(RequiredDocument.is_active)
                    .order_by(RequiredDocument.position)
                )
            )
            index = next((i for i, r in enumerate(rows) if r.id == requirement_id), None)
            if index is None:
                raise NotFound("Cette pièce n'est plus dans la liste.")
            other = index + direction
            if 0 <= other < len(rows):
                rows[index].position, rows[other].position = (
                    rows[other].position,
                    rows[index].position,
                )
        return self.requirements()

    def size_limit_mb(self) -> int:
        with self._db.read() as session:
            stored = session.get(Setting, SIZE_LIMIT_KEY)
        try:
            return int(stored.value) if stored is not None else DEFAULT_SIZE_LIMIT_MB
        except ValueError:
            return DEFAULT_SIZE_LIMIT_MB

    def save_size_limit_mb(self, megabytes: int) -> int:
        if not 1 <= megabytes <= MAX_SIZE_LIMIT_MB:
            raise DomainError(
                f"La taille maximale d'un document va de 1 à {MAX_SIZE_LIMIT_MB} Mo.", "size_limit"
            )
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            session.merge(Setting(key=SIZE_LIMIT_KEY, value=str(megabytes)))
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=f"Taille maximale d'un document : {megabytes} Mo",
            )
        return megabytes

    def _requirement(self, session: Session, requirement_id: int) -> RequiredDocument:
        row = session.get(RequiredDocument, requirement_id)
        if row is None:
            raise NotFound("Cette pièce n'est plus dans la liste.")
        return row
