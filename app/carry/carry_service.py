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
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.carry.labels import TABLE_LABELS, field_label, row_label, value_text
from app.carry.laptop import CARRY_KEY, SERVER_KEY
from app.dossier.access import check_may_change, keep_in_step, refresh_list_columns, touch
from app.errors import Cancelled, DomainError, NotFound, PermissionDenied
from app.files import atomic_write
from app.invoicing.invoice_service import rebalance
from app.listing import bank_sort_key
from app.office.numbering import check_prefix
from app.office.permissions import check_writer
from app.paths import CARRY_RETURNED, DataPaths, ServerLocation, carry_paths
from app.richtext import sanitize
from app.security import verify_password
from app.storage import carry_rows
from app.storage.carry_merge import LAPTOP, OFFICE, Conflict, Merge, merge, rekeyed, touched
from app.storage.carry_rows import DOSSIERS, TREE_TABLES, Rows
from app.storage.database import Database
from app.storage.documents import DocumentStore
from app.text import format_amount, format_datetime
from models.audit import AuditEvent
from models.carry import CarriedDossier, Carry, CarryBaseline, CarryConflict
from models.dossier import Comment, Counter, Document, DocumentContent, Dossier
from models.enums import AuditAction, DossierStatus, DossierTab, Right
from models.office import Bank, Invoice, Provenance, Referrer, RequiredDocument, Setting, Step, User

log = logging.getLogger(__name__)

# (done, total) → False to stop: nothing is kept.
Progress = Callable[[int, int], bool]

# Not given on a laptop: what changes the whole office, or numbers and deletions that the
# office could not take back without a collision.
OFFLINE_WITHHELD = frozenset(
    {
        Right.MANAGE_SETTINGS,
        Right.MANAGE_USERS,
        Right.RENUMBER_DOSSIER,
        Right.DELETE_DOSSIER,
        Right.EXPORT_C1,
        Right.PERSONAL_DATA,
    }
)

MAX_DOSSIERS = 2000


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
            _set_aside(target)  # brought back while Dossia had it open: set aside now
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
            with _building(target) as building:
                copied = _build_laptop_file(
                    building,
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
            sent = _send_documents(
                laptop_session,
                server_db,
                server_store,
                self._documents,
                _phase(progress, 0, 500),
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
                    _Apply(
                        laptop_session,
                        server_session,
                        server_db,
                        self._user,
                        carry,
                        _phase(progress, 500, 1000),
                    ).run(merged)
            finally:
                server_store.release(sent)
            # The bytes of the documents deleted on the laptop, if nothing else names them.
            with contextlib.suppress(Exception):
                server_store.discard(merged.gone_contents)
        kept = _set_aside(self._paths)
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
            kept = _set_aside(self._paths)
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
        names = _names(connection)
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
            conflicts=tuple(_view(conflict, numbers, names) for conflict in merged.conflicts),
            blocked=blocked,
        )
        return plan, merged


# --- building the laptop's file -------------------------------------------------------


@contextlib.contextmanager
def _building(target: DataPaths) -> Iterator[DataPaths]:
    """A new folder beside the target's, renamed into place only if everything succeeds
    (the caller's server transaction commits after): nothing half-built is ever opened."""
    target.folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.folder.parent.glob(".emportes-*"):  # a departure killed midway
        shutil.rmtree(stale, ignore_errors=True)
    _forget_old_returns(target.folder.parent)
    scratch = Path(tempfile.mkdtemp(prefix=".emportes-", dir=target.folder.parent))
    paths = DataPaths(scratch / target.database.name)
    try:
        yield paths
        if target.folder.exists():
            shutil.rmtree(target.folder)  # an empty or abandoned folder (no database in it)
        scratch.rename(target.folder)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _build_laptop_file(
    paths: DataPaths,
    login: str,
    user_id: int | None,
    password: str,
    tree: Rows,
    referentials: Mapping[str, list[dict[str, Any]]],
    carry_row: Mapping[int, dict[str, Any]],
    server: str,
    documents: DocumentStore,
    progress: Progress | None,
) -> tuple[int, int, int]:
    from app.crypto.unlocked import document_cipher, start_encrypted_office
    from app.storage.schema import ensure_schema

    hashes = sorted({row["content_hash"] for row in tree["documents"].values()})
    total = len(hashes) + 1

    def tell(done: int) -> None:
        if progress is not None and not progress(done, total):
            raise Cancelled("Départ annulé : aucun dossier n'a été emporté.")

    tell(0)
    # Encrypted with the broker's password: a laptop can be lost.
    start_encrypted_office(paths.database, [(login, password)])
    ensure_schema(paths)
    laptop = Database(paths)
    try:
        with laptop.engine.begin() as connection:
            for name in reversed(carry_rows.REFERENTIALS):
                connection.execute(delete(carry_rows.table(name)))
            for name in carry_rows.REFERENTIALS:
                kept = [_offline(name, row, user_id) for row in referentials[name]]
                rows = [row for row in kept if row is not None]
                if rows:
                    connection.execute(insert(carry_rows.table(name)), rows)
            connection.execute(insert(carry_rows.table("carries")), list(carry_row.values()))
            for name in TREE_TABLES:
                rows = list(tree[name].values())
                if rows:
                    connection.execute(insert(carry_rows.table(name)), rows)
                    connection.execute(
                        insert(CarryBaseline.__table__),
                        [
                            {"table_name": name, "row_id": row["id"], "data": carry_rows.dumps(row)}
                            for row in rows
                        ],
                    )
            connection.execute(
                insert(Setting.__table__),
                [
                    {"key": SERVER_KEY, "value": server[:500]},
                    {"key": CARRY_KEY, "value": str(next(iter(carry_row)))},
                ],
            )
        store = DocumentStore(paths.documents, document_cipher(paths.database))
        size = missing = 0
        # Each document passes through the new folder (0700, removed whole if anything
        # fails), never the system's temporary folder: a laptop can be lost.
        with tempfile.TemporaryDirectory(prefix=".transit-", dir=paths.folder) as scratch:
            for done, content_hash in enumerate(hashes, start=1):
                copy = Path(scratch) / "document"
                try:
                    documents.export(content_hash, copy)
                except (FileNotFoundError, NotFound):
                    missing += 1  # missing at the office too: the row says so on the laptop
                    continue
                stored, copied = store.put(copy)
                if stored != content_hash:
                    raise DomainError(
                        "Un document du serveur ne correspond pas à son empreinte : le départ "
                        "est arrêté, aucun dossier n'a été emporté."
                    )
                size += copied
                copy.unlink()
                tell(done)
        tell(total)
        return len(hashes) - missing, size, missing
    finally:
        laptop.dispose()


def _offline(name: str, row: dict[str, Any], user_id: int | None) -> dict[str, Any] | None:
    """A referential row as a laptop keeps it: the other users without their password
    hashes and unable to log in; the profiles without the rights withheld offline."""
    if name == "users" and row["id"] != user_id:
        return {**row, "password_hash": "", "is_active": False, "failed_logins": 0}
    if name == "role_rights" and Right(row["right"]) in OFFLINE_WITHHELD:
        return None
    return row


# How long a laptop keeps the file of dossiers brought back (encrypted, read-only): long
# enough to look something up, not for ever (those dossiers live at the office).
KEPT_DAYS = 30


def _forget_old_returns(folder: Path) -> None:
    limit = dt.datetime.now().timestamp() - KEPT_DAYS * 86400
    for kept in folder.glob("rapportes-*"):
        with contextlib.suppress(OSError):
            if kept.stat().st_mtime < limit:
                for path in kept.rglob("*"):
                    path.chmod(stat.S_IRWXU)
                shutil.rmtree(kept)


def _set_aside(paths: DataPaths) -> Path | None:
    """The laptop's file, once brought back, kept read-only beside where it was (its
    folder renamed) for KEPT_DAYS: this computer opens the server again. Marked first: where
    the open file cannot be renamed (Windows), the mark alone keeps it from being opened
    again, and the next departure sets it aside."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = paths.folder.with_name(f"rapportes-{stamp}")
    try:
        with atomic_write(paths.folder / CARRY_RETURNED) as stream:
            json.dump({"rapportes_le": stamp}, stream)
    except OSError:
        pass  # the rename below does the same, if it can
    try:
        paths.folder.rename(kept)
        database = kept / paths.database.name
        database.chmod(stat.S_IRUSR)
    except OSError:
        return None
    return database


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


def _names(connection: Connection) -> dict[str, dict[int, str]]:
    """The referentials' names, for the values shown."""
    names: dict[str, dict[int, str]] = {
        "users": {
            key: f"{first} {last}".strip()
            for key, first, last in connection.execute(
                select(User.id, User.first_name, User.last_name)
            )
        }
    }
    for table, model, column in (
        ("steps", Step, Step.name),
        ("provenances", Provenance, Provenance.name),
        ("referrers", Referrer, Referrer.name),
        ("banks", Bank, Bank.name),
        ("required_documents", RequiredDocument, RequiredDocument.label),
    ):
        names[table] = dict(connection.execute(select(model.id, column)).all())
    return names


def _view(
    conflict: Conflict, numbers: Mapping[int, str], names: Mapping[str, Mapping[int, str]]
) -> ConflictView:
    row = conflict.laptop_row or conflict.office_row or {}
    what = row_label(conflict.table, row)
    if conflict.part == "plan":
        what = f"{what} — lignes de prêt et assurances"
        office, laptop = _plan_text(conflict.office), _plan_text(conflict.laptop)
    elif conflict.column is None:
        office = "(supprimé)" if conflict.office_row is None else "(modifié)"
        laptop = "(supprimé)" if conflict.laptop_row is None else "(modifié)"
        what = f"{what} (en entier)"
    else:
        what = f"{what} — {field_label(conflict.table, conflict.column)}"
        office = value_text(conflict.table, conflict.column, conflict.office, names)
        laptop = value_text(conflict.table, conflict.column, conflict.laptop, names)
    return ConflictView(
        key=conflict.key,
        dossier_number=numbers.get(conflict.dossier_id, ""),
        what=what,
        office=office,
        laptop=laptop,
    )


def _plan_text(lines: Any) -> str:
    """A plan's lines, as the conflict shows them: how many, what they lend."""
    lines = list(lines or ())
    total = sum(line["amount_cents"] or 0 for line in lines)
    return f"{len(lines)} ligne(s) de prêt, {format_amount(total)}"


# --- applying ---------------------------------------------------------------------------


def _phase(progress: Progress | None, start: int, end: int) -> Progress | None:
    """A part of the whole's progress (in thousandths, from `start` to `end`)."""
    if progress is None:
        return None

    def tell(done: int, total: int) -> bool:
        return progress(start + (end - start) * done // max(total, 1), 1000)

    return tell


def _send_documents(
    laptop: Session,
    server_db: Database,
    server_store: Any,
    documents: DocumentStore,
    progress: Progress | None,
) -> list[str]:
    """The laptop's documents the server does not have, sent before the rows (each in its
    own transfer, held from any removal until `release`): the writers' lock is not held
    while megabytes travel. Returns the hashes held."""
    hashes = set(laptop.scalars(select(Document.content_hash).distinct()))
    if not hashes:
        return []
    with server_db.read() as session:
        present = set(
            session.scalars(
                select(DocumentContent.content_hash).where(
                    DocumentContent.content_hash.in_(sorted(hashes))
                )
            )
        )
    sent: list[str] = []
    wanted = sorted(hashes - present)
    try:
        for done, content_hash in enumerate(wanted):
            if progress is not None and not progress(done, len(wanted)):
                raise Cancelled("Retour annulé : rien n'a été écrit sur le serveur.")
            if not documents.exists(content_hash):
                continue  # missing on the laptop: its row says so at the office too
            with documents.plain_path(content_hash) as plain:
                stored, _size = server_store.put(plain, hold=True)
            sent.append(stored)
            if stored != content_hash:
                raise DomainError(
                    "Un document de ce portable ne correspond plus à son empreinte (fichier "
                    "remplacé ou endommagé) : rien n'a été rapporté."
                )
    except BaseException:
        server_store.release(sent)
        raise
    return sent


class _Apply:
    """The merge written on the server, inside the caller's transaction."""

    def __init__(
        self,
        laptop: Session,
        server: Session,
        database: Database,
        user: CurrentUser,
        carry: CarryInfo,
        progress: Progress | None,
    ) -> None:
        self._laptop = laptop
        self._server = server
        self._database = database
        self._connection = server.connection()
        self._user = user
        self._carry = carry
        self._progress = progress
        self._new_ids: dict[str, dict[int, int]] = {name: {} for name in TREE_TABLES}
        self._done = 0
        self._steps = 1

    def _tell(self) -> None:
        self._done += 1
        if self._progress is not None and not self._progress(
            min(self._done, self._steps), self._steps
        ):
            raise Cancelled("Retour annulé : rien n'a été écrit sur le serveur.")

    def run(self, merged: Merge) -> None:
        connection = self._connection
        self._steps = merged.changes + 1
        for name, laptop_id, office_id in merged.twins:  # what refers to one refers to both
            self._new_ids[name][laptop_id] = office_id
        order = {name: index for index, name in enumerate(TREE_TABLES)}
        for name, key in sorted(merged.deletes, key=lambda item: -order[item[0]]):
            table = carry_rows.table(name)
            connection.execute(delete(table).where(table.c.id == key))
            self._tell()
        # Parents before children: a dossier put back, then its rows; a new simulation,
        # then its lines. Within a table, by the laptop's ids (an invoice before the credit
        # note that cancels it).
        for name in TREE_TABLES:
            table = carry_rows.table(name)
            for _name, _key, row in (item for item in merged.restores if item[0] == name):
                connection.execute(insert(table), [self._remapped(name, row)])
                self._tell()
            new = sorted((item for item in merged.inserts if item[0] == name), key=lambda i: i[1])
            for _name, key, row in new:
                values = self._remapped(name, {k: v for k, v in row.items() if k != "id"})
                self._new_ids[name][key] = connection.execute(
                    insert(table).returning(table.c.id), [values]
                ).scalar_one()
                self._tell()
        for name, key, values in merged.updates:
            table = carry_rows.table(name)
            connection.execute(
                update(table).where(table.c.id == key).values(self._remapped(name, values))
            )
            self._tell()
        self._after(merged)

    def _remapped(self, name: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """A row's references to rows new on the laptop, given their server ids (an
        automatic comment's fact naming a child or a loan too)."""
        values = dict(row)
        for key in carry_rows.table(name).foreign_keys:
            column, target = key.parent.name, key.column.table.name
            if values.get(column) is not None and target in self._new_ids:
                values[column] = self._new_ids[target].get(values[column], values[column])
        fact = values.get("fact_key") if name == "comments" else None
        if fact:
            kind, _, number = str(fact).partition("-")
            named = {"child": "children", "loan": "current_loans"}.get(kind)
            if named and number.isdigit():
                ids = self._new_ids[named]
                new = ids.get(-int(number), ids.get(int(number)))
                if new is not None:
                    values["fact_key"] = f"{kind}-{new}"
        return values

    def _after(self, merged: Merge) -> None:
        session = self._server
        session.expire_all()
        now = dt.datetime.now().replace(microsecond=0)
        new = self._new_ids[DOSSIERS]
        for dossier_id in sorted({new.get(key, key) for key in merged.dossiers}):
            dossier = session.get(Dossier, dossier_id)
            if dossier is None:
                continue
            refresh_list_columns(dossier)
            dossier.bank_sort = bank_sort_key(dossier.chosen_bank)
            touch(dossier)
            keep_in_step(self._database, session, dossier)
            # Its invoices' balances, from their payments and credit notes as they are now.
            for invoice in session.scalars(select(Invoice).where(Invoice.dossier_id == dossier_id)):
                rebalance(session, invoice)
        for invoice_id in (*self._new_ids["invoices"].values(), *_updated(merged, "invoices")):
            alone = session.get(Invoice, invoice_id)
            if alone is not None:  # an invoice whose dossier the office deleted
                rebalance(session, alone)
        self._conflicts(merged, now)
        self._counters()
        self._audit_events()
        session.execute(delete(CarriedDossier).where(CarriedDossier.carry_id == self._carry.id))
        session.execute(
            update(Carry)
            .where(Carry.id == self._carry.id)
            .values(ended_at=now, ended_how="returned", ended_by=self._user.id)
        )
        audit.record(
            session,
            self._user,
            AuditAction.DOSSIERS_RETURNED,
            details=(
                f"{self._carry.dossier_count} dossier(s) du portable {self._carry.machine} "
                f"({self._carry.prefix}) ; {len(self._new_ids[DOSSIERS])} créé(s) hors du "
                f"bureau ; {len(merged.decided)} conflit(s) tranché(s)"
            ),
        )
        session.flush()

    def _conflicts(self, merged: Merge, now: dt.datetime) -> None:
        """Both values of each conflict kept with its dossier; the choice in the audit log
        (which holds no personal data, and outlives an erasure)."""
        if not merged.decided:
            return
        session = self._server
        ids = sorted({conflict.dossier_id for conflict, _kept in merged.decided})
        numbers = dict(
            session.execute(select(Dossier.id, Dossier.number).where(Dossier.id.in_(ids))).all()
        )
        names = _names(self._connection)
        said: dict[int, list[str]] = {}
        for conflict, kept in merged.decided:
            view = _view(conflict, numbers, names)
            if conflict.dossier_id in numbers:
                mine, theirs = (
                    (view.laptop, view.office) if kept == LAPTOP else (view.office, view.laptop)
                )
                said.setdefault(conflict.dossier_id, []).append(
                    f"<li>{escape(view.what)} : gardé « {escape(mine)} » "
                    f"({'ce portable' if kept == LAPTOP else 'le bureau'}) ; "
                    f"{'au bureau' if kept == LAPTOP else 'sur le portable'} : "
                    f"« {escape(theirs)} »</li>"
                )
                session.add(
                    CarryConflict(
                        dossier_id=conflict.dossier_id,
                        carry_id=self._carry.id,
                        decided_at=now,
                        user_id=self._user.id,
                        what=view.what[:300],
                        office_value=_full(conflict.office),
                        laptop_value=_full(conflict.laptop),
                        kept=kept,
                    )
                )
            column = field_label(conflict.table, conflict.column) if conflict.column else ""
            audit.record(
                session,
                self._user,
                AuditAction.CARRY_CONFLICT,
                dossier_id=conflict.dossier_id,
                dossier_number=numbers.get(conflict.dossier_id),
                details=(
                    f"{TABLE_LABELS[conflict.table]}{' — ' + column if column else ' (ligne)'} :"
                    f" gardé la version {'du bureau' if kept == OFFICE else 'du portable'}"
                ),
            )
        # In the dossier itself, for whoever opens it: what was chosen, and the other value.
        for dossier_id, items in said.items():
            session.add(
                Comment(
                    dossier_id=dossier_id,
                    tab=DossierTab.GENERAL,
                    body=sanitize(
                        f"<p>Retour du portable {escape(self._carry.machine)} : modifié au "
                        f"bureau et sur le portable, tranché par {escape(self._user.display_name)}.</p>"
                        f"<ul>{''.join(items)}</ul>"
                    ),
                    in_synthesis=False,
                    author_id=self._user.id,
                    created_at=now,
                    updated_at=now,
                    dismissed=False,
                )
            )

    def _counters(self) -> None:
        """The laptop's numbering counters: the server's never behind them (its series
        carry its prefix, so they go on from there on the next departure)."""
        for name, value in self._laptop.execute(select(Counter.name, Counter.value)).all():
            current = self._server.get(Counter, name)
            if current is None:
                self._server.add(Counter(name=name, value=value))
            elif value > current.value:
                current.value = value

    def _audit_events(self) -> None:
        """The laptop's audit log appended to the office's (the ids of dossiers created
        there given their server ids)."""
        new_dossiers = self._new_ids[DOSSIERS]
        rows = [
            {
                "at": event.at,
                "user_id": event.user_id,
                "user_login": event.user_login,
                "action": event.action,
                "dossier_id": None
                if event.dossier_id is None
                else new_dossiers.get(event.dossier_id, event.dossier_id),
                "dossier_number": event.dossier_number,
                "details": f"{event.details} (hors du bureau)".strip()[:500],
            }
            for event in self._laptop.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
        if rows:
            self._server.execute(insert(AuditEvent.__table__), rows)


def _updated(merged: Merge, name: str) -> list[int]:
    return [key for table, key, _values in merged.updates if table == name]


def _full(value: Any) -> str:
    """A conflict's value as kept: the whole of it (a row as JSON)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return carry_rows.dumps(value)
    plain = carry_rows.plain(value)
    return plain if isinstance(plain, str) else json.dumps(plain)


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
