"""«Paramètres»: the pipeline steps and the audit log (managers only)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import DateTime, func, literal, select, update
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.clock import now
from app.errors import DomainError, NotFound, PermissionDenied
from app.files import atomic_write
from app.office.counters import load_format, save_format
from app.office.machine import MachineSettings
from app.office.numbering import NumberingFormat, check_prefix
from app.office.office import BackupRetention, validate_retention
from app.office.permissions import check_writer, write_as
from app.storage.database import Database
from app.validation import clean_text
from models.audit import AuditEvent
from models.carry import CarriedDossier
from models.dossier import Dossier, StepChange
from models.enums import AuditAction, Right
from models.office import Setting, Step


@dataclass(frozen=True)
class StepRow:
    id: int
    name: str
    percent: int
    position: int
    is_active: bool
    dossiers: int


def check_step_order(steps: list[tuple[str, int]]) -> None:
    """Active steps, in order: names given, percentages strictly increasing, the last at 100 %."""
    if not steps:
        raise DomainError("Il faut au moins une étape active.")
    previous = 0
    for name, percent in steps:
        if not 0 < percent <= 100:
            raise DomainError(
                f"« {name} » : le pourcentage doit être compris entre 1 et 100.", field="percent"
            )
        if percent <= previous:
            raise DomainError(
                f"« {name} » : les pourcentages doivent croître d'une étape à la suivante.",
                field="percent",
            )
        previous = percent
    if previous != 100:
        raise DomainError("La dernière étape doit être à 100 %.", field="percent")


def _clean_name(name: str) -> str:
    return clean_text(
        name,
        "name",
        "Nom de l'étape",
        100,
        required=True,
        required_message="Donnez un nom à l'étape (100 caractères au plus).",
        too_long_message="Donnez un nom à l'étape (100 caractères au plus).",
    )


class SettingsService:
    def __init__(
        self, database: Database, user: CurrentUser, machine: MachineSettings | None = None
    ) -> None:
        self._db = database
        self._user = user
        self._machine = machine or MachineSettings()

    # --- dossier numbering ---

    def numbering(self) -> tuple[NumberingFormat, str]:
        """The office's format and this laptop's prefix."""
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            return load_format(session), self._machine.machine_prefix()

    def save_numbering(self, prefix: str, with_year: bool, digits: int, machine_prefix: str) -> str:
        """Save the format (for the office) and the prefix (for this laptop); returns an example."""
        self._user.require(Right.MANAGE_SETTINGS)
        if not 3 <= digits <= 8:
            raise DomainError("Le compteur compte de 3 à 8 chiffres.", field="digits")
        numbering = NumberingFormat(check_prefix(prefix, "prefix"), bool(with_year), digits)
        machine = check_prefix(machine_prefix, "machine_prefix")
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            save_format(session, numbering)
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=f"Numérotation : {numbering.number(machine, dt.date.today().year, 42)}",
            )
        self._machine.set_machine_prefix(machine)
        return numbering.number(machine, dt.date.today().year, 42)

    # --- how long automatic backups are kept ---

    def backup_retention(self) -> BackupRetention:
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            return load_retention(session)

    def save_backup_retention(self, retention: BackupRetention) -> BackupRetention:
        cleaned = validate_retention(retention)
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            for field in ("daily", "weekly", "monthly"):
                session.merge(Setting(key=f"backups.{field}", value=str(getattr(cleaned, field))))
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=(
                    f"Sauvegardes : {cleaned.daily} jours, {cleaned.weekly} semaines, "
                    f"{cleaned.monthly} mois"
                ),
            )
        return cleaned

    # --- pipeline steps ---

    def steps(self) -> list[StepRow]:
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            counts = dict(
                session.execute(
                    select(Dossier.step_id, func.count()).group_by(Dossier.step_id)
                ).all()
            )
            rows = session.scalars(
                select(Step).order_by(Step.is_active.desc(), Step.position, Step.id)
            )
            return [
                StepRow(s.id, s.name, s.percent, s.position, s.is_active, counts.get(s.id, 0))
                for s in rows
            ]

    def add_step(self, name: str, percent: int) -> list[StepRow]:
        """A new active step, placed by its percentage among the active ones."""
        cleaned = _clean_name(name)

        def change(session: Session, active: list[Step]) -> list[Step]:
            step = Step(name=cleaned, percent=percent, position=0, is_active=True)
            session.add(step)
            index = next((i for i, s in enumerate(active) if s.percent > percent), len(active))
            return [*active[:index], step, *active[index:]]

        return self._change_steps(change, f"Ajout de « {cleaned} »")

    def rename_step(self, step_id: int, name: str) -> list[StepRow]:
        cleaned = _clean_name(name)

        def change(session: Session, active: list[Step]) -> list[Step]:
            self._step(session, step_id).name = cleaned
            return active

        return self._change_steps(change, f"Étape renommée « {cleaned} »")

    def set_percent(self, step_id: int, percent: int) -> list[StepRow]:
        def change(session: Session, active: list[Step]) -> list[Step]:
            self._step(session, step_id).percent = percent
            return active

        return self._change_steps(change, f"Pourcentage modifié : {percent} %")

    def move_step(self, step_id: int, direction: int) -> list[StepRow]:
        """Move a step up (-1) or down (+1); the percentages stay with the places."""

        def change(session: Session, active: list[Step]) -> list[Step]:
            index = next((i for i, s in enumerate(active) if s.id == step_id), None)
            if index is None:
                raise DomainError("Seule une étape active peut être déplacée.")
            target = index + direction
            if not 0 <= target < len(active):
                raise DomainError("Cette étape est déjà à cette extrémité du pipeline.")
            a, b = active[index], active[target]
            a.percent, b.percent = b.percent, a.percent
            active[index], active[target] = b, a
            return active

        return self._change_steps(change, "Ordre des étapes modifié")

    def deactivate_step(self, step_id: int, move_to: int | None) -> list[StepRow]:
        """Remove a step from the pipeline; its dossiers go to `move_to` (dated in their history)."""

        def change(session: Session, active: list[Step]) -> list[Step]:
            step = self._step(session, step_id)
            remaining = [s for s in active if s.id != step.id]
            moved = session.scalar(select(func.count()).where(Dossier.step_id == step.id))
            if moved:
                target = next((s for s in remaining if s.id == move_to), None)
                if target is None:
                    raise DomainError(
                        f"{moved} dossier(s) sont à l'étape « {step.name} » : choisissez l'étape où les déplacer.",
                        field="move_to",
                    )
                self._move_dossiers(session, step, target)
            step.is_active = False
            return remaining

        return self._change_steps(change, "Étape désactivée")

    def reactivate_step(self, step_id: int) -> list[StepRow]:
        def change(session: Session, active: list[Step]) -> list[Step]:
            step = self._step(session, step_id, active_only=False)
            step.is_active = True
            index = next((i for i, s in enumerate(active) if s.percent > step.percent), len(active))
            return [*active[:index], step, *active[index:]]

        return self._change_steps(change, "Étape réactivée")

    def _move_dossiers(self, session: Session, source: Step, target: Step) -> None:
        carried = session.scalars(
            select(Dossier.number)
            .join(CarriedDossier, CarriedDossier.dossier_id == Dossier.id)
            .where(Dossier.step_id == source.id)
            .order_by(Dossier.number)
            .limit(6)
        ).all()
        if carried:
            listed = ", ".join(carried[:5]) + (" …" if len(carried) > 5 else "")
            raise PermissionDenied(
                f"Des dossiers à cette étape sont emportés sur un portable ({listed}) : ils "
                "ne changent pas d'étape avant leur retour. Attendez qu'ils soient rapportés, "
                "ou qu'un responsable les reprenne (Outils › Dossiers emportés)."
            )
        stamp = now()
        session.execute(
            StepChange.__table__.insert().from_select(
                ["dossier_id", "step_id", "step_name", "step_percent", "changed_at", "user_id"],
                select(
                    Dossier.id,
                    literal(target.id),
                    literal(target.name),
                    literal(target.percent),
                    literal(stamp, DateTime()),
                    literal(self._user.id),
                ).where(Dossier.step_id == source.id),
            )
        )
        session.execute(
            update(Dossier)
            .where(Dossier.step_id == source.id)
            .values(step_id=target.id, version=Dossier.version + 1)
        )

    def _change_steps(self, change, details: str) -> list[StepRow]:
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            active = list(
                session.scalars(select(Step).where(Step.is_active).order_by(Step.position, Step.id))
            )
            ordered = change(session, active)
            check_step_order([(s.name, s.percent) for s in ordered])
            for position, step in enumerate(ordered, start=1):
                step.position = position
            audit.record(session, self._user, AuditAction.STEPS_CHANGED, details=details[:200])
        return self.steps()

    def _step(self, session: Session, step_id: int, active_only: bool = True) -> Step:
        step = session.get(Step, step_id)
        if step is None or (active_only and not step.is_active):
            raise NotFound("Cette étape n'existe plus.")
        return step

    # --- audit log ---

    def audit_events(
        self,
        start: dt.date | None = None,
        end: dt.date | None = None,
        login: str | None = None,
        action: AuditAction | None = None,
        dossier_number: str = "",
        limit: int = 1000,
    ) -> list[AuditEvent]:
        """The log, newest first, filtered by period, user, action and dossier."""
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            return self._events(session, start, end, login, action, dossier_number, limit)

    def _events(
        self,
        session: Session,
        start: dt.date | None = None,
        end: dt.date | None = None,
        login: str | None = None,
        action: AuditAction | None = None,
        dossier_number: str = "",
        limit: int = 1000,
    ) -> list[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
        if start:
            query = query.where(AuditEvent.at >= dt.datetime.combine(start, dt.time()))
        if end:
            query = query.where(
                AuditEvent.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
            )
        if login:
            query = query.where(AuditEvent.user_login == login)
        if action:
            query = query.where(AuditEvent.action == action)
        if dossier_number.strip():
            query = query.where(AuditEvent.dossier_number.contains(dossier_number.strip()))
        events = list(session.scalars(query))
        session.expunge_all()
        return events

    def audit_lines(
        self,
        start: dt.date | None = None,
        end: dt.date | None = None,
        login: str | None = None,
        action: AuditAction | None = None,
        dossier_number: str = "",
        limit: int = 1000,
    ) -> list[audit.AuditLine]:
        """`audit_events` as the log shows them: users by their full names."""
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            events = self._events(session, start, end, login, action, dossier_number, limit)
            return audit.readable(events, audit.people(session))

    def audit_users(self) -> list[tuple[str, str]]:
        """The logins found in the log with their users' names, (login, name) by name."""
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            known = audit.people(session)
            logins = session.scalars(select(AuditEvent.user_login).distinct())
            found = [(login, known.by_login.get(login, login)) for login in logins]
        return sorted(found, key=lambda pair: (pair[1].casefold(), pair[0]))

    def audit_logins(self) -> list[str]:
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            return list(
                session.scalars(
                    select(AuditEvent.user_login).distinct().order_by(AuditEvent.user_login)
                )
            )

    def export_audit_csv(self, target: Path, **filters) -> int:
        """Write the filtered log as CSV for French Excel (;, UTF-8 with BOM), atomically."""
        self._user.require(Right.MANAGE_SETTINGS)
        with self._db.read() as session:
            # The log leaves the office: the account and its right are re-read first.
            check_writer(session, self._user, Right.MANAGE_SETTINGS)
            events = self._events(session, limit=1_000_000, **filters)
        try:
            with atomic_write(target, encoding="utf-8-sig", newline="") as stream:
                writer = csv.writer(stream, delimiter=";")
                writer.writerow(["Date", "Utilisateur", "Action", "N° de dossier", "Détails"])
                for event in events:
                    writer.writerow(
                        [
                            event.at.strftime("%d/%m/%Y %H:%M:%S"),
                            _cell(event.user_login),
                            event.action.label,
                            _cell(event.dossier_number or ""),
                            _cell(event.details),
                        ]
                    )
        except OSError as error:
            raise DomainError(
                f"Impossible d'écrire « {target} » : {error.strerror or error}."
            ) from error
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            audit.record(
                session, self._user, AuditAction.AUDIT_EXPORTED, details=f"{len(events)} ligne(s)"
            )
        return len(events)


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas (a cell starting with = + - @ is read as one)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def load_retention(session: Session) -> BackupRetention:
    """The office's backup retention (its defaults until a manager changes them)."""
    stored = dict(
        session.execute(
            select(Setting.key, Setting.value).where(Setting.key.like("backups.%"))
        ).all()
    )
    default = BackupRetention()
    values = {}
    for field in ("daily", "weekly", "monthly"):
        try:
            values[field] = int(stored.get(f"backups.{field}", getattr(default, field)))
        except ValueError:
            values[field] = getattr(default, field)
    try:
        return validate_retention(BackupRetention(**values))
    except DomainError:
        return default
