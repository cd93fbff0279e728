"""The differences «Rapporter» found between the office and the laptop: one row per field
changed on both sides, the broker keeping one value or the other (both are kept with the
dossier). A value cell works as a radio button: clicking it keeps that version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from ui.common import plain_tooltip

if TYPE_CHECKING:
    from app.carry.carry_service import ConflictView  # SQLAlchemy

HEADERS = ("Dossier", "Rubrique / champ", "Au bureau", "Sur ce portable")
OFFICE_COLUMN, LAPTOP_COLUMN = 2, 3
KEPT = QColor("#e3f1e6")  # the version kept
SHOWN_CHARACTERS = 80  # a long note is cut in the cell, whole in its tool tip


class ConflictModel(QAbstractTableModel):
    """Signals:
    choicesChanged(): a version was chosen (`complete` may have changed).
    """

    choicesChanged = Signal()

    def __init__(self, office: str, laptop: str) -> None:
        super().__init__()
        self._sides = {OFFICE_COLUMN: office, LAPTOP_COLUMN: laptop}  # the service's words
        self._rows: list[ConflictView] = []
        self._choices: dict[str, str] = {}

    def set_conflicts(
        self, conflicts: Sequence[ConflictView], kept: Mapping[str, str] | None = None
    ) -> None:
        """New conflicts; the choices already made for those still there are kept."""
        self.beginResetModel()
        self._rows = list(conflicts)
        keys = {row.key for row in self._rows}
        self._choices = {key: side for key, side in (kept or {}).items() if key in keys}
        self.endResetModel()
        self.choicesChanged.emit()

    @property
    def choices(self) -> dict[str, str]:
        return dict(self._choices)

    @property
    def complete(self) -> bool:
        return all(row.key in self._choices for row in self._rows)

    @property
    def chosen_count(self) -> int:
        return sum(row.key in self._choices for row in self._rows)

    def choose(self, row: int, column: int) -> None:
        """Keep the version of that column (office or laptop) for that row."""
        if column not in self._sides:
            return
        self._choices[self._rows[row].key] = self._sides[column]
        self.dataChanged.emit(self.index(row, OFFICE_COLUMN), self.index(row, LAPTOP_COLUMN))
        self.choicesChanged.emit()

    def choose_all(self, column: int) -> None:
        for row in range(len(self._rows)):
            self._choices[self._rows[row].key] = self._sides[column]
        if self._rows:
            self.dataChanged.emit(
                self.index(0, OFFICE_COLUMN), self.index(len(self._rows) - 1, LAPTOP_COLUMN)
            )
        self.choicesChanged.emit()

    def kept_at(self, row: int) -> str | None:
        return self._choices.get(self._rows[row].key)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def _text(self, index) -> str:
        row = self._rows[index.row()]
        return (row.dossier_number, row.what, row.office, row.laptop)[index.column()]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        column = index.column()
        text = self._text(index)
        if role == Qt.ItemDataRole.DisplayRole:
            flat = " ".join(text.split())
            cut = len(flat) > SHOWN_CHARACTERS
            return flat[: SHOWN_CHARACTERS - 1] + "…" if cut else flat
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in self._sides:
                return plain_tooltip(f"Garder cette version : {text}" if text else "")
            return plain_tooltip(text) if text else None
        if column not in self._sides:
            return None
        kept = self.kept_at(index.row()) == self._sides[column]
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if kept else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.BackgroundRole and kept:
            return QBrush(KEPT)
        if role == Qt.ItemDataRole.FontRole and kept:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            side = "au bureau" if column == OFFICE_COLUMN else "sur ce portable"
            return f"{text}, {side}{', gardée' if kept else ''}"
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        """A check box ticked keeps that version; unticking it does nothing (choose the
        other one instead), as with radio buttons."""
        if role != Qt.ItemDataRole.CheckStateRole or index.column() not in self._sides:
            return False
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self.choose(index.row(), index.column())
        return True

    def flags(self, index):
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in self._sides:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None
