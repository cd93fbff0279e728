"""«Numérotation»: the office's dossier number format and this computer's prefix."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from app.office.numbering import NumberingFormat
from app.office.settings_service import SettingsService
from ui.common import escape, rich, set_role
from ui.settings.list_page import Page


class NumberingPage(Page):
    """The format, previewed on an example number as it is typed."""

    def __init__(self, service: SettingsService) -> None:
        super().__init__("numberingPage", "numberingError")
        self._service = service
        numbering, machine = service.numbering()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.prefix_edit = QLineEdit(numbering.prefix)
        self.prefix_edit.setObjectName("numberingPrefixEdit")
        self.prefix_edit.setPlaceholderText("ex. AG (facultatif)")
        self.year_check = QCheckBox("Inclure l'année de création")
        self.year_check.setObjectName("numberingYearCheck")
        self.year_check.setChecked(numbering.with_year)
        self.digits_spin = QSpinBox()
        self.digits_spin.setObjectName("numberingDigitsSpin")
        self.digits_spin.setRange(3, 8)
        self.digits_spin.setValue(numbering.digits)
        self.machine_edit = QLineEdit(machine)
        self.machine_edit.setObjectName("machinePrefixEdit")
        self.machine_edit.setPlaceholderText("ex. L2 (facultatif)")
        form.addRow("Préfixe du cabinet :", self.prefix_edit)
        form.addRow("", self.year_check)
        form.addRow("Chiffres du compteur :", self.digits_spin)
        form.addRow("Préfixe de ce poste :", self.machine_edit)
        layout.addLayout(form)
        layout.addWidget(
            set_role(
                QLabel(
                    "Le préfixe de ce poste ne vaut que pour cet ordinateur : donnez-en un différent à "
                    "chaque portable qui crée des dossiers hors connexion, deux postes ne produiront "
                    "jamais le même numéro. Les dossiers existants gardent leur numéro."
                ),
                "hint",
            )
        )
        self.example = rich(QLabel())  # the example in bold, escaped
        self.example.setObjectName("numberingExample")
        layout.addWidget(self.example)
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setObjectName("saveNumberingButton")
        self.save_button.clicked.connect(self.save)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.error)
        layout.addStretch(1)
        for signal in (self.prefix_edit.textChanged, self.machine_edit.textChanged):
            signal.connect(lambda _t: self._preview())
        self.year_check.toggled.connect(lambda _on: self._preview())
        self.digits_spin.valueChanged.connect(lambda _v: self._preview())
        self._preview()

    def _preview(self) -> None:
        numbering = NumberingFormat(
            self.prefix_edit.text().strip().upper(),
            self.year_check.isChecked(),
            self.digits_spin.value(),
        )
        example = numbering.number(
            self.machine_edit.text().strip().upper(), dt.date.today().year, 42
        )
        self.example.setText(f"Exemple : <b>{escape(example)}</b>")

    def save(self) -> None:
        self.run(
            lambda: self._service.save_numbering(
                self.prefix_edit.text(),
                self.year_check.isChecked(),
                self.digits_spin.value(),
                self.machine_edit.text(),
            ),
            lambda example: self.example.setText(
                f"Enregistré. Exemple : <b>{escape(example)}</b> "
                "(prend effet à la prochaine ouverture de Dossia)"
            ),
        )
