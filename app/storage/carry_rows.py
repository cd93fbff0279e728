"""The rows of dossiers taken away on a laptop, and the three-way comparison that brings them
back (issue 11, «Emporter» / «Rapporter»).

A dossier's tree — the dossier, its borrowers, children, comments, simulations and their
lines, documents, invoices and their payments… — is read with SQLAlchemy Core from either
engine, by table then id. The laptop keeps each row as it left the server (its *baseline*,
plain values as JSON). Bringing them back compares, for each row and each column, the
baseline, the laptop's value and the server's value:

- changed on one side only: that side's value is kept;
- changed on both sides to different values: a conflict, which the broker settles;
- a row new on the laptop is inserted on the server with a new id (the ids that refer to it
  follow); a row deleted on one side goes if the other side left it as it was, and is a
  conflict otherwise.

Pure functions over dicts here; the use case (`app.carry.carry_service`) reads, writes and
decides.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

import models.all  # noqa: F401  (every table in the metadata)
from models.base import Base

Row = dict[str, Any]
Rows = dict[str, dict[int, Row]]  # table → id → row

# Ids sent in one `IN (…)`: well below SQLite's and PostgreSQL's limits.
_BATCH = 500


@dataclass(frozen=True)
class Node:
    """A table of a dossier's tree: the column to its parent row, the parent's table, and
    the columns that identify a row within its parent besides its id (a unique constraint:
    a dossier's borrower of rank 2 is the same person on both sides, whatever its id)."""

    table: str
    parent: str
    up: str
    natural: tuple[str, ...] | None = None
    # The parent may go while the row stays (an issued invoice outlives its dossier: its
    # `dossier_id` is set to NULL at the office).
    soft: bool = False


DOSSIERS = "dossiers"
TREE: tuple[Node, ...] = (
    Node("borrowers", "dossier_id", DOSSIERS, ("rank",)),
    Node("children", "dossier_id", DOSSIERS),
    Node("step_changes", "dossier_id", DOSSIERS),
    Node("projects", "dossier_id", DOSSIERS, ()),
    Node("current_loans", "dossier_id", DOSSIERS),
    Node("monthly_charges", "dossier_id", DOSSIERS),
    Node("real_estate", "dossier_id", DOSSIERS),
    Node("savings", "dossier_id", DOSSIERS),
    # After the children and loans its automatic comments name (`fact_key`).
    Node("comments", "dossier_id", DOSSIERS),
    Node("simulations", "dossier_id", DOSSIERS),
    Node("simulation_lines", "simulation_id", "simulations"),
    Node("simulation_covers", "line_id", "simulation_lines"),
    Node("documents", "dossier_id", DOSSIERS),
    Node("bank_submissions", "dossier_id", DOSSIERS),
    Node("requirement_ticks", "dossier_id", DOSSIERS, ("requirement_id", "borrower_rank")),
    Node("invoices", "dossier_id", DOSSIERS, soft=True),
    Node("payments", "invoice_id", "invoices"),
)
TREE_TABLES: tuple[str, ...] = (DOSSIERS, *(node.table for node in TREE))
NODES = {node.table: node for node in TREE}

# Kept by the application from the rest (the list's columns, the version): never compared,
# set again once the dossier is back.
DERIVED: Mapping[str, frozenset[str]] = {
    DOSSIERS: frozenset(
        {"version", "updated_at", "holder_name", "holder_sort", "search_text", "bank_sort"}
    ),
    # The validated plan's figures, worked out again in the dossier's change; the plan's
    # summary of its lines, which come back as a whole (see `app.storage.carry_merge`).
    "simulations": frozenset(
        {"taeg_bp", "debt_ratio_bp", "figures_due", "amount_cents", "rate_mpct", "duration_months"}
    ),
    # What its payments and credit notes add up to, summed again once they are back.
    "invoices": frozenset({"paid_cents", "credited_cents"}),
}
# The summary of a simulation's lines (its row follows the side its lines come from).
PLAN_SUMMARY = ("amount_cents", "rate_mpct", "duration_months")

# The office's settings and referentials a laptop takes whole (read-only there).
REFERENTIALS: tuple[str, ...] = (
    "roles",
    "role_rights",
    "users",
    "steps",
    "provenances",
    "referrers",
    "banks",
    "usury_rates",
    "settings",
    "required_documents",
    "counters",
)


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def plain(value: Any) -> Any:
    """A value as JSON keeps it and as both engines compare it."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def plain_row(row: Mapping[str, Any]) -> Row:
    return {name: plain(value) for name, value in row.items()}


def dumps(row: Mapping[str, Any]) -> str:
    return json.dumps(plain_row(row), ensure_ascii=False, sort_keys=True)


def _batches(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]


def read_rows(connection: Connection, name: str, column: str, ids: Iterable[int]) -> dict[int, Row]:
    """The rows of `name` whose `column` is one of `ids`, by id."""
    found: dict[int, Row] = {}
    chosen = table(name)
    wanted = sorted(set(ids))
    for batch in _batches(wanted):
        for row in connection.execute(select(chosen).where(chosen.c[column].in_(batch))):
            values = dict(row._mapping)
            found[values["id"]] = values
    return found


def read_table(connection: Connection, name: str) -> list[Row]:
    """Every row of a table (an office's referentials: a few hundred rows)."""
    return [dict(row._mapping) for row in connection.execute(select(table(name)))]


def read_tree(
    connection: Connection, dossier_ids: Iterable[int], invoice_ids: Iterable[int] = ()
) -> Rows:
    """Every row of these dossiers' trees, by table then id (typed as the models read);
    also the invoices `invoice_ids` (those that left with a dossier the office deleted
    since: they remain, without their dossier)."""
    rows: Rows = {DOSSIERS: read_rows(connection, DOSSIERS, "id", dossier_ids)}
    for node in TREE:
        rows[node.table] = read_rows(connection, node.table, node.parent, rows[node.up])
        if node.table == "invoices":
            rows["invoices"].update(read_rows(connection, "invoices", "id", invoice_ids))
    return rows


def read_all(connection: Connection) -> Rows:
    """Every row of the tree's tables (a laptop's file holds only its dossiers)."""
    rows: Rows = {}
    for name in TREE_TABLES:
        rows[name] = {
            row._mapping["id"]: dict(row._mapping)
            for row in connection.execute(select(table(name)))
        }
    return rows


def dossier_of(rows: Rows) -> dict[tuple[str, int], int]:
    """Each row's dossier, by (table, id)."""
    owner: dict[tuple[str, int], int] = {(DOSSIERS, key): key for key in rows.get(DOSSIERS, {})}
    for node in TREE:
        for key, row in rows.get(node.table, {}).items():
            parent = owner.get((node.up, row[node.parent]))
            if parent is not None:
                owner[(node.table, key)] = parent
    return owner
