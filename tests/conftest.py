"""Shared fixtures: a fresh database per test, copied from a template built once.

Also the `gui` marker, set here on every test that uses Qt, so that `pytest -m "not gui"`
runs the rest without importing PySide6 at all. Keep Qt imports out of this module's top
level (fixtures import `ui` inside their body).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import gc
import itertools
import os
import re
import shutil
import sys
import traceback
from functools import cache
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.demo import build_demo
from app.paths import DataPaths, OfficeLocation
from app.storage.database import Database
from app.storage.schema import ensure_schema
from app.workspace import OfficeDatabase, Workspace

PASSWORD = "demo"
TEMPLATE_DOSSIERS = 40
TODAY = dt.date(2026, 11, 30)


_TESTS_RUN = [0]


@pytest.fixture(autouse=True)
def cycles_collected_on_the_gui_thread(request):
    """As the application does (ui/gc_guard.py): once Qt runs, Python's collector of
    cycles runs on the GUI thread only — never in a worker thread, where freeing a Qt
    object can deadlock with the GUI thread. Between tests it is run here (the whole of it
    every 50 tests), since a test without an event loop gives the timer no turn."""
    if QT_FIXTURES & set(request.fixturenames):
        from ui.gc_guard import collect_on_gui_thread

        collect_on_gui_thread(request.getfixturevalue("qapp"))
    yield
    if not gc.isenabled():
        _TESTS_RUN[0] += 1
        gc.collect(2 if _TESTS_RUN[0] % 50 == 0 else 1)


@pytest.fixture(autouse=True)
def machine_config(tmp_path, monkeypatch):
    """This computer's settings (laptop prefix) live in a temporary folder for each test."""
    monkeypatch.setenv("DOSSIA_CONFIG_DIR", str(tmp_path / "config"))
    # The user data folder (an office on a server keeps its small local folder there).
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    # The server's password «Mémorisé sur cet ordinateur»: a keyring in memory, fresh for
    # each test (and in the processes a test starts), never the real system keyring.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")
    if "keyring" in sys.modules:
        import keyring

        from tests.memory_keyring import MemoryKeyring

        keyring.set_keyring(MemoryKeyring())


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """A small demo office (7 users, 40 dossiers), built once with Alembic and the generator."""
    folder = tmp_path_factory.mktemp("template")
    paths = DataPaths(folder / "dossia.sqlite3")
    ensure_schema(paths)
    database = Database(paths)
    build_demo(database, TEMPLATE_DOSSIERS, seed=7, password=PASSWORD, today=TODAY)
    database.dispose()
    return paths.database


@pytest.fixture
def paths(tmp_path, template_db) -> DataPaths:
    target = tmp_path / "office" / "dossia.sqlite3"
    target.parent.mkdir()
    shutil.copyfile(template_db, target)
    return DataPaths(target)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module that sets BOTH_ENGINES = True runs its office's tests on the SQLite file and
    on the same office copied to a PostgreSQL server (issue 11), but those marked
    `file_only`."""
    if (
        "engine" in metafunc.fixturenames
        and getattr(metafunc.module, "BOTH_ENGINES", False)
        and metafunc.definition.get_closest_marker("file_only") is None
    ):
        metafunc.parametrize("engine", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def engine(request) -> str:
    """The office's engine: "sqlite", or "postgresql" in a BOTH_ENGINES module."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def server_template_db(template_db):
    """The demo office of `template_db`, copied once to a database of the test server."""
    from tests import postgres_server

    postgres_server.server_url()  # skips (or fails, when required) without a server
    name = postgres_server.create_database()
    try:
        postgres_server.copy_office(template_db, postgres_server.location_of(name))
        yield name
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def login_as(request, engine, paths):
    """Log in as a demo user: 'admin' (administrateur), 'pmoreau' (responsable d'agence),
    'slegrand' / 'kbenali' (courtiers), 'assistant'. Each gets its own connection. On the
    file, or on a copy of the same office on the test server (`engine`)."""
    opened: list[Workspace] = []
    with contextlib.ExitStack() as stack:
        location: OfficeLocation = paths
        if engine == "postgresql":
            from tests import postgres_server

            template = request.getfixturevalue("server_template_db")
            location = stack.enter_context(postgres_server.fresh_database(template))

        def make(login: str) -> Workspace:
            office = OfficeDatabase(location)
            workspace = office.workspace_for(office.authenticate(login, PASSWORD))
            opened.append(workspace)
            return workspace

        make.location = location  # type: ignore[attr-defined]
        yield make
        for workspace in opened:
            workspace.close()


@pytest.fixture
def office_location(login_as) -> OfficeLocation:
    """Where the test's office is: the file's paths, or its copy on the server."""
    return login_as.location


@pytest.fixture
def open_office(office_location):
    """Another opening of the test's office (as another computer would), closed after."""
    opened: list[OfficeDatabase] = []

    def make() -> OfficeDatabase:
        opened.append(OfficeDatabase(office_location))
        return opened[-1]

    yield make
    for office in opened:
        office.close()


@pytest.fixture
def workspace(login_as) -> Workspace:
    """Logged in as the administrator (every right)."""
    return login_as("admin")


@pytest.fixture
def service(workspace):
    return workspace.dossiers


@pytest.fixture
def first_provenance(workspace) -> int:
    return workspace.office.active_provenances()[0].id


@pytest.fixture
def main_window(qtbot, workspace):
    from ui.main_window import MainWindow

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.counts_pending)
    yield window
    window.close()
    window.shut_down()


@pytest.fixture
def open_dossier(qtbot, main_window):
    """Open a dossier's window from the list, as a double-click would."""

    def open_(dossier_id: int):
        window = main_window.open_dossier(dossier_id)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.view.tabs_complete)  # built right after the paint
        return window

    return open_


# --- The `gui` marker ----------------------------------------------------------------------
# A test uses Qt when it requests a Qt fixture (directly or through main_window, open_dossier…),
# when its module imports PySide6 or ui at its top level (or through a tests.* helper module),
# or when its own body imports them.

QT_FIXTURES = frozenset({"qtbot", "qapp"})
QT_PACKAGES = frozenset({"PySide6", "ui"})
TESTS = Path(__file__).resolve().parent
PYTEST_QT_NAMES = ("pytest-qt", "pytestqt.plugin")  # entry point name, or `-p pytestqt.plugin`
_gui_excluded_key = pytest.StashKey[bool]()
_ignored_key = pytest.StashKey[list[str]]()
_qt_import_stack: list[str] = []


def _imported_modules(node: ast.AST, *, into_functions: bool) -> list[str]:
    """Absolute names imported by `node` (relative imports resolved inside tests/)."""
    names: list[str] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            names += [alias.name for alias in child.names]
        elif isinstance(child, ast.ImportFrom):
            module = child.module or ""
            if child.level:  # relative imports only exist between the tests.* modules
                module = f"tests.{module}" if module else "tests"
            names += [module, *(f"{module}.{alias.name}" for alias in child.names)]
        elif into_functions or not isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        ):
            names += _imported_modules(child, into_functions=into_functions)
    return names


def _is_qt(module: str) -> bool:
    return module.split(".")[0] in QT_PACKAGES


@cache
def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None  # pytest reports it when it imports the module


@cache
def _module_imports_qt(path: Path) -> bool:
    """Importing this file imports Qt: itself, or through the tests.* modules it imports."""
    tree = _parse(path)
    if tree is None:
        return False
    for module in _imported_modules(tree, into_functions=False):
        if _is_qt(module):
            return True
        if module.startswith("tests.") and module != "tests.conftest":
            helper = TESTS.joinpath(*module.split(".")[1:]).with_suffix(".py")
            if helper.is_file() and helper != path and _module_imports_qt(helper):
                return True
    return False


@cache
def _functions_importing_qt(path: Path) -> frozenset[str]:
    """Qualified names of the functions and methods whose body imports Qt."""
    tree = _parse(path)
    found: set[str] = set()

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _is_qt(module) for module in _imported_modules(child, into_functions=True)
            ):
                found.add(prefix + child.name)

    if tree is not None:
        visit(tree, "")
    return frozenset(found)


def _gui_excluded(config: pytest.Config) -> bool:
    """True when the -m expression deselects a `gui` test whatever its other markers."""
    expression = (config.option.markexpr or "").strip()
    if not expression or re.search(r"[=\"']", expression):
        return False  # no -m, or keyword arguments: keep everything
    operators = ("(", ")", "and", "or", "not")
    tokens = re.findall(r"[()]|[^\s()]+", expression)
    slots = {name: f"_{i}" for i, name in enumerate(sorted(set(tokens) - set(operators)))}
    others = [slot for name, slot in slots.items() if name != "gui"]
    if "gui" not in slots or len(others) > 10:
        return False
    code = " ".join(slots.get(token, token) for token in tokens)
    try:
        for values in itertools.product((False, True), repeat=len(others)):
            names = dict(zip(others, values, strict=True)) | {slots["gui"]: True}
            if eval(code, {"__builtins__": {}}, names):
                return False
    except SyntaxError:
        return False
    return True


class _RecordQtImport:
    """Remembers where PySide6 was first imported from in a run that excludes gui tests."""

    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" and not _qt_import_stack:
            frames = [
                frame
                for frame in traceback.extract_stack()[:-1]
                if not re.search(r"^<|[/\\](_pytest|pluggy|importlib)[/\\]", frame.filename)
            ]
            test = os.environ.get("PYTEST_CURRENT_TEST", "collection")
            _qt_import_stack.append(f"{test}\n{''.join(traceback.format_list(frames[-8:]))}")
        return None


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """With -m "not gui", leave pytest-qt out: its set-up imports PySide6."""
    excluded = _gui_excluded(config) and "PySide6" not in sys.modules
    config.stash[_gui_excluded_key] = excluded
    if excluded:
        for name in PYTEST_QT_NAMES:
            if config.pluginmanager.get_plugin(name) is not None:
                config.pluginmanager.unregister(name=name)
        sys.meta_path.insert(0, _RecordQtImport())


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With -m "not gui", a module that imports Qt is not even imported."""
    if (
        config.stash.get(_gui_excluded_key, False)
        and collection_path.suffix == ".py"
        and collection_path.name.startswith("test_")
        and _module_imports_qt(collection_path.resolve())
    ):
        config.stash.setdefault(_ignored_key, []).append(collection_path.name)
        return True
    return None


def _uses_qt(item: pytest.Item) -> bool:
    if QT_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    path = item.path.resolve()
    if _module_imports_qt(path):
        return True
    function = getattr(item, "function", None)
    return function is not None and function.__qualname__ in _functions_importing_qt(path)


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _uses_qt(item):
            item.add_marker(pytest.mark.gui)


def pytest_report_collectionfinish(config: pytest.Config) -> str | None:
    ignored = config.stash.get(_ignored_key, [])
    if ignored:
        return f"not collected (they import Qt, -m excludes gui): {', '.join(sorted(ignored))}"
    return None


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A run without gui tests must not have imported PySide6: a test is missing its marker."""
    if session.config.stash.get(_gui_excluded_key, False) and "PySide6" in sys.modules:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (
            "PySide6 was imported in a run that excludes gui tests: mark the test "
            "@pytest.mark.gui (or request qtbot). First imported by " + "".join(_qt_import_stack)
        )
        if reporter is not None:
            reporter.line("")
            reporter.write_sep("=", "PySide6 imported by a test without the gui marker", red=True)
            reporter.write_line(message)
        else:
            print(message, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
