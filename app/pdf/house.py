"""The house style of Dossia's PDFs, on reportlab (imported only when a PDF is made: it costs
≈ 0.2 s).

- Fonts: Bitstream Vera, shipped inside reportlab itself (its licence allows it), which
  covers French («œ», «€», «’», guillemets). reportlab has no font fallback: an emoji the
  font lacks is left out, any other character it lacks is printed «?» (never an empty box).
- User text is always escaped (`para`): reportlab's Paragraph markup is an injection surface
  (`<img src>` reads local files, unbalanced tags raise). Only the tags written here are used.
- Every page: the office's name and the document's title at the top, «Page n / N» and the
  date of printing at the bottom.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.text import format_date, strip_unsafe

FONT, BOLD, ITALIC = "DossiaSans", "DossiaSans-Bold", "DossiaSans-Italic"
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
ACCENT = colors.HexColor("#1f5f8b")
RULE = colors.HexColor("#cbd2d9")
SHADE = colors.HexColor("#f0f4f8")
MARGIN = 18 * mm
FRAME_PADDING = 6  # reportlab's frames keep 6 pt inside the margins
WIDTH = A4[0] - 2 * MARGIN - 2 * FRAME_PADDING

_glyphs: frozenset[int] = frozenset()


def _register_fonts() -> None:
    global _glyphs
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(reportlab.__file__).parent / "fonts"
    regular = TTFont(FONT, os.fspath(folder / "Vera.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, os.fspath(folder / "VeraBd.ttf")))
    pdfmetrics.registerFont(TTFont(ITALIC, os.fspath(folder / "VeraIt.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)
    _glyphs = frozenset(regular.face.charToGlyph)


def printable(text: str) -> str:
    """`text` without control characters; a space the font lacks (the narrow no-break
    space of French amounts) becomes a no-break space, any other missing character «?»."""
    _register_fonts()
    return "".join(_printable_char(c) for c in strip_unsafe(text))


def _printable_char(char: str) -> str:
    if ord(char) in _glyphs or char in "\n\t":
        return char
    if unicodedata.category(char) == "Zs":
        return "\u00a0" if 0xA0 in _glyphs else " "
    if _is_emoji(char):
        return ""  # a pictogram the font cannot draw: left out rather than a «?»
    return "?"


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return (
        code >= 0x1F000  # emoticons, pictographs, flags
        or 0x2600 <= code <= 0x27BF  # miscellaneous symbols, dingbats
        or code in (0x200D, 0xFE0E, 0xFE0F, 0x20E3)  # joiner, presentation selectors, keycap
        or unicodedata.category(char) == "So"
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of user text: escaped, line breaks kept."""
    escaped = html.escape(printable(text), quote=False).replace("\n", "<br/>")
    return Paragraph(escaped, style)


class Styles:
    def __init__(self) -> None:
        _register_fonts()
        base = ParagraphStyle(
            "body", fontName=FONT, fontSize=9, leading=12, textColor=INK, alignment=TA_LEFT
        )
        self.body = base
        self.small = ParagraphStyle("small", base, fontSize=8, leading=10, textColor=MUTED)
        self.label = ParagraphStyle("label", base, fontSize=8.5, textColor=MUTED)
        self.cell = ParagraphStyle("cell", base, fontSize=8, leading=10)
        self.head = ParagraphStyle("head", base, fontName=BOLD, fontSize=8, leading=10)
        self.title = ParagraphStyle(
            "title", base, fontName=BOLD, fontSize=17, leading=22, spaceAfter=4, textColor=ACCENT
        )
        self.h1 = ParagraphStyle(
            "h1",
            base,
            fontName=BOLD,
            fontSize=12.5,
            leading=16,
            spaceBefore=10,
            spaceAfter=4,
            textColor=ACCENT,
        )
        self.bullet = ParagraphStyle(
            "bullet", base, leftIndent=14, bulletIndent=3, bulletFontName=FONT
        )
        self.h2 = ParagraphStyle(
            "h2", base, fontName=BOLD, fontSize=10, leading=13, spaceBefore=8, spaceAfter=3
        )


def key_values(pairs: Sequence[tuple[str, str]], styles: Styles) -> Table:
    """Label / value lines (empty values shown as «—»)."""
    rows = [[para(label, styles.label), para(value or "—", styles.body)] for label, value in pairs]
    table = Table(rows, colWidths=[WIDTH * 0.32, WIDTH * 0.68])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),  # embedded, like every font here
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    return table


def grid(headers: Sequence[str], rows: Sequence[Sequence[str]], styles: Styles) -> Table:
    """A table with a header row, repeated on each page. Each column is at least as wide as
    its longest word (no word broken in two); the rest of the width goes by content length."""
    floors, weights = [], []

    def stringWidth(word: str) -> float:
        return pdfmetrics.stringWidth(printable(word), BOLD, styles.head.fontSize)

    for column, header in enumerate(headers):
        cells = [header] + [row[column] for row in rows]
        # Words split at plain spaces only: «3,50 %», «1 234,56 €» (no-break) stay whole.
        words = (word for cell in cells for word in cell.split(" "))
        longest_word = max(words, key=lambda w: stringWidth(w), default="")
        word_width = stringWidth(longest_word)
        floors.append(min(word_width + 13, WIDTH / 3))  # + the cell's paddings
        weights.append(max(len(header), *(min(len(cell), 80) for cell in cells)))
    spare = max(0.0, WIDTH - sum(floors))
    total = sum(weights) or 1
    widths = [floor + spare * weight / total for floor, weight in zip(floors, weights, strict=True)]
    if sum(floors) > WIDTH:  # too many wide words: share the width by content
        widths = [WIDTH * weight / total for weight in weights]
    data: list[list[Any]] = [[para(h, styles.head) for h in headers]]
    data += [[para(value or "—", styles.cell) for value in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def bullets(texts: Sequence[str], styles: Styles) -> list[Paragraph]:
    """A list of user texts, one bullet each."""
    return [
        Paragraph(html.escape(printable(text), quote=False), styles.bullet, bulletText="•")
        for text in texts
    ]


def letterhead(lines: Sequence[str], logo: bytes | None, styles: Styles) -> list[Any]:
    """The office's identity at the top of a document: its logo (the image file's bytes,
    decrypted in memory in an encrypted office), then its lines."""
    story: list[Any] = []
    if logo:
        image = Image(io.BytesIO(logo))
        ratio = image.imageHeight / image.imageWidth if image.imageWidth else 1
        image.drawWidth, image.drawHeight = 40 * mm, 40 * mm * ratio
        image.hAlign = "LEFT"
        story.append(image)
    story += [para(line, styles.small) for line in lines]
    story.append(SPACE)
    return story


def heading_with(flowable: Any, heading: Paragraph) -> KeepTogether:
    """A heading that never ends a page alone."""
    return KeepTogether([heading, flowable])


def _numbered_canvas(office: str, title: str, printed_on: dt.date) -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Draws the frame of every page once the number of pages is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Not reportlab's default Helvetica, which it would select (never drawing with
            # it) unembedded on every page: PDF/A (Factur-X) wants every font embedded.
            kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab's own reset

        def save(self) -> None:
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._frame(count)
                super().showPage()
            super().save()

        def _frame(self, count: int) -> None:
            width, height = A4
            self.saveState()
            self.setFont(BOLD, 8.5)
            self.setFillColor(INK)
            self.drawString(MARGIN, height - 12 * mm, printable(office))
            self.setFont(FONT, 8.5)
            self.setFillColor(MUTED)
            self.drawRightString(width - MARGIN, height - 12 * mm, printable(title))
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN, height - 14 * mm, width - MARGIN, height - 14 * mm)
            self.line(MARGIN, 13 * mm, width - MARGIN, 13 * mm)
            self.drawString(MARGIN, 9 * mm, f"Imprimé le {format_date(printed_on)}")
            self.drawRightString(width - MARGIN, 9 * mm, f"Page {self.getPageNumber()} / {count}")
            self.restoreState()

    return NumberedCanvas


def build(
    target: Path,
    story: list[Any],
    *,
    office: str,
    title: str,
    author: str = "",
    printed_on: dt.date | None = None,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Write the PDF to `target` (a path the caller made atomic and private)."""
    document = SimpleDocTemplate(
        os.fspath(target),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=printable(title),
        author=printable(author),
        creator="Dossia",
    )
    if stop is not None:
        document.setProgressCallBack(lambda kind, value: _check_stop(stop))
    document.build(
        story,
        canvasmaker=_numbered_canvas(office, title, printed_on or dt.date.today()),
    )


class Stopped(Exception):
    """The user cancelled while the PDF was being laid out."""


def _check_stop(stop: Callable[[], bool]) -> None:
    if stop():
        raise Stopped


SPACE = Spacer(1, 4 * mm)
