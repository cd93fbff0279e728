"""Document files, stored content-addressed: documents/ab/abcdef… (sha256 of the bytes).

Identical files are stored once; a file is removed from disk only when no document row
refers to it any more, and only after the transaction that removed the last row committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from app.errors import DomainError
from app.files import atomic_write

MAX_DOCUMENT_BYTES = 100 * 1024 * 1024


class DocumentStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, content_hash: str) -> Path:
        return self.folder / content_hash[:2] / content_hash

    def put(self, source: Path) -> tuple[str, int]:
        """Copy a file in (atomically); returns its hash and size."""
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
        if not target.exists():
            try:
                with atomic_write(target, binary=True) as stream:
                    stream.write(data)
            except OSError as error:
                raise DomainError(
                    f"Impossible d'enregistrer le document sur le disque : {error.strerror}."
                ) from error
        return content_hash, size

    def discard(self, content_hashes: Iterable[str]) -> None:
        """Remove files no longer referenced (the caller checked that, after commit)."""
        for content_hash in content_hashes:
            self.path_for(content_hash).unlink(missing_ok=True)
