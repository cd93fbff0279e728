"""Writing to the audit log, inside the transaction of the action it records; reading it
with people's names instead of their logins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import CurrentUser
from models.audit import AuditEvent
from models.enums import AuditAction
from models.office import User


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


# --- reading the log: people by their names ---------------------------------------------

# The events whose details start with the login of the user they were about.
_ABOUT_A_USER = frozenset(
    {
        AuditAction.USER_CREATED,
        AuditAction.USER_CHANGED,
        AuditAction.PASSWORD_RESET,
        AuditAction.PASSWORD_CHANGED,
    }
)
_ARROW = " → "


@dataclass(frozen=True)
class AuditLine:
    """An event as the log shows it: the user by name (`user_login` for a tool tip), and
    the details with the users they mention by name (`raw_details`, with logins, kept)."""

    id: int
    at: dt.datetime
    user_login: str
    user_name: str
    action: AuditAction
    dossier_number: str
    details: str
    raw_details: str


@dataclass(frozen=True)
class People:
    """Who the log's ids and logins are: full names by user id and by login."""

    by_id: Mapping[int, str]
    by_login: Mapping[str, str]

    def name(self, user_id: int | None, login: str) -> str:
        """The user's full name; the login itself when it is nobody known (an unknown
        login typed at the login screen, an account of another office's database)."""
        if user_id is not None and (name := self.by_id.get(user_id)):
            return name
        return self.by_login.get(login) or login


def people(session: Session) -> People:
    """Every account of the office (deactivated ones too: the log outlives them)."""
    rows = session.execute(select(User.id, User.login, User.first_name, User.last_name)).all()
    names = {row.id: f"{row.first_name} {row.last_name}".strip() or row.login for row in rows}
    return People(names, {row.login: names[row.id] for row in rows})


def named_details(action: AuditAction, details: str, known: People) -> str:
    """`details` with the logins it starts with replaced by names: «pmoreau → slegrand» for a
    change of broker, «slegrand (Courtier)» for a user's account; other details as they are."""
    if action is AuditAction.OWNER_CHANGED and _ARROW in details:
        before, after = details.split(_ARROW, 1)
        return _ARROW.join(known.by_login.get(login, login) for login in (before, after))
    if action in _ABOUT_A_USER and details:
        login, space, rest = details.partition(" ")
        if login in known.by_login:
            return known.by_login[login] + space + rest
    return details


def readable(events: Iterable[AuditEvent], known: People) -> list[AuditLine]:
    return [
        AuditLine(
            id=event.id,
            at=event.at,
            user_login=event.user_login,
            user_name=known.name(event.user_id, event.user_login),
            action=event.action,
            dossier_number=event.dossier_number or "",
            details=named_details(event.action, event.details, known),
            raw_details=event.details,
        )
        for event in events
    ]
