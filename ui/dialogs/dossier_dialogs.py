"""Dialogs of the dossier: pencils of the summary panel and the «Actions» menu."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from app.dossier.dossier_service import DossierService
from app.dossier.readmodels import DossierDetail
from app.office.office_service import OfficeService
from models.enums import AbandonReason, DossierStatus
from ui.common import FormDialog, set_role
from ui.widgets import DateField


class RenumberDialog(FormDialog):
    def __init__(self, parent: QWidget, service: DossierService, detail: DossierDetail) -> None:
        super().__init__(parent, "Modifier le numéro de dossier", "renumberDialog")
        self._service, self._detail = service, detail
        form = QFormLayout()
        self.number_edit = QLineEdit(detail.number)
        self.number_edit.setObjectName("numberEdit")
        self.number_edit.setAccessibleName("Nouveau numéro de dossier")
        self.number_edit.setMaxLength(60)
        self.number_edit.selectAll()
        form.addRow("Nouveau numéro :", self.number_edit)
        self.form.addLayout(form)
        self.form.addWidget(set_role(QLabel("Le numéro doit être unique dans le cabinet."), "hint"))
        self.fields = {"number": self.number_edit}
        self.setMinimumWidth(420)

    def submit(self) -> DossierDetail:
        return self._service.renumber(
            self._detail.id, self._detail.version, self.number_edit.text()
        )


class OwnerDialog(FormDialog):
    def __init__(
        self, parent: QWidget, service: DossierService, office: OfficeService, detail: DossierDetail
    ) -> None:
        super().__init__(parent, "Changer le courtier du dossier", "ownerDialog")
        self._service, self._detail = service, detail
        form = QFormLayout()
        self.owner_combo = QComboBox()
        self.owner_combo.setObjectName("ownerCombo")
        self.owner_combo.setAccessibleName("Courtier du dossier")
        for broker in office.active_brokers():
            self.owner_combo.addItem(broker.label, broker.id)
        current = self.owner_combo.findData(detail.owner.id)
        if current < 0:  # the owner left the office: show them, but only as the current value
            self.owner_combo.insertItem(0, f"{detail.owner.label} (inactif)", detail.owner.id)
            current = 0
        self.owner_combo.setCurrentIndex(current)
        form.addRow("Courtier :", self.owner_combo)
        self.form.addLayout(form)
        self.fields = {"owner": self.owner_combo}
        self.setMinimumWidth(400)

    def submit(self) -> DossierDetail:
        return self._service.change_owner(
            self._detail.id, self._detail.version, self.owner_combo.currentData()
        )


NO_REFERRER = "— Aucun apporteur —"


class ProvenanceDialog(FormDialog):
    """Provenance (drop-down), its details, and the apporteur d'affaires, in one window."""

    def __init__(
        self, parent: QWidget, service: DossierService, office: OfficeService, detail: DossierDetail
    ) -> None:
        super().__init__(parent, "Provenance du dossier", "provenanceDialog")
        self._service, self._detail = service, detail
        form = QFormLayout()
        self.provenance_combo = QComboBox()
        self.provenance_combo.setObjectName("provenanceCombo")
        self.provenance_combo.setAccessibleName("Provenance")
        fill_choices(self.provenance_combo, office.active_provenances(), detail.provenance)
        form.addRow("Provenance :", self.provenance_combo)
        self.detail_edit = QLineEdit(detail.provenance_detail)
        self.detail_edit.setObjectName("provenanceDetailEdit")
        self.detail_edit.setAccessibleName("Précisions sur la provenance")
        self.detail_edit.setPlaceholderText("Précisions (facultatif)")
        self.detail_edit.setMaxLength(300)
        form.addRow("Précisions :", self.detail_edit)
        self.referrer_combo = QComboBox()
        self.referrer_combo.setObjectName("referrerCombo")
        self.referrer_combo.setAccessibleName("Apporteur d'affaires")
        self.referrer_combo.addItem(NO_REFERRER, None)
        fill_choices(self.referrer_combo, office.active_referrers(), detail.referrer)
        form.addRow("Apporteur d'affaires :", self.referrer_combo)
        self.form.addLayout(form)
        self.fields = {
            "provenance": self.provenance_combo,
            "provenance_detail": self.detail_edit,
            "referrer": self.referrer_combo,
        }
        self.setMinimumWidth(460)

    def submit(self) -> DossierDetail:
        return self._service.change_provenance(
            self._detail.id,
            self._detail.version,
            self.provenance_combo.currentData(),
            self.detail_edit.text(),
            self.referrer_combo.currentData(),
        )


def fill_choices(combo: QComboBox, choices, current=None) -> None:
    """Add the active choices; keep the current one even if it was deactivated since."""
    for choice in choices:
        combo.addItem(choice.label, choice.id)
    if current is not None:
        index = combo.findData(current.id)
        if index < 0:
            combo.addItem(f"{current.label} (inactif)", current.id)
            index = combo.count() - 1
        combo.setCurrentIndex(index)


class AbandonDialog(FormDialog):
    def __init__(self, parent: QWidget, service: DossierService, detail: DossierDetail) -> None:
        super().__init__(parent, f"Abandonner le dossier {detail.number}", "abandonDialog")
        self._service, self._detail = service, detail
        form = QFormLayout()
        self.reason_combo = QComboBox()
        self.reason_combo.setObjectName("reasonCombo")
        self.reason_combo.setAccessibleName("Motif de l'abandon")
        self.reason_combo.addItem("Choisissez un motif…", None)
        for reason in AbandonReason:
            self.reason_combo.addItem(reason.label, reason.value)
        form.addRow("Motif :", self.reason_combo)
        self.reason_detail = QLineEdit()
        self.reason_detail.setObjectName("reasonDetail")
        self.reason_detail.setAccessibleName("Précisez le motif")
        self.reason_detail.setPlaceholderText("Précisez le motif")
        self.reason_detail.setMaxLength(500)
        self.reason_detail.setEnabled(False)
        form.addRow("Précision :", self.reason_detail)
        self.form.addLayout(form)
        self.form.addWidget(
            set_role(
                QLabel(
                    "Le dossier passera dans l'onglet « Abandonnés ». Il restera consultable, "
                    "en lecture seule, et pourra être repris."
                ),
                "hint",
            )
        )
        self.reason_combo.currentIndexChanged.connect(self._reason_changed)
        self.fields = {"reason": self.reason_combo, "detail": self.reason_detail}
        self.setMinimumWidth(460)

    def reason(self) -> AbandonReason | None:
        value = self.reason_combo.currentData()
        return AbandonReason(value) if value else None

    def _reason_changed(self) -> None:
        other = self.reason() is AbandonReason.OTHER
        self.reason_detail.setEnabled(other)
        if other:
            self.reason_detail.setFocus()

    def submit(self) -> DossierDetail:
        reason = self.reason()
        detail = self.reason_detail.text() if reason is AbandonReason.OTHER else ""
        return self._service.abandon(self._detail.id, self._detail.version, reason, detail)


class ResumeDialog(FormDialog):
    def __init__(
        self,
        parent: QWidget,
        service: DossierService,
        detail: DossierDetail,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(
            parent, f"Reprendre le dossier {detail.number}", "resumeDialog", ok_text="Reprendre"
        )
        self._service, self._detail = service, detail
        self.as_prospect = QRadioButton("En prospect")
        self.as_prospect.setObjectName("asProspectRadio")
        self.as_client = QRadioButton("En client")
        self.as_client.setObjectName("asClientRadio")
        self.as_client.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.as_prospect)
        group.addButton(self.as_client)
        form = QFormLayout()
        form.addRow("Reprendre :", self.as_prospect)
        form.addRow("", self.as_client)
        self.date_field = DateField("creationDateEdit", "Nouvelle date de création", optional=False)
        self.date_field.set_value(today or dt.date.today())
        form.addRow("Nouvelle date de création :", self.date_field)
        self.form.addLayout(form)
        counts = ", ".join(
            _count(number, word)
            for number, word in (
                (len(detail.simulations), "simulation"),
                (detail.document_count, "document"),
                (detail.submission_count, "demande aux banques"),
                (len(detail.history), "étape d'historique"),
            )
        )
        warning = QLabel(
            "<b>Attention :</b> les simulations, les documents, les demandes aux banques et "
            "l'historique du pipeline de la version précédente seront supprimés "
            f"({counts}), ainsi que les dates d'accord et de signature. Les emprunteurs et "
            "les notes sont conservés."
        )
        warning.setObjectName("resumeWarning")
        warning.setWordWrap(True)
        self.form.addWidget(warning)
        self.fields = {"created_on": self.date_field.edit, "status": self.as_client}
        self.setMinimumWidth(480)

    def submit(self) -> DossierDetail:
        status = DossierStatus.PROSPECT if self.as_prospect.isChecked() else DossierStatus.CLIENT
        return self._service.resume(
            self._detail.id, self._detail.version, status, self.date_field.value()
        )


def _count(number: int, word: str) -> str:
    """«1 document», «3 documents», «2 envois aux banques», «0 étape d'historique»."""
    if number <= 1:
        return f"{number}\u00a0{word}"  # never «4» at a line's end, «étapes» on the next
    first, _space, rest = word.partition(" ")
    return f"{number}\u00a0{first}s" + (f" {rest}" if rest else "")
