"""Build Dossia's packages for this platform into dist/.

    python installer/build.py            # this platform's packages (Linux: .deb and tarball)
    python installer/build.py --clean    # without PyInstaller's cache of a previous build
    python installer/build.py --dist DIR --work DIR   # elsewhere than dist/ and build/installer/

Freezes main.py with PyInstaller (installed into the running environment if missing) into a
one-folder bundle (installer/dossia.spec), then wraps it: on Linux a .deb made by dpkg-deb
(/opt/dossia, /usr/bin/dossia, a menu entry with its icon) and a .tar.gz with a .desktop
file. The version is pyproject.toml's. Windows (Inno Setup) and macOS (.app) are to come.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
BUILD = ROOT / "build" / "installer"  # PyInstaller's work and the packages' staging folders
DIST = ROOT / "dist"
ICONS = ROOT / "resources" / "icons"
PYINSTALLER_REQUIREMENT = "pyinstaller>=6.10,<7"

# What Qt's X11 platform plugin (libqxcb) needs beyond what the bundle carries: the same
# list as scripts/run installs for a source checkout.
DEB_DEPENDS = (
    "libc6 (>= 2.31)",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-randr0",
    "libxcb-xinerama0",
    "libxkbcommon-x11-0",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libdbus-1-3",
)

DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Version=1.4
Name=Dossia
GenericName=Dossiers de crédit immobilier
Comment=Le dossier client des courtiers en crédit immobilier, hors ligne
Exec={exec}
Icon={icon}
Terminal=false
Categories=Office;Finance;
Keywords=courtier;crédit;immobilier;dossier;
StartupWMClass=dossia
"""

TARBALL_INSTALL = """\
#!/bin/sh
# Adds Dossia to your applications menu (this user only), from wherever this folder lies.
# Your data stays in ~/.local/share/Dossia, whatever you do with this folder.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$data/applications" "$data/icons/hicolor/256x256/apps"
cp "$here/dossia.png" "$data/icons/hicolor/256x256/apps/dossia.png"
sed "s|^Exec=.*|Exec=\\"$here/dossia/dossia\\"|" "$here/dossia.desktop" \\
    >"$data/applications/dossia.desktop"
echo "Dossia est dans le menu des applications (lanceur : $here/dossia/dossia)."
"""


def project_version() -> str:
    """The version, from its one place: pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as project:
        return tomllib.load(project)["project"]["version"]


def ensure_pyinstaller() -> None:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        print(f"Installing {PYINSTALLER_REQUIREMENT} into {sys.prefix}…", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", PYINSTALLER_REQUIREMENT], check=True
        )


def freeze(version: str, work: Path, *, clean: bool) -> Path:
    """The one-folder bundle (<work>/pyinstaller/dossia/), made by PyInstaller."""
    ensure_pyinstaller()
    out = work / "pyinstaller"
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level=WARN",
        f"--distpath={out}",
        f"--workpath={work / 'work'}",
        os.fspath(INSTALLER / "dossia.spec"),
    ]
    if clean:
        command.insert(3, "--clean")
    env = os.environ | {"DOSSIA_VERSION": version}
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    bundle = out / "dossia"
    check_bundle(bundle)
    return bundle


def check_bundle(bundle: Path) -> dict:
    """What the frozen app finds of its files on disk (see installer/pyi_rth_dossia.py);
    raises if something is missing."""
    import json

    env = os.environ | {"DOSSIA_BUNDLE_CHECK": "1", "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [os.fspath(bundle / executable_name())],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found = json.loads(result.stdout)
    expected_versions = sorted(
        path.name for path in (ROOT / "app/storage/migrations/versions").glob("0*.py")
    )
    problems = [
        problem
        for problem, failed in (
            ("Qt's French translation (qtbase_fr) not found", not found["qt_french"]),
            ("no style sheet", not found["style_sheet"]),
            ("no icons", "dossia.svg" not in found["icons"]),
            ("no PDF fonts", "Vera.ttf" not in found["fonts"]),
            ("no script.py.mako", not found["mako"]),
            ("migrations missing", found["versions"] != expected_versions),
        )
        if failed
    ]
    if problems:
        raise SystemExit(f"The bundle is incomplete: {'; '.join(problems)}\n{found}")
    return found


def executable_name() -> str:
    return "dossia.exe" if sys.platform == "win32" else "dossia"


def folder_size(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if not path.is_dir())


def deb_architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def build_deb(bundle: Path, version: str, work: Path, dist: Path) -> Path:
    """dist/dossia_<version>_<arch>.deb: /opt/dossia (the bundle), /usr/bin/dossia (a link),
    the menu entry and its icons. Removing the package leaves the users' data alone: it
    lives in their home folders, never under /opt/dossia."""
    architecture = deb_architecture()
    root = work / "deb" / f"dossia_{version}_{architecture}"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(bundle, root / "opt" / "dossia", symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "dossia").symlink_to("/opt/dossia/dossia")
    applications = root / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    (applications / "dossia.desktop").write_text(
        DESKTOP_ENTRY.format(exec="dossia", icon="dossia"), encoding="utf-8"
    )
    hicolor = root / "usr" / "share" / "icons" / "hicolor"
    for png in sorted(ICONS.glob("dossia-*.png")):
        size = png.stem.removeprefix("dossia-")
        target = hicolor / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy2(png, target / "dossia.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(ICONS / "dossia.svg", hicolor / "scalable" / "apps" / "dossia.svg")
    docs = root / "usr" / "share" / "doc" / "dossia"
    docs.mkdir(parents=True)
    (docs / "copyright").write_text(
        "Dossia — le dossier client des courtiers en crédit immobilier.\n"
        "Bundled: Python, Qt for Python (LGPLv3), SQLAlchemy, Alembic, reportlab (with the\n"
        "Bitstream Vera fonts) and the other libraries listed in pyproject.toml, each under\n"
        "its own licence.\n",
        encoding="utf-8",
    )
    control = root / "DEBIAN"
    control.mkdir()
    installed_size = folder_size(root) // 1024
    (control / "control").write_text(
        f"Package: dossia\n"
        f"Version: {version}\n"
        f"Architecture: {architecture}\n"
        f"Maintainer: Dossia <contact@dossia.invalid>\n"
        f"Installed-Size: {installed_size}\n"
        f"Depends: {', '.join(DEB_DEPENDS)}\n"
        f"Section: misc\n"
        f"Priority: optional\n"
        f"Description: le dossier client des courtiers en crédit immobilier, hors ligne\n"
        f" Dossia tient les dossiers de crédit immobilier d'un cabinet de courtage :\n"
        f" clients, simulations, documents, banques, facturation. Les données restent\n"
        f" dans le dossier de l'utilisateur (~/.local/share/Dossia) et survivent à la\n"
        f" désinstallation du paquet.\n",
        encoding="utf-8",
    )
    for path in [root, *root.rglob("*")]:  # dpkg-deb wants sane modes, whatever the umask
        if path.is_symlink():
            continue
        executable = path.is_dir() or os.access(path, os.X_OK)
        path.chmod(0o755 if executable else 0o644)
    dist.mkdir(parents=True, exist_ok=True)
    deb = dist / f"dossia_{version}_{architecture}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", os.fspath(root), os.fspath(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return deb


def build_tarball(bundle: Path, version: str, work: Path, dist: Path) -> Path:
    """dist/dossia-<version>-linux-<machine>.tar.gz: the bundle in dossia/, a .desktop file,
    the icon and install-menu-entry.sh, which adds the menu entry for this user."""
    name = f"dossia-{version}-linux-{platform.machine()}"
    dist.mkdir(parents=True, exist_ok=True)
    tarball = dist / f"{name}.tar.gz"
    extras = work / "tarball"
    if extras.exists():
        shutil.rmtree(extras)
    extras.mkdir(parents=True)
    (extras / "dossia.desktop").write_text(
        DESKTOP_ENTRY.format(exec="dossia", icon="dossia"), encoding="utf-8"
    )
    install = extras / "install-menu-entry.sh"
    install.write_text(TARBALL_INSTALL, encoding="utf-8")
    install.chmod(0o755)
    shutil.copy2(ICONS / "dossia-256.png", extras / "dossia.png")
    with tarfile.open(tarball, "w:gz", compresslevel=6) as archive:
        archive.add(bundle, arcname=f"{name}/dossia")
        for path in sorted(extras.iterdir()):
            archive.add(path, arcname=f"{name}/{path.name}")
    return tarball


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="ignore PyInstaller's cache")
    parser.add_argument("--dist", type=Path, default=DIST, help="where the packages go (dist/)")
    parser.add_argument("--work", type=Path, default=BUILD, help="work folder (build/installer/)")
    arguments = parser.parse_args(argv)
    version = project_version()
    dist, work = arguments.dist.resolve(), arguments.work.resolve()
    started = time.perf_counter()
    bundle = freeze(version, work, clean=arguments.clean)
    frozen = time.perf_counter()
    print(f"Bundle {bundle} ({folder_size(bundle) / 1e6:.0f} MB) in {frozen - started:.0f} s")
    if sys.platform.startswith("linux"):
        packages = [
            build_deb(bundle, version, work, dist),
            build_tarball(bundle, version, work, dist),
        ]
    else:
        raise SystemExit(f"{sys.platform}: only Linux packages are built so far")
    for package in packages:
        print(f"{package} ({package.stat().st_size / 1e6:.0f} MB)")
    print(f"Built in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
