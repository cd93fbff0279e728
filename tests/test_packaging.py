"""The wheel: built from a copy of the sources, installed (not editable) in a fresh virtual
environment, and run from outside the source tree as the `dossia` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "models", "ui", "resources")  # every file under them must ship
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    ".*cache*",
    ".hypothesis",
    "*.sqlite3*",
    "bench",
    "docs",
    "shots",
)

INSPECT = """
import json, sys, sysconfig
from pathlib import Path
import app, app.storage.schema as schema, main, ui.common as common
print(json.dumps({
    "site_packages": sysconfig.get_paths()["purelib"],
    "app": app.__file__,
    "main": main.__file__,
    "resources": str(common.RESOURCES),
    "icons": sorted(p.name for p in (common.RESOURCES / "icons").glob("*.svg")),
    "style_sheet": len(common.style_sheet()),
    "migrations": str(schema.MIGRATIONS_FOLDER),
    "versions": sorted(p.name for p in (schema.MIGRATIONS_FOLDER / "versions").glob("0*.py")),
    "mako": (schema.MIGRATIONS_FOLDER / "script.py.mako").is_file(),
    "sys_path": sys.path,
}))
"""


def _run(command: list, *, cwd: Path, env: dict, timeout: int) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} → {result.returncode}\n"
        f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
    )
    return result


def _source_files() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.mark.slow
@pytest.mark.gui  # starts the application (offscreen) in a subprocess
def test_wheel_installs_and_runs_outside_the_source_tree(tmp_path):
    started = time.perf_counter()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DOSSIA_DB", "PYTEST_ADDOPTS")
    }
    env |= {
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "QT_QPA_PLATFORM": "offscreen",
        "DOSSIA_PASSWORD": "demo",
        "DOSSIA_CONFIG_DIR": str(tmp_path / "config"),
    }
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    # A copy of the sources, so that the build writes nothing in the tree and no stale
    # build/ folder can slip a deleted module into the wheel.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source],
        cwd=outside,
        env=env,
        timeout=300,
    )
    (wheel,) = wheels.glob("dossia-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = _source_files() - names
    assert not missing, f"not in the wheel: {sorted(missing)}"
    assert {"main.py", "main_commands.py"} <= names
    assert "app/storage/migrations/script.py.mako" in names
    assert {"resources/style.qss", "resources/icons/dossia.svg"} <= names
    assert not [name for name in names if name.startswith(("tests/", "bench/", "docs/"))]
    entry_points = zipfile.ZipFile(wheel).read(
        next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    )
    assert "dossia = main:main" in entry_points.decode()
    built = time.perf_counter()

    # A fresh environment; dependencies come from the index (pip's cache makes it quick).
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=outside, env=env, timeout=300)
    python, dossia = venv / "bin" / "python", venv / "bin" / "dossia"
    _run([python, "-m", "pip", "install", "-q", wheel], cwd=outside, env=env, timeout=900)
    installed = time.perf_counter()

    found = json.loads(_run([python, "-c", INSPECT], cwd=outside, env=env, timeout=120).stdout)
    site_packages = Path(found["site_packages"])
    for key in ("app", "main", "resources", "migrations"):
        path = Path(found[key])
        assert path.is_relative_to(site_packages), (key, path)
        assert not path.is_relative_to(ROOT), (key, path)
    assert not [entry for entry in found["sys_path"] if entry and Path(entry) == ROOT]
    assert found["icons"] == sorted(p.name for p in (ROOT / "resources/icons").glob("*.svg"))
    assert found["style_sheet"] > 0
    assert found["mako"]
    assert found["versions"] == sorted(
        p.name for p in (ROOT / "app/storage/migrations/versions").glob("0*.py")
    )

    database = tmp_path / "office" / "dossia.sqlite3"
    demo = _run(
        [dossia, "demo", "--db", database, "--dossiers", "20"], cwd=outside, env=env, timeout=300
    )
    assert "20 dossiers" in demo.stdout
    _run(
        [dossia, "--db", database, "--user", "admin", "--quit-after-start"],
        cwd=outside,
        env=env,
        timeout=300,
    )
    _run([dossia, "--help"], cwd=outside, env=env, timeout=60)
    print(
        f"wheel built in {built - started:.1f} s, installed in {installed - built:.1f} s, "
        f"checked in {time.perf_counter() - installed:.1f} s"
    )
