"""«Documents» settings: the office's list of «Pièces à fournir» (each with its rule: once per
dossier, per borrower, per salaried or self-employed borrower, if the project is a purchase…)
and the largest file a dossier may hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from app.errors import DomainError
from models.enums import RequirementRule
from ui.common import set_role
from ui.settings.list_page import (
    TEXT_WIDTH,
    EmptyHint,
    ListPage,
    capped,
    form_layout,
    short_combo,
)

if TYPE_CHECKING:  # the service imports SQLAlchemy
    from app.documents.checklist import Requirement
    from app.documents.document_service import DocumentService


_FORM_WIDTH = 620  # the piece's form, under the list


class DocumentsPage(ListPage):
    def __init__(self, service: DocumentService) -> None:
        super().__init__(
            "documentsSettingsPage",
            "requirementsTable",
            ("Pièce à fournir", "Demandée", "État"),
            error_name="documentsSettingsError",
        )
        self._service = service
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            capped(
                set_role(
                    QLabel(
                        "La liste des pièces demandées pour chaque dossier, dans cet ordre. "
                        "Chaque pièce n'est demandée que si sa règle s'applique au dossier (par "
                        "exemple, les bilans pour un emprunteur indépendant) ; elle est cochée "
                        "quand un fichier y répond, ou à la main."
                    ),
                    "hint",
                ),
                TEXT_WIDTH,
            )
        )
        layout.addWidget(self.table, 1)
        layout.addLayout(
            self.button_row(
                (
                    ("requirementUpButton", "Monter", lambda: self.move(-1)),
                    ("requirementDownButton", "Descendre", lambda: self.move(1)),
                    ("requirementActiveButton", "Ne plus demander / redemander", self.toggle),
                )
            )
        )
        self.empty_hint = EmptyHint(
            self.table,
            "requirementsEmpty",
            "Aucune pièce à fournir.\nAjoutez les pièces à demander aux emprunteurs (pièce "
            "d'identité, bulletins de salaire, avis d'imposition…) : leur libellé dans « Pièce "
            "choisie, ou nouvelle pièce », sous la liste, puis « Ajouter ».",
        )
        piece_box = QGroupBox("Pièce choisie, ou nouvelle pièce")
        piece_box.setMaximumWidth(_FORM_WIDTH)
        piece_form = form_layout()
        piece_box.setLayout(piece_form)
        self.label_edit = QLineEdit()
        self.label_edit.setObjectName("requirementLabelEdit")
        self.label_edit.setAccessibleName("Pièce à fournir")
        self.label_edit.setPlaceholderText("ex. Dernier avis de taxe foncière")
        self.rule_combo = QComboBox()
        self.rule_combo.setObjectName("requirementRuleCombo")
        self.rule_combo.setAccessibleName("Demandée")
        for rule in RequirementRule:
            self.rule_combo.addItem(rule.label, rule.value)
        short_combo(self.rule_combo, 24)
        add = QPushButton("Ajouter")
        add.setObjectName("addRequirementButton")
        add.clicked.connect(self.add)
        save = QPushButton("Enregistrer la pièce choisie")
        save.setObjectName("saveRequirementButton")
        save.clicked.connect(self.save_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(save)
        buttons.addStretch(1)
        piece_form.addRow("Libellé :", self.label_edit)
        piece_form.addRow("Demandée :", self.rule_combo)
        piece_form.addRow("", buttons)
        layout.addWidget(piece_box)
        limit_row = QHBoxLayout()
        self.limit_edit = QLineEdit(str(service.size_limit_mb()))
        self.limit_edit.setObjectName("documentSizeLimitEdit")
        self.limit_edit.setAccessibleName("Taille maximale d'un document (Mo)")
        self.limit_edit.setMaximumWidth(80)
        save_limit = QPushButton("Enregistrer")
        save_limit.setObjectName("saveSizeLimitButton")
        save_limit.clicked.connect(self.save_limit)
        limit_label = QLabel("Taille maximale d'un fichier joint (Mo) :")
        limit_label.setBuddy(self.limit_edit)
        limit_row.addWidget(limit_label)
        limit_row.addWidget(self.limit_edit)
        limit_row.addWidget(save_limit)
        limit_row.addStretch(1)
        layout.addLayout(limit_row)
        layout.addWidget(self.error)
        self.fields = {"label": self.label_edit, "size_limit": self.limit_edit}
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._fill_form())
        self.show_requirements(service.requirements())

    def show_requirements(self, rows) -> None:
        chosen = self.selected()
        self.model.set_rows(
            list(rows),
            [(r.label, r.rule.label, "Demandée" if r.is_active else "Plus demandée") for r in rows],
        )
        if chosen is not None:
            ids = [r.id for r in rows]
            if chosen.id in ids:
                self.table.selectRow(ids.index(chosen.id))

    def _fill_form(self) -> None:
        chosen: Requirement | None = self.selected()
        if chosen is not None:
            self.label_edit.setText(chosen.label)
            self.rule_combo.setCurrentIndex(self.rule_combo.findData(chosen.rule.value))

    def _rule(self) -> RequirementRule:
        return RequirementRule(self.rule_combo.currentData())

    def add(self) -> None:
        def shown(rows) -> None:
            self.show_requirements(rows)
            self.label_edit.clear()

        self.run(
            lambda: self._service.save_requirement(None, self.label_edit.text(), self._rule()),
            shown,
        )

    def save_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            self.error.show_message("Choisissez d'abord une pièce dans la liste.")
            return
        self.run(
            lambda: self._service.save_requirement(chosen.id, self.label_edit.text(), self._rule()),
            self.show_requirements,
        )

    def move(self, direction: int) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.run(
                lambda: self._service.move_requirement(chosen.id, direction),
                self.show_requirements,
            )

    def toggle(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.run(
                lambda: self._service.set_requirement_active(chosen.id, not chosen.is_active),
                self.show_requirements,
            )

    def save_limit(self) -> None:
        def command() -> int:
            text = self.limit_edit.text().strip()
            if not (text.isascii() and text.isdigit()) or len(text) > 3:
                raise DomainError("Indiquez un nombre entier de Mo, par exemple 50.", "size_limit")
            return self._service.save_size_limit_mb(int(text))

        self.run(command)
