"""Reusable widgets of the dossier screens: progress gauge, French date field, rich note."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QTextCharFormat,
    QTextListFormat,
)
from PySide6.QtWidgets import (
    QCalendarWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from app.dossier.readmodels import StepInfo
from app.errors import DomainError
from app.richtext import sanitize
from app.text import FIRST_DATE, LAST_DATE, format_date, parse_date
from ui.common import make_room, plain_tooltip

_BLUE = QColor("#1f5fbf")
_GREEN = QColor("#2e7d4f")
_TRACK = QColor("#e3e8ef")
_TEXT = QColor("#33445a")
_MUTED = QColor("#8a96a6")


class ProgressGauge(QWidget):
    """A bar filled up to the current step's percentage, with a marker per step."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("progressGauge")
        self.setMinimumHeight(74)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._steps: tuple[StepInfo, ...] = ()
        self._current = 0

    def set_steps(self, steps: tuple[StepInfo, ...], current_index: int) -> None:
        self._steps = steps
        self._current = current_index
        step = self.current_step
        text = f"Étape : {step.name} ({step.percent} %)" if step else ""
        self.setToolTip(plain_tooltip(text))  # the names are painted as plain text (drawText)
        self.setAccessibleName(text)
        self.update()

    @property
    def current_step(self) -> StepInfo | None:
        return self._steps[self._current] if self._steps else None

    def sizeHint(self) -> QSize:
        return QSize(420, 74)

    def paintEvent(self, _event) -> None:
        """A stepper: one node per step, evenly spaced, filled up to the current step."""
        if not self._steps:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        count = len(self._steps)
        column = self.width() / count
        centers = [column * (i + 0.5) for i in range(count)]
        y = 16.0
        done = self._steps[self._current].percent >= 100
        color = _GREEN if done else _BLUE
        track = QPainterPath()
        track.addRoundedRect(QRectF(centers[0], y - 3, centers[-1] - centers[0], 6), 3, 3)
        painter.fillPath(track, _TRACK)
        if self._current:
            filled = QPainterPath()
            width = centers[self._current] - centers[0]
            filled.addRoundedRect(QRectF(centers[0], y - 3, width, 6), 3, 3)
            painter.fillPath(filled, color)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        for index, (step, x) in enumerate(zip(self._steps, centers, strict=True)):
            reached = index <= self._current
            radius = 9.0 if index == self._current else 7.0
            painter.setPen(QPen(QColor("#ffffff"), 2))
            painter.setBrush(color if reached else _TRACK)
            painter.drawEllipse(QRectF(x - radius, y - radius, 2 * radius, 2 * radius))
            label = QFont(small)
            label.setBold(index == self._current)
            painter.setFont(label)
            painter.setPen(_TEXT if reached else _MUTED)
            painter.drawText(
                QRectF(x - column / 2 + 2, y + 14, column - 4, 44),
                int(
                    Qt.AlignmentFlag.AlignHCenter
                    | Qt.AlignmentFlag.AlignTop
                    | Qt.TextFlag.TextWordWrap
                ),
                f"{step.name}\n{step.percent} %",
            )
        painter.end()


class DateField(QWidget):
    """A French date field that may be left empty: typed as the user types dates
    («15/03/1985», «15031985», «15.03.85», «15 3 1985»), shown dd/mm/yyyy, or picked in a
    calendar opening on the date, else on `calendar_year` (a birth date: a plausible year)
    or today. A wrong date says why beside the field and is neither kept nor sent; Suppr
    or Retour arrière on the selected text empties the field (like ✕).

    Signals:
        edited(object): the user chose a date (datetime.date) or cleared it (None).
    """

    edited = Signal(object)

    def __init__(
        self,
        object_name: str,
        accessible_name: str,
        optional: bool = True,
        calendar_year: int | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName(object_name + "Field")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        layout = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)  # the calendar and clear buttons close to their field
        outer.addLayout(layout)
        self.edit = QLineEdit()
        self.edit.setObjectName(object_name)
        self.edit.setAccessibleName(accessible_name)
        self.edit.setPlaceholderText("jj/mm/aaaa")
        self.edit.setMaxLength(12)
        self.edit.setFixedWidth(
            max(92, self.edit.fontMetrics().horizontalAdvance("00/00/0000") + 22)
        )
        layout.addWidget(self.edit)
        self.calendar_button = QToolButton()
        self.calendar_button.setObjectName(object_name + "Calendar")
        self.calendar_button.setText("▾")
        self.calendar_button.setToolTip("Choisir dans le calendrier")
        self.calendar_button.setAccessibleName(f"Calendrier : {accessible_name}")
        self.calendar_button.setAutoRaise(True)
        self.calendar_button.setFixedWidth(22)
        self.calendar_button.clicked.connect(lambda _c=False: self.open_calendar())
        layout.addWidget(self.calendar_button)
        self.clear_button = QToolButton()
        self.clear_button.setObjectName(object_name + "Clear")
        self.clear_button.setText("✕")
        self.clear_button.setToolTip("Effacer la date")
        self.clear_button.setAccessibleName(f"Effacer : {accessible_name}")
        self.clear_button.setAutoRaise(True)
        self.clear_button.setFixedWidth(22)
        self._optional = optional
        self.clear_button.setVisible(optional)
        self.clear_button.clicked.connect(self._clear)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self.error = QLabel()
        self.error.setObjectName(object_name + "Error")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setProperty("role", "error")
        self.error.hide()
        outer.addWidget(self.error)
        self._calendar_year = calendar_year
        self._committed: dt.date | None = None
        self.calendar: QCalendarWidget | None = None
        self.edit.editingFinished.connect(self._commit)

    # --- values ---

    def value(self) -> dt.date | None:
        """The date shown (typed, not yet committed, included); a wrong one: the last good
        value (the field says what is wrong; `date_problem` tells a form)."""
        try:
            return parse_date(self.edit.text())
        except DomainError:
            return self._committed

    def date_problem(self) -> str:
        """Why the text typed is not a date («» when it is one, or empty)."""
        try:
            parse_date(self.edit.text())
        except DomainError as error:
            return error.message
        return ""

    def set_value(self, value: dt.date | None) -> None:
        """Show a saved value (does not emit `edited`)."""
        self._committed = value
        self.edit.setText(format_date(value))
        self._show_problem("")

    def set_date(self, value: dt.date | None) -> None:
        """Enter a value as the user would (emits `edited` if it changed)."""
        self.edit.setText(format_date(value))
        self._commit()

    def _clear(self) -> None:
        self.set_date(None)

    def _commit(self) -> None:
        problem = self.date_problem()
        self._show_problem(problem)
        if problem:
            return
        value = parse_date(self.edit.text())
        self.edit.setText(format_date(value))  # «15031985» shown 15/03/1985
        if value != self._committed:
            self._committed = value
            self.edited.emit(value)

    def _show_problem(self, problem: str) -> None:
        self.error.setText(problem)
        self.error.setVisible(bool(problem))
        if problem:
            make_room(self)
        self.edit.setProperty("invalid", bool(problem))
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)

    # --- the calendar ---

    def open_calendar(self) -> QCalendarWidget:
        """The calendar under the field, on the date shown, else on a plausible month."""
        menu = QMenu(self)
        calendar = QCalendarWidget()
        calendar.setObjectName(self.edit.objectName() + "CalendarWidget")
        calendar.setGridVisible(True)
        calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        calendar.setMinimumDate(QDate(FIRST_DATE.year, 1, 1))
        calendar.setMaximumDate(QDate(LAST_DATE.year, 12, 31))
        shown = self.value()
        if shown is None:
            today = dt.date.today()
            shown = today.replace(year=self._calendar_year) if self._calendar_year else today
            if shown.month == 2 and shown.day == 29:
                shown = shown.replace(day=28)
        calendar.setCurrentPage(shown.year, shown.month)
        if self.value() is not None:
            calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))
        action = QWidgetAction(menu)
        action.setDefaultWidget(calendar)
        menu.addAction(action)

        def chosen(date: QDate) -> None:
            menu.close()
            self.set_date(dt.date(date.year(), date.month(), date.day()))

        calendar.clicked.connect(chosen)
        calendar.activated.connect(chosen)
        self.calendar = calendar
        menu.popup(self.edit.mapToGlobal(self.edit.rect().bottomLeft()))
        return calendar

    def setEnabled(self, enabled: bool) -> None:
        self.edit.setEnabled(enabled)
        self.calendar_button.setEnabled(enabled)
        self.clear_button.setVisible(enabled and self._optional)


class _RichTextEdit(QTextEdit):
    """The editing area: Ctrl+B / Ctrl+I / Ctrl+U toggle the formatting buttons; a paste
    keeps only the allowed formatting (no images, no styles), like the saved text will."""

    def __init__(self, owner: RichTextEditor) -> None:
        super().__init__()
        self._owner = owner

    def keyPressEvent(self, event) -> None:
        for key, button in (
            (QKeySequence.StandardKey.Bold, self._owner.bold),
            (QKeySequence.StandardKey.Italic, self._owner.italic),
            (QKeySequence.StandardKey.Underline, self._owner.underline),
        ):
            if event.matches(key) and not self.isReadOnly():
                button.click()
                return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source) -> None:
        if source.hasHtml():
            cleaned = sanitize(source.html())
            if cleaned:
                self.textCursor().insertHtml(cleaned)
                return
        if source.hasText():
            self.textCursor().insertText(source.text())
        elif source.hasImage():
            self._owner.pasteRefused.emit(
                "Les images ne peuvent pas être collées ici : joignez-les au dossier dans « Documents »."
            )


class RichTextEditor(QFrame):
    """Rich text limited to what Dossia stores: bold, italic, underline (and bullets).

    Signals:
        pasteRefused(str): what was pasted cannot be kept (an image): tell the user.
    """

    pasteRefused = Signal(str)

    def __init__(
        self, prefix: str, editor_name: str, accessible: str, bullets: bool = False
    ) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.bold = self._format_button(f"{prefix}BoldButton", "G", "Gras (Ctrl+B)", bold=True)
        self.italic = self._format_button(
            f"{prefix}ItalicButton", "I", "Italique (Ctrl+I)", italic=True
        )
        self.underline = self._format_button(
            f"{prefix}UnderlineButton", "S", "Souligné (Ctrl+U)", underline=True
        )
        self.buttons = [self.bold, self.italic, self.underline]
        if bullets:
            self.bullets = self._format_button(f"{prefix}BulletsButton", "• Liste", "Liste à puces")
            self.bullets.clicked.connect(self._toggle_bullets)
            self.buttons.append(self.bullets)
        for button in self.buttons:
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.editor = _RichTextEdit(self)
        self.editor.setObjectName(editor_name)
        self.editor.setAccessibleName(accessible)
        self.editor.setAcceptRichText(True)
        layout.addWidget(self.editor)
        self.bold.clicked.connect(
            lambda on: self._apply(
                lambda f: f.setFontWeight(QFont.Weight.Bold if on else QFont.Weight.Normal)
            )
        )
        self.italic.clicked.connect(lambda on: self._apply(lambda f: f.setFontItalic(on)))
        self.underline.clicked.connect(lambda on: self._apply(lambda f: f.setFontUnderline(on)))
        self.editor.currentCharFormatChanged.connect(self._sync_buttons)

    def _format_button(
        self, name: str, text: str, tip: str, bold=False, italic=False, underline=False
    ) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setCheckable(True)
        button.setProperty("format", True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        font = button.font()
        font.setBold(bold)
        font.setItalic(italic)
        font.setUnderline(underline)
        button.setFont(font)
        return button

    def _apply(self, change) -> None:
        fmt = QTextCharFormat()
        change(fmt)
        self.editor.mergeCurrentCharFormat(fmt)
        self.editor.setFocus()

    def _toggle_bullets(self, on: bool) -> None:
        cursor = self.editor.textCursor()
        current = cursor.currentList()
        if on and current is None:
            cursor.createList(QTextListFormat.Style.ListDisc)
        elif not on and current is not None:
            block = cursor.blockFormat()
            current.remove(cursor.block())
            block.setIndent(0)
            cursor.setBlockFormat(block)
        self.editor.setFocus()

    def _sync_buttons(self, fmt: QTextCharFormat) -> None:
        self.bold.setChecked(fmt.fontWeight() >= QFont.Weight.DemiBold)
        self.italic.setChecked(fmt.fontItalic())
        self.underline.setChecked(fmt.fontUnderline())
        if hasattr(self, "bullets"):
            self.bullets.setChecked(self.editor.textCursor().currentList() is not None)

    def set_read_only(self, read_only: bool) -> None:
        self.editor.setReadOnly(read_only)
        for button in self.buttons:
            button.setEnabled(not read_only)

    def html(self) -> str:
        return self.editor.toHtml()


class NoteEditor(RichTextEditor):
    """«Note interne»: fills the room its panel is given (its own scroll bar beyond); saved
    automatically shortly after typing stops, and whenever `flush()` is called (closing
    the window does).

    Signals:
        saveRequested(str): the HTML to save (debounced).
    """

    saveRequested = Signal(str)
    DEBOUNCE_MS = 700

    def __init__(self) -> None:
        super().__init__("note", "internalNote", "Note interne")
        self.editor.setPlaceholderText("Notes internes au cabinet (non transmises à la banque)…")
        self.editor.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.editor.setMinimumHeight(90)
        self.editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)
        self._dirty = False
        self.editor.textChanged.connect(self._on_changed)

    def _on_changed(self) -> None:
        if self.editor.isReadOnly():
            return
        self._dirty = True
        self._timer.start()

    @property
    def dirty(self) -> bool:
        return self._dirty

    def set_html(self, markup: str) -> None:
        """Show the saved note, unless the user has unsaved typing in it.

        Saved notes are sanitized already; what is shown is sanitized again (it changes
        nothing then), so that no stored markup can make the editor load an image or a link.
        """
        if self._dirty:
            return
        self.editor.blockSignals(True)
        self.editor.setHtml(sanitize(markup))
        self.editor.blockSignals(False)

    def flush(self) -> None:
        """Save now if there is unsaved typing."""
        self._timer.stop()
        if self._dirty:
            self._dirty = False
            self.saveRequested.emit(self.editor.toHtml())

    def mark_unsaved(self) -> None:
        """The save failed: keep the text and try again at the next change or flush."""
        self._dirty = True
