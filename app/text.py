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


# Letters that no accent-stripping decomposes: French keyboards have no «œ» nor «æ», so
# brokers type «oe» and «ae» («LŒUILLIET Lætitia» is found with «loeuilliet laetitia»).
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d"})


def fold(text: str) -> str:
    """Lower-case, strip accents and spell ligatures out, for searching and sorting
    («Éloïse» → «eloise», «Lætitia» → «laetitia»)."""
    decomposed = unicodedata.normalize("NFKD", strip_unsafe(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().translate(_LIGATURES).split())


def format_date(value: dt.date | None) -> str:
    """dd/mm/yyyy, or an empty string."""
    return value.strftime("%d/%m/%Y") if value else ""


FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
_DATE_HELP = "Date invalide : saisissez par exemple 15/03/1985 ou 15031985."


def parse_date(text: str, today: dt.date | None = None, field: str = "date") -> dt.date | None:
    """A date as a French user types it: «15/03/1985», «15031985», «15.03.85», «15 3 1985»,
    «15-03-1985»; two-digit years in the century that makes them at most 20 years ahead.
    Empty: None. Anything else: a DomainError saying what is expected."""
    cleaned = text.strip()
    if not cleaned:
        return None
    for separator in "/.- ":
        cleaned = cleaned.replace(separator, " ")
    parts = cleaned.split()
    if len(parts) == 1 and parts[0].isascii() and parts[0].isdigit():
        digits = parts[0]
        if len(digits) not in (6, 8):
            raise DomainError(_DATE_HELP, field)
        parts = [digits[:2], digits[2:4], digits[4:]]
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise DomainError(_DATE_HELP, field)
    day, month, year = (int(p) for p in parts)
    if len(parts[2]) == 2:
        this_year = (today or dt.date.today()).year
        year += 2000 if 2000 + year <= this_year + 20 else 1900
    elif len(parts[2]) != 4:
        raise DomainError(_DATE_HELP, field)
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise DomainError(
            f"Date invalide : le {day:02d}/{month:02d}/{year} n'existe pas.", field
        ) from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise DomainError("Date invalide : entre 1900 et 2100.", field)
    return value


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
