"""The page of a carry dialog while dossiers leave or come back: a bar and «Annuler».

The worker only writes two numbers and reads a flag (`progress`); a timer in the GUI thread
shows them, so no widget is touched from the worker (as ui.migration_ui does).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ui.common import plain, set_role


class ProgressPage(QWidget):
    """`start(text)`, then the worker calls `progress(done, total)` until `stop()`."""

    def __init__(self, prefix: str, hint: str, cancelling: str) -> None:
        super().__init__()
        self.setObjectName(f"{prefix}ProgressPage")
        self._cancel = threading.Event()
        self._done_total = (0, 0)
        self._cancelling = cancelling
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._show)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.label = plain(QLabel())
        self.label.setObjectName(f"{prefix}ProgressLabel")
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.bar = QProgressBar()
        self.bar.setObjectName(f"{prefix}ProgressBar")
        self.bar.setRange(0, 100)
        layout.addWidget(self.bar)
        note = set_role(QLabel(hint), "hint")
        layout.addWidget(note)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.setObjectName(f"{prefix}CancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        layout.addStretch(1)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self, text: str) -> None:
        self._cancel.clear()
        self._done_total = (0, 0)
        self.bar.setValue(0)
        self.label.setText(text)
        self.cancel_button.setEnabled(True)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def progress(self, done: int, total: int) -> bool:
        """Called from the worker thread: False once «Annuler» was clicked."""
        self._done_total = (done, total)
        return not self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()
        self.cancel_button.setEnabled(False)
        self.label.setText(self._cancelling)

    def _show(self) -> None:
        done, total = self._done_total
        if total:
            self.bar.setValue(int(done * 100 / total))
