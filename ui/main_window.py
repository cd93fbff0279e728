"""The main window: the Clients list (tabs, search, broker filter, «Nouveau dossier»)."""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.changes import Change
from app.errors import Cancelled, DomainError, StorageError
from app.listing import ListColumn, ListQuery, ListTab
from app.paths import network_location
from app.workspace import Workspace
from models.enums import DossierStatus, Right
from ui.backup_ui import BackupController
from ui.carry import CarryController
from ui.client_list import DossierTableModel, ProgressDelegate
from ui.common import FirstPaint, RememberedGeometry, icon, message_box, plain, primary
from ui.encryption_ui import EncryptionController
from ui.operations import attempt
from ui.warm_up import WarmUp
from ui.workers import Background

_TABS = (ListTab.PROSPECTS, ListTab.CLIENTS, ListTab.ABANDONED, ListTab.ALL)
# Each column's width at 1366 px; a wider window shares its extra width among the columns
# of names and labels, up to `_MOST` each (a name never takes half of a wide screen).
_COLUMN_WIDTHS = {
    ListColumn.NUMBER: 105,
    ListColumn.HOLDER: 220,
    ListColumn.STATUS: 95,
    ListColumn.OWNER: 145,
    ListColumn.PROVENANCE: 160,
    ListColumn.STEP: 150,
    ListColumn.PROGRESS: 125,
    ListColumn.CREATED: 95,
    ListColumn.ABANDONED_ON: 115,
    ListColumn.ABANDON_REASON: 140,
    ListColumn.COMPLETE: 75,
    ListColumn.BANK: 150,
}
_GROWING = (
    ListColumn.HOLDER,
    ListColumn.OWNER,
    ListColumn.PROVENANCE,
    ListColumn.STEP,
    ListColumn.ABANDON_REASON,
    ListColumn.BANK,
)
_MOST = 340
# Where each column stands on screen (the model's order is the storage's).
_VISUAL_ORDER = tuple(_COLUMN_WIDTHS)
# Columns the user shows or hides (the header's context menu), by their name: this
# computer's choice (hidden at first).
OPTIONAL_COLUMNS = (ListColumn.BANK,)


# The day's automatic backup (a whole copy of the office, then its check: 13 s at 100,000
# dossiers, about 80 s at 1,000,000) begins once the office has been quiet this long — no
# search, no dossier opened or saved — and at the latest this long after the start checks.
# Quitting meanwhile cancels it (nothing left behind; taken at the next start).
AUTOMATIC_BACKUP_QUIET_MS = 60_000
# How often the window looks whether another connection committed (`data_version`); for an
# office on a server, which tells at once (LISTEN/NOTIFY), only as a fallback.
POLL_MS = 2000
POLL_FALLBACK_MS = 30_000
LIST_FAILED_SHOWN_MS = 30_000  # the list not read (an office server away): said this long
AUTOMATIC_BACKUP_LATEST_S = 600.0
GIVE_WAY_MAX_MS = 1000  # the warm-up paused for a dossier window that does not paint

_Waited = TypeVar("_Waited")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


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


class _ChangesBridge(QObject):
    """Carries the storage's «another computer committed» from its listener thread to the
    GUI thread (a queued signal)."""

    changed = Signal(str)

    def tell(self, payload: str) -> None:
        """Called from the listener's thread: nothing once the window is gone."""
        if isValid(self):
            self.changed.emit(payload)


class MainWindow(QMainWindow):
    def __init__(
        self, workspace: Workspace, warm_up: WarmUp | None = None, location_given: str = ""
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.setObjectName("mainWindow")
        self.setWindowTitle("Dossia — Dossiers")
        self.setWindowIcon(icon("dossia"))
        self._geometry = RememberedGeometry(self, workspace, "liste", (1280, 720))
        self._dossier_windows: dict[int, QWidget] = {}
        self._spare: QWidget | None = None
        self._spare_timer = QTimer(self)  # restarted by each opening: never right after one
        self._spare_timer.setSingleShot(True)
        self._spare_timer.timeout.connect(self._build_spare)
        self._settings_window: QWidget | None = None
        self.purge_reminder: QPushButton | None = None
        self._shut = False  # shut_down() ran: the database is closed
        self._released = False  # release_database() ran: no database until a restart
        self._invoicing = None  # the «Facturation» window, once opened
        self._export_c1 = None  # the «Exporter C1» dialog, while open
        self._counts_pool = QThreadPool(self)
        self._counts_pool.setMaxThreadCount(1)  # one reader connection, used serially
        self._counts = Background(self._counts_pool)
        self._counts_reader = None
        self._counts_generation = 0
        self._start_checks = Background(QThreadPool(self))
        self._automatic_backup = Background(QThreadPool(self))
        self._backup_cancel = threading.Event()  # quitting: the automatic backup stops
        self.automatic_backup_quiet_ms = AUTOMATIC_BACKUP_QUIET_MS
        self._backup_timer = QTimer(self)
        self._backup_timer.setSingleShot(True)
        self._backup_timer.timeout.connect(self._run_automatic_backup)
        self._backup_latest = 0.0  # monotonic time after which quiet is no longer awaited
        # Opening a dossier's imports and first reads, in a thread (begun during the login
        # dialog by the launcher, if there was one), carried on after the first paint.
        self.warm_up = warm_up or WarmUp()
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(0)
        self._counts_timer.timeout.connect(self._update_counts)
        self._counts_due = False  # counted once the new query's rows are painted
        self._results_asked = False  # Bas or Entrée pressed while the search was read

        self.restart_requested = False
        # «Connexion…» changed where this computer finds the office: resolved again.
        self.reconnect_requested = False
        self._location_given = location_given  # «--db», «$DOSSIA_DB»: the settings ignored
        self._seen_version = -1
        self.backups = BackupController(self)
        self.encryption = EncryptionController(self)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.refresh_if_changed)
        self._changes = _ChangesBridge(self)
        self._changes.changed.connect(lambda _payload: self.refresh_if_changed())

        self.carry = CarryController(self)
        self.model = DossierTableModel(workspace)
        self.model.queryChanged.connect(self._query_shown)
        self.model.readFailed.connect(self._list_failed)
        self.model.painted.connect(self._rows_painted)
        self._build()
        self._build_menus()
        self.model.set_query(ListQuery(tab=ListTab.PROSPECTS))
        self._counts_due = True  # counted once the list is painted, not before its first paint

    # --- layout ---

    def _build(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(16, 12, 16, 8)
        top = QHBoxLayout()
        title = QLabel("Dossiers")
        title.setObjectName("listTitle")
        top.addWidget(title)
        top.addSpacing(16)
        self.search = QLineEdit()
        self.search.setObjectName("searchField")
        self.search.setPlaceholderText("Rechercher : n° de dossier, nom, prénom…")
        self.search.setAccessibleName("Rechercher un dossier")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(340)
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self.go_to_results)
        self.search.installEventFilter(self)
        top.addWidget(self.search, 1)
        self.broker_filter = QComboBox()
        self.broker_filter.setObjectName("brokerFilter")
        self.broker_filter.setAccessibleName("Filtrer par courtier")
        self.broker_filter.setMinimumWidth(200)
        self._fill_brokers()
        self.broker_filter.currentIndexChanged.connect(self._on_broker)
        top.addWidget(self.broker_filter)
        self.new_button = primary(QPushButton(icon("plus"), " Nouveau dossier"))
        self.new_button.setObjectName("newDossierButton")
        self.new_button.setEnabled(self.workspace.user.can(Right.CREATE_DOSSIER))
        self.new_button.clicked.connect(self.new_dossier)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        layout.addWidget(self.carry.banner)  # «Hors du bureau»: a laptop's file only

        self.tabs = QTabBar()
        self.tabs.setObjectName("clientTabs")
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        for tab in _TABS:
            self.tabs.addTab(tab.label)
        self.tabs.currentChanged.connect(self._on_tab)
        layout.addWidget(self.tabs)

        self.table = QTableView()
        self.table.setObjectName("clientList")
        self.table.setAccessibleName("Liste des dossiers")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setSortIndicator(ListColumn.CREATED, _qt_order(True))
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        for position, column in enumerate(_VISUAL_ORDER):
            header.moveSection(header.visualIndex(column), position)
        self.table.setItemDelegateForColumn(ListColumn.PROGRESS, ProgressDelegate(self.table))
        self._optional_shown = self.workspace.machine.shown_columns()
        self._show_tab_columns(_TABS[0])
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._columns_menu)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        layout.addWidget(self.table, 1)
        # A search that finds nothing says so, over the empty table, with a way out.
        self.empty_search = QWidget(self.table.viewport())
        self.empty_search.setObjectName("emptySearch")
        empty = QVBoxLayout(self.empty_search)
        self.empty_label = plain(QLabel())  # the search, as typed
        self.empty_label.setObjectName("emptySearchLabel")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        empty.addWidget(self.empty_label)
        clear = QPushButton("Effacer la recherche")
        clear.setObjectName("clearSearchButton")
        clear.clicked.connect(self._clear_search)
        empty.addWidget(clear, 0, Qt.AlignmentFlag.AlignHCenter)
        self.empty_search.hide()
        self.table.viewport().installEventFilter(self)  # kept centred when resized
        for signal in (
            self.model.modelReset,
            self.model.rowsInserted,
            self.model.rowsRemoved,
        ):
            signal.connect(self._show_empty_search)
        self.setCentralWidget(central)

        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.statusBar().addWidget(self.count_label)
        user = self.workspace.user
        who = plain(QLabel(f"Connecté : {user.display_name} ({user.role_name})  "))
        who.setObjectName("userLabel")
        self.statusBar().addPermanentWidget(who)
        self.model.modelReset.connect(self._show_loaded_count)

    def columns_menu(self) -> QMenu:
        """«Colonnes»: show or hide the optional columns (kept on this computer)."""
        menu = QMenu(self)
        menu.setObjectName("columnsMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for column in OPTIONAL_COLUMNS:
            action = menu.addAction(column.header)
            action.setObjectName(f"showColumn_{column.name.lower()}")
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: self.show_column(c, on))
        return menu

    def _columns_menu(self, position) -> None:
        self.columns_menu().popup(self.table.horizontalHeader().mapToGlobal(position))

    def show_column(self, column: ListColumn, shown: bool) -> None:
        self.table.setColumnHidden(column, not shown)
        names = {c.name.lower() for c in OPTIONAL_COLUMNS if not self.table.isColumnHidden(c)}
        self._optional_shown = frozenset(names)
        attempt(lambda: self.workspace.machine.set_shown_columns(frozenset(names)))
        self._fit_columns()

    def _show_tab_columns(self, tab: ListTab) -> None:
        """The columns of this tab: «Statut» on «Tous», the reason and date of abandon on
        «Abandonnés», the optional ones as this computer chose."""
        for column in ListColumn:
            if column in OPTIONAL_COLUMNS:
                hidden = column.name.lower() not in self._optional_shown
            else:
                hidden = not column.shown_in(tab)
            self.table.setColumnHidden(column, hidden)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Each column at its width; the extra width of a wide window shared among the
        columns of names and labels (up to `_MOST` each), the rest left to the last one."""
        table = self.table
        shown = [c for c in _VISUAL_ORDER if not table.isColumnHidden(c)]
        if not shown:
            return
        widths = {c: _COLUMN_WIDTHS[c] for c in shown}
        extra = table.viewport().width() - sum(widths.values())
        growing = [c for c in shown if c in _GROWING]
        if extra < 0:  # more columns than room: the names and labels give up to a fifth
            for column in growing:
                taken = min(-extra, widths[column] // 5)
                widths[column] -= taken
                extra += taken
        while extra > 0 and growing:
            share = max(1, extra // len(growing))
            for column in list(growing):
                added = min(share, _MOST - widths[column], extra)
                widths[column] += added
                extra -= added
                if widths[column] >= _MOST:
                    growing.remove(column)
                if extra <= 0:
                    break
        if extra > 0:
            widths[shown[-1]] += extra
        for column, width in widths.items():
            table.setColumnWidth(column, width)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&Fichier")
        new_action = QAction("&Nouveau dossier…", self)
        new_action.setShortcut(QKeySequence.StandardKey.New)
        new_action.setEnabled(self.new_button.isEnabled())
        new_action.triggered.connect(self.new_dossier)
        file_menu.addAction(new_action)
        find_action = QAction("&Rechercher", self)
        find_action.setShortcut(QKeySequence.StandardKey.Find)
        find_action.triggered.connect(lambda: (self.search.setFocus(), self.search.selectAll()))
        file_menu.addAction(find_action)
        if self.workspace.user.can(Right.EXPORT_C1):
            file_menu.addSeparator()
            export_action = QAction("&Exporter C1…", self)
            export_action.setObjectName("exportC1Action")
            export_action.setStatusTip("Le contrôle de 1er niveau du cabinet, en Excel, CSV ou PDF")
            export_action.triggered.connect(lambda _c=False: self.open_export_c1())
            file_menu.addAction(export_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quitter", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        file_menu.insertSeparator(quit_action)
        for name, text, slot in (
            ("backupNowAction", "&Sauvegarder maintenant", lambda: self.backups.backup_now()),
            (
                "backupToFolderAction",
                "Sauvegarder &vers un dossier…",
                lambda: self.backups.backup_to_folder(),
            ),
            ("restoreAction", "&Restaurer une sauvegarde…", lambda: self.backups.open_restore()),
        ):
            action = QAction(text, self)
            action.setObjectName(name)
            action.triggered.connect(slot)
            # Copying the office out of its folder or replacing it: «Sauvegarder et restaurer».
            action.setVisible(
                name == "backupNowAction" or self.workspace.user.can(Right.BACKUP_RESTORE)
            )
            file_menu.insertAction(quit_action, action)
        file_menu.insertSeparator(quit_action)
        connection_action = QAction("C&onnexion…", self)
        connection_action.setObjectName("connectionAction")
        connection_action.setStatusTip(
            "Le cabinet sur cet ordinateur (fichier local) ou sur le serveur du cabinet"
        )
        connection_action.triggered.connect(lambda _c=False: self.open_connection_settings())
        file_menu.insertAction(quit_action, connection_action)
        password_action = QAction("Changer mon &mot de passe…", self)
        password_action.setObjectName("changePasswordAction")
        password_action.triggered.connect(self.change_password)
        file_menu.insertAction(quit_action, password_action)
        user = self.workspace.user
        tools = self.menuBar().addMenu("&Outils")
        calculator_action = QAction("&Calculatrice de financement…", self)
        calculator_action.setObjectName("calculatorAction")
        calculator_action.triggered.connect(self.open_calculator)
        tools.addAction(calculator_action)
        if user.can(Right.INVOICE):
            invoicing_action = QAction("&Facturation…", self)
            invoicing_action.setObjectName("invoicingAction")
            invoicing_action.triggered.connect(lambda _c=False: self.open_invoicing())
            tools.addAction(invoicing_action)
        if any(
            user.can(r) for r in (Right.MANAGE_SETTINGS, Right.MANAGE_USERS, Right.PERSONAL_DATA)
        ):
            settings_action = QAction("&Paramètres…", self)
            settings_action.setObjectName("settingsAction")
            settings_action.triggered.connect(self.open_settings)
            tools.addAction(settings_action)
        self.encryption.add_actions(tools)
        if user.can(Right.MANAGE_USERS) and self.workspace.server is None:
            # A file office's administrators only: a server office is there already.
            migrate_action = QAction("&Migrer vers le serveur du cabinet…", self)
            migrate_action.setObjectName("migrateToServerAction")
            migrate_action.setStatusTip(
                "Copier tout le cabinet dans une base vide du serveur PostgreSQL du cabinet"
            )
            migrate_action.triggered.connect(lambda _c=False: self.open_migration())
            tools.addAction(migrate_action)
        self.carry.add_actions(tools)
        help_menu = self.menuBar().addMenu("&Aide")
        shortcuts = QAction("&Raccourcis clavier", self)
        shortcuts.setObjectName("shortcutsAction")
        shortcuts.setShortcut(QKeySequence.StandardKey.HelpContents)
        shortcuts.triggered.connect(lambda _c=False: self.show_shortcuts())
        help_menu.addAction(shortcuts)
        about = QAction("À &propos de Dossia", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def show_shortcuts(self) -> QMessageBox:
        box = message_box(QMessageBox.Icon.Information, "Raccourcis clavier", "", self)
        box.setTextFormat(Qt.TextFormat.RichText)  # our own words, in two aligned columns
        rows = "".join(
            f"<tr><td style='padding:2px 18px 2px 0'><b>{html.escape(keys)}</b></td>"
            f"<td style='padding:2px 0'>{html.escape(what)}</td></tr>"
            for keys, what in SHORTCUTS
        )
        box.setText(f"<table>{rows}</table>")
        box.setObjectName("shortcutsDialog")
        box.open()
        return box

    def _fill_brokers(self) -> None:
        self.broker_filter.blockSignals(True)
        self.broker_filter.clear()
        brokers = self.workspace.brokers()
        sees_all = self.workspace.user.can(Right.VIEW_ALL_DOSSIERS)
        if sees_all:
            self.broker_filter.addItem("Tous les courtiers", None)
        for broker in brokers:
            self.broker_filter.addItem(broker.name, broker.id)
        self.broker_filter.blockSignals(False)
        if not sees_all:  # a broker who sees only his own dossiers has nothing to filter
            self.broker_filter.hide()

    # --- query changes ---

    def _set_query(self, **changes) -> None:
        self._office_busy()
        self._results_asked = False
        self.model.set_query(replace(self.model.query, **changes))
        # Counted once the new list is painted (`DossierTableModel.painted`): counting on
        # the other core meanwhile slows the paint the user waits for (memory bandwidth,
        # GIL hand-offs). A count still running is stale: stopped.
        if self._counts_reader is not None and self._counts.busy:
            self._counts_reader.interrupt()
        self._counts_generation += 1
        self._counts_due = True

    def _rows_painted(self) -> None:
        if self._counts_due and not self.model.pending:
            self._counts_due = False
            self._counts_timer.start()

    def _query_shown(self) -> None:
        if self.model.pending:
            return
        if self._results_asked:  # Bas or Entrée came before the search's rows
            self._results_asked = False
            self.go_to_results()

    def _on_search(self, text: str) -> None:
        self._set_query(search=text)

    def _on_broker(self, _index: int) -> None:
        self._set_query(owner_id=self.broker_filter.currentData())

    def _on_tab(self, index: int) -> None:
        tab = _TABS[index]
        query = replace(self.model.query, tab=tab)
        if not query.sort.shown_in(tab):  # sorted on a column this tab does not show
            query = replace(query, sort=ListColumn.CREATED, descending=True)
            header = self.table.horizontalHeader()
            header.blockSignals(True)  # the query below sorts: no second read
            header.setSortIndicator(ListColumn.CREATED, _qt_order(True))
            header.blockSignals(False)
            header.viewport().update()
        self._show_tab_columns(tab)
        self.model.set_query(query)
        self._show_counts()

    def refresh(self) -> None:
        """Re-read the list after a change, keeping the selection and scroll position."""
        selected = self.current_dossier_id()
        scroll = self.table.verticalScrollBar().value()

        def restore() -> None:
            self.table.verticalScrollBar().setValue(scroll)
            if selected is not None and (row := self.model.row_of(selected)) >= 0:
                self.table.selectRow(row)

        self.model.refresh(restore)
        self._update_counts()

    def _dossier_changed(self, dossier_id: int, changes: Change) -> None:
        """A dossier window saved: refresh only what its command changed."""
        self._office_busy()
        if Change.STATUS in changes:
            self.refresh()  # the dossier moves between tabs (or is gone): rows and counts
        elif Change.LIST_ROW in changes and self.model.refresh_row(dossier_id):
            self._update_counts()  # it left the rows shown: the counts follow
        # Our own change is shown: the periodic check need not re-read the list for it (but
        # still does for a change another connection committed meanwhile).
        self._seen_version = self.workspace.settled_version(self._seen_version)

    def refresh_if_changed(self) -> None:
        """Another window or process saved something: refresh, keeping scroll and selection."""
        if not self.isEnabled() or self._shut or self._released:
            return
        self._recover_missing_file()
        version = self.workspace.data_version()
        if version != self._seen_version:
            if self._seen_version != -1:
                self.refresh()
                self._refresh_open_dossiers()
            self._seen_version = version

    def _refresh_open_dossiers(self) -> None:
        """The open dossier windows follow what was saved elsewhere: one query for their
        versions, then only those whose dossier changed reload (issue 11)."""
        windows = list(self._dossier_windows.items())
        if not windows:
            return
        outcome = attempt(lambda: self.workspace.dossiers.versions(d for d, _w in windows))
        if outcome.value is None:  # the database away: said by the list's refresh already
            return
        for dossier_id, window in windows:
            window.view.refresh_from_elsewhere(outcome.value.get(dossier_id))

    def _recover_missing_file(self) -> None:
        try:
            recovered = self.workspace.recover_missing_database()
        except DomainError as error:
            recovered, text = True, error.message
        else:
            text = (
                f"Le fichier de la base « {self.workspace.paths.database} » a été déplacé ou "
                "supprimé par un autre programme. Dossia l'a réécrit à son emplacement à partir "
                "des données ouvertes : rien n'est perdu."
            )
        if recovered:
            box = message_box(QMessageBox.Icon.Warning, "Base de données", text, self)
            box.setObjectName("databaseRecoveredDialog")
            box.open()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.refresh_if_changed()
        super().changeEvent(event)

    # --- after the first paint ---

    def after_start(self) -> None:
        """Once the window is on screen: the first dossier's opening prepared in the
        background, then the checks (share, purge reminder; the day's integrity check and
        backup once the office is quiet)."""
        self.warm_up.start(self.workspace, self.model.id_at(0) if self.model.rowCount() else None)
        self.carry.start()  # a laptop's file: its «Hors du bureau» line and «Rapporter»
        self.watch_changes()
        self.prepare_spare_window()
        self._start_checks.run(
            self._start_checks_work, self._start_checks_done, self._start_checks_failed
        )
        kind = network_location(self.workspace.paths.database)
        if kind:
            box = message_box(
                QMessageBox.Icon.Warning,
                "Base sur un partage réseau",
                f"La base de données est sur un partage réseau ({kind}) : SQLite n'y est pas "
                "fiable et des données pourraient être perdues si deux postes l'utilisent. "
                "Gardez la base sur le disque de cet ordinateur ; pour travailler à plusieurs, "
                "il faudra le mode serveur partagé.",
                self,
            )
            box.setObjectName("networkShareWarning")
            box.open()

    def watch_changes(self) -> None:
        """Other computers' commits refresh the list: told at once by an office on a server
        (the poll then only a fallback), polled on a file."""
        self.refresh_if_changed()  # the version the list shows: what a change moves
        if self.workspace.watch_changes(self._changes.tell):
            self._poll.setInterval(POLL_FALLBACK_MS)
        self._poll.start()

    def _start_checks_work(self) -> int:
        # The purge imports its services: after the warm-up, which the first dossier
        # opened waits for, not at the same time.
        self.warm_up.wait_done()
        if not self.workspace.user.can(Right.PERSONAL_DATA):
            return 0
        return len(self.workspace.privacy.purge_candidates())

    def _start_checks_done(self, due: int) -> None:
        self._show_purge_reminder(due)
        if not self._shut:
            self._backup_latest = time.monotonic() + AUTOMATIC_BACKUP_LATEST_S
            self._backup_timer.start(self.automatic_backup_quiet_ms)

    def _show_damage(self, problem: str) -> None:
        """The day's integrity check found the file damaged: offer the latest good backup."""
        found = f"La vérification de la base a trouvé un problème ({problem})."
        if self.workspace.user.can(Right.BACKUP_RESTORE):
            self.backups.open_restore(f"{found} Restaurez la dernière bonne sauvegarde.")
        else:
            box = message_box(
                QMessageBox.Icon.Warning,
                "Base de données",
                f"{found} Demandez à un administrateur ou au responsable d'agence de "
                "restaurer la dernière bonne sauvegarde.",
                parent=self,
            )
            box.setObjectName("damagedNoticeDialog")
            box.open()

    # --- the day's integrity check and automatic backup (once the office is quiet;
    # cancelled by quitting) ---

    def _office_busy(self) -> None:
        """The user is working: the day's check and backup wait for a quiet moment (up to
        `AUTOMATIC_BACKUP_LATEST_S` after the start checks)."""
        if self._backup_timer.isActive() and time.monotonic() < self._backup_latest:
            self._backup_timer.start(self.automatic_backup_quiet_ms)

    @property
    def automatic_backup_pending(self) -> bool:
        """The day's automatic backup is awaited or being written."""
        return self._backup_timer.isActive() or self._automatic_backup.busy

    def _run_automatic_backup(self) -> None:
        """The office is quiet: the whole-file integrity check if due (once a day, and after
        a session that did not end normally), then the day's backup of a sound file. Not at
        start: at 1,000,000 dossiers the check reads 4 GB, and right after start the first
        dossier's opening needs the machine (the check on a second core, the disk)."""
        if self._shut:
            return
        cancel = self._backup_cancel
        workspace = self.workspace

        def progress(_done: int, _total: int) -> bool:
            return not cancel.is_set()

        def work():
            problem = workspace.quick_check()
            if cancel.is_set():  # interrupted by quitting or a restore: still due
                raise Cancelled(
                    "Vérification interrompue : elle sera refaite au prochain démarrage."
                )
            if problem is not None:  # a damaged office is not backed up
                return problem, None
            return None, workspace.backups.run_automatic(progress)

        self._automatic_backup.run(work, self._automatic_backup_done, self._automatic_backup_failed)

    def _automatic_backup_done(self, result) -> None:
        problem, backup = result
        if self._shut:
            return
        if problem is not None:
            self._show_damage(problem)
        elif backup is not None:
            self.statusBar().showMessage(f"{backup.label} effectuée.", 10000)

    def _automatic_backup_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled) or self._shut:
            return  # Dossia is closing: taken at the next start
        self._start_checks_failed(error)

    def _stop_automatic_backup(self) -> None:
        """Quitting or restoring: the automatic backup stops where it is (its partial copy
        removed) rather than holding the office open until it ends."""
        self._backup_timer.stop()
        self._backup_cancel.set()
        self.workspace.interrupt_quick_check()  # the whole-file read: due again next start
        self._automatic_backup.wait(30000)

    def _show_purge_reminder(self, due: int) -> None:
        """Abandoned dossiers kept past their retention: a reminder in the status bar that
        opens the purge proposal (nothing is erased without a confirmation)."""
        if not due:
            return
        plural = "s" if due > 1 else ""
        self.purge_reminder = QPushButton(
            f"{due} dossier{plural} abandonné{plural} à effacer (RGPD)…"
        )
        self.purge_reminder.setObjectName("purgeReminderButton")
        self.purge_reminder.setFlat(True)
        self.purge_reminder.clicked.connect(self.open_purge)
        self.statusBar().addPermanentWidget(self.purge_reminder)

    def open_purge(self):
        window = self.open_settings()
        window.show_privacy()
        if self.purge_reminder is not None:
            self.statusBar().removeWidget(self.purge_reminder)
            self.purge_reminder.deleteLater()
            self.purge_reminder = None
        return window

    def _start_checks_failed(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            raise error
        self.statusBar().showMessage(f"Sauvegarde automatique impossible : {error.message}", 30000)

    # --- giving the database back (restore) ---

    def release_database(self) -> None:
        """Close every connection of this window before the file is replaced."""
        self._poll.stop()
        for window in list(self._dossier_windows.values()):
            window.close()
        self.warm_up.stop()  # first: the start checks and the carry's reading wait for it
        self._counts.wait(5000)
        self._start_checks.wait(5000)
        self.carry.wait()
        self._stop_automatic_backup()
        self.model.close()
        if self._counts_reader is not None:
            self._counts_reader.close()
            self._counts_reader = None
        self.setEnabled(False)
        self._released = True  # a dialog may enable the window again: still no database
        self.workspace.close()

    def shut_down(self) -> None:
        """The event loop ended: stop background work and close the database."""
        self._shut = True
        self._poll.stop()
        if self._counts_reader is not None:
            self._counts_reader.interrupt()  # a count still running is of no use now
        self.warm_up.stop()  # first: the start checks and the carry's reading wait for it
        self._counts.wait(5000)
        self._start_checks.wait(30000)
        self.carry.wait()
        self._stop_automatic_backup()
        self.backups.wait()
        self.model.close()
        if self._counts_reader is not None:
            self._counts_reader.close()
            self._counts_reader = None
        self.workspace.close()

    def restart(self) -> None:
        self.restart_requested = True
        self.close()

    def open_connection_settings(self) -> QDialog:
        """Fichier › Connexion… : this computer's choice between the local file and the
        office's server, applied at the next start (now, if the user wants)."""
        from ui.dialogs.connection import ConnectionDialog

        dialog = ConnectionDialog(self._location_given, self)
        dialog.accepted.connect(lambda: self._connection_saved(dialog.warning))
        dialog.open()
        return dialog

    def open_migration(self) -> QDialog:
        """Outils › Migrer vers le serveur du cabinet… (a file office's administrators)."""
        from ui.migration_ui import MigrationDialog

        dialog = MigrationDialog(self, self.workspace.migration)
        dialog.open()
        return dialog

    def _connection_saved(self, warning: str) -> QMessageBox:
        text = "Les réglages de connexion de ce poste sont enregistrés."
        if warning:
            text += "\n\n" + warning
        box = message_box(QMessageBox.Icon.Question, "Connexion", text, self)
        box.setObjectName("connectionSavedDialog")
        box.setInformativeText(
            "Ils s'appliquent au prochain démarrage de Dossia. Redémarrer maintenant ?"
        )
        now = box.addButton("Redémarrer maintenant", QMessageBox.ButtonRole.AcceptRole)
        now.setObjectName("restartNowButton")
        later = box.addButton("Plus tard", QMessageBox.ButtonRole.RejectRole)
        later.setObjectName("restartLaterButton")

        def answered() -> None:
            if box.clickedButton() is now:
                self.reconnect_requested = True
                self.restart()

        box.finished.connect(answered)
        box.open()
        return box

    # --- counts (off the GUI thread: counting a search over 100,000 rows takes a while) ---

    def _update_counts(self) -> None:
        self._counts_generation += 1
        generation = self._counts_generation
        query = self.model.query

        def count():
            if generation != self._counts_generation:
                return generation, None  # a newer query already
            if self._counts_reader is None:
                self._counts_reader = self.workspace.open_reader()
            try:
                return generation, self._counts_reader.count_by_tab(query)
            except Cancelled:  # a newer query's count is coming
                return generation, None

        self._counts.run(count, self._counts_ready, self._counts_failed)

    def _counts_failed(self, error: BaseException) -> None:
        if not isinstance(error, StorageError):
            raise error
        self._list_failed(error.message)

    def _list_failed(self, message: str) -> None:
        """The list or its counts could not be read (an office server away for a moment):
        said in the status bar; the rows shown stay, and the next refresh reads again."""
        self.statusBar().showMessage(message, LIST_FAILED_SHOWN_MS)

    def _counts_ready(self, result) -> None:
        generation, counts = result
        if generation != self._counts_generation or counts is None:
            return  # a newer keystroke is already being counted
        self._last_counts = counts
        self._show_counts()

    def _show_counts(self) -> None:
        counts = getattr(self, "_last_counts", None)
        if counts is None:
            return
        for index, tab in enumerate(_TABS):
            self.tabs.setTabText(index, f"{tab.label} ({_thousands(counts[tab])})")
        total = counts[self.model.query.tab]
        self.count_label.setText(
            f"{_thousands(total)} dossier{'s' if total > 1 else ''}" if total else "Aucun dossier"
        )

    def _show_loaded_count(self) -> None:
        if self.model.rowCount() == 0:
            self.count_label.setText("Aucun dossier")

    @property
    def counts_pending(self) -> bool:
        return self._counts.busy or self._counts_timer.isActive() or self._counts_due

    # --- opening and creating dossiers ---

    def _show_empty_search(self, *_args) -> None:
        text = " ".join(self.search.text().split())
        shown = bool(text) and self.model.rowCount() == 0
        if shown:
            tab = _TABS[self.tabs.currentIndex()]
            among = "" if tab is ListTab.ALL else f" parmi les {tab.label.lower()}"
            self.empty_label.setText(f"Aucun dossier ne correspond à « {text} »{among}.")
            self.empty_search.adjustSize()
            viewport = self.table.viewport()
            self.empty_search.setFixedWidth(min(viewport.width() - 40, 560))
            self.empty_search.adjustSize()
            self.empty_search.move(
                (viewport.width() - self.empty_search.width()) // 2,
                max(24, viewport.height() // 4),
            )
        self.empty_search.setVisible(shown)

    def _clear_search(self) -> None:
        self.search.clear()
        self.search.setFocus()

    def go_to_results(self) -> None:
        """From the search field into the list (Bas or Entrée): the first row chosen, so
        that Entrée then opens it. While the search is being read, once its rows are in."""
        if self.model.pending:
            self._results_asked = True
            return
        if self.model.rowCount() == 0:
            return
        if (
            not self.table.currentIndex().isValid()
            or not self.table.selectionModel().hasSelection()
        ):
            self.table.selectRow(0)
        self.table.setFocus()

    def eventFilter(self, watched, event) -> bool:
        table = getattr(self, "table", None)  # the search's filter comes before the table
        if table is not None and watched is table.viewport() and event.type() == QEvent.Type.Resize:
            if self.empty_search.isVisible():
                self._show_empty_search()
            self._fit_columns()
            return False
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            self.go_to_results()
            return True
        return super().eventFilter(watched, event)

    def current_dossier_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_dossier(self.model.id_at(index.row()))

    def open_dossier(self, dossier_id: int):
        """Show the dossier's window (or bring it to the front if already open)."""
        self._office_busy()
        window = self._dossier_windows.get(dossier_id)
        if window is None:
            # The warm-up's remaining steps wait until this window is painted (or, unpainted,
            # a second later): they would take the GIL back at each of Qt's calls that lets it
            # go while the window is built and shown (ui.warm_up).
            release = self._wait_for_warm_up(self.warm_up.give_way)
            QTimer.singleShot(GIVE_WAY_MAX_MS, self, release)
            from ui.dossier_window import DossierWindow

            window = self._spare or DossierWindow(self.workspace, complete=False)
            self._spare = None
            window.load(dossier_id)
            window.changed.connect(self._dossier_changed)
            window.closed.connect(self._dossier_closed)
            window.invoicing_requested.connect(self.open_invoicing)
            self._dossier_windows[dossier_id] = window
            FirstPaint(window.view, release)
        window.show()
        window.raise_()
        window.activateWindow()
        self.prepare_spare_window()
        return window

    def _wait_for_warm_up(self, wait: Callable[[], _Waited]) -> _Waited:
        """Right after start, a dossier window about to be built before the warm-up has
        imported and read what it needs waits for it (`wait`: the GIL left to its thread)
        rather than doing the same work at the same time on the GUI thread."""
        if self.warm_up.ready:
            return wait()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return wait()
        finally:
            QApplication.restoreOverrideCursor()

    def prepare_spare_window(self) -> None:
        """Build the next dossier window when the GUI is idle, so opening one only fills it.

        Building its widgets (style sheet, date pickers…) costs ~70 ms; filling it ~10 ms.
        Right after start, it is built once the warm-up has imported its modules.
        """
        if self._spare is None:
            self._spare_timer.start(300)

    def _build_spare(self) -> None:
        if not self.warm_up.ready:  # its modules are still being imported: not on this thread
            self._spare_timer.start(50)
            return
        from ui.dossier_window import DossierWindow

        if self._spare is None and self.isVisible():
            # «Général» first, then a tab per pass of the event loop (≈ 20 ms each, ≈ 200
            # ms in all): a click meanwhile is served after one tab, with what is built.
            self._spare = DossierWindow(self.workspace, complete=False)
            QTimer.singleShot(0, self, lambda spare=self._spare: self._grow_spare(spare))

    def _grow_spare(self, spare) -> None:
        if spare is self._spare and spare.view.build_next_tab():
            QTimer.singleShot(0, self, lambda: self._grow_spare(spare))

    @property
    def spare_ready(self) -> bool:
        """A dossier window is prepared in full: opening one only fills it."""
        return self._spare is not None and self._spare.view.tabs_complete

    def _dossier_closed(self, dossier_id: int) -> None:
        """Back to the list, on the row of the dossier just closed (Ctrl+W, Échap)."""
        self._dossier_windows.pop(dossier_id, None)
        if self._shut or not self.isVisible():  # the office is closing: nothing to show
            return
        if dossier_id is not None and (row := self.model.row_of(dossier_id)) >= 0:
            self.table.selectRow(row)
            self.table.setFocus()
        self.activateWindow()
        self.raise_()

    def new_dossier(self):
        self._wait_for_warm_up(self.warm_up.wait_ready)
        from ui.dialogs.new_dossier import NewDossierDialog

        dialog = NewDossierDialog(self, self.workspace)
        dialog.accepted.connect(lambda: self._created(dialog.result_value))
        dialog.open()
        return dialog

    def _created(self, detail) -> None:
        tab = _TABS.index(
            ListTab.PROSPECTS if detail.status is DossierStatus.PROSPECT else ListTab.CLIENTS
        )
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.tabs.setCurrentIndex(tab)
        self._set_query(search="", tab=_TABS[tab])
        if (row := self.model.row_of(detail.id)) >= 0:
            self.table.selectRow(row)
        self.open_dossier(detail.id)

    def open_settings(self):
        """«Paramètres»; closing it refreshes the list (steps may have changed)."""
        from ui.settings import SettingsWindow

        if self._settings_window is None:
            self._settings_window = SettingsWindow(self.workspace)
            self._settings_window.destroyed.connect(lambda: setattr(self, "_settings_window", None))
        self._settings_window.show()
        self._settings_window.raise_()
        return self._settings_window

    def open_calculator(self):
        """«Calculatrice»: a financing plan without a dossier (a new one each time)."""
        from ui.calculator import CalculatorWindow

        window = CalculatorWindow(self.workspace)
        window.setParent(self, window.windowFlags())
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        return window

    def open_invoicing(self, dossier_id: int | None = None, number: str = ""):
        """«Facturation»: the office's invoices (on one dossier's when asked from it)."""
        from ui.invoicing_window import InvoicingWindow

        window = self._invoicing
        if window is None or not isValid(window):
            window = InvoicingWindow(self.workspace, self.open_dossier, dossier_id)
            window.setParent(self, window.windowFlags())
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self._invoicing = window
        window.show_dossier(dossier_id, number)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def open_export_c1(self):
        """«Exporter C1»: the office manager's control report (one dialog at a time)."""
        from ui.export_c1 import ExportC1Dialog

        dialog = self._export_c1
        if dialog is None or not isValid(dialog):
            dialog = ExportC1Dialog(self, self.workspace)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self._export_c1 = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def change_password(self):
        from ui.settings import PasswordDialog

        users = self.workspace.users
        dialog = PasswordDialog(
            self,
            "Changer mon mot de passe",
            lambda current, new: users.change_own_password(current, new, new),
            ask_current=True,
        )
        dialog.accepted.connect(lambda: self.statusBar().showMessage("Mot de passe changé.", 8000))
        dialog.open()
        return dialog

    def _about(self) -> QMessageBox:
        about = self.workspace.about()
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
            QMessageBox.Icon.Information, "À propos de Dossia", "\n".join(lines), self
        )
        box.setObjectName("aboutDialog")
        box.open()
        return box

    # --- closing ---

    def closeEvent(self, event: QCloseEvent) -> None:
        for window in list(self._dossier_windows.values()):
            window.close()
        if self._spare is not None:
            self._spare.deleteLater()
            self._spare = None
        self._poll.stop()
        super().closeEvent(event)


def _qt_order(descending: bool) -> Qt.SortOrder:
    return Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
