"""«Société»: reading and saving the office's identity, and its logo."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from sqlalchemy import select

from app import audit
from app.auth import CurrentUser
from app.errors import DomainError
from app.office.company import (
    LOGO_EXTENSIONS,
    MAX_LOGO_BYTES,
    Company,
    check_logo,
    validate_company,
)
from app.office.permissions import write_as
from app.storage.database import Database
from app.storage.documents import DocumentStore
from models.enums import AuditAction, Right
from models.office import Setting


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
            known = logo.suffix.lower() in LOGO_EXTENSIONS
            check_logo(logo.name, _read_logo(logo) if known else b"")
            content_hash, _size = self._documents.put(logo)
            cleaned = Company(
                **{
                    **{f.name: getattr(cleaned, f.name) for f in fields(cleaned)},
                    "logo_hash": content_hash,
                }
            )
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            for field in fields(cleaned):
                session.merge(
                    Setting(key=f"company.{field.name}", value=getattr(cleaned, field.name))
                )
            audit.record(session, self._user, AuditAction.SETTINGS_CHANGED, details="Société")
        return cleaned

    def logo_path(self, company: Company) -> Path | None:
        return self._documents.path_for(company.logo_hash) if company.logo_hash else None


def _read_logo(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(MAX_LOGO_BYTES + 1)
    except OSError as error:
        raise DomainError(
            f"Impossible de lire le fichier « {path.name} » : {error.strerror}.", field="logo"
        ) from error
