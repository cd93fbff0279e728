"""«Pipeline»: a dossier's sendings to banks, as use cases and through the tab."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QTreeWidget

from app.errors import DomainError, NotFound, PermissionDenied
from app.pipeline.submissions import SubmissionData, chosen_bank, latest_by_bank
from models.enums import AbandonReason, SubmissionStatus
from tests.helpers import new_dossier
from tests.test_gui_dossier import click, find

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


TODAY = dt.date.today()


def test_a_sending_is_recorded_with_the_banks_contact_and_its_answer(workspace):
    detail = new_dossier(workspace)
    detail = workspace.dossiers.add_simulation(
        detail.id, detail.version, "Scénario 1", 250_000_00, 3450, 300
    )
    pipeline = workspace.pipeline
    info = pipeline.list(detail.id)
    lcl = next(b for b in info.banks if b.label.startswith("LCL"))
    assert lcl.contact == "Agence Mérignac Centre — Mme Roy — 05 56 12 30 30"
    simulation = info.simulations[0].id
    info = pipeline.save(
        detail.id,
        info.version,
        None,
        SubmissionData(lcl.id, SubmissionStatus.SENT, simulation_id=simulation),
    )
    [row] = info.submissions
    assert row.bank_name == "LCL" and row.contact.startswith("Agence Mérignac")
    assert row.sent_on == TODAY and row.answered_on is None  # sent today unless said
    assert row.simulation_name == "Scénario 1" and info.changed_id == row.id
    answered = SubmissionData(
        lcl.id,
        SubmissionStatus.OFFER_ACCEPTED,
        row.contact,
        simulation,
        TODAY - dt.timedelta(days=10),
        None,
        245_000_00,
        Decimal("3.35"),
        "  Offre reçue,   taux négocié  ",
    )
    info = pipeline.save(detail.id, info.version, row.id, answered)
    [row] = info.submissions
    assert row.answered_on == TODAY and row.rate == Decimal("3.35")
    assert row.amount_cents == 245_000_00 and row.comment == "Offre reçue, taux négocié"
    assert chosen_bank(info.submissions) == "LCL"
    assert workspace.dossiers.get(detail.id).version == info.version


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"bank_id": None}, "bank", "Choisissez la banque"),
        ({"sent_on": TODAY + dt.timedelta(days=1)}, "sent_on", "futur"),
        (
            {"sent_on": TODAY, "answered_on": TODAY - dt.timedelta(days=1)},
            "answered_on",
            "avant l'envoi",
        ),
        ({"rate": Decimal("21")}, "rate", "entre 0 et 20"),
        ({"amount_cents": 0}, "amount", "Montant"),
    ],
)
def test_a_wrong_sending_names_its_field(workspace, changes, field, message):
    detail = new_dossier(workspace)
    info = workspace.pipeline.list(detail.id)
    values = {"bank_id": info.banks[0].id, "status": SubmissionStatus.AGREEMENT}
    values.update(changes)
    with pytest.raises(DomainError, match=message) as refused:
        workspace.pipeline.save(detail.id, info.version, None, SubmissionData(**values))
    assert refused.value.field == field
    assert workspace.pipeline.list(detail.id).submissions == ()


def test_each_bank_shows_its_latest_sending_first(workspace):
    detail = new_dossier(workspace)
    pipeline = workspace.pipeline
    info = pipeline.list(detail.id)
    bnp, lcl = (next(b for b in info.banks if b.label.startswith(n)) for n in ("BNP", "LCL"))
    for bank, status, sent in (
        (bnp, SubmissionStatus.REFUSED, TODAY - dt.timedelta(days=30)),
        (lcl, SubmissionStatus.STUDYING, TODAY - dt.timedelta(days=20)),
        (bnp, SubmissionStatus.AGREEMENT, TODAY - dt.timedelta(days=5)),
    ):
        info = pipeline.save(
            detail.id, info.version, None, SubmissionData(bank.id, status, sent_on=sent)
        )
    groups = latest_by_bank(info.submissions)
    assert [(latest.bank_name, latest.status) for latest, _ in groups] == [
        ("BNP Paribas", SubmissionStatus.AGREEMENT),
        ("LCL", SubmissionStatus.STUDYING),
    ]
    assert [r.status for r in groups[0][1]] == [SubmissionStatus.REFUSED]
    assert chosen_bank(info.submissions) == ""
    info = pipeline.delete(detail.id, info.version, groups[0][0].id)
    assert len(info.submissions) == 2
    with pytest.raises(NotFound):
        pipeline.delete(detail.id, info.version, groups[0][0].id)


def test_who_may_record_a_sending(login_as):
    owner, colleague, admin = login_as("slegrand"), login_as("kbenali"), login_as("admin")
    detail = new_dossier(owner)
    info = owner.pipeline.list(detail.id)
    data = SubmissionData(info.banks[0].id, SubmissionStatus.SENT)
    with pytest.raises((PermissionDenied, NotFound)):
        colleague.pipeline.save(detail.id, info.version, None, data)
    detail = admin.dossiers.abandon(detail.id, detail.version, AbandonReason.BANK_REFUSAL)
    with pytest.raises(DomainError, match="abandonné"):
        owner.pipeline.save(detail.id, detail.version, None, data)
    assert owner.pipeline.list(detail.id).read_only


def test_the_tab_records_a_sending_and_shows_the_history(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    detail = workspace.dossiers.move_step(detail.id, detail.version, 1)
    window = open_dossier(detail.id)
    tab = window.view.show_pipeline()
    assert (
        find(tab, QLabel, "pipelineSummary").text() == "Aucune demande aux banques pour l'instant."
    )
    history = find(tab, QLabel, "pipelineHistory").text()
    assert history.count("Claire Marchetti") == 2 and "Client créé (10 %)" in history
    dialog = tab.add()
    click(qtbot, dialog.ok_button)
    assert "Choisissez la banque" in dialog.error.text()
    bank = find(dialog, QComboBox, "submissionBankCombo")
    bank.setCurrentIndex(bank.findText("Crédit Mutuel — Agence Talence"))
    assert find(dialog, QLineEdit, "submissionContactEdit").text().startswith("Agence Talence")
    status = find(dialog, QComboBox, "submissionStatusCombo")
    status.setCurrentIndex(status.findData(SubmissionStatus.AGREEMENT.value))
    find(dialog, QLineEdit, "submissionRateEdit").setText("3,4")
    find(dialog, QLineEdit, "submissionAmountEdit").setText("240 000")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    table = find(tab, QTreeWidget, "submissionsTable")
    row = table.topLevelItem(0)
    assert [row.text(c) for c in range(5)][:2] == ["Crédit Mutuel", "Accord de principe"]
    assert row.text(4).replace("\u202f", " ") == "240 000,00\u00a0€"
    assert row.text(5) == "3,40\u00a0%"
    assert find(tab, QLabel, "pipelineSummary").text() == "1 demande à 1 banque"
    assert window.view.detail.version == workspace.dossiers.get(detail.id).version
    # Deleting asks first.
    table.setCurrentItem(row)
    box = tab.delete()
    click(qtbot, find(tab, QPushButton, "confirmDeleteSubmissionButton"))
    assert workspace.pipeline.list(detail.id).submissions == ()
    assert box is not None and table.topLevelItemCount() == 0
    # The «Général» tab keeps the latest steps.
    assert "Dernières étapes" in find(window, QLabel, "stepHistory").text()


def test_the_loan_request_and_a_sending_from_the_tab(qtbot, workspace, open_dossier, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QCheckBox

    from app.dossier.situation import ProjectData
    from models.enums import DocumentFolder

    detail = new_dossier(workspace)
    situation = workspace.situation.get(detail.id)
    workspace.situation.save_project(
        detail.id, situation.version, ProjectData(price_cents=180_000_00)
    )
    detail = workspace.dossiers.get(detail.id)
    workspace.simulations.create(detail.id, detail.version)
    payslip = tmp_path / "bulletin.pdf"
    payslip.write_bytes(b"%PDF-1.4 bulletin")
    info = workspace.documents.list(detail.id)
    workspace.documents.attach(detail.id, info.version, [payslip])
    window = open_dossier(detail.id)
    tab = window.view.show_pipeline()
    assert find(tab, QPushButton, "loanRequestButton").isEnabled()
    tab.make_request(open_it=False)
    qtbot.waitUntil(
        lambda: any(
            d.folder is DocumentFolder.REQUESTS
            for d in workspace.documents.list(detail.id).documents
        )
    )
    dialog = tab.prepare_sending()
    assert dialog.documents.topLevelItem(0).checkState(0) == Qt.CheckState.Checked  # a piece
    find(dialog, QLineEdit, "sendingDestinationEdit").setText(str(tmp_path))
    click(qtbot, dialog.ok_button)
    assert "Choisissez la banque" in dialog.error.text()
    bank = find(dialog, QComboBox, "sendingBankCombo")
    bank.setCurrentIndex(bank.findText("LCL — Agence Mérignac Centre"))
    find(dialog, QCheckBox, "sendingZipCheck").setChecked(True)
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    assert tab.sending_run is not None  # started by «Préparer»
    qtbot.waitUntil(lambda: bool(workspace.pipeline.list(detail.id).submissions))
    qtbot.waitUntil(lambda: find(tab, QTreeWidget, "submissionsTable").topLevelItemCount() == 1)
    row = find(tab, QTreeWidget, "submissionsTable").topLevelItem(0)
    assert row.text(0) == "LCL" and row.text(1) == "Préparée"
    [archive] = tmp_path.glob("Envoi *.zip")
    assert archive.name == f"Envoi {detail.number} - LCL.zip"


def test_the_bank_retained_shows_in_the_list_when_asked(qtbot, workspace, main_window):
    from app.listing import ListColumn, ListQuery

    detail = new_dossier(workspace)
    info = workspace.pipeline.list(detail.id)
    lcl = next(b for b in info.banks if b.label.startswith("LCL"))
    info = workspace.pipeline.save(
        detail.id, info.version, None, SubmissionData(lcl.id, SubmissionStatus.OFFER_ACCEPTED)
    )
    [row] = workspace.list_page(ListQuery(search=detail.number), 0, 1)
    assert row.bank == "LCL"
    table = main_window.table
    assert table.isColumnHidden(ListColumn.BANK)  # optional: hidden at first
    menu = main_window.columns.menu()
    [action] = menu.actions()
    assert action.text() == "Banque retenue" and not action.isChecked()
    action.setChecked(True)
    assert not table.isColumnHidden(ListColumn.BANK)
    assert workspace.machine.shown_columns() == {"bank"}  # kept on this computer
    # A deleted sending takes its bank away.
    info = workspace.pipeline.delete(detail.id, info.version, info.submissions[0].id)
    [row] = workspace.list_page(ListQuery(search=detail.number), 0, 1)
    assert row.bank == ""


def test_the_migration_fills_the_bank_retained_from_the_sendings(paths):
    import sqlite3

    from alembic import command

    from app.storage.schema import alembic_config

    def banks() -> dict:
        with sqlite3.connect(paths.database) as connection:
            return dict(connection.execute("SELECT id, chosen_bank FROM dossiers").fetchall())

    before = banks()
    assert any(before.values())  # the demo office has offers accepted
    with sqlite3.connect(paths.database) as connection:  # issued invoices refuse a downgrade
        connection.execute("DELETE FROM payments")
        connection.execute("DELETE FROM invoices")
    config = alembic_config(paths.database)
    command.downgrade(config, "0014_bank_submissions")
    command.upgrade(config, "head")
    assert banks() == before


@pytest.mark.file_only("SQLite's plan (the index is the same on a server: test_postgres_schema)")
def test_a_deleted_simulation_finds_its_sendings_by_their_index(workspace):
    """Deleting a simulation clears it from the sendings that name it (ON DELETE SET NULL):
    by the index, not a scan of every sending (200 s to purge 100 dossiers at 1,000,000)."""
    import sqlite3

    connection = sqlite3.connect(workspace.paths.database)
    try:
        plan = " | ".join(
            row[3]
            for row in connection.execute(
                "EXPLAIN QUERY PLAN UPDATE bank_submissions SET simulation_id = NULL "
                "WHERE simulation_id = 1"
            )
        )
    finally:
        connection.close()
    assert "INDEX ix_bank_submissions_simulation_id" in plan, plan
