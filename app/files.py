"""Files the application writes (exports, backups, documents, this computer's settings) are
written atomically: into a temporary file of the same folder, flushed to disk, then renamed.
A crash or a full disk never leaves half a file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

PARTIAL_PREFIX = ".part-"


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` to write into (e.g. by SQLite's backup API); it is
    flushed and takes `target`'s name when the block succeeds, and is removed otherwise."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL_PREFIX)
    os.close(handle)
    partial = Path(name)
    partial.unlink()  # writers such as sqlite3 want to create the file themselves
    try:
        yield partial
        fsync_file(partial)
        partial.replace(target)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_write(
    target: Path, binary: bool = False, encoding: str = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """Open a stream whose content replaces `target` only once fully written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL_PREFIX)
    partial = Path(name)
    try:
        if binary:
            stream: IO[Any] = os.fdopen(handle, "wb")
        else:
            stream = os.fdopen(handle, "w", encoding=encoding, newline=newline)
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        partial.replace(target)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def is_partial(path: Path) -> bool:
    """A file an interrupted atomic write left behind (never a real one)."""
    return path.name.startswith(PARTIAL_PREFIX)
