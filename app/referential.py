"""«Provenances» and «apporteurs d'affaires» of the office (managers).

A deactivated entry disappears from the drop-downs but stays on the dossiers that use it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import CurrentUser
from app.db import Database
from app.errors import DomainError, NotFound
from models.dossier import Dossier
from models.enums import ReferrerKind, Right
from models.office import Bank, Provenance, Referrer


@dataclass(frozen=True)
class ProvenanceRow:
    id: int
    name: str
    is_active: bool
    dossiers: int


@dataclass(frozen=True)
class ReferrerData:
    name: str
    kind: ReferrerKind = ReferrerKind.COMPANY
    contact: str = ""
    siren: str = ""
    rebate_rate_mpct: int | None = None
    rebate_fixed_cents: int | None = None


@dataclass(frozen=True)
class ReferrerRow:
    id: int
    data: ReferrerData
    is_active: bool
    dossiers: int


def valid_siren(siren: str) -> bool:
    """9 digits whose Luhn checksum is right (INSEE's rule)."""
    if len(siren) != 9 or not siren.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(siren)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def validate_referrer(data: ReferrerData) -> ReferrerData:
    name = " ".join(data.name.split())
    if not name or len(name) > 150:
        raise DomainError("Donnez le nom de l'apporteur (150 caractères au plus).", field="name")
    contact = " ".join(data.contact.split())
    if len(contact) > 200:
        raise DomainError("Contact : 200 caractères au plus.", field="contact")
    siren = data.siren.replace(" ", "")
    if siren and not valid_siren(siren):
        raise DomainError(
            "SIREN invalide : 9 chiffres (la clé de contrôle ne correspond pas).", field="siren"
        )
    if data.rebate_rate_mpct is not None and data.rebate_fixed_cents is not None:
        raise DomainError(
            "Choisissez un taux ou un montant fixe de rétrocession, pas les deux.",
            field="rebate_rate_mpct",
        )
    if data.rebate_rate_mpct is not None and not 0 <= data.rebate_rate_mpct <= 100_000:
        raise DomainError(
            "Le taux de rétrocession doit être compris entre 0 et 100 %.", field="rebate_rate_mpct"
        )
    if data.rebate_fixed_cents is not None and not 0 <= data.rebate_fixed_cents <= 1_000_000_00:
        raise DomainError("Montant de rétrocession invalide.", field="rebate_fixed_cents")
    return ReferrerData(
        name,
        ReferrerKind(data.kind),
        contact,
        siren,
        data.rebate_rate_mpct,
        data.rebate_fixed_cents,
    )


@dataclass(frozen=True)
class BankData:
    name: str
    agency: str = ""
    contact: str = ""


@dataclass(frozen=True)
class BankRow:
    id: int
    data: BankData
    is_active: bool


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
        cleaned = " ".join(name.split())
        if not cleaned or len(cleaned) > 100:
            raise DomainError(
                "Donnez un nom à la provenance (100 caractères au plus).", field="name"
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
            return [BankRow(b.id, BankData(b.name, b.agency, b.contact), b.is_active) for b in rows]

    def save_bank(self, bank_id: int | None, data: BankData) -> list[BankRow]:
        name = " ".join(data.name.split())
        if not name or len(name) > 120:
            raise DomainError("Donnez le nom de la banque (120 caractères au plus).", field="name")
        agency, contact = " ".join(data.agency.split()), " ".join(data.contact.split())
        if len(agency) > 150 or len(contact) > 200:
            raise DomainError("Agence : 150 caractères au plus ; contact : 200.", field="agency")
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
            session.add(bank)
        return self.banks()

    def set_bank_active(self, bank_id: int, active: bool) -> list[BankRow]:
        with self._write() as session:
            self._get(session, Bank, bank_id).is_active = bool(active)
        return self.banks()

    def _write(self):
        self._user.require(Right.MANAGE_SETTINGS)
        return self._db.write()

    def _get(self, session: Session, model, item_id: int):
        item = session.get(model, item_id)
        if item is None:
            raise NotFound("Cette ligne n'existe plus.")
        return item
