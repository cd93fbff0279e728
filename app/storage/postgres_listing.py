"""The Clients list on a PostgreSQL server (issue 11): `app.listing.DossierListing` with the
same answers as the SQLite file's (`app.storage.sqlite_listing`), paged, sorted and searched
by the server, never all rows in memory.

Runs on a plain psycopg connection (autocommit: each statement sees every commit before it),
as the file's list runs on sqlite3, so it needs no SQLAlchemy.

- Search: each typed word must start a word of the dossier's folded `search_text` (accents
  and case aside, the text folded in Python as on SQLite); a word holding punctuation
  («2025-0», «jean-pi») is a phrase, its parts following each other, the last one a start —
  what SQLite's FTS5 prefix query does. Said to the server as a regular expression on
  `search_text`, which the trigram index (`pg_trgm`, migration 0001's PostgreSQL part) serves
  for words of three letters and more; a broader search (one or two letters) walks the sort
  index and stops after a page, as the file's list does. Each word is checked first as a
  substring (`LIKE`), which is cheaper, so the walk passes non-matching dossiers quickly.
- A word that is a number's start («2024», «2025-0»: digits first, letters and digits only)
  whose dossiers are not too many is gathered, not walked: its matches at the start of
  `search_text` (where the dossier's number is) are ranges of a btree index on the text in
  byte order, the others (further in the text) are found by a trigram index on the text
  less its first character (migration 0031), then sorted (`_gather_number`). A walk would
  pass every dossier before them in the order: 77,000–87,000 newest first, 46–54 ms.
- Sorts: the same columns and tie-breaks as SQLite, then the id; NULLs first in ascending
  order as SQLite has them.
- Sorts on a column with few values (broker, provenance, step, complete, bank) walk those
  values in order, each one's dossiers by id, and stop once the page is full — what the
  file does by driving the join from the small table. Said as one ORDER BY over the join,
  PostgreSQL sorts every dossier (90–170 ms at 100,000) to give 100 of them.
- Pages: a page after one already served since the first page was read again continues
  from the last row's sort key (keyset); other pages are read by OFFSET.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg

from app.errors import Cancelled, DatabaseOpenError, StorageError
from app.listing import BrokerChoice, ListColumn, ListQuery, ListRow, ListTab
from app.text import fold
from models.enums import AbandonReason, DossierStatus

# (expression, may be NULL) of each sort, in order; the id breaks ties last.
_ORDER_BY: dict[ListColumn, tuple[tuple[str, bool], ...]] = {
    ListColumn.NUMBER: (("d.number", False),),
    ListColumn.HOLDER: (("d.holder_sort", False),),
    ListColumn.OWNER: (("u.last_name", False), ("u.first_name", False), ("u.id", False)),
    ListColumn.PROVENANCE: (("p.name", False), ("p.id", False)),
    ListColumn.STEP: (("s.position", False), ("s.id", False)),
    ListColumn.PROGRESS: (("s.position", False), ("s.id", False)),
    ListColumn.CREATED: (("d.created_on", False),),
    ListColumn.COMPLETE: (("d.is_complete", False),),
    ListColumn.BANK: (("d.bank_sort", False),),
    ListColumn.STATUS: (("d.status", False), ("d.created_on", False)),
    ListColumn.ABANDON_REASON: (("d.abandon_reason", True), ("d.abandoned_on", True)),
    ListColumn.ABANDONED_ON: (("d.abandoned_on", True),),
}
_JOINS = (
    "JOIN users AS u ON u.id = d.owner_id "
    "JOIN steps AS s ON s.id = d.step_id "
    "JOIN provenances AS p ON p.id = d.provenance_id"
)
_COLUMNS = (
    "d.id, d.number, d.holder_name, u.first_name || ' ' || u.last_name, p.name, s.name, "
    "s.percent, d.created_on, d.is_complete, d.status, d.chosen_bank, d.abandon_reason, "
    "d.abandoned_on"
)
# Sorts led by a column with few values: (SQL giving each value's sort key then the value
# the dossiers' column holds, in ascending order; that condition on the dossiers). The sort
# key is `_ORDER_BY`'s terms but the last (d.id). The banks are the distinct values of an
# indexed column, read by a skip scan of its index (one probe per value).
_GROUPS: dict[ListColumn, tuple[str, str]] = {
    ListColumn.OWNER: (
        "SELECT last_name, first_name, id, id FROM users ORDER BY last_name, first_name, id",
        "d.owner_id = %s",
    ),
    ListColumn.PROVENANCE: (
        "SELECT name, id, id FROM provenances ORDER BY name, id",
        "d.provenance_id = %s",
    ),
    ListColumn.STEP: ("SELECT position, id, id FROM steps ORDER BY position, id", "d.step_id = %s"),
    ListColumn.PROGRESS: (
        "SELECT position, id, id FROM steps ORDER BY position, id",
        "d.step_id = %s",
    ),
    ListColumn.COMPLETE: (
        "SELECT v, v FROM (VALUES (false), (true)) AS g(v) ORDER BY v",
        "d.is_complete = %s",
    ),
    ListColumn.BANK: (
        "WITH RECURSIVE b(v) AS (SELECT min(bank_sort) FROM dossiers UNION ALL "
        "SELECT (SELECT min(bank_sort) FROM dossiers WHERE bank_sort > b.v) FROM b "
        "WHERE b.v IS NOT NULL) SELECT v, v FROM b WHERE v IS NOT NULL ORDER BY v",
        "d.bank_sort = %s",
    ),
}
_TOKEN = re.compile(r"[^\W_]+")  # letters and digits: the words FTS5's unicode61 keeps
_NUMBER_START = re.compile(r"[0-9]{4,}")  # a year at least: a number's start
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")
# Migration 0031's indexes (app/storage/migrations/dialects.py), which `_gather_number` needs.
_GATHER_INDEXES = ("ix_dossiers_search_prefix", "ix_dossiers_search_rest_trgm")
_SEPARATOR = "[^[:alnum:]]+"
_QUERY_CANCELED = "57014"
FEW_IN_GROUP = 2000  # a sort's value with fewer dossiers: they are sorted, not walked
# A number's start with fewer dossiers whose text starts with it is gathered, not walked.
GATHER_AT_MOST = 20_000
STATISTICS_KEPT_S = 300.0  # the server's statistics of the texts, read again after
CANCEL_TIMEOUT_S = 5.0  # a cancel request to a server that does not answer is given up
PAGE_KEYS_KEPT = 64  # the last row's key of the pages served lately (keyset paging)
LIST_UNREACHABLE = (
    "Le serveur de la base de données ne répond pas : la liste des dossiers n'a pas pu être "
    "lue. Vérifiez le réseau du cabinet ; Dossia se reconnecte de lui-même."
)


def search_patterns(search: str) -> list[str]:
    """One regular expression per typed word: its parts (letters and digits) starting a word
    of the folded text and following each other, the last one a start (FTS5's `"a b"*`)."""
    patterns = []
    for word in fold(search).split():
        tokens = _TOKEN.findall(word)
        if tokens:
            patterns.append("(^|[^[:alnum:]])" + _SEPARATOR.join(map(re.escape, tokens)))
    return patterns


def search_substrings(search: str) -> list[str]:
    """One LIKE pattern per typed word (those of `search_patterns`): its parts in order,
    anything between them — what each word's regular expression implies. The parts are
    letters and digits only: nothing to escape."""
    substrings = []
    for word in fold(search).split():
        tokens = _TOKEN.findall(word)
        if tokens:
            substrings.append("%" + "%".join(tokens) + "%")
    return substrings


def _filters(
    query: ListQuery,
    *,
    with_status: bool = True,
    with_search: bool = True,
    without_word: int | None = None,
) -> tuple[list[str], list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if with_status and query.tab.status is not None:
        clauses.append("d.status = %s")
        params.append(query.tab.status.value)
    for owner in (query.owner_id, query.restrict_to_owner):
        if owner is not None:
            clauses.append("d.owner_id = %s")
            params.append(owner)
    if with_search:
        for number, (pattern, substring) in enumerate(
            zip(search_patterns(query.search), search_substrings(query.search), strict=True)
        ):
            if number == without_word:
                continue  # `_gather_number` gathers exactly that word's matches
            # The substring first: what the regular expression implies, checked 3–4 times
            # faster, so a walk of the sort order spends little on the dossiers that do
            # not match («2025» newest first walks the 52,000 of 2026: 88 → 22 ms). Inside
            # `coalesce`, the planner estimates it as one condition it cannot see into
            # (one half), not as a second pattern: it still walks for a common word
            # («martin») and gathers through the trigram index for a rare one.
            clauses.append("coalesce(d.search_text LIKE %s, false)")
            clauses.append("d.search_text ~ %s")
            params.extend([substring, pattern])
    return clauses, params


def _trigram_search(query: ListQuery) -> bool:
    """Whether the search has a word part of three characters or more (the trigram index
    serves it: its matches are gathered, then sorted); shorter ones walk the sort order."""
    return any(len(token) >= 3 for token in _TOKEN.findall(fold(query.search)))


def number_word(search: str) -> tuple[int, list[str]] | None:
    """The first searched word that starts like a dossier's number (four digits or more
    first, then letters and digits only, in ASCII: «2024», «2025-0», «2026-001»), as (its
    place among the words of `search_patterns`, its parts); None if there is none."""
    words = [_TOKEN.findall(word) for word in fold(search).split()]
    for place, tokens in enumerate([tokens for tokens in words if tokens]):
        if _NUMBER_START.fullmatch(tokens[0]) and all(
            _ASCII_TOKEN.fullmatch(token) for token in tokens
        ):
            return place, tokens
    return None


def _after(text: str) -> str:
    """The first string after every string starting with `text` (in byte order); `text`
    ends with an ASCII letter or digit."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def prefix_ranges(tokens: Sequence[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Where, in byte order, the texts lie that start with the word whose parts are `tokens`
    (ASCII letters and digits), each part but the last a whole one, the parts apart by
    anything but letters and digits — the word's regular expression matched at the start
    of the text (`search_patterns`). As (exact, to check): ranges [low, high) whose texts
    all start with it (the parts joined by «-», as in a dossier's number), and ranges
    whose texts may (other separators, or longer ones; a letter outside ASCII) and are
    checked with the regular expression. Texts outside both do not start with it: after
    a part but the last comes a letter or a digit (the part goes on), or after a separator
    a letter or digit other than the next part's."""
    exact, checked = [], []
    start = tokens[0]
    for token in tokens[1:]:
        # After a whole part, anything but an ASCII letter or digit, except «-» followed by
        # one: other separators, and «-» followed by more (the adjacent ranges joined).
        checked += [
            (start, start + "-0"),
            (start + "-:", start + "-A"),
            (start + "-[", start + "-a"),
            (start + "-{", start + "0"),
            (start + ":", start + "A"),
            (start + "[", start + "a"),
            (start + "{", _after(start)),
        ]
        start = f"{start}-{token}"
    exact.append((start, _after(start)))
    return exact, checked


def _ranges_sql(ranges: Sequence[tuple[str, str]]) -> tuple[str, list[object]]:
    """`search_text` in one of `ranges`, in byte order (the prefix index's own order)."""
    condition = " OR ".join(
        '(d.search_text COLLATE "C" >= %s AND d.search_text COLLATE "C" < %s)' for _ in ranges
    )
    return f"({condition})", [bound for pair in ranges for bound in pair]


def _where(clauses: list[str]) -> str:
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


def _sort_terms(query: ListQuery) -> list[tuple[str, bool]]:
    return [*_ORDER_BY[query.sorted_by], ("d.id", False)]


def _order(query: ListQuery) -> str:
    direction = "DESC" if query.descending else "ASC"
    terms = []
    for expression, nullable in _sort_terms(query):
        # SQLite puts NULLs first in ascending order, last in descending order.
        nulls = (" NULLS LAST" if query.descending else " NULLS FIRST") if nullable else ""
        terms.append(f"{expression} {direction}{nulls}")
    return "ORDER BY " + ", ".join(terms)


def _keyset(query: ListQuery, key: tuple) -> tuple[str, list[object]] | None:
    """The condition «after the row whose sort key is `key`» (None for a sort on columns
    that may be NULL: those pages are read by OFFSET)."""
    terms = _sort_terms(query)
    if any(nullable for _expression, nullable in terms):
        return None
    columns = ", ".join(expression for expression, _nullable in terms)
    markers = ", ".join(["%s"] * len(terms))
    return f"({columns}) {'<' if query.descending else '>'} ({markers})", list(key)


def _row(row: tuple) -> ListRow:
    return ListRow(
        id=row[0],
        number=row[1],
        holder=row[2],
        owner=row[3],
        provenance=row[4],
        step=row[5],
        percent=row[6],
        created_on=row[7],
        is_complete=bool(row[8]),
        status=DossierStatus(row[9]),
        bank=row[10],
        abandon_reason=AbandonReason(row[11]).label if row[11] else "",
        abandoned_on=row[12],
    )


class ServerListing:
    """`DossierListing` on one psycopg connection, serialised by a lock (the GUI thread and
    the list's helpers may share it; a worker thread opens its own).

    `interrupt()` cancels the statement running on the connection (another thread asks: a
    newer query made it stale): that call raises `Cancelled`. The cancel request (a
    connection to the server, 7–19 ms) is sent from a thread of its own, not by the caller
    (the GUI thread, at each keystroke); no statement is sent on the connection while a
    cancel is on its way, and a cancel whose read has ended is not sent: a late cancel never
    stops the next read."""

    def __init__(self, connect: Callable[[], psycopg.Connection]) -> None:
        self._connect = connect
        self.connection = connect()
        self.lock = threading.Lock()
        self._state = threading.Lock()
        self._running = False
        self._interrupted = False
        self._reading = 0  # counts the interruptible reads: the one a cancel is meant for
        # Held while a cancel request is sent; each statement waits for it first.
        self._cancelling = threading.Lock()
        # (query, offset) → the sort key of the row just before `offset`.
        self._page_keys: dict[tuple[ListQuery, int], tuple] = {}
        self._gather_indexes: bool | None = None  # whether 0031's indexes are there
        # (when read, the histogram's bounds of `search_text`, the table's rows)
        self._statistics: tuple[float, list[str], float] | None = None

    def _execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Rows of one statement. A connection found lost (the server restarted, a network
        cut: the session ended while the list was idle) is opened again and the statement
        run once more on the new one — a read, so nothing is done twice; if the server does
        not answer, it is said in French (and the next call tries again)."""
        try:
            return self._run(sql, params)
        except psycopg.errors.QueryCanceled:
            raise  # interrupted (`interrupt()`): Cancelled
        except psycopg.OperationalError as error:
            if not self._drop_if_broken():
                raise StorageError(LIST_UNREACHABLE) from error
        try:
            return self._run(sql, params)
        except psycopg.errors.QueryCanceled:
            raise
        except psycopg.OperationalError as error:
            self._drop_if_broken()
            raise StorageError(LIST_UNREACHABLE) from error

    def _run(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        try:
            if self.connection.closed:
                self.connection = self._connect()
        except DatabaseOpenError as error:  # no new connection (`ServerRefusal`)
            if getattr(error, "reason", "") != "unreachable":
                raise StorageError(str(error)) from error
            raise StorageError(LIST_UNREACHABLE) from error
        with self._cancelling:  # a cancel on its way would stop this statement: it waits
            pass
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _drop_if_broken(self) -> bool:
        """Close the connection if it is lost (a new one is opened at the next statement);
        whether it was."""
        broken = self.connection.broken
        if broken:
            with contextlib.suppress(psycopg.Error):
                self.connection.close()
        return broken

    @contextlib.contextmanager
    def _interruptible(self) -> Iterator[None]:
        with self.lock:
            with self._state:
                self._running, self._interrupted = True, False
                self._reading += 1
            try:
                yield
            except psycopg.errors.QueryCanceled:
                raise Cancelled("Lecture de la liste interrompue.") from None
            except psycopg.Error:
                # Cancelled inside a regular expression, the server says «invalid regular
                # expression: operation cancelled» (2201B), not 57014: seen while typing a
                # search, the tabs' count raised it to the crash dialog.
                if self._interrupted:
                    raise Cancelled("Lecture de la liste interrompue.") from None
                raise
            finally:
                with self._state:
                    self._running = False
            if self._interrupted:
                raise Cancelled("Lecture de la liste interrompue.")

    def fetch_page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        """Raises `Cancelled` if `interrupt()` stopped it."""
        with self._interruptible():
            return self._fetch_page(query, offset, limit)

    def _fetch_page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        clauses, params = _filters(query)
        skip = offset
        if offset == 0:
            # A first page starts a new reading of the list (a refresh, another search):
            # the keys of the pages read before may no longer be where they were.
            for known in [k for k in self._page_keys if k[0] == query]:
                del self._page_keys[known]
        key = self._page_keys.get((query, offset)) if offset else None
        walkable = offset == 0 or key is not None
        if walkable and not _trigram_search(query):
            walked = None
            if query.sorted_by in _GROUPS:
                walked = self._walk_groups(query, key, limit)
            elif query.sorted_by is ListColumn.ABANDONED_ON:
                walked = self._walk_abandoned_on(query, key, limit)
            if walked is not None:
                return self._served(query, offset, walked)
        after = _keyset(query, key) if key is not None else None
        if after is not None:
            skip = 0
        keys = ", ".join(expression for expression, _nullable in _sort_terms(query))
        gathered = self._gather_number(query, after, keys, limit, skip)
        if gathered is not None:
            return self._served(query, offset, gathered)
        if after is not None:
            clauses.append(after[0])
            params.extend(after[1])
        sql = (
            f"SELECT {_COLUMNS}, {keys} FROM dossiers AS d {_JOINS}{_where(clauses)} "
            f"{_order(query)} LIMIT %s OFFSET %s"
        )
        return self._served(query, offset, self._execute(sql, [*params, limit, skip]))

    def _gather_number(
        self,
        query: ListQuery,
        after: tuple[str, list[object]] | None,
        keys: str,
        limit: int,
        skip: int,
    ) -> list[tuple] | None:
        """A page of a search holding a number's start, its matches gathered
        (`_number_matches`), then the other conditions, then sorted; None (the page is read
        as before) if they are not gathered."""
        joined = query.sorted_by in _JOINED_SORTS  # sorted on the joined tables' columns
        found = self._number_matches(query, everything=joined)
        if found is None:
            return None
        matches, matches_params, place = found
        clauses, params = _filters(query, without_word=place)
        if after is not None:
            clauses.append(after[0])
            params.extend(after[1])
        if joined:
            sql = (
                f"SELECT {_COLUMNS}, {keys} FROM ({matches}) AS d {_JOINS}{_where(clauses)} "
                f"{_order(query)} LIMIT %s OFFSET %s"
            )
        else:  # the page's ids sorted first, then its rows read and joined
            sql = (
                f"SELECT {_COLUMNS}, {keys} FROM (SELECT d.id FROM ({matches}) AS d"
                f"{_where(clauses)} {_order(query)} LIMIT %s OFFSET %s) AS g "
                f"JOIN dossiers AS d ON d.id = g.id {_JOINS} {_order(query)}"
            )
        return self._execute(sql, [*matches_params, *params, limit, skip])

    def _number_matches(
        self, query: ListQuery, *, everything: bool = False
    ) -> tuple[str, list[object], int] | None:
        """For a search holding a number's start (`number_word`) whose texts starting with
        it are fewer than GATHER_AT_MOST: (a query giving the dossiers that word matches —
        exactly those of its regular expression —, its parameters, the word's place among
        the searched words), with every column if `everything`, else those the conditions
        and the sort read. None without that word, without 0031's indexes, or with more
        such dossiers (a walk of the order meets them soon: «2026» newest first).

        The word matches at the start of the text (its number) or further (the number's
        sequence, a name): the first, by `prefix_ranges` on the prefix index; the second,
        by the trigram index on the text less its first character, which holds the match
        whole (its parts in order: `search_substrings`), then the regular expression."""
        found = number_word(query.search)
        if found is None or not self._has_gather_indexes():
            return None
        place, tokens = found
        words = [word for word in fold(query.search).split() if _TOKEN.search(word)]
        if any(
            _trigram_search(ListQuery(search=word)) for word in words[:place] + words[place + 1 :]
        ):
            return None  # another word the trigram index gathers (or a walk meets soon)
        exact, checked = prefix_ranges(tokens)
        in_exact, exact_params = _ranges_sql(exact)
        starting = self._estimated_starts([*exact, *checked])
        if starting is None:  # no statistics yet (a new office): counted, up to the limit
            in_checked, checked_params = _ranges_sql(checked) if checked else ("false", [])
            starting = self._execute(
                f"SELECT count(*) FROM (SELECT 1 FROM dossiers AS d WHERE {in_exact} OR "
                f"{in_checked} LIMIT {GATHER_AT_MOST}) AS g",
                [*exact_params, *checked_params],
            )[0][0]
        if starting >= GATHER_AT_MOST:
            return None
        pattern = search_patterns(query.search)[place]
        substring = search_substrings(query.search)[place]
        # Only what the conditions and the sort read: the prefix index holds it for the
        # sort on the creation date and the tabs' counts (read without the table's rows).
        needed = ["d.id", "d.search_text", "d.status", "d.owner_id"]
        needed += [
            term
            for term, _nullable in _sort_terms(query)
            if term.startswith("d.") and term not in needed
        ]
        columns = "d.*" if everything else ", ".join(needed)
        # The rows of each part, once each (the ranges do not overlap): at the start, exactly
        # (one range: read from the index alone) or checked (their ranges as arrays: the
        # same plan whatever their number, planned in less time than as many conditions);
        # further, less those of the start's ranges (already there when they match). The
        # regular expression inside `coalesce`, out of the search index's reach: the
        # planner would read it there too (every dossier of the year: 11 ms) to cross it
        # with a few rows.
        in_range = 'd.search_text COLLATE "C" >= r.low AND d.search_text COLLATE "C" < r.high'
        matches = (
            f"SELECT {columns} FROM dossiers AS d WHERE {in_exact} "
            f"UNION ALL SELECT {columns} FROM unnest(%s::text[], %s::text[]) AS r(low, high) "
            f"JOIN dossiers AS d ON {in_range} WHERE coalesce(d.search_text ~ %s, false) "
            f"UNION ALL SELECT {columns} FROM dossiers AS d "
            "WHERE substr(d.search_text, 2) LIKE %s AND coalesce(d.search_text ~ %s, false) "
            "AND NOT EXISTS (SELECT FROM unnest(%s::text[], %s::text[]) AS r(low, high) "
            f"WHERE {in_range}) OFFSET 0"
        )
        matches_params: list[object] = [
            *exact_params,
            [low for low, _high in checked],
            [high for _low, high in checked],
            pattern,
            substring,
            pattern,
            [low for low, _high in [*exact, *checked]],
            [high for _low, high in [*exact, *checked]],
        ]
        return matches, matches_params, place

    def _estimated_starts(self, ranges: Sequence[tuple[str, str]]) -> float | None:
        """How many dossiers' texts lie in `ranges`, estimated from the server's statistics
        of `search_text` (the bounds of its histogram: as many dossiers between each two),
        read again after STATISTICS_KEPT_S; None without statistics."""
        now = time.monotonic()
        if self._statistics is None or now - self._statistics[0] > STATISTICS_KEPT_S:
            found = self._execute(
                "SELECT s.histogram_bounds::text::text[], c.reltuples FROM pg_stats AS s "
                "JOIN pg_class AS c ON c.relname = s.tablename "
                "JOIN pg_namespace AS n ON n.oid = c.relnamespace AND n.nspname = s.schemaname "
                "WHERE c.oid = 'dossiers'::regclass AND s.attname = 'search_text'"
            )
            bounds, rows = found[0] if found else (None, 0)
            self._statistics = (now, bounds or [], max(float(rows or 0), 0.0))
        _read, bounds, rows = self._statistics
        if len(bounds) < 2 or not rows:
            return None
        inside = sum(1 for bound in bounds if any(low <= bound < high for low, high in ranges))
        return inside / (len(bounds) - 1) * rows

    def _has_gather_indexes(self) -> bool:
        """Whether the office has 0031's indexes (not without `pg_trgm`); asked once."""
        if self._gather_indexes is None:
            found = self._execute(
                "SELECT count(*) FROM pg_indexes WHERE tablename = 'dossiers' "
                "AND indexname = ANY(%s)",
                [list(_GATHER_INDEXES)],
            )
            self._gather_indexes = found[0][0] == len(_GATHER_INDEXES)
        return self._gather_indexes

    def _served(self, query: ListQuery, offset: int, rows: list[tuple]) -> list[ListRow]:
        """The page's rows (each followed by its sort key); the last one's key kept for
        the page after it."""
        width = len(_sort_terms(query))
        if rows:
            self._page_keys[(query, offset + len(rows))] = tuple(rows[-1][-width:])
            while len(self._page_keys) > PAGE_KEYS_KEPT:
                del self._page_keys[next(iter(self._page_keys))]
        return [_row(row[:-width]) for row in rows]

    def _walk_abandoned_on(self, query: ListQuery, key: tuple | None, limit: int) -> list[tuple]:
        """A page sorted on the abandon date, whose NULLs come first in ascending order as
        on SQLite — an order its index does not give, so PostgreSQL sorted every abandoned
        dossier (40–50 ms at 20,000). Walked in two parts, in order: the dossiers without a
        date by id, then those with one by date and id along the index; from the row whose
        sort key is `key` if given. (The reason's sort, the same in sixteen parts, was not
        faster: the planner, taking NULL reasons as common — they are, outside
        «Abandonnés» — walks every abandoned dossier to find none, 38 ms a part.)"""
        parts = [True, False]  # without a date, then with one (ascending)
        if query.descending:
            parts.reverse()
        if key is not None:
            parts = parts[parts.index(key[0] is None) :]
        clauses, params = _filters(query)
        direction = "DESC" if query.descending else "ASC"
        after = "<" if query.descending else ">"
        keys = ", ".join(expression for expression, _nullable in _sort_terms(query))
        rows: list[tuple] = []
        for number, no_date in enumerate(parts):
            where = [*clauses, f"d.abandoned_on IS {'' if no_date else 'NOT '}NULL"]
            arguments = [*params]
            order = ["d.id"] if no_date else ["d.abandoned_on", "d.id"]
            if number == 0 and key is not None:
                where.append(f"({', '.join(order)}) {after} ({', '.join(['%s'] * len(order))})")
                arguments += [key[-1]] if no_date else [key[-2], key[-1]]
            # The dossiers without a date (none, or a few: `abandon` dates them) are found
            # by an index and sorted (`d.id + 0`), not by walking the primary key.
            sort = ["d.id + 0"] if no_date else order
            sql = (
                f"SELECT {_COLUMNS}, {keys} FROM dossiers AS d {_JOINS}{_where(where)} "
                f"ORDER BY {', '.join(f'{term} {direction}' for term in sort)} LIMIT %s"
            )
            rows += self._execute(sql, [*arguments, limit - len(rows)])
            if len(rows) == limit:
                break
        return rows

    def _walk_groups(self, query: ListQuery, key: tuple | None, limit: int) -> list[tuple] | None:
        """A page of a sort led by a column with few values (`_GROUPS`): those values in
        order, each one's dossiers by id, until the page is full; from the row whose sort
        key is `key` if given. None if that row's value is no longer there (the page is
        then read by OFFSET)."""
        values_sql, condition = _GROUPS[query.sorted_by]
        groups = [(tuple(row[:-1]), row[-1]) for row in self._execute(values_sql)]
        if query.descending:
            groups.reverse()
        if key is not None:
            starts = [i for i, (group, _value) in enumerate(groups) if group == tuple(key[:-1])]
            if not starts:
                return None
            groups = groups[starts[0] :]
        clauses, params = _filters(query)
        plain, plain_params = _filters(query, with_search=False)
        direction = "DESC" if query.descending else "ASC"
        keys = ", ".join(expression for expression, _nullable in _sort_terms(query))
        rows: list[tuple] = []
        for number, (_group, value) in enumerate(groups):
            where = [*clauses, condition]
            arguments = [*params, value]
            if number == 0 and key is not None:
                where.append(f"d.id {'<' if query.descending else '>'} %s")
                arguments.append(key[-1])
            # How many dossiers the value has (up to FEW_IN_GROUP), through the index on
            # the value: the planner, which takes the status and the value for independent,
            # would walk every dossier by id looking for the abandoned ones of a bank
            # (none: 55 ms). A few are sorted (`d.id + 0`: not along the primary key);
            # many are met soon walking the primary key.
            counted = self._execute(
                f"SELECT count(*) FROM (SELECT 1 FROM dossiers AS d"
                f"{_where([*plain, condition])} LIMIT {FEW_IN_GROUP}) AS g",
                [*plain_params, value],
            )
            if not counted[0][0]:
                continue
            order = "d.id" if counted[0][0] >= FEW_IN_GROUP else "d.id + 0"
            sql = (
                f"SELECT {_COLUMNS}, {keys} FROM dossiers AS d {_JOINS}{_where(where)} "
                f"ORDER BY {order} {direction} LIMIT %s"
            )
            rows += self._execute(sql, [*arguments, limit - len(rows)])
            if len(rows) == limit:
                break
        return rows

    def fetch_row(self, query: ListQuery, dossier_id: int) -> ListRow | None:
        clauses, params = _filters(query)
        clauses.insert(0, "d.id = %s")
        params.insert(0, dossier_id)
        with self.lock:
            rows = self._execute(
                f"SELECT {_COLUMNS} FROM dossiers AS d {_JOINS}{_where(clauses)}", params
            )
        return _row(rows[0]) if rows else None

    def fetch_ids(self, query: ListQuery) -> Sequence[int]:
        """Raises `Cancelled` if `interrupt()` stopped it."""
        joined = query.sorted_by in _JOINED_SORTS
        joins = _JOINS if joined else ""
        with self._interruptible():
            gathered = self._number_matches(query, everything=joined)
            if gathered is not None:  # a number's start: its matches gathered, then sorted
                matches, matches_params, place = gathered
                clauses, params = _filters(query, without_word=place)
                sql = f"SELECT d.id FROM ({matches}) AS d {joins}{_where(clauses)} {_order(query)}"
                params = [*matches_params, *params]
            else:
                clauses, params = _filters(query)
                sql = f"SELECT d.id FROM dossiers AS d {joins}{_where(clauses)} {_order(query)}"
            return [row[0] for row in self._execute(sql, params)]

    def fetch_rows(self, query: ListQuery, ids: Sequence[int]) -> dict[int, ListRow]:
        if not ids:
            return {}
        clauses, params = _filters(query)
        clauses.insert(0, "d.id = ANY(%s)")
        params.insert(0, list(ids))
        with self.lock:
            rows = self._execute(
                f"SELECT {_COLUMNS} FROM dossiers AS d {_JOINS}{_where(clauses)}", params
            )
        return {row[0]: _row(row) for row in rows}

    def count_by_tab(self, query: ListQuery) -> dict[ListTab, int]:
        """Raises `Cancelled` if `interrupt()` stopped it."""
        with self._interruptible():
            gathered = self._number_matches(query)
            if gathered is not None:  # a number's start: its matches gathered, then counted
                matches, matches_params, place = gathered
                clauses, params = _filters(query, with_status=False, without_word=place)
                source, params = f"({matches})", [*matches_params, *params]
            else:
                clauses, params = _filters(query, with_status=False)
                source = "dossiers"
            found = self._execute(
                f"SELECT d.status, count(*) FROM {source} AS d{_where(clauses)} GROUP BY d.status",
                params,
            )
        counts = {ListTab.ALL: 0}
        by_status = {tab.status: tab for tab in ListTab if tab.status is not None}
        for status, number in found:
            counts[by_status[DossierStatus(status)]] = number
            counts[ListTab.ALL] += number
        return {tab: counts.get(tab, 0) for tab in ListTab}

    def brokers(self) -> list[BrokerChoice]:
        with self.lock:
            rows = self._execute(
                "SELECT id, first_name || ' ' || last_name FROM users "
                "WHERE is_broker AND (is_active OR EXISTS (SELECT 1 FROM dossiers AS d "
                "WHERE d.owner_id = users.id)) ORDER BY last_name, first_name"
            )
        return [BrokerChoice(id=row[0], name=row[1]) for row in rows]

    def interrupt(self) -> None:
        """Cancel the call running on this connection (from another thread): it raises
        `Cancelled` in its own thread. Without the connection's lock, on purpose."""
        with self._state:
            if not self._running:
                return
            self._interrupted = True
            reading = self._reading
        threading.Thread(
            target=self.cancel, args=(reading,), name="dossia-list-cancel", daemon=True
        ).start()

    def cancel(self, reading: int) -> None:
        """Send the server the cancel of the interruptible read number `reading` if it still
        runs (`interrupt()`'s thread). Checked and sent holding `_cancelling`, which every
        statement waits for: the read cannot end and another statement start on the
        connection before the cancel has reached the server (the server ignores a cancel
        that finds its connection idle)."""
        with self._cancelling:
            with self._state:
                if not self._running or self._reading != reading:
                    return  # that read has ended: the next one must not be stopped
            with contextlib.suppress(psycopg.Error):
                self.connection.cancel_safe(timeout=CANCEL_TIMEOUT_S)

    def close(self) -> None:
        with self.lock:
            self.connection.close()


_JOINED_SORTS = {ListColumn.OWNER, ListColumn.PROVENANCE, ListColumn.STEP, ListColumn.PROGRESS}
