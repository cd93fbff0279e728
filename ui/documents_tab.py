"""The dossier's «Documents» tab: its files by folder, a preview (PDF pages, images), and
«Pièces à fournir» — what the bank will ask for, ticked as files come in.

Files are attached by dragging them from the file manager or an e-mail client (onto a
folder, or onto an item of the checklist: the file then answers it) or with «Joindre…»;
they are copied off the screen's thread, with a progress bar and «Annuler». QtPdf is
loaded the first time a PDF is previewed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QByteArray,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.errors import DomainError
from app.text import format_date
from models.enums import DocumentFolder
from ui.backup_ui import ProgressRun
from ui.common import ErrorLabel, confirm, plain, push_button
from ui.document_preview import DocumentPreview
from ui.operations import attempt, show_failure
from ui.workers import Background

if TYPE_CHECKING:  # the services import SQLAlchemy
    from app.documents.checklist import ItemState
    from app.documents.document_service import DocumentService
    from app.documents.dossier_documents import DocumentRow, DocumentsInfo
    from ui.dossier_window import DossierView


@dataclass(frozen=True)
class FolderNode:
    """What a folder's row of the tree holds (an enum member would come back as a str)."""

    folder: DocumentFolder


_ROLE = Qt.ItemDataRole.UserRole


def file_size(size: int) -> str:
    """«350 Ko», «1,2 Mo»."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} Ko"
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",")


def local_files(mime) -> list[Path]:
    """The local files a drag carries (a file manager's or an e-mail client's)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class _DropTree(QTreeWidget):
    """A tree that takes files dropped on it: `dropped(files, item under the cursor)`."""

    dropped = Signal(list, object)

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()) and self.isEnabled():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = local_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.dropped.emit(files, self.itemAt(event.position().toPoint()))


class DocumentsTab(QWidget):
    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self.setObjectName("documentsTab")
        self.view = view
        self.info: DocumentsInfo | None = None
        self._background: Background | None = None
        self._run: ProgressRun | None = None
        self._previewing: int | None = None  # the document the preview is for
        self._reading: set[int] = set()  # the documents whose bytes are being read
        layout = QHBoxLayout(self)
        splitter = QSplitter()
        layout.addWidget(splitter)
        splitter.addWidget(self._files_panel())
        self.preview = DocumentPreview()
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([700, 450])

    @property
    def service(self) -> DocumentService:
        return self.view.workspace.documents

    # --- layout ---

    def _files_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.add_button = push_button("addDocumentButton", "Joindre des fichiers…", self.choose)
        self.add_button.setToolTip(
            "Ou glissez des fichiers depuis l'explorateur ou un e-mail sur une rubrique, ou sur "
            "une pièce à fournir"
        )
        self.open_button = push_button("openDocumentButton", "Ouvrir", self.open_selected)
        self.rename_button = push_button("renameDocumentButton", "Renommer…", self.rename)
        self.move_button = QToolButton()
        self.move_button.setObjectName("moveDocumentButton")
        self.move_button.setText("Déplacer vers")
        self.move_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.move_menu = QMenu(self.move_button)
        for folder in DocumentFolder:
            action = self.move_menu.addAction(folder.label)
            action.setObjectName(f"moveTo_{folder.value}")
            action.triggered.connect(lambda _c=False, f=folder: self.move_selected(f))
        self.move_button.setMenu(self.move_menu)
        self.answers_button = QToolButton()
        self.answers_button.setObjectName("documentAnswersButton")
        self.answers_button.setText("Pièce fournie")
        self.answers_button.setToolTip("La pièce à fournir à laquelle ce fichier répond")
        self.answers_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.answers_menu = QMenu(self.answers_button)
        self.answers_button.setMenu(self.answers_menu)
        self.delete_button = push_button("deleteDocumentButton", "Supprimer…", self.delete)
        for widget in (
            self.add_button,
            self.open_button,
            self.rename_button,
            self.move_button,
            self.answers_button,
            self.delete_button,
        ):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.tree = _DropTree()
        self.tree.setObjectName("documentsTree")
        self.tree.setHeaderLabels(["Document", "Pièce à fournir", "Taille", "Ajouté le", "Par"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 190)  # the piece's name is elided; whole in its tooltip
        for column in (2, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(60)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._open_item(item))
        self.tree.dropped.connect(self._dropped_on_tree)
        layout.addWidget(self.tree, 3)
        self.error = ErrorLabel("documentsError")
        layout.addWidget(self.error)

        box = QGroupBox("Pièces à fournir")
        box_layout = QVBoxLayout(box)
        self.checklist_summary = plain(QLabel())
        self.checklist_summary.setObjectName("checklistSummary")
        box_layout.addWidget(self.checklist_summary)
        self.checklist = _DropTree()
        self.checklist.setObjectName("checklistView")
        self.checklist.setHeaderLabels(["Pièce", "État"])
        self.checklist.setRootIsDecorated(False)
        self.checklist.setUniformRowHeights(True)
        self.checklist.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.checklist.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.checklist.header().setStretchLastSection(False)
        self.checklist.itemChanged.connect(self._checklist_changed)
        self.checklist.dropped.connect(self._dropped_on_checklist)
        box_layout.addWidget(self.checklist)
        pdf_row = QHBoxLayout()
        pdf_row.addStretch(1)
        self.checklist_pdf_button = push_button(
            "checklistPdfButton", "Liste des pièces à fournir (PDF)", self.make_checklist_pdf
        )
        self.checklist_pdf_button.setToolTip(
            "Pour le client : ce qui manque encore, par emprunteur — enregistrée dans les "
            "documents du dossier et ouverte"
        )
        pdf_row.addWidget(self.checklist_pdf_button)
        box_layout.addLayout(pdf_row)
        layout.addWidget(box, 2)
        return panel

    # --- showing ---

    def reload(self) -> None:
        if self.view.dossier_id is None:
            return
        outcome = attempt(lambda: self.service.list(self.view.dossier_id))
        if outcome.value is not None:
            self.render(outcome.value)
        elif outcome.problem is not None:
            self.error.show_message(outcome.problem.message)

    def render(self, info: DocumentsInfo) -> None:
        selected = set(info.changed_ids) or {row.id for row in self.selected()}
        self.info = info
        self.tree.blockSignals(True)
        self.tree.clear()
        by_folder: dict[DocumentFolder, list[DocumentRow]] = {f: [] for f in DocumentFolder}
        for row in info.documents:
            by_folder[row.folder].append(row)
        first_selected = None
        for folder, rows in by_folder.items():
            node = QTreeWidgetItem([f"{folder.label} ({len(rows)})" if rows else folder.label])
            node.setData(0, _ROLE, FolderNode(folder))
            font = node.font(0)
            font.setBold(True)
            node.setFont(0, font)
            node.setFlags(node.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            self.tree.addTopLevelItem(node)
            node.setFirstColumnSpanned(True)
            for row in rows:
                item = QTreeWidgetItem(
                    [
                        row.title,
                        row.answers,
                        file_size(row.size_bytes),
                        format_date(row.added_at.date()),
                        row.added_by,
                    ]
                )
                item.setData(0, _ROLE, row)
                item.setToolTip(0, row.filename)
                item.setToolTip(1, row.answers)
                item.setTextAlignment(
                    2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                node.addChild(item)
                if row.id in selected:
                    item.setSelected(True)
                    first_selected = first_selected or item
            node.setExpanded(bool(rows))
        self.tree.blockSignals(False)
        if first_selected is not None:
            self.tree.scrollToItem(first_selected)
        self._render_checklist(info)
        self._selection_changed()
        self.add_button.setEnabled(not info.read_only)
        self.tree.setAcceptDrops(not info.read_only)
        self.checklist.setAcceptDrops(not info.read_only)
        self.checklist_pdf_button.setEnabled(not info.read_only and bool(info.missing))

    def _render_checklist(self, info: DocumentsInfo) -> None:
        self.checklist.blockSignals(True)
        self.checklist.clear()
        for state in info.checklist:
            item = QTreeWidgetItem([state.item.text, _state_text(state)])
            item.setData(0, _ROLE, state)
            flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
            if info.read_only or state.files:  # a file answers it: untick by moving the file
                flags &= ~Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags)
            item.setCheckState(
                0, Qt.CheckState.Checked if state.received else Qt.CheckState.Unchecked
            )
            if state.files:
                item.setToolTip(0, "Reçue avec : " + ", ".join(state.files))
            set_state = "ok" if state.received else "missing"
            item.setData(1, Qt.ItemDataRole.AccessibleTextRole, set_state)
            self.checklist.addTopLevelItem(item)
        self.checklist.blockSignals(False)
        missing = len(info.missing)
        total = len(info.checklist)
        if not total:
            text = "Aucune pièce demandée (la liste se règle dans Paramètres › Documents)."
        elif missing:
            received = total - missing
            said = {0: "Aucune pièce reçue", 1: "1 pièce reçue"}.get(
                received, f"{received} pièces reçues"
            )
            text = f"{said} sur {total} — il en manque {missing}."
        else:
            text = f"Les {total} pièces demandées sont reçues."
        self.checklist_summary.setText(text)
        self._fill_answers_menu(info)

    def _fill_answers_menu(self, info: DocumentsInfo) -> None:
        self.answers_menu.clear()
        none = self.answers_menu.addAction("Aucune")
        none.setObjectName("answersNone")
        none.triggered.connect(lambda _c=False: self.link_selected(None))
        self.answers_menu.addSeparator()
        for state in info.checklist:
            action = self.answers_menu.addAction(state.item.text)
            action.setObjectName(f"answers_{state.item.requirement_id}_{state.item.borrower_rank}")
            action.triggered.connect(lambda _c=False, key=state.item.key: self.link_selected(key))

    def selected(self) -> list[DocumentRow]:
        rows = []
        for item in self.tree.selectedItems():
            row = item.data(0, _ROLE)
            if not isinstance(row, FolderNode):
                rows.append(row)
        return rows

    def select_document(self, document_id: int) -> None:
        for index in range(self.tree.topLevelItemCount()):
            node = self.tree.topLevelItem(index)
            for child in range(node.childCount()):
                item = node.child(child)
                item.setSelected(item.data(0, _ROLE).id == document_id)

    def _selection_changed(self) -> None:
        rows = self.selected()
        editable = self.info is not None and not self.info.read_only
        self.open_button.setEnabled(len(rows) == 1)
        self.rename_button.setEnabled(editable and len(rows) == 1)
        self.move_button.setEnabled(editable and bool(rows))
        self.answers_button.setEnabled(editable and len(rows) == 1)
        self.delete_button.setEnabled(editable and bool(rows))
        if len(rows) == 1:
            self._preview(rows[0].id)
            return
        self._previewing = None  # a read still running is for nothing now
        self.preview.clear(
            f"{len(rows)} documents choisis."
            if rows
            else "Choisissez un document pour le voir ici."
        )

    def _preview(self, document_id: int) -> None:
        """Show one document in the preview. Its bytes are read in the background (from
        the disk, decrypted in an encrypted office, checked against their hash: a 50 MB
        scan held the window ≈ 1.5 s), then handed to Qt; another choice meanwhile wins."""
        self._previewing = document_id
        self.preview.clear("Aperçu en cours de chargement…")
        if document_id in self._reading:
            return  # chosen again while its bytes are being read: that read shows it
        self._reading.add(document_id)
        service = self.service

        def read() -> tuple[QByteArray | None, str]:
            content, filename = service.content(document_id)
            # Qt's copy made here: the Python one goes with this function, before Qt parses.
            return (None if content is None else QByteArray(content)), filename

        if self._background is None:
            self._background = Background()
        self._background.run(
            read,
            lambda result: self._preview_read(document_id, result),
            lambda error: self._preview_failed(document_id, error),
        )

    def _preview_read(self, document_id: int, result: tuple[QByteArray | None, str]) -> None:
        if not isValid(self):
            return
        self._reading.discard(document_id)
        if self._previewing == document_id:
            self.preview.show_content(*result)

    def _preview_failed(self, document_id: int, error: BaseException) -> None:
        if not isValid(self):
            return
        self._reading.discard(document_id)
        if self._previewing != document_id:
            return
        if not isinstance(error, DomainError):
            raise error
        self.preview.clear(error.message)

    def _folder_of(self, item: QTreeWidgetItem | None) -> DocumentFolder:
        """The folder a drop or «Joindre» goes to: the one under the cursor or selected."""
        if item is None:
            current = self.tree.currentItem()
            item = current
        if item is None:
            return DocumentFolder.SUPPORTING
        return item.data(0, _ROLE).folder  # a folder's row, or a document's

    # --- changing ---

    def choose(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self, "Joindre des fichiers au dossier", str(Path.home())
        )
        if names:
            self.attach([Path(name) for name in names], self._folder_of(None))

    def _dropped_on_tree(self, files: list[Path], item) -> None:
        self.attach(files, self._folder_of(item))

    def _dropped_on_checklist(self, files: list[Path], item) -> None:
        state = item.data(0, _ROLE) if item is not None else None
        if state is None:
            self.attach(files, DocumentFolder.SUPPORTING)
        else:
            self.attach(files, state.item.folder, state.item.key)

    def attach(
        self, files: list[Path], folder: DocumentFolder, answers: tuple[int, int] | None = None
    ) -> ProgressRun | None:
        """Copy the files in, off the screen's thread; the tab shows them when done."""
        detail = self.view.detail
        if detail is None or self.info is None or self.info.read_only:
            return None
        self.error.clear_message()
        if self._background is None:
            self._background = Background()
        count = len(files)
        run = ProgressRun(
            self, f"Ajout de {count} fichier{'s' if count > 1 else ''}…", self._background
        )
        service, dossier_id, version = self.service, detail.id, detail.version
        self._run = run
        run.start(
            lambda progress: service.attach(dossier_id, version, files, folder, answers, progress),
            self._saved,
            self._failed,
        )
        return run

    def _saved(self, info) -> None:
        self._run = None
        if not isValid(self):  # the window was closed meanwhile: the files are saved
            return
        self.render(info)
        self.view.documents_changed(info)

    def _failed(self, error: BaseException) -> None:
        self._run = None
        if not isValid(self):
            return
        show_failure(error, self.error, "Les fichiers n'ont pas pu être joints")
        self.reload()

    def _command(self, command) -> bool:
        """Run a change of the documents on the current version; show the result."""
        if self.info is None or self.view.detail is None:
            return False
        # The dossier's version as the window knows it (another tab may have saved since).
        info = replace(self.info, version=self.view.detail.version)
        outcome = attempt(lambda: command(self.service, info))
        if outcome.value is not None:
            self.error.clear_message()
            self.render(outcome.value)
            self.view.documents_changed(outcome.value)
            return True
        if outcome.problem is not None:
            self.error.show_message(outcome.problem.message)
            self.reload()
        return False

    def rename(self, title: str | None = None) -> bool:
        rows = self.selected()
        if len(rows) != 1:
            return False
        row = rows[0]
        if title is None:
            title, ok = QInputDialog.getText(
                self, "Renommer le document", "Titre :", text=row.title
            )
            if not ok:
                return False
        return self._command(lambda s, i: s.rename(i.dossier_id, i.version, row.id, title))

    def move_selected(self, folder: DocumentFolder) -> bool:
        ids = [row.id for row in self.selected()]
        return bool(ids) and self._command(
            lambda s, i: s.move(i.dossier_id, i.version, ids, folder)
        )

    def link_selected(self, key: tuple[int, int] | None) -> bool:
        rows = self.selected()
        if len(rows) != 1:
            return False
        document_id = rows[0].id
        return self._command(lambda s, i: s.link(i.dossier_id, i.version, document_id, key))

    def delete(self):
        rows = self.selected()
        if not rows:
            return None
        ids = [row.id for row in rows]
        names = "\n".join(f"• {row.title}" for row in rows[:10]) + (
            f"\n… et {len(rows) - 10} autre{'s' if len(rows) > 11 else ''}"
            if len(rows) > 10
            else ""
        )
        return confirm(
            self,
            "deleteDocumentsDialog",
            "Supprimer des documents",
            f"Supprimer {len(rows)} document{'s' if len(rows) > 1 else ''} de ce dossier ?",
            "Supprimer",
            lambda: self._delete(ids),
            names,
        )

    def _delete(self, ids: list[int]) -> bool:
        self._previewing = None
        self.preview.clear()  # the previewed file is closed before it goes
        return self._command(lambda s, i: s.delete(i.dossier_id, i.version, ids))

    def _checklist_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 0:
            return
        state: ItemState = item.data(0, _ROLE)
        ticked = item.checkState(0) == Qt.CheckState.Checked
        if ticked == state.received:
            return
        key = state.item.key
        # Saved once the item's own signal has returned: redrawing the list deletes it.
        QTimer.singleShot(0, self, lambda: self._tick(key, ticked))

    def _tick(self, key: tuple[int, int], ticked: bool) -> None:
        if not self._command(lambda s, i: s.tick(i.dossier_id, i.version, key, ticked)):
            self.reload()

    # --- opening ---

    def open_selected(self) -> None:
        rows = self.selected()
        if len(rows) == 1:
            self._open_document(rows[0].id)

    def _open_item(self, item: QTreeWidgetItem) -> None:
        row = item.data(0, _ROLE)
        if not isinstance(row, FolderNode):
            self._open_document(row.id)

    def _open_document(self, document_id: int) -> Path | None:
        outcome = attempt(lambda: self.service.copy_for_viewing(document_id))
        if outcome.value is None:
            if outcome.problem is not None:
                self.error.show_message(outcome.problem.message)
            return None
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(outcome.value)))
        return outcome.value

    # --- the checklist's PDF ---

    def make_checklist_pdf(self, open_it: bool = True) -> ProgressRun | None:
        detail = self.view.detail
        if detail is None or self.info is None:
            return None
        if self._background is None:
            self._background = Background()
        run = ProgressRun(self, "Liste des pièces à fournir…", self._background)
        service, dossier_id = self.service, detail.id
        target = self.view.workspace.exports_folder / (f"Pièces à fournir {detail.number}.pdf")
        self._run = run
        run.start(
            lambda progress: service.write_checklist(dossier_id, target, progress),
            lambda info: self._checklist_made(info, target, open_it),
            self._failed,
        )
        return run

    def _checklist_made(self, info, target: Path, open_it: bool) -> None:
        self._run = None
        if not isValid(self):
            return
        self.render(info)
        self.view.documents_changed(info)
        self.view.show_notice(
            "Liste des pièces à fournir enregistrée dans les documents du dossier."
        )
        if open_it:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))


def _state_text(state: ItemState) -> str:
    if not state.received:
        return "Manquante"
    assert state.received_on is not None
    said = f"Reçue le {format_date(state.received_on)}"
    if state.by_hand:
        return said + " (cochée)"
    count = len(state.files)
    return said + (f" ({count} fichiers)" if count > 1 else "")
