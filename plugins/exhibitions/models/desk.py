"""The on-site service desk (part 2 of the plugin): what exhibitors ask for
or complain about during the show (a power fault, cleaning, damage), where
(the booth), how urgent (the priority), and by when it must be resolved
(``due_at``, from the service level of its category and priority)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    OrgScopedMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)
from plugins.exhibitions.models.choices import DESK_CATEGORIES, DESK_CHANNELS, DESK_PRIORITIES, DESK_STATES


class DeskRequest(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """An exhibitor's request or complaint at the on-site desk (现场服务单):
    opened, dispatched to a member of staff, resolved with a note, closed
    (or reopened when the exhibitor says it is not fixed)."""

    __tablename__ = "exhibitions_desk_request"
    __label__ = N_("Desk request")

    number: Mapped[str] = mapped_column(String(40), index=True, info={"label": N_("Request number")})
    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    booth_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_booth.id"), index=True,
                                                 info={"label": N_("Booth")})
    category: Mapped[str] = mapped_column(String(20),
                                          info={"label": N_("Category"), "choices": DESK_CATEGORIES})
    priority: Mapped[str] = mapped_column(String(10), default="normal",
                                          info={"label": N_("Priority"), "choices": DESK_PRIORITIES})
    title: Mapped[str] = mapped_column(String(200), info={"label": N_("Subject")})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Description")})
    reported_by: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Reported by")})
    phone: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Phone"), "mask": "phone"})
    channel: Mapped[str] = mapped_column(String(10), default="desk",
                                         info={"label": N_("How it came in"), "choices": DESK_CHANNELS})
    state: Mapped[str] = mapped_column(String(12), default="open", index=True,
                                       info={"label": N_("State"), "choices": DESK_STATES})
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={"label": N_("Opened at")})
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True, info={"label": N_("Due by")})
    assignee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"), index=True,
                                                    info={"label": N_("Assigned to")})
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Dispatched at")})
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Resolved at")})
    resolution: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Resolution")})
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Closed at")})
    reopened: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Times reopened")})


class DeskSla(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """How long the desk has to resolve a request of a category and priority
    (服务时限), in minutes; where an organisation set none, the plugin's
    defaults apply (``services.desk.DEFAULT_MINUTES``)."""

    __tablename__ = "exhibitions_desk_sla"
    __label__ = N_("Desk service level")
    __table_args__ = (UniqueConstraint("org_id", "category", "priority", name="uq_exhibitions_desk_sla"),)

    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    category: Mapped[str] = mapped_column(String(20),
                                          info={"label": N_("Category"), "choices": DESK_CATEGORIES})
    priority: Mapped[str] = mapped_column(String(10),
                                          info={"label": N_("Priority"), "choices": DESK_PRIORITIES})
    minutes: Mapped[int] = mapped_column(Integer, info={"label": N_("Minutes to resolve")})
