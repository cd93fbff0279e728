"""«Projet», «Crédit» and «Patrimoine»: the data and its validation. No database here."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Generic, Literal, TypeVar, overload

from app.changes import Change
from app.errors import DomainError
from app.validation import (
    MAX_MONTHLY_CENTS,
    MAX_PROPERTY_CENTS,
    check_amount,
    clean_text,
    normalize_postal_code,
)
from models.enums import ChargeKind, LoanKind, ProjectNature, ProjectUse, SavingsKind


@dataclass(frozen=True)
class ProjectData:
    nature: ProjectNature | None = None
    use: ProjectUse | None = None
    address: str = ""
    postal_code: str = ""
    city: str = ""
    price_cents: int | None = None
    notary_fees_cents: int | None = None
    works_cents: int | None = None
    agency_fees_cents: int | None = None
    other_costs_cents: int | None = None
    contribution_cents: int | None = None

    @property
    def total_cents(self) -> int:
        """«Coût total de l'opération»."""
        return sum(
            v or 0
            for v in (
                self.price_cents,
                self.notary_fees_cents,
                self.works_cents,
                self.agency_fees_cents,
                self.other_costs_cents,
            )
        )

    @property
    def to_finance_cents(self) -> int:
        """«Montant à financer»: the total less the personal contribution."""
        return max(0, self.total_cents - (self.contribution_cents or 0))


@dataclass(frozen=True)
class LoanData:
    lender: str
    kind: LoanKind
    monthly_payment_cents: int
    remaining_capital_cents: int | None = None
    end_date: dt.date | None = None
    to_buy_back: bool = False


@dataclass(frozen=True)
class ChargeData:
    kind: ChargeKind
    monthly_cents: int
    label: str = ""


@dataclass(frozen=True)
class RealEstateData:
    description: str
    value_cents: int
    remaining_loan_cents: int | None = None


@dataclass(frozen=True)
class SavingsData:
    kind: SavingsKind
    amount_cents: int


def _text(value: str, field: str, label: str, limit: int, required: bool = False) -> str:
    return clean_text(value, field, label, limit, required=required)


def _money(value: int | None, field: str, label: str, maximum: int) -> int | None:
    return check_amount(value, field, label, maximum)


def _required_money(value: int | None, field: str, label: str, maximum: int) -> int:
    return check_amount(value, field, label, maximum, required=True)


def validate_project(data: ProjectData) -> ProjectData:
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    values["address"] = _text(data.address, "address", "Adresse du bien", 250)
    values["city"] = _text(data.city, "city", "Ville", 120)
    values["postal_code"] = normalize_postal_code(data.postal_code)
    for name, label in (
        ("price_cents", "Prix du bien"),
        ("notary_fees_cents", "Frais de notaire"),
        ("works_cents", "Travaux"),
        ("agency_fees_cents", "Frais d'agence"),
        ("other_costs_cents", "Autres frais"),
        ("contribution_cents", "Apport personnel"),
    ):
        values[name] = _money(values[name], name, label, MAX_PROPERTY_CENTS)
    cleaned = ProjectData(**values)
    if (
        cleaned.contribution_cents
        and cleaned.total_cents
        and cleaned.contribution_cents > cleaned.total_cents
    ):
        raise DomainError(
            "L'apport dépasse le coût total de l'opération.", field="contribution_cents"
        )
    return cleaned


def validate_loan(data: LoanData, today: dt.date) -> LoanData:
    if data.end_date is not None and not today <= data.end_date <= dt.date(2100, 12, 31):
        raise DomainError(
            "La date de fin doit être à venir (un prêt terminé n'est plus en cours).",
            field="end_date",
        )
    return LoanData(
        lender=_text(data.lender, "lender", "Organisme prêteur", 120, required=True),
        kind=LoanKind(data.kind),
        monthly_payment_cents=_required_money(
            data.monthly_payment_cents,
            "monthly_payment_cents",
            "Mensualité",
            MAX_MONTHLY_CENTS,
        ),
        remaining_capital_cents=_money(
            data.remaining_capital_cents,
            "remaining_capital_cents",
            "Capital restant dû",
            MAX_PROPERTY_CENTS,
        ),
        end_date=data.end_date,
        to_buy_back=bool(data.to_buy_back),
    )


def validate_charge(data: ChargeData, _today: dt.date) -> ChargeData:
    return ChargeData(
        kind=ChargeKind(data.kind),
        monthly_cents=_required_money(
            data.monthly_cents, "monthly_cents", "Montant mensuel", MAX_MONTHLY_CENTS
        ),
        label=_text(data.label, "label", "Précision", 150),
    )


def validate_real_estate(data: RealEstateData, _today: dt.date) -> RealEstateData:
    return RealEstateData(
        description=_text(data.description, "description", "Bien", 200, required=True),
        value_cents=_required_money(data.value_cents, "value_cents", "Valeur", MAX_PROPERTY_CENTS),
        remaining_loan_cents=_money(
            data.remaining_loan_cents,
            "remaining_loan_cents",
            "Capital restant dû",
            MAX_PROPERTY_CENTS,
        ),
    )


def validate_savings(data: SavingsData, _today: dt.date) -> SavingsData:
    return SavingsData(
        kind=SavingsKind(data.kind),
        amount_cents=_required_money(
            data.amount_cents, "amount_cents", "Montant", MAX_PROPERTY_CENTS
        ),
    )


class ItemKind(enum.Enum):
    """The lists of the «Crédit» and «Patrimoine» tabs, named by the dossier's attribute."""

    LOAN = "loans"
    CHARGE = "charges"
    REAL_ESTATE = "real_estate"
    SAVINGS = "savings"

    @property
    def attribute(self) -> str:
        return self.value

    @property
    def data_class(self) -> type:
        return _KINDS[self][0]

    def check(self, data: Any, today: dt.date) -> Any:
        """The line's data cleaned, or DomainError naming the field."""
        return _KINDS[self][1](data, today)

    def to_data(self, row: object) -> Any:
        """A stored line (any object with the fields) as plain data."""
        return line_data(self.data_class, row)


_KINDS: dict[ItemKind, tuple[type, Callable[[Any, dt.date], Any]]] = {
    ItemKind.LOAN: (LoanData, validate_loan),
    ItemKind.CHARGE: (ChargeData, validate_charge),
    ItemKind.REAL_ESTATE: (RealEstateData, validate_real_estate),
    ItemKind.SAVINGS: (SavingsData, validate_savings),
}


LineT = TypeVar("LineT", bound=LoanData | ChargeData | RealEstateData | SavingsData)


@dataclass(frozen=True)
class Item(Generic[LineT]):
    """One line of a list: its id and its data (`LoanData` for `ItemKind.LOAN`…)."""

    id: int
    data: LineT


class SituationItems(Mapping[ItemKind, tuple[Item[Any], ...]]):
    """The four lists, read as `items[ItemKind.LOAN]`: each kind gives lines of its own data
    type (`Item[LoanData]` for loans…), so `item.data.<field>` is checked. Read-only."""

    def __init__(
        self,
        loans: tuple[Item[LoanData], ...] = (),
        charges: tuple[Item[ChargeData], ...] = (),
        real_estate: tuple[Item[RealEstateData], ...] = (),
        savings: tuple[Item[SavingsData], ...] = (),
    ) -> None:
        self._lists: dict[ItemKind, tuple[Item[Any], ...]] = {
            ItemKind.LOAN: loans,
            ItemKind.CHARGE: charges,
            ItemKind.REAL_ESTATE: real_estate,
            ItemKind.SAVINGS: savings,
        }

    @overload
    def __getitem__(self, kind: Literal[ItemKind.LOAN]) -> tuple[Item[LoanData], ...]: ...
    @overload
    def __getitem__(self, kind: Literal[ItemKind.CHARGE]) -> tuple[Item[ChargeData], ...]: ...
    @overload
    def __getitem__(
        self, kind: Literal[ItemKind.REAL_ESTATE]
    ) -> tuple[Item[RealEstateData], ...]: ...
    @overload
    def __getitem__(self, kind: Literal[ItemKind.SAVINGS]) -> tuple[Item[SavingsData], ...]: ...
    @overload
    def __getitem__(self, kind: ItemKind) -> tuple[Item[Any], ...]: ...
    def __getitem__(self, kind: ItemKind) -> tuple[Item[Any], ...]:
        return self._lists[kind]

    def __iter__(self) -> Iterator[ItemKind]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def __repr__(self) -> str:
        return f"SituationItems({self._lists!r})"


@dataclass(frozen=True)
class SituationInfo:
    dossier_id: int
    version: int
    read_only: bool
    project: ProjectData
    items: SituationItems
    # What the command that returned it changed (not part of the state: not compared).
    changes: Change = field(default=Change.NONE, compare=False)

    @property
    def monthly_debts_cents(self) -> int:
        """Loans kept (not bought back) and charges: what weighs on the debt ratio."""
        loans = sum(
            i.data.monthly_payment_cents
            for i in self.items[ItemKind.LOAN]
            if not i.data.to_buy_back
        )
        return loans + sum(i.data.monthly_cents for i in self.items[ItemKind.CHARGE])

    @property
    def net_worth_cents(self) -> int:
        estate = sum(
            i.data.value_cents - (i.data.remaining_loan_cents or 0)
            for i in self.items[ItemKind.REAL_ESTATE]
        )
        return estate + sum(i.data.amount_cents for i in self.items[ItemKind.SAVINGS])


def line_data(data_class: type[LineT], row: object) -> LineT:
    """A stored line (any object with the fields of `data_class`) as plain data."""
    return data_class(**{f.name: getattr(row, f.name) for f in fields(data_class)})


def project_data(project: object | None) -> ProjectData:
    """The stored project (any object with the fields) as plain data."""
    if project is None:
        return ProjectData()
    return ProjectData(**{f.name: getattr(project, f.name) for f in fields(ProjectData)})
