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
    YES_NO = "yes_no"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind
    width: int  # in Excel's characters


# Every column the report can have, in its default order. A column whose data Dossia does
# not hold yet (the TAEG and the debt ratio of the validated simulation: computed, never
# stored) is not offered: never an empty column.
COLUMNS: tuple[Column, ...] = (
    Column("number", "N° dossier", Kind.TEXT, 13),
    Column("status", "Statut", Kind.TEXT, 11),
    Column("step", "Étape", Kind.TEXT, 20),
    Column("progress", "Avancement", Kind.PERCENT, 11),
    Column("owner", "Courtier", Kind.TEXT, 20),
    Column("provenance", "Provenance", Kind.TEXT, 20),
    Column("referrer", "Apporteur d'affaires", Kind.TEXT, 24),
    Column("holder", "Porteur de projet", Kind.TEXT, 26),
    Column("co_borrower", "Co-emprunteur", Kind.TEXT, 26),
    Column("created_on", "Date de création", Kind.DATE, 12),
    Column("agreement_on", "Date d'accord client", Kind.DATE, 12),
    Column("offer_signed_on", "Date de signature de l'offre", Kind.DATE, 12),
    Column("funds_released_on", "Date de déblocage", Kind.DATE, 12),
    Column("project_cents", "Montant du projet", Kind.AMOUNT, 15),
    Column("financed_cents", "Montant financé", Kind.AMOUNT, 15),
    Column("bank", "Banque retenue", Kind.TEXT, 20),
    Column("complete", "Dossier complet", Kind.YES_NO, 10),
    Column("missing", "Pièces manquantes", Kind.TEXT, 45),
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

Row = dict[str, object]  # by column key; dates as dt.date, amounts in cents, flags as bool


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

    def add(self, row: Row) -> None:
        self.dossiers += 1
        self.complete += bool(row["complete"])
        for name in (
            "financed_cents",
            "fees_invoiced_cents",
            "fees_paid_cents",
            "commission_invoiced_cents",
            "commission_paid_cents",
            "rebate_cents",
        ):
            setattr(self, name, getattr(self, name) + int(row[name] or 0))  # type: ignore[call-overload]


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
    """A group's figures in `TOTAL_HEADERS`' order (counts, then cents)."""
    return (
        totals.dossiers,
        totals.complete,
        totals.financed_cents,
        totals.fees_invoiced_cents,
        totals.fees_paid_cents,
        totals.commission_invoiced_cents,
        totals.commission_paid_cents,
        totals.rebate_cents,
    )


@dataclass
class Summary:
    """What the report adds up while it is written: per broker, per step, in all, and the
    incomplete dossiers (for the PDF)."""

    by_broker: dict[str, Totals] = field(default_factory=dict)
    by_step: dict[str, Totals] = field(default_factory=dict)
    steps_order: dict[str, int] = field(default_factory=dict)
    whole: Totals = field(default_factory=Totals)
    incomplete: list[tuple[str, str, str, str, dt.date]] = field(default_factory=list)
    rows: int = 0

    def add(self, row: Row) -> None:
        self.rows += 1
        self.whole.add(row)
        self.by_broker.setdefault(str(row["owner"]), Totals()).add(row)
        step = str(row["step"])
        self.by_step.setdefault(step, Totals()).add(row)
        self.steps_order.setdefault(step, int(row["_step_position"]))  # type: ignore[call-overload]
        if not row["complete"] and row["status"] != STATUS_LABELS["abandoned"]:
            self.incomplete.append(
                (
                    str(row["number"]),
                    str(row["holder"]),
                    str(row["owner"]),
                    step,
                    row["created_on"],  # type: ignore[arg-type]
                )
            )

    def steps(self) -> list[tuple[str, Totals]]:
        return sorted(self.by_step.items(), key=lambda item: self.steps_order[item[0]])

    def brokers(self) -> list[tuple[str, Totals]]:
        return sorted(self.by_broker.items())
