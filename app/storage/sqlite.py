"""The start-up path to the database, on the DB-API driver only (`app.storage.driver`).

Importing SQLAlchemy costs about 0.3 s here, more than the whole bare Qt window; so the
checks done before the first paint (is this a Dossia database, of which version, is it
writable, who is logging in) and the Clients list queries use a plain DB-API connection.
Everything else goes through SQLAlchemy (`app.storage.database`), imported after the first
paint.

Every connection to an office file, its backups and their copies is made by `open_file`:
an encrypted file (one with a key file beside it, `key_file_of`) is opened with its
SQLCipher key as the first statement. The keys come from the layer above that unlocks them
(`app.crypto.unlocked`, given by `use_keys`); this package never sees a password.
"""

from __future__ import annotations

import contextlib
import enum
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from app.errors import DatabaseOpenError, NewerDatabaseError, OfficeLocked
from app.storage import driver

# The Alembic revision this version of Dossia expects, and every revision it knows.
# A test checks these against app/migrations/versions.
HEAD_REVISION = "0032_submission_simulation_index"
KNOWN_REVISIONS = (
    "0001_initial",
    "0002_borrowers_children_comments",
    "0003_project_credit_assets",
    "0004_audit_actions_open",
    "0005_login_lockout",
    "0006_referrer_details",
    "0007_banks",
    "0008_settings",
    "0009_edit_all_and_backup_rights",
    "0010_personal_data_right",
    "0011_simulation_plans",
    "0012_rental_loans",
    "0013_documents",
    "0014_bank_submissions",
    "0015_chosen_bank",
    "0016_invoicing",
    "0017_bank_identity",
    "0018_invoice_credits_index",
    "0019_referrer_address",
    "0020_partial_credits_index",
    "0021_invoice_balances",
    "0022_self_billing",
    "0023_fold_ligatures",
    "0024_abandon_columns",
    "0025_simulation_figures",
    "0026_document_contents",
    "0028_server_list_indexes",
    "0029_carries",
    "0030_money_bigint",
    "0031_number_search_indexes",
    "0032_submission_simulation_index",
)

BUSY_TIMEOUT_MS = 5000
# 16 MB of page cache per connection (SQLite keeps 2 MB by default): the list walks
# indexes and rows of a 100,000-dossier file, and re-reading pages costs more than memory.
CACHE_KIB = 16384
_SQLITE_MAGIC = b"SQLite format 3\x00"


KEY_FILE_SUFFIX = ".keys"
# The SQLCipher key (`x'…'`) of an encrypted file, from the key file beside it; None when no
# key unlocked in this process opens it. Given by `use_keys`.
KeyFinder = Callable[[Path], "str | None"]
_key_finder: KeyFinder | None = None

LOCKED_MESSAGE = (
    "Les données de ce cabinet sont chiffrées : identifiez-vous (ou utilisez la clé de "
    "secours) pour les ouvrir."
)


def key_file_of(database: Path) -> Path:
    """Where the key file of an encrypted database (or backup) is: beside it. A file without
    one is a plain SQLite file."""
    return database.with_name(database.name + KEY_FILE_SUFFIX)


def is_encrypted(database: Path) -> bool:
    return key_file_of(database).is_file()


def has_key(database: Path) -> bool:
    """Whether `database` is opened with a key: a key file beside it, or a copy being
    written (`keyed`)."""
    return os.path.abspath(database) in _keyed or is_encrypted(database)


# The stored names of an encrypted office's document files (a keyed hash of each sha256),
# for the copies a backup or a restore makes: given with the keys.
DocumentNames = Callable[[str], str]
_names_finder: Callable[[Path], DocumentNames | None] | None = None


def use_keys(
    finder: KeyFinder | None, names: Callable[[Path], DocumentNames | None] | None = None
) -> None:
    """How this process finds the key of an encrypted file and the names of its documents
    (None: it opens plain ones only)."""
    global _key_finder, _names_finder
    _key_finder, _names_finder = finder, names


def document_names(database: Path) -> DocumentNames | None:
    """How the document files of the office (or backup) `database` are named from their
    sha256: None for a plain one (the sha256 itself); OfficeLocked if it is not unlocked."""
    if not has_key(database):
        return None
    names = _names_finder(database) if _names_finder is not None else None
    if names is None:
        raise OfficeLocked(LOCKED_MESSAGE)
    return names


# Files being written (a backup's partial copy, a restore's staging file) keyed like the
# file they copy, whose key file they will carry: path → (key, that key file).
_keyed: dict[str, tuple[str, Path]] = {}


@contextlib.contextmanager
def keyed(path: Path, key: str | None, like: Path) -> Iterator[None]:
    """Within the block, `path` is opened with `key` and its key file is `like`'s (a copy of
    the encrypted file `like`); with no key, `path` is a plain file."""
    name = os.path.abspath(path)
    if key is None:
        yield
        return
    _keyed[name] = (key, key_file_for(like))
    try:
        yield
    finally:
        _keyed.pop(name, None)


def key_file_for(database: Path) -> Path:
    """The key file `database` is encrypted with: beside it, or the one of the file it is a
    copy of while it is being written (`keyed`)."""
    known = _keyed.get(os.path.abspath(database))
    return known[1] if known is not None else key_file_of(database)


def key_of(database: Path) -> str | None:
    """The SQLCipher key of `database`, None when it is plain; OfficeLocked when it is
    encrypted and no key unlocked in this process opens it."""
    known = _keyed.get(os.path.abspath(database))
    if known is not None:
        return known[0]
    if not is_encrypted(database):
        return None
    key = _key_finder(database) if _key_finder is not None else None
    if key is None:
        raise OfficeLocked(LOCKED_MESSAGE)
    return key


def open_file(
    path: Path,
    mode: str | None = None,
    *,
    key: str | None = None,
    find_key: bool = True,
    **options,
) -> driver.Connection:
    """A connection to the SQLite file `path` (`mode`: "ro" or "rw" opens it as an existing
    file only), keyed when it is encrypted: with `key`, else the one `key_of` finds (unless
    `find_key` is False: a file known to be plain, or keyed by the caller)."""
    if key is None and find_key:
        key = key_of(path)
    if mode is None:
        connection = driver.connect(path, **options)
    else:
        connection = driver.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, **options)
    if key is not None:
        try:
            connection.execute(f'PRAGMA key = "{key}"')  # before any other statement
        except BaseException:
            connection.close()
            raise
    return connection


def set_key(connection: driver.Connection, key: str | None) -> None:
    """Key a connection opened on an empty file (a backup being written, a copy)."""
    if key is not None:
        connection.execute(f'PRAGMA key = "{key}"')


class SchemaState(enum.Enum):
    MISSING = "missing"  # no file yet: first start
    EMPTY = "empty"  # an empty SQLite file: create the schema
    OUTDATED = "outdated"  # an older Dossia schema: migrate (after a backup)
    CURRENT = "current"


def apply_pragmas(connection: driver.Connection) -> None:
    """Per-connection settings; must run before any transaction (foreign_keys is ignored inside one)."""
    connection.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not left in free pages (personal data must
    # really go when a dossier is deleted; not every SQLite build has it on by default).
    connection.execute("PRAGMA secure_delete=ON")
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    connection.execute("PRAGMA synchronous=FULL")
    mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        connection.execute("PRAGMA journal_mode=DELETE")


def optimize(connection: driver.Connection) -> None:
    """Keep the query planner's statistics fresh (at close; cheap).

    The small tables that drive the sorted lists (steps, provenances, users) are always
    analysed: with statistics for the dossiers but none for them, SQLite builds a Bloom
    filter over 30,000 index entries before each page (20–30 ms instead of 1 ms).
    """
    connection.execute("PRAGMA optimize")
    for table in ("steps", "provenances", "users"):
        connection.execute(f"ANALYZE {table}")


def connect(path: Path) -> driver.Connection:
    """Open an existing Dossia database for reading and writing (autocommit reads)."""
    try:
        connection = open_file(path, check_same_thread=False, isolation_level=None)
        apply_pragmas(connection)
    except driver.DatabaseError as error:
        raise _open_error(path, error) from error
    return connection


def stored_password_hash(path: Path, login: str) -> str | None:
    """The password hash of the active user `login` in the office file `path` (plain, or
    encrypted and unlocked in this process), read on a read-only connection of its own (a
    login checked ahead, `app.startup`, `app.early`); None when the file does not tell (no
    such user, no file, a locked, damaged or foreign file)."""
    try:
        key = key_of(path)  # OfficeLocked, or KeyFileError (a key file changed meanwhile)
        connection = open_file(path, "ro", key=key, find_key=False, isolation_level=None)
    except (driver.Error, DatabaseOpenError):
        return None
    try:
        row = connection.execute(
            "SELECT password_hash FROM users WHERE login = ? AND is_active", (login,)
        ).fetchone()
    except driver.Error:
        return None
    finally:
        connection.close()
    return row[0] if row and isinstance(row[0], str) else None


def check_database_readonly(path: Path) -> SchemaState:
    """Like check_database, for a file only read (a backup on a read-only medium)."""
    return check_database(path, writable=False)


def check_database(path: Path, writable: bool = True) -> SchemaState:
    """Tell whether `path` can be opened by this version of Dossia, without changing it.

    Raises DatabaseOpenError with a French message when it cannot.
    """
    if not path.exists():
        return SchemaState.MISSING
    if path.is_dir():
        raise DatabaseOpenError(f"« {path} » est un dossier, pas une base de données Dossia.")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except OSError as error:
        raise DatabaseOpenError(
            f"Impossible de lire la base de données « {path} » : {error.strerror}."
        ) from error
    if header and header != _SQLITE_MAGIC and not has_key(path):
        raise _not_a_database(path)
    connection = open_file(path, "rw" if writable else "ro", isolation_level=None)
    try:
        state = _schema_state(path, connection)
        if writable:
            _check_writable(path, connection)
    except driver.DatabaseError as error:
        raise _open_error(path, error) from error
    finally:
        connection.close()
    return state


def _schema_state(path: Path, connection: driver.Connection) -> SchemaState:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if not tables:
        return SchemaState.EMPTY
    if "alembic_version" not in tables or "dossiers" not in tables:
        raise _not_a_database(path)
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    revision = row[0] if row else None
    if revision == HEAD_REVISION:
        return SchemaState.CURRENT
    if revision in KNOWN_REVISIONS:
        return SchemaState.OUTDATED
    raise NewerDatabaseError(
        f"La base de données « {path.name} » a été créée par une version plus récente de "
        "Dossia. Installez la dernière version de Dossia pour l'ouvrir ; elle n'a pas été "
        "modifiée."
    )


def _check_writable(path: Path, connection: driver.Connection) -> None:
    """Take and release the write lock: a read-only file or folder fails here, not mid-edit."""
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("ROLLBACK")


def _not_a_database(path: Path) -> DatabaseOpenError:
    keys = (
        ""
        if has_key(path)
        else (
            f" S'il s'agit d'un cabinet chiffré, son fichier de clés « {key_file_of(path).name} » "
            "est absent : remettez-le à côté de la base."
        )
    )
    return DatabaseOpenError(
        f"Le fichier « {path.name} » n'est pas une base de données Dossia, ou il est "
        f"endommagé.{keys} Choisissez un autre fichier ou restaurez une sauvegarde ; celui-ci "
        "n'a pas été modifié.",
        damaged=True,
    )


def _open_error(path: Path, error: driver.DatabaseError) -> DatabaseOpenError:
    text = str(error).lower()
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return DatabaseOpenError(
            f"La base de données « {path} » est en lecture seule : Dossia ne pourrait pas "
            "enregistrer vos modifications. Vérifiez les droits du fichier et de son dossier, "
            "ou copiez-le dans un dossier où vous pouvez écrire."
        )
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return _not_a_database(path)
    if "locked" in text or "busy" in text:
        return DatabaseOpenError(
            f"La base de données « {path.name} » est bloquée par un autre programme. "
            "Fermez-le puis réessayez.",
            busy=True,
        )
    return DatabaseOpenError(f"Impossible d'ouvrir la base de données « {path.name} » : {error}.")
