"""A dossier's window: header, «Actions» menu, and its tabs (the «Général» tab for now)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.changes import Change
from app.dossier.dossier_service import DossierService
from app.dossier.readmodels import DossierDetail
from app.errors import DomainError, NotFound
from app.text import format_date
from app.workspace import Workspace
from models.enums import DocumentFolder, DossierStatus, Right
from ui.common import RememberedGeometry, escape, icon, plain, rich, scrolling
from ui.dialogs.comment_dialog import CommentDialog
from ui.dossier_actions import DossierActions
from ui.general_tab import GeneralTab
from ui.operations import Outcome, attempt

Command = Callable[[DossierService, DossierDetail], DossierDetail]

if TYPE_CHECKING:
    from ui.borrowers_tab import BorrowersTab
    from ui.children_tab import ChildrenTab
    from ui.documents_tab import DocumentsTab
    from ui.invoices_tab import InvoicesTab
    from ui.pipeline_tab import PipelineTab
    from ui.simulations_tab import SimulationsTab
    from ui.situation_tabs import AssetsTab, CreditTab, ProjectTab


# The tabs after «Général»: (attribute, in a scroll area, title).
_LATER_TABS = (
    ("borrowers", True, "Emprunteurs"),
    ("children_tab", False, "Enfants"),
    ("project_tab", True, "Projet"),
    ("credit_tab", True, "Crédit"),
    ("assets_tab", True, "Patrimoine"),
    ("simulations_tab", True, "Simulations"),
    ("documents_tab", False, "Documents"),
    ("pipeline_tab", False, "Pipeline"),
    ("invoices_tab", False, "Facturation"),
)


_TAB_CLASSES_LOCK = threading.Lock()


def later_tab_classes() -> dict[str, type[QWidget]]:
    """The class of each tab after «Général». Their modules (≈ 60 ms of imports: the
    simulations' maths, the loan request, the invoices…) are imported when a window first
    builds them, after its «Général» is on screen, or before by the warm-up (ui.warm_up):
    a dossier opened right after start does not wait for them. One thread imports them;
    another asking meanwhile waits for it (never the same modules on two threads at once)."""
    with _TAB_CLASSES_LOCK:
        return _tab_classes()


@functools.cache
def _tab_classes() -> dict[str, type[QWidget]]:
    from ui.borrowers_tab import BorrowersTab
    from ui.children_tab import ChildrenTab
    from ui.documents_tab import DocumentsTab
    from ui.invoices_tab import InvoicesTab
    from ui.pipeline_tab import PipelineTab
    from ui.simulations_tab import SimulationsTab
    from ui.situation_tabs import AssetsTab, CreditTab, ProjectTab

    return {
        "borrowers": BorrowersTab,
        "children_tab": ChildrenTab,
        "project_tab": ProjectTab,
        "credit_tab": CreditTab,
        "assets_tab": AssetsTab,
        "simulations_tab": SimulationsTab,
        "documents_tab": DocumentsTab,
        "pipeline_tab": PipelineTab,
        "invoices_tab": InvoicesTab,
    }


class _EventHook(QObject):
    """An event filter calling `hook(watched, event)`."""

    def __init__(self, parent: QObject, hook) -> None:
        super().__init__(parent)
        self._hook = hook

    def eventFilter(self, watched, event) -> bool:
        return self._hook(watched, event)


class MessageBar(QFrame):
    """A dismissable message at the top of the dossier (errors and notices)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = plain(QLabel())  # refusals quote what was typed
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Masquer le message")
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.show()


class DossierView(QWidget):
    """Signals:
    changed(int, Change): the dossier was saved; what changed says what to refresh.
    deleted(int): the dossier was deleted.
    """

    # The office's «Facturation» window asked for, filtered on this dossier (its number).
    invoicing_requested = Signal(int, str)
    changed = Signal(int, object)
    deleted = Signal(int)

    def __init__(self, workspace: Workspace, complete: bool = True) -> None:
        super().__init__()
        self.setObjectName("dossierView")
        self.workspace = workspace
        self.dossier_id: int | None = None
        self.detail: DossierDetail | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(self._build_header())
        self.message_bar = MessageBar()
        layout.addWidget(self.message_bar)
        self.abandon_banner = QFrame()
        self.abandon_banner.setObjectName("abandonBanner")
        banner_layout = QHBoxLayout(self.abandon_banner)
        self.abandon_label = rich(QLabel())  # its own bold; the typed reason escaped
        self.abandon_label.setObjectName("abandonLabel")
        self.abandon_label.setWordWrap(True)
        banner_layout.addWidget(self.abandon_label)
        self.abandon_banner.hide()
        layout.addWidget(self.abandon_banner)
        self.read_only_banner = plain(QLabel())  # the owner's name, as typed
        self.read_only_banner.setObjectName("readOnlyBanner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.hide()
        layout.addWidget(self.read_only_banner)
        self.carry_banner = plain(QLabel())  # the broker's name, as typed
        self.carry_banner.setObjectName("carryBanner")
        self.carry_banner.setWordWrap(True)
        self.carry_banner.hide()
        layout.addWidget(self.carry_banner)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("dossierTabs")
        self.general = GeneralTab(self)
        self.tabs.addTab(scrolling(self.general), "Général")

        # The other tabs: built at once for a window prepared in advance, or right after the
        # window's first paint when the user opens one with none prepared (~60 ms less to
        # wait before seeing «Général»).
        self.borrowers: BorrowersTab | None = None
        self.children_tab: ChildrenTab | None = None
        self.project_tab: ProjectTab | None = None
        self.credit_tab: CreditTab | None = None
        self.assets_tab: AssetsTab | None = None
        self.simulations_tab: SimulationsTab | None = None
        self.documents_tab: DocumentsTab | None = None
        self.pipeline_tab: PipelineTab | None = None
        self.invoices_tab: InvoicesTab | None = None
        self._editable: bool | None = None  # as last rendered (None: nothing yet)
        self._pages: dict[str, QWidget] = {}
        for name, _scrolls, title in _LATER_TABS:
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.setContentsMargins(0, 0, 0, 0)
            self._pages[name] = page
            self.tabs.addTab(page, title)
        self._household = None
        self._situation = None
        self._after_paint = _EventHook(self, self._finish_after_paint)
        self.tabs.currentChanged.connect(lambda _index: self._tab_shown())
        if complete:
            self.finish_tabs()
        layout.addWidget(self.tabs, 1)

    def show_simulations(self) -> SimulationsTab:
        """Bring the «Simulations» tab forward (built if it was not yet)."""
        self.finish_tabs()
        self.tabs.setCurrentWidget(self._pages["simulations_tab"])
        assert self.simulations_tab is not None
        return self.simulations_tab

    def show_documents(self) -> DocumentsTab:
        """Bring the «Documents» tab forward (built and loaded if it was not yet)."""
        self.finish_tabs()
        self.tabs.setCurrentWidget(self._pages["documents_tab"])
        assert self.documents_tab is not None
        return self.documents_tab

    def show_pipeline(self) -> PipelineTab:
        """Bring the «Pipeline» tab forward (built and loaded if it was not yet)."""
        self.finish_tabs()
        self.tabs.setCurrentWidget(self._pages["pipeline_tab"])
        assert self.pipeline_tab is not None
        return self.pipeline_tab

    def _tab_shown(self) -> None:
        self.finish_tabs()
        # The documents and the sendings are read when their tab is shown, not at each
        # opening of the dossier.
        # Read again each time they are shown: the other tabs (a co-borrower added, the
        # project changed) change what the checklist asks, and the version.
        current = self.tabs.currentWidget()
        for name in ("documents_tab", "pipeline_tab", "invoices_tab"):
            tab = getattr(self, name)
            if current is self._pages[name] and tab is not None:
                tab.reload()

    def show_invoices(self) -> InvoicesTab:
        """Bring the «Facturation» tab forward (built and loaded if it was not yet)."""
        self.finish_tabs()
        self.tabs.setCurrentWidget(self._pages["invoices_tab"])
        assert self.invoices_tab is not None
        return self.invoices_tab

    @property
    def tabs_complete(self) -> bool:
        return self.invoices_tab is not None

    def build_next_tab(self) -> bool:
        """Build one more of the tabs not built yet, empty (a window prepared in advance,
        a tab per pass of the event loop: a click meanwhile waits for one tab, not nine);
        True while some remain. `finish_tabs` shows the dossier in them."""
        for name, scrolls, _title in _LATER_TABS:
            if getattr(self, name) is None:
                self._build_tab(name, scrolls)
                return not self.tabs_complete
        return False

    def _build_tab(self, name: str, scrolls: bool) -> None:
        tab = later_tab_classes()[name](self)
        page = self._pages[name]
        page.setUpdatesEnabled(False)
        page.layout().addWidget(scrolling(tab) if scrolls else tab)
        page.setUpdatesEnabled(True)
        setattr(self, name, tab)

    def finish_tabs(self) -> None:
        """Build the tabs not built yet, and show the dossier in them."""
        for name, scrolls, _title in _LATER_TABS:
            if getattr(self, name) is None:
                self._build_tab(name, scrolls)
        if self._household is not None:
            self.render_household(self._household)
        if self._situation is not None:
            self.render_situation(self._situation)
        if self.simulations_tab is not None and self.dossier_id is not None:
            self.simulations_tab.reload()

    def load(self, dossier_id: int) -> None:
        """Show a dossier (the widgets are built once, before: see MainWindow's spare)."""
        self.dossier_id = dossier_id
        self._editable = None
        self.reload()
        if not self.tabs_complete:
            self.installEventFilter(self._after_paint)

    def _finish_after_paint(self, watched, event) -> bool:
        """Once «Général» is on screen, build the other tabs."""
        if event.type() == QEvent.Type.Paint:
            self.removeEventFilter(self._after_paint)
            QTimer.singleShot(0, self, self._finish_if_shown)  # not after the window is gone
        return False

    def _finish_if_shown(self) -> None:
        """Not for a window closed meanwhile (opened and closed at once, as back to back):
        its deletion is pending, and building its tabs would only delay the next one."""
        if self.isVisible():
            self.finish_tabs()

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        titles = QVBoxLayout()
        title_row = QHBoxLayout()
        self.title = plain(QLabel())  # the number, the holder's name: as typed
        self.title.setObjectName("dossierTitle")
        title_row.addWidget(self.title)
        self.badge = plain(QLabel())
        self.badge.setObjectName("statusBadge")
        title_row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addStretch(1)
        titles.addLayout(title_row)
        self.subtitle = plain(QLabel())
        self.subtitle.setObjectName("dossierSubtitle")
        titles.addWidget(self.subtitle)
        header.addLayout(titles, 1)

        self.actions = DossierActions(self)
        header.addWidget(self.actions, 0, Qt.AlignmentFlag.AlignTop)
        return header

    # --- loading and showing ---

    def reload(self) -> None:
        try:
            detail = self.workspace.dossiers.get(self.dossier_id)
            household = self.workspace.household.get(self.dossier_id)
            situation = self.workspace.situation.get(self.dossier_id)
        except NotFound as error:
            self._gone(error.message)
            return
        self.render(detail)
        self.render_household(household)
        self.render_situation(situation)
        self.reload_comments()
        if self.simulations_tab is not None:
            self.simulations_tab.reload()
        for tab in (self.documents_tab, self.pipeline_tab):
            if tab is not None and tab.info is not None:
                tab.reload()

    def render_household(self, info) -> None:
        self._household = info
        if self.borrowers is not None and self.children_tab is not None:
            self.borrowers.render(info)
            self.children_tab.render(info)

    def render_situation(self, info) -> None:
        self._situation = info
        if self.tabs_complete:
            assert self.project_tab and self.credit_tab and self.assets_tab
            self.project_tab.render(info)
            self.credit_tab.render(info)
            self.assets_tab.render(info)

    def simulations_changed(self) -> None:
        """A simulation was saved: the «Général» tab lists them too."""
        outcome = attempt(lambda: self.workspace.dossiers.get(self.dossier_id))
        if outcome.value is not None:
            self.accept_detail(outcome.value)

    def documents_changed(self, info) -> None:
        """The «Documents» tab saved: the dossier's version moved on."""
        if self.detail is not None and info.dossier_id == self.detail.id:
            self.detail = replace(self.detail, version=info.version)
            self.message_bar.hide()
            self.changed.emit(self.dossier_id, info.changes)

    def pipeline_changed(self, info) -> None:
        """The «Pipeline» tab saved: the dossier's version moved on."""
        self.documents_changed(info)

    def keep_document(
        self,
        path: Path,
        title: str,
        folder: DocumentFolder = DocumentFolder.REQUESTS,
        replaces: str | None = None,
    ) -> bool:
        """Keep a file Dossia made (the synthesis, a loan request, an invoice) in the
        dossier's documents; `replaces`: the title of an earlier copy Dossia made, which
        goes (an invoice printed again)."""
        if self.dossier_id is None:
            return False
        outcome = attempt(
            lambda: self.workspace.documents.keep(self.dossier_id, path, title, folder, replaces)
        )
        if outcome.value is None:
            if outcome.problem is not None:
                self.show_error(outcome.problem)
            return False
        if self.documents_tab is not None and self.documents_tab.info is not None:
            self.documents_tab.render(outcome.value)
        self.documents_changed(outcome.value)
        return True

    def reload_comments(self) -> None:
        if self.dossier_id is not None:
            self.general.render_comments(self.workspace.comments.list(self.dossier_id))

    def execute_household(self, command) -> DomainError | None:
        """Run a command of the Emprunteurs / Enfants tabs on the current version.

        Returns the refusal (for the tab to show next to its field), or None once saved; a
        concurrent change reloads the dossier, is said in the message bar and comes back as
        the ConflictError (the input stays where it was typed, to be saved again).
        """
        return self._execute_data(self.workspace.household, command, self.render_household)

    def execute_situation(self, command) -> DomainError | None:
        """The same for the Projet / Crédit / Patrimoine tabs."""
        return self._execute_data(self.workspace.situation, command, self.render_situation)

    def _execute_data(self, service, command, render) -> DomainError | None:
        outcome = self.run(service, command)
        if outcome.problem is not None:
            return outcome.problem  # a conflict was reloaded already: the caller keeps the input
        info = outcome.value
        if info is None or self.detail is None:
            return None
        self.message_bar.hide()
        render(info)
        if Change.SUMMARY in info.changes:  # names, family: the summary shows them
            self.render(self.workspace.dossiers.get(self.dossier_id))
        else:
            self.detail = replace(self.detail, version=info.version)
        if Change.COMMENTS in info.changes:  # automatic comments follow the data
            self.reload_comments()
        self.changed.emit(self.dossier_id, info.changes)
        return None

    def open_comment(self, tab, comment=None):
        dialog = CommentDialog(self, self.workspace.comments, self.dossier_id, tab, comment)
        dialog.accepted.connect(self.reload_comments)
        dialog.open()
        return dialog

    def render(self, detail: DossierDetail) -> None:
        self.detail = detail
        self.setWindowTitle(f"Dossier {detail.number} — {detail.holder_name}")
        self.title.setText(f"Dossier {detail.number}")
        self.subtitle.setText(detail.holder_name)
        self.badge.setText(detail.status.label)
        self.badge.setProperty("status", detail.status.value)
        self.badge.style().unpolish(self.badge)
        self.badge.style().polish(self.badge)
        abandoned = detail.status is DossierStatus.ABANDONED
        self.abandon_banner.setVisible(abandoned)
        if abandoned:
            self.abandon_label.setText(
                f"<b>Dossier abandonné le {format_date(detail.abandoned_on)}</b> — motif : "
                f"{escape(detail.abandon_label)}. Il est en lecture seule ; « Reprendre » "
                "dans le menu Actions le réactive."
            )
        rights = detail.rights
        # Taken away on a laptop (issue 11): read-only for everyone, whatever the profile.
        self.carry_banner.setVisible(bool(detail.carried))
        if detail.carried:
            self.carry_banner.setText(
                f"{detail.carried} : il est en lecture seule jusqu'à son retour."
            )
        self.read_only_banner.setVisible(not rights.edit and not detail.carried)
        if not rights.edit and not detail.carried:
            self.read_only_banner.setText(
                f"Dossier de {detail.owner.label} : vous pouvez le consulter, pas le modifier "
                f"(votre profil n'a pas « {Right.EDIT_ALL_DOSSIERS.label} »)."
            )
        self.actions.follow(detail)
        self.general.render(detail)
        editable = rights.edit and not abandoned
        if self._editable is not None and editable != self._editable:
            # Abandoned, resumed, or the rights changed: every tab follows at once (each
            # reads whether it may edit with its data), after this command's own render.
            QTimer.singleShot(0, self._follow_state)
        self._editable = editable

    def _follow_state(self) -> None:
        if self.dossier_id is None or self.detail is None:
            return
        self.reload()
        if self.invoices_tab is not None and self.invoices_tab.info is not None:
            self.invoices_tab.reload()

    def refresh_from_elsewhere(self, version: int | None) -> None:
        """Something was saved elsewhere (another computer, another Dossia on these data)
        and this dossier is now at `version` (None: gone, or no longer visible): show it as
        it is — unless the user has input here not saved yet (a field being typed, a value
        refused, a co-emprunteur being added, a dialog open on the dossier). Then nothing is
        reloaded under it: the change is said, and the version check guards the input when
        it is saved (a conflict is reloaded and said then; nothing typed is lost)."""
        if self.detail is None or self.dossier_id is None or version == self.detail.version:
            return
        if self._holds_input():
            self.show_notice(
                "Ce dossier vient d'être modifié ailleurs (un autre poste, une autre session "
                "de Dossia). Votre saisie en cours sera vérifiée à l'enregistrement : si elle "
                "touche ce qui a changé, Dossia vous le dira."
            )
            return
        self.reload()  # a dossier gone says so (its controls disabled)
        if self.detail is None:
            return
        if self.invoices_tab is not None and self.invoices_tab.info is not None:
            self.invoices_tab.reload()
        self.show_notice(
            "Ce dossier vient d'être modifié ailleurs (un autre poste, une autre session de "
            "Dossia) : il est à jour."
        )

    def _holds_input(self) -> bool:
        """Whether this window shows input not saved yet, which a reload would overwrite:
        a field being typed (not left yet), the note being written, a refused value kept
        to be corrected, a record being added, or a dialog open on the dossier (it saves
        on the version it read)."""
        if QApplication.activeModalWidget() is not None or self._dialog_open():
            return True
        from ui.forms import AutoSaveForm  # with the tabs that hold forms

        if any(form.holds_input() for form in self.findChildren(AutoSaveForm)):
            return True
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            return False
        if isinstance(focus, QLineEdit):
            return focus.isModified()
        if isinstance(focus, QTextEdit | QPlainTextEdit):
            return focus.document().isModified()
        return isinstance(focus, QAbstractSpinBox)  # its text is not told apart: be safe

    def _dialog_open(self) -> bool:
        """A visible window of its own (a dialog) opened from this dossier's window."""
        window = self.window()
        for widget in QApplication.topLevelWidgets():
            if widget is window or not widget.isVisible():
                continue
            parent = widget.parentWidget()
            while parent is not None:
                if parent is window:
                    return True
                parent = parent.parentWidget()
        return False

    def show_error(self, error: DomainError) -> None:
        self.message_bar.show_message(error.message)

    def show_notice(self, text: str) -> None:
        self.message_bar.show_message(text, kind="info")

    def _gone(self, message: str) -> None:
        self.detail = None
        self.message_bar.show_message(message)
        self.tabs.setEnabled(False)
        self.actions.setEnabled(False)

    # --- running commands ---

    def run(self, service, command) -> Outcome:
        """Run `command(service, current detail)` with the operation helper.

        A concurrent change reloads the dossier and says so; a vanished dossier disables the
        screen's controls. The caller shows a refusal (`outcome.refusal`) where it belongs.
        """
        if self.detail is None:
            return Outcome()
        outcome = attempt(lambda: command(service, self.detail))
        if outcome.conflict is not None:
            self.reload()
            self.show_error(outcome.conflict)
        elif outcome.gone is not None:
            self._gone(outcome.gone.message)
        return outcome

    def execute(
        self, command: Command, on_refusal: Callable[[DomainError], None] | None = None
    ) -> DossierDetail | None:
        """Run a command of the dossier on its current version; show the result, or the
        refusal (in the message bar unless `on_refusal` shows it next to its field)."""
        outcome = self.run(self.workspace.dossiers, command)
        if outcome.refusal is not None:
            (on_refusal or self.show_error)(outcome.refusal)
            if self.detail is not None:
                self.render(self.detail)  # put widgets back to the saved values
            return None
        if outcome.value is None:
            return None
        self.message_bar.hide()
        self.accept_detail(outcome.value)
        return outcome.value

    def accept_detail(self, detail: DossierDetail) -> None:
        """A dialog or a command saved: show the new state and tell the list what changed."""
        self.render(detail)
        if Change.STATUS in detail.changes:  # abandoned or resumed: read-only or not, emptied
            for tab in (self.documents_tab, self.pipeline_tab):
                if tab is not None and tab.info is not None:
                    tab.reload()
        if self.pipeline_tab is not None and self.pipeline_tab.info is not None:
            self.pipeline_tab.render_history()
        self.changed.emit(detail.id, detail.changes)

    def flush(self) -> None:
        """Save what is being typed (called on close)."""
        self.general.note.flush()

    def open_dialog(self, dialog):
        """A dialog on the dossier (what was typed in the note saved first): its result
        shown, a concurrent change reloaded under it."""
        self.general.note.flush()
        dialog.accepted.connect(lambda: self.accept_detail(dialog.result_value))
        dialog.conflicted.connect(lambda: self._reload_for(dialog))
        dialog.open()
        return dialog

    def _reload_for(self, dialog) -> None:
        """A dialog met a concurrent change: reload, and let it submit on the new version."""
        self.reload()
        if self.detail is not None:
            dialog._detail = self.detail

    def forget(self, dossier_id: int | None) -> None:
        """The dossier was deleted (or its last person erased with it): the window goes."""
        self.detail = None
        self.deleted.emit(dossier_id)


class DossierWindow(QMainWindow):
    """Signals:
    changed(int, Change): the dossier was saved (or deleted: Change.STATUS).
    closed(int): the window was closed.
    invoicing_requested(int, str): the office's «Facturation» asked for, on this dossier.
    """

    changed = Signal(int, object)
    closed = Signal(int)
    invoicing_requested = Signal(int, str)

    def __init__(
        self, workspace: Workspace, dossier_id: int | None = None, complete: bool = True
    ) -> None:
        """`complete` False: the tabs other than «Général» are built right after the first
        paint (a window opened with none prepared in advance)."""
        super().__init__()
        self.setObjectName("dossierWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowIcon(icon("dossia"))
        self._geometry = RememberedGeometry(self, workspace, "dossier", (1240, 720))
        self.dossier_id = dossier_id
        self.view = DossierView(workspace, complete)
        self.setCentralWidget(self.view)
        self.view.windowTitleChanged.connect(self.setWindowTitle)
        ctrl, shift = Qt.Modifier.CTRL, Qt.Modifier.SHIFT
        for keys, slot in (
            ((QKeySequence.StandardKey.Close, QKeySequence(Qt.Key.Key_Escape)), self.close),
            (
                (QKeySequence(ctrl | Qt.Key.Key_Tab), QKeySequence(ctrl | Qt.Key.Key_PageDown)),
                lambda: self._next_tab(1),
            ),
            (
                (
                    QKeySequence(ctrl | shift | Qt.Key.Key_Backtab),
                    QKeySequence(ctrl | Qt.Key.Key_PageUp),
                ),
                lambda: self._next_tab(-1),
            ),
        ):
            for key in keys:
                QShortcut(QKeySequence(key), self).activated.connect(slot)
        if dossier_id is not None:
            self.load(dossier_id)

    def _next_tab(self, step: int) -> None:
        tabs = self.view.tabs
        count = tabs.count()
        index = tabs.currentIndex()
        for _ in range(count):  # over the hidden or disabled tabs
            index = (index + step) % count
            if tabs.isTabEnabled(index) and tabs.isTabVisible(index):
                tabs.setCurrentIndex(index)
                return

    def load(self, dossier_id: int) -> None:
        self.dossier_id = dossier_id
        self.view.load(dossier_id)
        self.view.changed.connect(self.changed)
        self.view.deleted.connect(self._deleted)
        self.view.invoicing_requested.connect(self.invoicing_requested)

    def _deleted(self, dossier_id: int) -> None:
        self.changed.emit(dossier_id, Change.STATUS)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.view.flush()
        self.closed.emit(self.dossier_id)
        super().closeEvent(event)
