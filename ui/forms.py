"""Forms built from a list of fields: the «Projet» form and the dialogs of the lists of the
«Crédit» and «Patrimoine» tabs (prêts, charges, biens, épargne)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.dossier.situation import ItemKind, SituationInfo
from app.dossier.situation_service import SituationService
from app.errors import ConflictError, DomainError
from app.text import format_amount, format_amount_input, format_date, parse_amount
from ui.common import ErrorLabel, FormDialog, TableModel, confirm, number_field, set_role
from ui.operations import mark_invalid
from ui.widgets import DateField

CONFLICT_SAME_FIELD = (
    "Ce champ vient d'être modifié ailleurs (dans une autre fenêtre ou par un collègue) et "
    "le dossier a été rechargé. Votre saisie est conservée dans le champ : validez-la à "
    "nouveau (Entrée) pour remplacer l'autre valeur."
)


@dataclass(frozen=True)
class FieldSpec:
    """One field: `kind` is «text», «amount», «date», «check», an Enum class (drop-down of
    its labels) or a tuple of strings (drop-down of those texts)."""

    name: str
    label: str
    kind: object = "text"
    width: int = 0  # column width in a table (0: stretch)
    # In an AutoSaveForm: the field is enabled only when this holds for the saved data.
    enabled_if: Callable[[Any], bool] | None = None


def _object_name(prefix: str, name: str) -> str:
    head, *rest = name.removesuffix("_cents").split("_")
    return prefix + head[:1].upper() + head[1:] + "".join(p.title() for p in rest)


class FieldSet:
    """The widgets of a list of fields, read and written as one data object."""

    def __init__(self, prefix: str, specs: tuple[FieldSpec, ...], layout: QFormLayout) -> None:
        self.specs = specs
        self.widgets: dict[str, QWidget] = {}
        for spec in specs:
            widget = self._widget(spec, _object_name(prefix, spec.name))
            widget.setObjectName(_object_name(prefix, spec.name))
            widget.setAccessibleName(spec.label)
            self.widgets[spec.name] = widget
            layout.addRow("" if spec.kind == "check" else spec.label, widget)

    def _widget(self, spec: FieldSpec, name: str) -> QWidget:
        if spec.kind == "date":
            # A borrower's birth: the calendar opens some 35 years back, not on today.
            year = dt.date.today().year - 35 if spec.name == "birth_date" else None
            field = DateField(name, spec.label, calendar_year=year)
            field.set_value(None)  # empty until the user picks a date
            return field
        if spec.kind == "check":
            return QCheckBox(spec.label)
        if isinstance(spec.kind, tuple):
            combo = QComboBox()
            combo.addItems(list(spec.kind))
            return combo
        if isinstance(spec.kind, type) and issubclass(spec.kind, enum.Enum):
            combo = QComboBox()
            combo.addItem("—", None)
            for member in spec.kind:
                combo.addItem(member.label, member.value)
            return combo
        edit = QLineEdit()
        edit.setMaxLength(250)
        return number_field(edit) if spec.kind == "amount" else edit

    def read(self, name: str):
        """The value a field holds (raises DomainError for an unreadable amount)."""
        spec = next(s for s in self.specs if s.name == name)
        widget = self.widgets[name]
        if spec.kind == "date":
            return widget.value()
        if spec.kind == "check":
            return widget.isChecked()
        if spec.kind == "amount":
            return parse_amount(widget.text(), field=name)
        if isinstance(spec.kind, tuple):
            return widget.currentText()
        if isinstance(widget, QComboBox):
            data = widget.currentData()
            return spec.kind(data) if data else None
        return widget.text()

    def write(self, name: str, value) -> None:
        spec = next(s for s in self.specs if s.name == name)
        widget = self.widgets[name]
        if spec.kind == "date":
            widget.set_value(value)
        elif spec.kind == "check":
            widget.setChecked(bool(value))
        elif spec.kind == "amount":
            widget.setText(format_amount_input(value))
        elif isinstance(spec.kind, tuple):
            widget.setCurrentText(value or "")
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value.value if value else None)))
        else:
            widget.setText(value or "")

    def read_all(self, data_class):
        return data_class(**{spec.name: self.read(spec.name) for spec in self.specs})


class AutoSaveForm(QGroupBox):
    """A form saved field by field, as soon as a field is left or a value picked.

    `save(data, field)` runs the command and returns the refusal, or None. A refused value
    stays on screen, marked, with the message under the form, until it is corrected.

    A form may show no record yet (`show_data(None, …)`: a co-emprunteur to add): it then
    shows `empty`, and the record is created by the first save for which `creates(data)`
    holds, with everything readable typed so far.
    """

    def __init__(
        self,
        title: str,
        prefix: str,
        specs: tuple[FieldSpec, ...],
        save: Callable[[Any, str], DomainError | None],
        empty: Any,
        creates: Callable[[Any], bool] = lambda _data: True,
    ) -> None:
        super().__init__(title)
        self.setObjectName(f"{prefix}Form")
        self._save_command, self._empty, self._creates = save, empty, creates
        self._data: Any = None
        self._loading = False
        self._invalid: set[str] = set()
        outer = QVBoxLayout(self)
        layout = QFormLayout()
        outer.addLayout(layout)
        self.fields = FieldSet(prefix, specs, layout)
        self.widgets = self.fields.widgets
        self.error = ErrorLabel(f"{prefix}Error")
        outer.addWidget(self.error)
        for spec in specs:
            widget = self.fields.widgets[spec.name]
            if isinstance(widget, QLineEdit):
                widget.editingFinished.connect(lambda n=spec.name: self._save(n))
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(lambda _i, n=spec.name: self._save(n))
            elif isinstance(widget, DateField):
                widget.edited.connect(lambda _v, n=spec.name: self._save(n))
            else:
                widget.toggled.connect(lambda _on, n=spec.name: self._save(n))

    def show_data(self, data: Any, read_only: bool) -> None:
        """Show the saved values; a field still holding a refused value keeps it."""
        self._data = data
        shown = self._empty if data is None else data
        self._loading = True
        try:
            for spec in self.fields.specs:
                if spec.name not in self._invalid:
                    self.fields.write(spec.name, getattr(shown, spec.name))
                enabled = spec.enabled_if is None or spec.enabled_if(shown)
                self.fields.widgets[spec.name].setEnabled(not read_only and enabled)
            if not self._invalid:
                self.error.clear_message()
        finally:
            self._loading = False

    def holds_input(self) -> bool:
        """Whether the form shows what is not saved: a refused value kept to be corrected,
        or a record being added (a co-emprunteur) with something typed already."""
        if self._invalid:
            return True
        return self._data is None and self.isVisible() and self._pending() != self._empty

    def _save(self, name: str) -> None:
        if self._loading:
            return
        try:
            value = self.fields.read(name)
        except DomainError as error:
            self._refused(error)
            return
        data = replace(self._pending() if self._data is None else self._data, **{name: value})
        self._clear(name)
        if data == self._data or (self._data is None and not self._creates(data)):
            return
        before = self._data
        refusal = self._save_command(data, name)
        if isinstance(refusal, ConflictError) and before is None and self._data is None:
            # A record being added (a co-emprunteur) while the dossier changed elsewhere:
            # nobody else has it, so it is added on the new version, as typed.
            refusal = self._save_command(data, name)
        elif isinstance(refusal, ConflictError) and self._data is not None:
            # Reloaded meanwhile. Changed elsewhere were other fields: save ours on the new
            # version. The same field: keep what was typed, marked, for the user to decide.
            if before is not None and getattr(self._data, name) == getattr(before, name):
                refusal = self._save_command(replace(self._data, **{name: value}), name)
            else:
                self.fields.write(name, value)
                refusal = ConflictError(CONFLICT_SAME_FIELD, field=name)
        if refusal is not None:
            self._refused(refusal)

    def _pending(self) -> Any:
        """No record yet: everything readable typed so far."""
        values = {}
        for spec in self.fields.specs:
            try:
                values[spec.name] = self.fields.read(spec.name)
            except DomainError:
                continue
        return replace(self._empty, **values)

    def _clear(self, name: str) -> None:
        self._invalid.discard(name)
        mark_invalid(self.fields.widgets[name], False)
        if not self._invalid:
            self.error.clear_message()

    def _refused(self, error: DomainError) -> None:
        widget = self.fields.widgets.get(error.field or "")
        if widget is not None and error.field is not None:
            self._invalid.add(error.field)
            mark_invalid(widget, True)
        self.error.show_message(error.message)


def _cell(spec: FieldSpec, value) -> str:
    if value is None:
        return ""
    if spec.kind == "amount":
        return format_amount(value)
    if spec.kind == "date":
        return format_date(value)
    if spec.kind == "check":
        return "Oui" if value else "Non"
    if isinstance(value, enum.Enum):
        return value.label
    return str(value)


class ItemDialog(FormDialog):
    def __init__(
        self,
        parent: QWidget,
        title: str,
        name: str,
        specs: tuple[FieldSpec, ...],
        data_class: type,
        submit: Callable[[Any], object],
        data: Any = None,
    ) -> None:
        super().__init__(parent, title, name)
        self._data_class, self._submit = data_class, submit
        layout = QFormLayout()
        self.field_set = FieldSet(name.removesuffix("Dialog"), specs, layout)
        self.form.addLayout(layout)
        if data is not None:
            for spec in specs:
                self.field_set.write(spec.name, getattr(data, spec.name))
        self.fields = dict(self.field_set.widgets)
        self.setMinimumWidth(440)

    def submit(self):
        return self._submit(self.field_set.read_all(self._data_class))


class ItemsPanel(QGroupBox):
    """A list of the dossier (table) with «Ajouter», «Modifier», «Supprimer».

    `run(command)` runs a situation command and returns the refusal, or None.
    """

    def __init__(
        self,
        title: str,
        name: str,
        noun: str,
        specs: tuple[FieldSpec, ...],
        data_class: type,
        kind: ItemKind,
        run: Callable[
            [Callable[[SituationService, SituationInfo], SituationInfo]], DomainError | None
        ],
    ) -> None:
        super().__init__(title)
        self.setObjectName(f"{name}Panel")
        self._name, self._noun, self._specs, self._data_class, self._kind, self._run = (
            name,
            noun,
            specs,
            data_class,
            kind,
            run,
        )
        layout = QVBoxLayout(self)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Ajouter")
        self.add_button.setObjectName(f"add{name[:1].upper()}{name[1:]}Button")
        self.edit_button = QPushButton("Modifier")
        self.edit_button.setObjectName(f"edit{name[:1].upper()}{name[1:]}Button")
        self.remove_button = QPushButton("Supprimer")
        self.remove_button.setObjectName(f"remove{name[:1].upper()}{name[1:]}Button")
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.total = set_role(QLabel(), "hint")
        self.total.setWordWrap(False)
        self.total.setObjectName(f"{name}Total")
        buttons.addWidget(self.total)
        layout.addLayout(buttons)
        self.model = TableModel(
            tuple(spec.label for spec in specs),
            frozenset(i for i, spec in enumerate(specs) if spec.kind == "amount"),
        )
        self.table = QTableView()
        self.table.setObjectName(f"{name}Table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(140)
        header = self.table.horizontalHeader()
        for column, spec in enumerate(specs):
            if spec.width:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
                self.table.setColumnWidth(column, spec.width)
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        layout.addWidget(self.table)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.remove_button.clicked.connect(self.remove)
        self._read_only = False

    def render(self, items, read_only: bool, total: str = "") -> None:
        self._read_only = read_only
        self.model.set_rows(
            list(items),
            [
                tuple(_cell(spec, getattr(item.data, spec.name)) for spec in self._specs)
                for item in items
            ],
        )
        self.total.setText(total)
        for button in (self.add_button, self.edit_button, self.remove_button):
            button.setEnabled(not read_only)

    def _selected(self):
        index = self.table.currentIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def _dialog(self, title: str, submit, data=None) -> ItemDialog:
        dialog = ItemDialog(
            self, title, f"{self._name}Dialog", self._specs, self._data_class, submit, data
        )
        dialog.open()
        return dialog

    def _raise_refusal(self, command) -> bool:
        refusal = self._run(command)
        if refusal is not None:
            raise refusal  # shown in the dialog, next to its field
        return True

    def add(self) -> ItemDialog:
        return self._dialog(
            f"Ajouter : {self._noun}",
            lambda data: self._raise_refusal(
                lambda s, d: s.save_item(d.id, d.version, self._kind, None, data)
            ),
        )

    def edit(self) -> ItemDialog | None:
        item = self._selected()
        if item is None or self._read_only:
            return None
        return self._dialog(
            f"Modifier : {self._noun}",
            lambda data: self._raise_refusal(
                lambda s, d: s.save_item(d.id, d.version, self._kind, item.id, data)
            ),
            item.data,
        )

    def remove(self):
        item = self._selected()
        if item is None or self._read_only:
            return None
        return confirm(
            self,
            f"remove{self._name[:1].upper()}{self._name[1:]}Dialog",
            "Supprimer la ligne",
            f"Supprimer cette ligne ({self._noun}) ?",
            "Supprimer",
            lambda: self._run(lambda s, d: s.remove_item(d.id, d.version, self._kind, item.id)),
        )
