"""A backup is restored only if Dossia could have written it (issue 9, points 2, 3 and 6).

Each crafted file starts as a real backup of the demo office, then is altered with sqlite3 the
way a hostile review did: extra triggers, views, columns, missing tables, a recursive view
named `dossiers`, impossible dates, document hashes that are paths…
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy

from app.errors import DomainError
from app.paths import DataPaths
from app.storage import backup_rows, backups
from app.storage.documents import DocumentStore
from app.storage.restore import restore
from app.storage.schema import create_reference
from models.all import Base
from tests.conftest import TEMPLATE_DOSSIERS
from tests.helpers import new_dossier, with_documents_and_simulations
from tests.test_demo_and_cli import run_main

ROOT = Path(__file__).resolve().parent.parent
HASH = "ab" + "0" * 62
MODIFIED = "a été modifiée en dehors de Dossia"
INVALID = "contient des données que Dossia n'a pas pu écrire"
RECURSIVE = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i AS id FROM n"


def crafted(paths: DataPaths, folder: Path, *statements: str) -> Path:
    """A real backup of the office, then altered by `statements` (foreign keys off)."""
    info = backups.backup_now(paths, folder=folder, now=dt.datetime(2026, 1, 1, 12))
    connection = sqlite3.connect(info.path, isolation_level=None)
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()
    return info.path


def rewritten(paths: DataPaths, folder: Path, table: str, old: str, new: str) -> Path:
    """A backup whose CREATE statement of `table` was edited in sqlite_master directly."""
    source = crafted(paths, folder)
    connection = sqlite3.connect(source, isolation_level=None)
    try:
        (sql,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,))
        assert old in sql[0], sql[0]
        connection.execute("PRAGMA writable_schema=ON")
        connection.execute(
            "UPDATE sqlite_master SET sql = ? WHERE name = ?", (sql[0].replace(old, new), table)
        )
    finally:
        connection.close()
    return source


def refused(paths: DataPaths, source: Path, *fragments: str) -> str:
    """restore() refuses `source` with a message holding `fragments`, and changes nothing."""
    before = paths.database.read_bytes()
    with pytest.raises(DomainError) as refusal:
        restore(paths, source)
    message = refusal.value.message
    assert all(fragment in message for fragment in fragments), message
    assert paths.database.read_bytes() == before
    assert not paths.backups.exists() or not any(paths.backups.glob("*avant-restauration*"))
    return message


def count(path: Path, sql: str = "SELECT COUNT(*) FROM dossiers") -> int:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql).fetchone()[0]


# --- 1. the schema is exactly the one of the backup's revision -----------------------------


def test_a_genuine_backup_passes_the_full_check(paths, tmp_path):
    source = crafted(paths, tmp_path / "copies")
    assert backups.check_backup(source).dossiers == TEMPLATE_DOSSIERS
    result = restore(paths, source)
    assert result.restored.dossiers == TEMPLATE_DOSSIERS
    assert count(paths.database) == TEMPLATE_DOSSIERS


@pytest.mark.parametrize(
    ("statement", "detail"),
    [
        (  # one wrong password and a Courtier becomes Administrateur
            "CREATE TRIGGER promote AFTER UPDATE OF failed_logins ON users BEGIN "
            "UPDATE users SET role_id = (SELECT id FROM roles WHERE name = 'Administrateur') "
            "WHERE id = new.id; END",
            "déclencheur « promote » inconnu",
        ),
        (  # renumbers and deletes leave no audit rows
            "CREATE TRIGGER forget AFTER INSERT ON audit_events BEGIN "
            "DELETE FROM audit_events WHERE id = new.id; END",
            "déclencheur « forget » inconnu",
        ),
        ("CREATE VIEW spy AS SELECT login, password_hash FROM users", "vue « spy » inconnue"),
        ("CREATE TABLE notes (x TEXT)", "table « notes » inconnue"),
        ("CREATE INDEX ix_extra ON dossiers (internal_note)", "index « ix_extra » inconnu"),
        (  # an index on an expression: its column has no name (once a crash, not a refusal)
            "CREATE INDEX ix_expr ON dossiers (lower(internal_note))",
            "index « ix_expr » inconnu",
        ),
        (
            "ALTER TABLE users ADD COLUMN is_admin INTEGER DEFAULT 1",
            "colonne « is_admin » inconnue dans la table « users »",
        ),
        ("DROP INDEX ix_dossiers_owner", "index « ix_dossiers_owner » manquant"),
        ("DROP TRIGGER dossiers_fts_update", "déclencheur « dossiers_fts_update » manquant"),
        ("DROP TABLE banks", "table « banks » manquante"),
    ],
)
def test_an_extra_or_missing_object_is_refused(paths, tmp_path, statement, detail):
    message = refused(paths, crafted(paths, tmp_path / "copies", statement), MODIFIED, detail)
    assert message.endswith("elle ne peut pas être restaurée.")


def test_a_two_table_shell_is_refused(paths, tmp_path):
    connection = sqlite3.connect(paths.database)
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'dossier_fts%' "
            "AND name NOT IN ('alembic_version', 'dossiers') AND name NOT LIKE 'sqlite_%'"
        )
    ]
    connection.close()
    shell = crafted(
        paths,
        tmp_path / "copies",
        "DROP TABLE dossier_fts",
        *(f'DROP TABLE "{table}"' for table in tables),
    )
    refused(paths, shell, MODIFIED, "manquant")


@pytest.mark.parametrize(
    ("table", "old", "new", "detail"),
    [
        (  # a default
            "users",
            "failed_logins INTEGER DEFAULT '0' NOT NULL",
            "failed_logins INTEGER DEFAULT '5' NOT NULL",
            "colonne « failed_logins » modifiée dans la table « users »",
        ),
        (  # a nullability
            "users",
            "login VARCHAR(80) NOT NULL",
            "login VARCHAR(80)",
            "colonne « login » modifiée dans la table « users »",
        ),
        (  # a type
            "dossiers",
            "created_on DATE NOT NULL",
            "created_on TEXT NOT NULL",
            "colonne « created_on » modifiée dans la table « dossiers »",
        ),
        (  # a CHECK constraint gone: any status could then be stored
            "dossiers",
            ", \n\tCONSTRAINT ck_dossiers_dossier_status CHECK (status IN ('prospect', 'client', "
            "'abandoned'))",
            "",
            "table « dossiers » modifiée",
        ),
    ],
)
def test_a_changed_table_is_refused(paths, tmp_path, table, old, new, detail):
    refused(paths, rewritten(paths, tmp_path / "copies", table, old, new), MODIFIED, detail)


def test_what_alembic_and_sqlite_vary_is_accepted(paths, tmp_path):
    """Batch mode writes a rebuilt table's constraints in no fixed order; ANALYZE adds
    sqlite_stat1; spacing and identifier quotes may differ."""
    source = crafted(paths, tmp_path / "copies", "ANALYZE")
    connection = sqlite3.connect(source, isolation_level=None)
    (sql,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'borrowers'").fetchone()
    body, last = sql.rsplit("\n)", 1)
    head, *items = body.split(", \n\t")
    columns = [i for i in items if not i.startswith("CONSTRAINT")]
    constraints = [i for i in items if i.startswith("CONSTRAINT")]
    shuffled = ", \n\t".join([head, *columns, *reversed(constraints)]) + "\n)" + last
    shuffled = shuffled.replace('CREATE TABLE "borrowers"', "create   table  borrowers")
    assert shuffled != sql and len(constraints) > 1
    connection.execute("PRAGMA writable_schema=ON")
    connection.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'borrowers'", (shuffled,))
    connection.close()
    assert backups.check_backup(source).dossiers == TEMPLATE_DOSSIERS


def test_a_backup_of_an_older_revision_is_compared_with_that_revision(paths, tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    old = folder / "dossia-manuel-20250101-000000.sqlite3"
    create_reference(old, "0005_login_lockout")
    assert backups.check_backup(old).dossiers == 0
    connection = sqlite3.connect(old)
    connection.execute("CREATE TRIGGER hide BEFORE DELETE ON audit_events BEGIN SELECT 1; END")
    connection.commit()
    connection.close()
    refused(paths, old, MODIFIED, "déclencheur « hide » inconnu")


def test_a_recursive_view_named_dossiers_is_refused_without_hanging(paths, tmp_path):
    source = crafted(
        paths,
        tmp_path / "copies",
        "DROP TABLE dossiers",
        f"CREATE VIEW dossiers AS {RECURSIVE}",
    )
    started = time.monotonic()
    refused(paths, source, MODIFIED, "vue « dossiers » inconnue")
    assert time.monotonic() - started < 30


def test_a_recursive_view_named_alembic_version_does_not_hang_the_restore(paths, tmp_path):
    source = crafted(
        paths,
        tmp_path / "copies",
        "DROP TABLE alembic_version",
        f"CREATE VIEW alembic_version AS SELECT CAST(id AS TEXT) AS version_num FROM ({RECURSIVE})",
    )
    code = (  # in a process of its own, which the timeout ends if it hangs
        "import sys; from pathlib import Path; from app.paths import DataPaths; "
        "from app.errors import DomainError; from app.storage.restore import restore\n"
        "try: restore(DataPaths(Path(sys.argv[1])), Path(sys.argv[2]))\n"
        "except DomainError as error: print(error.message)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(paths.database), str(source)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert "vue « alembic_version » inconnue" in result.stdout, result.stderr


def test_two_schema_versions_are_refused(paths, tmp_path):
    source = crafted(
        paths,
        tmp_path / "copies",
        "INSERT INTO alembic_version (version_num) VALUES ('0001_initial')",
    )
    refused(paths, source, MODIFIED, "2 versions de schéma au lieu d'une")


def test_the_live_database_is_not_a_backup(paths):
    with pytest.raises(DomainError, match="base de données en cours"):
        restore(paths, paths.database)


# --- 2. the rows are what the application reads back --------------------------------------

FIRST = "(SELECT MIN(id) FROM dossiers)"
DOCUMENT = (
    "INSERT INTO documents (dossier_id, title, filename, content_hash, size_bytes, created_at) "
    f"VALUES ({FIRST}, 'Avis', 'avis.pdf', '{{}}', 10, '2026-01-01 10:00:00.000000')"
)


@pytest.mark.parametrize(
    ("statements", "detail"),
    [
        (
            [f"UPDATE dossiers SET created_on = '0000-00-00' WHERE id = {FIRST}"],
            "date invalide ou hors de 1900–2100 dans « dossiers.created_on », 1 ligne(s)",
        ),
        (
            [f"UPDATE dossiers SET created_on = '2025-02-30' WHERE id = {FIRST}"],
            "« dossiers.created_on »",
        ),
        (
            [
                "UPDATE borrowers SET birth_date = '1850-06-01' WHERE id = (SELECT MIN(id) FROM borrowers)"
            ],
            "« borrowers.birth_date »",
        ),
        (
            [f"UPDATE dossiers SET updated_at = '2026-11-30 25:00:00.000000' WHERE id = {FIRST}"],
            "date et heure invalides ou hors de 1900–2100 dans « dossiers.updated_at »",
        ),
        (
            [f"UPDATE dossiers SET version = 'deux' WHERE id = {FIRST}"],
            "nombre entier attendu dans « dossiers.version »",
        ),
        (
            [f"UPDATE dossiers SET is_complete = 7 WHERE id = {FIRST}"],
            "0 ou 1 attendu dans « dossiers.is_complete »",
        ),
        (
            [f"UPDATE dossiers SET holder_name = x'00ff' WHERE id = {FIRST}"],
            "texte attendu dans « dossiers.holder_name »",
        ),
        ([DOCUMENT.format("/etc/passwd")], "empreinte de document invalide"),
        ([DOCUMENT.format("../../x")], "empreinte de document invalide"),
        ([DOCUMENT.format(HASH.upper())], "empreinte de document invalide"),
        *(
            (
                [DOCUMENT.format(HASH).replace("'avis.pdf'", f"'{name}'")],
                "nom de fichier invalide dans « documents.filename »",
            )
            for name in ("../../setup.exe", "/tmp/evil.bat", "C:\\x.bat", ".bashrc", "")
        ),
        (
            ["INSERT OR REPLACE INTO settings (key, value) VALUES ('documents.max_mb', '-5')"],
            "réglage « documents.max_mb » : de 1 à 500 Mo",
        ),
        (
            [
                "INSERT OR REPLACE INTO settings (key, value) "
                "VALUES ('company.logo_hash', '../../../etc/passwd')"
            ],
            "réglage « company.logo_hash » : empreinte invalide",
        ),
        (
            ["INSERT OR REPLACE INTO settings (key, value) VALUES ('numbering.digits', '99')"],
            "réglage « numbering.digits »",
        ),
        (
            [
                "INSERT INTO audit_events (at, user_login, action, details) "
                "VALUES ('2026-01-01 10:00:00.000000', 'admin', 'made_admin', '')"
            ],
            "valeur inconnue dans « audit_events.action »",
        ),
        (
            ["UPDATE users SET role_id = 999 WHERE login = 'slegrand'"],
            "la table « users » renvoie à une ligne absente de « roles »",
        ),
    ],
)
def test_rows_the_application_could_not_read_back_are_refused(paths, tmp_path, statements, detail):
    refused(paths, crafted(paths, tmp_path / "copies", *statements), INVALID, detail)


def test_a_value_stored_around_a_check_constraint_is_refused(paths, tmp_path):
    """integrity_check does not verify CHECK constraints on a read-only connection."""
    source = crafted(
        paths,
        tmp_path / "copies",
        "PRAGMA ignore_check_constraints=ON",
        f"UPDATE dossiers SET status = 'admin' WHERE id = {FIRST}",
    )
    refused(paths, source, INVALID, "valeur inconnue dans « dossiers.status »")


def test_every_enumeration_column_is_checked():
    """`backup_rows.ENUM_COLUMNS` lists every column the models store from an enumeration."""
    stored = {
        (table.name, column.name): column.type.enum_class
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sqlalchemy.Enum)
    }
    assert stored == backup_rows.ENUM_COLUMNS


def test_the_search_index_is_rebuilt_from_the_restored_dossiers(paths, tmp_path):
    source = crafted(
        paths,
        tmp_path / "copies",
        "INSERT INTO dossier_fts (rowid, search_text) VALUES (999999, 'fantome')",
    )
    restore(paths, source)
    ghost = "SELECT COUNT(*) FROM dossier_fts WHERE dossier_fts MATCH 'fantome'"
    assert count(paths.database, ghost) == 0
    assert count(paths.database, "SELECT COUNT(*) FROM dossier_fts") == TEMPLATE_DOSSIERS


def test_only_document_files_are_copied_back(paths, tmp_path):
    source = crafted(paths, tmp_path / "copies")
    secret = tmp_path / "secret.txt"
    secret.write_text("hors du dossier")
    folder = source.parent / "documents" / HASH[:2]
    folder.mkdir(parents=True)
    (folder / HASH).symlink_to(secret)
    (folder / "notes.txt").write_text("pas un document")
    restore(paths, source)
    assert not (paths.documents / HASH[:2] / HASH).exists()
    assert not (paths.documents / HASH[:2] / "notes.txt").exists()


# --- 3. listing backups never hangs on a crafted file --------------------------------------


def test_listing_backups_reads_each_file_with_a_time_limit(paths, tmp_path):
    good = backups.backup_now(paths, now=dt.datetime(2026, 1, 3, 9))
    crafted(
        paths,
        paths.backups,
        "DROP TABLE dossiers",
        f"CREATE VIEW dossiers AS {RECURSIVE}",
    )  # dossia-manuel-20260101-120000.sqlite3
    (paths.backups / "dossia-manuel-20260102-000000.sqlite3").write_bytes(b"pas une base" * 50)
    started = time.monotonic()
    found = backups.list_backups(paths.backups)
    assert time.monotonic() - started < 10
    assert [b.dossiers for b in found] == [TEMPLATE_DOSSIERS, None, None]
    assert found[0].path == good.path and all("illisible" in b.label for b in found[1:])
    listing = run_main("backups", "--db", str(paths.database), timeout=60)
    assert listing.returncode == 0 and listing.stdout.count("illisible") == 2


# --- 4. the document store takes nothing but a hash ----------------------------------------


@pytest.mark.parametrize("bad", ["/etc/passwd", "../../x", HASH.upper(), HASH[:-1], HASH + "0", ""])
def test_the_document_store_refuses_anything_but_a_hash(tmp_path, bad):
    store = DocumentStore(tmp_path / "documents")
    kept = store.path_for(HASH)
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"x")
    with pytest.raises(DomainError, match="Empreinte de document invalide"):
        store.path_for(bad)
    with pytest.raises(DomainError, match="Empreinte de document invalide"):
        store.discard([HASH, bad])
    assert kept.exists()  # nothing removed when one of the hashes is refused


def test_the_document_store_still_stores_and_discards(tmp_path):
    store = DocumentStore(tmp_path / "documents")
    source = tmp_path / "avis.pdf"
    source.write_bytes(b"%PDF-1.4")
    content_hash, size = store.put(source)
    assert size == 8 and store.path_for(content_hash).read_bytes() == b"%PDF-1.4"
    store.discard([content_hash])
    assert not store.path_for(content_hash).exists()


def test_deleting_a_dossier_never_unlinks_a_file_outside_the_documents(workspace, tmp_path):
    victim = tmp_path / "victime.txt"
    victim.write_text("à garder")
    detail = with_documents_and_simulations(workspace, new_dossier(workspace), tmp_path)
    connection = sqlite3.connect(workspace.paths.database)
    connection.execute(
        "UPDATE documents SET content_hash = ? WHERE dossier_id = ?", (str(victim), detail.id)
    )
    connection.commit()
    connection.close()
    with contextlib.suppress(DomainError):
        workspace.dossiers.delete(detail.id)
    assert victim.read_text() == "à garder"


# --- 5. a backup never overwrites the live database ----------------------------------------


def test_a_backup_onto_the_live_database_is_refused(paths, tmp_path):
    before = paths.database.read_bytes()
    link = tmp_path / "lien.sqlite3"
    os.link(paths.database, link)
    symlink = tmp_path / "raccourci.sqlite3"
    symlink.symlink_to(paths.database)
    wal = paths.database.with_name(paths.database.name + "-wal")
    for target in (paths.database, link, symlink, wal, wal.with_name(paths.database.name + "-shm")):
        with pytest.raises(DomainError, match="base de données elle-même"):
            backups.write_backup(paths.database, target, paths.documents)
    assert paths.database.read_bytes() == before
    result = run_main("backup", "--db", str(paths.database), "--out", str(paths.database))
    assert result.returncode == 2 and "base de données elle-même" in result.stderr
    assert paths.database.read_bytes() == before


# --- 6. rotation removes the documents no kept backup refers to ----------------------------


def _office_files(paths: DataPaths) -> set[str]:
    return {p.name for p in paths.documents.rglob("*") if p.is_file()}


def _backup_files(paths: DataPaths) -> set[str]:
    return {p.name for p in (paths.backups / "documents").rglob("*") if p.is_file()}


@pytest.fixture
def rotated_office(workspace, tmp_path):
    """Two automatic backups: the first holds document A (deleted since), the second B; the
    shared documents folder also holds a file no backup ever referred to."""
    paths = workspace.paths
    first = with_documents_and_simulations(workspace, new_dossier(workspace), tmp_path)
    (a,) = _office_files(paths)
    old = backups.run_automatic_backup(paths, dt.datetime(2026, 1, 1, 9))
    workspace.dossiers.delete(first.id)
    with_documents_and_simulations(
        workspace, new_dossier(workspace, "Autre"), tmp_path, name="bail.pdf"
    )
    (b,) = _office_files(paths)
    backups.run_automatic_backup(paths, dt.datetime(2026, 1, 2, 9))
    orphan = paths.backups / "documents" / HASH[:2] / HASH
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"orphelin")
    assert _backup_files(paths) == {a, b, HASH}
    return paths, old, a, b


def test_rotation_removes_the_documents_no_kept_backup_refers_to(rotated_office):
    paths, old, _a, b = rotated_office
    removed = backups.rotate(paths.backups, dt.date(2026, 1, 2), daily=1, weekly=0, monthly=0)
    assert removed == [old.path]
    assert _backup_files(paths) == {b}


def test_documents_of_manual_backups_are_kept(rotated_office):
    paths, old, a, b = rotated_office
    manual = paths.backups / "dossia-manuel-20250101-000000.sqlite3"
    old.path.rename(manual)  # the backup holding A is now a manual one: never rotated
    backups.rotate(paths.backups, dt.date(2026, 1, 2), daily=1, weekly=0, monthly=0)
    assert manual.exists() and _backup_files(paths) == {a, b}


def test_a_backup_that_cannot_be_read_keeps_every_document(rotated_office):
    paths, old, a, b = rotated_office
    unreadable = paths.backups / "copie.sqlite3"
    unreadable.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    backups.rotate(paths.backups, dt.date(2026, 1, 2), daily=1, weekly=0, monthly=0)
    assert not old.path.exists()
    assert _backup_files(paths) == {a, b, HASH}  # never delete on doubt


def test_a_crafted_documents_view_keeps_every_document(rotated_office):
    paths, _old, a, b = rotated_office
    crafted(paths, paths.backups, "DROP TABLE documents", f"CREATE VIEW documents AS {RECURSIVE}")
    backups.rotate(paths.backups, dt.date(2026, 1, 2), daily=1, weekly=0, monthly=0)
    assert _backup_files(paths) == {a, b, HASH}
