"""The three-way comparison that brings a laptop's dossiers back (issue 11, «Rapporter»).

For each row of the dossiers' trees (`app.storage.carry_rows`): its value when it left
(the *baseline*), on the laptop now, at the office now.

- **A field** changed on one side only takes that side's value; changed on both sides to
  different values, it is a conflict, which the broker settles. `updated_at` never is: the
  later one stays. The columns the application works out from others (`DERIVED`) are not
  compared: they are worked out again once the rows are back.
- **A row** new on the laptop is inserted at the office with a new id (what refers to it
  follows). A row the office deleted stays deleted if the laptop changed nothing in it or
  under it; otherwise it is a conflict (kept: put back with what is under it). A row the
  laptop deleted goes if the office changed nothing in it or under it; otherwise it is a
  conflict. What lies under a row whose deletion stands goes with it — but an issued
  invoice outlives its dossier, as it does at the office.
- **Rows known by what they are, not their id**: a dossier's borrower of a rank, its
  project, a ticked item: added or replaced on both sides, it is one row, compared field by
  field.
- **A financing plan's lines and their insurance** come back as a whole: lines mixed from
  two versions of a plan would be a plan nobody made. Changed on one side, that side's
  lines are kept; on both, the broker chooses one version of the plan.
- **An id the laptop gave again** (SQLite reuses the highest id once its row is deleted):
  a row born elsewhere or later than the baseline's under that id is a new row.

Pure functions over dicts (the rows as `carry_rows` reads them); the use case
(`app.carry.carry_service`) reads, writes and decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.storage.carry_rows import (
    DERIVED,
    DOSSIERS,
    NODES,
    PLAN_SUMMARY,
    TREE,
    TREE_TABLES,
    Node,
    Row,
    Rows,
    plain,
    table,
)

OFFICE = "office"
LAPTOP = "laptop"
LINES = "simulation_lines"
COVERS = "simulation_covers"

# When each kind of row was made: a row under a baseline id made at another time (or under
# another parent) is a new row under an id SQLite gave again.
_BORN = {
    "comments": "created_at",
    "documents": "created_at",
    "invoices": "created_at",
    "payments": "created_at",
    "step_changes": "changed_at",
    "bank_submissions": "created_at",
    "simulations": "created_at",
}

Ident = Any  # a row's id, or its natural key


@dataclass(frozen=True)
class Conflict:
    """A field (`column`), a whole row (`column` None) or a plan's lines (`part` "plan")
    changed on both sides: `key` names it for the broker's choice, stable between the plan
    shown and the return applied."""

    key: str
    table: str
    row_id: int  # the row's id at the office (a plan's: its simulation's)
    column: str | None
    dossier_id: int  # at the office
    office: Any  # the value at the office (None: the row is gone there)
    laptop: Any  # on the laptop (None: the row is gone there)
    office_row: Row | None
    laptop_row: Row | None
    part: str = ""


@dataclass
class Merge:
    """What bringing the laptop's rows back does to the office's, once every conflict has a
    choice: rows updated (by column), inserted (new on the laptop: its key, to be given a
    new id), put back (deleted at the office, kept on the laptop: same id) and deleted.
    `twins`: a laptop's row that is an office row (same natural key), by their ids."""

    updates: list[tuple[str, int, Row]] = field(default_factory=list)
    inserts: list[tuple[str, int, Row]] = field(default_factory=list)
    restores: list[tuple[str, int, Row]] = field(default_factory=list)
    deletes: list[tuple[str, int]] = field(default_factory=list)
    twins: list[tuple[str, int, int]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unresolved: list[Conflict] = field(default_factory=list)
    decided: list[tuple[Conflict, str]] = field(default_factory=list)
    # The contents of documents deleted here: their bytes go if nothing else names them.
    gone_contents: set[str] = field(default_factory=set)
    # The dossiers the return changes (their ids at the office; the laptop's for its new).
    dossiers: set[int] = field(default_factory=set)

    @property
    def changes(self) -> int:
        return len(self.updates) + len(self.inserts) + len(self.restores) + len(self.deletes)


def merge(baseline: Rows, laptop: Rows, office: Rows, choices: Mapping[str, str]) -> Merge:
    """The comparison of every table of the tree (see the module's docstring). `office`
    holds the office's rows of the dossiers that left (read now; a dossier deleted there is
    absent). `choices` maps a conflict's key to OFFICE or LAPTOP; a conflict without one is
    listed in `unresolved`."""
    laptop = rekeyed(baseline, laptop)
    state = _State(
        merge=Merge(),
        choices=choices,
        owner={**dossier_of_rows(baseline), **dossier_of_rows(office), **dossier_of_rows(laptop)},
        laptop_touched=touched(baseline, laptop),
        office_touched=touched(baseline, office),
    )
    for name in TREE_TABLES:
        if name == LINES:
            _merge_plans(state, baseline, laptop, office)
        elif name != COVERS:
            _merge_table(state, name, baseline, laptop, office)
    result = state.merge
    for name, key, *_rest in (*result.updates, *result.inserts, *result.restores):
        result.dossiers.add(state.owner.get((name, key), 0))
    for name, key in result.deletes:
        result.dossiers.add(state.owner.get((name, key), 0))
    result.dossiers |= {conflict.dossier_id for conflict, _kept in result.decided}
    result.dossiers.discard(0)
    return result


# --- preparing the laptop's rows ------------------------------------------------------


def rekeyed(baseline: Rows, laptop: Rows) -> Rows:
    """The laptop's rows, those under an id SQLite gave again given a key of their own (the
    id negated), and what refers to them following."""
    out: Rows = {
        name: {key: dict(row) for key, row in rows.items()} for name, rows in laptop.items()
    }
    for name in TREE_TABLES:
        node = NODES.get(name)
        if name == DOSSIERS or (node is not None and node.natural is not None):
            continue
        base, moved = baseline.get(name, {}), {}
        for key, row in list(out.get(name, {}).items()):
            was = base.get(key)
            if was is None:
                continue
            born = _BORN.get(name)
            if (node is not None and plain(row[node.parent]) != was.get(node.parent)) or (
                born is not None and plain(row.get(born)) != was.get(born)
            ):
                moved[key] = -key
                out[name][-key] = {**row, "id": -key}
                del out[name][key]
        if moved:
            for other in TREE_TABLES:
                for reference in table(other).foreign_keys:
                    if reference.column.table.name != name:
                        continue
                    column = reference.parent.name
                    for row in out.get(other, {}).values():
                        if row.get(column) in moved:
                            row[column] = moved[row[column]]
    return out


def dossier_of_rows(rows: Rows) -> dict[tuple[str, int], int]:
    """Each row's dossier, by (table, id)."""
    owner: dict[tuple[str, int], int] = {(DOSSIERS, key): key for key in rows.get(DOSSIERS, {})}
    for node in TREE:
        for key, row in rows.get(node.table, {}).items():
            parent = owner.get((node.up, row.get(node.parent) or 0))
            if parent is not None:
                owner[(node.table, key)] = parent
            elif node.soft:
                owner[(node.table, key)] = 0  # an invoice without its dossier
    return owner


def touched(baseline: Rows, side: Rows) -> set[tuple[str, int]]:
    """The rows of the baseline that `side` changed, itself or under it (a row added,
    changed or deleted below), by (table, id) — their ancestors included. A plan's lines
    count as a whole: saved again as they were, they are not a change."""
    marked: set[tuple[str, int]] = set()
    parent_of: dict[tuple[str, int], tuple[str, int]] = {}
    for node in TREE:
        for rows in (baseline.get(node.table, {}), side.get(node.table, {})):
            for key, row in rows.items():
                if row.get(node.parent) is not None:
                    parent_of.setdefault((node.table, key), (node.up, row[node.parent]))
    for name in TREE_TABLES:
        if name in (LINES, COVERS):
            continue
        skipped = _skipped(name)
        base, now = baseline.get(name, {}), side.get(name, {})
        for key, row in now.items():
            was = base.get(key)
            if was is None or not _same(was, row, skipped):
                marked.add((name, key))
        for key in base.keys() - now.keys():
            marked.add((name, key))
    for plan in baseline.get("simulations", {}):
        if _unit(baseline, _lines(baseline, plan)) != _unit(side, _lines(side, plan)):
            marked.add(("simulations", plan))
    for start in list(marked):
        step = parent_of.get(start)
        while step is not None and step not in marked:
            marked.add(step)
            step = parent_of.get(step)
    return marked


# --- one table --------------------------------------------------------------------------


@dataclass
class _State:
    merge: Merge
    choices: Mapping[str, str]
    owner: dict[tuple[str, int], int]
    laptop_touched: set[tuple[str, int]]
    office_touched: set[tuple[str, int]]
    dropped: set[tuple[str, int]] = field(default_factory=set)  # deleted, and so they stay
    restored: set[tuple[str, int]] = field(default_factory=set)  # put back from the laptop

    def choose(self, conflict: Conflict) -> str | None:
        self.merge.conflicts.append(conflict)
        kept = self.choices.get(conflict.key)
        if kept not in (OFFICE, LAPTOP):
            self.merge.unresolved.append(conflict)
            return None
        self.merge.decided.append((conflict, kept))
        return kept


def _merge_table(state: _State, name: str, baseline: Rows, laptop: Rows, office: Rows) -> None:
    node = NODES.get(name)
    merged = state.merge
    for base, mine, theirs in _aligned(node, name, baseline, laptop, office):
        any_row = mine or base or theirs
        assert any_row is not None
        parent = _parent_state(state, node, any_row)
        if node is not None and node.soft and parent == "dropped":
            parent = None  # an invoice stays when its dossier goes
            if base is None and mine is not None:
                if mine.get("number") is None:
                    continue  # a draft of a dossier gone: nothing to keep
                mine = {**mine, node.parent: None}
        if parent == "dropped":
            if base is not None:
                state.dropped.add((name, base["id"]))
            continue
        if parent == "restored":
            if mine is not None:
                if base is not None and theirs is None:
                    merged.restores.append((name, base["id"], mine))
                    state.restored.add((name, base["id"]))
                elif base is None:
                    merged.inserts.append((name, mine["id"], mine))
                else:  # still at the office (an invoice kept without its dossier)
                    assert theirs is not None
                    _compare(state, name, base, mine, theirs, restored_parent=node)
            continue
        if base is None:
            if mine is None:
                continue  # new at the office only: kept
            if theirs is None:
                merged.inserts.append((name, mine["id"], mine))
            else:  # added on both sides under one natural key: one row
                _compare(state, name, None, mine, theirs)
            continue
        key = base["id"]
        dossier = state.owner.get((name, key), 0)
        if mine is None and theirs is None:
            continue
        if theirs is None:  # deleted at the office
            assert mine is not None
            if (name, key) not in state.laptop_touched:
                state.dropped.add((name, key))
                continue
            kept = state.choose(_row_conflict(name, key, dossier, None, mine))
            if kept == LAPTOP:
                merged.restores.append((name, key, mine))
                state.restored.add((name, key))
            else:
                state.dropped.add((name, key))
            continue
        if mine is None:  # deleted on the laptop
            if (name, key) in state.office_touched:
                kept = state.choose(_row_conflict(name, key, dossier, theirs, None))
                if kept != LAPTOP:
                    continue
            merged.deletes.append((name, theirs["id"]))
            state.dropped.add((name, key))
            if name == "documents":
                merged.gone_contents.add(theirs["content_hash"])
            continue
        _compare(state, name, base, mine, theirs)


def _aligned(
    node: Node | None, name: str, baseline: Rows, laptop: Rows, office: Rows
) -> list[tuple[Row | None, Row | None, Row | None]]:
    """The table's rows, each as (baseline, laptop, office): by id, or by natural key for
    the rows known by what they are."""
    base, mine, theirs = baseline.get(name, {}), laptop.get(name, {}), office.get(name, {})
    if node is None or node.natural is None:
        keys = sorted(set(base) | set(mine) | set(theirs), key=lambda k: (k < 0, abs(k)))
        return [(base.get(k), mine.get(k), theirs.get(k)) for k in keys]

    def natural(row: Row) -> tuple[Any, ...]:
        return (plain(row[node.parent]), *(plain(row[column]) for column in node.natural or ()))

    found: dict[tuple[Any, ...], list[Row | None]] = {}
    for index, rows in enumerate((base, mine, theirs)):
        for row in rows.values():
            found.setdefault(natural(row), [None, None, None])[index] = row
    return [(b, m, t) for _key, (b, m, t) in sorted(found.items(), key=lambda item: str(item[0]))]


def _parent_state(state: _State, node: Node | None, row: Row) -> str | None:
    if node is None:
        return None
    parent = (node.up, row.get(node.parent))
    if parent in state.dropped:
        return "dropped"
    if parent in state.restored:
        return "restored"
    return None


def _compare(
    state: _State,
    name: str,
    base: Row | None,
    mine: Row,
    theirs: Row,
    restored_parent: Node | None = None,
) -> None:
    """Field by field, into an update of the office's row (`theirs`)."""
    node = NODES.get(name)
    skipped = _skipped(name)
    if base is None or mine["id"] != theirs["id"]:
        skipped |= {node.parent} if node else frozenset()
        state.merge.twins.append((name, mine["id"], theirs["id"]))
    key = theirs["id"]
    dossier = state.owner.get((name, base["id"] if base else key), 0)
    changed: Row = {}
    for column in mine:
        if column in skipped:
            continue
        was = plain(base.get(column)) if base is not None else None
        now_laptop, now_office = plain(mine[column]), plain(theirs.get(column))
        if now_laptop == now_office:
            continue
        if base is not None and now_laptop == was:
            continue  # changed at the office only
        if base is not None and now_office == was:
            changed[column] = mine[column]  # changed on the laptop only
            continue
        if column == "updated_at":
            if now_laptop > now_office:
                changed[column] = mine[column]
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
        if state.choose(conflict) == LAPTOP:
            changed[column] = mine[column]
    if restored_parent is not None and theirs.get(restored_parent.parent) is None:
        changed[restored_parent.parent] = mine[restored_parent.parent]  # its dossier is back
    if changed:
        state.merge.updates.append((name, key, changed))


# --- plans: their lines and insurance as a whole -------------------------------------------


def _merge_plans(state: _State, baseline: Rows, laptop: Rows, office: Rows) -> None:
    merged = state.merge
    plans = {
        line["simulation_id"]
        for rows in (baseline, laptop, office)
        for line in rows.get(LINES, {}).values()
    }
    for plan in sorted(plans, key=lambda k: (k < 0, abs(k))):
        where = ("simulations", plan)
        if where in state.dropped:
            continue
        lines_of = {
            side: _lines(rows, plan)
            for side, rows in (("b", baseline), ("l", laptop), ("s", office))
        }
        in_base = plan in baseline.get("simulations", {})
        if where in state.restored or not in_base:
            if plan in laptop.get("simulations", {}):
                _take_laptop_plan(merged, laptop, lines_of["l"], baseline, restore=in_base)
            continue
        if plan not in laptop.get("simulations", {}):
            continue  # deleted on the laptop: its lines go with it (or it was kept: as is)
        units = {
            side: _unit(rows, lines_of[side])
            for side, rows in (("b", baseline), ("l", laptop), ("s", office))
        }
        if units["l"] == units["b"] or units["l"] == units["s"]:
            continue
        if units["s"] != units["b"]:
            conflict = Conflict(
                key=f"{LINES}:{plan}:*",
                table="simulations",
                row_id=plan,
                column=None,
                dossier_id=state.owner.get(where, 0),
                office=lines_of["s"],
                laptop=lines_of["l"],
                office_row=office.get("simulations", {}).get(plan),
                laptop_row=laptop["simulations"][plan],
                part="plan",
            )
            if state.choose(conflict) != LAPTOP:
                continue
        for line in lines_of["s"]:
            merged.deletes.append((LINES, line["id"]))  # their insurance goes with them
        _take_laptop_plan(merged, laptop, lines_of["l"], baseline, restore=False)
        summary = laptop["simulations"][plan]
        merged.updates.append(("simulations", plan, {c: summary[c] for c in PLAN_SUMMARY}))


def _take_laptop_plan(
    merged: Merge, laptop: Rows, lines: list[Row], baseline: Rows, restore: bool
) -> None:
    """The laptop's lines of a plan and their insurance, written at the office: put back
    under their ids (`restore`: the plan was deleted there) or as new rows."""
    for line in lines:
        put_back = restore and line["id"] in baseline.get(LINES, {})
        (merged.restores if put_back else merged.inserts).append((LINES, line["id"], line))
        for cover in _covers(laptop, line["id"]):
            again = put_back and cover["id"] in baseline.get(COVERS, {})
            (merged.restores if again else merged.inserts).append((COVERS, cover["id"], cover))


def _lines(rows: Rows, plan: int) -> list[Row]:
    return sorted(
        (line for line in rows.get(LINES, {}).values() if line["simulation_id"] == plan),
        key=lambda line: (plain(line["position"]), line["id"]),
    )


def _covers(rows: Rows, line: int) -> list[Row]:
    return sorted(
        (cover for cover in rows.get(COVERS, {}).values() if cover["line_id"] == line),
        key=lambda cover: (plain(cover["borrower_rank"]), cover["id"]),
    )


def _unit(rows: Rows, lines: Iterable[Row]) -> list[Any]:
    """A plan's lines and their insurance as values only (ids aside), to compare."""

    def values(row: Row, *parents: str) -> list[Any]:
        return sorted(
            (column, plain(value))
            for column, value in row.items()
            if column != "id" and column not in parents
        )

    return [
        (values(line, "simulation_id"), [values(c, "line_id") for c in _covers(rows, line["id"])])
        for line in lines
    ]


# --- helpers -------------------------------------------------------------------------------


def _skipped(name: str) -> frozenset[str]:
    return DERIVED.get(name, frozenset()) | {"id"}


def _same(first: Row, second: Row, skipped: frozenset[str]) -> bool:
    return all(
        plain(first.get(column)) == plain(second.get(column))
        for column in set(first) | set(second)
        if column not in skipped and column != "updated_at"
    )


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
