"""Where Dossia keeps its data: the platformdirs data folder unless told otherwise."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

DB_ENV_VAR = "DOSSIA_DB"
DB_FILENAME = "dossia.sqlite3"


@dataclass(frozen=True)
class DataPaths:
    """The database file and the folders that sit beside it."""

    database: Path

    @property
    def folder(self) -> Path:
        return self.database.parent

    @property
    def documents(self) -> Path:
        return self.folder / "documents"

    @property
    def viewing(self) -> Path:
        """Copies of documents opened with the system's viewer (emptied at each start)."""
        return self.folder / "viewing"

    @property
    def backups(self) -> Path:
        return self.folder / "backups"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"


def default_data_folder() -> Path:
    return Path(user_data_dir("Dossia", appauthor=False))


def resolve_paths(db: str | os.PathLike[str] | None = None) -> DataPaths:
    """`--db PATH`, else $DOSSIA_DB, else the user data folder."""
    chosen = db or os.environ.get(DB_ENV_VAR)
    if chosen:
        return DataPaths(Path(chosen).expanduser().resolve())
    return DataPaths(default_data_folder() / DB_FILENAME)


NETWORK_FILESYSTEMS = {
    "cifs",
    "smb3",
    "smbfs",
    "nfs",
    "nfs4",
    "afs",
    "9p",
    "ceph",
    "glusterfs",
    "davfs",
    "fuse.sshfs",
    "fuse.rclone",
    "fuse.davfs2",
    "fuse.gvfsd-fuse",
    "fuse.s3fs",
}


def network_location(path: Path, mounts: str | None = None) -> str | None:
    """The kind of network share `path` lives on (SQLite is unsafe there), or None."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return "partage réseau"
    if sys.platform == "win32":  # pragma: no cover - Windows only (mypy skips it elsewhere)
        import ctypes

        drive = os.path.splitdrive(text)[0] + "\\"
        return "lecteur réseau" if ctypes.windll.kernel32.GetDriveTypeW(drive) == 4 else None
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text()
        except OSError:
            return None
    best, kind = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = text == point or text.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fields[2]
    return kind if kind in NETWORK_FILESYSTEMS else None
