"""«Chiffrer les données de ce poste»: a plain office converted, backups and documents
included, and back; a kill at any moment leaves the old office or the new one."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import startup
from app.crypto import unlocked
from app.crypto.keyfile import key_file_path
from app.errors import DomainError, PermissionDenied
from app.paths import DataPaths
from app.startup import OfficeState
from app.storage.backup_files import BackupKind, backup_now
from app.storage.conversion import LOCK_NAME, ConversionCancelled, journal_path
from app.workspace import OfficeDatabase
from models.enums import AuditAction
from tests.conftest import PASSWORD
from tests.helpers import audit_events

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _forget_keys():
    unlocked.forget_all()
    yield
    unlocked.forget_all()


@pytest.fixture
def paths(paths, template_db):
    """The template's copy, with its document files (the samples the dossiers refer to)."""
    shutil.copytree(template_db.parent / "documents", paths.documents)
    return paths


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in files_under(folder)}


def read_plain(database: Path, sql: str) -> list[tuple]:
    """What the standard library's SQLite reads of a plain file (closed at once: two SQLite
    libraries must not hold the same file open in one process)."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return connection.execute(sql).fetchall()


def names_of(database: Path) -> list[bytes]:
    rows = read_plain(
        database, "SELECT last_name FROM borrowers WHERE length(last_name) > 4 LIMIT 15"
    )
    return [row[0].encode() for row in rows]


def open_as(paths: DataPaths, login: str, password: str = PASSWORD):
    office = OfficeDatabase(paths)
    return office.workspace_for(office.authenticate(login, password))


def test_a_plain_office_is_encrypted_with_its_backups_and_documents(paths):
    backup_now(paths, BackupKind.MANUAL)
    names = names_of(paths.database)
    dossiers = read_plain(paths.database, "SELECT COUNT(*) FROM dossiers")[0]
    admin = open_as(paths, "admin")
    with pytest.raises(DomainError, match="Mot de passe incorrect"):
        admin.encryption.encrypt("pas le bon")
    broker = open_as(paths, "slegrand")
    with pytest.raises(PermissionDenied):
        broker.encryption.encrypt(PASSWORD)
    broker.close()
    kept = paths.folder / "exports" / "Synthèse 2026-00001.pdf"  # a PDF kept in clear
    kept.parent.mkdir()
    kept.write_bytes(b"%PDF-1.4 " + names[0])
    seen: list[int] = []
    done = admin.encryption.encrypt(PASSWORD, lambda step, total: seen.append(step) or True)
    assert not kept.exists()
    admin.close()
    assert done.encrypted and done.recovery_key is not None
    assert done.backups == 2 and done.documents > 0  # the manual one, and one made first
    first = next(paths.backups.glob("dossia-avant-chiffrement-*.sqlite3"))
    assert key_file_path(first).is_file()  # made plain, then encrypted with the others
    assert seen == sorted(seen) and seen[-1] == 1000
    assert set(done.without_key) == {"assistant", "jfaure", "kbenali", "pmoreau", "slegrand"}
    assert not journal_path(paths).exists()

    for path in files_under(paths.folder):
        if path.suffix == ".keys" or "sessions" in path.parts:
            continue
        data = path.read_bytes()
        assert not data.startswith(b"SQLite format 3") and not data.startswith(b"%PDF"), path
        assert not [name for name in names if name in data], path
    assert key_file_path(paths.database).is_file()
    backup = next(paths.backups.glob("dossia-manuel-*.sqlite3"))
    assert key_file_path(backup).is_file()

    # Opened again (a restart): the administrator's password opens it; the others need a
    # new password, which an administrator's reset gives them.
    unlocked.forget_all()
    assert startup.open_office(paths).state is OfficeState.LOCKED
    startup.unlock_office(paths, "admin", PASSWORD)
    admin = open_as(paths, "admin")
    assert admin.tab_counts(admin_query()).get(all_tab()) == dossiers[0]
    state = admin.encryption.state()
    assert state.encrypted and "pmoreau" in state.without_key
    pmoreau = next(row for row in admin.users.users() if row.login == "pmoreau")
    admin.users.reset_password(pmoreau.id, "Provisoire-2026")
    assert "pmoreau" not in admin.encryption.state().without_key
    events = audit_events(admin)
    assert any(
        e.action is AuditAction.ENCRYPTION_CHANGED and "Chiffrement" in e.details for e in events
    )
    admin.close()
    unlocked.forget_all()
    startup.unlock_office(paths, "pmoreau", "Provisoire-2026")


def admin_query():
    from app.listing import ListQuery

    return ListQuery()


def all_tab():
    from app.listing import ListTab

    return ListTab.ALL


def test_decrypting_gives_back_files_sqlite_reads(paths):
    before = names_of(paths.database)
    admin = open_as(paths, "admin")
    admin.encryption.encrypt(PASSWORD)
    admin.close()
    admin = open_as(paths, "admin")
    done = admin.encryption.decrypt(PASSWORD)
    admin.close()
    assert not done.encrypted
    assert not key_file_path(paths.database).exists()
    assert names_of(paths.database) == before  # the standard library reads it again
    unlocked.forget_all()
    assert startup.open_office(paths).state is OfficeState.READY
    workspace = open_as(paths, "admin")
    info = workspace.documents.list(workspace.list_ids(admin_query())[0])
    for document in info.documents:
        content, _name = workspace.documents.content(document.id)
        assert content is not None and content.startswith(b"%PDF")
    workspace.close()


def test_a_cancelled_conversion_changes_nothing(paths):
    backup_now(paths, BackupKind.MANUAL)
    before = snapshot(paths.folder)
    dossiers = read_plain(paths.database, "SELECT * FROM dossiers ORDER BY id")
    admin = open_as(paths, "admin")
    with pytest.raises(ConversionCancelled):
        admin.encryption.encrypt(PASSWORD, lambda step, total: step < 500)
    admin.close()
    after = snapshot(paths.folder)
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    # Backups and documents as they were, nothing new; the live file (a login, a checkpoint
    # rewrite its pages) still plain, with the same dossiers; the empty lock file stays.
    live = {paths.database.name + suffix for suffix in ("", "-wal", "-shm")} | {LOCK_NAME}
    made_first = {name for name in changed if name.startswith("backups/dossia-avant-chiffrement-")}
    assert made_first  # the backup made first stays, a backup like any other
    assert not {
        name for name in changed - made_first if name not in live and "sessions" not in name
    }
    assert read_plain(paths.database, "SELECT * FROM dossiers ORDER BY id") == dossiers
    assert startup.open_office(paths).state is OfficeState.READY


_CHILD = """
import sys, time
from pathlib import Path
from app.paths import DataPaths
from app.storage import conversion
from app.workspace import OfficeDatabase

paths = DataPaths(Path(sys.argv[1]))


def tell(what):
    print(what, flush=True)
    time.sleep(0.05)  # the parent's kill lands here, right after this step


def traced(name):
    original = getattr(conversion, name)

    def step(*args, **kwargs):
        tell(name)
        return original(*args, **kwargs)

    setattr(conversion, name, step)


for name in ("_rewrite", "_write_document", "_switch"):
    traced(name)
office = OfficeDatabase(paths)
workspace = office.workspace_for(office.authenticate("admin", "demo"))
tell("ready")
workspace.encryption.encrypt("demo", lambda done, total: tell(f"progress {done}") or True)
tell("done")
"""


def _run_child(database: Path, kill_after: int | None) -> list[str]:
    """The conversion in a process of its own, killed (SIGKILL) right after its
    `kill_after`-th step; the steps it told."""
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(database)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    told: list[str] = []
    assert child.stdout is not None
    with child.stdout:
        for line in child.stdout:
            told.append(line.strip())
            if kill_after is not None and len(told) == kill_after:
                child.send_signal(signal.SIGKILL)
                break
    child.wait()
    return told


def _copy(files: dict[str, bytes], folder: Path) -> None:
    for relative, data in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@pytest.mark.slow
def test_a_kill_at_any_moment_leaves_the_old_office_or_the_new_one(paths, tmp_path):
    """SIGKILL after each kind of step of a conversion (the database and a backup rewritten,
    the documents, the journal, each rename): the next start finishes or undoes it, and the
    office opens — plain as it was, or encrypted — with every dossier and document."""
    backup_now(paths, BackupKind.MANUAL)
    files = snapshot(paths.folder)
    count = read_plain(paths.database, "SELECT COUNT(*) FROM dossiers")[0][0]
    _copy(files, tmp_path / "whole")
    steps = _run_child(tmp_path / "whole" / paths.database.name, None)
    assert steps[-1] == "done" and "_switch" in steps, steps
    first_switch = steps.index("_switch")
    moments = sorted(
        {2, 3, steps.index("_write_document") + 1, first_switch, first_switch + 1}
        | {first_switch + 2, len(steps) - 1}
        | set(range(4, first_switch, max(1, first_switch // 4)))
    )
    outcomes = {}
    for moment in moments:
        folder = tmp_path / f"killed-after-{moment}"
        _copy(files, folder)
        office = DataPaths(folder / paths.database.name)
        told = _run_child(office.database, moment)
        unlocked.forget_all()
        opening = startup.open_office(office)  # the next start
        if opening.state is OfficeState.LOCKED:
            startup.unlock_office(office, "admin", PASSWORD)
            outcomes[told[-1]] = "encrypted"
        else:
            assert opening.state is OfficeState.READY, (told, opening.message)
            assert not key_file_path(office.database).exists()
            outcomes[told[-1]] = "plain"
        workspace = open_as(office, "admin")
        assert workspace.tab_counts(admin_query())[all_tab()] == count, told
        for dossier_id in workspace.list_ids(admin_query())[:5]:
            for document in workspace.documents.list(dossier_id).documents:
                assert workspace.documents.content(document.id)[0] is not None, told
        workspace.close()
        leftovers = [p for p in files_under(folder) if p.name.endswith(".conversion")]
        assert not leftovers and not journal_path(office).exists(), told
    assert set(outcomes.values()) == {"plain", "encrypted"}, outcomes


def test_a_conversion_waits_for_every_other_dossia_to_close(paths):
    other = open_as(paths, "slegrand")  # another window, another user of this computer
    admin = open_as(paths, "admin")
    with pytest.raises(DomainError, match="ouvert ailleurs"):
        admin.encryption.encrypt(PASSWORD)
    assert not key_file_path(paths.database).exists()
    assert read_plain(paths.database, "SELECT COUNT(*) FROM dossiers")[0][0] > 0
    other.close()
    admin = open_as(paths, "admin")
    assert admin.encryption.encrypt(PASSWORD).encrypted


def test_a_decryption_killed_between_its_renames_ends_plain(paths):
    """The plain copy already in place, its old key file still there: the next start
    removes the key file instead of taking a sound office for a damaged one."""
    from app.storage import conversion

    admin = open_as(paths, "admin")
    admin.encryption.encrypt(PASSWORD)
    admin = open_as(paths, "admin")
    admin.encryption.decrypt(PASSWORD)
    key_file_path(paths.database).write_text("{}")  # as if the unlink had not happened
    journal_path(paths).write_text(
        json.dumps({"files": [str(paths.database)], "plain": True, "old_documents": []})
    )
    conversion.finish_conversion(paths)
    assert not key_file_path(paths.database).exists()
    unlocked.forget_all()
    assert startup.open_office(paths).state is OfficeState.READY


def test_a_second_start_during_a_conversion_waits_and_loses_nothing(paths):
    """Dossia started again while a conversion runs (a double-click too many): it neither
    undoes the conversion's new files nor finishes it, it says to wait; the conversion
    ends with every document readable."""
    backup_now(paths, BackupKind.MANUAL)
    admin = open_as(paths, "admin")
    starts = []

    def second_start(step: int, _total: int) -> bool:
        if step > 600 and not starts:  # in the documents, the database already rewritten
            assert list(paths.folder.rglob("*.conversion"))
            starts.append(startup.open_office(paths))
        return True

    done = admin.encryption.encrypt(PASSWORD, second_start)
    assert starts and starts[0].state is OfficeState.UNUSABLE and starts[0].busy
    assert "en cours dans une autre fenêtre" in starts[0].message
    assert done.encrypted and done.documents > 0
    admin.close()
    assert not list(paths.folder.rglob("*.conversion"))
    unlocked.forget_all()
    assert startup.open_office(paths).state is OfficeState.LOCKED
    startup.unlock_office(paths, "admin", PASSWORD)
    workspace = open_as(paths, "admin")
    for dossier_id in workspace.list_ids(admin_query())[:10]:
        for document in workspace.documents.list(dossier_id).documents:
            assert workspace.documents.content(document.id)[0] is not None
    workspace.close()


def test_a_conversion_killed_before_its_journal_leaves_no_clear_document(paths, tmp_path):
    """A decryption killed in its documents (the data folder copied as the kill leaves it):
    the next start removes the clear copies it had written with its other new files, and
    the encrypted office stays whole."""
    admin = open_as(paths, "admin")
    admin.encryption.encrypt(PASSWORD)
    admin = open_as(paths, "admin")
    encrypted = set(snapshot(paths.folder))
    killed = DataPaths(tmp_path / "killed" / paths.database.name)

    def kill(step: int, _total: int) -> bool:
        if step > 700 and not killed.folder.exists():
            shutil.copytree(paths.folder, killed.folder)
        return True

    admin.encryption.decrypt(PASSWORD, kill)
    admin.close()
    assert any(path.name.endswith(".conversion") for path in files_under(killed.folder))
    unlocked.forget_all()
    assert startup.open_office(killed).state is OfficeState.LOCKED  # the next start
    for path in files_under(killed.documents):
        assert not path.read_bytes().startswith(b"%PDF"), path
    left = {name for name in snapshot(killed.folder) if "sessions" not in name}
    made_first = {name for name in left if name.startswith("backups/dossia-avant-dechiffrement-")}
    assert {name for name in made_first if name.endswith(".sqlite3")} == {
        name.removesuffix(".keys") for name in made_first if name.endswith(".keys")
    }  # the backup made first, still encrypted, with its keys
    assert left - made_first <= encrypted | {LOCK_NAME}


def test_a_session_mark_is_alive_while_its_process_holds_it(paths):
    """Another Dossia's mark counts while its process runs, and not once it is killed,
    whatever its process id says (ids are reused after a reboot; Windows has no kill 0)."""
    from app.storage.sqlite_office import other_sessions

    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from app.paths import DataPaths; "
            "from app.storage.sqlite_office import SessionMarks; "
            "m = SessionMarks(DataPaths(Path(sys.argv[1]))); m.open(); "
            "print('open', flush=True); sys.stdin.read()",
            str(paths.database),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    with child.stdout, child.stdin:
        assert child.stdout.readline().strip() == "open"
        assert len(other_sessions(paths)) == 1
        child.send_signal(signal.SIGKILL)
        child.wait()
    mark = other_sessions(paths)[0]  # seconds old: may not be locked yet
    old = mark.stat().st_mtime - 60
    os.utime(mark, (old, old))
    assert other_sessions(paths) == []
    # A mark named after a live process (this one's parent), nobody holding it: a crash.
    stale = paths.folder / "sessions" / f"{os.getppid()}-0000.open"
    stale.touch()
    os.utime(stale, (old, old))
    assert other_sessions(paths) == []


def test_a_conversion_failing_after_a_copy_leaves_no_clear_copy(paths, monkeypatch):
    """A decryption whose copy of the database cannot be flushed (an I/O error): the clear
    copy is removed with the rest, and the message is French."""
    import errno

    from app.storage import conversion

    admin = open_as(paths, "admin")
    admin.encryption.encrypt(PASSWORD)
    admin = open_as(paths, "admin")
    real = conversion.fsync_file

    def fsync(path):
        if path.name == paths.database.name + ".conversion":
            raise OSError(errno.EIO, "Input/output error")
        real(path)

    monkeypatch.setattr(conversion, "fsync_file", fsync)
    with pytest.raises(DomainError, match="n'a pas pu écrire ses fichiers"):
        admin.encryption.decrypt(PASSWORD)
    monkeypatch.undo()
    admin.close()
    assert not [p for p in files_under(paths.folder) if p.name.endswith(".conversion")]
    assert not (paths.folder / conversion.STARTED_NAME).exists()
    unlocked.forget_all()
    assert startup.open_office(paths).state is OfficeState.LOCKED  # still encrypted, whole


def test_a_file_held_open_at_the_renames_is_finished_at_a_later_start(paths, monkeypatch):
    """On Windows another program (an antivirus) may hold a file that must take its new
    name: the encryption is done all the same (its kit shown), the starts say what holds
    them until the file is let go, then one finishes it."""
    real_replace = Path.replace

    def held(self, target):
        if self.name == paths.database.name + ".conversion":
            raise PermissionError(13, "Accès refusé", str(self))
        return real_replace(self, target)

    admin = open_as(paths, "admin")
    monkeypatch.setattr(Path, "replace", held)
    done = admin.encryption.encrypt(PASSWORD)
    assert done.encrypted and done.recovery_key is not None
    assert "prochain démarrage" in done.unfinished and paths.database.name in done.unfinished
    unlocked.forget_all()
    opening = startup.open_office(paths)
    assert opening.state is OfficeState.UNUSABLE and opening.busy
    assert "autre programme" in opening.message
    monkeypatch.undo()
    assert startup.open_office(paths).state is OfficeState.LOCKED  # finished now
    assert not journal_path(paths).exists()
    startup.unlock_office(paths, "admin", PASSWORD)
    workspace = open_as(paths, "admin")
    assert workspace.tab_counts(admin_query())[all_tab()] > 0
    workspace.close()


def test_clear_files_that_resist_removal_are_removed_at_a_later_start(paths, monkeypatch):
    """The clear PDFs of exports/ and the old documents are removed once the encryption is
    done; one held open (a PDF reader on Windows) is removed at a later start."""
    from app.storage import conversion

    kept = paths.folder / "exports" / "Synthèse 2026-00001.pdf"
    kept.parent.mkdir()
    kept.write_bytes(b"%PDF-1.4 clear")
    clear_documents = [p for p in files_under(paths.documents)]
    real_rmtree = conversion.shutil.rmtree

    def held(path, *args, **kwargs):
        raise PermissionError(13, "Accès refusé", str(path))

    admin = open_as(paths, "admin")
    monkeypatch.setattr(conversion.shutil, "rmtree", held)
    assert not admin.encryption.encrypt(PASSWORD).unfinished
    admin.close()
    assert kept.exists() and (paths.folder / conversion.LEFTOVERS_NAME).exists()
    monkeypatch.setattr(conversion.shutil, "rmtree", real_rmtree)
    unlocked.forget_all()
    assert startup.open_office(paths).state is OfficeState.LOCKED  # a later start
    assert not kept.exists() and not (paths.folder / "exports").exists()
    assert not (paths.folder / conversion.LEFTOVERS_NAME).exists()
    assert not [p for p in clear_documents if p.exists()]


def encrypted_until_its_journal(paths: DataPaths, monkeypatch) -> None:
    """An encryption whose process stops right after writing its journal (the power
    went): the next start, or command, has the renames to do."""
    from app.storage import conversion

    real_finish = conversion._finish_locked
    calls = []

    def stopped_after_the_journal(office):
        calls.append(office)  # the first call finishes an earlier one, the second this one
        return False if len(calls) == 2 else real_finish(office)

    admin = open_as(paths, "admin")
    monkeypatch.setattr(conversion, "_finish_locked", stopped_after_the_journal)
    admin.encryption.encrypt(PASSWORD)
    monkeypatch.undo()
    admin.close()
    assert journal_path(paths).exists()


def test_a_journal_finds_its_files_after_the_data_folder_moved(paths, tmp_path, monkeypatch):
    """A conversion done (journal written) in a folder moved before the next start: that
    start finishes it where the folder is now."""

    encrypted_until_its_journal(paths, monkeypatch)
    moved = DataPaths(tmp_path / "moved" / paths.database.name)
    shutil.move(str(paths.folder), str(moved.folder))
    unlocked.forget_all()
    assert startup.open_office(moved).state is OfficeState.LOCKED
    assert not journal_path(moved).exists()
    assert not [p for p in files_under(moved.folder) if p.name.endswith(".conversion")]
    startup.unlock_office(moved, "admin", PASSWORD)


def test_where_files_cannot_be_locked_no_conversion_starts(paths, monkeypatch):
    """A data folder on a file system without locks (a network share): a conversion is
    refused before it changes anything, and another Dossia's mark, which cannot be
    checked there, counts as open."""
    import errno

    from app import files
    from app.storage.sqlite_office import SessionMarks, other_sessions

    def no_locks(*_args):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(files.fcntl, "flock", no_locks)
    other = SessionMarks(paths)
    other.open()
    assert other_sessions(paths)  # unknown: taken as open
    other.close()
    admin = open_as(paths, "admin")
    with pytest.raises(DomainError, match="verrouiller"):
        admin.encryption.encrypt(PASSWORD)
    admin.close()
    assert not key_file_path(paths.database).exists()


def test_a_mark_from_the_future_is_not_taken_for_a_fresh_one(paths):
    """The clock set back (NTP, a dual-boot's clock): a crashed session's mark dated
    later than now is not alive for that."""
    from app.storage.sqlite_office import other_sessions

    mark = paths.folder / "sessions" / "12345-beef.open"
    mark.parent.mkdir(exist_ok=True)
    mark.touch()
    later = mark.stat().st_mtime + 3600
    os.utime(mark, (later, later))
    assert other_sessions(paths) == []


def test_the_backup_command_finishes_a_conversion_first(paths, monkeypatch):
    """The night's `main.py backup` after a conversion killed before its renames: the
    conversion is finished first, so the backup holds its documents."""

    encrypted_until_its_journal(paths, monkeypatch)
    out = paths.folder.parent / "nuit.sqlite3"
    done = subprocess.run(
        [
            *(sys.executable, "main.py", "--db", str(paths.database), "--user", "admin"),
            *("backup", "--out", str(out)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DOSSIA_PASSWORD": PASSWORD, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert not journal_path(paths).exists()
    assert key_file_path(out).is_file()
    documents = [p for p in files_under(out.parent / "documents")]
    assert documents and not [p for p in documents if p.name.endswith(".conversion")]
