"""Opening an office: what the start-up should do with a data folder.

`open_office` is the one use case `main.py`, the launcher and the tests ask; the screens
only show its answer. It reads the file with the DB-API driver only (the start path imports
no SQLAlchemy); migrating and restoring are in `app.storage.restore`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.errors import DatabaseOpenError, DomainError, NewerDatabaseError, OfficeLocked
from app.paths import DataPaths, ServerLocation
from app.storage import sqlite
from app.storage.backup_files import BackupInfo, list_backups
from app.storage.conversion import ConversionRunning, finish_conversion
from app.storage.moved import MIGRATION_RUNNING, migration_running, moved_to


class OfficeState(enum.Enum):
    FIRST_START = "first start"  # no office yet: create one (or a demo office)
    UPGRADE = "upgrade"  # an older schema: migrate it (after a backup), then log in
    READY = "ready"  # log in
    DAMAGED = "damaged"  # unreadable: restore `good_backup` if there is one
    NEWER = "newer"  # made by a newer Dossia: nothing to do but install it
    UNUSABLE = "unusable"  # read-only, not a Dossia file, locked…: `message` says why
    LOCKED = "locked"  # encrypted: a user's password unlocks it, then ask again


@dataclass(frozen=True)
class Opening:
    state: OfficeState
    message: str = ""  # French, for the states that stop the start
    good_backup: BackupInfo | None = None  # DAMAGED: the latest backup found sound
    busy: bool = False  # UNUSABLE because another program holds the file (for now)
    # UNUSABLE because the server asks for a password, or refused the one given: typing it
    # may help (the commands ask it on a terminal).
    password_refused: bool = False
    # UNUSABLE because the office was migrated to this server (its address, no password).
    moved_to: str = ""


def open_office(paths: DataPaths) -> Opening:
    """Look at the data folder and say what to do next. Nothing is changed, except that an
    encryption (or decryption) interrupted by a crash is first finished or undone."""
    if migration_running(paths):
        return Opening(OfficeState.UNUSABLE, MIGRATION_RUNNING, busy=True)
    moved = moved_to(paths)
    if moved is not None:
        return Opening(OfficeState.UNUSABLE, moved.message, moved_to=moved.server)
    try:
        finish_conversion(paths)
    except ConversionRunning as error:
        return Opening(OfficeState.UNUSABLE, error.message, busy=True)
    except DomainError as error:
        return Opening(OfficeState.UNUSABLE, error.message)
    try:
        state = sqlite.check_database(paths.database)
    except NewerDatabaseError as error:
        return Opening(OfficeState.NEWER, error.message)
    except OfficeLocked as error:
        return Opening(OfficeState.LOCKED, error.message)
    except DatabaseOpenError as error:
        if not error.damaged:
            return Opening(OfficeState.UNUSABLE, error.message, busy=error.busy)
        return Opening(OfficeState.DAMAGED, error.message, latest_good_backup(paths))
    if state in (sqlite.SchemaState.MISSING, sqlite.SchemaState.EMPTY):
        return Opening(OfficeState.FIRST_START)
    if state is sqlite.SchemaState.OUTDATED:
        return Opening(OfficeState.UPGRADE)
    return Opening(OfficeState.READY)


def open_server_office(location: ServerLocation) -> Opening:
    """`open_office` for an office on a PostgreSQL server: reachable, the password accepted,
    the database there, empty (FIRST_START), a Dossia schema to upgrade (UPGRADE) or this
    version's (READY). Nothing is changed. Imports SQLAlchemy (a server office only)."""
    from app.storage.postgres import ServerRefusal, ServerState, check_server

    try:
        state = check_server(location)
    except NewerDatabaseError as error:
        return Opening(OfficeState.NEWER, error.message)
    except ServerRefusal as error:
        return Opening(
            OfficeState.UNUSABLE,
            error.message,
            busy=error.busy,
            password_refused=error.reason == "password",
        )
    except DatabaseOpenError as error:
        return Opening(OfficeState.UNUSABLE, error.message, busy=error.busy)
    if state is ServerState.EMPTY:
        return Opening(OfficeState.FIRST_START)
    if state is ServerState.OUTDATED:
        return Opening(OfficeState.UPGRADE)
    return Opening(OfficeState.READY)


def latest_good_backup(paths: DataPaths) -> BackupInfo | None:
    """The newest backup that passes the whole restore check (schema, data, integrity)."""
    from app.storage.backups import check_backup  # 25 ms of imports: a damaged office only

    for backup in list_backups(paths.backups):
        try:
            return check_backup(backup.path)
        except Exception:  # DomainError, or whatever else a file provokes: never crash
            continue  # the start-up on one backup, look at the next one
    return None
