"""The invoice numbers this computer has issued, kept beside the database but outside it:
restoring an older backup brings back an older database, whose counters know nothing of
the invoices issued since — invoices already sent to clients and banks. Their numbers stay
here, so they are never given again, and the restore can say which pieces it lost.

An append-only file of «series<TAB>sequence» lines: each write is one small append (two
processes issuing at once never lose each other's line), and reading takes the highest
per series. A line that cannot be read (a crash in the middle of a write) is skipped."""

from __future__ import annotations

import os
from pathlib import Path

FILENAME = "numeros-emis.log"


class IssuedNumbers:
    def __init__(self, folder: Path) -> None:
        self.path = folder / FILENAME

    def record(self, series: str, sequence: int) -> None:
        """Remember that `series`-`sequence` was issued (once its transaction committed)."""
        line = f"{series}\t{sequence}\n".encode()
        handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(handle, line)
            os.fsync(handle)
        finally:
            os.close(handle)

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
