"""The dossier's «Général» tab: summary, progress and dates, particulars, simulations, note."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.dossier.dossier_service import DossierDate, DossierFlag
from app.dossier.readmodels import DossierDetail
from app.errors import DomainError
from app.text import format_amount, format_datetime, format_duration, format_rate
from models.enums import DossierTab, InvoiceKind
from ui.comment_list import CommentDelegate, comment_item
from ui.common import (
    ErrorLabel,
    comment_button,
    confirm,
    escape,
    field_name,
    field_value,
    icon,
    pencil_button,
    plain,
    plain_tooltip,
    rich,
    set_role,
)
from ui.dialogs.dossier_dialogs import OwnerDialog, ProvenanceDialog, RenumberDialog
from ui.operations import attempt
from ui.widgets import DateField, NoteEditor, ProgressGauge

if TYPE_CHECKING:
    from ui.dossier_window import DossierView


def _others(count: int) -> str:
    return "1 autre" if count == 1 else f"{count} autres"


def _compact(layout):
    """A panel's layout with the margins of a dense screen (the group box pads already)."""
    layout.setContentsMargins(10, 4, 10, 6)
    layout.setSpacing(6)
    return layout


SHOWN_COMMENTS = 50  # the newest; the older ones when asked
_SHOW_OLDER = "show-older-comments"


class GeneralTab(QWidget):
    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self.setObjectName("generalTab")
        self.view = view
        columns = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        columns.setContentsMargins(0, 4, 0, 4)
        columns.setSpacing(14)
        self.columns = columns
        left = QVBoxLayout()
        right = QVBoxLayout()
        columns.addLayout(left, 5)
        columns.addLayout(right, 6)
        # Both columns end in a panel that takes the height left: the «Note interne» under
        # the dossier's facts, the «Bloc-note» under its progress (no box in a scrolling box).
        left.addWidget(self._summary_panel())
        left.addWidget(self._particulars_panel())
        left.addWidget(self._simulations_panel())
        left.addWidget(self._note_panel(), 1)
        right.addWidget(self._progress_panel())
        right.addWidget(self._comments_panel(), 1)
        self._two_columns_width = 0  # the narrowest width that holds both columns
        self._watched: QWidget | None = None

    # --- two columns, or one on a narrow window (a laptop at 125 % or 150 %) ---

    @property
    def stacked(self) -> bool:
        return self.columns.direction() == QBoxLayout.Direction.TopToBottom

    def showEvent(self, event) -> None:
        super().showEvent(event)
        viewport = self.parentWidget()  # the scroll area's, whose width is the room we have
        if viewport is not None and viewport is not self._watched:
            self._watched = viewport
            viewport.installEventFilter(self)
        self._reflow()

    def eventFilter(self, watched, event) -> bool:
        if watched is self._watched and event.type() == QEvent.Type.Resize:
            self._reflow()
        return False

    def _reflow(self) -> None:
        if self._watched is None:
            return
        room = self._watched.width()
        if not self.stacked:
            self._two_columns_width = self.minimumSizeHint().width()
            if room < self._two_columns_width:
                self.columns.setDirection(QBoxLayout.Direction.TopToBottom)
        elif room >= self._two_columns_width + 24:  # a margin: no flicker at the limit
            self.columns.setDirection(QBoxLayout.Direction.LeftToRight)

    # --- «Informations dossier» ---

    def _summary_panel(self) -> QGroupBox:
        box = QGroupBox("Informations dossier")
        box.setObjectName("summaryPanel")
        grid = _compact(QGridLayout(box))
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(5)
        self.number_label = field_value("dossierNumberLabel")
        self.holder_label = field_value("holderLabel")
        self.household_label = field_value("householdLabel")
        self.owner_label = field_value("ownerLabel")
        self.provenance_label = field_value("provenanceLabel")
        self.edit_number = pencil_button("editNumberButton", "Modifier le numéro de dossier")
        self.edit_owner = pencil_button("editOwnerButton", "Changer le courtier du dossier")
        self.edit_provenance = pencil_button(
            "editProvenanceButton", "Changer la provenance et l'apporteur d'affaires"
        )
        rows = (
            ("Numéro de dossier", self.number_label, self.edit_number),
            ("Porteur de projet", self.holder_label, None),
            ("Famille concernée", self.household_label, None),
            ("Courtier du dossier", self.owner_label, self.edit_owner),
            ("Provenance", self.provenance_label, self.edit_provenance),
        )
        for row, (name, value, pencil) in enumerate(rows):
            # Label, value and pencil on one line: centred together in the pencil's height.
            grid.addWidget(field_name(name), row, 0, Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(value, row, 1, Qt.AlignmentFlag.AlignVCenter)
            if pencil is not None:
                grid.addWidget(pencil, row, 2, Qt.AlignmentFlag.AlignVCenter)
        self.complete_check = self._check("completeCheck", "Dossier complet")
        self.hide_contacts_check = self._check(
            "hideContactsCheck", "Masquer les coordonnées des emprunteurs dans la demande de prêt"
        )
        grid.addWidget(self.complete_check, len(rows), 0, 1, 3)
        grid.addWidget(self.hide_contacts_check, len(rows) + 1, 0, 1, 3)
        self.complete_check.toggled.connect(lambda on: self._flag(DossierFlag.COMPLETE, on))
        self.hide_contacts_check.toggled.connect(
            lambda on: self._flag(DossierFlag.HIDE_CONTACTS, on)
        )
        self.edit_number.clicked.connect(self.open_renumber)
        self.edit_owner.clicked.connect(self.open_owner)
        self.edit_provenance.clicked.connect(self.open_provenance)
        return box

    def _check(self, name: str, text: str) -> QCheckBox:
        check = QCheckBox(text)
        check.setObjectName(name)
        check.setAccessibleName(text)
        return check

    def _flag(self, flag: DossierFlag, value: bool):
        if self._rendering:
            return None
        if flag is DossierFlag.COMPLETE and value and self.view.dossier_id is not None:
            outcome = attempt(lambda: self.view.workspace.documents.missing(self.view.dossier_id))
            missing = outcome.value or []
            if missing:
                return self._confirm_complete(missing)
        self.view.execute(lambda service, d: service.set_flag(d.id, d.version, flag, value))
        return None

    def _confirm_complete(self, missing):
        """«Dossier complet» with pieces still missing: say which, tick only if confirmed."""
        listed = "\n".join(f"• {item.text}" for item in missing[:12]) + (
            f"\n… et {_others(len(missing) - 12)}" if len(missing) > 12 else ""
        )
        confirmed = []

        def tick() -> None:
            confirmed.append(True)
            self.view.execute(
                lambda service, d: service.set_flag(d.id, d.version, DossierFlag.COMPLETE, True)
            )

        box = confirm(
            self,
            "incompleteDossierDialog",
            "Dossier complet ?",
            f"Il manque encore {len(missing)} pièce{'s' if len(missing) > 1 else ''} à "
            "fournir. Marquer le dossier complet quand même ?",
            "Marquer complet",
            tick,
            listed,
        )
        box.finished.connect(
            lambda _r: (
                None if confirmed or self.view.detail is None else self.render(self.view.detail)
            )
        )
        return box

    def open_renumber(self):
        return self.view.open_dialog(
            RenumberDialog(self, self.view.workspace.dossiers, self.view.detail)
        )

    def open_owner(self):
        workspace = self.view.workspace
        return self.view.open_dialog(
            OwnerDialog(self, workspace.dossiers, workspace.office, self.view.detail)
        )

    def open_provenance(self):
        workspace = self.view.workspace
        return self.view.open_dialog(
            ProvenanceDialog(self, workspace.dossiers, workspace.office, self.view.detail)
        )

    # --- «Indications particulières» ---

    def _particulars_panel(self) -> QGroupBox:
        box = QGroupBox("Indications particulières")
        box.setObjectName("particularsPanel")
        layout = _compact(QVBoxLayout(box))
        checks = QGridLayout()
        checks.setHorizontalSpacing(18)
        layout.addLayout(checks)
        self.no_fees_check = self._check("noFeesCheck", "Pas d'honoraires")
        self.no_commission_check = self._check(
            "noBankCommissionCheck", "Pas de commission bancaire"
        )
        self.no_rebate_check = self._check("noRebateCheck", "Pas de ristourne")
        for position, (check, flag) in enumerate(
            (
                (self.no_fees_check, DossierFlag.NO_FEES),
                (self.no_commission_check, DossierFlag.NO_BANK_COMMISSION),
                (self.no_rebate_check, DossierFlag.NO_REBATE),
            )
        ):
            checks.addWidget(check, position // 2, position % 2)
            check.toggled.connect(lambda on, f=flag: self._flag(f, on))
        invoicing = QHBoxLayout()
        invoicing.setSpacing(6)
        invoicing.addWidget(field_name("Facturation"))
        self.new_invoice_button = QToolButton()
        self.new_invoice_button.setObjectName("newInvoiceButton")
        self.new_invoice_button.setIcon(icon("invoice-new"))
        self.new_invoice_button.setToolTip("Créer une facture pour ce dossier")
        self.new_invoice_button.setAccessibleName("Nouvelle facture")
        self.new_invoice_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        kinds = QMenu(self.new_invoice_button)
        for kind in InvoiceKind:
            action = kinds.addAction(kind.label)
            action.setObjectName(f"generalNewInvoice_{kind.value}")
            action.triggered.connect(
                lambda _c=False, k=kind: self.view.show_invoices().new_invoice(k)
            )
        self.new_invoice_button.setMenu(kinds)
        self.invoices_button = QToolButton()
        self.invoices_button.setObjectName("invoicesButton")
        self.invoices_button.setIcon(icon("invoices"))
        self.invoices_button.setToolTip("Ouvrir « Facturation » sur les factures de ce dossier")
        self.invoices_button.setAccessibleName("Factures du dossier")
        self.invoices_button.clicked.connect(lambda _c=False: self._open_invoicing())
        invoicing.addWidget(self.new_invoice_button)
        invoicing.addWidget(self.invoices_button)
        invoicing.addStretch(1)
        checks.addLayout(invoicing, 1, 1)
        return box

    def _open_invoicing(self) -> None:
        detail = self.view.detail
        if detail is not None:
            self.view.invoicing_requested.emit(detail.id, detail.number)

    # --- «Simulations» ---

    def _simulations_panel(self) -> QGroupBox:
        box = QGroupBox("Simulations")
        box.setObjectName("simulationsBlock")
        self.simulations_layout = _compact(QVBoxLayout(box))
        self.simulations_label = QLabel()
        self.simulations_label.setObjectName("simulationsList")
        self.simulations_label.setWordWrap(True)
        self.simulations_label.setTextFormat(Qt.TextFormat.RichText)
        self.simulations_label.setToolTip("Cliquer sur une simulation pour l'ouvrir")
        self.simulations_label.linkActivated.connect(self._open_simulation)
        row = QHBoxLayout()
        row.addWidget(self.simulations_label, 1)
        self.new_simulation_button = QPushButton("+ Simulation")
        self.new_simulation_button.setObjectName("newSimulationFromGeneralButton")
        self.new_simulation_button.setToolTip(
            "Une simulation du montant que le projet laisse à financer"
        )
        self.new_simulation_button.clicked.connect(self._new_simulation)
        row.addWidget(self.new_simulation_button, 0, Qt.AlignmentFlag.AlignTop)
        self.simulations_layout.addLayout(row)
        return box

    def _open_simulation(self, link: str) -> None:
        """«simulation:ID»: the «Simulations» tab, on that one."""
        simulation_id = int(link.removeprefix("simulation:"))
        self.view.show_simulations().select(simulation_id)

    def _new_simulation(self) -> None:
        self.view.show_simulations().create()

    # --- «État d'avancement» ---

    def _progress_panel(self) -> QGroupBox:
        box = QGroupBox("État d'avancement")
        box.setObjectName("progressPanel")
        layout = _compact(QVBoxLayout(box))
        self.gauge = ProgressGauge()
        layout.addWidget(self.gauge)
        moves = QHBoxLayout()
        self.previous_button = QPushButton(icon("previous"), " Étape précédente")
        self.previous_button.setObjectName("previousStepButton")
        self.next_button = QPushButton(icon("next"), " Étape suivante")
        self.next_button.setObjectName("nextStepButton")
        self.next_button.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.step_label = rich(QLabel())  # the step's name in bold, escaped
        self.step_label.setObjectName("currentStepLabel")
        self.step_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        moves.addWidget(self.previous_button)
        moves.addWidget(self.step_label, 1)
        moves.addWidget(self.next_button)
        layout.addLayout(moves)
        self.previous_button.clicked.connect(lambda: self._move(-1))
        self.next_button.clicked.connect(lambda: self._move(1))
        self.history_label = set_role(QLabel(), "hint")
        self.history_label.setObjectName("stepHistory")
        self.history_label.setTextFormat(Qt.TextFormat.RichText)
        self.history_label.setWordWrap(True)
        layout.addWidget(self.history_label)

        dates = QGridLayout()
        dates.setHorizontalSpacing(10)
        dates.setVerticalSpacing(6)
        self.date_fields: dict[DossierDate, DateField] = {}
        specs = (
            (DossierDate.CREATED, "creationDateEdit", "Date de création", False),
            (DossierDate.CLIENT_AGREEMENT, "agreementDateEdit", "Accord client", True),
            (DossierDate.OFFER_SIGNED, "offerSignedDateEdit", "Signature de l'offre", True),
            (DossierDate.DEED_SIGNED, "deedSignedDateEdit", "Signature de l'acte", True),
            (DossierDate.FUNDS_RELEASED, "fundsReleaseDateEdit", "Déblocage des fonds", True),
        )
        for row, (which, name, label, optional) in enumerate(specs):
            field = DateField(name, label, optional=optional)
            field.edited.connect(lambda value, w=which: self._set_date(w, value))
            self.date_fields[which] = field
            name_label = field_name(label)
            name_label.setWordWrap(False)
            dates.addWidget(name_label, row // 2, row % 2 * 2)
            dates.addWidget(field, row // 2, row % 2 * 2 + 1)
        layout.addLayout(dates)
        self.dates_error = ErrorLabel("datesError")
        layout.addWidget(self.dates_error)
        return box

    def _move(self, direction: int) -> None:
        self.view.execute(lambda service, d: service.move_step(d.id, d.version, direction))

    def _set_date(self, which: DossierDate, value) -> None:
        if self._rendering:
            return
        # A refusal goes next to the dates; the field goes back to the saved value.
        saved = self.view.execute(
            lambda service, d: service.set_date(d.id, d.version, which, value),
            on_refusal=lambda error: self.dates_error.show_message(error.message),
        )
        if saved is not None:
            self.dates_error.clear_message()

    # --- «Bloc-note»: every comment of the dossier ---

    def _comments_panel(self) -> QGroupBox:
        box = QGroupBox("Bloc-note")
        box.setObjectName("commentsPanel")
        layout = _compact(QVBoxLayout(box))
        top = QHBoxLayout()
        hint = set_role(
            QLabel("Commentaires de tous les onglets, du plus récent au plus ancien."), "hint"
        )
        top.addWidget(hint, 1)
        self.add_comment_button = comment_button(lambda: self.view.open_comment(DossierTab.GENERAL))
        top.addWidget(self.add_comment_button)
        layout.addLayout(top)
        self.comments_model = QStandardItemModel(self)
        self._comments: tuple = ()
        self._comments_of: int | None = None
        self._all_comments = False
        self.comments_view = QListView()
        self.comments_view.setObjectName("commentsBlock")
        self.comments_view.setAccessibleName("Bloc-note : commentaires du dossier")
        self.comments_view.setModel(self.comments_model)
        self.comments_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.comments_view.setWordWrap(True)
        self.comments_view.setSpacing(2)
        self.comments_view.setMinimumHeight(150)
        self.comments_view.setMouseTracking(True)
        self.comments_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.comments_view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.comments_view.setItemDelegate(CommentDelegate(self.comments_view))
        self.comments_view.clicked.connect(self._open_comment_at)
        self.comments_view.activated.connect(self._open_comment_at)
        layout.addWidget(self.comments_view)
        return box

    def render_comments(self, comments) -> None:
        """The newest `SHOWN_COMMENTS` comments; older ones on demand (a dossier followed for
        years gathers hundreds: laying them all out made the window slow to open)."""
        dossier_id = self.view.dossier_id
        if dossier_id != self._comments_of:
            self._comments_of, self._all_comments = dossier_id, False
        self._comments = comments
        shown = comments if self._all_comments else comments[:SHOWN_COMMENTS]
        self.comments_model.clear()
        for comment in shown:
            self.comments_model.appendRow(comment_item(comment))
        if len(shown) < len(comments):
            older = len(comments) - len(shown)
            more = QStandardItem(
                f"Afficher {'le' if older == 1 else 'les'} {older} commentaire"
                f"{'s' if older > 1 else ''} plus ancien{'s' if older > 1 else ''}…"
            )
            more.setData(_SHOW_OLDER, Qt.ItemDataRole.UserRole)
            more.setForeground(QColor("#1f5fbf"))
            self.comments_model.appendRow(more)
        if not comments:
            empty = QStandardItem("Aucun commentaire : « + Commentaire » en ajoute un.")
            empty.setEnabled(False)
            self.comments_model.appendRow(empty)

    def _open_comment_at(self, index) -> None:
        comment = index.data(Qt.ItemDataRole.UserRole)
        if comment == _SHOW_OLDER:
            self._all_comments = True
            self.render_comments(self._comments)
        elif comment is not None:
            self.view.open_comment(comment.tab, comment)

    # --- «Note interne» ---

    def _note_panel(self) -> QGroupBox:
        box = QGroupBox("Note interne")
        box.setObjectName("notePanel")
        layout = _compact(QVBoxLayout(box))
        self.note = NoteEditor()
        layout.addWidget(self.note)
        self.note_status = set_role(QLabel(), "hint")
        self.note_status.setObjectName("noteStatus")
        layout.addWidget(self.note_status)
        self.note.saveRequested.connect(self._save_note)
        return box

    def _save_note(self, markup: str) -> None:
        detail = self.view.detail
        if detail is None:
            return
        service = self.view.workspace.dossiers
        outcome = attempt(lambda: service.save_note(detail.id, detail.version, markup))
        if outcome.conflict is not None:
            # Changed elsewhere meanwhile: reload the rest of the dossier, keep the typed note
            # in the editor (it is still unsaved) and say so; the next save uses the new version.
            self.note.mark_unsaved()
            self.view.reload()
            self.view.show_error(
                DomainError(
                    "Ce dossier a été modifié ailleurs pendant que vous écriviez : il a été "
                    "rechargé. Votre note n'est pas encore enregistrée ; elle reste dans "
                    "l'éditeur et sera enregistrée à la prochaine modification ou à la fermeture."
                )
            )
            self.note_status.setText("Note non enregistrée : le texte est conservé dans l'éditeur.")
            return
        refusal = outcome.refusal or outcome.gone
        if refusal is not None or outcome.value is None:
            self.note.mark_unsaved()
            if refusal is not None:
                self.view.show_error(refusal)
            self.note_status.setText("Note non enregistrée : le texte est conservé dans l'éditeur.")
            return
        self.note_status.setText("Enregistré automatiquement.")
        self.view.detail = outcome.value  # the editor already shows this text
        self.view.changed.emit(outcome.value.id, outcome.value.changes)

    # --- rendering ---

    _rendering = False

    def render(self, detail: DossierDetail) -> None:
        self._rendering = True
        try:
            self._render(detail)
        finally:
            self._rendering = False

    def _render(self, detail: DossierDetail) -> None:
        editable = not detail.is_read_only
        self.number_label.setText(detail.number)
        self.holder_label.setText(detail.holder_name)
        self.household_label.setText(detail.household)
        self.owner_label.setText(detail.owner.label)
        provenance = detail.provenance.label
        if detail.provenance_detail:
            provenance += f" — {detail.provenance_detail}"
        if detail.referrer:  # a second line, its heading in normal weight: the data escaped
            rich(self.provenance_label).setText(
                escape(provenance)
                + "<br><span style='font-weight:normal'>Apporteur d'affaires : </span>"
                + escape(detail.referrer.label)
            )
        else:
            plain(self.provenance_label).setText(provenance)
        self.edit_number.setVisible(detail.rights.renumber and editable)
        self.edit_owner.setVisible(detail.rights.change_owner and editable)
        self.edit_provenance.setVisible(editable)
        for check, value in (
            (self.complete_check, detail.is_complete),
            (self.hide_contacts_check, detail.hide_contacts),
            (self.no_fees_check, detail.no_fees),
            (self.no_commission_check, detail.no_bank_commission),
            (self.no_rebate_check, detail.no_rebate),
        ):
            check.setChecked(value)
            check.setEnabled(editable)

        index = detail.current_step_index
        self.gauge.set_steps(detail.steps, index)
        step = detail.current_step
        self.step_label.setText(f"<b>{escape(step.name)}</b> — {step.percent} %")
        self.previous_button.setEnabled(editable and index > 0)
        self.next_button.setEnabled(editable and index < len(detail.steps) - 1)
        lines = history_lines(detail)
        self.history_label.setText(
            "<b>Dernières étapes</b><br>"
            + "<br>".join(escape(line) for line in lines[:3])
            + (
                f"<br>… et {_others(len(lines) - 3)} : tout l'historique est dans l'onglet "
                "« Pipeline »"
                if len(lines) > 3
                else ""
            )
        )
        self.history_label.setToolTip(plain_tooltip("\n".join(lines)))
        for which, field in self.date_fields.items():
            field.set_value(getattr(detail, which.value))
            field.setEnabled(editable)

        if detail.simulations:
            rows = [
                f"<a href='simulation:{s.id}'><b>{escape(s.name)}</b></a> — "
                f"{format_amount(s.amount_cents)} à "
                f"{format_rate(s.rate_mpct)} sur {format_duration(s.duration_months)} "
                f"<span style='color:#5b6878'>({s.status.label})</span>"
                for s in detail.simulations
            ]
            self.simulations_label.setText("<br>".join(rows))
        else:
            self.simulations_label.setText(
                "<span style='color:#5b6878'>Aucune simulation pour ce dossier.</span>"
            )

        self.new_simulation_button.setEnabled(editable)
        self.note.set_read_only(not editable)
        self.note.set_html(detail.internal_note)
        self.add_comment_button.setEnabled(editable)


def history_lines(detail: DossierDetail) -> list[str]:
    """The steps the dossier went through, the latest first, one line each."""
    return [
        f"{format_datetime(change.changed_at)} — {change.step_name} ({change.percent} %)"
        + (f" — {change.user_name}" if change.user_name else "")
        for change in reversed(detail.history)
    ]
