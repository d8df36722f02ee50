"""Segments (saved rules over customers, with membership over time) and
the customer value score."""

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
    IdMixin,
    Money,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    utcnow,
)
from plugins.crm.models.choices import VALUE_GRADES


class Segment(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, AuditedMixin, Base):
    """A saved rule over customers: ``rules`` is a list of
    ``{"field", "op", "value"}`` joined by ``match`` (``all`` or ``any``).
    ``shared`` segments are seen by the whole organisation."""

    __tablename__ = "crm_segment"
    __label__ = N_("Segment")

    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Description")})
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, info={"label": N_("Rules")})
    match: Mapped[str] = mapped_column(String(3), default="all", info={"label": N_("Match")})
    shared: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Shared")})
    member_count: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Members")})
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"label": N_("Refreshed at")})


class SegmentMember(IdMixin, Base):
    """A customer's time in a segment: from ``joined_at`` until ``left_at``
    (None while still a member). Refreshing a segment closes and opens these."""

    __tablename__ = "crm_segment_member"
    __label__ = N_("Segment membership")
    __table_args__ = (
        Index("ix_crm_segment_member_segment_left", "segment_id", "left_at"),
        Index("ix_crm_segment_member_customer", "customer_id"),
    )

    segment_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_segment.id", ondelete="CASCADE"),
                                            info={"label": N_("Segment")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id", ondelete="CASCADE"),
                                             info={"label": N_("Customer")})
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info={"label": N_("Joined")})
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"label": N_("Left")})


class CustomerValue(IdMixin, Base):
    """One computation of a customer's value score (the latest is copied to
    the customer's ``value_score`` and ``value_grade``); ``reasons`` are the
    translatable sentences behind the grade, as ``[msgid, params]`` pairs."""

    __tablename__ = "crm_customer_value"
    __label__ = N_("Customer value")
    __table_args__ = (Index("ix_crm_customer_value_customer_on", "customer_id", "computed_on"),)

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id", ondelete="CASCADE"),
                                             info={"label": N_("Customer")})
    computed_on: Mapped[date] = mapped_column(Date, info={"label": N_("Computed on")})
    #: days since the last won deal (None: never)
    recency_days: Mapped[int | None] = mapped_column(Integer,
                                                     info={"label": N_("Days since the last won deal")})
    frequency: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Won deals")})
    monetary: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Revenue")})
    cost: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Cost of serving")})
    effort_minutes: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Effort (minutes)")})
    score: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Score")})
    grade: Mapped[str] = mapped_column(String(1), default="D", info={"label": N_("Grade"),
                                                                      "choices": VALUE_GRADES})
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list, info={"label": N_("Reasons")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})
