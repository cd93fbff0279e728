"""Use cases of the client file. One method, one transaction, rights checked here."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.changes import Change
from app.clock import now
from app.dossier import lifecycle
from app.dossier.access import (
    DossierCommands,
    refresh_list_columns,
    touch,
)
from app.dossier.dossier_detail import dossier_detail
from app.dossier.readmodels import DossierDetail
from app.dossier.removal import delete_dossiers, discard_orphan_files
from app.errors import DomainError
from app.listing import NO_BANK_SORT
from app.office.counters import next_number
from app.richtext import MAX_LENGTH as NOTE_MAX_LENGTH
from app.richtext import sanitize
from app.storage.database import Database
from app.storage.documents import DocumentStore
from app.validation import clean_text
from models.dossier import (
    BankSubmission,
    Borrower,
    Document,
    Dossier,
    RequirementTick,
    Simulation,
    SimulationLine,
    StepChange,
)
from models.enums import (
    AbandonReason,
    AuditAction,
    Deferral,
    DossierStatus,
    InvoiceKind,
    InvoiceState,
    LineKind,
    Right,
    SimulationStatus,
)
from models.office import Invoice, Payment, Provenance, Referrer, Step, User

NAME_MAX = 100


STATUS_CHANGED = Change.STATUS | Change.LIST_ROW | Change.SUMMARY


class DossierFlag(enum.Enum):
    COMPLETE = "is_complete"
    HIDE_CONTACTS = "hide_contacts"
    NO_FEES = "no_fees"
    NO_BANK_COMMISSION = "no_bank_commission"
    NO_REBATE = "no_rebate"


class DossierDate(enum.Enum):
    CREATED = "created_on"
    CLIENT_AGREEMENT = "client_agreement_on"
    OFFER_SIGNED = "offer_signed_on"
    DEED_SIGNED = "deed_signed_on"
    FUNDS_RELEASED = "funds_released_on"


def _check_fees_follow_release(session: Session, dossier_id: int, released: dt.date | None) -> None:
    """Fees invoiced or paid rest on the release of the funds (L519-6): its date cannot then
    be cleared, nor moved after the fees were invoiced or paid."""
    issued = session.scalar(
        select(func.min(Invoice.issued_on)).where(
            Invoice.dossier_id == dossier_id,
            Invoice.kind == InvoiceKind.FEES,
            Invoice.state != InvoiceState.DRAFT,
        )
    )
    if issued is None:
        return
    paid = session.scalar(
        select(func.min(Payment.paid_on))
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Invoice.dossier_id == dossier_id, Invoice.kind == InvoiceKind.FEES)
    )
    first = min(d for d in (issued, paid) if d is not None)
    if released is None or released > first:
        raise DomainError(
            f"Des honoraires ont été facturés le {first:%d/%m/%Y} sur la foi de cette date "
            "de déblocage des fonds (article L519-6) : elle ne peut plus être effacée ni "
            "reculée après cette date. Un avoir annule la facture si elle était erronée.",
            field="funds_released_on",
        )


@dataclass(frozen=True)
class NewDossier:
    status: DossierStatus
    last_name: str
    first_name: str
    owner_id: int
    provenance_id: int | None
    civility: str = ""
    provenance_detail: str = ""
    referrer_id: int | None = None
    co_last_name: str = ""
    co_first_name: str = ""
    created_on: dt.date | None = None


@dataclass(frozen=True)
class DeletedDossier:
    number: str


class DossierService(DossierCommands[DossierDetail]):
    def __init__(
        self,
        database: Database,
        user: CurrentUser,
        documents: DocumentStore,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(database, user, today)
        self._documents = documents
        self.machine_prefix = ""  # this laptop's numbering prefix (see app.numbering)

    def _result(self, session: Session, dossier: Dossier) -> DossierDetail:
        return dossier_detail(session, dossier, self._user)

    # --- reading -----------------------------------------------------------------------

    def get(self, dossier_id: int) -> DossierDetail:
        with self._db.read() as session:
            return dossier_detail(session, self._visible(session, dossier_id), self._user)

    def versions(self, dossier_ids: Iterable[int]) -> dict[int, int]:
        """The current version of each of these dossiers this user may see (one query: what
        open windows compare with theirs when another computer has saved something); a
        dossier gone, or no longer visible, is absent."""
        ids = list(dossier_ids)
        if not ids:
            return {}
        query = select(Dossier.id, Dossier.version).where(Dossier.id.in_(ids))
        if not self._user.can(Right.VIEW_ALL_DOSSIERS):
            query = query.where(Dossier.owner_id == self._user.id)
        with self._db.read() as session:
            return {dossier_id: version for dossier_id, version in session.execute(query)}

    # --- creating ----------------------------------------------------------------------

    def create(self, new: NewDossier) -> DossierDetail:
        self._user.require(Right.CREATE_DOSSIER)
        if new.status not in (DossierStatus.PROSPECT, DossierStatus.CLIENT):
            raise DomainError("Un nouveau dossier est un prospect ou un client.", field="status")
        last_name = _name(new.last_name, "last_name", required=True)
        first_name = _name(new.first_name, "first_name")
        co_last, co_first = (
            _name(new.co_last_name, "co_last_name"),
            _name(new.co_first_name, "co_first_name"),
        )
        civility = clean_text(new.civility, "civility", "Civilité", 10)
        if co_first and not co_last:
            raise DomainError("Saisissez le nom du co-emprunteur.", field="co_last_name")
        created_on = new.created_on or self._today()
        lifecycle.check_dates(lifecycle.DossierDates(created_on, None, None, None), self._today())
        with self._db.write() as session:
            writer = self._writer(session, Right.CREATE_DOSSIER)
            owner = self._active_broker(session, new.owner_id)
            if owner.id != writer.id and not writer.can(Right.EDIT_ALL_DOSSIERS):
                raise DomainError(
                    "Vous ne pouvez créer un dossier que pour vous-même.", field="owner"
                )
            provenance, referrer, detail = self._provenance_choice(
                session, new.provenance_id, new.provenance_detail, new.referrer_id
            )
            steps = self._steps(session)
            dossier = Dossier(
                number=next_number(session, created_on, self.machine_prefix),
                status=new.status,
                owner_id=owner.id,
                provenance_id=provenance.id,
                provenance_detail=detail,
                referrer_id=referrer.id if referrer else None,
                step_id=steps[0].id,
                created_on=created_on,
                internal_note="",
                version=1,
                updated_at=now(),
            )
            dossier.borrowers.append(
                Borrower(
                    rank=1,
                    civility=civility,
                    first_name=first_name,
                    last_name=last_name,
                )
            )
            if co_last:
                dossier.borrowers.append(Borrower(rank=2, first_name=co_first, last_name=co_last))
            refresh_list_columns(dossier)
            session.add(dossier)
            session.flush()
            self._record_step(session, dossier, steps[0])
            self._audit(session, AuditAction.DOSSIER_CREATED, dossier, details=new.status.label)
            session.flush()
            return dossier_detail(session, dossier, self._user)

    # --- the summary panel -------------------------------------------------------------

    def set_flag(
        self, dossier_id: int, version: int, flag: DossierFlag, value: bool
    ) -> DossierDetail:
        def change(session: Session, dossier: Dossier) -> None:
            setattr(dossier, flag.value, bool(value))

        return self._edit(dossier_id, version, change)

    def save_note(self, dossier_id: int, version: int, markup: str) -> DossierDetail:
        """Save the «Note interne» (sanitised rich text)."""
        cleaned = sanitize(markup)
        if len(cleaned) > NOTE_MAX_LENGTH:
            raise DomainError(
                "La note interne est trop longue (200 000 caractères au plus) : elle n'a pas "
                "été enregistrée. Raccourcissez-la.",
                field="internal_note",
            )

        def change(session: Session, dossier: Dossier) -> None:
            dossier.internal_note = cleaned

        return self._edit(dossier_id, version, change)

    def renumber(self, dossier_id: int, version: int, new_number: str) -> DossierDetail:
        self._user.require(Right.RENUMBER_DOSSIER)
        number = lifecycle.normalize_number(new_number)

        def change(session: Session, dossier: Dossier) -> None:
            if number == dossier.number:
                return
            taken = session.scalar(select(Dossier.id).where(Dossier.number == number))
            if taken is not None:
                raise DomainError(
                    f"Le numéro « {number} » est déjà utilisé par un autre dossier.",
                    field="number",
                )
            old = dossier.number
            dossier.number = number
            refresh_list_columns(dossier)
            self._audit(
                session, AuditAction.DOSSIER_RENUMBERED, dossier, details=f"{old} → {number}"
            )

        return self._edit(dossier_id, version, change, Right.RENUMBER_DOSSIER)

    def change_owner(self, dossier_id: int, version: int, owner_id: int | None) -> DossierDetail:
        self._user.require(Right.CHANGE_OWNER)

        def change(session: Session, dossier: Dossier) -> None:
            owner = self._active_broker(session, owner_id)
            if owner.id == dossier.owner_id:
                return
            old = session.get(User, dossier.owner_id)
            dossier.owner_id = owner.id
            self._audit(
                session,
                AuditAction.OWNER_CHANGED,
                dossier,
                details=f"{old.login if old else '?'} → {owner.login}",
            )

        return self._edit(dossier_id, version, change, Right.CHANGE_OWNER)

    def change_provenance(
        self,
        dossier_id: int,
        version: int,
        provenance_id: int | None,
        detail: str,
        referrer_id: int | None,
    ) -> DossierDetail:
        def change(session: Session, dossier: Dossier) -> None:
            provenance, referrer, cleaned = self._provenance_choice(
                session, provenance_id, detail, referrer_id, keep=dossier
            )
            before = (dossier.provenance_id, dossier.referrer_id)
            dossier.provenance_id = provenance.id
            dossier.provenance_detail = cleaned
            dossier.referrer_id = referrer.id if referrer else None
            if before != (dossier.provenance_id, dossier.referrer_id):
                self._audit(
                    session,
                    AuditAction.PROVENANCE_CHANGED,
                    dossier,
                    details=provenance.name + (f" / {referrer.name}" if referrer else ""),
                )

        return self._edit(dossier_id, version, change)

    # --- progress ----------------------------------------------------------------------

    def move_step(self, dossier_id: int, version: int, direction: int) -> DossierDetail:
        """One step forward (+1) or back (-1); the move is dated in the pipeline history."""
        if direction not in (1, -1):
            raise DomainError("Déplacement d'étape invalide.")

        def change(session: Session, dossier: Dossier) -> None:
            steps = self._steps(session)
            ids = [s.id for s in steps]
            current = ids.index(dossier.step_id) if dossier.step_id in ids else 0
            target = steps[lifecycle.next_step_index(current, len(steps), direction)]
            dossier.step_id = target.id
            self._record_step(session, dossier, target)

        return self._edit(dossier_id, version, change)

    def set_date(
        self, dossier_id: int, version: int, which: DossierDate, value: dt.date | None
    ) -> DossierDetail:
        if which is DossierDate.CREATED and value is None:
            raise DomainError("La date de création est obligatoire.", field="created_on")

        def change(session: Session, dossier: Dossier) -> None:
            values = {d.value: getattr(dossier, d.value) for d in DossierDate}
            values[which.value] = value
            lifecycle.check_dates(lifecycle.DossierDates(**values), self._today())
            if which is DossierDate.FUNDS_RELEASED:
                _check_fees_follow_release(session, dossier.id, value)
            setattr(dossier, which.value, value)

        return self._edit(dossier_id, version, change)

    # --- the Actions menu --------------------------------------------------------------

    def convert_to_client(self, dossier_id: int, version: int) -> DossierDetail:
        def change(session: Session, dossier: Dossier) -> None:
            lifecycle.check_convert_to_client(dossier.status)
            dossier.status = DossierStatus.CLIENT
            self._audit(session, AuditAction.STATUS_CHANGED, dossier, details="Prospect → Client")

        return self._edit(dossier_id, version, change)

    def abandon(
        self, dossier_id: int, version: int, reason: AbandonReason | None, detail: str = ""
    ) -> DossierDetail:
        self._user.require(Right.ABANDON_RESUME)
        with self._db.write() as session:
            dossier = self._for_update(session, dossier_id, version, Right.ABANDON_RESUME)
            kept_detail = lifecycle.check_abandon(dossier.status, reason, detail)
            assert reason is not None  # check_abandon refuses an abandonment without a reason
            dossier.status = DossierStatus.ABANDONED
            dossier.abandon_reason = reason
            dossier.abandon_detail = kept_detail
            dossier.abandoned_on = self._today()
            touch(dossier)
            # The reason's label only: a free text may hold personal data.
            self._audit(session, AuditAction.DOSSIER_ABANDONED, dossier, details=reason.label)
            session.flush()
            return self._with_changes(dossier_detail(session, dossier, self._user), STATUS_CHANGED)

    def resume(
        self, dossier_id: int, version: int, as_status: DossierStatus, created_on: dt.date | None
    ) -> DossierDetail:
        """Reactivate an abandoned dossier; its simulations, documents and pipeline are deleted."""
        self._user.require(Right.ABANDON_RESUME)
        new_created_on = lifecycle.check_resume(DossierStatus.ABANDONED, as_status, created_on)
        lifecycle.check_dates(
            lifecycle.DossierDates(new_created_on, None, None, None), self._today()
        )
        with self._db.write() as session:
            dossier = self._for_update(session, dossier_id, version, Right.ABANDON_RESUME)
            lifecycle.check_resume(dossier.status, as_status, created_on)
            hashes = self._delete_attachments(session, dossier.id)
            session.execute(delete(StepChange).where(StepChange.dossier_id == dossier.id))
            first = self._steps(session)[0]
            dossier.status = as_status
            dossier.created_on = new_created_on
            dossier.step_id = first.id
            dossier.client_agreement_on = dossier.offer_signed_on = dossier.deed_signed_on = None
            dossier.funds_released_on = None
            dossier.abandon_reason = None
            dossier.abandon_detail = ""
            dossier.abandoned_on = None
            touch(dossier)
            session.flush()
            session.expire(dossier, ["simulations", "documents", "step_changes"])
            self._record_step(session, dossier, first)
            self._audit(session, AuditAction.DOSSIER_RESUMED, dossier, details=as_status.label)
            session.flush()
            detail = self._with_changes(
                dossier_detail(session, dossier, self._user), STATUS_CHANGED
            )
        self._discard_orphan_files(hashes)
        return detail

    def delete(self, dossier_id: int) -> DeletedDossier:
        """Delete the dossier and everything attached, files included. Irreversible."""
        self._user.require(Right.DELETE_DOSSIER)
        with self._db.write() as session:
            dossier = self._for_change(session, dossier_id, Right.DELETE_DOSSIER)
            number = dossier.number
            hashes = delete_dossiers(session, [dossier.id])
            audit.record(
                session,
                self._user,
                AuditAction.DOSSIER_DELETED,
                dossier_id=dossier_id,
                dossier_number=number,
            )
        self._discard_orphan_files(hashes)
        self._db.scrub_deleted()
        return DeletedDossier(number=number)

    # --- simulations and documents (their own screens come later) ----------------------

    def add_simulation(
        self,
        dossier_id: int,
        version: int,
        name: str,
        amount_cents: int,
        rate_mpct: int,
        duration_months: int,
    ) -> DossierDetail:
        name = clean_text(
            name,
            "name",
            "Nom de la simulation",
            150,
            required=True,
            required_message="Donnez un nom à la simulation (150 caractères au plus).",
            too_long_message="Donnez un nom à la simulation (150 caractères au plus).",
        )
        if not 0 < amount_cents <= 100_000_000_00:
            raise DomainError(
                "Le montant doit être compris entre 0 et 100 000 000 €.", field="amount"
            )
        if not 0 <= rate_mpct <= 20_000:
            raise DomainError("Le taux doit être compris entre 0 et 20 %.", field="rate")
        if not 12 <= duration_months <= 480:
            raise DomainError("La durée doit être comprise entre 1 et 40 ans.", field="duration")

        def change(session: Session, dossier: Dossier) -> None:
            dossier.simulations.append(
                Simulation(
                    name=name,
                    amount_cents=amount_cents,
                    rate_mpct=rate_mpct,
                    duration_months=duration_months,
                    status=SimulationStatus.DRAFT,
                    created_at=now(),
                    lines=[
                        SimulationLine(
                            position=1,
                            kind=LineKind.AMORTIZING,
                            amount_cents=amount_cents,
                            rate_mpct=rate_mpct,
                            months=duration_months,
                            deferral=Deferral.NONE,
                        )
                    ],
                )
            )

        return self._edit(dossier_id, version, change)

    # --- helpers -----------------------------------------------------------------------

    def _active_broker(self, session: Session, user_id: int | None) -> User:
        user = session.get(User, user_id) if user_id is not None else None
        if user is None or not user.is_active or not user.is_broker:
            raise DomainError("Choisissez un courtier actif.", field="owner")
        return user

    def _provenance_choice(
        self,
        session: Session,
        provenance_id: int | None,
        detail: str,
        referrer_id: int | None,
        keep: Dossier | None = None,
    ) -> tuple[Provenance, Referrer | None, str]:
        """Check a provenance and referrer; an inactive one is accepted only if already set."""
        provenance = session.get(Provenance, provenance_id) if provenance_id else None
        if provenance is None or not (
            provenance.is_active or (keep is not None and keep.provenance_id == provenance.id)
        ):
            raise DomainError("Choisissez une provenance.", field="provenance")
        referrer = None
        if referrer_id is not None:
            referrer = session.get(Referrer, referrer_id)
            if referrer is None or not (
                referrer.is_active or (keep is not None and keep.referrer_id == referrer.id)
            ):
                raise DomainError("Cet apporteur d'affaires n'est plus actif.", field="referrer")
        cleaned = clean_text(
            detail,
            "provenance_detail",
            "Détail de la provenance",
            300,
            too_long_message="Le détail de la provenance ne doit pas dépasser 300 caractères.",
        )
        return provenance, referrer, cleaned

    def _steps(self, session: Session) -> list[Step]:
        steps = list(
            session.scalars(select(Step).where(Step.is_active).order_by(Step.position, Step.id))
        )
        if not steps:
            raise DomainError("Aucune étape de pipeline n'est configurée (Paramètres).")
        return steps

    def _record_step(self, session: Session, dossier: Dossier, step: Step) -> None:
        session.add(
            StepChange(
                dossier_id=dossier.id,
                step_id=step.id,
                step_name=step.name,
                step_percent=step.percent,
                changed_at=now(),
                user_id=self._user.id,
            )
        )

    def _delete_attachments(self, session: Session, dossier_id: int) -> set[str]:
        hashes = set(
            session.scalars(select(Document.content_hash).where(Document.dossier_id == dossier_id))
        )
        session.execute(delete(Document).where(Document.dossier_id == dossier_id))
        session.execute(delete(RequirementTick).where(RequirementTick.dossier_id == dossier_id))
        session.execute(delete(BankSubmission).where(BankSubmission.dossier_id == dossier_id))
        resumed = session.get_one(Dossier, dossier_id)
        resumed.chosen_bank, resumed.bank_sort = "", NO_BANK_SORT
        session.execute(delete(Simulation).where(Simulation.dossier_id == dossier_id))
        return hashes

    def _discard_orphan_files(self, hashes: set[str]) -> None:
        discard_orphan_files(self._db, self._documents, hashes)


def _name(value: str, field: str, required: bool = False) -> str:
    return clean_text(
        value,
        field,
        "Nom",
        NAME_MAX,
        required=required,
        required_message="Saisissez le nom du porteur de projet.",
        too_long_message=f"Ce nom ne doit pas dépasser {NAME_MAX} caractères.",
        invalid_message="Ce nom contient des caractères invalides.",
    )
