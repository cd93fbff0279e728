"""«Profils et droits»: each profile's rights as check boxes; changes apply at the next login."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.office.role_service import RoleRow, RoleService
from models.enums import Right
from ui.common import scrolling, set_role
from ui.settings.list_page import ListPage, capped, form_layout, section_title

_LIST_WIDTH = 420  # two short columns: a profile's name and its users
_FORM_WIDTH = 520


class RolesPage(ListPage):
    """The profiles on the left; the selected one's name and rights on the right."""

    def __init__(self, service: RoleService) -> None:
        super().__init__(
            "rolesPage", "rolesTable", ("Profil", "Utilisateurs actifs"), error_name="rolesError"
        )
        self._service = service
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        left = QVBoxLayout()
        self.table.clicked.connect(lambda _i: self._show_selected())
        self.table.setMaximumWidth(_LIST_WIDTH)
        left.addWidget(section_title("Profils"))
        left.addWidget(self.table, 1)
        left.addLayout(
            self.button_row(
                (
                    ("newRoleButton", "Nouveau profil", self.new_role),
                    ("duplicateRoleButton", "Dupliquer", self.duplicate),
                )
            )
        )
        layout.addLayout(left, 2)
        right = QVBoxLayout()
        box = QGroupBox("Profil choisi")
        box.setMaximumWidth(_FORM_WIDTH)
        inside = QVBoxLayout(box)
        form = form_layout()
        self.name_edit = capped(QLineEdit(), 320)
        self.name_edit.setObjectName("roleNameEdit")
        self.name_edit.setAccessibleName("Nom du profil")
        form.addRow("Nom du profil :", self.name_edit)
        inside.addLayout(form)
        inside.addWidget(set_role(QLabel("Droits :"), "fieldName"))
        rights = QWidget()
        rights.setObjectName("rightsList")
        rights_layout = QVBoxLayout(rights)
        rights_layout.setContentsMargins(0, 0, 0, 0)
        self.checks: dict[Right, QCheckBox] = {}
        for right_ in Right:
            check = QCheckBox(right_.label)
            check.setObjectName(f"right_{right_.value}")
            self.checks[right_] = check
            rights_layout.addWidget(check)
        rights_layout.addStretch(1)
        area = scrolling(rights)  # all of them in view but on a small screen
        area.setMinimumHeight(4 * self.checks[Right.VIEW_ALL_DOSSIERS].sizeHint().height())
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rights.adjustSize()
        area.setMaximumHeight(rights.sizeHint().height() + 4)
        inside.addWidget(area, 1)
        right.addWidget(box)
        right.addWidget(
            capped(
                set_role(
                    QLabel(
                        "Un droit retiré s'applique aussitôt à toute modification ; un droit "
                        "ajouté, à la prochaine connexion de chaque utilisateur."
                    ),
                    "hint",
                ),
                _FORM_WIDTH,
            )
        )
        footer = QHBoxLayout()
        self.save_button = QPushButton("Enregistrer le profil")
        self.save_button.setObjectName("saveRoleButton")
        self.save_button.clicked.connect(self.save)
        footer.addWidget(self.save_button)
        footer.addStretch(1)
        right.addLayout(footer)
        right.addWidget(self.error)
        right.addStretch(1)
        layout.addLayout(right, 3)
        self.show_roles(service.roles())

    def show_roles(self, rows: list[RoleRow], select_name: str | None = None) -> None:
        self.model.set_rows(rows, [(r.name, str(r.users)) for r in rows])
        names = [r.name for r in rows]
        self.table.selectRow(names.index(select_name) if select_name in names else 0)
        self._show_selected()

    def _show_selected(self) -> None:
        role: RoleRow | None = self.selected()
        if role is None:
            return
        self.name_edit.setText(role.name)
        for right_, check in self.checks.items():
            check.setChecked(right_ in role.rights)
        self.error.clear_message()

    def _apply(self, command: Callable[[], list[RoleRow]], name: str) -> None:
        """Run `command`, then show the profiles with the one named `name` selected."""
        self.run(command, lambda rows: self.show_roles(rows, name))

    def save(self) -> None:
        role: RoleRow | None = self.selected()
        if role is None:
            return
        rights = frozenset(r for r, check in self.checks.items() if check.isChecked())
        name = self.name_edit.text()
        self._apply(
            lambda: self._service.update_role(role.id, name, rights), " ".join(name.split())
        )

    def new_role(self) -> None:
        self._apply(
            lambda: self._service.create_role("Nouveau profil", frozenset()), "Nouveau profil"
        )

    def duplicate(self) -> None:
        role: RoleRow | None = self.selected()
        if role is not None:
            self._apply(lambda: self._service.duplicate_role(role.id), f"{role.name} (copie)")
