"""What the screens and the commands get from «Emporter» / «Rapporter» (issue 11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.text import format_datetime

# (done, total) → False to stop: nothing is kept.
Progress = Callable[[int, int], bool]


@dataclass(frozen=True)
class CarryInfo:
    """A check-out, as the screens show it."""

    id: int
    user_id: int | None
    who: str  # «Marie Dupont»
    machine: str
    prefix: str
    started_at: dt.datetime
    dossier_count: int
    server: str = ""  # on a laptop: the server's address (no password)

    @property
    def summary(self) -> str:
        return (
            f"{self.dossier_count} dossier(s) emporté(s) par {self.who} sur le portable "
            f"{self.machine} depuis le {format_datetime(self.started_at)}"
        )


@dataclass(frozen=True)
class Candidate:
    """A dossier the user may take away: his own, neither abandoned nor already out."""

    id: int
    number: str
    holder_name: str
    status: str  # in French
    step: str


@dataclass(frozen=True)
class CheckedOut:
    carry: CarryInfo
    file: Path
    documents: int  # distinct files copied
    size: int  # their bytes
    missing: int = 0  # documents whose bytes the office does not have either


@dataclass(frozen=True)
class ConflictView:
    """A conflict as the broker sees it: `key` is what `bring_back`'s choices name."""

    key: str
    dossier_number: str
    what: str  # «Emprunteur 1 — Téléphone», or a row: «Commentaire du 01/12/2026»
    office: str  # the value at the office, in French («(supprimé)» for a row gone)
    laptop: str


@dataclass(frozen=True)
class ReturnPlan:
    """What bringing the dossiers back would do, before anything is written."""

    dossiers: int  # taken away
    new_dossiers: int  # created on the laptop
    changed_dossiers: int  # taken away and changed on the laptop
    changes: int  # rows written on the server
    forced_back: bool  # a manager took them back meanwhile (conflicts are possible)
    conflicts: tuple[ConflictView, ...]
    blocked: str = ""  # why they cannot come back now (another laptop has one of them)


@dataclass(frozen=True)
class Returned:
    dossiers: int
    new_dossiers: int
    changes: int
    conflicts: int
    kept_file: Path | None  # the laptop's file, kept read-only (None: it could not be moved)
