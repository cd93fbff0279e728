"""The recovery kit of a new encrypted office: shown once, saved as a PDF to print."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QWidget,
)

from app import startup
from app.errors import DomainError
from ui.common import FormDialog, rich, set_role
from ui.operations import attempt, show_refusal


class RecoveryKitDialog(FormDialog):
    """After the office is created: its recovery key, the kit to save and print, and a
    promise ticked before going on (the key is shown only now; nobody can give it back)."""

    def __init__(self, created: startup.CreatedOffice, parent: QWidget | None = None) -> None:
        super().__init__(
            parent, "Dossia — Kit de secours", "recoveryKitDialog", ok_text="Continuer"
        )
        self._created = created
        self.saved_to: Path | None = None
        assert created.recovery_key is not None
        intro = rich(
            QLabel(
                "<b>Vos données sont chiffrées.</b><br>Chaque utilisateur les ouvre avec son "
                "mot de passe. Si plus aucun mot de passe ne le peut, seule cette <b>clé de "
                "secours</b> les ouvre : enregistrez le kit, imprimez-le et rangez-le sous "
                "clé. Elle ne sera plus affichée."
            )
        )
        intro.setWordWrap(True)
        self.form.addWidget(intro)
        key = QLabel("\n".join(_rows(created.recovery_key.groups())))
        key.setObjectName("recoveryKeyLabel")
        key.setStyleSheet("font-family: monospace; font-size: 15pt; padding: 8px;")
        self.form.addWidget(key)
        self.save_button = QPushButton("Enregistrer le kit de secours (PDF)…")
        self.save_button.setObjectName("saveRecoveryKitButton")
        self.save_button.clicked.connect(self._save)
        self.form.addWidget(self.save_button)
        self.saved_label = set_role(QLabel(""), "hint")
        self.saved_label.setObjectName("recoveryKitSavedLabel")
        self.form.addWidget(self.saved_label)
        self.kept_check = QCheckBox("J'ai imprimé le kit de secours et je le garde en lieu sûr")
        self.kept_check.setObjectName("recoveryKitKeptCheck")
        self.form.addWidget(self.kept_check)
        self.fields = {"kept": self.kept_check}
        cancel = self.findChild(QPushButton, "cancelButton")
        if cancel is not None:
            cancel.hide()  # nothing to cancel: the office exists
        self.setMinimumWidth(560)

    def _save(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self,
            "Enregistrer le kit de secours",
            str(Path.home() / "Kit de secours Dossia.pdf"),
            "PDF (*.pdf)",
        )
        if not name:
            return
        outcome = attempt(lambda: startup.save_recovery_kit(Path(name), self._created))
        if outcome.problem is not None:
            show_refusal(outcome.problem, self.error, self.fields)
            return
        self.saved_to = outcome.value
        self.error.clear_message()
        self.saved_label.setText(
            f"Kit enregistré dans « {self.saved_to} ». Imprimez-le, puis supprimez ce fichier."
        )

    def submit(self) -> None:
        if not self.kept_check.isChecked():
            raise DomainError(
                "Enregistrez et imprimez le kit de secours, puis cochez la case : sans mot de "
                "passe ni cette clé, personne ne pourrait rouvrir les données.",
                field="kept",
            )

    def reject(self) -> None:
        """Not closed without the promise: the key would be lost for good."""
        self.error.show_message(
            "Le kit de secours ne sera plus affiché : enregistrez-le et cochez la case avant "
            "de continuer."
        )


def _rows(groups: list[str]) -> list[str]:
    return ["   ".join(groups[i : i + 4]) for i in range(0, len(groups), 4)]
