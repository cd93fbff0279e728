"""The Clients list on a PostgreSQL server at 100,000 dossiers (issue 11): how long the
listing's own API takes, as the window's workers call it.

    python bench/measure_server_list.py postgresql://user@host:port/base [--runs N]

Measures, each over `--runs` runs (median and p90 of all the runs' timings):

- each keystroke of typical searches («m»… «martin», «2025», a dossier number typed key by
  key, a two-word search), on «Tous» sorted by creation, newest first (the list as it
  opens): the first page (`fetch_page(query, 0, 100)`, what the window waits for before it
  repaints), the tab counts (`count_by_tab`) and every id (`fetch_ids`, read after the
  paint, off the GUI thread);
- every sort column both ways, on «Tous» and «Abandonnés» (where the abandon columns are
  shown): the first page;
- a page at depth 50,000 by OFFSET, and the page after it (keyset, from the last row's key);
- the tab counts without a search.

The database is only read. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.listing import ListColumn, ListQuery, ListTab
from app.paths import ServerLocation, parse_location
from app.storage.postgres_listing import ServerListing
from app.storage.server_office import connect_listing

FIRST = 100  # ui.client_list.FIRST_PAGE_SIZE
DEPTH = 50_000
OPENED = ListQuery()  # the list as it opens: «Tous», newest first


def keystrokes(text: str) -> list[str]:
    return [text[: i + 1] for i in range(len(text)) if text[: i + 1].strip()]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"median": ms(statistics.median(ordered)), "p90": ms(p90), "max": ms(ordered[-1])}


def measure(listing: ServerListing, runs: int, searches: list[str]) -> dict:
    by_key: dict[str, dict[str, list[float]]] = {}
    sorts: dict[str, list[float]] = {}
    pages: dict[str, list[float]] = {"offset_50000": [], "keyset_after_50000": []}
    counts: list[float] = []
    for _run in range(runs):
        for search in searches:
            for typed in keystrokes(search):
                query = ListQuery(tab=ListTab.ALL, search=typed)
                found = by_key.setdefault(typed, {"page": [], "counts": [], "ids": []})
                found["page"].append(timed(lambda q=query: listing.fetch_page(q, 0, FIRST)))
                found["counts"].append(timed(lambda q=query: listing.count_by_tab(q)))
                found["ids"].append(timed(lambda q=query: listing.fetch_ids(q)))
        for tab in (ListTab.ALL, ListTab.ABANDONED):
            for column in ListColumn:
                if not column.shown_in(tab):
                    continue
                for descending in (False, True):
                    query = ListQuery(tab=tab, sort=column, descending=descending)
                    name = f"{tab.value}:{column.name.lower()}:{'desc' if descending else 'asc'}"
                    sorts.setdefault(name, []).append(
                        timed(lambda q=query: listing.fetch_page(q, 0, FIRST))
                    )
        listing.fetch_page(OPENED, 0, FIRST)  # a first page: the keys of before are dropped
        pages["offset_50000"].append(timed(lambda: listing.fetch_page(OPENED, DEPTH, FIRST)))
        pages["keyset_after_50000"].append(
            timed(lambda: listing.fetch_page(OPENED, DEPTH + FIRST, FIRST))
        )
        counts.append(timed(lambda: listing.count_by_tab(ListQuery())))
    keys = {
        typed: {kind: summary(v) for kind, v in found.items()} for typed, found in by_key.items()
    }
    every_page = [t for found in by_key.values() for t in found["page"]]
    every_sort = {name: summary(v) for name, v in sorts.items()}
    worst_sort = max(every_sort.items(), key=lambda item: item[1]["median"])
    return {
        "keystroke_first_page": summary(every_page),
        "keystroke_counts": summary([t for f in by_key.values() for t in f["counts"]]),
        "keystroke_ids": summary([t for f in by_key.values() for t in f["ids"]]),
        "worst_keystroke": max(keys.items(), key=lambda item: item[1]["page"]["median"]),
        "sort_first_page": summary([t for v in sorts.values() for t in v]),
        "worst_sort": worst_sort,
        "pages": {name: summary(v) for name, v in pages.items()},
        "counts_no_search": summary(counts),
        "keystrokes": keys,
        "sorts": every_sort,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address", help="postgresql://user@host:port/base (read only)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--search",
        action="append",
        help="a search typed key by key (repeatable; default: the typical ones)",
    )
    arguments = parser.parse_args()
    location = parse_location(arguments.address)
    if not isinstance(location, ServerLocation):
        raise SystemExit("a server's address is needed: postgresql://user@host:port/base")
    with connect_listing(location) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dossiers")
        (dossiers,) = cursor.fetchone() or (0,)
        cursor.execute("SELECT number FROM dossiers ORDER BY id DESC LIMIT 1 OFFSET 1234")
        (number,) = cursor.fetchone() or ("2026-00001",)
    searches = arguments.search or ["martin", "2025", number, "dupont marie", "b", "le"]
    listing = ServerListing(lambda: connect_listing(location))
    try:
        measure(listing, 1, searches)  # warm the server's cache and the connection
        result = measure(listing, arguments.runs, searches)
    finally:
        listing.close()
    print(json.dumps({"dossiers": dossiers, "runs": arguments.runs, **result}, indent=1))


if __name__ == "__main__":
    main()
