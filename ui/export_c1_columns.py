"""The «Colonnes» box of «Exporter C1» (`ui.export_c1`): the columns checked and their
order (dragged, or ▲ ▼), and the office's models of them — chosen, «Enregistrer comme
modèle…», «Supprimer»."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from app.exports.c1 import BY_KEY, COLUMNS, DEFAULT_MODEL, ExportModel
from ui.common import confirm, plain, set_role
from ui.export_c1_parts import SaveModelDialog, field_label, tool_button
from ui.operations import attempt

if TYPE_CHECKING:
    from ui.export_c1 import ExportC1Dialog


class C1ColumnsBox(QGroupBox):
    """The columns of the export, in their order, and the office's models of them."""

    def __init__(self, dialog: ExportC1Dialog) -> None:
        super().__init__("Colonnes")
        self._dialog = dialog
        self._models: dict[str, ExportModel] = {}
        self.model_dialog: SaveModelDialog | None = None
        self.setObjectName("exportColumnsBox")
        self.setFixedWidth(350)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(field_label("Modèle"))
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("exportModelCombo")
        self.model_combo.setAccessibleName("Modèle d'export")
        row.addWidget(self.model_combo, 1)
        layout.addLayout(row)
        self.save_model_button = QPushButton("Enregistrer comme modèle…")
        self.save_model_button.setObjectName("saveExportModelButton")
        self.save_model_button.setToolTip(
            "Garder les colonnes cochées, dans leur ordre, sous un nom : le modèle sera "
            "proposé à tout le cabinet"
        )
        self.delete_model_button = QPushButton("Supprimer")
        self.delete_model_button.setObjectName("deleteExportModelButton")
        self.delete_model_button.setAccessibleName("Supprimer le modèle")
        self.delete_model_button.setToolTip("Supprimer le modèle choisi (pour tout le cabinet)")
        row.addWidget(self.delete_model_button)
        layout.addWidget(self.save_model_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.columns_list = QListWidget()
        self.columns_list.setObjectName("exportColumnsList")
        self.columns_list.setAccessibleName("Colonnes de l'export")
        self.columns_list.setToolTip(
            "Cochez les colonnes à exporter ; glissez-les (ou ▲ ▼) pour changer leur ordre"
        )
        self.columns_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.columns_list.setDefaultDropAction(Qt.DropAction.MoveAction)
        layout.addWidget(self.columns_list, 1)
        order = QHBoxLayout()
        self.up_button = tool_button("exportColumnUpButton", "▲", "Monter la colonne choisie")
        self.down_button = tool_button(
            "exportColumnDownButton", "▼", "Descendre la colonne choisie"
        )
        self.up_button.clicked.connect(lambda _c=False: self.move_column(-1))
        self.down_button.clicked.connect(lambda _c=False: self.move_column(1))
        order.addWidget(self.up_button)
        order.addWidget(self.down_button)
        self.columns_hint = plain(set_role(QLabel(), "hint"))
        self.columns_hint.setObjectName("exportColumnsHint")
        order.addWidget(self.columns_hint, 1)
        layout.addLayout(order)

    def follow_choices(self) -> None:
        """From now on, a model chosen or a column checked or moved asks a new preview."""
        self.model_combo.currentIndexChanged.connect(lambda _i: self._model_chosen())
        self.columns_list.itemChanged.connect(lambda _item: self._columns_changed())
        self.columns_list.model().rowsMoved.connect(lambda *_a: self._columns_changed())
        self.columns_list.currentRowChanged.connect(lambda _r: self._order_buttons())
        self.save_model_button.clicked.connect(lambda _c=False: self.ask_model_name())
        self.delete_model_button.clicked.connect(lambda _c=False: self.ask_delete_model())

    # --- what is asked ---

    def columns(self) -> list[str]:
        """The keys of the columns checked, in the list's order."""
        found = []
        for row in range(self.columns_list.count()):
            item = self.columns_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                found.append(item.data(Qt.ItemDataRole.UserRole))
        return found

    def chosen_model(self) -> ExportModel:
        """The model chosen, or its columns as changed here (for this export only)."""
        model = self._models.get(self.model_combo.currentData() or DEFAULT_MODEL)
        columns = tuple(self.columns())
        if model is not None and model.columns == columns:
            return model
        base = model.name if model is not None else DEFAULT_MODEL
        return ExportModel(f"{base} (modifié)", columns)

    # --- the models ---

    def load_models(self, select: str) -> None:
        outcome = attempt(self._dialog.service.models)
        models = outcome.value or []
        self._models = {model.name: model for model in models}
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for model in models:
            self.model_combo.addItem(model.name, model.name)
            if model.name == DEFAULT_MODEL:
                self.model_combo.setItemData(
                    self.model_combo.count() - 1,
                    "Toutes les colonnes, dans l'ordre de Dossia",
                    Qt.ItemDataRole.ToolTipRole,
                )
        index = self.model_combo.findData(select)
        self.model_combo.setCurrentIndex(max(index, 0))
        self.model_combo.blockSignals(False)
        if outcome.problem is not None:
            self._dialog.error.show_message(outcome.problem.message)
        self._model_chosen()

    def _model_chosen(self) -> None:
        name = self.model_combo.currentData() or DEFAULT_MODEL
        model = self._models.get(name)
        chosen = list(model.columns) if model is not None else [c.key for c in COLUMNS]
        self.columns_list.blockSignals(True)
        self.columns_list.clear()
        for key in chosen + [c.key for c in COLUMNS if c.key not in chosen]:
            item = QListWidgetItem(BY_KEY[key].header)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
            item.setCheckState(Qt.CheckState.Checked if key in chosen else Qt.CheckState.Unchecked)
            self.columns_list.addItem(item)
        self.columns_list.blockSignals(False)
        self.delete_model_button.setEnabled(name != DEFAULT_MODEL)
        self._columns_changed()

    def _columns_changed(self) -> None:
        columns = self.columns()
        model = self._models.get(self.model_combo.currentData() or DEFAULT_MODEL)
        total = self.columns_list.count()
        if not columns:
            self.columns_hint.setText("Aucune colonne cochée")
        elif model is not None and tuple(columns) != model.columns:
            self.columns_hint.setText(f"{len(columns)} sur {total} — modifié")
            self.columns_hint.setToolTip(
                "Ces colonnes valent pour cet export ; « Enregistrer comme modèle… » pour "
                "les garder"
            )
        else:
            self.columns_hint.setText(f"{len(columns)} colonnes sur {total}")
            self.columns_hint.setToolTip("")
        self._order_buttons()
        self._dialog.schedule_preview()

    def _order_buttons(self) -> None:
        row = self.columns_list.currentRow()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < self.columns_list.count() - 1)

    def move_column(self, step: int) -> None:
        row = self.columns_list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.columns_list.count():
            return
        self.columns_list.blockSignals(True)
        item = self.columns_list.takeItem(row)
        self.columns_list.insertItem(target, item)
        self.columns_list.setCurrentRow(target)
        self.columns_list.blockSignals(False)
        self._columns_changed()

    def ask_model_name(self) -> SaveModelDialog:
        name = self.model_combo.currentData() or ""
        dialog = SaveModelDialog(
            self._dialog,
            self._dialog.service,
            self.columns(),
            "" if name == DEFAULT_MODEL else name,
        )
        dialog.accepted.connect(lambda: self._model_saved(dialog.result_value))
        self.model_dialog = dialog
        dialog.open()
        return dialog

    def _model_saved(self, model: ExportModel) -> None:
        self.load_models(model.name)
        self._dialog.state_label.setStyleSheet("")
        self._dialog.say(f"Modèle « {model.name} » enregistré pour le cabinet.")

    def ask_delete_model(self):
        name = self.model_combo.currentData()
        if not name or name == DEFAULT_MODEL:
            return None
        return confirm(
            self._dialog,
            "deleteExportModelDialog",
            "Supprimer le modèle",
            f"Supprimer le modèle d'export « {name} » ?",
            "Supprimer",
            lambda: self.delete_model(name),
            "Il ne sera plus proposé à personne au cabinet. Les fichiers déjà exportés ne "
            "changent pas.",
        )

    def delete_model(self, name: str) -> None:
        outcome = attempt(lambda: self._dialog.service.delete_model(name))
        if outcome.problem is not None:
            self._dialog.error.show_message(outcome.problem.message)
            return
        self.load_models(DEFAULT_MODEL)
        self._dialog.say(f"Modèle « {name} » supprimé.")
