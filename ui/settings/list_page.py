"""What the settings pages share: running a command, and the list of rows with its buttons.

`Page` runs a service command and shows its refusal the same way on every page (with
`ui.operations`): in the page's red message line, or in a warning box on a page without one.
`ListPage` adds the read-only tables (`ui.common.TableModel`), the row of buttons under them,
the selected row, the dialogs that re-show the rows they return, and «Désactiver / réactiver».

The look they share: a list's columns fit their content but for one that takes the width
left (its names), an empty list says what to do (`EmptyHint`), and a form's fields keep a
readable width (`form_layout`, `FIELD_WIDTH`) with their labels in one column on the right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QTableView,
    QWidget,
)

from ui.columns import ColumnFitter, read_only_table
from ui.common import ErrorLabel, FormDialog, TableModel, message_box, plain, set_role
from ui.operations import Outcome, attempt, clear_refusal, show_refusal

T = TypeVar("T")
D = TypeVar("D", bound=FormDialog)

Button = tuple[str, str, Callable[[], object]]
"""A button of a page: objectName, text, slot."""

FIELD_WIDTH = 480
"""The widest a field of a settings form grows (an address, a name); shorter data, less."""
TEXT_WIDTH = 760
"""The widest a page's explanations and forms spread: lines stay readable."""


class WarningBox:
    """The message line of a page that has none: a refusal opens a warning box."""

    def __init__(self, parent: QWidget, title: str) -> None:
        self._parent = parent
        self._title = title

    def show_message(self, message: str) -> None:
        if message:  # it may quote what was typed: plain text
            message_box(QMessageBox.Icon.Warning, self._title, message, self._parent).exec()

    def clear_message(self) -> None:
        pass


class Page(QWidget):
    """A settings page that runs service commands.

    `error` is the page's `ErrorLabel` (named `error_name`, placed by the page in its layout)
    or, without a name, a `WarningBox` titled `refusal_title`. `fields` maps the field names
    a refusal may name to the page's own input widgets (a form page), to mark them.
    """

    def __init__(
        self, object_name: str, error_name: str | None = None, refusal_title: str = ""
    ) -> None:
        super().__init__()
        self.setObjectName(object_name)
        self.error: ErrorLabel | WarningBox = (
            ErrorLabel(error_name) if error_name else WarningBox(self, refusal_title)
        )
        self.fields: dict[str, QWidget] = {}

    def run(
        self, command: Callable[[], T], then: Callable[[T], object] | None = None
    ) -> Outcome[T]:
        """Run `command`: refused (or the record changed or vanished meanwhile), its message
        is shown and the field it names marked, what the page shows stays as it is;
        otherwise the message is cleared and `then` receives the result."""
        clear_refusal(self.fields)
        outcome = attempt(command)
        problem = outcome.problem
        if problem is not None:
            show_refusal(problem, self.error, self.fields)
            return outcome
        self.error.clear_message()
        if then is not None:
            then(outcome.value)  # type: ignore[arg-type]
        return outcome


def table_view(name: str, model: TableModel, stretch: int | None = 0) -> QTableView:
    """A read-only list: whole rows selected one at a time, columns sized by `ColumnFitter`
    (column `stretch`, the names, taking the width left)."""
    table = read_only_table(name, model)
    table.setWordWrap(False)
    table.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    ColumnFitter(table, stretch)
    return table


class EmptyHint(QLabel):
    """What to do while a list has no row, written over its empty rows (not over its
    header: the columns still say what the list will hold)."""

    def __init__(self, table: QTableView, name: str, text: str) -> None:
        super().__init__(text, table.viewport())
        self.setObjectName(name)
        plain(set_role(self, "hint"))
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._table = table
        table.viewport().installEventFilter(self)
        model = table.model()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self.follow)
        self.follow()

    def follow(self) -> None:
        """Shown while the list is empty, hidden as soon as it has a row."""
        self.setVisible(self._table.model().rowCount() == 0)
        self._place()

    def _place(self) -> None:
        area = self._table.viewport().rect()
        width = min(area.width() - 48, 560)
        self.setGeometry((area.width() - width) // 2, 32, width, max(area.height() - 48, 40))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False


def form_layout() -> QFormLayout:
    """A settings form: labels right-aligned in their column, fields as wide as their data
    needs up to `FIELD_WIDTH` (each capped by `capped`), the whole kept to the left."""
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    return form


W = TypeVar("W", bound=QWidget)


def capped(widget: W, width: int = FIELD_WIDTH) -> W:
    """A form field no wider than `width` (the form's cap by default)."""
    widget.setMaximumWidth(width)
    return widget


def short_combo(combo: QComboBox, characters: int = 18) -> QComboBox:
    """A list of choices with long entries that does not widen its page: as wide as
    `characters` at least, its open list as wide as its entries."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
    return combo


def roomy_screen(widget: QWidget) -> bool:
    """The screen is wide enough (in its own points) to show two lists side by side."""
    screen = widget.screen()
    return screen is None or screen.availableGeometry().width() >= 1200


def section_title(text: str) -> QLabel:
    """The title of one of a page's lists (a page with several, or a list beside forms)."""
    label = QLabel(text)
    label.setProperty("role", "sectionTitle")
    return label


def natural_width(widget: W) -> W:
    """A widget (a button in a form's field column) as wide as its text, no wider."""
    widget.setSizePolicy(QSizePolicy.Policy.Fixed, widget.sizePolicy().verticalPolicy())
    return widget


def align_labels(*forms: QFormLayout) -> None:
    """Several forms (one per group box) with their label columns equally wide, so that
    their fields start on one line."""
    labels: list[QLabel] = []
    for form in forms:
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            if isinstance(label, QLabel):
                labels.append(label)
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class ListPage(Page):
    """A page of lists: `table` and `model` (a `TableModel` of `headers`, or `model`) are its
    (first) list, column `stretch` taking the width left; a page with a second one passes
    that table to `selected` and `toggle_active`."""

    def __init__(
        self,
        object_name: str,
        table_name: str,
        headers: tuple[str, ...],
        error_name: str | None = None,
        refusal_title: str = "",
        stretch: int | None = 0,
        model: TableModel | None = None,
    ) -> None:
        super().__init__(object_name, error_name, refusal_title)
        self.model = TableModel(headers) if model is None else model
        self.table = table_view(table_name, self.model, stretch)
        self.buttons: dict[str, QPushButton] = {}

    def button_row(self, buttons: Iterable[Button], stretch: bool = True) -> QHBoxLayout:
        """The buttons under a list, left-aligned unless `stretch` is False (then they share
        the width)."""
        row = QHBoxLayout()
        for name, text, slot in buttons:
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[name] = button
        if stretch:
            row.addStretch(1)
        return row

    def selected(self, table: QTableView | None = None) -> Any:
        """The row chosen in `table` (the page's list by default), or None."""
        table = self.table if table is None else table
        index = table.currentIndex()
        model = table.model()
        if not index.isValid() or not isinstance(model, TableModel):
            return None
        return model.item_at(index.row())

    def open_dialog(self, dialog: D, show: Callable[[Any], object] | None = None) -> D:
        """Open `dialog` (non-blocking); once accepted, `show` receives the rows it returned."""
        if show is not None:
            dialog.accepted.connect(lambda: show(dialog.result_value))
        dialog.open()
        return dialog

    def toggle_active(
        self,
        set_active: Callable[[int, bool], T],
        show: Callable[[T], object],
        table: QTableView | None = None,
    ) -> None:
        """«Désactiver / réactiver» the selected row; `show` receives the rows returned."""
        row = self.selected(table)
        if row is not None:
            self.run(lambda: set_active(row.id, not row.is_active), show)
