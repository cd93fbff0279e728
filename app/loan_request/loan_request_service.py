"""«Demande de prêt»: the PDF a bank reads, and «Préparer l'envoi à une banque» — the PDF and
the chosen documents in one folder or ZIP with readable names, kept in the dossier and
recorded as a sending «Préparée» in its «Pipeline» tab, in one transaction."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session

from app.auth import CurrentUser
from app.clock import now
from app.documents.document_service import DocumentService
from app.dossier.access import DossierCommands
from app.dossier.dossier_service import DossierService
from app.dossier.household_service import HouseholdService
from app.dossier.removal import discard_orphan_files
from app.dossier.situation import ItemKind
from app.dossier.situation_service import SituationService
from app.errors import Cancelled, DomainError, NotFound
from app.files import atomic_path, private_folder
from app.loan_request.request_data import (
    SUBJECT,
    LoanRequestData,
    borrower_sheet,
    children_table,
    fitted,
    plain_name,
    sending_names,
    situation_tables,
)
from app.pipeline.pipeline_service import PipelineInfo, PipelineService
from app.privacy.privacy import contact_patterns, redact
from app.simulation.simulation_service import SimulationService
from app.storage.database import Database
from app.storage.documents import DocumentStore
from app.text import format_date
from models.dossier import Document, Dossier, Simulation
from models.enums import AuditAction, DocumentFolder
from models.office import Bank

MASKED = "[coordonnée masquée]"


@dataclass(frozen=True)
class Sending:
    """A sending prepared: where it is, the files in it, and the «Pipeline» tab after."""

    path: Path
    files: tuple[str, ...]
    pipeline: PipelineInfo


@dataclass(frozen=True)
class Services:
    """The services a loan request reads the dossier through (each checks the rights)."""

    dossiers: DossierService
    household: HouseholdService
    situation: SituationService
    simulations: SimulationService
    documents: DocumentService
    pipeline: PipelineService


class LoanRequestService(DossierCommands[PipelineInfo]):
    def __init__(
        self,
        database: Database,
        user: CurrentUser,
        store: DocumentStore,
        services: Services,
        today: Callable[[], dt.date] = dt.date.today,
        scratch: Path | None = None,
    ) -> None:
        super().__init__(database, user, today)
        self._store = store
        self._services = services
        # Where a sending is put together (the documents in clear): the data folder's
        # copies for the viewer, emptied at each start, rather than the system's temporary
        # folder, which nothing sweeps after a crash.
        self._scratch = scratch

    # --- the PDF -----------------------------------------------------------------------

    def simulation_for(self, dossier_id: int, simulation_id: int | None = None) -> int:
        """The simulation a request presents: the one given, else the one the client
        validated, else the latest."""
        s = self._services
        try:
            chosen = (
                simulation_id if simulation_id is not None else s.simulations.preferred(dossier_id)
            )
        except NotFound as missing:
            raise DomainError(
                missing.message + " La demande de prêt présente son plan de financement."
            ) from missing
        if chosen not in {sim.id for sim in s.dossiers.get(dossier_id).simulations}:
            raise DomainError("Cette simulation n'est pas celle de ce dossier.")
        return chosen

    def data(
        self,
        dossier_id: int,
        simulation_id: int | None = None,
        document_ids: Sequence[int] | None = None,
    ) -> LoanRequestData:
        """What the request says, read in one go. `document_ids`: the documents sent with it
        (by default, the supporting ones). When the dossier hides the borrowers' contact
        details, they are masked wherever typed text repeats them (notes, titles)."""
        s = self._services
        detail = s.dossiers.get(dossier_id)
        synthesis = s.simulations.synthesis(self.simulation_for(dossier_id, simulation_id))
        household = s.household.get(dossier_id)
        situation = s.situation.get(dossier_id)
        documents = s.documents.list(dossier_id)
        today = self._today()
        hide = detail.hide_contacts
        mask = _masker(household.borrowers if hide else ())
        if hide:
            synthesis = replace(
                synthesis,
                notes=tuple(replace(n, body=mask(n.body)) for n in synthesis.notes),
            )
        sent = [
            d
            for d in documents.documents
            if (
                d.id in document_ids
                if document_ids is not None
                else d.folder is DocumentFolder.SUPPORTING
            )
        ]
        listed = tuple(
            mask(d.title + (f" ({d.answers})" if d.answers and d.answers != d.title else ""))
            for d in sent
        )
        return LoanRequestData(
            synthesis=synthesis,
            hide_contacts=hide,
            borrowers=tuple(
                borrower_sheet(b, rank, hide, today)
                for rank, b in enumerate(household.borrowers, start=1)
            ),
            children=children_table([c.data for c in household.children], today),
            situation=situation_tables(
                [i.data for i in situation.items[ItemKind.LOAN]],
                [i.data for i in situation.items[ItemKind.CHARGE]],
                [i.data for i in situation.items[ItemKind.REAL_ESTATE]],
                [i.data for i in situation.items[ItemKind.SAVINGS]],
            ),
            documents=listed,
            broker=detail.owner.label,
        )

    def write_pdf(
        self,
        dossier_id: int,
        target: Path,
        simulation_id: int | None = None,
        stop: Callable[[], bool] | None = None,
        document_ids: Sequence[int] | None = None,
    ) -> Path:
        """The request's PDF into `target` (written whole, or not at all)."""
        from app.loan_request.request_pdf import write_request  # reportlab: 0.2 s

        data = self.data(dossier_id, simulation_id, document_ids)
        with atomic_path(target) as partial:
            write_request(data, partial, stop)
        return target

    # --- the sending -------------------------------------------------------------------

    def prepare_sending(
        self,
        dossier_id: int,
        version: int,
        bank_id: int,
        simulation_id: int | None,
        document_ids: Sequence[int],
        target: Path,
        progress: Callable[[int, int], bool] | None = None,
    ) -> Sending:
        """The request and the chosen documents into `target` — a folder or a file ending in
        «.zip»; a number is added to its name if it exists, nothing is ever replaced —, the
        request kept in the dossier («Demandes de prêt et simulations») and a sending
        «Préparée» recorded for the bank with the simulation presented. The files take
        their names only once the sending is recorded: if anything fails or is cancelled,
        nothing is recorded and nothing is left."""
        s = self._services
        info = s.documents.list(dossier_id)
        if info.read_only:
            raise DomainError("Ce dossier est en lecture seule : aucun envoi ne peut être préparé.")
        known = {d.id: d for d in info.documents}
        chosen = [known[i] for i in dict.fromkeys(document_ids) if i in known]
        if len(chosen) != len(set(document_ids)):
            raise DomainError("Un des documents choisis n'existe plus dans ce dossier.")
        if not target.parent.is_dir():
            raise DomainError(f"Le répertoire « {target.parent} » n'existe pas.", "destination")
        presented = self.simulation_for(dossier_id, simulation_id)
        with self._db.read() as session:
            bank = session.get(Bank, bank_id)
            if bank is None or not bank.is_active:
                raise DomainError("Choisissez une banque active (Paramètres › Banques).", "bank")
            bank_name = bank.name
        steps = len(chosen) + 3  # the request, each file, and the recording

        def step(done: int) -> None:
            if progress is not None and not progress(done, steps):
                raise Cancelled("Préparation annulée : aucun envoi n'a été enregistré.")

        number = info.number
        today = self._today()
        household = s.household.get(dossier_id)
        mask = _masker(household.borrowers if s.dossiers.get(dossier_id).hide_contacts else ())
        request_name = fitted(plain_name(f"{SUBJECT} {number} - {bank_name} - {today}"), ".pdf")
        if self._scratch is not None:
            private_folder(self._scratch)
        scratch = Path(tempfile.mkdtemp(prefix="dossia-envoi-", dir=self._scratch))
        stored: list[str] = []
        partial: Path | None = None
        try:
            request = self.write_pdf(
                dossier_id, scratch / request_name, presented, document_ids=[d.id for d in chosen]
            )
            step(1)
            sources = [(f"{SUBJECT} - {bank_name}", request.name, request)]
            for document in chosen:
                path, filename = s.documents.export(document.id, scratch)
                sources.append((mask(document.title), filename, path))
            names = sending_names(number, [(title, name) for title, name, _p in sources])
            files = [(name, path) for name, (_t, _n, path) in zip(names, sources, strict=True)]
            final = _free(target)
            partial = _write_sending(final, files, step)
            content_hash, size = self._store.put(request, hold=True)
            stored.append(content_hash)

            def change(session: Session, dossier: Dossier) -> None:
                simulation = session.get(Simulation, presented)
                if simulation is None or simulation.dossier_id != dossier.id:
                    raise DomainError("Cette simulation n'est pas celle de ce dossier.")
                bank_row = session.get(Bank, bank_id)
                if bank_row is None:
                    raise DomainError("Cette banque n'existe plus dans les paramètres.", "bank")
                kept = Document(
                    dossier_id=dossier.id,
                    title=f"{SUBJECT} — {bank_name} — {format_date(today)}"[:200],
                    filename=request.name,
                    content_hash=content_hash,
                    size_bytes=size,
                    created_at=now(),
                    folder=DocumentFolder.REQUESTS,
                    borrower_rank=0,
                    added_by=self._user.id,
                )
                session.add(kept)
                s.pipeline.record_prepared(session, dossier, bank_row, simulation)
                count = len(chosen)
                self._audit(
                    session,
                    AuditAction.DOCUMENTS_ADDED,
                    dossier,
                    f"Envoi préparé pour {bank_name} : la demande de prêt et {count} "
                    f"pièce{'s' * (count > 1)} ({final.name})",
                )

            pipeline = self._edit(dossier_id, version, change)
            partial.rename(final)  # recorded: the sending takes its name
            partial = None
        except BaseException:
            self._store.release(stored)
            discard_orphan_files(self._db, self._store, set(stored))
            if partial is not None:  # not recorded: not left either
                if partial.is_dir():
                    shutil.rmtree(partial, ignore_errors=True)
                else:
                    partial.unlink(missing_ok=True)
            raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        self._store.release(stored)
        if progress is not None:
            progress(steps, steps)  # done: a «Cancel» now changes nothing
        return Sending(final, tuple(names), pipeline)

    def _result(self, session: Session, dossier: Dossier) -> PipelineInfo:
        return self._services.pipeline.info(session, dossier)


def _write_sending(final: Path, files: list[tuple[str, Path]], step: Callable[[int], None]) -> Path:
    """The files under their names, into a folder or a ZIP archive beside `final`, under a
    temporary name (the caller renames it once the sending is recorded); returns it."""
    partial = final.with_name(final.name + ".partiel")
    try:
        if final.suffix.lower() == ".zip":
            with zipfile.ZipFile(partial, "x", zipfile.ZIP_DEFLATED) as archive:
                for index, (name, path) in enumerate(files, start=2):
                    archive.write(path, arcname=name)
                    step(index)
        else:
            private_folder(partial)
            for index, (name, path) in enumerate(files, start=2):
                shutil.copyfile(path, partial / name)
                step(index)
    except BaseException:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)
        raise
    return partial


def _free(target: Path) -> Path:
    """`target`, or «target (2)», «(3)»… (before a «.zip») if it exists: nothing replaced."""
    zip_suffix = target.suffix if target.suffix.lower() == ".zip" else ""
    stem = target.name[: -len(zip_suffix)] if zip_suffix else target.name
    candidate, copy = target, 2
    while candidate.exists() or candidate.with_name(candidate.name + ".partiel").exists():
        candidate = target.with_name(f"{stem} ({copy}){zip_suffix}")
        copy += 1
    return candidate


def _masker(borrowers) -> Callable[[str], str]:
    """Masks the borrowers' e-mail, phone and street address in a text (none: unchanged)."""
    patterns = [
        pattern
        for borrower in borrowers
        for pattern in contact_patterns(borrower.email, borrower.phone, borrower.address)
    ]

    def mask(text: str) -> str:
        return redact(text, patterns, MASKED)[0] if patterns else text

    return mask
