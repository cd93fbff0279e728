"""The invoice numbers this computer has issued, kept beside the database but outside it:
restoring an older backup brings back an older database, whose counters know nothing of
the invoices issued since — invoices already sent to clients and banks. Their numbers stay
here, so they are never given again, and the restore can say which pieces it lost.

One file per database file («dossia.sqlite3.numeros-emis.log»): two offices kept in one
folder (a test copy beside the real one) never skip each other's numbers.

An append-only file of «series<TAB>sequence» lines: each write is one small append (two
processes issuing at once never lose each other's line), and reading takes the highest
per series. A line that cannot be read (a crash in the middle of a write) is skipped."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from app.storage import sqlite

SUFFIX = ".numeros-emis.log"
log = logging.getLogger(__name__)


class IssuedNumbers:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + SUFFIX)

    def record(self, series: str, sequence: int) -> bool:
        """Remember that `series`-`sequence` was issued (once its transaction committed).
        A disk that refuses (full, a file locked by another program) is logged, never
        raised: the invoice is issued whatever happens here; only a later restore of an
        older backup would not know this number."""
        line = f"{series}\t{sequence}\n".encode()
        try:
            handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(handle, line)
                os.fsync(handle)
            finally:
                os.close(handle)
        except OSError as error:
            log.warning("numéro %s-%d non noté dans %s : %s", series, sequence, self.path, error)
            return False
        return True

    def highest(self) -> dict[str, int]:
        """The highest sequence issued in each series (none: an empty dict)."""
        found: dict[str, int] = {}
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return found
        for line in text.splitlines():
            series, _, sequence = line.partition("\t")
            if series and sequence.isascii() and sequence.isdigit():
                found[series] = max(found.get(series, 0), int(sequence))
        return found


def lost_numbers(database: Path, issued: dict[str, int]) -> tuple[str, ...]:
    """The pieces this computer issued that `database` (a restored backup) does not hold:
    per series, «F-2026-0009 à F-2026-0012» or «F-2026-0009»."""
    if not issued:
        return ()
    connection = sqlite.open_file(database, "ro")
    try:
        held = dict(
            connection.execute(
                "SELECT series, MAX(sequence) FROM invoices WHERE series IS NOT NULL "
                "GROUP BY series"
            ).fetchall()
        )
    finally:
        connection.close()
    lost = []
    for series, highest in sorted(issued.items()):
        first = (held.get(series) or 0) + 1
        if first <= highest:
            lost.append(
                f"{series}-{first:04d}" + (f" à {series}-{highest:04d}" if highest > first else "")
            )
    return tuple(lost)
