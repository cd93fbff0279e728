"""Settings of this computer only, never of the office's database: kept in an ini file in
the user's configuration folder (today the laptop's numbering prefix)."""

from __future__ import annotations

import configparser
from pathlib import Path

from app.errors import DomainError
from app.files import atomic_write
from app.office.numbering import check_prefix
from app.paths import config_folder


class MachineSettings:
    """Settings of this computer only (not of the office's database): the laptop prefix,
    the optional columns of the Clients list."""

    def __init__(self, folder: Path | None = None) -> None:
        self.file = (folder or config_folder()) / "poste.ini"

    def _read(self) -> configparser.ConfigParser:
        parser = configparser.ConfigParser()
        try:
            parser.read(self.file, encoding="utf-8")
        except (OSError, configparser.Error):
            return configparser.ConfigParser()
        return parser

    def _write(self, section: str, values: dict[str, str]) -> None:
        """Change one section, keeping the others."""
        parser = self._read()
        parser[section] = values
        try:
            with atomic_write(self.file) as stream:
                parser.write(stream)
        except OSError as error:
            raise DomainError(
                f"Impossible d'enregistrer le réglage de ce poste : {error.strerror}."
            ) from error

    def machine_prefix(self) -> str:
        return self._read().get("numerotation", "prefixe_poste", fallback="")

    def set_machine_prefix(self, prefix: str) -> str:
        cleaned = check_prefix(prefix, "machine_prefix")
        self._write("numerotation", {"prefixe_poste": cleaned})
        return cleaned

    def shown_columns(self) -> frozenset[str]:
        """The optional columns of the Clients list shown on this computer (by name)."""
        text = self._read().get("liste", "colonnes", fallback="")
        return frozenset(name for name in text.split(",") if name.strip())

    def set_shown_columns(self, names: frozenset[str]) -> None:
        self._write("liste", {"colonnes": ",".join(sorted(names))})

    def choices(self, user_id: int, screen: str) -> dict[str, str]:
        """What this user last chose on a screen of this computer (e.g. the export's
        filters), by name; nothing when never chosen."""
        parser = self._read()
        section = f"choix.{user_id}.{screen}"
        return dict(parser[section]) if parser.has_section(section) else {}

    def set_choices(self, user_id: int, screen: str, choices: dict[str, str]) -> None:
        cleaned = {
            key: value
            for key, value in choices.items()
            if key.isidentifier() and len(value) <= 200 and "\n" not in value
        }
        self._write(f"choix.{user_id}.{screen}", cleaned)

    def window_geometry(self, user_id: int, window: str) -> str:
        """Where and how large this user left a window on this computer (the screen's own
        opaque text, base64), or ''."""
        return self._read().get("fenetres", f"{user_id}.{window}", fallback="")

    def set_window_geometry(self, user_id: int, window: str, geometry: str) -> None:
        if len(geometry) > 1000 or not all(c.isalnum() or c in "+/=" for c in geometry):
            raise DomainError("Position de fenêtre illisible : elle n'est pas enregistrée.")
        parser = self._read()
        kept = dict(parser["fenetres"]) if parser.has_section("fenetres") else {}
        kept[f"{user_id}.{window}"] = geometry
        self._write("fenetres", kept)
