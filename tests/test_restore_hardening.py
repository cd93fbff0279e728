"""A restore reads the chosen backup once, copies only checked documents, and replaces the
live office in one rename at the end (review 9: swapped files, planted documents, half
restores)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from app.errors import DomainError
from app.storage import backup_files, backups
from app.storage import restore as restore_module
from app.storage.documents import DocumentStore
from app.storage.restore import restore
from tests.helpers import new_dossier, with_documents_and_simulations


def set_marker(database: Path, value: str) -> None:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute("UPDATE users SET first_name = ? WHERE login = 'admin'", (value,))
        connection.commit()


def marker(database: Path) -> str:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return connection.execute("SELECT first_name FROM users WHERE login = 'admin'").fetchone()[
            0
        ]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def store_file(folder: Path, content_hash: str) -> Path:
    return folder / content_hash[:2] / content_hash


# 1. The file checked is the file restored.


def test_a_backup_swapped_after_its_check_is_not_restored(paths, tmp_path, monkeypatch):
    set_marker(paths.database, "CONTROLE")
    good = backups.backup_now(paths, folder=tmp_path / "partage").path
    set_marker(paths.database, "PIEGE")
    evil = backups.backup_now(paths, folder=tmp_path / "ailleurs").path
    set_marker(paths.database, "ACTUEL")
    checked: list[Path] = []
    real_check = restore_module.check_backup

    def check_then_swap(path: Path) -> backups.BackupInfo:
        info = real_check(path)
        checked.append(path)
        os.replace(evil, good)  # the attacker's rename lands right after the check
        return info

    monkeypatch.setattr(restore_module, "check_backup", check_then_swap)
    result = restore(paths, good)
    assert marker(paths.database) == "CONTROLE"  # what was checked, not what was swapped in
    assert checked and checked[0] != good  # the check ran on a private copy
    assert result.restored.path == good and result.restored.dossiers is not None
    assert leftovers(paths.folder) == []  # the private copy is gone


# 2. Documents: only those the restored office refers to, each checked against its name.


def _office_with_a_document(workspace, tmp_path) -> tuple[str, Path]:
    with_documents_and_simulations(workspace, new_dossier(workspace), tmp_path)
    (stored,) = [p for p in workspace.paths.documents.rglob("*") if p.is_file()]
    share = tmp_path / "partage"
    backup = backups.backup_now(workspace.paths, folder=share).path
    stored.unlink()  # the restore has to bring it back from the share
    return stored.name, backup


def test_restore_copies_only_referenced_documents_with_the_right_content(workspace, tmp_path):
    content_hash, backup = _office_with_a_document(workspace, tmp_path)
    shared = backup.parent / "documents"
    store_file(shared, content_hash).write_bytes(b"%PDF-1.4 ATTACKER CONTENT")  # planted
    junk = b"J" * 1000
    junk_hash = hashlib.sha256(junk).hexdigest()  # well named, but nothing refers to it
    store_file(shared, junk_hash).parent.mkdir(parents=True, exist_ok=True)
    store_file(shared, junk_hash).write_bytes(junk)
    workspace.backups.restore(backup)
    store = workspace.paths.documents
    assert not store_file(store, content_hash).exists()  # wrong content: refused
    assert not store_file(store, junk_hash).exists()  # not referenced: not copied


def test_a_document_swapped_for_a_link_during_the_copy_is_not_followed(
    workspace, tmp_path, monkeypatch
):
    content_hash, backup = _office_with_a_document(workspace, tmp_path)
    shared_file = store_file(backup.parent / "documents", content_hash)
    genuine = shared_file.read_bytes()
    secret = tmp_path / "id_ed25519"
    secret.write_text("CLE PRIVEE DU COURTIER")
    real_atomic_path = backup_files.atomic_path

    @contextlib.contextmanager
    def swap_then_write(target: Path):
        if target.name == content_hash and not shared_file.is_symlink():
            shared_file.unlink()  # after any look at the path, before the copy
            shared_file.symlink_to(secret)
        with real_atomic_path(target) as partial:
            yield partial

    monkeypatch.setattr(backup_files, "atomic_path", swap_then_write)
    workspace.backups.restore(backup)
    copied = store_file(workspace.paths.documents, content_hash)
    assert copied.read_bytes() == genuine  # the file opened first, never the link's target


def test_a_link_in_the_backup_documents_is_never_copied(workspace, tmp_path):
    content_hash, backup = _office_with_a_document(workspace, tmp_path)
    shared_file = store_file(backup.parent / "documents", content_hash)
    genuine = tmp_path / "ailleurs.pdf"
    genuine.write_bytes(shared_file.read_bytes())
    shared_file.unlink()
    shared_file.symlink_to(genuine)
    workspace.backups.restore(backup)
    assert not store_file(workspace.paths.documents, content_hash).exists()


def test_put_replaces_a_file_planted_under_the_hash(tmp_path):
    store = DocumentStore(tmp_path / "documents")
    source = tmp_path / "formulaire.pdf"
    source.write_bytes(b"%PDF-1.4 formulaire de la banque")
    content_hash = hashlib.sha256(source.read_bytes()).hexdigest()
    planted = store.path_for(content_hash)
    planted.parent.mkdir(parents=True)
    planted.write_bytes(b"%PDF-1.4 ATTACKER CONTENT /JavaScript")
    assert store.put(source) == (content_hash, source.stat().st_size)
    assert planted.read_bytes() == source.read_bytes()


def test_a_backup_to_a_folder_holds_only_the_referenced_documents(workspace, tmp_path):
    with_documents_and_simulations(workspace, new_dossier(workspace), tmp_path)
    (referenced,) = [p.name for p in workspace.paths.documents.rglob("*") if p.is_file()]
    stray = b"un fichier que rien ne cite"
    stray_hash = hashlib.sha256(stray).hexdigest()
    store_file(workspace.paths.documents, stray_hash).parent.mkdir(parents=True, exist_ok=True)
    store_file(workspace.paths.documents, stray_hash).write_bytes(stray)
    share = tmp_path / "partage"
    backups.backup_now(workspace.paths, folder=share)
    exported = sorted(p.name for p in (share / "documents").rglob("*") if p.is_file())
    assert exported == [referenced]


# 3. A failed restore says the truth about the live office.


def test_a_restore_failing_midway_leaves_the_live_office_untouched(paths, tmp_path, monkeypatch):
    set_marker(paths.database, "SAUVEGARDE")
    backup = backups.backup_now(paths, folder=tmp_path / "partage").path
    set_marker(paths.database, "ACTUEL")

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(restore_module, "copy_documents", disk_full)
    with pytest.raises(DomainError) as refused:
        restore(paths, backup)
    assert marker(paths.database) == "ACTUEL"
    assert "La base actuelle n'a pas été modifiée" in refused.value.message
    assert "copie de sécurité" in refused.value.message
    assert leftovers(paths.folder) == []  # no half-built office left beside it


def test_a_restore_failing_at_the_swap_says_the_office_may_be_replaced(
    paths, tmp_path, monkeypatch
):
    backup = backups.backup_now(paths, folder=tmp_path / "partage").path
    real_replace = Path.replace

    def refuse_the_live_name(self: Path, target):
        if Path(target) == paths.database:
            raise OSError(5, "Input/output error")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", refuse_the_live_name)
    with pytest.raises(DomainError) as refused:
        restore(paths, backup)
    assert "n'a pas été modifiée" not in refused.value.message
    assert "remplacée" in refused.value.message
