"""What every dossier command shares: who may see it and change it, which version it edits,
the audit.

Seeing a dossier that is not one's own needs «Voir tous les dossiers»; changing it in any way
(its fields, household, situation, note, comments…) needs «Modifier tous les dossiers» too.
Every change re-reads the user's account and rights in its own transaction
(`app.office.permissions.check_writer`): a deactivated account or a withdrawn right stops
at once, not at the next login."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app import audit
from app.auth import CurrentUser
from app.changes import Change
from app.clock import now
from app.dossier import lifecycle
from app.errors import ConflictError, NotFound, PermissionDenied
from app.listing import search_document
from app.office.permissions import check_writer
from app.storage.database import Database
from app.text import fold, person_name
from models.carry import CarriedDossier, Carry
from models.dossier import Dossier
from models.enums import AuditAction, DossierStatus, Right
from models.office import User

CONFLICT_MESSAGE = (
    "Ce dossier a été modifié entre-temps (dans une autre fenêtre ou par un collègue). "
    "Il a été rechargé : vérifiez puis refaites votre modification."
)

Result = TypeVar("Result")

# Set in the session's `info` by the automatic comments' sync when it changed anything.
AUTOMATIC_COMMENTS_CHANGED = "automatic_comments_changed"


class DossierCommands(Generic[Result]):
    """Base of the services that read and change a dossier. Subclasses define `_result`,
    the read model a command returns once it has changed the dossier."""

    def __init__(
        self, database: Database, user: CurrentUser, today: Callable[[], dt.date] = dt.date.today
    ) -> None:
        self._db = database
        self._user = user
        self._today = today

    def _result(self, session: Session, dossier: Dossier) -> Result:
        raise TypeError(f"{type(self).__name__} must define _result")

    def _edit(
        self,
        dossier_id: int,
        version: int,
        change: Callable[[Session, Dossier], None],
        right: Right | None = None,
    ) -> Result:
        """One transaction: check the user (still active, still granted `right`), visibility,
        the right to change, version and status; change; bump the version."""
        with self._db.write() as session:
            dossier = self._for_update(session, dossier_id, version, right)
            lifecycle.check_can_edit(dossier.status)
            before = _shown(dossier)
            change(session, dossier)
            already_touched = dossier.version != version
            if not already_touched and (
                session.is_modified(dossier) or session.new or session.dirty or session.deleted
            ):
                touch(dossier)
            # After the version is bumped: their reads flush the change, and a flushed
            # change no longer shows as one.
            keep_in_step(self._db, session, dossier)
            session.flush()
            changes = _compare(before, _shown(dossier))
            if session.info.pop(AUTOMATIC_COMMENTS_CHANGED, False):
                changes |= Change.COMMENTS
            return self._with_changes(self._result(session, dossier), changes)

    def _with_changes(self, result: Result, changes: Change) -> Result:
        """The read model, saying what the command changed (read models that carry it)."""
        if dataclasses.is_dataclass(result) and hasattr(result, "changes"):
            return dataclasses.replace(result, changes=changes)  # type: ignore[type-var]
        return result

    def _visible(
        self, session: Session, dossier_id: int, user: CurrentUser | None = None
    ) -> Dossier:
        user = user or self._user
        dossier = session.get(Dossier, dossier_id)
        if dossier is None or not (
            user.can(Right.VIEW_ALL_DOSSIERS) or dossier.owner_id == user.id
        ):
            raise NotFound("Ce dossier n'existe plus ou ne vous est pas accessible.")
        return dossier

    def _for_change(self, session: Session, dossier_id: int, right: Right | None = None) -> Dossier:
        """The dossier a write changes, inside its transaction: the user is re-read (still
        active, still granted `right`), sees the dossier, and may change it (his own, or
        «Modifier tous les dossiers»)."""
        writer = self._writer(session, right)
        dossier = self._visible(session, dossier_id, writer)
        check_may_change(writer, dossier)
        return dossier

    def _for_update(
        self, session: Session, dossier_id: int, version: int, right: Right | None = None
    ) -> Dossier:
        dossier = self._for_change(session, dossier_id, right)
        if dossier.version != version:
            raise ConflictError(CONFLICT_MESSAGE)
        return dossier

    def _writer(self, session: Session, right: Right | None = None) -> CurrentUser:
        """The user as the database knows them now (see `check_writer`)."""
        return check_writer(session, self._user, *(() if right is None else (right,)))

    def _audit(
        self, session: Session, action: AuditAction, dossier: Dossier, details: str = ""
    ) -> None:
        audit.record(
            session,
            self._user,
            action,
            dossier_id=dossier.id,
            dossier_number=dossier.number,
            details=details,
        )


def keep_in_step(database: Database, session: Session, dossier: Dossier) -> None:
    """What the wings above keep in step with a dossier (its validated plan's TAEG and debt
    ratio), inside every command that changes it — `DossierCommands._edit`, and the few
    that change it otherwise (a person erased)."""
    for keep in database.after_dossier_change:
        keep(session, dossier)


def check_may_change(user: CurrentUser, dossier: Dossier) -> None:
    """A dossier of someone else's is changed only with «Modifier tous les dossiers»; a
    dossier out on a laptop by no one until it comes back."""
    if not may_change(user, dossier.owner_id):
        raise PermissionDenied(
            f"Votre profil « {user.role_name} » ne permet pas de modifier les dossiers des "
            f"autres courtiers ({Right.EDIT_ALL_DOSSIERS.label.lower()})."
        )
    carried = carried_note(dossier)
    if carried:
        raise PermissionDenied(f"{carried} : il est en lecture seule jusqu'à son retour.")


def may_change(user: CurrentUser, owner_id: int) -> bool:
    """What `check_may_change` allows, as a flag for the screens (the services check)."""
    return owner_id == user.id or user.can(Right.EDIT_ALL_DOSSIERS)


def carried_note(dossier: Dossier) -> str:
    """«Ce dossier est emporté par Marie Dupont (portable PC-MARIE) depuis le 01/12/2026 à
    16:30» while it is out on a laptop (issue 11), else "" (one lookup by primary key)."""
    session = object_session(dossier)
    if session is None:
        return ""
    row = session.execute(
        select(Carry.machine, Carry.started_at, User.first_name, User.last_name)
        .join(CarriedDossier, CarriedDossier.carry_id == Carry.id)
        .outerjoin(User, User.id == Carry.user_id)
        .where(CarriedDossier.dossier_id == dossier.id)
    ).first()
    if row is None:
        return ""
    machine, started, first_name, last_name = row
    who = f"{first_name or ''} {last_name or ''}".strip() or "un utilisateur supprimé"
    return (
        f"Ce dossier est emporté par {who} (portable {machine}) depuis le "
        f"{started:%d/%m/%Y à %H:%M}"
    )


def read_only_for(user: CurrentUser, dossier: Dossier) -> bool:
    """The dossier's tabs are read-only for this user: abandoned, someone else's without
    «Modifier tous les dossiers», or out on a laptop."""
    return (
        dossier.status is DossierStatus.ABANDONED
        or not may_change(user, dossier.owner_id)
        or bool(carried_note(dossier))
    )


def touch(dossier: Dossier) -> None:
    dossier.version += 1
    dossier.updated_at = now()


def refresh_list_columns(dossier: Dossier) -> None:
    """Keep the Clients list's denormalised columns in step with the borrowers and number."""
    borrowers = sorted(dossier.borrowers, key=lambda b: b.rank)
    names = [person_name(b.first_name, b.last_name) for b in borrowers]
    main = borrowers[0] if borrowers else None
    dossier.holder_name = names[0] if names else ""
    dossier.holder_sort = fold(f"{main.last_name} {main.first_name}") if main else ""
    dossier.search_text = search_document(dossier.number, names)


@dataclasses.dataclass(frozen=True)
class _Shown:
    """What the screens around a dossier show of it, to tell what a command changed."""

    list_row: tuple[object, ...]
    status: object
    family: tuple[object, ...]


def _shown(dossier: Dossier) -> _Shown:
    return _Shown(
        list_row=(
            dossier.number,
            dossier.holder_name,
            dossier.owner_id,
            dossier.provenance_id,
            dossier.step_id,
            dossier.is_complete,
            dossier.created_on,
            dossier.chosen_bank,
        ),
        status=dossier.status,
        family=(
            tuple((b.rank, b.marital_status) for b in dossier.borrowers),
            tuple(c.alternating_custody for c in dossier.children),
        ),
    )


def _compare(before: _Shown, after: _Shown) -> Change:
    changes = Change.NONE
    if before.list_row != after.list_row:
        changes |= Change.LIST_ROW | Change.SUMMARY
    if before.status != after.status:
        changes |= Change.STATUS | Change.LIST_ROW | Change.SUMMARY
    if before.family != after.family:
        changes |= Change.SUMMARY
    return changes
