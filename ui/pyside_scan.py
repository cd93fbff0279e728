"""PySide6's look at every module imported after it, made cheap (issue 18).

Once PySide6 is imported, it hooks `__import__` and asks, of each module imported for the
first time, whether its source mentions «PySide6» (for its optional `from __feature__
import snake_case`, which Dossia does not use). It reads that source with
`inspect.getsource`: through `linecache`, each file decoded, split into lines, and kept
in memory for the life of the process. Opening the first dossier imports about 760
modules after PySide6 (SQLAlchemy, the models, the services, the tabs): that look took
≈ 9 % of the warm-up's time, and its cache 12 MB of source text held as line strings.

Here the same question is answered from the file's bytes, read once and let go; a module
whose file cannot be read (an extension, a frozen or zipped module) is asked the way
PySide6 asks it. The answers are the same; PySide6's own function is kept if this version
of PySide6 no longer has it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import PySide6  # noqa: F401  (sets its import hook and the module patched below)

_FEATURE_MODULE = "shibokensupport.feature"
_ASKED = "_mod_uses_pyside"


def lighten_pyside_import_scan() -> bool:
    """Replace PySide6's per-import source look by `mentions_pyside`; False if this
    PySide6 has no such look, or in a frozen bundle (nothing changed then)."""
    if getattr(sys, "frozen", False):
        return False  # an installed bundle holds no sources: PySide6's look fails at once
    feature = sys.modules.get(_FEATURE_MODULE)
    original = getattr(feature, _ASKED, None)
    if feature is None or not callable(original):
        return False
    if getattr(original, "__wrapped__", None) is not None:
        return True  # already done
    setattr(feature, _ASKED, _reading_bytes(original))
    return True


def _reading_bytes(original: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def mentions_pyside(module: ModuleType) -> bool:
        """Whether the module's source names PySide6, as PySide6's own look answers it."""
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        elif isinstance(path, str) and path.endswith((".so", ".pyd")):
            return False  # no source: inspect.getsource refuses it
        return bool(original(module))

    mentions_pyside.__wrapped__ = original  # type: ignore[attr-defined]
    return mentions_pyside
