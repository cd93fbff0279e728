"""The office: users, roles and their rights, pipeline steps, provenances, referrers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, str_enum
from models.enums import DocumentFolder, ReferrerKind, RequirementRule, Right, UsuryCategory


class Role(Base):
    """A named set of rights (a «profil»)."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    rights: Mapped[list[RoleRight]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class RoleRight(Base):
    __tablename__ = "role_rights"
    __table_args__ = (UniqueConstraint("role_id", "right", name="role_right"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    right: Mapped[Right] = mapped_column(str_enum(Right, "right"))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_name", "last_name", "first_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_broker: Mapped[bool] = mapped_column(Boolean, default=True)
    # Repeated wrong passwords lock the login for a while (brute force on a stolen laptop).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)

    role: Mapped[Role] = relationship(lazy="joined")

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Step(Base):
    """A pipeline step of the office («Client créé», «RDV banque»…)."""

    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    percent: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Provenance(Base):
    """Where clients come from («Site internet», «Notaire», «Apporteur d'affaires»…)."""

    __tablename__ = "provenances"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Referrer(Base):
    """An «apporteur d'affaires»: a person or company that sends clients to the office."""

    __tablename__ = "referrers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[ReferrerKind] = mapped_column(str_enum(ReferrerKind, "referrer_kind"))
    contact: Mapped[str] = mapped_column(String(200), default="")
    siren: Mapped[str] = mapped_column(String(9), default="")
    # The referrer's share: a rate of the fees in thousandths of a percent, or a fixed amount.
    rebate_rate_mpct: Mapped[int | None] = mapped_column(Integer)
    rebate_fixed_cents: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Bank(Base):
    """A bank the office sends dossiers to (for the pipeline)."""

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    agency: Mapped[str] = mapped_column(String(150), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class UsuryRate(Base):
    """A usury rate published by the Banque de France, in force from `valid_from` until the
    next one of its category."""

    __tablename__ = "usury_rates"
    __table_args__ = (UniqueConstraint("category", "valid_from", name="category_valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[UsuryCategory] = mapped_column(str_enum(UsuryCategory, "usury_category"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    rate_mpct: Mapped[int] = mapped_column(Integer)  # thousandths of a percent


class Setting(Base):
    """An office-wide setting (key → text value), e.g. the dossier numbering format."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


class RequiredDocument(Base):
    """An item of the office's list of «Pièces à fournir», asked of each dossier by its rule
    (once, per borrower, if self-employed…)."""

    __tablename__ = "required_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    rule: Mapped[RequirementRule] = mapped_column(str_enum(RequirementRule, "requirement_rule"))
    folder: Mapped[DocumentFolder] = mapped_column(
        str_enum(DocumentFolder, "document_folder"), default=DocumentFolder.SUPPORTING
    )
    position: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
