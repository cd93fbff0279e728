"""«Migrer vers le serveur»: this computer's office moved, in one go, to an empty database
of the office's PostgreSQL server — by an administrator («Gérer les utilisateurs»), every
other Dossia on these data closed.

Every table (the audit log included) is copied and verified in one transaction
(`app.storage.server_migration`): the server gets the whole office or nothing. Then the
file is kept as it was, read-only, as a backup: a start on it says where the office went
(`moved_to`), and the report of the copy is written beside it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.errors import DomainError
from app.files import atomic_write, try_lock, unlock
from app.paths import DataPaths, ServerLocation
from app.security import verify_password
from app.storage.database import Database
from app.storage.documents import LOGO_KEY, DocumentStore
from app.storage.moved import LOCK_NAME, MIGRATION_RUNNING, MOVED_NAME
from app.storage.postgres import ServerFacts, ServerRefusal, ServerState, describe_server
from app.storage.server_migration import CopyResult, FileDocuments, Progress, copy_to_server
from app.storage.sqlite_office import SessionMarks, other_sessions
from models.dossier import Document, Dossier
from models.enums import AuditAction, Right
from models.office import Setting, User


@dataclass(frozen=True)
class Migrated:
    """A migration done: where to (no password), what was copied and verified, the
    report's file, the file kept."""

    server: str
    copy: CopyResult
    report: Path | None  # None: it could not be written (disk full…); the audit log has it
    kept_file: Path

    @property
    def documents_summary(self) -> str:
        """What became of the documents, in French (the screen and the command say it)."""
        documents = self.copy.documents
        text = (
            f"{_count(documents.count)} document(s) ({_megabytes(documents.size)}) copié(s) "
            "dans la base du serveur, chacun vérifié par son empreinte."
        )
        if documents.missing:
            text += (
                f" {len(documents.missing)} document(s) dont le fichier manquait déjà sur ce "
                "poste : leurs lignes sont copiées, ils sont nommés dans le rapport."
            )
        return text


class MigrationService:
    def __init__(
        self,
        database: Database,
        user: CurrentUser,
        paths: DataPaths,
        release: Callable[[], None] = lambda: None,
        documents: DocumentStore | None = None,
    ) -> None:
        self._db = database
        self._user = user
        self._paths = paths
        self._release = release  # the workspace's connections closed before the copy
        self._documents = documents or DocumentStore(paths.documents)
        self._on = dt.datetime.now()  # the migration's time (set again when it starts)
        self._location: ServerLocation | None = None
        self._marked = False
        self._own_mark: Path | None = None
        self._missing: tuple[str, ...] = ()  # the last copy's documents absent here

    def check_target(self, location: ServerLocation) -> None:
        """The server reachable, the password accepted, the database empty: DomainError
        (French) otherwise — ServerRefusal as the server said it. Nothing is changed."""
        self._user.require(Right.MANAGE_USERS)
        _require_empty(describe_server(location), location)

    def test_target(self, location: ServerLocation) -> str:
        """«Tester la connexion» of the migration screen: `check_target`, with what was
        found said in French (the server's version, the connection's encryption, the
        database empty); DomainError naming the field to correct otherwise
        («server_password», «host», «database»). Blocking (up to the connection's timeout):
        run it off the GUI thread."""
        self._user.require(Right.MANAGE_USERS)
        try:
            facts = describe_server(location)
        except ServerRefusal as error:
            field = {"password": "server_password", "database": "database"}.get(
                error.reason, "host"
            )
            raise DomainError(error.message, field=field) from error
        except DomainError as error:  # foreign tables, a newer Dossia's schema
            raise DomainError(error.message, field="database") from error
        _require_empty(facts, location)
        encrypted = "connexion chiffrée (TLS)" if facts.encrypted else "connexion NON chiffrée"
        return (
            f"Connexion réussie : PostgreSQL {facts.version}, {encrypted}. La base est vide : "
            "le cabinet peut y être migré."
        )

    def check_password(self, password: str) -> None:
        self._user.require(Right.MANAGE_USERS)
        with self._db.read() as session:
            user = session.get(User, self._user.id)
            if user is None or not verify_password(user.password_hash, password):
                raise DomainError("Mot de passe incorrect.", field="password")

    def migrate(
        self, location: ServerLocation, password: str, progress: Progress | None = None
    ) -> Migrated:
        """Copy this office to the empty database `location`, verified; the file kept
        read-only. The window's connections are closed first (reopen Dossia after, on
        the server). DomainError in French, nothing changed on either side, if anything
        fails or `progress` says stop."""
        self.check_password(password)
        self.check_target(location)
        self._release()
        self._db.dispose()
        lock = _take_lock(self._paths)
        try:
            _refuse_other_sessions(self._paths)
            marks = SessionMarks(self._paths)  # the copy's own: a conversion waits for it
            marks.open()
            self._own_mark = marks.mark
            try:
                self._on = dt.datetime.now().replace(microsecond=0)
                self._location = location
                copy = self._copy(location, progress)
                for path in (self._paths.database,):
                    with contextlib.suppress(OSError):  # a guard: the mark is the rule
                        os.chmod(path, stat.S_IRUSR)
                report = self._write_report(location, copy, self._on)
            finally:
                marks.close()
        finally:
            unlock(lock)
            # Gone with the migration: where locks cannot be known, a file left here would
            # be taken for a migration still running.
            (self._paths.folder / LOCK_NAME).unlink(missing_ok=True)
        return Migrated(location.address, copy, report, self._paths.database)

    def _copy(self, location: ServerLocation, progress: Progress | None) -> CopyResult:
        source_db = Database(self._paths)
        self._marked = False
        try:
            with source_db.engine.connect() as source, source.begin():
                # SQLite's read transaction holds its snapshot from the first read on.
                copy = copy_to_server(
                    source, location, progress, self._finishing, FileDocuments(self._documents)
                )
                self._marked = False  # committed: the mark stays whatever follows
                try:
                    self._missing = _missing_documents(
                        source, copy.documents.missing, named=self._documents.cipher is None
                    )
                except Exception:  # the report only: the migration is done
                    self._missing = tuple(f"(empreinte {h[:12]}…)" for h in copy.documents.missing)
                return copy
        except BaseException:
            if self._marked:  # marked, then the commit failed: the file is still the office
                (self._paths.folder / MOVED_NAME).unlink(missing_ok=True)
            raise
        finally:
            source_db.dispose()

    def _finishing(self, target: Connection) -> None:
        """On the server, in the copy's transaction, just before its commit: the migration
        in its audit log; no other Dossia opened on the file meanwhile (its writes would
        stay behind); then the file marked as moved — before the commit, so that no kill
        or error after it can leave the file writable beside a server holding a copy
        (the mark is taken back if the commit fails)."""
        with Session(bind=target) as session:
            audit.record(
                session,
                self._user,
                AuditAction.OFFICE_MIGRATED,
                details=f"Cabinet migré depuis le fichier {self._paths.database.name} d'un poste",
            )
            session.flush()
        _refuse_other_sessions(self._paths, self._own_mark)
        assert self._location is not None  # set by migrate()
        marker = self._paths.folder / MOVED_NAME
        with atomic_write(marker) as stream:
            json.dump(
                {
                    "server": self._location.address,
                    "on": self._on.isoformat(),
                    "by": self._user.login,
                },
                stream,
                ensure_ascii=False,
                indent=1,
            )
        self._marked = True

    def _write_report(
        self, location: ServerLocation, copy: CopyResult, on: dt.datetime
    ) -> Path | None:
        """The report beside the file; None if it could not be written (the migration is
        done whatever happens here: the server's audit log has it)."""
        path = self._paths.folder / f"rapport-migration-{on:%Y%m%d-%H%M%S}.txt"
        try:
            self._write_report_to(path, location, copy, on)
        except OSError:
            return None
        return path

    def _write_report_to(
        self, path: Path, location: ServerLocation, copy: CopyResult, on: dt.datetime
    ) -> None:
        with atomic_write(path) as stream:
            stream.write(
                migration_report(self._paths, location, copy, on, self._user.login, self._missing)
            )


def _missing_documents(
    source: Connection, hashes: tuple[str, ...], named: bool = True
) -> tuple[str, ...]:
    """The documents whose file was not on this computer, said as a broker finds them:
    «2025-00042 — Avis d'imposition (avis.pdf)»; in an encrypted office, whose report is a
    plain file, by their dossier's number and their number only (a title or a file name
    may name a borrower)."""
    if not hashes:
        return ()
    rows = source.execute(
        select(Dossier.number, Document.id, Document.title, Document.filename)
        .join(Dossier, Dossier.id == Document.dossier_id)
        .where(Document.content_hash.in_(hashes))
        .order_by(Dossier.number, Document.id)
    ).all()
    found = [
        f"{number} — {title} ({filename})" if named else f"{number} — document n° {document_id}"
        for number, document_id, title, filename in rows
    ]
    logo = source.execute(
        select(Setting.value).where(Setting.key == LOGO_KEY, Setting.value.in_(hashes))
    ).first()
    if logo is not None:
        found.append("Logo du cabinet (Paramètres › Société)")
    return tuple(found)


def migration_report(
    paths: DataPaths,
    location: ServerLocation,
    copy: CopyResult,
    on: dt.datetime,
    by: str,
    missing: tuple[str, ...] = (),
) -> str:
    """The report of a migration (French, plain text), for the office's records."""
    width = max(len(table.name) for table in copy.tables)
    lines = [
        "Dossia — rapport de migration vers le serveur du cabinet",
        "",
        f"Date : {on:%d/%m/%Y à %H:%M:%S}",
        f"Par : {by}",
        f"Depuis : {paths.database}",
        f"Vers : {location.address}",
        f"Durée : {_seconds(copy.seconds)}",
        f"Lignes copiées : {_count(copy.rows)} dans {len(copy.tables)} tables",
        "",
        "Chaque table a été relue sur le serveur avant la validation : même nombre de lignes",
        "et même empreinte (somme des SHA-256 des lignes) que dans le fichier.",
        "",
        f"{'Table':<{width}}  {'Lignes':>12}  {'Empreinte (début)':<18}  Vérification",
    ]
    for table in copy.tables:
        verdict = "identique" if table.same else "DIFFÉRENTE"
        lines.append(
            f"{table.name:<{width}}  {_count(table.rows):>12}  {table.checksum[:16]:<18}  {verdict}"
        )
    documents = copy.documents
    lines += [
        "",
        f"Documents : {_count(documents.count)} fichier(s), {_megabytes(documents.size)}, "
        "copiés dans la base du serveur, chacun vérifié par son empreinte SHA-256.",
    ]
    if missing:
        lines += [
            "",
            f"Documents absents de ce poste ({len(missing)}) : leurs lignes sont copiées, mais "
            "leur fichier manquait déjà ici ; ils restent à joindre à nouveau :",
            *(f"  - {name}" for name in missing),
        ]
    lines += [
        "",
        "Le fichier du cabinet est conservé tel qu'il était, en lecture seule, comme sauvegarde.",
        "",
    ]
    return "\n".join(lines)


def _require_empty(facts: ServerFacts, location: ServerLocation) -> None:
    if facts.state is not ServerState.EMPTY:
        raise DomainError(
            f"{_capital(location.label)} contient déjà un cabinet Dossia : la migration ne se "
            "fait que vers une base vide, pour ne jamais mélanger deux cabinets. Rien n'a été "
            "modifié.",
            field="database",
        )


def _refuse_other_sessions(paths: DataPaths, own: Path | None = None) -> None:
    """Another Dossia open on these data (another window, another user of this computer,
    a command) would go on writing to the file: its work would stay behind. `own`: the
    copy's own mark, once it runs (then another one opened during the copy)."""
    if any(mark != own for mark in other_sessions(paths)):
        raise DomainError(
            (
                "Dossia a été ouvert sur ces données pendant la copie"
                if own is not None
                else "Dossia est ouvert ailleurs sur ces données"
            )
            + " (une autre fenêtre, un autre utilisateur de cet ordinateur, une commande) : "
            "fermez-le, puis recommencez. Rien n'a été écrit sur le serveur."
        )


def _take_lock(paths: DataPaths) -> int:
    try:
        handle = try_lock(paths.folder / LOCK_NAME)
    except OSError as error:
        with contextlib.suppress(OSError):
            (paths.folder / LOCK_NAME).unlink(missing_ok=True)
        raise DomainError(
            "Le dossier des données ne permet pas de verrouiller ses fichiers "
            f"({error.strerror or error}) : la migration ne peut pas s'y faire sans risque. "
            "Rien n'a été modifié."
        ) from error
    if handle is None:
        raise DomainError(MIGRATION_RUNNING)
    return handle


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(size, 0) / 1024:.0f} Ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


def _count(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".", ",")
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
