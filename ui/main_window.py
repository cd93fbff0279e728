"""The main window: the Clients list (tabs, search, broker filter, «Nouveau dossier»)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTabBar,
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
from ui.columns import read_only_table
from ui.common import RememberedGeometry, icon, message_box, plain, primary
from ui.dossier_windows import DossierWindows
from ui.encryption_ui import EncryptionController
from ui.list_columns import ListColumns
from ui.main_menus import about_box, build_menus, shortcuts_box
from ui.office_upkeep import OfficeUpkeep
from ui.warm_up import WarmUp
from ui.workers import Background

_TABS = (ListTab.PROSPECTS, ListTab.CLIENTS, ListTab.ABANDONED, ListTab.ALL)
# How often the window looks whether another connection committed (`data_version`); for an
# office on a server, which tells at once (LISTEN/NOTIFY), only as a fallback.
POLL_MS = 2000
POLL_FALLBACK_MS = 30_000
LIST_FAILED_SHOWN_MS = 30_000  # the list not read (an office server away): said this long


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


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
        self.dossier_windows = DossierWindows(self)
        self._settings_window: QWidget | None = None
        self._shut = False  # shut_down() ran: the database is closed
        self._released = False  # release_database() ran: no database until a restart
        self._invoicing = None  # the «Facturation» window, once opened
        self._export_c1 = None  # the «Exporter C1» dialog, while open
        self._counts_pool = QThreadPool(self)
        self._counts_pool.setMaxThreadCount(1)  # one reader connection, used serially
        self._counts = Background(self._counts_pool)
        self._counts_reader = None
        self._counts_generation = 0
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
        # The start checks, the purge reminder, the day's check and automatic backup.
        self.upkeep = OfficeUpkeep(self)
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
        build_menus(self)
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

        self.table = read_only_table("clientList", self.model)
        self.table.setAccessibleName("Liste des dossiers")
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setSortIndicator(ListColumn.CREATED, _qt_order(True))
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        self.table.setItemDelegateForColumn(ListColumn.PROGRESS, ProgressDelegate(self.table))
        # Their order, widths, the tab's and the optional ones (the header's context menu).
        self.columns = ListColumns(self.table, self.workspace.machine, _TABS[0])
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

    def show_shortcuts(self) -> QMessageBox:
        return shortcuts_box(self)

    def about(self) -> QMessageBox:
        return about_box(self, self.workspace.about())

    def focus_search(self) -> None:
        """Fichier › Rechercher (Ctrl+F): into the search field, its text selected."""
        self.search.setFocus()
        self.search.selectAll()

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
        self.upkeep.office_busy()
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
        self.columns.show_tab(tab)
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

    def dossier_changed(self, dossier_id: int, changes: Change) -> None:
        """A dossier window saved: refresh only what its command changed."""
        self.upkeep.office_busy()
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
                self.dossier_windows.refresh_from_elsewhere()
            self._seen_version = version

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
        self.dossier_windows.prepare_spare()
        self.upkeep.start()
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

    def open_purge(self):
        window = self.open_settings()
        window.show_privacy()
        self.upkeep.remove_purge_reminder()
        return window

    # --- giving the database back (restore) ---

    def release_database(self) -> None:
        """Close every connection of this window before the file is replaced."""
        self._poll.stop()
        self.dossier_windows.close_all()
        self.warm_up.stop()  # first: the start checks and the carry's reading wait for it
        self._counts.wait(5000)
        self.carry.wait()
        self.upkeep.stop(5000)
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
        self.carry.wait()
        self.upkeep.stop(30000)
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
            self.columns.fit()
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
        self.upkeep.office_busy()
        return self.dossier_windows.open(dossier_id)

    @property
    def spare_ready(self) -> bool:
        """A dossier window is prepared in full: opening one only fills it."""
        return self.dossier_windows.spare_ready

    def back_to_list(self, dossier_id: int) -> None:
        """A dossier window closed (Ctrl+W, Échap): back to the list, on its row."""
        if self._shut or not self.isVisible():  # the office is closing: nothing to show
            return
        if (row := self.model.row_of(dossier_id)) >= 0:
            self.table.selectRow(row)
            self.table.setFocus()
        self.activateWindow()
        self.raise_()

    def new_dossier(self):
        self.dossier_windows.wait_for_warm_up(self.warm_up.wait_ready)
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

    # --- closing ---

    def closeEvent(self, event: QCloseEvent) -> None:
        self.dossier_windows.close_all()
        self._poll.stop()
        super().closeEvent(event)


def _qt_order(descending: bool) -> Qt.SortOrder:
    return Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
