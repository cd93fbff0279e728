"""Declarative base with a constraint naming convention (stable Alembic migrations)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import BigInteger, ColumnElement, Enum, Integer, MetaData, Table, cast, func
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model here is mapped to a Table (SQLAlchemy types it as any FromClause).
        __table__: ClassVar[Table]


def str_enum(enum_class: type[enum.Enum], name: str, constraint: bool = True) -> Enum:
    """Store a Python enum as its string value, with a CHECK constraint (portable) unless
    `constraint` is False (for lists that grow often, like the audit's actions)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=constraint,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# An amount in whole cents: 64 bits on both engines (SQLite's INTEGER is; PostgreSQL's is 32,
# at most 21,474,836.47 €, hence BIGINT there — revision 0030).
Money = Integer().with_variant(BigInteger(), "postgresql")


def money_sum(expression: Any) -> ColumnElement[int]:
    """The sum of amounts in cents, an int on both engines: PostgreSQL's sum() of a BIGINT
    is a NUMERIC (a Decimal in Python), cast back here."""
    return cast(func.sum(expression), BigInteger)
