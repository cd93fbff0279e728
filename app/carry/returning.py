"""«Rapporter», the writing (issue 11): the laptop's new documents sent first, then the
comparison's result written at the office in the caller's transaction — ids given to the new
rows and followed by what refers to them, balances and list columns worked out again, each
settled conflict kept with its dossier, the laptop's counters and audit log carried over."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from html import escape
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.carry.labels import TABLE_LABELS, field_label, row_label, value_text
from app.carry.readmodels import CarryInfo, ConflictView, Progress
from app.dossier.access import keep_in_step, refresh_list_columns, touch
from app.errors import Cancelled, DomainError
from app.invoicing.invoice_service import rebalance
from app.listing import bank_sort_key
from app.richtext import sanitize
from app.storage import carry_rows
from app.storage.carry_merge import LAPTOP, OFFICE, Conflict, Merge
from app.storage.carry_rows import DOSSIERS, TREE_TABLES
from app.storage.database import Database
from app.storage.documents import DocumentStore
from app.text import format_amount
from models.audit import AuditEvent
from models.carry import CarriedDossier, Carry, CarryConflict
from models.dossier import Comment, Counter, Document, DocumentContent, Dossier
from models.enums import AuditAction, DossierTab
from models.office import Bank, Invoice, Provenance, Referrer, RequiredDocument, Step, User


def names_of(connection: Connection) -> dict[str, dict[int, str]]:
    """The referentials' names, for the values shown."""
    names: dict[str, dict[int, str]] = {
        "users": {
            key: f"{first} {last}".strip()
            for key, first, last in connection.execute(
                select(User.id, User.first_name, User.last_name)
            )
        }
    }
    for table, model, column in (
        ("steps", Step, Step.name),
        ("provenances", Provenance, Provenance.name),
        ("referrers", Referrer, Referrer.name),
        ("banks", Bank, Bank.name),
        ("required_documents", RequiredDocument, RequiredDocument.label),
    ):
        names[table] = dict(connection.execute(select(model.id, column)).all())
    return names


def conflict_view(
    conflict: Conflict, numbers: Mapping[int, str], names: Mapping[str, Mapping[int, str]]
) -> ConflictView:
    row = conflict.laptop_row or conflict.office_row or {}
    what = row_label(conflict.table, row)
    if conflict.part == "plan":
        what = f"{what} — lignes de prêt et assurances"
        office, laptop = _plan_text(conflict.office), _plan_text(conflict.laptop)
    elif conflict.column is None:
        office = "(supprimé)" if conflict.office_row is None else "(modifié)"
        laptop = "(supprimé)" if conflict.laptop_row is None else "(modifié)"
        what = f"{what} (en entier)"
    else:
        what = f"{what} — {field_label(conflict.table, conflict.column)}"
        office = value_text(conflict.table, conflict.column, conflict.office, names)
        laptop = value_text(conflict.table, conflict.column, conflict.laptop, names)
    return ConflictView(
        key=conflict.key,
        dossier_number=numbers.get(conflict.dossier_id, ""),
        what=what,
        office=office,
        laptop=laptop,
    )


def _plan_text(lines: Any) -> str:
    """A plan's lines, as the conflict shows them: how many, what they lend."""
    lines = list(lines or ())
    total = sum(line["amount_cents"] or 0 for line in lines)
    return f"{len(lines)} ligne(s) de prêt, {format_amount(total)}"


def phase(progress: Progress | None, start: int, end: int) -> Progress | None:
    """A part of the whole's progress (in thousandths, from `start` to `end`)."""
    if progress is None:
        return None

    def tell(done: int, total: int) -> bool:
        return progress(start + (end - start) * done // max(total, 1), 1000)

    return tell


def send_documents(
    laptop: Session,
    server_db: Database,
    server_store: Any,
    documents: DocumentStore,
    progress: Progress | None,
) -> list[str]:
    """The laptop's documents the server does not have, sent before the rows (each in its
    own transfer, held from any removal until `release`): the writers' lock is not held
    while megabytes travel. Returns the hashes held."""
    hashes = set(laptop.scalars(select(Document.content_hash).distinct()))
    if not hashes:
        return []
    with server_db.read() as session:
        present = set(
            session.scalars(
                select(DocumentContent.content_hash).where(
                    DocumentContent.content_hash.in_(sorted(hashes))
                )
            )
        )
    sent: list[str] = []
    wanted = sorted(hashes - present)
    try:
        for done, content_hash in enumerate(wanted):
            if progress is not None and not progress(done, len(wanted)):
                raise Cancelled("Retour annulé : rien n'a été écrit sur le serveur.")
            if not documents.exists(content_hash):
                continue  # missing on the laptop: its row says so at the office too
            with documents.plain_path(content_hash) as plain:
                stored, _size = server_store.put(plain, hold=True)
            sent.append(stored)
            if stored != content_hash:
                raise DomainError(
                    "Un document de ce portable ne correspond plus à son empreinte (fichier "
                    "remplacé ou endommagé) : rien n'a été rapporté."
                )
    except BaseException:
        server_store.release(sent)
        raise
    return sent


class Returning:
    """The merge written on the server, inside the caller's transaction."""

    def __init__(
        self,
        laptop: Session,
        server: Session,
        database: Database,
        user: CurrentUser,
        carry: CarryInfo,
        progress: Progress | None,
    ) -> None:
        self._laptop = laptop
        self._server = server
        self._database = database
        self._connection = server.connection()
        self._user = user
        self._carry = carry
        self._progress = progress
        self._new_ids: dict[str, dict[int, int]] = {name: {} for name in TREE_TABLES}
        self._done = 0
        self._steps = 1

    def _tell(self) -> None:
        self._done += 1
        if self._progress is not None and not self._progress(
            min(self._done, self._steps), self._steps
        ):
            raise Cancelled("Retour annulé : rien n'a été écrit sur le serveur.")

    def run(self, merged: Merge) -> None:
        connection = self._connection
        self._steps = merged.changes + 1
        for name, laptop_id, office_id in merged.twins:  # what refers to one refers to both
            self._new_ids[name][laptop_id] = office_id
        order = {name: index for index, name in enumerate(TREE_TABLES)}
        for name, key in sorted(merged.deletes, key=lambda item: -order[item[0]]):
            table = carry_rows.table(name)
            connection.execute(delete(table).where(table.c.id == key))
            self._tell()
        # Parents before children: a dossier put back, then its rows; a new simulation,
        # then its lines. Within a table, by the laptop's ids (an invoice before the credit
        # note that cancels it).
        for name in TREE_TABLES:
            table = carry_rows.table(name)
            for _name, _key, row in (item for item in merged.restores if item[0] == name):
                connection.execute(insert(table), [self._remapped(name, row)])
                self._tell()
            new = sorted((item for item in merged.inserts if item[0] == name), key=lambda i: i[1])
            for _name, key, row in new:
                values = self._remapped(name, {k: v for k, v in row.items() if k != "id"})
                self._new_ids[name][key] = connection.execute(
                    insert(table).returning(table.c.id), [values]
                ).scalar_one()
                self._tell()
        for name, key, values in merged.updates:
            table = carry_rows.table(name)
            connection.execute(
                update(table).where(table.c.id == key).values(self._remapped(name, values))
            )
            self._tell()
        self._after(merged)

    def _remapped(self, name: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """A row's references to rows new on the laptop, given their server ids (an
        automatic comment's fact naming a child or a loan too)."""
        values = dict(row)
        for key in carry_rows.table(name).foreign_keys:
            column, target = key.parent.name, key.column.table.name
            if values.get(column) is not None and target in self._new_ids:
                values[column] = self._new_ids[target].get(values[column], values[column])
        fact = values.get("fact_key") if name == "comments" else None
        if fact:
            kind, _, number = str(fact).partition("-")
            named = {"child": "children", "loan": "current_loans"}.get(kind)
            if named and number.isdigit():
                ids = self._new_ids[named]
                new = ids.get(-int(number), ids.get(int(number)))
                if new is not None:
                    values["fact_key"] = f"{kind}-{new}"
        return values

    def _after(self, merged: Merge) -> None:
        session = self._server
        session.expire_all()
        now = dt.datetime.now().replace(microsecond=0)
        new = self._new_ids[DOSSIERS]
        for dossier_id in sorted({new.get(key, key) for key in merged.dossiers}):
            dossier = session.get(Dossier, dossier_id)
            if dossier is None:
                continue
            refresh_list_columns(dossier)
            dossier.bank_sort = bank_sort_key(dossier.chosen_bank)
            touch(dossier)
            keep_in_step(self._database, session, dossier)
            # Its invoices' balances, from their payments and credit notes as they are now.
            for invoice in session.scalars(select(Invoice).where(Invoice.dossier_id == dossier_id)):
                rebalance(session, invoice)
        for invoice_id in (*self._new_ids["invoices"].values(), *_updated(merged, "invoices")):
            alone = session.get(Invoice, invoice_id)
            if alone is not None:  # an invoice whose dossier the office deleted
                rebalance(session, alone)
        self._conflicts(merged, now)
        self._counters()
        self._audit_events()
        session.execute(delete(CarriedDossier).where(CarriedDossier.carry_id == self._carry.id))
        session.execute(
            update(Carry)
            .where(Carry.id == self._carry.id)
            .values(ended_at=now, ended_how="returned", ended_by=self._user.id)
        )
        audit.record(
            session,
            self._user,
            AuditAction.DOSSIERS_RETURNED,
            details=(
                f"{self._carry.dossier_count} dossier(s) du portable {self._carry.machine} "
                f"({self._carry.prefix}) ; {len(self._new_ids[DOSSIERS])} créé(s) hors du "
                f"bureau ; {len(merged.decided)} conflit(s) tranché(s)"
            ),
        )
        session.flush()

    def _conflicts(self, merged: Merge, now: dt.datetime) -> None:
        """Both values of each conflict kept with its dossier; the choice in the audit log
        (which holds no personal data, and outlives an erasure)."""
        if not merged.decided:
            return
        session = self._server
        ids = sorted({conflict.dossier_id for conflict, _kept in merged.decided})
        numbers = dict(
            session.execute(select(Dossier.id, Dossier.number).where(Dossier.id.in_(ids))).all()
        )
        names = names_of(self._connection)
        said: dict[int, list[str]] = {}
        for conflict, kept in merged.decided:
            view = conflict_view(conflict, numbers, names)
            if conflict.dossier_id in numbers:
                mine, theirs = (
                    (view.laptop, view.office) if kept == LAPTOP else (view.office, view.laptop)
                )
                said.setdefault(conflict.dossier_id, []).append(
                    f"<li>{escape(view.what)} : gardé « {escape(mine)} » "
                    f"({'ce portable' if kept == LAPTOP else 'le bureau'}) ; "
                    f"{'au bureau' if kept == LAPTOP else 'sur le portable'} : "
                    f"« {escape(theirs)} »</li>"
                )
                session.add(
                    CarryConflict(
                        dossier_id=conflict.dossier_id,
                        carry_id=self._carry.id,
                        decided_at=now,
                        user_id=self._user.id,
                        what=view.what[:300],
                        office_value=_full(conflict.office),
                        laptop_value=_full(conflict.laptop),
                        kept=kept,
                    )
                )
            column = field_label(conflict.table, conflict.column) if conflict.column else ""
            audit.record(
                session,
                self._user,
                AuditAction.CARRY_CONFLICT,
                dossier_id=conflict.dossier_id,
                dossier_number=numbers.get(conflict.dossier_id),
                details=(
                    f"{TABLE_LABELS[conflict.table]}{' — ' + column if column else ' (ligne)'} :"
                    f" gardé la version {'du bureau' if kept == OFFICE else 'du portable'}"
                ),
            )
        # In the dossier itself, for whoever opens it: what was chosen, and the other value.
        for dossier_id, items in said.items():
            session.add(
                Comment(
                    dossier_id=dossier_id,
                    tab=DossierTab.GENERAL,
                    body=sanitize(
                        f"<p>Retour du portable {escape(self._carry.machine)} : modifié au "
                        f"bureau et sur le portable, tranché par {escape(self._user.display_name)}.</p>"
                        f"<ul>{''.join(items)}</ul>"
                    ),
                    in_synthesis=False,
                    author_id=self._user.id,
                    created_at=now,
                    updated_at=now,
                    dismissed=False,
                )
            )

    def _counters(self) -> None:
        """The laptop's numbering counters: the server's never behind them (its series
        carry its prefix, so they go on from there on the next departure)."""
        for name, value in self._laptop.execute(select(Counter.name, Counter.value)).all():
            current = self._server.get(Counter, name)
            if current is None:
                self._server.add(Counter(name=name, value=value))
            elif value > current.value:
                current.value = value

    def _audit_events(self) -> None:
        """The laptop's audit log appended to the office's (the ids of dossiers created
        there given their server ids)."""
        new_dossiers = self._new_ids[DOSSIERS]
        rows = [
            {
                "at": event.at,
                "user_id": event.user_id,
                "user_login": event.user_login,
                "action": event.action,
                "dossier_id": None
                if event.dossier_id is None
                else new_dossiers.get(event.dossier_id, event.dossier_id),
                "dossier_number": event.dossier_number,
                "details": f"{event.details} (hors du bureau)".strip()[:500],
            }
            for event in self._laptop.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
        if rows:
            self._server.execute(insert(AuditEvent.__table__), rows)


def _updated(merged: Merge, name: str) -> list[int]:
    return [key for table, key, _values in merged.updates if table == name]


def _full(value: Any) -> str:
    """A conflict's value as kept: the whole of it (a row as JSON)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return carry_rows.dumps(value)
    plain = carry_rows.plain(value)
    return plain if isinstance(plain, str) else json.dumps(plain)
