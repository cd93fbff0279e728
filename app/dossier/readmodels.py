"""Plain, immutable views of a dossier handed to the screens (never live ORM objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.changes import Change
from app.office.office import Choice
from models.enums import AbandonReason, DossierStatus, SimulationStatus


@dataclass(frozen=True)
class StepInfo:
    id: int
    name: str
    percent: int


@dataclass(frozen=True)
class StepChangeInfo:
    step_name: str
    percent: int
    changed_at: dt.datetime
    user_name: str


@dataclass(frozen=True)
class SimulationInfo:
    id: int
    name: str
    amount_cents: int
    rate_mpct: int
    duration_months: int
    status: SimulationStatus


@dataclass(frozen=True)
class DossierRights:
    """What the current user may do on this dossier (the service checks again)."""

    renumber: bool
    change_owner: bool
    delete: bool
    abandon_resume: bool
    personal_data: bool = False  # export or erase a person (GDPR)
    edit: bool = True  # his own dossier, or «Modifier tous les dossiers»


@dataclass(frozen=True)
class DossierDetail:
    id: int
    number: str
    version: int
    status: DossierStatus
    holder_name: str
    household: str
    owner: Choice
    provenance: Choice
    provenance_detail: str
    referrer: Choice | None
    is_complete: bool
    hide_contacts: bool
    no_fees: bool
    no_bank_commission: bool
    no_rebate: bool
    internal_note: str
    created_on: dt.date
    client_agreement_on: dt.date | None
    offer_signed_on: dt.date | None
    deed_signed_on: dt.date | None
    funds_released_on: dt.date | None
    abandon_reason: AbandonReason | None
    abandon_detail: str
    abandoned_on: dt.date | None
    steps: tuple[StepInfo, ...]
    current_step_id: int
    history: tuple[StepChangeInfo, ...]
    simulations: tuple[SimulationInfo, ...]
    document_count: int
    submission_count: int  # sendings to banks («Pipeline»)
    rights: DossierRights
    # «Ce dossier est emporté par … depuis le …» while it is out on a laptop (read-only).
    carried: str = ""
    # What the command that returned it changed (not part of the state: not compared).
    changes: Change = field(default=Change.NONE, compare=False)

    @property
    def is_read_only(self) -> bool:
        """Abandoned, or someone else's the user may see but not change."""
        return self.status is DossierStatus.ABANDONED or not self.rights.edit

    @property
    def current_step_index(self) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == self.current_step_id)

    @property
    def current_step(self) -> StepInfo:
        return self.steps[self.current_step_index]

    @property
    def abandon_label(self) -> str:
        if self.abandon_reason is None:
            return ""
        if self.abandon_reason is AbandonReason.OTHER and self.abandon_detail:
            return f"Autre : {self.abandon_detail}"
        return self.abandon_reason.label
