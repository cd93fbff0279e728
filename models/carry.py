"""Dossiers taken away on a laptop («Emporter des dossiers», issue 11): which dossiers a
broker checked out of the office's server, and — in the laptop's own file — how each row
was when it left, so that «Rapporter» tells what changed on each side."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Carry(Base):
    """One check-out: who took which dossiers (`CarriedDossier`), on which laptop, since
    when; ended when they were brought back («rapportés») or forced back by a manager."""

    __tablename__ = "carries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    machine: Mapped[str] = mapped_column(String(120))  # the laptop's name
    prefix: Mapped[str] = mapped_column(String(10))  # its numbering prefix
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    dossier_count: Mapped[int] = mapped_column(Integer)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # "returned" (brought back by the laptop) or "forced" (a manager took them back).
    ended_how: Mapped[str | None] = mapped_column(String(20))
    ended_by: Mapped[int | None] = mapped_column(Integer)  # a user id (no key: a log)


class CarriedDossier(Base):
    """A dossier out on a laptop: read-only on the server until it comes back."""

    __tablename__ = "carried_dossiers"

    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True
    )
    carry_id: Mapped[int] = mapped_column(ForeignKey("carries.id", ondelete="CASCADE"), index=True)


class CarryBaseline(Base):
    """In a laptop's file only: each row checked out, as it was on the server then (its
    plain values as JSON), by table and id."""

    __tablename__ = "carry_baseline"

    table_name: Mapped[str] = mapped_column(String(60), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[str] = mapped_column(Text)


class CarryConflict(Base):
    """A field changed both at the office and on the laptop, as the broker settled it when
    bringing the dossier back: both values kept, with the dossier (erased with it — the
    audit log, which outlives erasures, records the choice without the values)."""

    __tablename__ = "carry_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    carry_id: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(String(300))  # «Emprunteur 1 — Téléphone»
    office_value: Mapped[str] = mapped_column(Text)
    laptop_value: Mapped[str] = mapped_column(Text)
    kept: Mapped[str] = mapped_column(String(10))  # "office" or "laptop"
