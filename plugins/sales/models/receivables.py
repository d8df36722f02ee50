"""Receivable plans (回款计划): a contract's instalments, and the receipts
recorded against them. A refund is a receipt of kind ``refund`` with a
negative amount (from a return): one table, so that what a customer paid is
one sum and commissions reverse by the same path.

Instalments and receipts copy the contract's organisation, owner and
department, so lists and the ageing report are filtered in SQL by the
reader's scope like the contract itself. ``posted_at`` is for the finance
plugin (posted to its ledgers; None until then).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text
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
from plugins.sales.models.choices import INSTALMENT_STATES, PAYMENT_METHODS, RECEIPT_KINDS


class Instalment(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """One expected payment of a contract: ``amount`` due on ``due_on``,
    ``received`` of it so far (kept from the allocations)."""

    __tablename__ = "sales_instalment"
    __label__ = N_("Instalment")
    __table_args__ = (
        # the ageing report: open instalments of an organisation by due date
        Index("ix_sales_instalment_org_state_due", "org_id", "state", "due_on"),
    )

    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_contract.id", ondelete="CASCADE"),
                                             index=True, info={"label": N_("Contract")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Customer")})
    sequence: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Instalment no.")})
    label: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Name")})
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), info={"label": N_("Percent of total")})
    amount: Mapped[Money] = mapped_column(info={"label": N_("Amount due")})
    currency_code: Mapped[str] = mapped_column(String(3), default="CNY", info={"label": N_("Currency")})
    due_on: Mapped[date] = mapped_column(Date, index=True, info={"label": N_("Due date")})
    received: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Received")})
    state: Mapped[str] = mapped_column(String(20), default="open",
                                       info={"label": N_("State"), "choices": INSTALMENT_STATES})
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Reminded")})
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Escalated")})


class Receipt(IdMixin, OrgScopedMixin, TimestampMixin, AuditedMixin, Base):
    """Money received from a customer on a contract (or, kind ``refund``,
    paid back: a negative ``amount``). Number from the sequence ``sales.receipt``."""

    __tablename__ = "sales_receipt"
    __label__ = N_("Receipt")

    number: Mapped[str] = mapped_column(String(40), index=True, info={"label": N_("Receipt number")})
    kind: Mapped[str] = mapped_column(String(10), default="receipt",
                                      info={"label": N_("Kind"), "choices": RECEIPT_KINDS})
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_contract.id"), index=True,
                                             info={"label": N_("Contract")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Customer")})
    return_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_return.id"),
                                                  info={"label": N_("Return")})
    amount: Mapped[Money] = mapped_column(info={"label": N_("Amount")})
    currency_code: Mapped[str] = mapped_column(String(3), default="CNY", info={"label": N_("Currency")})
    received_on: Mapped[date] = mapped_column(Date, index=True, info={"label": N_("Date received")})
    method: Mapped[str] = mapped_column(String(20), default="transfer",
                                        info={"label": N_("Payment method"), "choices": PAYMENT_METHODS})
    reference: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Bank reference")})
    payer: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Payer")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Voided")})
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Posted to finance")})


class ReceiptAllocation(IdMixin, Base):
    """The part of a receipt that pays one instalment (a receipt may pay
    several, oldest due first)."""

    __tablename__ = "sales_receipt_allocation"
    __label__ = N_("Receipt allocation")

    receipt_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_receipt.id", ondelete="CASCADE"),
                                            index=True, info={"label": N_("Receipt")})
    instalment_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_instalment.id", ondelete="CASCADE"),
                                               index=True, info={"label": N_("Instalment")})
    amount: Mapped[Money] = mapped_column(info={"label": N_("Amount")})
