"""A crafted or damaged backup is refused (DomainError) within a time limit, whatever it
holds: looping b-trees, bytes that are not UTF-8, text the application cannot read back; and
rotation prunes documents even beside a damaged database Dossia set aside."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from app.errors import DomainError
from app.paths import DataPaths
from app.storage import backup_check, backup_files, backups, opening

ROOT = Path(__file__).resolve().parent.parent
WHEN = dt.datetime(2026, 1, 1, 12)


def _interior(page_size: int, child: int, fanout: int = 300) -> bytes:
    """A table b-tree interior page whose every pointer is `child`."""
    page = bytearray(page_size)
    start = page_size - fanout * 5
    page[0] = 0x05
    struct.pack_into(">HHHBI", page, 1, 0, fanout, start, 0, child)
    for i in range(fanout):
        offset = start + i * 5
        struct.pack_into(">I", page, offset, child)
        page[offset + 4] = 1
        struct.pack_into(">H", page, 12 + 2 * i, offset)
    return bytes(page)


def _loop_table(path: Path, table: str) -> None:
    """Rewrite `table` (one leaf page) as a chain of 8 interior pages pointing 300 times each
    to the next: a COUNT(*) would walk 300^8 leaves in one SQLite step."""
    connection = sqlite3.connect(path)
    root = connection.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
    ).fetchone()[0]
    size = connection.execute("PRAGMA page_size").fetchone()[0]
    count = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.close()
    data = bytearray(path.read_bytes())
    leaf = bytes(data[(root - 1) * size : root * size])
    assert leaf[0] == 0x0D
    chain = [root, *range(count + 1, count + 9)]
    data.extend(bytes(size * 8))
    for here, following in itertools.pairwise(chain):
        data[(here - 1) * size : here * size] = _interior(size, following)
    data[(chain[-1] - 1) * size : chain[-1] * size] = leaf
    struct.pack_into(">I", data, 28, count + 8)
    path.write_bytes(bytes(data))


def _run(code: str, timeout: float = 60) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _copy(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, folder / source.name))


# --- 1. hangs ------------------------------------------------------------------------------


def test_listing_a_backup_whose_dossiers_loop_ends_in_time(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    looped = folder / "dossia-auto-20991231-000000.sqlite3"
    connection = sqlite3.connect(looped)
    connection.execute("CREATE TABLE dossiers(x)")
    connection.execute("INSERT INTO dossiers VALUES (1)")
    connection.commit()
    connection.close()
    _loop_table(looped, "dossiers")
    out = _run(
        "from pathlib import Path; from app.storage import backups; "
        f"print([b.dossiers for b in backups.list_backups(Path({str(folder)!r}))])",
        timeout=30,
    )
    assert out == "[None]"


def test_a_looping_version_table_is_refused_in_time(paths, tmp_path):
    source = backups.backup_now(paths, folder=tmp_path / "copies", now=WHEN).path
    _loop_table(source, "alembic_version")
    out = _run(
        "from pathlib import Path; from app.errors import DomainError\n"
        "from app.storage.backups import check_backup\n"
        f"try:\n    check_backup(Path({str(source)!r})); print('accepted')\n"
        "except DomainError as error:\n    print('refused', error.message)\n",
        timeout=60,
    )
    assert out.startswith("refused") and "endommagée" in out


def test_a_read_that_never_ends_is_interrupted(tmp_path):
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    endless = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"
    )
    with pytest.raises(sqlite3.OperationalError), backup_files.time_limit(connection, 0.2):
        connection.execute(endless).fetchone()
    connection.close()


# --- 2. any exception while checking is a refusal ------------------------------------------


def test_a_schema_that_is_not_utf8_is_refused_and_skipped_at_start_up(paths):
    good = backups.backup_now(paths, now=WHEN)
    bad = backups.backup_now(paths, backups.BackupKind.AUTOMATIC, now=WHEN + dt.timedelta(days=1))
    connection = sqlite3.connect(bad.path, isolation_level=None)
    connection.execute("PRAGMA writable_schema=ON")
    connection.execute(
        "UPDATE sqlite_master SET sql = CAST(x'435245415445205441424c452062616e6b7320ff28' AS TEXT) "
        "WHERE name = 'banks'"
    )
    connection.close()
    with pytest.raises(DomainError):
        backups.check_backup(bad.path)
    found = opening.latest_good_backup(paths)
    assert found is not None and found.path == good.path


def test_the_start_up_skips_a_backup_whose_check_crashes(paths, monkeypatch):
    good = backups.backup_now(paths, now=WHEN)
    newer = backups.backup_now(paths, now=WHEN + dt.timedelta(days=1))
    real = backups.check_backup

    def check(path: Path) -> backups.BackupInfo:
        if path == newer.path:
            raise RuntimeError("boom")
        return real(path)

    monkeypatch.setattr(backups, "check_backup", check)
    found = opening.latest_good_backup(paths)
    assert found is not None and found.path == good.path


# --- 3. rows the application cannot read back ----------------------------------------------

ARGON2_4GIB = (
    "$argon2id$v=19$m=4194304,t=1000,p=1$XBVGxnXSVMmYhnGFbT3pzg$"
    "YDl0hXWmLkd8hyDGwkzVC0i6S92qE2TC/qvbdb9EYw8"
)
CRAFTED_ROWS = {
    "invalid UTF-8": "UPDATE users SET first_name = CAST(x'41ff42' AS TEXT)",
    "overlong UTF-8": "UPDATE dossiers SET holder_name = CAST(x'c0af' AS TEXT)",
    "surrogate": "UPDATE borrowers SET last_name = CAST(x'eda080' AS TEXT)",
    "NUL": "UPDATE borrowers SET last_name = 'A' || char(0) || 'B'",
    "control": "UPDATE borrowers SET city = 'Paris' || char(7)",
    "newline in a name": "UPDATE borrowers SET first_name = 'Jean' || char(10) || 'Paul'",
    "10 MB name": (  # one borrower is enough (every one of them made a 700 MB file: 17 s)
        "UPDATE borrowers SET last_name = printf('%.*c', 10000000, 'A') "
        "WHERE id = (SELECT min(id) FROM borrowers)"
    ),
    "4 GiB password hash": f"UPDATE users SET password_hash = '{ARGON2_4GIB}'",
    "not a hash": "UPDATE users SET password_hash = 'plain'",
    "bad UTF-8 in a note": "UPDATE dossiers SET internal_note = CAST(x'3c703eff' AS TEXT)",
}


@pytest.fixture(scope="module")
def genuine(tmp_path_factory, template_db) -> Path:
    folder = tmp_path_factory.mktemp("genuine")
    database = folder / "dossia.sqlite3"
    shutil.copy(template_db, database)
    return backups.backup_now(DataPaths(database), folder=folder / "copies", now=WHEN).path


def test_a_genuine_backup_with_rich_text_is_accepted(genuine, tmp_path):
    source = _copy(genuine, tmp_path)
    connection = sqlite3.connect(source)
    connection.execute(
        "UPDATE dossiers SET internal_note = '<p>Été</p>' || char(10) || char(9) || '<p>ok</p>'"
    )
    connection.execute("UPDATE borrowers SET last_name = 'Éloïse Ñandú 山田'")
    connection.commit()
    connection.close()
    backup_check.verify(source)


@pytest.mark.parametrize("case", sorted(CRAFTED_ROWS))
def test_text_the_application_cannot_read_back_is_refused(genuine, tmp_path, case):
    source = _copy(genuine, tmp_path)
    connection = sqlite3.connect(source)
    connection.execute(CRAFTED_ROWS[case])
    connection.commit()
    connection.close()
    with pytest.raises(DomainError, match="données que Dossia n'a pas pu écrire"):
        backup_check.verify(source)


# --- 4. pruning beside a damaged database set aside ----------------------------------------


def test_documents_are_pruned_beside_a_damaged_database_set_aside(tmp_path):
    folder = tmp_path / "backups"
    store = folder / "documents"
    orphan = store / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"a deleted person's identity card")
    kept = folder / "dossia-auto-20260101-090000.sqlite3"
    connection = sqlite3.connect(kept)
    connection.execute("CREATE TABLE documents(content_hash)")
    connection.execute("CREATE TABLE settings(key, value)")
    connection.commit()
    connection.close()
    damaged = folder / "dossia-endommagee-20260102-090000.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    assert backups.prune_documents(folder) == [orphan]
    assert damaged.exists() and kept.exists()


def test_an_unreadable_backup_still_prevents_pruning(tmp_path):
    folder = tmp_path / "backups"
    orphan = folder / "documents" / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    (folder / "dossia-auto-20260102-090000.sqlite3").write_bytes(
        b"SQLite format 3\x00" + b"\xff" * 4000
    )
    assert backups.prune_documents(folder) == []
    assert orphan.exists()
