"""This computer's «Connexion» settings (issue 11): the office in the local file (the default)
or on the office's PostgreSQL server, how to reach that server and whether to encrypt the
connection; and the server's password in the system keyring, never in a file.

The settings are a small JSON file in this computer's configuration folder (beside
`poste.ini`), written atomically. `--db` and $DOSSIA_DB still win over them
(`app.paths.resolve_location`). The keyring (the `keyring` library: Windows Credential
Manager, macOS Keychain, Secret Service on Linux) and SQLAlchemy are imported only when a
server is involved: a file office's start imports neither.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from app.errors import DomainError
from app.files import atomic_write
from app.paths import DB_ENV_VAR, ServerLocation, config_folder, parse_location

SETTINGS_FILENAME = "connexion.json"
FILE, SERVER = "file", "server"
MODES = (FILE, SERVER)
# libpq's sslmode: encrypted when the server offers it; encryption required; encryption and
# the server's certificate checked against the office's CA certificate (and its name).
PREFER, REQUIRE, VERIFY_FULL = "prefer", "require", "verify-full"
TLS_MODES = (PREFER, REQUIRE, VERIFY_FULL)
DEFAULT_PORT = 5432
KEYRING_SERVICE = "Dossia — serveur du cabinet"
NO_KEYRING = (
    "Aucun trousseau de mots de passe n'est disponible sur cet ordinateur : le mot de passe "
    "du serveur sera demandé à chaque session (il n'est jamais écrit dans un fichier)."
)


@dataclass(frozen=True)
class ConnectionSettings:
    """Where this computer finds the office. Never the password."""

    mode: str = FILE
    host: str = ""
    port: int = DEFAULT_PORT
    dbname: str = ""  # the office's database on the server (libpq's word)
    user: str = ""
    tls: str = PREFER
    ca_file: str = ""  # VERIFY_FULL: the office's CA certificate (PEM)
    remember_password: bool = False

    @property
    def on_server(self) -> bool:
        return self.mode == SERVER

    def location(self, password: str | None = None) -> ServerLocation:
        """The server these settings name, as `--db postgresql://…` would give it."""
        query = {"sslmode": self.tls}
        if self.tls == VERIFY_FULL:
            query["sslrootcert"] = self.ca_file
        host = f"[{self.host}]" if ":" in self.host else self.host
        url = (
            f"postgresql://{quote(self.user, safe='')}@{host}:{self.port}/"
            f"{quote(self.dbname, safe='')}?{urlencode(query, quote_via=quote)}"
        )
        location = parse_location(url, "Connexion")
        assert isinstance(location, ServerLocation)
        return location if password is None else location.with_password(password, "typed")


def settings_of(address: str, remember_password: bool = False) -> ConnectionSettings:
    """The settings naming the server of `address` (`postgresql://user@host:port/base?…`,
    no password): what «Connexion…» is prefilled with for an office migrated there."""
    location = parse_location(address, "Connexion")
    if not isinstance(location, ServerLocation):
        return ConnectionSettings()
    options = dict(parse_qsl(urlsplit(location.url).query))
    tls = options.get("sslmode", PREFER)
    return ConnectionSettings(
        SERVER,
        location.host,
        location.port or DEFAULT_PORT,
        location.database,
        location.user,
        tls if tls in TLS_MODES else PREFER,
        options.get("sslrootcert", ""),
        remember_password,
    )


def settings_file(folder: Path | None = None) -> Path:
    return (folder or config_folder()) / SETTINGS_FILENAME


def read_settings(folder: Path | None = None) -> ConnectionSettings:
    """This computer's settings; the default (the local file) when there are none, or when
    the file cannot be read (then the dialog shows the default, and saving rewrites it)."""
    try:
        data = json.loads(settings_file(folder).read_text(encoding="utf-8"))
        return check_settings(
            mode=str(data.get("mode", FILE)),
            host=str(data.get("host", "")),
            port=str(data.get("port", DEFAULT_PORT)),
            dbname=str(data.get("dbname", "")),
            user=str(data.get("user", "")),
            tls=str(data.get("tls", PREFER)),
            ca_file=str(data.get("ca_file", "")),
            remember_password=bool(data.get("remember_password", False)),
        )
    except (OSError, ValueError, AttributeError, DomainError):
        return ConnectionSettings()


def check_settings(
    mode: str,
    host: str = "",
    port: str = str(DEFAULT_PORT),
    dbname: str = "",
    user: str = "",
    tls: str = PREFER,
    ca_file: str = "",
    remember_password: bool = False,
) -> ConnectionSettings:
    """The settings typed, checked field by field (DomainError in French naming the field).
    The local file needs nothing else: the server's fields are then kept for next time."""
    if mode not in MODES:
        raise DomainError("Choisissez « Fichier local » ou « Serveur du cabinet ».", field="mode")
    host, dbname, user = host.strip(), dbname.strip(), user.strip()
    tls = tls if tls in TLS_MODES else PREFER
    port_text = port.strip()
    settings = ConnectionSettings(
        mode, host, DEFAULT_PORT, dbname, user, tls, ca_file.strip(), remember_password
    )
    port_ok = port_text.isdigit() and 1 <= int(port_text) <= 65535
    if port_ok:
        settings = replace(settings, port=int(port_text))
    if mode == FILE:
        return settings
    if not host:
        raise DomainError(
            "Indiquez le serveur : son nom sur le réseau du cabinet ou son adresse IP "
            "(par exemple serveur-cabinet ou 192.168.1.10).",
            field="host",
        )
    if any(c.isspace() or c in "/@?#" for c in host):
        raise DomainError(
            f"« {host} » n'est pas un nom de serveur : indiquez seulement son nom ou son "
            "adresse IP, sans espace ni « / », « @ », « ? ».",
            field="host",
        )
    if not port_ok:
        raise DomainError(
            "Le port est un nombre entre 1 et 65535 (celui de PostgreSQL est 5432 sauf "
            "indication contraire du prestataire informatique).",
            field="port",
        )
    if not dbname:
        raise DomainError(
            "Indiquez le nom de la base du cabinet sur le serveur (donné par le prestataire "
            "informatique).",
            field="database",
        )
    if not user:
        raise DomainError(
            "Indiquez l'utilisateur PostgreSQL avec lequel Dossia se connecte au serveur.",
            field="user",
        )
    if tls == VERIFY_FULL:
        if not settings.ca_file:
            raise DomainError(
                "Choisissez le certificat de l'autorité du cabinet (fichier .crt ou .pem) "
                "pour vérifier le certificat du serveur.",
                field="ca_file",
            )
        if not Path(settings.ca_file).is_file():
            raise DomainError(
                f"Le certificat « {settings.ca_file} » est introuvable : choisissez-le de nouveau.",
                field="ca_file",
            )
    return settings


def save_settings(settings: ConnectionSettings, folder: Path | None = None) -> Path:
    """Write this computer's settings (atomically: the previous file stays whole if the
    write fails). Raises DomainError (French) when the folder cannot be written."""
    target = settings_file(folder)
    try:
        with atomic_write(target) as stream:
            json.dump(asdict(settings), stream, ensure_ascii=False, indent=2)
    except OSError as error:
        raise DomainError(
            f"Impossible d'enregistrer les réglages de connexion de ce poste dans « {target} » "
            f"({error.strerror or error})."
        ) from error
    return target


def saved_location() -> ServerLocation | None:
    """The office server this computer's settings name, or None (the local file)."""
    settings = read_settings()
    return settings.location() if settings.on_server else None


def override_origin(db_argument: str | None) -> str:
    """What makes this start ignore the saved settings: «--db», «$DOSSIA_DB», or ""."""
    if db_argument:
        return "--db"
    if os.environ.get(DB_ENV_VAR):
        return f"${DB_ENV_VAR}"
    return ""


# --- The password in the system keyring ---------------------------------------------------


def _account(location: ServerLocation) -> str:
    return f"{location.user}@{location.host or 'local'}:{location.port or DEFAULT_PORT}/{location.database}"


def keyring_problem() -> str:
    """Why this computer has no usable system keyring (French), or "" when it has one."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration is no keyring
        return NO_KEYRING
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return NO_KEYRING
    return ""


def remembered_password(location: ServerLocation) -> str | None:
    """The server's password this computer remembers, or None (none kept, or no usable
    keyring: an error of the keyring never stops a start, the password is asked)."""
    if keyring_problem():
        return None
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, _account(location))
    except Exception:
        return None


def remember_password(location: ServerLocation, password: str) -> str:
    """Keep `password` in the system keyring (replacing one kept before). Returns "" when
    kept, else why it was not (French): it is then asked at each session, never written to
    a file."""
    problem = keyring_problem()
    if problem:
        return problem
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, _account(location), password)
    except Exception as error:
        return (
            f"Le trousseau de mots de passe de cet ordinateur a refusé le mot de passe ({error}) : "
            "il sera demandé à chaque session."
        )
    return ""


def forget_password(location: ServerLocation) -> None:
    """Remove the server's password from the keyring, if it is there."""
    if keyring_problem():
        return
    try:
        import keyring

        keyring.delete_password(KEYRING_SERVICE, _account(location))
    except Exception:  # keyring.errors.PasswordDeleteError: nothing kept
        return


def with_remembered_password(location: ServerLocation) -> ServerLocation:
    """`location` with the keyring's password, unless it has one already (the address,
    $DOSSIA_DB_PASSWORD); libpq's .pgpass is read when none is found."""
    if location.password is not None or location.has_address_password:
        return location
    password = remembered_password(location)
    return location if password is None else location.with_password(password, "keyring")


# --- Saving the choice --------------------------------------------------------------------


def save_connection(settings: ConnectionSettings, password: str = "") -> str:
    """Save this computer's settings and keep (or forget) the server's password in the
    keyring as they say. Returns "" or, when the keyring could not keep it, why (French):
    the settings are saved all the same and the password is asked at each session."""
    save_settings(settings)
    if not settings.on_server:
        return ""
    location = settings.location()
    if not settings.remember_password:
        forget_password(location)
        return ""
    return remember_password(location, password) if password else ""
