"""The Clients list query: tabs, search, broker filter, sorting, paging, counts."""

from __future__ import annotations

import pytest

from app.listing import ListColumn, ListQuery, ListTab
from app.storage.sqlite_listing import match_expression
from models.enums import AbandonReason, DossierStatus
from tests.conftest import TEMPLATE_DOSSIERS
from tests.helpers import new_dossier


def all_rows(workspace, **query):
    return workspace.list_page(ListQuery(**query), 0, 10_000)


def test_tabs_split_by_status(workspace):
    everything = all_rows(workspace)
    assert len(everything) == TEMPLATE_DOSSIERS
    for tab in (ListTab.PROSPECTS, ListTab.CLIENTS, ListTab.ABANDONED):
        rows = all_rows(workspace, tab=tab)
        assert rows and {r.status for r in rows} == {tab.status}
    counts = workspace.tab_counts(ListQuery())
    assert counts[ListTab.ALL] == TEMPLATE_DOSSIERS
    assert (
        counts[ListTab.PROSPECTS] + counts[ListTab.CLIENTS] + counts[ListTab.ABANDONED]
        == TEMPLATE_DOSSIERS
    )


@pytest.mark.parametrize("typed", ["quénéhervé", "QUENEHERVE", "quene", "Éloï", "eloise quen", "q"])
def test_search_ignores_accents_and_case_and_matches_word_starts(workspace, typed):
    detail = new_dossier(workspace)
    assert detail.id in [r.id for r in all_rows(workspace, search=typed)]


def test_search_by_number_and_by_co_borrower(workspace):
    detail = new_dossier(workspace, co_last_name="Saint-Exupéry", co_first_name="Antoine")
    assert [r.id for r in all_rows(workspace, search=detail.number)] == [detail.id]
    sequence = detail.number.rsplit("-", 1)[1].lstrip("0")
    assert detail.id in [r.id for r in all_rows(workspace, search=sequence)]
    assert [r.id for r in all_rows(workspace, search="saint-exu")] == [detail.id]
    assert [r.id for r in all_rows(workspace, search="exupery antoine")] == [detail.id]


@pytest.mark.parametrize(
    "hostile", ['"', "'", "-", "*", "NEAR(", "a OR b", "x AND", "^", ")", "%_", "🙂"]
)
def test_hostile_search_text_never_breaks_the_query(workspace, hostile):
    all_rows(workspace, search=hostile)  # no exception
    workspace.tab_counts(ListQuery(search=hostile))


def test_match_expression_quotes_user_words():
    assert match_expression("Dupont 'x") == '"dupont"* AND "\'x"*'
    assert match_expression(' " - ') is None


def test_broker_filter(workspace):
    brokers = {b.name: b.id for b in workspace.brokers()}
    assert "Élodie Brunet" in brokers  # inactive, but still owns dossiers
    assert "Nadia Haddad" not in brokers  # the assistant is not a broker
    rows = all_rows(workspace, owner_id=brokers["Karim Benali"])
    assert rows and {r.owner for r in rows} == {"Karim Benali"}


def _key(row, column):
    return {
        ListColumn.NUMBER: row.number,
        ListColumn.CREATED: row.created_on,
        ListColumn.PROGRESS: row.percent,
        ListColumn.COMPLETE: row.is_complete,
    }[column]


@pytest.mark.parametrize(
    "column", [ListColumn.NUMBER, ListColumn.CREATED, ListColumn.PROGRESS, ListColumn.COMPLETE]
)
@pytest.mark.parametrize("descending", [False, True])
def test_sorting(workspace, column, descending):
    rows = all_rows(workspace, sort=column, descending=descending)
    keys = [_key(r, column) for r in rows]
    assert keys == sorted(keys, reverse=descending)


@pytest.mark.parametrize("column", list(ListColumn))
def test_every_column_sorts_and_pages_consistently(workspace, column):
    whole = all_rows(workspace, sort=column)
    paged = []
    for offset in range(0, TEMPLATE_DOSSIERS, 7):
        paged += workspace.list_page(ListQuery(sort=column), offset, 7)
    assert [r.id for r in paged] == [r.id for r in whole]


def test_holder_and_owner_sort_alphabetically(workspace):
    holders = [r.holder for r in all_rows(workspace, sort=ListColumn.HOLDER, descending=False)]
    from app.text import fold

    assert [fold(h) for h in holders] == sorted(fold(h) for h in holders)
    owners = [
        r.owner.split()[-1] for r in all_rows(workspace, sort=ListColumn.OWNER, descending=False)
    ]
    assert owners == sorted(owners)


def test_list_follows_status_changes(workspace):
    detail = new_dossier(workspace, status=DossierStatus.PROSPECT)
    assert detail.id in [r.id for r in all_rows(workspace, tab=ListTab.PROSPECTS)]
    detail = workspace.dossiers.convert_to_client(detail.id, detail.version)
    assert detail.id in [r.id for r in all_rows(workspace, tab=ListTab.CLIENTS)]
    workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.DEBT_RATIO)
    assert detail.id in [r.id for r in all_rows(workspace, tab=ListTab.ABANDONED)]
