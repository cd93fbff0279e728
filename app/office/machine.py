"""Settings of this computer only, never of the office's database: kept in an ini file in
the user's configuration folder (today the laptop's numbering prefix)."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

from platformdirs import user_config_dir

from app.errors import DomainError
from app.files import atomic_write
from app.office.numbering import check_prefix

CONFIG_ENV_VAR = "DOSSIA_CONFIG_DIR"


class MachineSettings:
    """Settings of this computer only (not of the office's database): the laptop prefix."""

    def __init__(self, folder: Path | None = None) -> None:
        if folder is None:
            configured = os.environ.get(CONFIG_ENV_VAR)
            if configured:
                folder = Path(configured)
            else:
                folder = Path(user_config_dir("Dossia", appauthor=False))
        self.file = folder / "poste.ini"

    def machine_prefix(self) -> str:
        parser = configparser.ConfigParser()
        try:
            parser.read(self.file, encoding="utf-8")
        except (OSError, configparser.Error):
            return ""
        return parser.get("numerotation", "prefixe_poste", fallback="")

    def set_machine_prefix(self, prefix: str) -> str:
        cleaned = check_prefix(prefix, "machine_prefix")
        parser = configparser.ConfigParser()
        parser["numerotation"] = {"prefixe_poste": cleaned}
        try:
            with atomic_write(self.file) as stream:
                parser.write(stream)
        except OSError as error:
            raise DomainError(
                f"Impossible d'enregistrer le réglage de ce poste : {error.strerror}."
            ) from error
        return cleaned
