"""«Export C1» as a use case: the rows read straight from the database in the report's order
(streamed, never all in memory), a preview and a count, the named models, the file written
whole or not at all, the right «Exporter C1» checked and each export audited."""

from __future__ import annotations

import datetime as dt
import errno
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Select, String, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.documents.checklist import BorrowerFacts, DossierFacts, Requirement, expected
from app.errors import Cancelled, DomainError
from app.exports import c1_files
from app.exports.c1 import (
    BY_KEY,
    DEFAULT_MODEL,
    INDEX,
    STATUS_LABELS,
    C1Filters,
    Completeness,
    DateField,
    ExportModel,
    Row,
    Summary,
    check_model,
    default_model,
)
from app.exports.c1_files import Format
from app.files import atomic_path
from app.office.permissions import check_writer, write_as
from app.pdf import house
from app.simulation import figures
from app.storage.database import Database
from app.text import format_amount, format_date, person_name
from models.dossier import (
    Borrower,
    CurrentLoan,
    Document,
    Dossier,
    Project,
    RequirementTick,
    Simulation,
    SimulationLine,
)
from models.enums import (
    AbandonReason,
    AuditAction,
    Contract,
    DossierStatus,
    InvoiceKind,
    InvoiceState,
    Right,
    SimulationStatus,
)
from models.office import (
    Invoice,
    Provenance,
    Referrer,
    RequiredDocument,
    Setting,
    Step,
    User,
)

PREVIEW_ROWS = 50
_MODEL_PREFIX = "export_c1:"
_CHUNK = 2000  # rows fetched at a time


@dataclass(frozen=True)
class Preview:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the first rows, as shown on screen
    count: int  # every row the export will hold


@dataclass(frozen=True)
class ExportResult:
    target: Path
    rows: int
    summary: Summary


class C1ExportService:
    def __init__(self, database: Database, user: CurrentUser) -> None:
        self._db = database
        self._user = user

    # --- models ---

    def models(self) -> list[ExportModel]:
        """Dossia's own model (every column), then the office's, by name."""
        self._user.require(Right.EXPORT_C1)
        with self._db.read() as session:
            saved = session.execute(
                select(Setting.key, Setting.value).where(Setting.key.like(f"{_MODEL_PREFIX}%"))
            ).all()
        models = []
        for key, value in saved:
            columns = tuple(c for c in value.split(",") if c in BY_KEY)  # a column since gone
            if columns:
                models.append(ExportModel(key.removeprefix(_MODEL_PREFIX), columns))
        return [default_model(), *sorted(models, key=lambda m: m.name.casefold())]

    def model(self, name: str | None) -> ExportModel:
        if not name or name == DEFAULT_MODEL:
            return default_model()
        found = next((m for m in self.models() if m.name.casefold() == name.casefold()), None)
        if found is None:
            raise DomainError(f"Aucun modèle d'export nommé « {name} ».", "model")
        return found

    def save_model(self, name: str, columns: list[str]) -> ExportModel:
        """Save a model; one of the same name (case aside) is replaced."""
        model = check_model(name, columns)
        with write_as(self._db, self._user, Right.EXPORT_C1) as session:
            for setting in session.scalars(
                select(Setting).where(Setting.key.like(f"{_MODEL_PREFIX}%"))
            ):
                if setting.key.removeprefix(_MODEL_PREFIX).casefold() == model.name.casefold():
                    session.delete(setting)
            session.flush()
            session.add(Setting(key=_MODEL_PREFIX + model.name, value=",".join(model.columns)))
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=f"Modèle d'export C1 « {model.name} » ({len(model.columns)} colonnes)",
            )
        return model

    def delete_model(self, name: str) -> None:
        with write_as(self._db, self._user, Right.EXPORT_C1) as session:
            setting = session.get(Setting, _MODEL_PREFIX + name)
            if setting is None:
                raise DomainError(f"Aucun modèle d'export nommé « {name} ».", "model")
            session.delete(setting)
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=f"Modèle d'export C1 « {name} » supprimé",
            )

    # --- what the report holds ---

    def brokers(self) -> list[tuple[int, str]]:
        """The brokers the filter offers: every one for a user who sees every dossier,
        else himself."""
        self._user.require(Right.EXPORT_C1)
        with self._db.read() as session:
            query = select(User.id, User.first_name, User.last_name).where(User.is_broker)
            if not self._user.can(Right.VIEW_ALL_DOSSIERS):
                query = query.where(User.id == self._user.id)
            found = session.execute(query.order_by(User.last_name, User.first_name)).all()
        return [(row.id, f"{row.first_name} {row.last_name}".strip()) for row in found]

    def broker_by_login(self, login: str) -> int:
        """The id of the broker of this login, among those `brokers()` offers (the command
        line names brokers by login)."""
        offered = {broker_id for broker_id, _name in self.brokers()}
        with self._db.read() as session:
            found = session.execute(
                select(User.id).where(func.lower(User.login) == login.strip().lower())
            ).scalar_one_or_none()
        if found is None or found not in offered:
            raise DomainError(f"Aucun courtier d'identifiant « {login} » à exporter.", "brokers")
        return found

    def steps(self) -> list[tuple[int, str]]:
        self._user.require(Right.EXPORT_C1)
        with self._db.read() as session:
            found = session.execute(select(Step.id, Step.name).order_by(Step.position)).all()
        return [(row.id, row.name) for row in found]

    def preview(self, filters: C1Filters, model: ExportModel) -> Preview:
        """The first rows as the export writes them, and how many it will hold."""
        self._user.require(Right.EXPORT_C1)
        filters.check()
        figures.complete_due(self._db)
        with self._db.read() as session:
            count = session.execute(
                select(func.count()).select_from(Dossier).where(*self._where(filters))
            ).scalar_one()
            rows = list(self._rows(session, filters, limit=PREVIEW_ROWS))
        columns = [(INDEX[c.key], c.kind.value) for c in model.shown]
        return Preview(
            tuple(column.header for column in model.shown),
            tuple(tuple(_shown(kind, row[index]) for index, kind in columns) for row in rows),
            count,
        )

    def export(
        self,
        filters: C1Filters,
        model: ExportModel,
        target: Path,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        today: dt.date | None = None,
    ) -> ExportResult:
        """Write the report to `target` (its format from its extension). `progress(done,
        total)` is called as rows are written; `cancelled()` True stops the export, leaving
        no file (nor the previous one changed). Raises DomainError (a French message) for
        a target that cannot be written."""
        self._user.require(Right.EXPORT_C1)
        filters.check()
        kind = c1_files.format_of(target)
        if not kind:
            raise DomainError(
                "Choisissez un fichier .xlsx (Excel), .csv ou .pdf pour l'export.", "format"
            )
        if target.is_dir():
            raise DomainError(f"« {target} » est un dossier : donnez un nom de fichier.", "format")
        summary = Summary()
        stopped = Cancelled("Export annulé : aucun fichier n'a été écrit.")
        try:
            # The TAEG and debt ratios not worked out yet (an office's simulations validated
            # before Dossia kept them): once, before the first report that needs them.
            figures.complete_due(self._db, _busy(progress), cancelled)
        except Cancelled:
            raise stopped from None
        try:
            # The file is written beside its target and takes its name only once the export
            # is audited: no file without its audit line, no half file, the previous intact.
            with atomic_path(target) as partial:
                self._write(kind, filters, model, partial, summary, progress, cancelled, today)
                if cancelled is not None and cancelled():  # «Annuler» in the last moment
                    raise stopped
                with write_as(self._db, self._user, Right.EXPORT_C1) as session:
                    audit.record(
                        session,
                        self._user,
                        AuditAction.C1_EXPORTED,
                        details=(
                            f"{summary.rows} dossier(s), modèle « {model.name} », "
                            f"{filters.describe()}, fichier « {target.name} »"
                        ),
                    )
        except OSError as error:
            raise DomainError(_write_refused(target, error), "target") from error
        except house.Stopped:  # the PDF's own cancel, while it is laid out
            raise stopped from None
        return ExportResult(target, summary.rows, summary)

    def _write(
        self,
        kind: str,
        filters: C1Filters,
        model: ExportModel,
        path: Path,
        summary: Summary,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool] | None,
        today: dt.date | None,
    ) -> None:
        with self._db.read() as session:
            # The report leaves the office: the account and its rights are re-read first,
            # and what it may see follows them (not the rights read at login).
            user = check_writer(session, self._user, Right.EXPORT_C1)
            total = session.execute(
                select(func.count()).select_from(Dossier).where(*self._where(filters, user))
            ).scalar_one()

            def tick(done: int) -> None:
                if cancelled is not None and cancelled():
                    raise Cancelled("Export annulé : aucun fichier n'a été écrit.")
                if progress is not None:
                    progress(done, total)

            every = max(1, min(500, total // 200))  # a smooth bar, a prompt cancel
            rows = c1_files.counted(self._rows(session, filters, user=user), every, tick)
            if kind == Format.CSV:
                c1_files.write_csv(rows, model, summary, path)
            elif kind == Format.XLSX:
                c1_files.write_xlsx(rows, model, summary, path, f"Export C1 — {filters.describe()}")
            else:
                c1_files.write_pdf(
                    rows,
                    summary,
                    filters,
                    path,
                    self._office_name(session),
                    today or dt.date.today(),
                    cancelled,
                )

    # --- the rows ---

    def _where(self, filters: C1Filters, user: CurrentUser | None = None) -> list:
        user = user or self._user
        clauses: list = []
        if not user.can(Right.VIEW_ALL_DOSSIERS):
            clauses.append(Dossier.owner_id == user.id)
        if filters.broker_ids:
            clauses.append(Dossier.owner_id.in_(sorted(filters.broker_ids)))
        if filters.statuses:
            clauses.append(Dossier.status.in_(sorted(filters.statuses)))
        if filters.step_id is not None:
            clauses.append(Dossier.step_id == filters.step_id)
        if filters.completeness is Completeness.YES:
            clauses.append(Dossier.is_complete.is_(True))
        elif filters.completeness is Completeness.NO:
            clauses.append(Dossier.is_complete.is_(False))
        day = {
            DateField.CREATION: Dossier.created_on,
            DateField.AGREEMENT: Dossier.client_agreement_on,
            DateField.SIGNATURE: Dossier.offer_signed_on,
            DateField.RELEASE: Dossier.funds_released_on,
        }[filters.date_field]
        if filters.start is not None:
            clauses.append(day >= filters.start)
        if filters.end is not None:
            clauses.append(day <= filters.end)
        return clauses

    def _query(self, filters: C1Filters, user: CurrentUser | None = None) -> Select:
        co = (
            select(Borrower.dossier_id, Borrower.first_name, Borrower.last_name)
            .where(Borrower.rank == 2)
            .subquery()
        )
        financed = (  # the client-validated simulation: one a dossier at most
            select(
                Simulation.dossier_id,
                func.sum(SimulationLine.amount_cents).label("cents"),
                func.max(Simulation.taeg_bp).label("taeg"),
                func.max(Simulation.debt_ratio_bp).label("debt_ratio"),
            )
            .join(SimulationLine, SimulationLine.simulation_id == Simulation.id)
            .where(Simulation.status == SimulationStatus.CLIENT_VALIDATED)
            .group_by(Simulation.dossier_id)
            .subquery()
        )
        net = Invoice.total_cents + Invoice.credited_cents  # credited: ≤ 0

        def of(kind: InvoiceKind, value):
            return func.sum(case((Invoice.kind == kind, value), else_=0))

        invoiced = (
            select(
                Invoice.dossier_id,
                of(InvoiceKind.FEES, net).label("fees"),
                of(InvoiceKind.FEES, Invoice.paid_cents).label("fees_paid"),
                of(InvoiceKind.BANK_COMMISSION, net).label("commission"),
                of(InvoiceKind.BANK_COMMISSION, Invoice.paid_cents).label("commission_paid"),
                of(InvoiceKind.REBATE, net).label("rebate"),
            )
            .where(
                Invoice.dossier_id.is_not(None),
                Invoice.state != InvoiceState.DRAFT,
                Invoice.credits_id.is_(None),  # the credit notes: in `credited_cents`
            )
            .group_by(Invoice.dossier_id)
            .subquery()
        )
        costs = [
            func.coalesce(column, 0)
            for column in (
                Project.price_cents,
                Project.notary_fees_cents,
                Project.works_cents,
                Project.agency_fees_cents,
                Project.other_costs_cents,
            )
        ]
        project_total = costs[0] + costs[1] + costs[2] + costs[3] + costs[4]
        has_project = or_(
            *(
                column.is_not(None)
                for column in (
                    Project.price_cents,
                    Project.notary_fees_cents,
                    Project.works_cents,
                    Project.agency_fees_cents,
                    Project.other_costs_cents,
                )
            )
        )
        buy_back = (
            select(CurrentLoan.id)
            .where(CurrentLoan.dossier_id == Dossier.id, CurrentLoan.to_buy_back.is_(True))
            .exists()
        )
        # What the documents checklist needs, read with each dossier: its household's
        # shape («rank:contract:rents» per borrower) and the pieces received, each as
        # requirement × 10 + borrower's rank, from the files and the ticks.
        shape = (
            select(
                func.aggregate_strings(
                    cast(Borrower.rank, String)
                    + ":"
                    + func.coalesce(Borrower.contract, "")
                    + case((Borrower.rental_income_cents > 0, ":1"), else_=":0"),
                    " ",
                )
            )
            .where(Borrower.dossier_id == Dossier.id)
            .scalar_subquery()
        )
        filed = (
            select(
                func.aggregate_strings(
                    cast(Document.requirement_id * 10 + Document.borrower_rank, String), " "
                )
            )
            .where(Document.dossier_id == Dossier.id, Document.requirement_id.is_not(None))
            .scalar_subquery()
        )
        ticked = (
            select(
                func.aggregate_strings(
                    cast(
                        RequirementTick.requirement_id * 10 + RequirementTick.borrower_rank, String
                    ),
                    " ",
                )
            )
            .where(RequirementTick.dossier_id == Dossier.id)
            .scalar_subquery()
        )
        return (
            select(
                Dossier.number,
                Dossier.status,
                Step.name.label("step"),
                Step.percent,
                func.trim(User.first_name + " " + User.last_name).label("owner"),
                Provenance.name.label("provenance"),
                Referrer.name.label("referrer"),
                Dossier.holder_name,
                co.c.first_name.label("co_first"),
                co.c.last_name.label("co_last"),
                Dossier.created_on,
                Dossier.client_agreement_on,
                Dossier.offer_signed_on,
                Dossier.funds_released_on,
                case((has_project, project_total), else_=literal(None)).label("project"),
                financed.c.cents.label("financed"),
                Dossier.chosen_bank,
                financed.c.taeg,
                financed.c.debt_ratio,
                Dossier.is_complete,
                Dossier.no_fees,
                Dossier.no_bank_commission,
                Dossier.no_rebate,
                invoiced.c.fees,
                invoiced.c.fees_paid,
                invoiced.c.commission,
                invoiced.c.commission_paid,
                invoiced.c.rebate,
                Dossier.abandon_reason,
                Dossier.abandoned_on,
                Step.position,
                Project.nature,
                Project.contribution_cents,
                Project.works_cents.label("works"),
                buy_back.label("buy_back"),
                shape.label("shape"),
                filed.label("filed"),
                ticked.label("ticked"),
            )
            .select_from(Dossier)
            .join(Step, Step.id == Dossier.step_id)
            .join(User, User.id == Dossier.owner_id)
            .join(Provenance, Provenance.id == Dossier.provenance_id)
            .outerjoin(Referrer, Referrer.id == Dossier.referrer_id)
            .outerjoin(co, co.c.dossier_id == Dossier.id)
            .outerjoin(Project, Project.dossier_id == Dossier.id)
            .outerjoin(financed, financed.c.dossier_id == Dossier.id)
            .outerjoin(invoiced, invoiced.c.dossier_id == Dossier.id)
            .where(*self._where(filters, user))
            .order_by(Dossier.created_on, Dossier.id)
        )

    def _rows(
        self,
        session: Session,
        filters: C1Filters,
        limit: int | None = None,
        user: CurrentUser | None = None,
    ) -> Iterator[Row]:
        """The report's rows in its order, read `_CHUNK` at a time (plain tuples: no ORM
        objects), each with its missing documents worked out from the office's checklist."""
        query = self._query(filters, user)
        if limit is not None:
            query = query.limit(limit)
        missing = _Missing(_requirements(session))
        result = session.connection().execute(query.execution_options(yield_per=_CHUNK))
        statuses = _STATUSES
        reasons = _REASONS
        for chunk in result.partitions():
            for (
                number,
                status,
                step,
                percent,
                owner,
                provenance,
                referrer,
                holder,
                co_first,
                co_last,
                created_on,
                agreement_on,
                signed_on,
                released_on,
                project,
                financed,
                bank,
                taeg,
                debt_ratio,
                complete,
                no_fees,
                no_commission,
                no_rebate,
                fees,
                fees_paid,
                commission,
                commission_paid,
                rebate,
                reason,
                abandoned_on,
                position,
                nature,
                contribution,
                works,
                buy_back,
                shape,
                filed,
                ticked,
            ) in chunk:
                co = person_name(co_first or "", co_last) if co_last else ""
                yield (
                    number,
                    statuses[status],
                    step,
                    percent,
                    owner,
                    provenance,
                    referrer or "",
                    holder,
                    co,
                    created_on,
                    agreement_on,
                    signed_on,
                    released_on,
                    project,
                    financed,
                    bank,
                    taeg,
                    debt_ratio,
                    bool(complete),
                    missing.of(
                        (shape, nature, bool(contribution), bool(works), bool(buy_back)),
                        filed,
                        ticked,
                        holder,
                        co,
                    ),
                    bool(no_fees),
                    bool(no_commission),
                    bool(no_rebate),
                    fees,
                    fees_paid,
                    commission,
                    commission_paid,
                    rebate,
                    reasons[reason] if reason else "",
                    abandoned_on,
                    position,
                )

    def _office_name(self, session: Session) -> str:
        name = session.execute(
            select(Setting.value).where(Setting.key == "company.name")
        ).scalar_one_or_none()
        return name or "Cabinet de courtage"


_REASONS = {reason: reason.label for reason in AbandonReason}
# By the enum or its stored value (a StrEnum: both hash alike).
_STATUSES: dict[str, str] = {status: STATUS_LABELS[status.value] for status in DossierStatus}
_CACHED_SHAPES = 50_000  # distinct households × pieces received kept, at most


def _requirements(session: Session) -> list[Requirement]:
    return [
        Requirement(r.id, r.label, r.rule, r.folder, r.is_active)
        for r in session.scalars(
            select(RequiredDocument)
            .where(RequiredDocument.is_active)
            .order_by(RequiredDocument.position)
        )
    ]


class _Missing:
    """Each dossier's «Pièces à fournir» not received yet (no file answers it, not ticked
    by hand), as the «Documents» tab works them out. Thousands of dossiers share the same
    household shape and the same pieces received: what they lack is worked out once per
    such pair, then only the borrowers' names are put in."""

    def __init__(self, requirements: list[Requirement]) -> None:
        self._requirements = requirements
        self._asked: dict[tuple, list[tuple[int, int, str]]] = {}  # (code, rank, label)
        self._lacking: dict[tuple, tuple[str, bool]] = {}

    def of(self, facts: tuple, filed: str | None, ticked: str | None, holder: str, co: str) -> str:
        if not self._requirements:
            return ""
        key = (facts, filed, ticked)
        found = self._lacking.get(key)
        if found is None:
            if len(self._lacking) >= _CACHED_SHAPES:
                self._lacking.clear()
            found = self._lacking[key] = self._work_out(facts, filed, ticked)
        text, named = found
        return text.format(holder, co) if named else text

    def _work_out(self, facts: tuple, filed: str | None, ticked: str | None) -> tuple[str, bool]:
        """What the dossier lacks, as a text whose borrowers' names are put in by
        `str.format` ({0} the porteur de projet, {1} the co-emprunteur)."""
        items = self._asked.get(facts)
        if items is None:
            items = self._asked[facts] = self._expected(facts)
        received = set(map(int, filed.split())) if filed else set()
        if ticked:
            received.update(map(int, ticked.split()))
        lacking = [(rank, label) for code, rank, label in items if code not in received]
        if not any(rank for rank, _label in lacking):
            return " ; ".join(label for _rank, label in lacking), False
        return " ; ".join(
            label.replace("{", "{{").replace("}", "}}")
            + (f" — {{{rank - 1}}}" if rank in (1, 2) else (" — " if rank else ""))
            for rank, label in lacking
        ), True

    def _expected(self, facts: tuple) -> list[tuple[int, int, str]]:
        shape, nature, contribution, works, buy_back = facts
        borrowers = []
        for one in (shape or "").split():
            rank, contract, rents = one.split(":")
            borrowers.append(
                BorrowerFacts(int(rank), "", Contract(contract) if contract else None, rents == "1")
            )
        dossier = DossierFacts(
            borrowers=tuple(sorted(borrowers, key=lambda b: b.rank)),
            nature=nature,
            contribution=contribution,
            works=works,
            buy_back=buy_back,
        )
        return [  # each piece as the query codes it: requirement × 10 + rank
            (item.requirement_id * 10 + item.borrower_rank, item.borrower_rank, item.label)
            for item in expected(self._requirements, dossier)
        ]


def _shown(kind: str, value: object) -> str:
    """A cell of the preview, as a French reader expects it."""
    if value is None or value == "":
        return ""
    if kind == "date":
        return format_date(value)  # type: ignore[arg-type]
    if kind == "amount":
        return format_amount(int(value))  # type: ignore[call-overload]
    if kind == "percent":
        return f"{value}\u00a0%"
    if kind == "rate":
        return f"{value // 100},{value % 100:02d}\u00a0%"  # type: ignore[operator]
    if kind == "yes_no":
        return "Oui" if value else "Non"
    return str(value)


def _busy(progress: Callable[[int, int], None] | None) -> Callable[[int, int], None] | None:
    """The progress of a phase before the rows: said as work without a count yet."""
    if progress is None:
        return None
    return lambda _done, _total: progress(0, 0)


def _write_refused(target: Path, error: OSError) -> str:
    if error.errno in (errno.EACCES, errno.EPERM):
        why = "accès refusé (le fichier est-il ouvert dans Excel, ou le dossier en lecture seule ?)"
    elif error.errno == errno.ENOSPC:
        why = "le disque est plein"
    else:
        why = error.strerror or str(error)
    return f"Impossible d'écrire « {target} » : {why}. L'ancien fichier, s'il existe, est intact."
