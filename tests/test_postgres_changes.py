"""Other computers' changes on a server office, told at once by LISTEN/NOTIFY (issue 11):
an open window's list refreshes within a second or two of another computer's commit, not
for this computer's own, and the listener comes back after its connection is lost."""

from __future__ import annotations

import psycopg
import pytest

from app.dossier.dossier_service import NewDossier
from app.listing import ListQuery, ListTab
from models.enums import DossierStatus
from tests import postgres_server
from tests.conftest import PASSWORD
from ui.main_window import POLL_FALLBACK_MS

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def _new_dossier(workspace, name: str, provenance: int) -> int:
    return workspace.dossiers.create(
        NewDossier(
            status=DossierStatus.PROSPECT,
            last_name=name,
            first_name="Aurélie",
            owner_id=workspace.user.id,
            provenance_id=provenance,
        )
    ).id


def _listener_pid(location) -> int | None:
    with psycopg.connect(postgres_server.database_url(location.database), autocommit=True) as c:
        row = c.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s "
            "AND application_name = 'Dossia (changements)'",
            (location.database,),
        ).fetchone()
    return None if row is None else row[0]


def test_another_computers_commit_refreshes_the_list_at_once(
    qtbot, main_window, open_office, office_location, first_provenance, monkeypatch, engine
):
    refreshes: list[int] = []
    original = main_window.refresh
    monkeypatch.setattr(main_window, "refresh", lambda: (refreshes.append(1), original()))
    main_window.watch_changes()
    assert main_window._poll.interval() == POLL_FALLBACK_MS  # a fallback only
    qtbot.waitUntil(lambda: _listener_pid(office_location) is not None, timeout=5000)
    prospects = main_window.workspace.tab_counts(ListQuery())[ListTab.PROSPECTS]

    # This computer's own write, shown by the window that made it: no second refresh.
    own = _new_dossier(main_window.workspace, "Ferrandière", first_provenance)
    from app.changes import Change

    main_window.dossier_changed(own, Change.STATUS)
    assert refreshes == [1]
    qtbot.wait(1000)
    assert refreshes == [1]

    # Another computer's commit: the list refreshes within a second or two.
    other = open_office()
    colleague = other.workspace_for(other.authenticate("admin", PASSWORD))
    _new_dossier(colleague, "Quintard", first_provenance)
    qtbot.waitUntil(lambda: len(refreshes) == 2, timeout=2000)
    qtbot.waitUntil(
        lambda: main_window.model.rowCount() == prospects + 2 and not main_window.counts_pending,
        timeout=2000,
    )

    # Its connection lost (the server restarted, the session ended): it listens again.
    before = _listener_pid(office_location)
    assert before is not None
    postgres_server.terminate_session(before)
    qtbot.waitUntil(lambda: _listener_pid(office_location) not in (None, before), timeout=5000)
    _new_dossier(colleague, "Vasseur", first_provenance)
    qtbot.waitUntil(lambda: len(refreshes) == 3, timeout=2000)
    qtbot.waitUntil(lambda: main_window.model.rowCount() == prospects + 3, timeout=2000)
