"""The client file (dossier) and what hangs on it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Money, str_enum
from models.enums import (
    AbandonReason,
    ChargeKind,
    Contract,
    Deferral,
    DocumentFolder,
    DossierStatus,
    DossierTab,
    Guarantee,
    InsuranceBase,
    LineKind,
    LoanKind,
    MaritalStatus,
    MatrimonialRegime,
    ProjectNature,
    ProjectUse,
    RentalMethod,
    SavingsKind,
    SimulationStatus,
    SubmissionStatus,
)


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_number", "number", unique=True),
        Index("ix_dossiers_status_created", "status", "created_on", "id"),
        Index("ix_dossiers_status_number", "status", "number"),
        Index("ix_dossiers_status_holder", "status", "holder_sort"),
        Index("ix_dossiers_created", "created_on", "id"),
        Index("ix_dossiers_holder", "holder_sort"),
        Index("ix_dossiers_owner", "owner_id"),
        Index("ix_dossiers_owner_status", "owner_id", "status"),
        Index("ix_dossiers_status_step", "status", "step_id"),
        Index("ix_dossiers_status_provenance", "status", "provenance_id"),
        Index("ix_dossiers_status_complete", "status", "is_complete"),
        Index("ix_dossiers_complete", "is_complete"),
        Index("ix_dossiers_bank", "bank_sort"),
        Index("ix_dossiers_status_bank", "status", "bank_sort"),
        Index("ix_dossiers_status_abandoned", "status", "abandoned_on", "id"),
        Index("ix_dossiers_status_reason", "status", "abandon_reason", "abandoned_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    status: Mapped[DossierStatus] = mapped_column(str_enum(DossierStatus, "dossier_status"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    provenance_id: Mapped[int] = mapped_column(ForeignKey("provenances.id"), index=True)
    provenance_detail: Mapped[str] = mapped_column(String(300), default="")
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("referrers.id"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id"), index=True)

    is_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    # The bank whose offer the client accepted (kept by the «Pipeline» tab, for the list).
    chosen_bank: Mapped[str] = mapped_column(String(120), default="", server_default="")
    bank_sort: Mapped[str] = mapped_column(String(120), default="~", server_default="~")
    hide_contacts: Mapped[bool] = mapped_column(Boolean, default=False)
    no_fees: Mapped[bool] = mapped_column(Boolean, default=False)
    no_bank_commission: Mapped[bool] = mapped_column(Boolean, default=False)
    no_rebate: Mapped[bool] = mapped_column(Boolean, default=False)
    internal_note: Mapped[str] = mapped_column(Text, default="")

    created_on: Mapped[dt.date] = mapped_column(Date)
    client_agreement_on: Mapped[dt.date | None] = mapped_column(Date)
    offer_signed_on: Mapped[dt.date | None] = mapped_column(Date)
    deed_signed_on: Mapped[dt.date | None] = mapped_column(Date)
    # The loan's funds released: before it, no fees may be paid by the client (L519-6 CMF).
    funds_released_on: Mapped[dt.date | None] = mapped_column(Date)

    abandon_reason: Mapped[AbandonReason | None] = mapped_column(
        str_enum(AbandonReason, "abandon_reason")
    )
    abandon_detail: Mapped[str] = mapped_column(String(500), default="")
    abandoned_on: Mapped[dt.date | None] = mapped_column(Date)

    # Denormalised from the borrowers, kept in step by app/ in the same transaction,
    # so that the Clients list sorts and searches 100,000 dossiers without joins.
    holder_name: Mapped[str] = mapped_column(String(250), default="")
    holder_sort: Mapped[str] = mapped_column(String(250), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)

    borrowers: Mapped[list[Borrower]] = relationship(
        order_by="Borrower.rank", cascade="all, delete-orphan", passive_deletes=True
    )
    step_changes: Mapped[list[StepChange]] = relationship(
        order_by="StepChange.id", cascade="all, delete-orphan", passive_deletes=True
    )
    simulations: Mapped[list[Simulation]] = relationship(
        order_by="Simulation.id", cascade="all, delete-orphan", passive_deletes=True
    )
    documents: Mapped[list[Document]] = relationship(
        order_by="Document.id", cascade="all, delete-orphan", passive_deletes=True
    )
    submissions: Mapped[list[BankSubmission]] = relationship(
        order_by="BankSubmission.id", cascade="all, delete-orphan", passive_deletes=True
    )
    requirement_ticks: Mapped[list[RequirementTick]] = relationship(
        order_by="RequirementTick.id", cascade="all, delete-orphan", passive_deletes=True
    )
    children: Mapped[list[Child]] = relationship(
        order_by="Child.id", cascade="all, delete-orphan", passive_deletes=True
    )
    project: Mapped[Project | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    loans: Mapped[list[CurrentLoan]] = relationship(
        order_by="CurrentLoan.id", cascade="all, delete-orphan", passive_deletes=True
    )
    charges: Mapped[list[MonthlyCharge]] = relationship(
        order_by="MonthlyCharge.id", cascade="all, delete-orphan", passive_deletes=True
    )
    real_estate: Mapped[list[RealEstate]] = relationship(
        order_by="RealEstate.id", cascade="all, delete-orphan", passive_deletes=True
    )
    savings: Mapped[list[Savings]] = relationship(
        order_by="Savings.id", cascade="all, delete-orphan", passive_deletes=True
    )


class Borrower(Base):
    """A borrower: rank 1 is the «porteur de projet», rank 2 the co-emprunteur."""

    __tablename__ = "borrowers"
    __table_args__ = (UniqueConstraint("dossier_id", "rank", name="dossier_rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    civility: Mapped[str] = mapped_column(String(10), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100))
    birth_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    birth_place: Mapped[str] = mapped_column(String(150), default="")
    nationality: Mapped[str] = mapped_column(String(80), default="")
    marital_status: Mapped[MaritalStatus | None] = mapped_column(
        str_enum(MaritalStatus, "marital_status")
    )
    matrimonial_regime: Mapped[MatrimonialRegime | None] = mapped_column(
        str_enum(MatrimonialRegime, "matrimonial_regime")
    )
    address: Mapped[str] = mapped_column(String(250), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    profession: Mapped[str] = mapped_column(String(150), default="")
    employer: Mapped[str] = mapped_column(String(150), default="")
    contract: Mapped[Contract | None] = mapped_column(str_enum(Contract, "contract"))
    employed_since: Mapped[dt.date | None] = mapped_column(Date)
    net_monthly_income_cents: Mapped[int | None] = mapped_column(Money)
    other_income_cents: Mapped[int | None] = mapped_column(Money)
    rental_income_cents: Mapped[int | None] = mapped_column(Money)


class Child(Base):
    """A child of the household («Enfants» tab)."""

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    dependent: Mapped[bool] = mapped_column(Boolean, default=True)
    alternating_custody: Mapped[bool] = mapped_column(Boolean, default=False)


class Comment(Base):
    """A comment of a dossier, written by a user or generated by a rule («Automatique»).

    Automatic comments carry the rule and the fact they state (`rule_key`, `fact_key`), so a
    rule fires once per fact and follows the data when it changes.
    """

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_dossier_created", "dossier_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    tab: Mapped[DossierTab] = mapped_column(str_enum(DossierTab, "dossier_tab"))
    body: Mapped[str] = mapped_column(Text)
    in_synthesis: Mapped[bool] = mapped_column(Boolean, default=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    rule_key: Mapped[str | None] = mapped_column(String(60))
    fact_key: Mapped[str | None] = mapped_column(String(120))
    # An automatic comment a user deleted stays hidden while its fact holds (not re-created).
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False)


class StepChange(Base):
    """One dated move of a dossier in the pipeline (its history).

    The step's name and percentage are copied, so renaming or removing a step in the
    settings never rewrites what the history says.
    """

    __tablename__ = "step_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"))
    step_name: Mapped[str] = mapped_column(String(100))
    step_percent: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Simulation(Base):
    """A financing plan of the dossier: its loan lines (`lines`), the fees paid at the start,
    whether the lines are smoothed, how rents are counted.

    `amount_cents`, `rate_mpct` and `duration_months` summarise the plan for the lists (the
    total borrowed, the main line's rate, the longest duration); the simulation service keeps
    them in step with the lines in the same transaction."""

    __tablename__ = "simulations"
    __table_args__ = (
        # The few whose figures are due: every report asks, and finds them at once.
        Index(
            "ix_simulations_figures_due",
            "dossier_id",
            sqlite_where=text("figures_due = 1"),  # as SQLAlchemy writes it
            postgresql_where=text("figures_due"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(150))
    amount_cents: Mapped[int] = mapped_column(Money)
    # Nominal yearly rate in thousandths of a percent: 3.450 % is stored as 3450.
    rate_mpct: Mapped[int] = mapped_column(Integer)
    duration_months: Mapped[int] = mapped_column(Integer)
    status: Mapped[SimulationStatus] = mapped_column(
        str_enum(SimulationStatus, "simulation_status")
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # The plan's own data (the server defaults filled the simulations made before plans).
    dossier_fees_cents: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    guarantee: Mapped[Guarantee | None] = mapped_column(str_enum(Guarantee, "guarantee"))
    guarantee_fees_cents: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    brokerage_fees_cents: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    smoothing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rental_method: Mapped[RentalMethod] = mapped_column(
        str_enum(RentalMethod, "rental_method"),
        default=RentalMethod.CLASSIC,
        server_default=RentalMethod.CLASSIC.value,
    )
    # What the reports read of the client-validated simulation, kept in its row in step with
    # the plan and the household (app.simulation.figures): its TAEG and the household's debt
    # ratio with it, in hundredths of a percent (no ratio without incomes). «Due»: to be
    # worked out (validated before Dossia kept them, or made by the demo).
    taeg_bp: Mapped[int | None] = mapped_column(Integer)
    debt_ratio_bp: Mapped[int | None] = mapped_column(Integer)
    figures_due: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    lines: Mapped[list[SimulationLine]] = relationship(
        order_by="SimulationLine.position", cascade="all, delete-orphan", passive_deletes=True
    )


class SimulationLine(Base):
    """A loan line of a simulation."""

    __tablename__ = "simulation_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    simulation_id: Mapped[int] = mapped_column(
        ForeignKey("simulations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    bank_id: Mapped[int | None] = mapped_column(ForeignKey("banks.id", ondelete="SET NULL"))
    kind: Mapped[LineKind] = mapped_column(str_enum(LineKind, "line_kind"))
    amount_cents: Mapped[int] = mapped_column(Money)
    rate_mpct: Mapped[int] = mapped_column(Integer)  # thousandths of a percent
    months: Mapped[int] = mapped_column(Integer)
    deferral: Mapped[Deferral] = mapped_column(str_enum(Deferral, "deferral"))
    deferral_months: Mapped[int] = mapped_column(Integer, default=0)

    covers: Mapped[list[SimulationCover]] = relationship(
        order_by="SimulationCover.borrower_rank",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class SimulationCover(Base):
    """A borrower's insurance on a loan line."""

    __tablename__ = "simulation_covers"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("simulation_lines.id", ondelete="CASCADE"), index=True
    )
    borrower_rank: Mapped[int] = mapped_column(Integer)
    share_bp: Mapped[int] = mapped_column(Integer)  # hundredths of a percent: 100 % = 10000
    base: Mapped[InsuranceBase] = mapped_column(str_enum(InsuranceBase, "insurance_base"))
    rate_mpct: Mapped[int] = mapped_column(Integer, default=0)  # 0.30 % = 300
    monthly_cents: Mapped[int] = mapped_column(Money, default=0)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    # The guarantees covered, e.g. «dc,ptia,itt» (décès, perte totale et irréversible
    # d'autonomie, incapacité temporaire de travail…).
    guarantees: Mapped[str] = mapped_column(String(40), default="")


class Document(Base):
    """A file attached to a dossier; the bytes live content-addressed in the documents folder."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    folder: Mapped[DocumentFolder] = mapped_column(
        str_enum(DocumentFolder, "document_folder"), default=DocumentFolder.MISC
    )
    # The item of «Pièces à fournir» the file answers (for one borrower, or 0: the dossier).
    requirement_id: Mapped[int | None] = mapped_column(
        ForeignKey("required_documents.id", ondelete="SET NULL")
    )
    borrower_rank: Mapped[int] = mapped_column(Integer, default=0)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DocumentContent(Base):
    """A document's bytes in an office on a server (issue 11), stored once by their sha256
    and cut into `DocumentChunk` rows of about 1 MB (a 50 MB scan is never one value held
    whole in memory). An office in a file keeps its bytes in its documents folder and
    leaves these tables empty. The bytes are written (with a `DocumentHold`) before the
    rows that refer to them, and go when no document row, no logo and no hold refers to
    them any more (`app.storage.server_documents`)."""

    __tablename__ = "document_contents"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    chunks: Mapped[int] = mapped_column(Integer)
    stored_at: Mapped[dt.datetime] = mapped_column(DateTime)


class DocumentChunk(Base):
    __tablename__ = "document_chunks"

    content_hash: Mapped[str] = mapped_column(
        ForeignKey("document_contents.content_hash", ondelete="CASCADE"), primary_key=True
    )
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0, 1, 2…
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentHold(Base):
    """Bytes being attached (their rows not yet committed) on some computer: kept from any
    removal until the hold is released, or a day has passed (a computer that stopped)."""

    __tablename__ = "document_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(
        ForeignKey("document_contents.content_hash", ondelete="CASCADE"), index=True
    )
    held_at: Mapped[dt.datetime] = mapped_column(DateTime)


class BankSubmission(Base):
    """The dossier sent to a bank (the «Pipeline» tab): which simulation, when, and where
    the bank stands. The bank's name and contact are kept as they were when sent."""

    __tablename__ = "bank_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    bank_id: Mapped[int | None] = mapped_column(ForeignKey("banks.id", ondelete="SET NULL"))
    bank_name: Mapped[str] = mapped_column(String(120))
    contact: Mapped[str] = mapped_column(String(350), default="")
    simulation_id: Mapped[int | None] = mapped_column(
        # indexed: a simulation deleted sets it to NULL in the submissions naming it
        ForeignKey("simulations.id", ondelete="SET NULL"),
        index=True,
    )
    simulation_name: Mapped[str] = mapped_column(String(150), default="")
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, "submission_status")
    )
    sent_on: Mapped[dt.date | None] = mapped_column(Date)
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    amount_cents: Mapped[int | None] = mapped_column(Money)
    rate_mpct: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class RequirementTick(Base):
    """An item of «Pièces à fournir» ticked by hand (received on paper, or not needed)."""

    __tablename__ = "requirement_ticks"
    __table_args__ = (
        UniqueConstraint("dossier_id", "requirement_id", "borrower_rank", name="one_tick"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("required_documents.id", ondelete="CASCADE")
    )
    borrower_rank: Mapped[int] = mapped_column(Integer, default=0)
    ticked_on: Mapped[dt.date] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Counter(Base):
    """Named counters (dossier numbers per year)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Project(Base):
    """«Projet»: what the loan finances (one per dossier)."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), unique=True
    )
    nature: Mapped[ProjectNature | None] = mapped_column(str_enum(ProjectNature, "project_nature"))
    use: Mapped[ProjectUse | None] = mapped_column(str_enum(ProjectUse, "project_use"))
    address: Mapped[str] = mapped_column(String(250), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    price_cents: Mapped[int | None] = mapped_column(Money)
    notary_fees_cents: Mapped[int | None] = mapped_column(Money)
    works_cents: Mapped[int | None] = mapped_column(Money)
    agency_fees_cents: Mapped[int | None] = mapped_column(Money)
    other_costs_cents: Mapped[int | None] = mapped_column(Money)
    contribution_cents: Mapped[int | None] = mapped_column(Money)


class CurrentLoan(Base):
    """«Crédit»: a loan the household is repaying."""

    __tablename__ = "current_loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    lender: Mapped[str] = mapped_column(String(120))
    kind: Mapped[LoanKind] = mapped_column(str_enum(LoanKind, "loan_kind"))
    monthly_payment_cents: Mapped[int] = mapped_column(Money)
    remaining_capital_cents: Mapped[int | None] = mapped_column(Money)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    to_buy_back: Mapped[bool] = mapped_column(Boolean, default=False)


class MonthlyCharge(Base):
    """«Crédit»: another monthly charge (rent, alimony…)."""

    __tablename__ = "monthly_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ChargeKind] = mapped_column(str_enum(ChargeKind, "charge_kind"))
    label: Mapped[str] = mapped_column(String(150), default="")
    monthly_cents: Mapped[int] = mapped_column(Money)


class RealEstate(Base):
    """«Patrimoine»: a property the household owns."""

    __tablename__ = "real_estate"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(String(200))
    value_cents: Mapped[int] = mapped_column(Money)
    remaining_loan_cents: Mapped[int | None] = mapped_column(Money)


class Savings(Base):
    """«Patrimoine»: savings."""

    __tablename__ = "savings"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SavingsKind] = mapped_column(str_enum(SavingsKind, "savings_kind"))
    amount_cents: Mapped[int] = mapped_column(Money)
