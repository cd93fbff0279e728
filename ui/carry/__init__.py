"""Laptops that work offline (issue 11): «Emporter des dossiers», «Rapporter les dossiers au
bureau», «Dossiers emportés» — the menu entries and the main window's «Hors du bureau» line.

The screens only gather and show: what leaves, what comes back and how a difference is
settled are `app.carry.carry_service`'s. Their modules are imported when first opened (they
import the service, hence SQLAlchemy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QLabel, QMenu
from shiboken6 import isValid

from app.errors import DomainError
from app.paths import ServerLocation, parse_location
from app.text import format_datetime
from models.enums import Right
from ui.common import plain
from ui.workers import Background

if TYPE_CHECKING:
    from app.carry.carry_service import CarryInfo  # SQLAlchemy
    from ui.main_window import MainWindow

ALREADY_OUT = (
    "Des dossiers sont déjà emportés sur ce poste : rapportez-les d'abord "
    "(Outils › Rapporter les dossiers au bureau)."
)


def server_name(address: str) -> str:
    """The server as a broker knows it: its host («serveur:5432»), else the address."""
    try:
        location = parse_location(address, "serveur")
    except DomainError:
        return address
    if not isinstance(location, ServerLocation):
        return address
    name = location.host or "ce poste"
    return f"{name}:{location.port}" if location.port is not None else name


def banner_text(carry: CarryInfo) -> str:
    """«Hors du bureau — 3 dossiers emportés de serveur le 01/12/2026 à 09:30»."""
    count = carry.dossier_count
    dossiers = "1 dossier emporté" if count == 1 else f"{count} dossiers emportés"
    where = f" de {server_name(carry.server)}" if carry.server else ""
    return f"Hors du bureau — {dossiers}{where} le {format_datetime(carry.started_at)}"


class _Found:
    """What the background read found (a real object: see ui.workers._Outcome)."""

    def __init__(self, carry: CarryInfo | None) -> None:
        self.carry = carry


class CarryController:
    """The main window's part of issue 11: its Outils entries and its «Hors du bureau» line."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self.laptop: CarryInfo | None = None  # this window's office is a laptop's file
        self.banner = plain(QLabel())
        self.banner.setObjectName("offlineBanner")
        self.banner.setAccessibleName("Dossiers emportés hors du bureau")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.out_action: QAction | None = None
        self.return_action: QAction | None = None
        self._return_separator: QAction | None = None
        self._background: Background | None = None

    def start(self) -> None:
        """After the first paint: whether this office is a laptop's file, read in the
        background (the service's imports are SQLAlchemy's, not on the start path)."""
        workspace = self._window.workspace
        if workspace.server is not None or self._background is not None:
            return
        warm_up = self._window.warm_up
        self._background = Background(QThreadPool(self.banner))

        def read() -> object:
            warm_up.wait_done()  # its imports first: a dossier opened waits for them
            return _Found(workspace.carries.laptop_carry())

        self._background.run(read, self._laptop_known, self._read_failed)

    def wait(self) -> None:
        """Before the database is closed: the read finished."""
        if self._background is not None:
            self._background.wait(5000)

    def _read_failed(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):  # a refusal (the office closed meanwhile):
            raise error  # the line stays hidden; anything else is a bug

    def _laptop_known(self, found: object) -> None:
        assert isinstance(found, _Found)
        if found.carry is None or not isValid(self.banner):
            return
        self.laptop = found.carry
        self.banner.setText(banner_text(found.carry))
        self.banner.setToolTip(
            "Ces dossiers sont sur ce portable ; au bureau ils restent en lecture seule "
            "jusqu'à leur retour (Outils › Rapporter les dossiers au bureau…)."
        )
        self.banner.show()
        for action in (self._return_separator, self.return_action):
            if action is not None:
                action.setVisible(True)

    def add_actions(self, menu: QMenu) -> None:
        """«Emporter des dossiers…» and, for a manager, «Dossiers emportés…» on a server's
        office; in a file, «Rapporter les dossiers au bureau…», shown once `start` found
        that it is a laptop's."""
        workspace = self._window.workspace
        if workspace.server is None:
            self._return_separator = menu.addSeparator()
            self._return_separator.setVisible(False)
            self.return_action = self._add(
                menu, "carryReturnAction", "&Rapporter les dossiers au bureau…", self.open_return
            )
            self.return_action.setStatusTip(
                "Écrire au bureau ce que vous avez fait hors du bureau, puis rouvrir le serveur"
            )
            self.return_action.setVisible(False)
            return
        menu.addSeparator()
        menu.setToolTipsVisible(True)
        self.out_action = self._add(
            menu, "carryOutAction", "&Emporter des dossiers…", self.open_check_out
        )
        self.out_action.setStatusTip(
            "Copier vos dossiers sur ce portable pour y travailler sans réseau"
        )
        self.refresh_out_action()
        if workspace.user.can(Right.EDIT_ALL_DOSSIERS):
            self._add(menu, "carriesAction", "Dossiers emp&ortés…", self.open_carries)

    def _add(self, menu: QMenu, name: str, text: str, slot) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def holds_check_out(self) -> bool:
        """This computer keeps dossiers taken away from this server already."""
        paths = self._window.workspace.carries.carry_file()
        return paths.database.exists()

    def refresh_out_action(self) -> None:
        if self.out_action is None:
            return
        held = self.holds_check_out()
        self.out_action.setEnabled(not held)
        self.out_action.setToolTip(ALREADY_OUT if held else "")

    def selected_dossiers(self) -> set[int]:
        """The dossiers selected in the Clients list."""
        window = self._window
        return {
            window.model.id_at(index.row())
            for index in window.table.selectionModel().selectedRows()
        }

    def open_check_out(self) -> QDialog:
        from ui.carry.check_out import CarryOutDialog

        dialog = CarryOutDialog(self._window, self.selected_dossiers())
        dialog.finished.connect(lambda _result: self.refresh_out_action())
        dialog.open()
        return dialog

    def open_return(self) -> QDialog:
        from ui.carry.bring_back import CarryReturnDialog

        assert self.laptop is not None
        dialog = CarryReturnDialog(self._window, self.laptop)
        dialog.open()
        return dialog

    def open_carries(self) -> QDialog:
        from ui.carry.carries import CarriesDialog

        dialog = CarriesDialog(self._window, self._window.workspace)
        dialog.open()
        return dialog
