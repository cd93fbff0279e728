"""PyInstaller runtime hook of Dossia's bundle: runs before main.py in the frozen app.

The demo generator's worker processes (`multiprocessing`, "spawn" context) start the frozen
executable again, with the arguments of a Python interpreter (`-c "from multiprocessing…"`,
`--multiprocessing-fork`): this hook runs them as multiprocessing would, instead of handing
them to main.py's argument parser (main.py does not call `multiprocessing.freeze_support()`,
and PyInstaller's own hook for it runs after this one).

In dossiaw.exe (Windows, without a console) sys.stdin, sys.stdout and sys.stderr are None:
they are pointed at os.devnull, so that using them never raises.

With DOSSIA_BUNDLE_CHECK=1 in the environment, the frozen app prints (as JSON) what it finds
of the files it loads from disk — Qt's French translation, the style sheet and icons, the PDF
fonts, the Alembic scripts, the system keyring's backends — and exits, without opening anything: installer/build.py and
tests/test_installer.py check the bundle from the inside this way. Otherwise it does nothing.
"""

import os
import sys


def _bundle_check() -> None:
    import json
    from importlib import metadata
    from pathlib import Path

    import reportlab
    from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

    import app.storage.schema as schema
    import ui.common as common

    application = QCoreApplication(sys.argv[:1])
    translations = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(application)
    french = translator.load(
        QLocale(QLocale.Language.French, QLocale.Country.France), "qtbase", "_", translations
    )
    bundle = Path(sys._MEIPASS)
    keyring_backends = []  # keyring loads its backends from its metadata's entry points
    for entry in metadata.entry_points(group="keyring.backends"):
        try:
            entry.load()
        except Exception:  # reported by its absence
            continue
        keyring_backends.append(entry.name)
    fonts = Path(reportlab.__file__).parent / "fonts"
    print(
        json.dumps(
            {
                "bundle": str(bundle),
                "qt_translations": translations,
                "qt_french": french,
                "cancel_in_french": translator.translate("QPlatformTheme", "Cancel"),
                "resources": str(common.RESOURCES),
                "style_sheet": len(common.style_sheet()),
                "icons": sorted(p.name for p in (common.RESOURCES / "icons").glob("*.svg")),
                "fonts": sorted(p.name for p in fonts.glob("Vera*.ttf")),
                "migrations": str(schema.MIGRATIONS_FOLDER),
                "mako": (schema.MIGRATIONS_FOLDER / "script.py.mako").is_file(),
                "versions": sorted(
                    p.name for p in (schema.MIGRATIONS_FOLDER / "versions").glob("0*.py")
                ),
                "writes_bytecode": not sys.dont_write_bytecode,
                "keyring_backends": sorted(keyring_backends),
            }
        )
    )
    sys.exit(0)


def _multiprocessing_child() -> None:
    """Run a multiprocessing helper or worker and exit, if this process is one."""
    argv = sys.argv
    helpers = (
        "from multiprocessing.resource_tracker import main",
        "from multiprocessing.forkserver import main",
        "import sys; from multiprocessing.forkserver import main",
    )
    if "-c" in argv[1:]:
        index = argv.index("-c")
        command = argv[index + 1] if len(argv) > index + 1 else ""
        if command.startswith(helpers):
            import multiprocessing.process

            multiprocessing.process.ORIGINAL_DIR = None
            exec(command)
            sys.exit()
    if len(argv) >= 2 and argv[1] == "--multiprocessing-fork":
        import multiprocessing.process
        import multiprocessing.spawn

        multiprocessing.process.ORIGINAL_DIR = None
        # The parent names its main script (_internal/main.py, inside the archive, not a file)
        # for the worker to run first: it is main.py's code, already "run" as far as the
        # worker cares (its target lives in app.demo), as when freeze_support() is called
        # from main.py itself.
        sys.modules["__main__"].__file__ = os.path.join(sys._MEIPASS, "main.py")
        arguments = {}
        for argument in argv[2:]:
            name, value = argument.split("=")
            arguments[name] = None if value == "None" else int(value)
        multiprocessing.spawn.spawn_main(**arguments)
        sys.exit()


def _no_console_streams() -> None:
    """dossiaw.exe (Windows, no console) starts with sys.stdin, sys.stdout and sys.stderr
    (and their __std*__ originals) set to None: a print to them is silently dropped, but a
    write() or an isatty() raises — as the launcher's crash handler would, before telling the
    user and saving the note being typed. Point them at os.devnull instead."""
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        for attribute in (name, f"__{name}__"):
            if getattr(sys, attribute, None) is None:
                # Open for the process's life.
                setattr(sys, attribute, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115


_no_console_streams()
if getattr(sys, "frozen", False) and len(sys.argv) >= 2 and sys.argv[1].startswith("-"):
    _multiprocessing_child()
if os.environ.get("DOSSIA_BUNDLE_CHECK") == "1":
    _bundle_check()
