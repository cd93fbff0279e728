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
from dataclasses import dataclass, field
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


DOSSIERS = "dossiers"
TREE: tuple[Node, ...] = (
    Node("borrowers", "dossier_id", DOSSIERS, ("rank",)),
    Node("children", "dossier_id", DOSSIERS),
    Node("comments", "dossier_id", DOSSIERS),
    Node("step_changes", "dossier_id", DOSSIERS),
    Node("projects", "dossier_id", DOSSIERS, ()),
    Node("current_loans", "dossier_id", DOSSIERS),
    Node("monthly_charges", "dossier_id", DOSSIERS),
    Node("real_estate", "dossier_id", DOSSIERS),
    Node("savings", "dossier_id", DOSSIERS),
    Node("simulations", "dossier_id", DOSSIERS),
    Node("simulation_lines", "simulation_id", "simulations"),
    Node("simulation_covers", "line_id", "simulation_lines"),
    Node("documents", "dossier_id", DOSSIERS),
    Node("bank_submissions", "dossier_id", DOSSIERS),
    Node("requirement_ticks", "dossier_id", DOSSIERS, ("requirement_id", "borrower_rank")),
    Node("invoices", "dossier_id", DOSSIERS),
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
    # The validated plan's figures, worked out again in the dossier's change.
    "simulations": frozenset({"taeg_bp", "debt_ratio_bp", "figures_due"}),
}

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


def read_tree(connection: Connection, dossier_ids: Iterable[int]) -> Rows:
    """Every row of these dossiers' trees, by table then id (typed as the models read)."""
    rows: Rows = {DOSSIERS: read_rows(connection, DOSSIERS, "id", dossier_ids)}
    for node in TREE:
        rows[node.table] = read_rows(connection, node.table, node.parent, rows[node.up])
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


# --- the three-way comparison -------------------------------------------------------------

OFFICE = "office"
LAPTOP = "laptop"


@dataclass(frozen=True)
class Conflict:
    """A field (or a whole row, `column` None) changed on both sides: `key` names it for
    the broker's choice, stable between the plan shown and the check-in applied."""

    key: str
    table: str
    row_id: int  # the row's id on the server (or the laptop's, for a row only there)
    column: str | None
    dossier_id: int  # on the server
    office: Any  # the value at the office (None: the row is gone there)
    laptop: Any  # on the laptop (None: the row is gone there)
    office_row: Row | None
    laptop_row: Row | None


@dataclass
class Merge:
    """What bringing the laptop's rows back does to the server's, once every conflict has
    a choice: rows updated (by column), inserted (new on the laptop: the laptop's id, to be
    given a new one), put back (deleted at the office, kept on the laptop: same id) and
    deleted."""

    updates: list[tuple[str, int, Row]] = field(default_factory=list)
    inserts: list[tuple[str, int, Row]] = field(default_factory=list)
    restores: list[tuple[str, int, Row]] = field(default_factory=list)
    deletes: list[tuple[str, int]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unresolved: list[Conflict] = field(default_factory=list)
    decided: list[tuple[Conflict, str]] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.updates) + len(self.inserts) + len(self.restores) + len(self.deletes)


def merge(
    baseline: Rows,
    laptop: Rows,
    office: Rows,
    choices: Mapping[str, str],
    gone_dossiers: Iterable[int] = (),
) -> Merge:
    """The three-way comparison of every table of the tree (see the module's docstring).

    `office` holds the server's rows of the dossiers that left (their trees, read now);
    `gone_dossiers`: those the office deleted meanwhile — left deleted if the laptop did
    not change them, else a conflict on the whole dossier (kept: put back as the laptop has
    it). `choices` maps a conflict's key to OFFICE or LAPTOP; a conflict without a choice is
    listed in `unresolved`."""
    result = Merge()
    owner = {**dossier_of(baseline), **dossier_of(office)}
    laptop_owner = dossier_of(laptop)
    restored: set[int] = set()
    dropped: set[int] = set()  # deleted at the office, and left so
    touched = _touched(baseline, laptop, laptop_owner, owner)
    for key in sorted(set(gone_dossiers)):
        mine = laptop.get(DOSSIERS, {}).get(key)
        if mine is None or key not in touched:
            dropped.add(key)
            continue
        conflict = _row_conflict(DOSSIERS, key, key, None, mine)
        if _choose(result, conflict, choices) == LAPTOP:
            restored.add(key)
        else:
            dropped.add(key)
    for name in TREE_TABLES:
        node = NODES.get(name)
        base_rows = baseline.get(name, {})
        laptop_rows = laptop.get(name, {})
        office_rows = office.get(name, {})
        skipped = DERIVED.get(name, frozenset()) | {"id"}
        # A row new on both sides under the same natural key is one row (a borrower of rank
        # 2 added twice): compared field by field, without a baseline.
        paired = _paired_new(node, base_rows, laptop_rows, office_rows) if node else {}
        for key in sorted(set(base_rows) | set(laptop_rows)):
            dossier = laptop_owner.get((name, key), owner.get((name, key), 0))
            if dossier in dropped:
                continue
            mine = laptop_rows.get(key)
            if key not in base_rows:  # new on the laptop
                assert mine is not None
                twin = paired.get(key)
                if twin is None:
                    result.inserts.append((name, key, mine))
                else:
                    _compare_row(
                        result,
                        name,
                        twin,
                        None,
                        mine,
                        office_rows[twin],
                        dossier,
                        choices,
                        skipped | _parents(node),
                    )
                continue
            if dossier in restored:
                if mine is not None:
                    result.restores.append((name, key, mine))
                continue
            base = base_rows[key]
            theirs = office_rows.get(key)
            if theirs is None and mine is None:
                continue  # deleted on both sides
            if theirs is None:  # deleted at the office
                assert mine is not None
                if _same(base, mine, skipped):
                    continue
                conflict = _row_conflict(name, key, dossier, None, mine)
                if _choose(result, conflict, choices) == LAPTOP:
                    result.restores.append((name, key, mine))
                continue
            if mine is None:  # deleted on the laptop
                if _same(base, theirs, skipped):
                    result.deletes.append((name, key))
                    continue
                conflict = _row_conflict(name, key, dossier, theirs, None)
                if _choose(result, conflict, choices) == LAPTOP:
                    result.deletes.append((name, key))
                continue
            _compare_row(result, name, key, base, mine, theirs, dossier, choices, skipped)
    return result


def _touched(
    baseline: Rows,
    laptop: Rows,
    laptop_owner: Mapping[tuple[str, int], int],
    owner: Mapping[tuple[str, int], int],
) -> set[int]:
    """The dossiers the laptop changed in any way: a row added, changed or deleted."""
    touched: set[int] = set()
    for name in TREE_TABLES:
        skipped = DERIVED.get(name, frozenset()) | {"id"}
        base_rows, laptop_rows = baseline.get(name, {}), laptop.get(name, {})
        for key, row in laptop_rows.items():
            base = base_rows.get(key)
            if base is None or not _same(base, row, skipped):
                touched.add(laptop_owner.get((name, key), 0))
        for key in base_rows.keys() - laptop_rows.keys():
            touched.add(owner.get((name, key), 0))
    return touched


def _parents(node: Node | None) -> frozenset[str]:
    return frozenset({node.parent}) if node else frozenset()


def _paired_new(
    node: Node, base: Mapping[int, Row], laptop: Mapping[int, Row], office: Mapping[int, Row]
) -> dict[int, int]:
    """The laptop's new rows that the office also added under the same natural key: laptop
    id → office id."""
    if node.natural is None:
        return {}

    def natural(row: Row) -> tuple[Any, ...]:
        return (row[node.parent], *(row[column] for column in node.natural or ()))

    office_new = {natural(row): key for key, row in office.items() if key not in base}
    # Also an office row kept from the baseline whose natural key the laptop reused after
    # deleting it: handled as a delete then an insert (the delete runs first).
    return {
        key: office_new[natural(row)]
        for key, row in laptop.items()
        if key not in base and natural(row) in office_new
    }


def _same(first: Row, second: Row, skipped: frozenset[str]) -> bool:
    return all(
        plain(first.get(column)) == plain(second.get(column))
        for column in set(first) | set(second)
        if column not in skipped
    )


def _compare_row(
    result: Merge,
    name: str,
    key: int,
    base: Row | None,
    mine: Row,
    theirs: Row,
    dossier: int,
    choices: Mapping[str, str],
    skipped: frozenset[str],
) -> None:
    changed: Row = {}
    for column in mine:
        if column in skipped:
            continue
        was = plain(base.get(column)) if base is not None else None
        now_laptop, now_office = plain(mine[column]), plain(theirs.get(column))
        if now_laptop == now_office:
            continue
        if base is not None and now_laptop == was:
            continue  # changed at the office only: kept as it is there
        if base is not None and now_office == was:
            changed[column] = mine[column]  # changed on the laptop only
            continue
        conflict = Conflict(
            key=f"{name}:{key}:{column}",
            table=name,
            row_id=key,
            column=column,
            dossier_id=dossier,
            office=theirs.get(column),
            laptop=mine[column],
            office_row=theirs,
            laptop_row=mine,
        )
        if _choose(result, conflict, choices) == LAPTOP:
            changed[column] = mine[column]
    if changed:
        result.updates.append((name, key, changed))


def _row_conflict(
    name: str, key: int, dossier: int, theirs: Row | None, mine: Row | None
) -> Conflict:
    return Conflict(
        key=f"{name}:{key}:*",
        table=name,
        row_id=key,
        column=None,
        dossier_id=dossier,
        office=theirs,
        laptop=mine,
        office_row=theirs,
        laptop_row=mine,
    )


def _choose(result: Merge, conflict: Conflict, choices: Mapping[str, str]) -> str | None:
    result.conflicts.append(conflict)
    kept = choices.get(conflict.key)
    if kept not in (OFFICE, LAPTOP):
        result.unresolved.append(conflict)
        return None
    result.decided.append((conflict, kept))
    return kept
