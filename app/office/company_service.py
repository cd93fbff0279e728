"""«Société»: reading and saving the office's identity, and its logo."""

from __future__ import annotations

import dataclasses
import tempfile
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
        # The logo is only ever the one uploaded here, never a hash the caller passes.
        cleaned = dataclasses.replace(validate_company(data), logo_hash=self.get().logo_hash)
        if logo is not None:
            known = logo.suffix.lower() in LOGO_EXTENSIONS
            content = _read_logo(logo) if known else b""
            check_logo(logo.name, content)
            cleaned = dataclasses.replace(cleaned, logo_hash=self._store(content, logo.suffix))
        try:
            with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
                for field in fields(cleaned):
                    session.merge(
                        Setting(key=f"company.{field.name}", value=getattr(cleaned, field.name))
                    )
                audit.record(session, self._user, AuditAction.SETTINGS_CHANGED, details="Société")
        finally:
            if logo is not None:  # the new logo's setting is committed (or never will be)
                self._documents.release([cleaned.logo_hash])
        return cleaned

    def _store(self, content: bytes, suffix: str) -> str:
        """Store the bytes that were checked (the file may change on disk meanwhile)."""
        with tempfile.TemporaryDirectory() as folder:
            checked = Path(folder) / f"logo{suffix.lower()}"
            checked.write_bytes(content)
            content_hash, _size = self._documents.put(checked, hold=True)
        return content_hash

    def logo(self, company: Company) -> bytes | None:
        """The logo's bytes for the PDFs (None: none, or its file is gone)."""
        if not company.logo_hash:
            return None
        try:
            return bytes(self._documents.read(company.logo_hash))  # small: a logo
        except (OSError, DomainError):  # gone, or not the logo any more: the PDF goes without
            return None


def _read_logo(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(MAX_LOGO_BYTES + 1)
    except OSError as error:
        raise DomainError(
            f"Impossible de lire le fichier « {path.name} » : {error.strerror}.", field="logo"
        ) from error
