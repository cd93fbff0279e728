"""The dossier's «Pipeline» tab: its sendings to banks — one row per bank with where it
stands, the earlier sendings to the same bank under it — and, below, the history of the
dossier's steps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.errors import DomainError
from app.loan_request.request_data import plain_name
from app.pipeline.submissions import SubmissionData, SubmissionRow, latest_by_bank
from app.simulation.plans import parse_rate
from app.simulation.summary import percent
from app.text import format_amount, format_amount_input, format_date, parse_amount
from models.enums import DocumentFolder, SubmissionStatus
from ui.backup_ui import ProgressRun
from ui.columns import ColumnFitter
from ui.common import ErrorLabel, FormDialog, confirm, number_field, plain, push_button, set_role
from ui.general_tab import history_lines
from ui.operations import attempt, show_failure
from ui.widgets import DateField
from ui.workers import Background

if TYPE_CHECKING:  # the services import SQLAlchemy
    from app.pipeline.pipeline_service import PipelineInfo, PipelineService
    from ui.dossier_window import DossierView

_ROLE = Qt.ItemDataRole.UserRole
# Where a bank stands, at a glance: its answer in green when it says yes, in red when no.
_STATUS_COLOURS = {
    SubmissionStatus.AGREEMENT: "#1a7f37",
    SubmissionStatus.OFFER_ISSUED: "#1a7f37",
    SubmissionStatus.OFFER_ACCEPTED: "#1a7f37",
    SubmissionStatus.REFUSED: "#b42318",
}
COLUMNS = ("Banque", "Statut", "Envoyée le", "Réponse le", "Montant", "Taux", "Simulation")


class SubmissionDialog(FormDialog):
    """A sending to a bank: which bank and simulation, when, where it stands, its answer."""

    def __init__(
        self,
        parent: QWidget,
        info: PipelineInfo,
        submit,
        row: SubmissionRow | None = None,
    ) -> None:
        super().__init__(
            parent,
            "Demande à une banque" if row is None else "Modifier la demande",
            "submissionDialog",
        )
        self._submit = submit
        data = row.data() if row else SubmissionData(None, SubmissionStatus.SENT)
        form = QFormLayout()
        self.bank_combo = QComboBox()
        self.bank_combo.setObjectName("submissionBankCombo")
        self.bank_combo.addItem("— Choisir la banque —", None)
        for bank in info.banks:
            self.bank_combo.addItem(bank.label, bank.id)
        self.bank_combo.setCurrentIndex(max(0, self.bank_combo.findData(data.bank_id)))
        self.contact_edit = QLineEdit(data.contact)
        self.contact_edit.setObjectName("submissionContactEdit")
        self.contact_edit.setPlaceholderText("Agence et interlocuteur (repris de la banque)")
        contacts = {bank.id: bank.contact for bank in info.banks}
        self.bank_combo.currentIndexChanged.connect(
            lambda _i: self.contact_edit.setText(contacts.get(self.bank_combo.currentData(), ""))
        )
        self.simulation_combo = QComboBox()
        self.simulation_combo.setObjectName("submissionSimulationCombo")
        self.simulation_combo.addItem("— Aucune —", None)
        for simulation in info.simulations:
            self.simulation_combo.addItem(simulation.label, simulation.id)
        wanted = (
            data.simulation_id if row else (info.simulations[-1].id if info.simulations else None)
        )
        self.simulation_combo.setCurrentIndex(max(0, self.simulation_combo.findData(wanted)))
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("submissionStatusCombo")
        for status in SubmissionStatus:
            self.status_combo.addItem(status.label, status.value)
        self.status_combo.setCurrentIndex(self.status_combo.findData(data.status.value))
        self.sent_field = DateField("submissionSentDate", "Envoyée le")
        self.sent_field.set_value(data.sent_on if row else dt.date.today())
        self.answered_field = DateField("submissionAnsweredDate", "Réponse le")
        self.answered_field.set_value(data.answered_on)
        self.amount_edit = QLineEdit(
            format_amount_input(data.amount_cents) if data.amount_cents else ""
        )
        self.amount_edit.setObjectName("submissionAmountEdit")
        number_field(self.amount_edit)
        self.amount_edit.setPlaceholderText("Montant accordé (€)")
        self.rate_edit = QLineEdit(
            f"{data.rate:.3f}".rstrip("0").rstrip(".").replace(".", ",") if data.rate else ""
        )
        self.rate_edit.setObjectName("submissionRateEdit")
        number_field(self.rate_edit)
        self.rate_edit.setPlaceholderText("ex. 3,45")
        self.comment_edit = QPlainTextEdit(data.comment)
        self.comment_edit.setObjectName("submissionCommentEdit")
        self.comment_edit.setMaximumHeight(70)
        for label, widget in (
            ("Banque :", self.bank_combo),
            ("Contact :", self.contact_edit),
            ("Simulation envoyée :", self.simulation_combo),
            ("Statut :", self.status_combo),
            ("Envoyée le :", self.sent_field),
            ("Réponse le :", self.answered_field),
            ("Montant proposé (€) :", self.amount_edit),
            ("Taux proposé (%) :", self.rate_edit),
            ("Commentaire :", self.comment_edit),
        ):
            form.addRow(label, widget)
        self.form.addLayout(form)
        self.fields = {
            "bank": self.bank_combo,
            "simulation": self.simulation_combo,
            "sent_on": self.sent_field,
            "answered_on": self.answered_field,
            "amount": self.amount_edit,
            "rate": self.rate_edit,
            "contact": self.contact_edit,
            "comment": self.comment_edit,
        }
        self.setMinimumWidth(460)

    def data(self) -> SubmissionData:
        rate_text = self.rate_edit.text().strip()
        return SubmissionData(
            bank_id=self.bank_combo.currentData(),
            status=SubmissionStatus(self.status_combo.currentData()),
            contact=self.contact_edit.text(),
            simulation_id=self.simulation_combo.currentData(),
            sent_on=self.sent_field.value(),
            answered_on=self.answered_field.value(),
            amount_cents=parse_amount(self.amount_edit.text(), "amount"),
            rate=parse_rate(rate_text, "rate", "Taux proposé") if rate_text else None,
            comment=" ".join(self.comment_edit.toPlainText().split()),
        )

    def submit(self):
        return self._submit(self.data())


class PipelineTab(QWidget):
    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self.setObjectName("pipelineTab")
        self.view = view
        self.info: PipelineInfo | None = None
        self._background: Background | None = None
        self.sending_run: ProgressRun | None = None
        layout = QVBoxLayout(self)
        box = QGroupBox("Demandes aux banques")
        box_layout = QVBoxLayout(box)
        self.table = QTreeWidget()
        self.table.setObjectName("submissionsTable")
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setUniformRowHeights(True)
        ColumnFitter(self.table, None)
        self.table.itemDoubleClicked.connect(lambda _item, _c: self.edit())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        box_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = push_button("addSubmissionButton", "Nouvelle demande…", self.add)
        self.edit_button = push_button("editSubmissionButton", "Modifier…", self.edit)
        self.delete_button = push_button("deleteSubmissionButton", "Supprimer…", self.delete)
        self.request_button = push_button(
            "loanRequestButton", "Demande de prêt (PDF)", self.make_request
        )
        self.request_button.setToolTip(
            "La demande de prêt du dossier, avec la simulation validée par le client (sinon "
            "la dernière) : enregistrée dans les documents et ouverte"
        )
        self.sending_button = push_button(
            "prepareSendingButton", "Préparer l'envoi à une banque…", self.prepare_sending
        )
        self.sending_button.setToolTip(
            "La demande de prêt et les pièces choisies dans un répertoire ou une archive ZIP, "
            "prêts à joindre à un e-mail ; l'envoi est noté « Préparée »"
        )
        for button in (
            self.add_button,
            self.edit_button,
            self.delete_button,
            self.request_button,
            self.sending_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.summary = plain(QLabel())
        self.summary.setObjectName("pipelineSummary")
        buttons.addWidget(self.summary)
        box_layout.addLayout(buttons)
        self.error = ErrorLabel("pipelineError")
        box_layout.addWidget(self.error)
        layout.addWidget(box, 3)
        history = QGroupBox("Historique du pipeline (du plus récent au plus ancien)")
        history_layout = QVBoxLayout(history)
        self.history = set_role(plain(QLabel()), "hint")
        self.history.setObjectName("pipelineHistory")
        self.history.setWordWrap(True)
        self.history.setAlignment(Qt.AlignmentFlag.AlignTop)
        history_layout.addWidget(self.history)
        history_layout.addStretch(1)
        layout.addWidget(history, 2)

    @property
    def service(self) -> PipelineService:
        return self.view.workspace.pipeline

    # --- showing ---

    def reload(self) -> None:
        if self.view.dossier_id is None:
            return
        outcome = attempt(lambda: self.service.list(self.view.dossier_id))
        if outcome.value is not None:
            self.render(outcome.value)
        elif outcome.problem is not None:
            self.error.show_message(outcome.problem.message)
        if self.view.detail is not None:
            self.render_history()

    def render_history(self) -> None:
        detail = self.view.detail
        if detail is not None:
            self.history.setText("\n".join(history_lines(detail)))

    def render(self, info: PipelineInfo) -> None:
        self.info = info
        self.table.clear()
        chosen = None
        for latest, earlier in latest_by_bank(info.submissions):
            item = self._item(latest)
            for row in earlier:
                child = self._item(row)
                for column in range(len(COLUMNS)):
                    child.setForeground(column, self.palette().placeholderText())
                item.addChild(child)
            self.table.addTopLevelItem(item)
            if info.changed_id in {latest.id, *(r.id for r in earlier)}:
                chosen = item
        if chosen is not None:
            self.table.setCurrentItem(chosen)
        self.add_button.setEnabled(not info.read_only)
        self.request_button.setEnabled(bool(info.simulations))
        self.sending_button.setEnabled(not info.read_only and bool(info.simulations))
        self._selection_changed()
        count = len(info.submissions)
        banks = self.table.topLevelItemCount()
        self.summary.setText(
            "Aucune demande aux banques pour l'instant."
            if not count
            else f"{count} demande{'s' if count > 1 else ''} à {banks} banque{'s' if banks > 1 else ''}"
        )

    def _item(self, row: SubmissionRow) -> QTreeWidgetItem:
        item = QTreeWidgetItem(
            [
                row.bank_name,
                row.status.label,
                format_date(row.sent_on) if row.sent_on else "—",
                format_date(row.answered_on) if row.answered_on else "—",
                format_amount(row.amount_cents) if row.amount_cents else "—",
                percent(row.rate) if row.rate is not None else "—",
                row.simulation_name or "—",
            ]
        )
        item.setData(0, _ROLE, row)
        tip = "\n".join(part for part in (row.contact, row.comment) if part)
        if tip:
            item.setToolTip(0, tip)
        item.setData(1, Qt.ItemDataRole.AccessibleDescriptionRole, row.status.value)
        colour = _STATUS_COLOURS.get(row.status)
        if colour is not None:
            item.setForeground(1, QColor(colour))
        for column in (4, 5):
            item.setTextAlignment(
                column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
        return item

    def selected(self) -> SubmissionRow | None:
        item = self.table.currentItem()
        return item.data(0, _ROLE) if item is not None and item.isSelected() else None

    def _selection_changed(self) -> None:
        editable = self.info is not None and not self.info.read_only
        chosen = self.selected() is not None
        self.edit_button.setEnabled(editable and chosen)
        self.delete_button.setEnabled(editable and chosen)

    # --- changing ---

    def _dialog(self, row: SubmissionRow | None) -> SubmissionDialog | None:
        if self.info is None or self.info.read_only:
            return None
        row_id = row.id if row else None

        def submit(data: SubmissionData):
            info, detail = self.info, self.view.detail
            assert info is not None and detail is not None
            return self.service.save(info.dossier_id, detail.version, row_id, data)

        dialog = SubmissionDialog(self, self.info, submit, row)
        dialog.accepted.connect(lambda: self._saved(dialog.result_value))
        dialog.conflicted.connect(self.reload)
        dialog.open()
        return dialog

    def add(self) -> SubmissionDialog | None:
        return self._dialog(None)

    def edit(self) -> SubmissionDialog | None:
        row = self.selected()
        return self._dialog(row) if row is not None else None

    def _saved(self, info) -> None:
        self.error.clear_message()
        self.render(info)
        self.view.pipeline_changed(info)

    # --- the loan request and the sending ---

    def _runner(self, title: str) -> ProgressRun:
        if self._background is None:
            self._background = Background()
        return ProgressRun(self, title, self._background)

    def make_request(self, open_it: bool = True) -> ProgressRun | None:
        """The «Demande de prêt» PDF, made off the GUI thread, kept in the dossier's
        documents and opened."""
        detail = self.view.detail
        if detail is None:
            return None
        target = self.view.workspace.exports_folder / f"Demande de prêt {detail.number}.pdf"
        service, dossier_id = self.view.workspace.loan_requests, detail.id
        run = self._runner("Demande de prêt…")
        run.start(
            lambda progress: service.write_pdf(
                dossier_id, target, stop=lambda: not progress(50, 100)
            ),
            lambda path: self._request_made(path, open_it),
            self._failed,
        )
        return run

    def _request_made(self, path: Path, open_it: bool) -> None:
        if not isValid(self):
            return
        title = f"Demande de prêt — {format_date(dt.date.today())}"
        if self.view.detail is not None and not self.view.detail.is_read_only:
            self.view.keep_document(path, title)
        if open_it:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def prepare_sending(self) -> PrepareSendingDialog | None:
        detail = self.view.detail
        if self.info is None or detail is None or self.info.read_only:
            return None
        documents = attempt(lambda: self.view.workspace.documents.list(detail.id))
        if documents.value is None:
            return None
        home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = PrepareSendingDialog(
            self, self.info, documents.value.documents, Path(home or Path.home()), detail.number
        )
        dialog.accepted.connect(lambda: self._send(dialog.chosen))
        dialog.open()
        return dialog

    def _send(self, chosen, open_it: bool = True) -> ProgressRun | None:
        detail = self.view.detail
        if chosen is None or detail is None:
            return None
        bank_id, simulation_id, document_ids, target = chosen
        service, dossier_id, version = self.view.workspace.loan_requests, detail.id, detail.version
        run = self._runner("Préparation de l'envoi…")
        self.sending_run = run
        run.start(
            lambda progress: service.prepare_sending(
                dossier_id, version, bank_id, simulation_id, document_ids, target, progress
            ),
            lambda sending: self._sent(sending, open_it),
            self._failed,
        )
        return run

    def _sent(self, sending, open_it: bool) -> None:
        if not isValid(self):
            return
        self._saved(sending.pipeline)
        documents = self.view.documents_tab
        if documents is not None and documents.info is not None:
            documents.reload()
        self.view.show_notice(
            f"Envoi préparé ({len(sending.files)} fichier{'s' * (len(sending.files) > 1)}) : "
            f"{sending.path}. Joignez-le à votre e-mail à la banque."
        )
        if open_it:
            folder = sending.path if sending.path.is_dir() else sending.path.parent
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        show_failure(error, self.error, "Le fichier n'a pas pu être écrit")

    def delete(self):
        row = self.selected()
        if row is None or self.info is None:
            return None
        info = self.info

        def remove() -> None:
            version = self.view.detail.version if self.view.detail else info.version
            outcome = attempt(lambda: self.service.delete(info.dossier_id, version, row.id))
            if outcome.value is not None:
                self._saved(outcome.value)
            elif outcome.problem is not None:
                self.error.show_message(outcome.problem.message)
                self.reload()

        return confirm(
            self,
            "deleteSubmissionDialog",
            "Supprimer la demande",
            f"Supprimer la demande à {row.bank_name} ({row.status.label.lower()}) ?",
            "Supprimer",
            remove,
        )


class PrepareSendingDialog(FormDialog):
    """«Préparer l'envoi à une banque»: the bank, the simulation presented, the documents
    joined (the supporting ones ticked), a folder or a ZIP, and where."""

    def __init__(
        self, parent: QWidget, info: PipelineInfo, documents, destination: Path, number: str
    ) -> None:
        super().__init__(
            parent, "Préparer l'envoi à une banque", "prepareSendingDialog", "Préparer"
        )
        self.number = number
        form = QFormLayout()
        self.bank_combo = QComboBox()
        self.bank_combo.setObjectName("sendingBankCombo")
        self.bank_combo.addItem("— Choisir la banque —", None)
        for bank in info.banks:
            self.bank_combo.addItem(bank.label, bank.id)
        self.simulation_combo = QComboBox()
        self.simulation_combo.setObjectName("sendingSimulationCombo")
        for simulation in info.simulations:
            self.simulation_combo.addItem(simulation.label, simulation.id)
        self.simulation_combo.setCurrentIndex(
            max(0, self.simulation_combo.findData(info.preferred_simulation))
        )
        self.documents = QTreeWidget()
        self.documents.setObjectName("sendingDocumentsList")
        self.documents.setHeaderLabels(["Pièce jointe à l'envoi", "Rubrique"])
        self.documents.setRootIsDecorated(False)
        self.documents.setMinimumHeight(180)
        for row in documents:
            item = QTreeWidgetItem([row.title, row.folder.label])
            item.setData(0, _ROLE, row.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                0,
                Qt.CheckState.Checked
                if row.folder is DocumentFolder.SUPPORTING
                else Qt.CheckState.Unchecked,
            )
            self.documents.addTopLevelItem(item)
        self.documents.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.as_zip = QCheckBox("En une archive ZIP (sinon un répertoire)")
        self.as_zip.setObjectName("sendingZipCheck")
        self.destination = QLineEdit(str(destination))
        self.destination.setObjectName("sendingDestinationEdit")
        choose = QPushButton("Choisir…")
        choose.setObjectName("sendingDestinationButton")
        choose.clicked.connect(self._choose)
        where = QHBoxLayout()
        where.addWidget(self.destination, 1)
        where.addWidget(choose)
        form.addRow("Banque :", self.bank_combo)
        form.addRow("Simulation présentée :", self.simulation_combo)
        form.addRow(self.documents)
        form.addRow("", self.as_zip)
        form.addRow("Enregistrer dans :", where)
        self.form.addLayout(form)
        self.fields = {"bank": self.bank_combo, "destination": self.destination}
        self.setMinimumWidth(560)
        self.chosen: tuple[int, int | None, list[int], Path] | None = None

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Enregistrer l'envoi dans", self.destination.text()
        )
        if folder:
            self.destination.setText(folder)

    def submit(self):
        bank_id = self.bank_combo.currentData()
        if bank_id is None:
            raise DomainError("Choisissez la banque.", "bank")
        folder = Path(self.destination.text().strip()).expanduser()
        if not self.destination.text().strip() or not folder.is_dir():
            raise DomainError(
                "Choisissez un répertoire existant où enregistrer l'envoi.", "destination"
            )
        ids = [
            self.documents.topLevelItem(i).data(0, _ROLE)
            for i in range(self.documents.topLevelItemCount())
            if self.documents.topLevelItem(i).checkState(0) == Qt.CheckState.Checked
        ]
        bank = self.bank_combo.currentText().split(" — ")[0]
        name = plain_name(f"Envoi {self.number} - {bank}")
        target = folder / (name + ".zip" if self.as_zip.isChecked() else name)
        self.chosen = (bank_id, self.simulation_combo.currentData(), ids, target)
        return self.chosen
