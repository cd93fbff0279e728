"""«Outils › Migrer vers le serveur du cabinet…» (issue 11): the administrator's screen for
the migration (`app.office.migration_service`), and a start on the file office it left."""

from __future__ import annotations

import argparse
import socket
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QPushButton

import ui.launcher
from app import connection, startup
from app.paths import ServerLocation, resolve_location
from app.storage.postgres import WRITERS_LOCK
from tests import postgres_server
from tests.conftest import PASSWORD
from ui.dialogs.connection import ConnectionDialog
from ui.main_window import MainWindow
from ui.migration_ui import MigrationDialog


@pytest.fixture
def empty_server() -> Iterator[ServerLocation]:
    postgres_server.server_url()  # skips (or fails, when required) without a server
    with postgres_server.fresh_database() as location:
        yield location


def _tables_on(location: ServerLocation) -> int:
    with postgres_server.engine_on(location) as engine, engine.connect() as connection_:
        return connection_.execute(
            sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        ).scalar_one()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _open_dialog(qtbot, window: MainWindow, location: ServerLocation) -> MigrationDialog:
    window.findChild(QAction, "migrateToServerAction").trigger()
    dialog = window.findChild(MigrationDialog, "migrationDialog")
    form = dialog.server_form
    form.host_edit.setText(location.host)
    form.port_edit.setText(str(location.port))
    form.dbname_edit.setText(location.database)
    form.user_edit.setText(location.user)
    form.password_edit.setText(sa.make_url(location.url).password or "")
    qtbot.waitUntil(lambda: form.keyring_known)
    return dialog


def test_the_administrator_migrates_the_office_and_this_computer_opens_it_on_the_server(
    qtbot, main_window, empty_server
):
    dialog = _open_dialog(qtbot, main_window, empty_server)
    form = dialog.server_form
    form.remember_check.setChecked(True)
    qtbot.mouseClick(form.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.busy)
    assert "La base est vide" in form.test_result.text()
    assert not form.test_error.isVisible()

    dialog.password_edit.setText(PASSWORD)
    qtbot.mouseClick(dialog.migrate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=30000)

    # The verification's summary: every table, all identical; the report beside the file.
    table = dialog.result_table
    names = {table.item(row, 0).text() for row in range(table.rowCount())}
    assert {"dossiers", "users", "invoices", "audit_events"} <= names
    assert {table.item(row, 2).text() for row in range(table.rowCount())} == {"identique"}
    assert "toutes identiques" in dialog.result_title.text()
    assert dialog.migrated is not None and dialog.migrated.report.is_file()
    assert str(dialog.migrated.report) in dialog.report_label.text()
    # This computer's settings name the server, its password in the keyring.
    settings = connection.read_settings()
    assert settings.on_server and settings.dbname == empty_server.database
    again = resolve_location()
    assert isinstance(again, ServerLocation) and again.password_source == "keyring"
    qtbot.mouseClick(dialog.restart_button, Qt.MouseButton.LeftButton)
    assert main_window.reconnect_requested and main_window.restart_requested


def test_refusals_are_said_next_to_their_field_and_nothing_is_closed(
    qtbot, main_window, login_as, empty_server, server_template_db
):
    dialog = _open_dialog(qtbot, main_window, empty_server)
    form = dialog.server_form
    form.port_edit.setText(str(_free_port()))  # nothing listens there
    dialog.password_edit.setText(PASSWORD)
    qtbot.mouseClick(dialog.migrate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.migrate_button.isEnabled())
    assert "Impossible de joindre" in form.test_error.text()
    assert form.host_edit.property("invalid")

    form.port_edit.setText(str(empty_server.port))
    dialog.password_edit.setText("pas le bon")
    qtbot.mouseClick(dialog.migrate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "Mot de passe incorrect" in dialog.error.text()
    assert dialog.password_edit.property("invalid")

    with postgres_server.fresh_database(server_template_db) as occupied:
        dialog.server_form.dbname_edit.setText(occupied.database)
        dialog.password_edit.setText(PASSWORD)
        qtbot.mouseClick(dialog.migrate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.migrate_button.isEnabled())
        assert "contient déjà un cabinet Dossia" in dialog.server_form.test_error.text()
        assert dialog.server_form.dbname_edit.property("invalid")
        assert not dialog.password_edit.property("invalid")
    # Nothing was closed: the window still works on the file.
    assert dialog.pages.currentIndex() == 0 and not dialog.released
    assert main_window.centralWidget().isEnabled()

    # Another Dossia open on these data is seen once this window's connections are closed:
    # said on the form, the server left empty, Dossia reopening on the file.
    login_as("pmoreau")
    form.dbname_edit.setText(empty_server.database)
    qtbot.mouseClick(dialog.migrate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=30000)
    assert "ouvert ailleurs" in dialog.error.text()
    assert dialog.pages.currentIndex() == 0 and not dialog.migrate_button.isEnabled()
    assert _tables_on(empty_server) == 0
    dialog.close_button.click()
    assert main_window.restart_requested and not main_window.reconnect_requested


def test_annuler_during_the_copy_leaves_the_server_empty(qtbot, main_window, empty_server):
    dialog = _open_dialog(qtbot, main_window, empty_server)
    dialog.password_edit.setText(PASSWORD)
    # Another writer holds the server's lock: the copy waits for it, «Annuler» is clicked.
    with postgres_server.engine_on(empty_server) as engine, engine.connect() as holder:
        holder.exec_driver_sql(f"SELECT pg_advisory_lock({WRITERS_LOCK})")
        qtbot.mouseClick(dialog.migrate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1)
        assert not main_window.centralWidget().isEnabled()  # its connections released
        assert dialog.cancel_button.isEnabled()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        holder.exec_driver_sql(f"SELECT pg_advisory_unlock({WRITERS_LOCK})")
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 0, timeout=30000)
    assert "rien n'a été écrit sur le serveur" in dialog.error.text()
    assert _tables_on(empty_server) == 0
    assert connection.read_settings().on_server is False
    dialog.close_button.click()  # Dossia reopens on the file, as it was
    assert main_window.restart_requested and not main_window.reconnect_requested


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"], indirect=True)
def test_only_a_file_offices_administrators_have_the_migration(qtbot, login_as, engine):
    expected = {"admin": engine == "sqlite", "slegrand": False}
    for login, shown in expected.items():
        window = MainWindow(login_as(login))
        qtbot.addWidget(window)
        try:
            assert (window.findChild(QAction, "migrateToServerAction") is not None) is shown
        finally:
            window.close()
            window.shut_down()


def test_a_start_on_the_migrated_file_offers_to_connect_to_the_server(
    qtbot, workspace, paths, empty_server, monkeypatch
):
    workspace.migration.migrate(empty_server, PASSWORD)
    shown: list[str] = []

    def connect(box: QMessageBox) -> int:
        assert box.objectName() == "movedOfficeDialog"
        shown.append(box.text())
        box.findChild(QPushButton, "connectMovedButton").click()
        return 0

    def prefilled(dialog: ConnectionDialog) -> int:
        qtbot.addWidget(dialog)
        form = dialog.server_form
        assert dialog.server_radio.isChecked()
        assert (form.host_edit.text(), form.dbname_edit.text(), form.user_edit.text()) == (
            empty_server.host,
            empty_server.database,
            empty_server.user,
        )
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(QMessageBox, "exec", connect)
    monkeypatch.setattr(ConnectionDialog, "exec", prefilled)
    opening = startup.open_office(paths)
    assert ui.launcher.moved_office(opening) is True
    assert "migré vers le serveur" in shown[0] and empty_server.database in shown[0]
    located = resolve_location()
    assert isinstance(located, ServerLocation) and located.database == empty_server.database

    # The launcher on the file (--db names it): the message, never a raw error; «Quitter».
    def quit_(box: QMessageBox) -> int:
        shown.append(box.objectName())
        return 0

    monkeypatch.setattr(QMessageBox, "exec", quit_)
    args = argparse.Namespace(db=str(paths.database), user="admin", quit_after_start=False)
    assert ui.launcher.run_gui(args, PASSWORD) == 1
    assert shown[-1] == "movedOfficeDialog"
