"""A separate Dossia process that writes to a dossier, for crash and concurrency tests.

    python tests/writer_process.py DB DOSSIER_ID MODE COUNT TAG

MODE «counter»: save the note «<p>n</p>» for n = start+1, start+2…, printing n once committed.
MODE «append»: add a line «TAG-i» to the note COUNT times; on a concurrent change, reload
and retry (what the screen offers); print «conflicts N» and «storage-errors N» at the end.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.errors import ConflictError, StorageError
from app.paths import DataPaths
from app.workspace import OfficeDatabase


def main() -> None:
    database, dossier_id, mode, count, tag = sys.argv[1:6]
    dossier_id, count = int(dossier_id), int(count)
    office = OfficeDatabase(DataPaths(Path(database)))
    workspace = office.workspace_for(
        office.authenticate("admin", os.environ.get("DOSSIA_PASSWORD", "demo"))
    )
    service = workspace.dossiers
    if mode == "counter":
        detail = service.get(dossier_id)
        found = re.search(r"\d+", detail.internal_note)
        n = int(found.group()) if found else 0
        print("ready", flush=True)
        while True:
            n += 1
            detail = service.save_note(dossier_id, detail.version, f"<p>{n}</p>")
            print(n, flush=True)
    conflicts = storage_errors = 0
    for index in range(count):
        while True:
            detail = service.get(dossier_id)
            try:
                service.save_note(
                    dossier_id, detail.version, detail.internal_note + f"<p>{tag}-{index}</p>"
                )
                break
            except ConflictError:
                conflicts += 1
            except StorageError:
                storage_errors += 1
    print(f"conflicts {conflicts}", flush=True)
    print(f"storage-errors {storage_errors}", flush=True)
    workspace.close()


if __name__ == "__main__":
    main()
