"""The day's automatic backup: taken once the office is quiet, never awaited by quitting."""

from __future__ import annotations

import pytest

from app.storage import backups


def _partials(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file() and ".part" in p.name]


def test_quitting_during_the_automatic_backup_cancels_it_and_leaves_nothing(
    qtbot, workspace, monkeypatch
):
    """Dossia quits while the day's backup is being copied: quitting stops it at its next
    step instead of waiting for the whole copy; its partial file is removed and the backup
    is still due (taken at the next start)."""
    from ui.main_window import MainWindow

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    window.upkeep.quiet_ms = 0
    folder = workspace.paths.backups
    real = workspace.backups.run_automatic
    copying = []

    def held(progress):
        def slow(done: int, total: int) -> bool:
            if not copying:  # the copy has begun: hold it until Dossia quits
                copying.append(_partials(folder))
                window.upkeep._cancel.wait(30)
            return progress(done, total)

        return real(slow)

    monkeypatch.setattr(workspace.backups, "run_automatic", held)
    window.after_start()
    qtbot.waitUntil(lambda: bool(copying), timeout=10000)
    assert copying[0], "a partial copy is being written"
    assert window.upkeep.pending
    window.close()
    window.shut_down()  # returns: the backup was cancelled, not awaited
    assert window.upkeep._backup.wait(0)  # its thread has ended
    assert not _partials(folder)
    assert not list(folder.glob("*.sqlite3"))
    assert backups.automatic_backup_due(workspace.paths)


def test_the_automatic_backup_waits_for_a_quiet_office(qtbot, main_window):
    """A search or an opened dossier puts it off; once the office is quiet, it is taken."""
    main_window.upkeep.quiet_ms = 2000
    main_window.after_start()
    qtbot.waitUntil(lambda: main_window.upkeep._timer.isActive(), timeout=10000)
    for text in ("a", "ab", "abc"):
        main_window.search.setText(text)  # the user is searching: not yet
        assert main_window.upkeep._timer.remainingTime() > 1500
        assert backups.automatic_backup_due(main_window.workspace.paths)
        qtbot.wait(50)
    qtbot.waitUntil(lambda: not main_window.upkeep.pending, timeout=10000)
    assert not backups.automatic_backup_due(main_window.workspace.paths)
    assert "Sauvegarde automatique" in main_window.statusBar().currentMessage()


@pytest.mark.parametrize("cancel_at", ["copy", "check"])
def test_a_backup_cancelled_during_its_copy_or_its_check_leaves_nothing(paths, cancel_at):
    from app.storage.backup_files import BackupCancelled, BackupKind, backup_now

    asked = []

    def progress(done: int, total: int) -> bool:
        asked.append((done, total))
        return cancel_at == "check" and len(asked) == 1  # the copy's first step, or after

    with pytest.raises(BackupCancelled):
        backup_now(paths, BackupKind.AUTOMATIC, progress=progress)
    assert not _partials(paths.backups)
    assert not list(paths.backups.glob("*.sqlite3"))
    assert backups.automatic_backup_due(paths)


def test_the_days_integrity_check_waits_for_a_quiet_office_too(qtbot, main_window, monkeypatch):
    """The whole-file check (4 GB at 1,000,000 dossiers) is not run at start, where the
    first dossier's opening needs the machine: it runs once the office is quiet, then the
    day's backup of the file it found sound."""
    workspace = main_window.workspace
    real = workspace.quick_check
    checks = []
    monkeypatch.setattr(workspace, "quick_check", lambda: checks.append(1) or real())
    main_window.upkeep.quiet_ms = 2000
    main_window.after_start()
    qtbot.waitUntil(lambda: main_window.upkeep._timer.isActive(), timeout=10000)
    for text in ("a", "ab", "abc"):
        main_window.search.setText(text)  # the user is searching: not yet
        qtbot.wait(50)
    assert not checks
    qtbot.waitUntil(lambda: not main_window.upkeep.pending, timeout=10000)
    assert checks == [1]
    assert not backups.automatic_backup_due(workspace.paths)


def test_a_damaged_file_found_when_quiet_is_not_backed_up(qtbot, main_window, monkeypatch):
    workspace = main_window.workspace
    monkeypatch.setattr(workspace, "quick_check", lambda: "page 42: btree corrompu")
    opened = []
    monkeypatch.setattr(main_window.backups, "open_restore", opened.append)
    main_window.upkeep.quiet_ms = 0
    main_window.after_start()
    qtbot.waitUntil(lambda: bool(opened), timeout=10000)
    assert "btree corrompu" in opened[0]
    assert backups.automatic_backup_due(workspace.paths)  # no backup of a damaged file
    assert not list(workspace.paths.backups.glob("*.sqlite3"))


def test_quitting_during_the_days_integrity_check_stops_it(qtbot, main_window, monkeypatch):
    """Quitting while the day's check reads the file interrupts it: it stays due, and the
    backup is not taken."""
    import threading

    workspace = main_window.workspace
    started, interrupted = threading.Event(), threading.Event()

    def held() -> None:
        started.set()
        interrupted.wait(30)
        return None  # an interrupted check says nothing (still due)

    monkeypatch.setattr(workspace, "quick_check", held)
    monkeypatch.setattr(workspace, "interrupt_quick_check", interrupted.set)
    main_window.upkeep.quiet_ms = 0
    main_window.after_start()
    qtbot.waitUntil(started.is_set, timeout=10000)
    main_window.close()
    main_window.shut_down()  # returns: the check was interrupted, not awaited
    assert interrupted.is_set()
    assert main_window.upkeep._backup.wait(0)
    assert backups.automatic_backup_due(workspace.paths)
