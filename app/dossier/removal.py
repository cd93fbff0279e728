"""Dossiers erased for good, whoever asks (a deletion, a GDPR erasure, a purge): their rows
in the caller's transaction, then, once committed, the document files no row refers to."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.errors import Cancelled
from app.storage.database import Database
from app.storage.documents import DocumentStore
from models.dossier import Document, Dossier


def delete_dossiers(
    session: Session,
    dossier_ids: list[int],
    progress: Callable[[int, int], bool] = lambda done, total: True,
) -> set[str]:
    """Delete dossiers and everything attached to them (the foreign keys cascade), inside the
    caller's transaction. Returns the hashes of their documents' files: once committed, hand
    them to `discard_orphan_files`. `progress(done, total)` returning False stops it with
    `Cancelled`: the caller's transaction then changes nothing."""
    hashes: set[str] = set()
    for start in range(0, len(dossier_ids), 500):  # SQLite's bound-parameter limit
        if not progress(start, len(dossier_ids)):
            raise Cancelled("Effacement annulé : aucun dossier n'a été effacé.")
        chunk = dossier_ids[start : start + 500]
        hashes.update(
            session.scalars(select(Document.content_hash).where(Document.dossier_id.in_(chunk)))
        )
        session.execute(delete(Dossier).where(Dossier.id.in_(chunk)))
    return hashes


def discard_orphan_files(database: Database, documents: DocumentStore, hashes: set[str]) -> None:
    """After a commit: remove from the disk the files no document row refers to any more."""
    if not hashes:
        return
    with database.read() as session:
        still_used = set(
            session.scalars(
                # Each hash once, however many documents share it (the same file attached
                # to many dossiers; the demo office's samples: 1.75 million rows otherwise).
                select(Document.content_hash).where(Document.content_hash.in_(hashes)).distinct()
            )
        )
    documents.discard(hashes - still_used)
