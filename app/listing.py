"""The Clients list as the screens ask for it: tabs, columns, the query, the rows, and the
protocol a storage adapter implements to serve it (paged, sorted and searched by the
database, never all rows in memory). Plain types: no database here."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from app.text import fold
from models.enums import DossierStatus


class ListTab(enum.Enum):
    PROSPECTS = "prospects"
    CLIENTS = "clients"
    ABANDONED = "abandoned"
    ALL = "all"

    @property
    def label(self) -> str:
        return {
            "prospects": "Prospects",
            "clients": "Clients",
            "abandoned": "Abandonnés",
            "all": "Tous",
        }[self.value]

    @property
    def status(self) -> DossierStatus | None:
        return {
            "prospects": DossierStatus.PROSPECT,
            "clients": DossierStatus.CLIENT,
            "abandoned": DossierStatus.ABANDONED,
            "all": None,
        }[self.value]


class ListColumn(enum.IntEnum):
    NUMBER = 0
    HOLDER = 1
    OWNER = 2
    PROVENANCE = 3
    STEP = 4
    PROGRESS = 5
    CREATED = 6
    COMPLETE = 7
    BANK = 8  # optional: hidden until the user shows it
    STATUS = 9  # «Tous» only: prospects, clients and abandoned dossiers side by side
    ABANDON_REASON = 10  # «Abandonnés» only
    ABANDONED_ON = 11  # «Abandonnés» only

    @property
    def header(self) -> str:
        return _HEADERS[self]

    def shown_in(self, tab: ListTab) -> bool:
        """Whether the list shows this column on `tab` (the optional ones aside)."""
        only = _ONLY_IN.get(self)
        return only is None or only == tab


_ONLY_IN = {
    ListColumn.STATUS: ListTab.ALL,
    ListColumn.ABANDON_REASON: ListTab.ABANDONED,
    ListColumn.ABANDONED_ON: ListTab.ABANDONED,
}


_HEADERS = {
    ListColumn.NUMBER: "N°",
    ListColumn.HOLDER: "Porteur de projet",
    ListColumn.OWNER: "Courtier",
    ListColumn.PROVENANCE: "Provenance",
    ListColumn.STEP: "Étape",
    ListColumn.PROGRESS: "Avancement",
    ListColumn.CREATED: "Créé le",
    ListColumn.COMPLETE: "Complet",
    ListColumn.BANK: "Banque retenue",
    ListColumn.STATUS: "Statut",
    ListColumn.ABANDON_REASON: "Motif d'abandon",
    ListColumn.ABANDONED_ON: "Abandonné le",
}


@dataclass(frozen=True)
class ListQuery:
    """What the user asked the list to show."""

    tab: ListTab = ListTab.ALL
    search: str = ""
    owner_id: int | None = None
    sort: ListColumn = ListColumn.CREATED
    descending: bool = True
    # Set by the service from the user's rights, never by the screen.
    restrict_to_owner: int | None = None

    @property
    def sorted_by(self) -> ListColumn:
        """The column the rows are sorted on: the one asked for, or the creation date when
        the tab does not show it (the abandon date, once back on «Tous»)."""
        return self.sort if self.sort.shown_in(self.tab) else ListColumn.CREATED


@dataclass(frozen=True)
class ListRow:
    id: int
    number: str
    holder: str
    owner: str
    provenance: str
    step: str
    percent: int
    created_on: dt.date
    is_complete: bool
    status: DossierStatus
    bank: str = ""  # the bank whose offer the client accepted
    abandon_reason: str = ""  # its label, for an abandoned dossier
    abandoned_on: dt.date | None = None


@dataclass(frozen=True)
class BrokerChoice:
    id: int
    name: str


NO_BANK_SORT = "~"  # after every folded name: the dossiers without a bank come last


def bank_sort_key(bank: str) -> str:
    """How the «Banque retenue» column sorts a bank: folded (accents and case aside), the
    dossiers without one last."""
    return fold(bank) or NO_BANK_SORT


def search_document(number: str, names: list[str]) -> str:
    """The folded text the search looks into: number (also without its zeros) and names."""
    parts = [number]
    sequence = number.rsplit("-", 1)[-1].lstrip("0")
    if sequence and sequence != number:
        parts.append(sequence)
    return fold(" ".join(parts + names))


class DossierListing(Protocol):
    """What a storage adapter gives the Clients list (one per thread: not shared)."""

    def fetch_page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]: ...

    def fetch_row(self, query: ListQuery, dossier_id: int) -> ListRow | None:
        """One dossier's row, or None if it is gone or no longer among what `query` shows."""
        ...

    def fetch_ids(self, query: ListQuery) -> Sequence[int]:
        """Every dossier id `query` shows, in its order (ids only: small even at 1,000,000)."""
        ...

    def fetch_rows(self, query: ListQuery, ids: Sequence[int]) -> dict[int, ListRow]:
        """The rows of these dossiers, by id, among those `query` still shows."""
        ...

    def interrupt(self) -> None:
        """Stop what this listing's connection is running (called from another thread)."""
        ...

    def count_by_tab(self, query: ListQuery) -> dict[ListTab, int]: ...

    def brokers(self) -> list[BrokerChoice]: ...

    def close(self) -> None: ...
