"""A document's preview in the «Documents» tab: a PDF's pages, an image, or why there is
nothing to show. The bytes are given to Qt in memory (an encrypted office's documents are
never written to disk decrypted); QtPdf is loaded the first time a PDF is shown."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QStackedWidget

from ui.common import set_role

_IMAGES = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"})


def _buffer(content: QByteArray, parent: QObject | None = None) -> QBuffer:
    buffer = QBuffer(parent)
    buffer.setData(content)  # shared, not copied
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    return buffer


class DocumentPreview(QStackedWidget):
    """A PDF's pages or an image, or why there is nothing to show."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("documentPreview")
        self.message = set_role(QLabel("Choisissez un document pour le voir ici."), "hint")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.addWidget(self.message)
        self.image = QLabel()
        self.image.setObjectName("documentImage")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        image_area = QScrollArea()
        image_area.setWidgetResizable(True)
        image_area.setWidget(self.image)
        self.addWidget(image_area)
        self.pdf_view: Any = None  # QPdfView, on the first PDF
        self.pdf_document: Any = None
        self._buffer: QBuffer | None = None  # the PDF's bytes, read by Qt as it pages
        self.shown = ""  # "pdf", "image" or "" (read back by the tests)

    def clear(self, text: str = "Choisissez un document pour le voir ici.") -> None:
        if self.pdf_document is not None:
            self.pdf_document.close()
        self._buffer = None
        self.message.setText(text)
        self.setCurrentWidget(self.message)
        self.shown = ""

    def show_content(self, content: QByteArray | None, filename: str) -> None:
        """The document's bytes (decrypted in memory: nothing of it is written to disk), in
        Qt's hands alone: the caller lets its Python copy go first (`_preview`), so that a
        50 MB PDF is not held twice while Qt parses it."""
        extension = filename.rpartition(".")[2].lower() if "." in filename else ""
        if content is None:
            self.clear("Le fichier de ce document est introuvable sur le disque.")
        elif extension == "pdf":
            self._show_pdf(content)
        elif extension in _IMAGES:
            self._show_image(content)
        else:
            self.clear(f"Pas d'aperçu pour « {filename} » : ouvrez-le (double-clic).")

    def _show_pdf(self, content: QByteArray) -> None:
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView

        if self.pdf_view is None:
            self.pdf_document = QPdfDocument(self)
            self.pdf_view = QPdfView(self)
            self.pdf_view.setObjectName("documentPdfView")
            self.pdf_view.setDocument(self.pdf_document)
            self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
            self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            self.addWidget(self.pdf_view)
        self.pdf_document.close()
        self._buffer = _buffer(content)  # the previous one goes with the closed document
        self.pdf_document.load(self._buffer)
        if self.pdf_document.status() != QPdfDocument.Status.Ready:
            self.clear("Ce PDF ne peut pas être affiché (abîmé ou protégé) : ouvrez-le.")
            return
        self.setCurrentWidget(self.pdf_view)
        self.shown = "pdf"

    def _show_image(self, content: QByteArray) -> None:
        buffer = _buffer(content)  # read at once below, then let go
        reader = QImageReader(buffer)
        reader.setDecideFormatFromContent(True)
        reader.setAutoTransform(True)  # a phone's photo of a payslip, the right way up
        size = reader.size()
        if size.isValid() and size.width() > 2000:
            reader.setScaledSize(size.scaled(QSize(2000, 2000), Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if image.isNull():
            self.clear("Cette image ne peut pas être affichée : ouvrez-la.")
            return
        pixmap = QPixmap.fromImage(image)
        width = max(200, self.width() - 30)
        if pixmap.width() > width:
            pixmap = pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        self.image.setPixmap(pixmap)
        self.setCurrentIndex(1)
        self.shown = "image"
