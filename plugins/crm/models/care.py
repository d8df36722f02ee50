"""Customer care (回访/关怀): care records and the plans that schedule them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
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
)
from plugins.crm.models.choices import CARE_KINDS, CARE_STATES


class CarePlan(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, AuditedMixin, Base):
    """Care to give, on a schedule, to the customers of a segment (all the
    plan owner's customers when empty): every ``interval_days`` from
    ``starts_on``, a planned care record for each customer's owner."""

    __tablename__ = "crm_care_plan"
    __label__ = N_("Care plan")

    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    kind: Mapped[str] = mapped_column(String(20), default="return_visit",
                                      info={"label": N_("Kind"), "choices": CARE_KINDS})
    segment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_segment.id", ondelete="SET NULL"),
                                                   info={"label": N_("Segment")})
    starts_on: Mapped[date] = mapped_column(Date, info={"label": N_("Starts on")})
    interval_days: Mapped[int] = mapped_column(Integer, default=90, info={"label": N_("Every (days)")})
    next_run_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Next run")})
    instructions: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Instructions")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class Care(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, AuditedMixin, Base):
    """A care record: planned, then done (with the customer's satisfaction)
    or cancelled. Owner and department follow the customer's."""

    __tablename__ = "crm_care"
    __label__ = N_("Care record")
    __table_args__ = (Index("ix_crm_care_customer_planned", "customer_id", "planned_on"),)

    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"),
                                             info={"label": N_("Customer")})
    contact_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_contact.id"),
                                                   info={"label": N_("Contact")})
    plan_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_care_plan.id", ondelete="SET NULL"),
                                                index=True, info={"label": N_("Care plan")})
    kind: Mapped[str] = mapped_column(String(20), default="return_visit",
                                      info={"label": N_("Kind"), "choices": CARE_KINDS})
    state: Mapped[str] = mapped_column(String(10), default="planned",
                                       info={"label": N_("State"), "choices": CARE_STATES})
    planned_on: Mapped[date] = mapped_column(Date, info={"label": N_("Planned on")})
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"label": N_("Done at")})
    content: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Content")})
    #: 1 (very unhappy) to 5 (very happy), when asked
    satisfaction: Mapped[int | None] = mapped_column(Integer, info={"label": N_("Satisfaction")})
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Duration (minutes)")})
    cost: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Expenses")})
