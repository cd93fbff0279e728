"""«Export C1», the office manager's first-level control report: one row per dossier over a
period, which files are complete, where each stands and what it earned. The columns, the
filters, the named models («modèles d'export») and the totals. Plain types: no database,
no files here (`c1_service` reads, `c1_files` writes)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.errors import DomainError
from app.text import format_date


class Kind(enum.Enum):
    """How a column's values are typed, in Excel and in CSV."""

    TEXT = "text"
    DATE = "date"
    AMOUNT = "amount"  # cents
    PERCENT = "percent"  # whole percents
    RATE = "rate"  # hundredths of a percent: 3,85 %
    YES_NO = "yes_no"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind
    width: int  # in Excel's characters
    repeats: bool = True  # few distinct values (steps, brokers, dates…), not one per dossier


# Every column the report can have, in its default order. Only columns whose data Dossia
# holds are offered (never an empty column): the TAEG and the debt ratio are those of the
# client-validated simulation, kept in its row (app.simulation.figures).
COLUMNS: tuple[Column, ...] = (
    Column("number", "N° dossier", Kind.TEXT, 13, repeats=False),
    Column("status", "Statut", Kind.TEXT, 11),
    Column("step", "Étape", Kind.TEXT, 20),
    Column("progress", "Avancement", Kind.PERCENT, 11),
    Column("owner", "Courtier", Kind.TEXT, 20),
    Column("provenance", "Provenance", Kind.TEXT, 20),
    Column("referrer", "Apporteur d'affaires", Kind.TEXT, 24),
    Column("holder", "Porteur de projet", Kind.TEXT, 26, repeats=False),
    Column("co_borrower", "Co-emprunteur", Kind.TEXT, 26, repeats=False),
    Column("created_on", "Date de création", Kind.DATE, 12),
    Column("agreement_on", "Date d'accord client", Kind.DATE, 12),
    Column("offer_signed_on", "Date de signature de l'offre", Kind.DATE, 12),
    Column("funds_released_on", "Date de déblocage", Kind.DATE, 12),
    Column("project_cents", "Montant du projet", Kind.AMOUNT, 15),
    Column("financed_cents", "Montant financé", Kind.AMOUNT, 15),
    Column("bank", "Banque retenue", Kind.TEXT, 20),
    Column("taeg", "TAEG", Kind.RATE, 9),
    Column("debt_ratio", "Taux d'endettement", Kind.RATE, 12),
    Column("complete", "Dossier complet", Kind.YES_NO, 10),
    Column("missing", "Pièces manquantes", Kind.TEXT, 45, repeats=False),
    Column("no_fees", "Pas d'honoraires", Kind.YES_NO, 10),
    Column("no_commission", "Pas de commission", Kind.YES_NO, 10),
    Column("no_rebate", "Pas de ristourne", Kind.YES_NO, 10),
    Column("fees_invoiced_cents", "Honoraires facturés", Kind.AMOUNT, 14),
    Column("fees_paid_cents", "Honoraires encaissés", Kind.AMOUNT, 14),
    Column("commission_invoiced_cents", "Commission facturée", Kind.AMOUNT, 14),
    Column("commission_paid_cents", "Commission encaissée", Kind.AMOUNT, 14),
    Column("rebate_cents", "Ristourne", Kind.AMOUNT, 12),
    Column("abandon_reason", "Motif d'abandon", Kind.TEXT, 18),
    Column("abandoned_on", "Date d'abandon", Kind.DATE, 12),
)
BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_MODEL = "Modèle complet"
MODEL_NAME_MAX = 50


class DateField(enum.Enum):
    """The date the period applies to."""

    CREATION = "creation"
    AGREEMENT = "agreement"
    SIGNATURE = "signature"
    RELEASE = "release"

    @property
    def label(self) -> str:
        return {
            "creation": "Date de création",
            "agreement": "Date d'accord client",
            "signature": "Date de signature de l'offre",
            "release": "Date de déblocage des fonds",
        }[self.value]

    @property
    def column(self) -> str:
        """The row's key holding this date."""
        return {
            "creation": "created_on",
            "agreement": "agreement_on",
            "signature": "offer_signed_on",
            "release": "funds_released_on",
        }[self.value]


class Completeness(enum.Enum):
    ALL = "all"
    YES = "yes"
    NO = "no"

    @property
    def label(self) -> str:
        return {"all": "Tous", "yes": "Complets", "no": "Incomplets"}[self.value]


STATUS_LABELS = {"prospect": "Prospect", "client": "Client", "abandoned": "Abandonné"}
_ABANDONED = STATUS_LABELS["abandoned"]


@dataclass(frozen=True)
class C1Filters:
    """Which dossiers the report holds. No period: every date."""

    start: dt.date | None = None
    end: dt.date | None = None
    date_field: DateField = DateField.CREATION
    broker_ids: frozenset[int] = frozenset()  # none: every broker (the user may see)
    statuses: frozenset[str] = frozenset()  # «prospect», «client», «abandoned»; none: all
    step_id: int | None = None
    completeness: Completeness = Completeness.ALL

    def check(self) -> C1Filters:
        if self.start and self.end and self.end < self.start:
            raise DomainError("La fin de la période précède son début.", "end")
        unknown = self.statuses - set(STATUS_LABELS)
        if unknown:
            raise DomainError(f"Statut inconnu : {', '.join(sorted(unknown))}.", "statuses")
        return self

    def describe(self) -> str:
        """For the audit log and the PDF's heading: no personal data."""
        parts = []
        if self.start or self.end:
            since = f"du {format_date(self.start)}" if self.start else "depuis toujours"
            until = f" au {format_date(self.end)}" if self.end else ""
            parts.append(f"{self.date_field.label.lower()} {since}{until}")
        if self.statuses:
            parts.append(", ".join(STATUS_LABELS[s] for s in sorted(self.statuses)))
        if self.broker_ids:
            parts.append(f"{len(self.broker_ids)} courtier(s)")
        if self.step_id is not None:
            parts.append("une étape")
        if self.completeness is not Completeness.ALL:
            parts.append(self.completeness.label.lower())
        return " ; ".join(parts) or "tous les dossiers"


@dataclass(frozen=True)
class ExportModel:
    """A named choice of columns, in their order."""

    name: str
    columns: tuple[str, ...]

    @property
    def shown(self) -> tuple[Column, ...]:
        return tuple(BY_KEY[key] for key in self.columns)


def default_model() -> ExportModel:
    return ExportModel(DEFAULT_MODEL, tuple(column.key for column in COLUMNS))


def check_model(name: str, columns: Sequence[str]) -> ExportModel:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise DomainError("Donnez un nom au modèle d'export.", "name")
    if len(cleaned) > MODEL_NAME_MAX:
        raise DomainError(
            f"Le nom du modèle ne doit pas dépasser {MODEL_NAME_MAX} caractères.", "name"
        )
    if cleaned.casefold() == DEFAULT_MODEL.casefold():
        raise DomainError(f"« {DEFAULT_MODEL} » est le modèle de Dossia : choisissez un autre nom.")
    if not columns:
        raise DomainError("Choisissez au moins une colonne.", "columns")
    unknown = [key for key in columns if key not in BY_KEY]
    if unknown:
        raise DomainError(f"Colonne inconnue : {', '.join(unknown)}.", "columns")
    if len(set(columns)) != len(columns):
        raise DomainError("Une colonne est choisie deux fois.", "columns")
    return ExportModel(cleaned, tuple(columns))


# --- one dossier's row, and the totals ---------------------------------------------------

# A row is a plain tuple, a value per column of `COLUMNS` in their order, then the step's
# position (to list the totals per step in the pipeline's order): dates as dt.date, amounts
# in cents, flags as bool. 2.8 million cells for 100,000 dossiers: tuples and indexes, not
# a dictionary per row.
Row = tuple
INDEX = {column.key: index for index, column in enumerate(COLUMNS)}
STEP_POSITION = len(COLUMNS)
_NUMBER, _STATUS, _STEP = INDEX["number"], INDEX["status"], INDEX["step"]
_OWNER, _HOLDER, _CREATED = INDEX["owner"], INDEX["holder"], INDEX["created_on"]
_COMPLETE = INDEX["complete"]
_SUMMED = tuple(
    INDEX[key]
    for key in (
        "financed_cents",
        "fees_invoiced_cents",
        "fees_paid_cents",
        "commission_invoiced_cents",
        "commission_paid_cents",
        "rebate_cents",
    )
)


@dataclass
class Totals:
    """One group's figures (a broker, a step, the whole report)."""

    dossiers: int = 0
    complete: int = 0
    financed_cents: int = 0
    fees_invoiced_cents: int = 0
    fees_paid_cents: int = 0
    commission_invoiced_cents: int = 0
    commission_paid_cents: int = 0
    rebate_cents: int = 0

    @classmethod
    def of(cls, sums: list[int]) -> Totals:
        return cls(*sums)

    def cells(self) -> tuple[int, ...]:
        """The figures in `TOTAL_HEADERS`' order (counts, then cents)."""
        return (
            self.dossiers,
            self.complete,
            self.financed_cents,
            self.fees_invoiced_cents,
            self.fees_paid_cents,
            self.commission_invoiced_cents,
            self.commission_paid_cents,
            self.rebate_cents,
        )


TOTAL_HEADERS = (
    "Dossiers",
    "Complets",
    "Montant financé",
    "Honoraires facturés",
    "Honoraires encaissés",
    "Commission facturée",
    "Commission encaissée",
    "Ristournes",
)


def total_cells(totals: Totals) -> tuple[int, ...]:
    return totals.cells()


def _plus(into: list[int], sums: list[int]) -> None:
    for index, value in enumerate(sums):
        into[index] += value


@dataclass
class Summary:
    """What the report adds up while it is written: per broker, per step, in all, and the
    incomplete dossiers (for the PDF). Rows are counted per (broker, step) as they come —
    one lookup and a few additions a row — and the groups added up at the end."""

    groups: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    steps_order: dict[str, int] = field(default_factory=dict)
    incomplete: list[tuple[str, str, str, str, dt.date]] = field(default_factory=list)
    rows: int = 0

    def add(self, row: Row) -> None:
        self.rows += 1
        key = (row[_OWNER], row[_STEP])
        sums = self.groups.get(key)
        if sums is None:
            sums = self.groups[key] = [0] * len(TOTAL_HEADERS)
            self.steps_order.setdefault(row[_STEP], row[STEP_POSITION])
        sums[0] += 1
        if row[_COMPLETE]:
            sums[1] += 1
        elif row[_STATUS] != _ABANDONED:
            self.incomplete.append(
                (row[_NUMBER], row[_HOLDER], row[_OWNER], row[_STEP], row[_CREATED])
            )
        for place, index in enumerate(_SUMMED, start=2):
            value = row[index]
            if value:
                sums[place] += value

    def _by(self, part: int) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for key, sums in self.groups.items():
            _plus(found.setdefault(key[part], [0] * len(TOTAL_HEADERS)), sums)
        return found

    @property
    def whole(self) -> Totals:
        every = [0] * len(TOTAL_HEADERS)
        for sums in self.groups.values():
            _plus(every, sums)
        return Totals.of(every)

    def steps(self) -> list[tuple[str, Totals]]:
        return [
            (name, Totals.of(sums))
            for name, sums in sorted(self._by(1).items(), key=lambda i: self.steps_order[i[0]])
        ]

    def brokers(self) -> list[tuple[str, Totals]]:
        return [(name, Totals.of(sums)) for name, sums in sorted(self._by(0).items())]
