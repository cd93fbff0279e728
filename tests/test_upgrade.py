"""Upgrades never lose data: the office of a previous release (tests/fixtures/README.md), with
its older schema, opened by this version the way a broker's first start after an upgrade
opens it — migrated to the head revision after an «avant-migration» backup, every row kept.

The same office goes through the installed .deb in tests/test_installer.py (slow)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest

from app import startup
from app.paths import DataPaths
from app.startup import OfficeState, open_office
from app.storage import driver
from app.storage.sqlite import HEAD_REVISION
from app.workspace import OfficeDatabase

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "office-previous-release.tar.gz"
PREVIOUS_REVISION = "0019_referrer_address"  # the schema of the commit that made it
PREVIOUS_DOSSIERS = 60
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

# What a broker's data is, read with the standard library only (no Alembic, no models), so
# that the same reading applies to the old schema and the new one.
FINGERPRINTS = {
    "dossiers": "SELECT id, number, status, step_id, created_on, internal_note FROM dossiers ORDER BY id",
    "borrowers": "SELECT id, dossier_id, last_name, first_name FROM borrowers ORDER BY id",
    "comments": "SELECT id, dossier_id, tab, body, created_at FROM comments ORDER BY id",
    "invoices": "SELECT id, number, kind, state, total_cents, credits_id FROM invoices ORDER BY id",
    "payments": "SELECT id, invoice_id, amount_cents, paid_on FROM payments ORDER BY id",
    "documents": "SELECT id, dossier_id, title, filename, content_hash FROM documents ORDER BY id",
    "users": "SELECT id, login, password_hash FROM users ORDER BY id",
}


def unpack_previous_office(folder: Path) -> DataPaths:
    """The previous release's data folder (dossia.sqlite3 and documents/) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(folder, filter="data")
    return DataPaths(folder / "dossia.sqlite3")


def _read_only(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)


def revision(database: Path) -> str:
    connection = _read_only(database)
    try:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        connection.close()


def table_counts(database: Path) -> dict[str, int]:
    """Rows per table, but for SQLite's and Alembic's own (statistics, full-text index)."""
    connection = _read_only(database)
    try:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if not name.startswith(("sqlite_", "dossier_fts", "alembic_"))
        ]
        return {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in names
        }
    finally:
        connection.close()


def fingerprints(database: Path) -> dict[str, str]:
    connection = _read_only(database)
    try:
        result = {}
        for table, query in FINGERPRINTS.items():
            digest = hashlib.sha256()
            for row in connection.execute(query):
                digest.update(repr(row).encode())
            result[table] = digest.hexdigest()
        return result
    finally:
        connection.close()


def files_digest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def previous(tmp_path) -> DataPaths:
    return unpack_previous_office(tmp_path / "Dossia")


def _check_upgraded(paths: DataPaths, counts: dict, prints: dict, documents: dict) -> None:
    """Migrated to this version's head, after a backup of the old file, nothing lost."""
    assert revision(paths.database) == HEAD_REVISION
    (before,) = paths.backups.glob("dossia-avant-migration-*.sqlite3")
    assert revision(before) == PREVIOUS_REVISION  # taken before migrating
    assert table_counts(before) == counts and fingerprints(before) == prints
    after = table_counts(paths.database)
    assert {table: after[table] for table in counts} == counts
    assert fingerprints(paths.database) == prints
    assert files_digest(paths.documents) == documents


def test_the_fixture_is_an_office_of_an_older_schema(previous):
    assert revision(previous.database) == PREVIOUS_REVISION != HEAD_REVISION
    counts = table_counts(previous.database)
    assert counts["dossiers"] == PREVIOUS_DOSSIERS
    for table in ("comments", "invoices", "payments", "simulations", "documents", "users"):
        assert counts[table] > 0, table
    assert files_digest(previous.documents)  # the documents' files came with it
    assert open_office(previous).state is OfficeState.UPGRADE


@pytest.mark.gui  # the real start in a subprocess: Qt offscreen
def test_the_first_start_after_an_upgrade_migrates_after_a_backup(previous, tmp_path):
    """`python main.py --user admin --quit-after-start`: the launcher's start path (the busy
    dialog while migrating, then the login and the main window) on the old office."""
    counts = table_counts(previous.database)
    prints = fingerprints(previous.database)
    documents = files_digest(previous.documents)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DOSSIA_DB", "PYTHONPATH") and not key.startswith("DOSSIA_")
    }
    env |= {
        "QT_QPA_PLATFORM": "offscreen",
        "DOSSIA_CONFIG_DIR": str(tmp_path / "config"),
        "DOSSIA_PASSWORD": "demo",
    }
    started = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--db",
            str(previous.database),
            "--user",
            "admin",
            "--quit-after-start",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert started.returncode == 0, started.stderr[-4000:]
    _check_upgraded(previous, counts, prints, documents)
    assert open_office(previous).state is OfficeState.READY


def test_a_command_upgrades_it_as_well_and_the_users_log_in(previous):
    """What `main.py`'s commands do (`logged_in`): open_office says UPGRADE, upgrade_office
    migrates; the demo users of the previous release log in with their passwords."""
    counts = table_counts(previous.database)
    prints = fingerprints(previous.database)
    documents = files_digest(previous.documents)
    assert open_office(previous).state is OfficeState.UPGRADE
    startup.upgrade_office(previous)
    _check_upgraded(previous, counts, prints, documents)
    office = OfficeDatabase(previous)
    try:
        workspace = office.workspace_for(office.authenticate("admin", "demo"))
        about = workspace.about()
        assert about.folder == previous.folder and about.database_bytes > 0
        workspace.close()
    finally:
        office.close()


def test_about_gives_pyprojects_version(qtbot, main_window, workspace):
    """«À propos» says the version of pyproject.toml (its one place: the installed metadata
    of a wheel or of the frozen bundle, both written from it), the data folder, the size of
    the database and SQLite's version."""
    from importlib import metadata

    try:
        installed = metadata.version("dossia")
    except metadata.PackageNotFoundError:
        pytest.skip("the sources were never installed (pip install -e .): no version")
    assert installed == VERSION, "stale metadata: pip install -e . again after a version bump"
    box = main_window.about()
    lines = box.text().splitlines()
    assert lines[0].startswith(f"Dossia {VERSION} — ")
    assert f"Dossier des données : {workspace.paths.folder}" in lines
    assert any(line.startswith("Base de données : dossia.sqlite3 (") for line in lines)
    assert f"SQLite {driver.sqlite_version}" in lines  # SQLCipher's, the same everywhere
    box.reject()
