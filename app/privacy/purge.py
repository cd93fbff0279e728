"""The abandoned dossiers kept past their retention: how long they are kept (a setting),
which are due, and their purge, confirmed by a manager in «Paramètres › Données
personnelles» (a part of `PrivacyService`). Each purge needs «Données personnelles (RGPD)»
and is audited by dossier number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.dossier.removal import delete_dossiers, discard_orphan_files
from app.errors import DomainError
from app.office.permissions import write_as
from app.privacy.privacy import (
    RETENTION_DEFAULT_YEARS,
    check_retention_years,
    due_for_purge,
    last_contact,
    retention_cutoff,
    years_text,
)
from app.storage.database import Database
from app.storage.documents import DocumentStore
from app.text import format_date
from models.dossier import Dossier
from models.enums import AuditAction, DossierStatus, Right
from models.office import Setting, User

RETENTION_KEY = "privacy.abandoned_years"
CHUNK = 500  # dossiers read again per statement (SQLite's bound-parameter limit)


@dataclass(frozen=True)
class PurgeCandidate:
    dossier_id: int
    number: str
    holder_name: str
    broker: str
    abandoned_on: dt.date | None
    last_contact: dt.date
    reason: str


class AbandonedDossiersPurge:
    """The retention setting and the purge of `PrivacyService`."""

    _db: Database
    _user: CurrentUser
    _documents: DocumentStore
    _today: Callable[[], dt.date]

    def retention_years(self) -> int:
        with self._db.read() as session:
            return _load_years(session)

    def save_retention_years(self, years: int) -> int:
        years = check_retention_years(years)
        with write_as(self._db, self._user, Right.PERSONAL_DATA) as session:
            session.merge(Setting(key=RETENTION_KEY, value=str(years)))
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=f"Conservation des dossiers abandonnés : {years_text(years)}",
            )
        return years

    def purge_candidates(self) -> list[PurgeCandidate]:
        """The abandoned dossiers whose last contact is older than the retention, oldest
        first, for a manager to confirm."""
        self._user.require(Right.PERSONAL_DATA)
        with self._db.read() as session:
            years = _load_years(session)
            rows = session.execute(_candidates_query(retention_cutoff(self._today(), years)))
            return [
                PurgeCandidate(
                    dossier_id=row.id,
                    number=row.number,
                    holder_name=row.holder_name,
                    broker=f"{row.first_name} {row.last_name}".strip(),
                    abandoned_on=row.abandoned_on,
                    last_contact=last_contact(row.abandoned_on, row.updated_at),
                    reason=row.abandon_reason.label if row.abandon_reason else "",
                )
                for row in rows
                if due_for_purge(row.abandoned_on, row.updated_at, self._today(), years)
            ]

    def purge(
        self,
        dossier_ids: list[int],
        progress: Callable[[int, int], bool] = lambda done, total: True,
    ) -> int:
        """Erase the listed dossiers that are still due (one reactivated meanwhile is kept).
        One transaction; one audit event per dossier. Returns how many went. 1.5 s for
        5,000 dossiers: run it off the GUI thread; `progress` returning False cancels it
        (nothing is erased)."""
        self._user.require(Right.PERSONAL_DATA)
        wanted = sorted(set(dossier_ids))
        with write_as(self._db, self._user, Right.PERSONAL_DATA) as session:
            years = _load_years(session)
            query = _candidates_query(retention_cutoff(self._today(), years))
            due = sorted(
                (  # only the listed ones read again, not every abandoned dossier
                    row
                    for start in range(0, len(wanted), CHUNK)
                    for row in session.execute(
                        query.where(Dossier.id.in_(wanted[start : start + CHUNK]))
                    )
                    if due_for_purge(row.abandoned_on, row.updated_at, self._today(), years)
                ),
                key=_proposal_order,
            )
            hashes = delete_dossiers(session, [row.id for row in due], progress)
            for row in due:
                audit.record(
                    session,
                    self._user,
                    AuditAction.DOSSIER_PURGED,
                    dossier_id=row.id,
                    dossier_number=row.number,
                    details=(
                        f"Abandonné le {format_date(row.abandoned_on)} ; conservation {years} ans"
                    ),
                )
        if due:
            discard_orphan_files(self._db, self._documents, hashes)
            self._db.scrub_deleted()
        return len(due)


def _proposal_order(row) -> tuple[bool, dt.date, str]:
    """The order of the proposal (`_candidates_query`), a dossier abandoned before its date
    was kept (none) first, as SQLite has it."""
    return row.abandoned_on is not None, row.abandoned_on or dt.date.min, row.number


def _load_years(session: Session) -> int:
    stored = session.scalar(select(Setting.value).where(Setting.key == RETENTION_KEY))
    try:
        return check_retention_years(int(stored)) if stored else RETENTION_DEFAULT_YEARS
    except (ValueError, DomainError):
        return RETENTION_DEFAULT_YEARS


def _candidates_query(cutoff: dt.date):
    """Abandoned dossiers with no change since `cutoff` (by the status index)."""
    return (
        select(
            Dossier.id,
            Dossier.number,
            Dossier.holder_name,
            Dossier.abandoned_on,
            Dossier.updated_at,
            Dossier.abandon_reason,
            User.first_name,
            User.last_name,
        )
        .join(User, User.id == Dossier.owner_id)
        .where(
            Dossier.status == DossierStatus.ABANDONED,
            Dossier.updated_at < dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time()),
        )
        .order_by(Dossier.abandoned_on, Dossier.number)
    )
