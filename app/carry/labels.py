"""The French words of «Rapporter» (issue 11): when a dossier changed both at the office and
on the laptop, the broker is shown each conflicting field — which table, which row, which
field, both values — in the words of the dossier's screens, and chooses.

Plain functions over plain values (the rows as dicts: ints, strings, booleans, dates or their
ISO text, enum members or their values): no database, no Qt.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from typing import Any

from app.richtext import plain_text
from app.text import format_amount, format_date, format_datetime, format_duration, format_rate
from models.enums import (
    AbandonReason,
    ChargeKind,
    Contract,
    Deferral,
    DocumentFolder,
    DossierStatus,
    DossierTab,
    Guarantee,
    InsuranceBase,
    InvoiceKind,
    InvoiceState,
    LineKind,
    LoanKind,
    MaritalStatus,
    MatrimonialRegime,
    PaymentMeans,
    ProjectNature,
    ProjectUse,
    RentalMethod,
    SavingsKind,
    SimulationStatus,
    SubmissionStatus,
)

Names = Mapping[str, Mapping[int, str]]
"""The names of referential rows, by table then id: {"users": {3: "DUPONT Marie"}, …}."""

EMPTY = "(vide)"
MAX_TEXT = 300  # characters of a text shown in the conflict screen, «…» included

TABLE_LABELS: dict[str, str] = {
    "dossiers": "Dossier",
    "borrowers": "Emprunteur",
    "children": "Enfant",
    "comments": "Commentaire",
    "step_changes": "Historique des étapes",
    "projects": "Projet",
    "current_loans": "Crédit en cours",
    "monthly_charges": "Charge mensuelle",
    "real_estate": "Bien immobilier",
    "savings": "Épargne",
    "simulations": "Simulation",
    "simulation_lines": "Ligne de prêt",
    "simulation_covers": "Assurance",
    "documents": "Document",
    "bank_submissions": "Envoi en banque",
    "requirement_ticks": "Pièce à fournir",
    "invoices": "Facture",
    "payments": "Règlement",
}

_HIDDEN = {
    "dossiers": ("version", "updated_at", "holder_name", "holder_sort", "search_text"),
    "simulation_lines": ("simulation_id",),
    "simulation_covers": ("line_id",),
    "payments": ("invoice_id",),
}
TECHNICAL_COLUMNS: dict[str, frozenset[str]] = {
    table: frozenset({"id", *_HIDDEN.get(table, ("dossier_id",))}) for table in TABLE_LABELS
}
"""The columns the merge never shows: keys, and on dossiers what app/ keeps in step."""

# --- values -------------------------------------------------------------------------------

Show = Callable[[Any, Names | None], str]
"""How a column's value reads; called only with a value that is neither None nor ''."""


def _shorten(text: str) -> str:
    text = text.strip()
    if len(text) <= MAX_TEXT:
        return text or EMPTY
    return text[: MAX_TEXT - 1].rstrip() + "…"


def _text(value: Any, _names: Names | None) -> str:
    return _shorten(str(value))


def _rich(value: Any, _names: Names | None) -> str:
    lines = (line.strip() for line in plain_text(str(value)).splitlines())
    return _shorten("\n".join(line for line in lines if line))


def _int(value: Any) -> int:
    return value if isinstance(value, int) else int(str(value).strip())


def _amount(value: Any, _names: Names | None) -> str:
    return format_amount(_int(value))


def _rate(value: Any, _names: Names | None) -> str:
    return format_rate(_int(value))


def _basis_points(value: Any, _names: Names | None) -> str:
    """Hundredths of a percent: 1250 → «12,50 %»."""
    return f"{_int(value) / 100:.2f}".replace(".", ",") + "\u00a0%"


def _months(value: Any, _names: Names | None) -> str:
    months = _int(value)
    return format_duration(months) if months else "0 mois"


def _number(value: Any, _names: Names | None) -> str:
    return str(value)


def _percent(value: Any, _names: Names | None) -> str:
    return f"{value}\u00a0%"


def _days(value: Any, _names: Names | None) -> str:
    days = _int(value)
    return f"{days} jour" + ("s" if days > 1 else "")


def _size(value: Any, _names: Names | None) -> str:
    """«350 Ko», «1,2 Mo» (as the «Documents» tab says it)."""
    size = _int(value)
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} Ko"
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",")


def _fingerprint(value: Any, _names: Names | None) -> str:
    text = str(value)
    return text[:12] + "…" if len(text) > 12 else text


def _guarantees(value: Any, _names: Names | None) -> str:
    """«dc,ptia,itt» → «DC, PTIA, ITT»."""
    return ", ".join(code.strip().upper() for code in str(value).split(",") if code.strip())


_TRUE = {"1", "true", "t", "yes", "oui"}


def _boolean(value: Any, _names: Names | None) -> str:
    if isinstance(value, str):
        value = value.strip().lower() in _TRUE
    return "Oui" if value else "Non"


def _parsed(value: Any) -> dt.date | str:
    """A date or datetime as given, or read from its ISO text; other text as it is."""
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment if len(text) > 10 else moment.date()


def _date(value: Any, _names: Names | None) -> str:
    parsed = _parsed(value)
    return format_date(parsed) if isinstance(parsed, dt.date) else parsed


def _datetime(value: Any, _names: Names | None) -> str:
    parsed = _parsed(value)
    if isinstance(parsed, dt.datetime):
        return format_datetime(parsed)
    return format_date(parsed) if isinstance(parsed, dt.date) else parsed


def _choices(labels: Mapping[str, str]) -> Show:
    """A value among fixed ones (an enum member, or its stored value) by its French label."""

    def show(value: Any, _names: Names | None) -> str:
        key = value.value if isinstance(value, enum.Enum) else str(value)
        return labels.get(key, str(key))

    return show


def _enum(members: type[enum.Enum]) -> Show:
    return _choices({str(m.value): m.label for m in members})  # type: ignore[attr-defined]


INVOICE_STATES = {
    InvoiceState.DRAFT.value: "Brouillon",
    InvoiceState.ISSUED.value: "Émise",
    InvoiceState.CANCELLED.value: "Annulée",
}
BORROWER_ROLES = {0: "Tout le dossier", 1: "Porteur de projet", 2: "Co-emprunteur"}


def _role(rank: Any) -> str:
    try:
        number = _int(rank)
    except ValueError:
        return str(rank)
    return BORROWER_ROLES.get(number, f"Emprunteur {number}")


def _rank(value: Any, _names: Names | None) -> str:
    return _role(value)


def _name_in(names: Names | None, table: str, value: Any) -> str | None:
    try:
        key = _int(value)
    except ValueError:
        return None
    return (names or {}).get(table, {}).get(key) or None


def _reference(table: str) -> Show:
    """An id of a referential row: its name when `names[table]` knows it, else «n° 12»."""

    def show(value: Any, names: Names | None) -> str:
        return _name_in(names, table, value) or f"n° {value}"

    return show


REFERENCES = {
    **dict.fromkeys(
        ("owner_id", "author_id", "user_id", "added_by", "created_by", "broker_id"), "users"
    ),
    "step_id": "steps",
    "provenance_id": "provenances",
    "referrer_id": "referrers",
    "bank_id": "banks",
    "requirement_id": "required_documents",
    "simulation_id": "simulations",  # a bank submission's simulation (not a line's parent)
    "credits_id": "invoices",
}
MONTHS = frozenset({"months", "duration_months", "deferral_months"})


def _by_name(column: str) -> Show:
    """What a column's name says of its values (the house's suffixes)."""
    if column.endswith("_cents"):
        return _amount
    if column.endswith("_mpct"):
        return _rate
    if column.endswith("_bp"):
        return _basis_points
    if column in MONTHS:
        return _months
    if column in REFERENCES:
        return _reference(REFERENCES[column])
    if column.endswith("_on"):
        return _date
    if column.endswith("_at"):
        return _datetime
    return _text


# --- the fields of each table --------------------------------------------------------------
# A label alone: the value shown by what the column's name says (_by_name); or a pair.

_Field = str | tuple[str, Show]

_FIELDS: dict[str, dict[str, _Field]] = {
    "dossiers": {
        "number": "Numéro de dossier",
        "status": ("Statut", _enum(DossierStatus)),
        "owner_id": "Courtier du dossier",
        "provenance_id": "Provenance",
        "provenance_detail": "Précisions sur la provenance",
        "referrer_id": "Apporteur d'affaires",
        "step_id": "État d'avancement",
        "is_complete": ("Dossier complet", _boolean),
        "chosen_bank": "Banque retenue",
        "bank_sort": "Banque retenue (ordre de tri)",
        "hide_contacts": (
            "Masquer les coordonnées des emprunteurs dans la demande de prêt",
            _boolean,
        ),
        "no_fees": ("Pas d'honoraires", _boolean),
        "no_bank_commission": ("Pas de commission bancaire", _boolean),
        "no_rebate": ("Pas de ristourne", _boolean),
        "internal_note": ("Note interne", _rich),
        "created_on": "Date de création",
        "client_agreement_on": "Accord client",
        "offer_signed_on": "Signature de l'offre",
        "deed_signed_on": "Signature de l'acte",
        "funds_released_on": "Déblocage des fonds",
        "abandon_reason": ("Motif de l'abandon", _enum(AbandonReason)),
        "abandon_detail": "Précision du motif de l'abandon",
        "abandoned_on": "Date d'abandon",
    },
    "borrowers": {
        "rank": ("Rôle", _rank),
        "civility": "Civilité",
        "first_name": "Prénom",
        "last_name": "Nom",
        "birth_name": "Nom de naissance",
        "birth_date": ("Date de naissance", _date),
        "birth_place": "Lieu de naissance",
        "nationality": "Nationalité",
        "marital_status": ("Situation familiale", _enum(MaritalStatus)),
        "matrimonial_regime": ("Régime matrimonial", _enum(MatrimonialRegime)),
        "address": "Adresse",
        "postal_code": "Code postal",
        "city": "Ville",
        "phone": "Téléphone",
        "email": "E-mail",
        "profession": "Profession",
        "employer": "Employeur",
        "contract": ("Contrat de travail", _enum(Contract)),
        "employed_since": ("En poste depuis", _date),
        "net_monthly_income_cents": "Revenu net mensuel",
        "other_income_cents": "Autres revenus mensuels",
        "rental_income_cents": "Revenus locatifs mensuels",
    },
    "children": {
        "first_name": "Prénom",
        "birth_date": ("Date de naissance", _date),
        "dependent": ("À charge", _boolean),
        "alternating_custody": ("Garde alternée", _boolean),
    },
    "comments": {
        "tab": ("Onglet", _enum(DossierTab)),
        "body": ("Texte du commentaire", _rich),
        "in_synthesis": ("Ajouter à la note de synthèse des simulations", _boolean),
        "author_id": "Auteur",
        "created_at": "Écrit le",
        "updated_at": "Modifié le",
        "rule_key": "Règle du commentaire automatique",
        "fact_key": "Fait constaté par la règle",
        "dismissed": ("Commentaire automatique supprimé", _boolean),
    },
    "step_changes": {
        "step_id": "Étape (paramètres)",
        "step_name": "Étape",
        "step_percent": ("Avancement", _percent),
        "changed_at": "Date du changement d'étape",
        "user_id": "Changée par",
    },
    "projects": {
        "nature": ("Nature du projet", _enum(ProjectNature)),
        "use": ("Usage", _enum(ProjectUse)),
        "address": "Adresse du bien",
        "postal_code": "Code postal",
        "city": "Ville",
        "price_cents": "Prix du bien",
        "notary_fees_cents": "Frais de notaire",
        "works_cents": "Travaux",
        "agency_fees_cents": "Frais d'agence",
        "other_costs_cents": "Autres frais",
        "contribution_cents": "Apport personnel",
    },
    "current_loans": {
        "lender": "Organisme prêteur",
        "kind": ("Type", _enum(LoanKind)),
        "monthly_payment_cents": "Mensualité",
        "remaining_capital_cents": "Capital restant dû",
        "end_date": ("Fin", _date),
        "to_buy_back": ("À racheter", _boolean),
    },
    "monthly_charges": {
        "kind": ("Charge", _enum(ChargeKind)),
        "label": "Précision",
        "monthly_cents": "Montant mensuel",
    },
    "real_estate": {
        "description": "Bien",
        "value_cents": "Valeur",
        "remaining_loan_cents": "Capital restant dû",
    },
    "savings": {
        "kind": ("Épargne", _enum(SavingsKind)),
        "amount_cents": "Montant",
    },
    "simulations": {
        "name": "Nom de la simulation",
        "amount_cents": "Montant emprunté",
        "rate_mpct": "Taux nominal",
        "duration_months": "Durée",
        "status": ("Statut", _enum(SimulationStatus)),
        "created_at": "Créée le",
        "dossier_fees_cents": "Frais de dossier",
        "guarantee": ("Garantie", _enum(Guarantee)),
        "guarantee_fees_cents": "Frais de garantie",
        "brokerage_fees_cents": "Honoraires de courtage",
        "smoothing": ("Lisser les mensualités (total constant)", _boolean),
        "rental_method": ("Revenus locatifs comptés", _enum(RentalMethod)),
        "taeg_bp": "TAEG",
        "debt_ratio_bp": "Taux d'endettement",
        "figures_due": ("Chiffres à recalculer", _boolean),
    },
    "simulation_lines": {
        "position": ("N° de la ligne", _number),
        "bank_id": "Banque",
        "kind": ("Type de prêt", _enum(LineKind)),
        "amount_cents": "Montant",
        "rate_mpct": "Taux nominal",
        "months": "Durée",
        "deferral": ("Différé", _enum(Deferral)),
        "deferral_months": "Durée du différé",
    },
    "simulation_covers": {
        "borrower_rank": ("Emprunteur assuré", _rank),
        "share_bp": "Quotité",
        "base": ("Calcul de la prime", _enum(InsuranceBase)),
        "rate_mpct": "Taux d'assurance",
        "monthly_cents": "Prime mensuelle",
        "mandatory": ("Exigée par la banque (entre dans le TAEG)", _boolean),
        "guarantees": ("Garanties", _guarantees),
    },
    "documents": {
        "title": "Titre",
        "filename": "Nom du fichier",
        "content_hash": ("Empreinte du fichier", _fingerprint),
        "size_bytes": ("Taille", _size),
        "created_at": "Ajouté le",
        "folder": ("Rubrique", _enum(DocumentFolder)),
        "requirement_id": "Pièce à fournir",
        "borrower_rank": ("Emprunteur concerné", _rank),
        "added_by": "Ajouté par",
    },
    "bank_submissions": {
        "bank_id": "Banque (paramètres)",
        "bank_name": "Banque",
        "contact": "Contact",
        "simulation_id": "Simulation envoyée (dans le dossier)",
        "simulation_name": "Simulation envoyée",
        "status": ("Statut", _enum(SubmissionStatus)),
        "sent_on": "Envoyée le",
        "answered_on": "Réponse le",
        "amount_cents": "Montant proposé",
        "rate_mpct": "Taux proposé",
        "comment": "Commentaire",
        "created_at": "Créée le",
        "updated_at": "Modifiée le",
    },
    "requirement_ticks": {
        "requirement_id": "Pièce à fournir",
        "borrower_rank": ("Emprunteur concerné", _rank),
        "ticked_on": "Cochée le",
        "user_id": "Cochée par",
    },
    "invoices": {
        "dossier_number": "Numéro de dossier",
        "kind": ("Type", _enum(InvoiceKind)),
        "state": ("État", _choices(INVOICE_STATES)),
        "credits_id": "Facture que l'avoir annule",
        "series": "Série de numérotation",
        "sequence": ("N° d'ordre dans la série", _number),
        "number": "N° de facture",
        "issued_on": "Émise le",
        "due_on": "Échéance",
        "payment_days": ("Paiement à", _days),
        "service_on": "Date de la prestation",
        "recipient_name": "Destinataire",
        "recipient_address": "Adresse du destinataire",
        "recipient_siren": "SIREN / SIRET",
        "recipient_is_business": (
            "Client professionnel (indemnité de recouvrement de 40 €)",
            _boolean,
        ),
        "recipient_vat_number": "N° de TVA du destinataire",
        "vat_mention": "Mention de TVA",
        "billing_mandate_on": "Mandat d'autofacturation du",
        "bank_id": "Banque",
        "referrer_id": "Apporteur d'affaires",
        "description": "Désignation",
        "amount_cents": "Montant HT",
        "vat_rate_bp": "Taux de TVA",
        "vat_cents": "TVA",
        "total_cents": "Montant TTC",
        "paid_cents": "Payé",
        "credited_cents": "Montant des avoirs",
        "created_at": "Créée le",
        "created_by": "Créée par",
        "broker_id": "Courtier",
        "seller": "Cabinet émetteur (tel qu'à l'émission)",
    },
    "payments": {
        "paid_on": "Date du règlement",
        "amount_cents": "Montant TTC",
        "means": ("Moyen de paiement", _enum(PaymentMeans)),
        "reference": "Référence",
        "created_at": "Saisi le",
        "created_by": "Saisi par",
    },
}


def _field(table: str, column: str) -> tuple[str, Show]:
    fields = _FIELDS[table]
    if column not in fields:
        raise KeyError(f"{table}.{column}")
    field = fields[column]
    return (field, _by_name(column)) if isinstance(field, str) else field


def field_label(table: str, column: str) -> str:
    """The French label of a column, as the dossier's screens name it. KeyError for a table
    or column without one (the technical columns among them: `TECHNICAL_COLUMNS`)."""
    return _field(table, column)[0]


def value_text(table: str, column: str, value: Any, names: Names | None = None) -> str:
    """A value as a broker reads it: «1 234,56 €», «3,45 %», «Oui», «01/12/2026», an enum's
    label, a user's or a bank's name (from `names[table][id]`, else «n° 12»), a rich text's
    words; «(vide)» for nothing; long texts cut at 300 characters. KeyError as field_label."""
    show = _field(table, column)[1]
    if value is None or (isinstance(value, str) and not value.strip()):
        return EMPTY
    try:
        return show(value, names)
    except (TypeError, ValueError):  # not what the column holds (a newer version's?): as is
        return _shorten(str(value))


# --- rows ----------------------------------------------------------------------------------


def _quoted(prefix: str, text: Any) -> str:
    text = str(text or "").strip()
    return f"{prefix} « {text} »" if text else prefix


def _then(prefix: str, text: Any) -> str:
    text = str(text or "").strip()
    return f"{prefix} {text}" if text else prefix


def _of_day(prefix: str, value: Any) -> str:
    if value is None or value == "":
        return prefix
    parsed = _parsed(value)
    return f"{prefix} du {format_date(parsed) if isinstance(parsed, dt.date) else parsed}"


def _invoice(row: Mapping[str, Any]) -> str:
    """«Facture F-2026-0007», «Avoir A-2026-0002», «Ristourne R-2026-0004» (the names of the
    printed pieces); a draft has no number yet: «Facture (brouillon)»."""
    kind = row.get("kind")
    kind = kind.value if isinstance(kind, enum.Enum) else kind
    total = row.get("total_cents")
    credit_note = row.get("credits_id") is not None or (isinstance(total, int) and total < 0)
    paper = (
        "Avoir" if credit_note else "Ristourne" if kind == InvoiceKind.REBATE.value else "Facture"
    )
    number = str(row.get("number") or "").strip()
    return f"{paper} {number}" if number else f"{paper} (brouillon)"


def _payment(row: Mapping[str, Any]) -> str:
    amount = row.get("amount_cents")
    what = "Remboursement" if isinstance(amount, int) and amount < 0 else "Règlement"
    return _of_day(what, row.get("paid_on"))


def _requirement(row: Mapping[str, Any], names: Names | None) -> str:
    key = row.get("requirement_id")
    name = _name_in(names, "required_documents", key) if key is not None else None
    if name:
        said = _quoted("Pièce à fournir", name)
    else:
        said = "Pièce à fournir" if key is None else f"Pièce à fournir n° {key}"
    rank = row.get("borrower_rank")
    return f"{said} ({_role(rank).lower()})" if rank not in (None, 0, "0") else said


def _cover(row: Mapping[str, Any]) -> str:
    rank = row.get("borrower_rank")
    return "Assurance" if rank is None else f"Assurance ({_role(rank).lower()})"


def _line(row: Mapping[str, Any]) -> str:
    position = row.get("position")
    return "Ligne de la simulation" if position is None else f"Ligne {position} de la simulation"


def _comment(row: Mapping[str, Any]) -> str:
    prefix = "Commentaire automatique" if row.get("rule_key") else "Commentaire"
    return _of_day(prefix, row.get("created_at"))


def _step(row: Mapping[str, Any]) -> str:
    return _of_day(_quoted("Étape", row.get("step_name")), row.get("changed_at"))


def _charge(row: Mapping[str, Any]) -> str:
    kind = row.get("kind")
    said = _then("Charge mensuelle", _enum(ChargeKind)(kind, None) if kind else "")
    label = str(row.get("label") or "").strip()
    return f"{said} « {label} »" if label else said


def _savings(row: Mapping[str, Any]) -> str:
    kind = row.get("kind")
    return _then("Épargne", _enum(SavingsKind)(kind, None) if kind else "")


_ROWS: dict[str, Callable[[Mapping[str, Any], Names | None], str]] = {
    "dossiers": lambda _row, _names: "Dossier",
    "borrowers": lambda row, _names: (
        _role(row["rank"]) if row.get("rank") is not None else "Emprunteur"
    ),
    "children": lambda row, _names: _then("Enfant", row.get("first_name")),
    "comments": lambda row, _names: _comment(row),
    "step_changes": lambda row, _names: _step(row),
    "projects": lambda _row, _names: "Projet",
    "current_loans": lambda row, _names: _then("Crédit en cours", row.get("lender")),
    "monthly_charges": lambda row, _names: _charge(row),
    "real_estate": lambda row, _names: _quoted("Bien immobilier", row.get("description")),
    "savings": lambda row, _names: _savings(row),
    "simulations": lambda row, _names: _quoted("Simulation", row.get("name")),
    "simulation_lines": lambda row, _names: _line(row),
    "simulation_covers": lambda row, _names: _cover(row),
    "documents": lambda row, _names: _quoted("Document", row.get("title")),
    "bank_submissions": lambda row, _names: _then("Envoi en banque", row.get("bank_name")),
    "requirement_ticks": _requirement,
    "invoices": lambda row, _names: _invoice(row),
    "payments": lambda row, _names: _payment(row),
}


def row_label(table: str, row: Mapping[str, Any], names: Names | None = None) -> str:
    """Which row it is, from its own values: «Porteur de projet», «Enfant Léa»,
    «Commentaire du 01/12/2026», «Simulation « Plan A »», «Ligne 2 de la simulation»,
    «Facture F-2026-0007»… (`names` only names a ticked «pièce à fournir»). KeyError for
    an unknown table."""
    return _ROWS[table](row, names)
