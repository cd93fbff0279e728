"""The installers' scripts that cannot run here, read and checked against what does run:
the Inno Setup script (installer/windows/dossia.iss) against installer/build.py, the spec
and pyproject.toml; the macOS icon packed by installer/make_icons.py; the CI workflows.
Fast: nothing is frozen nor compiled (tests/test_installer.py builds the Linux packages)."""

from __future__ import annotations

import importlib.util
import ntpath
import re
import struct
import tomllib
from pathlib import Path, PureWindowsPath

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
ISS = INSTALLER / "windows" / "dossia.iss"
SPEC = INSTALLER / "dossia.spec"
WINDOWS_WORKFLOW = ROOT / ".github" / "workflows" / "windows-installer.yml"
MACOS_WORKFLOW = ROOT / ".github" / "workflows" / "macos-app.yml"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
# The installer's identity: a new version finds the installed one through it (upgrade in
# place, one entry in «Applications installées»). Never change it.
APP_ID = "{{92E4EFE5-3CD1-420C-ABCF-9AADFB28EDC2}"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build():
    return _load("dossia_build", INSTALLER / "build.py")


@pytest.fixture(scope="module")
def make_icons():
    return _load("dossia_make_icons", INSTALLER / "make_icons.py")


def _iss_text() -> str:
    raw = ISS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM: Inno Setup reads «é» so"
    return raw[3:].decode("utf-8")


def _sections() -> dict[str, list[str]]:
    """The script's lines per [Section], without comments, preprocessor lines or blanks."""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in _iss_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith((";", "#")):
            continue
        match = re.fullmatch(r"\[(\w+)\]", stripped)
        if match:
            current = match.group(1)
            sections.setdefault(current, [])
        else:
            sections.setdefault(current, []).append(stripped)
    return sections


def _setup() -> dict[str, str]:
    return dict(line.split("=", 1) for line in _sections()["Setup"])


def _entries(section: str) -> list[dict[str, str]]:
    """`Name: "…"; Filename: "…"; Flags: …` lines as dictionaries (quotes removed)."""
    entries = []
    for line in _sections()[section]:
        entry = {}
        for part in line.split("; "):
            key, _, value = part.partition(": ")
            entry[key.strip()] = value.strip().strip('"')
        entries.append(entry)
    return entries


def _defines() -> dict[str, str]:
    return dict(re.findall(r'^#define (\w+) "([^"]*)"', _iss_text(), re.MULTILINE))


def test_the_setup_needs_no_administrator_and_installs_per_user():
    setup = _setup()
    assert setup["PrivilegesRequired"] == "lowest"
    # /ALLUSERS and /CURRENTUSER on the command line only (an IT department's deployment);
    # never a dialog asking a broker which mode.
    assert setup["PrivilegesRequiredOverridesAllowed"] == "commandline"
    # {autopf} is {userpf} (%LOCALAPPDATA%\Programs) in the per-user mode.
    assert setup["DefaultDirName"] == r"{autopf}\Dossia"


def test_the_setup_speaks_french_only():
    languages = _entries("Languages")
    assert languages == [{"Name": "french", "MessagesFile": r"compiler:Languages\French.isl"}]
    custom = dict(line.split("=", 1) for line in _sections()["CustomMessages"])
    assert "Vos données n'ont pas été supprimées" in custom["DataKept"]


def test_the_app_id_never_changes_so_a_new_version_upgrades_in_place():
    setup = _setup()
    assert setup["AppId"] == APP_ID
    assert setup["UsePreviousAppDir"] == "yes"
    # The old version's libraries are removed before the new ones are copied.
    assert {"Type": "filesandordirs", "Name": r"{app}\_internal"} in _entries("InstallDelete")


def test_the_version_comes_from_pyproject_through_build_py(build, tmp_path):
    setup = _setup()
    assert setup["AppVersion"] == "{#AppVersion}"
    assert setup["VersionInfoVersion"] == "{#AppFileVersion}"
    assert "#error Pass the version" in _iss_text()  # no default: ISCC refuses without it
    assert VERSION not in _iss_text()  # written nowhere but pyproject.toml
    assert build.project_version() == VERSION
    command = build.inno_setup_command(Path("ISCC.exe"), VERSION, tmp_path / "b", tmp_path / "d")
    assert f"/DAppVersion={VERSION}" in command
    assert f"/DAppFileVersion={build.windows_file_version(VERSION)}" in command
    assert f"/DBundleDir={tmp_path / 'b'}" in command and f"/DOutputDir={tmp_path / 'd'}" in command
    assert command[-1] == str(ISS)
    # The setup's name, as build.py and the CI workflow expect it.
    name = setup["OutputBaseFilename"].replace("{#AppVersion}", VERSION) + ".exe"
    assert name == build.windows_setup_name(VERSION)


@pytest.mark.parametrize(
    ("version", "four"),
    [
        ("0.1.0", "0.1.0.0"),
        ("1.2rc1", "1.2.0.0"),
        ("2027.3", "2027.3.0.0"),
        ("1.2.3.4.5", "1.2.3.4"),
    ],
)
def test_windows_file_version_has_four_numbers(build, version, four):
    assert build.windows_file_version(version) == four


def test_the_setup_packages_the_bundle_build_py_makes(build):
    """[Files] takes the two executables and _internal/ from the bundle folder build.py hands
    over (the layout tests/test_installer.py checks on the Linux bundle), and the spec makes
    those two executables on Windows."""
    files = _entries("Files")
    defines = _defines()
    sources = {entry["Source"].replace("{#AppExeName}", defines["AppExeName"]) for entry in files}
    assert sources == {
        *(rf"{{#BundleDir}}\{name}" for name in build.WINDOWS_EXECUTABLES),
        r"{#BundleDir}\_internal\*",
    }
    internal = next(entry for entry in files if entry["Source"].endswith(r"_internal\*"))
    assert internal["DestDir"] == r"{app}\_internal"
    assert {"recursesubdirs", "createallsubdirs"} <= set(internal["Flags"].split())
    spec = SPEC.read_text(encoding="utf-8")
    assert 'executable("dossia", console=True)' in spec
    assert 'executable("dossiaw", console=False)' in spec
    assert build.WINDOWS_EXECUTABLES == ("dossia.exe", "dossiaw.exe")
    # Its own icon exists where the script looks (relative to the script's folder).
    icon = ISS.parent / _setup()["SetupIconFile"].replace("\\", "/")
    assert icon.resolve() == ROOT / "resources" / "icons" / "dossia.ico" and icon.is_file()


def test_shortcuts_start_the_windowed_executable():
    defines = _defines()
    assert defines["AppExeName"] == "dossiaw.exe"  # no console window behind Dossia
    icons = {entry["Name"]: entry for entry in _entries("Icons")}
    menu = icons[r"{autoprograms}\{#AppName}"]
    desktop = icons[r"{autodesktop}\{#AppName}"]
    assert menu["Filename"] == desktop["Filename"] == r"{app}\{#AppExeName}"
    assert "Tasks" not in menu and desktop["Tasks"] == "desktopicon"
    (task,) = _entries("Tasks")
    assert task["Name"] == "desktopicon" and task["Flags"] == "unchecked"  # optional


def test_the_uninstaller_keeps_the_data_folder_and_says_where_it_is(monkeypatch):
    """The folder the uninstaller names is app/paths.py's on Windows (platformdirs), it is
    not the program's folder, and nothing deletes it."""
    import platformdirs
    import platformdirs.windows

    from app import paths

    local = r"C:\Users\Courtier\AppData\Local"
    monkeypatch.setattr(
        platformdirs.windows, "get_win_folder", lambda name: {"CSIDL_LOCAL_APPDATA": local}[name]
    )
    monkeypatch.setattr(
        paths,
        "user_data_dir",
        lambda *args, **kwargs: platformdirs.windows.Windows(*args, **kwargs).user_data_dir,
    )
    data = PureWindowsPath(str(paths.default_data_folder()).replace("/", "\\"))
    defines = _defines()
    assert defines["DataFolder"] == r"{localappdata}\Dossia"
    assert data == PureWindowsPath(defines["DataFolder"].replace("{localappdata}", local))
    install = PureWindowsPath(_setup()["DefaultDirName"].replace("{autopf}", local + r"\Programs"))
    assert ntpath.commonpath([str(install), str(data)]) != str(data)  # not inside it
    code = _iss_text()[_iss_text().index("[Code]") :]
    assert "usPostUninstall" in code and "not UninstallSilent()" in code
    assert "ExpandConstant('{#DataFolder}')" in code
    for entry in _entries("UninstallDelete"):  # the program's folder only
        assert entry["Name"].startswith("{app}"), entry


def test_build_py_says_what_is_missing_without_inno_setup(build, monkeypatch, tmp_path):
    monkeypatch.setattr(build, "find_iscc", lambda: None)
    with pytest.raises(SystemExit) as stopped:
        build.build_windows_setup(tmp_path / "dossia", VERSION, tmp_path / "dist")
    message = str(stopped.value)
    assert "Inno Setup 6 (ISCC.exe) est introuvable" in message
    assert "Inno Setup 6 (ISCC.exe) was not found" in message
    assert str(tmp_path / "dossia") in message  # where the frozen app is, ready


def test_iscc_is_looked_for_where_its_installer_puts_it(build, monkeypatch, tmp_path):
    monkeypatch.delenv("ISCC", raising=False)
    monkeypatch.setattr(build.shutil, "which", lambda name: None)
    for variable in ("ProgramFiles(x86)", "ProgramFiles", "LOCALAPPDATA"):
        monkeypatch.delenv(variable, raising=False)
    assert build.find_iscc() is None
    iscc = tmp_path / "Programs" / "Inno Setup 6" / "ISCC.exe"  # a per-user Inno Setup
    iscc.parent.mkdir(parents=True)
    iscc.touch()
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    assert build.find_iscc() == iscc
    monkeypatch.setenv("ISCC", r"D:\outils\ISCC.exe")
    assert build.find_iscc() == Path(r"D:\outils\ISCC.exe")


def test_the_macos_icon_holds_every_png_size(make_icons, tmp_path):
    icns = make_icons.write_icns(tmp_path / "dossia.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    found = {}
    offset = 8
    while offset < len(icns):
        kind, length = (
            icns[offset : offset + 4],
            struct.unpack(">I", icns[offset + 4 : offset + 8])[0],
        )
        png = icns[offset + 8 : offset + length]
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])  # IHDR
        found[kind] = (width, height)
        offset += length
    assert offset == len(icns)
    assert found == {kind: (size, size) for kind, size in make_icons.ICNS_ENTRIES}
    spec = SPEC.read_text(encoding="utf-8")
    assert "write_icns" in spec and 'name="Dossia.app"' in spec  # the .app's icon, packed


def test_the_windows_workflow_runs_the_smoke_test_and_keeps_the_data(build):
    workflow = WINDOWS_WORKFLOW.read_text(encoding="utf-8")
    assert 'python-version: "3.11"' in workflow and "runs-on: windows-" in workflow
    assert "python installer/build.py" in workflow
    assert "dist\\dossia-$version-windows-x64-setup.exe" in workflow
    assert build.windows_setup_name("$version") == "dossia-$version-windows-x64-setup.exe"
    for step in ("/VERYSILENT", "/CURRENTUSER", "'--quit-after-start'", "'backup'", "'export-c1'"):
        assert step in workflow, step
    assert "office-previous-release.tar.gz" in workflow and "avant-migration" in workflow
    assert "unins000.exe" in workflow and "the uninstaller removed" in workflow
    assert "actions/upload-artifact" in workflow
    macos = MACOS_WORKFLOW.read_text(encoding="utf-8")
    assert "Contents/MacOS/dossia" in macos and "--quit-after-start" in macos
