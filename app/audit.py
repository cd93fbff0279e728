"""Writing to the audit log, inside the transaction of the action it records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.auth import CurrentUser
from models.audit import AuditEvent
from models.enums import AuditAction


def record(
    session: Session,
    user: CurrentUser,
    action: AuditAction,
    *,
    dossier_id: int | None = None,
    dossier_number: str | None = None,
    details: str = "",
    known_user: bool = True,
) -> None:
    """Append an event. `details` must never carry a borrower's personal data.

    `known_user` False: the user's id means nothing in this database (an event written
    into a restored office); the login alone is kept."""
    session.add(
        AuditEvent(
            at=dt.datetime.now().replace(microsecond=0),
            user_id=user.id if known_user else None,
            user_login=user.login,
            action=action,
            dossier_id=dossier_id,
            dossier_number=dossier_number,
            details=details[:500],
        )
    )
