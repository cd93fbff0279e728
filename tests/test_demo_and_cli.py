"""The demo office generator and the command line."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from app.demo import build_demo
from app.paths import DataPaths
from app.storage.database import Database
from app.storage.schema import ensure_schema

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 30)


def _dump(path: Path) -> list[tuple]:
    connection = sqlite3.connect(path)
    rows = connection.execute(
        "SELECT number, status, owner_id, step_id, holder_name, created_on, internal_note, "
        "abandon_reason FROM dossiers ORDER BY id"
    ).fetchall()
    rows += connection.execute(
        "SELECT dossier_id, name, amount_cents, rate_mpct FROM simulations ORDER BY id"
    ).fetchall()
    connection.close()
    return rows


def _demo(path: Path, count: int, seed: int) -> None:
    paths = DataPaths(path)
    ensure_schema(paths)
    database = Database(paths)
    build_demo(database, count, seed=seed, password="x" * 8, today=TODAY)
    database.dispose()


def test_demo_is_deterministic_for_a_seed(tmp_path):
    _demo(tmp_path / "a.sqlite3", 60, seed=3)
    _demo(tmp_path / "b.sqlite3", 60, seed=3)
    _demo(tmp_path / "c.sqlite3", 60, seed=4)
    assert _dump(tmp_path / "a.sqlite3") == _dump(tmp_path / "b.sqlite3")
    assert _dump(tmp_path / "a.sqlite3") != _dump(tmp_path / "c.sqlite3")


def test_demo_covers_every_state_and_step_and_adds_to_an_existing_office(tmp_path):
    path = tmp_path / "office.sqlite3"
    _demo(path, 300, seed=1)
    _demo(path, 50, seed=2)
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0] == 350
    assert connection.execute("SELECT COUNT(DISTINCT number) FROM dossiers").fetchone()[0] == 350
    assert connection.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 7  # not duplicated
    statuses = {row[0] for row in connection.execute("SELECT DISTINCT status FROM dossiers")}
    assert statuses == {"prospect", "client", "abandoned"}
    assert connection.execute("SELECT COUNT(DISTINCT step_id) FROM dossiers").fetchone()[0] == 5
    assert connection.execute("SELECT COUNT(*) FROM simulations").fetchone()[0] > 100
    assert (
        connection.execute(
            "SELECT COUNT(*) FROM dossiers WHERE referrer_id IS NOT NULL"
        ).fetchone()[0]
        > 0
    )
    assert (
        connection.execute(
            "SELECT COUNT(*) FROM dossier_fts WHERE dossier_fts MATCH 'a*'"
        ).fetchone()[0]
        > 0
    )
    connection.close()


def run_main(
    *args: str, env: dict | None = None, timeout: int = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
    )


def test_help_documents_the_commands():
    result = run_main("--help")
    assert result.returncode == 0
    for word in ("--db", "--user", "--quit-after-start", "demo", "DOSSIA_PASSWORD"):
        assert word in result.stdout
    demo = run_main("demo", "--help")
    for word in ("--dossiers", "--seed", "--password", "admin"):
        assert word in demo.stdout


def test_the_command_line_speaks_french_even_in_argparse_words():
    """«usage», «options», «invalid choice» were English in a French product."""
    result = run_main("--help")
    assert result.stdout.startswith("utilisation : dossia")
    assert "afficher cette aide et quitter" in result.stdout
    for english in ("usage:", "positional arguments", "show this help"):
        assert english not in result.stdout
    wrong = run_main("frob")
    assert wrong.returncode == 2
    assert "dossia : erreur : argument COMMANDE : choix invalide : 'frob'" in wrong.stderr
    missing = run_main("invoices")
    assert "arguments obligatoires manquants : --from, --to, --out" in missing.stderr


def test_demo_command_then_gui_start_without_login_dialog(tmp_path):
    database = tmp_path / "demo.sqlite3"
    result = run_main("demo", "--db", str(database), "--dossiers", "120", "--seed", "5")
    assert result.returncode == 0, result.stderr
    assert "120 dossiers" in result.stdout
    gui = run_main(
        "--db",
        str(database),
        "--user",
        "admin",
        "--quit-after-start",
        env={"DOSSIA_PASSWORD": "demo", "DOSSIA_TRACE_STARTUP": "1"},
        timeout=60,
    )
    assert gui.returncode == 0, gui.stderr
    assert "first-paint" in gui.stdout


def test_db_given_before_the_command_is_the_one_used(tmp_path):
    """`dossia --db X demo` writes into X: the command's own --db (absent) must not replace
    it with the user's data folder (it once did, silently)."""
    home = tmp_path / "home"
    env = {"XDG_DATA_HOME": str(home), "HOME": str(home)}
    database = tmp_path / "here.sqlite3"
    result = run_main("--db", str(database), "demo", "--dossiers", "3", env=env)
    assert result.returncode == 0, result.stderr
    assert str(database) in result.stdout and database.exists()
    listing = run_main("--db", str(database), "backups", env=env)
    assert listing.returncode == 0, listing.stderr
    assert not home.exists()  # nothing written into the default data folder


def test_demo_command_refuses_a_file_that_is_not_a_database(tmp_path):
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_text("pas une base")
    result = run_main("demo", "--db", str(bogus), "--dossiers", "5")
    assert result.returncode == 2
    assert "n'est pas une base de données Dossia" in result.stderr
    assert bogus.read_text() == "pas une base"


def test_the_generator_process_gives_the_same_office(tmp_path, monkeypatch):
    """Big offices are generated in a second process; the result must not depend on it."""
    import app.demo as demo

    _demo(tmp_path / "inline.sqlite3", 150, seed=9)
    monkeypatch.setattr(demo, "_PROCESS_THRESHOLD", 100)
    monkeypatch.setattr(demo, "_BATCH", 40)
    _demo(tmp_path / "process.sqlite3", 150, seed=9)
    assert _dump(tmp_path / "inline.sqlite3") == _dump(tmp_path / "process.sqlite3")
    connection = sqlite3.connect(tmp_path / "process.sqlite3")
    assert connection.execute("SELECT value FROM counters").fetchall()
    assert (
        connection.execute("SELECT COUNT(*) FROM comments WHERE rule_key IS NOT NULL").fetchone()[0]
        > 0
    )
    connection.close()


def test_a_dead_generator_process_is_an_error_not_a_hang():
    import queue

    import pytest

    from app.demo import _Batches

    class Dead:
        def is_alive(self) -> bool:
            return False

    with pytest.raises(RuntimeError, match="stopped unexpectedly"):
        list(_Batches(queue.Queue(), Dead()))


def test_a_command_runs_with_the_collector_main_paused_for_the_window(tmp_path, monkeypatch):
    """main.py pauses Python's collector of cycles while the application is imported (the
    window's start: the GUI thread runs it once what was imported is frozen); a command
    turns it back on before doing anything."""
    import gc

    import main

    enabled = gc.isenabled()
    monkeypatch.setattr(main, "COLLECTOR_PAUSED", True)
    gc.disable()
    try:
        main.main(["backups", "--db", str(tmp_path / "dossia.sqlite3")])
        assert gc.isenabled()
    finally:
        if not enabled:
            gc.disable()
