"""«Paramètres»: the pages the user's rights open, listed by group in a side bar."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.workspace import Workspace
from models.enums import Right
from ui.common import icon
from ui.settings.audit import AuditPage
from ui.settings.backups import BackupsPage
from ui.settings.banks import BanksPage
from ui.settings.company import CompanyPage
from ui.settings.documents import DocumentsPage
from ui.settings.numbering import NumberingPage
from ui.settings.privacy import PrivacyPage
from ui.settings.referential import ReferentialPage
from ui.settings.roles import RolesPage
from ui.settings.steps import StepsPage
from ui.settings.users import UsersPage
from ui.settings.usury import UsuryPage

DEFAULT_SIZE = (1180, 700)  # fits a 1366×768 screen, task bar and title bar included

_STYLE = """
QListWidget#settingsPages {
    background: #ffffff; border: 1px solid #dde3ea; border-radius: 8px; padding: 6px 0;
    outline: none;
}
QListWidget#settingsPages::item { padding: 6px 14px; border: none; color: #1d2733; }
QListWidget#settingsPages::item:disabled { color: #5b6878; padding: 12px 14px 3px 14px; }
QListWidget#settingsPages::item:selected {
    background: #d7e4f7; color: #1f3a63; border-left: 3px solid #1f5fbf;
}
QListWidget#settingsPages::item:hover:!selected:!disabled { background: #eef3f9; }
QLabel#settingsPageTitle { font-size: 14pt; font-weight: 700; color: #1f3a63; }
QScrollArea > QWidget > QWidget#companyForm, QScrollArea > QWidget > QWidget#rightsList {
    background: transparent;
}
QLabel[role="sectionTitle"] { font-weight: 600; color: #1f3a63; }
"""


class SettingsWindow(QMainWindow):
    """Steps, referential, banks, numbering, company and audit (settings right); users and
    profiles (users right); personal data (its right). A page the user may not open is None.

    The pages are the tabs of `tabs` (`settingsTabs`, its tab bar hidden), chosen in the side
    bar `pages_list` (`settingsPages`), grouped: «Cabinet», «Équipe», «Données»."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.setObjectName("settingsWindow")
        self.setWindowTitle("Dossia — Paramètres")
        self.setWindowIcon(icon("dossia"))
        self.steps: StepsPage | None = None
        self.referential: ReferentialPage | None = None
        self.banks: BanksPage | None = None
        self.numbering: NumberingPage | None = None
        self.backups: BackupsPage | None = None
        self.company: CompanyPage | None = None
        self.audit: AuditPage | None = None
        self.users: UsersPage | None = None
        self.roles: RolesPage | None = None
        self.privacy: PrivacyPage | None = None
        self.usury: UsuryPage | None = None
        self.documents: DocumentsPage | None = None
        self.tabs = tabs = QTabWidget()
        tabs.setObjectName("settingsTabs")
        tabs.setDocumentMode(True)
        tabs.tabBar().hide()  # the side bar chooses the page
        self.pages_list = QListWidget()
        self.pages_list.setObjectName("settingsPages")
        self.pages_list.setAccessibleName("Pages des paramètres")
        self.pages_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.pages_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.title = QLabel()
        self.title.setObjectName("settingsPageTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)

        user = workspace.user
        groups: list[tuple[str, list[tuple[QWidget, str]]]] = []
        if user.can(Right.MANAGE_SETTINGS):
            self.company = CompanyPage(workspace.company)
            self.numbering = NumberingPage(workspace.settings)
            self.steps = StepsPage(workspace.settings)
            self.referential = ReferentialPage(workspace.referential)
            self.banks = BanksPage(workspace.referential)
            self.documents = DocumentsPage(workspace.documents)
            self.usury = UsuryPage(workspace.simulations)
            self.backups = BackupsPage(workspace.settings, workspace.backups)
            self.audit = AuditPage(workspace.settings)
            groups.append(
                (
                    "Cabinet",
                    [
                        (self.company, "Société"),
                        (self.numbering, "Numérotation"),
                        (self.steps, "Étapes du pipeline"),
                        (self.referential, "Provenances et apporteurs"),
                        (self.banks, "Banques"),
                        (self.documents, "Documents"),
                        (self.usury, "Simulations"),
                    ],
                )
            )
        if user.can(Right.MANAGE_USERS):
            self.users = UsersPage(workspace.users)
            self.roles = RolesPage(workspace.roles)
            groups.append(
                ("Équipe", [(self.users, "Utilisateurs"), (self.roles, "Profils et droits")])
            )
        data: list[tuple[QWidget, str]] = []
        if self.backups is not None:
            data.append((self.backups, "Sauvegardes"))
        if user.can(Right.PERSONAL_DATA):
            kept = workspace.backups.retention().horizon
            self.privacy = PrivacyPage(workspace.privacy, kept)
            data.append((self.privacy, "Données personnelles"))
        if self.audit is not None:
            data.append((self.audit, "Journal d'audit"))
        if data:
            groups.append(("Données", data))
        for group, pages in groups:
            self._add_group(group)
            for page, text in pages:
                self._add_page(page, text)

        self.pages_list.currentRowChanged.connect(self._on_row)
        tabs.currentChanged.connect(self._on_tab)
        self._fit_sidebar()
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(16)
        layout.addWidget(self.pages_list)
        right = QVBoxLayout()
        right.setSpacing(8)
        right.addWidget(self.title)
        right.addWidget(tabs, 1)
        layout.addLayout(right, 1)
        self.setCentralWidget(central)
        self.setStyleSheet(_STYLE)
        self._on_tab(tabs.currentIndex())
        self._fit_screen()

    # --- the side bar ---

    def _add_group(self, text: str) -> None:
        item = QListWidgetItem(text.upper())
        item.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading: neither chosen nor focused
        font = QFont(self.pages_list.font())
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
        item.setFont(font)
        self.pages_list.addItem(item)

    def _add_page(self, page: QWidget, text: str) -> None:
        index = self.tabs.addTab(page, text)
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, index)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
        self.pages_list.addItem(item)

    def _fit_sidebar(self) -> None:
        metrics = self.pages_list.fontMetrics()
        widest = max(
            (
                metrics.horizontalAdvance(self.pages_list.item(r).text())
                for r in range(self.pages_list.count())
            ),
            default=0,
        )
        self.pages_list.setFixedWidth(max(widest + 56, 180))

    def _row_of(self, index: int) -> int:
        for row in range(self.pages_list.count()):
            if self.pages_list.item(row).data(Qt.ItemDataRole.UserRole) == index:
                return row
        return -1

    def _on_row(self, row: int) -> None:
        item = self.pages_list.item(row)
        index = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(index, int):
            self.tabs.setCurrentIndex(index)

    def _on_tab(self, index: int) -> None:
        """A page chosen (in the side bar, or by code through `tabs`): the side bar and the
        title follow; «Journal d'audit» is read again."""
        row = self._row_of(index)
        if row >= 0 and self.pages_list.currentRow() != row:
            self.pages_list.setCurrentRow(row)
        self.title.setText(self.tabs.tabText(index) if index >= 0 else "")
        if self.audit is not None and self.tabs.widget(index) is self.audit:
            self.audit.refresh()

    def _fit_screen(self) -> None:
        width, height = DEFAULT_SIZE
        screen = self.screen()
        if screen is not None:  # a small screen (or a large scale factor): 90 % of it
            available = screen.availableGeometry()
            width = min(width, int(available.width() * 0.9))
            height = min(height, int(available.height() * 0.9))
        self.resize(width, height)

    # --- opening on a page ---

    def page_names(self) -> list[str]:
        """The pages' titles, in the side bar's order."""
        return [self.tabs.tabText(index) for index in range(self.tabs.count())]

    def show_page(self, page: QWidget | str) -> bool:
        """Open on `page`: the page itself, its objectName («privacyPage») or its title
        («Données personnelles»). False if the user may not open it."""
        for index in range(self.tabs.count()):
            widget = self.tabs.widget(index)
            names = (widget.objectName() if widget else "", self.tabs.tabText(index))
            if page is widget or (isinstance(page, str) and page in names):
                self.tabs.setCurrentIndex(index)
                return True
        return False

    def show_privacy(self) -> None:
        """Open on «Données personnelles» (the purge proposal), with its list up to date."""
        if self.privacy is not None:
            self.privacy.refresh()
            self.show_page(self.privacy)
