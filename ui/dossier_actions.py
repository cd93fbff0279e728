"""A dossier's «Actions» button (Alt+A) and what its menu does: «Passer en client»,
«Abandonner…», «Reprendre…», the persons' rights (export a person's data, erase a person)
and «Supprimer…». Each entry is shown as the dossier's state and the user's rights allow;
the services check the same rights again."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMenu, QMessageBox, QToolButton

from app.changes import Change
from app.dossier.readmodels import DossierDetail
from app.errors import Cancelled, DomainError
from models.enums import DossierStatus
from ui.backup_ui import ProgressRun
from ui.common import confirm, icon, message_box
from ui.dialogs.dossier_dialogs import AbandonDialog, ResumeDialog
from ui.operations import attempt
from ui.workers import Background

if TYPE_CHECKING:
    from ui.dialogs.privacy_dialogs import ErasePersonDialog, ExportPersonDialog
    from ui.dossier_window import DossierView


class DossierActions(QToolButton):
    """The «Actions» button of a dossier's view, with its menu."""

    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self._view = view
        self._background: Background | None = None  # exports, on first use
        self.setObjectName("actionsButton")
        self.setText("&Actions")  # Alt+A
        self.setIcon(icon("menu"))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setAccessibleName("Actions sur le dossier")
        menu = QMenu(self)
        menu.setObjectName("actionsMenu")
        self.convert_action = self._action(menu, "convertAction", "Passer en client", self.convert)
        self.abandon_action = self._action(menu, "abandonAction", "Abandonner…", self.abandon)
        self.resume_action = self._action(menu, "resumeAction", "Reprendre…", self.resume)
        menu.addSeparator()
        self.export_person_action = self._action(
            menu, "exportPersonAction", "Exporter les données d'une personne…", self.export_person
        )
        self.erase_person_action = self._action(
            menu, "erasePersonAction", "Effacer une personne…", self.erase_person
        )
        menu.addSeparator()
        self.delete_action = self._action(menu, "deleteAction", "Supprimer…", self.delete)
        self.setMenu(menu)

    def _action(self, menu: QMenu, name: str, text: str, slot) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def follow(self, detail: DossierDetail) -> None:
        """The entries the dossier's state and the user's rights allow; the button greyed
        when none is left."""
        rights = detail.rights
        abandoned = detail.status is DossierStatus.ABANDONED
        shown = {
            self.convert_action: rights.edit and detail.status is DossierStatus.PROSPECT,
            self.abandon_action: rights.edit and rights.abandon_resume and not abandoned,
            self.resume_action: rights.edit and rights.abandon_resume and abandoned,
            self.delete_action: rights.edit and rights.delete,
            self.export_person_action: rights.personal_data,
            self.erase_person_action: rights.personal_data,
        }
        for action, visible in shown.items():
            action.setVisible(visible)
        self.setEnabled(any(shown.values()))

    # --- the dossier's state ---

    def convert(self):
        """«Passer en client», asked first: the dossier leaves the prospects for good
        (only an abandon and a resumption bring it back)."""
        view, detail = self._view, self._view.detail
        if detail is None:
            return None
        return confirm(
            view,
            "convertDialog",
            "Passer en client",
            f"Passer le dossier {detail.number} ({detail.holder_name}) en client ?",
            "Passer en client",
            lambda: view.execute(lambda service, d: service.convert_to_client(d.id, d.version)),
            "Il quitte la liste des prospects pour celle des clients.",
        )

    def abandon(self) -> AbandonDialog:
        view = self._view
        return view.open_dialog(AbandonDialog(view, view.workspace.dossiers, view.detail))

    def resume(self) -> ResumeDialog:
        view = self._view
        return view.open_dialog(ResumeDialog(view, view.workspace.dossiers, view.detail))

    def delete(self) -> QMessageBox:
        view = self._view
        view.flush()
        detail = view.detail
        assert detail is not None
        kept = view.workspace.backups.retention()
        return confirm(
            view,
            "deleteDialog",
            "Supprimer le dossier",
            f"Supprimer définitivement le dossier {detail.number} — {detail.holder_name} ?",
            "Supprimer",
            self._confirmed_delete,
            details=(
                "Le dossier et tout ce qui lui est rattaché (emprunteurs, enfants, commentaires, "
                "simulations, documents et leurs fichiers, demandes aux banques, historique) "
                "seront effacés. Cette action est irréversible.\n\nSes factures émises et ses "
                "avoirs sont conservés, tels qu'imprimés : ce sont des pièces comptables à "
                "garder dix ans.\n\nLes sauvegardes déjà faites le conservent : les "
                f"sauvegardes automatiques jusqu'à {kept.horizon} (réglage « Sauvegardes » des "
                "paramètres), les sauvegardes manuelles et vers un dossier jusqu'à ce qu'elles "
                "soient supprimées."
            ),
        )

    def _confirmed_delete(self) -> None:
        view = self._view
        dossier_id = view.dossier_id
        outcome = attempt(lambda: view.workspace.dossiers.delete(dossier_id))
        if outcome.problem is not None:
            view.show_error(outcome.problem)
            return
        view.forget(dossier_id)

    # --- the persons' rights (GDPR) ---

    def export_person(self) -> ExportPersonDialog:
        from ui.dialogs.privacy_dialogs import ExportPersonDialog  # the Actions menu's

        view = self._view
        view.flush()
        dialog = ExportPersonDialog(view, view.workspace.privacy, view.detail)
        dialog.accepted.connect(lambda: self.export_person_to(*dialog.result_value))
        dialog.open()
        return dialog

    def export_person_to(self, borrower_id: int, folder: Path, also: list[int]) -> ProgressRun:
        """The chosen person's data written into `folder`, with a progress bar and «Annuler»."""
        privacy, dossier_id = self._view.workspace.privacy, self._view.dossier_id
        if self._background is None:
            self._background = Background()
        run = ProgressRun(self._view, "Export des données en cours…", self._background)
        run.start(
            lambda progress: privacy.export_person(dossier_id, borrower_id, folder, also, progress),
            self._exported,
            self._export_failed,
        )
        return run

    def _exported(self, done) -> None:
        count = len(done.dossier_numbers)
        box = message_box(
            QMessageBox.Icon.Information,
            "Export des données",
            f"Export terminé : {count} dossier{'s' if count > 1 else ''}, "
            f"{done.documents} document{'s' if done.documents > 1 else ''}.\n\n{done.folder}",
            self._view,
        )
        box.setObjectName("exportDoneDialog")
        open_button = box.addButton("Ouvrir le dossier", QMessageBox.ButtonRole.ActionRole)
        open_button.setObjectName("openExportFolderButton")
        open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(done.folder)))
        )
        box.addButton(QMessageBox.StandardButton.Close)
        box.open()

    def _export_failed(self, error: BaseException) -> None:
        view = self._view
        if isinstance(error, Cancelled):
            view.show_notice(error.message)
        elif isinstance(error, DomainError):
            view.show_error(error)
        elif isinstance(error, OSError):
            view.show_error(DomainError(f"L'export n'a pas pu être écrit : {error.strerror}."))
        else:
            raise error

    def erase_person(self) -> ErasePersonDialog:
        from ui.dialogs.privacy_dialogs import ErasePersonDialog  # the Actions menu's

        view = self._view
        view.flush()
        kept = view.workspace.backups.retention().horizon
        dialog = ErasePersonDialog(view, view.workspace.privacy, view.detail, kept)
        dialog.accepted.connect(lambda: self._erased(dialog.result_value))
        dialog.open()
        return dialog

    def _erased(self, erased) -> None:
        view = self._view
        if erased.whole_dossier:
            view.forget(view.dossier_id)
            return
        view.reload()
        view.changed.emit(view.dossier_id, Change.LIST_ROW | Change.SUMMARY | Change.COMMENTS)
        mentions = erased.mentions
        plural = "s" if mentions > 1 else ""
        replaced = f" ; {mentions} mention{plural} remplacée{plural}" if mentions else ""
        view.show_notice(f"{erased.role} effacé du dossier{replaced}.")
