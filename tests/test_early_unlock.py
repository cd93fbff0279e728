"""The keys of an encrypted office start opening from main.py's first lines when the window
is started with a login and its password (app.early)."""

from __future__ import annotations

import threading

import pytest

from app import early, security, startup
from app.crypto import unlocked
from app.office.office import NewUser
from app.paths import DataPaths
from app.startup import OfficeState
from app.storage import sqlite
from app.workspace import OfficeDatabase

PASSWORD = "Secret-2026"


@pytest.fixture
def encrypted(tmp_path):
    paths = DataPaths(tmp_path / "cabinet" / "dossia.sqlite3")
    startup.create_office(paths, NewUser("hdubois", "Hélène", "Dubois", PASSWORD))
    unlocked.forget_all()  # as after a restart
    yield paths
    unlocked.forget_all()


def test_the_window_started_with_a_password_opens_the_keys_at_once(encrypted, monkeypatch):
    monkeypatch.setenv(early.PASSWORD_ENV_VAR, PASSWORD)
    argv = ["--db", str(encrypted.database), "--user", "hdubois", "--quit-after-start"]
    started = early.unlock_from_command_line(argv)
    assert started is not None and started.refusal() is None
    assert started.serves(encrypted, "hdubois", PASSWORD)
    assert not started.serves(encrypted, "autre", PASSWORD)
    assert startup.open_office(encrypted).state is OfficeState.READY  # the keys are open
    same = early.unlock_from_command_line([f"--db={encrypted.database}", "--user=hdubois"])
    assert same is not None and same.refusal() is None


def test_a_wrong_password_is_said_when_the_window_asks(encrypted, monkeypatch):
    monkeypatch.setenv(early.PASSWORD_ENV_VAR, "pas le bon")
    started = early.unlock_from_command_line(["--db", str(encrypted.database), "--user", "hdubois"])
    assert started is not None
    assert "incorrect" in (started.refusal() or "")
    assert startup.open_office(encrypted).state is OfficeState.LOCKED


@pytest.mark.parametrize(
    "argv",
    [
        ["--user", "hdubois", "backup"],  # a command: it opens the keys itself
        ["--user", "hdubois", "--help"],
        ["--user", "hdubois", "--version"],
        ["--user"],  # a mistake: argparse says so afterwards
        ["--db"],
        [],  # no login: the login dialog asks
    ],
)
def test_nothing_starts_for_anything_but_the_window_with_a_login(encrypted, monkeypatch, argv):
    monkeypatch.setenv(early.PASSWORD_ENV_VAR, PASSWORD)
    monkeypatch.setenv("DOSSIA_DB", str(encrypted.database))
    assert early.unlock_from_command_line(argv) is None


def test_nothing_starts_for_a_plain_office_a_server_or_no_password(tmp_path, monkeypatch):
    plain = DataPaths(tmp_path / "plain" / "dossia.sqlite3")
    startup.create_office(plain, NewUser("hdubois", "Hélène", "Dubois", PASSWORD), encrypted=False)
    monkeypatch.setenv(early.PASSWORD_ENV_VAR, PASSWORD)
    assert early.unlock_from_command_line(["--db", str(plain.database), "--user", "x"]) is None
    server = ["--db", "postgresql://dossia@localhost/cabinet", "--user", "hdubois"]
    assert early.unlock_from_command_line(server) is None
    assert early.unlock_from_command_line(["--db", "mysql://x/y", "--user", "hdubois"]) is None
    monkeypatch.delenv(early.PASSWORD_ENV_VAR)
    assert early.unlock_from_command_line(["--db", str(plain.database), "--user", "x"]) is None


def test_the_key_file_is_looked_for_where_the_storage_keeps_it(tmp_path):
    database = tmp_path / "dossia.sqlite3"
    assert early._key_file(DataPaths(database)) == sqlite.key_file_of(database)


# --- a plain office: the login's argon2 verified while Qt is imported (issue 18) ---------


@pytest.fixture
def ahead_cleared(monkeypatch):
    """No verification made ahead, and none asked yet, whatever ran before."""
    monkeypatch.setattr(security, "_ahead", None)
    monkeypatch.setattr(security, "_asked", False)


@pytest.fixture
def verifications(monkeypatch) -> list[str]:
    """Each argon2 verification really run, by the password it verified."""
    real = security._verify
    made: list[str] = []

    def counting(password_hash: str, password: str) -> bool:
        made.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(security, "_verify", counting)
    return made


def test_the_login_takes_the_verification_made_ahead_once(ahead_cleared, verifications):
    stored = security.hash_password(PASSWORD)
    security.verify_ahead(stored, PASSWORD)
    assert verifications == [PASSWORD]
    assert security.verify_password(stored, PASSWORD)  # the answer made ahead
    assert verifications == [PASSWORD]
    assert security.verify_password(stored, PASSWORD)  # served once: verified again
    assert verifications == [PASSWORD, PASSWORD]
    security.verify_ahead(stored, PASSWORD)  # too late once a login was checked: nothing
    assert verifications == [PASSWORD, PASSWORD]


def test_a_verification_made_ahead_answers_only_its_own_question(ahead_cleared, verifications):
    stored = security.hash_password(PASSWORD)
    security.verify_ahead(stored, "pas le bon")
    assert security.verify_password(stored, PASSWORD)  # another password: verified anew
    assert verifications == ["pas le bon", PASSWORD]
    assert security._ahead is None  # and the one made ahead forgotten all the same
    security._asked = False  # (restored by `ahead_cleared`)
    security.verify_ahead(stored, PASSWORD)
    assert security.verify_password(security.hash_password(PASSWORD), PASSWORD)  # another hash
    assert verifications == ["pas le bon", PASSWORD, PASSWORD, PASSWORD]


def test_a_start_with_its_password_verifies_it_ahead_on_a_plain_office(
    tmp_path, ahead_cleared, verifications
):
    paths = DataPaths(tmp_path / "cabinet" / "dossia.sqlite3")
    startup.create_office(paths, NewUser("hdubois", "Hélène", "Dubois", PASSWORD), encrypted=False)
    verifications.clear()
    stored = sqlite.stored_password_hash(paths.database, "hdubois")
    assert stored is not None and stored.startswith("$argon2id$")
    startup.check_password_ahead(paths, " HDubois ", PASSWORD)
    for thread in threading.enumerate():
        if thread.name == "password-ahead":
            thread.join(10)
    assert verifications == [PASSWORD]
    office = OfficeDatabase(paths)
    try:
        assert office.authenticate("hdubois", PASSWORD).login == "hdubois"
    finally:
        office.close()
    assert verifications == [PASSWORD]  # the login took it: argon2 ran once


def test_nothing_is_verified_ahead_without_an_open_office_and_its_user(
    tmp_path, encrypted, ahead_cleared
):
    missing = tmp_path / "rien" / "dossia.sqlite3"
    assert sqlite.stored_password_hash(missing, "hdubois") is None
    assert not missing.exists() and not missing.parent.exists()  # nothing created
    assert sqlite.stored_password_hash(encrypted.database, "hdubois") is None  # its keys first
    plain = DataPaths(tmp_path / "clair" / "dossia.sqlite3")
    startup.create_office(plain, NewUser("hdubois", "Hélène", "Dubois", PASSWORD), encrypted=False)
    assert sqlite.stored_password_hash(plain.database, "inconnu") is None
    foreign = tmp_path / "autre.sqlite3"
    foreign.write_bytes(b"pas une base")
    assert sqlite.stored_password_hash(foreign, "hdubois") is None


def test_an_encrypted_office_verifies_the_password_ahead_once_its_keys_are_open(
    encrypted, ahead_cleared, verifications, monkeypatch
):
    """After the early unlock, its thread reads the user's hash (the file now opens) and
    verifies the password: the login that follows takes that answer, argon2 runs once."""
    assert sqlite.stored_password_hash(encrypted.database, "hdubois") is None  # locked
    monkeypatch.setenv(early.PASSWORD_ENV_VAR, PASSWORD)
    started = early.unlock_from_command_line(["--db", str(encrypted.database), "--user", "HDubois"])
    assert started is not None and started.refusal() is None
    started._thread.join(10)
    assert verifications == [PASSWORD]
    office = OfficeDatabase(encrypted)
    try:
        assert office.authenticate("hdubois", PASSWORD).login == "hdubois"
    finally:
        office.close()
    assert verifications == [PASSWORD]  # the login took it


def test_a_refused_early_unlock_verifies_nothing_ahead(
    encrypted, ahead_cleared, verifications, monkeypatch
):
    monkeypatch.setenv(early.PASSWORD_ENV_VAR, "pas le bon")
    started = early.unlock_from_command_line(["--db", str(encrypted.database), "--user", "hdubois"])
    assert started is not None and "incorrect" in (started.refusal() or "")
    started._thread.join(10)
    assert verifications == [] and security._ahead is None


def test_a_key_file_changed_after_the_unlock_tells_nothing_ahead(encrypted):
    """The early thread reads the user's hash right after the keys opened; a key file
    rewritten meanwhile (damaged, another computer's change) makes it say nothing — the
    login verifies the password itself — instead of killing the thread."""
    unlocked.unlock(encrypted.database, "hdubois", PASSWORD)
    assert sqlite.stored_password_hash(encrypted.database, "hdubois") is not None
    sqlite.key_file_of(encrypted.database).write_text("pas un fichier de clés")
    assert sqlite.stored_password_hash(encrypted.database, "hdubois") is None
