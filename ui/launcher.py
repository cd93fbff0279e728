"""Start-up of the GUI: check the database, first start, login, main window.

The path to the first paint imports only Qt, the standard library's sqlite3 and argon2;
SQLAlchemy and the ORM are imported in the background (ui.warm_up) while the login dialog
waits for the password, or else once the window is on screen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import os
import shlex
import sys
import threading
import time
import traceback
from dataclasses import dataclass

from PySide6.QtCore import (
    QEventLoop,
    QLibraryInfo,
    QLocale,
    QTranslator,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from app import connection, startup
from app.auth import CurrentUser
from app.errors import DatabaseOpenError, DomainError
from app.paths import DataPaths, OfficeLocation, ServerLocation, resolve_location
from app.startup import OfficeState
from app.workspace import OfficeDatabase
from ui.common import FirstPaint, icon, message_box, style_sheet
from ui.dialogs.login import RECOVERED, FirstStartDialog, LoginDialog, ServerPasswordDialog
from ui.gc_guard import collect_on_gui_thread
from ui.operations import Outcome, attempt
from ui.warm_up import WarmUp
from ui.workers import Background

TRACE_ENV_VAR = "DOSSIA_TRACE_STARTUP"
CANNOT_START = 2  # exit code: no screen to open a window on, or nothing to show unattended


def create_application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Dossia")
    app.setOrganizationName("Dossia")
    app.setWindowIcon(icon("dossia"))
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    install_french(app)
    app.setStyleSheet(style_sheet())
    collect_on_gui_thread(app)  # never in a worker thread: see ui/gc_guard.py
    return app


def install_french(app: QApplication) -> bool:
    """Qt's own words in French — text fields' context menus (Annuler, Copier, Coller…),
    the file dialog, the calendar — from the translations PySide6 ships (≈ 2 ms)."""
    if app.property("dossiaFrench"):
        return True
    translator = QTranslator(app)
    found = translator.load(
        QLocale(QLocale.Language.French, QLocale.Country.France),
        "qtbase",
        "_",
        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
    )
    if found:
        app.installTranslator(translator)
        app.setProperty("dossiaFrench", True)
    return found


@dataclass(frozen=True)
class Opened:
    """The office can be opened; `login` is the one a first start just created."""

    login: str = ""


def missing_display() -> str:
    """Why no window can open, in French, or "" when one can be tried. Without a display,
    Qt would stop with its English «could not load the Qt platform plugin "xcb"» and a
    core dump (134): say what to do instead, before any QApplication exists."""
    if os.name != "posix" or sys.platform == "darwin":  # Windows and macOS always have one
        return ""
    if any(os.environ.get(name) for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
        return ""
    return (
        "Aucun affichage graphique n'est disponible (ni DISPLAY ni WAYLAND_DISPLAY n'est "
        "défini) : Dossia ne peut pas ouvrir sa fenêtre.\n"
        "Lancez Dossia depuis une session graphique (le bureau de l'ordinateur, ou ssh -X).\n"
        "Pour un essai sans écran : QT_QPA_PLATFORM=offscreen python main.py --user admin "
        "--quit-after-start (mot de passe dans DOSSIA_PASSWORD).\n"
        "Les commandes sans fenêtre fonctionnent sans affichage : python main.py --help."
    )


def first_start_unattended(paths: OfficeLocation) -> str:
    """`--quit-after-start` on a data folder without an office: nobody will answer the
    first-start dialog, so say what to do instead of waiting for ever."""
    if isinstance(paths, ServerLocation):
        return (
            f"{paths.label[0].upper()}{paths.label[1:]} est vide : au premier démarrage, "
            "Dossia demande d'y créer le cabinet, ce que --quit-after-start ne permet pas.\n"
            "Lancez Dossia sans --quit-after-start pour le créer."
        )
    return (
        f"Aucun cabinet n'existe encore dans « {paths.database} » : au premier démarrage, "
        "Dossia demande de créer le cabinet, ce que --quit-after-start ne permet pas.\n"
        "Créez-le d'abord : lancez Dossia sans --quit-after-start, ou créez un cabinet de "
        f"démonstration avec : python main.py demo --db {shlex.quote(str(paths.database))}"
    )


def open_database(
    paths: OfficeLocation, opening: startup.Opening | None = None
) -> Opened | ServerLocation | None:
    """Ask the start-up what to do (unless `opening` already says it); on a first start,
    offer to create the office, or to connect to the office's server (then that server is
    returned, to open instead). None if we must stop."""
    opening = opening or startup.open_office(paths)
    if opening.state is OfficeState.FIRST_START:
        dialog = FirstStartDialog(paths)
        if not dialog.exec():
            return None
        if isinstance(dialog.result_value, ServerLocation):
            return dialog.result_value
        return Opened(login=dialog.result_value)
    if opening.state is OfficeState.DAMAGED and isinstance(paths, DataPaths):
        return _offer_restore(paths, opening)
    if opening.state in (OfficeState.NEWER, OfficeState.UNUSABLE, OfficeState.DAMAGED):
        _critical(opening.message)
        return None
    if opening.state is OfficeState.UPGRADE:
        outcome = attempt(
            lambda: _with_busy_dialog(
                "Mise à jour de la base de données (une sauvegarde est faite avant)…",
                lambda: startup.upgrade_office(paths),
            )
        )
        if outcome.problem is not None:
            _critical(outcome.problem.message)
            return None
    return Opened()


def _with_busy_dialog(text: str, function):
    """Run blocking start-up work in a thread while a busy indicator keeps the screen alive."""
    dialog = QProgressDialog(text, "", 0, 0)
    dialog.setObjectName("busyDialog")
    dialog.setWindowTitle("Dossia")
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(0)
    dialog.show()
    loop = QEventLoop()
    outcome: dict[str, object] = {}

    def finish(key: str, value: object) -> None:
        outcome[key] = value
        loop.quit()

    background = Background()
    background.run(
        function, lambda value: finish("value", value), lambda error: finish("error", error)
    )
    loop.exec()
    dialog.close()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


def _offer_restore(paths: DataPaths, opening: startup.Opening) -> Opened | None:
    """A damaged database at start: offer the latest good backup, never a new empty base."""
    good = opening.good_backup
    if good is None:
        _critical(opening.message)
        return None
    box = message_box(QMessageBox.Icon.Critical, "Dossia", opening.message)  # paths: plain text
    box.setObjectName("damagedDatabaseDialog")
    box.setInformativeText(
        f"Dernière sauvegarde en bon état : {good.label}.\nLe fichier endommagé sera "
        "conservé dans le dossier des sauvegardes."
    )
    restore = box.addButton("Restaurer cette sauvegarde", QMessageBox.ButtonRole.AcceptRole)
    restore.setObjectName("restoreLatestButton")
    box.addButton("Quitter", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is not restore:
        return None
    outcome = attempt(lambda: startup.restore_latest_good_backup(paths, opening))
    if outcome.problem is not None:
        _critical(outcome.problem.message)
        return None
    if outcome.value is not None and outcome.value.lost_numbers:
        lost = message_box(
            QMessageBox.Icon.Warning,
            "Restauration",
            outcome.value.lost_warning,
        )
        lost.setObjectName("lostNumbersDialog")
        lost.exec()
    return Opened()


def log_in(
    office: OfficeDatabase,
    login: str | None,
    password: str | None,
    offered: str = "",
    warm_up: WarmUp | None = None,
) -> CurrentUser | None:
    """The user, from `login` and `password` or the login dialog. While the dialog waits for
    the password, `warm_up` imports what opening a dossier needs; it pauses once the
    password is accepted, for the main window's first paint."""
    message = ""
    if login and password is not None:
        outcome = _authenticated_meanwhile(office, login, password)
        if outcome.problem is None:
            return outcome.value
        message = outcome.problem.message

    dialog = LoginDialog(office.authenticate, login or offered, message)
    if warm_up is not None:
        warm_up.preload()
    accepted = dialog.exec()
    if warm_up is not None:
        warm_up.hold()
    return dialog.result_value if accepted else None


def _authenticated_meanwhile(
    office: OfficeDatabase, login: str, password: str
) -> Outcome[CurrentUser]:
    """The password given (`--user`, $DOSSIA_PASSWORD) checked in a thread while this one
    imports the main window's modules, which need no user: argon2 (≈ 45 ms) holds no lock,
    and the first paint no longer waits for the two one after the other."""
    found: list[Outcome[CurrentUser] | BaseException] = []

    def check() -> None:
        try:
            found.append(attempt(lambda: office.authenticate(login, password)))
        except BaseException as error:  # a bug: raised again on the GUI thread
            found.append(error)

    thread = threading.Thread(target=check, name="login-check", daemon=True)
    thread.start()
    importlib.import_module("ui.main_window")
    thread.join()
    if isinstance(found[0], BaseException):
        raise found[0]
    return found[0]


def _prepare_unlock() -> None:
    """While the password is typed: the cryptography modules imported (≈ 90 ms)."""
    threading.Thread(
        target=importlib.import_module, args=("app.crypto.unlocked",), daemon=True
    ).start()


def unlock(
    paths: DataPaths,
    login: str | None,
    password: str | None,
    warm_up: WarmUp | None = None,
    early: startup.EarlyUnlock | None = None,
) -> tuple[str, str | None] | None:
    """An encrypted office: a user's password (or the recovery key) opens its keys, before
    anything of it can be read. Returns the login and the password that did (to log in with,
    without asking twice), (login, None) after the recovery key, None if the user gave up."""
    message = ""
    if early is not None and early.login == login and early.password == password:
        # The main window's modules imported meanwhile (≈ 0.1 s of Python while argon2,
        # which holds no lock, runs in the other thread).
        importlib.import_module("ui.main_window")
        refusal = early.refusal()
        if refusal is None:
            return early.login, early.password
        message = refusal
    elif login and password is not None:
        outcome = attempt(lambda: startup.unlock_office(paths, login, password))
        if outcome.problem is None:
            return login, password
        message = outcome.problem.message
    _prepare_unlock()

    def check(typed_login: str, typed_password: str) -> tuple[str, str]:
        startup.unlock_office(paths, typed_login, typed_password)
        return typed_login, typed_password

    dialog = LoginDialog(
        check,
        login or "",
        message,
        recover=lambda typed: startup.unlock_office_with_recovery(paths, typed),
    )
    if warm_up is not None:
        warm_up.preload()
    accepted = dialog.exec()
    if warm_up is not None:
        warm_up.hold()
    if not accepted:
        return None
    if dialog.result_value == RECOVERED:
        return login or dialog.login_edit.text(), None
    return dialog.result_value  # type: ignore[return-value]


def install_crash_handler(paths: DataPaths, windows: list[QWidget]) -> None:
    """Unexpected errors: log the traceback, save what is being typed, tell the user."""

    def handle(kind, value, trace) -> None:
        text = "".join(traceback.format_exception(kind, value, trace))
        log_file = None
        try:
            paths.logs.mkdir(parents=True, exist_ok=True)
            log_file = paths.logs / "dossia.log"
            with log_file.open("a", encoding="utf-8") as stream:
                stream.write(f"\n--- {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n{text}")
        except OSError:
            log_file = None
        if sys.__stderr__ is not None:  # none in a windowed program (dossiaw.exe)
            sys.__stderr__.write(text)
        for window in windows:
            for view in window.findChildren(QWidget, "dossierView"):
                try:
                    view.flush()
                except Exception:  # the crash handler must never crash
                    traceback.print_exc()
        _critical(
            "Une erreur inattendue s'est produite. Vos données enregistrées sont en sécurité "
            "et la note en cours de saisie a été enregistrée."
            + (f"\n\nLe détail technique est dans : {log_file}" if log_file else "")
        )

    sys.excepthook = handle


def _critical(message: str) -> None:
    box = message_box(QMessageBox.Icon.Critical, "Dossia", message)  # may quote a path
    box.setObjectName("errorDialog")
    box.exec()


def run_gui(
    args: argparse.Namespace, password: str | None, early: startup.EarlyUnlock | None = None
) -> int:
    problem = missing_display()
    if problem:
        print(problem, file=sys.stderr)
        return CANNOT_START
    login = args.user
    db = args.db
    while True:  # again after «Connexion…» changed where this computer finds the office
        paths = resolve_location(db)
        opening = startup.open_office(paths)
        if isinstance(paths, DataPaths) and opening.moved_to and not args.quit_after_start:
            # The file office was migrated to the office's server: say where, and offer to
            # connect this computer there.
            create_application()
            if not moved_office(opening):
                return 1
            saved = connection.saved_location()
            if saved is not None and connection.override_origin(db):
                db = saved.address  # --db / $DOSSIA_DB named the file: the server now
            continue
        if isinstance(paths, ServerLocation) and opening.password_refused:
            create_application()
            asked = ask_server_password(paths, opening)
            if asked is None:
                return 1
            paths, opening = asked
        if (
            isinstance(paths, ServerLocation)
            and opening.state is OfficeState.UNUSABLE
            and not connection.override_origin(args.db)
            and not args.quit_after_start
        ):
            # The server this computer's settings name does not answer (or refuses): try
            # again, or change the settings (back to the local file, another server).
            create_application()
            if server_unusable(opening.message):
                continue
            return 1
        if args.quit_after_start and opening.state is OfficeState.FIRST_START:
            print(first_start_unattended(paths), file=sys.stderr)
            return CANNOT_START
        app = create_application()
        known: startup.Opening | None = opening
        while True:
            window = _open_office(
                app, paths, login, password, args.quit_after_start, known, early, args.db
            )
            early = None
            known = None  # after a restore, look at the file again
            if window is None:
                return 2 if isinstance(paths, DataPaths) and not paths.database.exists() else 1
            code = app.exec()
            window.shut_down()
            if not window.restart_requested:
                return code
            # After a restore: the file was replaced, so log in again on the restored data.
            login, password = window.workspace.user.login, None
            if window.reconnect_requested:
                break  # the office is elsewhere now: resolve it again


def moved_office(opening: startup.Opening) -> bool:
    """A start on a file office migrated to the office's server: say so, and offer
    «Connexion…» prefilled with that server. True once this computer's settings name it
    (to look again), False to quit."""
    box = message_box(QMessageBox.Icon.Information, "Dossia", opening.message)
    box.setObjectName("movedOfficeDialog")
    box.setInformativeText(
        "« Se connecter au serveur » ouvre les réglages de connexion de ce poste, remplis "
        "avec l'adresse du serveur : saisissez le mot de passe du serveur, enregistrez, et "
        "Dossia ouvre le cabinet sur le serveur."
    )
    connect = box.addButton("Se connecter au serveur…", QMessageBox.ButtonRole.AcceptRole)
    connect.setObjectName("connectMovedButton")
    box.addButton("Quitter", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is not connect:
        return False
    from ui.dialogs.connection import ConnectionDialog

    dialog = ConnectionDialog(settings=connection.settings_of(opening.moved_to))
    return bool(dialog.exec()) and connection.read_settings().on_server


def server_unusable(message: str) -> bool:
    """The office server of this computer's settings cannot be used: say why, and offer to
    try again or to change «Connexion». True to look again, False to quit."""
    box = message_box(QMessageBox.Icon.Critical, "Dossia", message)
    box.setObjectName("serverUnusableDialog")
    box.setInformativeText(
        "Réessayez une fois le serveur joignable, ou modifiez la connexion de ce poste "
        "(retour au fichier local, autre serveur)."
    )
    again = box.addButton("Réessayer", QMessageBox.ButtonRole.AcceptRole)
    again.setObjectName("retryServerButton")
    change = box.addButton("Connexion…", QMessageBox.ButtonRole.ActionRole)
    change.setObjectName("changeConnectionButton")
    box.addButton("Quitter", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is again:
        return True
    if box.clickedButton() is change:
        from ui.dialogs.connection import ConnectionDialog

        return bool(ConnectionDialog().exec())
    return False


def ask_server_password(
    location: ServerLocation, opening: startup.Opening
) -> tuple[ServerLocation, startup.Opening] | None:
    """The office server asks for a password (none given, or the one given refused): the
    user types it until the server accepts it; None if they give up. A password the keyring
    remembered and the server refused is asked again, and replaced there if «Mémoriser…»
    stays ticked (unticked: forgotten)."""

    def check(typed: str) -> tuple[ServerLocation, startup.Opening]:
        candidate = location.with_password(typed)
        found = startup.open_office(candidate)
        if found.password_refused:
            raise DomainError(found.message, field="password")
        return candidate, found

    from_keyring = location.password_source == "keyring"
    message = opening.message
    if from_keyring:
        message = (
            "Le mot de passe mémorisé sur cet ordinateur a été refusé par le serveur (il a "
            "peut-être été changé) : saisissez-le de nouveau.\n" + message
        )
    remember = from_keyring or connection.read_settings().remember_password
    dialog = ServerPasswordDialog(location, message, check, remember)
    if not dialog.exec():
        return None
    accepted, found = dialog.result_value  # type: ignore[misc]
    if dialog.remember_check.isChecked():
        problem = connection.remember_password(location, accepted.password or "")
        if problem:
            _critical(problem)
    elif from_keyring:
        connection.forget_password(location)
    return accepted, found


def _open_office(
    app,
    paths: OfficeLocation,
    login: str | None,
    password: str | None,
    quit_after_start: bool,
    opening: startup.Opening | None = None,
    early: startup.EarlyUnlock | None = None,
    db_argument: str | None = None,
):
    warm_up = WarmUp()
    opening = opening or startup.open_office(paths)
    if opening.state is OfficeState.LOCKED and isinstance(paths, DataPaths):
        unlocked = unlock(paths, login, password, warm_up, early)
        if unlocked is None:
            warm_up.stop(0)
            return None
        login, password = unlocked
        opening = None  # it opens now: look at it again (an upgrade, a damaged file…)
    opened = open_database(paths, opening)
    if isinstance(opened, ServerLocation):  # the first-run assistant chose the office server
        paths = opened
        opened = open_database(paths)  # its own first start (an empty database), or upgrade
    if not opened:
        warm_up.stop(0)
        return None
    try:
        office = OfficeDatabase(paths)
    except DatabaseOpenError as error:
        warm_up.stop(0)
        _critical(error.message)
        return None
    user = log_in(office, login, password, opened.login, warm_up)
    if user is None:
        warm_up.stop(0)
        office.close()
        return None
    workspace = office.workspace_for(user)
    from ui.main_window import MainWindow  # once logged in: the login dialog comes first

    window = MainWindow(workspace, warm_up, connection.override_origin(db_argument))
    install_crash_handler(office.paths, [window])

    def first_paint() -> None:
        if os.environ.get(TRACE_ENV_VAR):
            print(f"first-paint {time.time():.6f}", flush=True)
        if quit_after_start:
            app.quit()
            return
        window.after_start()  # starts the warm-up (ui.warm_up)

    FirstPaint(window.table.viewport(), first_paint)
    # What was made so far (Qt's modules, ours, the main window) lives as long as the office
    # is open: out of the garbage collector's sight, so that a full collection (≈ 20 ms,
    # the GIL held, on whichever thread it falls) does not hold the first paint up.
    gc.freeze()
    window.show()
    return window
