"""Where Dossia keeps its data: the platformdirs data folder unless told otherwise."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DB_ENV_VAR = "DOSSIA_DB"
DB_FILENAME = "dossia.sqlite3"


@dataclass(frozen=True)
class DataPaths:
    """The database file and the folders that sit beside it."""

    database: Path

    @property
    def folder(self) -> Path:
        return self.database.parent

    @property
    def documents(self) -> Path:
        return self.folder / "documents"

    @property
    def backups(self) -> Path:
        return self.folder / "backups"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"


def default_data_folder() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("Dossia", appauthor=False))


def resolve_paths(db: str | os.PathLike[str] | None = None) -> DataPaths:
    """`--db PATH`, else $DOSSIA_DB, else the user data folder."""
    chosen = db or os.environ.get(DB_ENV_VAR)
    if chosen:
        return DataPaths(Path(chosen).expanduser().resolve())
    return DataPaths(default_data_folder() / DB_FILENAME)
