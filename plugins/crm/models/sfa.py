"""SFA sequences (自定义SFA方案): templates of steps, and their runs on
customers (enrollments) with one row per step occurrence."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)
from plugins.crm.models.choices import ENROLLMENT_STATES, SEQUENCE_ACTIONS, SEQUENCE_TIMINGS, STEP_STATES


class Sequence(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, AuditedMixin, Base):
    """A template of steps to run on a customer."""

    __tablename__ = "crm_sequence"
    __label__ = N_("SFA sequence")

    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Description")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class SequenceStep(IdMixin, TimestampMixin, Base):
    """A step of a sequence. Timing: ``relative`` (``offset_days`` after the
    start), ``absolute`` (``on_date``) or ``recurring`` (from ``offset_days``
    after the start, every ``every_days``, ``repeat`` times). Action: a task
    for the owner, an e-mail or an SMS to the customer's main contact
    (sent through the outbox when ``automatic``, else a task to send it)."""

    __tablename__ = "crm_sequence_step"
    __label__ = N_("Sequence step")

    sequence_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_sequence.id", ondelete="CASCADE"),
                                             index=True, info={"label": N_("SFA sequence")})
    position: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Order")})
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    timing: Mapped[str] = mapped_column(String(10), default="relative",
                                        info={"label": N_("Timing"), "choices": SEQUENCE_TIMINGS})
    offset_days: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Days after the start")})
    on_date: Mapped[date | None] = mapped_column(Date, info={"label": N_("On date")})
    every_days: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Every (days)")})
    repeat: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Times")})
    action: Mapped[str] = mapped_column(String(10), default="task",
                                        info={"label": N_("Action"), "choices": SEQUENCE_ACTIONS})
    automatic: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Send automatically")})
    subject: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Subject")})
    body: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Message")})


class Enrollment(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A sequence running on a customer. Owner follows the customer's."""

    __tablename__ = "crm_enrollment"
    __label__ = N_("Sequence run")
    __table_args__ = (Index("ix_crm_enrollment_state_next", "state", "next_due_on"),)

    sequence_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_sequence.id"), index=True,
                                             info={"label": N_("SFA sequence")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Customer")})
    contact_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_contact.id"),
                                                   info={"label": N_("Contact")})
    started_on: Mapped[date] = mapped_column(Date, info={"label": N_("Started on")})
    state: Mapped[str] = mapped_column(String(10), default="active",
                                       info={"label": N_("State"), "choices": ENROLLMENT_STATES})
    #: the due date of the earliest pending step (the list sorts by it)
    next_due_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Next step due")})


class EnrollmentStep(IdMixin, TimestampMixin, Base):
    """One occurrence of a step on an enrollment."""

    __tablename__ = "crm_enrollment_step"
    __label__ = N_("Sequence run step")
    __table_args__ = (Index("ix_crm_enrollment_step_state_due", "state", "due_on"),)

    enrollment_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_enrollment.id", ondelete="CASCADE"),
                                               index=True, info={"label": N_("Sequence run")})
    step_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_sequence_step.id", ondelete="CASCADE"),
                                         info={"label": N_("Sequence step")})
    occurrence: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Occurrence")})
    due_on: Mapped[date] = mapped_column(Date, info={"label": N_("Due on")})
    state: Mapped[str] = mapped_column(String(10), default="pending",
                                       info={"label": N_("State"), "choices": STEP_STATES})
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"label": N_("Done at")})
    #: why an automatic step failed, or the note of whoever closed it
    detail: Mapped[str] = mapped_column(String(500), default="", info={"label": N_("Detail")})
    #: the activity (task) made for it, when the action makes one
    task_id: Mapped[int | None] = mapped_column(BigId, info={"label": N_("Task")})
    #: the outgoing message (activity delivery) of an automatic e-mail or SMS step
    delivery_id: Mapped[int | None] = mapped_column(BigId, info={"label": N_("Delivery")})
