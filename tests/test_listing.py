"""The Clients list query: tabs, search, broker filter, sorting, paging, counts."""

from __future__ import annotations

import pytest

from app.listing import ListColumn, ListQuery, ListTab, bank_sort_key
from app.storage.sqlite_listing import match_expression
from models.enums import AbandonReason, DossierStatus
from tests.conftest import TEMPLATE_DOSSIERS
from tests.helpers import new_dossier

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


def all_rows(workspace, **query):
    return workspace.list_page(ListQuery(**query), 0, 10_000)


def test_tabs_split_by_status(workspace):
    everything = all_rows(workspace)
    assert len(everything) == TEMPLATE_DOSSIERS
    for tab in (ListTab.PROSPECTS, ListTab.CLIENTS, ListTab.ABANDONED):
        rows = all_rows(workspace, tab=tab)
        assert rows and {r.status for r in rows} == {tab.status}
    counts = workspace.tab_counts(ListQuery())
    assert counts[ListTab.ALL] == TEMPLATE_DOSSIERS
    assert (
        counts[ListTab.PROSPECTS] + counts[ListTab.CLIENTS] + counts[ListTab.ABANDONED]
        == TEMPLATE_DOSSIERS
    )


@pytest.mark.parametrize("typed", ["quénéhervé", "QUENEHERVE", "quene", "Éloï", "eloise quen", "q"])
def test_search_ignores_accents_and_case_and_matches_word_starts(workspace, typed):
    detail = new_dossier(workspace)
    assert detail.id in [r.id for r in all_rows(workspace, search=typed)]


def test_search_by_number_and_by_co_borrower(workspace):
    detail = new_dossier(workspace, co_last_name="Saint-Exupéry", co_first_name="Antoine")
    assert [r.id for r in all_rows(workspace, search=detail.number)] == [detail.id]
    sequence = detail.number.rsplit("-", 1)[1].lstrip("0")
    assert detail.id in [r.id for r in all_rows(workspace, search=sequence)]
    assert [r.id for r in all_rows(workspace, search="saint-exu")] == [detail.id]
    assert [r.id for r in all_rows(workspace, search="exupery antoine")] == [detail.id]


@pytest.mark.parametrize(
    "hostile", ['"', "'", "-", "*", "NEAR(", "a OR b", "x AND", "^", ")", "%_", "🙂"]
)
def test_hostile_search_text_never_breaks_the_query(workspace, hostile):
    all_rows(workspace, search=hostile)  # no exception
    workspace.tab_counts(ListQuery(search=hostile))


SEARCHES = (
    "m",
    "2",
    "20",
    "2025",
    "2025-0",
    "2025-000",
    "d",
    "du",
    "martin",
    "martin m",
    "e",
    "saint-ex",
    "exupery antoine",
    "l'",
    "d'a",
    "jean-pi",
    "œ",
    "loeuil",
    "q",
    "zz",
    "a b",
    "02",
    "1",
    "-",
    "Éloï",
    "quene",
)


@pytest.mark.file_only("SQLite's walk of the sort index")
@pytest.mark.parametrize("column", [ListColumn.CREATED, ListColumn.HOLDER, ListColumn.OWNER])
def test_a_walked_first_page_is_the_page_the_search_index_gives(workspace, monkeypatch, column):
    """A broad search's first page found by walking the sort index and checking each
    dossier's words here is the very page the full-text index gives: same words matched
    (word starts, phrases of a word holding punctuation, accents and ligatures folded),
    same order, on every tab."""
    from app.storage import sqlite_listing

    new_dossier(workspace, "Loeuilliet", "Éloïse", co_last_name="Saint-Exupéry")
    new_dossier(workspace, "L'Hôte", "Jean-Pierre", co_last_name="D'Artagnan")
    # Beyond ASCII, Python and SQLite's tables disagree on what a letter is: an emoji is a
    # letter to SQLite 3.40's tokenizer («anne🫶marie» one word), a separator to Python.
    new_dossier(workspace, "Dupré", "Anne🫶Marie")
    new_dossier(workspace, "Mᦀrtin", "ᦀlice")  # New Tai Lue: a letter to Python only
    monkeypatch.setattr(sqlite_listing, "FEW_MATCHES", 0)  # every search is a broad one
    # The walk itself, not the creation sort's read by id (tests/test_listing_bunched.py).
    monkeypatch.setattr(sqlite_listing, "_page_by_id", lambda *args: None)
    walked_pages = 0
    for search in SEARCHES:
        for tab in (ListTab.ALL, ListTab.CLIENTS):
            for descending in (False, True):
                query = ListQuery(tab=tab, search=search, sort=column, descending=descending)
                monkeypatch.setattr(sqlite_listing, "WALK_ROWS", 10_000)
                walked = workspace.list_page(query, 0, 7)
                monkeypatch.setattr(sqlite_listing, "WALK_ROWS", 0)  # never walks
                indexed = workspace.list_page(query, 0, 7)
                assert [r.id for r in walked] == [r.id for r in indexed], (search, tab)
                walked_pages += bool(walked)
    assert walked_pages > len(SEARCHES)


@pytest.mark.file_only("SQLite's walk of the sort index")
def test_a_walk_that_does_not_find_its_page_gives_way(workspace, monkeypatch):
    """Matches further down than the walk goes (a narrow search, or a year bunched at the
    end of the order) are gathered by the full-text index: the page is the same."""
    from app.storage import sqlite_listing

    monkeypatch.setattr(sqlite_listing, "FEW_MATCHES", 0)
    monkeypatch.setattr(sqlite_listing, "_page_by_id", lambda *args: None)  # the walk
    query = ListQuery(search="2", sort=ListColumn.CREATED)
    whole = [r.id for r in workspace.list_page(query, 0, 100)]
    monkeypatch.setattr(sqlite_listing, "WALK_ROWS", 3)  # 3 rows walked: not a page of 5
    assert [r.id for r in workspace.list_page(query, 0, 5)] == whole[:5]


def test_match_expression_quotes_user_words():
    assert match_expression("Dupont 'x") == '"dupont"* AND "\'x"*'
    assert match_expression(' " - ') is None


def test_broker_filter(workspace):
    brokers = {b.name: b.id for b in workspace.brokers()}
    assert "Élodie Brunet" in brokers  # inactive, but still owns dossiers
    assert "Nadia Haddad" not in brokers  # the assistant is not a broker
    rows = all_rows(workspace, owner_id=brokers["Karim Benali"])
    assert rows and {r.owner for r in rows} == {"Karim Benali"}


def _key(row, column):
    return {
        ListColumn.NUMBER: row.number,
        ListColumn.CREATED: row.created_on,
        ListColumn.PROGRESS: row.percent,
        ListColumn.COMPLETE: row.is_complete,
        ListColumn.BANK: bank_sort_key(row.bank),
    }[column]


@pytest.mark.parametrize(
    "column",
    [
        ListColumn.NUMBER,
        ListColumn.CREATED,
        ListColumn.PROGRESS,
        ListColumn.COMPLETE,
        ListColumn.BANK,
    ],
)
@pytest.mark.parametrize("descending", [False, True])
def test_sorting(workspace, column, descending):
    rows = all_rows(workspace, sort=column, descending=descending)
    keys = [_key(r, column) for r in rows]
    assert keys == sorted(keys, reverse=descending)


@pytest.mark.parametrize("column", list(ListColumn))
def test_every_column_sorts_and_pages_consistently(workspace, column):
    whole = all_rows(workspace, sort=column)
    paged = []
    for offset in range(0, TEMPLATE_DOSSIERS, 7):
        paged += workspace.list_page(ListQuery(sort=column), offset, 7)
    assert [r.id for r in paged] == [r.id for r in whole]


@pytest.mark.parametrize("column", list(ListColumn))
def test_the_whole_lists_ids_come_in_the_lists_order(workspace, column):
    """The ids read at once for the whole list (its length, Ctrl+End, a dragged scroll
    bar) are the rows' in their order, ties included, for every tab, direction, search."""
    for tab in ListTab:
        for descending in (False, True):
            for search in ("", "2026", "m"):
                query = ListQuery(tab=tab, sort=column, descending=descending, search=search)
                whole = workspace.list_page(query, 0, 10_000)
                assert list(workspace.list_ids(query)) == [r.id for r in whole], query


def test_holder_and_owner_sort_alphabetically(workspace):
    holders = [r.holder for r in all_rows(workspace, sort=ListColumn.HOLDER, descending=False)]
    from app.text import fold

    assert [fold(h) for h in holders] == sorted(fold(h) for h in holders)
    owners = [
        r.owner.split()[-1] for r in all_rows(workspace, sort=ListColumn.OWNER, descending=False)
    ]
    assert owners == sorted(owners)


def test_the_bank_retained_sorts_by_name_and_those_without_one_come_last(workspace):
    rows = all_rows(workspace, sort=ListColumn.BANK, descending=False)
    banks = [r.bank for r in rows]
    named = [b for b in banks if b]
    assert named and banks[: len(named)] == named and not any(banks[len(named) :])
    from app.text import fold

    assert [fold(b) for b in named] == sorted(fold(b) for b in named)


def test_list_follows_status_changes(workspace):
    detail = new_dossier(workspace, status=DossierStatus.PROSPECT)
    assert detail.id in [r.id for r in all_rows(workspace, tab=ListTab.PROSPECTS)]
    detail = workspace.dossiers.convert_to_client(detail.id, detail.version)
    assert detail.id in [r.id for r in all_rows(workspace, tab=ListTab.CLIENTS)]
    workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.DEBT_RATIO)
    assert detail.id in [r.id for r in all_rows(workspace, tab=ListTab.ABANDONED)]


# What SQLite's ANALYZE says of an office of 300,000 dossiers (measured on a generated one):
# about 1,100 distinct creation dates, a few thousand per broker, step or provenance.
STATISTICS_300K = {
    "ix_dossiers_number": "300000 1",
    "ix_dossiers_status_number": "300000 100000 1",
    "ix_dossiers_holder": "300000 30",
    "ix_dossiers_status_holder": "300000 100000 10",
    "ix_dossiers_created": "300000 272 1",
    "ix_dossiers_status_created": "300000 100000 91 1",
    "ix_dossiers_owner": "300000 50000",
    "ix_dossiers_owner_status": "300000 50000 16667",
    "ix_dossiers_provenance_id": "300000 37500",
    "ix_dossiers_status_provenance": "300000 100000 12500",
    "ix_dossiers_step_id": "300000 60000",
    "ix_dossiers_status_step": "300000 100000 25000",
    "ix_dossiers_complete": "300000 150000",
    "ix_dossiers_status_complete": "300000 100000 50000",
    "ix_dossiers_bank": "300000 30000",
    "ix_dossiers_status_bank": "300000 100000 10000",
    "ix_dossiers_status_abandoned": "300000 100000 300 1",
    "ix_dossiers_status_reason": "300000 100000 20000 300 1",
}


def give_300k_statistics(database) -> None:
    """The office's statistics made those of 300,000 dossiers (`STATISTICS_300K`); a
    connection opened afterwards plans with them."""
    import sqlite3

    connection = sqlite3.connect(database)
    try:
        connection.execute("ANALYZE")
        connection.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'dossiers'")
        connection.executemany(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('dossiers', ?, ?)",
            [*STATISTICS_300K.items(), (None, "300000")],
        )
        connection.commit()
    finally:
        connection.close()


@pytest.mark.file_only("SQLite's walk of the sort index")
@pytest.mark.parametrize("tab", [ListTab.ALL, ListTab.CLIENTS, ListTab.ABANDONED])
@pytest.mark.parametrize("column", list(ListColumn))
def test_a_broad_search_walks_the_sort_index_at_300k(workspace, monkeypatch, column, tab):
    """The plan of a search matching many dossiers, with 300,000-dossier statistics: the
    sort index is walked in order (stopping after a page), never probed per match."""
    import sqlite3

    from app.storage import sqlite_listing

    workspace.close()
    give_300k_statistics(workspace.paths.database)
    connection = sqlite3.connect(workspace.paths.database)  # reads the statistics anew
    monkeypatch.setattr(sqlite_listing, "FEW_MATCHES", 0)  # «2025»: 35,000 matches
    for descending in (False, True):
        query = ListQuery(tab=tab, search="2025", sort=column, descending=descending)
        sql, params = sqlite_listing.page_sql(connection, query, 0, 100)
        plan = " | ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql, params))
        index = sqlite_listing._SORT_INDEXES[query.sorted_by][tab.status is not None]
        assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
        assert "ANY(" not in plan and "TEMP B-TREE" not in plan, plan
    connection.close()


def test_the_demo_office_keeps_its_statistics(tmp_path):
    """The benchmark measures what a real office sees: the statistics the demo computes
    are committed (an office closed once has them too)."""
    import sqlite3

    from app.paths import DataPaths
    from app.startup import create_demo_office

    paths = DataPaths(tmp_path / "demo.sqlite3")
    create_demo_office(paths, 300, encrypted=False)  # read below by the standard library
    connection = sqlite3.connect(paths.database)
    tables = {row[0] for row in connection.execute("SELECT tbl FROM sqlite_stat1")}
    connection.close()
    assert {"dossiers", "users", "steps"} <= tables


def _reader_running(workspace, statements, monkeypatch):
    """A worker's listing whose `fetch_page` runs `statements` (a function of the
    connection) instead of the list's, so that a test decides how long it takes."""
    from app.storage import sqlite_listing

    monkeypatch.setattr(sqlite_listing, "fetch_page", lambda connection, *_: statements(connection))
    return workspace.open_reader()


_ENDLESS = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT COUNT(*) FROM c WHERE x < 0"
)


@pytest.mark.file_only("SQLite's interrupt (the server's: tests/test_postgres_listing.py)")
def test_an_interrupted_read_raises_cancelled_and_the_next_one_runs(workspace, monkeypatch):
    """A newer query stops the worker's read: while a statement runs, between two of its
    statements (SQLite forgets an interrupt once none runs), and never the next read."""
    import threading

    from app.errors import Cancelled

    running, resume = threading.Event(), threading.Event()
    mode = {"now": "endless"}

    def statements(connection):
        if mode["now"] == "endless":
            running.set()
            return connection.execute(_ENDLESS).fetchall()  # ends only when interrupted
        if mode["now"] == "two":
            connection.execute("SELECT 1").fetchall()
            running.set()
            resume.wait(5)  # the interrupt comes here, between the two statements
            return connection.execute("SELECT COUNT(*) FROM dossiers").fetchall()
        return connection.execute("SELECT COUNT(*) FROM dossiers").fetchall()

    reader = _reader_running(workspace, statements, monkeypatch)
    try:
        for case in ("endless", "two"):
            mode["now"] = case
            running.clear()
            resume.clear()  # the second statement waits for this case's interrupt
            outcome: list[object] = []

            def read(outcome=outcome) -> None:
                try:
                    outcome.append(reader.fetch_page(ListQuery(search="x"), 0, 10))
                except Cancelled as error:
                    outcome.append(error)

            thread = threading.Thread(target=read)
            thread.start()
            assert running.wait(5)
            reader.interrupt()
            resume.set()
            thread.join(5)
            assert not thread.is_alive(), case
            assert isinstance(outcome[0], Cancelled), case
        mode["now"] = "plain"
        reader.interrupt()  # nothing running: no effect on the next read
        assert reader.fetch_page(ListQuery(search="x"), 0, 10) == [(TEMPLATE_DOSSIERS,)]
    finally:
        reader.close()
