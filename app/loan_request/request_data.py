"""What the «Demande de prêt» says, as plain data, and the pure rules around it: each
borrower's sheet (contacts left out when the dossier hides them), the household's situation
as tables, the names of the files of a sending."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from app.documents.files import MAX_NAME_BYTES, extension, safe_filename
from app.dossier.household import BorrowerData, ChildData
from app.dossier.situation import ChargeData, LoanData, RealEstateData, SavingsData
from app.simulation.synthesis_data import SynthesisData
from app.text import format_amount, format_date, person_name

SUBJECT = "Demande de prêt"


@dataclass(frozen=True)
class Sheet:
    """A titled list of (label, value) lines."""

    title: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: str = ""


@dataclass(frozen=True)
class LoanRequestData:
    synthesis: SynthesisData  # the office, the dossier, the project, the plan, the notes
    hide_contacts: bool
    borrowers: tuple[Sheet, ...]
    children: Table | None
    situation: tuple[Table, ...]  # loans, charges, real estate, savings (those it has)
    documents: tuple[str, ...]  # the supporting documents attached, by title
    broker: str


def seniority(since: dt.date | None, today: dt.date) -> str:
    """«depuis le 01/09/2015 (11 ans)»."""
    if since is None:
        return ""
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    told = "moins d'un an" if years < 1 else f"{years} an" + ("s" if years > 1 else "")
    return f"depuis le {format_date(since)} ({told})"


def borrower_sheet(borrower: BorrowerData, rank: int, hide_contacts: bool, today: dt.date) -> Sheet:
    """One borrower as a bank reads it: identity, family, job and income; the postal
    address, phone and e-mail only when the dossier does not hide them."""
    name = person_name(borrower.first_name, borrower.last_name)
    born = format_date(borrower.birth_date) + (
        f" à {borrower.birth_place}" if borrower.birth_place else ""
    )
    rows = [
        ("Nom", f"{borrower.civility} {name}".strip()),
        ("Nom de naissance", borrower.birth_name),
        ("Né(e) le", born.strip()),
        ("Nationalité", borrower.nationality),
        ("Situation familiale", borrower.marital_status.label if borrower.marital_status else ""),
        (
            "Régime matrimonial",
            borrower.matrimonial_regime.label if borrower.matrimonial_regime else "",
        ),
    ]
    if not hide_contacts:
        address = " ".join(p for p in (borrower.address, borrower.postal_code, borrower.city) if p)
        rows += [("Adresse", address), ("Téléphone", borrower.phone), ("E-mail", borrower.email)]
    rows += [
        ("Profession", borrower.profession),
        ("Employeur", borrower.employer),
        ("Contrat", borrower.contract.label if borrower.contract else ""),
        ("Ancienneté", seniority(borrower.employed_since, today)),
        ("Revenu net mensuel", _amount(borrower.net_monthly_income_cents)),
        ("Autres revenus mensuels", _amount(borrower.other_income_cents)),
        ("Loyers perçus par mois", _amount(borrower.rental_income_cents)),
    ]
    title = "Emprunteur" if rank == 1 else "Co-emprunteur"
    return Sheet(f"{title} : {name}", tuple((k, v) for k, v in rows if v))


def children_table(children: Sequence[ChildData], today: dt.date) -> Table | None:
    if not children:
        return None
    rows = []
    for child in children:
        age = ""
        if child.birth_date:
            years = (
                today.year
                - child.birth_date.year
                - ((today.month, today.day) < (child.birth_date.month, child.birth_date.day))
            )
            age = f"{years} an" + ("s" if years > 1 else "")
        rows.append(
            (
                child.first_name,
                format_date(child.birth_date),
                age,
                ("à charge" if child.dependent else "pas à charge")
                + (", garde alternée" if child.alternating_custody else ""),
            )
        )
    return Table("Enfants", ("Prénom", "Né(e) le", "Âge", "Situation"), tuple(rows))


def situation_tables(
    loans: Sequence[LoanData],
    charges: Sequence[ChargeData],
    estate: Sequence[RealEstateData],
    savings: Sequence[SavingsData],
) -> tuple[Table, ...]:
    tables = []
    if loans:
        tables.append(
            Table(
                "Crédits en cours",
                ("Organisme", "Nature", "Mensualité", "Capital restant", "Fin", "Devenir"),
                tuple(
                    (
                        loan.lender,
                        loan.kind.label,
                        format_amount(loan.monthly_payment_cents),
                        _amount(loan.remaining_capital_cents) or "—",
                        format_date(loan.end_date) or "—",
                        "à racheter" if loan.to_buy_back else "conservé",
                    )
                    for loan in loans
                ),
                "Mensualités conservées : "
                + format_amount(
                    sum(lo.monthly_payment_cents for lo in loans if not lo.to_buy_back)
                ),
            )
        )
    if charges:
        tables.append(
            Table(
                "Charges mensuelles",
                ("Nature", "Libellé", "Montant mensuel"),
                tuple(
                    (c.kind.label, c.label or "—", format_amount(c.monthly_cents)) for c in charges
                ),
            )
        )
    if estate:
        tables.append(
            Table(
                "Patrimoine immobilier",
                ("Bien", "Valeur", "Capital restant dû"),
                tuple(
                    (
                        e.description,
                        format_amount(e.value_cents),
                        _amount(e.remaining_loan_cents) or "—",
                    )
                    for e in estate
                ),
                "Valeur totale : " + format_amount(sum(e.value_cents for e in estate)),
            )
        )
    if savings:
        tables.append(
            Table(
                "Épargne",
                ("Support", "Montant"),
                tuple((s.kind.label, format_amount(s.amount_cents)) for s in savings),
                "Épargne totale : " + format_amount(sum(s.amount_cents for s in savings)),
            )
        )
    return tuple(tables)


def plain_name(text: str) -> str:
    """A file name from a title or a bank's name: «CNI / recto» keeps both words (a title is
    not a path), made safe for every disk."""
    return safe_filename(text.replace("/", "-").replace("\\", "-"))


def fitted(base: str, tail: str) -> str:
    """`base` + `tail` within 255 bytes of UTF-8, `base` shortened if need be (never inside
    a character)."""
    room = MAX_NAME_BYTES - len(tail.encode())
    encoded = base.encode()
    if len(encoded) > room:
        base = encoded[:room].decode("utf-8", errors="ignore").rstrip(". ")
    return base + tail


def sending_names(number: str, titles: Sequence[tuple[str, str]]) -> list[str]:
    """Readable, safe and distinct file names for a sending: «2026-00042 - Bulletin de
    salaire octobre.pdf», from (title, file name) pairs."""
    names: list[str] = []
    seen: set[str] = set()
    for title, filename in titles:
        suffix = extension(filename)
        base = plain_name(f"{number} - {title}")
        if suffix and base.lower().endswith(f".{suffix}"):
            base = base[: -len(suffix) - 1]
        dot = f".{suffix}" if suffix else ""
        candidate, copy = fitted(base, dot), 2
        while candidate.casefold() in seen:
            candidate = fitted(base, f" ({copy}){dot}")
            copy += 1
        seen.add(candidate.casefold())
        names.append(candidate)
    return names


def _amount(cents: int | None) -> str:
    return format_amount(cents) if cents else ""
