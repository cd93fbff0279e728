"""A backup is restored only if Dossia could have written it: nothing in it is trusted.

A file may have been changed outside Dossia, or crafted: an extra trigger would run inside
every later transaction (rewriting a role, swallowing the audit), a view named like a table
would hang the screens, a document hash that is a path would make «Supprimer» delete a file
elsewhere, a date such as 0000-00-00 would crash the list. `verify` refuses such a file before
anything is touched:

1. **Its schema is exactly the one its Alembic revision defines**: tables, columns (name, type,
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
3. **Its rows hold what the application reads back**: each column the type its declaration
   says, dates ISO and between 1900 and 2100, enumerations known values (what the CHECK
   constraints say, and the audit's actions, which have none), document hashes (and the
   company's logo) 64 lowercase hexadecimal digits, the numbering settings in their range.
   Each table is read once, by one SQL aggregate; the integrity check runs meanwhile on its
   own connection: a backup of 100,000 dossiers (175 MB) is checked in about 2 s.
"""

from __future__ import annotations

import enum
import re
import sqlite3
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from app.errors import DatabaseOpenError, DomainError
from app.storage import schema, sqlite
from app.storage.backup_files import READ_SECONDS, read_only, time_limit
from models.enums import (
    AbandonReason,
    AuditAction,
    ChargeKind,
    Contract,
    DossierStatus,
    DossierTab,
    LoanKind,
    MaritalStatus,
    MatrimonialRegime,
    ProjectNature,
    ProjectUse,
    ReferrerKind,
    Right,
    SavingsKind,
    SimulationStatus,
)

Key = tuple[str, str]  # (type, name) of a schema object; SQLite's own indexes by their columns

# The tables SQLite itself adds to a database Dossia wrote (ANALYZE, run at close).
OPTIONAL_TABLES = {
    "sqlite_stat1": "CREATE TABLE sqlite_stat1(tbl,idx,stat)",
    "sqlite_stat4": "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)",
}

# Every column stored from an enumeration (the models' `str_enum` columns; a test checks
# this list against the models).
ENUM_COLUMNS: dict[tuple[str, str], type[enum.StrEnum]] = {
    ("audit_events", "action"): AuditAction,
    ("borrowers", "contract"): Contract,
    ("borrowers", "marital_status"): MaritalStatus,
    ("borrowers", "matrimonial_regime"): MatrimonialRegime,
    ("comments", "tab"): DossierTab,
    ("current_loans", "kind"): LoanKind,
    ("dossiers", "abandon_reason"): AbandonReason,
    ("dossiers", "status"): DossierStatus,
    ("monthly_charges", "kind"): ChargeKind,
    ("projects", "nature"): ProjectNature,
    ("projects", "use"): ProjectUse,
    ("referrers", "kind"): ReferrerKind,
    ("role_rights", "right"): Right,
    ("savings", "kind"): SavingsKind,
    ("simulations", "status"): SimulationStatus,
}
# Columns holding a document's hash: the name of its file in the documents folder.
HASH_COLUMNS = {("documents", "content_hash")}
# Text columns that may hold line breaks and tabs (rich text); any other text column holds
# one line, without control characters (what `app.validation` lets a user type).
MULTILINE_COLUMNS = {("dossiers", "internal_note"), ("comments", "body")}
PASSWORD_COLUMNS = {("users", "password_hash")}
# An argon2id hash as `app.security` writes it, with parameters a login can afford (a
# crafted 4 GiB memory cost would exhaust the computer at each login attempt).
_ARGON2ID = re.compile(
    rb"\$argon2id\$v=19\$m=([0-9]{1,7}),t=([0-9]{1,3}),p=([0-9]{1,3})"
    rb"\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128}"
)
MAX_ARGON2_MEMORY_KIB = 262_144  # 256 MiB
MAX_ARGON2_PASSES = 10
MAX_ARGON2_LANES = 8
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Reads of a backup being checked are interrupted after CHECK_SECONDS, plus one second per
# CHECK_BYTES_PER_SECOND of file.
CHECK_SECONDS = 30.0
CHECK_BYTES_PER_SECOND = 10_000_000
_SQLITE_MAGIC = b"SQLite format 3\x00"

# SQL conditions a stored value must meet ({c} is the quoted column), and what to say if not.
# (DATE and DATETIME columns have NUMERIC affinity: a literal compared with one must not look
# like a number, or SQLite would compare it as one.)
HASH_OK = "typeof({c}) = 'text' AND length({c}) = 64 AND {c} NOT GLOB '*[^0-9a-f]*'"
_DATE_OK = (  # a modifier makes SQLite normalise: 2025-02-30 would become 2025-03-02
    "typeof({c}) = 'text' AND date({c}, '+0 days') = {c} "
    "AND {c} BETWEEN '1900-01-01' AND '2100-12-31'"
)
_DATETIME_OK = (  # what SQLAlchemy writes: 2026-11-30 10:00:00.000000 (or without fraction)
    "typeof({c}) = 'text' "
    "AND datetime(substr({c}, 1, 19), '+0 seconds') = substr({c}, 1, 19) "
    "AND substr({c}, 1, 10) BETWEEN '1900-01-01' AND '2100-12-31' "
    "AND (length({c}) = 19 OR (length({c}) = 26 "
    "AND substr({c}, 20) GLOB '.[0-9][0-9][0-9][0-9][0-9][0-9]'))"
)
_BY_TYPE = {
    "INTEGER": ("typeof({c}) = 'integer'", "nombre entier attendu"),
    "BOOLEAN": ("typeof({c}) = 'integer' AND {c} IN (0, 1)", "0 ou 1 attendu"),
    "TEXT": ("typeof({c}) = 'text'", "texte attendu"),
    "DATE": (_DATE_OK, "date invalide ou hors de 1900–2100"),
    "DATETIME": (_DATETIME_OK, "date et heure invalides ou hors de 1900–2100"),
}
# The settings the application parses when it reads them back: (key, condition on value).
SETTING_CHECKS = (
    ("company.logo_hash", "value = '' OR " + HASH_OK.format(c="value"), "empreinte invalide"),
    ("numbering.digits", "value IN ('3', '4', '5', '6', '7', '8')", "de 3 à 8 chiffres"),
    ("numbering.with_year", "value IN ('0', '1')", "0 ou 1 attendu"),
    (
        "numbering.prefix",
        "typeof(value) = 'text' AND length(value) <= 10 AND value NOT GLOB '*[^A-Za-z0-9]*'",
        "10 lettres ou chiffres au plus",
    ),
)

_KINDS = {  # French name, and the ending of its adjectives (feminine or not)
    "table": ("table", "e"),
    "index": ("index", ""),
    "trigger": ("déclencheur", ""),
    "view": ("vue", "e"),
}
_TOKENS = re.compile(
    r"""(?P<skip>\s+|--[^\n]*|/\*.*?(?:\*/|\Z))
      |(?P<string>'(?:[^']|'')*')
      |(?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
      |(?P<word>[\w$]+)
      |(?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONSTRAINT_WORDS = frozenset({"constraint", "primary", "unique", "foreign", "check"})


@dataclass(frozen=True)
class SchemaObject:
    kind: str  # table, index, trigger or view
    name: str
    table: str
    statement: tuple[object, ...]  # its CREATE statement, normalised


@dataclass(frozen=True)
class Schema:
    """What one revision's database holds, as `verify` compares it."""

    objects: dict[Key, SchemaObject]
    details: dict[Key, tuple[object, ...]]  # what SQLite derives from each statement
    columns: dict[str, tuple[tuple[str, str], ...]]  # the data tables: (column, declared type)
    fixed_rows: dict[str, tuple[tuple[object, ...], ...]]  # the search index's settings


_expected: dict[str, Schema] = {}
_building = threading.Lock()


def verify(source: Path) -> None:
    """Refuse (DomainError, in French) `source` unless Dossia could have written it: sound
    pages, the schema of its revision exactly, and rows the application can read back.

    Whatever the file holds, the answer is a DomainError or acceptance, within a time limit:
    SQLite's page check runs before any other read (a b-tree whose pointers loop is refused
    there), and every read is interrupted after `check_seconds`."""
    name = source.name
    try:
        _verify(source, name)
    except sqlite3.OperationalError as error:
        if "interrupt" in str(error).lower():
            raise DomainError(
                f"La vérification de la sauvegarde « {name} » a pris trop de temps : le "
                "fichier est sans doute endommagé ou modifié. Choisissez-en une autre."
            ) from error
        raise DomainError(_damaged(name, _said(error))) from error
    except (sqlite3.Error, ValueError, LookupError, OverflowError) as error:
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
        _add_functions(connection)
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
    if header != _SQLITE_MAGIC:
        raise DomainError(_not_a_database(name))
    problem = _page_problem(source, "quick_check", seconds)
    if problem is None:
        return
    lowered = problem.lower()
    if "not a database" in lowered or "encrypted" in lowered:
        raise DomainError(_not_a_database(name))
    if "interrupt" in lowered:
        raise sqlite3.OperationalError("interrupted")
    raise DomainError(_damaged(name, problem))


def _page_problem(path: Path, pragma: str, seconds: float) -> str | None:
    """None if SQLite finds the file sound (`PRAGMA integrity_check` or `quick_check`,
    interrupted after `seconds`), else what it reports."""
    try:
        with read_only(path, seconds=None) as connection, time_limit(connection, seconds):
            rows = [_said(r[0]) for r in connection.execute(f"PRAGMA {pragma}")]
    except (sqlite3.DatabaseError, ValueError) as error:
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
    except (sqlite3.Error, ValueError):
        return
    if row is not None and row[0] != "table":
        raise DomainError(
            f"La sauvegarde « {source.name} » a été modifiée en dehors de Dossia "
            f"({_described(str(row[0]), 'alembic_version', 'inconnu')}) : "
            "elle ne peut pas être restaurée."
        )


# --- the expected schema ------------------------------------------------------------------


def expected_schema(revision: str) -> Schema:
    """The schema of `revision`, built once per process by the migrations in a temporary file."""
    with _building:
        found = _expected.get(revision)
        if found is None:
            try:
                with tempfile.TemporaryDirectory(
                    prefix="dossia-reference-", ignore_cleanup_errors=True
                ) as folder:
                    reference = Path(folder) / "reference.sqlite3"
                    schema.create_reference(reference, revision)
                    with read_only(reference, seconds=None) as connection:
                        found = read_schema(connection)
            except (OSError, sqlite3.Error) as error:
                raise DomainError(
                    f"Impossible de vérifier la sauvegarde : le schéma de référence n'a pas pu "
                    f"être créé ({error})."
                ) from error
            _expected[revision] = found
        return found


def read_schema(connection: sqlite3.Connection) -> Schema:
    """A trusted database's schema (the reference of a revision)."""
    objects = read_objects(connection)
    tables = [o for o in objects.values() if o.kind == "table"]
    virtual = [t.name for t in tables if t.statement[:3] == ("create", "virtual", "table")]
    data_tables = [
        t.name
        for t in tables
        if t.name != "alembic_version"
        and not t.name.startswith("sqlite_")
        and not any(t.name == v or t.name.startswith(f"{v}_") for v in virtual)
    ]
    columns = {
        table: tuple(
            (str(row[0]), str(row[1]).upper())
            for row in connection.execute("SELECT name, type FROM pragma_table_xinfo(?)", (table,))
        )
        for table in data_tables
    }
    fixed = {  # the full-text indexes' settings, as the migrations leave them
        f"{v}_config": tuple(
            tuple(row) for row in connection.execute(f"SELECT * FROM {_quoted(v + '_config')}")
        )
        for v in virtual
        if ("table", f"{v}_config") in objects
    }
    return Schema(objects, read_details(connection, objects), columns, fixed)


def read_objects(connection: sqlite3.Connection) -> dict[Key, SchemaObject]:
    """The objects of `sqlite_master`, each with its normalised CREATE statement (this reads
    the schema only: nothing of the file's views or triggers runs)."""
    objects: dict[Key, SchemaObject] = {}
    rows = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    for kind, name, table, sql in rows:
        kind, name, table = str(kind), str(name), str(table)
        if sql is None and kind == "index" and name.startswith(f"sqlite_autoindex_{table}_"):
            # SQLite's own index of a UNIQUE or PRIMARY KEY constraint: its number follows
            # the order of the constraints, so it is known by its columns.
            columns = [
                str(r[0])
                for r in connection.execute(
                    "SELECT name FROM pragma_index_info(?) ORDER BY seqno", (name,)
                )
            ]
            key = (kind, f"{table}({', '.join(columns)})")
            statement: tuple[object, ...] = ()
        else:
            key = (kind, name)
            statement = normalised(kind, sql) if isinstance(sql, str) else ("?", repr(sql))
        if key in objects:  # never hide one object behind another of the same name
            key = (kind, f"{key[1]} (en double)")
        objects[key] = SchemaObject(kind, key[1], table, statement)
    return objects


def read_details(
    connection: sqlite3.Connection, objects: dict[Key, SchemaObject]
) -> dict[Key, tuple[object, ...]]:
    """What SQLite understood of each statement: columns (name, type, NOT NULL, default,
    primary key, hidden), foreign keys, indexes and their columns."""
    details: dict[Key, tuple[object, ...]] = {}
    for key, item in objects.items():
        if item.kind == "table":
            columns = _rows(
                connection,
                'SELECT name, upper(type), "notnull", dflt_value, pk, hidden '
                "FROM pragma_table_xinfo(?)",
                item.name,
            )
            foreign = _rows(
                connection,
                'SELECT "table", "from", "to", on_update, on_delete, "match" '
                "FROM pragma_foreign_key_list(?)",
                item.name,
            )
            indexes = tuple(
                sorted(
                    (
                        str(unique),
                        str(origin),
                        str(partial),
                        _rows(connection, "SELECT name FROM pragma_index_info(?)", str(index)),
                    )
                    for index, unique, origin, partial in connection.execute(
                        'SELECT name, "unique", origin, partial FROM pragma_index_list(?)',
                        (item.name,),
                    )
                )
            )
            details[key] = (columns, tuple(sorted(foreign, key=repr)), indexes)
        elif item.kind == "index" and item.statement:
            details[key] = (
                _rows(
                    connection,
                    'SELECT seqno, cid, name, "desc", coll, "key" FROM pragma_index_xinfo(?)',
                    item.name,
                ),
            )
    return details


def _rows(connection: sqlite3.Connection, sql: str, name: str) -> tuple[tuple[object, ...], ...]:
    return tuple(tuple(row) for row in connection.execute(sql, (name,)))


def normalised(kind: str, sql: str) -> tuple[object, ...]:
    """A CREATE statement as tokens: lower case outside string literals, without spacing,
    comments or the quotes of plain identifiers; a table's columns in order, its constraints
    sorted (Alembic's batch mode writes them in no fixed order)."""
    tokens = _tokens(sql)
    if kind != "table" or tokens[:2] != ["create", "table"] or "(" not in tokens:
        return tuple(tokens)
    start = tokens.index("(")
    items: list[list[str]] = [[]]
    depth = 0
    end = None
    for position in range(start + 1, len(tokens)):
        token = tokens[position]
        if token == ")" and depth == 0:
            end = position
            break
        if token == "," and depth == 0:
            items.append([])
            continue
        depth += (token == "(") - (token == ")")
        items[-1].append(token)
    if end is None:
        return tuple(tokens)  # unbalanced: compared as it stands
    columns = tuple(tuple(i) for i in items if not i or i[0] not in _CONSTRAINT_WORDS)
    constraints = tuple(sorted(tuple(i) for i in items if i and i[0] in _CONSTRAINT_WORDS))
    return (tuple(tokens[:start]), columns, constraints, tuple(tokens[end + 1 :]))


def _tokens(sql: str) -> list[str]:
    found = []
    for match in _TOKENS.finditer(sql):
        kind, text = match.lastgroup, match.group()
        if kind == "skip":
            continue
        if kind == "quoted":
            inner = text[1:-1]
            inner = inner.replace(text[0] * 2, text[0]) if text[0] in '"`' else inner
            text = inner.lower() if _PLAIN_NAME.fullmatch(inner) else _quoted(inner.lower())
        elif kind == "word":
            text = text.lower()
        found.append(text)
    return found


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- comparing ----------------------------------------------------------------------------


def schema_difference(connection: sqlite3.Connection, expected: Schema) -> str | None:
    """None if the file's schema is the expected one, else the first difference, in French."""
    actual = read_objects(connection)
    for key in sorted(actual.keys() - expected.objects.keys(), key=_order):
        item = actual[key]
        optional = OPTIONAL_TABLES.get(item.name)
        if optional is not None and item.statement == normalised("table", optional):
            continue
        return _described(item.kind, item.name, "inconnu")
    for key in sorted(expected.objects.keys() - actual.keys(), key=_order):
        return _described(key[0], key[1], "manquant")
    for key in sorted(expected.objects.keys(), key=_order):
        want, have = expected.objects[key], actual[key]
        if want.statement != have.statement or want.table != have.table:
            return _changed(want, have)
    details = read_details(connection, actual)
    for key in sorted(expected.details.keys(), key=_order):
        if details.get(key) != expected.details[key]:
            return _described(key[0], key[1], "modifié")
    for table, rows in expected.fixed_rows.items():
        stored = tuple(tuple(row) for row in connection.execute(f"SELECT * FROM {_quoted(table)}"))
        if stored != rows:
            return f"réglages de l'index de recherche « {table} » modifiés"
    return None


def _order(key: Key) -> tuple[int, str]:
    """Triggers and views first: the most dangerous differences are named first."""
    return (["trigger", "view", "table", "index"].index(key[0]) if key[0] in _KINDS else 4, key[1])


def _changed(want: SchemaObject, have: SchemaObject) -> str:
    if want.kind == "table" and len(want.statement) == 4 and len(have.statement) == 4:
        wanted = _column_names(want)
        found = _column_names(have)
        for column in found:
            if column not in wanted:
                return f"colonne « {column} » inconnue dans la table « {want.name} »"
        for column in wanted:
            if column not in found:
                return f"colonne « {column} » manquante dans la table « {want.name} »"
        for column in wanted:
            if _column(want, column) != _column(have, column):
                return f"colonne « {column} » modifiée dans la table « {want.name} »"
    return _described(want.kind, want.name, "modifié")


def _column_names(item: SchemaObject) -> list[str]:
    columns = item.statement[1]
    assert isinstance(columns, tuple)
    return [str(c[0]) if c else "" for c in columns]


def _column(item: SchemaObject, name: str) -> object:
    columns = item.statement[1]
    assert isinstance(columns, tuple)
    return next((c for c in columns if c and c[0] == name), None)


def _described(kind: str, name: str, adjective: str) -> str:
    noun, ending = _KINDS.get(kind, (kind, ""))
    return f"{noun} « {name} » {adjective}{ending}"


# --- the rows -----------------------------------------------------------------------------


def invalid_rows(connection: sqlite3.Connection, expected: Schema) -> str | None:
    """None if every row can be read back by the application, else what cannot, in French."""
    violation = connection.execute("PRAGMA foreign_key_check").fetchone()
    if violation is not None:
        return f"la table « {violation[0]} » renvoie à une ligne absente de « {violation[2]} »"
    for table, columns in expected.columns.items():
        checks = [
            (column, f"({condition.format(c=_quoted(column))})", label)
            for column, declared in columns
            for condition, label in [_column_check(table, column, declared)]
            if condition
        ] + _length_checks(table, columns)
        texts = _text_columns(table, columns)
        readable = [r for r in (_readable(texts, 0), _readable(texts, 1)) if r is not None]
        if not checks and not readable:
            continue
        # One pass over the table (and one Python call per row for its texts); the faulty
        # column is looked for only if a row fails. (`IS NOT 1`: NULL fails too.)
        every = " AND ".join(
            [f"({_quoted(c)} IS NULL OR {condition})" for c, condition, _ in checks] + readable
        )
        if _count(connection, table, every) == 0:
            continue
        for column, condition, label in checks:
            count = _count(connection, table, f"{_quoted(column)} IS NULL OR {condition}")
            if count:
                return f"{label} dans « {table}.{column} », {count} ligne(s)"
        for column, multiline in texts:
            count = _count(connection, table, _readable([(column, multiline)], multiline) or "1")
            if count:
                return (
                    f"texte illisible (UTF-8 invalide ou caractère de contrôle) dans "
                    f"« {table}.{column} », {count} ligne(s)"
                )
    if "settings" in expected.columns:
        for key, condition, label in SETTING_CHECKS:
            bad = connection.execute(
                f"SELECT COUNT(*) FROM settings WHERE key = ? AND ({condition}) IS NOT 1", (key,)
            ).fetchone()[0]
            if bad:
                return f"réglage « {key} » : {label}"
    return None


def _count(connection: sqlite3.Connection, table: str, condition: str) -> int:
    """How many rows of `table` do not meet `condition`."""
    sql = f"SELECT COUNT(*) FROM {_quoted(table)} WHERE ({condition}) IS NOT 1"
    return int(connection.execute(sql).fetchone()[0])


def _column_check(table: str, column: str, declared: str) -> tuple[str, str]:
    """The condition a stored value of this column meets, and what to say if it does not."""
    if (table, column) in HASH_COLUMNS:
        return HASH_OK, "empreinte de document invalide"
    values = ENUM_COLUMNS.get((table, column))
    if values is not None:
        listed = ", ".join("'" + member.value.replace("'", "''") + "'" for member in values)
        return f"{{c}} IN ({listed})", "valeur inconnue"
    if (table, column) in PASSWORD_COLUMNS:
        return (
            "typeof({c}) = 'text' AND length(CAST({c} AS BLOB)) <= 256 "
            "AND dossia_argon2id_ok(CAST({c} AS BLOB)) = 1",
            "empreinte de mot de passe invalide",
        )
    base = "TEXT" if _VARCHAR.fullmatch(declared) else declared
    return _BY_TYPE.get(base, ("", ""))


def _length_checks(table: str, columns: tuple[tuple[str, str], ...]) -> list[tuple[str, str, str]]:
    """(column, condition, label) of each column declared VARCHAR(n): at most n characters."""
    found = []
    for column, declared in columns:
        size = _VARCHAR.fullmatch(declared)
        if size is not None and (table, column) not in PASSWORD_COLUMNS:
            most = int(size.group(1))
            found.append(
                (column, f"(length({_quoted(column)}) <= {most})", f"plus de {most} caractères")
            )
    return found


def _text_columns(table: str, columns: tuple[tuple[str, str], ...]) -> list[tuple[str, int]]:
    """The free text columns of `table` (neither enumerations, hashes nor passwords), each
    with 1 if it may hold line breaks, else 0."""
    special = HASH_COLUMNS | ENUM_COLUMNS.keys() | PASSWORD_COLUMNS
    return [
        (column, int((table, column) in MULTILINE_COLUMNS))
        for column, declared in columns
        if (table, column) not in special
        and (declared == "TEXT" or _VARCHAR.fullmatch(declared) is not None)
    ]


def _readable(columns: list[tuple[str, int]], multiline: int) -> str | None:
    """One call of `dossia_text_ok` per row for these columns: their bytes joined by spaces
    (UTF-8 as a whole exactly when each part is; NULL as nothing)."""
    chosen = [column for column, kind in columns if kind == multiline]
    if not chosen:
        return None
    joined = " || x'20' || ".join(f"coalesce(CAST({_quoted(c)} AS BLOB), x'')" for c in chosen)
    return f"dossia_text_ok(CAST(({joined}) AS BLOB), {multiline}) = 1"


_VARCHAR = re.compile(r"VARCHAR\(\s*([0-9]{1,9})\s*\)")


def _add_functions(connection: sqlite3.Connection) -> None:
    """The Python functions the row checks call (on this connection only)."""
    connection.create_function("dossia_text_ok", 2, _text_ok, deterministic=True)
    connection.create_function("dossia_argon2id_ok", 1, _argon2id_ok, deterministic=True)


def _text_ok(value: object, multiline: object) -> int:
    """1 if `value` (a text's bytes) is UTF-8 without a control character (line breaks and
    tabs allowed in rich text), else 0."""
    if not isinstance(value, bytes):
        return 0
    try:
        text = value.decode("utf-8")  # strict: refuses encoded surrogates too
    except UnicodeDecodeError:
        return 0
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL
    return 0 if pattern.search(text) else 1


def _argon2id_ok(value: object) -> int:
    """1 if `value` is an argon2id hash whose parameters a login can afford, else 0."""
    if not isinstance(value, bytes):
        return 0
    match = _ARGON2ID.fullmatch(value)
    if match is None:
        return 0
    memory, passes, lanes = (int(group) for group in match.groups())
    return int(
        1 <= lanes <= MAX_ARGON2_LANES
        and 1 <= passes <= MAX_ARGON2_PASSES
        and 8 * lanes <= memory <= MAX_ARGON2_MEMORY_KIB
    )
