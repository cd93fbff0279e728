"""«Export C1» on a big office: the preview and its count, then the whole office written to
Excel, CSV and PDF, each next to a bare export in the same run — the same SQL statement run
on a plain sqlite3 connection and its values written as they come by XlsxWriter (constant
memory) or the csv module, with none of Dossia's work (labels, French formats, totals, the
missing documents worked out from the checklist); the peak memory of each export measured
in a process of its own.

    python bench/measure_c1.py OFFICE.sqlite3

Prints one JSON line (seconds, milliseconds for the preview, MB for memory).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.exports import c1_rows  # noqa: E402
from app.exports.c1 import C1Filters, default_model  # noqa: E402
from app.paths import DataPaths  # noqa: E402
from app.workspace import OfficeDatabase  # noqa: E402


def _workspace(database: str):
    office = OfficeDatabase(DataPaths(Path(database)))
    return office.workspace_for(
        office.authenticate("admin", os.environ.get("DOSSIA_PASSWORD", "demo"))
    )


def _statement(service) -> str:
    from sqlalchemy.dialects import sqlite

    query = c1_rows.statement(C1Filters(), service._user)
    return str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def _bare_xlsx(database: str, sql: str, target: Path) -> int:
    import sqlite3

    import xlsxwriter

    connection = sqlite3.connect(database)
    cursor = connection.execute(sql)
    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, [d[0] for d in cursor.description])
    number = 0
    for number, row in enumerate(cursor, start=1):
        for column, value in enumerate(row):
            if value is not None and value != "":
                if isinstance(value, int | float):
                    sheet.write_number(number, column, value)
                else:
                    sheet.write_string(number, column, value)
    workbook.close()
    connection.close()
    return number


def _bare_csv(database: str, sql: str, target: Path) -> int:
    import sqlite3

    connection = sqlite3.connect(database)
    cursor = connection.execute(sql)
    with open(target, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow([d[0] for d in cursor.description])
        writer.writerows(cursor)
    connection.close()
    return 0


def _one_export(database: str, extension: str) -> None:
    """In a process of its own: one export, then its peak memory on stdout."""
    workspace = _workspace(database)
    target = Path(tempfile.mkdtemp()) / f"c1.{extension}"
    # Warm: the modules imported and the statement prepared, as in the running application.
    nothing = C1Filters(start=dt.date(2999, 1, 1))
    workspace.c1_exports.export(nothing, default_model(), target.with_name(f"warm.{extension}"))
    start = time.perf_counter()
    result = workspace.c1_exports.export(C1Filters(), default_model(), target)
    spent = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": spent, "peak_mb": peak, "rows": result.rows}))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        _one_export(sys.argv[2], sys.argv[3])
        return
    database = sys.argv[1]
    workspace = _workspace(database)
    # The TAEG and debt ratios still due (a demo office's, an upgraded office's): worked
    # out once, before the first report — timed here, then never again for this file.
    from app.simulation import figures

    start = time.perf_counter()
    due = figures.complete_due(workspace.database)
    figures_due_s = time.perf_counter() - start
    service = workspace.c1_exports
    model = default_model()
    previews = []
    for _ in range(5):
        start = time.perf_counter()
        preview = service.preview(C1Filters(), model)
        previews.append(time.perf_counter() - start)
    filtered = []
    for _ in range(5):
        start = time.perf_counter()
        service.preview(C1Filters(statuses=frozenset({"client"})), model)
        filtered.append(time.perf_counter() - start)
    sql = _statement(service)
    columns = model.shown
    workspace.close()
    folder = Path(tempfile.mkdtemp())
    figures: dict[str, object] = {
        "dossiers": preview.count,
        "columns": len(columns),
        "preview_and_count_ms": round(statistics.median(previews) * 1000, 1),
        "preview_clients_ms": round(statistics.median(filtered) * 1000, 1),
        "figures_worked_out": due,
        "figures_worked_out_s": round(figures_due_s, 2),
    }
    for name, bare in (
        ("xlsx", lambda: _bare_xlsx(database, sql, folder / "bare.xlsx")),
        ("csv", lambda: _bare_csv(database, sql, folder / "bare.csv")),
    ):
        start = time.perf_counter()
        bare()
        figures[f"bare_{name}_s"] = round(time.perf_counter() - start, 3)
    for extension in ("xlsx", "csv", "pdf"):
        done = subprocess.run(
            [sys.executable, __file__, "--one", database, extension],
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        figures[f"{extension}_s"] = round(measured["seconds"], 3)
        figures[f"{extension}_peak_mb"] = round(measured["peak_mb"])
    for name in ("xlsx", "csv"):
        figures[f"{name}_ratio"] = round(figures[f"{name}_s"] / figures[f"bare_{name}_s"], 2)  # type: ignore[operator]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
