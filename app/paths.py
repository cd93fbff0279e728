"""Where Dossia keeps its data: the platformdirs data folder unless told otherwise, or an
office database on a PostgreSQL server (`--db postgresql://user@host:port/dbname`)."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlencode, urlsplit

from platformdirs import user_config_dir, user_data_dir

from app.errors import DomainError

DB_ENV_VAR = "DOSSIA_DB"
# The server's password, for the commands and the GUI, when the address holds none; then the
# system keyring («Connexion» settings), libpq's own ~/.pgpass, and the password dialog.
DB_PASSWORD_ENV_VAR = "DOSSIA_DB_PASSWORD"
# This computer's settings folder (tests and portable installs name another one).
CONFIG_ENV_VAR = "DOSSIA_CONFIG_DIR"
DB_FILENAME = "dossia.sqlite3"
# `scheme://…`; two letters at least, so that a Windows drive («C://dossia») stays a path.
# «postgresql:/…» (a slash missing) is an address mistyped, not a folder named «postgresql:».
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]+)://|^(?P<server>postgres(?:ql)?):", re.I)
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
POSTGRES_EXAMPLE = "postgresql://utilisateur@serveur:5432/base"


@dataclass(frozen=True)
class DataPaths:
    """The database file and the folders that sit beside it."""

    database: Path

    @property
    def folder(self) -> Path:
        return self.database.parent

    @property
    def documents(self) -> Path:
        return self.folder / "documents"

    @property
    def viewing(self) -> Path:
        """Copies of documents opened with the system's viewer (emptied at each start)."""
        return self.folder / "viewing"

    @property
    def backups(self) -> Path:
        return self.folder / "backups"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"


def default_data_folder() -> Path:
    return Path(user_data_dir("Dossia", appauthor=False))


def config_folder() -> Path:
    """This computer's settings folder: $DOSSIA_CONFIG_DIR, else the platformdirs one."""
    configured = os.environ.get(CONFIG_ENV_VAR)
    return Path(configured) if configured else Path(user_config_dir("Dossia", appauthor=False))


class LocationError(DomainError):
    """`--db` / $DOSSIA_DB names neither a database file nor a server Dossia can use."""


class ServerModeUnavailable(LocationError):
    """An office server was named where this version of Dossia can only open a file."""


@dataclass(frozen=True)
class ServerLocation:
    """An office database on a PostgreSQL server, as `postgresql://user@host:port/dbname`
    names it (a password in it is used, never shown)."""

    url: str = field(repr=False)  # may hold the password: `address` is for showing
    host: str  # "" for the local server's socket
    port: int | None
    database: str
    user: str
    # Given apart from the address ($DOSSIA_DB_PASSWORD, typed): never shown, never compared.
    password: str | None = field(default=None, repr=False, compare=False)
    # Where `password` came from: "env", "keyring" (asked again if refused), "typed".
    password_source: str = field(default="", repr=False, compare=False)

    def with_password(self, password: str | None, source: str = "typed") -> ServerLocation:
        return replace(self, password=password, password_source=source if password else "")

    @property
    def has_address_password(self) -> bool:
        return urlsplit(self.url).password is not None

    @property
    def sslmode(self) -> str:
        """The address's sslmode, or libpq's default («prefer»: encrypted when offered)."""
        for part in urlsplit(self.url).query.split("&"):
            name, _, value = part.partition("=")
            if name == "sslmode" and value:
                return unquote(value)
        return "prefer"

    @property
    def connect_args(self) -> dict[str, object]:
        """What the driver is given besides the address (the password given apart)."""
        return {} if self.password is None else {"password": self.password}

    @property
    def local_paths(self) -> DataPaths:
        """This computer's own folder for the office on this server: logs, copies of
        documents opened for viewing, PDFs made to be opened; no database file is ever
        created there (the dossiers taken away have their own folder: `carry_paths`)."""
        name = f"{self.host or 'local'}-{self.port or 5432}-{self.user}-{self.database}"
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        return DataPaths(default_data_folder() / "serveurs" / safe / DB_FILENAME)

    @property
    def sqlalchemy_url(self) -> str:
        """The same address for SQLAlchemy, with the driver Dossia ships (psycopg 3)."""
        return "postgresql+psycopg://" + self.url.split("://", 1)[1]

    @property
    def address(self) -> str:
        """The address without any password (in the user part or the options): what may be
        shown, written in a report, or kept in a file."""
        parts = urlsplit(self.url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, hostport = netloc.rsplit("@", 1)
            netloc = f"{userinfo.split(':', 1)[0]}@{hostport}"
        query = urlencode(
            [
                (key, value)
                for key, value in parse_qsl(parts.query, keep_blank_values=True)
                if key.lower() not in ("password", "sslpassword")
            ],
            quote_via=quote,  # «%20», not «+»: libpq reads a «+» as it is
        )
        return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")

    @property
    def label(self) -> str:
        """«base « dossia » sur serveur:5432» — what a message shows (no password)."""
        where = self.host or "ce poste"
        if self.port is not None:
            where += f":{self.port}"
        return f"la base « {self.database} » du serveur PostgreSQL {where}"


OfficeLocation = DataPaths | ServerLocation


def resolve_location(db: str | os.PathLike[str] | None = None) -> OfficeLocation:
    """`--db`, else $DOSSIA_DB, else this computer's «Connexion» settings (the office
    server, when they name one), else the user data folder's file: a file path, or a
    PostgreSQL server's address. Anything else that looks like an address (`mysql://…`,
    `http://…`) raises LocationError, in French, rather than becoming a folder named
    «mysql:»."""
    if db:
        return _with_password(parse_location(os.fspath(db), "--db"))
    chosen = os.environ.get(DB_ENV_VAR)
    if chosen:
        return _with_password(parse_location(chosen, f"${DB_ENV_VAR}"))
    from app.connection import saved_location

    saved = saved_location()
    if saved is not None:
        carried = carried_away(saved)
        if carried is not None:
            # Dossiers taken away from the server: this computer works on them until they
            # are brought back («Rapporter»), wherever it is.
            return carried
        return _with_password(saved)
    return DataPaths(default_data_folder() / DB_FILENAME)


def carry_paths(location: ServerLocation) -> DataPaths:
    """Where this computer keeps the dossiers it took away from the office's server
    («Emporter des dossiers», issue 11): a file office of its own, beside the server's
    local folder."""
    return DataPaths(location.local_paths.folder / "emportes" / DB_FILENAME)


# Written in the laptop's folder once its dossiers are back at the office (before the folder
# is set aside, which a file still open prevents on Windows): it is never opened again.
CARRY_RETURNED = "rapportes.json"


def carried_away(location: ServerLocation) -> DataPaths | None:
    """The dossiers this computer holds away from that server, if any (not brought back)."""
    carried = carry_paths(location)
    if carried.database.exists() and not (carried.folder / CARRY_RETURNED).exists():
        return carried
    return None


def _with_password(location: OfficeLocation) -> OfficeLocation:
    """A server's password: the address's, else $DOSSIA_DB_PASSWORD, else the one this
    computer's keyring remembers (libpq reads ~/.pgpass when none of them gives one)."""
    if not isinstance(location, ServerLocation) or location.has_address_password:
        return location
    password = os.environ.get(DB_PASSWORD_ENV_VAR)
    if password:
        return location.with_password(password, "env")
    from app.connection import with_remembered_password

    return with_remembered_password(location)


def resolve_paths(db: str | os.PathLike[str] | None = None) -> DataPaths:
    """`--db PATH`, else $DOSSIA_DB, else the user data folder: for what only opens a file.
    A server's address raises ServerModeUnavailable (nothing is created)."""
    location = resolve_location(db)
    if isinstance(location, ServerLocation):
        raise ServerModeUnavailable(server_mode_unavailable(location))
    return location


def server_mode_unavailable(location: ServerLocation) -> str:
    return (
        f"Cette commande part du fichier d'un cabinet, et {location.label} est un serveur "
        "(donné par --db, $DOSSIA_DB ou Fichier › Connexion) : indiquez le fichier du cabinet "
        "avec --db CHEMIN. Rien n'a été créé ni modifié."
    )


def parse_location(text: str, origin: str = "--db") -> OfficeLocation:
    """A file path, or a PostgreSQL server's address; `origin` («--db», «$DOSSIA_DB») says
    where the text came from in a refusal."""
    match = _URL.match(text)
    if match is None:
        return DataPaths(Path(text).expanduser().resolve())
    scheme = (match["scheme"] or match["server"]).lower()
    if scheme in POSTGRES_SCHEMES:
        return _server(text, origin)
    hint = (
        "pour un fichier, donnez son chemin tel quel"
        if scheme in ("file", "sqlite")
        else f"« {scheme}:// » n'est pas pris en charge"
    )
    raise LocationError(
        f"{origin} : « {_shown(text)} » n'est ni un fichier de base de données ni l'adresse "
        f"d'un serveur PostgreSQL ({hint}). Dossia ouvre un fichier (--db CHEMIN) ou un "
        f"serveur PostgreSQL (--db {POSTGRES_EXAMPLE})."
    )


def _server(text: str, origin: str) -> ServerLocation:
    parts = urlsplit(text)
    database = unquote(parts.path[1:]) if "://" in text and parts.path.startswith("/") else ""
    try:
        port = parts.port
    except ValueError:
        port, database = None, ""  # «:54x2», «:99999»: refused below
    if not database or "/" in database or parts.fragment:
        raise LocationError(
            f"{origin} : adresse de serveur PostgreSQL incomplète ou invalide : "
            f"« {_shown(text)} ». Écrivez-la ainsi : {POSTGRES_EXAMPLE} (l'utilisateur, le "
            "serveur, son port s'il n'est pas 5432, et le nom de la base)."
        )
    return ServerLocation(
        url=text,
        host=parts.hostname or "",
        port=port,
        database=database,
        user=unquote(parts.username or ""),
    )


def _shown(text: str) -> str:
    """An address as a message may show it: its password, if any, hidden."""
    parts = urlsplit(text)
    if parts.password is None:
        return text
    host = parts.netloc.rpartition("@")[2]
    return SplitResult(
        parts.scheme, f"{parts.username}:***@{host}", parts.path, parts.query, parts.fragment
    ).geturl()


NETWORK_FILESYSTEMS = {
    "cifs",
    "smb3",
    "smbfs",
    "nfs",
    "nfs4",
    "afs",
    "9p",
    "ceph",
    "glusterfs",
    "davfs",
    "fuse.sshfs",
    "fuse.rclone",
    "fuse.davfs2",
    "fuse.gvfsd-fuse",
    "fuse.s3fs",
}


def network_location(path: Path, mounts: str | None = None) -> str | None:
    """The kind of network share `path` lives on (SQLite is unsafe there), or None."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return "partage réseau"
    if sys.platform == "win32":  # pragma: no cover - Windows only (mypy skips it elsewhere)
        import ctypes

        drive = os.path.splitdrive(text)[0] + "\\"
        return "lecteur réseau" if ctypes.windll.kernel32.GetDriveTypeW(drive) == 4 else None
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text()
        except OSError:
            return None
    best, kind = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = text == point or text.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fields[2]
    return kind if kind in NETWORK_FILESYSTEMS else None
