"""The demo generator's worker process dies with its parent, even a SIGKILLed one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROC = Path("/proc")

pytestmark = pytest.mark.skipif(
    not (PROC / "self" / "stat").exists(), reason="finds the worker through /proc (Linux)"
)


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process, or None if there is none."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name, in parentheses, may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def _children(pid: int) -> dict[int, int]:
    """The children of `pid`, each with its start time (to tell it from a reused pid)."""
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[1] == pid:
            found[int(entry.name)] = stat[2]
    return found


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int, started: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z" and stat[2] == started


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.slow
def test_the_generator_process_dies_with_its_killed_parent(tmp_path):
    log = tmp_path / "demo.log"
    with log.open("w") as output:
        parent = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "demo",
                "--db",
                str(tmp_path / "big.sqlite3"),
                "--dossiers",
                "1000000",  # minutes of work: the worker is busy when its parent dies
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    spawned: dict[int, int] = {}
    try:

        def worker_started() -> bool:
            spawned.update(_children(parent.pid))
            return parent.poll() is not None or any(
                "spawn_main" in _cmdline(pid) for pid in spawned
            )

        assert _wait_for(worker_started, 120), "no generator process started"
        assert parent.poll() is None, log.read_text()
        time.sleep(0.5)  # the worker is generating (or waiting for room in the queue)
        spawned.update(_children(parent.pid))
        parent.kill()  # SIGKILL: no cleanup, no atexit, nothing to tell the worker
        parent.wait()
        assert _wait_for(
            lambda: not any(_alive(pid, started) for pid, started in spawned.items()), 10
        ), {pid: _cmdline(pid) for pid, started in spawned.items() if _alive(pid, started)}
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid, started in spawned.items():  # never leave a stray process behind
            if _alive(pid, started):
                os.kill(pid, signal.SIGKILL)
