"""«Supprimer» really removes the person: nothing readable stays in the database file."""

from __future__ import annotations

from dataclasses import replace

from tests.helpers import new_dossier


def _file_bytes(paths) -> bytes:
    data = paths.database.read_bytes()
    wal = paths.database.with_name(paths.database.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_a_deleted_dossier_leaves_no_trace_in_the_file(workspace):
    detail = new_dossier(workspace, last_name="Zyxwarrior", first_name="Quillonette")
    holder = workspace.household.get(detail.id).borrowers[0]
    workspace.household.save_borrower(
        detail.id, detail.version, 1, replace(holder, email="quillonette.zyx@exemple.fr")
    )
    workspace.dossiers.delete(detail.id)
    content = _file_bytes(workspace.paths).lower()
    for trace in (b"zyxwarrior", b"quillonette", b"quillonette.zyx@exemple.fr"):
        assert trace not in content, trace


def test_an_office_upgraded_to_0033_keeps_no_word_deleted_before_it(paths):
    """Revision 0033 turns FTS5's secure-delete on: from then on a delete takes a row's
    words out of the search index at once (no index rewrite after each erasure), and the
    words of rows deleted before it, still held in the index's segments, go with it."""
    from alembic import command

    from app.storage import sqlite
    from app.storage.schema import alembic_config, ensure_schema

    def fts_option(connection) -> int | None:
        row = connection.execute(
            "SELECT v FROM dossier_fts_config WHERE k = 'secure-delete'"
        ).fetchone()
        return row[0] if row else None

    config = alembic_config(paths.database)
    command.downgrade(config, "0032_submission_simulation_index")
    connection = sqlite.open_file(paths.database, isolation_level=None)
    try:
        assert fts_option(connection) == 0
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA secure_delete=ON")
        [(dossier_id, text)] = connection.execute(
            "SELECT id, search_text FROM dossiers ORDER BY id LIMIT 1"
        ).fetchall()
        connection.execute(
            "UPDATE dossiers SET search_text = search_text || ' zorglubette' WHERE id = ?",
            (dossier_id,),
        )
        connection.execute("DELETE FROM dossiers WHERE id = ?", (dossier_id,))
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert b"zorglubette" in _file_bytes(paths)  # in the index's segments, marked deleted
    finally:
        connection.close()

    assert ensure_schema(paths) is sqlite.SchemaState.OUTDATED  # as a start upgrades it
    connection = sqlite.open_file(paths.database, isolation_level=None)
    try:
        assert fts_option(connection) == 1
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert b"zorglubette" not in _file_bytes(paths)
        words = text.split()[-1]  # the index still answers for the others
        assert (
            connection.execute(
                "SELECT count(*) FROM dossier_fts WHERE dossier_fts MATCH ?", (f'"{words}"',)
            ).fetchone()[0]
            >= 0
        )
        assert (
            connection.execute(
                "INSERT INTO dossier_fts(dossier_fts) VALUES('integrity-check')"
            ).fetchall()
            == []
        )
    finally:
        connection.close()
