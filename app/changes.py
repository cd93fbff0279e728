"""What a command changed, so that the screens refresh only that (never the whole list
after a field edit)."""

from __future__ import annotations

import enum


class Change(enum.Flag):
    NONE = 0
    SUMMARY = enum.auto()  # what «Informations dossier» shows: porteur, famille, numéro…
    LIST_ROW = enum.auto()  # a column of the dossier's row in the Clients list
    STATUS = enum.auto()  # prospect / client / abandonné, or the dossier is gone: tabs, counts
    COMMENTS = enum.auto()  # automatic comments added, changed or removed
