"""What may be attached to a dossier, and under which name: pure rules, no disk.

A file name comes from outside (a file manager, an e-mail client's drag): it is made safe to
show, to store and to write back to any disk (Windows included) — no folder part, no
control or bidirectional characters, no reserved Windows name, at most 255 bytes. Programs
and scripts are refused, by their extension and by their first bytes (an «.pdf» that is a
Windows program is refused too)."""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

from app.errors import DomainError
from app.text import strip_unsafe

MAX_NAME_BYTES = 255
# What a double-click would run rather than show, on Windows, macOS or Linux.
REFUSED_EXTENSIONS = frozenset(
    [
        "exe",
        "com",
        "bat",
        "cmd",
        "msi",
        "msp",
        "mst",
        "scr",
        "pif",
        "cpl",
        "dll",
        "sys",
        "drv",
        "ocx",
        "vbs",
        "vbe",
        "js",
        "jse",
        "jar",
        "wsf",
        "wsh",
        "wsc",
        "ps1",
        "ps1xml",
        "ps2",
        "psc1",
        "psm1",
        "hta",
        "reg",
        "lnk",
        "url",
        "inf",
        "scf",
        "gadget",
        "application",
        "appref-ms",
        "vb",
        "sct",
        "shb",
        "sh",
        "bash",
        "zsh",
        "csh",
        "ksh",
        "command",
        "app",
        "apk",
        "deb",
        "rpm",
        "run",
        "bin",
        "elf",
        "dmg",
        "pkg",
        "py",
        "pyw",
        "pyc",
        "rb",
        "pl",
        "php",
        "iso",
        "img",
        "vhd",
        "vhdx",
        "chm",
        "msc",
        "xll",
        "library-ms",
    ]
)
# The first bytes of programs: Windows (MZ), Linux (ELF), macOS (Mach-O), scripts («#!»).
_PROGRAM_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"#!",
)
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", "clock$", "conin$", "conout$"]
    + [f"com{i}" for i in "0123456789¹²³"]
    + [f"lpt{i}" for i in "0123456789¹²³"]
)
_FORBIDDEN = set('<>:"/\\|?*')


def safe_filename(name: str) -> str:
    """A name that means the same to the broker and is harmless on every disk."""
    # Only the last part of a path, whichever the separator.
    base = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    base = unicodedata.normalize("NFC", strip_unsafe(base))
    base = "".join("_" if c in _FORBIDDEN or c in "\t\r\n" else c for c in base)
    base = base.strip().rstrip(". ")  # Windows drops trailing dots and spaces
    while base.startswith("."):  # no hidden file, no «..»
        base = base[1:]
    if not base:
        base = "document"
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    if stem.split(".")[0].strip().lower() in _RESERVED:
        stem = "_" + stem
    return _fit(stem, extension)


def _fit(stem: str, extension: str) -> str:
    """At most MAX_NAME_BYTES bytes of UTF-8, the extension kept whole (if it is short)."""
    suffix = f".{extension}" if extension else ""
    if len(suffix.encode()) > 16:
        stem, suffix = stem + suffix, ""
    room = MAX_NAME_BYTES - len(suffix.encode())
    encoded = stem.encode()
    if len(encoded) > room:
        stem = encoded[:room].decode("utf-8", errors="ignore").rstrip(". ") or "document"
    return stem + suffix


def extension(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def check_attachment(name: str, head: bytes) -> None:
    """DomainError if the file is a program or a script (by its name, or its first bytes)."""
    if extension(name) in REFUSED_EXTENSIONS:
        raise DomainError(
            f"« {name} » est un programme ou un script : il ne peut pas être joint à un "
            "dossier (un virus se cache souvent ainsi)."
        )
    if head.startswith(_PROGRAM_MAGIC):
        raise DomainError(
            f"« {name} » contient un programme, quelle que soit son extension : il ne peut "
            "pas être joint à un dossier."
        )


def title_from(name: str) -> str:
    """The title a file is shown under at first: its name without the extension."""
    stem, dot, _ext = name.rpartition(".")
    return (stem if dot and stem else name)[:200]
