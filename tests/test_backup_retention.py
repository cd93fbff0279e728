"""«Sauvegardes» in «Paramètres»: how long automatic backups keep the office's data."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSpinBox

from app.errors import DomainError, PermissionDenied
from app.office.office import BackupRetention
from app.storage.backups import BackupKind, backup_now, list_backups
from models.enums import AuditAction
from tests.helpers import audit_events


def test_the_retention_is_a_setting_that_rotation_follows(workspace):
    assert workspace.settings.backup_retention() == BackupRetention(7, 4, 12)
    workspace.settings.save_backup_retention(BackupRetention(daily=2, weekly=0, monthly=0))
    today = dt.date.today()
    for days in range(5, 0, -1):
        backup_now(
            workspace.paths,
            BackupKind.AUTOMATIC,
            now=dt.datetime.combine(today - dt.timedelta(days=days), dt.time(9)),
        )
    assert workspace.backups.run_automatic() is not None  # today's, then the rotation
    kept = [b for b in list_backups(workspace.paths.backups) if b.kind is BackupKind.AUTOMATIC]
    assert [b.taken_at.date() for b in kept] == [today, today - dt.timedelta(days=1)]
    assert any(
        e.action is AuditAction.SETTINGS_CHANGED and "Sauvegardes" in e.details
        for e in audit_events(workspace)
    )


def test_the_retention_is_bounded_and_kept_for_managers(workspace, login_as):
    with pytest.raises(DomainError, match="Jours") as refused:
        workspace.settings.save_backup_retention(BackupRetention(daily=0))
    assert refused.value.field == "daily"
    with pytest.raises(DomainError, match="Mois"):
        workspace.settings.save_backup_retention(BackupRetention(monthly=61))
    broker = login_as("slegrand")
    with pytest.raises(PermissionDenied):
        broker.settings.save_backup_retention(BackupRetention(monthly=1))
    assert broker.backups.retention().horizon == "12 mois"  # said before a deletion


def test_the_settings_page_saves_it(qtbot, workspace):
    from ui.settings.window import SettingsWindow

    window = SettingsWindow(workspace)
    qtbot.addWidget(window)
    page = window.backups
    page.findChild(QSpinBox, "retentionMonthsSpin").setValue(3)
    page.findChild(QSpinBox, "retentionWeeksSpin").setValue(2)
    qtbot.mouseClick(page.findChild(QPushButton, "saveRetentionButton"), Qt.MouseButton.LeftButton)
    assert "3 mois" in page.findChild(QLabel, "retentionSavedLabel").text()
    assert workspace.settings.backup_retention() == BackupRetention(7, 2, 3)
