"""The office's numbering settings and its counters, read and taken inside the caller's
transaction (creating a dossier, saving «Numérotation des dossiers»)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.office.numbering import NumberingFormat
from models.dossier import Counter, Dossier
from models.office import Setting


def load_format(session: Session) -> NumberingFormat:
    values = dict(
        session.execute(
            select(Setting.key, Setting.value).where(Setting.key.like("numbering.%"))
        ).all()
    )
    return NumberingFormat(
        prefix=values.get("numbering.prefix", ""),
        with_year=values.get("numbering.with_year", "1") == "1",
        digits=int(values.get("numbering.digits", "5")),
    )


def save_format(session: Session, numbering: NumberingFormat) -> None:
    for key, value in (
        ("numbering.prefix", numbering.prefix),
        ("numbering.with_year", "1" if numbering.with_year else "0"),
        ("numbering.digits", str(numbering.digits)),
    ):
        session.merge(Setting(key=key, value=value))


def next_number(session: Session, created_on: dt.date, machine_prefix: str = "") -> str:
    """Take the next free number; skips numbers already used (e.g. by a renumbering)."""
    numbering = load_format(session)
    name = numbering.counter(machine_prefix, created_on.year)
    counter = session.get(Counter, name)
    if counter is None:
        counter = Counter(name=name, value=0)
        session.add(counter)
    while True:
        counter.value += 1
        number = numbering.number(machine_prefix, created_on.year, counter.value)
        if session.scalar(select(Dossier.id).where(Dossier.number == number)) is None:
            return number
