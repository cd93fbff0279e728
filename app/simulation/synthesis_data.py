"""What the «Synthèse de financement» PDF says, as plain data (read by the simulation
service, written by `synthesis_pdf`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.dossier.situation import ProjectData
from app.office.company import Company
from app.simulation.finance import PlanResult
from app.simulation.plans import PlanData


@dataclass(frozen=True)
class Person:
    name: str
    details: tuple[tuple[str, str], ...]  # (label, value): none when contacts are hidden


@dataclass(frozen=True)
class SynthesisNote:
    heading: str  # «Général — 12/03/2026, Claire Marchetti»
    body: str  # stored rich text (safe subset of HTML)


@dataclass(frozen=True)
class SynthesisData:
    company: Company
    logo: bytes | None  # the image file's bytes
    dossier_number: str
    borrowers: tuple[Person, ...]
    project: ProjectData
    plan: PlanData
    result: PlanResult
    verdicts: tuple[tuple[str, str], ...]  # (label, text): usury, debt ratio, reste à vivre
    notes: tuple[SynthesisNote, ...]
    printed_on: dt.date
