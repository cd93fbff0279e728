"""«Provenances», «apporteurs d'affaires» and «Banques» of the office (managers).

A deactivated entry disappears from the drop-downs but stays on the dossiers that use it.
"""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import CurrentUser
from app.errors import DomainError, NotFound
from app.office.permissions import write_as
from app.office.referential import (
    BankData,
    BankRow,
    ProvenanceRow,
    ReferrerData,
    ReferrerRow,
    validate_bank,
    validate_referrer,
)
from app.storage.database import Database
from app.validation import clean_text
from models.dossier import Dossier
from models.enums import Right
from models.office import Bank, Provenance, Referrer


class ReferentialService:
    def __init__(self, database: Database, user: CurrentUser) -> None:
        self._db = database
        self._user = user

    # --- provenances ---

    def provenances(self) -> list[ProvenanceRow]:
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            counts = dict(
                session.execute(
                    select(Dossier.provenance_id, func.count()).group_by(Dossier.provenance_id)
                ).all()
            )
            rows = session.scalars(
                select(Provenance).order_by(Provenance.is_active.desc(), Provenance.position)
            )
            return [ProvenanceRow(p.id, p.name, p.is_active, counts.get(p.id, 0)) for p in rows]

    def save_provenance(self, provenance_id: int | None, name: str) -> list[ProvenanceRow]:
        cleaned = clean_text(
            name,
            "name",
            "Nom de la provenance",
            100,
            required=True,
            required_message="Donnez un nom à la provenance (100 caractères au plus).",
            too_long_message="Donnez un nom à la provenance (100 caractères au plus).",
        )
        with self._write() as session:
            other = session.scalar(select(Provenance.id).where(Provenance.name == cleaned))
            if other is not None and other != provenance_id:
                raise DomainError(f"La provenance « {cleaned} » existe déjà.", field="name")
            if provenance_id is None:
                position = (session.scalar(select(func.max(Provenance.position))) or 0) + 1
                session.add(Provenance(name=cleaned, position=position, is_active=True))
            else:
                self._get(session, Provenance, provenance_id).name = cleaned
        return self.provenances()

    def set_provenance_active(self, provenance_id: int, active: bool) -> list[ProvenanceRow]:
        with self._write() as session:
            self._get(session, Provenance, provenance_id).is_active = bool(active)
            session.flush()
            if not session.scalar(select(func.count()).where(Provenance.is_active)):
                raise DomainError("Gardez au moins une provenance active.")
        return self.provenances()

    # --- referrers ---

    def referrers(self) -> list[ReferrerRow]:
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            counts = dict(
                session.execute(
                    select(Dossier.referrer_id, func.count()).group_by(Dossier.referrer_id)
                ).all()
            )
            rows = session.scalars(
                select(Referrer).order_by(Referrer.is_active.desc(), Referrer.name)
            )
            return [
                ReferrerRow(
                    r.id,
                    ReferrerData(**{f.name: getattr(r, f.name) for f in fields(ReferrerData)}),
                    r.is_active,
                    counts.get(r.id, 0),
                )
                for r in rows
            ]

    def save_referrer(self, referrer_id: int | None, data: ReferrerData) -> list[ReferrerRow]:
        cleaned = validate_referrer(data)
        with self._write() as session:
            referrer = (
                Referrer(is_active=True)
                if referrer_id is None
                else self._get(session, Referrer, referrer_id)
            )
            for field in fields(cleaned):
                setattr(referrer, field.name, getattr(cleaned, field.name))
            session.add(referrer)
        return self.referrers()

    def set_referrer_active(self, referrer_id: int, active: bool) -> list[ReferrerRow]:
        with self._write() as session:
            self._get(session, Referrer, referrer_id).is_active = bool(active)
        return self.referrers()

    # --- banks ---

    def banks(self) -> list[BankRow]:
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            rows = session.scalars(
                select(Bank).order_by(Bank.is_active.desc(), Bank.name, Bank.agency)
            )
            return [
                BankRow(
                    b.id,
                    BankData(
                        b.name,
                        b.agency,
                        b.contact,
                        b.commission_rate_mpct,
                        b.commission_fixed_cents,
                        b.address,
                        b.siren,
                    ),
                    b.is_active,
                )
                for b in rows
            ]

    def save_bank(self, bank_id: int | None, data: BankData) -> list[BankRow]:
        cleaned = validate_bank(data)
        name, agency, contact = cleaned.name, cleaned.agency, cleaned.contact
        with self._write() as session:
            duplicate = session.scalar(
                select(Bank.id).where(Bank.name == name, Bank.agency == agency)
            )
            if duplicate is not None and duplicate != bank_id:
                raise DomainError(
                    f"« {name} {agency} » existe déjà.".replace("  ", " "), field="name"
                )
            bank = Bank(is_active=True) if bank_id is None else self._get(session, Bank, bank_id)
            bank.name, bank.agency, bank.contact = name, agency, contact
            bank.commission_rate_mpct = cleaned.commission_rate_mpct
            bank.commission_fixed_cents = cleaned.commission_fixed_cents
            bank.address, bank.siren = cleaned.address, cleaned.siren
            session.add(bank)
        return self.banks()

    def set_bank_active(self, bank_id: int, active: bool) -> list[BankRow]:
        with self._write() as session:
            self._get(session, Bank, bank_id).is_active = bool(active)
        return self.banks()

    def _write(self):
        return write_as(self._db, self._user, Right.MANAGE_SETTINGS)

    def _get(self, session: Session, model, item_id: int):
        item = session.get(model, item_id)
        if item is None:
            raise NotFound("Cette ligne n'existe plus.")
        return item
