"""«Société»: the office's identity and legal mentions, used on PDFs and invoices."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path

from sqlalchemy import select

from app import audit
from app.auth import CurrentUser
from app.db import Database
from app.documents import DocumentStore
from app.errors import DomainError
from app.household import normalize_phone, normalize_postal_code
from app.referential import valid_siren
from models.enums import AuditAction, Right
from models.office import Setting

ORIAS_CATEGORIES = ("COBSP", "MOBSP", "MIOBSP", "MIA")
VAT_STATUSES = ("Assujetti à la TVA", "Non assujetti (article 261 C du CGI)")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
LOGO_EXTENSIONS = (".png", ".jpg", ".jpeg", ".svg")


@dataclass(frozen=True)
class Company:
    name: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    siren: str = ""
    orias_number: str = ""
    orias_category: str = ""
    insurer: str = ""
    association: str = ""
    mediator: str = ""
    vat_status: str = ""
    vat_number: str = ""
    iban: str = ""
    bic: str = ""
    logo_hash: str = ""


def valid_iban(iban: str) -> bool:
    """ISO 13616 checksum (mod 97); the French length is 27."""
    compact = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    if compact.startswith("FR") and len(compact) != 27:
        return False
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def validate_company(data: Company) -> Company:
    values = {f.name: " ".join(getattr(data, f.name).split()) for f in fields(data)}
    if not values["name"]:
        raise DomainError("Saisissez la raison sociale.", field="name")
    for name, limit in (
        ("name", 150),
        ("address", 250),
        ("city", 120),
        ("insurer", 150),
        ("association", 150),
        ("mediator", 200),
    ):
        if len(values[name]) > limit:
            raise DomainError(f"{limit} caractères au plus.", field=name)
    values["postal_code"] = normalize_postal_code(values["postal_code"])
    values["phone"] = normalize_phone(values["phone"])
    siren = values["siren"].replace(" ", "")
    if siren and not valid_siren(siren):
        raise DomainError("SIREN invalide (9 chiffres, clé de contrôle).", field="siren")
    values["siren"] = siren
    orias = values["orias_number"].replace(" ", "")
    if orias and not re.fullmatch(r"\d{8}", orias):
        raise DomainError("Le numéro ORIAS compte 8 chiffres.", field="orias_number")
    values["orias_number"] = orias
    if values["orias_category"] and values["orias_category"] not in ORIAS_CATEGORIES:
        raise DomainError("Catégorie ORIAS inconnue.", field="orias_category")
    iban = values["iban"].replace(" ", "").upper()
    if iban and not valid_iban(iban):
        raise DomainError("IBAN invalide : la clé de contrôle ne correspond pas.", field="iban")
    values["iban"] = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    bic = values["bic"].replace(" ", "").upper()
    if bic and not _BIC.match(bic):
        raise DomainError("BIC invalide : 8 ou 11 caractères (ex. AGRIFRPP).", field="bic")
    values["bic"] = bic
    return Company(**values)


class CompanyService:
    def __init__(self, database: Database, user: CurrentUser, documents: DocumentStore) -> None:
        self._db = database
        self._user = user
        self._documents = documents

    def get(self) -> Company:
        with self._db.read() as session:
            stored = dict(
                session.execute(
                    select(Setting.key, Setting.value).where(Setting.key.like("company.%"))
                ).all()
            )
        return Company(**{f.name: stored.get(f"company.{f.name}", "") for f in fields(Company)})

    def save(self, data: Company, logo: Path | None = None) -> Company:
        self._user.require(Right.MANAGE_SETTINGS)
        cleaned = validate_company(data)
        if logo is not None:
            if logo.suffix.lower() not in LOGO_EXTENSIONS:
                raise DomainError("Le logo doit être une image PNG, JPEG ou SVG.", field="logo")
            content_hash, _size = self._documents.put(logo)
            cleaned = Company(
                **{
                    **{f.name: getattr(cleaned, f.name) for f in fields(cleaned)},
                    "logo_hash": content_hash,
                }
            )
        with self._db.write() as session:
            for field in fields(cleaned):
                session.merge(
                    Setting(key=f"company.{field.name}", value=getattr(cleaned, field.name))
                )
            audit.record(session, self._user, AuditAction.SETTINGS_CHANGED, details="Société")
        return cleaned

    def logo_path(self, company: Company) -> Path | None:
        return self._documents.path_for(company.logo_hash) if company.logo_hash else None
