"""«Simulations» settings: the usury rates the Banque de France publishes each quarter, per
category of real-estate loan (a simulation's loans are checked against the one in force),
and the reste à vivre a household must keep."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from app.errors import DomainError
from app.simulation.plans import parse_rate
from app.simulation.rules import LivingThresholds, UsuryRate
from app.simulation.summary import percent
from app.text import format_amount_input, format_date, parse_amount
from models.enums import UsuryCategory
from ui.common import number_field, set_role
from ui.settings.list_page import (
    TEXT_WIDTH,
    EmptyHint,
    ListPage,
    align_labels,
    capped,
    form_layout,
    section_title,
)
from ui.widgets import DateField

if TYPE_CHECKING:  # the service imports SQLAlchemy
    from app.simulation.simulation_service import SimulationService


_FORM_WIDTH = 460  # the forms beside the list


class UsuryPage(ListPage):
    def __init__(self, service: SimulationService) -> None:
        super().__init__(
            "usuryPage",
            "usuryTable",
            ("Catégorie", "En vigueur depuis le", "Taux d'usure"),
            error_name="usuryError",
        )
        self._service = service
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        hint = capped(
            set_role(
                QLabel(
                    "Les taux publiés chaque trimestre par la Banque de France (seuils de "
                    "l'usure des prêts immobiliers). Chaque prêt d'une simulation est comparé "
                    "au taux de sa catégorie en vigueur à la date du jour ; un TAEG au-dessus "
                    "est signalé en rouge."
                ),
                "hint",
            ),
            TEXT_WIDTH,
        )
        layout.addWidget(hint)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        layout.addLayout(columns, 1)
        left = QVBoxLayout()
        left.addWidget(section_title("Taux d'usure"))
        left.addWidget(self.table, 1)
        left.addLayout(self.button_row((("removeUsuryRateButton", "Retirer", self.remove),)))
        columns.addLayout(left, 1)
        self.empty_hint = EmptyHint(
            self.table,
            "usuryEmpty",
            "Aucun taux d'usure saisi : les simulations ne peuvent pas être comparées au "
            "seuil.\nSaisissez ceux du trimestre, catégorie par catégorie, dans « Nouveau "
            "taux » ci-contre (ils sont publiés sur le site de la Banque de France).",
        )
        right = QVBoxLayout()
        rate_box = QGroupBox("Nouveau taux")
        rate_form = form_layout()
        rate_box.setLayout(rate_form)
        self.category_combo = QComboBox()
        self.category_combo.setObjectName("usuryCategoryCombo")
        self.category_combo.setAccessibleName("Catégorie de prêt")
        for category in UsuryCategory:
            self.category_combo.addItem(category.label, category.value)
        self.date_field = DateField("usuryDate", "En vigueur depuis le")
        self.date_field.set_value(_quarter_start(dt.date.today()))
        self.rate_edit = number_field(QLineEdit())
        self.rate_edit.setObjectName("usuryRateEdit")
        self.rate_edit.setAccessibleName("Taux d'usure (%)")
        self.rate_edit.setPlaceholderText("ex. 6,29")
        self.rate_edit.setMaximumWidth(90)
        add = QPushButton("Enregistrer le taux")
        add.setObjectName("saveUsuryRateButton")
        add.clicked.connect(self.save)
        rate_form.addRow("Catégorie :", self.category_combo)
        rate_form.addRow("En vigueur depuis le :", self.date_field)
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.rate_edit)
        rate_row.addWidget(add)
        rate_row.addStretch(1)
        rate_form.addRow("Taux d'usure (%) :", rate_row)
        living_box = QGroupBox("Reste à vivre minimum par mois")
        living_form = form_layout()
        living_box.setLayout(living_form)
        thresholds = service.living_thresholds()
        self.adult_edit = number_field(QLineEdit(format_amount_input(thresholds.per_adult_cents)))
        self.adult_edit.setObjectName("livingAdultEdit")
        self.adult_edit.setAccessibleName("Reste à vivre minimum par adulte (€)")
        self.child_edit = number_field(QLineEdit(format_amount_input(thresholds.per_child_cents)))
        self.child_edit.setObjectName("livingChildEdit")
        self.child_edit.setAccessibleName("Reste à vivre minimum par enfant (€)")
        for edit in (self.adult_edit, self.child_edit):
            edit.setMaximumWidth(110)
        save_living = QPushButton("Enregistrer")
        save_living.setObjectName("saveLivingButton")
        save_living.clicked.connect(self.save_living)
        living_form.addRow("Par adulte (€) :", self.adult_edit)
        child_row = QHBoxLayout()
        child_row.addWidget(self.child_edit)
        child_row.addWidget(save_living)
        child_row.addStretch(1)
        living_form.addRow("Par enfant à charge (€) :", child_row)
        align_labels(rate_form, living_form)
        for box in (rate_box, living_box):
            box.setMaximumWidth(_FORM_WIDTH)
            right.addWidget(box)
        right.addWidget(self.error)
        right.addStretch(1)
        columns.addLayout(right)
        self.fields = {
            "rate": self.rate_edit,
            "valid_from": self.date_field,
            "per_adult": self.adult_edit,
            "per_child": self.child_edit,
        }
        self.show_rates(service.usury_rates())

    def show_rates(self, rates) -> None:
        self.model.set_rows(
            list(rates),
            [(r.category.label, format_date(r.valid_from), percent(r.rate)) for r in rates],
        )

    def save(self) -> None:
        def command():
            valid_from = self.date_field.value()
            if valid_from is None:
                raise DomainError("Indiquez la date d'entrée en vigueur.", "valid_from")
            category = UsuryCategory(self.category_combo.currentData())
            rate = parse_rate(self.rate_edit.text(), "rate", "Taux d'usure")
            return self._service.save_usury_rate(UsuryRate(category, valid_from, rate))

        self.run(command, self.show_rates)

    def save_living(self) -> None:
        self.run(
            lambda: self._service.save_living_thresholds(
                LivingThresholds(
                    parse_amount(self.adult_edit.text(), "per_adult") or 0,
                    parse_amount(self.child_edit.text(), "per_child") or 0,
                )
            )
        )

    def remove(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.run(
                lambda: self._service.remove_usury_rate(chosen.category, chosen.valid_from),
                self.show_rates,
            )


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
