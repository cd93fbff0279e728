"""The «Pipeline» tab as use cases: the dossier's submissions to banks — add, change,
delete — with the dossier's rights, version and state (an abandoned dossier is read-only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.changes import Change
from app.clock import now
from app.dossier.access import DossierCommands, read_only_for
from app.errors import DomainError, NotFound
from app.listing import bank_sort_key
from app.pipeline.submissions import (
    SubmissionData,
    SubmissionRow,
    chosen_bank,
    clean_submission,
)
from models.dossier import BankSubmission, Dossier, Simulation
from models.enums import SimulationStatus, SubmissionStatus
from models.office import Bank


@dataclass(frozen=True)
class Choice:
    id: int
    label: str
    contact: str = ""


@dataclass(frozen=True)
class PipelineInfo:
    dossier_id: int
    version: int
    read_only: bool
    submissions: tuple[SubmissionRow, ...]  # in the order they were made
    banks: tuple[Choice, ...]  # the office's active banks (and those already used)
    simulations: tuple[Choice, ...]  # the dossier's
    preferred_simulation: int | None = None  # the one the client validated, else the latest
    changed_id: int | None = None
    changes: Change = field(default=Change.NONE, compare=False)


CHANGED = "pipeline_changed"  # in a write session's info: the sending it added or changed


class PipelineService(DossierCommands[PipelineInfo]):
    def list(self, dossier_id: int) -> PipelineInfo:
        with self._db.read() as session:
            return self._result(session, self._visible(session, dossier_id))

    def save(
        self, dossier_id: int, version: int, submission_id: int | None, data: SubmissionData
    ) -> PipelineInfo:
        """Add a submission (`submission_id` None) or change one."""
        cleaned = clean_submission(data, self._today())

        def change(session: Session, dossier: Dossier) -> None:
            bank = session.get(Bank, cleaned.bank_id)
            if bank is None:
                raise DomainError("Cette banque n'existe plus dans les paramètres.", "bank")
            simulation = None
            if cleaned.simulation_id is not None:
                simulation = session.get(Simulation, cleaned.simulation_id)
                if simulation is None or simulation.dossier_id != dossier.id:
                    raise DomainError("Cette simulation n'existe plus.", "simulation")
            if submission_id is None:
                if not bank.is_active:
                    raise DomainError("Cette banque n'est plus active (Paramètres).", "bank")
                row = BankSubmission(dossier_id=dossier.id, created_at=now())
                session.add(row)
            else:
                row = self._own(session, dossier, submission_id)
            if submission_id is None or row.bank_id != bank.id:  # kept as it was when sent
                row.bank_name = bank.name
            row.bank_id = bank.id
            row.contact = cleaned.contact or _contact(bank)
            row.simulation_id = simulation.id if simulation else None
            row.simulation_name = simulation.name if simulation else ""
            row.status = cleaned.status
            row.sent_on = cleaned.sent_on
            row.answered_on = cleaned.answered_on
            row.amount_cents = cleaned.amount_cents
            row.rate_mpct = None if cleaned.rate is None else int(cleaned.rate * 1000)
            row.comment = cleaned.comment
            row.updated_at = now()
            session.flush()
            session.info[CHANGED] = row.id
            _keep_chosen_bank(session, dossier)

        return self._edit(dossier_id, version, change)

    def delete(self, dossier_id: int, version: int, submission_id: int) -> PipelineInfo:
        def change(session: Session, dossier: Dossier) -> None:
            session.delete(self._own(session, dossier, submission_id))
            session.flush()
            _keep_chosen_bank(session, dossier)

        return self._edit(dossier_id, version, change)

    def record_prepared(
        self, session: Session, dossier: Dossier, bank: Bank, simulation: Simulation | None
    ) -> BankSubmission:
        """Inside another use case's transaction (the sending prepared): a submission
        «Préparée» for this bank."""
        row = BankSubmission(
            dossier_id=dossier.id,
            bank_id=bank.id,
            bank_name=bank.name,
            contact=_contact(bank),
            simulation_id=simulation.id if simulation else None,
            simulation_name=simulation.name if simulation else "",
            status=SubmissionStatus.PREPARED,
            comment="Demande de prêt et pièces préparées pour l'envoi",
            created_at=now(),
            updated_at=now(),
        )
        session.add(row)
        session.flush()
        session.info[CHANGED] = row.id
        return row

    # --- helpers ---------------------------------------------------------------------

    def _own(self, session: Session, dossier: Dossier, submission_id: int) -> BankSubmission:
        row = session.get(BankSubmission, submission_id)
        if row is None or row.dossier_id != dossier.id:
            raise NotFound("Cet envoi n'existe plus (supprimé dans une autre fenêtre ?).")
        return row

    def _result(self, session: Session, dossier: Dossier) -> PipelineInfo:
        return self.info(session, dossier)

    def info(self, session: Session, dossier: Dossier) -> PipelineInfo:
        """The tab's read model, inside a caller's session (the sending prepared)."""
        rows = tuple(
            _row(r)
            for r in session.scalars(
                select(BankSubmission)
                .where(BankSubmission.dossier_id == dossier.id)
                .order_by(BankSubmission.id)
            )
        )
        used = {r.bank_id for r in rows if r.bank_id is not None}
        banks = tuple(
            Choice(b.id, f"{b.name} — {b.agency}" if b.agency else b.name, _contact(b))
            for b in session.scalars(
                select(Bank)
                .where(Bank.is_active | Bank.id.in_(used))
                .order_by(Bank.name, Bank.agency)
            )
        )
        simulations = tuple(Choice(s.id, s.name) for s in dossier.simulations)
        ordered = sorted(dossier.simulations, key=lambda s: (s.created_at, s.id))
        validated = [s for s in ordered if s.status is SimulationStatus.CLIENT_VALIDATED]
        preferred = (validated or ordered)[-1].id if ordered else None
        changed = session.info.pop(CHANGED, None)
        return PipelineInfo(
            dossier_id=dossier.id,
            version=dossier.version,
            read_only=read_only_for(self._user, dossier),
            submissions=rows,
            banks=banks,
            simulations=simulations,
            preferred_simulation=preferred,
            changed_id=changed,
        )


def _keep_chosen_bank(session: Session, dossier: Dossier) -> None:
    """The dossier's «Banque retenue» (shown in the Clients list) follows its sendings."""
    rows = [
        _row(r)
        for r in session.scalars(
            select(BankSubmission).where(BankSubmission.dossier_id == dossier.id)
        )
    ]
    dossier.chosen_bank = chosen_bank(rows)
    dossier.bank_sort = bank_sort_key(dossier.chosen_bank)


def _row(r: BankSubmission) -> SubmissionRow:
    return SubmissionRow(
        id=r.id,
        bank_id=r.bank_id,
        bank_name=r.bank_name,
        contact=r.contact,
        simulation_id=r.simulation_id,
        simulation_name=r.simulation_name,
        status=r.status,
        sent_on=r.sent_on,
        answered_on=r.answered_on,
        amount_cents=r.amount_cents,
        rate=None if r.rate_mpct is None else Decimal(r.rate_mpct) / 1000,
        comment=r.comment,
        updated_at=r.updated_at,
    )


def _contact(bank: Bank) -> str:
    return " — ".join(part for part in (bank.agency, bank.contact) if part)
