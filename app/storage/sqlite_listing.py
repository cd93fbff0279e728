"""The Clients list on SQLite: paged, sorted and searched in SQL (never all rows in memory).

Runs on a plain DB-API connection (`app.storage.sqlite`), so the first screen is served
before SQLAlchemy is imported. Sorting, filtering and search are done by indexed SQL; the
view only ever holds the pages it has shown. `SqliteListing` implements
`app.listing.DossierListing`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sys
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence

from app.errors import Cancelled
from app.listing import BrokerChoice, ListColumn, ListQuery, ListRow, ListTab
from app.storage import driver
from app.text import fold
from models.enums import AbandonReason, DossierStatus

_ORDER_BY = {
    ListColumn.NUMBER: ("d.number",),
    ListColumn.HOLDER: ("d.holder_sort",),
    ListColumn.OWNER: ("u.last_name", "u.first_name", "u.id"),
    ListColumn.PROVENANCE: ("p.name", "p.id"),
    ListColumn.STEP: ("s.position", "s.id"),
    ListColumn.PROGRESS: ("s.position", "s.id"),  # percentages increase along the steps
    ListColumn.CREATED: ("d.created_on",),
    ListColumn.COMPLETE: ("d.is_complete",),
    ListColumn.BANK: ("d.bank_sort",),
    ListColumn.STATUS: ("d.status", "d.created_on"),  # then the newest (or oldest) first
    ListColumn.ABANDON_REASON: ("d.abandon_reason", "d.abandoned_on"),
    ListColumn.ABANDONED_ON: ("d.abandoned_on",),
}

# Each sort walks an index in order and stops after one page, whatever SQLite's statistics
# suggest (with them, its planner prefers sorting everything). When sorting on a small
# joined table (brokers, steps, provenances), that table drives the join in sort order
# (CROSS JOIN fixes SQLite's join order) and reaches its dossiers through an index.
_SORT_INDEXES = {  # column: (index without a status filter, index with one)
    ListColumn.NUMBER: ("ix_dossiers_number", "ix_dossiers_status_number"),
    ListColumn.HOLDER: ("ix_dossiers_holder", "ix_dossiers_status_holder"),
    ListColumn.OWNER: ("ix_dossiers_owner", "ix_dossiers_owner_status"),
    ListColumn.PROVENANCE: ("ix_dossiers_provenance_id", "ix_dossiers_status_provenance"),
    ListColumn.STEP: ("ix_dossiers_step_id", "ix_dossiers_status_step"),
    ListColumn.PROGRESS: ("ix_dossiers_step_id", "ix_dossiers_status_step"),
    ListColumn.CREATED: ("ix_dossiers_created", "ix_dossiers_status_created"),
    ListColumn.COMPLETE: ("ix_dossiers_complete", "ix_dossiers_status_complete"),
    ListColumn.BANK: ("ix_dossiers_bank", "ix_dossiers_status_bank"),
    ListColumn.STATUS: ("ix_dossiers_status_created", "ix_dossiers_status_created"),
    # Shown on «Abandonnés» only (`ListQuery.sorted_by`): always under a status filter.
    ListColumn.ABANDON_REASON: ("ix_dossiers_status_reason", "ix_dossiers_status_reason"),
    ListColumn.ABANDONED_ON: ("ix_dossiers_status_abandoned", "ix_dossiers_status_abandoned"),
}
_JOINS = {
    "u": "JOIN users AS u ON u.id = d.owner_id",
    "s": "JOIN steps AS s ON s.id = d.step_id",
    "p": "JOIN provenances AS p ON p.id = d.provenance_id",
}
_DRIVERS = {
    ListColumn.OWNER: ("users AS u", "d.owner_id = u.id", "u"),
    ListColumn.PROVENANCE: ("provenances AS p", "d.provenance_id = p.id", "p"),
    ListColumn.STEP: ("steps AS s", "d.step_id = s.id", "s"),
    ListColumn.PROGRESS: ("steps AS s", "d.step_id = s.id", "s"),
}
# A search matching fewer dossiers than this is served from its matches (fetched, then
# sorted); a broader one by walking the sort index and keeping the matches.
FEW_MATCHES = 2000
# A broad search's first page: the sort index walked through at most this many dossiers,
# each one's words checked here — a page of «m» or «2» is found within a few hundred, at
# any office size, where gathering every match first costs in proportion to them (100,000
# matches: 40 ms at 300,000 dossiers). Matches bunched far down the order («2025» sorted
# by creation, newest first) are not reached: then the matches are gathered after all.
WALK_ROWS = 1000
# A broad search sorted by creation, its matches bunched further down the order than the
# walk goes («2025», newest first, after every 2026 dossier): dossier ids follow creation
# (almost always), and the full-text index gives its matches in id order cheaply. The
# matches with the highest ids (the lowest, oldest first) are read, this many per row of
# the page at first, more when the tab or broker filter keeps few of them (after trying
# the walk), at most `BY_ID_MAX`; then the dossiers beyond them in id order but
# not in creation order are looked for, date by date down the creation index, through at
# most `STRAY_DATES` dates, and checked one by one, at most `STRAYS_MAX` of them (a
# dossier resumed with a new creation date, an edited date). Beyond these bounds the
# matches are gathered as before.
BY_ID_FIRST = 4
BY_ID_MAX = 8000
STRAY_DATES = 2000
STRAYS_MAX = 200


_COLUMNS = (
    "d.id, d.number, d.holder_name, u.first_name || ' ' || u.last_name, p.name, s.name, "
    "s.percent, d.created_on, d.is_complete, d.status, d.chosen_bank, d.abandon_reason, "
    "d.abandoned_on"
)


def _walk_from(query: ListQuery, ids_only: bool = False) -> str:
    """Walk the sort index (and the small table that drives it, if any). `ids_only`: join
    nothing else."""
    index = _SORT_INDEXES[query.sorted_by][query.tab.status is not None]
    dossiers = f"dossiers AS d INDEXED BY {index}"
    driver = _DRIVERS.get(query.sorted_by)
    if driver is None:
        return dossiers if ids_only else f"{dossiers} " + " ".join(_JOINS.values())
    table, condition, alias = driver
    others = "" if ids_only else " ".join(j for key, j in _JOINS.items() if key != alias)
    return f"{table} CROSS JOIN {dossiers} ON {condition} {others}"


def _matches_from(sorted_by: ListQuery | None = None) -> str:
    """Start from the few dossiers the search matched; they are sorted afterwards. With
    `sorted_by`, only the table its sort needs is joined."""
    joins = list(_JOINS.values())
    if sorted_by is not None:
        driver = _DRIVERS.get(sorted_by.sorted_by)
        joins = [_JOINS[driver[2]]] if driver else []
    return "hits CROSS JOIN dossiers AS d ON d.id = hits.id " + " ".join(joins)


_HITS = "WITH hits(id) AS MATERIALIZED (SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ?) "


def match_expression(search: str) -> str | None:
    """FTS5 query for what the user typed: every word must start a word of the dossier.

    Accents and case are ignored (the indexed text is folded the same way); quotes keep
    user input from being read as FTS syntax.
    """
    words = [w for w in fold(search).split() if any(c.isalnum() for c in w)]
    if not words:
        return None
    return " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)


def _filters(query: ListQuery, *, with_status: bool = True) -> tuple[list[str], list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if with_status and query.tab.status is not None:
        clauses.append("d.status = ?")
        params.append(query.tab.status.value)
    for owner in (query.owner_id, query.restrict_to_owner):
        if owner is not None:
            clauses.append("d.owner_id = ?")
            params.append(owner)
    return clauses, params


def _where(clauses: list[str]) -> str:
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


def _few_matches(connection: driver.Connection, expression: str) -> bool:
    sql = "SELECT COUNT(*) FROM (SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ? LIMIT ?)"
    return connection.execute(sql, (expression, FEW_MATCHES)).fetchone()[0] < FEW_MATCHES


def _ordered_source(
    connection: driver.Connection, query: ListQuery, ids_only: bool, few: bool | None = None
) -> tuple[str, str, list[str], list[object]]:
    """(WITH prefix, FROM clause, WHERE clauses, parameters) of the list in its order.
    `ids_only`: only the tables the sort needs are joined. `few`: whether the search
    matches fewer than `FEW_MATCHES` dossiers, if already counted."""
    clauses, params = _filters(query)
    expression = match_expression(query.search)
    if few is None and expression:
        few = _few_matches(connection, expression)
    if expression and few:
        source = _matches_from(query if ids_only else None)
        return _HITS, source, clauses, [expression, *params]
    source = _walk_from(query, ids_only)
    if expression:
        # «+d.id»: the matches are only a filter. Without the «+», SQLite's statistics at
        # 300,000 dossiers make it probe the sort index for every match (a skip-scan over
        # each creation date: 3 s instead of 20 ms).
        clauses.append("+d.id IN (SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ?)")
        params.append(expression)
    return "", source, clauses, params


def _order(query: ListQuery) -> str:
    direction = "DESC" if query.descending else "ASC"
    order = ", ".join(f"{column} {direction}" for column in _ORDER_BY[query.sorted_by])
    return f"ORDER BY {order}, d.id {direction}"


def page_sql(
    connection: driver.Connection,
    query: ListQuery,
    offset: int,
    limit: int,
    few: bool | None = None,
) -> tuple[str, list[object]]:
    """The statement of one page of the list, and its parameters."""
    prefix, source, clauses, params = _ordered_source(connection, query, False, few)
    sql = (
        f"{prefix}SELECT {_COLUMNS} FROM {source}{_where(clauses)} {_order(query)} LIMIT ? OFFSET ?"
    )
    return sql, [*params, limit, offset]


def ids_sql(connection: driver.Connection, query: ListQuery) -> tuple[str, list[object]]:
    """The statement of every dossier id of the list, in its order (the sort index walked
    to the end, covering when the sort is on the dossiers' own columns)."""
    prefix, ordered, params = _ordered_ids(connection, query)
    return f"{prefix}{ordered}", params


def _ordered_ids(connection: driver.Connection, query: ListQuery) -> tuple[str, str, list[object]]:
    prefix, source, clauses, params = _ordered_source(connection, query, ids_only=True)
    return prefix, f"SELECT d.id FROM {source}{_where(clauses)} {_order(query)}", params


def fetch_ids(connection: driver.Connection, query: ListQuery) -> array[int]:
    """Every dossier id the list shows, in order: 8 bytes each (2.4 MB at 300,000).

    SQLite packs them into one text as it walks the sort index, 16 hexadecimal digits
    each (no Python tuple per row: at 1,000,000 dossiers those held the GIL ≈ 0.2 s,
    slowing the first dossier's opening right after the start); the ordered subquery is
    not flattened into the aggregate, which takes its rows in their order."""
    prefix, ordered, params = _ordered_ids(connection, query)
    sql = f"{prefix}SELECT group_concat(printf('%016x', id), '') FROM ({ordered})"
    (packed,) = connection.execute(sql, params).fetchone()
    ids: array[int] = array("q", bytes.fromhex(packed or ""))
    if sys.byteorder == "little":  # the text is big-endian, as printed
        ids.byteswap()
    return ids


def fetch_rows(
    connection: driver.Connection, query: ListQuery, ids: Sequence[int]
) -> dict[int, ListRow]:
    """The rows of these dossiers (by primary key), among those `query` still shows."""
    if not ids:
        return {}
    clauses, params = _filters(query)
    clauses.insert(0, f"d.id IN ({','.join('?' * len(ids))})")
    sql = f"SELECT {_COLUMNS} FROM dossiers AS d {' '.join(_JOINS.values())}{_where(clauses)}"
    rows = connection.execute(sql, [*ids, *params]).fetchall()
    return {row[0]: _row(row) for row in rows}


def fetch_page(
    connection: driver.Connection, query: ListQuery, offset: int, limit: int
) -> list[ListRow]:
    by_id = offset == 0 and _by_id(query)
    if by_id:  # sorted by creation, with a search: read in id order (or walked) if it can be
        page = _page_by_id(connection, query, limit)
        if page is not None:
            return page
    expression = match_expression(query.search)
    few = _few_matches(connection, expression) if expression else None
    if offset == 0 and few is False and not by_id:  # (`_page_by_id` walks when it helps)
        walked = _walked_page(connection, query, limit)
        if walked is not None:
            return walked
    sql, params = page_sql(connection, query, offset, limit, few)
    return [_row(row) for row in connection.execute(sql, params).fetchall()]


_TOKEN = re.compile(r"[^\W_]+")  # what FTS5's unicode61 tokenizer keeps: letters and digits


def word_matcher(search: str) -> Callable[[str], bool] | None:
    """What `match_expression` asks of a dossier's folded text, checked here: each typed
    word starts a word of it — a word holding punctuation («2025-0», «jean-pi») is a phrase,
    its parts following each other, the last one a start."""
    phrases = [tokens for w in fold(search).split() if (tokens := _TOKEN.findall(w))]
    if not phrases:
        return None

    def matches(text: str) -> bool:
        if any(phrase[-1] not in text for phrase in phrases):  # most rows, at C speed
            return False
        words = _TOKEN.findall(text)
        for *head, last in phrases:
            size = len(head)
            if not any(
                words[i].startswith(last) and words[i - size : i] == head
                for i in range(size, len(words))
            ):
                return False
        return True

    return matches


def _walked_page(connection: driver.Connection, query: ListQuery, limit: int) -> list | None:
    """A broad search's first page, walking the sort index through at most `WALK_ROWS`
    dossiers; None when its page lies further down (the matches gathered first:
    `page_sql`)."""
    matches = word_matcher(query.search)
    expression = match_expression(query.search)
    if matches is None or expression is None or not fold(query.search).isascii():
        return None
    clauses, params = _filters(query)
    sql = (
        f"SELECT d.id, d.search_text FROM {_walk_from(query, ids_only=True)}"
        f"{_where(clauses)} {_order(query)} LIMIT ?"
    )
    found: list[int] = []
    walked = 0
    matching = _dossier_matcher(connection, query, expression)
    for dossier_id, text in connection.execute(sql, [*params, WALK_ROWS]):
        walked += 1
        if matching(dossier_id, text):
            found.append(dossier_id)
            if len(found) == limit:
                break
    if len(found) < limit and walked == WALK_ROWS:
        return None  # not within the walk: perhaps further down
    rows = fetch_rows(connection, query, found)
    return [rows[i] for i in found if i in rows]


def _page_by_id(connection: driver.Connection, query: ListQuery, limit: int) -> list | None:
    """A search's first page sorted by creation, read from its matches in id order
    (`BY_ID_FIRST`), or walked (`_walked_page`) when the filters keep few of them or ids
    stray too far from creation; None when neither finds it (`page_sql` then).

    Newest first (oldest first is the mirror): the page is the first `limit` rows, by
    (created_on, id), among the matches with the highest ids, the lowest of which is
    `bound`. Any other match has an id below `bound`, so below every one of those rows:
    it would belong to the page only if created after the page's last day — unless no
    dossier with an id below `bound` was created after that day, the page is exact. Those
    dossiers (the strays) are found by stepping through the days after it on the creation
    index, and the ones that match are added before sorting again."""
    expression = match_expression(query.search)
    if expression is None or limit <= 0:
        return None
    order = "DESC" if query.descending else "ASC"
    fts = f"SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ? ORDER BY rowid {order} LIMIT ?"
    wanted, walked = min(BY_ID_FIRST * limit, BY_ID_MAX), False
    while True:
        ids = [row[0] for row in connection.execute(fts, (expression, wanted))]
        page = _sorted_ids(connection, query, ids, limit)
        if len(ids) < wanted or len(page) == limit:
            break  # every match read, or a page of them kept by the filters
        if not walked:  # the filters keep few of them: the walk may find its page sooner
            walked = True
            if (walked_page := _walked_page(connection, query, limit)) is not None:
                return walked_page
        # As many more as the filters seem to need, at least four times as many.
        needed = wanted * limit * 5 // (4 * len(page)) if page else 4 * wanted
        if needed > BY_ID_MAX or wanted == BY_ID_MAX:
            return None  # as costly as gathering them all, or more
        wanted = min(max(4 * wanted, needed), BY_ID_MAX)
    if len(ids) == wanted:  # some matches not read: those created out of id order?
        strays = _strays(connection, query, page[-1][1], ids[-1])
        if strays is None:
            return None if walked else _walked_page(connection, query, limit)
        found = _matching(connection, query, expression, strays)
        if found:
            page = _sorted_ids(connection, query, [*(i for i, _ in page), *found], limit)
    rows = fetch_rows(connection, query, [i for i, _ in page])
    return [rows[i] for i, _ in page if i in rows]


def _by_id(query: ListQuery) -> bool:
    """Whether `_page_by_id` serves this query's first page (else the walk, then
    `page_sql`)."""
    return query.sorted_by is ListColumn.CREATED and match_expression(query.search) is not None


def _sorted_ids(
    connection: driver.Connection, query: ListQuery, ids: Sequence[int], limit: int
) -> list[tuple[int, str]]:
    """(id, creation day) of the first `limit` dossiers of the list among these ones
    (looked up by primary key), in its order."""
    if not ids:
        return []
    clauses, params = _filters(query)
    clauses.insert(0, f"d.id IN ({','.join('?' * len(ids))})")
    sql = (
        f"SELECT d.id, d.created_on FROM dossiers AS d NOT INDEXED{_where(clauses)} "
        f"{_order(query)} LIMIT ?"
    )
    return connection.execute(sql, [*ids, *params, limit]).fetchall()


def _strays(
    connection: driver.Connection, query: ListQuery, last_day: str, bound: int
) -> list[tuple[int, str]] | None:
    """(id, folded text) of the tab's dossiers beyond `bound` in id order but before
    `last_day` in the list's order; None when more than `STRAYS_MAX`, or further than
    `STRAY_DATES` days. Each day is one seek on the creation index (stepping away from
    `last_day`), each day's strays another."""
    status = query.tab.status
    index = _SORT_INDEXES[ListColumn.CREATED][status is not None]
    of_tab = "status = ? AND " if status is not None else ""
    tab = [status.value] if status is not None else []
    # Newest first: the days after `last_day`, ids below `bound`; oldest first the mirror.
    step, after, beyond = ("MIN", ">", "<") if query.descending else ("MAX", "<", ">")
    seek = f"SELECT {step}(created_on) FROM dossiers INDEXED BY {index} WHERE {of_tab}created_on"
    sql = (
        f"WITH RECURSIVE days(day) AS ({seek} {after} ? UNION ALL "
        f"SELECT ({seek} {after} days.day) FROM days WHERE days.day IS NOT NULL LIMIT ?) "
        f"SELECT days.day, x.id, x.search_text FROM days LEFT JOIN dossiers AS x "
        f"INDEXED BY {index} ON {of_tab.replace('status', 'x.status')}"
        f"x.created_on = days.day AND x.id {beyond} ? LIMIT ?"
    )
    most = STRAY_DATES + 2 + STRAYS_MAX
    params = [*tab, last_day, *tab, STRAY_DATES + 2, *tab, bound, most]
    found = connection.execute(sql, params).fetchall()
    strays = [(row[1], row[2]) for row in found if row[1] is not None]
    ended = any(row[0] is None for row in found)  # the day after the last one: none
    if len(found) == most or not ended or len(strays) > STRAYS_MAX:
        return None  # the last day not reached within the bounds
    return strays


def _matching(
    connection: driver.Connection, query: ListQuery, expression: str, dossiers: list
) -> list[int]:
    """The ids of these (id, folded text) dossiers that the search matches."""
    matching = _dossier_matcher(connection, query, expression)
    return [dossier_id for dossier_id, text in dossiers if matching(dossier_id, text)]


def _dossier_matcher(
    connection: driver.Connection, query: ListQuery, expression: str
) -> Callable[[int, str], bool]:
    """Whether a dossier (id, folded text) matches the search as FTS5 matches it. Letters
    and digits are words alike here and for FTS5 in ASCII (what folded names are): checked
    here; beyond it (an emoji in a name, a letter newer than SQLite's tables) the
    full-text index itself says."""
    matches = word_matcher(query.search) if fold(query.search).isascii() else None

    def matching(dossier_id: int, text: str) -> bool:
        if matches is not None and text.isascii():
            return matches(text)
        return _indexed_match(connection, expression, dossier_id)

    return matching


def _indexed_match(connection: driver.Connection, expression: str, dossier_id: int) -> bool:
    sql = "SELECT 1 FROM dossier_fts WHERE dossier_fts MATCH ? AND rowid = ?"
    return connection.execute(sql, (expression, dossier_id)).fetchone() is not None


def _row(row: tuple) -> ListRow:
    return ListRow(
        id=row[0],
        number=row[1],
        holder=row[2],
        owner=row[3],
        provenance=row[4],
        step=row[5],
        percent=row[6],
        created_on=dt.date.fromisoformat(row[7]),
        is_complete=bool(row[8]),
        status=DossierStatus(row[9]),
        bank=row[10],
        abandon_reason=AbandonReason(row[11]).label if row[11] else "",
        abandoned_on=dt.date.fromisoformat(row[12]) if row[12] else None,
    )


def fetch_row(connection: driver.Connection, query: ListQuery, dossier_id: int) -> ListRow | None:
    """One dossier's row as the list shows it, or None if it is no longer among the rows
    `query` shows (tab, broker filter, search, the user's own dossiers)."""
    clauses, params = _filters(query)
    clauses.insert(0, "d.id = ?")
    params.insert(0, dossier_id)
    expression = match_expression(query.search)
    if expression:
        clauses.append(
            "EXISTS (SELECT 1 FROM dossier_fts WHERE dossier_fts MATCH ? AND rowid = d.id)"
        )
        params.append(expression)
    sql = f"SELECT {_COLUMNS} FROM dossiers AS d {' '.join(_JOINS.values())}{_where(clauses)}"
    row = connection.execute(sql, params).fetchone()
    return None if row is None else _row(row)


def count_by_tab(connection: driver.Connection, query: ListQuery) -> dict[ListTab, int]:
    """How many dossiers each tab would show with the current search and filters."""
    clauses, params = _filters(query, with_status=False)
    expression = match_expression(query.search)
    prefix, source = "", "dossiers AS d"
    if expression:
        prefix, source, params = (
            _HITS,
            "hits CROSS JOIN dossiers AS d ON d.id = hits.id",
            [expression, *params],
        )
    counts = {ListTab.ALL: 0}
    by_status = {tab.status: tab for tab in ListTab if tab.status is not None}
    sql = f"{prefix}SELECT d.status, COUNT(*) FROM {source}{_where(clauses)} GROUP BY d.status"
    for status, number in connection.execute(sql, params):
        tab = by_status[DossierStatus(status)]
        counts[tab] = number
        counts[ListTab.ALL] += number
    return {tab: counts.get(tab, 0) for tab in ListTab}


def list_brokers(connection: driver.Connection) -> list[BrokerChoice]:
    """Brokers for the list's filter: active ones, and inactive ones that still own dossiers."""
    rows = connection.execute(
        "SELECT id, first_name || ' ' || last_name FROM users "
        "WHERE is_broker AND (is_active OR EXISTS (SELECT 1 FROM dossiers AS d "
        "WHERE d.owner_id = users.id)) "
        "ORDER BY last_name, first_name"
    )
    return [BrokerChoice(id=row[0], name=row[1]) for row in rows]


class SqliteListing:
    """`DossierListing` on one sqlite3 connection, serialised by a lock (the GUI thread and
    the list's helpers may share it; a worker thread opens its own).

    `interrupt()` stops the call running on the connection (another thread asks: a newer
    query made it stale): that call raises `Cancelled`. An interrupt that comes between two
    of its statements still stops it (a progress handler checks, as SQLite's own interrupt
    is forgotten once no statement runs); one that comes when no call runs is a no-op.
    """

    # Virtual machine steps between two looks at the interrupt (about a millisecond): the
    # handler takes the GIL, which the GUI thread may hold; SQLite's own interrupt stops a
    # statement at once.
    PROGRESS_STEPS = 100_000
    CACHE_KIB = 2048  # page cache of a worker's connection

    def __init__(self, connection: driver.Connection, owns_connection: bool = False) -> None:
        self.connection = connection
        self.lock = threading.Lock()
        self._owns_connection = owns_connection
        self._state = threading.Lock()  # guards the two flags below, never held long
        self._running = False
        self._interrupted = False
        if owns_connection:  # a worker's connection: its long reads can be interrupted
            connection.set_progress_handler(lambda: self._interrupted, self.PROGRESS_STEPS)
            # Its searches and counts walk a different part of the file at each keystroke:
            # SQLite's default cache is enough (the file's pages stay in the system's cache),
            # where the office's 16 MB held 14 MB more per connection at 300,000 dossiers.
            connection.execute(f"PRAGMA cache_size=-{self.CACHE_KIB}")

    @contextlib.contextmanager
    def _interruptible(self) -> Iterator[None]:
        with self.lock:
            with self._state:
                self._running, self._interrupted = True, False
            try:
                yield
            except driver.OperationalError as error:
                if "interrupted" not in str(error):
                    raise
                raise Cancelled("Lecture de la liste interrompue.") from None
            finally:
                with self._state:
                    self._running = False
            if self._interrupted:  # between its last statement and its end: stale all the same
                raise Cancelled("Lecture de la liste interrompue.")

    def fetch_page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        """Raises `Cancelled` if `interrupt()` stopped it."""
        with self._interruptible():
            return fetch_page(self.connection, query, offset, limit)

    def fetch_row(self, query: ListQuery, dossier_id: int) -> ListRow | None:
        with self.lock:
            return fetch_row(self.connection, query, dossier_id)

    def fetch_ids(self, query: ListQuery) -> array[int]:
        """Raises `Cancelled` if `interrupt()` stopped it."""
        with self._interruptible():
            return fetch_ids(self.connection, query)

    def fetch_rows(self, query: ListQuery, ids: Sequence[int]) -> dict[int, ListRow]:
        with self.lock:
            return fetch_rows(self.connection, query, ids)

    def interrupt(self) -> None:
        """Stop the call running on this connection (from another thread): it raises
        `Cancelled` in its own thread. Without the connection's lock, on purpose."""
        with self._state:
            if not self._running:
                return
            self._interrupted = True
        self.connection.interrupt()

    def count_by_tab(self, query: ListQuery) -> dict[ListTab, int]:
        """Raises `Cancelled` if `interrupt()` stopped it."""
        with self._interruptible():
            return count_by_tab(self.connection, query)

    def brokers(self) -> list[BrokerChoice]:
        with self.lock:
            return list_brokers(self.connection)

    def close(self) -> None:
        if self._owns_connection:
            with self.lock:
                self.connection.close()
