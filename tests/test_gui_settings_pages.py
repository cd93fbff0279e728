"""«Paramètres» as a broker sees it: a side bar of pages, forms of a readable width, lists
whose last column does not swallow the table, empty lists that say what to do, and the audit
log with people's names (issue 10, point 9)."""

from __future__ import annotations

import pytest

from app.office.office import NewUser
from app.paths import DataPaths
from app.startup import create_office
from app.workspace import OfficeDatabase
from models.enums import AuditAction
from tests.helpers import new_dossier

SCREEN = (1366, 768)
FIELD_CAP = 520  # the widest a form field may grow


def open_settings(qtbot, main_window, size=SCREEN):
    window = main_window.open_settings()
    qtbot.addWidget(window)
    window.resize(*size)
    qtbot.waitExposed(window)
    return window


def show(qtbot, window, page) -> None:
    """Choose `page` in the side bar, as a click would, and let it lay itself out."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QListWidget

    sidebar = window.findChild(QListWidget, "settingsPages")
    if sidebar is None:  # the tabs of old: the other checks still tell what is wrong
        tabs = window.tabs
        tabs.setCurrentIndex(
            next(i for i in range(tabs.count()) if tabs.widget(i).isAncestorOf(page))
            if tabs.indexOf(page) < 0
            else tabs.indexOf(page)
        )
        QApplication.processEvents()
        return
    row = next(
        r
        for r in range(sidebar.count())
        if sidebar.item(r).text() == window.tabs.tabText(window.tabs.indexOf(page))
    )
    rect = sidebar.visualItemRect(sidebar.item(row))
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.tabs.currentWidget() is page
    QApplication.processEvents()


@pytest.fixture
def empty_office(tmp_path):
    """A new office, as the first start creates it: its administrator, no bank yet."""
    paths = DataPaths(tmp_path / "new" / "dossia.sqlite3")
    paths.database.parent.mkdir()
    create_office(paths, NewUser("cmartin", "Claire", "Martin", "motdepasse-long-1"))
    office = OfficeDatabase(paths)
    workspace = office.workspace_for(office.authenticate("cmartin", "motdepasse-long-1"))
    yield workspace
    workspace.close()


def test_the_side_bar_chooses_the_page(qtbot, main_window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QListWidget, QTabWidget

    window = open_settings(qtbot, main_window)
    sidebar = window.findChild(QListWidget, "settingsPages")
    assert sidebar is not None and sidebar.isVisible()
    tabs = window.findChild(QTabWidget, "settingsTabs")  # the pages, their tab bar hidden
    assert tabs is window.tabs and not tabs.tabBar().isVisible()
    texts = [sidebar.item(r).text() for r in range(sidebar.count())]
    assert texts[0] == "CABINET" and "ÉQUIPE" in texts and "DONNÉES" in texts
    assert {"Société", "Banques", "Journal d'audit", "Utilisateurs"} <= set(texts)
    assert sidebar.width() < 300  # a side bar, not half the window

    show(qtbot, window, window.banks)
    assert sidebar.currentItem().text() == "Banques"
    assert window.findChild(QLabel, "settingsPageTitle").text() == "Banques"
    heading = sidebar.item(texts.index("DONNÉES"))
    qtbot.mouseClick(
        sidebar.viewport(), Qt.MouseButton.LeftButton, pos=sidebar.visualItemRect(heading).center()
    )
    assert window.tabs.currentWidget() is window.banks  # a group's heading is no page
    qtbot.keyClick(sidebar, Qt.Key.Key_Down)
    assert window.tabs.currentWidget() is window.documents

    assert window.show_page("privacyPage") and window.tabs.currentWidget() is window.privacy
    assert sidebar.currentItem().text() == "Données personnelles"
    window.tabs.setCurrentWidget(window.audit)  # code choosing a page: the side bar follows
    assert sidebar.currentItem().text() == "Journal d'audit"
    assert not window.show_page("nowherePage")


def test_the_default_size_fits_a_small_laptop(qtbot, main_window):
    from ui.settings import SettingsWindow

    window = SettingsWindow(main_window.workspace)
    qtbot.addWidget(window)
    assert window.width() <= 1280 and window.height() <= 720


def test_an_empty_banks_page_says_what_to_do(qtbot, empty_office):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton

    from ui.settings import SettingsWindow

    window = SettingsWindow(empty_office)
    qtbot.addWidget(window)
    window.resize(*SCREEN)
    window.show()
    qtbot.waitExposed(window)
    page = window.banks
    window.tabs.setCurrentWidget(page)
    QApplication.processEvents()
    hint = page.findChild(QLabel, "banksEmpty")
    assert page.model.rowCount() == 0
    assert hint is not None and hint.isVisible()
    assert "Aucune banque enregistrée" in hint.text() and "Ajouter" in hint.text()
    assert hint.geometry().intersects(page.table.viewport().rect())  # over the empty list

    qtbot.mouseClick(page.findChild(QPushButton, "addBankButton"), Qt.MouseButton.LeftButton)
    dialog = page.findChild(QDialog, "bankDialog")
    dialog.findChild(QLineEdit, "bankNameEdit").setText("Crédit Mutuel")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert page.model.rowCount() == 1
    assert not hint.isVisible()


def test_the_audit_log_names_people(qtbot, main_window, workspace):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QComboBox

    users = {u.login: u for u in workspace.users.users()}
    detail = new_dossier(workspace, owner_id=users["pmoreau"].id)
    workspace.dossiers.change_owner(detail.id, detail.version, users["slegrand"].id)
    workspace.users.reset_password(users["kbenali"].id, "un-nouveau-mot-de-passe")
    me, pmoreau, slegrand, kbenali = (
        users[login].display_name for login in ("admin", "pmoreau", "slegrand", "kbenali")
    )

    window = open_settings(qtbot, main_window)
    show(qtbot, window, window.audit)
    page = window.audit
    model = page.model
    rows = {
        model.index(r, 2).data(): r for r in range(model.rowCount())
    }  # the newest row of each action
    owner = rows[AuditAction.OWNER_CHANGED.label]
    assert model.index(owner, 1).data() == me
    assert model.index(owner, 1).data(Qt.ItemDataRole.ToolTipRole) == "Identifiant : admin"
    assert model.index(owner, 4).data() == f"{pmoreau} → {slegrand}"
    assert model.index(owner, 4).data(Qt.ItemDataRole.ToolTipRole) == "pmoreau → slegrand"
    reset = rows[AuditAction.PASSWORD_RESET.label]
    assert model.index(reset, 4).data() == kbenali
    assert "kbenali" in model.index(reset, 4).data(Qt.ItemDataRole.ToolTipRole)
    shown = {model.index(r, c).data() for r in range(model.rowCount()) for c in (1, 4)}
    assert not {"admin", "pmoreau", "slegrand", "kbenali"} & shown

    combo = page.findChild(QComboBox, "auditUserCombo")
    admin = combo.findData("admin")
    assert combo.itemText(admin) == me  # the filter by name, the login behind it
    combo.setCurrentIndex(admin)
    assert model.rowCount() and all(model.index(r, 1).data() == me for r in range(model.rowCount()))


def test_the_audit_service_keeps_unknown_logins_as_they_are(workspace):
    from app.audit import People, named_details

    known = People({1: "Sophie Legrand"}, {"slegrand": "Sophie Legrand"})
    assert known.name(1, "autre") == "Sophie Legrand"
    assert known.name(None, "slegrand") == "Sophie Legrand"
    assert known.name(None, "mo… (11 caractères, inconnu)") == "mo… (11 caractères, inconnu)"
    assert named_details(AuditAction.OWNER_CHANGED, "? → slegrand", known) == "? → Sophie Legrand"
    assert named_details(AuditAction.USER_CHANGED, "slegrand désactivé", known) == (
        "Sophie Legrand désactivé"
    )
    assert named_details(AuditAction.USER_CREATED, "nouveau (Courtier)", known) == (
        "nouveau (Courtier)"
    )
    assert named_details(AuditAction.SETTINGS_CHANGED, "slegrand", known) == "slegrand"
    lines = workspace.settings.audit_lines()
    assert [line.id for line in lines] == [e.id for e in workspace.settings.audit_events()]


@pytest.mark.parametrize("size", [SCREEN, (1920, 1080)])
def test_form_fields_keep_a_readable_width(qtbot, main_window, size):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QSpinBox

    window = open_settings(qtbot, main_window, size)
    for page in (window.company, window.numbering, window.backups):
        show(qtbot, window, page)
        fields = [
            w
            for kind in (QLineEdit, QComboBox, QSpinBox)
            for w in page.findChildren(kind)
            if w.isVisible() and not isinstance(w.parent(), QComboBox | QSpinBox)
        ]
        assert fields
        for field in fields:
            assert field.width() <= FIELD_CAP, (page.objectName(), field.objectName())
        # labels right-aligned in one column: every field of a page starts at the same x
        starts = {field.mapTo(page, QPoint(0, 0)).x() for field in fields}
        assert len(starts) == 1, (page.objectName(), starts)
        labels = [label for label in page.findChildren(QLabel) if label.buddy() in fields]
        assert len(labels) == len(fields)
        ends = {label.mapTo(page, QPoint(label.width(), 0)).x() for label in labels}
        assert len(ends) == 1, (page.objectName(), ends)  # their column's right edge
        assert all(  # the text against it
            label.alignment() & Qt.AlignmentFlag.AlignRight
            or label.width() <= label.sizeHint().width()
            for label in labels
        )


def test_list_columns_fit_their_content(qtbot, main_window, workspace):
    from PySide6.QtWidgets import QTableView

    users = {u.login: u for u in workspace.users.users()}
    detail = new_dossier(workspace)  # the log has a few events
    workspace.dossiers.change_owner(detail.id, detail.version, users["slegrand"].id)
    window = open_settings(qtbot, main_window)
    pages = (
        window.steps,
        window.referential,
        window.banks,
        window.documents,
        window.usury,
        window.users,
        window.roles,
        window.privacy,
        window.audit,
    )
    for page in pages:
        show(qtbot, window, page)
        for table in page.findChildren(QTableView):
            header = table.horizontalHeader()
            last = header.count() - 1
            width = table.viewport().width()
            assert header.sectionSize(last) <= width / 2, (table.objectName(), width)
            assert all(header.sectionSize(c) >= 40 for c in range(header.count()))


def test_the_backups_page_lists_the_backups_and_makes_one_now(qtbot, main_window):
    """Paramètres › Sauvegardes: the backups there are (date, kind, dossiers, size), a
    backup made from the page itself, and the folder they are in."""
    from PySide6.QtWidgets import QLabel, QPushButton, QTableView

    window = open_settings(qtbot, main_window)
    page = window.backups
    show(qtbot, window, page)
    table = page.findChild(QTableView, "backupsTable")
    before = table.model().rowCount()
    hint = page.findChild(QLabel, "backupsEmpty")
    assert hint.isVisible() == (before == 0)
    page.findChild(QPushButton, "settingsBackupNowButton").click()
    qtbot.waitUntil(lambda: table.model().rowCount() == before + 1, timeout=20_000)
    assert not hint.isVisible()
    first = [table.model().index(0, c).data() for c in range(4)]
    assert first[1] == "Sauvegarde manuelle" and first[2].replace("\u202f", "").isdigit()
    assert first[3].endswith(("ko", "Mo"))
    assert "Sauvegarde" in page.findChild(QLabel, "retentionSavedLabel").text()
