"""Documents of an office on a PostgreSQL server (issue 11): their bytes in its database,
stored once, in chunks, with no orphan left by a cancelled or failed attach, freed with
the last row using them, and attached by two brokers at once. The other document suites
(test_documents, the privacy, pipeline and company ones) run on both engines."""

from __future__ import annotations

import hashlib
import os
import threading
import tracemalloc
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from sqlalchemy import func, select, update

from app.errors import Cancelled, ConflictError
from app.storage.documents import CHUNK
from app.storage.server_documents import ServerDocumentStore
from models.dossier import DocumentChunk, DocumentContent, DocumentHold
from models.enums import DocumentFolder
from tests.helpers import new_dossier, stored_hashes
from tests.test_gui_documents import _folder_item, _pdf, _wait_saved, drop

# On the server only (the file's store has its own tests in test_documents).
pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def _file(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _count(workspace, model) -> int:
    with workspace.database.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_same_bytes_are_stored_once_and_go_with_the_last_row(workspace, tmp_path):
    first, second = new_dossier(workspace, "Durand"), new_dossier(workspace, "Martin")
    payslip = _file(tmp_path, "bulletin.pdf", b"%PDF-1.4 " + b"b" * (CHUNK + 10))
    content_hash = hashlib.sha256(payslip.read_bytes()).hexdigest()
    [one] = workspace.documents.attach(first.id, first.version, [payslip]).documents
    [two] = workspace.documents.attach(second.id, second.version, [payslip]).documents
    assert stored_hashes(workspace) == {content_hash}
    assert _count(workspace, DocumentChunk) == 2  # 1 MB and 19 bytes
    assert _count(workspace, DocumentHold) == 0  # released once the rows were committed
    workspace.documents.delete(first.id, workspace.documents.list(first.id).version, [one.id])
    assert stored_hashes(workspace) == {content_hash}  # the other dossier still uses it
    workspace.documents.delete(second.id, workspace.documents.list(second.id).version, [two.id])
    assert stored_hashes(workspace) == set()
    assert _count(workspace, DocumentChunk) == 0


def test_a_cancelled_or_failed_attach_leaves_nothing_on_the_server(workspace, tmp_path):
    detail = new_dossier(workspace)
    big = _file(tmp_path, "scan.pdf", b"%PDF" + os.urandom(3 * CHUNK))
    small = _file(tmp_path, "rib.pdf", b"%PDF rib")

    def cancel(done: int, total: int) -> bool:
        return done < total // 2  # «Annuler» in the middle of sending the big one

    with pytest.raises(Cancelled):
        workspace.documents.attach(detail.id, detail.version, [small, big], progress=cancel)
    # A failure after the bytes were sent: the dossier changed meanwhile.
    with pytest.raises(ConflictError):
        workspace.documents.attach(detail.id, detail.version - 1, [small])
    assert workspace.documents.list(detail.id).documents == ()
    assert stored_hashes(workspace) == set()
    assert (_count(workspace, DocumentChunk), _count(workspace, DocumentHold)) == (0, 0)


def test_bytes_being_attached_elsewhere_are_kept_until_released(login_as, tmp_path):
    workspace = login_as("admin")
    here = ServerDocumentStore(workspace.database)
    # Another computer, deleting the last row using the same bytes.
    there = ServerDocumentStore(login_as("pmoreau").database)
    content_hash, _size = here.put(_file(tmp_path, "a.pdf", b"%PDF avis"), hold=True)
    there.discard([content_hash])
    assert there.exists(content_hash) and bytes(there.read(content_hash)) == b"%PDF avis"
    here.release([content_hash])
    there.discard([content_hash])
    assert not there.exists(content_hash)
    # A computer that stopped in the middle of an attach: its hold expires after a day,
    # and the bytes go.
    content_hash, _size = here.put(_file(tmp_path, "b.pdf", b"%PDF avis 2"), hold=True)
    with workspace.database.write() as session:
        session.execute(
            update(DocumentHold).values(held_at=func.now() - func.make_interval(0, 0, 0, 2))
        )
    login_as("kbenali").warm_up()  # the next opening sweeps them
    assert not there.exists(content_hash)
    here.release([content_hash])  # nothing left to release: said nowhere, no error


def test_two_brokers_attach_the_same_file_at_once(login_as, tmp_path):
    brokers = [login_as("admin"), login_as("pmoreau")]
    dossiers = [new_dossier(brokers[0], "Durand"), new_dossier(brokers[0], "Martin")]
    scan = _file(tmp_path, "avis.pdf", b"%PDF" + os.urandom(2 * CHUNK))
    both_hashed = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def attach(workspace, detail) -> None:
        met = False

        def progress(done: int, total: int) -> bool:
            nonlocal met
            if not met:  # both hashed the file before either sends it: they meet at the lock
                both_hashed.wait()
                met = True
            return True

        try:
            workspace.documents.attach(detail.id, detail.version, [scan], progress=progress)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [
        threading.Thread(target=attach, args=(w, d)) for w, d in zip(brokers, dossiers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    for detail in dossiers:
        assert [d.filename for d in brokers[1].documents.list(detail.id).documents] == ["avis.pdf"]
    assert _count(brokers[0], DocumentContent) == 1 and _count(brokers[0], DocumentChunk) == 3


def test_a_large_file_goes_in_and_out_in_chunks(workspace, tmp_path):
    """A 12 MB scan: twelve chunks and a bit; sent, read back and exported with at most a
    few chunks held by Python at once (tracemalloc), not the whole file."""
    store = ServerDocumentStore(workspace.database)
    scan = _file(tmp_path, "scan.pdf", b"%PDF" + os.urandom(12 * CHUNK))
    size = scan.stat().st_size
    tracemalloc.start()
    try:
        content_hash, stored = store.put(scan, limit=20 * CHUNK)
        _current, sent_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        store.export(content_hash, tmp_path / "copy.pdf")
        _current, export_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored == size and (tmp_path / "copy.pdf").read_bytes() == scan.read_bytes()
    with workspace.database.read() as session:
        lengths = session.execute(
            select(func.count(), func.max(func.length(DocumentChunk.data))).where(
                DocumentChunk.content_hash == content_hash
            )
        ).one()
    assert tuple(lengths) == (13, CHUNK)
    assert sent_peak < 4 * CHUNK and export_peak < 4 * CHUNK
    assert bytes(store.read(content_hash)) == scan.read_bytes()


def test_a_server_document_is_previewed_and_opened_from_the_tab(
    qtbot, workspace, open_dossier, tmp_path, monkeypatch
):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    tab = window.view.show_documents()
    payslip = _pdf(tmp_path / "bulletin-10.pdf")
    drop(qtbot, tab.tree, [payslip], _folder_item(tab, DocumentFolder.SUPPORTING))
    _wait_saved(qtbot, tab, 1)
    item = _folder_item(tab, DocumentFolder.SUPPORTING).child(0)
    tab.tree.clearSelection()
    item.setSelected(True)
    qtbot.waitUntil(lambda: tab.preview.shown == "pdf")
    assert tab.preview.pdf_document.pageCount() == 1
    tab.tree.itemDoubleClicked.emit(item, 0)  # «open»: a copy for the system's viewer
    [url] = opened
    copy = url.toLocalFile()
    assert copy.startswith(str(workspace.paths.viewing)) and copy.endswith("bulletin-10.pdf")
    assert Path(copy).read_bytes() == payslip.read_bytes()
    assert not workspace.paths.documents.exists()  # nothing of the office on this computer
