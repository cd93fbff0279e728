"""What the settings pages share: running a command, and the list of rows with its buttons.

`Page` runs a service command and shows its refusal the same way on every page (with
`ui.operations`): in the page's red message line, or in a warning box on a page without one.
`ListPage` adds the read-only tables (`ui.common.TableModel`), the row of buttons under them,
the selected row, the dialogs that re-show the rows they return, and «Désactiver / réactiver».
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableView,
    QWidget,
)

from ui.common import ErrorLabel, FormDialog, TableModel, message_box
from ui.operations import Outcome, attempt, clear_refusal, show_refusal

T = TypeVar("T")
D = TypeVar("D", bound=FormDialog)

Button = tuple[str, str, Callable[[], object]]
"""A button of a page: objectName, text, slot."""


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


def table_view(name: str, model: TableModel) -> QTableView:
    """A read-only list: whole rows selected one at a time, columns sized to their content."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class ListPage(Page):
    """A page of lists: `table` and `model` are its (first) list; a page with a second one
    passes that table to `selected` and `toggle_active`."""

    def __init__(
        self,
        object_name: str,
        table_name: str,
        headers: tuple[str, ...],
        error_name: str | None = None,
        refusal_title: str = "",
    ) -> None:
        super().__init__(object_name, error_name, refusal_title)
        self.model = TableModel(headers)
        self.table = table_view(table_name, self.model)
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
