"""A backup is restored only if Dossia could have written it: nothing in it is trusted.

A file may have been changed outside Dossia, or crafted: an extra trigger would run inside
every later transaction (rewriting a role, swallowing the audit), a view named like a table
would hang the screens, a document hash that is a path would make «Supprimer» delete a file
elsewhere, a date such as 0000-00-00 would crash the list. `verify` refuses such a file before
anything is touched:

1. **Its schema is exactly the one its Alembic revision defines** (`backup_schema`): tables, columns (name, type,
   nullability, default), constraints, indexes, triggers, views, the full-text index and its
   shadow tables. The reference is an empty database built by the migrations themselves
   (`app.storage.schema.create_reference`) in a temporary file, once per revision and per
   process, and kept in memory. Each `CREATE` statement of `sqlite_master` is compared in a
   normalised form (case, spacing, comments and identifier quotes aside; a table's
   constraints in any order, as Alembic's batch mode writes them in no fixed one), then what
   SQLite derives from it (`table_xinfo`, `foreign_key_list`, `index_list`, `index_xinfo`).
   Only `sqlite_stat1`/`sqlite_stat4` (left by `ANALYZE`) may be there in addition.
2. **SQLite finds it sound** (`PRAGMA integrity_check`, which also checks the NOT NULL and
   UNIQUE constraints, but not the CHECK ones on a read-only connection) and **its foreign
   keys hold** (`PRAGMA foreign_key_check`: every user's role exists, every dossier's owner,
   step, provenance…).
3. **Its rows hold what the application reads back** (`backup_rows`): each column the type its declaration
   says, dates ISO and between 1900 and 2100, enumerations known values (what the CHECK
   constraints say, and the audit's actions, which have none), document hashes (and the
   company's logo) 64 lowercase hexadecimal digits, the numbering settings in their range.
   Each table is read once, by one SQL aggregate; the integrity check runs meanwhile on its
   own connection: a backup of 100,000 dossiers (175 MB) is checked in about 2 s.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.errors import DatabaseOpenError, DomainError
from app.storage import driver, sqlite
from app.storage.backup_files import READ_SECONDS, read_only, time_limit
from app.storage.backup_rows import add_functions, invalid_rows
from app.storage.backup_schema import described, expected_schema, schema_difference

Key = tuple[str, str]  # (type, name) of a schema object; SQLite's own indexes by their columns


# Reads of a backup being checked are interrupted after CHECK_SECONDS, plus one second per
# CHECK_BYTES_PER_SECOND of file.
CHECK_SECONDS = 30.0
CHECK_BYTES_PER_SECOND = 10_000_000
_SQLITE_MAGIC = b"SQLite format 3\x00"


def verify(source: Path) -> None:
    """Refuse (DomainError, in French) `source` unless Dossia could have written it: sound
    pages, the schema of its revision exactly, and rows the application can read back.

    Whatever the file holds, the answer is a DomainError or acceptance, within a time limit:
    SQLite's page check runs before any other read (a b-tree whose pointers loop is refused
    there), and every read is interrupted after `check_seconds`."""
    name = source.name
    try:
        _verify(source, name)
    except driver.OperationalError as error:
        if "interrupt" in str(error).lower():
            raise DomainError(
                f"La vérification de la sauvegarde « {name} » a pris trop de temps : le "
                "fichier est sans doute endommagé ou modifié. Choisissez-en une autre."
            ) from error
        raise DomainError(_damaged(name, _said(error))) from error
    except (driver.Error, ValueError, LookupError, OverflowError) as error:
        # UnicodeDecodeError (a ValueError): a byte that is not UTF-8 in its schema, or in
        # SQLite's message about it; anything else a crafted or damaged file may provoke.
        raise DomainError(_damaged(name, _said(error))) from error


def check_seconds(source: Path) -> float:
    """How long the reads of one check may take: generous for a genuine file (100,000
    dossiers, 175 MB, are checked in about 3 s), but never endless."""
    try:
        size = source.stat().st_size
    except OSError:
        size = 0
    return CHECK_SECONDS + size / CHECK_BYTES_PER_SECOND


def _verify(source: Path, name: str) -> None:
    seconds = check_seconds(source)
    _refuse_unsound_pages(source, name, seconds)
    _refuse_a_version_that_is_not_a_table(source)
    try:
        state = sqlite.check_database_readonly(source)
    except DatabaseOpenError as error:
        raise DomainError(error.message) from error
    if state is not sqlite.SchemaState.CURRENT and state is not sqlite.SchemaState.OUTDATED:
        raise DomainError(f"« {name} » n'est pas une sauvegarde Dossia.")
    with (
        read_only(source, seconds=None) as connection,
        time_limit(connection, seconds),
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        add_functions(connection)
        versions = [
            str(r[0]) for r in connection.execute("SELECT version_num FROM alembic_version")
        ]
        if not versions:
            raise DomainError(f"« {name} » n'est pas une sauvegarde Dossia.")
        # The longest part, on its own connection while the rest is checked (SQLite
        # releases the GIL): at 100,000 dossiers, about 1.5 s of the 3 s of a check.
        integrity = pool.submit(_page_problem, source, "integrity_check", seconds)
        expected = expected_schema(versions[0])
        difference = (
            schema_difference(connection, expected)
            if len(versions) == 1
            else f"{len(versions)} versions de schéma au lieu d'une"
        )
        if difference is not None:
            raise DomainError(
                f"La sauvegarde « {name} » a été modifiée en dehors de Dossia ({difference}) : "
                "elle ne peut pas être restaurée."
            )
        invalid = invalid_rows(connection, expected)
        problem = integrity.result()
        if problem is not None:
            raise DomainError(_damaged(name, problem))
        if invalid is not None:
            raise DomainError(
                f"La sauvegarde « {name} » contient des données que Dossia n'a pas pu écrire "
                f"({invalid}) : elle ne peut pas être restaurée."
            )


def _refuse_unsound_pages(source: Path, name: str, seconds: float) -> None:
    """SQLite's quick check of the pages (a fraction of a second at 100,000 dossiers), before
    anything else reads the file: a b-tree whose pointers loop is refused here, and never
    walked by a COUNT(*) that no progress handler would stop."""
    try:
        with source.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except OSError as error:
        raise DomainError(
            f"Impossible de lire la sauvegarde « {name} » : {error.strerror or error}."
        ) from error
    if header != _SQLITE_MAGIC and not sqlite.has_key(source):
        raise DomainError(_not_a_database(name))
    problem = _page_problem(source, "quick_check", seconds)
    if problem is None:
        return
    lowered = problem.lower()
    if "not a database" in lowered or "encrypted" in lowered:
        raise DomainError(_not_a_database(name))
    if "interrupt" in lowered:
        raise driver.OperationalError("interrupted")
    raise DomainError(_damaged(name, problem))


def _page_problem(path: Path, pragma: str, seconds: float) -> str | None:
    """None if SQLite finds the file sound (`PRAGMA integrity_check` or `quick_check`,
    interrupted after `seconds`), else what it reports."""
    try:
        with read_only(path, seconds=None) as connection, time_limit(connection, seconds):
            rows = [_said(r[0]) for r in connection.execute(f"PRAGMA {pragma}")]
    except (driver.DatabaseError, ValueError) as error:
        return _said(error)
    return None if rows == ["ok"] else "; ".join(rows[:5])


def _said(error: object) -> str:
    """What an error (or SQLite) says, printable whatever bytes it quotes."""
    text = str(error)
    return text.encode("utf-8", "replace").decode("utf-8")


def _not_a_database(name: str) -> str:
    return (
        f"Le fichier « {name} » n'est pas une base de données Dossia, ou il est endommagé : "
        "choisissez-en un autre."
    )


def _damaged(name: str, problem: str) -> str:
    return f"La sauvegarde « {name} » est endommagée ({problem}) : choisissez-en une autre."


def _refuse_a_version_that_is_not_a_table(source: Path) -> None:
    """`check_database` reads `alembic_version`: it must be a table, not a view that would
    never end (read with a time limit; a file that cannot be read is left to check_database)."""
    try:
        with read_only(source) as connection, time_limit(connection, READ_SECONDS):
            row = connection.execute(
                "SELECT type FROM sqlite_master WHERE name = 'alembic_version'"
            ).fetchone()
    except (driver.Error, ValueError):
        return
    if row is not None and row[0] != "table":
        raise DomainError(
            f"La sauvegarde « {source.name} » a été modifiée en dehors de Dossia "
            f"({described(str(row[0]), 'alembic_version', 'inconnu')}) : "
            "elle ne peut pas être restaurée."
        )
