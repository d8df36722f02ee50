"""Quotes (报价单) and their lines. Revising an approved or sent quote
keeps it (state ``revised``) and starts the next revision under the same
number (``amends_id`` points back)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    ExtraMixin,
    IdMixin,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    VersionedMixin,
)
from plugins.sales.models.choices import QUOTE_STATES
from plugins.sales.models.lines import LineMixin, TotalsMixin


class Quote(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin, TotalsMixin,
            AuditedMixin, Base):
    """A quote to a CRM customer; ``number`` (sequence ``sales.quote``) is
    shared by its revisions, ``revision`` counts them from 1."""

    __tablename__ = "sales_quote"
    __label__ = N_("Quote")
    __table_args__ = (Index("ix_sales_quote_org_number", "org_id", "number", "revision", unique=True),)

    number: Mapped[str] = mapped_column(String(40), info={"label": N_("Quote number")})
    revision: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Revision")})
    title: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Subject")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Customer")})
    contact_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_contact.id"),
                                                   info={"label": N_("Contact")})
    opportunity_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_opportunity.id"), index=True,
                                                       info={"label": N_("Opportunity")})
    price_list_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("catalog_price_list.id"),
                                                      info={"label": N_("Price list")})
    issued_on: Mapped[date] = mapped_column(Date, info={"label": N_("Quote date")})
    valid_until: Mapped[date | None] = mapped_column(Date, info={"label": N_("Valid until")})
    payment_terms: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Payment terms")})
    delivery_terms: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Delivery terms")})
    terms: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Terms and conditions")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Internal note")})
    state: Mapped[str] = mapped_column(String(20), default="draft",
                                       info={"label": N_("State"), "choices": QUOTE_STATES})
    amends_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_quote.id"),
                                                  info={"label": N_("Revision of")})


class QuoteLine(IdMixin, LineMixin, Base):
    """A line of a quote; its amounts come from plugins.sales.services.totals."""

    __tablename__ = "sales_quote_line"
    __label__ = N_("Quote line")

    quote_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_quote.id", ondelete="CASCADE"), index=True,
                                          info={"label": N_("Quote")})
