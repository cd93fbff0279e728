"""«Société»: the office's identity and legal mentions (used on PDFs and invoices), and their
checks. No database here."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from app.errors import DomainError
from app.text import format_amount, parse_amount
from app.validation import (
    clean_text,
    normalize_bic,
    normalize_email,
    normalize_iban,
    normalize_phone,
    normalize_postal_code,
    normalize_siren,
    normalize_vat_number,
)

ORIAS_CATEGORIES = ("COBSP", "MOBSP", "MIOBSP", "MIA")
LEGAL_FORMS = ("EI", "EURL", "SARL", "SASU", "SAS", "SA", "SNC", "SELARL")
NO_CAPITAL_FORMS = ("EI",)  # an «entreprise individuelle» has no share capital
VAT_STATUSES = ("Assujetti à la TVA", "Non assujetti (article 261 C du CGI)")
LOGO_EXTENSIONS = (".png", ".jpg", ".jpeg")
MAX_LOGO_BYTES = 2 * 1024 * 1024
LOGO_REFUSED = "Le logo doit être une image PNG ou JPEG de 2 Mo au plus."


def check_logo(name: str, content: bytes) -> None:
    """The logo is what its name says: its first bytes are those of a PNG or JPEG image.
    (No SVG: a vector image may carry scripts and fetch files or network shares.)"""
    suffix = name.lower().rsplit(".", 1)[-1]
    if not content or len(content) > MAX_LOGO_BYTES or f".{suffix}" not in LOGO_EXTENSIONS:
        raise DomainError(LOGO_REFUSED, field="logo")
    signature = b"\x89PNG\r\n\x1a\n" if suffix == "png" else b"\xff\xd8\xff"
    if not content.startswith(signature):
        raise DomainError(LOGO_REFUSED, field="logo")


@dataclass(frozen=True)
class Company:
    name: str = ""
    legal_form: str = ""
    share_capital: str = ""  # «10 000 €»: as printed
    rcs_city: str = ""  # the registry (greffe) of the RCS: «Lyon»
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    siren: str = ""
    orias_number: str = ""
    orias_category: str = ""
    insurer: str = ""
    association: str = ""
    mediator: str = ""
    vat_status: str = ""
    vat_number: str = ""
    iban: str = ""
    bic: str = ""
    logo_hash: str = ""


_LIMITS = {
    "name": ("Raison sociale", 150),
    "address": ("Adresse", 250),
    "city": ("Ville", 120),
    "legal_form": ("Forme juridique", 40),
    "rcs_city": ("Ville du greffe (RCS)", 80),
    "insurer": ("Assureur RC Pro", 150),
    "association": ("Association professionnelle", 150),
    "mediator": ("Médiateur", 200),
}


def validate_company(data: Company) -> Company:
    values = {f.name: " ".join(getattr(data, f.name).split()) for f in fields(data)}
    for name, (label, limit) in _LIMITS.items():
        values[name] = clean_text(
            values[name],
            name,
            label,
            limit,
            required=name == "name",
            required_message="Saisissez la raison sociale.",
        )
    values["share_capital"] = _capital(values["share_capital"])
    if values["share_capital"] and values["legal_form"] in NO_CAPITAL_FORMS:
        raise DomainError(
            "Une entreprise individuelle n'a pas de capital social : laissez-le vide.",
            field="share_capital",
        )
    values["postal_code"] = normalize_postal_code(values["postal_code"])
    values["phone"] = normalize_phone(values["phone"])
    values["email"] = normalize_email(values["email"])
    values["siren"] = normalize_siren(values["siren"])
    orias = values["orias_number"].replace(" ", "")
    if orias and not re.fullmatch(r"\d{8}", orias):
        raise DomainError("Le numéro ORIAS compte 8 chiffres.", field="orias_number")
    values["orias_number"] = orias
    if values["orias_category"] and values["orias_category"] not in ORIAS_CATEGORIES:
        raise DomainError("Catégorie ORIAS inconnue.", field="orias_category")
    if values["vat_status"] and values["vat_status"] not in VAT_STATUSES:
        raise DomainError("Régime de TVA inconnu.", field="vat_status")
    values["vat_number"] = normalize_vat_number(values["vat_number"])
    values["iban"] = normalize_iban(values["iban"])
    values["bic"] = normalize_bic(values["bic"])
    return Company(**values)


def _capital(text: str) -> str:
    """«10000» or «10 000,00 €» → «10 000 €» (as an invoice prints it); «» stays «»."""
    cents = parse_amount(text, "share_capital")
    if cents is None:
        return ""
    if cents <= 0:
        raise DomainError("Capital social invalide : un montant positif.", field="share_capital")
    shown = format_amount(cents).replace("\u202f", " ").replace("\u00a0", " ")
    return shown.replace(",00 €", " €")


def legal_identity(company: Company) -> str:
    """«SAS au capital de 10 000 € — RCS Lyon 123 456 789»: the company's registration as
    its invoices must state it (art. R123-237 C. com.)."""
    parts = []
    if company.legal_form:
        parts.append(
            company.legal_form
            + (f" au capital de {company.share_capital}" if company.share_capital else "")
        )
    if company.siren:
        spaced = " ".join(company.siren[i : i + 3] for i in range(0, len(company.siren), 3))
        parts.append(f"RCS {company.rcs_city} {spaced}" if company.rcs_city else f"SIREN {spaced}")
    return " — ".join(parts)


def letterhead_lines(company: Company) -> list[str]:
    """The office as its letters and PDFs present it: name, address, contact, ORIAS."""
    lines = [company.name or "Cabinet de courtage"]
    address = " ".join(p for p in (company.address, company.postal_code, company.city) if p)
    if address:
        lines.append(address)
    contact = " — ".join(p for p in (company.phone, company.email) if p)
    if contact:
        lines.append(contact)
    if company.orias_number:
        lines.append(
            f"ORIAS n° {company.orias_number}"
            + (f" ({company.orias_category})" if company.orias_category else "")
        )
    return lines
