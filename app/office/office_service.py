"""The office's reference data: the set-up of a new office, and the drop-down lists."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.office.office import (
    ADMINISTRATOR,
    DEFAULT_PROVENANCES,
    DEFAULT_ROLES,
    DEFAULT_STEPS,
    Choice,
    NewUser,
    user_names,
    validate_new_user,
)
from app.security import hash_password
from app.storage.database import Database
from models.office import Bank, Provenance, Referrer, Role, RoleRight, Step, User


def seed_reference_data(session: Session) -> dict[str, Role]:
    """Default roles, steps and provenances of a new office."""
    roles = {}
    for name, rights in DEFAULT_ROLES.items():
        role = Role(name=name, rights=[RoleRight(right=r) for r in sorted(rights)])
        session.add(role)
        roles[name] = role
    for position, (name, percent) in enumerate(DEFAULT_STEPS, start=1):
        session.add(Step(name=name, percent=percent, position=position, is_active=True))
    for position, name in enumerate(DEFAULT_PROVENANCES, start=1):
        session.add(Provenance(name=name, position=position, is_active=True))
    session.flush()
    return roles


def create_office(database: Database, admin: NewUser) -> int:
    """First start: reference data and the administrator, in one transaction."""
    validate_new_user(admin)
    first_name, last_name = user_names(admin.first_name, admin.last_name)
    with database.write() as session:
        if session.scalar(select(User.id).limit(1)) is not None:
            raise DomainError("Ce cabinet a déjà un administrateur.")
        roles = seed_reference_data(session)
        user = User(
            login=admin.login.strip().lower(),
            first_name=first_name,
            last_name=last_name,
            role=roles[ADMINISTRATOR],
            password_hash=hash_password(admin.password),
            is_active=True,
            is_broker=admin.is_broker,
            failed_logins=0,
        )
        session.add(user)
        session.flush()
        return user.id


class OfficeService:
    """Read-only access to the office's lists, for drop-downs."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def active_brokers(self) -> list[Choice]:
        with self._db.read() as session:
            users = session.scalars(
                select(User)
                .where(User.is_active, User.is_broker)
                .order_by(User.last_name, User.first_name)
            )
            return [Choice(u.id, u.display_name) for u in users]

    def active_provenances(self) -> list[Choice]:
        with self._db.read() as session:
            rows = session.scalars(
                select(Provenance).where(Provenance.is_active).order_by(Provenance.position)
            )
            return [Choice(p.id, p.name) for p in rows]

    def active_banks(self) -> list[Choice]:
        """The office's banks, for a loan's lender: «BNP Paribas — Quimper centre»."""
        with self._db.read() as session:
            rows = session.scalars(select(Bank).where(Bank.is_active).order_by(Bank.name))
            return [Choice(b.id, f"{b.name} — {b.agency}" if b.agency else b.name) for b in rows]

    def active_referrers(self) -> list[Choice]:
        with self._db.read() as session:
            rows = session.scalars(
                select(Referrer).where(Referrer.is_active).order_by(Referrer.name)
            )
            return [Choice(r.id, r.name) for r in rows]
