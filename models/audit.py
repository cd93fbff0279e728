"""Append-only audit log of sensitive actions. Holds no borrower's personal data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum
from models.enums import AuditAction


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    # No foreign keys: the log outlives the users and dossiers it mentions.
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_login: Mapped[str] = mapped_column(String(80))
    # No CHECK constraint: new kinds of events must not require rebuilding the log's table.
    action: Mapped[AuditAction] = mapped_column(
        str_enum(AuditAction, "audit_action", constraint=False)
    )
    dossier_id: Mapped[int | None] = mapped_column(Integer, index=True)
    dossier_number: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[str] = mapped_column(String(500), default="")
