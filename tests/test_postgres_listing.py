"""The Clients list on a PostgreSQL server (issue 11; tests/test_listing.py runs on both
engines too): the server's pages compared with the file's on the same office for many
searches, tabs and sorts, page after page (keyset), counts and ids included; what only a
server's list does (a cancelled read, a lost connection, the data version)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from app.errors import Cancelled
from app.listing import ListColumn, ListQuery, ListTab
from app.storage import postgres_listing
from app.workspace import OfficeDatabase, Workspace
from models.dossier import Dossier
from models.enums import AbandonReason, DossierStatus
from tests import postgres_server
from tests.conftest import PASSWORD
from tests.helpers import new_dossier
from tests.test_listing import SEARCHES


@pytest.fixture
def server_workspace(server_template_db) -> Iterator[Workspace]:
    with postgres_server.fresh_database(server_template_db) as location:
        office = OfficeDatabase(location)
        workspace = office.workspace_for(office.authenticate("admin", PASSWORD))
        try:
            yield workspace
        finally:
            workspace.close()


@pytest.fixture
def both(login_as, server_workspace) -> tuple[Workspace, Workspace]:
    """The same office on the file and on the server."""
    return login_as("admin"), server_workspace


def _same_new_dossiers(*workspaces: Workspace) -> None:
    for workspace in workspaces:
        new_dossier(workspace, "Loeuilliet", "Éloïse", co_last_name="Saint-Exupéry")
        new_dossier(workspace, "L'Hôte", "Jean-Pierre", co_last_name="D'Artagnan")
        new_dossier(workspace, "D’Argent", "Zoé")  # a typographic apostrophe
        new_dossier(workspace, "Dupré", "Anne-Marie")
        # Abandoned without a date (and one without a reason): data from before the rules,
        # first in ascending order on both engines (the server walks them apart).
        undated = [new_dossier(workspace, "Sansdate", name).id for name in ("Inès", "Noé")]
        with workspace.database.write() as session:
            session.execute(
                update(Dossier)
                .where(Dossier.id.in_(undated))
                .values(status=DossierStatus.ABANDONED, abandon_reason=AbandonReason.OTHER)
            )
            session.execute(
                update(Dossier).where(Dossier.id == undated[1]).values(abandon_reason=None)
            )


@pytest.mark.parametrize("column", list(ListColumn))
def test_the_server_gives_the_files_pages_counts_and_ids(both, column):
    """For every search, tab, sort and direction: the same rows in the same order, page
    after page (the server continuing from the last row's key), the same counts, the same
    ids — on the same office."""
    file, server = both
    _same_new_dossiers(file, server)
    # «artin», «marie-anne»: inside a word, parts out of order (the server's LIKE prefilter
    # must not widen what each word's regular expression matches).
    extra = ("d'ar", "dargent", "anne-m", "zoe", "sansdate", "s", "artin", "marie-anne")
    for search in (*SEARCHES, *extra):
        counts = file.tab_counts(ListQuery(search=search))
        assert server.tab_counts(ListQuery(search=search)) == counts, search
        for tab in ListTab:
            if not counts[tab]:
                continue
            for descending in (False, True):
                query = ListQuery(tab=tab, search=search, sort=column, descending=descending)
                expected = file.list_page(query, 0, 1000)
                paged = []
                for offset in range(0, len(expected) + 5, 5):
                    paged += server.list_page(query, offset, 5)
                assert paged == expected, (search, tab, descending)
                assert list(server.list_ids(query)) == [r.id for r in expected]


def test_a_numbers_start_has_its_ranges_in_byte_order():
    """`prefix_ranges`: a text starting with the word (its regular expression matched at
    the start) lies in an exact range or in one checked; a text in an exact range starts
    with it — on texts made of digits, ASCII and other letters and separators."""
    import itertools
    import re

    alphabet = ["2025", "0", "07", "1", "-", " ", "/", "_", "--", "—", "ø", "a", "Z", ":", "~"]
    separators = "[^0-9A-Za-zø]+"  # the letters and digits of the alphabet above
    for tokens in (["2025"], ["2025", "0"], ["2025", "07"], ["2025", "0", "1"]):
        exact, checked = postgres_listing.prefix_ranges(tokens)
        regex = re.compile("^" + separators.join(tokens))
        for parts in itertools.product(alphabet, repeat=4):
            text = "".join(parts)
            starts = regex.match(text) is not None
            in_exact = any(low <= text < high for low, high in exact)
            in_checked = any(low <= text < high for low, high in checked)
            assert not (in_exact and in_checked), (tokens, text)
            assert starts <= (in_exact or in_checked), (tokens, text)
            assert in_exact <= starts, (tokens, text)


def test_a_numbers_start_gathered_on_the_server_gives_the_files_rows(both):
    """A search for a number's start («2025-0») is gathered through 0031's indexes (its
    matches at the start of the text by ranges, further by the trigrams of the text less its
    first character): the same rows in the same order as the file's, page after page, the
    same counts and ids, for
    texts whose number has other separators, longer ones, letters outside ASCII, or whose
    name holds the number (texts written as they are, on both engines)."""
    file, server = both
    texts = (
        "2025 - 0777 ecart",
        "2025/0778 barre",
        "2025--0779 double",
        "2025_0780 souligne",
        "2025\u20140781 tiret long",
        "2025\u00f80782 lettre",
        "20250-0783 colle",
        "2025-",
        "2025",
        "x2025-0784 devant",
        "2026-00990 990 dupont 2025-0785",
        "2025-0786-12 suite",
        "2025-07 court",
        "2025-0786 2025-0786 double",
    )
    for workspace in both:
        ids = [new_dossier(workspace, "Chiffres", f"N{i}").id for i in range(len(texts))]
        with workspace.database.write() as session:
            for dossier_id, text in zip(ids, texts, strict=True):
                session.execute(
                    update(Dossier).where(Dossier.id == dossier_id).values(search_text=text)
                )
    listing = server._store.listing
    gathered = []
    gather = listing._gather_number

    def spied(*arguments):
        rows = gather(*arguments)
        gathered.append(rows is not None)
        return rows

    listing._gather_number = spied
    searches = ("2025-0", "2025", "2025-07", "2025 0", "2025-078", "2025-0786-1", "20250")
    for search in searches:
        counts = file.tab_counts(ListQuery(search=search))
        assert server.tab_counts(ListQuery(search=search)) == counts, search
        for column in (ListColumn.CREATED, ListColumn.NUMBER, ListColumn.OWNER):
            for descending in (False, True):
                query = ListQuery(search=search, sort=column, descending=descending)
                expected = file.list_page(query, 0, 1000)
                assert expected, search
                paged = []
                for offset in range(0, len(expected) + 5, 5):
                    paged += server.list_page(query, offset, 5)
                assert paged == expected, (search, column, descending)
                assert list(server.list_ids(query)) == [r.id for r in expected], search
    assert gathered and all(gathered)


def test_a_row_is_found_again_only_while_the_query_shows_it(both):
    file, server = both
    for workspace in both:
        detail = new_dossier(workspace, "Quénéhervé", "Éloïse")
        shown = ListQuery(tab=ListTab.CLIENTS, search="quene")
        row = workspace.list_row(shown, detail.id)
        assert row is not None and row.holder == "QUÉNÉHERVÉ Éloïse"
        assert workspace.list_row(ListQuery(tab=ListTab.PROSPECTS), detail.id) is None
        assert workspace.list_row(ListQuery(search="martin"), detail.id) is None
        assert workspace.list_rows(shown, [detail.id, -1]) == {detail.id: row}
    assert file.brokers() == server.brokers()


def test_a_broker_without_the_right_sees_only_their_dossiers_on_the_server(server_template_db):
    with postgres_server.fresh_database(server_template_db) as location:
        office = OfficeDatabase(location)
        try:
            broker = office.workspace_for(office.authenticate("kbenali", PASSWORD))
            rows = broker.list_page(ListQuery(), 0, 1000)
            assert rows and {r.owner for r in rows} == {"Karim Benali"}
            assert broker.tab_counts(ListQuery())[ListTab.ALL] == len(rows)
            assert [b.name for b in broker.brokers()] == ["Karim Benali"]
        finally:
            office.close()


def test_an_interrupted_read_on_the_server_raises_cancelled_and_the_next_one_runs(
    server_workspace,
):
    import threading
    import time

    reader = server_workspace.open_reader()
    listing = reader._listing
    outcome: list[BaseException] = []

    def slow_read() -> None:
        try:
            with listing._interruptible():
                listing._execute("SELECT pg_sleep(20)")
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=slow_read)
    try:
        started = time.monotonic()
        thread.start()
        while not listing._running:
            time.sleep(0.01)
        time.sleep(0.2)  # the statement on its way to the server
        reader.interrupt()
        thread.join(10)
        assert time.monotonic() - started < 10
        assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
        assert reader.fetch_page(ListQuery(), 0, 3)
    finally:
        thread.join()
        reader.close()


def test_a_read_cancelled_inside_a_regular_expression_is_cancelled_too(server_workspace):
    """The server cancels a search's regular expression with «invalid regular expression:
    operation cancelled» (2201B) rather than 57014 — what the tabs' count met while typing
    (the crash dialog). Said here by the server itself when the cancel reaches it."""
    import threading
    import time

    reader = server_workspace.open_reader()
    listing = reader._listing
    outcome: list[BaseException] = []
    regex_cancelled = (
        "DO $$ BEGIN PERFORM pg_sleep(20); EXCEPTION WHEN query_canceled THEN "
        "RAISE EXCEPTION USING ERRCODE = '2201B', "
        "MESSAGE = 'invalid regular expression: operation cancelled'; END $$"
    )

    def read() -> None:
        try:
            with listing._interruptible():
                listing._execute(regex_cancelled)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=read)
    try:
        thread.start()
        while not listing._running:
            time.sleep(0.01)
        time.sleep(0.2)  # the statement on its way to the server
        reader.interrupt()
        thread.join(10)
        assert len(outcome) == 1 and isinstance(outcome[0], Cancelled), outcome
        assert reader.fetch_page(ListQuery(), 0, 3)
    finally:
        thread.join()
        reader.close()


def test_a_cancel_is_sent_from_its_own_thread_and_a_late_one_never_stops_the_next_read(
    server_workspace,
):
    """`interrupt()` (the GUI thread, at each keystroke) does not wait for the server: the
    cancel request leaves from a thread of its own. Held back here (a slow network) until
    its read has ended, it is not sent: the next read runs to its end."""
    import threading
    import time

    reader = server_workspace.open_reader()
    listing = reader._listing
    outcome: list[object] = []
    took: list[float] = []

    def read() -> None:
        started = time.monotonic()
        try:
            with listing._interruptible():
                rows = listing._execute("SELECT 1 FROM pg_sleep(0.5)")
            outcome.append(rows)
        except BaseException as error:
            outcome.append(error)
        took.append(time.monotonic() - started)

    first, second = threading.Thread(target=read), threading.Thread(target=read)
    try:
        first.start()
        while not listing._running:
            time.sleep(0.01)
        time.sleep(0.2)  # the statement on its way to the server
        with listing._cancelling:  # the cancel request slow to leave
            reader.interrupt()  # returns: the cancel waits in its own thread
            first.join(10)
            # Not stopped by the server (its cancel held back): it ran its 0.5 s, and is
            # said stale all the same.
            assert isinstance(outcome[0], Cancelled) and took[0] >= 0.5, (outcome, took)
            stale = listing._reading
        second.start()
        while not listing._running:
            time.sleep(0.01)
        time.sleep(0.2)
        listing.cancel(stale)  # the first read's cancel, late: not sent
        second.join(10)
        assert outcome[1] == [(1,)]  # the next read ran to its end
    finally:
        for thread in (first, second):
            if thread.is_alive():
                thread.join()
        reader.close()


def test_a_lost_list_connection_is_opened_again_by_the_read_that_finds_it(server_workspace):
    """The session ended while the list was idle (a server restart): the read that finds
    it lost runs again on a new connection, and the user sees nothing (before: «ne répond
    pas» once, for a server that was back)."""
    listing = server_workspace._store.listing
    lost = listing.connection.info.backend_pid
    postgres_server.terminate_session(lost)
    assert len(server_workspace.list_page(ListQuery(), 0, 5)) == 5  # reconnected
    assert listing.connection.info.backend_pid != lost


def test_pages_read_again_after_a_change_are_the_pages_of_the_new_list(both):
    """The server continues from the last row's key only within one reading of the list
    (from its first page): after a refresh, a page asked directly is the page at its
    offset, as on the file."""
    file, server = both
    query = ListQuery(sort=ListColumn.CREATED, descending=True)
    for workspace in both:
        for offset in (0, 5, 10):
            workspace.list_page(query, offset, 5)
        new_dossier(workspace, "Zéphyr", "Aude")  # created today: first of the list
        assert workspace.list_page(query, 0, 5)[0].holder == "ZÉPHYR Aude"
    assert server.list_page(query, 10, 5) == file.list_page(query, 10, 5)
    assert server.list_page(query, 15, 5) == file.list_page(query, 15, 5)


def test_other_users_changes_move_the_data_version_and_our_own_are_told_apart(
    server_workspace,
):
    store = server_workspace._store
    seen = server_workspace.data_version()
    new_dossier(server_workspace, "Durand", "Paul")  # our own commit
    assert server_workspace.data_version() != seen
    assert server_workspace.settled_version(seen) == server_workspace.data_version()
    settled = server_workspace.data_version()
    # Another computer's commit on the same database.
    other = OfficeDatabase(store.location)
    try:
        new_dossier(other.workspace_for(other.authenticate("admin", PASSWORD)), "Petit", "Léa")
    finally:
        other.close()
    assert server_workspace.data_version() != settled
    assert server_workspace.settled_version(settled) == settled  # not ours: refresh
    # The server gone for a moment: the last version, no error; then it moves on again.
    postgres_server.terminate_session(store.listing.connection.info.backend_pid)
    assert server_workspace.data_version() == server_workspace.data_version()
