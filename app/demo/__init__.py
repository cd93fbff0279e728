"""A realistic French brokerage office, generated deterministically from a seed.

Bulk inserts through SQLAlchemy Core: 100,000 dossiers with their borrowers, pipeline
history and simulations in well under a minute.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import queue as queue_module
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.crypto.unlocked import document_cipher
from app.demo.generator import DemoOffice, DossierGenerator, SeededRandom
from app.demo.samples import store_samples
from app.demo.words import BANKS, COMPANY, REFERRERS, STAFF, demo_siren
from app.office.office import check_password
from app.office.office_service import seed_reference_data
from app.security import hash_password
from app.storage.database import (
    Database,
    insert_rows,
    search_index_filled_afterwards,
    secondary_indexes_built_afterwards,
    storage_rows,
)
from app.storage.documents import DocumentStore
from models.dossier import (
    BankSubmission,
    Borrower,
    Child,
    Comment,
    Counter,
    CurrentLoan,
    Document,
    Dossier,
    MonthlyCharge,
    Project,
    RealEstate,
    RequirementTick,
    Savings,
    Simulation,
    SimulationCover,
    SimulationLine,
    StepChange,
)
from models.enums import ReferrerKind, UsuryCategory
from models.office import Bank, Invoice, Payment, Referrer, Role, Setting, User, UsuryRate

_BATCH = 5000
_PROCESS_THRESHOLD = 5000


@dataclass
class DemoResult:
    dossiers: int
    users_created: int
    # A new encrypted demo office's recovery key (`main.py demo --recovery-kit` prints it)
    recovery_key: Any = None


# The demo office's published password (shown by the login dialog, the README, `--help`):
# the one exception to the password rule, since it protects only fictitious data and is no
# secret. Any other password given for its users follows the rule of every user.
DEMO_PASSWORD = "demo"
DEMO_ADMIN = "admin"


def active_staff_logins() -> list[str]:
    """The demo's users who can log in (the administrator first): those an encrypted demo
    office wraps its key for."""
    return [login for login, *_rest, is_active in STAFF if is_active]


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
    rng = SeededRandom(seed)
    today = today or dt.date.today()
    with database.write() as session:
        users_created = 0
        if session.scalar(select(User.id).limit(1)) is None:
            roles = seed_reference_data(session)
            users_created = _create_staff(session, roles, password)
            _create_referrers(session, today)
            _create_usury_rates(session, today)
        office = DemoOffice.load(session)
        store = DocumentStore(database.paths.documents, document_cipher(database.paths.database))
        office.samples = store_samples(store)
        counters = {c.name: c for c in session.scalars(select(Counter))}
        first_id = (session.scalar(select(func.max(Dossier.id))) or 0) + 1
        generator = DossierGenerator(
            rng,
            office,
            today,
            {name: counter.value for name, counter in counters.items()},
            (session.scalar(select(func.max(Child.id))) or 0) + 1,
            (session.scalar(select(func.max(CurrentLoan.id))) or 0) + 1,
            (session.scalar(select(func.max(Simulation.id))) or 0) + 1,
            (session.scalar(select(func.max(SimulationLine.id))) or 0) + 1,
            (session.scalar(select(func.max(SimulationCover.id))) or 0) + 1,
            (session.scalar(select(func.max(Invoice.id))) or 0) + 1,
            first_dossier=first_id,
            dossiers=dossiers,
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
        _number_invoices(connection)
    database.refresh_statistics()
    return DemoResult(dossiers=dossiers, users_created=users_created)


def _batches(values: range, size: int) -> Iterator[range]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# Usury rates of the demo's current and previous quarters (thousandths of a percent), so
# that its simulations are checked; an office enters the Banque de France's own.
DEMO_USURY = {
    UsuryCategory.FIXED_UNDER_10: 5_430,
    UsuryCategory.FIXED_10_TO_20: 5_780,
    UsuryCategory.FIXED_20_AND_MORE: 5_910,
    UsuryCategory.VARIABLE: 5_750,
    UsuryCategory.BRIDGE: 6_240,
}


def _create_usury_rates(session: Session, today: dt.date) -> None:
    quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    previous = (quarter - dt.timedelta(days=1)).replace(day=1)
    previous = dt.date(previous.year, 3 * ((previous.month - 1) // 3) + 1, 1)
    for valid_from, shift in ((previous, 60), (quarter, 0)):
        for category, rate in DEMO_USURY.items():
            session.add(UsuryRate(category=category, valid_from=valid_from, rate_mpct=rate + shift))


def _number_invoices(connection) -> None:
    """Number the generated invoices as the office would have: in each series, in the order
    of their dates, after those already numbered; then the series' counters. (Ranked here
    and written back by id: an UPDATE … FROM a ranked subquery joins without an index, a
    scan per invoice — minutes at 100,000 dossiers.)"""
    taken = dict(
        connection.exec_driver_sql(
            "SELECT series, MAX(sequence) FROM invoices WHERE number IS NOT NULL GROUP BY series"
        ).all()
    )
    numbered = []
    for invoice_id, series in connection.exec_driver_sql(
        "SELECT id, series FROM invoices WHERE number IS NULL AND series IS NOT NULL "
        "ORDER BY series, issued_on, id"
    ):
        sequence = taken[series] = (taken.get(series) or 0) + 1
        numbered.append((sequence, f"{series}-{sequence:04d}", invoice_id))
    if numbered:  # (an empty list of parameters is no statement to run)
        connection.exec_driver_sql(
            "UPDATE invoices SET sequence = ?, number = ? WHERE id = ?", numbered
        )
    connection.exec_driver_sql(
        "INSERT OR REPLACE INTO counters (name, value) SELECT 'facture:' || series, "
        "MAX(sequence) FROM invoices WHERE series IS NOT NULL GROUP BY series"
    )


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


def _create_referrers(session: Session, today: dt.date) -> None:
    for index, (name, kind, contact, address) in enumerate(REFERRERS):
        # Agencies take a share of the fees; people a fixed amount per dossier.
        rate = (10_000 if index % 2 else 15_000) if kind is ReferrerKind.COMPANY else None
        fixed = None if rate else 300_00
        company = kind is ReferrerKind.COMPANY
        siren = demo_siren(index) if company else ""
        # Agencies charge VAT; the notary's office is exempt; the small adviser in franchise.
        regime = {3: "exonere", 4: "franchise"}.get(index, "assujetti") if company else ""
        session.add(
            Referrer(
                name=name,
                kind=kind,
                contact=contact,
                address=address,
                siren=siren,
                vat_regime=regime,
                vat_number=f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
                if regime == "assujetti"
                else "",
                billing_mandate_on=dt.date(today.year - 2, 1, 15) if company else None,
                is_active=True,
                rebate_rate_mpct=rate,
                rebate_fixed_cents=fixed,
            )
        )
    for index, (name, agency, contact, address) in enumerate(BANKS):
        session.add(
            Bank(
                name=name,
                agency=agency,
                contact=contact,
                address=address,
                siren=demo_siren(100 + index),
                is_active=True,
                commission_rate_mpct=(500, 750, 1000)[index % 3],  # of the amount lent
            )
        )
    for key, value in COMPANY.items():
        session.merge(Setting(key=f"company.{key}", value=value))
    session.flush()


_TABLES = (
    Dossier.__table__,
    Borrower.__table__,
    StepChange.__table__,
    Simulation.__table__,
    SimulationLine.__table__,
    SimulationCover.__table__,
    Child.__table__,
    Project.__table__,
    CurrentLoan.__table__,
    MonthlyCharge.__table__,
    RealEstate.__table__,
    Savings.__table__,
    Comment.__table__,
    Document.__table__,
    RequirementTick.__table__,
    BankSubmission.__table__,
    Invoice.__table__,
    Payment.__table__,
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
    generator: DossierGenerator,
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
    generator: DossierGenerator, first_id: int, count: int
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
