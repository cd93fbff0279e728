"""Backups of an office on a PostgreSQL server (issue 11): `pg_dump --format=custom` into
this computer's folder for that server (`ServerLocation.local_paths.backups`) or a chosen
folder, and `pg_restore` into an empty database.

The tools are PostgreSQL's own (`pg_dump`, `pg_restore`), found on PATH or where their
installers put them, the newest one whose major version is at least the server's (an older
`pg_dump` refuses a newer server). The server's password is handed to them in their
environment (PGPASSWORD), never on a command line; the address's other options (TLS
among them) go in the connection string they are given.

A dump is written under a partial name, read back by `pg_restore --list`, and only then
takes its name (`dossia-<kind>-<date>.dump`): a cancelled or failed backup leaves nothing.
A restore goes into an empty database only, in one transaction (a failure leaves it
empty), then the schema is upgraded as at opening when the backup is older.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from app.errors import DomainError
from app.files import atomic_path, private_folder, remove_abandoned_partials
from app.paths import ServerLocation
from app.storage.backup_files import STAMP, BackupCancelled, BackupInfo, BackupKind, Progress
from app.storage.postgres import CONNECT_TIMEOUT_S, ServerState, check_server, unreachable
from app.storage.postgres import upgrade_server_schema as _upgrade
from app.storage.sqlite import KNOWN_REVISIONS

DUMP_SUFFIX = ".dump"
# Where PostgreSQL's installers put the tools, searched after PATH (globs; newest chosen).
USUAL_PLACES: tuple[str, ...] = (
    "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
    "/usr/pgsql-*/bin",  # Red Hat's PGDG packages
    "/usr/local/pgsql/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
    "/Applications/Postgres.app/Contents/Versions/*/bin",
    r"C:\Program Files\PostgreSQL\*\bin",
)
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
# Lines of `pg_dump --verbose`: one per table whose rows are being written (the progress).
_DUMPING = re.compile(r"dumping contents of table")
# What `pg_restore --list` shows of a Dossia dump: its schema version's table.
_ALEMBIC_ENTRY = re.compile(r"\bTABLE public alembic_version\b")
_POLL_S = 0.1


class ToolMissing(DomainError):
    """pg_dump / pg_restore not found, or too old for the server (French, what to install)."""


@dataclass(frozen=True)
class Tool:
    path: Path
    major: int


def _install_hint(major: int) -> str:
    return (
        f"Installez sur ce poste les outils clients de PostgreSQL {major} ou plus récent "
        f"(Debian/Ubuntu : paquet « postgresql-client-{major} » ; Windows : l'installateur de "
        "PostgreSQL, composant « Command Line Tools » ; macOS : Postgres.app), puis réessayez. "
        "Rien n'a été écrit."
    )


def tool_version(path: Path) -> int | None:
    """The major version `path --version` says, or None if it does not answer as one."""
    try:
        said = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(said)
    return int(match[1]) if match else None


def _candidates(name: str, places: Sequence[str]) -> list[Path]:
    found: list[Path] = []
    exe = name + (".exe" if os.name == "nt" else "")
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    for place in places:
        for folder in sorted(glob.glob(place)):
            candidate = Path(folder) / exe
            if candidate.is_file() and os.access(candidate, os.X_OK) and candidate not in found:
                found.append(candidate)
    return found


def find_tool(name: str, server_major: int, places: Sequence[str] | None = None) -> Tool:
    """`pg_dump` or `pg_restore`: the newest found on PATH or in the usual places, which
    must be at least the server's major version. Raises ToolMissing (French) otherwise."""
    versions = [
        Tool(path, major)
        for path in _candidates(name, USUAL_PLACES if places is None else places)
        if (major := tool_version(path)) is not None
    ]
    if not versions:
        raise ToolMissing(
            f"Dossia sauvegarde un cabinet sur serveur avec l'outil « {name} » de PostgreSQL, "
            f"introuvable sur ce poste. {_install_hint(server_major)}"
        )
    best = max(versions, key=lambda tool: tool.major)
    if best.major < server_major:
        raise ToolMissing(
            f"L'outil « {name} » trouvé sur ce poste ({best.path}) est celui de PostgreSQL "
            f"{best.major}, plus ancien que le serveur (PostgreSQL {server_major}) : il ne "
            f"peut pas le lire. {_install_hint(server_major)}"
        )
    return best


def _connection(location: ServerLocation) -> tuple[str, dict[str, str]]:
    """The connection string for the tools (no password in it) and their environment (the
    password in PGPASSWORD when there is one; otherwise libpq reads its .pgpass)."""
    params = conninfo_to_dict("postgresql://" + location.url.split("://", 1)[1])
    password = params.pop("password", None)
    if location.password is not None:
        password = location.password
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
    params["application_name"] = "Dossia (sauvegarde)"
    env = dict(os.environ)
    env.pop("PGPASSWORD", None)
    if password is not None:
        env["PGPASSWORD"] = str(password)
    env["LC_MESSAGES"] = "C"  # their messages read here (and shown if they fail)
    return make_conninfo(**{key: str(value) for key, value in params.items()}), env


def server_facts(location: ServerLocation) -> tuple[int, int]:
    """The server's major version and how many tables the office has (the progress's
    total). Raises ServerRefusal (French) when it cannot be reached."""
    try:
        with psycopg.connect(
            "postgresql://" + location.url.split("://", 1)[1],
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            **location.connect_args,  # type: ignore[arg-type]
        ) as connection:
            row = connection.execute(
                "SELECT current_setting('server_version_num')::int, (SELECT count(*) FROM "
                "pg_catalog.pg_tables WHERE schemaname = current_schema())"
            ).fetchone()
    except psycopg.OperationalError as error:
        raise unreachable(location, error) from error
    assert row is not None
    return row[0] // 10000, int(row[1])


def dump_name(kind: BackupKind, when: dt.datetime) -> str:
    return f"dossia-{kind.value}-{when.strftime(STAMP)}{DUMP_SUFFIX}"


def _parse_dump_name(path: Path) -> tuple[BackupKind | None, dt.datetime | None]:
    stem = path.name.removesuffix(DUMP_SUFFIX)
    for kind in BackupKind:
        prefix = f"dossia-{kind.value}-"
        if stem.startswith(prefix):
            with contextlib.suppress(ValueError):
                return kind, dt.datetime.strptime(stem[len(prefix) :], STAMP)
    return None, None


def describe_dump(path: Path) -> BackupInfo:
    """Date and kind of a dump (from its name, else its file's date). Its dossier count is
    not read (it would mean restoring the table): `dossiers` is None, `server` True."""
    kind, taken_at = _parse_dump_name(path)
    stat = path.stat()
    if taken_at is None:
        taken_at = dt.datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0)
    return BackupInfo(path, kind, taken_at, None, stat.st_size, server=True)


def list_dumps(folder: Path) -> list[BackupInfo]:
    """The dumps of a folder, newest first."""
    if not folder.is_dir():
        return []
    found = [describe_dump(p) for p in folder.glob(f"dossia-*{DUMP_SUFFIX}") if p.is_file()]
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def _run(
    command: list[str],
    env: dict[str, str],
    progress: Progress | None = None,
    total: int = 0,
) -> str:
    """Run a tool; its standard error (its --verbose lines counted as progress) returned.
    `progress` returning False stops the process (BackupCancelled)."""
    process = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    assert process.stderr is not None
    lines: list[str] = []
    done = [0]

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if _DUMPING.search(line):
                done[0] += 1

    reader = threading.Thread(target=read, name="dossia-pg-tool", daemon=True)
    reader.start()
    try:
        while True:
            try:
                process.wait(_POLL_S)
                break
            except subprocess.TimeoutExpired:
                pass
            if progress is not None and progress(min(done[0], total), total) is False:
                raise BackupCancelled()
    except BaseException:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise
    finally:
        reader.join(5)
        process.stderr.close()
    said = "".join(lines)
    if process.returncode != 0:
        raise DomainError(_failure(said))
    return said


def _failure(said: str) -> str:
    lines = [
        line.strip()
        for line in said.splitlines()
        if line.strip() and "dumping contents" not in line and "processing" not in line
    ]
    errors = [line for line in lines if "error" in line.lower()] or lines
    return errors[-1] if errors else "(sans message)"


def back_up_server(
    location: ServerLocation,
    kind: BackupKind = BackupKind.MANUAL,
    folder: Path | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    places: Sequence[str] | None = None,
    name: str | None = None,
) -> BackupInfo:
    """`pg_dump --format=custom` of the office into `folder` (default: this computer's
    backups folder for that server), named with its kind and date (or `name`), checked by
    `pg_restore --list` before it takes its name. Raises DomainError (French): the tool
    missing or too old, the server unreachable, the dump failed; BackupCancelled when
    `progress` returns False. Nothing is left half-written."""
    target_folder = folder if folder is not None else location.local_paths.backups
    major, tables = server_facts(location)
    dump = find_tool("pg_dump", major, places)
    restore = find_tool("pg_restore", major, places)
    when = (now or dt.datetime.now()).replace(microsecond=0)
    target = target_folder / (name or dump_name(kind, when))
    while name is None and target.exists():  # two in the same second: never one replaced
        when += dt.timedelta(seconds=1)
        target = target_folder / dump_name(kind, when)
    try:
        private_folder(target_folder)
    except OSError as error:
        raise DomainError(
            f"Impossible d'écrire dans « {target_folder} » : {error.strerror or error}."
        ) from error
    remove_abandoned_partials(target_folder)
    conninfo, env = _connection(location)
    if progress is not None and progress(0, tables) is False:
        raise BackupCancelled()
    try:
        with atomic_path(target) as partial:
            try:
                _run(
                    [
                        str(dump.path),
                        "--format=custom",
                        "--verbose",
                        "--no-password",
                        f"--file={partial}",
                        f"--dbname={conninfo}",
                    ],
                    env,
                    progress,
                    tables,
                )
            except BackupCancelled:
                raise
            except DomainError as error:
                raise DomainError(
                    f"La sauvegarde de {location.label} a échoué ({error.message}) ; aucun "
                    "fichier n'a été laissé."
                ) from error
            if not _ALEMBIC_ENTRY.search(_listing(restore, partial)):
                raise DomainError(
                    "La sauvegarde écrite par pg_dump ne se relit pas comme celle d'un cabinet "
                    "Dossia ; aucun fichier n'a été laissé."
                )
    except OSError as error:
        raise DomainError(
            f"Impossible d'écrire la sauvegarde dans « {target_folder} » : "
            f"{error.strerror or error} ; aucun fichier n'a été laissé."
        ) from error
    return describe_dump(target)


def _listing(restore: Tool, dump: Path) -> str:
    """`pg_restore --list` of a dump (its table of contents): DomainError if unreadable."""
    result = subprocess.run(
        [str(restore.path), "--list", str(dump)],
        capture_output=True,
        text=True,
        errors="replace",
        env=dict(os.environ, LC_MESSAGES="C"),
        check=False,
    )
    if result.returncode != 0:
        raise DomainError(
            f"« {dump.name} » n'est pas une sauvegarde lisible par pg_restore "
            f"({_failure(result.stderr)})."
        )
    return result.stdout


def dump_revision(restore: Tool, dump: Path) -> str | None:
    """The schema revision a dump holds (its alembic_version row), read without restoring."""
    result = subprocess.run(
        [str(restore.path), "--data-only", "--table=alembic_version", "--file=-", str(dump)],
        capture_output=True,
        text=True,
        errors="replace",
        env=dict(os.environ, LC_MESSAGES="C"),
        check=False,
    )
    lines = result.stdout.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY public.alembic_version") and index + 1 < len(lines):
            value = lines[index + 1].strip()
            return value if value and value != "\\." else None
    return None


@contextlib.contextmanager
def _use_list(entries: str) -> Iterator[Path]:
    """The dump's table of contents without the extensions' comments (only an extension's
    owner — often the server's superuser — may comment on it): a list for --use-list."""
    kept = [line for line in entries.splitlines() if " COMMENT - EXTENSION " not in line]
    handle, name = tempfile.mkstemp(prefix="dossia-restore-", suffix=".list")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write("\n".join(kept) + "\n")
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def refuse_unless_empty(location: ServerLocation) -> None:
    """A restore goes into an empty database only: DomainError (French) otherwise."""
    if check_server(location) is not ServerState.EMPTY:
        raise DomainError(
            f"{location.label[0].upper()}{location.label[1:]} n'est pas vide : une sauvegarde "
            "ne se restaure que dans une base vide, pour ne rien écraser. Demandez au "
            "prestataire informatique du cabinet une base vide (appartenant à l'utilisateur "
            "de Dossia), démarrez Dossia sur elle et choisissez « Restaurer une sauvegarde du "
            "serveur » ; rien n'a été modifié."
        )


def restore_server(
    location: ServerLocation,
    source: Path,
    progress: Progress | None = None,
    places: Sequence[str] | None = None,
) -> BackupInfo:
    """Restore a dump into `location`, which must be an empty database (a database holding
    anything is refused, untouched). One transaction: a failed restore leaves it empty.
    The schema is then upgraded as at opening when the backup is older. Raises
    DomainError (French)."""
    if not source.is_file():
        raise DomainError(f"La sauvegarde « {source} » est introuvable.")
    if not _looks_like_dump(source):
        raise DomainError(
            f"« {source.name} » n'est pas une sauvegarde d'un cabinet sur serveur (fichier "
            f"« {DUMP_SUFFIX} » écrit par Dossia avec pg_dump) ; rien n'a été modifié."
        )
    refuse_unless_empty(location)
    major, _tables = server_facts(location)
    restore = find_tool("pg_restore", major, places)
    entries = _listing(restore, source)
    if not _ALEMBIC_ENTRY.search(entries):
        raise DomainError(
            f"« {source.name} » n'est pas une sauvegarde d'un cabinet Dossia ; rien n'a été "
            "modifié."
        )
    revision = dump_revision(restore, source)
    if revision not in KNOWN_REVISIONS:
        raise DomainError(
            f"« {source.name} » vient d'une version plus récente de Dossia (ou son schéma est "
            "illisible) : installez la dernière version de Dossia ; rien n'a été modifié."
        )
    conninfo, env = _connection(location)
    if progress is not None and progress(0, 1) is False:
        raise BackupCancelled()
    with _use_list(entries) as chosen:
        try:
            _run(
                [
                    str(restore.path),
                    "--no-owner",
                    "--no-privileges",
                    "--no-password",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--use-list={chosen}",
                    f"--dbname={conninfo}",
                    str(source),
                ],
                env,
                progress,
                1,
            )
        except BackupCancelled:
            raise DomainError(
                "Restauration annulée : la base est restée vide (la restauration se fait en "
                "une seule transaction)."
            ) from None
        except DomainError as error:
            raise DomainError(
                f"La restauration de « {source.name} » a échoué ({error.message}) ; la base "
                "est restée vide (une seule transaction)."
            ) from error
    _upgrade(location)  # an older backup: brought to this version, as at opening
    return describe_dump(source)


_CUSTOM_MAGIC = b"PGDMP"


def _looks_like_dump(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_CUSTOM_MAGIC)) == _CUSTOM_MAGIC
    except OSError:
        return False
