"""Files the application writes (exports, backups, documents, this computer's settings) are
written atomically: into a temporary file of the same folder, flushed to disk, then renamed.
A crash or a full disk never leaves half a file under the final name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

PARTIAL_PREFIX = ".part-"
# A file being written is touched all the time (a 4 GB backup: for a minute or two); one
# left alone this long was abandoned by a process that was killed or lost its power (the
# backups' documents are pruned by the same rule: app.storage.backups.WRITING_SECONDS).
ABANDONED_AFTER_S = 3600
# The office's files hold personal data: readable by their user only (on Windows, the
# per-user AppData folder already restricts access; these modes are POSIX's).
PRIVATE_UMASK = 0o077
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def make_private(*paths: Path) -> None:
    """Folders 0700 and files 0600 for those that exist (files made by an older Dossia, or
    copied in); a path we do not own or cannot change is left as it is."""
    if os.name != "posix":
        return
    for path in paths:
        with contextlib.suppress(OSError):
            path.chmod(PRIVATE_FOLDER if path.is_dir() else PRIVATE_FILE)


def private_folder(folder: Path) -> None:
    """Create `folder` if needed, and every missing parent, each private (0700)."""
    missing = [folder, *folder.parents]
    for path in reversed(missing[: next(i for i, p in enumerate(missing) if p.exists())]):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=PRIVATE_FOLDER)


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` to write into (e.g. by SQLite's backup API); it is
    flushed and takes `target`'s name when the block succeeds, and is removed otherwise."""
    private_folder(target.parent)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL_PREFIX)
    os.close(handle)
    partial = Path(name)
    partial.unlink()  # writers such as sqlite3 want to create the file themselves
    try:
        yield partial
        make_private(partial)  # whatever the writer's umask
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
    private_folder(target.parent)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL_PREFIX)  # 0600
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


def remove_abandoned_partials(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the half-written files (`.part-…`) a killed process left under `folder` — a
    backup's copy of the whole office among them — once nothing has written to them for
    `ABANDONED_AFTER_S` (a write in progress, ours or another Dossia's, is left alone).
    Returns those removed."""
    now = time.time() if now is None else now
    removed = []
    for partial in folder.rglob(f"{PARTIAL_PREFIX}*") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            if partial.is_file() and now - partial.stat().st_mtime > ABANDONED_AFTER_S:
                partial.unlink()
                removed.append(partial)
    return removed


# Another process (or another descriptor of this one) holds the lock: what the systems say.
_HELD = {errno.EACCES, errno.EAGAIN, errno.EWOULDBLOCK, errno.EDEADLK}


def try_lock(path: Path, create: bool = True, write: bool = True) -> int | None:
    """Take the exclusive lock of `path` (created, private, if missing) without waiting:
    the descriptor that holds it (give it to `unlock`), or None when someone holds it. The
    system drops the lock when the process ends, however it ends (killed, power cut): a
    lock never outlives its holder, unlike a file that says who holds it. OSError if the
    file cannot be opened or the file system has no locks."""
    flags = (os.O_RDWR if write else os.O_RDONLY) | (os.O_CREAT if create else 0)
    handle = os.open(path, flags, PRIVATE_FILE)
    try:
        if sys.platform == "win32":
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(handle)
        if error.errno in _HELD:
            return None
        raise
    return handle


def unlock(handle: int) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            os.lseek(handle, 0, os.SEEK_SET)
            msvcrt.locking(handle, msvcrt.LK_UNLCK, 1)
        else:
            fcntl.flock(handle, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        os.close(handle)


def lock_holder(path: Path) -> bool | None:
    """Whether a live process holds the lock of `path`: True, False (nobody, or the file
    is gone), or None when it cannot be known (another user's file, a file system
    without locks)."""
    try:
        handle = try_lock(path, create=False, write=False)
    except FileNotFoundError:
        return False
    except OSError:
        return None
    if handle is None:
        return True
    unlock(handle)
    return False
