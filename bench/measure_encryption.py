"""An encrypted office against the same office plain, in the same run (issue 16).

    python bench/measure_encryption.py PLAIN_OFFICE [--runs 5] [--gui] [--folder FOLDER]

Copies PLAIN_OFFICE (a demo office: users' password «demo»; its documents folder beside it)
twice, converts one copy with «Chiffrer les données de ce poste» (timed), then alternates
between the two: the first paint of the main window (`main.py --user admin
--quit-after-start`, the keys unlocked by the password on the way), a backup into an empty
folder, and with --gui the in-process figures of bench/measure_gui.py (keystroke → list,
sorts, opening dossiers). Prints one JSON object, ratios encrypted / plain included.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import startup  # noqa: E402
from app.crypto import unlocked  # noqa: E402
from app.paths import DataPaths  # noqa: E402
from app.storage import sqlite  # noqa: E402
from app.storage.backup_files import BackupKind, backup_now  # noqa: E402
from app.workspace import OfficeDatabase  # noqa: E402

ENV = {
    **os.environ,
    "QT_QPA_PLATFORM": "offscreen",
    "DOSSIA_PASSWORD": "demo",
    "DOSSIA_TRACE_STARTUP": "1",
}


def copy_office(source: Path, folder: Path) -> DataPaths:
    folder.mkdir(parents=True)
    target = folder / "dossia.sqlite3"
    shutil.copyfile(source, target)
    if (source.parent / "documents").is_dir():
        shutil.copytree(source.parent / "documents", folder / "documents")
    return DataPaths(target)


def first_paint(database: Path) -> float:
    started = time.time()
    result = subprocess.run(
        [sys.executable, "main.py", "--db", str(database), "--user", "admin", "--quit-after-start"],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=300,
    )
    for line in result.stdout.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - started
    raise SystemExit(f"no first paint for {database}: {result.stderr[-2000:]}")


def backup_seconds(paths: DataPaths, folder: Path) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    backup_now(paths, BackupKind.MANUAL, folder=folder)
    return time.perf_counter() - started


def gui_figures(database: Path) -> dict[str, float]:
    measured = subprocess.run(
        [sys.executable, "bench/measure_gui.py", str(database)],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
    )
    if measured.returncode != 0:
        raise SystemExit(f"measure_gui failed on {database}:\n{measured.stderr[-3000:]}")
    return json.loads(measured.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("office", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gui", action="store_true")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    work = args.folder or Path(tempfile.mkdtemp(prefix="dossia-bench-encryption-"))
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "app", "ui", "models", "main.py"],
        cwd=ROOT,
        check=True,
    )
    plain = copy_office(args.office, work / "plain")
    encrypted = copy_office(args.office, work / "encrypted")
    startup.upgrade_office(plain)
    startup.upgrade_office(encrypted)
    office = OfficeDatabase(encrypted)
    workspace = office.workspace_for(office.authenticate("admin", "demo"))
    started = time.perf_counter()
    converted = workspace.encryption.encrypt("demo")
    conversion = time.perf_counter() - started
    workspace.close()
    with contextlib.closing(sqlite.connect(plain.database)) as connection:
        dossiers = connection.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0]
    result: dict[str, object] = {
        "dossiers": dossiers,
        "conversion_s": round(conversion, 1),
        "converted_documents": converted.documents,
        "database_mb": round(plain.database.stat().st_size / 1e6),
    }
    paints: dict[str, list[float]] = {"plain": [], "encrypted": []}
    backups: dict[str, list[float]] = {"plain": [], "encrypted": []}
    for _run in range(args.runs):
        for name, paths in (("plain", plain), ("encrypted", encrypted)):
            paints[name].append(first_paint(paths.database))
            backups[name].append(backup_seconds(paths, work / f"backups-{name}"))
    for name in ("plain", "encrypted"):
        result[f"first_paint_s_{name}"] = round(statistics.median(paints[name]), 3)
        result[f"backup_s_{name}"] = round(statistics.median(backups[name]), 2)
    result["first_paint_ratio"] = round(
        result["first_paint_s_encrypted"] / result["first_paint_s_plain"],
        2,  # type: ignore[operator]
    )
    result["backup_ratio"] = round(
        result["backup_s_encrypted"] / result["backup_s_plain"],
        2,  # type: ignore[operator]
    )
    if args.gui:
        unlocked.forget_all()
        figures = {
            name: gui_figures(paths.database)
            for name, paths in (("plain", plain), ("encrypted", encrypted))
        }
        for key in (
            "keystroke_ms_median",
            "keystroke_ms_p90",
            "sort_ms_max",
            "page_at_any_depth_ms_max",
            "open_dossier_ms_median",
            "open_back_to_back_ms_median",
            "documents_tab_200_files_ms_median",
            "attach_50mb_ms",
        ):
            for name in ("plain", "encrypted"):
                result[f"{key}_{name}"] = figures[name].get(key)
            if figures["plain"].get(key):
                result[f"{key}_ratio"] = round(
                    float(figures["encrypted"][key]) / float(figures["plain"][key]), 2
                )
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
