"""The «Bloc-note»: every comment of the dossier as it was written (bold, italics, lists),
under a heading that says when, on which tab and by whom — an automatic comment marked
apart from a user's, the «note de synthèse» ones flagged."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QStandardItem,
    QTextDocument,
)
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.richtext import plain_text, sanitize

PAD = 10
BODY_LINES = 4  # a longer comment is cut (its dialog shows it whole)
_STRIPE_MANUAL = QColor("#1f5fbf")
_STRIPE_AUTOMATIC = QColor("#9aa5b1")
_HEADING = QColor("#4b5a6c")
_AUTOMATIC_PILL = (QColor("#e8ecf2"), QColor("#3f4b5b"))
_SYNTHESIS_PILL = (QColor("#fff1cc"), QColor("#7a5200"))
_AUTOMATIC_BACKGROUND = QColor("#f4f6f9")


def comment_item(comment) -> QStandardItem:
    """One comment's row. Its text (heading and words, amounts kept whole) is what
    accessibility tools read; the delegate draws the comment itself."""
    markers = ["Automatique"] if comment.automatic else []
    if comment.in_synthesis:
        markers.append("★ Note de synthèse")
    words = " ".join(plain_text(comment.body).split(" "))  # no-break spaces kept
    excerpt = " ".join(line.strip() for line in words.splitlines() if line.strip())
    heading = comment.heading + (f"   [{' · '.join(markers)}]" if markers else "")
    item = QStandardItem(f"{heading}\n{excerpt}")
    item.setData(comment, Qt.ItemDataRole.UserRole)
    item.setToolTip("Cliquer pour ouvrir le commentaire")
    return item


class CommentDelegate(QStyledItemDelegate):
    """Draws a comment: a coloured edge (blue: a user's, grey: automatic), the heading with
    its markers, then the comment's own formatting over at most `BODY_LINES` lines. Rows
    that are not comments (the «older comments» line, the empty state) are drawn as text."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        self._documents: dict[tuple[int, object, int], QTextDocument] = {}

    # --- layout ---

    def _width(self) -> int:
        return max(120, self._view.viewport().width() - 2 * self._view.spacing())

    def _document(self, comment, width: int) -> QTextDocument:
        key = (comment.id, comment.updated_at, width)
        document = self._documents.get(key)
        if document is None:
            if len(self._documents) > 400:
                self._documents.clear()
            document = QTextDocument()
            document.setDocumentMargin(0)
            document.setDefaultFont(self._view.font())
            document.setDefaultStyleSheet("p, ul, ol { margin: 0; } li { margin: 0; }")
            document.setHtml(sanitize(comment.body))
            document.setTextWidth(width - 2 * PAD - 4)
            self._documents[key] = document
        return document

    def shown_document(self, index: QModelIndex | QPersistentModelIndex) -> QTextDocument | None:
        """The comment of this row as it is drawn (None for a row that is no comment)."""
        comment = index.data(Qt.ItemDataRole.UserRole)
        return self._document(comment, self._width()) if hasattr(comment, "body") else None

    def _body_height(self, document: QTextDocument) -> int:
        most = QFontMetrics(self._view.font()).lineSpacing() * BODY_LINES
        return min(int(document.size().height()) + 1, most)

    def _heading_font(self) -> QFont:
        font = QFont(self._view.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        font.setBold(True)
        return font

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        comment = index.data(Qt.ItemDataRole.UserRole)
        if not hasattr(comment, "body"):
            return super().sizeHint(option, index)
        width = self._width()
        heading = QFontMetrics(self._heading_font()).height() + 6
        body = self._body_height(self._document(comment, width))
        return QSize(width, PAD + heading + body + PAD)

    # --- painting ---

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        comment = index.data(Qt.ItemDataRole.UserRole)
        if not hasattr(comment, "body"):
            super().paint(painter, option, index)
            return
        rect = option.rect
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected:
            painter.fillRect(rect, QColor("#d7e4f7"))
        elif hovered:
            painter.fillRect(rect, QColor("#eef3fa"))
        elif comment.automatic:
            painter.fillRect(rect, _AUTOMATIC_BACKGROUND)
        painter.fillRect(
            rect.left(),
            rect.top() + 4,
            3,
            rect.height() - 8,
            _STRIPE_AUTOMATIC if comment.automatic else _STRIPE_MANUAL,
        )
        left = rect.left() + PAD + 4
        heading_font = self._heading_font()
        metrics = QFontMetrics(heading_font)
        top = rect.top() + PAD
        painter.setFont(heading_font)
        painter.setPen(_HEADING)
        when = f"{comment.created_at:%d/%m/%Y %H:%M} — {comment.tab.label}"
        who = "" if comment.automatic else f" — {comment.author}"
        text = metrics.elidedText(
            when + who, Qt.TextElideMode.ElideRight, rect.right() - left - 260
        )
        painter.drawText(left, top + metrics.ascent(), text)
        x = left + metrics.horizontalAdvance(text) + 10
        pills = []
        if comment.automatic:
            pills.append(("⚙ Automatique", _AUTOMATIC_PILL))
        if comment.in_synthesis:
            pills.append(("★ Note de synthèse", _SYNTHESIS_PILL))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for label, (background, foreground) in pills:
            width = metrics.horizontalAdvance(label) + 14
            pill = QRectF(x, top - 1, width, metrics.height() + 2)
            path = QPainterPath()
            path.addRoundedRect(pill, pill.height() / 2, pill.height() / 2)
            painter.fillPath(path, background)
            painter.setPen(foreground)
            painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), label)
            x += width + 6
        body_top = top + metrics.height() + 6
        document = self._document(comment, self._width())
        shown = self._body_height(document)
        painter.translate(left, body_top)
        document.drawContents(painter, QRectF(0, 0, document.textWidth(), shown))
        if document.size().height() > shown + 1:  # cut: say so
            painter.setPen(_HEADING)
            painter.setFont(self._view.font())
            painter.drawText(
                QRectF(
                    0, shown - QFontMetrics(self._view.font()).height(), document.textWidth(), 40
                ),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                "…",
            )
        painter.restore()
