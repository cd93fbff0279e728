"""This computer's «Connexion» (issue 11): the local file or the office server, saved per
computer (never the password); the password in the system keyring (an in-memory one here,
tests/memory_keyring.py); TLS as libpq's sslmode; «Tester la connexion» off the GUI thread;
the first-run assistant's way to the office server; `--db` and $DOSSIA_DB winning."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import keyring
import pytest
import sqlalchemy as sa
from keyring.backends import fail

from app import connection, startup
from app.connection import ConnectionSettings
from app.errors import DomainError
from app.paths import DataPaths, ServerLocation, config_folder, parse_location, resolve_location
from app.startup import OfficeState
from app.storage.postgres import create_server_engine
from tests import postgres_server

PASSWORD = "Secret-2026"


@pytest.fixture
def empty() -> Iterator[ServerLocation]:
    postgres_server.server_url()
    with postgres_server.fresh_database() as location:
        yield location


def _settings_of(location: ServerLocation, remember: bool = True) -> ConnectionSettings:
    return ConnectionSettings(
        connection.SERVER,
        location.host,
        location.port or 5432,
        location.database,
        location.user,
        remember_password=remember,
    )


def _secret(location: ServerLocation) -> str:
    secret = sa.make_url(location.url).password
    assert secret
    return secret


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("typed", "field", "said"),
    [
        ({"host": " "}, "host", "Indiquez le serveur"),
        ({"host": "srv/cab"}, "host", "n'est pas un nom de serveur"),
        ({"port": "0"}, "port", "entre 1 et 65535"),
        ({"port": "70000"}, "port", "entre 1 et 65535"),
        ({"port": "54a"}, "port", "entre 1 et 65535"),
        ({"dbname": ""}, "database", "nom de la base"),
        ({"user": ""}, "user", "utilisateur PostgreSQL"),
        ({"tls": connection.VERIFY_FULL}, "ca_file", "certificat de l'autorité"),
        ({"tls": connection.VERIFY_FULL, "ca_file": "/nulle/part.crt"}, "ca_file", "introuvable"),
    ],
)
def test_each_field_is_checked_in_french(typed, field, said):
    given = {"host": "serveur-cabinet", "port": "5432", "dbname": "cabinet", "user": "dossia"}
    with pytest.raises(DomainError) as refused:
        connection.check_settings(connection.SERVER, **{**given, **typed})
    assert refused.value.field == field and said in refused.value.message
    # The local file needs none of them: what was typed is kept for next time.
    kept = connection.check_settings(connection.FILE, **{**given, **typed})
    assert not kept.on_server


def test_the_settings_are_saved_without_the_password_and_db_wins_over_them(tmp_path, monkeypatch):
    assert connection.read_settings() == ConnectionSettings()  # none yet: the local file
    assert isinstance(resolve_location(), DataPaths)
    settings = connection.check_settings(
        connection.SERVER, "serveur-cabinet", "5433", "cabinet", "dossia", remember_password=True
    )
    assert connection.save_connection(settings, "mot-de-passe-secret") == ""
    saved = (config_folder() / connection.SETTINGS_FILENAME).read_text(encoding="utf-8")
    assert json.loads(saved)["host"] == "serveur-cabinet"
    assert "mot-de-passe-secret" not in saved  # in the keyring, never in a file
    assert connection.read_settings() == settings
    location = resolve_location()
    assert isinstance(location, ServerLocation)
    assert (location.host, location.port, location.database, location.user) == (
        "serveur-cabinet",
        5433,
        "cabinet",
        "dossia",
    )
    assert location.password == "mot-de-passe-secret" and location.password_source == "keyring"
    # --db, then $DOSSIA_DB, win over the saved settings (and the dialog says so).
    assert resolve_location(tmp_path / "autre.sqlite3") == DataPaths(tmp_path / "autre.sqlite3")
    monkeypatch.setenv("DOSSIA_DB", str(tmp_path / "env.sqlite3"))
    assert resolve_location() == DataPaths(tmp_path / "env.sqlite3")
    assert connection.override_origin(None) == "$DOSSIA_DB"
    assert connection.override_origin("x.sqlite3") == "--db"
    # An unreadable file is the default, never a crash at start.
    (config_folder() / connection.SETTINGS_FILENAME).write_text("{", encoding="utf-8")
    assert connection.read_settings() == ConnectionSettings()


@pytest.mark.parametrize(
    ("tls", "sslmode"),
    [
        (connection.PREFER, "prefer"),
        (connection.REQUIRE, "require"),
        (connection.VERIFY_FULL, "verify-full"),
    ],
)
def test_the_encryption_chosen_is_the_connections_sslmode(tls, sslmode, tmp_path):
    authority = tmp_path / "autorité du cabinet.crt"
    authority.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    settings = connection.check_settings(
        connection.SERVER, "srv", "5432", "cab", "dossia", tls, str(authority)
    )
    location = settings.location()
    engine = create_server_engine(location)
    try:
        _args, given = engine.dialect.create_connect_args(engine.url)
    finally:
        engine.dispose()
    assert given["sslmode"] == sslmode and location.sslmode == sslmode
    assert given.get("sslrootcert") == (str(authority) if tls == connection.VERIFY_FULL else None)
    # An address's own options are kept as written.
    written = parse_location("postgresql://u@srv/cab?sslmode=require")
    assert isinstance(written, ServerLocation) and written.sslmode == "require"


def test_without_a_usable_keyring_the_password_is_asked_each_session(qtbot, monkeypatch):
    from ui.dialogs.connection import ServerForm

    keyring.set_keyring(fail.Keyring())
    location = connection.check_settings(connection.SERVER, "srv", "5432", "cab", "u").location()
    assert connection.remember_password(location, "x") == connection.NO_KEYRING
    assert connection.remembered_password(location) is None
    form = ServerForm(ConnectionSettings(remember_password=True))
    qtbot.addWidget(form)
    qtbot.waitUntil(lambda: form.keyring_known)  # looked at in a worker
    assert not form.remember_check.isEnabled() and not form.remember_check.isChecked()
    assert "demandé à chaque session" in form.keyring_hint.text()


def test_testing_an_unreachable_port_says_so_in_french_without_freezing(qtbot):
    from PySide6.QtCore import Qt

    from ui.dialogs.connection import ConnectionDialog

    dialog = ConnectionDialog()
    qtbot.addWidget(dialog)
    assert dialog.file_radio.isChecked() and dialog.server_form.isHidden()
    dialog.server_radio.setChecked(True)
    form = dialog.server_form
    form.host_edit.setText("")
    qtbot.mouseClick(form.test_button, Qt.MouseButton.LeftButton)
    assert "Indiquez le serveur" in form.test_error.text()  # checked before any connection
    form.host_edit.setText("127.0.0.1")
    form.port_edit.setText(str(_free_port()))
    form.dbname_edit.setText("cabinet")
    form.user_edit.setText("dossia")
    qtbot.mouseClick(form.test_button, Qt.MouseButton.LeftButton)
    # The click returned at once: the connection is tried in a worker, the window paints.
    assert form.busy and form.test_progress.isVisibleTo(dialog)
    assert not form.test_button.isEnabled()
    qtbot.waitUntil(lambda: not form.busy and form.test_error.text() != "", timeout=15_000)
    assert form.test_error.text().startswith("Impossible de joindre la base « cabinet »")
    assert form.test_button.isEnabled() and not form.test_progress.isVisibleTo(dialog)
    # «Enregistrer» with a port out of range: said next to the field, nothing saved.
    form.port_edit.setText("99999")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "entre 1 et 65535" in dialog.error.text() and dialog.result_value is None
    assert not (config_folder() / connection.SETTINGS_FILENAME).exists()


def test_testing_the_office_server_says_its_version_and_encryption(empty):
    said = startup.test_server_connection(empty)
    assert said.startswith("Connexion réussie : PostgreSQL ")
    assert "NON chiffrée" in said  # the test server offers no TLS
    assert "La base est vide" in said


def test_the_assistant_connects_to_an_empty_server_then_the_next_start_uses_it(
    qtbot, empty, monkeypatch
):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit

    import ui.launcher
    from ui.dialogs.login import FirstStartDialog

    secret = _secret(empty)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/pgpass")
    local = resolve_location()
    assert isinstance(local, DataPaths)
    shown: list[FirstStartDialog] = []

    def answer(dialog: FirstStartDialog) -> int:
        qtbot.addWidget(dialog)
        shown.append(dialog)
        if len(shown) == 1:  # this PC has no office: the assistant, to the office server
            dialog.server_radio.setChecked(True)
            form = dialog.server_fields
            assert form.isVisibleTo(dialog) and dialog.admin_fields.isHidden()
            form.host_edit.setText(empty.host)
            form.port_edit.setText(str(empty.port))
            form.dbname_edit.setText(empty.database)
            form.user_edit.setText(empty.user)
            form.password_edit.setText("pas-le-bon")
            form.remember_check.setChecked(True)
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: not dialog.busy, timeout=15_000)
            assert dialog.error.text().startswith("Mot de passe refusé par")
            assert not (config_folder() / connection.SETTINGS_FILENAME).exists()
            form.password_edit.setText(secret)
        else:  # the server's database is empty: the office is created there
            assert dialog.server_radio.isHidden() and dialog.demo_radio.isEnabled()
            for name, value in (
                ("adminFirstNameEdit", "Hélène"),
                ("adminLastNameEdit", "Dubois"),
                ("adminLoginEdit", "hdubois"),
                ("adminPasswordEdit", PASSWORD),
                ("adminConfirmEdit", PASSWORD),
            ):
                dialog.findChild(QLineEdit, name).setText(value)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=30_000)
        return 1

    monkeypatch.setattr(FirstStartDialog, "exec", answer)
    app = ui.launcher.create_application()
    window = ui.launcher._open_office(app, local, "hdubois", PASSWORD, True)
    assert window is not None
    try:
        qtbot.addWidget(window)
        assert len(shown) == 2 and isinstance(shown[1]._paths, ServerLocation)
        server = _settings_of(empty).location()  # the settings' address: sslmode=prefer
        assert window.workspace.server == server and window.workspace.user.login == "hdubois"
        about = window.about()
        assert "Connexion au serveur : non chiffrée" in about.text()
        about.close()
    finally:
        window.shut_down()
    saved = connection.read_settings()
    assert saved == _settings_of(empty)
    assert secret not in (config_folder() / connection.SETTINGS_FILENAME).read_text("utf-8")
    # The next start: the saved server, its password from the keyring, the login.
    again = resolve_location()
    assert again == _settings_of(empty).location() and again.password == secret
    assert startup.open_office(again).state is OfficeState.READY


def test_a_remembered_password_refused_is_asked_again_and_replaced(qtbot, empty, monkeypatch):
    from PySide6.QtCore import Qt

    import ui.launcher
    from ui.dialogs.login import ServerPasswordDialog

    secret = _secret(empty)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/pgpass")
    settings = _settings_of(empty)
    connection.save_connection(settings, "l-ancien-mot-de-passe")  # changed on the server since
    location = resolve_location()
    assert isinstance(location, ServerLocation) and location.password_source == "keyring"
    opening = startup.open_office(location)
    assert opening.password_refused
    said: list[str] = []

    def answer(dialog: ServerPasswordDialog) -> int:
        qtbot.addWidget(dialog)
        said.append(dialog.error.text())
        assert dialog.remember_check.isChecked()  # it was remembered: it will be replaced
        dialog.password_edit.setText(secret)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(ServerPasswordDialog, "exec", answer)
    asked = ui.launcher.ask_server_password(location, opening)
    assert asked is not None and asked[1].state is OfficeState.FIRST_START
    assert said[0].startswith("Le mot de passe mémorisé sur cet ordinateur a été refusé")
    assert connection.remembered_password(location) == secret
    again = resolve_location()
    assert isinstance(again, ServerLocation) and again.password == secret


def test_connexion_from_the_main_window_switches_at_the_next_start(qtbot, main_window):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMessageBox, QPushButton

    from ui.dialogs.connection import ConnectionDialog

    main_window.findChild(QAction, "connectionAction").trigger()
    dialog = main_window.findChild(ConnectionDialog, "connectionDialog")
    assert dialog.file_radio.isChecked() and not dialog.override_notice.isVisibleTo(dialog)
    dialog.server_radio.setChecked(True)
    form = dialog.server_form
    form.host_edit.setText("serveur-cabinet")
    form.dbname_edit.setText("cabinet")
    form.user_edit.setText("dossia")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert connection.read_settings().host == "serveur-cabinet"
    box = main_window.findChild(QMessageBox, "connectionSavedDialog")
    assert "prochain démarrage" in box.informativeText()
    qtbot.mouseClick(box.findChild(QPushButton, "restartNowButton"), Qt.MouseButton.LeftButton)
    assert main_window.reconnect_requested and main_window.restart_requested


def test_a_saved_server_that_does_not_answer_lets_the_user_go_back_to_the_file(qtbot, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox, QPushButton

    import ui.launcher
    from ui.dialogs.connection import ConnectionDialog

    settings = connection.check_settings(
        connection.SERVER, "127.0.0.1", str(_free_port()), "cabinet", "dossia"
    )
    connection.save_connection(settings)
    location = resolve_location()
    assert isinstance(location, ServerLocation)
    opening = startup.open_office(location)
    assert opening.state is OfficeState.UNUSABLE and not opening.password_refused

    def choose_connection(box: QMessageBox) -> int:
        assert box.objectName() == "serverUnusableDialog"
        box.findChild(QPushButton, "changeConnectionButton").click()
        return 0

    def back_to_the_file(dialog: ConnectionDialog) -> int:
        qtbot.addWidget(dialog)
        assert dialog.server_radio.isChecked()
        dialog.file_radio.setChecked(True)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(QMessageBox, "exec", choose_connection)
    monkeypatch.setattr(ConnectionDialog, "exec", back_to_the_file)
    assert ui.launcher.server_unusable(opening.message) is True
    assert isinstance(resolve_location(), DataPaths)
    assert connection.read_settings().host == "127.0.0.1"  # kept for next time
