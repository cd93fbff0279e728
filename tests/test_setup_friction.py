"""Set-up friction: no pip at every start, a French word instead of Qt's abort without a
display, `--quit-after-start` that never waits on the first-start dialog, and a first-start
dialog that builds the office in the background with a progress bar."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.errors import DomainError
from app.paths import DataPaths

ROOT = Path(__file__).resolve().parent.parent


def run_main(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
        check=False,
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any display, data folder in `tmp_path`."""
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "DOSSIA_DB", "DOSSIA_PASSWORD")
    env = {name: value for name, value in os.environ.items() if name not in hidden}
    home = str(tmp_path / "home")
    return {**env, "HOME": home, "XDG_DATA_HOME": home, **extra}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 / Wayland only")
def test_without_a_display_the_application_says_what_to_do_in_french(tmp_path):
    database = tmp_path / "new" / "dossia.sqlite3"
    result = run_main("--db", str(database), env=clean_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Aucun affichage graphique n'est disponible" in result.stderr
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert "xcb" not in output.lower() and "qt platform plugin" not in output.lower()
    assert "Traceback" not in output
    assert not database.parent.exists()  # nothing written


def test_quit_after_start_on_a_first_start_stops_at_once_and_says_why(tmp_path):
    database = tmp_path / "new" / "dossia.sqlite3"
    result = run_main(
        "--quit-after-start",
        "--db",
        str(database),
        env=clean_env(tmp_path, QT_QPA_PLATFORM="offscreen"),
        timeout=30,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Aucun cabinet n'existe encore" in result.stderr
    assert f"python main.py demo --db {database}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not database.exists()


def test_the_demo_office_is_built_in_the_background_with_a_progress_bar(qtbot, tmp_path):
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QPushButton

    from ui.dialogs.login import FirstStartDialog

    paths = DataPaths(tmp_path / "demo" / "dossia.sqlite3")
    dialog = FirstStartDialog(paths)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.demo_radio.setChecked(True)
    busy_ticks: list[bool] = []  # the GUI thread's timer, while the office is being written
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: busy_ticks.append(dialog.busy))
    timer.start()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    progress = dialog.findChild(QProgressBar, "firstStartProgress")
    label = dialog.findChild(QLabel, "firstStartProgressLabel")
    assert progress is not None and progress.isVisible()
    assert progress.minimum() == progress.maximum() == 0  # busy, no fake percentage
    assert label is not None and label.isVisible()
    assert label.text() == "Création du cabinet de démonstration…"
    cancel = dialog.findChild(QPushButton, "cancelButton")
    assert cancel is not None and not cancel.isEnabled()
    assert not dialog.ok_button.isEnabled()
    assert not dialog.demo_radio.isEnabled()
    dialog.reject()  # Échap while it works: the dialog waits for the office
    assert dialog.isVisible()

    qtbot.waitUntil(lambda: dialog.result_value == "admin", timeout=60_000)
    timer.stop()
    assert sum(busy_ticks) >= 3  # the window kept living while the demo was built
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not progress.isVisible()
    assert paths.database.exists()


def test_a_failed_creation_is_told_in_french_and_the_dialog_can_try_again(
    qtbot, tmp_path, monkeypatch
):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QProgressBar

    from app import startup
    from ui.dialogs.login import FirstStartDialog

    def refuse(*args, **kwargs):
        raise DomainError("Le dossier de données est en lecture seule.")

    monkeypatch.setattr(startup, "create_demo_office", refuse)
    dialog = FirstStartDialog(DataPaths(tmp_path / "demo" / "dossia.sqlite3"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.demo_radio.setChecked(True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert dialog.error.text() == "Le dossier de données est en lecture seule."
    assert dialog.ok_button.isEnabled() and dialog.demo_radio.isEnabled()
    progress = dialog.findChild(QProgressBar, "firstStartProgress")
    assert progress is not None and not progress.isVisible()
    assert dialog.isVisible() and dialog.result_value is None


# --- scripts/env.sh: pip only when the dependencies changed ---------------------------------

FAKE_PYTHON = """#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
    echo "$*" >>"$PIP_LOG"
    exit "${FAKE_PIP_STATUS:-0}"
fi
exec "$REAL_PYTHON" "$@"
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason="scripts/ are bash")
def test_env_sh_runs_pip_only_when_the_dependencies_changed(tmp_path):
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "env.sh", project / "scripts" / "env.sh")
    (project / "pyproject.toml").write_text('[project]\nname = "dossia"\n')
    python = project / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    log = tmp_path / "pip.log"
    stamp = project / ".venv" / ".dossia-installed"

    def source(extra: str, status: int = 0) -> list[str]:
        """`source scripts/env.sh extra` as scripts/run and scripts/test do; pip's calls."""
        log.write_text("")
        env = {
            **os.environ,
            "PIP_LOG": str(log),
            "REAL_PYTHON": sys.executable,
            "FAKE_PIP_STATUS": str(status),
        }
        env.pop("DOSSIA_REINSTALL", None)
        result = subprocess.run(
            ["bash", "-c", 'source "$0" "$1"', str(project / "scripts" / "env.sh"), extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (result.returncode == 0) == (status == 0), result.stderr
        return log.read_text().splitlines()

    first = source("base")
    assert first[-1] == "-m pip install -q -e ." and stamp.exists()
    assert source("base") == []  # the second start: no pip at all
    assert source("dev")[-1] == "-m pip install -q -e .[dev]"
    assert source("dev") == []
    assert source("base") == []  # the test tools' install includes the plain one

    (project / "pyproject.toml").write_text('[project]\nname = "dossia"\nversion = "2"\n')
    assert source("base", status=1) != []  # pip fails…
    assert not stamp.exists()  # …so nothing says the install is done
    assert source("base")[-1] == "-m pip install -q -e ."  # and the next start tries again
    assert source("base") == []
