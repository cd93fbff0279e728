"""Commands say what they changed, and the screens refresh only that: a field edit never
re-reads the whole Clients list."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit, QPushButton

from app.changes import Change
from app.dossier.dossier_service import DossierFlag
from app.dossier.household import ChildData
from app.listing import ListColumn
from models.enums import AbandonReason, MaritalStatus
from tests.helpers import new_dossier, type_text


def test_each_command_says_what_it_changed(workspace):
    detail = new_dossier(workspace)
    household = workspace.household
    holder = household.get(detail.id).borrowers[0]

    noted = workspace.dossiers.save_note(detail.id, detail.version, "<p>Rappeler lundi</p>")
    assert noted.changes is Change.NONE  # nothing the list or the summary shows
    flagged = workspace.dossiers.set_flag(detail.id, noted.version, DossierFlag.COMPLETE, True)
    assert flagged.changes == Change.LIST_ROW | Change.SUMMARY  # the «Complet» column

    phone = household.save_borrower(
        detail.id, flagged.version, 1, replace(holder, phone="06 12 34 56 78")
    )
    assert phone.changes is Change.NONE
    renamed = household.save_borrower(
        detail.id, phone.version, 1, replace(phone.borrowers[0], last_name="Martin")
    )
    assert renamed.changes == Change.LIST_ROW | Change.SUMMARY
    married = household.save_borrower(
        detail.id,
        renamed.version,
        1,
        replace(renamed.borrowers[0], marital_status=MaritalStatus.MARRIED),
    )
    assert married.changes == Change.SUMMARY  # «Famille concernée», not the list
    child = household.add_child(
        detail.id, married.version, ChildData("Léo", alternating_custody=True)
    )
    assert child.changes == Change.SUMMARY | Change.COMMENTS  # family, and its automatic comment

    current = workspace.dossiers.get(detail.id)
    abandoned = workspace.dossiers.abandon(
        detail.id, current.version, AbandonReason.OTHER, "Projet reporté"
    )
    assert Change.STATUS in abandoned.changes
    assert workspace.dossiers.get(detail.id).changes is Change.NONE  # a read changes nothing


def _count_list_reads(workspace, monkeypatch) -> list[str]:
    """Every read of the list's rows or ids (not of one row)."""
    reads: list[str] = []
    for name in ("list_page", "list_ids", "list_rows"):
        original = getattr(workspace, name)

        def counting(*args, _name=name, _original=original):
            reads.append(_name)
            return _original(*args)

        monkeypatch.setattr(workspace, name, counting)
    return reads


def test_a_field_edit_redraws_one_row_and_never_rereads_the_list(
    qtbot, workspace, main_window, open_dossier, monkeypatch
):
    detail = new_dossier(workspace, last_name="Quéré")
    main_window.tabs.setCurrentIndex(3)  # «Tous»
    window = open_dossier(detail.id)
    reads = _count_list_reads(workspace, monkeypatch)
    row = main_window.model.row_of(detail.id)
    assert row >= 0

    phone = window.findChild(QLineEdit, "holderPhone")
    phone.setFocus()
    type_text(qtbot, phone, "06 12 34 56 78")
    phone.editingFinished.emit()
    name = window.findChild(QLineEdit, "holderLastName")
    name.selectAll()
    type_text(qtbot, name, "Le Goff")
    name.editingFinished.emit()
    complete = window.findChild(QCheckBox, "completeCheck")
    qtbot.mouseClick(complete, Qt.MouseButton.LeftButton, pos=QPoint(8, complete.height() // 2))
    # Pieces are missing: confirmed in the dialog that names them.
    confirm = window.findChild(QPushButton, "confirmIncompleteDossierButton")
    qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    main_window.refresh_if_changed()  # the periodic check: our own changes are already shown

    assert reads == []  # no page of the list was read again
    shown = main_window.model.index(row, ListColumn.HOLDER)
    assert main_window.model.data(shown) == "LE GOFF Éloïse"
    assert main_window.model.row_at(row).is_complete


def test_a_status_change_refreshes_the_list_and_its_counts(
    qtbot, workspace, main_window, open_dossier, monkeypatch
):
    from models.enums import DossierStatus

    detail = new_dossier(workspace, status=DossierStatus.PROSPECT)
    main_window.refresh()
    window = open_dossier(detail.id)
    reads = _count_list_reads(workspace, monkeypatch)
    window.view.actions.convert_action.trigger()
    qtbot.mouseClick(
        window.findChild(QPushButton, "confirmConvertButton"), Qt.MouseButton.LeftButton
    )
    assert reads  # the dossier moved from «Prospects» to «Clients»: the list is read again
    qtbot.waitUntil(lambda: not main_window.counts_pending)


def test_a_colleagues_change_is_not_hidden_by_our_own(
    qtbot, workspace, main_window, open_dossier, login_as
):
    mine = new_dossier(workspace, last_name="Mienne")
    main_window.tabs.setCurrentIndex(3)  # «Tous»
    main_window.refresh_if_changed()
    window = open_dossier(mine.id)
    colleague = login_as("admin")  # another connection, as another Dossia on the same file
    theirs = new_dossier(colleague, last_name="Collègue")
    window.view.execute(lambda service, d: service.save_note(d.id, d.version, "<p>Vu</p>"))
    main_window.refresh_if_changed()  # the periodic check
    assert main_window.model.row_of(theirs.id) >= 0


def test_a_row_that_leaves_the_filtered_list_goes_and_the_counts_follow(
    qtbot, workspace, main_window, open_dossier
):
    mine = new_dossier(workspace, last_name="Filtrée")
    main_window.tabs.setCurrentIndex(3)
    main_window.broker_filter.setCurrentIndex(main_window.broker_filter.findData(workspace.user.id))
    qtbot.waitUntil(lambda: not main_window.counts_pending)
    shown = main_window.tabs.tabText(3)
    assert main_window.model.row_of(mine.id) >= 0
    other = next(b.id for b in workspace.brokers() if b.id != workspace.user.id)
    window = open_dossier(mine.id)
    window.view.execute(lambda service, d: service.change_owner(d.id, d.version, other))
    assert main_window.model.row_of(mine.id) == -1
    qtbot.waitUntil(lambda: not main_window.counts_pending and main_window.tabs.tabText(3) != shown)
