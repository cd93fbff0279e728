"""The screens of issue 11 «Laptops that work offline», clicked as a broker would: «Emporter
des dossiers» on the office's server, the banner of a dossier out on a laptop, «Rapporter»
from the laptop (its differences settled row by row) and a manager's «Forcer le retour»."""

from __future__ import annotations

import dataclasses
import os
from urllib.parse import urlsplit

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from app import connection
from app.paths import carry_paths, parse_location
from tests.carry_support import (  # noqa: F401  (the fixtures)
    broker,
    engine,
    laptops,
    own_dossiers,
    phone_on,
    server,
    set_phone,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("server")


@pytest.fixture
def windows(qtbot, qapp):
    """Main windows of the test (in Dossia's style), shut down after it."""
    from ui.common import style_sheet
    from ui.main_window import MainWindow

    qapp.setStyleSheet(style_sheet())  # as Dossia starts: the screenshots as users see them
    opened = []

    def open_window(workspace):
        window = MainWindow(workspace)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: not window.counts_pending)
        opened.append(window)
        return window

    yield open_window
    for window in opened:
        window.close()
        window.shut_down()
    qapp.setStyleSheet("")


def _shot(widget, name: str) -> None:
    """The screen as a PNG, for a person to look at (DOSSIA_SHOTS names the folder)."""
    folder = os.environ.get("DOSSIA_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        widget.grab().save(os.path.join(folder, f"{name}.png"))


def _click_cell(qtbot, view, row: int, column: int) -> None:
    index = view.model().index(row, column)
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center() + QPoint(8, 0))


def _remember_server_password(location) -> None:
    """The server's password as this computer's keyring keeps it (the laptop's file knows
    the server's address only)."""
    password = urlsplit(location.url).password
    assert connection.remember_password(parse_location(location.address), password) == ""


def test_a_broker_takes_his_dossiers_away_and_dossia_then_opens_them(
    qtbot, broker, windows, office_location
):
    from ui.carry.check_out import CarryOutDialog

    candidates = broker.carries.candidates()
    window = windows(broker)
    action = window.findChild(QAction, "carryOutAction")
    assert action.isVisible() and action.isEnabled()
    assert window.findChild(QAction, "carriesAction") is None  # a broker is no manager
    # A dossier selected in the Clients list is ticked already.
    ids = {candidate.id for candidate in candidates}
    row = next(row for row in range(window.model.rowCount()) if window.model.id_at(row) in ids)
    window.table.selectRow(row)
    selected = window.model.id_at(row)
    action.trigger()
    dialog = window.findChild(CarryOutDialog, "carryOutDialog")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == len(candidates))
    assert dialog.model.checked == [selected]
    assert "1 dossier coché" in dialog.count_label.text()
    # The filter, then «Tout cocher» ticks what it shows.
    dialog.findChild(QPushButton, "carryUncheckAllButton").click()
    qtbot.keyClicks(dialog.filter_edit, candidates[1].number)
    assert dialog.proxy.rowCount() == 1
    dialog.findChild(QPushButton, "carryCheckAllButton").click()
    dialog.filter_edit.clear()
    _click_cell(qtbot, dialog.table, 2, 1)  # a click on a row ticks it
    assert dialog.model.checked == sorted(
        [candidates[1].id, candidates[2].id], key=[c.id for c in candidates].index
    )
    _shot(dialog, "carry-out-form")
    # A wrong password: said under the password, nothing leaves.
    dialog.prefix_edit.setText("p7")
    qtbot.keyClicks(dialog.password_edit, "pas le bon")
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 0 and dialog.password_error.isVisible())
    assert dialog.password_error.text() == "Mot de passe incorrect."
    assert dialog.password_edit.property("invalid") is True
    assert not dialog.error.isVisible() and not dialog.prefix_error.isVisible()
    assert broker.carries.carries() == []
    _shot(dialog, "carry-out-wrong-password")

    dialog.password_edit.setText(PASSWORD)
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=20000)

    assert "2 dossiers emportés" in dialog.result_title.text()
    assert "P7" in dialog.result_title.text()
    assert dialog.findChild(QLabel, "carryOutResultList").text().splitlines() == [
        f"{candidate.number} — {candidate.holder_name}" for candidate in candidates[1:3]
    ]
    assert broker.carries.suggested_prefix() == "P7"  # proposed next time
    assert carry_paths(office_location).database.exists()
    assert "emporté par" in broker.dossiers.get(candidates[1].id).carried
    _shot(dialog, "carry-out-done")
    window.carry.refresh_out_action()
    assert not action.isEnabled() and "déjà emportés" in action.toolTip()
    qtbot.mouseClick(dialog.restart_button, Qt.MouseButton.LeftButton)
    assert window.restart_requested and window.reconnect_requested


def test_a_dossier_out_on_a_laptop_says_so_at_the_top_of_its_window(
    qtbot, broker, login_as, windows
):
    from ui.carry.carries import CarriesDialog

    candidates = broker.carries.candidates()
    out = broker.carries.check_out([candidates[0].id], PASSWORD, "P1")
    manager = login_as("pmoreau")
    window = windows(manager)
    dossier = window.open_dossier(candidates[0].id)
    qtbot.addWidget(dossier)
    qtbot.waitUntil(lambda: dossier.view.detail is not None)
    banner = dossier.findChild(QLabel, "carryBanner")
    assert banner.isVisible()
    assert banner.text().startswith("Ce dossier est emporté par")
    assert banner.text().endswith("il est en lecture seule jusqu'à son retour.")
    assert not dossier.findChild(QLabel, "readOnlyBanner").isVisible()
    _shot(dossier, "carry-dossier-banner")
    # The manager sees the check-out and forces it back, after reading the consequences.
    window.findChild(QAction, "carriesAction").trigger()
    dialog = window.findChild(CarriesDialog, "carriesDialog")
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 2).data() == "P1"
    assert dialog.model.index(0, 4).data() == "1"
    _shot(dialog, "carries-list")
    qtbot.mouseClick(dialog.force_button, Qt.MouseButton.LeftButton)
    box = dialog.findChild(QMessageBox, "forceBackDialog")
    assert "modifiables au bureau" in box.informativeText()
    assert "champ par champ" in box.informativeText()
    _shot(box, "carries-force-back")
    box.findChild(QPushButton, "confirmForceBackButton").click()
    assert dialog.model.rowCount() == 0
    assert dialog.empty_label.isVisible() and not dialog.force_button.isEnabled()
    assert manager.carries.carries() == []
    assert out.carry.id not in [carry.id for carry in broker.carries.carries()]
    assert broker.dossiers.get(candidates[0].id).carried == ""


def test_the_laptop_brings_its_work_back_and_dossia_opens_the_server_again(
    qtbot, broker, login_as, laptops, windows, office_location
):
    from ui.carry.bring_back import CarryReturnDialog

    ids = [candidate.id for candidate in broker.carries.candidates()[:2]]
    broker.carries.check_out(ids, PASSWORD, "P1")
    laptop = laptops(office_location)
    set_phone(laptop, ids[0], "06 12 34 56 78")
    _remember_server_password(office_location)
    window = windows(laptop)
    banner = window.findChild(QLabel, "offlineBanner")
    assert not window.findChild(QAction, "carryReturnAction").isVisible()
    window.after_start()  # read once the window is painted
    qtbot.waitUntil(banner.isVisible)
    assert window.findChild(QAction, "carryReturnAction").isVisible()
    assert banner.text().startswith("Hors du bureau — 2 dossiers emportés de 127.0.0.1:")
    assert window.findChild(QAction, "carryOutAction") is None
    _shot(window, "carry-laptop-window")

    window.findChild(QAction, "carryReturnAction").trigger()
    dialog = window.findChild(CarryReturnDialog, "carryReturnDialog")
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=20000)
    figures = {key: label.text() for key, label in dialog.figures.items()}
    assert figures == {
        "dossiers": "2",
        "changed": "1",
        "new": "0",
        "changes": "1",
        "conflicts": "0",
    }
    assert not dialog.conflicts_box.isVisible() and not dialog.forced_label.isVisible()
    assert dialog.return_button.isEnabled()
    _shot(dialog, "carry-return-plan")
    # Were one of them out on another laptop meanwhile: said, and no way to go on.
    plan = dialog.plan
    dialog.show_plan(dataclasses.replace(plan, blocked="Des dossiers ont été repris puis …"))
    assert dialog.blocked_label.isVisible() and not dialog.return_button.isEnabled()
    assert "Rien ne peut être rapporté" in dialog.blocked_label.text()
    qtbot.wait(20)  # laid out again
    _shot(dialog, "carry-return-blocked")
    dialog.show_plan(plan)
    assert not dialog.blocked_label.isVisible() and dialog.return_button.isEnabled()
    qtbot.mouseClick(dialog.return_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 3, timeout=20000)

    assert "2 dossiers rapportés" in dialog.result_text.text()
    assert phone_on(login_as("admin"), ids[0]) == "06 12 34 56 78"
    assert broker.carries.carries() == []
    assert not carry_paths(office_location).database.exists()
    _shot(dialog, "carry-return-done")
    qtbot.mouseClick(dialog.restart_button, Qt.MouseButton.LeftButton)
    assert window.restart_requested and window.reconnect_requested


def test_differences_are_settled_row_by_row_before_rapporter(
    qtbot, broker, login_as, laptops, windows, office_location, monkeypatch
):
    from ui.carry import bring_back
    from ui.carry.bring_back import CarryReturnDialog

    ids = [candidate.id for candidate in broker.carries.candidates()[:2]]
    out = broker.carries.check_out(ids, PASSWORD, "P1")
    laptop = laptops(office_location)
    set_phone(laptop, ids[0], "06 00 00 00 01", city="Portableville")
    set_phone(laptop, ids[1], "06 00 00 00 02")
    manager = login_as("pmoreau")
    manager.carries.force_back(out.carry.id)
    set_phone(manager, ids[0], "01 00 00 00 01")
    set_phone(manager, ids[1], "01 00 00 00 02")
    # No password remembered: the server asks for one, as at start-up (given up the first
    # time, typed the second).
    asked = []

    def type_password(location, opening):
        asked.append(opening.message)
        if len(asked) == 1:
            return None
        return location.with_password(urlsplit(office_location.url).password), opening

    monkeypatch.setattr(bring_back, "ask_server_password", type_password)
    window = windows(laptop)
    window.carry.start()
    qtbot.waitUntil(lambda: window.carry.laptop is not None)
    window.findChild(QAction, "carryReturnAction").trigger()
    dialog = window.findChild(CarryReturnDialog, "carryReturnDialog")
    qtbot.waitUntil(lambda: dialog.retry_button.isVisible(), timeout=20000)
    assert "demande son mot de passe" in dialog.connect_error.text()
    _shot(dialog, "carry-return-no-password")
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=20000)
    assert len(asked) == 2

    assert dialog.forced_label.isVisible()
    assert dialog.forced_label.text().startswith("Un responsable a repris ces dossiers")
    table = dialog.conflicts_table
    assert dialog.conflicts.rowCount() == 2
    assert {table.model().index(row, 2).data() for row in range(2)} == {
        "01 00 00 00 01",
        "01 00 00 00 02",
    }
    assert not dialog.return_button.isEnabled()
    _shot(dialog, "carry-return-conflicts")
    office_row = next(
        row for row in range(2) if table.model().index(row, 2).data() == "01 00 00 00 01"
    )
    _click_cell(qtbot, table, office_row, 2)  # keep the office's phone there
    assert not dialog.return_button.isEnabled()  # one row left
    assert dialog.chosen_label.text() == "1 choix fait sur 2"
    _click_cell(qtbot, table, 1 - office_row, 3)  # the laptop's here
    assert dialog.return_button.isEnabled()
    _click_cell(qtbot, table, office_row, 3)  # changed mind: the laptop's there too…
    _click_cell(qtbot, table, office_row, 2)  # …no, the office's
    _shot(dialog, "carry-return-conflicts-chosen")
    qtbot.mouseClick(dialog.all_laptop_button, Qt.MouseButton.LeftButton)
    assert table.model().index(office_row, 3).data(Qt.ItemDataRole.CheckStateRole) == (
        Qt.CheckState.Checked
    )
    _click_cell(qtbot, table, office_row, 2)
    # Meanwhile the office changes a field the laptop changed too: a new difference, the
    # plan read again, the choices made kept, «Rapporter» greyed until it is settled.
    set_phone(manager, ids[0], "01 00 00 00 01", city="Bureauville")
    qtbot.mouseClick(dialog.return_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.conflicts.rowCount() == 3, timeout=20000)
    assert dialog.pages.currentIndex() == 1
    assert "restent à trancher" in dialog.error.text()
    assert dialog.conflicts.chosen_count == 2 and not dialog.return_button.isEnabled()
    city_row = next(row for row in range(3) if table.model().index(row, 2).data() == "Bureauville")
    _click_cell(qtbot, table, city_row, 3)
    qtbot.mouseClick(dialog.return_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 3, timeout=20000)

    assert "3 différences tranchées" in dialog.result_text.text()
    assert phone_on(manager, ids[0]) == "01 00 00 00 01"
    assert phone_on(manager, ids[1]) == "06 00 00 00 02"
    assert manager.household.get(ids[0]).borrowers[0].city == "Portableville"
