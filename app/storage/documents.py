"""Document files, stored content-addressed: documents/ab/abcdef… (sha256 of the bytes).

Identical files are stored once; a file is removed from disk only when no document row
refers to it any more, and only after the transaction that removed the last row committed.
A hash is the name of a file: anything but 64 lowercase hexadecimal digits (a path such as
`/etc/passwd` or `../../x` read from a crafted file) is refused before the disk is touched.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from app.errors import DomainError
from app.files import atomic_write

MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
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


class DocumentStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, content_hash: str) -> Path:
        """Where the file of `content_hash` is (DomainError if it is not a hash)."""
        check_hash(content_hash)
        return self.folder / content_hash[:2] / content_hash

    def put(self, source: Path) -> tuple[str, int]:
        """Copy a file in (atomically); returns its hash and size.

        A file already under that name is kept only if its content has that hash.
        """
        try:
            size = source.stat().st_size
            if size > MAX_DOCUMENT_BYTES:
                raise DomainError("Ce fichier dépasse 100 Mo : il ne peut pas être joint.")
            data = source.read_bytes()
        except OSError as error:
            raise DomainError(
                f"Impossible de lire le fichier « {source.name} » : {error.strerror}."
            ) from error
        content_hash = hashlib.sha256(data).hexdigest()
        target = self.path_for(content_hash)
        if not _holds(target, content_hash):  # a file planted under the name is replaced
            try:
                with atomic_write(target, binary=True) as stream:
                    stream.write(data)
            except OSError as error:
                raise DomainError(
                    f"Impossible d'enregistrer le document sur le disque : {error.strerror}."
                ) from error
        return content_hash, size

    def discard(self, content_hashes: Iterable[str]) -> None:
        """Remove files no longer referenced (the caller checked that, after commit).

        Every hash is checked before any file is removed: one that is not refuses them all.
        """
        paths = [self.path_for(content_hash) for content_hash in content_hashes]
        for path in paths:
            path.unlink(missing_ok=True)
