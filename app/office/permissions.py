"""Every write re-reads who is writing, inside its own transaction.

`CurrentUser` holds the rights read at login; an administrator may deactivate the account or
change its profile meanwhile. So each write transaction (`check_writer`, or `write_as` for
the services without a dossier) re-reads, with one indexed query, whether the account is
still active and which rights its profile grants now, and refuses the command otherwise.
It runs after `BEGIN IMMEDIATE`: a deactivation committed before is always seen.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.auth import CurrentUser
from app.errors import PermissionDenied
from app.storage.database import Database
from models.enums import Right
from models.office import Role, RoleRight, User

DEACTIVATED = (
    "Votre compte a été désactivé : cette modification n'a pas été enregistrée. "
    "Fermez Dossia ; un administrateur peut réactiver votre compte."
)

# users by primary key, roles by primary key, role_rights by its (role_id, right) index.
_ACCOUNT = (
    select(User.is_active, Role.name, RoleRight.right)
    .join(Role, Role.id == User.role_id)
    .outerjoin(RoleRight, RoleRight.role_id == User.role_id)
    .where(User.id == bindparam("user_id"))
)


def check_writer(session: Session, user: CurrentUser, *needed: Right) -> CurrentUser:
    """The user as the database knows them now, if still active and still granted `needed`.

    Call it inside the write transaction, before changing anything. Returns the user with
    the profile's current name and rights (use them for the checks that depend on the data,
    like «Modifier tous les dossiers» on someone else's dossier).
    """
    rows = session.execute(_ACCOUNT, {"user_id": user.id}).all()
    if not rows or not rows[0][0]:
        raise PermissionDenied(DEACTIVATED)
    current = dataclasses.replace(
        user,
        role_name=rows[0][1],
        rights=frozenset(Right(row[2]) for row in rows if row[2] is not None),
    )
    for right in needed:
        if not current.can(right):
            no_longer = " plus" if user.can(right) else " pas"
            raise PermissionDenied(
                f"Votre profil « {current.role_name} » ne permet{no_longer} cette action "
                f"({right.label.lower()}) : elle n'a pas été enregistrée."
            )
    return current


@contextlib.contextmanager
def write_as(database: Database, user: CurrentUser, *needed: Right) -> Iterator[Session]:
    """A write transaction for `user`: refused at once if the rights read at login lack
    `needed`, then re-checked against the database inside the transaction."""
    for right in needed:
        user.require(right)
    with database.write() as session:
        check_writer(session, user, *needed)
        yield session
