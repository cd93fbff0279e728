"""The office's files hold personal data: 0600 files and 0700 folders, whatever the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.workspace import OfficeDatabase

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask: files 0644, folders 0755
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_files_made_by_the_command_line_are_private(tmp_path):
    env = {**os.environ, "DOSSIA_CONFIG_DIR": str(tmp_path / "config")}
    database = tmp_path / "office" / "dossia.sqlite3"
    run("demo", "--db", str(database), "--dossiers", "5", env=env)
    run(
        "--user",
        "admin",
        "backup",
        "--db",
        str(database),
        "--out",
        str(tmp_path / "usb" / "copie.sqlite3"),
        env={**env, "DOSSIA_PASSWORD": "demo"},
    )
    assert mode(database.parent) == 0o700
    for path in database.parent.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path
    assert mode(tmp_path / "usb" / "copie.sqlite3") == 0o600
    assert mode(tmp_path / "usb" / "copie.sqlite3.keys") == 0o600  # its keys beside it


def test_an_office_left_readable_by_an_older_version_is_made_private(paths):
    paths.folder.chmod(0o755)
    paths.database.chmod(0o644)
    OfficeDatabase(paths).close()
    assert (mode(paths.folder), mode(paths.database)) == (0o700, 0o600)


def test_folders_created_on_the_way_are_private_too(tmp_path):
    from app.files import atomic_write

    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "a" / "b" / "export.csv") as stream:
            stream.write("x")
    finally:
        os.umask(old)
    assert (mode(tmp_path / "a"), mode(tmp_path / "a" / "b")) == (0o700, 0o700)
    assert mode(tmp_path / "a" / "b" / "export.csv") == 0o600
