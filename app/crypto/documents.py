"""Documents encrypted on disk: AES-256-GCM, streamed by chunks, under file names that do
not reveal the content.

A file is a header — magic, format version, chunk size, a random salt — then its chunks,
each the ciphertext of `chunk_size` bytes of the document (the last one shorter, possibly
empty) and its 16-byte tag. Each file has its own key (HKDF of the documents key with the
file's salt), so nonces are simply the chunk's number and a last-chunk flag (the STREAM
construction): a chunk moved, dropped, repeated or altered, a file cut at a chunk boundary
or extended, a header changed (it is every chunk's associated data) — each fails a tag.
Only one chunk (1 MiB) is in memory at a time, except for `decrypt_bytes`, which holds the
document once.

A stored file is named by the HMAC of the document's sha256 under the file-name key: equal
documents still share one file, and no one can tell from the name whether a known document
(a tax notice template, a circulated scan) is there.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.keys import OfficeKey, documents_key, file_name_key, hkdf
from app.errors import DamagedDocument, DomainError
from app.files import PRIVATE_FILE, atomic_write, private_folder

MAGIC = b"DOSSIA\x00D"
VERSION = 1
SALT_BYTES = 32
HEADER_BYTES = len(MAGIC) + 2 + SALT_BYTES
TAG_BYTES = 16
CHUNK = 1024 * 1024
MIN_CHUNK_LOG2, MAX_CHUNK_LOG2 = 6, 24  # 64 bytes (for tests) to 16 MiB
VIEW_PREFIX = "dossia-view-"
_FILE_KEY_LABEL = b"dossia/v1/document-file-key"
_HASH = re.compile(r"[0-9a-f]{64}")


class DocumentCipher:
    """The office's documents keys, ready to encrypt, decrypt and name stored files."""

    def __init__(self, office_key: OfficeKey, chunk_size: int = CHUNK) -> None:
        log2 = chunk_size.bit_length() - 1
        if chunk_size != 1 << log2 or not MIN_CHUNK_LOG2 <= log2 <= MAX_CHUNK_LOG2:
            raise ValueError("the chunk size is a power of two from 64 bytes to 16 MiB")
        self._chunk_log2 = log2
        self._documents_key = documents_key(office_key)
        self._name_key = file_name_key(office_key)

    def stored_name(self, content_hash: str) -> str:
        """The name of the stored file of the document whose sha256 is `content_hash`
        (64 lowercase hexadecimal digits, like a sha256: the store's checks still hold)."""
        if not isinstance(content_hash, str) or not _HASH.fullmatch(content_hash):
            raise DomainError(
                f"Empreinte de document invalide (« {str(content_hash)[:80]} ») : "
                "aucun fichier n'a été touché."
            )
        return hmac.new(self._name_key, bytes.fromhex(content_hash), hashlib.sha256).hexdigest()

    # Encrypting

    def encrypt(
        self,
        reader: IO[bytes],
        writer: IO[bytes],
        on_chunk: Callable[[bytes], None] | None = None,
    ) -> tuple[str, int]:
        """Encrypt what `reader` gives into `writer`; returns the document's sha256 and size.

        `on_chunk` sees each chunk of the document before it is encrypted (to check its
        first bytes, its size against a limit, report progress, or stop by raising)."""
        chunk_size = 1 << self._chunk_log2
        header = MAGIC + bytes((VERSION, self._chunk_log2)) + secrets.token_bytes(SALT_BYTES)
        cipher = self._file_cipher(header)
        writer.write(header)
        digest, size, counter = hashlib.sha256(), 0, 0
        while True:
            chunk = _read_full(reader, chunk_size)
            if on_chunk is not None:
                on_chunk(chunk)
            digest.update(chunk)
            size += len(chunk)
            last = len(chunk) < chunk_size
            writer.write(cipher.encrypt(_nonce(counter, last), chunk, header))
            if last:
                return digest.hexdigest(), size
            counter += 1

    def encrypt_file(
        self, source: Path, target: Path, on_chunk: Callable[[bytes], None] | None = None
    ) -> tuple[str, int]:
        """Encrypt `source` into `target`, atomically and privately (0600)."""
        with source.open("rb") as reader, atomic_write(target, binary=True) as writer:
            return self.encrypt(reader, writer, on_chunk)

    # Decrypting

    def decrypt(self, reader: IO[bytes], writer: IO[bytes]) -> int:
        """Decrypt into `writer`; returns the size. DamagedDocument if any check fails —
        what was written before is then not the document: the caller throws it away."""
        size = 0
        for chunk in self._chunks(reader):
            writer.write(chunk)
            size += len(chunk)
        return size

    def decrypt_bytes(self, source: Path) -> bytearray:
        """The whole document, for a preview in the application (held once in memory)."""
        with source.open("rb") as reader:
            log2 = _chunk_log2(reader.read(HEADER_BYTES))  # the file's own chunk size
            reader.seek(0)
            expected = _plain_size(os.fstat(reader.fileno()).st_size, log2)
            content = bytearray(expected)
            view, done = memoryview(content), 0
            for chunk in self._chunks(reader):
                if done + len(chunk) > expected:
                    raise _damaged("longueur incohérente")
                view[done : done + len(chunk)] = chunk
                done += len(chunk)
            view.release()
        if done != expected:
            raise _damaged("longueur incohérente")
        return content

    def head(self, source: Path, count: int = 16) -> bytes:
        """The document's first `count` bytes (at most a chunk), checked like the rest."""
        with source.open("rb") as reader:
            return next(self._chunks(reader))[:count]

    def decrypt_to_file(self, source: Path, target: Path) -> int:
        """Decrypt into a new file `target` (0600, never an existing file or a link); it is
        removed if a check fails. Returns the size."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        flags |= getattr(os, "O_BINARY", 0)
        with source.open("rb") as reader:
            handle = os.open(target, flags, PRIVATE_FILE)
            try:
                with os.fdopen(handle, "wb") as writer:
                    return self.decrypt(reader, writer)
            except BaseException:
                with contextlib.suppress(OSError):
                    target.unlink()
                raise

    @contextlib.contextmanager
    def decrypted_copy(self, source: Path, name: str, folder: Path | None = None) -> Iterator[Path]:
        """A decrypted copy named `name` (so the system's viewer knows its kind) in a new
        private folder (0700) under `folder` (the system's temporary folder by default),
        the file 0600; both are removed when the block ends. `name` must be a plain file
        name, already made safe (`app.documents.files.safe_filename`)."""
        if not name or name in (".", "..") or any(c in name for c in "/\\\x00"):
            raise DomainError("Nom de fichier invalide : le document n'a pas été ouvert.")
        if folder is not None:
            private_folder(folder)
        scratch = Path(tempfile.mkdtemp(prefix=VIEW_PREFIX, dir=folder))
        try:
            target = scratch / name
            self.decrypt_to_file(source, target)
            yield target
        finally:
            _remove_tree(scratch)

    # Inside

    def _file_cipher(self, header: bytes) -> AESGCM:
        return AESGCM(hkdf(self._documents_key, _FILE_KEY_LABEL, salt=header[-SALT_BYTES:]))

    def _chunks(self, reader: IO[bytes]) -> Iterator[bytes]:
        header = _read_full(reader, HEADER_BYTES)
        chunk_size = 1 << _chunk_log2(header)
        cipher = self._file_cipher(header)
        counter = 0
        while True:
            sealed = _read_full(reader, chunk_size + TAG_BYTES)
            last = len(sealed) < chunk_size + TAG_BYTES
            if len(sealed) < TAG_BYTES:
                raise _damaged("fin manquante")
            try:
                yield cipher.decrypt(_nonce(counter, last), sealed, header)
            except InvalidTag:
                raise _damaged("contrôle d'intégrité en échec") from None
            if last:
                break
            counter += 1
        if reader.read(1):
            raise _damaged("données en trop après la fin")


def is_encrypted(path: Path) -> bool:
    """Whether the file at `path` starts like an encrypted document (for a store that holds
    both while an office is being converted)."""
    with path.open("rb") as stream:
        return stream.read(len(MAGIC)) == MAGIC


def encrypted_size(size: int, chunk_size: int = CHUNK) -> int:
    """How many bytes a document of `size` bytes takes once encrypted."""
    return HEADER_BYTES + size + (size // chunk_size + 1) * TAG_BYTES


def remove_decrypted_copies(folder: Path) -> None:
    """Remove the decrypted copies a crash (or a viewer holding one open, on Windows) left
    in `folder`; those still held stay until the next time."""
    if not folder.is_dir():
        return
    for scratch in folder.glob(VIEW_PREFIX + "*"):
        if scratch.is_dir() and not scratch.is_symlink():
            _remove_tree(scratch)


def _chunk_log2(header: bytes) -> int:
    if len(header) < HEADER_BYTES or header[: len(MAGIC)] != MAGIC:
        raise DamagedDocument(
            "Ce fichier n'est pas un document chiffré par Dossia : il ne peut pas être lu."
        )
    version, log2 = header[len(MAGIC)], header[len(MAGIC) + 1]
    if version != VERSION:
        raise DamagedDocument(
            "Ce document a été chiffré par une version plus récente de Dossia : mettez Dossia "
            "à jour pour le lire."
            if version > VERSION
            else "Ce document chiffré est d'un format inconnu : il ne peut pas être lu."
        )
    if not MIN_CHUNK_LOG2 <= log2 <= MAX_CHUNK_LOG2:
        raise _damaged("en-tête invalide")
    return log2


def _plain_size(stored_size: int, chunk_log2: int) -> int:
    """The size of the document a file of `stored_size` bytes holds, if it is whole."""
    chunk_size = 1 << chunk_log2
    full, rest = divmod(max(stored_size - HEADER_BYTES, 0), chunk_size + TAG_BYTES)
    if rest < TAG_BYTES:  # no last chunk: cut at a chunk boundary (the checks will say)
        return full * chunk_size
    return full * chunk_size + rest - TAG_BYTES


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _read_full(reader: IO[bytes], size: int) -> bytes:
    """`size` bytes, fewer only at the end (a pipe or a socket may return short reads)."""
    data = reader.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    missing = size - len(data)
    while missing and (more := reader.read(missing)):
        parts.append(more)
        missing -= len(more)
    return b"".join(parts)


def _damaged(detail: str) -> DamagedDocument:
    return DamagedDocument(
        f"Ce document chiffré est endommagé ou a été modifié hors de Dossia ({detail}) : il ne "
        "peut pas être lu. Une sauvegarde en contient peut-être une copie intacte."
    )


def _remove_tree(folder: Path) -> None:
    """Remove a scratch folder and what is in it (a viewer may add its own lock files);
    what cannot be removed now (open in a viewer, on Windows) stays for the next sweep."""
    with contextlib.suppress(OSError):
        for path in list(folder.iterdir()):
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                    continue
                if not path.is_symlink():
                    path.chmod(PRIVATE_FILE)  # a viewer may have made it read-only
                path.unlink()
        folder.rmdir()
