"""The office's reference data: default set-up, and the choices offered in drop-downs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError
from app.security import MIN_PASSWORD_LENGTH, hash_password
from models.enums import Right
from models.office import Provenance, Referrer, Role, RoleRight, Step, User

ADMINISTRATOR = "Administrateur"
MANAGER = "Responsable d'agence"
BROKER = "Courtier"
ASSISTANT = "Assistant(e)"

DEFAULT_ROLES: dict[str, frozenset[Right]] = {
    ADMINISTRATOR: frozenset(Right),
    MANAGER: frozenset(Right) - {Right.MANAGE_USERS},
    BROKER: frozenset({Right.CREATE_DOSSIER, Right.ABANDON_RESUME, Right.INVOICE}),
    ASSISTANT: frozenset({Right.VIEW_ALL_DOSSIERS, Right.CREATE_DOSSIER}),
}

DEFAULT_STEPS = (
    ("Client créé", 10),
    ("RDV banque", 30),
    ("Accord de principe", 50),
    ("Signature de l'offre", 80),
    ("Dossier clôturé", 100),
)

DEFAULT_PROVENANCES = (
    "Site internet",
    "Agence immobilière",
    "Notaire",
    "Bouche-à-oreille",
    "Apporteur d'affaires",
    "Ancien client",
    "Réseaux sociaux",
    "Salon / événement",
)


@dataclass(frozen=True)
class Choice:
    """An entry of a drop-down: an id and what the user reads."""

    id: int
    label: str


@dataclass(frozen=True)
class NewUser:
    login: str
    first_name: str
    last_name: str
    password: str
    is_broker: bool = True


def validate_new_user(user: NewUser) -> None:
    login = user.login.strip()
    if not login:
        raise DomainError("Saisissez un identifiant.", field="login")
    if len(login) > 80 or any(c.isspace() for c in login):
        raise DomainError(
            "L'identifiant ne doit pas contenir d'espace (80 caractères au plus).", field="login"
        )
    if not user.first_name.strip() and not user.last_name.strip():
        raise DomainError("Saisissez au moins un nom.", field="last_name")
    if len(user.password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            f"Le mot de passe doit contenir au moins {MIN_PASSWORD_LENGTH} caractères.",
            field="password",
        )


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
    with database.write() as session:
        if session.scalar(select(User.id).limit(1)) is not None:
            raise DomainError("Ce cabinet a déjà un administrateur.")
        roles = seed_reference_data(session)
        user = User(
            login=admin.login.strip().lower(),
            first_name=admin.first_name.strip(),
            last_name=admin.last_name.strip(),
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

    def active_referrers(self) -> list[Choice]:
        with self._db.read() as session:
            rows = session.scalars(
                select(Referrer).where(Referrer.is_active).order_by(Referrer.name)
            )
            return [Choice(r.id, r.name) for r in rows]
