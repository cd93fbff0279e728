"""Dossier numbers: «2026-00042» (year of creation, then a counter per year)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.dossier import Counter, Dossier

MAX_NUMBER_LENGTH = 40


def format_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:05d}"


def counter_name(year: int) -> str:
    return f"dossier-{year}"


def next_number(session: Session, created_on: dt.date) -> str:
    """Take the next free number of the year; skips numbers already used by a renumbering."""
    name = counter_name(created_on.year)
    counter = session.get(Counter, name)
    if counter is None:
        counter = Counter(name=name, value=0)
        session.add(counter)
    while True:
        counter.value += 1
        number = format_number(created_on.year, counter.value)
        taken = session.scalar(select(Dossier.id).where(Dossier.number == number))
        if taken is None:
            return number
