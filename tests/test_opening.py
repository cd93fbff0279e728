"""`open_office`: what the start-up does with a data folder, asked alike by main.py, the
launcher and these tests; and the start-up use cases behind it."""

from __future__ import annotations

import sqlite3

import pytest

from app import startup
from app.errors import DomainError
from app.office.office import NewUser
from app.paths import DataPaths
from app.startup import OfficeState, open_office
from app.storage.backups import backup_now
from app.workspace import OfficeDatabase


def test_an_empty_folder_is_a_first_start_and_the_office_can_be_created(tmp_path):
    paths = DataPaths(tmp_path / "cabinet" / "dossia.sqlite3")
    assert open_office(paths).state is OfficeState.FIRST_START
    with pytest.raises(DomainError) as refused:
        startup.create_office(paths, NewUser("h dubois", "Hélène", "Dubois", "Secret-2026"))
    assert refused.value.field == "login" and not paths.database.exists()  # nothing written
    created = startup.create_office(paths, NewUser("HDubois", "Hélène", "Dubois", "Secret-2026"))
    assert created.login == "hdubois" and open_office(paths).state is OfficeState.READY
    assert created.recovery_key is not None  # encrypted: unlocked by its creation, kit to print
    office = OfficeDatabase(paths)
    assert office.authenticate("hdubois", "Secret-2026").role_name == "Administrateur"
    office.close()


def test_an_older_schema_is_upgraded(tmp_path):
    from alembic import command

    from app.storage.schema import alembic_config

    paths = DataPaths(tmp_path / "old.sqlite3")
    command.upgrade(alembic_config(paths.database), "0007_banks")  # an office of last year
    assert open_office(paths).state is OfficeState.UPGRADE
    startup.upgrade_office(paths)
    assert open_office(paths).state is OfficeState.READY


def test_a_newer_or_foreign_file_stops_with_its_reason(paths, tmp_path):
    connection = sqlite3.connect(paths.database)
    connection.execute("UPDATE alembic_version SET version_num = '0099_future'")
    connection.commit()
    connection.close()
    opening = open_office(paths)
    assert opening.state is OfficeState.NEWER and "version plus récente" in opening.message
    folder = DataPaths(tmp_path)  # a folder where the database file should be
    assert open_office(DataPaths(folder.folder)).state is OfficeState.UNUSABLE


def test_a_damaged_file_offers_the_latest_good_backup_and_restores_it(paths):
    good = backup_now(paths)
    paths.database.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)
    opening = open_office(paths)
    assert opening.state is OfficeState.DAMAGED
    assert opening.good_backup is not None and opening.good_backup.path == good.path
    startup.restore_latest_good_backup(paths, opening)
    assert open_office(paths).state is OfficeState.READY
    assert list(paths.backups.glob("dossia-endommagee-*"))  # the damaged file is kept


def test_a_damaged_file_without_a_backup_has_nothing_to_offer(tmp_path):
    paths = DataPaths(tmp_path / "dossia.sqlite3")
    paths.database.write_bytes(b"ceci n'est pas une base" * 100)
    opening = open_office(paths)
    assert opening.state is OfficeState.DAMAGED and opening.good_backup is None
    with pytest.raises(DomainError):
        startup.restore_latest_good_backup(paths, opening)
