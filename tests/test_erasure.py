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
