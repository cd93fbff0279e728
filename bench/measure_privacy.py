"""The persons' rights on a big office: export a person's data, the purge proposal, erasing
a person, purging. Run on a copy of the office (it erases): `run_bench.py` makes one.

    python bench/measure_privacy.py OFFICE.sqlite3

Prints one JSON line of medians (ms).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app import startup  # noqa: E402
from app.listing import ListQuery, ListTab  # noqa: E402
from app.paths import DataPaths  # noqa: E402
from app.workspace import OfficeDatabase  # noqa: E402


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def main() -> None:
    database = Path(sys.argv[1])
    password = os.environ.get("DOSSIA_PASSWORD", "demo")
    if startup.is_encrypted(database):  # its keys first, as the login does
        startup.unlock_office(DataPaths(database), "admin", password)
    office = OfficeDatabase(DataPaths(database))
    workspace = office.workspace_for(office.authenticate("admin", password))
    # The demo's abandoned dossiers are recent: make them all due for purge (this is a copy).
    # Through the office's own engine: an encrypted office (the demo's default) is no SQLite
    # file to a plain sqlite3 connection.
    with workspace.database.write() as session:
        session.execute(
            text(
                "UPDATE dossiers SET abandoned_on = '2020-01-02', "
                "updated_at = '2020-01-02 10:00:00' WHERE status = 'abandoned'"
            )
        )
    privacy = workspace.privacy
    rows = [  # a spread of dossiers across the office
        row
        for offset in range(0, 90_000, 9_000)
        for row in workspace.list_page(_all_query(), offset, 1)
    ]
    exports, matched = [], []
    with tempfile.TemporaryDirectory() as folder:
        for row in rows[:7]:
            start = time.perf_counter()
            porteur = privacy.people(row.id)[0].borrower_id
            also = [m.borrower_id for m in privacy.matches(row.id, porteur) if m.sure]
            done = privacy.export_person(row.id, porteur, Path(folder), also)
            exports.append(time.perf_counter() - start)
            matched.append(len(done.dossier_numbers))

    proposals = []
    for _ in range(5):
        start = time.perf_counter()
        due = privacy.purge_candidates()
        proposals.append(time.perf_counter() - start)

    erasures = []
    for row in rows:
        people = privacy.people(row.id)
        if len(people) == 2:
            start = time.perf_counter()
            privacy.erase_person(row.id, people[1].borrower_id)
            erasures.append(time.perf_counter() - start)
        if len(erasures) == 5:
            break

    # The «Synthèse de financement» of simulations of the office (reportlab warmed once).
    pdfs = []
    with tempfile.TemporaryDirectory() as folder:
        for row in rows:
            found = workspace.simulations.list(row.id).simulations
            if not found:
                continue
            start = time.perf_counter()
            workspace.simulations.write_synthesis(found[0].id, Path(folder) / f"{row.id}.pdf")
            pdfs.append(time.perf_counter() - start)

    # The «Demande de prêt» of dossiers with a simulation (and the demo's documents).
    requests = []
    with tempfile.TemporaryDirectory() as folder:
        for row in rows:
            if not workspace.simulations.list(row.id).simulations:
                continue
            start = time.perf_counter()
            workspace.loan_requests.write_pdf(row.id, Path(folder) / f"demande-{row.id}.pdf")
            requests.append(time.perf_counter() - start)

    chosen = [c.dossier_id for c in due[:100]]
    start = time.perf_counter()
    purged = privacy.purge(chosen)
    purge = time.perf_counter() - start
    workspace.close()
    print(
        json.dumps(
            {
                "export_person_ms_median": ms(statistics.median(exports)),
                # Dossiers exported: the person's own, and those where the birth date or the
                # e-mail confirms it is them.
                "export_person_dossiers_median": statistics.median(matched),
                "purge_proposal_ms_median": ms(statistics.median(proposals)),
                "purge_proposal_rows": len(due),
                "erase_person_ms_median": ms(statistics.median(erasures)) if erasures else None,
                "purge_100_ms": ms(purge),
                "synthesis_pdf_ms_median": ms(statistics.median(pdfs[1:] or pdfs))
                if pdfs
                else None,
                "loan_request_pdf_ms_median": ms(statistics.median(requests)) if requests else None,
                "purged": purged,
            }
        )
    )


def _all_query() -> ListQuery:
    return ListQuery(tab=ListTab.ALL)


if __name__ == "__main__":
    main()
