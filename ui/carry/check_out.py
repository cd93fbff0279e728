"""Outils › «Emporter des dossiers…» (issue 11, on the office's server): the broker ticks his
dossiers, names this laptop's prefix and gives his password; the dossiers are copied into
an encrypted file of this computer, read-only at the office until they come back."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.errors import Cancelled, DomainError
from app.text import fold
from ui.carry.progress import ProgressPage
from ui.common import ErrorLabel, plain, primary, rich, set_role
from ui.documents_tab import file_size
from ui.operations import clear_refusal, show_refusal
from ui.workers import Background

if TYPE_CHECKING:
    from app.carry.carry_service import Candidate, CheckedOut  # SQLAlchemy
    from ui.main_window import MainWindow

INTRO = (
    "<b>Emporter des dossiers sur ce portable</b><br>"
    "Les dossiers cochés sont copiés en entier (emprunteurs, simulations, documents, "
    "factures) sur ce poste, chiffrés par votre mot de passe : vous y travaillez sans réseau. "
    "Au bureau, ils restent consultables mais ne peuvent plus être modifiés jusqu'à leur "
    "retour (Outils › Rapporter les dossiers au bureau)."
)
PREFIX_HINT = (
    "Les dossiers et factures créés hors du bureau porteront ce préfixe («\u00a0P1-2026-00012\u00a0»)\u00a0: "
    "leurs numéros ne rencontreront jamais ceux du cabinet."
)
HEADERS = ("N° de dossier", "Porteur de projet", "Statut", "Étape")


class CandidateModel(QAbstractTableModel):
    """The dossiers that may leave, each with its check box (first column)."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Candidate] = []
        self._checked: set[int] = set()

    def set_candidates(self, candidates: list[Candidate], checked: set[int]) -> None:
        self.beginResetModel()
        self._rows = candidates
        self._checked = {row.id for row in candidates} & checked
        self.endResetModel()

    @property
    def checked(self) -> list[int]:
        return [row.id for row in self._rows if row.id in self._checked]

    def candidate(self, key: int) -> Candidate:
        return next(row for row in self._rows if row.id == key)

    def set_checked(self, rows: list[int], checked: bool) -> None:
        for row in rows:
            key = self._rows[row].id
            if checked:
                self._checked.add(key)
            else:
                self._checked.discard(key)
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])

    def toggle(self, row: int) -> None:
        self.set_checked([row], self._rows[row].id not in self._checked)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.number, row.holder_name, row.status, row.step)[index.column()]
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == 0:
            checked = row.id in self._checked
            return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.UserRole:  # what the filter reads
            return fold(f"{row.number} {row.holder_name} {row.status} {row.step}")
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        self.set_checked([index.row()], Qt.CheckState(value) == Qt.CheckState.Checked)
        return True

    def flags(self, index):
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None


class _Filter(QSortFilterProxyModel):
    """Numbers, names, status and step, accents and case ignored (as the Clients list)."""

    def __init__(self) -> None:
        super().__init__()
        self._words: list[str] = []

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._words = fold(text).split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        text = self.sourceModel().index(source_row, 0).data(Qt.ItemDataRole.UserRole) or ""
        return all(word in text for word in self._words)


def _listed(candidates: list[Candidate], shown: int = 12) -> str:
    """What left, one dossier a line («2026-00012 — DUPONT Marie»), the rest counted."""
    lines = [f"{row.number} — {row.holder_name}" for row in candidates[:shown]]
    rest = len(candidates) - shown
    if rest > 0:
        lines.append(f"… et {rest} autre{'s' if rest > 1 else ''}")
    return "\n".join(lines)


class CarryOutDialog(QDialog):
    """The form (dossiers, prefix, password), the copy's progress with «Annuler», then what
    left and «Redémarrer maintenant» (Dossia then opens these dossiers on this computer)."""

    def __init__(self, window: MainWindow, selected: set[int]) -> None:
        super().__init__(window)
        self.setObjectName("carryOutDialog")
        self.setWindowTitle("Emporter des dossiers")
        self.setModal(True)
        self._window = window
        self._service = window.workspace.carries
        self._selected = selected
        self._background = Background()
        self.checked_out: CheckedOut | None = None
        self._leaving: list[Candidate] = []
        outer = QVBoxLayout(self)
        self.pages = QStackedWidget()
        self.pages.setObjectName("carryOutPages")
        outer.addWidget(self.pages)
        self.pages.addWidget(self._form_page())
        self.progress = ProgressPage(
            "carryOut",
            "Rien n'est emporté avant la fin de la copie : annuler laisse les dossiers libres "
            "au bureau, et rien sur ce poste.",
            "Annulation : les dossiers restent au bureau…",
        )
        self.pages.addWidget(self.progress)
        self.pages.addWidget(self._result_page())
        self.setMinimumSize(720, 560)
        self._load()

    # --- the form --------------------------------------------------------------------------

    def _form_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("carryOutFormPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = rich(QLabel(INTRO))
        intro.setObjectName("carryOutIntro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addSpacing(4)
        tools = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("carryFilter")
        self.filter_edit.setAccessibleName("Filtrer les dossiers")
        self.filter_edit.setPlaceholderText("Filtrer : n° de dossier, nom, étape…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)
        tools.addWidget(self.filter_edit, 1)
        self.check_all_button = QPushButton("Tout cocher")
        self.check_all_button.setObjectName("carryCheckAllButton")
        self.check_all_button.clicked.connect(lambda: self._check_shown(True))
        self.uncheck_all_button = QPushButton("Tout décocher")
        self.uncheck_all_button.setObjectName("carryUncheckAllButton")
        self.uncheck_all_button.clicked.connect(lambda: self._check_shown(False))
        tools.addWidget(self.check_all_button)
        tools.addWidget(self.uncheck_all_button)
        layout.addLayout(tools)
        self.model = CandidateModel()
        self.proxy = _Filter()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("carryCandidates")
        self.table.setAccessibleName("Dossiers qui peuvent être emportés")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setHighlightSections(False)
        self.table.clicked.connect(self._clicked)
        self.model.dataChanged.connect(lambda *_args: self._count_checked())
        self.model.modelReset.connect(self._count_checked)
        layout.addWidget(self.table, 1)
        self.count_label = plain(QLabel("Chargement de vos dossiers…"))
        self.count_label.setObjectName("carryCountLabel")
        set_role(self.count_label, "hint")
        layout.addWidget(self.count_label)
        self.dossiers_error = ErrorLabel("carryDossiersError")
        layout.addWidget(self.dossiers_error)
        layout.addSpacing(6)
        layout.addLayout(self._fields())
        self.error = ErrorLabel("carryOutError")
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.go_button = primary(QPushButton("Emporter"))
        self.go_button.setObjectName("carryOutButton")
        self.go_button.setDefault(True)
        self.go_button.setEnabled(False)
        self.go_button.clicked.connect(self.check_out)
        close = QPushButton("Fermer")
        close.setObjectName("carryOutCloseButton")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.go_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.fields: dict[str, QWidget] = {
            "dossiers": self.table,
            "prefix": self.prefix_edit,
            "password": self.password_edit,
        }
        self.errors = {
            "dossiers": self.dossiers_error,
            "prefix": self.prefix_error,
            "password": self.password_error,
        }
        return page

    def _fields(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        grid.addWidget(QLabel("Préfixe de ce portable :"), 0, 0)
        workspace = self._window.workspace
        self.prefix_edit = QLineEdit(
            workspace.carries.suggested_prefix(workspace.machine.machine_prefix())
        )
        self.prefix_edit.setObjectName("carryPrefix")
        self.prefix_edit.setAccessibleName("Préfixe de ce portable")
        self.prefix_edit.setPlaceholderText("par exemple P1")
        self.prefix_edit.setMaxLength(12)
        self.prefix_edit.setMaximumWidth(140)
        grid.addWidget(self.prefix_edit, 0, 1, Qt.AlignmentFlag.AlignLeft)
        hint = set_role(QLabel(PREFIX_HINT), "hint")
        hint.setObjectName("carryPrefixHint")
        grid.addWidget(hint, 1, 1)
        self.prefix_error = ErrorLabel("carryPrefixError")
        grid.addWidget(self.prefix_error, 2, 1)
        grid.addWidget(QLabel("Votre mot de passe :"), 3, 0)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("carryPassword")
        self.password_edit.setAccessibleName("Votre mot de passe")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.returnPressed.connect(self.check_out)
        grid.addWidget(self.password_edit, 3, 1)
        hint = set_role(QLabel("Il protège les dossiers sur ce portable."), "hint")
        hint.setObjectName("carryPasswordHint")
        grid.addWidget(hint, 4, 1)
        self.password_error = ErrorLabel("carryPasswordError")
        grid.addWidget(self.password_error, 5, 1)
        return grid

    def _load(self) -> None:
        service = self._service
        self._background.run(service.candidates, self._loaded, self._load_failed)

    def _loaded(self, candidates: object) -> None:
        if not isValid(self):
            return
        assert isinstance(candidates, list)
        self.model.set_candidates(candidates, self._selected)
        if not candidates:
            self.count_label.setText(
                "Aucun de vos dossiers ne peut être emporté : seuls vos dossiers en cours "
                "(ni abandonnés ni déjà emportés) partent."
            )
        first = next(
            (row for row in range(len(candidates)) if candidates[row].id in self._selected), None
        )
        if first is not None:
            self.table.scrollTo(self.proxy.mapFromSource(self.model.index(first, 0)))

    def _load_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        if not isinstance(error, DomainError):
            raise error
        self.count_label.setText("")
        self.error.show_message(error.message)

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._count_checked()

    def _check_shown(self, checked: bool) -> None:
        """«Tout cocher» / «Tout décocher»: the dossiers the filter shows."""
        rows = [
            self.proxy.mapToSource(self.proxy.index(row, 0)).row()
            for row in range(self.proxy.rowCount())
        ]
        self.model.set_checked(rows, checked)

    def _clicked(self, index: QModelIndex) -> None:
        """A click anywhere on a row but its check box ticks or unticks it."""
        if index.column() != 0:
            self.model.toggle(self.proxy.mapToSource(index).row())

    def _count_checked(self) -> None:
        total = self.model.rowCount()
        if not total:
            self.go_button.setEnabled(False)
            return
        checked = len(self.model.checked)
        shown = self.proxy.rowCount()
        text = f"{checked} dossier{'s' if checked > 1 else ''} coché{'s' if checked > 1 else ''}"
        text += f" sur {total}"
        if shown != total:
            text += f" ({shown} affiché{'s' if shown > 1 else ''} par le filtre)"
        self.count_label.setText(text)
        self.go_button.setEnabled(True)

    # --- the copy ----------------------------------------------------------------------------

    def check_out(self) -> None:
        """«Emporter»: the copy runs in a worker; a refusal comes back next to its field."""
        if self._background.busy or self.pages.currentIndex() != 0:
            return
        clear_refusal(self.fields)
        for label in (*self.errors.values(), self.error):
            label.clear_message()
        ids = self.model.checked
        self._leaving = [self.model.candidate(key) for key in ids]
        prefix, password = self.prefix_edit.text(), self.password_edit.text()
        service, progress = self._service, self.progress
        self.progress.start(
            f"Copie de {len(ids)} dossier{'s' if len(ids) > 1 else ''} sur ce portable…"
        )
        self.pages.setCurrentIndex(1)
        self._background.run(
            lambda: service.check_out(ids, password, prefix, progress.progress),
            self._checked_out,
            self._failed,
        )

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self.progress.stop()
        self.pages.setCurrentIndex(0)
        if not isinstance(error, DomainError):
            raise error
        if isinstance(error, Cancelled):
            self.error.show_message("Départ annulé : aucun dossier n'a été emporté.")
            return
        label = self.errors.get(error.field or "", self.error)
        show_refusal(error, label, self.fields)
        if error.field == "password":
            self.password_edit.selectAll()

    def _checked_out(self, result: object) -> None:
        if not isValid(self):
            return
        self.progress.stop()
        self.checked_out = out = cast("CheckedOut", result)
        count = out.carry.dossier_count
        self.result_title.setText(
            f"{count} dossier{'s' if count > 1 else ''} emporté{'s' if count > 1 else ''} sur "
            f"ce portable (préfixe {out.carry.prefix})"
        )
        documents = (
            f"avec {out.documents} document{'s' if out.documents > 1 else ''} "
            f"({file_size(out.size)})"
            if out.documents
            else "sans document"
        )
        text = (
            f"Les dossiers sont copiés {documents}, chiffrés par votre mot de passe. Au bureau, "
            "ils sont désormais en lecture seule, pour tous, jusqu'à leur retour.\n\n"
            "Dossia va maintenant s'ouvrir sur ces dossiers, sur ce portable, même sans "
            "réseau : connectez-vous avec votre mot de passe habituel. De retour au bureau : "
            "Outils › Rapporter les dossiers au bureau."
        )
        self.result_text.setText(text)
        self.result_list.setText(_listed(self._leaving))
        self.pages.setCurrentIndex(2)
        self.restart_button.setFocus()

    # --- the result ---------------------------------------------------------------------------

    def _result_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("carryOutResultPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.result_title = set_role(plain(QLabel()), "title")
        self.result_title.setObjectName("carryOutResultTitle")
        layout.addWidget(self.result_title)
        layout.addSpacing(4)
        self.result_list = set_role(plain(QLabel()), "hint")
        self.result_list.setObjectName("carryOutResultList")
        self.result_list.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result_list)
        layout.addSpacing(8)
        self.result_text = plain(QLabel())
        self.result_text.setObjectName("carryOutResultText")
        self.result_text.setWordWrap(True)
        layout.addWidget(self.result_text)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.restart_button = primary(QPushButton("Redémarrer maintenant"))
        self.restart_button.setObjectName("carryRestartButton")
        self.restart_button.clicked.connect(self.accept)
        later = QPushButton("Plus tard")
        later.setObjectName("carryLaterButton")
        later.clicked.connect(self.reject)
        row.addWidget(self.restart_button)
        row.addWidget(later)
        layout.addLayout(row)
        return page

    # --- closing -------------------------------------------------------------------------------

    def reject(self) -> None:
        if self.progress.running:
            return  # the copy running: «Annuler» first
        super().reject()

    def done(self, result: int) -> None:
        super().done(result)
        if self.checked_out is not None and result:
            # This computer now opens the laptop's file (app.paths.resolve_location).
            self._window.reconnect_requested = True
            self._window.restart()
