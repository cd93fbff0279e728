"""The keys of an encrypted office start opening from main.py's first lines when the window
is started with a login and its password (app.early)."""

from __future__ import annotations

import pytest

from app import early, startup
from app.crypto import unlocked
from app.office.office import NewUser
from app.paths import DataPaths
from app.startup import OfficeState
from app.storage import sqlite

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
