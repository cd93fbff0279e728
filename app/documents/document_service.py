"""A dossier's documents as use cases: list, attach (files copied into the store off the
screen's thread, then one transaction), rename, move between folders, link to an item of
«Pièces à fournir», delete; the checklist (ticked by hand or by a file); and the office's
list of «Pièces à fournir» and size limit, in «Paramètres» (`document_settings`).

Rights and state are the dossier's: seeing it lets one open its files; changing it (one's
own, or «Modifier tous les dossiers»; never an abandoned one) lets one attach, rename, move,
delete and tick. A file leaves the disk only when no row of any dossier refers to it."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import CurrentUser
from app.clock import now
from app.documents.checklist import SUBJECT, ChecklistLetter, Item
from app.documents.document_settings import DocumentSettings
from app.documents.dossier_documents import (
    CHANGED,
    DocumentsInfo,
    dossier_documents,
    expected_items,
)
from app.documents.files import check_attachment, safe_filename, title_from
from app.dossier import lifecycle
from app.dossier.access import DossierCommands
from app.dossier.removal import discard_orphan_files
from app.errors import DomainError, NotFound
from app.files import atomic_path, private_folder
from app.office.company import Company
from app.storage.database import Database
from app.storage.documents import DocumentStore
from app.text import format_date, person_name
from app.validation import clean_text
from models.dossier import Document, Dossier, RequirementTick
from models.enums import AuditAction, DocumentFolder
from models.office import User

TITLE_LIMIT = 200


class DocumentService(DocumentSettings, DossierCommands[DocumentsInfo]):
    def __init__(
        self,
        database: Database,
        user: CurrentUser,
        store: DocumentStore,
        viewing: Path,
        letterhead: Callable[[], tuple[Company, bytes | None]] = lambda: (Company(), None),
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(database, user, today)
        self._letterhead = letterhead  # the office's identity and logo, for the PDF
        self._store = store
        self._viewing = viewing  # where a file is copied, under its own name, to be opened

    def _result(self, session: Session, dossier: Dossier) -> DocumentsInfo:
        return dossier_documents(session, dossier, self._user)

    # --- reading ---------------------------------------------------------------------

    def list(self, dossier_id: int) -> DocumentsInfo:
        with self._db.read() as session:
            return self._result(session, self._visible(session, dossier_id))

    def _stored(self, document_id: int) -> tuple[str, str]:
        """The document's sha256 and file name (its rights checked)."""
        with self._db.read() as session:
            document = self._document(session, document_id)
            return document.content_hash, document.filename

    def content(self, document_id: int) -> tuple[bytes | bytearray | None, str]:
        """The document's bytes for the preview (decrypted in memory in an encrypted
        office; None when its file is gone from the disk) and its file name."""
        content_hash, filename = self._stored(document_id)
        try:
            return self._store.read(content_hash), filename
        except FileNotFoundError:
            return None, filename
        except OSError as error:
            raise DomainError(f"Le document n'a pas pu être lu : {error.strerror}.") from error

    def export(self, document_id: int, folder: Path) -> tuple[Path, str]:
        """The document in clear in the new file `folder/<id>` (0600), and its file name:
        what a sending to a bank packs."""
        content_hash, filename = self._stored(document_id)
        if not self._store.exists(content_hash):
            raise DomainError(f"Le fichier de « {filename} » est introuvable sur le disque.")
        target = folder / str(document_id)
        try:
            self._store.export(content_hash, target)
        except OSError as error:
            raise DomainError(
                f"« {filename} » n'a pas pu être copié : {error.strerror}."
            ) from error
        return target, filename

    def copy_for_viewing(self, document_id: int) -> Path:
        """A private copy of the file under its own name (so the system's viewer knows its
        kind), in a folder emptied at each start; the stored file is never handed out.

        The name is made safe again and the content checked again: a restored backup may
        hold a crafted row, and what is copied here is opened by a double-click."""
        content_hash, filename = self._stored(document_id)
        if not self._store.exists(content_hash):
            raise DomainError(
                "Le fichier de ce document est introuvable sur le disque : il a pu être "
                "effacé hors de Dossia. Demandez-le à nouveau au client."
            )
        name = safe_filename(filename)
        check_attachment(name, self._store.head(content_hash))
        folder = self._viewing / str(document_id)
        private_folder(folder)
        target = folder / name
        if target.parent != folder:
            raise DomainError("Nom de fichier invalide.")
        try:
            if target.exists():  # opened before: a fresh copy (the old one is read-only)
                target.chmod(0o600)
                target.unlink()
            self._store.export(content_hash, target)  # decrypted in an encrypted office
            target.chmod(0o400)  # a read-only copy: what the broker types there is not saved
        except OSError as error:
            raise DomainError(
                f"Le document n'a pas pu être préparé pour l'ouverture : {error.strerror} "
                "(est-il encore ouvert dans une autre application ?)."
            ) from error
        return target

    def clear_viewing_copies(self) -> None:
        """Remove the copies made for viewing (after the first paint and when the office
        closes); one still open in a viewer (Windows) stays until the next time."""
        if not self._viewing.is_dir():
            return
        for path in sorted(self._viewing.rglob("*"), reverse=True):
            try:
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()
                else:
                    if not path.is_symlink():
                        path.chmod(0o600)  # the copies are read-only
                    path.unlink(missing_ok=True)
            except OSError:
                continue

    def missing(self, dossier_id: int) -> Sequence[Item]:
        """What «Pièces à fournir» still lacks (asked before «Dossier complet» is ticked)."""
        return self.list(dossier_id).missing

    def checklist_letter(self, dossier_id: int) -> ChecklistLetter:
        """What the «Liste des pièces à fournir» says, read in one go."""
        company, logo = self._letterhead()
        info = self.list(dossier_id)
        with self._db.read() as session:
            dossier = self._visible(session, dossier_id)
            borrowers = tuple(person_name(b.first_name, b.last_name) for b in dossier.borrowers)
            owner = session.get(User, dossier.owner_id)
            broker = f"{owner.first_name} {owner.last_name}" if owner else ""
        return ChecklistLetter(
            company=company,
            logo=logo,
            dossier_number=info.number,
            borrowers=borrowers,
            missing=tuple(info.missing),
            received=len(info.checklist) - len(info.missing),
            broker=broker,
            printed_on=self._today(),
        )

    def write_checklist(
        self,
        dossier_id: int,
        target: Path,
        progress: Callable[[int, int], bool] | None = None,
    ) -> DocumentsInfo:
        """The «Liste des pièces à fournir» PDF into `target`, kept in the dossier's
        documents («Divers»), in place of the previous list."""
        from app.documents.checklist_pdf import write_checklist  # reportlab: 0.2 s

        letter = self.checklist_letter(dossier_id)

        def stop() -> bool:
            return progress is not None and not progress(50, 100)

        with atomic_path(target) as partial:
            write_checklist(letter, partial, stop)
        return self.keep(
            dossier_id,
            target,
            f"{SUBJECT} ({format_date(letter.printed_on)})",
            DocumentFolder.MISC,
            replaces=SUBJECT,
        )

    def keep(
        self,
        dossier_id: int,
        source: Path,
        title: str,
        folder: DocumentFolder,
        replaces: str | None = None,
    ) -> DocumentsInfo:
        """Keep a file Dossia made (a synthesis, a list) in the dossier's documents, on its
        latest version. `replaces`: the earlier file Dossia made under the same name and
        title (the previous list) goes — never a file the broker attached."""
        version = self.list(dossier_id).version
        info = self.attach(dossier_id, version, [source], folder)
        [added] = info.changed_ids
        hashes: set[str] = set()

        def change(session: Session, dossier: Dossier) -> None:
            document = self._own(session, dossier, added)
            document.title = clean_text(title, "title", "Titre", TITLE_LIMIT) or document.title
            if replaces:
                older = session.scalars(
                    select(Document).where(
                        Document.dossier_id == dossier.id,
                        Document.id != added,
                        Document.filename == document.filename,
                        Document.title.startswith(replaces, autoescape=True),
                    )
                ).all()
                for old in older:
                    hashes.add(old.content_hash)
                    session.delete(old)
                if older:
                    self._audit(
                        session,
                        AuditAction.DOCUMENT_DELETED,
                        dossier,
                        f"{document.filename} (remplacé par la nouvelle version)",
                    )
            session.info[CHANGED] = (added,)

        info = self._edit(dossier_id, info.version, change)
        discard_orphan_files(self._db, self._store, hashes)
        return info

    # --- changing --------------------------------------------------------------------

    def attach(
        self,
        dossier_id: int,
        version: int,
        sources: Sequence[Path],
        folder: DocumentFolder = DocumentFolder.SUPPORTING,
        answers: tuple[int, int] | None = None,
        progress: Callable[[int, int], bool] | None = None,
    ) -> DocumentsInfo:
        """Attach files: each checked (a program or a file over the limit refuses the whole
        drop, naming it), copied into the store, then all recorded in one transaction. If
        anything fails or is cancelled, nothing is recorded and no copy is left behind."""
        if not sources:
            raise DomainError("Aucun fichier à joindre.")
        self._check_may_attach(dossier_id)
        limit = self.size_limit_mb() * 1024 * 1024
        named = []
        total = 0
        for source in sources:
            name = safe_filename(source.name)
            try:
                if not source.is_file():
                    raise DomainError(f"« {name} » n'est pas un fichier : il n'a pas été joint.")
                with source.open("rb") as stream:
                    check_attachment(name, stream.read(8))
                total += source.stat().st_size
            except OSError as error:
                raise DomainError(f"Impossible de lire « {name} » : {error.strerror}.") from error
            named.append((source, name))
        stored: builtins.list[tuple[str, int, str]] = []
        done = 0
        try:
            for source, name in named:
                base = done

                def step(copied: int, _size: int, base: int = base) -> bool:
                    return progress is None or progress(base + copied, max(total, 1))

                def head(first: bytes, name: str = name) -> None:
                    check_attachment(name, first)  # on the bytes copied, not an earlier read

                content_hash, size = self._store.put(source, limit, step, head, hold=True)
                done += size
                stored.append((content_hash, size, name))

            def change(session: Session, dossier: Dossier) -> None:
                requirement = self._answer(session, dossier, answers)
                added = [
                    Document(
                        dossier_id=dossier.id,
                        title=title_from(name),
                        filename=name,
                        content_hash=content_hash,
                        size_bytes=size,
                        created_at=now(),
                        folder=folder,
                        requirement_id=requirement[0] if requirement else None,
                        borrower_rank=requirement[1] if requirement else 0,
                        added_by=self._user.id,
                    )
                    for content_hash, size, name in stored
                ]
                session.add_all(added)
                session.flush()
                session.info[CHANGED] = tuple(d.id for d in added)
                self._audit(
                    session,
                    AuditAction.DOCUMENTS_ADDED,
                    dossier,
                    ", ".join(name for _h, _s, name in stored)[:500],
                )

            info = self._edit(dossier_id, version, change)
        except BaseException:
            hashes = {h for h, _s, _n in stored}
            self._store.release(h for h, _s, _n in stored)
            discard_orphan_files(self._db, self._store, hashes)
            raise
        self._store.release(h for h, _s, _n in stored)
        return info

    def rename(self, dossier_id: int, version: int, document_id: int, title: str) -> DocumentsInfo:
        cleaned = clean_text(title, "title", "Titre", TITLE_LIMIT)
        if not cleaned:
            raise DomainError("Donnez un titre au document.", "title")

        def change(session: Session, dossier: Dossier) -> None:
            self._own(session, dossier, document_id).title = cleaned
            session.info[CHANGED] = (document_id,)

        return self._edit(dossier_id, version, change)

    def move(
        self, dossier_id: int, version: int, document_ids: Sequence[int], folder: DocumentFolder
    ) -> DocumentsInfo:
        def change(session: Session, dossier: Dossier) -> None:
            for document_id in document_ids:
                self._own(session, dossier, document_id).folder = folder
            session.info[CHANGED] = tuple(document_ids)

        return self._edit(dossier_id, version, change)

    def link(
        self,
        dossier_id: int,
        version: int,
        document_id: int,
        answers: tuple[int, int] | None,
    ) -> DocumentsInfo:
        """Say which item of «Pièces à fournir» a file answers (None: none)."""

        def change(session: Session, dossier: Dossier) -> None:
            document = self._own(session, dossier, document_id)
            requirement = self._answer(session, dossier, answers)
            document.requirement_id = requirement[0] if requirement else None
            document.borrower_rank = requirement[1] if requirement else 0
            session.info[CHANGED] = (document_id,)

        return self._edit(dossier_id, version, change)

    def delete(self, dossier_id: int, version: int, document_ids: Sequence[int]) -> DocumentsInfo:
        hashes: set[str] = set()

        def change(session: Session, dossier: Dossier) -> None:
            names = []
            for document_id in document_ids:
                document = self._own(session, dossier, document_id)
                hashes.add(document.content_hash)
                names.append(document.filename)
                session.delete(document)
            self._audit(session, AuditAction.DOCUMENT_DELETED, dossier, ", ".join(names)[:500])

        info = self._edit(dossier_id, version, change)
        discard_orphan_files(self._db, self._store, hashes)
        return info

    def tick(
        self, dossier_id: int, version: int, item: tuple[int, int], received: bool
    ) -> DocumentsInfo:
        """Tick an item by hand (received on paper, or not needed), or untick it. An item a
        file answers stays received until that file is unlinked or deleted."""
        requirement_id, rank = item

        def change(session: Session, dossier: Dossier) -> None:
            known = {i.key for i in expected_items(session, dossier)}
            if item not in known:
                raise DomainError("Cette pièce n'est plus demandée pour ce dossier.")
            existing = session.scalar(
                select(RequirementTick).where(
                    RequirementTick.dossier_id == dossier.id,
                    RequirementTick.requirement_id == requirement_id,
                    RequirementTick.borrower_rank == rank,
                )
            )
            if received and existing is None:
                session.add(
                    RequirementTick(
                        dossier_id=dossier.id,
                        requirement_id=requirement_id,
                        borrower_rank=rank,
                        ticked_on=self._today(),
                        user_id=self._user.id,
                    )
                )
            elif not received and existing is not None:
                session.delete(existing)

        return self._edit(dossier_id, version, change)

    # --- helpers ---------------------------------------------------------------------

    def _check_may_attach(self, dossier_id: int) -> None:
        """Refuse before copying anything when the user may not change the dossier."""
        with self._db.read() as session:
            dossier = self._for_change(session, dossier_id)
            lifecycle.check_can_edit(dossier.status)

    def _document(self, session: Session, document_id: int) -> Document:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFound("Ce document n'existe plus.")
        self._visible(session, document.dossier_id)
        return document

    def _own(self, session: Session, dossier: Dossier, document_id: int) -> Document:
        document = session.get(Document, document_id)
        if document is None or document.dossier_id != dossier.id:
            raise NotFound("Ce document n'existe plus (supprimé dans une autre fenêtre ?).")
        return document

    def _answer(
        self, session: Session, dossier: Dossier, answers: tuple[int, int] | None
    ) -> tuple[int, int] | None:
        """The item a file answers, if this dossier asks for it (else a refusal)."""
        if answers is None:
            return None
        if tuple(answers) not in {item.key for item in expected_items(session, dossier)}:
            raise DomainError("Cette pièce n'est plus demandée pour ce dossier.")
        return (answers[0], answers[1])
