"""«Numérotation»: the office's dossier number format and this computer's prefix."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from app.office.numbering import NumberingFormat
from app.office.settings_service import SettingsService
from ui.common import escape, rich, set_role
from ui.settings.list_page import TEXT_WIDTH, Page, align_labels, capped, form_layout

_BOX_WIDTH = 600  # a few short fields: narrower than a page of text


class NumberingPage(Page):
    """The format, previewed on an example number as it is typed."""

    def __init__(self, service: SettingsService) -> None:
        super().__init__("numberingPage", "numberingError")
        self._service = service
        numbering, machine = service.numbering()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            capped(
                set_role(
                    QLabel(
                        "Le format des numéros des nouveaux dossiers. Les dossiers existants "
                        "gardent leur numéro."
                    ),
                    "hint",
                ),
                TEXT_WIDTH,
            )
        )
        self.prefix_edit = capped(QLineEdit(numbering.prefix), 160)
        self.prefix_edit.setObjectName("numberingPrefixEdit")
        self.prefix_edit.setPlaceholderText("ex. AG (facultatif)")
        self.prefix_edit.setAccessibleName("Préfixe du cabinet")
        self.year_check = QCheckBox("Inclure l'année de création")
        self.year_check.setObjectName("numberingYearCheck")
        self.year_check.setChecked(numbering.with_year)
        self.digits_spin = QSpinBox()
        self.digits_spin.setObjectName("numberingDigitsSpin")
        self.digits_spin.setAccessibleName("Chiffres du compteur")
        self.digits_spin.setRange(3, 8)
        self.digits_spin.setValue(numbering.digits)
        self.digits_spin.setFixedWidth(80)
        self.machine_edit = capped(QLineEdit(machine), 160)
        self.machine_edit.setObjectName("machinePrefixEdit")
        self.machine_edit.setPlaceholderText("ex. L2 (facultatif)")
        self.machine_edit.setAccessibleName("Préfixe de ce poste")
        office_box = QGroupBox("Pour tout le cabinet")
        office_form = form_layout()
        office_box.setLayout(office_form)
        office_form.addRow("Préfixe du cabinet :", self.prefix_edit)
        office_form.addRow("", self.year_check)
        office_form.addRow("Chiffres du compteur :", self.digits_spin)
        machine_box = QGroupBox("Pour cet ordinateur")
        machine_form = form_layout()
        machine_form.addRow("Préfixe de ce poste :", self.machine_edit)
        machine_layout = QVBoxLayout(machine_box)
        machine_layout.addLayout(machine_form)
        machine_layout.addWidget(
            set_role(
                QLabel(
                    "Ce préfixe ne vaut que pour cet ordinateur : donnez-en un différent à "
                    "chaque portable qui crée des dossiers hors connexion, deux postes ne "
                    "produiront jamais le même numéro."
                ),
                "hint",
            )
        )
        align_labels(office_form, machine_form)
        for box in (office_box, machine_box):
            box.setMaximumWidth(_BOX_WIDTH)
            layout.addWidget(box)
        self.example = rich(QLabel())  # the example in bold, escaped
        self.example.setObjectName("numberingExample")
        self.example.setWordWrap(True)
        self.example.setMaximumWidth(TEXT_WIDTH)
        layout.addWidget(self.example)
        footer = QHBoxLayout()
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setObjectName("saveNumberingButton")
        self.save_button.clicked.connect(self.save)
        footer.addWidget(self.save_button)
        footer.addWidget(self.error, 1)
        footer.addStretch(1)
        layout.addLayout(footer)
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
