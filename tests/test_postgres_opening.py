"""Opening an office on a PostgreSQL server from the application and the commands (issue 11):
an empty database becomes an office, an older schema is upgraded, the commands and the GUI
work against it; an unreachable server, a wrong password, a missing database are said in
French; what only a file can do (the demonstration, encryption, documents) says so plainly,
changing nothing. (Backups: tests/test_postgres_backups.py.)"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

import main
import main_commands
from app import startup
from app.dossier.dossier_service import NewDossier
from app.errors import DomainError
from app.listing import ListQuery, ListTab
from app.office.office import NewUser
from app.paths import DB_PASSWORD_ENV_VAR, ServerLocation, parse_location
from app.startup import OfficeState
from app.storage import sqlite
from app.workspace import OfficeDatabase, Workspace
from models.enums import DossierStatus
from models.office import Provenance
from tests import postgres_server

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Secret-2026"
ADMIN = NewUser("admin", "Claire", "Marchetti", PASSWORD)


def _create_dossiers(workspace: Workspace, *names: str) -> None:
    with workspace.database.read() as session:
        provenance = session.scalar(select(Provenance.id).order_by(Provenance.position))
    for name in names:
        workspace.dossiers.create(
            NewDossier(
                status=DossierStatus.CLIENT,
                last_name=name,
                first_name="Éloïse",
                owner_id=workspace.user.id,
                provenance_id=provenance,
            )
        )


@contextlib.contextmanager
def logged_in(location: ServerLocation) -> Iterator[Workspace]:
    office = OfficeDatabase(location)
    try:
        yield office.workspace_for(office.authenticate("admin", PASSWORD))
    finally:
        office.close()


@pytest.fixture(scope="module")
def office_template() -> Iterator[str]:
    """An office created on an empty server database as the first start does, with three
    dossiers; each test gets a copy."""
    postgres_server.server_url()  # skips (or fails, when required) without a server
    name = postgres_server.create_database()
    try:
        location = postgres_server.location_of(name)
        startup.create_office(location, ADMIN)
        with logged_in(location) as workspace:
            _create_dossiers(workspace, "Quénéhervé", "Martin", "D’Artagnan")
        yield name
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def office(office_template) -> Iterator[ServerLocation]:
    with postgres_server.fresh_database(office_template) as location:
        yield location


@pytest.fixture
def empty() -> Iterator[ServerLocation]:
    postgres_server.server_url()
    with postgres_server.fresh_database() as location:
        yield location


def _url(location: ServerLocation, **parts) -> str:
    return sa.make_url(location.url).set(**parts).render_as_string(hide_password=False)


def test_an_empty_database_becomes_an_office_then_opens_ready(empty):
    assert startup.open_office(empty).state is OfficeState.FIRST_START
    created = startup.create_office(empty, ADMIN)
    assert (created.login, created.recovery_key) == ("admin", None)  # never encrypted here
    assert startup.open_office(empty).state is OfficeState.READY
    with logged_in(empty) as workspace:
        _create_dossiers(workspace, "Durand")
        assert workspace.tab_counts(ListQuery())[ListTab.CLIENTS] == 1
        assert workspace.server == empty
        about = workspace.about()
        assert about.server.startswith(empty.label) and "PostgreSQL 1" in about.server
    with pytest.raises(DomainError, match="contient déjà un cabinet"):
        startup.create_office(empty, ADMIN)
    # Nothing of the office was written on this computer: no database file.
    assert not empty.local_paths.database.exists()


def test_an_older_schema_is_upgraded_when_a_command_opens_it(office, monkeypatch, tmp_path):
    with postgres_server.engine_on(office) as engine, engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE alembic_version SET version_num = '0024_abandon_columns'"
        )
        # What 0025 to 0029 and 0032 add, taken away as their downgrades would: the upgrade
        # must put it back (0030's BIGINT amounts are changed again as they are).
        connection.exec_driver_sql("DROP INDEX ix_bank_submissions_simulation_id")
        connection.exec_driver_sql(
            "DROP TABLE carry_conflicts, carry_baseline, carried_dossiers, carries"
        )
        connection.exec_driver_sql("DROP INDEX ix_dossiers_status_reason_nulls_first")
        connection.exec_driver_sql("DROP TABLE document_holds, document_chunks, document_contents")
        connection.exec_driver_sql("DROP INDEX ix_simulations_figures_due")
        connection.exec_driver_sql(
            "ALTER TABLE simulations DROP COLUMN taeg_bp, DROP COLUMN debt_ratio_bp, "
            "DROP COLUMN figures_due"
        )
    assert startup.open_office(office).state is OfficeState.UPGRADE
    monkeypatch.setenv("DOSSIA_PASSWORD", PASSWORD)
    out = tmp_path / "c1.csv"
    code = main.main(["export-c1", "--db", office.url, "--user", "admin", "--out", str(out)])
    assert code == 0
    assert startup.open_office(office).state is OfficeState.READY
    assert "QUÉNÉHERVÉ" in out.read_text(encoding="utf-8-sig")


def test_a_newer_schema_or_foreign_tables_are_left_untouched(office, empty):
    with postgres_server.engine_on(office) as engine, engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0099_future'")
    opening = startup.open_office(office)
    assert opening.state is OfficeState.NEWER
    assert "version plus récente de Dossia" in opening.message
    with postgres_server.engine_on(empty) as engine, engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE clients (id integer)")
    opening = startup.open_office(empty)
    assert opening.state is OfficeState.UNUSABLE
    assert "pas celles de Dossia" in opening.message


def _refusal(location_url: str, capsys, monkeypatch, tmp_path) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOSSIA_PASSWORD", PASSWORD)
    code = main.main(["invoices", "--db", location_url, "--user", "admin", "--from",
                      "01/01/2026", "--to", "31/01/2026", "--out", "j.csv"])  # fmt: skip
    error = capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written here, no «postgresql:» folder
    return code, error


def test_a_wrong_password_is_said_in_french_and_never_shown(office, capsys, monkeypatch, tmp_path):
    wrong = _url(office, password="pas-le-bon")
    code, error = _refusal(wrong, capsys, monkeypatch, tmp_path)
    assert code == 2
    assert error.startswith(f"Mot de passe refusé par {office.label} pour l'utilisateur")
    assert "pas-le-bon" not in error


def test_a_missing_password_asks_for_one(office, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PGPASSFILE", str(tmp_path.parent / "no-pgpass"))
    secret = sa.make_url(office.url).password
    without = office.url.replace(f":{secret}@", "@")
    code, error = _refusal(without, capsys, monkeypatch, tmp_path)
    assert code == 2
    assert f"demande un mot de passe pour l'utilisateur « {office.user} »" in error
    assert DB_PASSWORD_ENV_VAR in error
    # Given in the variable, it opens.
    monkeypatch.setenv(DB_PASSWORD_ENV_VAR, secret)
    location = parse_location(without)
    assert isinstance(location, ServerLocation) and location.password is None
    from app.paths import resolve_location

    given = resolve_location(without)
    assert isinstance(given, ServerLocation) and given.password
    assert startup.open_office(given).state is OfficeState.READY
    code = main.main(["invoices", "--db", without, "--user", "admin", "--from",
                      "01/01/2026", "--to", "31/01/2026", "--out", "j.csv"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "j.csv").exists()


def test_a_missing_database_is_said_in_french(office, capsys, monkeypatch, tmp_path):
    code, error = _refusal(_url(office, database="cabinet_absent"), capsys, monkeypatch, tmp_path)
    assert code == 2
    assert "Le serveur répond, mais la base « cabinet_absent »" in error
    assert "rien n'a été créé" in error


def test_an_unreachable_server_is_said_and_a_scheduled_export_may_try_later(
    capsys, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOSSIA_PASSWORD", PASSWORD)
    given = "postgresql://marie:s3cret@127.0.0.1:1/dossia"
    code = main.main(["export-c1", "--db", given, "--user", "admin", "--out", "c1.csv"])
    assert code == main_commands.EXIT_STORAGE  # «try again later», as for a busy office
    error = capsys.readouterr().err
    assert error.startswith("Impossible de joindre la base « dossia » du serveur PostgreSQL")
    assert "s3cret" not in error
    assert list(tmp_path.iterdir()) == []


def test_the_demonstration_is_built_on_an_empty_server_database(empty, capsys):
    assert main.main(["demo", "--db", empty.url, "--dossiers", "12", "--seed", "3"]) == 0
    assert "Cabinet de démonstration de 12 dossiers créé" in capsys.readouterr().out
    assert startup.open_office(empty).state is OfficeState.READY
    office = OfficeDatabase(empty)
    try:
        admin = office.workspace_for(office.authenticate("admin", "demo"))  # the demo's
        assert admin.tab_counts(ListQuery())[ListTab.ALL] == 12
    finally:
        office.close()
    # Once more: the database holds an office now, and is left as it is.
    assert main.main(["demo", "--db", empty.url, "--dossiers", "5"]) == 2
    assert "n'est pas vide" in capsys.readouterr().err


def test_the_commands_work_against_the_server(office, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DOSSIA_PASSWORD", PASSWORD)
    out = tmp_path / "c1.xlsx"
    assert main.main(["--db", office.url, "export-c1", "--user", "admin", "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    journal = tmp_path / "journal.csv"
    start = f"01/01/{dt.date.today().year}"
    args = ["invoices", "--user", "admin", "--from", start, "--to", "31/12/2099"]
    assert main.main(["--db", office.url, *args, "--out", str(journal)]) == 0
    with logged_in(office) as workspace:
        number = workspace.list_page(ListQuery(search="martin"), 0, 10)[0].number
    request = tmp_path / "demande.pdf"
    args = ["loan-request", "--user", "admin", "--dossier", number, "--out", str(request)]
    # The dossier read on the server, and the rule said, as on a file.
    assert main.main(["--db", office.url, *args]) == 2
    assert f"Le dossier {number} n'a pas encore de simulation" in capsys.readouterr().err


def test_documents_live_on_the_server_and_encryption_is_not_for_it(office, tmp_path):
    with logged_in(office) as workspace:
        dossier = workspace.list_page(ListQuery(), 0, 1)[0].id
        piece = tmp_path / "avis.pdf"
        piece.write_bytes(b"%PDF-1.4 avis d'imposition")
        version = workspace.dossiers.get(dossier).version
        # Documents are the server's now: attached into its database.
        [attached] = workspace.documents.attach(dossier, version, [piece]).documents
        assert bytes(workspace.documents.content(attached.id)[0] or b"") == piece.read_bytes()
        assert not office.local_paths.documents.exists()
        # The day's automatic backup is the server's own schedule, not each computer's.
        assert workspace.backups.run_automatic() is None
        with pytest.raises(DomainError, match="chiffrement des données de ce poste ne le"):
            workspace.encryption.encrypt(PASSWORD)
        assert workspace.encryption.state().encrypted is False
        # A dossier deleted goes as on a file, and its document's bytes with it.
        workspace.dossiers.delete(dossier)
        assert workspace.tab_counts(ListQuery())[ListTab.ALL] == 2
    with postgres_server.engine_on(office) as engine, engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM document_chunks").scalar() == 0
    assert not sqlite.is_encrypted(office.local_paths.database)


def test_the_gui_starts_on_the_server_office(office, tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "DOSSIA_PASSWORD": PASSWORD,
        "DOSSIA_TRACE_STARTUP": "1",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    started = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--db",
            office.url,
            "--user",
            "admin",
            "--quit-after-start",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert started.returncode == 0, started.stderr
    assert "first-paint" in started.stdout
    # No database file on this computer, no folder named «postgresql:».
    assert not list(tmp_path.rglob("*.sqlite3*")) and not (tmp_path / "postgresql:").exists()


def test_the_gui_first_start_creates_the_office_on_an_empty_server(qtbot, empty):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit

    from ui.dialogs.login import FirstStartDialog

    dialog = FirstStartDialog(empty)
    qtbot.addWidget(dialog)
    assert dialog.demo_radio.isEnabled() and dialog.restore_radio.isEnabled()
    for name, value in (
        ("adminFirstNameEdit", "Hélène"),
        ("adminLastNameEdit", "Dubois"),
        ("adminLoginEdit", "hdubois"),
        ("adminPasswordEdit", PASSWORD),
        ("adminConfirmEdit", PASSWORD),
    ):
        dialog.findChild(QLineEdit, name).setText(value)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value == "hdubois", timeout=30_000)  # in a worker
    assert startup.open_office(empty).state is OfficeState.READY
    office = OfficeDatabase(empty)
    try:
        assert office.authenticate("hdubois", PASSWORD).role_name == "Administrateur"
    finally:
        office.close()


def test_the_gui_first_start_builds_the_demonstration_on_an_empty_server(qtbot, empty, monkeypatch):
    from PySide6.QtCore import Qt

    import ui.dialogs.login
    from ui.dialogs.login import FirstStartDialog

    monkeypatch.setattr(ui.dialogs.login, "DEMO_DOSSIERS", 15)  # the same path, smaller
    dialog = FirstStartDialog(empty)
    qtbot.addWidget(dialog)
    dialog.demo_radio.setChecked(True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "sur le serveur" in dialog.progress_label.text()
    qtbot.waitUntil(lambda: dialog.result_value == "admin", timeout=60_000)  # in a worker
    office = OfficeDatabase(empty)
    try:
        admin = office.workspace_for(office.authenticate("admin", "demo"))
        assert admin.tab_counts(ListQuery())[ListTab.ALL] == 15
    finally:
        office.close()


def test_the_gui_asks_the_servers_password_until_it_is_accepted(qtbot, office, monkeypatch):
    from PySide6.QtCore import Qt

    import ui.launcher
    from ui.dialogs.login import ServerPasswordDialog

    secret = sa.make_url(office.url).password
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/pgpass")
    without = parse_location(office.url.replace(f":{secret}@", "@"))
    assert isinstance(without, ServerLocation)
    opening = startup.open_office(without)
    assert opening.state is OfficeState.UNUSABLE and opening.password_refused
    said: list[str] = []

    def answer(dialog: ServerPasswordDialog) -> int:
        qtbot.addWidget(dialog)
        said.append(dialog.error.text())
        dialog.password_edit.setText("pas-le-bon")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        said.append(dialog.error.text())
        assert dialog.password_edit.text() == ""  # typed again, not kept
        dialog.password_edit.setText(secret)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(ServerPasswordDialog, "exec", answer)
    asked = ui.launcher.ask_server_password(without, opening)
    assert asked is not None
    location, opened = asked
    assert opened.state is OfficeState.READY and location.password == secret
    assert "demande un mot de passe" in said[0]
    assert said[1].startswith("Mot de passe refusé par") and "pas-le-bon" not in said[1]
    monkeypatch.setattr(ServerPasswordDialog, "exec", lambda dialog: 0)  # «Annuler»
    assert ui.launcher.ask_server_password(without, opening) is None


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ('connection failed: FATAL:  database "cab" does not exist', "database"),
        ("connection failed: FATAL:  la base de données « cab » n'existe pas", "database"),
        (
            'connection to server at "database.local" failed: FATAL:  role "bob" does not exist',
            "other",
        ),
        ('FATAL:  password authentication failed for user "bob"', "password"),
        (
            "FATAL:  l'authentification par mot de passe a échoué pour l'utilisateur « bob »",
            "password",
        ),
        ("fe_sendauth: no password supplied", "password"),
        ("connection failed: Connection refused\n\tIs the server running", "unreachable"),
        ('could not translate host name "srv" to address', "unreachable"),
    ],
)
def test_the_servers_refusals_are_told_apart_in_english_and_in_french(said, reason):
    from app.storage.postgres import unreachable

    location = parse_location("postgresql://bob@database.local/cab")
    assert isinstance(location, ServerLocation)
    refusal = unreachable(location, Exception(said))
    assert refusal.reason == reason
    assert refusal.busy is (reason == "unreachable")
