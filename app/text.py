"""French formatting and text folding. Plain functions, no database, no Qt."""

from __future__ import annotations

import datetime as dt
import unicodedata

from app.errors import DomainError

_NBSP = "\u202f"  # narrow no-break space, the French thousands separator


# Bidirectional embeddings, overrides and isolates: «\u202e» makes «fdp.exe» read «exe.pdf».
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def strip_unsafe(text: str) -> str:
    """Remove what no user means to type and what breaks storage or display: control
    characters (tabs and line breaks kept), lone surrogates (not valid UTF-8) and the
    bidirectional overrides."""
    return "".join(
        c
        for c in text
        if c in "\t\n\r"
        or (unicodedata.category(c) not in ("Cc", "Cs") and c not in _BIDI_CONTROLS)
    )


def fold(text: str) -> str:
    """Lower-case and strip accents, for searching and sorting («Éloïse» → «eloise»)."""
    decomposed = unicodedata.normalize("NFKD", strip_unsafe(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def format_date(value: dt.date | None) -> str:
    """dd/mm/yyyy, or an empty string."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_datetime(value: dt.datetime | None) -> str:
    return value.strftime("%d/%m/%Y à %H:%M") if value else ""


def format_amount(cents: int) -> str:
    """«1 234,56 €» from integer cents."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", _NBSP)
    return f"{sign}{grouped},{rest:02d}\u00a0€"


def format_rate(mpct: int) -> str:
    """«3,450 %» from thousandths of a percent, trailing zeros kept to two decimals."""
    text = f"{mpct / 1000:.3f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{mpct / 1000:.2f}"
    return text.replace(".", ",") + "\u00a0%"


def format_duration(months: int) -> str:
    years, rest = divmod(months, 12)
    if rest == 0:
        return f"{years} an" + ("s" if years > 1 else "")
    return f"{months} mois"


def person_name(first_name: str, last_name: str) -> str:
    """How a person is shown in lists: «DUPONT Marie»."""
    return f"{last_name.upper()} {first_name}".strip()


def parse_amount(text: str, field: str = "amount") -> int | None:
    """«2 850,50», «2850.5», «2 850 €» → cents; empty → None. Raises DomainError."""
    cleaned = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("€", "")
    if not cleaned:
        return None
    cleaned = cleaned.replace(",", ".")
    negative = cleaned.startswith("-")
    body = cleaned[1:] if negative else cleaned
    whole, _, decimals = body.partition(".")
    if (
        not (whole.isascii() and whole.isdigit())  # «²» and «١٢٣» are digits for Python
        or (decimals and not (decimals.isascii() and decimals.isdigit()))
        or len(decimals) > 2
        or len(whole) > 13
    ):
        raise DomainError("Montant invalide : saisissez par exemple 2 850,50.", field=field)
    cents = int(whole) * 100 + int(decimals.ljust(2, "0") or 0)
    return -cents if negative else cents


def format_amount_input(cents: int | None) -> str:
    """The value shown in an amount field: «2 850,50» (no currency sign), or ''."""
    if cents is None:
        return ""
    return format_amount(cents).removesuffix("\u00a0€")
