"""The office server gone for a while (issue 11, load and faults): every session of the
office's database ended and no new one accepted, as when the server is stopped or
restarting — then accepted again. The services and the list say so in French (never an
English libpq message, never a crash), nothing is half-written, they come back by
themselves; in a dossier window, what the user typed stays on screen with the message and
is saved once the server is back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from PySide6.QtWidgets import QLabel, QLineEdit

from app.errors import StorageError
from app.listing import ListQuery
from app.paths import ServerLocation
from models.enums import DossierStatus
from tests import postgres_server
from tests.helpers import new_dossier, type_text

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

UNREACHABLE = "Le serveur de la base de données ne répond pas"


@contextlib.contextmanager
def server_away(location: ServerLocation) -> Iterator[None]:
    """No session of the office's database until the block ends: those open are ended
    (pg_terminate_backend, what a restart does to them) and new ones are refused."""
    name = location.url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(postgres_server.server_url(), autocommit=True) as admin:
        database = sql.Identifier(name)
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(database))
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        try:
            yield
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(database))


def test_the_services_and_the_list_say_the_server_is_away_then_reconnect(workspace):
    detail = new_dossier(workspace, "Quénéhervé", "Éloïse")
    with server_away(workspace.server):
        # Before: «Erreur de la base de données : … (connection failed: … Connection
        # refused / is not currently accepting connections)», in English.
        for use_case in (
            lambda: workspace.dossiers.save_note(detail.id, detail.version, "<p>hors ligne</p>"),
            lambda: workspace.dossiers.get(detail.id),
        ):
            with pytest.raises(StorageError) as refused:
                use_case()
            assert refused.value.message.startswith(UNREACHABLE)
            assert "connection" not in refused.value.message
        for _attempt in range(2):  # the lost connection, then none to be had
            with pytest.raises(StorageError, match=UNREACHABLE):
                workspace.list_page(ListQuery(), 0, 5)
    # Back: each one reconnects by itself; nothing was written meanwhile.
    assert workspace.dossiers.get(detail.id).internal_note == ""
    saved = workspace.dossiers.save_note(detail.id, detail.version, "<p>en ligne</p>")
    assert "en ligne" in saved.internal_note
    assert [r.id for r in workspace.list_page(ListQuery(search="quenehe"), 0, 5)] == [detail.id]


def test_a_field_typed_while_the_server_is_away_stays_then_is_saved(
    qtbot, workspace, main_window, open_dossier
):
    detail = new_dossier(workspace, "Quénéhervé", "Éloïse", status=DossierStatus.PROSPECT)
    main_window.refresh()  # the list opens on «Prospects»
    window = open_dossier(detail.id)
    tabs = window.view.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "Emprunteurs"))
    phone = window.findChild(QLineEdit, "holderPhone")
    error = window.findChild(QLabel, "holderError")
    with server_away(workspace.server):
        phone.setFocus()
        type_text(qtbot, phone, "06 12 34 56 78")
        phone.editingFinished.emit()  # leaving the field saves it: refused
        assert error.isVisible() and error.text().startswith(UNREACHABLE)
        assert phone.text() == "06 12 34 56 78"  # what was typed is still there
        # The list, searched meanwhile: said in the status bar (before: raised in the event
        # loop, the crash dialog), the rows shown kept.
        shown = main_window.model.rowCount()
        main_window.search.setText("quene")
        status = main_window.statusBar()
        qtbot.waitUntil(lambda: status.currentMessage().startswith(UNREACHABLE))
        assert main_window.model.rowCount() == shown
    assert workspace.household.get(detail.id).borrowers[0].phone == ""
    phone.setFocus()
    phone.editingFinished.emit()  # left again once the server is back: saved
    assert workspace.household.get(detail.id).borrowers[0].phone == "06 12 34 56 78"
    assert not error.isVisible()
    assert phone.text() == "06 12 34 56 78"
    # The list reconnects by itself: the next search shows its rows (and the counts).
    main_window.search.setText("quenehe")
    qtbot.waitUntil(lambda: not main_window.model.pending and not main_window.counts_pending)
    assert main_window.model.rowCount() == 1
    assert main_window.model.row_at(0).id == detail.id
