"""«Paramètres»: the pages the user's rights open, as tabs."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QTabWidget

from app.workspace import Workspace
from models.enums import Right
from ui.common import icon, scrolling
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


class SettingsWindow(QMainWindow):
    """Steps, referential, banks, numbering, company and audit (settings right); users and
    profiles (users right); personal data (its right). A page the user may not open is None."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.setObjectName("settingsWindow")
        self.setWindowTitle("Dossia — Paramètres")
        self.setWindowIcon(icon("dossia"))
        self.resize(1180, 700)
        tabs = QTabWidget()
        tabs.setObjectName("settingsTabs")
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
        self.tabs = tabs
        user = workspace.user
        if user.can(Right.MANAGE_SETTINGS):
            self.steps = StepsPage(workspace.settings)
            self.audit = audit = AuditPage(workspace.settings)
            self.referential = ReferentialPage(workspace.referential)
            tabs.addTab(self.steps, "Étapes du pipeline")
            tabs.addTab(self.referential, "Provenances et apporteurs")
            self.banks = BanksPage(workspace.referential)
            tabs.addTab(self.banks, "Banques")
            self.numbering = NumberingPage(workspace.settings)
            tabs.addTab(self.numbering, "Numérotation")
            self.backups = BackupsPage(workspace.settings)
            tabs.addTab(self.backups, "Sauvegardes")
            self.usury = UsuryPage(workspace.simulations)
            tabs.addTab(self.usury, "Simulations")
            self.documents = DocumentsPage(workspace.documents)
            tabs.addTab(self.documents, "Documents")
            self.company = CompanyPage(workspace.company)
            tabs.addTab(scrolling(self.company), "Société")
            tabs.addTab(audit, "Journal d'audit")
            tabs.currentChanged.connect(
                lambda index: audit.refresh() if tabs.widget(index) is audit else None
            )
        if user.can(Right.MANAGE_USERS):
            self.users = UsersPage(workspace.users)
            tabs.addTab(self.users, "Utilisateurs")
            self.roles = RolesPage(workspace.roles)
            tabs.addTab(self.roles, "Profils et droits")
        if user.can(Right.PERSONAL_DATA):
            kept = workspace.backups.retention().horizon
            self.privacy = PrivacyPage(workspace.privacy, kept)
            tabs.addTab(self.privacy, "Données personnelles")
        self.setCentralWidget(tabs)

    def show_privacy(self) -> None:
        """Open on «Données personnelles» (the purge proposal), with its list up to date."""
        if self.privacy is not None:
            self.privacy.refresh()
            self.tabs.setCurrentWidget(self.privacy)
