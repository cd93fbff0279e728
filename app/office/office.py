"""The office's defaults (roles, steps, provenances), the choices offered in drop-downs, and
the checks of a new user. No database here."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import DomainError
from app.security import MIN_PASSWORD_LENGTH
from models.enums import Right

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
