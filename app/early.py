"""The keys of an encrypted office opened from `main.py`'s first lines, when the window is
started with a login and its password (`--user`, $DOSSIA_PASSWORD): argon2 (≈ 0.15 s, the
GIL released) then runs while `main.py` imports the application and Qt starts, instead of
after the first 0.15 s of imports.

Light on purpose (`app.paths`, `threading`): it runs before anything else is imported.
The command line is read here only as far as the start needs; anything this module does
not recognise (a command, an unknown option) starts nothing, and `main.py` reads the
command line properly afterwards (`EarlyUnlock.serves` tells whether the keys opened are
the ones it needs).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from app.errors import DomainError
from app.paths import DataPaths, LocationError, resolve_location

PASSWORD_ENV_VAR = "DOSSIA_PASSWORD"
_WITH_VALUE = ("--db", "--user")
_FLAGS = ("--quit-after-start",)


class EarlyUnlock:
    """The keys of the encrypted office of `paths` opened in a thread with a user's
    password (see the module)."""

    def __init__(self, paths: DataPaths, login: str, password: str) -> None:
        self.paths, self.login, self.password = paths, login, password
        self._error: BaseException | None = None
        self._unlocked = threading.Event()  # the keys opened, or refused
        self._thread = threading.Thread(target=self._run, name="early-unlock", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            from app.crypto.unlocked import unlock  # in this thread: the GUI's imports go on

            unlock(self.paths.database, self.login, self.password)
        except BaseException as error:  # handed to the caller by `refusal`
            self._error = error
            return
        finally:
            self._unlocked.set()
        # Then the login's own check of the password, ahead (as `app.startup.
        # check_password_ahead` does for a plain office): its argon2 (≈ 30 ms, the GIL
        # released) no longer waits for the main window's modules to be imported first.
        from app.security import verify_ahead
        from app.storage.sqlite import stored_password_hash

        password_hash = stored_password_hash(self.paths.database, self.login.strip().lower())
        if password_hash is not None:
            verify_ahead(password_hash, self.password)

    def serves(self, paths: DataPaths, login: str | None, password: str | None) -> bool:
        return (paths.database, login, password) == (self.paths.database, self.login, self.password)

    def refusal(self) -> str | None:
        """None once the keys are open, else the French message why not."""
        self._unlocked.wait()
        if self._error is None:
            return None
        if isinstance(self._error, DomainError):
            return self._error.message
        raise self._error


def unlock_early(paths: DataPaths, login: str | None, password: str | None) -> EarlyUnlock | None:
    """Start opening the keys of an encrypted office now, when a login and password are
    given (nothing for a plain office: a look at whether its key file is there)."""
    if not login or password is None or not _key_file(paths).exists():
        return None
    return EarlyUnlock(paths, login, password)


def unlock_from_command_line(argv: Sequence[str]) -> EarlyUnlock | None:
    """`unlock_early` for the window's start as `argv` asks it (`main.py [--db PATH]
    --user LOGIN [--quit-after-start]`, the password in $DOSSIA_PASSWORD); None for
    anything else."""
    given: dict[str, str] = {}
    arguments = list(argv)
    while arguments:
        argument = arguments.pop(0)
        name, equals, value = argument.partition("=")
        if name in _WITH_VALUE:
            if not equals:
                if not arguments:
                    return None
                value = arguments.pop(0)
            given[name] = value
        elif argument not in _FLAGS:
            return None  # a command, --help, --version, a mistake: main.py decides
    try:
        location = resolve_location(given.get("--db"))
    except LocationError:
        return None
    if not isinstance(location, DataPaths):
        return None  # an office on a server: its own password, no key file
    return unlock_early(location, given.get("--user"), os.environ.get(PASSWORD_ENV_VAR))


def _key_file(paths: DataPaths) -> Path:
    """As `app.storage.sqlite.key_file_of`, whose import (the SQLite driver) waits here."""
    database = paths.database
    return database.with_name(database.name + ".keys")
