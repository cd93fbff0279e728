"""Backups, rotation and restore (app level and command line)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from app.dossier.dossier_service import DossierFlag
from app.errors import DomainError
from app.storage import backups
from app.storage.backups import BackupKind
from app.storage.restore import restore
from tests.conftest import TEMPLATE_DOSSIERS
from tests.helpers import new_dossier, with_documents_and_simulations
from tests.test_demo_and_cli import run_main


def count(path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0]
    finally:
        connection.close()


def test_a_backup_is_a_checked_copy_with_its_documents(workspace, tmp_path):
    detail = with_documents_and_simulations(workspace, new_dossier(workspace), tmp_path)
    info = backups.backup_now(workspace.paths)  # while the office is open
    assert info.kind is BackupKind.MANUAL and info.path.parent == workspace.paths.backups
    assert info.dossiers == TEMPLATE_DOSSIERS + 1
    assert backups.integrity_problem(info.path) is None
    copied = sorted(p.name for p in (info.path.parent / "documents").rglob("*") if p.is_file())
    assert copied == sorted(p.name for p in workspace.paths.documents.rglob("*") if p.is_file())
    assert (
        "Sauvegarde manuelle du" in info.label
        and f"{TEMPLATE_DOSSIERS + 1} dossier(s)" in info.label
    )
    assert detail.document_count == 1


def test_a_backup_to_another_folder(workspace, tmp_path):
    usb = tmp_path / "CLE_USB"
    info = backups.backup_now(workspace.paths, folder=usb)
    assert info.path.parent == usb and count(info.path) == TEMPLATE_DOSSIERS


def test_a_cancelled_backup_leaves_nothing(workspace, tmp_path):
    with pytest.raises(DomainError, match="annulée"):
        backups.backup_now(
            workspace.paths, folder=tmp_path / "out", progress=lambda done, total: False
        )
    assert not any((tmp_path / "out").glob("*.sqlite3*"))


def test_an_unwritable_backup_folder_gets_a_clear_message(workspace, tmp_path):
    blocker = tmp_path / "fichier"
    blocker.write_text("je suis un fichier, pas un dossier")
    with pytest.raises(DomainError, match="Impossible d'écrire la sauvegarde"):
        backups.backup_now(workspace.paths, folder=blocker / "sous-dossier")


def test_automatic_backup_once_a_day_with_rotation(paths):
    start = dt.datetime(2026, 1, 1, 9, 0)
    for day in range(120):
        now = start + dt.timedelta(days=day)
        assert backups.run_automatic_backup(paths, now) is not None
        assert backups.run_automatic_backup(paths, now + dt.timedelta(hours=2)) is None  # same day
    kept = [
        b.taken_at.date()
        for b in backups.list_backups(paths.backups)
        if b.kind is BackupKind.AUTOMATIC
    ]
    last = (start + dt.timedelta(days=119)).date()
    assert kept[:7] == [last - dt.timedelta(days=d) for d in range(7)]  # 7 daily
    weeks = {d.isocalendar()[:2] for d in kept}
    months = {(d.year, d.month) for d in kept}
    assert len(weeks) >= 4 and len(months) == 4  # 120 days span 4 months
    assert len(kept) <= 7 + 4 + 12


def test_rotation_never_touches_manual_or_safety_backups(paths):
    manual = backups.backup_now(paths, BackupKind.MANUAL, now=dt.datetime(2025, 1, 1))
    safety = backups.backup_now(paths, BackupKind.BEFORE_RESTORE, now=dt.datetime(2025, 1, 2))
    backups.run_automatic_backup(paths, dt.datetime(2026, 11, 30, 8))
    backups.rotate(paths.backups, dt.date(2027, 12, 31), daily=0, weekly=0, monthly=0)
    assert manual.path.exists() and safety.path.exists()
    assert not any(b.kind is BackupKind.AUTOMATIC for b in backups.list_backups(paths.backups))


def test_restore_takes_a_safety_backup_first(workspace, tmp_path):
    before = backups.backup_now(workspace.paths, folder=tmp_path / "copies")
    detail = with_documents_and_simulations(workspace, new_dossier(workspace), tmp_path)
    workspace.dossiers.set_flag(detail.id, detail.version, DossierFlag.COMPLETE, True)
    workspace.close()  # the GUI closes its connections before restoring
    result = restore(workspace.paths, before.path)
    assert count(workspace.paths.database) == TEMPLATE_DOSSIERS
    assert (
        result.safety_backup is not None
        and count(result.safety_backup.path) == TEMPLATE_DOSSIERS + 1
    )
    assert result.safety_backup.kind is BackupKind.BEFORE_RESTORE


def test_restore_refuses_bad_files_and_changes_nothing(paths, tmp_path):
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"rien a voir" * 100)
    with pytest.raises(DomainError, match="n'est pas une base de données Dossia"):
        restore(paths, bogus)
    with pytest.raises(DomainError, match="introuvable"):
        restore(paths, tmp_path / "absent.sqlite3")
    damaged = tmp_path / "damaged.sqlite3"
    good = paths.database.read_bytes()
    damaged.write_bytes(good[: len(good) // 2])  # truncated: a copy interrupted half-way
    with pytest.raises(DomainError):
        restore(paths, damaged)
    assert count(paths.database) == TEMPLATE_DOSSIERS
    assert not paths.backups.exists() or not any(paths.backups.glob("*avant-restauration*"))


def test_command_line_backup_and_restore(paths, tmp_path):
    out = tmp_path / "usb" / "copie.sqlite3"
    result = run_main("backup", "--db", str(paths.database), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert count(out) == TEMPLATE_DOSSIERS
    connection = sqlite3.connect(paths.database)
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("DELETE FROM dossiers WHERE id IN (SELECT id FROM dossiers LIMIT 5)")
    connection.commit()
    connection.close()
    as_admin = {"DOSSIA_PASSWORD": "demo", "DOSSIA_CONFIG_DIR": str(tmp_path / "config")}
    restored = run_main(
        "restore", "--db", str(paths.database), "--from", str(out), "--user", "admin", env=as_admin
    )
    assert restored.returncode == 0, restored.stderr
    assert "Restauré" in restored.stdout and "avant-restauration" in restored.stdout
    assert count(paths.database) == TEMPLATE_DOSSIERS
    listing = run_main("backups", "--db", str(paths.database))
    assert "Avant restauration du" in listing.stdout
    refused = run_main(
        "restore",
        "--db",
        str(paths.database),
        "--from",
        str(tmp_path / "nope.sqlite3"),
        "--user",
        "admin",
        env=as_admin,
    )
    assert refused.returncode == 2 and "introuvable" in refused.stderr


def test_a_backup_killed_half_way_leaves_no_copy_behind(workspace):
    """Dossia killed while it copied the office (closed by force, the power gone) left a
    partial copy as large as the office: the next start removes it — but not one another
    Dossia is writing right now (touched within the hour)."""
    import os
    import time

    from app.storage.backups import run_automatic_backup

    folder = workspace.paths.backups
    (folder / "documents" / "ab").mkdir(parents=True, exist_ok=True)
    abandoned = [folder / ".part-k1ll3d", folder / "documents" / "ab" / ".part-d0c"]
    writing = folder / ".part-wr1t1ng"
    for path in (*abandoned, writing):
        path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4096)
    two_hours_ago = time.time() - 7200
    for path in abandoned:
        os.utime(path, (two_hours_ago, two_hours_ago))
    run_automatic_backup(workspace.paths)
    assert not any(path.exists() for path in abandoned)
    assert writing.exists()
