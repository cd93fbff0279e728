"""«Exporter les données d'une personne…» and «Effacer une personne…» (Actions menu)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QWidget,
)

from app.dossier.readmodels import DossierDetail
from app.errors import DomainError
from app.privacy.privacy import check_export_folder
from app.text import format_date
from models.enums import DossierStatus
from ui.common import FormDialog, plain, set_role

if TYPE_CHECKING:  # the service imports SQLAlchemy
    from app.privacy.privacy_service import PersonChoice, PrivacyService


def _person_buttons(
    dialog: FormDialog, people: list[PersonChoice], name_prefix: str, preselect: bool
) -> QButtonGroup:
    group = QButtonGroup(dialog)
    for person in people:
        button = plain_radio(f"{person.name} — {person.role.lower()}")
        button.setObjectName(f"{name_prefix}{person.rank}")
        group.addButton(button, person.borrower_id)
        dialog.form.addWidget(button)
    if preselect and group.buttons():
        group.buttons()[0].setChecked(True)
    return group


def _hint(text: str) -> QLabel:
    """An explanation under the dialog's title, wrapped."""
    label = plain(set_role(QLabel(text), "hint"))
    label.setWordWrap(True)
    return label


def plain_radio(text: str) -> QRadioButton:
    """A radio button showing a name as typed (a radio button has no rich text anyway)."""
    button = QRadioButton(text)
    button.setAccessibleName(text)
    return button


class ExportPersonDialog(FormDialog):
    """Whose data, which of their other dossiers, and into which folder; the export itself
    runs in the background."""

    def __init__(self, parent: QWidget, service: PrivacyService, detail: DossierDetail) -> None:
        super().__init__(
            parent, "Exporter les données d'une personne", "exportPersonDialog", "Exporter"
        )
        self._service, self._detail = service, detail
        self.form.addWidget(
            _hint(
                "Pour répondre à une demande d'accès : tout ce que le cabinet conserve sur "
                "la personne, en PDF lisible et en JSON, avec une copie de ses documents."
            )
        )
        self.people = _person_buttons(
            self, service.people(detail.id), "exportPersonRadio", preselect=True
        )
        self.form.addWidget(QLabel("Ses autres dossiers (mêmes nom et prénom) :"))
        self.matches = QListWidget()
        self.matches.setObjectName("exportMatchesList")
        self.matches.setAccessibleName("Autres dossiers à inclure dans l'export")
        self.matches.setMaximumHeight(110)
        self.form.addWidget(self.matches)
        self.matches_hint = _hint("")
        self.matches_hint.setObjectName("exportMatchesHint")
        self.form.addWidget(self.matches_hint)
        self.people.idToggled.connect(
            lambda _id, checked: self._show_matches() if checked else None
        )
        row = QHBoxLayout()
        self.folder_edit = QLineEdit(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        )
        self.folder_edit.setObjectName("exportFolderEdit")
        self.folder_edit.setAccessibleName("Dossier où enregistrer l'export")
        browse = QPushButton("Parcourir…")
        browse.setObjectName("exportFolderButton")
        browse.clicked.connect(self._browse)
        row.addWidget(QLabel("Enregistrer dans :"))
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        self.form.addLayout(row)
        self.fields = {"folder": self.folder_edit}
        self.setMinimumWidth(600)
        self._show_matches()

    def _show_matches(self) -> None:
        """The chosen person's other dossiers: ticked when the birth date or the e-mail
        confirms it is them, left for the manager to tick when it may be a homonym."""
        self.matches.clear()
        borrower_id = self.people.checkedId()
        found = self._service.matches(self._detail.id, borrower_id) if borrower_id > 0 else []
        for match in found:
            born = (
                f"né(e) le {format_date(match.birth_date)}"
                if match.birth_date
                else ("date de naissance inconnue")
            )
            parts = [match.number, match.role.lower(), match.status.lower(), born, match.city]
            item = QListWidgetItem(" — ".join(part for part in parts if part))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if match.sure else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, match.borrower_id)
            if not match.sure:
                item.setToolTip("Homonyme possible : cochez seulement si c'est bien la personne.")
            self.matches.addItem(item)
        self.matches.setVisible(bool(found))
        self.matches_hint.setText(
            "Aucun autre dossier."
            if not found
            else "Cochés : la date de naissance ou l'e-mail le confirme. Les autres sont des "
            "homonymes possibles : cochez-les seulement si c'est bien la personne."
        )

    def chosen_matches(self) -> list[int]:
        return [
            self.matches.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.matches.count())
            if self.matches.item(row).checkState() == Qt.CheckState.Checked
        ]

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Dossier de l'export", self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(folder)

    def submit(self) -> tuple[int, Path, list[int]]:
        borrower_id = self.people.checkedId()
        if borrower_id < 0:
            raise DomainError("Ce dossier n'a aucun emprunteur.")
        folder = check_export_folder(Path(self.folder_edit.text().strip()))
        return borrower_id, folder, self.chosen_matches()


WHOLE_DOSSIER = 0


class ErasePersonDialog(FormDialog):
    """A person who no longer belongs to the dossier, or the whole dossier; confirmed by a
    box to tick, as the erasure cannot be undone."""

    def __init__(
        self, parent: QWidget, service: PrivacyService, detail: DossierDetail, kept: str
    ) -> None:
        super().__init__(parent, "Effacer une personne", "erasePersonDialog", "Effacer")
        self._service, self._detail = service, detail
        self.ok_button.setProperty("primary", False)
        self.ok_button.setProperty("danger", True)
        self.form.addWidget(
            _hint(
                "Droit à l'effacement : la personne choisie est retirée du dossier, et son "
                "nom, son e-mail et son téléphone sont remplacés par « [personne effacée] » "
                "dans les commentaires et le bloc-notes. L'autre emprunteur reste dans le "
                "dossier (il en devient le porteur de projet si besoin). La personne reste "
                "dans ses autres dossiers, s'il y en a."
            )
        )
        people = service.people(detail.id)
        self.people = _person_buttons(self, people, "erasePersonRadio", preselect=False)
        whole = QRadioButton("Le dossier entier, avec tout ce qui lui est rattaché")
        whole.setObjectName("eraseWholeDossierRadio")
        self.people.addButton(whole, WHOLE_DOSSIER)
        self.form.addWidget(whole)
        if len(people) <= 1:
            for button in self.people.buttons():
                button.setEnabled(button is whole)
            whole.setChecked(True)
            alone = plain(set_role(QLabel("C'est la seule personne du dossier."), "hint"))
            alone.setObjectName("onlyPersonLabel")
            self.form.addWidget(alone)
        self.form.addWidget(
            _hint(
                f"Irréversible. Les sauvegardes automatiques déjà faites gardent les données "
                f"jusqu'à {kept}. Les factures, quand il y en a, restent (obligation "
                "comptable)."
            )
        )
        if detail.status is DossierStatus.CLIENT:
            client = _hint(
                "Dossier client : il se conserve en principe cinq ans après la fin de la "
                "relation (lutte contre le blanchiment). N'effacez le dossier entier que si "
                "rien ne l'impose."
            )
            client.setObjectName("clientRetentionHint")
            self.form.addWidget(client)
        self.confirm_check = QCheckBox("Je confirme l'effacement définitif")
        self.confirm_check.setObjectName("confirmEraseCheck")
        self.form.addWidget(self.confirm_check)
        self.fields = {"confirm": self.confirm_check}
        self.setMinimumWidth(560)

    def submit(self):
        chosen = self.people.checkedId()
        if chosen < 0:
            raise DomainError("Choisissez la personne à effacer, ou le dossier entier.")
        if not self.confirm_check.isChecked():
            raise DomainError("Cochez la case pour confirmer l'effacement.", field="confirm")
        if chosen == WHOLE_DOSSIER:
            return self._service.erase_dossier(self._detail.id)
        return self._service.erase_person(self._detail.id, chosen)
