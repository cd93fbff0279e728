"""A dossier as its «Général» tab shows it (`DossierDetail`), read from its rows in one go:
the summary panel, the steps and their history, the simulations, the counts of documents and
sendings, and what the user may do on it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import CurrentUser
from app.dossier.access import carried_note, may_change
from app.dossier.household import child_data, describe_household
from app.dossier.readmodels import (
    DossierDetail,
    DossierRights,
    SimulationInfo,
    StepChangeInfo,
    StepInfo,
)
from app.office.office import Choice
from models.dossier import BankSubmission, Document, Dossier
from models.enums import Right
from models.office import Provenance, Referrer, Step, User


def dossier_detail(session: Session, dossier: Dossier, user: CurrentUser) -> DossierDetail:
    """The dossier as `user` sees it (what he may do on it included)."""
    steps = _all_steps_for(session, dossier)
    owner = session.get_one(User, dossier.owner_id)
    provenance = session.get_one(Provenance, dossier.provenance_id)
    referrer = session.get(Referrer, dossier.referrer_id) if dossier.referrer_id else None
    borrowers = list(dossier.borrowers)
    names = dict(session.execute(select(User.id, User.first_name + " " + User.last_name)).all())
    history = tuple(
        StepChangeInfo(
            c.step_name,
            c.step_percent,
            c.changed_at,
            "" if c.user_id is None else names.get(c.user_id, ""),
        )
        for c in dossier.step_changes
    )
    simulations = tuple(
        SimulationInfo(s.id, s.name, s.amount_cents, s.rate_mpct, s.duration_months, s.status)
        for s in dossier.simulations
    )
    document_count = session.scalar(
        select(func.count(Document.id)).where(Document.dossier_id == dossier.id)
    )
    carried = carried_note(dossier)
    return DossierDetail(
        id=dossier.id,
        number=dossier.number,
        version=dossier.version,
        status=dossier.status,
        holder_name=dossier.holder_name,
        household=describe_household(
            [b.marital_status for b in borrowers], [child_data(c) for c in dossier.children]
        ),
        owner=Choice(owner.id, owner.display_name),
        provenance=Choice(provenance.id, provenance.name),
        provenance_detail=dossier.provenance_detail,
        referrer=Choice(referrer.id, referrer.name) if referrer else None,
        is_complete=dossier.is_complete,
        hide_contacts=dossier.hide_contacts,
        no_fees=dossier.no_fees,
        no_bank_commission=dossier.no_bank_commission,
        no_rebate=dossier.no_rebate,
        internal_note=dossier.internal_note,
        created_on=dossier.created_on,
        client_agreement_on=dossier.client_agreement_on,
        funds_released_on=dossier.funds_released_on,
        offer_signed_on=dossier.offer_signed_on,
        deed_signed_on=dossier.deed_signed_on,
        abandon_reason=dossier.abandon_reason,
        abandon_detail=dossier.abandon_detail,
        abandoned_on=dossier.abandoned_on,
        steps=steps,
        current_step_id=dossier.step_id,
        history=history,
        simulations=simulations,
        document_count=document_count or 0,
        submission_count=session.scalar(
            select(func.count(BankSubmission.id)).where(BankSubmission.dossier_id == dossier.id)
        )
        or 0,
        rights=DossierRights(
            renumber=user.can(Right.RENUMBER_DOSSIER),
            change_owner=user.can(Right.CHANGE_OWNER),
            delete=user.can(Right.DELETE_DOSSIER),
            abandon_resume=user.can(Right.ABANDON_RESUME),
            personal_data=user.can(Right.PERSONAL_DATA),
            edit=may_change(user, dossier.owner_id) and not carried,
        ),
        carried=carried,
    )


def _all_steps_for(session: Session, dossier: Dossier) -> tuple[StepInfo, ...]:
    """The active steps, plus the dossier's own step if it was deactivated meanwhile."""
    steps = list(
        session.scalars(
            select(Step)
            .where((Step.is_active) | (Step.id == dossier.step_id))
            .order_by(Step.position, Step.id)
        )
    )
    return tuple(StepInfo(s.id, s.name, s.percent) for s in steps)
