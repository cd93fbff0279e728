"""Build Dossia's packages for this platform into dist/.

    python installer/build.py            # this platform's packages (Linux: .deb and tarball)
    python installer/build.py --clean    # without PyInstaller's cache of a previous build
    python installer/build.py --dist DIR --work DIR   # elsewhere than dist/ and build/installer/

Freezes main.py with PyInstaller (installed into the running environment if missing) into a
one-folder bundle (installer/dossia.spec), then wraps it: on Linux a .deb made by dpkg-deb
(/opt/dossia, /usr/bin/dossia, a menu entry with its icon) and a .tar.gz with a .desktop
file; on Windows a per-user setup program compiled by Inno Setup's ISCC
(installer/windows/dossia.iss); on macOS a Dossia.app, zipped. The version is
pyproject.toml's, handed to PyInstaller and to ISCC (/DAppVersion=…), written nowhere else.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
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
INNO_SETUP_SCRIPT = INSTALLER / "windows" / "dossia.iss"
# The bundle's executables on Windows (installer/dossia.spec): dossia.exe for the command line
# and scheduled tasks (a console program), dossiaw.exe for the shortcuts (no console window).
WINDOWS_EXECUTABLES = ("dossia.exe", "dossiaw.exe")
MACOS_APP = "Dossia.app"

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
    """The one-folder bundle (<work>/pyinstaller/dossia/), made by PyInstaller; on macOS,
    also <work>/pyinstaller/Dossia.app around the same files."""
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
    env = os.environ | {
        "DOSSIA_VERSION": version,
        "DOSSIA_FILE_VERSION": windows_file_version(version),  # Windows' file properties
    }
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    bundle = out / "dossia"
    if sys.platform == "darwin":
        check_bundle(out / MACOS_APP / "Contents" / "MacOS" / "dossia")
    else:
        check_bundle(bundle / executable_name())
    if sys.platform == "win32":
        missing = [name for name in WINDOWS_EXECUTABLES if not (bundle / name).is_file()]
        if missing:
            raise SystemExit(f"The bundle lacks {', '.join(missing)}")
    return bundle


# The system keyring's backend of this platform (Windows Credential Manager, macOS Keychain,
# Secret Service on Linux): the office server's password is kept there (issue 11).
KEYRING_BACKEND = {"win32": "Windows", "darwin": "macOS"}.get(sys.platform, "SecretService")


def check_bundle(executable: Path) -> dict:
    """What the frozen app finds of its files on disk (see installer/pyi_rth_dossia.py);
    raises if something is missing."""
    import json

    env = os.environ | {"DOSSIA_BUNDLE_CHECK": "1", "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [os.fspath(executable)],
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
            (
                f"keyring's {KEYRING_BACKEND} backend missing (the server's password)",
                KEYRING_BACKEND not in found.get("keyring_backends", []),
            ),
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


def build_deb(
    bundle: Path, version: str, work: Path, dist: Path, *, compression_level: int = 9
) -> Path:
    """dist/dossia_<version>_<arch>.deb: /opt/dossia (the bundle), /usr/bin/dossia (a link),
    the menu entry and its icons. Removing the package leaves the users' data alone: it
    lives in their home folders, never under /opt/dossia. (`compression_level`: gzip's; the
    tests repackage the same bundle under another version at 1, three times faster.)"""
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
        [
            "dpkg-deb",
            "--root-owner-group",
            "-Zgzip",
            f"-z{compression_level}",
            "--build",
            os.fspath(root),
            os.fspath(deb),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(root)  # a copy of the bundle: 230 MB
    return deb


def build_tarball(
    bundle: Path, version: str, work: Path, dist: Path, *, compression_level: int = 6
) -> Path:
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
    with tarfile.open(tarball, "w:gz", compresslevel=compression_level) as archive:
        archive.add(bundle, arcname=f"{name}/dossia")
        for path in sorted(extras.iterdir()):
            archive.add(path, arcname=f"{name}/{path.name}")
    return tarball


def windows_file_version(version: str) -> str:
    """The four numbers Windows wants in a file's version resource: «0.1.0» → «0.1.0.0»,
    «1.2rc1» → «1.2.0.0» (pyproject's version, PEP 440, may carry letters)."""
    release = re.match(r"\d+(?:\.\d+)*", version)
    numbers = [int(part) for part in release.group(0).split(".")][:4] if release else []
    return ".".join(str(number) for number in [*numbers, 0, 0, 0, 0][:4])


def find_iscc() -> Path | None:
    """Inno Setup's command-line compiler: $ISCC, on the PATH, or where its installer puts it
    (for all users, or for the current user only)."""
    if os.environ.get("ISCC"):
        return Path(os.environ["ISCC"])
    found = shutil.which("ISCC") or shutil.which("iscc")
    if found:
        return Path(found)
    for variable in ("ProgramFiles(x86)", "ProgramFiles", "LOCALAPPDATA"):
        base = os.environ.get(variable)
        if not base:
            continue
        for folder in (Path(base) / "Inno Setup 6", Path(base) / "Programs" / "Inno Setup 6"):
            if (folder / "ISCC.exe").is_file():
                return folder / "ISCC.exe"
    return None


def inno_setup_command(iscc: Path, version: str, bundle: Path, dist: Path) -> list[str]:
    """ISCC's command line: the version, the bundle and the output folder as defines of
    installer/windows/dossia.iss (the script holds no version of its own)."""
    return [
        os.fspath(iscc),
        "/Q",
        f"/DAppVersion={version}",
        f"/DAppFileVersion={windows_file_version(version)}",
        f"/DBundleDir={bundle}",
        f"/DOutputDir={dist}",
        os.fspath(INNO_SETUP_SCRIPT),
    ]


def windows_setup_name(version: str) -> str:
    """The setup program's name (OutputBaseFilename in dossia.iss, plus .exe)."""
    return f"dossia-{version}-windows-x64-setup.exe"


def build_windows_setup(bundle: Path, version: str, dist: Path) -> Path:
    """dist/dossia-<version>-windows-x64-setup.exe, compiled by Inno Setup 6.3 or later."""
    iscc = find_iscc()
    if iscc is None:
        raise SystemExit(
            f"Le programme d'installation n'a pas été construit : Inno Setup 6 (ISCC.exe) est "
            f"introuvable. Installez-le (https://jrsoftware.org/isdl.php, ou "
            f"«winget install JRSoftware.InnoSetup», ou «choco install innosetup»), ou donnez "
            f"son chemin dans la variable ISCC, puis relancez. L'application figée est prête "
            f"dans {bundle}.\n"
            f"The installer was not built: Inno Setup 6 (ISCC.exe) was not found on the PATH "
            f"nor in its usual folders. Install it or set ISCC=path\\to\\ISCC.exe; the frozen "
            f"bundle is ready in {bundle}."
        )
    dist.mkdir(parents=True, exist_ok=True)
    subprocess.run(inno_setup_command(iscc, version, bundle, dist), check=True)
    return dist / windows_setup_name(version)


def build_macos_zip(app: Path, version: str, dist: Path) -> Path:
    """dist/Dossia-<version>-macos-<machine>.zip: Dossia.app zipped by ditto (which keeps the
    bundle's symbolic links, extended attributes and, once signed, its signature); the form
    notarytool accepts. Signing and notarising: installer/README.md."""
    dist.mkdir(parents=True, exist_ok=True)
    archive = dist / f"Dossia-{version}-macos-{platform.machine()}.zip"
    archive.unlink(missing_ok=True)
    subprocess.run(
        [
            "ditto",
            "-c",
            "-k",
            "--sequesterRsrc",
            "--keepParent",
            os.fspath(app),
            os.fspath(archive),
        ],
        check=True,
    )
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="ignore PyInstaller's cache")
    parser.add_argument("--dist", type=Path, default=DIST, help="where the packages go (dist/)")
    parser.add_argument("--work", type=Path, default=BUILD, help="work folder (build/installer/)")
    parser.add_argument(
        "--fast",
        action="store_true",
        help="compress the packages lightly (the tests: same contents, built in seconds)",
    )
    arguments = parser.parse_args(argv)
    level = 1 if arguments.fast else 9
    version = project_version()
    dist, work = arguments.dist.resolve(), arguments.work.resolve()
    started = time.perf_counter()
    bundle = freeze(version, work, clean=arguments.clean)
    frozen = time.perf_counter()
    print(f"Bundle {bundle} ({folder_size(bundle) / 1e6:.0f} MB) in {frozen - started:.0f} s")
    if sys.platform.startswith("linux"):
        packages = [
            build_deb(bundle, version, work, dist, compression_level=level),
            build_tarball(bundle, version, work, dist, compression_level=min(level, 6)),
        ]
    elif sys.platform == "win32":
        packages = [build_windows_setup(bundle, version, dist)]
    elif sys.platform == "darwin":
        packages = [build_macos_zip(bundle.parent / MACOS_APP, version, dist)]
    else:
        raise SystemExit(f"{sys.platform}: no package format for this system")
    for package in packages:
        print(f"{package} ({package.stat().st_size / 1e6:.0f} MB)")
    print(f"Built in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
