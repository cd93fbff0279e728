"""Laptops that take dossiers away and bring them back (issue 11).

«Emporter des dossiers» (on the office's server): a broker copies dossiers he may change —
each whole: household, simulations, documents with their bytes, invoices and payments —
into a file of his laptop, with the office's settings and referentials. On the server the
dossiers are marked «emporté par X depuis le …» and read-only for everyone, the broker
included (`app.dossier.access.check_may_change`), until they come back; a manager may force
them back. The laptop's file is an ordinary office (encrypted with the broker's password),
opened instead of the server until the dossiers are brought back, where:

- new dossiers and invoices take the laptop's numbering prefix («L2-2026-00012»,
  «F-L2-2026-0003»): no number can collide with the office's;
- the office's settings, users and profiles are read-only, numbers are not changed and
  dossiers are not deleted (the rights that allow it are not given there).

«Rapporter» (on the laptop) applies the laptop's changes to the server in one
transaction: a three-way comparison of each row and field (`app.storage.carry_rows`) with
the dossier as it left. A field changed on both sides — only possible when a manager forced
the dossiers back and someone changed them — is shown to the broker, who chooses; both
values are kept with the dossier (`carry_conflicts`), the audit log records the choice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import platform
from collections.abc import Iterator, Mapping, Sequence

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.carry.laptop import CARRY_KEY, SERVER_KEY
from app.carry.laptop_file import build_laptop_file, building, set_aside
from app.carry.readmodels import (
    Candidate,
    CarryInfo,
    CheckedOut,
    ConflictView,
    Progress,
    Returned,
    ReturnPlan,
)
from app.carry.returning import Returning, conflict_view, names_of, phase, send_documents
from app.dossier.access import check_may_change
from app.errors import DomainError, NotFound, PermissionDenied
from app.office.numbering import check_prefix
from app.office.permissions import check_writer
from app.paths import CARRY_RETURNED, DataPaths, ServerLocation, carry_paths
from app.security import verify_password
from app.storage import carry_rows
from app.storage.carry_merge import LAPTOP, OFFICE, Merge, merge, rekeyed, touched
from app.storage.carry_rows import DOSSIERS, TREE_TABLES, Rows
from app.storage.database import Database
from app.storage.documents import DocumentStore
from app.text import format_datetime
from models.carry import CarriedDossier, Carry, CarryBaseline
from models.dossier import Dossier
from models.enums import AuditAction, DossierStatus, Right
from models.office import Setting, Step, User

log = logging.getLogger(__name__)

MAX_DOSSIERS = 2000


class CarryService:
    """Both ends: on the server (`server` given, `database` is the server's) «Emporter»,
    the list of check-outs and «Forcer le retour»; on a laptop's file (`database` is the
    file's) its state and «Rapporter»."""

    def __init__(
        self,
        database: Database,
        user: CurrentUser,
        paths: DataPaths,
        documents: DocumentStore,
        server: ServerLocation | None = None,
        machine: str | None = None,
    ) -> None:
        self._db = database
        self._user = user
        self._paths = paths
        self._documents = documents
        self._server = server
        self._machine = (machine or platform.node() or "portable")[:120]

    # --- on the server ---------------------------------------------------------------

    def carry_file(self) -> DataPaths:
        """Where this computer keeps the dossiers it takes away from this server."""
        return carry_paths(self._require_server())

    def check_out(
        self,
        dossier_ids: Sequence[int],
        password: str,
        prefix: str,
        progress: Progress | None = None,
    ) -> CheckedOut:
        """Take these dossiers onto this computer (see the module's docstring): one server
        transaction marks them, the file is built meanwhile and kept only if it commits."""
        server = self._require_server()
        ids = sorted(set(dossier_ids))
        if not ids:
            raise DomainError("Choisissez au moins un dossier à emporter.", field="dossiers")
        if len(ids) > MAX_DOSSIERS:
            raise DomainError(
                f"{len(ids)} dossiers : {MAX_DOSSIERS} au plus peuvent être emportés à la fois.",
                field="dossiers",
            )
        prefix = check_prefix(prefix, "prefix")
        if not prefix:
            raise DomainError(
                "Donnez un préfixe à ce portable (par exemple « P1 ») : les dossiers et les "
                "factures créés hors du bureau le portent, leurs numéros ne peuvent pas "
                "rencontrer ceux du cabinet.",
                field="prefix",
            )
        target = carry_paths(server)
        if target.database.exists() and (target.folder / CARRY_RETURNED).exists():
            set_aside(target)  # brought back while Dossia had it open: set aside now
        if target.database.exists():
            raise DomainError(
                "Des dossiers sont déjà emportés sur ce poste : rapportez-les d'abord "
                "(Outils › Rapporter les dossiers au bureau)."
            )
        # 1. A short transaction marks the dossiers: from its commit on, no one changes
        # them at the office, so they are read after it without holding anyone up.
        with self._db.write() as session:
            writer = check_writer(session, self._user)
            account = session.get(User, writer.id)
            if account is None or not verify_password(account.password_hash, password):
                raise DomainError("Mot de passe incorrect.", field="password")
            self._check_prefix_free(session, prefix)
            dossiers = list(session.scalars(select(Dossier).where(Dossier.id.in_(ids))))
            if len(dossiers) != len(ids):
                raise NotFound("Un des dossiers choisis n'existe plus : choisissez à nouveau.")
            for dossier in dossiers:
                if not (writer.can(Right.VIEW_ALL_DOSSIERS) or dossier.owner_id == writer.id):
                    raise NotFound("Ce dossier n'existe plus ou ne vous est pas accessible.")
                if dossier.status is DossierStatus.ABANDONED:
                    raise DomainError(
                        f"{dossier.number} est abandonné : reprenez-le d'abord pour l'emporter.",
                        field="dossiers",
                    )
                try:
                    check_may_change(writer, dossier)
                except PermissionDenied as error:
                    raise PermissionDenied(f"{dossier.number} : {error.message}") from error
            carry = Carry(
                user_id=writer.id,
                machine=self._machine,
                prefix=prefix,
                started_at=dt.datetime.now().replace(microsecond=0),
                dossier_count=len(ids),
            )
            session.add(carry)
            session.flush()
            session.add_all(CarriedDossier(dossier_id=key, carry_id=carry.id) for key in ids)
            audit.record(
                session,
                self._user,
                AuditAction.DOSSIERS_CARRIED,
                details=f"{len(ids)} dossier(s) sur le portable {self._machine} ({prefix})",
            )
            info = _info(carry, account.display_name, server.address)
            login = account.login
        # 2. The laptop's file, built beside its place and moved there once complete.
        try:
            with self._db.read() as session:
                connection = session.connection()
                tree = carry_rows.read_tree(connection, ids)
                referentials = {
                    name: carry_rows.read_table(connection, name)
                    for name in carry_rows.REFERENTIALS
                }
                carry_row = carry_rows.read_rows(connection, "carries", "id", [info.id])
            with building(target) as built:
                copied = build_laptop_file(
                    built,
                    login,
                    info.user_id,
                    password,
                    tree,
                    referentials,
                    carry_row,
                    server.address,
                    self._documents,
                    progress,
                )
        except BaseException:
            # 3. Failed or cancelled: the dossiers are free again (the check-out is kept in
            # the history as cancelled).
            self._cancel(info.id)
            raise
        return CheckedOut(info, target.database, *copied)

    def _cancel(self, carry_id: int) -> None:
        """The dossiers of a departure that did not complete, free again. If even that
        fails (the server gone meanwhile), they stay marked: a manager takes them back
        (Outils › Dossiers emportés); it is logged."""
        try:
            with self._db.write() as session:
                session.execute(delete(CarriedDossier).where(CarriedDossier.carry_id == carry_id))
                session.execute(
                    update(Carry)
                    .where(Carry.id == carry_id)
                    .values(
                        ended_at=dt.datetime.now().replace(microsecond=0), ended_how="cancelled"
                    )
                )
        except Exception:
            log.exception("departure %s not completed, and its dossiers not freed", carry_id)

    def candidates(self, numbers: Sequence[str] = ()) -> list[Candidate]:
        """The user's own dossiers he may take away (neither abandoned nor out already),
        the latest first, at most MAX_DOSSIERS; only those named by `numbers` if given
        (NotFound naming one that is not among them)."""
        self._require_server()
        with self._db.read() as session:
            query = (
                select(Dossier.id, Dossier.number, Dossier.holder_name, Dossier.status, Step.name)
                .join(Step, Step.id == Dossier.step_id)
                .outerjoin(CarriedDossier, CarriedDossier.dossier_id == Dossier.id)
                .where(
                    Dossier.owner_id == self._user.id,
                    Dossier.status != DossierStatus.ABANDONED,
                    CarriedDossier.dossier_id.is_(None),
                )
                .order_by(Dossier.created_on.desc(), Dossier.id.desc())
            )
            if numbers:
                query = query.where(Dossier.number.in_(sorted(set(numbers))))
            found = [
                Candidate(key, number, holder, DossierStatus(status).label, step)
                for key, number, holder, status, step in session.execute(query.limit(MAX_DOSSIERS))
            ]
        unknown = sorted(set(numbers) - {candidate.number for candidate in found})
        if unknown:
            raise NotFound(
                f"{', '.join(unknown[:5])} : pas parmi vos dossiers en cours qui peuvent être "
                "emportés (un dossier d'un collègue, abandonné ou déjà emporté ne part pas)."
            )
        return found

    def suggested_prefix(self, machine_prefix: str = "") -> str:
        """What «Emporter» proposes as the laptop's prefix: this computer's numbering prefix
        if it has one, else the one it took dossiers away with last time."""
        if machine_prefix:
            return machine_prefix
        self._require_server()
        with self._db.read() as session:
            last = session.scalar(
                select(Carry.prefix)
                .where(Carry.machine == self._machine)
                .order_by(Carry.started_at.desc(), Carry.id.desc())
                .limit(1)
            )
        return last or ""

    def carries(self) -> list[CarryInfo]:
        """The check-outs not brought back yet, oldest first."""
        self._require_server()
        with self._db.read() as session:
            rows = session.execute(
                select(Carry, User.first_name, User.last_name)
                .outerjoin(User, User.id == Carry.user_id)
                .where(Carry.ended_at.is_(None))
                .order_by(Carry.started_at, Carry.id)
            ).all()
            return [_info(carry, f"{first or ''} {last or ''}") for carry, first, last in rows]

    def force_back(self, carry_id: int) -> CarryInfo:
        """A manager («Modifier tous les dossiers») takes the dossiers of a check-out back:
        they can be changed again at the office. The laptop may still bring its changes
        back later: what changed on both sides is then settled field by field."""
        self._require_server()
        self._user.require(Right.EDIT_ALL_DOSSIERS)
        with self._db.write() as session:
            check_writer(session, self._user, Right.EDIT_ALL_DOSSIERS)
            carry = session.get(Carry, carry_id)
            if carry is None or carry.ended_at is not None:
                raise NotFound("Ces dossiers ont déjà été rapportés ou repris.")
            owner = session.get(User, carry.user_id) if carry.user_id else None
            info = _info(carry, owner.display_name if owner else "")
            session.execute(delete(CarriedDossier).where(CarriedDossier.carry_id == carry.id))
            carry.ended_at = dt.datetime.now().replace(microsecond=0)
            carry.ended_how = "forced"
            carry.ended_by = self._user.id
            audit.record(
                session,
                self._user,
                AuditAction.CARRY_FORCED_BACK,
                details=(
                    f"{carry.dossier_count} dossier(s) du portable {carry.machine} "
                    f"({carry.prefix}), emportés le {format_datetime(carry.started_at)}"
                ),
            )
        return info

    def _check_prefix_free(self, session: Session, prefix: str) -> None:
        """A prefix numbers one laptop's work at a time, until that work is back: dossiers
        out, or forced back but not brought back yet (what that laptop numbered offline
        is still to come, and the office's counters do not know it)."""
        other = session.execute(
            select(Carry.machine, Carry.ended_how)
            .where(Carry.prefix == prefix)
            .where(or_(Carry.ended_at.is_(None), Carry.ended_how == "forced"))
        ).first()
        if other is not None:
            state = (
                "a des dossiers emportés"
                if other.ended_how is None
                else ("a emporté des dossiers, repris depuis mais pas encore rapportés")
            )
            raise DomainError(
                f"Le préfixe « {prefix} » est celui du portable {other.machine}, qui {state} : "
                "choisissez-en un autre.",
                field="prefix",
            )

    def _require_server(self) -> ServerLocation:
        if self._server is None:
            raise DomainError(
                "Les dossiers s'emportent depuis le serveur du cabinet : connectez ce poste "
                "au serveur (Fichier › Connexion…)."
            )
        return self._server

    # --- on the laptop ---------------------------------------------------------------

    def laptop_carry(self) -> CarryInfo | None:
        """The check-out this file holds (None: an ordinary office)."""
        if self._server is not None:
            return None
        with self._db.read() as session:
            return _laptop_carry(session)

    def plan_return(self, location: ServerLocation) -> ReturnPlan:
        """What «Rapporter» would do, read from both sides; nothing is written."""
        with (
            self._sides(location) as (laptop_session, server_db, carry),
            server_db.read() as server_session,
        ):
            return self._plan(laptop_session, server_session, carry, {})[0]

    def bring_back(
        self,
        location: ServerLocation,
        choices: Mapping[str, str],
        progress: Progress | None = None,
    ) -> Returned:
        """Apply the laptop's changes to the server in one transaction, each conflict as
        `choices` settles it (OFFICE or LAPTOP by its key). Anything unsettled — a new
        conflict since the plan was shown included — stops it: nothing is written. The
        bytes of the laptop's new documents are sent first, held until the rows commit.
        Once committed, the laptop's file is kept read-only beside where it was, and this
        computer opens the server again."""
        from app.storage.server_documents import ServerDocumentStore

        with self._sides(location) as (laptop_session, server_db, carry):
            server_db.after_dossier_change = self._db.after_dossier_change
            server_store = ServerDocumentStore(server_db)  # type: ignore[arg-type]
            sent = send_documents(
                laptop_session,
                server_db,
                server_store,
                self._documents,
                phase(progress, 0, 500),
            )
            try:
                with server_db.write() as server_session:
                    check_writer(server_session, self._user)
                    plan, merged = self._plan(laptop_session, server_session, carry, choices)
                    if plan.blocked:
                        raise DomainError(plan.blocked)
                    if merged.unresolved:
                        raise DomainError(
                            f"{len(merged.unresolved)} différence(s) entre le bureau et ce "
                            "portable restent à trancher (de nouvelles sont peut-être "
                            "apparues) : revoyez-les."
                        )
                    Returning(
                        laptop_session,
                        server_session,
                        server_db,
                        self._user,
                        carry,
                        phase(progress, 500, 1000),
                    ).run(merged)
            finally:
                server_store.release(sent)
            # The bytes of the documents deleted on the laptop, if nothing else names them.
            with contextlib.suppress(Exception):
                server_store.discard(merged.gone_contents)
        kept = set_aside(self._paths)
        return Returned(
            dossiers=carry.dossier_count,
            new_dossiers=plan.new_dossiers,
            changes=merged.changes,
            conflicts=len(merged.decided),
            kept_file=kept,
        )

    @contextlib.contextmanager
    def _sides(self, location: ServerLocation) -> Iterator[tuple[Session, Database, CarryInfo]]:
        from app.storage.postgres import ServerDatabase  # psycopg: a server's only

        if self._server is not None:
            raise DomainError("Ce poste travaille déjà sur le serveur : rien à rapporter.")
        if (self._paths.folder / CARRY_RETURNED).exists() or not self._paths.database.exists():
            raise DomainError(
                "Ces dossiers ont déjà été rapportés au bureau : redémarrez Dossia, il "
                "rouvrira le serveur du cabinet."
            )
        with self._db.read() as laptop_session:
            carry = _laptop_carry(laptop_session)
            if carry is None:
                raise DomainError("Ce cabinet ne contient pas de dossiers emportés.")
            if carry.server and location.address != carry.server:
                raise DomainError(
                    f"Ces dossiers viennent de {carry.server}, pas de {location.address} : "
                    "ils ne peuvent être rapportés que là.",
                    field="server",
                )
            server_db = ServerDatabase(location, location.local_paths)
            try:
                yield laptop_session, server_db, carry
            finally:
                server_db.dispose()

    def _plan(
        self,
        laptop_session: Session,
        server_session: Session,
        carry: CarryInfo,
        choices: Mapping[str, str],
    ) -> tuple[ReturnPlan, Merge]:
        laptop_connection = laptop_session.connection()
        baseline = _baseline(laptop_connection)
        laptop_rows = rekeyed(baseline, carry_rows.read_all(laptop_connection))
        ids = sorted(baseline.get(DOSSIERS, {}))
        connection = server_session.connection()
        ended = connection.execute(
            select(Carry.ended_at, Carry.ended_how).where(Carry.id == carry.id)
        ).first()
        if ended is None:
            raise DomainError(
                "Le serveur ne connaît pas ce départ : il a sans doute été restauré d'une "
                "sauvegarde plus ancienne. Rien n'a été écrit ; ce portable garde les dossiers "
                "— appelez le responsable du cabinet."
            )
        if ended.ended_how == "returned":
            kept = set_aside(self._paths)
            raise DomainError(
                "Ces dossiers avaient déjà été rapportés au bureau (Dossia s'était arrêté "
                "juste après) : rien n'a été écrit de nouveau. Ce fichier est mis de côté, "
                f"en lecture seule{f' ({kept})' if kept else ''} ; redémarrez Dossia, il "
                "rouvrira le serveur du cabinet."
            )
        others = connection.execute(
            select(Dossier.number, Carry.machine)
            .join(CarriedDossier, CarriedDossier.dossier_id == Dossier.id)
            .join(Carry, Carry.id == CarriedDossier.carry_id)
            .where(Dossier.id.in_(ids), Carry.id != carry.id)
        ).all()
        office = carry_rows.read_tree(connection, ids, baseline.get("invoices", {}))
        merged = merge(baseline, laptop_rows, office, choices)
        names = names_of(connection)
        numbers = {key: row["number"] for key, row in office[DOSSIERS].items()}
        numbers.update({key: row["number"] for key, row in baseline[DOSSIERS].items()})
        changed = {key for name, key in touched(baseline, laptop_rows) if name == DOSSIERS}
        blocked = ""
        if others:
            listed = ", ".join(f"{number} (portable {machine})" for number, machine in others[:5])
            blocked = (
                f"Des dossiers ont été repris puis emportés sur un autre portable : {listed}. "
                "Ils doivent d'abord être rapportés, ou repris par un responsable."
            )
        plan = ReturnPlan(
            dossiers=len(ids),
            new_dossiers=len(set(laptop_rows[DOSSIERS]) - set(baseline[DOSSIERS])),
            changed_dossiers=len(changed & set(ids)),
            changes=merged.changes,
            forced_back=ended.ended_how == "forced",
            conflicts=tuple(
                conflict_view(conflict, numbers, names) for conflict in merged.conflicts
            ),
            blocked=blocked,
        )
        return plan, merged


# --- reading ---------------------------------------------------------------------------


def _laptop_carry(session: Session) -> CarryInfo | None:
    values = dict(
        session.execute(
            select(Setting.key, Setting.value).where(Setting.key.in_((SERVER_KEY, CARRY_KEY)))
        ).all()
    )
    if CARRY_KEY not in values:
        return None
    carry = session.get(Carry, int(values[CARRY_KEY]))
    if carry is None:
        return None
    owner = session.get(User, carry.user_id) if carry.user_id else None
    return _info(carry, owner.display_name if owner else "", values.get(SERVER_KEY, ""))


def _info(carry: Carry, who: str, server: str = "") -> CarryInfo:
    return CarryInfo(
        id=carry.id,
        user_id=carry.user_id,
        who=who.strip() or "un utilisateur supprimé",
        machine=carry.machine,
        prefix=carry.prefix,
        started_at=carry.started_at,
        dossier_count=carry.dossier_count,
        server=server,
    )


def _baseline(connection: Connection) -> Rows:
    rows: Rows = {name: {} for name in TREE_TABLES}
    for name, key, data in connection.execute(
        select(CarryBaseline.table_name, CarryBaseline.row_id, CarryBaseline.data)
    ):
        rows.setdefault(name, {})[key] = json.loads(data)
    return rows


__all__ = [
    "LAPTOP",
    "OFFICE",
    "Candidate",
    "CarryInfo",
    "CarryService",
    "CheckedOut",
    "ConflictView",
    "ReturnPlan",
    "Returned",
]
