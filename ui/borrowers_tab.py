"""«Emprunteurs»: the porteur de projet and the co-emprunteur, each field saved at once."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.dossier.household import BorrowerData
from app.dossier.household_service import HouseholdInfo
from app.errors import DomainError
from app.text import format_amount_input, parse_amount
from models.enums import Contract, DossierTab, MaritalStatus, MatrimonialRegime
from ui.common import ErrorLabel, comment_button, confirm, mark_invalid
from ui.widgets import DateField

_TEXT_FIELDS = (
    ("last_name", "Nom*"),
    ("first_name", "Prénom"),
    ("birth_name", "Nom de naissance"),
    ("birth_place", "Lieu de naissance"),
    ("nationality", "Nationalité"),
    ("address", "Adresse"),
    ("postal_code", "Code postal"),
    ("city", "Ville"),
    ("phone", "Téléphone"),
    ("email", "E-mail"),
    ("profession", "Profession"),
    ("employer", "Employeur"),
)
_AMOUNT_FIELDS = (
    ("net_monthly_income_cents", "Revenu net mensuel (€)"),
    ("other_income_cents", "Autres revenus mensuels (€)"),
    ("rental_income_cents", "Revenus locatifs mensuels (€)"),
)
_CHOICES = {
    "marital_status": ("Situation familiale", MaritalStatus),
    "matrimonial_regime": ("Régime matrimonial", MatrimonialRegime),
    "contract": ("Contrat de travail", Contract),
}


def _camel(name: str) -> str:
    head, *rest = name.removesuffix("_cents").split("_")
    return head + "".join(part.title() for part in rest)


class BorrowerForm(QGroupBox):
    """One borrower. Each field is saved when the user leaves it (or picks a value)."""

    def __init__(self, tab: BorrowersTab, rank: int, title: str) -> None:
        super().__init__(title)
        prefix = "holder" if rank == 1 else "coBorrower"
        self.setObjectName(f"{prefix}Form")
        self._tab, self.rank, self._prefix = tab, rank, prefix
        self._data: BorrowerData | None = None
        self._loading = False
        outer = QVBoxLayout(self)
        form = QFormLayout()
        self.widgets: dict[str, QWidget] = {}
        self.civility = QComboBox()
        self.civility.addItems(["", "Mme", "M."])
        self._register("civility", "Civilité", self.civility)
        form.addRow("Civilité", self.civility)
        for name, label in _TEXT_FIELDS[:2]:
            form.addRow(label, self._line(name, label))
        form.addRow("Nom de naissance", self._line("birth_name", "Nom de naissance"))
        self.birth_date = DateField(f"{prefix}BirthDate", "Date de naissance")
        self._register("birth_date", "Date de naissance", self.birth_date)
        form.addRow("Date de naissance", self.birth_date)
        for name, label in _TEXT_FIELDS[3:5]:
            form.addRow(label, self._line(name, label))
        for name in ("marital_status", "matrimonial_regime"):
            form.addRow(_CHOICES[name][0], self._combo(name))
        for name, label in _TEXT_FIELDS[5:]:
            form.addRow(label, self._line(name, label))
        form.addRow("Contrat de travail", self._combo("contract"))
        self.employed_since = DateField(f"{prefix}EmployedSince", "En poste depuis")
        self._register("employed_since", "En poste depuis", self.employed_since)
        form.addRow("En poste depuis", self.employed_since)
        for name, label in _AMOUNT_FIELDS:
            form.addRow(label, self._line(name, label))
        outer.addLayout(form)
        self.error = ErrorLabel(f"{prefix}Error")
        outer.addWidget(self.error)
        self.civility.currentIndexChanged.connect(lambda _i: self._save("civility"))
        self.birth_date.edited.connect(lambda _v: self._save("birth_date"))
        self.employed_since.edited.connect(lambda _v: self._save("employed_since"))

    def _register(self, name: str, label: str, widget: QWidget) -> None:
        widget.setObjectName(f"{self._prefix}{_camel(name)[0].upper()}{_camel(name)[1:]}")
        widget.setAccessibleName(label)
        self.widgets[name] = widget

    def _line(self, name: str, label: str) -> QLineEdit:
        edit = QLineEdit()
        self._register(name, label, edit)
        edit.editingFinished.connect(lambda: self._save(name))
        return edit

    def _combo(self, name: str) -> QComboBox:
        label, kind = _CHOICES[name]
        combo = QComboBox()
        combo.addItem("—", None)
        for member in kind:
            combo.addItem(member.label, member.value)
        self._register(name, label, combo)
        combo.currentIndexChanged.connect(lambda _i: self._save(name))
        return combo

    # --- showing ---

    def show_data(self, data: BorrowerData | None, read_only: bool) -> None:
        """Show the saved values; a field still holding a refused value keeps it."""
        self._data = data
        self._loading = True
        try:
            shown = data or BorrowerData(last_name="")
            for name in self._names():
                if name not in self._invalid:
                    self._write(name, getattr(shown, name))
            married = shown.marital_status is MaritalStatus.MARRIED
            for name, widget in self.widgets.items():
                widget.setEnabled(not read_only and (married or name != "matrimonial_regime"))
            if not self._invalid:
                self.error.clear_message()
        finally:
            self._loading = False

    def _names(self) -> list[str]:
        return list(self.widgets)

    def _write(self, name: str, value) -> None:
        widget = self.widgets[name]
        if name == "civility":
            widget.setCurrentText(value)
        elif name in _CHOICES:
            widget.setCurrentIndex(max(0, widget.findData(value.value if value else None)))
        elif isinstance(widget, DateField):
            widget.set_value(value)
        elif name.endswith("_cents"):
            widget.setText(format_amount_input(value))
        else:
            widget.setText(value)

    def _read(self, name: str):
        """The value a field holds now (raises DomainError for an unreadable amount)."""
        widget = self.widgets[name]
        if name == "civility":
            return widget.currentText()
        if name in _CHOICES:
            data = widget.currentData()
            return _CHOICES[name][1](data) if data else None
        if isinstance(widget, DateField):
            return widget.value()
        if name.endswith("_cents"):
            return parse_amount(widget.text(), field=name)
        return widget.text()

    # --- saving, field by field ---

    _invalid: set[str] = frozenset()  # type: ignore[assignment]

    def _save(self, name: str) -> None:
        if self._loading:
            return
        try:
            value = self._read(name)
        except DomainError as error:
            self.show_error(error)
            return
        base = self._data or self._pending()
        data = replace(base, **{name: value})
        if data == self._data:
            self._clear_invalid(name)
            return
        if self._data is None and not data.last_name.strip():
            return  # a new co-borrower is created once his name is typed; the rest waits
        self._tab.save_borrower(self, data, name)

    def _pending(self) -> BorrowerData:
        """A new co-borrower: everything readable typed so far."""
        values = {}
        for name in self._names():
            try:
                values[name] = self._read(name)
            except DomainError:
                continue
        return replace(BorrowerData(last_name=""), **values)

    def saved(self, name: str) -> None:
        self._clear_invalid(name)

    def _clear_invalid(self, name: str) -> None:
        if name in self._invalid:
            self._invalid = self._invalid - {name}
            mark_invalid(self.widgets[name], False)
        if not self._invalid:
            self.error.clear_message()

    def show_error(self, error: DomainError) -> None:
        """The refusal goes next to the form; what the user typed stays on screen."""
        widget = self.widgets.get(error.field or "")
        if widget is not None:
            mark_invalid(widget, True)
            self._invalid = self._invalid | {error.field}
        self.error.show_message(error.message)


class BorrowersTab(QWidget):
    def __init__(self, view) -> None:
        super().__init__()
        self.setObjectName("borrowersTab")
        self.view = view
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addStretch(1)
        self.add_comment_button = comment_button(lambda: view.open_comment(DossierTab.BORROWERS))
        top.addWidget(self.add_comment_button)
        layout.addLayout(top)
        columns = QHBoxLayout()
        self.holder = BorrowerForm(self, 1, "Porteur de projet")
        columns.addWidget(self.holder, 1)
        co_column = QVBoxLayout()
        self.co_borrower = BorrowerForm(self, 2, "Co-emprunteur")
        co_column.addWidget(self.co_borrower)
        self.add_co_button = QPushButton("Ajouter un co-emprunteur")
        self.add_co_button.setObjectName("addCoBorrowerButton")
        self.add_co_button.clicked.connect(self._add_co_borrower)
        self.remove_co_button = QPushButton("Retirer le co-emprunteur")
        self.remove_co_button.setObjectName("removeCoBorrowerButton")
        self.remove_co_button.clicked.connect(self._remove_co_borrower)
        co_column.addWidget(self.add_co_button)
        co_column.addWidget(self.remove_co_button)
        co_column.addStretch(1)
        columns.addLayout(co_column, 1)
        layout.addLayout(columns)
        layout.addStretch(1)

    def render(self, info: HouseholdInfo) -> None:
        self.holder.show_data(info.borrowers[0] if info.borrowers else None, info.read_only)
        co = info.co_borrower
        self.co_borrower.show_data(co, info.read_only)
        self.co_borrower.setVisible(co is not None or self._adding_co)
        self.add_co_button.setVisible(co is None and not self._adding_co and not info.read_only)
        self.remove_co_button.setVisible(co is not None and not info.read_only)
        self.add_comment_button.setEnabled(not info.read_only)

    _adding_co = False

    def _add_co_borrower(self) -> None:
        self._adding_co = True
        self.co_borrower.show()
        self.add_co_button.hide()
        self.co_borrower.widgets["last_name"].setFocus()

    def save_borrower(self, form: BorrowerForm, data: BorrowerData, field: str) -> None:
        form.saved(field)  # the value is readable; the service may still refuse it
        error = self.view.execute_household(
            lambda service, detail: service.save_borrower(
                detail.id, detail.version, form.rank, data
            )
        )
        if error is not None:
            form.show_error(error)
        elif form.rank == 2:
            self._adding_co = False

    def _remove_co_borrower(self) -> QMessageBox:
        return confirm(
            self,
            "removeCoBorrowerDialog",
            "Retirer le co-emprunteur",
            "Retirer le co-emprunteur de ce dossier ? Ses informations seront effacées.",
            "Retirer",
            lambda: self.view.execute_household(
                lambda service, detail: service.remove_co_borrower(detail.id, detail.version)
            ),
        )
