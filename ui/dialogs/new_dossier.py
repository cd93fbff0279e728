"""«Nouveau dossier»: prospect or client, porteur de projet, owner broker, provenance."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from app.dossier.dossier_service import NewDossier
from app.dossier.readmodels import DossierDetail
from app.workspace import Workspace
from models.enums import DossierStatus, Right
from ui.common import FormDialog
from ui.dialogs.dossier_dialogs import NO_REFERRER, fill_choices

CIVILITIES = ("", "Mme", "M.")


class NewDossierDialog(FormDialog):
    def __init__(self, parent: QWidget, workspace: Workspace) -> None:
        super().__init__(parent, "Nouveau dossier", "newDossierDialog", ok_text="Créer le dossier")
        self._workspace = workspace
        office = workspace.office
        form = QFormLayout()
        kind = QHBoxLayout()
        self.prospect_radio = QRadioButton("Prospect")
        self.prospect_radio.setObjectName("prospectRadio")
        self.prospect_radio.setChecked(True)
        self.client_radio = QRadioButton("Client")
        self.client_radio.setObjectName("clientRadio")
        group = QButtonGroup(self)
        group.addButton(self.prospect_radio)
        group.addButton(self.client_radio)
        kind.addWidget(self.prospect_radio)
        kind.addWidget(self.client_radio)
        kind.addStretch(1)
        form.addRow("Type :", kind)

        self.civility_combo = QComboBox()
        self.civility_combo.setObjectName("civilityCombo")
        self.civility_combo.addItems(CIVILITIES)
        form.addRow("Civilité :", self.civility_combo)
        self.last_name = self._line("lastNameEdit", "Nom du porteur de projet")
        form.addRow("Nom* :", self.last_name)
        self.first_name = self._line("firstNameEdit", "Prénom du porteur de projet")
        form.addRow("Prénom :", self.first_name)
        self.co_last_name = self._line("coLastNameEdit", "Nom du co-emprunteur (facultatif)")
        form.addRow("Co-emprunteur, nom :", self.co_last_name)
        self.co_first_name = self._line("coFirstNameEdit", "Prénom du co-emprunteur")
        form.addRow("Co-emprunteur, prénom :", self.co_first_name)

        self.owner_combo = QComboBox()
        self.owner_combo.setObjectName("ownerCombo")
        self.owner_combo.setAccessibleName("Courtier du dossier")
        user = workspace.user
        for broker in office.active_brokers():
            if user.can(Right.EDIT_ALL_DOSSIERS) or broker.id == user.id:
                self.owner_combo.addItem(broker.label, broker.id)
        mine = self.owner_combo.findData(user.id)
        self.owner_combo.setCurrentIndex(max(0, mine))
        form.addRow("Courtier du dossier :", self.owner_combo)

        self.provenance_combo = QComboBox()
        self.provenance_combo.setObjectName("provenanceCombo")
        self.provenance_combo.setAccessibleName("Provenance")
        self.provenance_combo.addItem("Choisissez…", None)
        fill_choices(self.provenance_combo, office.active_provenances())
        form.addRow("Provenance* :", self.provenance_combo)
        self.provenance_detail = self._line("provenanceDetailEdit", "Précisions sur la provenance")
        self.provenance_detail.setMaxLength(300)
        form.addRow("Précisions :", self.provenance_detail)
        self.referrer_combo = QComboBox()
        self.referrer_combo.setObjectName("referrerCombo")
        self.referrer_combo.setAccessibleName("Apporteur d'affaires")
        self.referrer_combo.addItem(NO_REFERRER, None)
        fill_choices(self.referrer_combo, office.active_referrers())
        form.addRow("Apporteur d'affaires :", self.referrer_combo)
        self.form.addLayout(form)
        self.fields = {
            "status": self.prospect_radio,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "co_last_name": self.co_last_name,
            "co_first_name": self.co_first_name,
            "owner": self.owner_combo,
            "provenance": self.provenance_combo,
            "provenance_detail": self.provenance_detail,
            "referrer": self.referrer_combo,
        }
        self.setMinimumWidth(480)
        self.last_name.setFocus()

    def _line(self, name: str, accessible: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setMaxLength(100)
        return edit

    def submit(self) -> DossierDetail:
        status = DossierStatus.CLIENT if self.client_radio.isChecked() else DossierStatus.PROSPECT
        return self._workspace.dossiers.create(
            NewDossier(
                status=status,
                civility=self.civility_combo.currentText(),
                last_name=self.last_name.text(),
                first_name=self.first_name.text(),
                co_last_name=self.co_last_name.text(),
                co_first_name=self.co_first_name.text(),
                owner_id=self.owner_combo.currentData(),
                provenance_id=self.provenance_combo.currentData(),
                provenance_detail=self.provenance_detail.text(),
                referrer_id=self.referrer_combo.currentData(),
            )
        )
