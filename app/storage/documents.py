"""Document files, stored content-addressed: documents/ab/abcdef… (sha256 of the bytes).

Identical files are stored once; a file is removed from disk only when no document row
refers to it any more, and only after the transaction that removed the last row committed.
A hash is the name of a file: anything but 64 lowercase hexadecimal digits (a path such as
`/etc/passwd` or `../../x` read from a crafted file) is refused before the disk is touched.

In an encrypted office the store is handed the office's `DocumentCipher` (`app.crypto`,
above this package): each file is encrypted as it is copied in, named by a keyed hash of
its sha256 instead of the sha256, and read back through it (`read`, `head`, `export`,
`plain_path`); the rows keep the plain sha256, inside the encrypted database.

An office on a server keeps the bytes in its database instead
(`app.storage.server_documents.ServerDocumentStore`, the same interface).
"""

from __future__ import annotations

import collections
import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from app.errors import Cancelled, DamagedDocument, DomainError
from app.files import PARTIAL_PREFIX, private_folder

log = logging.getLogger(__name__)
# Files being attached, by hash: copied in, their rows not yet committed. Every window of
# the application shares them (one process), so a deletion elsewhere never removes them.
_HELD: collections.Counter[str] = collections.Counter()
_HELD_LOCK = threading.Lock()
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # the default limit (Paramètres › Documents)
CHUNK = 1024 * 1024
LOGO_KEY = "company.logo_hash"  # the setting naming the office logo's content
_HASH = re.compile(r"[0-9a-f]{64}")


def check_hash(content_hash: object) -> str:
    """`content_hash` if it is a sha256 in lowercase hexadecimal, else DomainError."""
    if not isinstance(content_hash, str) or not _HASH.fullmatch(content_hash):
        raise DomainError(
            f"Empreinte de document invalide (« {str(content_hash)[:80]} ») : "
            "aucun fichier n'a été touché."
        )
    return content_hash


def _holds(path: Path, content_hash: str) -> bool:
    """Whether `path` is a regular file (not a link) whose sha256 is `content_hash`."""
    if path.is_symlink() or not path.is_file():
        return False
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == content_hash


class Cipher(Protocol):
    """What the store needs of `app.crypto.documents.DocumentCipher`."""

    def stored_name(self, content_hash: str) -> str: ...

    def encrypt(
        self, reader: IO[bytes], writer: IO[bytes], on_chunk: Callable[[bytes], None] | None
    ) -> tuple[str, int]: ...

    def decrypt_bytes(self, source: Path) -> bytearray: ...

    def head(self, source: Path, count: int = 16) -> bytes: ...

    def decrypt_to_file(self, source: Path, target: Path) -> int: ...


class DocumentStore:
    def __init__(self, folder: Path, cipher: Cipher | None = None) -> None:
        self.folder = folder
        self.cipher = cipher

    @property
    def encrypted(self) -> bool:
        return self.cipher is not None

    @property
    def files_in_clear(self) -> bool:
        """Whether each document is a readable file of its own on this computer."""
        return self.cipher is None

    def path_for(self, content_hash: str) -> Path:
        """Where the file of `content_hash` is (DomainError if it is not a hash)."""
        name = check_hash(content_hash)
        if self.cipher is not None:
            name = self.cipher.stored_name(content_hash)
        return self.folder / name[:2] / name

    def exists(self, content_hash: str) -> bool:
        path = self.path_for(content_hash)
        return path.is_file() and not path.is_symlink()

    def read(self, content_hash: str) -> bytes | bytearray:
        """The document's bytes (a preview); OSError if its file is gone, DamagedDocument
        if it is not the document its row names (altered, or another one put in its place).
        Decrypted, they are held once (no copy of a 50 MB scan into `bytes`)."""
        path = self.path_for(content_hash)
        content: bytes | bytearray = (
            self.cipher.decrypt_bytes(path) if self.cipher is not None else path.read_bytes()
        )
        if hashlib.sha256(content).hexdigest() != content_hash:
            raise _not_this_document()
        return content

    def head(self, content_hash: str, count: int = 16) -> bytes:
        """The document's first bytes (its kind checked before it is handed out)."""
        path = self.path_for(content_hash)
        if self.cipher is not None:
            return self.cipher.head(path, count)
        with path.open("rb") as stream:
            return stream.read(count)

    def export(self, content_hash: str, target: Path) -> None:
        """The document, in clear, into the new file `target` (0600): a copy for the system's
        viewer or to send to a bank."""
        path = self.path_for(content_hash)
        if self.cipher is not None:
            self.cipher.decrypt_to_file(path, target)
        else:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            handle = os.open(target, flags | getattr(os, "O_BINARY", 0), 0o600)
            with path.open("rb") as reader, os.fdopen(handle, "wb") as writer:
                shutil.copyfileobj(reader, writer, CHUNK)
        if not _holds(target, content_hash):  # another file put in its place: not handed out
            target.unlink(missing_ok=True)
            raise _not_this_document()

    @contextmanager
    def plain_path(self, content_hash: str, name: str = "document") -> Iterator[Path]:
        """A path to the document in clear for the block: the stored file itself in a plain
        office, else a private decrypted copy (0600, in a 0700 folder) removed afterwards."""
        if self.files_in_clear:
            yield self.path_for(content_hash)
            return
        scratch = Path(tempfile.mkdtemp(prefix="dossia-"))
        try:
            target = scratch / name
            self.export(content_hash, target)
            yield target
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def put(
        self,
        source: Path,
        limit: int = MAX_DOCUMENT_BYTES,
        progress: Callable[[int, int], bool] | None = None,
        check_head: Callable[[bytes], None] | None = None,
        hold: bool = False,
    ) -> tuple[str, int]:
        """Copy a file in (atomically), hashing it on the way; returns its hash and size.

        Read by chunks: a 50 MB scan never sits whole in memory. `check_head` sees the first
        bytes actually copied (not those of an earlier read: the file may have changed).
        `progress(done, total)` is called after each chunk; when it returns False the copy
        stops (Cancelled) and nothing is left behind. A file already under that name is kept
        only if its content has that hash. With `hold`, the file is protected from `discard`
        until `release` (call it once the rows that refer to it are committed, or not).
        """
        size = checked_size(source, limit)
        digest = hashlib.sha256()
        done = 0

        def take(chunk: bytes) -> None:
            nonlocal done
            if not chunk:  # the end of a file (an encrypted copy's last, empty chunk)
                return
            if done == 0 and check_head is not None:
                check_head(chunk[:16])
            done += len(chunk)
            if done > limit:  # the file grew while being read
                raise DomainError(f"« {source.name} » dépasse la limite de {_megabytes(limit)}.")
            if progress is not None and not progress(done, size):
                raise Cancelled("Ajout annulé : aucun document n'a été joint.")

        try:
            private_folder(self.folder)
            handle, name = tempfile.mkstemp(dir=self.folder, prefix=PARTIAL_PREFIX)  # 0600
            partial = Path(name)
            try:
                with source.open("rb") as reader, os.fdopen(handle, "wb") as writer:
                    if self.cipher is not None:
                        content_hash, done = self.cipher.encrypt(reader, writer, take)
                    else:
                        while chunk := reader.read(CHUNK):
                            take(chunk)
                            digest.update(chunk)
                            writer.write(chunk)
                        content_hash = digest.hexdigest()
                    writer.flush()
                    os.fsync(writer.fileno())
                target = self.path_for(content_hash)
                with _HELD_LOCK:
                    if hold:
                        _HELD[content_hash] += 1
                    # A file planted under the name goes; an encrypted one cannot be planted
                    # (its name and tags need the key): the new copy replaces it anyway.
                    if self.cipher is not None or not _holds(target, content_hash):
                        private_folder(target.parent)
                        partial.replace(target)
            finally:
                partial.unlink(missing_ok=True)
        except OSError as error:
            raise DomainError(
                f"Impossible de joindre « {source.name} » : {error.strerror}."
            ) from error
        return content_hash, done

    def release(self, content_hashes: Iterable[str]) -> None:
        """The rows of files copied with `hold` are committed (or will never be)."""
        with _HELD_LOCK:
            for content_hash in content_hashes:
                _HELD[content_hash] -= 1
                if _HELD[content_hash] <= 0:
                    del _HELD[content_hash]

    def sweep(self) -> None:
        """Remove what a stopped attach left: the server's bytes only
        (`ServerDocumentStore.sweep`); a file office's folder is left as it is."""
        return None

    def discard(self, content_hashes: Iterable[str]) -> None:
        """Remove files no longer referenced (the caller checked that, after commit), except
        those another window is attaching right now (held).

        Every hash is checked before any file is removed: one that is not refuses them all.
        A file that cannot be removed (open in a viewer, on Windows) stays: it is a copy no
        row refers to, harmless, and goes with the next discard of its hash.
        """
        hashes = [check_hash(content_hash) for content_hash in content_hashes]
        with _HELD_LOCK:
            for content_hash in hashes:
                if content_hash in _HELD:
                    continue
                try:
                    self.path_for(content_hash).unlink(missing_ok=True)
                except OSError:
                    log.warning("document file %s kept: it could not be removed", content_hash)


def checked_size(source: Path, limit: int) -> int:
    """The size of the file `source`, refused in French over `limit` or unreadable."""
    try:
        size = source.stat().st_size
    except OSError as error:
        raise DomainError(
            f"Impossible de lire le fichier « {source.name} » : {error.strerror}."
        ) from error
    if size > limit:
        raise DomainError(
            f"« {source.name} » pèse {_megabytes(size)} : la limite est de "
            f"{_megabytes(limit)} (Paramètres › Documents)."
        )
    return size


def _not_this_document() -> DamagedDocument:
    return DamagedDocument(
        "Le fichier de ce document n'est pas celui qui a été joint (il a été remplacé ou "
        "endommagé sur le disque) : il n'est pas montré. Demandez-le à nouveau au client, ou "
        "restaurez une sauvegarde."
    )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",").replace(",0 Mo", " Mo")
