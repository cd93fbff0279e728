"""«Enfants»: the household's children (table, add / edit / remove)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.dossier.household import ChildData
from app.dossier.household_service import ChildInfo, HouseholdInfo
from app.text import format_date
from models.enums import DossierTab
from ui.columns import ColumnFitter
from ui.common import FormDialog, TableModel, comment_button, confirm
from ui.widgets import DateField

if TYPE_CHECKING:
    from ui.dossier_window import DossierView

_HEADERS = ("Prénom", "Date de naissance", "Âge", "À charge", "Garde alternée")


def age(birth: dt.date | None, today: dt.date) -> str:
    if birth is None:
        return ""
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return f"{years} an{'s' if years > 1 else ''}"


class ChildDialog(FormDialog):
    def __init__(
        self,
        parent: QWidget,
        submit: Callable[[ChildData], object],
        child: ChildData | None = None,
    ) -> None:
        super().__init__(
            parent, "Modifier l'enfant" if child else "Ajouter un enfant", "childDialog"
        )
        self._submit = submit
        form = QFormLayout()
        self.first_name = QLineEdit(child.first_name if child else "")
        self.first_name.setObjectName("childFirstNameEdit")
        self.first_name.setAccessibleName("Prénom de l'enfant")
        self.first_name.setMaxLength(100)
        form.addRow("Prénom* :", self.first_name)
        self.birth_date = DateField(  # a child: the calendar opens some 8 years back
            "childBirthDate", "Date de naissance", calendar_year=dt.date.today().year - 8
        )
        self.birth_date.set_value(child.birth_date if child else None)
        form.addRow("Date de naissance :", self.birth_date)
        self.dependent = QCheckBox("À charge")
        self.dependent.setObjectName("dependentCheck")
        self.dependent.setChecked(child.dependent if child else True)
        form.addRow("", self.dependent)
        self.alternating = QCheckBox("Garde alternée")
        self.alternating.setObjectName("alternatingCustodyCheck")
        self.alternating.setChecked(child.alternating_custody if child else False)
        form.addRow("", self.alternating)
        self.form.addLayout(form)
        self.fields = {"first_name": self.first_name, "birth_date": self.birth_date.edit}
        self.setMinimumWidth(400)

    def value(self) -> ChildData:
        return ChildData(
            self.first_name.text(),
            self.birth_date.value(),
            self.dependent.isChecked(),
            self.alternating.isChecked(),
        )

    def submit(self):
        return self._submit(self.value())


class ChildrenTab(QWidget):
    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self.setObjectName("childrenTab")
        self.view = view
        layout = QVBoxLayout(self)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Ajouter un enfant")
        self.add_button.setObjectName("addChildButton")
        self.edit_button = QPushButton("Modifier")
        self.edit_button.setObjectName("editChildButton")
        self.remove_button = QPushButton("Supprimer")
        self.remove_button.setObjectName("removeChildButton")
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.add_comment_button = comment_button(lambda: view.open_comment(DossierTab.CHILDREN))
        buttons.addWidget(self.add_comment_button)
        layout.addLayout(buttons)
        self.model = TableModel(_HEADERS)
        self.table = QTableView()
        self.table.setObjectName("childrenTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        ColumnFitter(self.table, None)  # a few short columns: the width shared among them
        self.table.doubleClicked.connect(lambda _index: self.edit_child())
        layout.addWidget(self.table, 1)
        self.add_button.clicked.connect(self.add_child)
        self.edit_button.clicked.connect(self.edit_child)
        self.remove_button.clicked.connect(self.remove_child)
        self._read_only = False

    def render(self, info: HouseholdInfo) -> None:
        self._read_only = info.read_only
        today = dt.date.today()
        self.model.set_rows(
            list(info.children),
            [
                (
                    c.data.first_name,
                    format_date(c.data.birth_date),
                    age(c.data.birth_date, today),
                    "Oui" if c.data.dependent else "Non",
                    "Oui" if c.data.alternating_custody else "Non",
                )
                for c in info.children
            ],
        )
        for button in (
            self.add_button,
            self.edit_button,
            self.remove_button,
            self.add_comment_button,
        ):
            button.setEnabled(not info.read_only)

    def _selected(self) -> ChildInfo | None:
        index = self.table.currentIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def _run(self, command):
        """Run a household command for a dialog: raise the refusal so it shows in the dialog."""
        error = self.view.execute_household(command)
        if error is not None:
            raise error
        return True

    def add_child(self) -> ChildDialog:
        dialog = ChildDialog(
            self,
            lambda data: self._run(lambda service, d: service.add_child(d.id, d.version, data)),
        )
        dialog.open()
        return dialog

    def edit_child(self) -> ChildDialog | None:
        child = self._selected()
        if child is None or self._read_only:
            return None
        dialog = ChildDialog(
            self,
            lambda data: self._run(
                lambda service, d: service.update_child(d.id, d.version, child.id, data)
            ),
            child.data,
        )
        dialog.open()
        return dialog

    def remove_child(self) -> QMessageBox | None:
        child = self._selected()
        if child is None:
            return None
        return confirm(
            self,
            "removeChildDialog",
            "Supprimer l'enfant",
            f"Retirer {child.data.first_name} du dossier ?",
            "Supprimer",
            lambda: self.view.execute_household(
                lambda service, d: service.remove_child(d.id, d.version, child.id)
            ),
        )
