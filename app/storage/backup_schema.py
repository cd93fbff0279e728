"""What a backup's schema must be: exactly the one its Alembic revision defines.

The reference is an empty database built by the migrations themselves
(`app.storage.schema.create_reference`) in a temporary file, once per revision and per
process, and kept in memory. Each `CREATE` statement of `sqlite_master` is compared in a
normalised form (case, spacing, comments and identifier quotes aside; a table's constraints
in any order, as Alembic's batch mode writes them in no fixed one), then what SQLite derives
from it (`table_xinfo`, `foreign_key_list`, `index_list`, `index_xinfo`). Only
`sqlite_stat1`/`sqlite_stat4` (left by `ANALYZE`) may be there in addition.
"""

from __future__ import annotations

import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from app.errors import DomainError
from app.storage import driver, schema
from app.storage.backup_files import read_only

Key = tuple[str, str]  # (type, name) of a schema object; SQLite's own indexes by their columns


# The tables SQLite itself adds to a database Dossia wrote (ANALYZE, run at close).
OPTIONAL_TABLES = {
    "sqlite_stat1": "CREATE TABLE sqlite_stat1(tbl,idx,stat)",
    "sqlite_stat4": "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)",
}

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
            except (OSError, driver.Error) as error:
                raise DomainError(
                    f"Impossible de vérifier la sauvegarde : le schéma de référence n'a pas pu "
                    f"être créé ({error})."
                ) from error
            _expected[revision] = found
        return found


def read_schema(connection: driver.Connection) -> Schema:
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
            tuple(row) for row in connection.execute(f"SELECT * FROM {quoted(v + '_config')}")
        )
        for v in virtual
        if ("table", f"{v}_config") in objects
    }
    return Schema(objects, read_details(connection, objects), columns, fixed)


def read_objects(connection: driver.Connection) -> dict[Key, SchemaObject]:
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
    connection: driver.Connection, objects: dict[Key, SchemaObject]
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
                        _rows(  # an expression's column has no name
                            connection,
                            "SELECT coalesce(name, '(expression)') FROM pragma_index_info(?)",
                            str(index),
                        ),
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


def _rows(connection: driver.Connection, sql: str, name: str) -> tuple[tuple[object, ...], ...]:
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
            text = inner.lower() if _PLAIN_NAME.fullmatch(inner) else quoted(inner.lower())
        elif kind == "word":
            text = text.lower()
        found.append(text)
    return found


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- comparing ----------------------------------------------------------------------------


def schema_difference(connection: driver.Connection, expected: Schema) -> str | None:
    """None if the file's schema is the expected one, else the first difference, in French."""
    actual = read_objects(connection)
    for key in sorted(actual.keys() - expected.objects.keys(), key=_order):
        item = actual[key]
        optional = OPTIONAL_TABLES.get(item.name)
        if optional is not None and item.statement == normalised("table", optional):
            continue
        return described(item.kind, item.name, "inconnu")
    for key in sorted(expected.objects.keys() - actual.keys(), key=_order):
        return described(key[0], key[1], "manquant")
    for key in sorted(expected.objects.keys(), key=_order):
        want, have = expected.objects[key], actual[key]
        if want.statement != have.statement or want.table != have.table:
            return _changed(want, have)
    details = read_details(connection, actual)
    for key in sorted(expected.details.keys(), key=_order):
        if details.get(key) != expected.details[key]:
            return described(key[0], key[1], "modifié")
    for table, rows in expected.fixed_rows.items():
        stored = tuple(tuple(row) for row in connection.execute(f"SELECT * FROM {quoted(table)}"))
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
    return described(want.kind, want.name, "modifié")


def _column_names(item: SchemaObject) -> list[str]:
    columns = item.statement[1]
    assert isinstance(columns, tuple)
    return [str(c[0]) if c else "" for c in columns]


def _column(item: SchemaObject, name: str) -> object:
    columns = item.statement[1]
    assert isinstance(columns, tuple)
    return next((c for c in columns if c and c[0] == name), None)


def described(kind: str, name: str, adjective: str) -> str:
    noun, ending = _KINDS.get(kind, (kind, ""))
    return f"{noun} « {name} » {adjective}{ending}"
