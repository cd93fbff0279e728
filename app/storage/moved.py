"""An office migrated to a server (`app.office.migration_service`), as a start sees it: the
data folder's mark says where the office went; a lock is held while the migration runs.
Read at every start of a file office: no SQLAlchemy here, one stat when there is nothing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from app.files import lock_holder
from app.paths import DataPaths

MOVED_NAME = "migre-vers-serveur.json"  # in the data folder: where the office went
LOCK_NAME = "migration.lock"  # held while a migration runs: a start waits

MIGRATION_RUNNING = (
    "Ce cabinet est en cours de migration vers le serveur du cabinet, dans une autre fenêtre "
    "de Dossia : attendez qu'elle s'achève, puis ouvrez le cabinet sur le serveur."
)


@dataclass(frozen=True)
class MovedOffice:
    """Where the office of a data folder went, when, by whom."""

    server: str  # the server's address, without a password
    on: dt.datetime | None
    by: str

    @property
    def message(self) -> str:
        when = f" le {self.on:%d/%m/%Y à %H:%M}" if self.on else ""
        who = f" (par {self.by})" if self.by else ""
        return (
            f"Ce cabinet a été migré vers le serveur du cabinet{when}{who} : {self.server}. "
            "Le fichier de ce poste est conservé tel qu'il était, en lecture seule, comme "
            "sauvegarde. Ouvrez le cabinet sur le serveur : menu Fichier › Connexion, ou "
            f"« dossia --db {self.server} »."
        )


def moved_to(paths: DataPaths) -> MovedOffice | None:
    """Where the office of `paths` was migrated, if it was."""
    try:
        raw = (paths.folder / MOVED_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return MovedOffice("(adresse illisible)", None, "")
    try:
        data = json.loads(raw)
        return MovedOffice(
            str(data["server"]), dt.datetime.fromisoformat(data["on"]), str(data["by"])
        )
    except (ValueError, KeyError, TypeError):
        return MovedOffice("(adresse illisible)", None, "")


def migration_running(paths: DataPaths) -> bool:
    """Whether a migration holds the data folder right now."""
    lock = paths.folder / LOCK_NAME
    # Held, or not knowable (another user's file, no locks here): taken as running.
    return lock.exists() and lock_holder(lock) is not False
