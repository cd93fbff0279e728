"""Crash safety (SIGKILL in the middle of writes) and two processes writing at once."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import new_dossier

ROOT = Path(__file__).resolve().parent.parent
WRITER = Path(__file__).with_name("writer_process.py")
KILLS = int(os.environ.get("DOSSIA_KILLS", "20"))


def start_writer(
    database: Path, dossier_id: int, mode: str, count: int = 0, tag: str = ""
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(database), str(dossier_id), mode, str(count), tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def stored_counter(database: Path, dossier_id: int) -> int:
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        note = connection.execute(
            "SELECT internal_note FROM dossiers WHERE id = ?", (dossier_id,)
        ).fetchone()[0]
    finally:
        connection.close()
    found = re.search(r"\d+", note)
    return int(found.group()) if found else 0


@pytest.mark.slow
def test_sigkill_during_writes_never_loses_a_committed_change(workspace):
    detail = new_dossier(workspace)
    database = workspace.paths.database
    workspace.close()
    rng = random.Random(2026)
    committed = 0
    for kill in range(KILLS):
        writer = start_writer(database, detail.id, "counter")
        if writer.stdout.readline().strip() != "ready":
            pytest.fail(writer.communicate()[1])
        time.sleep(rng.uniform(0.02, 0.25))  # somewhere in the middle of the writes
        writer.send_signal(signal.SIGKILL)
        out, _err = writer.communicate()  # reads and closes the pipes
        printed = [int(line) for line in out.split()]
        last_printed = printed[-1] if printed else committed
        stored = stored_counter(database, detail.id)
        # Every change reported as committed is there; at most the one being committed
        # when the process died is there too, and nothing is half-written.
        assert last_printed <= stored <= last_printed + 1, (kill, last_printed, stored)
        assert stored >= committed
        committed = stored
    assert committed > KILLS  # the writers did write between the kills


@pytest.mark.slow
def test_two_processes_editing_the_same_dossier_lose_no_update(workspace):
    detail = new_dossier(workspace)
    database = workspace.paths.database
    workspace.close()
    edits = 40
    writers = [start_writer(database, detail.id, "append", edits, tag) for tag in ("A", "B")]
    outputs = [w.communicate(timeout=300) for w in writers]
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert "storage-errors 0" in out  # no «database is locked» reached the user
    connection = sqlite3.connect(database)
    note = connection.execute(
        "SELECT internal_note FROM dossiers WHERE id = ?", (detail.id,)
    ).fetchone()[0]
    connection.close()
    for tag in ("A", "B"):
        lines = re.findall(rf"{tag}-(\d+)", note)
        assert sorted(map(int, lines)) == list(range(edits)), f"lost updates for {tag}"
