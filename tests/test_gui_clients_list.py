"""The Clients list, driven through its widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QPushButton, QRadioButton, QTableView

from app.listing import ListColumn, ListQuery, ListTab
from models.enums import DossierStatus
from tests.conftest import TEMPLATE_DOSSIERS
from tests.helpers import list_shown, new_dossier, type_text


def visible_rows(window) -> list[list[str]]:
    model = window.model
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_tabs_show_each_status_with_counts(qtbot, main_window):
    tabs = main_window.tabs
    assert tabs.objectName() == "clientTabs"
    assert [tabs.tabText(i).split(" (")[0] for i in range(tabs.count())] == [
        "Prospects",
        "Clients",
        "Abandonnés",
        "Tous",
    ]
    total = int(tabs.tabText(3).split("(")[1].rstrip(")"))
    assert total == TEMPLATE_DOSSIERS
    for index, status in enumerate(
        (DossierStatus.PROSPECT, DossierStatus.CLIENT, DossierStatus.ABANDONED)
    ):
        tabs.setCurrentIndex(index)
        count = int(tabs.tabText(index).split("(")[1].rstrip(")"))
        assert main_window.model.rowCount() == count
        assert {main_window.model.row_at(r).status for r in range(count)} == {status}
    tabs.setCurrentIndex(3)
    assert main_window.model.rowCount() == TEMPLATE_DOSSIERS
    headers = [main_window.model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)]
    assert headers == [
        "N°",
        "Porteur de projet",
        "Courtier",
        "Provenance",
        "Étape",
        "Avancement",
        "Créé le",
        "Complet",
    ]


def test_search_as_you_type_ignores_accents_and_case(qtbot, main_window, workspace):
    detail = new_dossier(workspace)
    main_window.refresh()
    main_window.tabs.setCurrentIndex(3)
    search = main_window.findChild(QLineEdit, "searchField")
    qtbot.keyClicks(search, "QUENEH")
    list_shown(qtbot, main_window)
    rows = visible_rows(main_window)
    assert [r[0] for r in rows] == [detail.number]
    assert rows[0][1] == "QUÉNÉHERVÉ Éloïse"
    qtbot.waitUntil(lambda: not main_window.counts_pending)
    assert main_window.tabs.tabText(3) == "Tous (1)"
    assert main_window.count_label.text() == "1 dossier"
    search.clear()
    assert main_window.model.rowCount() == TEMPLATE_DOSSIERS + 1
    qtbot.keyClicks(search, "zzzzzz")
    list_shown(qtbot, main_window)
    assert main_window.model.rowCount() == 0
    qtbot.waitUntil(lambda: main_window.count_label.text() == "Aucun dossier")


def test_filter_by_broker(qtbot, main_window):
    main_window.tabs.setCurrentIndex(3)
    combo = main_window.findChild(QComboBox, "brokerFilter")
    assert combo.itemText(0) == "Tous les courtiers"
    combo.setCurrentIndex(combo.findText("Karim Benali"))
    owners = {row[2] for row in visible_rows(main_window)}
    assert owners == {"Karim Benali"}


def test_clicking_a_header_sorts_the_list(qtbot, main_window):
    main_window.tabs.setCurrentIndex(3)
    table = main_window.findChild(QTableView, "clientList")
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(ListColumn.NUMBER) + 10
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )
    first = [r[0] for r in visible_rows(main_window)]
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )
    second = [r[0] for r in visible_rows(main_window)]
    assert sorted(first) in (first, first[::-1])
    assert second == first[::-1]
    assert main_window.model.query.sort is ListColumn.NUMBER


def test_the_list_takes_its_full_length_and_keeps_only_the_pages_shown(qtbot, workspace):
    from ui.client_list import DossierTableModel

    for index in range(25):
        new_dossier(workspace, f"Page{index}")
    model = DossierTableModel(workspace)
    model.page_size = 20
    model.KEPT_PAGES = 2
    query = ListQuery(tab=ListTab.ALL, sort=ListColumn.OWNER)
    with qtbot.waitSignal(model.completed, timeout=5000):
        model.set_query(query)
        assert model.rowCount() == 20  # the first page at once, the rest in the background
        assert not model.complete
    assert model.complete and model.rowCount() == TEMPLATE_DOSSIERS + 25
    ids = [model.row_at(r).id for r in range(model.rowCount())]  # as a scroll to the end
    assert model.kept_rows <= 2 * 20  # what scrolled away is not kept
    # The same rows, in the same order, as reading the list page after page.
    assert ids == [r.id for r in workspace.list_page(query, 0, 1000)]
    assert (
        model.index(model.rowCount() - 1, 0).data() == workspace.list_page(query, 64, 1)[0].number
    )
    model.close()


def test_a_newer_query_wins_over_a_slower_one(qtbot, workspace):
    from ui.client_list import DossierTableModel

    for index in range(30):
        new_dossier(workspace, f"Zèbre{index}")
    model = DossierTableModel(workspace)
    model.page_size = 10
    model.set_query(ListQuery(tab=ListTab.ALL))  # its ids are being read…
    with qtbot.waitSignal(model.completed, timeout=5000):
        model.set_query(ListQuery(tab=ListTab.ALL, search="zèbre"))  # …when the user types
    qtbot.wait(50)  # the first query's answer, if any, arrives and is dropped
    assert model.rowCount() == 30
    assert all(model.row_at(r).holder.startswith("ZÈBRE") for r in range(30))
    model.close()


def test_new_dossier_dialog_creates_and_opens_the_dossier(qtbot, main_window):
    dialog = main_window.new_dossier()
    assert dialog.objectName() == "newDossierDialog"
    dialog.findChild(QRadioButton, "clientRadio").setChecked(True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "nom du porteur" in dialog.error.text()
    type_text(qtbot, dialog.findChild(QLineEdit, "lastNameEdit"), "d'Artagnan-Lefèvre")
    type_text(qtbot, dialog.findChild(QLineEdit, "firstNameEdit"), "Loïc")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "provenance" in dialog.error.text()
    provenance = dialog.findChild(QComboBox, "provenanceCombo")
    provenance.setCurrentIndex(provenance.findText("Notaire"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    detail = dialog.result_value
    assert detail.holder_name == "D'ARTAGNAN-LEFÈVRE Loïc"
    assert main_window.tabs.currentIndex() == 1  # Clients
    assert main_window.current_dossier_id() == detail.id
    window = main_window.dossier_windows.opened[detail.id]
    qtbot.addWidget(window)
    assert window.view.title.text() == f"Dossier {detail.number}"


def test_new_dossier_button_is_disabled_without_the_right(qtbot, login_as):
    from dataclasses import replace

    from ui.main_window import MainWindow

    workspace = login_as("slegrand")
    workspace.user = replace(workspace.user, rights=frozenset())
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    assert not window.findChild(QPushButton, "newDossierButton").isEnabled()
    qtbot.waitUntil(lambda: not window.counts_pending)


def test_a_profile_that_sees_all_but_edits_its_own_creates_only_its_own(qtbot, workspace):
    from PySide6.QtWidgets import QComboBox

    from app.office.office import NewUser
    from app.workspace import OfficeDatabase
    from models.enums import Right
    from ui.dialogs.new_dossier import NewDossierDialog

    rights = frozenset({Right.VIEW_ALL_DOSSIERS, Right.CREATE_DOSSIER})
    roles = workspace.roles.create_role("Lecture de tous", rights)
    role = next(r.id for r in roles if r.name == "Lecture de tous")
    workspace.users.create_user(NewUser("lecteur", "Léo", "Lecteur", "motdepasse-1"), role)
    office = OfficeDatabase(workspace.paths)
    reader = office.workspace_for(office.authenticate("lecteur", "motdepasse-1"))
    try:
        dialog = NewDossierDialog(None, reader)
        qtbot.addWidget(dialog)
        owners = dialog.findChild(QComboBox, "ownerCombo")
        assert [owners.itemData(i) for i in range(owners.count())] == [reader.user.id]
    finally:
        reader.close()


def _activate(qtbot, window) -> None:
    """`window` made the active one, as a click on it would. The offscreen platform may
    hand the activation to the window shown last a moment later, on a loaded machine:
    asked again until it holds."""
    from PySide6.QtWidgets import QApplication

    def active() -> bool:
        if QApplication.activeWindow() is not window:
            window.activateWindow()
            return False
        return True

    qtbot.waitUntil(active, timeout=15_000)


def test_the_keyboard_round_trip(qtbot, main_window, workspace):
    """Ctrl+F, Bas into the results, Entrée opens, Ctrl+Tab and Ctrl+Page suiv. between the
    tabs, Alt+A the Actions menu, Échap closes and the list has the same row selected;
    Aide › Raccourcis clavier lists them."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTableView

    from models.enums import DossierStatus
    from tests.helpers import new_dossier

    detail = new_dossier(workspace, last_name="Zorglub", status=DossierStatus.PROSPECT)
    main_window.refresh()
    _activate(qtbot, main_window)
    qtbot.keyClick(main_window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = main_window.search
    assert search.hasFocus()
    qtbot.keyClicks(search, "zorglub")
    qtbot.waitUntil(lambda: main_window.model.rowCount() == 1)
    qtbot.keyClick(search, Qt.Key.Key_Down)
    table = main_window.findChild(QTableView, "clientList")
    assert table.hasFocus() and main_window.current_dossier_id() == detail.id
    qtbot.keyClick(table, Qt.Key.Key_Return)
    window = main_window.dossier_windows.opened[detail.id]  # closed below (deleted on close)
    qtbot.waitUntil(lambda: window.view.tabs_complete)
    _activate(qtbot, window)
    tabs = window.view.tabs
    assert tabs.currentIndex() == 0
    qtbot.keyClick(window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == 1
    qtbot.keyClick(window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == 2
    qtbot.keyClick(window, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == 1
    assert window.view.actions.text() == "&Actions"  # Alt+A opens its menu
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: detail.id not in main_window.dossier_windows.opened)
    assert main_window.current_dossier_id() == detail.id
    assert main_window.focusWidget() is table
    box = main_window.show_shortcuts()
    assert "Ctrl+W ou Échap" in box.text() and "Alt+A" in box.text()
    box.reject()


def test_a_search_that_finds_nothing_says_so_with_a_way_out(qtbot, main_window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QPushButton

    rows = main_window.model.rowCount()
    assert rows > 0
    qtbot.keyClicks(main_window.search, "zzqx")
    qtbot.waitUntil(lambda: main_window.model.rowCount() == 0)
    label = main_window.findChild(QLabel, "emptySearchLabel")
    qtbot.waitUntil(label.isVisible)
    assert label.text() == "Aucun dossier ne correspond à « zzqx » parmi les prospects."
    qtbot.mouseClick(
        main_window.findChild(QPushButton, "clearSearchButton"), Qt.MouseButton.LeftButton
    )
    assert main_window.search.text() == ""
    qtbot.waitUntil(lambda: main_window.model.rowCount() == rows)
    assert not label.isVisible()


def test_search_spells_ligatures_out_as_a_french_keyboard_types_them(qtbot, main_window, workspace):
    """French keyboards have no «œ» nor «æ»: «loeuilliet» and «laetitia» find «LŒUILLIET
    Lætitia», and «lœuilliet» still does."""
    detail = new_dossier(workspace, "Lœuilliet", "Lætitia")
    main_window.refresh()
    main_window.tabs.setCurrentIndex(3)
    search = main_window.findChild(QLineEdit, "searchField")
    for typed in ("loeuilliet", "LOEUILLIET LAETITIA", "lœuilliet", "laet loe"):
        search.clear()
        type_text(qtbot, search, typed)
        list_shown(qtbot, main_window)
        rows = visible_rows(main_window)
        assert [r[0] for r in rows] == [detail.number], typed
        assert rows[0][1] == "LŒUILLIET Lætitia"


def test_an_older_office_finds_its_ligatures_after_the_upgrade(tmp_path):
    import sqlite3

    from alembic import command

    from app.storage.schema import alembic_config
    from app.text import fold

    path = tmp_path / "old.sqlite3"
    config = alembic_config(path)
    command.upgrade(config, "0022_self_billing")
    connection = sqlite3.connect(path)
    old = "2026-00001 1 lœuilliet lætitia"  # as the older fold kept it
    connection.execute(
        "INSERT INTO dossiers (id, number, status, owner_id, provenance_id, provenance_detail, "
        "step_id, is_complete, hide_contacts, no_fees, no_bank_commission, no_rebate, "
        "internal_note, created_on, abandon_detail, holder_name, holder_sort, search_text, "
        "version, updated_at) VALUES (1, '2026-00001', 'client', 1, 1, '', 1, 0, 0, 0, 0, 0, "
        "'', '2026-11-30', '', 'LŒUILLIET Lætitia', ?, ?, 1, '2026-11-30 10:00:00')",
        ("lœuilliet lætitia", old),
    )
    connection.commit()
    connection.close()
    command.upgrade(config, "head")
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT search_text, holder_sort FROM dossiers").fetchone() == (
        fold(old),
        "loeuilliet laetitia",
    )
    hits = connection.execute(
        "SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH 'loeuill* AND laeti*'"
    ).fetchall()
    assert hits == [(1,)]
    connection.close()


def _header_texts(window) -> list[str]:
    """The list's headers as the broker sees them: shown ones, in screen order."""
    header = window.table.horizontalHeader()
    logical = sorted(
        (header.visualIndex(c), c)
        for c in range(window.model.columnCount())
        if not header.isSectionHidden(c)
    )
    return [window.model.headerData(c, Qt.Orientation.Horizontal) for _, c in logical]


def test_all_says_each_status_and_abandoned_says_why_and_when(qtbot, main_window, workspace):
    """«Tous» has a «Statut» column; «Abandonnés» shows the reason and the date of abandon,
    sorts on them, and a sort on the date does not follow the broker back to «Tous»."""
    from models.enums import AbandonReason

    window = main_window
    window.tabs.setCurrentIndex(3)
    assert _header_texts(window)[:3] == ["N°", "Porteur de projet", "Statut"]
    shown = {window.model.row_at(r).status.label: r for r in range(window.model.rowCount())}
    assert set(shown) == {"Prospect", "Client", "Abandonné"}
    for label, row in shown.items():
        assert window.model.index(row, ListColumn.STATUS).data() == label
    assert "Motif d'abandon" not in _header_texts(window)

    window.tabs.setCurrentIndex(0)
    assert "Statut" not in _header_texts(window)

    detail = new_dossier(workspace, "Abandonné", "Test")
    workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.BANK_REFUSAL, "")
    window.refresh()
    window.tabs.setCurrentIndex(2)
    headers = _header_texts(window)
    assert headers[-3:] == ["Abandonné le", "Motif d'abandon", "Complet"]
    row = window.model.row_of(detail.id)
    values = {h: window.model.index(row, c).data() for c, h in enumerate(_all_headers(window))}
    assert values["Motif d'abandon"] == "Refus banque"
    assert values["Abandonné le"] == workspace.dossiers.get(detail.id).abandoned_on.strftime(
        "%d/%m/%Y"
    )
    date_column = _all_headers(window).index("Abandonné le")
    window.table.horizontalHeader().sectionClicked.emit(date_column)
    window.table.sortByColumn(date_column, Qt.SortOrder.DescendingOrder)
    dates = [window.model.row_at(r).abandoned_on for r in range(window.model.rowCount())]
    assert dates == sorted(dates, reverse=True) and None not in dates
    window.tabs.setCurrentIndex(3)
    header = window.table.horizontalHeader()
    assert header.sortIndicatorSection() == ListColumn.CREATED
    created = [window.model.row_at(r).created_on for r in range(window.model.rowCount())]
    assert created == sorted(created, reverse=True)


def _all_headers(window) -> list[str]:
    return [
        window.model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(window.model.columnCount())
    ]


def _arrow_points_down(window, column: int) -> bool:
    """Read the sort indicator's pixels: the rightmost group of inked columns of the
    section (the header's text stands apart, to its left); a «v» is wider at its top."""
    from PySide6.QtGui import QColor

    header = window.table.horizontalHeader()
    left = header.sectionViewportPosition(column)
    image = header.grab().toImage()

    def inked(x: int, y: int) -> bool:
        return QColor(image.pixel(x, y)).lightness() < 140

    columns = [
        x
        for x in range(left, left + header.sectionSize(column))
        if any(inked(x, y) for y in range(image.height()))
    ]
    assert columns, "nothing drawn in the section"
    arrow = [columns[-1]]
    for x in reversed(columns[:-1]):
        if arrow[-1] - x > 2:
            break
        arrow.append(x)
    spans = []
    for y in range(image.height()):
        xs = [x for x in arrow if inked(x, y)]
        if xs:
            spans.append(max(xs) - min(xs))
    assert len(spans) >= 3, "no sort indicator drawn"
    return spans[0] > spans[-1]


def test_the_sort_arrow_points_the_way_the_dates_go(qtbot, main_window):
    from PySide6.QtWidgets import QApplication

    from ui.common import style_sheet

    window = main_window
    window.resize(1366, 700)  # every column in view
    qtbot.waitUntil(lambda: window.table.viewport().width() > 1300)
    QApplication.instance().setStyleSheet(style_sheet())  # as Dossia starts
    try:
        assert window.model.query.descending  # newest first, as it opens
        assert _arrow_points_down(window, ListColumn.CREATED)
        window.table.sortByColumn(ListColumn.CREATED, Qt.SortOrder.AscendingOrder)
        first = window.model.row_at(0).created_on
        assert first <= window.model.row_at(window.model.rowCount() - 1).created_on
        assert not _arrow_points_down(window, ListColumn.CREATED)
    finally:
        QApplication.instance().setStyleSheet("")


def test_a_wide_screen_does_not_give_half_of_it_to_the_names(qtbot, main_window):
    window = main_window
    window.resize(1920, 1000)
    qtbot.waitUntil(lambda: window.table.viewport().width() > 1800)
    widths = {
        c: window.table.columnWidth(c) for c in ListColumn if not window.table.isColumnHidden(c)
    }
    assert widths[ListColumn.HOLDER] <= 360
    assert max(widths.values()) < window.table.viewport().width() / 4
    window.resize(1366, 740)
    window.tabs.setCurrentIndex(2)  # the most columns
    qtbot.waitUntil(lambda: window.table.viewport().width() < 1366)
    assert sum(widths.values()) and not window.table.horizontalScrollBar().isVisible()
    assert (
        sum(window.table.columnWidth(c) for c in ListColumn if not window.table.isColumnHidden(c))
        <= window.table.viewport().width()
    )


def test_a_broker_who_sees_only_his_dossiers_has_no_broker_filter(qtbot, login_as):
    from models.enums import Right
    from ui.main_window import MainWindow

    broker = login_as("slegrand")
    assert not broker.user.can(Right.VIEW_ALL_DOSSIERS)
    window = MainWindow(broker)
    qtbot.addWidget(window)
    window.show()
    assert window.findChild(QComboBox, "brokerFilter").isHidden()
    qtbot.waitUntil(lambda: not window.counts_pending)
    owners = {window.model.row_at(r).owner for r in range(window.model.rowCount())}
    assert owners == {broker.user.display_name}
    manager = login_as("pmoreau")
    other = MainWindow(manager)
    qtbot.addWidget(other)
    other.show()
    assert other.findChild(QComboBox, "brokerFilter").isVisible()
    qtbot.waitUntil(lambda: not other.counts_pending)
    window.shut_down()
    other.shut_down()


class _HeldReader:
    """The list's worker connection, its reads of one search held until the test lets them
    go (or, if `interruptible`, until a newer query interrupts them)."""

    def __init__(self, real, held: str, interruptible: bool) -> None:
        import threading

        self._real = real
        self._held = held
        self._interruptible = interruptible
        self.started = threading.Event()
        self.release = threading.Event()
        self.interrupted = False

    def fetch_page(self, query, offset, limit):
        from app.errors import Cancelled

        if query.search == self._held:
            self.started.set()
            self.release.wait(10)
            if self.interrupted and self._interruptible:
                raise Cancelled("interrompue")
        return self._real.fetch_page(query, offset, limit)

    def interrupt(self) -> None:
        self.interrupted = True
        if self._interruptible:
            self.release.set()
        self._real.interrupt()

    def __getattr__(self, name):
        return getattr(self._real, name)


@pytest.mark.parametrize("interruptible", [True, False])
def test_a_keystroke_while_a_query_runs_shows_only_the_latest_result(
    qtbot, main_window, workspace, monkeypatch, interruptible
):
    """The search is read off the GUI thread: while «z» is being read, the list keeps its
    rows and the next keystroke is taken at once; «z»'s answer is never shown — its read
    interrupted, or, if it ends anyway, dropped — and «zè» is."""
    zebras = {new_dossier(workspace, f"Zèbre{i}").id for i in range(3)}
    new_dossier(workspace, "Zorro")
    main_window.tabs.setCurrentIndex(3)
    model = main_window.model
    before = [model.id_at(r) for r in range(model.rowCount())]
    open_reader = workspace.open_reader
    readers: list[_HeldReader] = []

    def held_reader():
        readers.append(_HeldReader(open_reader(), "z", interruptible))
        return readers[-1]

    monkeypatch.setattr(workspace, "open_reader", held_reader)
    shown: list[str] = []
    model.queryChanged.connect(lambda: shown.append(model.shown_query.search))

    qtbot.keyClicks(main_window.search, "z")
    qtbot.waitUntil(lambda: bool(readers) and readers[0].started.is_set())
    assert model.pending and model.query.search == "z"
    assert [model.id_at(r) for r in range(model.rowCount())] == before  # rows kept meanwhile
    type_text(qtbot, main_window.search, "è")  # taken while «z» is still being read
    assert main_window.search.text() == "zè" and model.query.search == "zè"
    assert readers[0].interrupted
    if not interruptible:
        assert model.pending
        readers[0].release.set()  # «z»'s answer arrives now, after «zè» was asked
    list_shown(qtbot, main_window)
    assert shown == ["zè"]
    assert {model.id_at(r) for r in range(model.rowCount())} == zebras
    qtbot.waitUntil(lambda: not main_window.counts_pending)
    assert main_window.tabs.tabText(3) == "Tous (3)"


def test_down_while_the_search_is_read_goes_to_its_first_row(
    qtbot, main_window, workspace, monkeypatch
):
    """Bas pressed before the search's rows are in: the list takes the focus on the first
    of them once they arrive, not on a row of the previous list."""
    detail = new_dossier(workspace, "Zorglub")
    main_window.refresh()
    main_window.tabs.setCurrentIndex(3)  # «Tous»
    open_reader = workspace.open_reader
    readers: list[_HeldReader] = []

    def held_reader():
        readers.append(_HeldReader(open_reader(), "zorglub", interruptible=False))
        return readers[-1]

    monkeypatch.setattr(workspace, "open_reader", held_reader)
    main_window.search.setText("zorglub")
    qtbot.waitUntil(lambda: bool(readers) and readers[0].started.is_set())
    qtbot.keyClick(main_window.search, Qt.Key.Key_Down)
    assert main_window.current_dossier_id() is None  # nothing chosen among the old rows
    readers[0].release.set()
    list_shown(qtbot, main_window)
    assert main_window.current_dossier_id() == detail.id
    assert main_window.table.hasFocus() or not main_window.isActiveWindow()


def test_a_search_that_fails_in_the_background_says_so_and_leaves_the_rows(
    qtbot, main_window, workspace, monkeypatch
):
    """A read that fails (the disk, the file) is reported like any failure of the GUI
    thread, and the list stops waiting for it: its rows stay those of before."""
    from app.errors import DomainError

    class Failing:
        def __init__(self, real) -> None:
            self._real = real

        def fetch_page(self, query, offset, limit):
            raise DomainError("Lecture impossible.")

        def __getattr__(self, name):
            return getattr(self._real, name)

    open_reader = workspace.open_reader
    monkeypatch.setattr(workspace, "open_reader", lambda: Failing(open_reader()))
    before = main_window.model.rowCount()
    with qtbot.captureExceptions() as exceptions:
        main_window.search.setText("zorglub")
        qtbot.waitUntil(lambda: not main_window.model.pending)
    assert [type(e[1]) for e in exceptions] == [DomainError]
    assert main_window.model.rowCount() == before


def test_the_rest_of_the_list_and_the_counts_wait_for_the_first_page_painted(
    qtbot, main_window, workspace, monkeypatch
):
    """A new query's first page is painted before its other ids are read and the tabs
    counted: read meanwhile, their Python takes turns at the GIL with the paint's calls
    to data(), and the paint the user waits for took several times longer."""
    from PySide6.QtCore import QEvent, QObject

    for index in range(30):
        new_dossier(workspace, f"Peint{index}")
    main_window.refresh()
    main_window.tabs.setCurrentIndex(3)
    qtbot.waitUntil(lambda: not main_window.counts_pending and main_window.model.complete)
    model = main_window.model
    model.page_size = 10  # a first page of 10: the rest of the ids read in the background
    events: list[tuple[str, str]] = []  # (what, the search of the rows shown)

    class Paints(QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                events.append(("paint", model.shown_query.search))
            return False

    def log(what: str, function):
        def logged(*args):
            events.append((what, model.shown_query.search))
            return function(*args)

        return logged

    paints = Paints()
    main_window.table.viewport().installEventFilter(paints)
    monkeypatch.setattr(model, "_fetch_ids", log("ids", model._fetch_ids))
    monkeypatch.setattr(main_window._counts, "run", log("counts", main_window._counts.run))
    with qtbot.waitSignal(model.completed, timeout=5000):
        type_text(qtbot, main_window.search, "peint")  # 30 dossiers, a first page of 10
        qtbot.waitUntil(lambda: model.shown_query.search == "peint")
    qtbot.waitUntil(lambda: not main_window.counts_pending)
    main_window.table.viewport().removeEventFilter(paints)
    peint = [what for what, search in events if search == "peint"]
    assert peint[0] == "paint"
    assert peint.count("ids") == 1 and peint.count("counts") == 1
    assert model.rowCount() == 30
    assert main_window.tabs.tabText(3) == "Tous (30)"


def test_a_list_no_view_paints_still_takes_its_full_length(qtbot, workspace):
    from ui.client_list import DossierTableModel

    for index in range(15):
        new_dossier(workspace, f"Seul{index}")
    model = DossierTableModel(workspace)  # no view: nothing calls data()
    model.page_size = 10
    with qtbot.waitSignal(model.painted, timeout=5000):
        model.set_query(ListQuery(tab=ListTab.ALL))
    qtbot.waitUntil(lambda: model.complete, timeout=5000)
    assert model.rowCount() == TEMPLATE_DOSSIERS + 15
    model.close()


def test_the_first_paint_does_not_wait_for_the_tab_counts(qtbot, workspace, monkeypatch):
    """The tabs are counted once the list is on screen, not while the main window is built
    and painted for the first time (at 100,000 dossiers the counts read the whole list)."""
    from PySide6.QtCore import QEvent, QObject

    from ui import workers
    from ui.main_window import MainWindow

    events: list[str] = []
    run = workers.Background.run

    def recorded(self, work, *args, **kwargs):
        if getattr(work, "__name__", "") == "count":
            events.append("counts")
        return run(self, work, *args, **kwargs)

    monkeypatch.setattr(workers.Background, "run", recorded)

    class Paints(QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                events.append("paint")
            return False

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    paints = Paints()
    window.table.viewport().installEventFilter(paints)
    window.show()
    qtbot.waitUntil(lambda: "counts" in events and not window.counts_pending)
    window.table.viewport().removeEventFilter(paints)
    assert events.index("paint") < events.index("counts")
    assert window.tabs.tabText(3) == f"Tous ({TEMPLATE_DOSSIERS})"
    window.close()
    window.shut_down()


def test_the_main_window_reads_its_first_page_once(qtbot, workspace, monkeypatch):
    """Enabling the view's sorting and setting its indicator sort the model while the window
    is built: those only shape the query to come, the rows are read once (two reads of a
    first page were 5–10 ms of the first paint)."""
    from ui.main_window import MainWindow

    read: list[tuple[ListQuery, int]] = []
    real = type(workspace).list_page

    def counted(self, query, offset, limit):
        read.append((query, offset))
        return real(self, query, offset, limit)

    monkeypatch.setattr(type(workspace), "list_page", counted)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    assert read == [(ListQuery(tab=ListTab.PROSPECTS), 0)]
    assert window.model.query == ListQuery(tab=ListTab.PROSPECTS)  # newest first, as before
    header = window.table.horizontalHeader()
    assert header.sortIndicatorSection() == ListColumn.CREATED
    window.show()
    qtbot.waitUntil(lambda: not window.counts_pending)
    window.table.sortByColumn(ListColumn.NUMBER, Qt.SortOrder.AscendingOrder)  # a click
    assert read[-1] == (
        ListQuery(tab=ListTab.PROSPECTS, sort=ListColumn.NUMBER, descending=False),
        0,
    )
    window.close()
    window.shut_down()
