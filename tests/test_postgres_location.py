"""`--db` / $DOSSIA_DB: a file path stays a path, a PostgreSQL server's address is recognised
as one, anything else that looks like an address is refused in French; a command tries the
server or, when only a file can serve it, says so plainly, creating nothing (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import main
import main_commands
from app.paths import (
    DB_ENV_VAR,
    DataPaths,
    LocationError,
    ServerLocation,
    ServerModeUnavailable,
    parse_location,
    resolve_location,
    resolve_paths,
)

ROOT = Path(__file__).resolve().parent.parent


def test_a_file_path_stays_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert parse_location("office/dossia.sqlite3") == DataPaths(
        tmp_path / "office" / "dossia.sqlite3"
    )
    assert parse_location(str(tmp_path / "a b.sqlite3")) == DataPaths(tmp_path / "a b.sqlite3")
    # A Windows drive is no address, nor is a name with a colon that is no server's.
    assert isinstance(parse_location("C://Dossia/dossia.sqlite3"), DataPaths)
    assert isinstance(parse_location("notes:2026.sqlite3"), DataPaths)


@pytest.mark.parametrize(
    ("text", "host", "port", "database", "user"),
    [
        ("postgresql://marie@bureau.local:5433/dossia", "bureau.local", 5433, "dossia", "marie"),
        ("postgres://marie@10.0.0.5/cabinet", "10.0.0.5", None, "cabinet", "marie"),
        ("postgresql://marie:s%40cret@[::1]:5432/dossia", "::1", 5432, "dossia", "marie"),
        ("postgresql:///dossia", "", None, "dossia", ""),  # the local server's socket
        ("POSTGRESQL://Marie@Serveur/Dossia", "serveur", None, "Dossia", "Marie"),
        (
            "postgresql://marie@srv/cabinet%20paris?sslmode=require",
            "srv",
            None,
            "cabinet paris",
            "marie",
        ),
    ],
)
def test_a_postgresql_address_names_a_server(text, host, port, database, user):
    location = parse_location(text)
    assert location == ServerLocation(text, host, port, database, user)
    assert location.sqlalchemy_url == "postgresql+psycopg://" + text.split("://", 1)[1]


def test_a_server_is_shown_without_its_password():
    location = parse_location("postgresql://marie:s3cret@bureau:5433/dossia")
    assert isinstance(location, ServerLocation)
    assert location.label == "la base « dossia » du serveur PostgreSQL bureau:5433"
    # What starts from a file (the migration to a server) refuses it, without the password.
    with pytest.raises(ServerModeUnavailable) as refused:
        resolve_paths("postgresql://marie:s3cret@bureau:5433/dossia")
    assert "s3cret" not in refused.value.message and "--db CHEMIN" in refused.value.message


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("mysql://root:s3cret@db/dossia", "« mysql:// » n'est pas pris en charge"),
        ("http://intranet/dossia.sqlite3", "« http:// » n'est pas pris en charge"),
        ("postgresql+psycopg2://u@h/db", "« postgresql+psycopg2:// » n'est pas pris en charge"),
        ("file:///home/marie/dossia.sqlite3", "pour un fichier, donnez son chemin tel quel"),
        ("sqlite:///dossia.sqlite3", "pour un fichier, donnez son chemin tel quel"),
        ("postgresql://marie@bureau/", "adresse de serveur PostgreSQL incomplète"),
        ("postgresql://marie@bureau", "adresse de serveur PostgreSQL incomplète"),
        ("postgresql://marie@bureau/a/b", "adresse de serveur PostgreSQL incomplète"),
        ("postgresql://marie@bureau:99999/dossia", "adresse de serveur PostgreSQL incomplète"),
        ("postgresql://marie@bureau:54x2/dossia", "adresse de serveur PostgreSQL incomplète"),
        ("postgresql:/bureau/dossia", "adresse de serveur PostgreSQL incomplète"),  # «/» missing
    ],
)
def test_anything_else_that_looks_like_an_address_is_refused(text, said):
    with pytest.raises(LocationError) as refused:
        parse_location(text)
    assert said in refused.value.message
    assert refused.value.message.startswith("--db : ")
    assert "s3cret" not in refused.value.message


def test_the_environment_variable_is_read_the_same_way(monkeypatch, tmp_path):
    monkeypatch.setenv(DB_ENV_VAR, "postgres://marie@bureau/dossia")
    assert isinstance(resolve_location(), ServerLocation)
    monkeypatch.setenv(DB_ENV_VAR, "mysql://bureau/dossia")
    with pytest.raises(LocationError, match=r"^\$DOSSIA_DB : "):
        resolve_location()
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "x.sqlite3"))
    assert resolve_location() == DataPaths(tmp_path / "x.sqlite3")
    # --db comes first.
    assert resolve_location("postgresql:///dossia") == parse_location("postgresql:///dossia")


COMMANDS = [
    [],  # the GUI
    ["--quit-after-start"],
    ["demo", "--dossiers", "1"],
    ["backup", "--out", "copie.sqlite3"],
    ["backups"],
    ["restore", "--user", "admin", "--from", "copie.sqlite3"],
    ["export-c1", "--user", "admin", "--out", "c1.xlsx"],
    ["invoices", "--user", "admin", "--from", "01/01/2026", "--to", "31/01/2026", "--out", "j.csv"],
    ["simulation-pdf", "--user", "admin", "--dossier", "D-1", "--out", "s.pdf"],
    ["loan-request", "--user", "admin", "--dossier", "D-1", "--out", "d.pdf"],
]


@pytest.mark.parametrize("command", COMMANDS[2:], ids=lambda c: c[0])
def test_every_command_uses_the_address_as_a_server_and_creates_nothing_here(
    command, tmp_path, monkeypatch, capsys
):
    """The server is tried (none listens on port 1) or the command refused as one that only
    a file can run: never a folder named «postgresql:», never a file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOSSIA_PASSWORD", "demo")
    given = "postgresql://marie:s3cret@127.0.0.1:1/dossia"
    code = main.main([*command[:1], "--db", given, *command[1:]])
    if command[0] == "backups":  # this computer's folder for the server, read only: none
        assert code == 0 and capsys.readouterr().out == ""
        assert list(tmp_path.iterdir()) == []
        return
    assert code in (2, main_commands.EXIT_STORAGE)
    error = capsys.readouterr().err
    assert "la base « dossia » du serveur postgresql 127.0.0.1:1" in error.lower()
    assert "s3cret" not in error
    assert list(tmp_path.iterdir()) == []  # no «postgresql:» folder, no file


def test_the_gui_says_why_an_unreachable_server_cannot_open(tmp_path, monkeypatch):
    import ui.launcher

    said: list[str] = []
    monkeypatch.setattr(ui.launcher, "_critical", said.append)
    monkeypatch.chdir(tmp_path)
    assert main.main(["--db", "postgresql://marie:s3cret@127.0.0.1:1/dossia"]) == 1
    assert said and said[0].startswith("Impossible de joindre la base « dossia »")
    assert "s3cret" not in said[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS[2:5], ids=lambda c: c[0])
def test_every_command_refuses_an_address_of_another_kind(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DB_ENV_VAR, "mysql://root@db/dossia")
    assert main.main(command) == 2
    assert "« mysql:// » n'est pas pris en charge" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_calculation_needs_no_database_and_ignores_the_variable(monkeypatch, capsys):
    monkeypatch.setenv(DB_ENV_VAR, "mysql://root@db/dossia")
    assert main.main(["simulate", "--amount", "1000", "--rate", "1", "--months", "12"]) == 0
    assert "Mensualité" in capsys.readouterr().out


def test_the_installed_command_line_says_it_in_french_with_its_exit_code(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", "postgresql://u@127.0.0.1:1/db", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == main_commands.EXIT_STORAGE  # the server tried: «try again later»
    assert result.stderr.startswith(
        "Impossible de joindre la base « db » du serveur PostgreSQL 127.0.0.1:1"
    )
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
