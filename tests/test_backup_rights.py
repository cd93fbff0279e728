"""«Sauvegarder et restaurer»: copying the whole office out of its folder, or replacing it
by a backup, needs the right, in the menus, in the service and on the command line; both
are audited, and the audit of a restore survives the restore."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.errors import PermissionDenied
from app.storage.backups import backup_now
from models.enums import AuditAction, Right
from tests.helpers import audit_events, new_dossier

ROOT = Path(__file__).resolve().parent.parent


def actions_in(database: Path) -> list[tuple[str, str | None, str]]:
    with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True) as connection:
        return connection.execute(
            "SELECT action, user_login, details FROM audit_events ORDER BY id"
        ).fetchall()


def test_a_broker_may_back_up_in_the_office_folder_only(login_as, tmp_path):
    broker = login_as("slegrand")
    assert not broker.user.can(Right.BACKUP_RESTORE)
    assert broker.backups.back_up().path.parent == broker.paths.backups
    with pytest.raises(PermissionDenied, match=r"(?i)sauvegarder et restaurer"):
        broker.backups.back_up(tmp_path / "usb")
    with pytest.raises(PermissionDenied):
        broker.backups.restore(broker.backups.back_up().path)
    with pytest.raises(PermissionDenied):
        broker.backups.list()
    assert not (tmp_path / "usb").exists()


def test_a_backup_to_a_folder_is_audited_in_the_office_and_in_the_copy(workspace, tmp_path):
    info = workspace.backups.back_up(tmp_path / "usb")
    events = [e for e in audit_events(workspace) if e.action is AuditAction.BACKUP_EXPORTED]
    assert [(e.user_login, str(tmp_path / "usb") in e.details) for e in events] == [("admin", True)]
    assert ("backup_exported", "admin") in [a[:2] for a in actions_in(info.path)]


def test_the_audit_of_a_restore_survives_the_restore(workspace):
    before = backup_now(workspace.paths)
    new_dossier(workspace, last_name="Après")
    service = workspace.backups
    workspace.close()  # the main window closes its connections first
    result = service.restore(before.path)
    restored = actions_in(workspace.paths.database)
    assert restored[-1][:2] == ("backup_restored", "admin")
    assert before.path.name in restored[-1][2]
    assert ("backup_restored", "admin") in [a[:2] for a in actions_in(result.safety_backup.path)]


def test_a_deactivated_administrator_cannot_restore(workspace, login_as):
    manager = login_as("pmoreau")
    before = backup_now(workspace.paths)
    user_id = next(u.id for u in workspace.users.users() if u.login == "pmoreau")
    workspace.users.set_active(user_id, False)
    with pytest.raises(PermissionDenied, match="désactivé"):
        manager.backups.restore(before.path)


def restore_command(paths, source: Path, *extra: str, password: str | None = "demo"):
    env = {**os.environ, "DOSSIA_CONFIG_DIR": str(paths.folder / "config")}
    env.pop("DOSSIA_PASSWORD", None)
    if password is not None:
        env["DOSSIA_PASSWORD"] = password
    return subprocess.run(
        [
            sys.executable,
            "main.py",
            "restore",
            "--db",
            str(paths.database),
            "--from",
            str(source),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_restore_command_asks_for_a_user_with_the_right(paths):
    source = backup_now(paths).path
    refused = restore_command(paths, source)
    assert refused.returncode == 2 and "--user" in refused.stderr
    refused = restore_command(paths, source, "--user", "slegrand")
    assert refused.returncode == 2 and "sauvegarder et restaurer" in refused.stderr
    refused = restore_command(paths, source, "--user", "admin", password="faux")
    assert refused.returncode == 2 and "incorrect" in refused.stderr
    done = restore_command(paths, source, "--user", "admin")
    assert done.returncode == 0, done.stderr
    assert actions_in(paths.database)[-1][:2] == ("backup_restored", "admin")


def test_the_menus_offer_them_only_with_the_right(qtbot, login_as):
    from PySide6.QtGui import QAction

    from ui.main_window import MainWindow

    for login, offered in (("slegrand", False), ("pmoreau", True)):
        window = MainWindow(login_as(login))
        qtbot.addWidget(window)
        assert window.findChild(QAction, "backupNowAction").isVisible()
        for name in ("backupToFolderAction", "restoreAction"):
            assert window.findChild(QAction, name).isVisible() is offered, (login, name)
        window.shut_down()
