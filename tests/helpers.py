"""Small builders shared by the tests."""

from __future__ import annotations

from sqlalchemy import func, select

from app.dossier.dossier_service import NewDossier
from app.dossier.readmodels import DossierDetail
from app.paths import OfficeLocation
from app.pipeline.submissions import SubmissionData
from app.workspace import Workspace
from models.audit import AuditEvent
from models.dossier import DocumentContent
from models.enums import DossierStatus, SubmissionStatus


def location_of(workspace: Workspace) -> OfficeLocation:
    """Where this workspace's office is: its file's paths, or its server."""
    return workspace.server if workspace.server is not None else workspace.paths


def stored_hashes(workspace: Workspace) -> set[str]:
    """The hashes of the documents' bytes the office keeps: the files of its documents
    folder, or the rows of its server's `document_contents`."""
    if workspace.server is None:
        return {p.name for p in workspace.paths.documents.rglob("*") if p.is_file()}
    with workspace.database.read() as session:
        return set(session.scalars(select(DocumentContent.content_hash)))


def db_argument(workspace: Workspace) -> str:
    """What `--db` names for this workspace's office: its file, or its server's address."""
    return workspace.server.url if workspace.server is not None else str(workspace.paths.database)


def new_dossier(
    workspace: Workspace, last_name: str = "Quénéhervé", first_name: str = "Éloïse", **changes
) -> DossierDetail:
    values = {
        "status": DossierStatus.CLIENT,
        "last_name": last_name,
        "first_name": first_name,
        "owner_id": workspace.user.id,
        "provenance_id": workspace.office.active_provenances()[0].id,
    }
    values.update(changes)
    return workspace.dossiers.create(NewDossier(**values))


def with_documents_and_simulations(
    workspace: Workspace, detail: DossierDetail, tmp_path, name="avis.pdf"
):
    source = tmp_path / name
    source.write_bytes(b"%PDF-1.4 avis d'imposition " + name.encode())
    attached = workspace.documents.attach(detail.id, detail.version, [source])
    workspace.documents.rename(
        detail.id, attached.version, attached.changed_ids[0], "Avis d'imposition"
    )
    service = workspace.dossiers
    detail = service.get(detail.id)
    detail = service.add_simulation(detail.id, detail.version, "Scénario 1", 250_000_00, 3450, 300)
    bank = workspace.pipeline.list(detail.id).banks[0]
    workspace.pipeline.save(
        detail.id,
        detail.version,
        None,
        SubmissionData(bank.id, SubmissionStatus.SENT, simulation_id=detail.simulations[0].id),
    )
    detail = service.get(detail.id)
    return service.move_step(detail.id, detail.version, 1)


def audit_events(workspace: Workspace, dossier_id: int | None = None) -> list[AuditEvent]:
    with workspace.database.read() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if dossier_id is not None:
            query = query.where(AuditEvent.dossier_id == dossier_id)
        return list(session.scalars(query))


def count_rows(workspace: Workspace, model, **filters) -> int:
    with workspace.database.read() as session:
        query = select(func.count()).select_from(model)
        for name, value in filters.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def type_text(qtbot, widget, text: str) -> None:
    """Type like a user, accents and emoji included (QTest only knows ASCII keys)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


def list_shown(qtbot, window) -> None:
    """Until the Clients list shows the latest query's rows (a search is read in the
    background)."""
    qtbot.waitUntil(lambda: not window.model.pending, timeout=5000)


def flags(detail: DossierDetail) -> tuple[bool, ...]:
    """The five check boxes of the Général tab, in screen order."""
    return (
        detail.is_complete,
        detail.hide_contacts,
        detail.no_fees,
        detail.no_bank_commission,
        detail.no_rebate,
    )
