"""Import every mapped class so that `Base.metadata` is complete (Alembic, tests)."""

from models.audit import AuditEvent
from models.base import Base
from models.dossier import (
    Borrower,
    Child,
    Comment,
    Counter,
    CurrentLoan,
    Document,
    Dossier,
    MonthlyCharge,
    Project,
    RealEstate,
    Savings,
    Simulation,
    StepChange,
)
from models.office import Bank, Provenance, Referrer, Role, RoleRight, Setting, Step, User

__all__ = [
    "AuditEvent",
    "Bank",
    "Base",
    "Borrower",
    "Child",
    "Comment",
    "Counter",
    "CurrentLoan",
    "Document",
    "Dossier",
    "MonthlyCharge",
    "Project",
    "Provenance",
    "RealEstate",
    "Referrer",
    "Role",
    "RoleRight",
    "Savings",
    "Setting",
    "Simulation",
    "Step",
    "StepChange",
    "User",
]
