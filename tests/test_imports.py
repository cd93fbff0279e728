"""Imports sit at the top of modules, except the few deferred on purpose, listed here (the one
place that lists them, with why); and the import graph has no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_AFTER_FIRST_PAINT = "SQLAlchemy (0.3–0.5 s) is imported after the first paint"
_MIGRATING = "Alembic (0.5 s) and the ORM only when creating or migrating a schema"
_FIRST_OPENED = "a window's widgets and services only when first opened, not before the first paint"

_ENCRYPTION = "cryptography and argon2 (≈ 90 ms) only for an encrypted office, after its login"

DEFERRED_IMPORTS: dict[tuple[str, str], str] = {
    ("app/startup.py", "app.crypto.unlocked"): _ENCRYPTION,
    ("app/early.py", "app.crypto.unlocked"): "in the early thread: the GUI thread's imports go on",
    ("app/early.py", "app.security"): "in the early thread, once the keys are open",
    ("app/early.py", "app.storage.sqlite"): "in the early thread, once the keys are open",
    ("app/workspace.py", "app.crypto.unlocked"): _ENCRYPTION,
    ("app/startup.py", "app.crypto.recovery_kit"): "reportlab only when a recovery kit is made",
    # The services of an opened office, built on first use or by warm_up() after the paint.
    **{
        ("app/workspace.py", module): _AFTER_FIRST_PAINT
        for module in (
            "app.documents.document_service",
            "app.invoicing.invoice_service",
            "app.invoicing.office_invoicing",
            "app.exports.c1_service",
            "app.dossier.comment_service",
            "app.dossier.dossier_service",
            "app.dossier.household_service",
            "app.dossier.situation_service",
            "app.office.backup_service",
            "app.carry.laptop",
            "app.carry.carry_service",
            "app.office.company_service",
            "app.office.encryption_service",
            "app.office.migration_service",
            "app.office.office_service",
            "app.office.referential_service",
            "app.office.role_service",
            "app.office.settings_service",
            "app.office.user_service",
            "app.pipeline.pipeline_service",
            "app.loan_request.loan_request_service",
            "app.privacy.privacy_service",
            "app.simulation.simulation_service",
            # kept in step inside a dossier's change: an edit comes after the paint
            "app.simulation.figures",
        )
    },
    **{
        ("app/privacy/privacy_service.py", module): "reportlab (0.2 s): when a PDF is made"
        for module in ("app.pdf.house", "app.privacy.person_pdf")
    },
    ("app/storage/sqlite_office.py", "app.storage.database"): _AFTER_FIRST_PAINT,
    ("app/carry/commands.py", "app.carry.carry_service"): "SQLAlchemy: not on the start path",
    # «Emporter» / «Rapporter» (issue 11): the server's driver, the encryption and the
    # schema only when dossiers leave or come back.
    **{
        (path, module): "a laptop's check-out or check-in only"
        for path, module in (
            ("app/carry/laptop_file.py", "app.crypto.unlocked"),
            ("app/carry/laptop_file.py", "app.storage.schema"),
            ("app/carry/carry_service.py", "app.storage.postgres"),
            ("app/carry/carry_service.py", "app.storage.server_documents"),
        )
    },
    # Start-up use cases other than open_office(), which runs before the first paint.
    **{
        ("app/startup.py", module): _MIGRATING
        for module in (
            "app.demo",
            "app.office.office",
            "app.office.office_service",
            "app.storage.database",
            "app.storage.restore",
            "app.storage.schema",
        )
    },
    **{
        ("app/startup.py", module): "the demonstration built on a server only"
        for module in ("tempfile", "app.storage.documents", "app.storage.server_migration")
    },
    ("app/storage/schema.py", "alembic"): _MIGRATING,
    ("app/storage/schema.py", "alembic.config"): _MIGRATING,
    ("app/storage/schema.py", "app.storage.database"): _MIGRATING,
    ("app/paths.py", "ctypes"): "Windows only: the drive type of a network drive",
    **{
        ("app/validation.py", module): "python-stdnum loads ssl and sockets (30 ms): on first "
        "use of an identifier check, not on the start path"
        for module in ("stdnum", "stdnum.fr", "stdnum.exceptions")
    },
    # An office on a PostgreSQL server (issue 11): SQLAlchemy and psycopg only for one.
    **{
        key: "SQLAlchemy and psycopg: an office on a server only, never a file's start"
        for key in (
            ("app/startup.py", "app.storage.postgres"),
            ("app/startup.py", "app.storage.server_backups"),
            ("app/storage/opening.py", "app.storage.postgres"),
            ("app/workspace.py", "app.storage.server_office"),
            ("app/workspace.py", "app.storage.postgres"),
            ("app/workspace.py", "app.storage.server_documents"),
        )
    },
    # This computer's «Connexion» settings (issue 11): read by resolve_location (which
    # app.connection itself builds on), the keyring (≈ 0.3 s) only for an office server.
    ("app/paths.py", "app.connection"): "the settings module builds on app.paths: no cycle",
    **{
        ("app/connection.py", module): "keyring (≈ 0.3 s with its backends): an office "
        "server only, never a file's start"
        for module in ("keyring", "keyring.backends")
    },
    ("app/storage/opening.py", "app.storage.backups"): "the whole backup check (25 ms of "
    "imports) only when the office is damaged",
    ("main.py", "ui.launcher"): "Qt (0.2 s) only for the GUI, not for the command-line commands",
    ("main.py", "main_commands"): "the commands only: `python main.py` compiles its script at "
    "every start, the window's start compiles and loads no more than it needs",
    ("main.py", "importlib"): "importlib.metadata: 30 ms, only for --version",
    ("main_commands.py", "app.storage.server_backups"): "psycopg and the pg tools: the backup "
    "commands of an office on a server only",
    ("app/simulation/simulation_service.py", "app.simulation.synthesis_pdf"): "reportlab "
    "(0.2 s): when a PDF is made",
    **{
        ("main_commands.py", module): "the simulate command only"
        for module in (
            "app.simulation.finance",
            "app.simulation.schedule_export",
            "app.simulation.summary",
        )
    },
    (
        "ui/launcher.py",
        "ui.main_window",
    ): "the login dialog shows before the main window's modules load",
    ("ui/dossier_windows.py", "ui.dossier_window"): _FIRST_OPENED,
    ("ui/warm_up.py", "ui.dossier_window"): "in the warm-up thread, after the imports of "
    "app.workspace.preload_steps (the login dialog's idle time, or after the first paint)",
    **{
        ("ui/dossier_window.py", module): "a dossier window's tabs after «Général»: built once "
        "its «Général» is painted (or by the warm-up)"
        for module in (
            "ui.borrowers_tab",
            "ui.children_tab",
            "ui.documents_tab",
            "ui.invoices_tab",
            "ui.pipeline_tab",
            "ui.simulations_tab",
            "ui.situation_tabs",
            "ui.forms",
        )
    },
    ("ui/dossier_actions.py", "ui.dialogs.privacy_dialogs"): "the Actions menu's persons' rights",
    ("ui/main_window.py", "ui.dialogs.new_dossier"): _FIRST_OPENED,
    ("ui/main_window.py", "ui.settings"): _FIRST_OPENED,
    ("ui/main_window.py", "ui.calculator"): _FIRST_OPENED,
    ("ui/main_window.py", "ui.dialogs.connection"): _FIRST_OPENED,
    ("ui/main_window.py", "ui.migration_ui"): _FIRST_OPENED,
    **{
        ("ui/carry/__init__.py", module): _FIRST_OPENED
        for module in ("ui.carry.check_out", "ui.carry.bring_back", "ui.carry.carries")
    },
    ("ui/launcher.py", "ui.dialogs.connection"): "when the office server does not answer, or "
    "the office was migrated to it",
    ("ui/dialogs/login.py", "ui.dialogs.connection"): "the office server's form: a first start "
    "only",
    ("ui/main_window.py", "ui.invoicing_window"): _FIRST_OPENED,
    ("ui/main_window.py", "ui.export_c1"): _FIRST_OPENED,
    ("main_commands.py", "app.exports.c1"): "the export-c1 command only",
    (
        "main_commands.py",
        "app.storage.postgres",
    ): "SQLAlchemy and psycopg: the migrate-to-server command only",
    ("ui/simulation_chart.py", "PySide6.QtCharts"): "QtCharts: when a plan's chart is first shown",
    ("app/documents/document_service.py", "app.documents.checklist_pdf"): (
        "reportlab (0.2 s): when the list of pieces is made"
    ),
    ("app/loan_request/loan_request_service.py", "app.loan_request.request_pdf"): (
        "reportlab (0.2 s): when a loan request is made"
    ),
    ("app/demo/samples.py", "reportlab.lib.pagesizes"): "reportlab: when a demo office is built",
    ("app/demo/samples.py", "reportlab.pdfgen.canvas"): "reportlab: when a demo office is built",
    ("app/invoicing/printing.py", "app.invoicing.invoice_pdf"): (
        "reportlab (0.2 s): when an invoice is printed"
    ),
    ("app/invoicing/printing.py", "app.invoicing.facturx"): (
        "factur-x (0.15 s): when an invoice to a bank is printed"
    ),
    ("app/invoicing/printing.py", "app.invoicing.reminder_pdf"): (
        "reportlab (0.2 s): when a reminder is printed"
    ),
    ("app/invoicing/office_invoicing.py", "app.invoicing.statement_pdf"): (
        "reportlab (0.2 s): when a statement of rebates is printed"
    ),
    ("app/workspace.py", "importlib"): "importlib.metadata: only for «À propos»",
    ("app/xlsx.py", "xlsxwriter"): "XlsxWriter (0.1 s): when a workbook is made",
    ("app/xlsx.py", "xlsxwriter.exceptions"): "with XlsxWriter",
    **{
        ("app/exports/c1_files.py", module): "reportlab (0.2 s): when a PDF export is made"
        for module in ("app.pdf", "reportlab.lib.units", "reportlab.platypus")
    },
    ("ui/document_preview.py", "PySide6.QtPdf"): "QtPdf: when a PDF is first previewed",
    ("ui/document_preview.py", "PySide6.QtPdfWidgets"): "QtPdf: when a PDF is first previewed",
}


def _sources() -> list[Path]:
    files = [
        path
        for folder in ("app", "ui", "models")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]
    return [*files, ROOT / "main.py", ROOT / "main_commands.py"]


def _imports_inside_functions(path: Path) -> set[str]:
    found: set[str] = set()
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_imports_inside_functions_are_the_documented_ones():
    seen = {
        (path.relative_to(ROOT).as_posix(), module)
        for path in _sources()
        for module in _imports_inside_functions(path)
    }
    undocumented = sorted(seen - DEFERRED_IMPORTS.keys())
    assert not undocumented, (
        f"imports inside functions not listed in DEFERRED_IMPORTS: {undocumented}"
    )
    stale = sorted(DEFERRED_IMPORTS.keys() - seen)
    assert not stale, f"DEFERRED_IMPORTS lists imports that are gone: {stale}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path, known: set[str]) -> set[str]:
    """Our modules imported at module level, TYPE_CHECKING blocks excluded."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in known}


def test_the_import_graph_has_no_cycle():
    paths = {_module_name(path): path for path in _sources()}
    known = set(paths)
    graph = {name: _top_level_imports(path, known) - {name} for name, path in paths.items()}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        assert name not in visiting, "import cycle: " + " → ".join(
            [*visiting[visiting.index(name) :], name]
        )
        visiting.append(name)
        for imported in sorted(graph[name]):
            visit(imported)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_screens_never_reach_the_orm_through_the_workspace():
    """import-linter sees imports, not attributes: `workspace.database` (the SQLAlchemy
    side, for the services and the tests) is never touched from ui/."""
    for path in (ROOT / "ui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        used = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and node.attr in ("database", "_store")
            and _owner(node.value) != "paths"  # DataPaths.database: the file's path
        ]
        assert not used, f"{path.relative_to(ROOT)}:{used} reaches the database"


def _owner(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""
