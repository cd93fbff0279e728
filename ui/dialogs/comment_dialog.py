"""«+ Commentaire»: a rich-text comment on one of the dossier's tabs, for the synthesis or not."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QLabel, QWidget

from app.dossier.comment_service import CommentInfo, CommentService
from app.richtext import sanitize
from models.enums import DossierTab
from ui.common import FormDialog, plain, set_role
from ui.operations import attempt
from ui.widgets import RichTextEditor


class CommentDialog(FormDialog):
    """New comment (on `tab`) or an existing one (`comment`): Valider saves, Supprimer deletes.

    `result_value` is the saved CommentInfo, or None after a deletion.
    """

    def __init__(
        self,
        parent: QWidget,
        service: CommentService,
        dossier_id: int,
        tab: DossierTab,
        comment: CommentInfo | None = None,
    ) -> None:
        title = "Nouveau commentaire" if comment is None else "Commentaire"
        super().__init__(parent, f"{title} — {tab.label}", "commentDialog")
        self._service, self._dossier_id, self._tab, self._comment = (
            service,
            dossier_id,
            tab,
            comment,
        )
        if comment is not None:
            edited = (
                ""
                if comment.updated_at == comment.created_at
                else f" (modifié le {comment.updated_at:%d/%m/%Y %H:%M})"
            )
            heading = plain(QLabel(comment.heading + edited))  # the author's name, as typed
            heading.setObjectName("commentHeading")
            self.form.addWidget(set_role(heading, "hint"))
        self.rich = RichTextEditor("comment", "commentEditor", "Texte du commentaire", bullets=True)
        self.rich.editor.setMinimumHeight(180)
        self.rich.pasteRefused.connect(self.error.show_message)
        if comment is not None:
            # Saved sanitized; sanitized again when shown: no stored image or link is loaded.
            self.rich.editor.setHtml(sanitize(comment.body))
        self.form.addWidget(self.rich)
        self.synthesis_check = QCheckBox("Ajouter à la note de synthèse des simulations")
        self.synthesis_check.setObjectName("synthesisCheck")
        self.synthesis_check.setChecked(comment.in_synthesis if comment else True)
        self.form.addWidget(self.synthesis_check)
        self.fields = {"body": self.rich.editor}
        read_only = comment is not None and not comment.can_edit
        self.rich.set_read_only(read_only)
        self.synthesis_check.setEnabled(not read_only)
        self.ok_button.setEnabled(not read_only)
        self.delete_button = None
        if comment is not None and comment.can_delete:
            self.delete_button = self.buttons.addButton(
                "Supprimer", QDialogButtonBox.ButtonRole.DestructiveRole
            )
            self.delete_button.setObjectName("deleteCommentButton")
            self.delete_button.clicked.connect(self._delete)
        self.setMinimumWidth(560)
        self.rich.editor.setFocus()

    def submit(self) -> CommentInfo:
        html, flag = self.rich.html(), self.synthesis_check.isChecked()
        if self._comment is None:
            return self._service.add(self._dossier_id, self._tab, html, flag)
        return self._service.update(self._comment.id, html, flag)

    def _delete(self) -> None:
        outcome = attempt(lambda: self._service.delete(self._comment.id))
        refusal = outcome.problem
        if refusal is not None:
            self.error.show_message(refusal.message)
            return
        self.result_value = None
        self.accept()
