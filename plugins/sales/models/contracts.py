"""Contracts and sales orders (合同/订单), their lines, and payment terms
(the instalments a contract's receivable plan is generated from).

A contract is locked from approval on (the kernel workflow's ``locked``):
it changes only by amendment, a new draft revision under the same number
linked to the old one (``amends_id``), which moves to ``amended``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    ExtraMixin,
    IdMixin,
    Money,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)
from plugins.sales.models.choices import CONTRACT_KINDS, CONTRACT_STATES
from plugins.sales.models.lines import LineMixin, Quantity, TotalsMixin


class PaymentTerm(IdMixin, TimestampMixin, AuditedMixin, Base):
    """Named payment terms of an organisation, e.g. "30 % on signing, 60 %
    on delivery, 10 % after acceptance". ``instalments`` is a list of
    ``{"label": str, "percent": "30", "days": 0, "basis": "signed"}``
    (basis: ``signed``, the signing date; ``start``, the contract's start;
    ``end``, its end); the percentages add up to 100."""

    __tablename__ = "sales_payment_term"
    __label__ = N_("Payment terms")

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("English name")})
    instalments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list,
                                                              info={"label": N_("Instalments")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class Contract(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin,
               TotalsMixin, AuditedMixin, Base):
    """A sales contract or order with a CRM customer. ``number`` comes from
    the sequence ``sales.contract``; the buyer's particulars are copied
    from the customer when the contract is made, as the signed paper has
    them. ``received`` is the sum of the receipts, kept by the receivables
    services."""

    __tablename__ = "sales_contract"
    __label__ = N_("Contract")
    __table_args__ = (Index("ix_sales_contract_org_number", "org_id", "number", "revision", unique=True),)

    number: Mapped[str] = mapped_column(String(40), info={"label": N_("Contract number")})
    revision: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Revision")})
    kind: Mapped[str] = mapped_column(String(10), default="contract",
                                      info={"label": N_("Document type"), "choices": CONTRACT_KINDS})
    title: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Subject")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Customer")})
    contact_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_contact.id"),
                                                   info={"label": N_("Contact")})
    opportunity_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_opportunity.id"), index=True,
                                                       info={"label": N_("Opportunity")})
    quote_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_quote.id"), index=True,
                                                 info={"label": N_("Quote")})
    buyer_name: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Buyer")})
    buyer_address: Mapped[str] = mapped_column(String(300), default="", info={"label": N_("Buyer's address")})
    buyer_tax_no: Mapped[str] = mapped_column(String(30), default="", info={"label": N_("Buyer's tax number")})
    buyer_representative: Mapped[str] = mapped_column(String(100), default="",
                                                      info={"label": N_("Buyer's representative")})
    buyer_phone: Mapped[str] = mapped_column(String(50), default="", info={"label": N_("Buyer's phone")})
    payment_term_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_payment_term.id"),
                                                        info={"label": N_("Payment terms")})
    payment_terms: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Payment terms (text)")})
    delivery_terms: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Delivery terms")})
    terms: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Terms and conditions")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Internal note")})
    signed_on: Mapped[date | None] = mapped_column(Date, index=True, info={"label": N_("Signing date")})
    start_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Start date")})
    end_on: Mapped[date | None] = mapped_column(Date, index=True, info={"label": N_("End date")})
    #: remind the owner this many days before ``end_on`` (0: no reminder)
    renewal_notice_days: Mapped[int] = mapped_column(Integer, default=30,
                                                     info={"label": N_("Renewal reminder (days before end)")})
    renewal_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(),
                                                              info={"label": N_("Renewal reminded")})
    received: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Received")})
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Approved at")})
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True,
                                       info={"label": N_("State"), "choices": CONTRACT_STATES})
    amends_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_contract.id"),
                                                  info={"label": N_("Amendment of")})


class ContractLine(IdMixin, LineMixin, Base):
    """A line of a contract. ``delivered`` and ``returned`` count what the
    delivery notes and returns took from it (kept by their services)."""

    __tablename__ = "sales_contract_line"
    __label__ = N_("Contract line")

    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_contract.id", ondelete="CASCADE"),
                                             index=True, info={"label": N_("Contract")})
    delivered: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"), info={"label": N_("Delivered")})
    returned: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"), info={"label": N_("Returned")})
