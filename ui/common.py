"""Small shared pieces of the screens: icons, labels, error display, the form-dialog pattern."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon
from PySide6.QtGui import Qt as QtText
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.operations import CONFLICT_KEPT, attempt, clear_refusal, show_refusal

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def icon(name: str) -> QIcon:
    return QIcon(str(RESOURCES / "icons" / f"{name}.svg"))


def style_sheet() -> str:
    """The application's style sheet, its images found in resources/icons wherever Dossia
    runs from."""
    text = (RESOURCES / "style.qss").read_text(encoding="utf-8")
    icons = (RESOURCES / "icons").as_posix()  # quoted: «C:/Program Files/…» has a space
    return re.sub(r"url\(icons/([^)]+)\)", lambda m: f'url("{icons}/{m.group(1)}")', text)


def set_role(label: QLabel, role: str) -> QLabel:
    label.setProperty("role", role)
    label.setWordWrap(True)
    return label


# What users type (names, addresses, reasons, file paths…) is never read as HTML. A QLabel,
# a message box or a tool tip takes a text that looks like HTML for HTML: a first name
# `<img src="//server/share/x.png">` would make Qt open that path (on Windows, an SMB
# connection that gives away the user's NTLM hash). So a label showing data is plain text
# (`plain`); a label that keeps its own markup around data escapes the data (`escape`) and
# says it is rich text (`rich`); a tool tip goes through `plain_tooltip`; a message box is
# built by `message_box`. Item views (tables, lists, combo boxes) show plain text already.


def escape(text: str) -> str:
    """User text placed inside a rich-text label."""
    return html.escape(text, quote=False)


def plain(label: QLabel) -> QLabel:
    """A label whose text is shown as it is, never read as HTML."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def rich(label: QLabel) -> QLabel:
    """A label that mixes its own markup with data: the data must go through `escape`."""
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def plain_tooltip(text: str) -> str:
    """A tool tip showing data, as typed: Qt reads a tool tip that looks like HTML as HTML,
    so such a text is given escaped (its line breaks kept); any other is left as it is."""
    return QtText.convertFromPlainText(text) if QtText.mightBeRichText(text) else text


def message_box(
    icon_kind: QMessageBox.Icon, title: str, text: str, parent: QWidget | None = None
) -> QMessageBox:
    """A message box whose text (and informative text) is plain text: messages carry names,
    numbers and paths."""
    box = QMessageBox(icon_kind, title, text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def number_field(edit: QLineEdit) -> QLineEdit:
    """An amount (or a rate, a duration) typed as in every accounting tool: aligned right,
    so that units sit under units."""
    edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    edit.setProperty("number", True)
    return edit


def field_name(text: str) -> QLabel:
    return set_role(QLabel(text), "fieldName")


def field_value(object_name: str) -> QLabel:
    """A value of a summary: plain text (a value that needs markup: `rich()` and `escape`)."""
    label = plain(set_role(QLabel(), "fieldValue"))
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def pencil_button(object_name: str, tooltip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName(object_name)
    button.setIcon(icon("pencil"))
    button.setProperty("pencil", True)
    button.setToolTip(tooltip)
    button.setAccessibleName(tooltip)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def push_button(object_name: str, text: str, slot) -> QPushButton:
    """A named button that calls `slot()` (without the «checked» argument Qt passes)."""
    button = QPushButton(text)
    button.setObjectName(object_name)
    button.clicked.connect(lambda _checked=False: slot())
    return button


def comment_button(slot) -> QPushButton:
    """«+ Commentaire», present on every tab that takes comments."""
    button = QPushButton("+ Commentaire")
    button.setObjectName("addCommentButton")
    button.setAccessibleName("Ajouter un commentaire")
    button.clicked.connect(slot)
    return button


def primary(button: QPushButton) -> QPushButton:
    button.setProperty("primary", True)
    return button


class WrappedLabel(QLabel):
    """A word-wrapped label that keeps the height its text needs at its actual width: the
    layouts under a splitter or in a scroll area would otherwise squeeze it to one line."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def _fit(self) -> None:
        needed = self.heightForWidth(self.width()) if self.text() else 0
        if needed != self.minimumHeight():
            self.setMinimumHeight(max(needed, 0))


def make_room(widget: QWidget) -> None:
    """A dialog grows to hold what just appeared in it (a message on two lines), rather than
    squeezing its fields: Qt lays a window out at its current size, whatever wraps."""
    window = widget.window()
    layout = window.layout()
    if not isinstance(window, QDialog) or layout is None:
        return
    layout.activate()
    width = window.width()
    needed = (
        layout.totalHeightForWidth(width)
        if layout.hasHeightForWidth()
        else layout.totalSizeHint().height()
    )
    if needed > window.height():
        window.resize(width, needed)


class ErrorLabel(QLabel):
    """A red message shown under the fields of a form; hidden while there is nothing to say."""

    def __init__(self, object_name: str = "errorLabel") -> None:
        super().__init__()
        self.setObjectName(object_name)
        set_role(self, "error")
        plain(self)  # messages quote what was typed
        self.setWordWrap(True)
        self.hide()

    def show_message(self, message: str) -> None:
        self.setText(message)
        self.setVisible(bool(message))
        if message:
            make_room(self)

    def clear_message(self) -> None:
        self.show_message("")


class FormDialog(QDialog):
    """A dialog whose «Valider» runs a service command.

    If the command raises a DomainError, its French message is shown in the dialog, next
    to the field it names, and the dialog stays open: nothing is lost, nothing is saved.
    Subclasses add their fields to `self.form` and define `submit()`, which runs the
    command and returns its result or raises DomainError.

    Signals:
        conflicted: the record changed elsewhere since the dialog opened; whoever opened it
            reloads it (the typed values stay in the dialog, to validate again).
    """

    conflicted = Signal()

    def __init__(
        self, parent: QWidget | None, title: str, object_name: str, ok_text: str = "Valider"
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWindowTitle(title)
        self.setModal(True)
        self.result_value: object = None
        self.fields: dict[str, QWidget] = {}
        outer = QVBoxLayout(self)
        self.form = QVBoxLayout()
        outer.addLayout(self.form)
        self.error = ErrorLabel()
        outer.addWidget(self.error)
        self.buttons = QDialogButtonBox()
        self.ok_button = primary(
            self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        )
        self.ok_button.setObjectName("okButton")
        self.ok_button.setDefault(True)
        cancel = self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("cancelButton")
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

    def _on_ok(self) -> None:
        clear_refusal(self.fields)
        for field in self.findChildren(QWidget):  # a date typed wrong is never sent as another
            problem = field.date_problem() if hasattr(field, "date_problem") else ""
            if problem:
                self.error.show_message(problem)
                field.edit.setFocus()
                return
        outcome = attempt(self.submit)  # type: ignore[attr-defined]
        refusal = outcome.refusal or outcome.gone
        if outcome.conflict is not None:
            self.conflicted.emit()
            self.error.show_message(CONFLICT_KEPT)
        elif refusal is not None:
            show_refusal(refusal, self.error, self.fields)
        else:
            self.result_value = outcome.value
            self.accept()


def confirm(
    parent: QWidget,
    name: str,
    title: str,
    text: str,
    action: str,
    on_confirm: Callable[[], object],
    details: str = "",
) -> QMessageBox:
    """Ask before a destructive action; «Annuler» is the default. Non-blocking (open())."""
    box = message_box(QMessageBox.Icon.Warning, title, text, parent)
    box.setObjectName(name)
    if details:
        box.setInformativeText(details)  # plain text too, like the text
    button = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    button.setObjectName("confirm" + name[0].upper() + name[1:].removesuffix("Dialog") + "Button")
    cancel = box.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.buttonClicked.connect(lambda clicked: on_confirm() if clicked is button else None)
    box.open()
    return box


def scrolling(widget: QWidget) -> QScrollArea:
    """A frameless scroll area around a tab's content."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


class TableModel(QAbstractTableModel):
    """The one read-only table of the screens: rows of already formatted cells, each row
    standing for an item (`item_at`). Columns in `right_aligned` (amounts) are aligned right.
    """

    def __init__(
        self,
        headers: tuple[str, ...],
        right_aligned: frozenset[int] = frozenset(),
        tooltips: bool = False,
    ) -> None:
        super().__init__()
        self._headers = headers
        self._right_aligned = right_aligned
        self._tooltips = tooltips  # each cell's whole text as its tool tip (cut columns)
        self._rows: list[tuple[str, ...]] = []
        self._items: list[object] = []

    def set_rows(self, items: list[object], rows: list[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self._items, self._rows = items, rows
        self.endResetModel()

    def set_table(
        self,
        headers: tuple[str, ...],
        rows: list[tuple[str, ...]],
        right_aligned: frozenset[int] = frozenset(),
    ) -> None:
        """Other columns and their rows, each row its own item."""
        self.beginResetModel()
        self._headers, self._right_aligned = headers, right_aligned
        self._items, self._rows = list(rows), rows
        self.endResetModel()

    def item_at(self, row: int):
        return self._items[row]

    def set_headers(self, headers: tuple[str, ...]) -> None:
        """New column titles (same number of columns)."""
        self._headers = headers
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(headers) - 1)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and self._tooltips:
            text = self._rows[index.row()][index.column()]
            return plain_tooltip(text) if text else None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self._right_aligned:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """`width` × `height`, or less on a smaller screen: a 1366 × 768 laptop keeps room for
    its task bar and the window's title bar."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is not None:
        available = screen.availableGeometry()
        width = min(width, available.width() - 16)
        height = min(height, available.height() - 48)
    window.resize(max(width, 400), max(height, 300))


class RememberedGeometry(QObject):
    """A window opens where and as large as this user left it on this computer (else at its
    default size, fitted to the screen); its place is kept when it is closed. A child of
    the window (no reference to it kept: the window goes when it is closed)."""

    def __init__(self, window: QWidget, workspace, name: str, size: tuple[int, int]) -> None:
        super().__init__(window)
        self._workspace, self._name = workspace, name
        self._shown = False
        fit_to_screen(window, *size)
        self._restore(window)
        window.installEventFilter(self)

    def _restore(self, window: QWidget) -> None:
        saved = self._workspace.machine.window_geometry(self._workspace.user.id, self._name)
        if saved:
            window.restoreGeometry(QByteArray.fromBase64(saved.encode("ascii")))

    def eventFilter(self, watched, event) -> bool:
        if watched is self.parent():
            if event.type() == QEvent.Type.Show and not self._shown:
                self._shown = True
                self._restore(watched)  # a window built in advance: where the last one was
            elif event.type() == QEvent.Type.Hide and self._shown and not event.spontaneous():
                self.keep(watched)
        return False

    def keep(self, window: QWidget) -> None:
        geometry = bytes(window.saveGeometry().toBase64().data()).decode("ascii")
        machine, user = self._workspace.machine, self._workspace.user
        attempt(lambda: machine.set_window_geometry(user.id, self._name, geometry))


class FirstPaint(QObject):
    """Calls back once, right after a widget's first paint (from the event loop)."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback
        self._widget = widget
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
        return False
