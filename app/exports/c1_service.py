"""«Export C1» as a use case: the rows read straight from the database in the report's order
(streamed, never all in memory), a preview and a count, the named models, the file written
whole or not at all, the right «Exporter C1» checked and each export audited."""

from __future__ import annotations

import datetime as dt
import errno
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.errors import Cancelled, DomainError
from app.exports import c1_files, c1_rows
from app.exports.c1 import (
    BY_KEY,
    DEFAULT_MODEL,
    INDEX,
    C1Filters,
    ExportModel,
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
from app.text import format_amount, format_date
from models.dossier import (
    Dossier,
)
from models.enums import (
    AuditAction,
    Right,
)
from models.office import (
    Setting,
    Step,
    User,
)

PREVIEW_ROWS = 50
_MODEL_PREFIX = "export_c1:"


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

    def preview(
        self,
        filters: C1Filters,
        model: ExportModel,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Preview:
        """The first rows as the export writes them, and how many it will hold. The TAEG
        and debt ratios still due are worked out first (`progress(done, total)`, stopped by
        `cancelled()` with Cancelled)."""
        self._user.require(Right.EXPORT_C1)
        filters.check()
        figures.complete_due(self._db, progress, cancelled, self._still_allowed)
        with self._db.read() as session:
            count = session.execute(
                select(func.count()).select_from(Dossier).where(*c1_rows.where(filters, self._user))
            ).scalar_one()
            rows = list(c1_rows.rows(session, filters, self._user, limit=PREVIEW_ROWS))
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
            figures.complete_due(self._db, _busy(progress), cancelled, self._still_allowed)
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
                select(func.count()).select_from(Dossier).where(*c1_rows.where(filters, user))
            ).scalar_one()

            def tick(done: int) -> None:
                if cancelled is not None and cancelled():
                    raise Cancelled("Export annulé : aucun fichier n'a été écrit.")
                if progress is not None:
                    progress(done, total)

            every = max(1, min(500, total // 200))  # a smooth bar, a prompt cancel
            rows = c1_files.counted(c1_rows.rows(session, filters, user), every, tick)
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

    def _still_allowed(self, session: Session) -> None:
        """Before any write: the account and «Exporter C1» re-read in the transaction."""
        check_writer(session, self._user, Right.EXPORT_C1)

    def _office_name(self, session: Session) -> str:
        name = session.execute(
            select(Setting.value).where(Setting.key == "company.name")
        ).scalar_one_or_none()
        return name or "Cabinet de courtage"


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
