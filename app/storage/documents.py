"""Document files, stored content-addressed: documents/ab/abcdef… (sha256 of the bytes).

Identical files are stored once; a file is removed from disk only when no document row
refers to it any more, and only after the transaction that removed the last row committed.
A hash is the name of a file: anything but 64 lowercase hexadecimal digits (a path such as
`/etc/passwd` or `../../x` read from a crafted file) is refused before the disk is touched.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from app.errors import Cancelled, DomainError
from app.files import PARTIAL_PREFIX, private_folder

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # the default limit (Paramètres › Documents)
CHUNK = 1024 * 1024
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

    def put(
        self,
        source: Path,
        limit: int = MAX_DOCUMENT_BYTES,
        progress: Callable[[int, int], bool] | None = None,
    ) -> tuple[str, int]:
        """Copy a file in (atomically), hashing it on the way; returns its hash and size.

        Read by chunks: a 50 MB scan never sits whole in memory. `progress(done, total)` is
        called after each chunk; when it returns False the copy stops (Cancelled) and
        nothing is left behind. A file already under that name is kept only if its content
        has that hash.
        """
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
        digest = hashlib.sha256()
        done = 0
        try:
            private_folder(self.folder)
            handle, name = tempfile.mkstemp(dir=self.folder, prefix=PARTIAL_PREFIX)  # 0600
            partial = Path(name)
            try:
                with source.open("rb") as reader, os.fdopen(handle, "wb") as writer:
                    while chunk := reader.read(CHUNK):
                        done += len(chunk)
                        if done > limit:  # the file grew while being read
                            raise DomainError(
                                f"« {source.name} » dépasse la limite de {_megabytes(limit)}."
                            )
                        digest.update(chunk)
                        writer.write(chunk)
                        if progress is not None and not progress(done, size):
                            raise Cancelled("Ajout annulé : aucun document n'a été joint.")
                    writer.flush()
                    os.fsync(writer.fileno())
                content_hash = digest.hexdigest()
                target = self.path_for(content_hash)
                if not _holds(target, content_hash):  # a file planted under the name goes
                    private_folder(target.parent)
                    partial.replace(target)
            finally:
                partial.unlink(missing_ok=True)
        except OSError as error:
            raise DomainError(
                f"Impossible de joindre « {source.name} » : {error.strerror}."
            ) from error
        return content_hash, done

    def discard(self, content_hashes: Iterable[str]) -> None:
        """Remove files no longer referenced (the caller checked that, after commit).

        Every hash is checked before any file is removed: one that is not refuses them all.
        """
        paths = [self.path_for(content_hash) for content_hash in content_hashes]
        for path in paths:
            path.unlink(missing_ok=True)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",").replace(",0 Mo", " Mo")
