"""The office: users, roles and their rights, pipeline steps, provenances, referrers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Money, str_enum
from models.enums import (
    DocumentFolder,
    InvoiceKind,
    InvoiceState,
    PaymentMeans,
    ReferrerKind,
    RequirementRule,
    Right,
    UsuryCategory,
)


class Role(Base):
    """A named set of rights (a «profil»)."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    rights: Mapped[list[RoleRight]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class RoleRight(Base):
    __tablename__ = "role_rights"
    __table_args__ = (UniqueConstraint("role_id", "right", name="role_right"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    right: Mapped[Right] = mapped_column(str_enum(Right, "right"))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_name", "last_name", "first_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_broker: Mapped[bool] = mapped_column(Boolean, default=True)
    # Repeated wrong passwords lock the login for a while (brute force on a stolen laptop).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)

    role: Mapped[Role] = relationship(lazy="joined")

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Step(Base):
    """A pipeline step of the office («Client créé», «RDV banque»…)."""

    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    percent: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Provenance(Base):
    """Where clients come from («Site internet», «Notaire», «Apporteur d'affaires»…)."""

    __tablename__ = "provenances"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Referrer(Base):
    """An «apporteur d'affaires»: a person or company that sends clients to the office."""

    __tablename__ = "referrers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[ReferrerKind] = mapped_column(str_enum(ReferrerKind, "referrer_kind"))
    contact: Mapped[str] = mapped_column(String(200), default="")
    siren: Mapped[str] = mapped_column(String(9), default="")
    # Where the self-billed invoices («autofacturation») in his name say he is.
    address: Mapped[str] = mapped_column(String(250), default="", server_default="")
    # A company's VAT on its rebates (see app.invoicing.invoices.VAT_REGIMES), its VAT
    # number, and the date of the billing mandate under which the office self-bills it.
    vat_regime: Mapped[str] = mapped_column(String(20), default="", server_default="")
    vat_number: Mapped[str] = mapped_column(String(14), default="", server_default="")
    billing_mandate_on: Mapped[dt.date | None] = mapped_column(Date)
    # The referrer's share: a rate of the fees in thousandths of a percent, or a fixed amount.
    rebate_rate_mpct: Mapped[int | None] = mapped_column(Integer)
    rebate_fixed_cents: Mapped[int | None] = mapped_column(Money)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Bank(Base):
    """A bank the office sends dossiers to (for the pipeline)."""

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    agency: Mapped[str] = mapped_column(String(150), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The bank's commission to the office: a rate of the amount it lends (thousandths of a
    # percent), or a fixed amount.
    commission_rate_mpct: Mapped[int | None] = mapped_column(Integer)
    commission_fixed_cents: Mapped[int | None] = mapped_column(Money)
    # Its identity on the commission invoices it receives (a business customer).
    address: Mapped[str] = mapped_column(String(250), default="", server_default="")
    siren: Mapped[str] = mapped_column(String(14), default="", server_default="")


class UsuryRate(Base):
    """A usury rate published by the Banque de France, in force from `valid_from` until the
    next one of its category."""

    __tablename__ = "usury_rates"
    __table_args__ = (UniqueConstraint("category", "valid_from", name="category_valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[UsuryCategory] = mapped_column(str_enum(UsuryCategory, "usury_category"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    rate_mpct: Mapped[int] = mapped_column(Integer)  # thousandths of a percent


class Setting(Base):
    """An office-wide setting (key → text value), e.g. the dossier numbering format."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


class RequiredDocument(Base):
    """An item of the office's list of «Pièces à fournir», asked of each dossier by its rule
    (once, per borrower, if self-employed…)."""

    __tablename__ = "required_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    rule: Mapped[RequirementRule] = mapped_column(str_enum(RequirementRule, "requirement_rule"))
    folder: Mapped[DocumentFolder] = mapped_column(
        str_enum(DocumentFolder, "document_folder"), default=DocumentFolder.SUPPORTING
    )
    position: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Invoice(Base):
    """An invoice or a credit note («avoir») of the office. Issued, it is an accounting record
    kept ten years: never changed nor deleted (a credit note cancels it), and it outlives its
    dossier — the names and addresses are kept as printed."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("number", name="invoice_number"),
        UniqueConstraint("series", "sequence", name="invoice_sequence"),
        Index("ix_invoices_dossier", "dossier_id"),
        Index("ix_invoices_issued_on", "issued_on"),
        # The credit notes only: over every invoice its statistics would say a lookup
        # returns the whole table, and SQLite would scan it for each invoice summed.
        Index(
            "ix_invoices_credits",
            "credits_id",
            sqlite_where=text("credits_id IS NOT NULL"),
            postgresql_where=text("credits_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id", ondelete="SET NULL"))
    dossier_number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[InvoiceKind] = mapped_column(str_enum(InvoiceKind, "invoice_kind"))
    state: Mapped[InvoiceState] = mapped_column(str_enum(InvoiceState, "invoice_state"))
    # A credit note cancels (part of) the invoice it refers to; its amounts are negative.
    credits_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    series: Mapped[str | None] = mapped_column(String(40))
    sequence: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(60))  # given at issue
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    payment_days: Mapped[int] = mapped_column(Integer, default=30)  # due date after issue
    service_on: Mapped[dt.date | None] = mapped_column(Date)
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_address: Mapped[str] = mapped_column(String(400), default="")
    recipient_siren: Mapped[str] = mapped_column(String(14), default="")
    recipient_is_business: Mapped[bool] = mapped_column(Boolean, default=False)
    recipient_vat_number: Mapped[str] = mapped_column(String(14), default="", server_default="")
    # What the invoice says of its VAT when it charges none («» for the office's own
    # exemption); a rebate: its apporteur's, as issued
    vat_mention: Mapped[str] = mapped_column(String(200), default="", server_default="")
    billing_mandate_on: Mapped[dt.date | None] = mapped_column(Date)  # a self-billed rebate
    bank_id: Mapped[int | None] = mapped_column(ForeignKey("banks.id", ondelete="SET NULL"))
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("referrers.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(500))
    amount_cents: Mapped[int] = mapped_column(Money)  # before VAT
    vat_rate_bp: Mapped[int] = mapped_column(Integer, default=0)  # 20 % = 2000; 0: exempt
    vat_cents: Mapped[int] = mapped_column(Money, default=0)
    total_cents: Mapped[int] = mapped_column(Money)
    # Kept by the transaction of each payment and credit note (the sums of those rows): the
    # office's lists total and filter a year of invoices on them.
    paid_cents: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    credited_cents: Mapped[int] = mapped_column(Money, default=0, server_default="0")  # ≤ 0
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The office as it was on the day of issue (JSON of its identity): a reprint years later
    # says what the invoice said, whatever the office has become.
    seller: Mapped[str] = mapped_column(Text, default="")


class Payment(Base):
    """A payment («règlement») of an issued invoice; kept with it."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Money)
    means: Mapped[PaymentMeans] = mapped_column(str_enum(PaymentMeans, "payment_means"))
    reference: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
