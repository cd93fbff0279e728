"""The office's defaults (roles, steps, provenances), the choices offered in drop-downs, the
checks of a new user, the one password rule, and the coherence of a profile's rights. No
database here."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import DomainError
from app.security import MIN_PASSWORD_LENGTH
from app.validation import clean_text
from models.enums import Right

ADMINISTRATOR = "Administrateur"
MANAGER = "Responsable d'agence"
BROKER = "Courtier"
ASSISTANT = "Assistant(e)"

# A broker sees and edits his own dossiers; the assistant(e) sees and edits everyone's.
# (Existing offices got «Modifier tous les dossiers» wherever they had «Voir tous les
# dossiers»: migration 0009.)
DEFAULT_ROLES: dict[str, frozenset[Right]] = {
    ADMINISTRATOR: frozenset(Right),
    MANAGER: frozenset(Right) - {Right.MANAGE_USERS},
    BROKER: frozenset({Right.CREATE_DOSSIER, Right.ABANDON_RESUME, Right.INVOICE}),
    ASSISTANT: frozenset({Right.VIEW_ALL_DOSSIERS, Right.EDIT_ALL_DOSSIERS, Right.CREATE_DOSSIER}),
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


NAME_LIMIT = 100  # a user's first or last name


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


def check_password(password: str) -> None:
    """The one password rule: a new user's, a reset, a change, the demo office's."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            f"Le mot de passe doit contenir au moins {MIN_PASSWORD_LENGTH} caractères.",
            field="password",
        )


def check_rights(rights: frozenset[Right]) -> None:
    """A profile's rights must make sense together."""
    if Right.EDIT_ALL_DOSSIERS in rights and Right.VIEW_ALL_DOSSIERS not in rights:
        raise DomainError(
            f"« {Right.EDIT_ALL_DOSSIERS.label} » demande aussi "
            f"« {Right.VIEW_ALL_DOSSIERS.label} » : on ne modifie que ce que l'on voit.",
            field="rights",
        )
    if (
        Right.PERSONAL_DATA in rights
        and not {
            Right.VIEW_ALL_DOSSIERS,
            Right.EDIT_ALL_DOSSIERS,
        }
        <= rights
    ):
        raise DomainError(
            f"« {Right.PERSONAL_DATA.label} » demande aussi « {Right.VIEW_ALL_DOSSIERS.label} » "
            f"et « {Right.EDIT_ALL_DOSSIERS.label} » : une personne peut figurer dans le "
            "dossier de n'importe quel courtier.",
            field="rights",
        )


def validate_new_user(user: NewUser) -> None:
    login = user.login.strip()
    if not login:
        raise DomainError("Saisissez un identifiant.", field="login")
    if len(login) > 80 or any(c.isspace() or not c.isprintable() for c in login):
        raise DomainError(
            "L'identifiant ne doit pas contenir d'espace (80 caractères au plus).", field="login"
        )
    user_names(user.first_name, user.last_name)
    check_password(user.password)


def user_names(first_name: str, last_name: str) -> tuple[str, str]:
    """A user's first and last names, cleaned; at least one. The same rule on creation and
    on every change."""
    first = clean_text(first_name, "first_name", "Prénom", NAME_LIMIT)
    last = clean_text(last_name, "last_name", "Nom", NAME_LIMIT)
    if not first and not last:
        raise DomainError("Saisissez au moins un nom.", field="last_name")
    return first, last


@dataclass(frozen=True)
class BackupRetention:
    """How many automatic backups are kept: the newest of each of the last `daily` days,
    `weekly` weeks and `monthly` months. A deleted dossier stays in them that long."""

    daily: int = 7
    weekly: int = 4
    monthly: int = 12

    @property
    def horizon(self) -> str:
        """How far back the oldest kept backup may go: «12 mois», «4 semaines», «7 jours»."""
        if self.monthly:
            return f"{self.monthly} mois"
        if self.weekly:
            return f"{self.weekly} semaine{'s' if self.weekly > 1 else ''}"
        return f"{self.daily} jour{'s' if self.daily > 1 else ''}"


def validate_retention(retention: BackupRetention) -> BackupRetention:
    for field, label, low, high in (
        ("daily", "Jours", 1, 31),
        ("weekly", "Semaines", 0, 52),
        ("monthly", "Mois", 0, 60),
    ):
        value = getattr(retention, field)
        if not low <= value <= high:
            raise DomainError(f"{label} : de {low} à {high}.", field=field)
    return retention
