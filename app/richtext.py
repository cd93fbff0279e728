"""Rich text stored as a small, safe subset of HTML.

Qt's `toHtml()` marks bold as `<span style="font-weight:700">`; Word and web pages bring
classes, fonts and scripts. We first rewrite styled spans into `<b>`, `<i>`, `<u>` and drop
everything else, then pass the result through nh3's allow-list as the final guarantee.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

from app.text import strip_unsafe

ALLOWED_TAGS = {"b", "i", "u", "p", "br", "ul", "ol", "li"}
MAX_LENGTH = 200_000  # characters of stored HTML: a whole book's chapter, not a paste of a PDF

_ALIASES = {"strong": "b", "em": "i", "ins": "u"}
_SKIP_CONTENT = {"head", "style", "script", "title", "template", "noscript", "xml"}
_BOLD = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.I)
_ITALIC = re.compile(r"font-style\s*:\s*italic", re.I)
_EMPTY_PARAGRAPH = re.compile(r"<p></p>")
_UNDERLINE = re.compile(r"text-decoration[^;]*underline", re.I)


class _Simplifier(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._stack: list[list[str]] = []  # tags opened for each open source element
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_CONTENT:
            self._skip_depth += 1
            return
        if self._skip_depth:
            return
        if tag == "br":
            self.out.append("<br>")
            return
        opened = []
        name = _ALIASES.get(tag, tag)
        if name in ALLOWED_TAGS:
            opened.append(name)
        style = dict(attrs).get("style") or ""
        for pattern, styled in ((_BOLD, "b"), (_ITALIC, "i"), (_UNDERLINE, "u")):
            if pattern.search(style) and styled not in opened:
                opened.append(styled)
        self.out.extend(f"<{t}>" for t in opened)
        self._stack.append(opened)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self._skip_depth:
            self.out.append("<br>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_CONTENT:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if self._skip_depth or tag == "br" or not self._stack:
            return
        opened = self._stack.pop()
        self.out.extend(f"</{t}>" for t in reversed(opened))

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.out.append(html.escape(data, quote=False))


def sanitize(markup: str) -> str:
    """Return the allowed subset of `markup`; an editor with nothing typed gives ''."""
    parser = _Simplifier()
    parser.feed(strip_unsafe(markup))
    parser.close()
    cleaned = nh3.clean("".join(parser.out), tags=ALLOWED_TAGS, attributes={})
    cleaned = _EMPTY_PARAGRAPH.sub("", cleaned).strip()
    return "" if is_blank(cleaned) else cleaned


def is_blank(markup: str) -> bool:
    """True when the markup shows no text (only empty paragraphs or line breaks)."""
    return not plain_text(markup).strip()


def plain_text(markup: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>|</li>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", text))
