"""A laptop's cycle (issue 11): 500 dossiers taken away, worked on offline, forced back by a
manager and changed at the office meanwhile, brought back with 50 conflicts — timings,
memory, and a check that nothing is lost.

    python bench/measure_carry.py postgresql://user@host:port/COPY [--dossiers 500]
        [--conflicts 50] [--broker slegrand] [--manager pmoreau]

Run it against a copy of an office (`createdb -T mig100k copy`): it writes, and upgrades the
copy's schema first. The demo's passwords («demo»). This computer's settings and the
laptop's file go to a temporary folder.

The cycle:
1. the broker takes `--dossiers` of his dossiers away («Emporter»);
2. on the laptop: the holder's phone and a comment in twice `--conflicts` of them, plus ten
   new dossiers (the laptop's prefix);
3. the manager forces them back; at the office the first `--conflicts` get another phone
   (a conflict each) and a new internal note (changed at the office only);
4. «Rapporter»: the plan (which must list exactly `--conflicts` conflicts), then the return,
   half kept from the laptop and half from the office.

Then the office is read back: every phone as chosen (or the laptop's where there was no
conflict), every comment, every office note, the ten new dossiers with their numbers, both
values of each conflict kept, no dossier left marked, no number given twice. Prints one
JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "demo"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server")
    parser.add_argument("--dossiers", type=int, default=500)
    parser.add_argument("--conflicts", type=int, default=50)
    parser.add_argument("--broker", default="slegrand")
    parser.add_argument("--manager", default="pmoreau")
    parser.add_argument(
        "--documents", type=int, default=100, help="distinct scans attached first (1 MB each)"
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dossia-carry-bench-"))
    os.environ["DOSSIA_CONFIG_DIR"] = str(scratch / "config")
    os.environ["XDG_DATA_HOME"] = str(scratch / "data")
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

    from sqlalchemy import func, select

    from app.carry.carry_service import LAPTOP, OFFICE
    from app.dossier.dossier_service import NewDossier
    from app.paths import ServerLocation, carry_paths, parse_location
    from app.storage.postgres import upgrade_server_schema
    from app.workspace import OfficeDatabase
    from models.carry import CarriedDossier, CarryConflict
    from models.dossier import Borrower, Comment, Document, Dossier
    from models.enums import DossierStatus, DossierTab

    location = parse_location(args.server)
    assert isinstance(location, ServerLocation)
    upgrade_server_schema(location)
    office = OfficeDatabase(location)
    broker = office.workspace_for(office.authenticate(args.broker, PASSWORD))
    manager = office.workspace_for(office.authenticate(args.manager, PASSWORD))
    figures: dict[str, object] = {"dossiers": args.dossiers, "conflicts_made": args.conflicts}

    chosen = broker.carries.candidates()[: args.dossiers]
    ids = [candidate.id for candidate in chosen]
    assert len(ids) == args.dossiers, f"{args.broker} has only {len(ids)} dossiers to take"
    with_holder = _with_holder(broker, ids)
    edited = with_holder[: 2 * args.conflicts]
    conflicted = edited[: args.conflicts]

    # Scans of their own (the demo's documents share ten contents): attached at the office
    # before the departure, and a fifth as many on the laptop.
    for index in range(args.documents):
        _attach(broker, ids[index % len(ids)], scratch, f"scan-bureau-{index}.pdf")

    started = time.perf_counter()
    out = broker.carries.check_out(ids, PASSWORD, "PB")
    figures["check_out_s"] = round(time.perf_counter() - started, 2)
    figures["documents_copied"] = out.documents
    figures["documents_missing_at_the_office"] = out.missing
    figures["documents_mb"] = round(out.size / 1e6, 1)
    figures["laptop_file_mb"] = round(_size(carry_paths(location).folder) / 1e6, 1)

    laptop_office = OfficeDatabase(carry_paths(location))
    laptop = laptop_office.workspace_for(laptop_office.authenticate(args.broker, PASSWORD))
    laptop.dossiers.machine_prefix = "PB"
    started = time.perf_counter()
    for index, key in enumerate(edited):
        _set_phone(laptop, key, f"06 {index // 100:02d} {index % 100:02d} 00 01")
        laptop.comments.add(key, DossierTab.GENERAL, f"Bench hors du bureau {index}")
    for index in range(args.documents // 5):
        _attach(laptop, ids[index % len(ids)], scratch, f"scan-portable-{index}.pdf")
    provenance = laptop.office.active_provenances()[0].id
    created = [
        laptop.dossiers.create(
            NewDossier(DossierStatus.PROSPECT, f"BENCH{n}", "Léa", laptop.user.id, provenance)
        ).number
        for n in range(10)
    ]
    figures["offline_work_s"] = round(time.perf_counter() - started, 2)

    manager.carries.force_back(out.carry.id)
    for index, key in enumerate(conflicted):
        _set_phone(manager, key, f"01 {index // 100:02d} {index % 100:02d} 00 02")
        detail = manager.dossiers.get(key)
        manager.dossiers.save_note(key, detail.version, f"<p>Note du bureau {index}</p>")

    started = time.perf_counter()
    plan = laptop.carries.plan_return(location)
    figures["plan_s"] = round(time.perf_counter() - started, 2)
    figures["conflicts_listed"] = len(plan.conflicts)
    assert len(plan.conflicts) == args.conflicts, plan.conflicts[:3]
    choices = {
        conflict.key: LAPTOP if index % 2 == 0 else OFFICE
        for index, conflict in enumerate(plan.conflicts)
    }
    by_key = {conflict.key: conflict for conflict in plan.conflicts}
    started = time.perf_counter()
    returned = laptop.carries.bring_back(location, choices)
    figures["bring_back_s"] = round(time.perf_counter() - started, 2)
    figures["rows_written"] = returned.changes
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    # Nothing lost.
    kept_laptop = {by_key[key].dossier_number for key, kept in choices.items() if kept == LAPTOP}
    lost: list[str] = []
    with manager.database.read() as session:
        numbers = dict(
            session.execute(select(Dossier.id, Dossier.number).where(Dossier.id.in_(edited))).all()
        )
        phones = dict(
            session.execute(
                select(Borrower.dossier_id, Borrower.phone).where(
                    Borrower.dossier_id.in_(edited), Borrower.rank == 1
                )
            ).all()
        )
        for index, key in enumerate(edited):
            mine = f"06 {index // 100:02d} {index % 100:02d} 00 01"
            theirs = f"01 {index // 100:02d} {index % 100:02d} 00 02"
            wanted = mine if key not in conflicted or numbers[key] in kept_laptop else theirs
            if phones.get(key) != wanted:
                lost.append(f"phone {numbers[key]}: {phones.get(key)} != {wanted}")
            comment = session.scalar(
                select(func.count()).where(
                    Comment.dossier_id == key, Comment.body == f"Bench hors du bureau {index}"
                )
            )
            if comment != 1:
                lost.append(f"comment {numbers[key]}: {comment}")
        for index, key in enumerate(conflicted):
            note = session.scalar(select(Dossier.internal_note).where(Dossier.id == key))
            if f"Note du bureau {index}" not in (note or ""):
                lost.append(f"office note {numbers[key]}")
        back = session.scalar(select(func.count()).where(Document.filename.like("scan-portable-%")))
        if back != args.documents // 5:
            lost.append(f"laptop scans back: {back}")
        new = session.scalar(select(func.count()).where(Dossier.number.in_(created)))
        both = session.scalar(select(func.count()).select_from(CarryConflict))
        marked = session.scalar(select(func.count()).select_from(CarriedDossier))
        duplicates = session.scalar(
            select(func.count()).select_from(
                select(Dossier.number).group_by(Dossier.number).having(func.count() > 1).subquery()
            )
        )
    figures.update(
        lost=lost[:10],
        lost_count=len(lost),
        new_dossiers_back=new,
        conflicts_kept_with_both_values=both,
        dossiers_still_marked=marked,
        duplicate_numbers=duplicates,
        laptop_file_set_aside=returned.kept_file is not None,
    )
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    laptop.close()
    broker.close()
    manager.close()
    return 0 if not lost and new == 10 and both >= args.conflicts and not marked else 1


def _with_holder(workspace, ids: list[int]) -> list[int]:
    from sqlalchemy import select

    from models.dossier import Borrower

    with workspace.database.read() as session:
        having = set(
            session.scalars(
                select(Borrower.dossier_id).where(Borrower.dossier_id.in_(ids), Borrower.rank == 1)
            )
        )
    return [key for key in ids if key in having]


def _set_phone(workspace, dossier_id: int, phone: str) -> None:
    household = workspace.household.get(dossier_id)
    holder = dataclasses.replace(household.borrowers[0], phone=phone)
    workspace.household.save_borrower(dossier_id, household.version, 1, holder)


def _attach(workspace, dossier_id: int, folder: Path, name: str) -> None:
    source = folder / name
    source.write_bytes(b"%PDF-1.4\n" + os.urandom(1_000_000))
    version = workspace.dossiers.get(dossier_id).version
    workspace.documents.attach(dossier_id, version, [source])
    source.unlink()


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


if __name__ == "__main__":
    sys.exit(main())
