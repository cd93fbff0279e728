"""The dossier's window and its «Général» tab, driven through the widgets."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTextEdit,
    QToolButton,
    QWidget,
)

from app.listing import ListQuery, ListTab
from models.enums import AbandonReason, DossierStatus
from tests.helpers import (
    flags,
    list_shown,
    new_dossier,
    type_text,
    with_documents_and_simulations,
)


def click(qtbot, widget) -> None:
    """Click a button, or a check box or radio button on its box (a wide one has empty
    space)."""
    if isinstance(widget, QCheckBox | QRadioButton):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def find(window, kind, name):
    widget = window.findChild(kind, name)
    assert widget is not None, f"no {kind.__name__} named {name}"
    return widget


def test_summary_panel_shows_the_dossier(qtbot, workspace, open_dossier):
    referrer = workspace.office.active_referrers()[0]
    provenances = {c.label: c.id for c in workspace.office.active_provenances()}
    detail = new_dossier(
        workspace,
        co_last_name="Martin",
        co_first_name="Paul",
        provenance_id=provenances["Apporteur d'affaires"],
        referrer_id=referrer.id,
        provenance_detail="Salon 2026",
    )
    window = open_dossier(detail.id)
    assert find(window, QWidget, "dossierView")
    assert find(window, QWidget, "summaryPanel")
    assert find(window, QLabel, "dossierNumberLabel").text() == detail.number
    assert find(window, QLabel, "holderLabel").text() == "QUÉNÉHERVÉ Éloïse"
    assert find(window, QLabel, "householdLabel").text() == "Deux emprunteurs"
    assert find(window, QLabel, "ownerLabel").text() == "Claire Marchetti"
    provenance = find(window, QLabel, "provenanceLabel").text()
    assert (
        "Apporteur d'affaires" in provenance
        and "Salon 2026" in provenance
        and referrer.label in provenance
    )
    assert window.windowTitle() == f"Dossier {detail.number} — QUÉNÉHERVÉ Éloïse"


def test_checkboxes_are_saved_at_once(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    # «Dossier complet» with pieces missing asks first, naming them; «Annuler» unticks.
    click(qtbot, find(window, QCheckBox, "completeCheck"))
    box = find(window.view.general, QMessageBox, "incompleteDossierDialog")
    assert "Pièce d'identité en cours de validité — QUÉNÉHERVÉ Éloïse" in box.informativeText()
    box.reject()
    qtbot.waitUntil(lambda: not find(window, QCheckBox, "completeCheck").isChecked())
    assert workspace.dossiers.get(detail.id).is_complete is False
    click(qtbot, find(window, QCheckBox, "completeCheck"))
    click(qtbot, find(window.view.general, QPushButton, "confirmIncompleteDossierButton"))
    for name in (
        "hideContactsCheck",
        "noFeesCheck",
        "noBankCommissionCheck",
        "noRebateCheck",
    ):
        click(qtbot, find(window, QCheckBox, name))
    fresh = workspace.dossiers.get(detail.id)
    assert flags(fresh) == (True, True, True, True, True)
    click(qtbot, find(window, QCheckBox, "noRebateCheck"))
    assert workspace.dossiers.get(detail.id).no_rebate is False


def test_renumber_with_the_pencil(qtbot, workspace, open_dossier, main_window):
    other = new_dossier(workspace, "Autre")
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    pencil = find(window, QToolButton, "editNumberButton")
    assert pencil.isVisible()
    click(qtbot, pencil)
    dialog = find(window, QDialog, "renumberDialog")
    edit = find(dialog, QLineEdit, "numberEdit")
    edit.setText(other.number)
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible() and "déjà utilisé" in dialog.error.text()
    edit.clear()
    click(qtbot, dialog.ok_button)
    assert "vide" in dialog.error.text()
    type_text(qtbot, edit, "CAB-2026-7")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    assert find(window, QLabel, "dossierNumberLabel").text() == "CAB-2026-7"
    main_window.tabs.setCurrentIndex(3)
    qtbot.keyClicks(main_window.search, "CAB-2026")
    list_shown(qtbot, main_window)
    assert main_window.model.rowCount() == 1


def test_pencils_are_hidden_without_the_rights(qtbot, login_as):
    from ui.dossier_window import DossierWindow

    courtier = login_as("slegrand")
    detail = new_dossier(courtier)
    window = DossierWindow(courtier, detail.id)
    qtbot.addWidget(window)
    window.show()
    assert not find(window, QToolButton, "editNumberButton").isVisible()
    assert not find(window, QToolButton, "editOwnerButton").isVisible()
    assert find(window, QToolButton, "editProvenanceButton").isVisible()
    view = window.view
    assert not view.actions.delete_action.isVisible()
    assert view.actions.abandon_action.isVisible()


def test_change_owner_from_the_drop_down_of_active_brokers(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    click(qtbot, find(window, QToolButton, "editOwnerButton"))
    dialog = find(window, QDialog, "ownerDialog")
    combo = find(dialog, QComboBox, "ownerCombo")
    names = [combo.itemText(i) for i in range(combo.count())]
    assert "Karim Benali" in names and "Élodie Brunet" not in names and "Nadia Haddad" not in names
    combo.setCurrentIndex(combo.findText("Karim Benali"))
    click(qtbot, dialog.ok_button)
    assert find(window, QLabel, "ownerLabel").text() == "Karim Benali"
    assert workspace.dossiers.get(detail.id).owner.label == "Karim Benali"


def test_change_provenance_and_referrer_in_one_window(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    click(qtbot, find(window, QToolButton, "editProvenanceButton"))
    dialog = find(window, QDialog, "provenanceDialog")
    find(dialog, QComboBox, "provenanceCombo").setCurrentIndex(
        find(dialog, QComboBox, "provenanceCombo").findText("Agence immobilière")
    )
    referrers = find(dialog, QComboBox, "referrerCombo")
    referrers.setCurrentIndex(referrers.findText("Orpi Saint-Michel"))
    type_text(qtbot, find(dialog, QLineEdit, "provenanceDetailEdit"), "Vitrine rue Pasteur")
    click(qtbot, dialog.ok_button)
    text = find(window, QLabel, "provenanceLabel").text()
    assert "Agence immobilière — Vitrine rue Pasteur" in text and "Orpi Saint-Michel" in text
    click(qtbot, find(window, QToolButton, "editProvenanceButton"))
    dialog = window.findChildren(QDialog, "provenanceDialog")[-1]
    referrers = find(dialog, QComboBox, "referrerCombo")
    assert referrers.currentText() == "Orpi Saint-Michel"
    referrers.setCurrentIndex(0)  # «Aucun apporteur»
    click(qtbot, dialog.ok_button)
    assert workspace.dossiers.get(detail.id).referrer is None
    assert "Orpi" not in find(window, QLabel, "provenanceLabel").text()


def test_progress_buttons_move_the_gauge_and_keep_history(
    qtbot, workspace, open_dossier, main_window
):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    gauge = find(window, QWidget, "progressGauge")
    previous = find(window, QPushButton, "previousStepButton")
    following = find(window, QPushButton, "nextStepButton")
    assert not previous.isEnabled()
    click(qtbot, following)
    click(qtbot, following)
    assert gauge.current_step.name == "Accord de principe"
    assert gauge.toolTip() == "Étape : Accord de principe (50 %)"
    history = find(window, QLabel, "stepHistory").text()
    assert history.count("Claire Marchetti") == 3 and "Accord de principe (50 %)" in history
    click(qtbot, previous)
    assert gauge.current_step.name == "RDV banque"
    for _ in range(3):
        click(qtbot, following)
    assert gauge.current_step.percent == 100 and not following.isEnabled()
    rows = main_window.workspace.list_page(ListQuery(search=detail.number), 0, 1)
    assert rows[0].percent == 100


def test_dates_use_a_french_picker_and_refuse_a_signature_before_creation(
    qtbot, workspace, open_dossier
):
    detail = new_dossier(workspace, created_on=dt.date(2026, 3, 10))
    window = open_dossier(detail.id)
    creation = window.findChild(QWidget, "creationDateEditField")
    assert creation.edit.text() == "10/03/2026"
    offer = window.findChild(QWidget, "offerSignedDateEditField")
    offer.set_date(dt.date(2026, 3, 9))
    error = find(window, QLabel, "datesError")
    assert error.isVisible() and "antérieure à la date de création (10/03/2026)" in error.text()
    assert offer.value() is None  # back to the saved value
    assert workspace.dossiers.get(detail.id).offer_signed_on is None
    offer.set_date(dt.date(2026, 4, 2))
    assert not error.isVisible()
    assert workspace.dossiers.get(detail.id).offer_signed_on == dt.date(2026, 4, 2)
    click(qtbot, offer.clear_button)
    assert workspace.dossiers.get(detail.id).offer_signed_on is None


def test_internal_note_formatting_emoji_and_save_on_close(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    editor = find(window, QTextEdit, "internalNote")
    editor.setFocus()
    qtbot.keyClicks(editor, "Appeler ")
    qtbot.keyClick(editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert find(window, QToolButton, "noteBoldButton").isChecked()
    qtbot.keyClicks(editor, "demain")
    qtbot.keyClick(editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    click(qtbot, find(window, QToolButton, "noteUnderlineButton"))
    qtbot.keyClicks(editor, " la banque")
    mime = QMimeData()
    mime.setText(" 😀👍")
    editor.moveCursor(QTextCursor.MoveOperation.End)
    editor.insertFromMimeData(mime)  # what a paste does
    page = window.view.general
    height_before = page.height()
    for _ in range(30):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        qtbot.keyClicks(editor, "ligne")
    qtbot.waitUntil(lambda: editor.verticalScrollBar().maximum() > 0)  # scrolls in itself
    assert page.height() == height_before  # the page does not grow around it
    window.close()  # immediately: no wait for the automatic save
    saved = workspace.dossiers.get(detail.id).internal_note
    assert "Appeler <b>demain</b><u> la banque 😀👍</u>" in saved
    assert saved.count("ligne") == 30


def test_internal_note_saves_automatically_after_typing(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    editor = find(window, QTextEdit, "internalNote")
    qtbot.keyClicks(editor, "Pieces recues")
    qtbot.waitUntil(
        lambda: "Pieces recues" in workspace.dossiers.get(detail.id).internal_note, timeout=3000
    )
    assert find(window, QLabel, "noteStatus").text() == "Enregistré automatiquement."


def test_abandon_with_a_reason_then_read_only(qtbot, workspace, open_dossier, main_window):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    view = window.view
    assert find(window, QToolButton, "actionsButton").isEnabled()
    view.actions.abandon_action.trigger()
    dialog = find(window, QDialog, "abandonDialog")
    combo = find(dialog, QComboBox, "reasonCombo")
    labels = [combo.itemText(i) for i in range(1, combo.count())]
    assert labels == [
        "Abandon projet",
        "Banque perso",
        "Concurrence",
        "Refus banque",
        "Endettement",
        "Surendettement",
        "Autre",
    ]
    click(qtbot, dialog.ok_button)
    assert "motif" in dialog.error.text()
    combo.setCurrentIndex(combo.findText("Autre"))
    detail_edit = find(dialog, QLineEdit, "reasonDetail")
    assert detail_edit.isEnabled()
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible() and "Précisez" in dialog.error.text()
    type_text(qtbot, detail_edit, "Départ à l'étranger")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    banner = find(window, QLabel, "abandonLabel")
    assert banner.isVisible()
    assert (
        f"abandonné le {dt.date.today():%d/%m/%Y}" in banner.text()
        and "Départ à l'étranger" in banner.text()
    )
    for name in ("completeCheck", "noFeesCheck"):
        assert not find(window, QCheckBox, name).isEnabled()
    assert not find(window, QPushButton, "nextStepButton").isEnabled()
    assert find(window, QTextEdit, "internalNote").isReadOnly()
    assert not find(window, QToolButton, "editProvenanceButton").isVisible()
    assert view.actions.resume_action.isVisible() and view.actions.delete_action.isVisible()
    assert not view.actions.abandon_action.isVisible()
    main_window.tabs.setCurrentIndex(2)
    assert detail.id in [
        main_window.model.row_at(r).id for r in range(main_window.model.rowCount())
    ]

    # Every tab follows at once, in this very window (issue 10, point 2).
    def usable(name: str) -> bool:
        button = window.findChild(QPushButton, name)
        return button.isEnabled() and not button.isHidden()

    view.tabs.setCurrentIndex(view.tabs.indexOf(view.children_tab.parentWidget()))
    for name in ("addChildButton", "addCoBorrowerButton"):
        qtbot.waitUntil(lambda name=name: not usable(name))
    resume = view.actions.resume()  # «Reprendre»: every tab editable again, at once
    click(qtbot, resume.ok_button)
    assert not resume.isVisible()
    for name in ("addChildButton", "addCoBorrowerButton"):
        qtbot.waitUntil(lambda name=name: usable(name))


def test_resume_warns_then_deletes_simulations_documents_and_pipeline(
    qtbot, workspace, open_dossier, tmp_path
):
    service = workspace.dossiers
    detail = with_documents_and_simulations(workspace, new_dossier(workspace), tmp_path)
    detail = service.abandon(detail.id, detail.version, AbandonReason.BANK_REFUSAL)
    window = open_dossier(detail.id)
    assert "Scénario 1" in find(window, QLabel, "simulationsList").text()
    window.view.actions.resume_action.trigger()
    dialog = find(window, QDialog, "resumeDialog")
    warning = find(dialog, QLabel, "resumeWarning").text()
    assert (
        "simulations" in warning and "documents" in warning and "historique du pipeline" in warning
    )
    assert "1\u00a0simulation, 1\u00a0document, 1\u00a0demande aux banques" in warning
    find(dialog, QRadioButton, "asProspectRadio").setChecked(True)
    date_field = dialog.findChild(QWidget, "creationDateEditField")
    assert date_field.value() == dt.date.today()
    date_field.set_date(dt.date.today() - dt.timedelta(days=3))
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    fresh = service.get(detail.id)
    assert (
        fresh.status is DossierStatus.PROSPECT
        and fresh.created_on == dt.date.today() - dt.timedelta(days=3)
    )
    assert fresh.simulations == () and fresh.document_count == 0 and len(fresh.history) == 1
    assert fresh.submission_count == 0 and workspace.pipeline.list(detail.id).submissions == ()
    assert "Aucune simulation" in find(window, QLabel, "simulationsList").text()
    assert not find(window, QLabel, "abandonLabel").isVisible()
    assert find(window, QCheckBox, "completeCheck").isEnabled()


def test_delete_asks_for_confirmation_naming_the_dossier(
    qtbot, workspace, open_dossier, main_window
):
    detail = new_dossier(workspace)
    main_window.refresh()
    window = open_dossier(detail.id)
    box = window.view.actions.delete()
    assert box.objectName() == "deleteDialog"
    assert detail.number in box.text() and "QUÉNÉHERVÉ Éloïse" in box.text()
    assert "irréversible" in box.informativeText()
    assert "jusqu'à 12 mois" in box.informativeText()  # how long backups keep it
    assert "factures émises et ses avoirs sont conservés" in box.informativeText()
    click(qtbot, box.findChild(QPushButton, "confirmDeleteButton"))
    qtbot.waitUntil(lambda: not window.isVisible())
    assert workspace.list_page(ListQuery(tab=ListTab.ALL, search=detail.number), 0, 5) == []
    assert main_window.model.row_of(detail.id) == -1


def test_delete_can_be_cancelled(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    box = window.view.actions.delete()
    cancel = next(b for b in box.buttons() if b.text() == "Annuler")
    click(qtbot, cancel)
    assert workspace.dossiers.get(detail.id).number == detail.number
    assert window.isVisible()


def test_a_change_made_elsewhere_is_not_overwritten(qtbot, workspace, open_dossier):
    from app.dossier.dossier_service import DossierFlag

    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    workspace.dossiers.set_flag(
        detail.id, detail.version, DossierFlag.NO_FEES, True
    )  # another window
    click(qtbot, find(window, QCheckBox, "hideContactsCheck"))
    assert "modifié entre-temps" in find(window, QLabel, "messageText").text()
    fresh = workspace.dossiers.get(detail.id)
    assert fresh.no_fees is True and fresh.hide_contacts is False
    assert find(window, QCheckBox, "noFeesCheck").isChecked()  # reloaded
    click(qtbot, find(window, QCheckBox, "hideContactsCheck"))
    assert workspace.dossiers.get(detail.id).hide_contacts is True


def test_convert_a_prospect_to_client(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace, status=DossierStatus.PROSPECT)
    window = open_dossier(detail.id)
    assert window.view.actions.convert_action.isVisible()
    window.view.actions.convert_action.trigger()
    assert workspace.dossiers.get(detail.id).status is DossierStatus.PROSPECT  # asked first
    click(qtbot, find(window, QPushButton, "confirmConvertButton"))
    assert workspace.dossiers.get(detail.id).status is DossierStatus.CLIENT
    assert find(window, QLabel, "statusBadge").text() == "Client"
    assert not window.view.actions.convert_action.isVisible()


def test_delete_message_box_is_a_question(qtbot, workspace, open_dossier):
    window = open_dossier(new_dossier(workspace).id)
    box = window.view.actions.delete()
    assert box.icon() == QMessageBox.Icon.Warning
    box.reject()


def test_a_note_typed_while_the_dossier_changed_elsewhere_is_kept(qtbot, workspace, open_dossier):
    from app.dossier.dossier_service import DossierFlag

    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    editor = find(window, QTextEdit, "internalNote")
    qtbot.keyClicks(editor, "Texte precieux")
    workspace.dossiers.set_flag(detail.id, detail.version, DossierFlag.NO_FEES, True)  # elsewhere
    window.view.general.note.flush()
    assert "modifié ailleurs" in find(window, QLabel, "messageText").text()
    assert editor.toPlainText() == "Texte precieux"  # still there, not replaced by the reload
    assert find(window, QCheckBox, "noFeesCheck").isChecked()
    window.close()  # saving on close now uses the reloaded version
    fresh = workspace.dossiers.get(detail.id)
    assert "Texte precieux" in fresh.internal_note and fresh.no_fees


def test_a_dialog_meeting_a_concurrent_change_keeps_what_was_typed(qtbot, workspace, open_dossier):
    from app.dossier.dossier_service import DossierFlag

    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    click(qtbot, find(window, QToolButton, "editNumberButton"))
    dialog = find(window, QDialog, "renumberDialog")
    edit = find(dialog, QLineEdit, "numberEdit")
    edit.setText("NOUVEAU-42")
    workspace.dossiers.set_flag(detail.id, detail.version, DossierFlag.NO_REBATE, True)  # elsewhere
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible() and "rechargé" in dialog.error.text()
    assert edit.text() == "NOUVEAU-42"
    assert find(window, QCheckBox, "noRebateCheck").isChecked()  # the window shows the change
    click(qtbot, dialog.ok_button)  # validate again, on the new version
    assert not dialog.isVisible()
    fresh = workspace.dossiers.get(detail.id)
    assert fresh.number == "NOUVEAU-42" and fresh.no_rebate


def test_a_date_before_the_creation_is_refused_in_proper_french(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace, created_on=dt.date(2026, 3, 10))
    window = open_dossier(detail.id)
    window.findChild(QWidget, "agreementDateEditField").set_date(dt.date(2026, 3, 9))
    assert (
        find(window, QLabel, "datesError")
        .text()
        .startswith("La date d'accord client ne peut pas être antérieure")
    )
