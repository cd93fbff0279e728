"""Start-up use cases, before anyone has logged in: what to do with the data folder, create
an office (or a demo office), migrate an older one, restore the latest good backup of a
damaged one. Used alike by `main.py`, the launcher's dialogs and the tests.

`open_office` runs before the first paint and reads the file with sqlite3 only; the other
use cases import SQLAlchemy and Alembic inside their bodies, for start-up speed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import DomainError
from app.paths import DataPaths
from app.storage.opening import OfficeState, Opening, open_office

if TYPE_CHECKING:
    from app.demo import DemoResult
    from app.office.office import NewUser
    from app.storage.restore import RestoreResult

__all__ = [
    "OfficeState",
    "Opening",
    "create_demo_office",
    "create_office",
    "open_office",
    "restore_latest_good_backup",
    "upgrade_office",
]


def upgrade_office(paths: DataPaths) -> None:
    """Create or migrate the schema (after a backup of an older one)."""
    from app.storage.schema import ensure_schema

    ensure_schema(paths)


def create_office(paths: DataPaths, admin: NewUser) -> str:
    """First start: the schema, the reference data and the administrator; returns the login
    to offer in the login dialog. Nothing is written if `admin` is refused."""
    from app.office.office import validate_new_user
    from app.office.office_service import create_office as create_office_records
    from app.storage.database import Database
    from app.storage.schema import ensure_schema

    validate_new_user(admin)  # before creating any file
    ensure_schema(paths)
    database = Database(paths)
    try:
        create_office_records(database, admin)
    finally:
        database.dispose()
    return admin.login.strip().lower()


def create_demo_office(
    paths: DataPaths, dossiers: int, seed: int = 1, password: str = "demo"
) -> DemoResult:
    """A realistic office of fictitious dossiers (or more of them in an existing one)."""
    from app.demo import build_demo, check_demo_password
    from app.storage.database import Database
    from app.storage.schema import ensure_schema

    check_demo_password(password)  # before creating any file
    ensure_schema(paths)
    database = Database(paths)
    try:
        return build_demo(database, dossiers, seed=seed, password=password)
    finally:
        database.dispose()


def restore_latest_good_backup(paths: DataPaths, opening: Opening) -> RestoreResult:
    """A damaged database at start: set it aside and restore the latest sound backup."""
    from app.storage.restore import restore

    if opening.good_backup is None:
        raise DomainError(opening.message)
    return restore(paths, opening.good_backup.path, damaged=True)
