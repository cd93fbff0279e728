"""The «Documents» tab driven through its widgets: files dropped from a file manager (onto a
folder, onto a piece to provide), the preview, rename, move, delete, ticking by hand, the
list for the client, a read-only dossier; and «Paramètres › Documents»."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QColor, QDropEvent, QImage
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
)

from models.enums import AbandonReason, DocumentFolder, RequirementRule
from tests.helpers import new_dossier
from tests.test_gui_dossier import click, find


def _pdf(path: Path, text: str = "Bulletin de salaire") -> Path:
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    canvas.drawString(100, 750, text)
    canvas.save()
    return path


def _png(path: Path) -> Path:
    image = QImage(300, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("#1f5f8b"))
    image.save(str(path))
    return path


def drop(qtbot, tree: QTreeWidget, files: list[Path], item=None) -> None:
    """Files dropped from a file manager onto `item` of the tree (or its empty space)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    if item is None:
        point = QPointF(5, tree.viewport().height() - 5)
    else:
        tree.scrollToItem(item)
        point = QPointF(tree.visualItemRect(item).center())
    event = QDropEvent(
        point,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tree.dropEvent(event)


def _folder_item(tab, folder: DocumentFolder):
    tree = tab.tree
    return next(
        tree.topLevelItem(i)
        for i in range(tree.topLevelItemCount())
        if tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole).folder is folder
    )


def _wait_saved(qtbot, tab, count: int) -> None:
    qtbot.waitUntil(lambda: tab.info is not None and len(tab.info.documents) == count)


def test_files_dropped_on_a_folder_are_attached_previewed_and_renamed(
    qtbot, workspace, open_dossier, tmp_path
):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    assert tab.objectName() == "documentsTab" and tab.info is not None  # read when shown
    payslip = _pdf(tmp_path / "bulletin-10.pdf")
    photo = _png(tmp_path / "cni.png")
    drop(qtbot, tab.tree, [payslip, photo], _folder_item(tab, DocumentFolder.OFFERS))
    _wait_saved(qtbot, tab, 2)
    assert {d.folder for d in tab.info.documents} == {DocumentFolder.OFFERS}
    offers = _folder_item(tab, DocumentFolder.OFFERS)
    assert offers.text(0) == "Offres de prêt (2)" and offers.childCount() == 2
    # Both are selected after the drop; one chosen, it is previewed.
    tab.tree.clearSelection()
    offers.child(0).setSelected(True)
    assert tab.preview.message.text() == "Aperçu en cours de chargement…"  # read aside
    qtbot.waitUntil(lambda: tab.preview.shown == "pdf")
    assert tab.preview.pdf_document.pageCount() == 1
    tab.tree.clearSelection()
    offers.child(1).setSelected(True)
    qtbot.waitUntil(lambda: tab.preview.shown == "image")
    assert not find(tab, QLabel, "documentImage").pixmap().isNull()
    # Renamed, moved; the dossier's version follows (a field edit after it is saved).
    assert tab.rename("Carte d'identité de Paul")
    assert [d.title for d in workspace.documents.list(detail.id).documents] == [
        "bulletin-10",
        "Carte d'identité de Paul",
    ]
    find(tab, QAction, "moveTo_supporting").trigger()
    assert _folder_item(tab, DocumentFolder.SUPPORTING).childCount() == 1
    assert window.view.detail.version == workspace.dossiers.get(detail.id).version


def test_a_file_dropped_on_a_piece_answers_it(qtbot, workspace, open_dossier, tmp_path):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    checklist = find(tab, QTreeWidget, "checklistView")
    first = checklist.topLevelItem(0)
    assert first.text(0) == "Pièce d'identité en cours de validité — QUÉNÉHERVÉ Éloïse"
    assert first.checkState(0) == Qt.CheckState.Unchecked and first.text(1) == "Manquante"
    summary = find(tab, QLabel, "checklistSummary").text()
    assert summary.startswith("Aucune pièce reçue sur ")
    drop(qtbot, checklist, [_pdf(tmp_path / "cni.pdf")], first)
    _wait_saved(qtbot, tab, 1)
    first = checklist.topLevelItem(0)
    assert first.checkState(0) == Qt.CheckState.Checked
    assert first.text(1).startswith("Reçue le ")
    assert not first.flags() & Qt.ItemFlag.ItemIsEnabled  # a file answers it
    row = tab.tree.topLevelItem(0).child(0)
    assert row.text(1) == "Pièce d'identité en cours de validité — QUÉNÉHERVÉ Éloïse"
    # Ticked by hand (seen on paper): saved at once; unticked again.
    second = checklist.topLevelItem(1)
    second.setCheckState(0, Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: checklist.topLevelItem(1).text(1).endswith("(cochée)"))
    state = workspace.documents.list(detail.id).checklist[1]
    assert state.received and state.by_hand
    checklist.topLevelItem(1).setCheckState(0, Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: checklist.topLevelItem(1).text(1) == "Manquante")
    assert not workspace.documents.list(detail.id).checklist[1].received


def test_a_program_is_refused_next_to_the_list(qtbot, workspace, open_dossier, tmp_path):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    program = tmp_path / "facture.pdf"
    program.write_bytes(b"MZ\x90\x00 a Windows program")
    drop(qtbot, tab.tree, [program])
    error = find(tab, QLabel, "documentsError")
    qtbot.waitUntil(lambda: error.isVisible())
    assert "contient un programme" in error.text()
    assert workspace.documents.list(detail.id).documents == ()


def test_delete_asks_first(qtbot, workspace, open_dossier, tmp_path):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    drop(qtbot, tab.tree, [_pdf(tmp_path / "a.pdf"), _pdf(tmp_path / "b.pdf", "autre")])
    _wait_saved(qtbot, tab, 2)
    box = tab.delete()
    assert "Supprimer 2 documents" in box.text() and "• a" in box.informativeText()
    click(qtbot, find(tab, QPushButton, "confirmDeleteDocumentsButton"))
    assert workspace.documents.list(detail.id).documents == ()
    assert tab.tree.topLevelItem(0).text(0) == "Pièces justificatives"


def test_an_abandoned_dossier_shows_its_documents_read_only(
    qtbot, workspace, open_dossier, tmp_path
):
    detail = new_dossier(workspace)
    info = workspace.documents.attach(detail.id, detail.version, [_pdf(tmp_path / "a.pdf")])
    detail = workspace.dossiers.get(detail.id)
    workspace.dossiers.abandon(detail.id, info.version, AbandonReason.BANK_REFUSAL)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    assert not find(tab, QPushButton, "addDocumentButton").isEnabled()
    tab.tree.topLevelItem(0).child(0).setSelected(True)
    assert find(tab, QPushButton, "openDocumentButton").isEnabled()  # reading is fine
    assert not find(tab, QPushButton, "deleteDocumentButton").isEnabled()
    assert not tab.checklist.topLevelItem(0).flags() & Qt.ItemFlag.ItemIsEnabled
    assert not tab.tree.acceptDrops()


def test_the_list_for_the_client_is_made_and_kept(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    run = tab.make_checklist_pdf(open_it=False)
    assert run is not None
    qtbot.waitUntil(lambda: any(d.title.startswith("Liste des pièces") for d in tab.info.documents))
    misc = _folder_item(tab, DocumentFolder.MISC)
    assert misc.childCount() == 1 and misc.child(0).text(0).startswith("Liste des pièces à fournir")


def test_the_synthesis_pdf_lands_in_the_requests_folder(qtbot, workspace, open_dossier):
    from app.dossier.situation import ProjectData

    detail = new_dossier(workspace)
    situation = workspace.situation.get(detail.id)
    workspace.situation.save_project(
        detail.id, situation.version, ProjectData(price_cents=200_000_00)
    )
    window = open_dossier(detail.id)
    simulations = window.view.show_simulations()
    click(qtbot, find(simulations, QPushButton, "newSimulationButton"))
    simulations.exports.make_pdf(open_it=False)
    qtbot.waitUntil(lambda: bool(workspace.documents.list(detail.id).documents))
    [kept] = workspace.documents.list(detail.id).documents
    assert kept.folder is DocumentFolder.REQUESTS
    assert kept.title == "Synthèse de financement — Simulation 1"
    tab = window.view.show_documents()
    assert _folder_item(tab, DocumentFolder.REQUESTS).childCount() == 1


def test_the_documents_settings(qtbot, workspace, main_window):
    window = main_window.open_settings()
    qtbot.addWidget(window)
    page = window.documents
    find(page, QLineEdit, "requirementLabelEdit").setText("Dernier avis de taxe foncière")
    rule = find(page, QComboBox, "requirementRuleCombo")
    rule.setCurrentIndex(rule.findData(RequirementRule.PER_LANDLORD.value))
    click(qtbot, find(page, QPushButton, "addRequirementButton"))
    labels = [page.model.index(r, 0).data() for r in range(page.model.rowCount())]
    assert "Dernier avis de taxe foncière" in labels
    assert any(
        r.label == "Dernier avis de taxe foncière" for r in workspace.documents.requirements()
    )
    limit = find(page, QLineEdit, "documentSizeLimitEdit")
    limit.setText("beaucoup")
    click(qtbot, find(page, QPushButton, "saveSizeLimitButton"))
    assert "nombre entier" in find(page, QLabel, "documentsSettingsError").text()
    limit.setText("20")
    click(qtbot, find(page, QPushButton, "saveSizeLimitButton"))
    assert workspace.documents.size_limit_mb() == 20
    page.table.selectRow(0)
    chosen = page.selected()
    click(qtbot, find(page, QPushButton, "requirementActiveButton"))
    stored = {r.id: r for r in workspace.documents.requirements()}
    assert not stored[chosen.id].is_active
    assert sum(not r.is_active for r in stored.values()) == 1
    limit.setText("²")  # a digit to Python, not a number
    click(qtbot, find(page, QPushButton, "saveSizeLimitButton"))
    assert "nombre entier" in find(page, QLabel, "documentsSettingsError").text()


def test_the_tab_follows_what_the_other_tabs_saved(qtbot, workspace, open_dossier, tmp_path):
    from app.dossier.household import BorrowerData

    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    drop(qtbot, tab.tree, [_pdf(tmp_path / "a.pdf")])
    _wait_saved(qtbot, tab, 1)
    before = tab.checklist.topLevelItemCount()
    window.view.tabs.setCurrentIndex(1)  # «Emprunteurs»: a co-borrower comes in
    assert (
        window.view.execute_household(
            lambda service, d: service.save_borrower(
                d.id, d.version, 2, BorrowerData("Durand", "Léa")
            )
        )
        is None
    )
    tab = window.view.show_documents()
    texts = [
        tab.checklist.topLevelItem(i).text(0) for i in range(tab.checklist.topLevelItemCount())
    ]
    assert len(texts) > before and any(t.endswith("DURAND Léa") for t in texts)
    tab.tree.topLevelItem(0).child(0).setSelected(True)
    assert tab.rename("Avis d'imposition 2025")  # on the dossier's current version
    assert workspace.documents.list(detail.id).documents[0].title == "Avis d'imposition 2025"


def test_closing_the_window_during_a_copy_loses_nothing(qtbot, workspace, open_dossier, tmp_path):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    run = tab.attach([_pdf(tmp_path / "a.pdf")], DocumentFolder.SUPPORTING)
    assert run is not None
    window.close()
    window.deleteLater()
    qtbot.waitUntil(lambda: bool(workspace.documents.list(detail.id).documents), timeout=5000)
    for _ in range(5):
        qtbot.wait(20)  # the callback comes after the window is gone: nothing raised


def test_a_big_pdf_is_not_held_twice_while_the_preview_parses_it(
    qtbot, workspace, open_dossier, tmp_path, monkeypatch
):
    """The preview's bytes are Qt's alone when Qt parses the PDF: the Python copy read from
    the store is let go first (a 50 MB scan held twice made the peak memory 50 MB higher)."""
    import tracemalloc

    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    big = _pdf(tmp_path / "avis-imposition.pdf")
    with big.open("ab") as stream:  # a PDF's trailing comment: 4 MB more, still valid
        stream.write(b"%" + b"x" * 4_000_000 + b"\n")
    drop(qtbot, tab.tree, [big], _folder_item(tab, DocumentFolder.OFFERS))
    _wait_saved(qtbot, tab, 1)
    item = _folder_item(tab, DocumentFolder.OFFERS).child(0)
    tab.tree.clearSelection()
    item.setSelected(True)  # previewed once: its PDF view built
    qtbot.waitUntil(lambda: tab.preview.shown == "pdf")
    tab.tree.clearSelection()
    held_at_parse: list[int] = []
    real_load = tab.preview.pdf_document.load

    def load(device):
        held_at_parse.append(tracemalloc.get_traced_memory()[0])
        return real_load(device)

    monkeypatch.setattr(tab.preview.pdf_document, "load", load)
    tracemalloc.start()
    try:
        item.setSelected(True)
        qtbot.waitUntil(lambda: tab.preview.shown == "pdf")
    finally:
        tracemalloc.stop()
    assert held_at_parse and held_at_parse[0] < 1_000_000  # not the file's 4 MB


def test_the_preview_is_read_aside_and_the_last_choice_wins(
    qtbot, workspace, open_dossier, tmp_path, monkeypatch
):
    """The preview's bytes are read off the GUI thread (a 50 MB scan, decrypted and checked,
    held the window ≈ 1.5 s): the window answers meanwhile, and a document chosen after
    it is the one shown, whatever order the reads end in."""
    import threading

    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    drop(
        qtbot,
        tab.tree,
        [_pdf(tmp_path / "bulletin-10.pdf"), _png(tmp_path / "cni.png")],
        _folder_item(tab, DocumentFolder.OFFERS),
    )
    _wait_saved(qtbot, tab, 2)
    gate = threading.Event()
    service = type(workspace.documents)
    real = service.content

    def slow(self, document_id):
        content, filename = real(self, document_id)
        if filename.endswith(".pdf"):
            assert gate.wait(10)  # a big scan still being read
        return content, filename

    monkeypatch.setattr(service, "content", slow)
    offers = _folder_item(tab, DocumentFolder.OFFERS)
    tab.tree.clearSelection()
    offers.child(0).setSelected(True)  # the PDF: its read held
    assert tab.preview.message.text() == "Aperçu en cours de chargement…"
    tab.tree.clearSelection()
    offers.child(1).setSelected(True)  # the photo, chosen meanwhile
    qtbot.waitUntil(lambda: tab.preview.shown == "image")
    gate.set()  # the PDF's read ends after: not shown
    qtbot.wait(300)
    assert tab.preview.shown == "image"
    assert tab._background is not None and tab._background.wait(5000)
