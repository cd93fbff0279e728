"""A broad search sorted by creation, its first page read from the matches in id order
(`sqlite_listing._page_by_id`): the very page the gathered matches give (`page_sql`), on
offices whose ids follow creation and on ones whose creation dates were edited since."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from app.listing import ListColumn, ListQuery, ListTab
from app.storage import driver, sqlite_listing

SEARCHES = (
    "2025",  # newest first: after every 2026 dossier (bunched)
    "2026",  # oldest first: after every 2025 dossier (bunched)
    "2025-0",
    "m",
    "martin",
    "dupont marie",
    "2025-00017",  # one dossier
    "zzz",  # none
    "durand m",
)
NAMES = ("martin marie", "dupont marie", "durand paul", "martin luc", "petit anne", "dupont jean")
LIMIT = 7


def _build(database, dossiers: int = 1000) -> driver.Connection:
    """The template office and `dossiers` more, created from 2025-01-01 on in id order (one
    to three a day, forty on a few days), «YYYY-NNNNN» numbers, a few names."""
    connection = driver.connect(database)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(dossiers)")]
    template = connection.execute("SELECT * FROM dossiers ORDER BY id").fetchall()
    # The template's own dossiers: before the others, in id order.
    connection.execute(
        "UPDATE dossiers SET created_on = date('2024-11-01', '+' || id || ' days'), "
        "number = 'T-' || number"
    )
    day, today, rows = dt.date(2025, 1, 1), 0, []
    for n in range(dossiers):
        per_day = 40 if day.day == 15 and day.month % 4 == 0 else 1 + day.toordinal() % 3
        if today == per_day:
            day, today = day + dt.timedelta(days=1), 0
        today += 1
        row = dict(zip(columns, template[n % len(template)], strict=True))
        number = f"{day.year}-{n + 1:05d}"
        name = NAMES[n % len(NAMES)]
        row.update(
            id=None,
            number=number,
            created_on=day.isoformat(),
            holder_name=name.title(),
            holder_sort=name,
            search_text=f"{number} {n + 1} {name}",
        )
        rows.append(tuple(row.values()))
    marks = ", ".join("?" * len(columns))
    connection.executemany(f"INSERT INTO dossiers ({', '.join(columns)}) VALUES ({marks})", rows)
    connection.commit()
    return connection


@pytest.fixture
def office(paths, monkeypatch):
    """The office built; the walk short (its page within it only when near the top), as
    at 100,000 dossiers and more, where matches bunched far down are beyond its reach."""
    monkeypatch.setattr(sqlite_listing, "WALK_ROWS", 10)
    connection = _build(paths.database)
    yield connection
    connection.close()


def _owners(connection) -> list[int | None]:
    return [None, *(row[0] for row in connection.execute("SELECT DISTINCT owner_id FROM dossiers"))]


def _queries(connection):
    for search in SEARCHES:
        for tab in ListTab:
            for owner in _owners(connection)[:3]:
                for descending in (True, False):
                    yield ListQuery(tab=tab, search=search, owner_id=owner, descending=descending)


def _gathered(connection, query: ListQuery, limit: int = LIMIT) -> list[int]:
    """Today's page of every match gathered, then the sort index walked."""
    sql, params = sqlite_listing.page_sql(connection, query, 0, limit, few=False)
    return [row[0] for row in connection.execute(sql, params)]


def _recorded(monkeypatch, name: str) -> list[tuple[tuple, object]]:
    """(arguments, result) of each call of `sqlite_listing.<name>` from now on."""
    calls: list[tuple[tuple, object]] = []
    original = getattr(sqlite_listing, name)

    def recording(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append((args, result))
        return result

    monkeypatch.setattr(sqlite_listing, name, recording)
    return calls


def _check_every_query(connection, limit: int = LIMIT) -> int:
    """Every query's first page is the gathered one; how many pages had rows."""
    checked = 0
    for query in _queries(connection):
        page = [row.id for row in sqlite_listing.fetch_page(connection, query, 0, limit)]
        assert page == _gathered(connection, query, limit), query
        checked += bool(page)
    return checked


def test_ids_in_creation_order_give_the_gathered_page_by_id(office, monkeypatch):
    by_id = _recorded(monkeypatch, "_page_by_id")
    assert _check_every_query(office) > 100
    assert by_id and all(page is not None for _, page in by_id)  # never gathered


def test_a_year_bunched_far_down_the_order_is_read_by_id(office, monkeypatch):
    """«2025» newest first: every 2026 dossier comes first, further than the walk goes;
    one read of the full-text index, `BY_ID_FIRST` rows per row of the page."""
    reads = _recorded(monkeypatch, "_sorted_ids")
    gathered = _recorded(monkeypatch, "page_sql")
    page = sqlite_listing.fetch_page(office, ListQuery(search="2025"), 0, LIMIT)
    assert [row.number[:4] for row in page] == ["2025"] * LIMIT
    assert [len(args[2]) for args, _ in reads] == [sqlite_listing.BY_ID_FIRST * LIMIT]
    assert not gathered


def test_a_filter_keeping_few_matches_reads_more_of_them(office, monkeypatch):
    """The walk tried first (its page not within it here), then more matches read."""
    reads = _recorded(monkeypatch, "_sorted_ids")
    walks = _recorded(monkeypatch, "_walked_page")
    query = ListQuery(tab=ListTab.ABANDONED, search="2025", owner_id=_owners(office)[1])
    page = [row.id for row in sqlite_listing.fetch_page(office, query, 0, 10)]
    assert page == _gathered(office, query, 10) and len(page) == 10
    assert len(reads) > 1 and len(reads[1][0][2]) > len(reads[0][0][2])
    assert [result for _, result in walks] == [None]


def test_a_filter_keeping_few_matches_walks_when_its_page_is_near(office, monkeypatch):
    monkeypatch.setattr(sqlite_listing, "WALK_ROWS", 1000)
    reads = _recorded(monkeypatch, "_sorted_ids")
    walks = _recorded(monkeypatch, "_walked_page")
    query = ListQuery(tab=ListTab.ABANDONED, search="m", owner_id=_owners(office)[1])
    page = [row.id for row in sqlite_listing.fetch_page(office, query, 0, 10)]
    assert page == _gathered(office, query, 10) and len(page) == 10
    assert len(reads) == 1 and walks[0][1] is not None


def test_dossiers_moved_in_creation_are_found_or_gathered(office, monkeypatch):
    """A few old dossiers given a recent creation date (a resumed dossier), a few recent
    ones moved back: found one by one (strays); many: the matches gathered as before."""
    ids = [row[0] for row in office.execute("SELECT id FROM dossiers ORDER BY id")]
    newest = office.execute("SELECT MAX(created_on) FROM dossiers").fetchone()[0]
    last_2025 = office.execute(
        "SELECT MAX(created_on) FROM dossiers WHERE number LIKE '2025-%'"
    ).fetchone()[0]
    moves = {
        ids[45]: newest,
        ids[300]: "2026-01-03",
        ids[120]: "2026-01-01",  # the day after the last 2025 one
        ids[100]: last_2025,  # a tie with the last 2025 ones
        ids[-3]: "2025-01-02",
        ids[-40]: "2025-06-01",
    }
    office.executemany(
        "UPDATE dossiers SET created_on = ? WHERE id = ?", [(d, i) for i, d in moves.items()]
    )
    office.commit()
    by_id = _recorded(monkeypatch, "_page_by_id")
    strays = _recorded(monkeypatch, "_strays")
    assert _check_every_query(office) > 100
    served = [page is not None for _, page in by_id]
    # A page whose last row was moved back (a match created «2025-01-02» among the 2026
    # ones) finds too many strays after that day: those few are gathered.
    assert sum(served) > 0.9 * len(served)
    assert max(len(found) for _, found in strays if found is not None) > 0
    # Three 2025 dossiers moved to the newest day, to 2026-01-03 and to 2026-01-01:
    # strays, and the first three rows of «2025» newest first.
    by_id.clear()
    page = sqlite_listing.fetch_page(office, ListQuery(search="2025"), 0, LIMIT)
    assert [row.id for row in page[:3]] == [ids[45], ids[300], ids[120]]
    assert by_id[0][1] is not None

    # Many dates edited at random: beyond `STRAYS_MAX`, every match gathered (exact still).
    monkeypatch.setattr(sqlite_listing, "STRAYS_MAX", 5)
    generator = random.Random(18)
    days = [row[0] for row in office.execute("SELECT DISTINCT created_on FROM dossiers")]
    office.executemany(
        "UPDATE dossiers SET created_on = ? WHERE id = ?",
        [(generator.choice(days), i) for i in generator.sample(ids, len(ids) // 3)],
    )
    office.commit()
    by_id.clear()
    assert _check_every_query(office) > 100
    assert any(page is None for _, page in by_id)


def test_too_many_days_to_step_gather_the_matches(office, monkeypatch):
    monkeypatch.setattr(sqlite_listing, "STRAY_DATES", 3)
    by_id = _recorded(monkeypatch, "_page_by_id")
    query = ListQuery(search="2025")  # newest first: every day of 2026 after its page
    page = [row.id for row in sqlite_listing.fetch_page(office, query, 0, LIMIT)]
    assert page == _gathered(office, query)
    assert [result for _, result in by_id] == [None]


class _Recording:
    """A connection that keeps the statements it runs."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.statements: list[tuple[str, list]] = []

    def execute(self, sql, params=()):
        self.statements.append((sql, params))
        return self.connection.execute(sql, params)


def _with_300k_statistics(database) -> driver.Connection:
    """A new connection to the office, its statistics those of 300,000 dossiers."""
    from tests.test_listing import give_300k_statistics

    give_300k_statistics(database)
    return driver.connect(database)  # reads the statistics anew


@pytest.mark.parametrize("statistics", [False, True])
@pytest.mark.parametrize("tab", [ListTab.ALL, ListTab.CLIENTS])
@pytest.mark.parametrize("descending", [True, False])
def test_each_step_is_an_index_search(office, paths, statistics, tab, descending):
    """Each day, each stray, each candidate: a seek on an index, never a scan of the
    dossiers (with or without the statistics of a large office)."""
    connection = _with_300k_statistics(paths.database) if statistics else office
    recording = _Recording(connection)
    query = ListQuery(tab=tab, search="2025", owner_id=1, descending=descending)
    sqlite_listing._strays(recording, query, "2025-06-01", 300)
    sqlite_listing._sorted_ids(recording, query, [5, 300, 600], LIMIT)
    (days, days_params), (candidates, candidates_params) = recording.statements
    plan = [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + days, days_params)]
    steps = [step for step in plan if step.startswith(("SEARCH", "SCAN"))]
    index = sqlite_listing._SORT_INDEXES[ListColumn.CREATED][tab.status is not None]
    searches = [step for step in steps if step.startswith("SEARCH")]
    assert len(searches) == 3, plan  # the first day, the next one, its strays
    assert all(index in step for step in searches), plan
    assert all(step == "SCAN days" for step in steps if step not in searches), plan
    explained = connection.execute("EXPLAIN QUERY PLAN " + candidates, candidates_params)
    plan = [row[3] for row in explained]
    assert plan[0] == "SEARCH d USING INTEGER PRIMARY KEY (rowid=?)", plan
    if statistics:
        connection.close()


@pytest.mark.parametrize("search", ["2025", "anne", "marie", "ᦀlice", "anne🫶m", "zoe"])
def test_strays_beyond_ascii_are_checked_by_the_search_index(office, monkeypatch, search):
    """A stray whose text is not ASCII is checked by the full-text index (Python and
    SQLite's tokenizer disagree on letters beyond it), as the walk does."""
    ids = [row[0] for row in office.execute("SELECT id FROM dossiers ORDER BY id")]
    newest = office.execute("SELECT MAX(created_on) FROM dossiers").fetchone()[0]
    texts = {ids[50]: "anne🫶marie", ids[60]: "ᦀlice martin", ids[70]: "zoe oeuvray"}
    office.executemany(
        "UPDATE dossiers SET created_on = ?, search_text = number || ' ' || ? WHERE id = ?",
        [(newest, text, i) for i, text in texts.items()],
    )
    office.commit()
    strays = _recorded(monkeypatch, "_strays")
    for descending in (True, False):
        query = ListQuery(search=search, descending=descending)
        page = [row.id for row in sqlite_listing.fetch_page(office, query, 0, LIMIT)]
        assert page == _gathered(office, query), descending
    if search in ("2025", "anne", "marie"):  # broad: some matches left unread, strays checked
        assert any(found for _, found in strays)


def test_every_search_of_the_list_tests_gives_the_gathered_page(office):
    """Word starts, phrases of a word holding punctuation, ligatures, hostile input."""
    from tests.test_listing import SEARCHES as LIST_SEARCHES

    hostile = ['"', "'", "-", "*", "NEAR(", "a OR b", "x AND", "^", ")", "%_", "🙂"]
    for search in (*LIST_SEARCHES, *hostile):
        for tab in (ListTab.ALL, ListTab.PROSPECTS):
            for descending in (True, False):
                query = ListQuery(tab=tab, search=search, descending=descending)
                page = [row.id for row in sqlite_listing.fetch_page(office, query, 0, LIMIT)]
                if sqlite_listing.match_expression(search) is None:
                    continue  # no search: the plain list
                assert page == _gathered(office, query), query
