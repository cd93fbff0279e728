"""The persons' rights as use cases: export a person's data, erase a person or a whole
dossier, purge the abandoned dossiers kept past their retention (`app.privacy.purge`). All
need «Données personnelles (RGPD)» (which comes with seeing and editing every dossier) and
are audited, without the person's name: the log keeps the dossier's number and what was
done."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.clock import now
from app.dossier.access import DossierCommands, keep_in_step, refresh_list_columns
from app.dossier.comment_service import forget_borrower, sync_automatic_comments
from app.dossier.household_service import forget_borrower_covers
from app.dossier.removal import delete_dossiers, discard_orphan_files
from app.errors import Cancelled, DomainError, NotFound
from app.files import atomic_path, atomic_write, private_folder
from app.office.company import Company
from app.office.permissions import write_as
from app.privacy import person_report as report
from app.privacy.privacy import (
    PersonKeys,
    check_export_folder,
    mention_patterns,
    redact,
)
from app.privacy.purge import AbandonedDossiersPurge
from app.richtext import sanitize
from app.storage.database import Database
from app.storage.documents import DocumentStore
from app.text import person_name
from models.carry import CarryConflict
from models.dossier import Borrower, Comment, Document, Dossier
from models.enums import AuditAction, DocumentFolder, Right
from models.office import Provenance, Referrer, Step, User

ROLES = {1: "Porteur de projet", 2: "Co-emprunteur"}
OTHER_BORROWER = "[autre emprunteur]"  # the other borrower's mentions, in an export
EXPORT_NAME = "donnees-personnelles"


@dataclass(frozen=True)
class PersonChoice:
    borrower_id: int
    rank: int
    role: str
    name: str


@dataclass(frozen=True)
class PersonMatch:
    """Another dossier where the person may appear."""

    borrower_id: int
    dossier_id: int
    number: str
    role: str
    status: str
    birth_date: dt.date | None
    city: str
    sure: bool


@dataclass(frozen=True)
class PersonExport:
    folder: Path
    pdf: Path
    json: Path
    dossier_numbers: tuple[str, ...]
    documents: int


@dataclass(frozen=True)
class ErasedPerson:
    number: str
    whole_dossier: bool
    role: str = ""
    mentions: int = 0


class ExportCancelled(Cancelled):
    def __init__(self) -> None:
        super().__init__("Export annulé : rien n'a été enregistré.")


class PrivacyService(AbandonedDossiersPurge, DossierCommands[None]):
    def __init__(
        self,
        database: Database,
        user: CurrentUser,
        documents: DocumentStore,
        company: Callable[[], Company],
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(database, user, today)
        self._documents = documents
        self._company = company

    # --- who is in a dossier --------------------------------------------------------------

    def people(self, dossier_id: int) -> list[PersonChoice]:
        self._user.require(Right.PERSONAL_DATA)
        with self._db.read() as session:
            dossier = self._visible(session, dossier_id)
            return [
                PersonChoice(b.id, b.rank, ROLES[b.rank], person_name(b.first_name, b.last_name))
                for b in sorted(dossier.borrowers, key=lambda b: b.rank)
            ]

    def matches(self, dossier_id: int, borrower_id: int) -> list[PersonMatch]:
        """The other dossiers where this person may appear, for the manager to confirm:
        `sure` when the birth date or the e-mail agrees too, otherwise a homonym to check."""
        self._user.require(Right.PERSONAL_DATA)
        with self._db.read() as session:
            self._visible(session, dossier_id)
            person = _borrower(session, dossier_id, borrower_id)
            keys = _keys(person)
            return [
                PersonMatch(
                    borrower_id=borrower.id,
                    dossier_id=dossier.id,
                    number=dossier.number,
                    role=ROLES[borrower.rank],
                    status=dossier.status.label,
                    birth_date=borrower.birth_date,
                    city=borrower.city,
                    sure=keys.surely_same(_keys(borrower)),
                )
                for dossier, borrower in _same_person(self._db, session, keys)
                if dossier.id != dossier_id
            ]

    # --- export (right of access) ---------------------------------------------------------

    def export_person(
        self,
        dossier_id: int,
        borrower_id: int,
        folder: Path,
        also: Sequence[int] = (),
        progress: Callable[[int, int], bool] = lambda done, total: True,
    ) -> PersonExport:
        """Everything the office holds about a borrower of the dossier, and about the same
        person in the other dossiers the manager confirmed (`also`: borrower ids among
        `matches`): a PDF and a JSON in a new folder inside `folder`, with a copy of the
        documents of the dossiers where the person is the only borrower.

        The other borrower of a shared dossier is named only; their name, e-mail and phone
        are masked in its free text. `progress(done, total)` (percent) returning False
        cancels: nothing is left behind (ExportCancelled)."""
        check_export_folder(folder)
        with write_as(self._db, self._user, Right.PERSONAL_DATA):
            pass  # the account and its right, as the database knows them now

        def stop(done: int = 0) -> bool:
            return not progress(done, 100)

        company = self._company()
        with self._db.read() as session:
            self._visible(session, dossier_id)
            person = _borrower(session, dossier_id, borrower_id)
            keys = _keys(person)
            confirmed = set(also)
            found = [(session.get_one(Dossier, dossier_id), person)] + [
                (dossier, borrower)
                for dossier, borrower in _same_person(self._db, session, keys)
                if borrower.id in confirmed and dossier.id != dossier_id
            ]
            parts, documents, numbers = [], [], []
            for index, (dossier, borrower) in enumerate(found, start=1):
                shared = len(dossier.borrowers) > 1
                folder_name = _safe(dossier.number)
                paths = {
                    doc.id: f"Documents/{folder_name}/{doc.id}-{_safe(doc.filename)}"
                    for doc in dossier.documents
                    if not shared
                }
                documents += [
                    (d.content_hash, paths[d.id]) for d in dossier.documents if d.id in paths
                ]
                parts.append(self._part(session, dossier, borrower, paths))
                numbers.append((dossier.id, dossier.number, ROLES[borrower.rank]))
                if stop(20 * index // len(found)):
                    raise ExportCancelled
            name = person_name(person.first_name, person.last_name)
            result = report.PersonReport(
                person=name,
                office=company.name,
                exported_at=now().replace(microsecond=0),
                exported_by=self._user.display_name,
                dossiers=tuple(parts),
                documents=tuple(documents),
            )
        target = _new_folder(folder, f"Données personnelles - {_safe(name)} - {self._today()}")
        try:
            pdf, data = self._write(result, company, target, stop)
            with write_as(self._db, self._user, Right.PERSONAL_DATA) as session:
                for exported_id, number, role in numbers:
                    audit.record(
                        session,
                        self._user,
                        AuditAction.PERSON_EXPORTED,
                        dossier_id=exported_id,
                        dossier_number=number,
                        details=f"{role} ; {len(numbers)} dossier(s)",
                    )
        except BaseException:
            _remove_tree(target)  # nothing leaves the office unaudited
            raise
        return PersonExport(target, pdf, data, tuple(n for _, n, _ in numbers), len(documents))

    def _part(
        self, session: Session, dossier: Dossier, borrower: Borrower, paths: dict[int, str]
    ) -> report.DossierPart:
        other = next((b for b in dossier.borrowers if b.id != borrower.id), None)
        comments = list(session.scalars(select(Comment).where(Comment.dossier_id == dossier.id)))
        authors = {c.author_id for c in comments if c.author_id is not None}
        names = (
            dict(
                session.execute(
                    select(User.id, User.first_name + " " + User.last_name).where(
                        User.id.in_(authors)
                    )
                ).all()
            )
            if authors
            else {}
        )
        owner = session.get_one(User, dossier.owner_id)
        referrer = session.get(Referrer, dossier.referrer_id) if dossier.referrer_id else None
        facts = report.DossierFacts(
            status=dossier.status.label,
            step=session.get_one(Step, dossier.step_id).name,
            broker=owner.display_name,
            provenance=session.get_one(Provenance, dossier.provenance_id).name,
            referrer=referrer.name if referrer else "",
            other_borrower=person_name(other.first_name, other.last_name) if other else "",
            author_names=names,
        )
        if other is not None:
            patterns = mention_patterns(_keys(other), (_keys(borrower),))
            facts = dataclasses.replace(
                facts, mask=lambda text: redact(text, patterns, OTHER_BORROWER)[0]
            )
        sections = [
            report.identity(borrower),
            report.work(borrower),
            report.dossier_section(dossier, facts),
            *report.household_sections(dossier),
            *report.work_sections(dossier, comments, facts, paths),
        ]
        return report.DossierPart(dossier.number, ROLES[borrower.rank], tuple(sections))

    def _write(
        self,
        result: report.PersonReport,
        company: Company,
        target: Path,
        stop: Callable[[int], bool],
    ) -> tuple[Path, Path]:
        from app.pdf.house import Stopped
        from app.privacy.person_pdf import write_pdf

        data = target / f"{EXPORT_NAME}.json"
        with atomic_write(data) as stream:
            json.dump(result.to_json(), stream, ensure_ascii=False, indent=2)
        pdf = target / f"{EXPORT_NAME}.pdf"
        try:
            with atomic_path(pdf) as partial:
                write_pdf(result, company, partial, lambda: stop(40))
        except Stopped:
            raise ExportCancelled from None
        inside = target.resolve()
        for index, (content_hash, relative) in enumerate(result.documents):
            if stop(70 + 30 * index // len(result.documents)):
                raise ExportCancelled
            copy = target / relative
            if not copy.resolve().is_relative_to(inside):  # never written outside the export
                continue
            if self._documents.exists(content_hash):  # decrypted in an encrypted office
                content = self._documents.read(content_hash)
                with atomic_write(copy, binary=True) as stream:
                    stream.write(content)
        return pdf, data

    # --- erasure (right to be forgotten) --------------------------------------------------

    def erase_person(self, dossier_id: int, borrower_id: int) -> ErasedPerson:
        """Erase one borrower from a dossier they no longer belong to: their row, their
        automatic comments, and their name, e-mail and phone wherever the dossier's free
        text mentions them (comments, notepad, details, document titles). The other
        borrower stays, and becomes the porteur de projet if the porteur goes.

        The dossier's last contact is not moved: an erasure does not restart the clock of
        its retention."""
        self._user.require(Right.PERSONAL_DATA)
        with self._db.write() as session:
            dossier = self._for_change(session, dossier_id, Right.PERSONAL_DATA)
            person = next((b for b in dossier.borrowers if b.id == borrower_id), None)
            if person is None:
                raise NotFound("Cette personne ne figure plus dans le dossier.")
            if len(dossier.borrowers) == 1:
                raise DomainError("C'est la seule personne du dossier : effacez le dossier entier.")
            rank = person.rank
            others = tuple(_keys(b) for b in dossier.borrowers if b.id != borrower_id)
            mentions = _redact_dossier(session, dossier, mention_patterns(_keys(person), others))
            # The files that answer this person's pieces (identity card, payslips) are his;
            # the PDFs Dossia made for the dossier (loan requests, syntheses) present him.
            own = session.scalars(
                select(Document).where(
                    Document.dossier_id == dossier.id,
                    or_(
                        and_(
                            Document.requirement_id.is_not(None),
                            Document.borrower_rank == rank,
                        ),
                        and_(
                            Document.folder == DocumentFolder.REQUESTS,
                            or_(
                                Document.title.startswith("Demande de prêt"),
                                Document.title.startswith("Synthèse de financement"),
                            ),
                        ),
                    ),
                )
            ).all()
            hashes = {document.content_hash for document in own}
            for document in own:
                session.delete(document)
            forget_borrower(session, dossier.id, rank)
            forget_borrower_covers(session, dossier.id, rank)
            # Both values of a field settled on a laptop's return may be theirs: they go
            # (the audit log keeps that a choice was made, never the values).
            session.execute(delete(CarryConflict).where(CarryConflict.dossier_id == dossier.id))
            dossier.borrowers.remove(person)
            session.flush()
            for other in dossier.borrowers:
                other.rank = 1
            dossier.version += 1
            session.flush()
            refresh_list_columns(dossier)
            sync_automatic_comments(session, dossier, self._today())
            keep_in_step(self._db, session, dossier)  # incomes and insurance gone
            self._audit(
                session,
                AuditAction.PERSON_ERASED,
                dossier,
                details=f"{ROLES[rank]} ; {mentions} mention(s) effacée(s) ; "
                f"{len(own)} document(s) de la personne",
            )
            number = dossier.number
        discard_orphan_files(self._db, self._documents, hashes)
        self._db.scrub_deleted()
        return ErasedPerson(number, False, ROLES[rank], mentions)

    def erase_dossier(self, dossier_id: int) -> ErasedPerson:
        """Erase the dossier and everything attached, its files included."""
        self._user.require(Right.PERSONAL_DATA)
        with self._db.write() as session:
            dossier = self._for_change(session, dossier_id, Right.PERSONAL_DATA)
            number = dossier.number
            hashes = delete_dossiers(session, [dossier.id])
            audit.record(
                session,
                self._user,
                AuditAction.PERSON_ERASED,
                dossier_id=dossier_id,
                dossier_number=number,
                details="Dossier entier",
            )
        discard_orphan_files(self._db, self._documents, hashes)
        self._db.scrub_deleted()
        return ErasedPerson(number, True)


# --- helpers -------------------------------------------------------------------------------


def _borrower(session: Session, dossier_id: int, borrower_id: int) -> Borrower:
    borrower = session.scalar(
        select(Borrower).where(Borrower.dossier_id == dossier_id, Borrower.id == borrower_id)
    )
    if borrower is None:
        raise NotFound("Cette personne ne figure plus dans le dossier.")
    return borrower


def _keys(borrower: Borrower) -> PersonKeys:
    return PersonKeys(
        borrower.first_name,
        borrower.last_name,
        borrower.birth_date,
        borrower.email,
        borrower.phone,
    )


def _same_person(
    database: Database, session: Session, keys: PersonKeys
) -> list[tuple[Dossier, Borrower]]:
    """Every (dossier, borrower) of the office that may be this person, by dossier number.
    The search index narrows it to the dossiers naming them (a millisecond at 300,000
    dossiers); the exact rule (`PersonKeys.same_person`) runs on their borrowers."""
    candidates = database.dossiers_naming(session, keys.first_name, keys.last_name)
    found = []
    for start in range(0, len(candidates), 500):
        borrowers = session.scalars(
            select(Borrower).where(Borrower.dossier_id.in_(candidates[start : start + 500]))
        )
        found += [
            (session.get_one(Dossier, borrower.dossier_id), borrower)
            for borrower in borrowers
            if keys.same_person(_keys(borrower))
        ]
    return sorted(found, key=lambda pair: (pair[0].number, pair[1].rank))


def _redact_dossier(session: Session, dossier: Dossier, patterns: list[re.Pattern[str]]) -> int:
    """Replace the person's mentions in the dossier's free text; how many there were.
    Rich text is sanitised again (a mention may have spanned formatting tags)."""
    total = 0
    note, count = redact(dossier.internal_note or "", patterns)
    if count:
        dossier.internal_note = sanitize(note)
        total += count
    for attribute in ("abandon_detail", "provenance_detail"):
        value, count = redact(getattr(dossier, attribute) or "", patterns)
        if count:
            setattr(dossier, attribute, value)
            total += count
    for document in dossier.documents:
        title, in_title = redact(document.title, patterns)
        filename, in_name = redact(document.filename, patterns)
        if in_title or in_name:
            document.title, document.filename = title[:200], filename[:255]
            total += in_title + in_name
    for submission in dossier.submissions:
        said, count = redact(submission.comment, patterns)
        if count:
            submission.comment = said[:1000]
            total += count
    for comment in session.scalars(select(Comment).where(Comment.dossier_id == dossier.id)):
        body, count = redact(comment.body, patterns)
        if count:
            comment.body = sanitize(body)
            comment.updated_at = now()
            total += count
    return total


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _safe(name: str) -> str:
    """A file or folder name valid on Windows and Linux."""
    return _UNSAFE.sub("_", name).strip(" .")[:120] or "sans-nom"


def _new_folder(parent: Path, name: str) -> Path:
    target = parent / name
    number = 2
    while target.exists():
        target = parent / f"{name} ({number})"
        number += 1
    private_folder(target)
    return target


def _remove_tree(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
