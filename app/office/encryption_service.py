"""«Chiffrer les données de ce poste»: an office's encryption, turned on (or off, for a
support case), and its recovery kit renewed — by an administrator («Gérer les
utilisateurs»), whose own password wraps the new key.

A conversion rewrites the database, its backups and its documents (`app.storage.
conversion`: a kill at any moment leaves the old office or the new one). It needs every
connection closed: the window releases the database first, and reopens Dossia after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app import audit
from app.auth import CurrentUser
from app.crypto.documents import DocumentCipher
from app.crypto.keyfile import create_key_file, key_file_path, read_key_file, write_key_file
from app.crypto.keys import database_key
from app.crypto.recovery import RecoveryKey
from app.crypto.unlocked import (
    change_backup_key_files,
    document_cipher,
    is_encrypted,
    put_back_backup_key_files,
    remember,
    require_office_key,
)
from app.errors import DomainError
from app.office.permissions import write_as
from app.paths import DataPaths
from app.security import verify_password
from app.storage.backup_files import BackupCancelled, BackupKind, backup_now
from app.storage.conversion import (
    ConversionCancelled,
    ConversionResult,
    Progress,
    Target,
    convert,
)
from app.storage.database import Database, on_failure
from models.enums import AuditAction, Right
from models.office import User


@dataclass(frozen=True)
class EncryptionState:
    encrypted: bool
    # Active users whose password does not open the keys yet (their password must be reset)
    without_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class Converted:
    """A conversion done: the recovery key to print (encrypted), what was rewritten, and
    the users who need a new password to open the encrypted office."""

    encrypted: bool
    recovery_key: RecoveryKey | None
    office_id: str
    backups: int
    documents: int
    skipped_backups: tuple[Path, ...]
    without_key: tuple[str, ...]
    unfinished: str = ""  # done, to be finished at the next start (`ConversionResult`)


_BACKUP_SHARE = 200  # per mille of the progress bar: the backup made first


class EncryptionService:
    def __init__(
        self,
        database: Database,
        user: CurrentUser,
        paths: DataPaths,
        release: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = database
        self._user = user
        self._paths = paths
        self._release = release  # the workspace's connections closed before a conversion

    @property
    def _database(self) -> Path:
        return self._paths.database

    def state(self) -> EncryptionState:
        if not is_encrypted(self._database):
            return EncryptionState(False)
        key_file = read_key_file(key_file_path(self._database))
        return EncryptionState(
            True, tuple(login for login in self._active_logins() if not key_file.has_user(login))
        )

    def encrypt(self, password: str, progress: Progress | None = None) -> Converted:
        """Encrypt this computer's office, its backups and documents; the administrator's
        `password` (checked) wraps the new key, with a new recovery key."""
        self._user.require(Right.MANAGE_USERS)
        if is_encrypted(self._database):
            raise DomainError("Les données de ce poste sont déjà chiffrées.")
        self._check_password(password)
        self._record("Chiffrement des données de ce poste (demandé)")
        others = tuple(login for login in self._active_logins() if login != self._user.login)
        new = create_key_file(self._user.login, password)
        cipher = DocumentCipher(new.office_key)
        target = Target(
            key=database_key(new.office_key),
            key_file=new.key_file.to_bytes(),
            document_name=cipher.stored_name,
            write_document=lambda old, partial: _encrypt_document(cipher, old, partial),
            # The PDFs kept in clear in exports/ (syntheses, invoices…): made again on
            # demand, outside the data folder (`Workspace.exports_folder`).
            removed_folders=("exports",),
        )
        self._release()
        self._db.dispose()
        result = self._convert(BackupKind.BEFORE_ENCRYPTION, target, progress)
        remember(new.key_file, new.office_key)
        converted = Converted(
            True,
            new.recovery_key,
            new.key_file.office_id,
            len(result.files) - 1,
            result.documents,
            tuple(result.skipped_backups),
            others,
            result.unfinished,
        )
        if not converted.unfinished:  # else the file is not in place yet: at the next start
            self._record(f"Chiffrement des données de ce poste{_counts(converted)}")
        return converted

    def decrypt(self, password: str, progress: Progress | None = None) -> Converted:
        """Turn encryption off (a support case: a tool that must read the file): the office,
        its backups and documents written in clear again."""
        self._user.require(Right.MANAGE_USERS)
        if not is_encrypted(self._database):
            raise DomainError("Les données de ce poste ne sont pas chiffrées.")
        self._check_password(password)
        self._record("Déchiffrement des données de ce poste (demandé)")
        cipher = document_cipher(self._database)
        assert cipher is not None
        target = Target(
            key=None,
            key_file=None,
            document_name=lambda content_hash: content_hash,
            write_document=cipher.decrypt_to_file,
        )
        self._release()
        self._db.dispose()
        result = self._convert(BackupKind.BEFORE_DECRYPTION, target, progress)
        converted = Converted(
            False,
            None,
            "",
            len(result.files) - 1,
            result.documents,
            tuple(result.skipped_backups),
            (),
            result.unfinished,
        )
        if not converted.unfinished:
            self._record(f"Déchiffrement des données de ce poste{_counts(converted)}")
        return converted

    def new_recovery_kit(self, password: str) -> Converted:
        """A new recovery key: the previous kit no longer opens this office (it still opens
        the backups made before)."""
        self._user.require(Right.MANAGE_USERS)
        if not is_encrypted(self._database):
            raise DomainError("Les données de ce poste ne sont pas chiffrées : pas de kit.")
        with write_as(self._db, self._user, Right.MANAGE_USERS) as session:  # the write lock
            user = session.get(User, self._user.id)
            if user is None or not verify_password(user.password_hash, password):
                raise DomainError("Mot de passe incorrect.", field="password")
            office_key = require_office_key(self._database)
            key_file, recovery_key = read_key_file(key_file_path(self._database)).with_new_recovery(
                office_key
            )
            audit.record(
                session,
                self._user,
                AuditAction.ENCRYPTION_CHANGED,
                details="Nouveau kit de secours",
            )
            session.flush()  # the write lock taken
            path = key_file_path(self._database)
            before = read_key_file(path)
            write_key_file(path, key_file)
            # The commit fails: the printed kit must keep opening the office.
            on_failure(session, lambda: write_key_file(path, before))
            # The backups beside it too: the old kit opens none of this computer's copies.
            in_backups = change_backup_key_files(
                self._database,
                self._paths.backups,
                lambda keys, key: keys.with_recovery(key, recovery_key),
            )
            on_failure(session, lambda: put_back_backup_key_files(in_backups))
        return Converted(True, recovery_key, key_file.office_id, 0, 0, (), ())

    def _convert(
        self, kind: BackupKind, target: Target, progress: Progress | None
    ) -> ConversionResult:
        """A backup of the office as it is first (then converted with the others: the
        latest state is kept whatever happens next), then the conversion; the backup takes
        the first fifth of the progress."""

        def backing_up(done: int, total: int) -> bool:
            return progress is None or progress(_BACKUP_SHARE * done // max(total, 1), 1000)

        def converting(done: int, total: int) -> bool:
            share = _BACKUP_SHARE + (1000 - _BACKUP_SHARE) * done // max(total, 1)
            return progress is None or progress(share, 1000)

        try:
            backup_now(self._paths, kind, progress=backing_up)
        except BackupCancelled as cancelled:
            raise ConversionCancelled() from cancelled
        return convert(self._paths, target, converting)

    def check_password(self, password: str) -> None:
        """An administrator's own password, before a conversion starts (DomainError)."""
        self._user.require(Right.MANAGE_USERS)
        self._check_password(password)

    def _check_password(self, password: str) -> None:
        with self._db.read() as session:
            user = session.get(User, self._user.id)
            if user is None or not verify_password(user.password_hash, password):
                raise DomainError("Mot de passe incorrect.", field="password")

    def _active_logins(self) -> list[str]:
        with self._db.read() as session:
            return list(
                session.scalars(select(User.login).where(User.is_active).order_by(User.login))
            )

    def _record(self, details: str) -> None:
        with write_as(self._db, self._user, Right.MANAGE_USERS) as session:
            audit.record(session, self._user, AuditAction.ENCRYPTION_CHANGED, details=details)


def _encrypt_document(cipher: DocumentCipher, old: Path, partial: Path) -> None:
    with old.open("rb") as reader, partial.open("xb") as writer:
        cipher.encrypt(reader, writer)


def _counts(converted: Converted) -> str:
    return f" ({converted.backups} sauvegarde(s), {converted.documents} document(s))"


ENCRYPTION_ON_SERVER = (
    "Ce cabinet est sur un serveur PostgreSQL : le chiffrement des données de ce poste ne "
    "le concerne pas (les données sont sur le serveur, que son prestataire informatique "
    "protège : disque chiffré, connexions TLS). Rien n'a été modifié."
)


class ServerEncryptionService(EncryptionService):
    """An office on a server: nothing of it is on this computer to encrypt (out of scope
    for server mode); each use case refuses in French."""

    def state(self) -> EncryptionState:
        return EncryptionState(False)

    def encrypt(self, password: str, progress: Progress | None = None) -> Converted:
        raise DomainError(ENCRYPTION_ON_SERVER)

    def decrypt(self, password: str, progress: Progress | None = None) -> Converted:
        raise DomainError(ENCRYPTION_ON_SERVER)

    def new_recovery_kit(self, password: str) -> Converted:
        raise DomainError(ENCRYPTION_ON_SERVER)
