"""The main window's menus («Fichier», «Outils», «Aide»), its keyboard shortcuts' list and
its «À propos de Dossia» box."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from models.enums import Right
from ui.common import message_box

if TYPE_CHECKING:
    from app.workspace import About
    from ui.main_window import MainWindow

# Aide › Raccourcis clavier: what each key does, on the list and in a dossier.
SHORTCUTS = (
    ("Ctrl+F", "Rechercher un dossier"),
    ("Bas ou Entrée", "De la recherche à la liste des dossiers"),
    ("Entrée", "Ouvrir le dossier choisi"),
    ("Ctrl+N", "Nouveau dossier"),
    ("Ctrl+Tab, Ctrl+Page suiv.", "Onglet suivant du dossier"),
    ("Ctrl+Maj+Tab, Ctrl+Page préc.", "Onglet précédent du dossier"),
    ("Alt+A", "Menu Actions du dossier"),
    ("Ctrl+W ou Échap", "Fermer le dossier et revenir à la liste"),
    ("Ctrl+Q", "Quitter Dossia"),
    ("F1", "Cette liste"),
)


def build_menus(window: MainWindow) -> None:
    """The menu bar, with what the user's rights allow."""
    _file_menu(window, window.menuBar().addMenu("&Fichier"))
    _tools_menu(window, window.menuBar().addMenu("&Outils"))
    help_menu = window.menuBar().addMenu("&Aide")
    shortcuts = _action(window, "&Raccourcis clavier", "shortcutsAction", window.show_shortcuts)
    shortcuts.setShortcut(QKeySequence.StandardKey.HelpContents)
    help_menu.addAction(shortcuts)
    help_menu.addAction(_action(window, "À &propos de Dossia", "aboutAction", window.about))


def _action(window: MainWindow, text: str, name: str, slot, tip: str = "") -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    if tip:
        action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def _file_menu(window: MainWindow, menu: QMenu) -> None:
    user = window.workspace.user
    new_action = _action(window, "&Nouveau dossier…", "newDossierAction", window.new_dossier)
    new_action.setShortcut(QKeySequence.StandardKey.New)
    new_action.setEnabled(window.new_button.isEnabled())
    menu.addAction(new_action)
    find_action = _action(window, "&Rechercher", "findAction", window.focus_search)
    find_action.setShortcut(QKeySequence.StandardKey.Find)
    menu.addAction(find_action)
    if user.can(Right.EXPORT_C1):
        menu.addSeparator()
        menu.addAction(
            _action(
                window,
                "&Exporter C1…",
                "exportC1Action",
                window.open_export_c1,
                "Le contrôle de 1er niveau du cabinet, en Excel, CSV ou PDF",
            )
        )
    menu.addSeparator()
    backups = window.backups
    menu.addAction(
        _action(window, "&Sauvegarder maintenant", "backupNowAction", backups.backup_now)
    )
    for text, name, slot in (
        ("Sauvegarder &vers un dossier…", "backupToFolderAction", backups.backup_to_folder),
        ("&Restaurer une sauvegarde…", "restoreAction", backups.open_restore),
    ):
        action = _action(window, text, name, slot)
        # Copying the office out of its folder or replacing it: «Sauvegarder et restaurer».
        action.setVisible(user.can(Right.BACKUP_RESTORE))
        menu.addAction(action)
    menu.addSeparator()
    menu.addAction(
        _action(
            window,
            "C&onnexion…",
            "connectionAction",
            window.open_connection_settings,
            "Le cabinet sur cet ordinateur (fichier local) ou sur le serveur du cabinet",
        )
    )
    menu.addAction(
        _action(
            window, "Changer mon &mot de passe…", "changePasswordAction", window.change_password
        )
    )
    menu.addSeparator()
    quit_action = _action(window, "&Quitter", "quitAction", window.close)
    quit_action.setShortcut(QKeySequence.StandardKey.Quit)
    menu.addAction(quit_action)


def _tools_menu(window: MainWindow, menu: QMenu) -> None:
    user = window.workspace.user
    menu.addAction(
        _action(window, "&Calculatrice de financement…", "calculatorAction", window.open_calculator)
    )
    if user.can(Right.INVOICE):
        menu.addAction(_action(window, "&Facturation…", "invoicingAction", window.open_invoicing))
    if any(user.can(r) for r in (Right.MANAGE_SETTINGS, Right.MANAGE_USERS, Right.PERSONAL_DATA)):
        menu.addAction(_action(window, "&Paramètres…", "settingsAction", window.open_settings))
    window.encryption.add_actions(menu)
    if user.can(Right.MANAGE_USERS) and window.workspace.server is None:
        # A file office's administrators only: a server office is there already.
        menu.addAction(
            _action(
                window,
                "&Migrer vers le serveur du cabinet…",
                "migrateToServerAction",
                window.open_migration,
                "Copier tout le cabinet dans une base vide du serveur PostgreSQL du cabinet",
            )
        )
    window.carry.add_actions(menu)


def shortcuts_box(parent: QWidget) -> QMessageBox:
    """Aide › Raccourcis clavier (F1): the keys, in two aligned columns."""
    box = message_box(QMessageBox.Icon.Information, "Raccourcis clavier", "", parent)
    box.setTextFormat(Qt.TextFormat.RichText)  # our own words
    rows = "".join(
        f"<tr><td style='padding:2px 18px 2px 0'><b>{html.escape(keys)}</b></td>"
        f"<td style='padding:2px 0'>{html.escape(what)}</td></tr>"
        for keys, what in SHORTCUTS
    )
    box.setText(f"<table>{rows}</table>")
    box.setObjectName("shortcutsDialog")
    box.open()
    return box


def about_box(parent: QWidget, about: About) -> QMessageBox:
    """Aide › À propos de Dossia: the version, the office, where its data lives and how it
    is protected."""
    megabytes = f"{about.database_bytes / 1_000_000:.1f}".replace(".", ",")
    lines = [
        f"Dossia {about.version} — le dossier client des courtiers en crédit immobilier, "
        "hors ligne.",
        "",
        f"Cabinet : {about.office or '(Paramètres › Société)'}"
        + (f" — ORIAS n°\u00a0{about.orias_number}" if about.orias_number else ""),
        f"Dossier des données : {about.folder}",
    ]
    if about.server:
        lines += [
            f"Base de données : {about.server}",
            "Connexion au serveur : chiffrée (TLS)"
            if about.server_encrypted
            else "Connexion au serveur : non chiffrée (le serveur ne propose pas le "
            "chiffrement ; Fichier › Connexion…)",
        ]
    else:
        lines += [
            f"Base de données : {about.database_file.name} ({megabytes} Mo)",
            "Chiffrement : base, sauvegardes et documents chiffrés (SQLCipher, AES-256)"
            if about.encrypted
            else "Chiffrement : non (Outils › Chiffrer les données de ce poste)",
            f"SQLite {about.sqlite_version}",
        ]
    box = message_box(  # paths: plain text
        QMessageBox.Icon.Information, "À propos de Dossia", "\n".join(lines), parent
    )
    box.setObjectName("aboutDialog")
    box.open()
    return box
