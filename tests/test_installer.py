"""The Linux packages of installer/build.py: the PyInstaller bundle wrapped in a .deb and a
tarball, built once per test session into a temporary folder; the .deb installed with apt-get
(as root only) over an older version of the package, its `dossia` command run on a demo office
and on the previous release's office (migrated at the first start), then the package removed
— the user's data stays."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

import pytest

from app.demo import _PROCESS_THRESHOLD as PROCESS_THRESHOLD
from app.storage.sqlite import HEAD_REVISION
from tests.test_upgrade import (
    PREVIOUS_DOSSIERS,
    PREVIOUS_REVISION,
    files_digest,
    fingerprints,
    revision,
    table_counts,
    unpack_previous_office,
)

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.gui,  # starts the frozen application (offscreen) in subprocesses
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None,
        reason="the .deb and the tarball are built on a Debian-like Linux (dpkg-deb)",
    ),
]


def _run(command: list, *, env: dict | None = None, timeout: int = 300, code: int = 0):
    result = subprocess.run(
        [str(part) for part in command],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == code, (
        f"{' '.join(map(str, command))} → {result.returncode}\n"
        f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
    )
    return result


@pytest.fixture(scope="session")
def packages(tmp_path_factory) -> dict[str, Path]:
    """installer/build.py run once: {"deb": …, "tarball": …, "bundle": …}."""
    work = tmp_path_factory.mktemp("installer-work")
    dist = tmp_path_factory.mktemp("installer-dist")
    started = time.perf_counter()
    _run(
        [sys.executable, ROOT / "installer" / "build.py", "--work", work, "--dist", dist, "--fast"],
        timeout=900,
    )
    print(f"packages built in {time.perf_counter() - started:.0f} s")
    (deb,) = dist.glob(f"dossia_{VERSION}_*.deb")
    (tarball,) = dist.glob(f"dossia-{VERSION}-linux-*.tar.gz")
    return {"deb": deb, "tarball": tarball, "bundle": work / "pyinstaller" / "dossia"}


def _build_module():
    """installer/build.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("dossia_build", ROOT / "installer" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clean_env(tmp_path: Path) -> dict:
    """The environment of a broker's session: no venv, offscreen Qt, a home of its own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DOSSIA_DB", "XDG_DATA_HOME")
        and not key.startswith("DOSSIA_")
    }
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env |= {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "DOSSIA_CONFIG_DIR": str(tmp_path / "config"),
    }
    return env


def test_the_packages_hold_the_bundle_the_menu_entry_and_the_version(packages, tmp_path):
    deb = packages["deb"]
    fields = {
        field: _run(["dpkg-deb", "--field", deb, field]).stdout.strip()
        for field in ("Package", "Version", "Depends")
    }
    assert fields["Package"] == "dossia"
    assert fields["Version"] == VERSION
    assert "libxcb-cursor0" in fields["Depends"]
    listing = _run(["dpkg-deb", "--contents", deb]).stdout
    for path in (
        "./opt/dossia/dossia",
        "./opt/dossia/_internal/resources/style.qss",
        "./opt/dossia/_internal/app/storage/migrations/script.py.mako",
        "./opt/dossia/_internal/app/storage/migrations/versions/0001_initial.py",
        "./opt/dossia/_internal/PySide6/Qt/translations/qtbase_fr.qm",
        "./opt/dossia/_internal/reportlab/fonts/Vera.ttf",
        "./usr/bin/dossia -> /opt/dossia/dossia",
        "./usr/share/applications/dossia.desktop",
        "./usr/share/icons/hicolor/48x48/apps/dossia.png",
        "./usr/share/icons/hicolor/scalable/apps/dossia.svg",
    ):
        assert path in listing, path
    # The big Qt modules Dossia does not use stay out of the bundle.
    for unused in ("WebEngine", "Qt6Quick", "Qt6Qml", "Qt63D", "Multimedia", "VirtualKeyboard"):
        assert unused not in listing, unused
    # Only Qt's French translations.
    assert "qtbase_de.qm" not in listing

    # The layout installer/windows/dossia.iss packages (tests/test_installer_scripts.py checks
    # the script against build.py): the executable beside _internal/, the resources inside.
    bundle = packages["bundle"]
    assert (bundle / "dossia").is_file() and (bundle / "_internal").is_dir()
    assert sorted(path.name for path in bundle.iterdir()) == ["_internal", "dossia"]

    top = f"dossia-{VERSION}-linux-{os.uname().machine}"
    with tarfile.open(packages["tarball"]) as archive:
        names = set(archive.getnames())
        desktop = archive.extractfile(f"{top}/dossia.desktop").read()  # the .deb's one too
    entry = tmp_path / "dossia.desktop"
    entry.write_bytes(desktop)
    assert b"\nExec=dossia\n" in desktop and b"\nIcon=dossia\n" in desktop
    if shutil.which("desktop-file-validate"):  # Debian's desktop-file-utils
        _run(["desktop-file-validate", entry])
    assert {
        f"{top}/dossia/dossia",
        f"{top}/dossia.desktop",
        f"{top}/dossia.png",
        f"{top}/install-menu-entry.sh",
    } <= names

    # From the inside: what the frozen app finds of its files (installer/pyi_rth_dossia.py).
    env = _clean_env(tmp_path) | {"DOSSIA_BUNDLE_CHECK": "1"}
    found = json.loads(_run([packages["bundle"] / "dossia"], env=env).stdout)
    assert found["qt_french"] and found["cancel_in_french"] == "Annuler"
    assert not found["writes_bytecode"]  # nothing written into /opt/dossia at run time


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="installing the .deb with apt-get needs root (run the suite as root, e.g. in CI)",
)
@pytest.mark.skipif(shutil.which("apt-get") is None, reason="no apt-get to install the .deb")
def test_the_deb_installs_runs_and_uninstalls_without_touching_the_data(packages, tmp_path):
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "-y", "-q"]
    apt_env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    policy = _run(["apt-cache", "policy", "libxcb-cursor0"]).stdout
    if "Candidate:" not in policy or "Candidate: (none)" in policy:
        _run([*apt, "update"], env=apt_env, timeout=600)  # no package lists yet (fresh image)
    # Version N first: the same bundle packaged as an older version (dpkg sorts «~» before
    # anything), installed over whatever an earlier run left; the previous release's office in
    # a broker's default data folder, as N left it.
    previous_deb = _build_module().build_deb(
        packages["bundle"],
        f"{VERSION}~previous",
        tmp_path / "previous-work",
        tmp_path / "previous-dist",
        compression_level=1,
    )
    _run([*apt, "install", "--allow-downgrades", previous_deb], env=apt_env, timeout=900)
    try:
        previous_deb.unlink()
        installed = ["dpkg-query", "--showformat=${Version}", "--show", "dossia"]
        assert _run(installed).stdout == f"{VERSION}~previous"
        (tmp_path / "upgrade").mkdir()
        upgrade_env = _clean_env(tmp_path / "upgrade")
        upgraded = unpack_previous_office(
            Path(upgrade_env["HOME"]) / ".local" / "share" / "Dossia"  # platformdirs' on Linux
        )
        counts, prints = table_counts(upgraded.database), fingerprints(upgraded.database)
        as_left = files_digest(upgraded.folder)

        # Version N+1 over N: an upgrade of the package, which leaves the data folder alone.
        _run([*apt, "install", packages["deb"]], env=apt_env, timeout=900)
        assert _run(installed).stdout == VERSION
        assert files_digest(upgraded.folder) == as_left

        # The first start of N+1 migrates the office after a backup of it; nothing is lost,
        # and Export C1 reads it.
        logged = upgrade_env | {"DOSSIA_PASSWORD": "demo"}
        _run(["/usr/bin/dossia", "--user", "admin", "--quit-after-start"], env=logged)
        assert revision(upgraded.database) == HEAD_REVISION
        (before,) = upgraded.backups.glob("dossia-avant-migration-*.sqlite3")
        assert revision(before) == PREVIOUS_REVISION
        after = table_counts(upgraded.database)
        assert {table: after[table] for table in counts} == counts
        assert fingerprints(upgraded.database) == prints
        out = tmp_path / "previous.xlsx"
        exported = _run(
            ["/usr/bin/dossia", "export-c1", "--user", "admin", "--out", out], env=logged
        )
        assert f"{PREVIOUS_DOSSIERS} dossier(s)" in exported.stdout and out.stat().st_size > 0

        env = _clean_env(tmp_path)
        dossia = shutil.which("dossia", path=env["PATH"])
        assert dossia == "/usr/bin/dossia"
        version = _run([dossia, "--version"], env=env)
        assert (version.stdout + version.stderr).strip() == f"Dossia {VERSION}"  # argparse

        # The installed bundle finds its translations, fonts and migrations from /opt/dossia.
        found = json.loads(_run([dossia], env=env | {"DOSSIA_BUNDLE_CHECK": "1"}).stdout)
        assert found["bundle"] == "/opt/dossia/_internal"
        assert found["qt_french"]

        # A first start without an office, under --quit-after-start: refused (exit 2) with
        # a French message rather than a crash.
        data = Path(env["HOME"]) / ".local" / "share" / "Dossia"
        first = _run([dossia, "--quit-after-start"], env=env, code=2)
        assert first.stderr.strip()

        # A demo office: the migrations run from the bundle's Alembic scripts.
        office = tmp_path / "office"
        database = office / "o.sqlite3"
        demo = _run([dossia, "demo", "--db", database, "--dossiers", "50"], env=env)
        assert "50 dossiers" in demo.stdout
        # Encrypted like a real office (SQLCipher and the key file, from the bundle): the
        # frozen app opens it with a user's password, its backup carries its keys.
        assert not database.read_bytes().startswith(b"SQLite format 3")
        assert database.with_name(database.name + ".keys").is_file()
        logged = env | {"DOSSIA_PASSWORD": "demo"}
        _run([dossia, "--db", database, "--user", "admin", "--quit-after-start"], env=logged)
        backup = tmp_path / "backup.sqlite3"
        _run([dossia, "--user", "admin", "backup", "--db", database, "--out", backup], env=logged)
        assert backup.stat().st_size > 0
        assert backup.with_name(backup.name + ".keys").is_file()
        for out in (tmp_path / "x.xlsx", tmp_path / "x.pdf"):  # the PDF: reportlab's fonts
            exported = _run(
                [dossia, "export-c1", "--db", database, "--user", "admin", "--out", out],
                env=logged,
            )
            assert "50 dossier(s)" in exported.stdout
            assert out.stat().st_size > 0

        # The default data folder (~/.local/share/Dossia) too, with an office big enough for
        # the demo to generate in a worker process (multiprocessing, frozen).
        _run([dossia, "demo", "--dossiers", PROCESS_THRESHOLD], env=env)
        assert (data / "dossia.sqlite3").is_file()
    finally:
        _run([*apt, "remove", "dossia"], env=apt_env, timeout=600)

    assert not Path("/opt/dossia").exists()  # nothing left behind (no bytecode written there)
    assert not Path("/usr/bin/dossia").exists()
    assert database.is_file() and (office / "documents").is_dir()
    assert (data / "dossia.sqlite3").is_file()
    assert revision(upgraded.database) == HEAD_REVISION and upgraded.documents.is_dir()
