"""A realistic French brokerage office, generated deterministically from a seed.

Bulk inserts through SQLAlchemy Core: 100,000 dossiers with their borrowers, pipeline
history and simulations in well under a minute.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import multiprocessing
import os
import queue as queue_module
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.dossier.auto_comments import Snapshot, expected_comments
from app.dossier.household import BorrowerData, ChildData
from app.dossier.situation import LoanData, ProjectData
from app.listing import search_document
from app.office.numbering import counter_name, format_number
from app.office.office import ADMINISTRATOR, ASSISTANT, BROKER, MANAGER, check_password
from app.office.office_service import seed_reference_data
from app.security import hash_password
from app.storage.database import (
    Database,
    insert_rows,
    search_index_filled_afterwards,
    secondary_indexes_built_afterwards,
    storage_rows,
)
from app.text import fold
from app.text import person_name as _person_name
from models.dossier import (
    Borrower,
    Child,
    Comment,
    Counter,
    CurrentLoan,
    Dossier,
    MonthlyCharge,
    Project,
    RealEstate,
    Savings,
    Simulation,
    StepChange,
)
from models.enums import (
    AbandonReason,
    ChargeKind,
    Contract,
    DossierStatus,
    DossierTab,
    LoanKind,
    MaritalStatus,
    ProjectNature,
    ProjectUse,
    ReferrerKind,
    SavingsKind,
    SimulationStatus,
)
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
CITIES = (
    ("33000", "Bordeaux"),
    ("33400", "Talence"),
    ("33700", "Mérignac"),
    ("69003", "Lyon"),
    ("75011", "Paris"),
    ("31000", "Toulouse"),
    ("44000", "Nantes"),
    ("35000", "Rennes"),
    ("13008", "Marseille"),
    ("67000", "Strasbourg"),
    ("59000", "Lille"),
    ("64200", "Biarritz"),
)
STREETS = (
    "rue des Lilas",
    "avenue Jean-Jaurès",
    "rue Victor-Hugo",
    "allée des Chênes",
    "boulevard Pasteur",
    "rue de l'Église",
    "impasse des Vignes",
    "place Gambetta",
)
PROFESSIONS = (
    ("Infirmière", "CHU de Bordeaux"),
    ("Ingénieur logiciel", "Thales"),
    ("Professeur des écoles", "Éducation nationale"),
    ("Comptable", "Cabinet Fiducial"),
    ("Commercial", "Orange"),
    ("Chef de projet", "Airbus"),
    ("Pharmacienne", "Pharmacie du Centre"),
    ("Électricien", "Eiffage"),
    ("Architecte", "Atelier Lumière"),
    ("Aide-soignante", "EHPAD Les Tilleuls"),
)
CONTRACTS = (
    (Contract.CDI, 60),
    (Contract.CIVIL_SERVANT, 12),
    (Contract.CDD, 5),
    (Contract.CDI_TRIAL, 3),
    (Contract.SELF_EMPLOYED, 8),
    (Contract.COMPANY_HEAD, 3),
    (Contract.RETIRED, 6),
    (Contract.INTERIM, 2),
    (Contract.UNEMPLOYED, 1),
)
LENDERS = (
    ("Crédit Agricole", LoanKind.MORTGAGE),
    ("LCL", LoanKind.MORTGAGE),
    ("Cetelem", LoanKind.CONSUMER),
    ("Sofinco", LoanKind.REVOLVING),
    ("Diac", LoanKind.CAR),
    ("Cofidis", LoanKind.CONSUMER),
    ("Banque Populaire", LoanKind.STUDENT),
)
CHILD_NAMES = (
    "Léo",
    "Jade",
    "Louis",
    "Emma",
    "Gabriel",
    "Alice",
    "Jules",
    "Inès",
    "Adam",
    "Rose",
    "Noé",
    "Lina",
)
MANUAL_COMMENTS = (
    "<p>Clients rencontrés en agence : projet <b>solide</b>, apport constitué.</p>",
    "<p>Dossier complet reçu, envoi prévu à trois banques.</p>",
    "<p>Prévoir une assurance emprunteur déléguée : <i>économie importante</i>.</p>",
    "<ul><li>Bulletins de salaire reçus</li><li>Avis d'imposition à relancer</li></ul>",
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
_PROCESS_THRESHOLD = 5000


@dataclass
class DemoResult:
    dossiers: int
    users_created: int


# The demo office's published password (shown by the login dialog, the README, `--help`):
# the one exception to the password rule, since it protects only fictitious data and is no
# secret. Any other password given for its users follows the rule of every user.
DEMO_PASSWORD = "demo"


def check_demo_password(password: str) -> None:
    """The password rule of every user (`check_password`), for the demo office's users."""
    if password != DEMO_PASSWORD:
        check_password(password)


def build_demo(
    database: Database,
    dossiers: int,
    seed: int = 1,
    password: str = DEMO_PASSWORD,
    progress: Callable[[int, int], None] | None = None,
    today: dt.date | None = None,
) -> DemoResult:
    """Create (or add to) a demo office. Deterministic for a given seed and `today`."""
    check_demo_password(password)
    rng = _Random(seed)
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
        generator = _DossierGenerator(
            rng,
            office,
            today,
            {name: counter.value for name, counter in counters.items()},
            (session.scalar(select(func.max(Child.id))) or 0) + 1,
            (session.scalar(select(func.max(CurrentLoan.id))) or 0) + 1,
        )
        connection = session.connection()
        done = 0
        with (
            search_index_filled_afterwards(connection, first_id),
            secondary_indexes_built_afterwards(connection, _TABLES),
            _generated_elsewhere(generator, first_id, dossiers) as batches,
        ):
            for count, tables in batches:
                # The generator is the slower of the two processes: converting here is free.
                for table_name, items in tables.items():
                    insert_rows(connection, table_name, *storage_rows(items))
                done += count
                if progress:
                    progress(done, dossiers)
        for name, value in batches.counters.items():
            counter = counters.get(name) or session.merge(Counter(name=name, value=0))
            counter.value = value
    database.refresh_statistics()
    return DemoResult(dossiers=dossiers, users_created=users_created)


class _Random(random.Random):
    """random.Random with cheaper picks: choice() and randrange() cost ~2 µs each in
    CPython, and the demo draws millions of them."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            start, stop = 0, start
        count = (stop - start + step - 1) // step
        return start + step * int(self.random() * count)

    def choices(self, population, weights=None, *, cum_weights=None, k=1):
        if weights is not None and k == 1:
            total = sum(weights)
            point = self.random() * total
            for value, weight in zip(population, weights, strict=True):
                point -= weight
                if point < 0:
                    return [value]
            return [population[-1]]
        return super().choices(population, weights, cum_weights=cum_weights, k=k)


person_name = functools.lru_cache(maxsize=None)(_person_name)  # few distinct names

_ASCII: dict[str, str] = {}


def _ascii(text: str) -> str:
    """«Éloïse.Lefèvre» → «eloise.lefevre» for e-mail addresses (cached: few distinct names)."""
    if text not in _ASCII:
        _ASCII[text] = "".join(c for c in fold(text) if c.isalnum() or c in ".-").replace(" ", "")
    return _ASCII[text]


def _borrower_data(row: dict) -> BorrowerData:
    return BorrowerData(**{name: row[name] for name in BorrowerData.__dataclass_fields__})


def _child_data(row: dict) -> ChildData:
    return ChildData(
        row["first_name"], row["birth_date"], row["dependent"], row["alternating_custody"]
    )


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
                failed_logins=0,
            )
        )
    session.flush()
    return len(STAFF)


def _create_referrers(session: Session) -> None:
    for name, kind, contact in REFERRERS:
        session.add(Referrer(name=name, kind=kind, contact=contact, is_active=True))
    session.flush()


@dataclass(frozen=True)
class _Ref:
    id: int
    name: str
    percent: int


@dataclass
class _Office:
    """What the generator needs of the office, as plain data (it runs in another process)."""

    brokers: list[int]
    steps: list[_Ref]
    provenances: list[_Ref]
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
            steps=[_Ref(s.id, s.name, s.percent) for s in steps],
            provenances=[_Ref(p.id, p.name, 0) for p in provenances],
            referrer_ids=list(session.scalars(select(Referrer.id))),
            referrer_provenance=referrer_prov,
            actor_ids=list(session.scalars(select(User.id))),
        )


@dataclass
class _Rows:
    """One dossier's rows, named after their tables."""

    dossiers: list[dict]
    borrowers: list[dict]
    step_changes: list[dict]
    simulations: list[dict]
    children: list[dict]
    projects: list[dict]
    current_loans: list[dict]
    monthly_charges: list[dict]
    real_estate: list[dict]
    savings: list[dict]
    comments: list[dict]


_TABLES = (
    Dossier.__table__,
    Borrower.__table__,
    StepChange.__table__,
    Simulation.__table__,
    Child.__table__,
    Project.__table__,
    CurrentLoan.__table__,
    MonthlyCharge.__table__,
    RealEstate.__table__,
    Savings.__table__,
    Comment.__table__,
)


_Message = tuple[str, Any]  # ("rows", (count, rows by table)), ("counters", …) or ("error", …)
_PARENT_GONE = 3  # the generator process's exit status when its parent died


class _Channel(Protocol):
    """Where the generator sends its messages: a queue, of this process or shared."""

    def put(self, item: _Message, /) -> None: ...

    def get(self, block: bool = ..., timeout: float | None = ...) -> _Message: ...


class _Batches:
    """Batches of generated rows received from the generator process."""

    def __init__(self, queue: _Channel, process=None) -> None:
        self._queue = queue
        self._process = process
        self.counters: dict[str, int] = {}

    def _next(self):
        while True:
            try:
                return self._queue.get(timeout=1)
            except queue_module.Empty:
                if self._process is not None and not self._process.is_alive():
                    raise RuntimeError("the demo generator process stopped unexpectedly") from None

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        while True:
            kind, payload = self._next()
            if kind == "rows":
                yield payload
            elif kind == "error":
                raise RuntimeError(f"demo generator failed: {payload}")
            else:
                self.counters = payload
                return


def _generate(
    generator: _DossierGenerator,
    first_id: int,
    count: int,
    queue: _Channel,
    parent_alive: Connection | None = None,
) -> None:
    """In the generator process: make the rows batch by batch, then send the counters."""
    if parent_alive is not None:
        _exit_with_parent(parent_alive)
    try:
        for batch in _batches(range(first_id, first_id + count), _BATCH):
            rows = [generator.make(dossier_id) for dossier_id in batch]
            queue.put(
                (
                    "rows",
                    (
                        len(rows),
                        {t.name: [i for r in rows for i in getattr(r, t.name)] for t in _TABLES},
                    ),
                )
            )
        queue.put(("counters", generator.counters))
    except Exception as error:  # reported to the parent, which raises it
        queue.put(("error", repr(error)))


def _exit_with_parent(parent_alive: Connection) -> None:
    """In the generator process: end it as soon as its parent is gone, whatever ended the
    parent (SIGKILL included: no signal handler, no atexit runs there).

    The parent holds the only writing end of `parent_alive` and never writes: when the system
    closes that end (the parent died, or gave up and closed it), reading here ends with EOF.
    A pipe, not a signal: it works the same on Windows. The watching thread waits in the
    system (no GIL held, no cost to the generation) and stops the whole process, even when
    its main thread waits for room in the queue."""

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            parent_alive.recv_bytes()
        os._exit(_PARENT_GONE)

    threading.Thread(target=watch, name="demo-parent-watch", daemon=True).start()


@contextlib.contextmanager
def _generated_elsewhere(
    generator: _DossierGenerator, first_id: int, count: int
) -> Iterator[_Batches]:
    """Generate in a second process while this one writes: two cores, no GIL contention.
    A small office is generated here: starting a process would cost more than it saves."""
    if count < _PROCESS_THRESHOLD:
        inline: queue_module.Queue[_Message] = queue_module.Queue()
        _generate(generator, first_id, count, inline)
        yield _Batches(inline)
        return
    context = multiprocessing.get_context("spawn")
    shared: multiprocessing.queues.Queue[_Message] = context.Queue(maxsize=3)
    # The generator's lifeline (see _exit_with_parent): it gets the reading end, this process
    # keeps the writing end, which the system closes if this process is killed.
    parent_alive, lifeline = context.Pipe(duplex=False)
    process = context.Process(
        target=_generate, args=(generator, first_id, count, shared, parent_alive), daemon=True
    )
    process.start()
    parent_alive.close()  # the generator has its own copy
    try:
        yield _Batches(shared, process)
    finally:
        lifeline.close()  # a generator still at work (this process gave up) stops now
        process.join(timeout=30)
        if process.is_alive():
            process.kill()


class _DossierGenerator:
    def __init__(
        self,
        rng,
        office: _Office,
        today,
        counters: dict[str, int],
        next_child_id: int,
        next_loan_id: int,
    ) -> None:
        self.rng = rng
        self.office = office
        self.today = today
        self.counters = counters
        self.next_child_id = next_child_id
        self.next_loan_id = next_loan_id

    def _number(self, created_on: dt.date) -> str:
        name = counter_name(created_on.year)
        value = self.counters.get(name, 0) + 1
        self.counters[name] = value
        return format_number(created_on.year, value)

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
        children = self._children(dossier_id, borrowers)
        project = self._project(dossier_id)
        loans = self._loans(dossier_id)
        comments = self._comments(
            dossier_id, dossier["owner_id"], created_on, borrowers, children, project, loans
        )
        charges, estate, savings = self._finances(dossier_id, loans)
        return _Rows(
            [dossier],
            borrowers,
            changes,
            self._simulations(dossier_id, created_on, status),
            children,
            [project],
            loans,
            charges,
            estate,
            savings,
            comments,
        )

    def _project(self, dossier_id: int) -> dict:
        rng = self.rng
        nature = rng.choices(
            (
                ProjectNature.EXISTING,
                ProjectNature.NEW_BUILD,
                ProjectNature.CONSTRUCTION,
                ProjectNature.WORKS,
            ),
            (60, 20, 15, 5),
        )[0]
        price = rng.randrange(120, 650) * 1000_00
        existing = nature is ProjectNature.EXISTING
        notary = price * (75 if existing else 25) // 1000
        agency = price * 4 // 100 if existing and rng.random() < 0.5 else None
        works = rng.randrange(10, 60) * 1000_00 if rng.random() < 0.2 else None
        contribution = price * rng.randrange(3, 25) // 100
        postal_code, city = rng.choice(CITIES)
        return {
            "dossier_id": dossier_id,
            "nature": nature,
            "use": rng.choices(
                (ProjectUse.MAIN_HOME, ProjectUse.SECOND_HOME, ProjectUse.RENTAL), (80, 5, 15)
            )[0],
            "address": f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
            "postal_code": postal_code,
            "city": city,
            "price_cents": price,
            "notary_fees_cents": notary,
            "works_cents": works,
            "agency_fees_cents": agency,
            "other_costs_cents": None,
            "contribution_cents": contribution,
        }

    def _loans(self, dossier_id: int) -> list[dict]:
        rng = self.rng
        if rng.random() >= 0.35:
            return []
        lender, kind = rng.choice(LENDERS)
        loan = {
            "id": self.next_loan_id,
            "dossier_id": dossier_id,
            "lender": lender,
            "kind": kind,
            "monthly_payment_cents": rng.randrange(90, 900) * 100,
            "remaining_capital_cents": rng.randrange(2, 120) * 1000_00,
            "end_date": self.today + dt.timedelta(days=rng.randrange(200, 15 * 365)),
            "to_buy_back": rng.random() < 0.3,
        }
        self.next_loan_id += 1
        return [loan]

    def _finances(
        self, dossier_id: int, loans: list[dict]
    ) -> tuple[list[dict], list[dict], list[dict]]:
        rng = self.rng
        owner = any(loan["kind"] is LoanKind.MORTGAGE for loan in loans)
        charges = []
        if not owner and rng.random() < 0.6:
            charges.append(
                {
                    "dossier_id": dossier_id,
                    "kind": ChargeKind.RENT,
                    "label": "",
                    "monthly_cents": rng.randrange(450, 1400) * 100,
                }
            )
        estate = []
        if owner:
            estate.append(
                {
                    "dossier_id": dossier_id,
                    "description": f"Appartement à {rng.choice(CITIES)[1]}",
                    "value_cents": rng.randrange(90, 400) * 1000_00,
                    "remaining_loan_cents": loans[0]["remaining_capital_cents"],
                }
            )
        savings = [
            {"dossier_id": dossier_id, "kind": kind, "amount_cents": rng.randrange(1, 60) * 1000_00}
            for kind in ((SavingsKind.LIVRET,) if rng.random() < 0.6 else ())
            + ((SavingsKind.LIFE_INSURANCE,) if rng.random() < 0.25 else ())
        ]
        return charges, estate, savings

    def _details(self, female: bool, first: str, last: str, status: MaritalStatus) -> dict:
        """A borrower's situation: birth, address, contact, job and income."""
        rng = self.rng
        birth = self.today - dt.timedelta(days=rng.randrange(23 * 365, 62 * 365))
        postal_code, city = rng.choice(CITIES)
        contract = rng.choices([c for c, _w in CONTRACTS], [w for _c, w in CONTRACTS])[0]
        profession, employer = rng.choice(PROFESSIONS)
        if contract in (Contract.RETIRED, Contract.UNEMPLOYED):
            profession, employer = ("Retraité(e)" if contract is Contract.RETIRED else ""), ""
        elif contract in (Contract.SELF_EMPLOYED, Contract.COMPANY_HEAD):
            employer = f"{last} Conseil"
        since = None
        if contract not in (Contract.RETIRED, Contract.UNEMPLOYED):
            since = self.today - dt.timedelta(
                days=rng.randrange(60, max(61, (self.today - birth).days - 18 * 365))
            )
        email_name = _ascii(f"{first}.{last}")
        return {
            "birth_name": "",
            "birth_date": birth,
            "birth_place": rng.choice(CITIES)[1],
            "nationality": "Française",
            "marital_status": status,
            "matrimonial_regime": None,
            "address": f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
            "postal_code": postal_code,
            "city": city,
            "phone": "0"
            + rng.choice("67")
            + "".join(f" {rng.randrange(100):02d}" for _ in range(4)),
            "email": f"{email_name}@exemple.fr",
            "profession": profession,
            "employer": employer,
            "contract": contract,
            "employed_since": since,
            "net_monthly_income_cents": None
            if contract is Contract.UNEMPLOYED
            else rng.randrange(1500, 6500) * 100,
            "other_income_cents": None,
            "rental_income_cents": rng.randrange(400, 1500) * 100 if rng.random() < 0.1 else None,
        }

    def _children(self, dossier_id: int, borrowers: list[dict]) -> list[dict]:
        rng = self.rng
        count = rng.choices((0, 1, 2, 3), (45, 25, 22, 8))[0]
        separated = borrowers[0]["marital_status"] in (
            MaritalStatus.DIVORCED,
            MaritalStatus.SEPARATED,
        )
        children = []
        for _ in range(count):
            children.append(
                {
                    "id": self.next_child_id,
                    "dossier_id": dossier_id,
                    "first_name": rng.choice(CHILD_NAMES),
                    "birth_date": self.today - dt.timedelta(days=rng.randrange(100, 20 * 365)),
                    "dependent": True,
                    "alternating_custody": separated and rng.random() < 0.5,
                }
            )
            self.next_child_id += 1
        return children

    def _comments(
        self, dossier_id, owner_id, created_on, borrowers, children, project, loans
    ) -> list[dict]:
        """The automatic comments the rules state for this data, and a manual one sometimes."""
        snapshot = Snapshot(
            borrowers=tuple((b["rank"], _borrower_data(b)) for b in borrowers),
            children=tuple((c["id"], _child_data(c)) for c in children),
            today=self.today,
            project=ProjectData(
                **{name: project[name] for name in ProjectData.__dataclass_fields__}
            ),
            loans=tuple(
                (loan["id"], LoanData(**{n: loan[n] for n in LoanData.__dataclass_fields__}))
                for loan in loans
            ),
        )
        stamp = dt.datetime.combine(created_on, dt.time(11))
        rows = [
            {
                "dossier_id": dossier_id,
                "tab": tab,
                "body": text,
                "in_synthesis": False,
                "author_id": None,
                "created_at": stamp,
                "updated_at": stamp,
                "rule_key": rule_key,
                "fact_key": fact_key,
                "dismissed": False,
            }
            for (rule_key, fact_key), (tab, text) in expected_comments(snapshot).items()
        ]
        if self.rng.random() < 0.3:
            later = stamp + dt.timedelta(hours=3)
            rows.append(
                {
                    "dossier_id": dossier_id,
                    "tab": DossierTab.GENERAL,
                    "body": self.rng.choice(MANUAL_COMMENTS),
                    "in_synthesis": True,
                    "author_id": owner_id,
                    "created_at": later,
                    "updated_at": later,
                    "rule_key": None,
                    "fact_key": None,
                    "dismissed": False,
                }
            )
        return rows

    def _borrowers(self, dossier_id: int) -> list[dict]:
        rng = self.rng
        female = rng.random() < 0.5
        last = rng.choice(LAST_NAMES)
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        couple = rng.random() < 0.6
        status = (
            rng.choices(
                (MaritalStatus.MARRIED, MaritalStatus.PACS, MaritalStatus.COHABITING), (55, 25, 20)
            )[0]
            if couple
            else rng.choices(
                (
                    MaritalStatus.SINGLE,
                    MaritalStatus.DIVORCED,
                    MaritalStatus.SEPARATED,
                    MaritalStatus.WIDOWED,
                ),
                (60, 25, 10, 5),
            )[0]
        )
        people = [
            {
                "dossier_id": dossier_id,
                "rank": 1,
                "civility": "Mme" if female else "M.",
                "first_name": first,
                "last_name": last,
                **self._details(female, first, last, status),
            }
        ]
        if couple:
            co_female = not female if rng.random() < 0.9 else female
            co_last = (
                last
                if status is MaritalStatus.MARRIED and rng.random() < 0.8
                else rng.choice(LAST_NAMES)
            )
            co_first = rng.choice(FIRST_NAMES_F if co_female else FIRST_NAMES_M)
            people.append(
                {
                    "dossier_id": dossier_id,
                    "rank": 2,
                    "civility": "Mme" if co_female else "M.",
                    "first_name": co_first,
                    "last_name": co_last,
                    **self._details(co_female, co_first, co_last, status),
                }
            )
            for shared in ("address", "postal_code", "city"):  # a couple lives together
                people[1][shared] = people[0][shared]
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
