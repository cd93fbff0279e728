"""Everything the office holds about a person, as one plain structure that both the PDF
(for a human) and the JSON (for a machine) are written from, so the two never disagree.

Built from the stored rows of each dossier the person appears in. The other borrower of a
dossier appears by name only: their own data is theirs (GDPR art. 15(4)); the household's
data (children, project, credits, assets) is the person's too and is given.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app.richtext import plain_text
from app.text import format_amount, format_date, format_datetime, format_duration, format_rate

JSON_FORMAT = "dossia.donnees-personnelles"


def _unmasked_text(text: str) -> str:
    """The default mask: nothing hidden."""
    return text


JSON_VERSION = 1

Value = str | int | bool | None


@dataclass(frozen=True)
class Item:
    """One labelled value: `value` for the JSON, `shown` for the PDF."""

    key: str
    label: str
    value: Value
    shown: str


@dataclass(frozen=True)
class Section:
    """A record (`items`) or a list of records (`rows`, when `many`)."""

    key: str
    title: str
    items: tuple[Item, ...] = ()
    rows: tuple[tuple[Item, ...], ...] = ()
    many: bool = False
    empty: str = "Aucun élément."


@dataclass(frozen=True)
class DossierPart:
    number: str
    role: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class PersonReport:
    person: str
    office: str
    exported_at: dt.datetime
    exported_by: str
    dossiers: tuple[DossierPart, ...]
    documents: tuple[tuple[str, str], ...] = field(default=())  # (stored hash, export path)

    def to_json(self) -> dict[str, object]:
        return {
            "format": JSON_FORMAT,
            "version": JSON_VERSION,
            "personne": self.person,
            "cabinet": self.office,
            "exporte_le": self.exported_at.isoformat(timespec="seconds"),
            "exporte_par": self.exported_by,
            "dossiers": [
                {
                    "numero": part.number,
                    "role": part.role,
                    **{
                        section.key: (
                            [_record(row) for row in section.rows]
                            if section.many
                            else _record(section.items)
                        )
                        for section in part.sections
                    },
                }
                for part in self.dossiers
            ],
        }


def _record(items: Iterable[Item]) -> dict[str, Value]:
    return {item.key: item.value for item in items}


# --- values ------------------------------------------------------------------------------


def text(key: str, label: str, value: str | None) -> Item:
    value = value or ""
    return Item(key, label, value, value)


def date(key: str, label: str, value: dt.date | None) -> Item:
    return Item(key, label, value.isoformat() if value else None, format_date(value))


def moment(key: str, label: str, value: dt.datetime | None) -> Item:
    shown = format_datetime(value)
    return Item(key, label, value.isoformat(timespec="seconds") if value else None, shown)


def amount(key: str, label: str, cents: int | None) -> Item:
    """JSON: euros as a decimal string («1234.56»), exact to the cent."""
    if cents is None:
        return Item(key, label, None, "")
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return Item(key, label, f"{sign}{euros}.{rest:02d}", format_amount(cents))


def flag(key: str, label: str, value: bool) -> Item:
    return Item(key, label, bool(value), "Oui" if value else "Non")


def choice(key: str, label: str, value: enum.Enum | None) -> Item:
    if value is None:
        return Item(key, label, None, "")
    shown = getattr(value, "label", str(value.value))
    return Item(key, label, shown, shown)


def rate(key: str, label: str, mpct: int) -> Item:
    return Item(key, label, f"{mpct / 1000:.3f}", format_rate(mpct))


def duration(key: str, label: str, months: int) -> Item:
    return Item(key, label, months, format_duration(months))


def rich(key: str, label: str, markup: str, mask: Callable[[str], str] = _unmasked_text) -> Item:
    value = mask(plain_text(markup or "").strip())
    return Item(key, label, value, value)


# --- sections of a dossier ----------------------------------------------------------------


def identity(borrower) -> Section:
    b = borrower
    return Section(
        "identite",
        "Identité et coordonnées",
        (
            text("civilite", "Civilité", b.civility),
            text("prenom", "Prénom", b.first_name),
            text("nom", "Nom", b.last_name),
            text("nom_de_naissance", "Nom de naissance", b.birth_name),
            date("date_de_naissance", "Date de naissance", b.birth_date),
            text("lieu_de_naissance", "Lieu de naissance", b.birth_place),
            text("nationalite", "Nationalité", b.nationality),
            choice("situation_familiale", "Situation familiale", b.marital_status),
            choice("regime_matrimonial", "Régime matrimonial", b.matrimonial_regime),
            text("adresse", "Adresse", b.address),
            text("code_postal", "Code postal", b.postal_code),
            text("ville", "Ville", b.city),
            text("telephone", "Téléphone", b.phone),
            text("email", "E-mail", b.email),
        ),
    )


def work(borrower) -> Section:
    b = borrower
    return Section(
        "situation_professionnelle",
        "Situation professionnelle et revenus",
        (
            text("profession", "Profession", b.profession),
            text("employeur", "Employeur", b.employer),
            choice("contrat", "Contrat", b.contract),
            date("en_poste_depuis", "En poste depuis", b.employed_since),
            amount("revenu_net_mensuel", "Revenu net mensuel", b.net_monthly_income_cents),
            amount("autres_revenus", "Autres revenus mensuels", b.other_income_cents),
            amount("revenus_locatifs", "Revenus locatifs mensuels", b.rental_income_cents),
        ),
    )


@dataclass(frozen=True)
class DossierFacts:
    """What the dossier says around the person, names already resolved. `mask` hides the
    other borrower's mentions in the dossier's free text."""

    status: str
    step: str
    broker: str
    provenance: str
    referrer: str
    other_borrower: str
    author_names: dict[int, str]
    mask: Callable[[str], str] = _unmasked_text


def dossier_section(dossier, facts: DossierFacts) -> Section:
    d = dossier
    items = [
        text("statut", "Statut", facts.status),
        text("etape", "Étape", facts.step),
        text("courtier", "Courtier", facts.broker),
        text("provenance", "Provenance", facts.provenance),
        text("detail_provenance", "Détail de la provenance", facts.mask(d.provenance_detail)),
        text("apporteur", "Apporteur d'affaires", facts.referrer),
        text("autre_emprunteur", "Autre emprunteur du dossier", facts.other_borrower),
        date("cree_le", "Créé le", d.created_on),
        date("accord_client_le", "Accord client le", d.client_agreement_on),
        date("offre_signee_le", "Offre signée le", d.offer_signed_on),
        date("acte_signe_le", "Acte signé le", d.deed_signed_on),
    ]
    if d.abandoned_on is not None:
        items += [
            date("abandonne_le", "Abandonné le", d.abandoned_on),
            choice("motif_abandon", "Motif d'abandon", d.abandon_reason),
            text("detail_abandon", "Précision sur l'abandon", facts.mask(d.abandon_detail)),
        ]
    items.append(rich("bloc_notes", "Bloc-notes interne", d.internal_note, facts.mask))
    return Section("dossier", "Le dossier", tuple(items))


def household_sections(dossier) -> list[Section]:
    sections = [
        Section(
            "enfants",
            "Enfants",
            rows=tuple(
                (
                    text("prenom", "Prénom", c.first_name),
                    date("date_de_naissance", "Date de naissance", c.birth_date),
                    flag("a_charge", "À charge", c.dependent),
                    flag("garde_alternee", "Garde alternée", c.alternating_custody),
                )
                for c in dossier.children
            ),
            many=True,
        )
    ]
    project = dossier.project
    if project is not None:
        sections.append(
            Section(
                "projet",
                "Projet",
                (
                    choice("nature", "Nature", project.nature),
                    choice("usage", "Usage", project.use),
                    text("adresse", "Adresse du bien", project.address),
                    text("code_postal", "Code postal", project.postal_code),
                    text("ville", "Ville", project.city),
                    amount("prix", "Prix", project.price_cents),
                    amount("frais_de_notaire", "Frais de notaire", project.notary_fees_cents),
                    amount("travaux", "Travaux", project.works_cents),
                    amount("frais_d_agence", "Frais d'agence", project.agency_fees_cents),
                    amount("autres_frais", "Autres frais", project.other_costs_cents),
                    amount("apport", "Apport", project.contribution_cents),
                ),
            )
        )
    sections += [
        Section(
            "credits_en_cours",
            "Crédits en cours",
            rows=tuple(
                (
                    text("preteur", "Prêteur", loan.lender),
                    choice("type", "Type", loan.kind),
                    amount("mensualite", "Mensualité", loan.monthly_payment_cents),
                    amount("capital_restant", "Capital restant", loan.remaining_capital_cents),
                    date("fin", "Fin", loan.end_date),
                    flag("a_racheter", "À racheter", loan.to_buy_back),
                )
                for loan in dossier.loans
            ),
            many=True,
        ),
        Section(
            "charges",
            "Charges mensuelles",
            rows=tuple(
                (
                    choice("type", "Type", charge.kind),
                    text("libelle", "Libellé", charge.label),
                    amount("montant_mensuel", "Montant mensuel", charge.monthly_cents),
                )
                for charge in dossier.charges
            ),
            many=True,
        ),
        Section(
            "patrimoine_immobilier",
            "Patrimoine immobilier",
            rows=tuple(
                (
                    text("description", "Description", estate.description),
                    amount("valeur", "Valeur", estate.value_cents),
                    amount("capital_restant", "Capital restant dû", estate.remaining_loan_cents),
                )
                for estate in dossier.real_estate
            ),
            many=True,
        ),
        Section(
            "epargne",
            "Épargne",
            rows=tuple(
                (choice("type", "Type", s.kind), amount("montant", "Montant", s.amount_cents))
                for s in dossier.savings
            ),
            many=True,
        ),
    ]
    return sections


def work_sections(
    dossier, comments: list, facts: DossierFacts, document_paths: dict[int, str]
) -> list[Section]:
    """Simulations, documents, the pipeline's history and the comments."""
    return [
        Section(
            "simulations",
            "Simulations",
            rows=tuple(
                (
                    text("nom", "Nom", s.name),
                    amount("montant", "Montant", s.amount_cents),
                    rate("taux", "Taux", s.rate_mpct),
                    duration("duree_mois", "Durée", s.duration_months),
                    choice("statut", "Statut", s.status),
                    moment("creee_le", "Créée le", s.created_at),
                )
                for s in dossier.simulations
            ),
            many=True,
        ),
        Section(
            "documents",
            "Documents",
            rows=tuple(
                (
                    text("titre", "Titre", facts.mask(doc.title)),
                    text("fichier", "Fichier", facts.mask(doc.filename)),
                    Item("taille_octets", "Taille", doc.size_bytes, _size(doc.size_bytes)),
                    moment("ajoute_le", "Ajouté le", doc.created_at),
                    Item(
                        "copie",
                        "Copie jointe",
                        document_paths.get(doc.id),
                        document_paths.get(doc.id, "Non copié : dossier commun"),
                    ),
                )
                for doc in dossier.documents
            ),
            many=True,
        ),
        Section(
            "historique",
            "Historique des étapes",
            rows=tuple(
                (
                    moment("le", "Le", change.changed_at),
                    text("etape", "Étape", change.step_name),
                    Item(
                        "avancement", "Avancement", change.step_percent, f"{change.step_percent} %"
                    ),
                )
                for change in dossier.step_changes
            ),
            many=True,
        ),
        Section(
            "commentaires",
            "Commentaires",
            rows=tuple(
                (
                    moment("le", "Le", comment.created_at),
                    choice("onglet", "Onglet", comment.tab),
                    text(
                        "auteur",
                        "Auteur",
                        "Automatique"
                        if comment.rule_key
                        else facts.author_names.get(comment.author_id or 0, ""),
                    ),
                    rich("texte", "Texte", comment.body, facts.mask),
                    flag("masque", "Masqué", comment.dismissed),
                )
                for comment in sorted(comments, key=lambda c: c.created_at)
            ),
            many=True,
        ),
    ]


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} octets"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} Ko".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",")
