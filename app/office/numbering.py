"""Dossier numbers: «2026-00042» by default; the office may add a prefix («AG-2026-00042»)
and each laptop its own prefix («AG-L2-2026-00042») so that two laptops working offline
never give the same number."""

from __future__ import annotations

import configparser
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.files import atomic_write
from models.dossier import Counter, Dossier
from models.office import Setting

MAX_NUMBER_LENGTH = 40
CONFIG_ENV_VAR = "DOSSIA_CONFIG_DIR"
_PREFIX = re.compile(r"^[A-Za-z0-9]{0,10}$")


@dataclass(frozen=True)
class NumberingFormat:
    prefix: str = ""
    with_year: bool = True
    digits: int = 5

    def number(self, machine_prefix: str, year: int, sequence: int) -> str:
        parts = [p for p in (self.prefix, machine_prefix) if p]
        if self.with_year:
            parts.append(str(year))
        parts.append(f"{sequence:0{self.digits}d}")
        return "-".join(parts)

    def counter(self, machine_prefix: str, year: int) -> str:
        """Each laptop, and each year when it is in the number, counts on its own."""
        return "-".join(
            [
                "dossier",
                *(p for p in (machine_prefix,) if p),
                *([str(year)] if self.with_year else []),
            ]
        )


def check_prefix(prefix: str, field: str) -> str:
    cleaned = prefix.strip().upper()
    if not _PREFIX.match(cleaned):
        raise DomainError(
            "Préfixe : 10 lettres ou chiffres au plus, sans espace ni tiret.", field=field
        )
    return cleaned


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


def format_number(year: int, sequence: int) -> str:
    return NumberingFormat().number("", year, sequence)


def counter_name(year: int) -> str:
    return NumberingFormat().counter("", year)


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


class MachineSettings:
    """Settings of this computer only (not of the office's database): the laptop prefix."""

    def __init__(self, folder: Path | None = None) -> None:
        if folder is None:
            configured = os.environ.get(CONFIG_ENV_VAR)
            if configured:
                folder = Path(configured)
            else:
                from platformdirs import user_config_dir

                folder = Path(user_config_dir("Dossia", appauthor=False))
        self.file = folder / "poste.ini"

    def machine_prefix(self) -> str:
        parser = configparser.ConfigParser()
        try:
            parser.read(self.file, encoding="utf-8")
        except (OSError, configparser.Error):
            return ""
        return parser.get("numerotation", "prefixe_poste", fallback="")

    def set_machine_prefix(self, prefix: str) -> str:
        cleaned = check_prefix(prefix, "machine_prefix")
        parser = configparser.ConfigParser()
        parser["numerotation"] = {"prefixe_poste": cleaned}
        try:
            with atomic_write(self.file) as stream:
                parser.write(stream)
        except OSError as error:
            raise DomainError(
                f"Impossible d'enregistrer le réglage de ce poste : {error.strerror}."
            ) from error
        return cleaned
