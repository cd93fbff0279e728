"""A realistic French brokerage office, generated deterministically from a seed.

Bulk inserts through SQLAlchemy Core: 100,000 dossiers with their borrowers, pipeline
history and simulations in well under a minute.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.db import Database
from app.db_listing import search_document
from app.numbering import counter_name, format_number
from app.office import ADMINISTRATOR, ASSISTANT, BROKER, MANAGER, seed_reference_data
from app.security import hash_password
from app.text import fold, person_name
from models.dossier import Borrower, Counter, Dossier, Simulation, StepChange
from models.enums import AbandonReason, DossierStatus, ReferrerKind, SimulationStatus
from models.office import Provenance, Referrer, Role, Step, User

FIRST_NAMES_F = (
    "Marie",
    "Camille",
    "Léa",
    "Chloé",
    "Manon",
    "Inès",
    "Sarah",
    "Émilie",
    "Hélène",
    "Éloïse",
    "Gaëlle",
    "Zoé",
    "Anaïs",
    "Céline",
    "Sophie",
    "Julie",
    "Laëtitia",
    "Noémie",
    "Agnès",
    "Maëlys",
    "Clémence",
    "Pauline",
    "Aurélie",
    "Françoise",
    "Nathalie",
    "Ophélie",
    "Bérénice",
    "Léonie",
)
FIRST_NAMES_M = (
    "Lucas",
    "Hugo",
    "Thomas",
    "Nicolas",
    "Julien",
    "Jérôme",
    "Loïc",
    "Noël",
    "Mathéo",
    "Raphaël",
    "François",
    "Stéphane",
    "Benoît",
    "Gaël",
    "Maxime",
    "Antoine",
    "Théo",
    "Cédric",
    "Hervé",
    "Sébastien",
    "Rémi",
    "Aurélien",
    "Grégoire",
    "Joël",
    "Adrien",
    "Frédéric",
    "Mehdi",
    "Yanis",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Légaré",
    "Bénard",
    "Chevalier",
    "Gauthier",
    "Perrin",
    "Clément",
    "Noël",
    "Brunet",
    "Hébert",
    "Rousseau",
    "Faure",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Lemoine",
    "Le Gall",
    "D'Almeida",
    "Saint-Just",
    "Côté",
    "Pétain-Roche",
    "Boyer",
    "Marchand",
    "Duval",
    "Renaud",
)
REFERRERS = (
    ("Agence Immobilière du Centre", ReferrerKind.COMPANY, "contact@immo-centre.fr"),
    ("Century 21 Les Halles", ReferrerKind.COMPANY, "01 42 33 18 90"),
    ("Orpi Saint-Michel", ReferrerKind.COMPANY, "stmichel@orpi.example"),
    ("Étude Maître Lefèvre", ReferrerKind.COMPANY, "office@notaire-lefevre.fr"),
    ("Cabinet Patrimoine & Conseil", ReferrerKind.COMPANY, "05 56 12 34 56"),
    ("Jean-Marc Roussel", ReferrerKind.PERSON, "06 12 34 56 78"),
    ("Sylvie Dumas (CGP)", ReferrerKind.PERSON, "sylvie.dumas@example.fr"),
    ("Foncia Gambetta", ReferrerKind.COMPANY, "gambetta@foncia.example"),
    ("Laforêt Bordeaux Nord", ReferrerKind.COMPANY, "05 57 00 11 22"),
    ("Promoteur Les Jardins d'Éole", ReferrerKind.COMPANY, "ventes@eole.example"),
)
STAFF = (
    # login, first name, last name, role, is_broker, is_active
    ("admin", "Claire", "Marchetti", ADMINISTRATOR, True, True),
    ("pmoreau", "Pierre", "Moreau", MANAGER, True, True),
    ("slegrand", "Sophie", "Legrand", BROKER, True, True),
    ("kbenali", "Karim", "Benali", BROKER, True, True),
    ("jfaure", "Julien", "Faure", BROKER, True, True),
    ("ebrunet", "Élodie", "Brunet", BROKER, True, False),
    ("assistant", "Nadia", "Haddad", ASSISTANT, False, True),
)
NOTES = (
    "<p><b>À rappeler</b> après le rendez-vous à la banque.</p>",
    "<p>Clients très réactifs, pièces reçues en <i>une semaine</i> 👍</p>",
    "<p>Attente de l'avis d'imposition 2025.</p><p><u>Relancer</u> le notaire.</p>",
    "<p>Apport issu d'une donation familiale : justificatif à obtenir.</p>",
    "<p>Préfère être contacté le soir après 18 h.</p>",
    "",
    "",
)
SIMULATION_NAMES = (
    "Scénario 1",
    "Prêt classique",
    "Avec PTZ",
    "Durée 25 ans",
    "Lissage",
    "Offre négociée",
)
_BATCH = 5000


@dataclass
class DemoResult:
    dossiers: int
    users_created: int


def build_demo(
    database: Database,
    dossiers: int,
    seed: int = 1,
    password: str = "demo",
    progress: Callable[[int, int], None] | None = None,
    today: dt.date | None = None,
) -> DemoResult:
    """Create (or add to) a demo office. Deterministic for a given seed and `today`."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    with database.write() as session:
        users_created = 0
        if session.scalar(select(User.id).limit(1)) is None:
            roles = seed_reference_data(session)
            users_created = _create_staff(session, roles, password)
            _create_referrers(session)
        office = _Office.load(session)
        counters = {c.name: c for c in session.scalars(select(Counter))}
        first_id = (session.scalar(select(func.max(Dossier.id))) or 0) + 1
        generator = _DossierGenerator(rng, office, today, counters, session)
        done = 0
        for batch in _batches(range(first_id, first_id + dossiers), _BATCH):
            rows = [generator.make(dossier_id) for dossier_id in batch]
            # Core executemany on the session's connection: no ORM unit of work per row.
            connection = session.connection()
            connection.execute(insert(Dossier.__table__), [r.dossier for r in rows])
            connection.execute(insert(Borrower.__table__), [b for r in rows for b in r.borrowers])
            connection.execute(insert(StepChange.__table__), [c for r in rows for c in r.changes])
            simulations = [s for r in rows for s in r.simulations]
            if simulations:
                connection.execute(insert(Simulation.__table__), simulations)
            done += len(batch)
            if progress:
                progress(done, dossiers)
    database.refresh_statistics()
    return DemoResult(dossiers=dossiers, users_created=users_created)


def _batches(values: range, size: int) -> Iterator[range]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _create_staff(session: Session, roles: dict[str, Role], password: str) -> int:
    for login, first, last, role, is_broker, is_active in STAFF:
        session.add(
            User(
                login=login,
                first_name=first,
                last_name=last,
                role=roles[role],
                password_hash=hash_password(password),
                is_broker=is_broker,
                is_active=is_active,
            )
        )
    session.flush()
    return len(STAFF)


def _create_referrers(session: Session) -> None:
    for name, kind, contact in REFERRERS:
        session.add(Referrer(name=name, kind=kind, contact=contact, is_active=True))
    session.flush()


@dataclass
class _Office:
    brokers: list[int]
    steps: list[Step]
    provenances: list[Provenance]
    referrer_ids: list[int]
    referrer_provenance: int | None
    actor_ids: list[int]

    @classmethod
    def load(cls, session: Session) -> _Office:
        brokers = list(session.scalars(select(User.id).where(User.is_broker).order_by(User.id)))
        steps = list(session.scalars(select(Step).where(Step.is_active).order_by(Step.position)))
        provenances = list(session.scalars(select(Provenance).order_by(Provenance.position)))
        referrer_prov = next((p.id for p in provenances if "apporteur" in fold(p.name)), None)
        return cls(
            brokers=brokers or list(session.scalars(select(User.id))),
            steps=steps,
            provenances=provenances,
            referrer_ids=list(session.scalars(select(Referrer.id))),
            referrer_provenance=referrer_prov,
            actor_ids=list(session.scalars(select(User.id))),
        )


@dataclass
class _Rows:
    dossier: dict
    borrowers: list[dict]
    changes: list[dict]
    simulations: list[dict]


class _DossierGenerator:
    def __init__(self, rng, office: _Office, today, counters, session) -> None:
        self.rng = rng
        self.office = office
        self.today = today
        self.counters = counters
        self.session = session

    def _number(self, created_on: dt.date) -> str:
        name = counter_name(created_on.year)
        counter = self.counters.get(name)
        if counter is None:
            counter = Counter(name=name, value=0)
            self.session.add(counter)
            self.counters[name] = counter
        counter.value += 1
        return format_number(created_on.year, counter.value)

    def make(self, dossier_id: int) -> _Rows:
        rng, office = self.rng, self.office
        created_on = self.today - dt.timedelta(days=int(rng.triangular(0, 3 * 365, 0)))
        status = rng.choices(
            (DossierStatus.PROSPECT, DossierStatus.CLIENT, DossierStatus.ABANDONED), (35, 45, 20)
        )[0]
        steps = office.steps
        if status is DossierStatus.PROSPECT:
            step_index = rng.choice((0, 0, 0, 1))
        else:
            step_index = rng.randrange(len(steps))
        borrowers = self._borrowers(dossier_id)
        main = borrowers[0]
        names = [person_name(b["first_name"], b["last_name"]) for b in borrowers]
        holder = names[0]
        number = self._number(created_on)
        provenance = rng.choice(office.provenances)
        referrer_id = None
        detail = ""
        if provenance.id == office.referrer_provenance and office.referrer_ids:
            referrer_id = rng.choice(office.referrer_ids)
        elif rng.random() < 0.3:
            detail = rng.choice(
                (
                    "Salon de l'immobilier 2025",
                    "Recommandé par un client",
                    "Google",
                    "Via le site comparateur",
                )
            )
        moments = sorted(
            created_on
            + dt.timedelta(days=rng.randrange(0, max(1, (self.today - created_on).days) + 1))
            for _ in range(step_index)
        )
        changes = []
        actor = rng.choice(office.actor_ids)
        for index, moment in enumerate([created_on, *moments]):
            step = steps[index]
            changes.append(
                {
                    "dossier_id": dossier_id,
                    "step_id": step.id,
                    "step_name": step.name,
                    "step_percent": step.percent,
                    "changed_at": dt.datetime.combine(
                        moment, dt.time(9 + rng.randrange(9), rng.randrange(60))
                    ),
                    "user_id": actor,
                }
            )
        reached = {steps[i].percent: moment for i, moment in enumerate([created_on, *moments])}
        agreement = reached.get(50)
        offer = reached.get(80)
        deed = reached.get(100)
        abandoned = status is DossierStatus.ABANDONED
        reason = rng.choice(list(AbandonReason)) if abandoned else None
        abandoned_on = (
            created_on
            + dt.timedelta(days=rng.randrange(0, max(1, (self.today - created_on).days) + 1))
            if abandoned
            else None
        )
        dossier = {
            "id": dossier_id,
            "number": number,
            "status": status,
            "owner_id": rng.choice(office.brokers),
            "provenance_id": provenance.id,
            "provenance_detail": detail,
            "referrer_id": referrer_id,
            "step_id": steps[step_index].id,
            "is_complete": step_index >= 2 and rng.random() < 0.8,
            "hide_contacts": rng.random() < 0.1,
            "no_fees": rng.random() < 0.1,
            "no_bank_commission": rng.random() < 0.05,
            "no_rebate": rng.random() < 0.5,
            "internal_note": rng.choice(NOTES),
            "created_on": created_on,
            "client_agreement_on": agreement,
            "offer_signed_on": offer,
            "deed_signed_on": deed,
            "abandon_reason": reason,
            "abandon_detail": "Projet reporté à l'année prochaine"
            if reason is AbandonReason.OTHER
            else "",
            "abandoned_on": abandoned_on,
            "holder_name": holder,
            "holder_sort": fold(f"{main['last_name']} {main['first_name']}"),
            "search_text": search_document(number, names),
            "version": 1,
            "updated_at": dt.datetime.combine(created_on, dt.time(12)),
        }
        return _Rows(dossier, borrowers, changes, self._simulations(dossier_id, created_on, status))

    def _borrowers(self, dossier_id: int) -> list[dict]:
        rng = self.rng
        female = rng.random() < 0.5
        last = rng.choice(LAST_NAMES)
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        people = [
            {
                "dossier_id": dossier_id,
                "rank": 1,
                "civility": "Mme" if female else "M.",
                "first_name": first,
                "last_name": last,
            }
        ]
        if rng.random() < 0.6:
            co_female = not female if rng.random() < 0.9 else female
            co_last = last if rng.random() < 0.6 else rng.choice(LAST_NAMES)
            people.append(
                {
                    "dossier_id": dossier_id,
                    "rank": 2,
                    "civility": "Mme" if co_female else "M.",
                    "first_name": rng.choice(FIRST_NAMES_F if co_female else FIRST_NAMES_M),
                    "last_name": co_last,
                }
            )
        return people

    def _simulations(
        self, dossier_id: int, created_on: dt.date, status: DossierStatus
    ) -> list[dict]:
        rng = self.rng
        count = (
            rng.choice((0, 1, 1, 2, 3))
            if status is not DossierStatus.PROSPECT
            else rng.choice((0, 0, 1))
        )
        result = []
        for index in range(count):
            amount = rng.randrange(80, 650) * 1000_00
            result.append(
                {
                    "dossier_id": dossier_id,
                    "name": SIMULATION_NAMES[index % len(SIMULATION_NAMES)]
                    if index
                    else "Scénario 1",
                    "amount_cents": amount,
                    "rate_mpct": rng.randrange(2900, 4300, 5),
                    "duration_months": rng.choice((180, 240, 300)),
                    "status": rng.choice(list(SimulationStatus)),
                    "created_at": dt.datetime.combine(created_on, dt.time(10 + index)),
                }
            )
        return result
