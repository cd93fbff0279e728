"""Ten brokers at once on an office server (issue 11): throughput, latency, errors, and what
the database holds afterwards.

    python bench/measure_server_load.py postgresql://user@host:port/COPY [--brokers 10]
        [--seconds 120] [--restart-data PGDATA --restart-at 60]

Run it against a copy of an office (`createdb -T mig100k copy`): it writes. Each simulated
broker is a process of its own, logged in as a demonstration broker (password «demo»)
through Dossia's services (app/, no screen), working flat out (no pause between
operations: the worst case of ten people) on a mix: read the list with a search, open a
dossier, edit its internal note, add a comment, move it one step, create a dossier, issue
an invoice. Processes share a broker's login (ten on four brokers); each edits its own
share of that broker's dossiers, so that the last change it saw acknowledged is the one
the database must hold.

`--restart-data`: the data folder of a server this script may restart (never a shared
one): at `--restart-at` seconds it runs `pg_ctl restart -m fast` (as the postgres user when
run as root). The operations meanwhile must fail with «Le serveur de la base de données ne
répond pas», never otherwise, and succeed again by themselves afterwards.

Afterwards: every acknowledged change is in the database (an operation that failed may or
may not have been committed — a commit cut by the restart — so a value attempted after the
last acknowledged one is accepted too); the created dossiers' and the issued invoices'
numbers are unique and without gaps. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BROKERS = ("pmoreau", "slegrand", "kbenali", "jfaure")  # the demo's active brokers
PASSWORD = "demo"
# The mix (weights): what a broker does most is reading.
MIX = {
    "search": 25,
    "open": 25,
    "edit": 15,
    "comment": 10,
    "step": 10,
    "create": 8,
    "invoice": 7,
}
SEARCHES = ("martin", "2025", "dup", "le", "bernard", "2026-4", "mar")
BUSY_WORD = "occupée"
UNREACHABLE_WORD = "ne répond pas"


def worker(
    address: str, index: int, brokers: int, seconds: float, start_at: float, out: str
) -> None:
    """One broker's process: works until `start_at + seconds`, writes its log to `out`."""
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="dossia-load-")  # logs: not ~
    from app.dossier.dossier_service import NewDossier
    from app.errors import DomainError, StorageError
    from app.listing import ListQuery, ListTab
    from app.paths import parse_location
    from app.workspace import OfficeDatabase
    from models.enums import DossierStatus, DossierTab, InvoiceKind

    rng = random.Random(index)
    login = BROKERS[index % len(BROKERS)]
    # Which share of the broker's dossiers it edits: the processes with its login split them.
    share = index // len(BROKERS)
    shares = len(range(index % len(BROKERS), brokers, len(BROKERS)))
    location = parse_location(address)
    office = OfficeDatabase(location)
    workspace = office.workspace_for(office.authenticate(login, PASSWORD))
    user_id = workspace.user.id
    active = [
        i
        for i in workspace.list_ids(ListQuery(tab=ListTab.CLIENTS, owner_id=user_id))
        if i % shares == share
    ]
    provenance = workspace.office.active_provenances()[0].id
    today = dt.date.today()
    log: dict = {
        "worker": index,
        "login": login,
        "ops": [],
        "notes": {},
        "steps": {},
        "comments": [],
        "created": [],
        "invoices": [],
        "attempted": {},
    }

    def open_one() -> object:
        return workspace.dossiers.get(rng.choice(active))

    def do(kind: str) -> str | None:
        """Runs one operation; returns a note of what was acknowledged."""
        if kind == "search":
            query = ListQuery(search=rng.choice(SEARCHES))
            workspace.list_page(query, 0, 100)
            return None
        if kind == "open":
            open_one()
            return None
        if kind == "edit":
            detail = open_one()
            token = f"load-{index}-{len(log['ops'])}"
            log["attempted"].setdefault(str(detail.id), []).append(token)
            workspace.dossiers.save_note(detail.id, detail.version, f"<p>{token}</p>")
            log["notes"][str(detail.id)] = token
            log["attempted"][str(detail.id)] = [token]
            return None
        if kind == "comment":
            detail = open_one()
            body = f"Commentaire de charge {index}-{len(log['ops'])}"
            workspace.comments.add(detail.id, DossierTab.GENERAL, body)
            log["comments"].append(body)
            return None
        if kind == "step":
            detail = open_one()
            key = f"step:{detail.id}"
            log["attempted"].setdefault(key, [])
            ids = [step.id for step in detail.steps]
            at = ids.index(detail.current_step_id)
            direction = -1 if at == len(ids) - 1 else 1 if at == 0 else rng.choice((1, -1))
            moved = workspace.dossiers.move_step(detail.id, detail.version, direction)
            log["steps"][str(detail.id)] = moved.current_step_id
            log["attempted"][key] = []
            return None
        if kind == "create":
            created = workspace.dossiers.create(
                NewDossier(
                    status=DossierStatus.PROSPECT,
                    last_name=f"Charge{index}",
                    first_name=f"Essai {len(log['ops'])}",
                    owner_id=user_id,
                    provenance_id=provenance,
                )
            )
            log["created"].append([created.id, created.number])
            return None
        if kind == "invoice":
            detail = open_one()
            if detail.funds_released_on is None or detail.funds_released_on > today:
                for date in _offer_then_funds():  # as a broker does first
                    detail = workspace.dossiers.set_date(detail.id, detail.version, date, today)
            invoices = workspace.invoices
            data = invoices.propose(detail.id, InvoiceKind.BANK_COMMISSION)
            # «Pas de commission bancaire» ticked: the broker answers «invoice it anyway».
            draft = invoices.create_draft(detail.id, data, despite_flag=True).invoices
            drafts = [i for i in draft if i.number == ""]
            issued = invoices.issue(drafts[-1].id)
            numbers = {i.id: i.number for i in issued.invoices}
            log["invoices"].append([drafts[-1].id, numbers[drafts[-1].id]])
            return None
        raise ValueError(kind)

    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    while time.time() < start_at:
        time.sleep(0.01)
    end = start_at + seconds
    while time.time() < end:
        kind = rng.choices(kinds, weights)[0]
        began = time.time()
        outcome, message = "ok", ""
        try:
            do(kind)
        except StorageError as error:
            message = str(error)
            outcome = (
                "busy"
                if BUSY_WORD in message
                else "unreachable"
                if UNREACHABLE_WORD in message
                else "error"
            )
        except DomainError as error:
            outcome, message = "refused", str(error)
        except Exception as error:  # counted and reported, never hidden
            outcome, message = "error", f"{type(error).__name__}: {error}"
        log["ops"].append([kind, began - start_at, time.time() - began, outcome, message[:300]])
    workspace.close()
    office.close()
    Path(out).write_text(json.dumps(log))


def _offer_then_funds() -> tuple:
    from app.dossier.dossier_service import DossierDate

    return DossierDate.OFFER_SIGNED, DossierDate.FUNDS_RELEASED


def restart(data: str) -> tuple[float, float]:
    """`pg_ctl restart` of the server in `data`: (when it began, how long it took)."""
    command = ["pg_ctl", "-D", data, "-m", "fast", "-w", "restart", "-l", f"{data}/restart.log"]
    binary = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    command[0] = str(binary)
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    began = time.time()
    subprocess.run(command, check=True, capture_output=True, cwd="/")
    return began, time.time() - began


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def check(address: str, logs: list[dict], counters_before: dict[str, int]) -> dict:
    """What the database holds against what the brokers saw acknowledged."""
    import psycopg

    from app.paths import parse_location

    location = parse_location(address)
    url = "postgresql://" + location.url.split("://", 1)[1]
    found: dict = {"lost": [], "duplicate_numbers": [], "gaps": []}
    with psycopg.connect(url, **location.connect_args) as connection:
        notes = dict(connection.execute("SELECT id::text, internal_note FROM dossiers").fetchall())
        steps = dict(connection.execute("SELECT id::text, step_id FROM dossiers").fetchall())
        comments = {r[0] for r in connection.execute("SELECT body FROM comments").fetchall()}
        numbers = dict(connection.execute("SELECT id, number FROM dossiers").fetchall())
        invoices = dict(
            connection.execute("SELECT id, number FROM invoices WHERE number <> ''").fetchall()
        )
        counters = dict(connection.execute("SELECT name, value FROM counters").fetchall())
    for log in logs:
        for dossier, token in log["notes"].items():
            accepted = {token, *log["attempted"].get(dossier, [])}
            if not any(t in (notes.get(dossier) or "") for t in accepted):
                found["lost"].append(["note", dossier, token])
        for dossier, step in log["steps"].items():
            if steps.get(dossier) != step and not log["attempted"].get(f"step:{dossier}"):
                found["lost"].append(["step", dossier, step])
        found["lost"] += [["comment", c] for c in log["comments"] if c not in comments]
        for dossier_id, number in log["created"]:
            if numbers.get(dossier_id) != number:
                found["lost"].append(["dossier", dossier_id, number])
        for invoice_id, number in log["invoices"]:
            if invoices.get(invoice_id) != number:
                found["lost"].append(["invoice", invoice_id, number])
    created = [n for log in logs for _i, n in log["created"]]
    issued = [n for log in logs for _i, n in log["invoices"]]
    for name, values in (("dossiers", created), ("invoices", issued)):
        duplicates = sorted({v for v in values if values.count(v) > 1})
        found["duplicate_numbers"] += [[name, d] for d in duplicates]
    # Gapless: each counter moved by exactly the numbers taken in its series, all present.
    for counter, value in counters.items():
        before = counters_before.get(counter, 0)
        if value == before:
            continue
        if counter.startswith("dossier-"):
            year = counter.removeprefix("dossier-")
            taken = {n for n in numbers.values() if n.startswith(f"{year}-")}
            wanted = {f"{year}-{k:05d}" for k in range(before + 1, value + 1)}
        else:
            series = counter.removeprefix("facture:")
            taken = set(invoices.values())
            wanted = {f"{series}-{k:04d}" for k in range(before + 1, value + 1)}
        missing = sorted(wanted - taken)
        if missing:
            found["gaps"].append([counter, missing[:10], len(missing)])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address", help="postgresql://user@host:port/COPY (it is written)")
    parser.add_argument("--brokers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--restart-data", help="data folder of a server this may restart")
    parser.add_argument("--restart-at", type=float, default=60)
    arguments = parser.parse_args()
    import psycopg

    from app.paths import parse_location

    location = parse_location(arguments.address)
    url = "postgresql://" + location.url.split("://", 1)[1]  # type: ignore[union-attr]
    with psycopg.connect(url, **location.connect_args) as connection:  # type: ignore[union-attr]
        before = dict(connection.execute("SELECT name, value FROM counters").fetchall())
    folder = Path(tempfile.mkdtemp(prefix="dossia-load-"))
    start_at = time.time() + 15  # every process logged in before the clock starts
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(
            target=worker,
            args=(
                arguments.address,
                i,
                arguments.brokers,
                arguments.seconds,
                start_at,
                str(folder / f"{i}.json"),
            ),
        )
        for i in range(arguments.brokers)
    ]
    for process in processes:
        process.start()
    restarted = None
    if arguments.restart_data:
        while time.time() < start_at + arguments.restart_at:
            time.sleep(0.05)
        began, took = restart(arguments.restart_data)
        restarted = {"at": round(began - start_at, 2), "took_s": round(took, 2)}
    for process in processes:
        process.join()
    logs = [
        json.loads((folder / f"{i}.json").read_text())
        for i in range(arguments.brokers)
        if (folder / f"{i}.json").exists()
    ]
    ops = [op for log in logs for op in log["ops"]]
    by_kind: dict = {}
    for kind in MIX:
        done = [op for op in ops if op[0] == kind]
        ok = [op[2] for op in done if op[3] == "ok"]
        by_kind[kind] = {
            "ok": len(ok),
            "p50_ms": round(statistics.median(ok) * 1000, 1) if ok else None,
            "p95_ms": round(percentile(ok, 0.95) * 1000, 1) if ok else None,
            **{
                o: sum(1 for op in done if op[3] == o)
                for o in ("busy", "unreachable", "refused", "error")
            },
        }
    outcomes = {
        o: sum(1 for op in ops if op[3] == o)
        for o in ("ok", "busy", "unreachable", "refused", "error")
    }
    messages = sorted({op[4] for op in ops if op[3] != "ok"})
    result = {
        "brokers": len(logs),
        "processes_failed": [p.exitcode for p in processes if p.exitcode],
        "seconds": arguments.seconds,
        "operations_per_second": round(outcomes["ok"] / arguments.seconds, 1),
        "outcomes": outcomes,
        "by_kind": by_kind,
        "messages": messages[:20],
        "restart": restarted,
        "check": check(arguments.address, logs, before),
    }
    if restarted:
        after = restarted["at"] + restarted["took_s"]
        failed = [op for op in ops if op[3] in ("busy", "unreachable", "error")]
        back = [
            min((op[1] for op in log["ops"] if op[3] == "ok" and op[1] > after), default=None)
            for log in logs
        ]
        result["restart"].update(
            failures_from_s=round(min((op[1] for op in failed), default=0), 2),
            failures_until_s=round(max((op[1] + op[2] for op in failed), default=0), 2),
            every_broker_back=all(b is not None for b in back),
            last_broker_back_after_s=round(max(b for b in back if b is not None) - after, 2)
            if any(b is not None for b in back)
            else None,
        )
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
