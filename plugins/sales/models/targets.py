"""Sales targets per month for a person or a team, the organisation's sales
settings, and commissions: rules by product category and tier of
achievement, entries computed on receipts (a refund's negative receipt
reverses them), and a statement per salesperson per month."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    Money,
    OrgScopedMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)
from plugins.sales.models.choices import COMMISSION_STATES, TARGET_BASES


class SalesSettings(IdMixin, TimestampMixin, AuditedMixin, Base):
    """An organisation's sales settings (one row per organisation, made on first use)."""

    __tablename__ = "sales_settings"
    __label__ = N_("Sales settings")

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), unique=True)
    #: what counts towards a target: signed contracts (by signing date) or receipts (by date received)
    target_basis: Mapped[str] = mapped_column(String(20), default="contracts",
                                              info={"label": N_("Targets count"), "choices": TARGET_BASES})
    #: remind owners this many days before an instalment is due; escalate this many days after
    remind_days: Mapped[int] = mapped_column(Integer, default=7, info={"label": N_("Remind days before due")})
    escalate_days: Mapped[int] = mapped_column(Integer, default=15,
                                               info={"label": N_("Escalate days after due")})


class Target(IdMixin, TimestampMixin, AuditedMixin, Base):
    """What a salesperson (``user_id``) or a team (``department_id``) should
    reach in one month, in the base currency."""

    __tablename__ = "sales_target"
    __label__ = N_("Sales target")
    __table_args__ = (UniqueConstraint("org_id", "year", "month", "user_id", "department_id"),)

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer, info={"label": N_("Year")})
    month: Mapped[int] = mapped_column(Integer, info={"label": N_("Month")})
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"), index=True,
                                                info={"label": N_("Salesperson")})
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_department.id"), index=True,
                                                      info={"label": N_("Team")})
    amount: Mapped[Money] = mapped_column(info={"label": N_("Target amount")})


class CommissionRule(IdMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A commission rate on receipts for products of a category (and its
    subcategories; None: every product no other rule covers), rising by
    tiers of the month's achievement of target:
    ``tiers = [{"from": "100", "rate": "5"}]`` (from 100 % of target, 5 %)."""

    __tablename__ = "sales_commission_rule"
    __label__ = N_("Commission rule")

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    category_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("catalog_category.id"),
                                                    info={"label": N_("Product category")})
    rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), info={"label": N_("Rate (%)")})
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list,
                                                        info={"label": N_("Tiers by achievement")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class CommissionStatement(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A salesperson's (``owner_id``) commissions of one month (``month``: its first day)."""

    __tablename__ = "sales_commission_statement"
    __label__ = N_("Commission statement")
    __table_args__ = (UniqueConstraint("org_id", "owner_id", "month"),)

    month: Mapped[date] = mapped_column(Date, index=True, info={"label": N_("Month")})
    base: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Commissionable receipts")})
    total: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Commission")})
    state: Mapped[str] = mapped_column(String(20), default="draft",
                                       info={"label": N_("State"), "choices": COMMISSION_STATES})
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Confirmed")})


class CommissionEntry(IdMixin, Base):
    """The commission one receipt earned on one contract line's share:
    ``base`` × ``rate`` % = ``amount`` (negative for a refund)."""

    __tablename__ = "sales_commission_entry"
    __label__ = N_("Commission entry")

    statement_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_commission_statement.id",
                                                                ondelete="CASCADE"), index=True,
                                              info={"label": N_("Commission statement")})
    receipt_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_receipt.id"), index=True,
                                            info={"label": N_("Receipt")})
    contract_line_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_contract_line.id"),
                                                         info={"label": N_("Contract line")})
    rule_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_commission_rule.id"),
                                                info={"label": N_("Commission rule")})
    base: Mapped[Money] = mapped_column(info={"label": N_("Base")})
    rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), info={"label": N_("Rate (%)")})
    amount: Mapped[Money] = mapped_column(info={"label": N_("Commission")})
