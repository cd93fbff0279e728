"""The office's schema: created or migrated by Alembic at start-up, after a backup.

Alembic is imported only here, and only when the stored revision is not this version's
(`app.storage.sqlite.check_database` reads it without Alembic), or when a backup is checked
against the schema its revision defines (`create_reference`).
"""

from __future__ import annotations

from pathlib import Path

from app.files import private_folder
from app.paths import DataPaths
from app.storage import sqlite
from app.storage.backup_files import BackupKind, backup_now

MIGRATIONS_FOLDER = Path(__file__).with_name("migrations")


def alembic_config(database: Path):
    from alembic.config import Config  # 0.5 s of imports, paid only when migrating

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{database}")
    return config


def create_reference(database: Path, revision: str) -> None:
    """Create the empty database `database` with the schema of `revision`, by the migrations
    themselves: what a backup of that revision must hold, exactly (`app.storage.backup_check`).
    """
    from alembic import command  # 0.5 s of imports, paid only when checking a backup

    command.upgrade(alembic_config(database), revision)


def upgrade_schema(paths: DataPaths, state: sqlite.SchemaState) -> Path | None:
    """Bring the schema to this version's head; back the file up first if it held data.

    Returns the path of the pre-migration backup, if one was taken.
    """
    from alembic import command  # 0.5 s of imports, paid only when migrating

    from app.storage.database import Database  # SQLAlchemy: kept off the start path

    private_folder(paths.folder)
    backup = None
    if state is sqlite.SchemaState.OUTDATED:
        backup = backup_now(paths, BackupKind.BEFORE_MIGRATION).path
    database = Database(paths)
    try:
        with database.engine.begin() as connection:
            config = alembic_config(paths.database)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        database.dispose()
    if state is sqlite.SchemaState.OUTDATED:
        backup_now(paths, BackupKind.AUTOMATIC)  # the first backup of the new schema
    return backup


def ensure_schema(paths: DataPaths) -> sqlite.SchemaState:
    """Check the file, then create or upgrade its schema if needed (after a backup).

    Returns the state found before any change. Raises DatabaseOpenError (French message)
    if the file cannot be used; then nothing was changed.
    """
    state = sqlite.check_database(paths.database)
    if state is not sqlite.SchemaState.CURRENT:
        upgrade_schema(paths, state)
    return state
