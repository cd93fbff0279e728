"""The «Emprunteurs» and «Enfants» tabs, «+ Commentaire» and the «Bloc-note», through the widgets."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
    QTableView,
    QTextEdit,
    QWidget,
)

from models.enums import Contract, DossierTab
from tests.helpers import new_dossier, type_text


def click(qtbot, widget) -> None:
    if isinstance(widget, QCheckBox):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def leave(qtbot, edit: QLineEdit, text: str) -> None:
    """Type into a field, then leave it (what saves it)."""
    edit.setFocus()
    edit.selectAll()
    type_text(qtbot, edit, text)
    edit.editingFinished.emit()


def open_tab(window, title: str) -> None:
    tabs = window.view.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == title))


def test_tabs_are_there(qtbot, workspace, open_dossier):
    window = open_dossier(new_dossier(workspace).id)
    titles = [window.view.tabs.tabText(i) for i in range(window.view.tabs.count())]
    assert titles == [
        "Général",
        "Emprunteurs",
        "Enfants",
        "Projet",
        "Crédit",
        "Patrimoine",
        "Simulations",
        "Documents",
        "Pipeline",
        "Facturation",
    ]


def test_borrower_fields_are_saved_when_leaving_them(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    open_tab(window, "Emprunteurs")
    leave(qtbot, window.findChild(QLineEdit, "holderPhone"), "06.12.34.56.78")
    assert workspace.household.get(detail.id).borrowers[0].phone == "06 12 34 56 78"
    assert window.findChild(QLineEdit, "holderPhone").text() == "06 12 34 56 78"
    leave(qtbot, window.findChild(QLineEdit, "holderEmail"), "eloise@")
    error = window.findChild(QLabel, "holderError")
    assert error.isVisible() and "e-mail invalide" in error.text()
    assert window.findChild(QLineEdit, "holderEmail").text() == "eloise@"  # kept, to fix
    assert workspace.household.get(detail.id).borrowers[0].email == ""
    leave(qtbot, window.findChild(QLineEdit, "holderEmail"), "eloise@exemple.fr")
    assert not error.isVisible()
    leave(qtbot, window.findChild(QLineEdit, "holderNetMonthlyIncome"), "2 850,50")
    assert workspace.household.get(detail.id).borrowers[0].net_monthly_income_cents == 285050
    leave(qtbot, window.findChild(QLineEdit, "holderNetMonthlyIncome"), "deux mille")
    assert "Montant invalide" in error.text()
    leave(qtbot, window.findChild(QLineEdit, "holderLastName"), "Lefèvre-Duval")
    assert (
        window.view.title.text().startswith("Dossier")
        and window.view.subtitle.text() == "LEFÈVRE-DUVAL Éloïse"
    )


def test_a_contract_creates_an_automatic_comment_in_the_bloc_note(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    open_tab(window, "Emprunteurs")
    combo = window.findChild(QComboBox, "holderContract")
    combo.setCurrentIndex(combo.findData(Contract.CDD.value))
    block = window.findChild(QListView, "commentsBlock")
    texts = [block.model().index(r, 0).data() for r in range(block.model().rowCount())]
    assert len(texts) == 1 and "Emprunteurs — Automatique" in texts[0] and "CDD" in texts[0]
    assert "Note de synthèse" not in texts[0]


def test_co_borrower_is_added_and_removed(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    open_tab(window, "Emprunteurs")
    form = window.findChild(QPushButton, "addCoBorrowerButton")
    assert form.isVisible()
    click(qtbot, form)
    leave(qtbot, window.findChild(QLineEdit, "coBorrowerFirstName"), "Paul")
    assert workspace.household.get(detail.id).co_borrower is None  # waits for the name
    leave(qtbot, window.findChild(QLineEdit, "coBorrowerLastName"), "Martin")
    co = workspace.household.get(detail.id).co_borrower
    assert (co.first_name, co.last_name) == ("Paul", "Martin")
    assert window.findChild(QLabel, "householdLabel").text() == "Deux emprunteurs"
    click(qtbot, window.findChild(QPushButton, "removeCoBorrowerButton"))
    box = window.findChild(QMessageBox, "removeCoBorrowerDialog")
    click(qtbot, box.findChild(QPushButton, "confirmRemoveCoBorrowerButton"))
    assert workspace.household.get(detail.id).co_borrower is None
    assert window.findChild(QPushButton, "addCoBorrowerButton").isVisible()


def test_children_with_alternating_custody(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    open_tab(window, "Enfants")
    click(qtbot, window.findChild(QPushButton, "addChildButton"))
    dialog = window.findChild(QDialog, "childDialog")
    click(qtbot, dialog.ok_button)
    assert "prénom" in dialog.error.text()
    type_text(qtbot, dialog.findChild(QLineEdit, "childFirstNameEdit"), "Inès")
    dialog.birth_date.set_date(dt.date.today() + dt.timedelta(days=3))
    click(qtbot, dialog.ok_button)
    assert "futur" in dialog.error.text()
    dialog.birth_date.set_date(dt.date(2018, 3, 9))
    click(qtbot, dialog.findChild(QCheckBox, "alternatingCustodyCheck"))
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    table = window.findChild(QTableView, "childrenTable")
    row = [table.model().index(0, c).data() for c in range(5)]
    assert row[0] == "Inès" and row[1] == "09/03/2018" and row[4] == "Oui"
    assert (
        window.findChild(QLabel, "householdLabel").text()
        == "Emprunteur seul, 1 enfant en garde alternée"
    )
    block = window.findChild(QListView, "commentsBlock")
    assert "garde alternée" in block.model().index(0, 0).data()
    table.selectRow(0)
    click(qtbot, window.findChild(QPushButton, "removeChildButton"))
    box = window.findChild(QMessageBox, "removeChildDialog")
    click(qtbot, box.findChild(QPushButton, "confirmRemoveChildButton"))
    assert table.model().rowCount() == 0
    assert "Aucun commentaire" in block.model().index(0, 0).data()


def test_add_edit_flag_and_delete_a_comment(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    click(qtbot, window.view.general.add_comment_button)
    dialog = window.findChild(QDialog, "commentDialog")
    assert dialog.findChild(QCheckBox, "synthesisCheck").isChecked()  # checked by default
    click(qtbot, dialog.ok_button)
    assert "vide" in dialog.error.text()
    editor = dialog.findChild(QTextEdit, "commentEditor")
    qtbot.keyClicks(editor, "Client ")
    qtbot.keyClick(editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "prioritaire")
    click(qtbot, dialog.ok_button)
    [comment] = workspace.comments.list(detail.id)
    assert comment.body == "<p>Client <b>prioritaire</b></p>" and comment.in_synthesis
    assert comment.tab is DossierTab.GENERAL
    block = window.findChild(QListView, "commentsBlock")
    first = block.model().index(0, 0)
    assert "Général — Claire Marchetti" in first.data() and "★ Note de synthèse" in first.data()
    window.view.general._open_comment_at(first)  # what a click does
    edit = window.findChildren(QDialog, "commentDialog")[-1]
    click(qtbot, edit.findChild(QCheckBox, "synthesisCheck"))
    click(qtbot, edit.ok_button)
    assert not workspace.comments.list(detail.id)[0].in_synthesis
    window.view.general._open_comment_at(block.model().index(0, 0))
    edit = window.findChildren(QDialog, "commentDialog")[-1]
    click(qtbot, edit.findChild(QPushButton, "deleteCommentButton"))
    assert workspace.comments.list(detail.id) == ()


def test_comments_on_other_tabs_and_pasted_content(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    open_tab(window, "Enfants")
    buttons = [b for b in window.findChildren(QPushButton, "addCommentButton") if b.isVisible()]
    assert len(buttons) == 1
    click(qtbot, buttons[0])
    dialog = window.findChildren(QDialog, "commentDialog")[-1]
    assert dialog.windowTitle() == "Nouveau commentaire — Enfants"
    editor = dialog.findChild(QTextEdit, "commentEditor")
    word = QMimeData()
    word.setHtml(
        '<p class="MsoNormal" style="color:red"><b>Garde</b> <script>x()</script>partagée 👍</p>'
    )
    editor.insertFromMimeData(word)
    picture = QMimeData()
    picture.setImageData(QImage(10, 10, QImage.Format.Format_RGB32))
    editor.insertFromMimeData(picture)
    assert "images ne peuvent pas être collées" in dialog.error.text()
    click(qtbot, dialog.ok_button)
    [comment] = workspace.comments.list(detail.id)
    assert comment.tab is DossierTab.CHILDREN
    assert comment.body == "<p><b>Garde</b> partagée 👍</p>"


def test_borrower_fields_keep_their_widget_names(qtbot, workspace, open_dossier):
    """The names are a contract (docs/WIDGETS.md): the forms are built from field lists."""
    window = open_dossier(new_dossier(workspace).id)
    for prefix in ("holder", "coBorrower"):
        for name in (
            "Civility", "LastName", "FirstName", "BirthName", "BirthPlace", "Nationality",
            "MaritalStatus", "MatrimonialRegime", "Address", "PostalCode", "City", "Phone",
            "Email", "Profession", "Employer", "Contract", "NetMonthlyIncome", "OtherIncome",
            "RentalIncome", "BirthDate", "EmployedSince", "BirthDateClear", "EmployedSinceClear",
        ):  # fmt: skip
            assert window.findChild(QWidget, prefix + name) is not None, prefix + name
    assert window.findChild(QWidget, "birth_date") is None


def test_a_field_saved_while_the_dossier_changed_elsewhere_is_not_lost(
    qtbot, workspace, open_dossier
):
    from dataclasses import replace

    from PySide6.QtCore import Qt

    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    open_tab(window, "Emprunteurs")
    household = workspace.household
    holder = household.get(detail.id).borrowers[0]
    # Elsewhere, another field: ours is saved on the new version, theirs kept.
    household.save_borrower(detail.id, detail.version, 1, replace(holder, city="Lyon"))
    leave(qtbot, window.findChild(QLineEdit, "holderPhone"), "0612345678")
    saved = household.get(detail.id).borrowers[0]
    assert (saved.phone, saved.city) == ("06 12 34 56 78", "Lyon")
    assert window.findChild(QLineEdit, "holderCity").text() == "Lyon"
    # Elsewhere, the same field: what was typed stays, marked, until validated again.
    version = household.get(detail.id).version
    household.save_borrower(detail.id, version, 1, replace(saved, profession="Infirmière"))
    profession = window.findChild(QLineEdit, "holderProfession")
    leave(qtbot, profession, "Kinésithérapeute")
    assert household.get(detail.id).borrowers[0].profession == "Infirmière"
    assert profession.text() == "Kinésithérapeute" and profession.property("invalid")
    assert "modifié ailleurs" in window.findChild(QLabel, "holderError").text()
    qtbot.keyClick(profession, Qt.Key.Key_Return)
    assert household.get(detail.id).borrowers[0].profession == "Kinésithérapeute"
    assert not profession.property("invalid")


def test_an_open_dossier_shows_another_computers_change_unless_a_field_is_being_typed(
    qtbot, main_window, open_dossier, open_office
):
    from dataclasses import replace

    from PySide6.QtWidgets import QApplication

    from tests.conftest import PASSWORD

    detail = new_dossier(main_window.workspace)
    window = open_dossier(detail.id)
    open_tab(window, "Emprunteurs")
    main_window.refresh_if_changed()  # what this computer did is seen
    other = open_office()  # another computer
    household = other.workspace_for(other.authenticate("pmoreau", PASSWORD)).household
    holder = household.get(detail.id).borrowers[0]
    household.save_borrower(detail.id, detail.version, 1, replace(holder, city="Lyon"))
    main_window.refresh_if_changed()  # what the poll (a server's notification) runs
    assert window.findChild(QLineEdit, "holderCity").text() == "Lyon"
    assert "il est à jour" in window.findChild(QLabel, "messageText").text()
    # A field being typed (not left yet): left as typed, and the change said.
    phone = window.findChild(QLineEdit, "holderPhone")

    def focused() -> bool:  # as a click would: the window active, the field focused
        if QApplication.focusWidget() is not phone:
            window.activateWindow()
            phone.setFocus()
            return False
        return True

    qtbot.waitUntil(focused, timeout=15_000)
    type_text(qtbot, phone, "0611223344")
    saved = household.get(detail.id)
    household.save_borrower(detail.id, saved.version, 1, replace(saved.borrowers[0], city="Nantes"))
    main_window.refresh_if_changed()
    assert (
        phone.text() == "0611223344" and window.findChild(QLineEdit, "holderCity").text() == "Lyon"
    )
    assert "Votre saisie en cours sera vérifiée" in window.findChild(QLabel, "messageText").text()
    phone.editingFinished.emit()  # left: saved on the version it was typed on, theirs kept
    fresh = household.get(detail.id).borrowers[0]
    assert (fresh.city, fresh.phone) == ("Nantes", "06 11 22 33 44")


def test_a_dialog_meeting_a_change_made_elsewhere_stays_open_with_what_was_typed(
    qtbot, workspace, open_dossier
):
    from app.dossier.dossier_service import DossierFlag

    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    open_tab(window, "Enfants")
    click(qtbot, window.findChild(QPushButton, "addChildButton"))
    dialog = window.findChild(QDialog, "childDialog")
    type_text(qtbot, dialog.findChild(QLineEdit, "childFirstNameEdit"), "Inès")
    workspace.dossiers.set_flag(detail.id, detail.version, DossierFlag.NO_FEES, True)  # elsewhere
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible() and "rechargé" in dialog.error.text()
    assert workspace.household.get(detail.id).children == ()  # not saved, not lost
    assert dialog.findChild(QLineEdit, "childFirstNameEdit").text() == "Inès"
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    assert [c.data.first_name for c in workspace.household.get(detail.id).children] == ["Inès"]


def test_a_dossier_with_hundreds_of_comments_shows_the_newest_and_the_rest_on_demand(
    qtbot, workspace, open_dossier
):
    from PySide6.QtWidgets import QListView

    from models.enums import DossierTab

    detail = new_dossier(workspace)
    for number in range(60):
        workspace.comments.add(detail.id, DossierTab.GENERAL, f"<p>Relance {number}</p>", False)
    window = open_dossier(detail.id)
    view = window.findChild(QListView, "commentsBlock")
    model = view.model()
    assert model.rowCount() == 51  # the 50 newest, then a line for the others
    assert "Relance 59" in model.index(0, 0).data()
    more = model.index(50, 0)
    assert more.data() == "Afficher les 10 commentaires plus anciens…"
    view.clicked.emit(more)
    assert model.rowCount() == 60
    assert "Relance 0" in model.index(59, 0).data()


def test_dates_are_typed_as_french_people_type_them(qtbot, workspace, open_dossier):
    """Typing into an empty date field: «15031985», «15/03/1985», «15.03.85» and «15 3 1985»
    all give 15/03/1985; a wrong date says why beside the field and is not sent; Suppr
    empties the field; the calendar of an empty birth date opens years back, not in 1900."""
    from PySide6.QtCore import Qt

    detail = new_dossier(workspace, created_on=dt.date(2025, 1, 2))
    window = open_dossier(detail.id)
    edit = window.findChild(QLineEdit, "agreementDateEdit")
    for typed, expected in (
        ("15031985", None),  # before the creation: refused by the dossier, said
        ("15032026", dt.date(2026, 3, 15)),
        ("16/03/2026", dt.date(2026, 3, 16)),
        ("17.03.26", dt.date(2026, 3, 17)),
        ("18 3 2026", dt.date(2026, 3, 18)),
    ):
        edit.selectAll()
        qtbot.keyClicks(edit, typed)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        assert workspace.dossiers.get(detail.id).client_agreement_on == expected, typed
    assert edit.text() == "18/03/2026"
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert workspace.dossiers.get(detail.id).client_agreement_on is None
    # In a dialog: a wrong date is said beside the field and never sent.
    open_tab(window, "Enfants")
    click(qtbot, window.findChild(QPushButton, "addChildButton"))
    dialog = window.findChild(QDialog, "childDialog")
    type_text(qtbot, dialog.findChild(QLineEdit, "childFirstNameEdit"), "Inès")
    calendar = dialog.birth_date.open_calendar()
    assert calendar.yearShown() == dt.date.today().year - 8  # a child's plausible year
    birth = dialog.findChild(QLineEdit, "childBirthDate")
    qtbot.keyClicks(birth, "31022019")
    qtbot.keyClick(birth, Qt.Key.Key_Return)  # Entrée: the date, then the dialog's «Valider»
    error = dialog.findChild(QLabel, "childBirthDateError")
    assert dialog.isVisible() and error.isVisible() and "31/02/2019 n'existe pas" in error.text()
    assert "n'existe pas" in dialog.error.text()
    birth.selectAll()
    qtbot.keyClicks(birth, "09032018")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    table = window.findChild(QTableView, "childrenTable")
    assert table.model().index(0, 1).data() == "09/03/2018"
