"""What the tests of the laptops' dossiers (issue 11) share: an office on the test server,
its broker, the laptop's file opened as the laptop's Dossia would, and a few reads and writes.
The fixtures are imported by each module (`from tests.carry_support import …`)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from app.paths import carry_paths
from app.workspace import OfficeDatabase
from models.dossier import Borrower, Dossier
from models.enums import DossierStatus
from tests import postgres_server
from tests.conftest import PASSWORD


@pytest.fixture
def server():
    postgres_server.server_url()  # skips (or fails, when required) without a server


@pytest.fixture
def engine() -> str:
    return "postgresql"  # dossiers are taken away from an office's server only


@pytest.fixture
def broker(login_as):
    return login_as("slegrand")


@pytest.fixture
def laptops():
    """The laptop's file opened as its broker (or `paths`: a file moved elsewhere)."""
    opened: list[OfficeDatabase] = []

    def open_laptop(location, login="slegrand", password=PASSWORD, paths=None):
        office = OfficeDatabase(paths or carry_paths(location))
        opened.append(office)
        return office.workspace_for(office.authenticate(login, password))

    yield open_laptop
    for office in opened:
        office.close()


def own_dossiers(workspace, count: int) -> list[int]:
    """The first `count` of the user's dossiers in progress (by id)."""
    with workspace.database.read() as session:
        return list(
            session.scalars(
                select(Dossier.id)
                .where(
                    Dossier.owner_id == workspace.user.id,
                    Dossier.status != DossierStatus.ABANDONED,
                )
                .order_by(Dossier.id)
                .limit(count)
            )
        )


def phone_on(workspace, dossier_id: int, rank: int = 1) -> str:
    with workspace.database.read() as session:
        return session.scalars(
            select(Borrower.phone).where(Borrower.dossier_id == dossier_id, Borrower.rank == rank)
        ).one()


def set_phone(
    workspace, dossier_id: int, phone: str, rank: int = 1, city: str | None = None
) -> None:
    """The borrower's phone (and city) saved through the household service."""
    household = workspace.household.get(dossier_id)
    person = household.borrowers[rank - 1]
    changed = dataclasses.replace(person, phone=phone, **({"city": city} if city else {}))
    workspace.household.save_borrower(dossier_id, household.version, rank, changed)
