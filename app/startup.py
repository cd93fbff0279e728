"""Start-up use cases, before anyone has logged in: what to do with the data folder, create
an office (or a demo office), migrate an older one, restore the latest good backup of a
damaged one. Used alike by `main.py`, the launcher's dialogs and the tests.

`open_office` runs before the first paint and reads the file with sqlite3 only; the other
use cases import SQLAlchemy and Alembic inside their bodies, for start-up speed.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from app import connection
from app.connection import ConnectionSettings
from app.early import EarlyUnlock, unlock_early
from app.errors import DomainError
from app.paths import DataPaths, OfficeLocation, ServerLocation
from app.security import verify_ahead
from app.storage import opening as office_opening
from app.storage import sqlite
from app.storage.opening import OfficeState, Opening

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.crypto.recovery import RecoveryKey
    from app.demo import DemoResult
    from app.office.office import NewUser
    from app.storage.restore import RestoreResult

__all__ = [
    "CreatedOffice",
    "EarlyUnlock",
    "OfficeState",
    "Opening",
    "connect_office_server",
    "create_demo_office",
    "create_office",
    "is_encrypted",
    "is_unlocked",
    "open_office",
    "restore_into_new_office",
    "restore_latest_good_backup",
    "restore_on_empty_server",
    "restore_on_new_computer",
    "save_recovery_kit",
    "test_server_connection",
    "unlock",
    "unlock_early",
    "unlock_office",
    "unlock_office_with_recovery",
    "unlock_with_recovery",
    "upgrade_office",
]


@dataclass(frozen=True)
class CreatedOffice:
    """A new office: the login to offer in the login dialog and, for an encrypted one, the
    recovery key its administrator must print (`write_recovery_kit`) and lock away."""

    login: str
    recovery_key: RecoveryKey | None = None
    office_id: str = ""


def save_recovery_kit(target: Path, created: CreatedOffice, office: str = "") -> Path:
    """The new office's recovery kit (one A4 PDF to print and lock away) written to
    `target`, readable by its owner only."""
    from app.crypto.recovery_kit import write_recovery_kit  # reportlab: only now

    if created.recovery_key is None:
        raise DomainError("Ce cabinet n'est pas chiffré : il n'a pas de kit de secours.")
    if target.suffix.lower() != ".pdf":
        target = target.with_name(target.name + ".pdf")
    try:
        write_recovery_kit(
            target,
            created.recovery_key,
            office=office,
            created_on=dt.date.today(),
            office_id=created.office_id,
        )
    except OSError as error:
        raise DomainError(
            f"Impossible d'écrire le kit de secours dans « {target.parent} » : "
            f"{error.strerror or error}. Choisissez un autre emplacement."
        ) from error
    return target


def open_office(location: OfficeLocation) -> Opening:
    """What to do with the office at `location` (a data folder's file, or a database on a
    PostgreSQL server): nothing is changed (but for a file's interrupted encryption)."""
    if isinstance(location, ServerLocation):
        return office_opening.open_server_office(location)
    return office_opening.open_office(location)


def check_password_ahead(paths: DataPaths, login: str, password: str) -> None:
    """A start given its login and password (`--user`, $DOSSIA_PASSWORD) on a plain office:
    the password verified now, in a thread, while the GUI thread imports Qt — the login that
    follows takes the answer (`app.security.verify_ahead`) instead of waiting ≈ 30 ms for
    argon2 before the main window is built. Nothing is written here: the login is counted,
    checked and recorded as always. Nothing either for an encrypted office (its keys open
    first: `unlock_early`), an unknown login or a file that cannot tell."""

    def verify() -> None:
        password_hash = sqlite.stored_password_hash(paths.database, login.strip().lower())
        if password_hash is not None:
            verify_ahead(password_hash, password)

    threading.Thread(target=verify, name="password-ahead", daemon=True).start()


def is_encrypted(database: Path) -> bool:
    """Whether the office or backup `database` is encrypted (its key file beside it)."""
    return sqlite.is_encrypted(database)


def is_unlocked(database: Path) -> bool:
    """Whether this process can open the encrypted `database` already."""
    from app.crypto.unlocked import office_key_of

    return office_key_of(database) is not None


def unlock(database: Path, login: str, password: str) -> None:
    """The encrypted office or backup `database` opened with a user's password."""
    from app.crypto.unlocked import unlock as unlock_keys

    unlock_keys(database, login, password)


def unlock_with_recovery(database: Path, typed: str) -> None:
    """The encrypted office or backup `database` opened with the recovery key as typed."""
    from app.crypto.unlocked import unlock_with_recovery as unlock_keys

    unlock_keys(database, typed)


def restore_into_new_office(paths: DataPaths, source: Path) -> RestoreResult:
    """A backup restored into a data folder with no office yet (a new computer): no user to
    check, the backup's own keys (unlocked first) open it."""
    from app.storage.restore import restore

    if open_office(paths).state is not OfficeState.FIRST_START:
        raise DomainError("Un cabinet existe déjà ici : restaurez depuis Dossia, connecté.")
    return restore(paths, source)


def restore_on_empty_server(location: ServerLocation, source: Path) -> str:
    """A first start on an empty server database from a dump Dossia wrote (`pg_dump`): no
    user to check (the database is empty; the server's password was the key), refused
    unless the database is empty. Returns the login to offer («»: the restored office's)."""
    from app.storage.server_backups import restore_server  # the pg tools: a restore only

    if not source.is_file():
        raise DomainError("Choisissez le fichier de la sauvegarde à restaurer.", field="backup")
    restore_server(location, source)
    return ""


def restore_on_new_computer(
    paths: DataPaths, source: Path, login: str = "", password: str = "", recovery: str = ""
) -> str:
    """A first start from a backup (a new computer, or after a breakdown): an encrypted one
    opened first with one of its users' password or its recovery key. Returns the login to
    offer in the login dialog."""
    if not source.is_file():
        raise DomainError("Choisissez le fichier de la sauvegarde à restaurer.", field="backup")
    if is_encrypted(source):
        if recovery.strip():
            unlock_with_recovery(source, recovery)
        elif login.strip() and password:
            unlock(source, login, password)
        else:
            raise DomainError(
                "Cette sauvegarde est chiffrée : saisissez l'identifiant et le mot de passe d'un "
                "de ses utilisateurs, ou la clé de secours du cabinet.",
                field="restore_password",
            )
    restore_into_new_office(paths, source)
    return login.strip().lower()


def unlock_office(paths: DataPaths, login: str, password: str) -> None:
    """An encrypted office (`OfficeState.LOCKED`): a user's password opens its key file; ask
    `open_office` again afterwards. UnlockRefused in French (the password field's) when it
    does not; KeyFileError when the key file is missing or damaged."""
    from app.crypto.unlocked import unlock

    unlock(paths.database, login, password)


def unlock_office_with_recovery(paths: DataPaths, typed: str) -> None:
    """An encrypted office opened with its recovery key (the kit), as typed or read from a
    file; a typo is located in the message."""
    from app.crypto.unlocked import unlock_with_recovery

    unlock_with_recovery(paths.database, typed)


def upgrade_office(location: OfficeLocation) -> None:
    """Create or migrate the schema (a file: after a backup of an older one; a server: in
    one transaction, which a failure rolls back whole — its backups are the server's)."""
    if isinstance(location, ServerLocation):
        from app.storage.postgres import upgrade_server_schema

        upgrade_server_schema(location)
        return
    from app.storage.schema import ensure_schema

    ensure_schema(location)


def create_office(
    location: OfficeLocation, admin: NewUser, encrypted: bool = True
) -> CreatedOffice:
    """First start: the schema, the reference data and the administrator; encrypted (the
    default), its key file first. Nothing is written if `admin` is refused. On a server
    (an empty database), never encrypted here: the server keeps the data."""
    from app.office.office import validate_new_user
    from app.office.office_service import create_office as create_office_records
    from app.storage.database import Database
    from app.storage.schema import ensure_schema

    validate_new_user(admin)  # before creating any file
    if isinstance(location, ServerLocation):
        return _create_server_office(location, admin)
    paths = location
    login = admin.login.strip().lower()
    created = CreatedOffice(login)
    if encrypted:
        created = _start_encryption(paths, login, [(login, admin.password)])
    ensure_schema(paths)
    database = Database(paths)
    try:
        create_office_records(database, admin)
    finally:
        database.dispose()
    return created


def _create_server_office(location: ServerLocation, admin: NewUser) -> CreatedOffice:
    from app.office.office_service import create_office as create_office_records
    from app.storage.postgres import (
        ServerDatabase,
        ServerState,
        check_server,
        upgrade_server_schema,
    )

    if check_server(location) is not ServerState.EMPTY:
        raise DomainError(
            f"{location.label[0].upper()}{location.label[1:]} contient déjà un cabinet : "
            "connectez-vous à celui-ci."
        )
    upgrade_server_schema(location)
    database = ServerDatabase(location, location.local_paths)
    try:
        create_office_records(database, admin)
    finally:
        database.dispose()
    return CreatedOffice(admin.login.strip().lower())


def _start_encryption(
    paths: DataPaths, login: str, logins_and_passwords: list[tuple[str, str]]
) -> CreatedOffice:
    from app.crypto.unlocked import start_encrypted_office

    state = sqlite.check_database(paths.database)
    if state is sqlite.SchemaState.EMPTY:
        # A first creation that stopped before its schema (Dossia closed, power cut): its
        # empty database, unlocked by the same password, holds nothing: start over.
        for suffix in ("", "-wal", "-shm", "-journal", sqlite.KEY_FILE_SUFFIX):
            paths.database.with_name(paths.database.name + suffix).unlink(missing_ok=True)
    elif state is not sqlite.SchemaState.MISSING:
        raise DomainError(
            f"« {paths.database} » existe déjà : un nouveau cabinet chiffré ne peut pas y "
            "être créé. Choisissez un autre emplacement."
        )
    new = start_encrypted_office(paths.database, logins_and_passwords)
    return CreatedOffice(login, new.recovery_key, new.office_id)


def create_demo_office(
    paths: DataPaths, dossiers: int, seed: int = 1, password: str = "demo", encrypted: bool = True
) -> DemoResult:
    """A realistic office of fictitious dossiers (or more of them in an existing one, whose
    key is unlocked with the demo's administrator and `password` when it is encrypted). A
    new one is encrypted like a real office unless `encrypted` is False (tools that read the
    SQLite file directly; never for real clients' data)."""
    from app.demo import DEMO_ADMIN, active_staff_logins, build_demo, check_demo_password
    from app.storage.database import Database
    from app.storage.schema import ensure_schema

    check_demo_password(password)  # before creating any file
    recovery = None
    if not paths.database.exists():
        if encrypted:
            logins = [(login, password) for login in active_staff_logins()]
            recovery = _start_encryption(paths, DEMO_ADMIN, logins).recovery_key
    elif sqlite.is_encrypted(paths.database):
        unlock_office(paths, DEMO_ADMIN, password)
    ensure_schema(paths)
    database = Database(paths)
    try:
        result = build_demo(database, dossiers, seed=seed, password=password)
    finally:
        database.dispose()
    return replace(result, recovery_key=recovery) if recovery is not None else result


def create_demo_on_server(
    location: ServerLocation,
    dossiers: int,
    seed: int = 1,
    password: str = "demo",
    progress: Callable[[int, int], bool] | None = None,
) -> DemoResult:
    """The demonstration office on an empty server database: built in a temporary file
    (the generator writes SQLite), then copied there as «Migrer vers le serveur» does —
    one transaction, each table verified, the documents' bytes included; the server's
    database is left empty if anything fails. The temporary file is removed."""
    import tempfile

    from app.demo import check_demo_password
    from app.storage.database import Database
    from app.storage.documents import DocumentStore
    from app.storage.server_migration import FileDocuments, copy_to_server

    check_demo_password(password)
    with tempfile.TemporaryDirectory(prefix="dossia-demo-") as folder:
        paths = DataPaths(Path(folder) / "dossia.sqlite3")
        result = create_demo_office(paths, dossiers, seed, password, encrypted=False)
        source = Database(paths)
        try:
            with source.engine.connect() as connection, connection.begin():
                copy_to_server(
                    connection,
                    location,
                    progress,
                    documents=FileDocuments(DocumentStore(paths.documents)),
                )
        finally:
            source.dispose()
    return result


def restore_latest_good_backup(paths: DataPaths, opening: Opening) -> RestoreResult:
    """A damaged database at start: set it aside and restore the latest sound backup."""
    from app.storage.restore import restore

    if opening.good_backup is None:
        raise DomainError(opening.message)
    return restore(paths, opening.good_backup.path, damaged=True)


# --- The office's server from this computer's «Connexion» (issue 11) ------------------------


def test_server_connection(location: ServerLocation) -> str:
    """«Tester la connexion»: connect to the server and say, in French, what was found: its
    PostgreSQL version, whether the connection is encrypted (TLS), and what Dossia will do
    with the database. Raises DomainError (French: the `unreachable` messages) when it
    cannot. Blocking (up to the connection's timeout): run it off the GUI thread."""
    from app.storage.postgres import ServerState, describe_server

    if location.password is None:
        location = connection.with_remembered_password(location)
    facts = describe_server(location)
    encrypted = (
        "connexion chiffrée (TLS)"
        if facts.encrypted
        else "connexion NON chiffrée (le serveur ne propose pas le chiffrement)"
    )
    state = {
        ServerState.EMPTY: "La base est vide : le cabinet y sera créé au premier démarrage.",
        ServerState.OUTDATED: "Le cabinet y est (il sera mis à jour au démarrage).",
        ServerState.CURRENT: "Le cabinet y est.",
    }[facts.state]
    return f"Connexion réussie : PostgreSQL {facts.version}, {encrypted}. {state}"


def connect_office_server(settings: ConnectionSettings, password: str) -> ServerLocation:
    """The first-run assistant's «Se connecter au serveur du cabinet»: the server reached
    with `password` (or the one remembered), its database usable by Dossia; the settings
    then saved (the password in the keyring if asked), so that the next start goes
    straight to the server's login. Returns the server, its password given, to open the
    office there now (created if its database is empty). Raises DomainError (French)."""
    from app.storage.postgres import ServerRefusal, describe_server

    location = settings.location(password or None)
    if not password:
        location = connection.with_remembered_password(location)
    try:
        describe_server(location)
    except ServerRefusal as error:
        if error.reason == "password":
            raise DomainError(error.message, field="server_password") from error
        raise
    connection.save_connection(settings, password)
    return location
