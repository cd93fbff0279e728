"""Domain errors. Each carries a message in French, ready to be shown to the user."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the command; nothing was changed.

    `field` names the input the message is about (for showing it near that field).
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    """The user's role does not grant the right this command needs."""


class NotFound(DomainError):
    """The record no longer exists (deleted meanwhile) or is not visible to the user."""


class ConflictError(DomainError):
    """Someone else changed the record since it was read (optimistic locking)."""


class Cancelled(DomainError):
    """The user stopped a long task (export, backup); nothing was left half-written."""


class StorageError(DomainError):
    """The database or the disk refused the write (read-only file, disk full, locked)."""


class DatabaseOpenError(DomainError):
    """The database file cannot be used (not a database, newer version, read-only, locked…).

    `damaged` is True when the file cannot be read as a database at all (corrupt, truncated,
    overwritten): restoring a backup is then the way out.
    """

    def __init__(self, message: str, damaged: bool = False, busy: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged
        self.busy = busy  # another program holds it: trying again later may work


class NewerDatabaseError(DatabaseOpenError):
    """The file was made by a newer version of Dossia: it is left untouched."""


class OfficeLocked(DatabaseOpenError):
    """The office is encrypted and nobody has unlocked it in this process yet: a user's
    password (or the recovery key) opens its key file first."""


class UnlockRefused(DomainError):
    """A password or a recovery key does not unwrap the office key (wrong, or no wrapped
    key for that login): the encrypted data stays closed."""


class KeyFileError(DatabaseOpenError):
    """The office's key file is missing, unreadable, damaged or written by a newer Dossia:
    the encrypted data cannot be opened through it (each backup holds a copy)."""


class DamagedDocument(DomainError):
    """An encrypted document failed its check (damaged, truncated or altered on disk): none
    of its bytes are handed out as if they were the document."""
