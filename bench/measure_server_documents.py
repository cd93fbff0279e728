"""A 50 MB PDF attached, previewed and opened on a server office against a file office
(issue 11, documents in server mode).

    scripts/postgres.sh's server (or DOSSIA_TEST_POSTGRES_URL of your own), then:
    python bench/measure_server_documents.py [--runs 3] [--megabytes 50]

Builds a small demo office in a file, copies it to a new database of the server
(`tests.postgres_server.copy_office`), makes a valid PDF of the given size (a page and a
trailing comment), then, for each run and each engine alternately, in a fresh process:
attach it (the service, as the «Documents» tab does in its background thread), read it for
the preview (`DocumentService.content`: the bytes checked against their hash), and open it
(`copy_for_viewing`: the copy for the system's viewer). Each step's wall time and the
process's peak resident memory during it (Linux's VmHWM, reset before each step) are printed as JSON,
the medians last.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _status_mb(field: str) -> float:
    """A memory figure of this process (Linux's /proc: VmRSS now, VmHWM its peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def _reset_peak() -> None:
    """The peak resident memory measured from now (Linux: «5» to clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    return _status_mb("VmHWM")


def one_run(location: str, pdf: Path) -> dict[str, float]:
    """In this process: log in, attach, preview, open; times (s) and peaks (MB)."""
    from app.paths import parse_location
    from app.workspace import OfficeDatabase
    from tests.helpers import new_dossier

    office = OfficeDatabase(parse_location(location))
    workspace = office.workspace_for(office.authenticate("admin", "demo"))
    try:
        detail = new_dossier(workspace, "Banc")
        figures = {"before_mb": _status_mb("VmRSS")}
        _reset_peak()
        started = time.perf_counter()
        [document] = workspace.documents.attach(detail.id, detail.version, [pdf]).documents
        figures["attach_s"] = time.perf_counter() - started
        figures["attach_peak_mb"] = _peak_mb()
        _reset_peak()
        started = time.perf_counter()
        content, _name = workspace.documents.content(document.id)
        figures["preview_read_s"] = time.perf_counter() - started
        assert content is not None and len(content) == pdf.stat().st_size
        del content
        figures["preview_peak_mb"] = _peak_mb()
        _reset_peak()
        started = time.perf_counter()
        copy = workspace.documents.copy_for_viewing(document.id)
        figures["open_copy_s"] = time.perf_counter() - started
        assert copy.stat().st_size == pdf.stat().st_size
        figures["open_peak_mb"] = _peak_mb()
        workspace.dossiers.delete(detail.id)  # the next run attaches the bytes anew
        return figures
    finally:
        workspace.close()


def make_pdf(path: Path, megabytes: int) -> None:
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    canvas.drawString(100, 750, "Avis d'imposition")
    canvas.save()
    with path.open("ab") as stream:  # incompressible bytes after the PDF, as a scan's
        stream.write(b"%" + os.urandom(megabytes * 1024 * 1024 - path.stat().st_size - 1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.child[0], Path(args.child[1]))))
        return

    from app.demo import build_demo
    from app.paths import DataPaths
    from app.storage.database import Database
    from app.storage.schema import ensure_schema
    from tests import postgres_server

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        paths = DataPaths(folder / "office" / "dossia.sqlite3")
        paths.database.parent.mkdir()
        ensure_schema(paths)
        database = Database(paths)
        build_demo(database, 40, seed=7, password="demo")
        database.dispose()
        name = postgres_server.create_database()
        try:
            server = postgres_server.location_of(name)
            postgres_server.copy_office(paths.database, server)
            pdf = folder / "avis.pdf"
            make_pdf(pdf, args.megabytes)
            env = {**os.environ, "XDG_DATA_HOME": str(folder / "xdg")}
            results: dict[str, list[dict[str, float]]] = {"file": [], "server": []}
            for _run in range(args.runs):
                for engine, location in (("file", str(paths.database)), ("server", server.url)):
                    out = subprocess.run(
                        [sys.executable, __file__, "--child", location, str(pdf)],
                        capture_output=True,
                        text=True,
                        env=env,
                        check=True,
                    ).stdout
                    results[engine].append(json.loads(out.strip().splitlines()[-1]))
                    print(engine, results[engine][-1], flush=True)
            medians = {
                engine: {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}
                for engine, runs in results.items()
            }
            print(json.dumps({"megabytes": pdf.stat().st_size / 1024 / 1024, **medians}))
        finally:
            postgres_server.drop_database(name)


if __name__ == "__main__":
    main()
