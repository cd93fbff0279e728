"""What users type is shown as text, never read as HTML (issue 9, point 4).

A QLabel, a message box or a tool tip takes a text that looks like HTML for HTML: a first
name `<img src="//server/share/x.png">` made Qt open that path (on Windows an SMB connection
that leaks the user's NTLM hash). Here every free text of an office holds markup; every label,
message and tool tip of the dossier window (each tab, its dialogs and confirmations), the
main window and «Paramètres» must show it exactly as typed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from app.dossier.household import ChildData
from app.dossier.situation import ChargeData, ItemKind, LoanData, ProjectData, RealEstateData
from app.listing import ListTab
from app.office.referential import BankData, ReferrerData
from models.enums import AbandonReason, ChargeKind, DossierTab, LoanKind, ReferrerKind
from tests.helpers import new_dossier

# One value per free text; each holds a word found nowhere else on the screens, so that a
# label showing that word must show the whole value, markup included, around it.
VALUES = {
    "first_name": '<img src="/tmp/nohtml-photo.png">Maryvonne',
    "last_name": "<b>Grasdoux</b>",
    "co_last_name": '<a href="//server/share/x">Cocolien</a>',
    "co_first_name": "<i>Coprenom</i>",
    "birth_place": "<u>Naissanceville</u>",
    "city": '<font color="red">Villerouge</font>',
    "profession": "<h1>Metiergrand</h1>",
    "employer": '<img src="//server/share/logo.png">Patronyme',
    "address": "<s>Ruebarree</s>",
    "child": '<img src="/tmp/nohtml-child.png">Enfantine',
    "provenance": "<b>Provenanza</b>",
    "provenance_detail": "<u>Salonnier</u> & co",
    "referrer": '<a href="//server/share/r">Apportoir</a>',
    "abandon": '<img src="//server/share/a.png">Motiflibre',
    "project_address": "<i>Adresseprojet</i>",
    "project_city": "<b>Citeprojet</b>",
    "lender": "<b>Preteurgras</b>",
    "charge": "<i>Chargelabel</i>",
    "estate": "<u>Maisonbien</u>",
    "simulation": "<img src='/tmp/nohtml-sim.png'>Scenariox",
    "step": "<b>Etapegrasse</b>",
    "next_step": '<img src="//server/share/s.png">Etapesuite',
    "user_first": "<img src='/tmp/nohtml-user.png'>Courtiere",
    "user_last": "<b>Nomcourtier</b>",
    "bank": "<b>Banquegrasse</b>",
    "number": "<i>N42</i>-Numerox",
    "other_number": "<b>N43</b>-Numeroy",
}
COMMENT = (
    '<p>Voir <img src="/tmp/nohtml-comment.png"> <a href="//server/share/c">ici</a> '
    "<b>Commentairegras</b></p>"
)


def _word(value: str) -> str:
    """The distinctive word of a value: its text once the markup is taken away."""
    document = QTextDocument()
    document.setHtml(value)
    return max(re.findall(r"[A-Za-z]+", document.toPlainText()), key=len)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _rich(text: str, text_format: Qt.TextFormat) -> bool:
    return text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and QtGui.mightBeRichText(text)
    )


def _shown(text: str, rich: bool) -> str:
    """What the user reads: the text itself, or the text of the HTML it is read as."""
    if not rich:
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def fill_with_markup(ws) -> tuple[int, int]:
    """Markup in every free text of the office; returns the two dossiers (open, abandoned)."""
    admin = next(u for u in ws.users.users() if u.login == "admin")
    ws.users.update_user(
        admin.id, VALUES["user_first"], VALUES["user_last"], admin.role.id, admin.is_broker
    )
    provenance = ws.office.active_provenances()[0].id
    ws.referential.save_provenance(provenance, VALUES["provenance"])
    referrers = ws.referential.save_referrer(
        None, ReferrerData(VALUES["referrer"], ReferrerKind.PERSON)
    )
    referrer = next(r.id for r in referrers if r.data.name == VALUES["referrer"])
    ws.referential.save_bank(None, BankData(VALUES["bank"], "<i>Agencebanque</i>"))
    first, second = [s for s in ws.settings.steps() if s.is_active][:2]
    ws.settings.rename_step(first.id, VALUES["step"])
    ws.settings.rename_step(second.id, VALUES["next_step"])

    detail = new_dossier(
        ws,
        VALUES["last_name"],
        VALUES["first_name"],
        co_last_name=VALUES["co_last_name"],
        co_first_name=VALUES["co_first_name"],
        provenance_id=provenance,
        provenance_detail=VALUES["provenance_detail"],
        referrer_id=referrer,
    )
    dossier = detail.id
    dossiers, household, situation = ws.dossiers, ws.household, ws.situation
    holder = household.get(dossier).borrowers[0]
    household.save_borrower(
        dossier,
        dossiers.get(dossier).version,
        1,
        replace(
            holder,
            birth_place=VALUES["birth_place"],
            city=VALUES["city"],
            profession=VALUES["profession"],
            employer=VALUES["employer"],
            address=VALUES["address"],
        ),
    )
    household.add_child(dossier, dossiers.get(dossier).version, ChildData(VALUES["child"]))
    situation.save_project(
        dossier,
        dossiers.get(dossier).version,
        ProjectData(address=VALUES["project_address"], city=VALUES["project_city"]),
    )
    for kind, data in (
        (ItemKind.LOAN, LoanData(VALUES["lender"], LoanKind.CAR, 250_00)),
        (ItemKind.CHARGE, ChargeData(ChargeKind.OTHER, 100_00, VALUES["charge"])),
        (ItemKind.REAL_ESTATE, RealEstateData(VALUES["estate"], 150_000_00)),
    ):
        situation.save_item(dossier, dossiers.get(dossier).version, kind, None, data)
    ws.comments.add(dossier, DossierTab.GENERAL, COMMENT, True)
    detail = dossiers.get(dossier)
    detail = dossiers.add_simulation(
        dossier, detail.version, VALUES["simulation"], 200_000_00, 3450, 300
    )
    detail = dossiers.renumber(dossier, detail.version, VALUES["number"])
    dossiers.move_step(dossier, detail.version, 1)

    abandoned = new_dossier(ws, VALUES["last_name"], VALUES["first_name"], provenance_id=provenance)
    abandoned = dossiers.renumber(abandoned.id, abandoned.version, VALUES["other_number"])
    dossiers.abandon(abandoned.id, abandoned.version, AbandonReason.OTHER, VALUES["abandon"])
    return dossier, abandoned.id


def _widgets() -> list[QWidget]:
    found: list[QWidget] = []
    for top in QApplication.topLevelWidgets():
        found.append(top)
        found.extend(top.findChildren(QWidget))
    return found


def _check(where: str, text: str, rich: bool, problems: list[str]) -> str:
    """Record what is wrong with one text; returns what the user reads."""
    shown = _shown(text, rich)
    if rich and "<img" in text.casefold():
        problems.append(f"{where}: an unescaped <img in rich text: {text!r}")
    for name, value in VALUES.items():
        if _fold(_word(value)) in _fold(shown) and _fold(value) not in _fold(shown):
            problems.append(f"{where}: {name} read as HTML: {text!r} shows {shown!r}")
    return shown


def test_markup_typed_by_users_is_shown_as_typed(qtbot, login_as):
    from ui.main_window import MainWindow
    from ui.settings import SettingsWindow

    dossier_id, abandoned_id = fill_with_markup(login_as("admin"))
    workspace = login_as("admin")  # logged in after the rename: the status bar shows it
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.counts_pending)
    try:
        window.tabs.setCurrentIndex([*ListTab].index(ListTab.ALL))
        dossier = window.open_dossier(dossier_id)  # closed (and deleted) with the window
        view = dossier.view
        for index in range(view.tabs.count()):
            view.tabs.setCurrentIndex(index)
            QApplication.processEvents()
        # A refusal naming another dossier's number, in the message bar.
        view.execute(lambda s, d: s.renumber(d.id, d.version, VALUES["other_number"]))
        comment = workspace.comments.list(dossier_id)[0]
        view.open_comment(comment.tab, comment)
        view.children_tab.table.selectRow(0)
        view.children_tab.remove_child()
        view.actions.delete()
        window.open_dossier(abandoned_id)
        settings = SettingsWindow(workspace)
        qtbot.addWidget(settings)
        settings.show()
        # A refusal naming a provenance, under its list.
        settings.referential.run(
            lambda: workspace.referential.save_provenance(None, VALUES["provenance"])
        )
        QApplication.processEvents()

        problems: list[str] = []
        shown: dict[str, str] = {}
        checked = 0
        for widget in _widgets():
            where = f"{type(widget).__name__} {widget.objectName()!r}"
            if isinstance(widget, QLabel) and widget.text():
                text = widget.text()
                rich = _rich(text, widget.textFormat())
                shown[widget.objectName()] = shown.get(widget.objectName(), "") + _check(
                    where, text, rich, problems
                )
                checked += any(_fold(_word(v)) in _fold(text) for v in VALUES.values())
            tip = widget.toolTip()
            if tip:
                key = f"{widget.objectName()}.toolTip"
                shown[key] = shown.get(key, "") + _check(
                    f"{where} tool tip", tip, QtGui.mightBeRichText(tip), problems
                )
        assert not problems, "\n".join(problems)

        # The check above saw the values where they are expected (it is not vacuous).
        expected = {
            "dossierTitle": ["number"],
            "dossierSubtitle": ["first_name", "last_name"],
            "dossierNumberLabel": ["number"],
            "holderLabel": ["first_name", "last_name"],
            "ownerLabel": ["user_first", "user_last"],
            "provenanceLabel": ["provenance", "provenance_detail", "referrer"],
            "currentStepLabel": ["next_step"],
            "stepHistory": ["step", "next_step", "user_first"],
            "progressGauge.toolTip": ["next_step"],
            "stepHistory.toolTip": ["step", "next_step"],
            "simulationsList": ["simulation"],
            "abandonLabel": ["abandon"],
            "messageText": ["other_number"],
            "commentHeading": ["user_first", "user_last"],
            "qt_msgbox_label": ["child", "first_name", "last_name", "number"],
            "userLabel": ["user_first", "user_last"],
            "referentialError": ["provenance"],
        }
        for name, keys in expected.items():
            for key in keys:
                assert _fold(VALUES[key]) in _fold(shown.get(name, "")), (
                    name,
                    key,
                    shown.get(name),
                )
        assert checked >= 15
    finally:
        for box in window.findChildren(QMessageBox):
            box.close()
        window.close()
        window.shut_down()


def test_rich_text_stored_outside_the_allow_list_loads_no_image(qtbot, workspace, open_dossier):
    """Notes and comments are rich text by design, saved sanitized; a file holding others
    (a backup restored from elsewhere) is sanitized again when shown: no image, no link."""
    from models.dossier import Comment, Dossier

    dossier_id = new_dossier(workspace).id
    comment = workspace.comments.add(dossier_id, DossierTab.GENERAL, "<p>Commentaire</p>")
    stored = '<p>Texte <img src="//server/share/x.png"> <a href="//server/share/y">lien</a></p>'
    with workspace.database.write() as session:
        session.get(Dossier, dossier_id).internal_note = stored
        session.get(Comment, comment.id).body = stored

    view = open_dossier(dossier_id).view
    comment = workspace.comments.list(dossier_id)[0]
    dialog = view.open_comment(comment.tab, comment)
    for editor in (view.general.note.editor, dialog.rich.editor):
        shown = editor.toHtml()
        assert "Texte" in editor.toPlainText() and "lien" in editor.toPlainText()
        assert "<img" not in shown and "href" not in shown, shown
