"""Opening an office's database: check it, create or migrate its schema."""

from __future__ import annotations

from app import db_raw
from app.paths import DataPaths


def ensure_schema(paths: DataPaths) -> db_raw.SchemaState:
    """Check the file, then create or upgrade its schema if needed (after a backup).

    Returns the state found before any change. Raises DatabaseOpenError (French message)
    if the file cannot be used; then nothing was changed.
    """
    state = db_raw.check_database(paths.database)
    if state is not db_raw.SchemaState.CURRENT:
        from app.db import upgrade_schema

        upgrade_schema(paths, state)
    return state
