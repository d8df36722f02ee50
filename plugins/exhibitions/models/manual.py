"""The exhibitor manual (展商手册): an edition's forms with their
deadlines, each exhibitor's submission of a form, and the reminders sent
(one of each kind per exhibitor and form: never the same twice)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
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
from plugins.exhibitions.models.choices import MANUAL_FORM_KINDS, REMINDER_KINDS


class ManualForm(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A form of an edition's exhibitor manual: what it collects, whether it
    is mandatory, its deadline, and how many days before it a reminder goes."""

    __tablename__ = "exhibitions_manual_form"
    __label__ = N_("Manual form")
    __table_args__ = (UniqueConstraint("edition_id", "code", name="uq_exhibitions_manual_form_code"),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id", ondelete="CASCADE"),
                                            index=True, info={"label": N_("Edition")})
    code: Mapped[str] = mapped_column(String(20), info={"label": N_("Code")})
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    kind: Mapped[str] = mapped_column(String(20), default="custom",
                                      info={"label": N_("Kind of form"), "choices": MANUAL_FORM_KINDS})
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Mandatory")})
    deadline: Mapped[date] = mapped_column(Date, info={"label": N_("Deadline")})
    remind_days: Mapped[int] = mapped_column(Integer, default=7, info={"label": N_("Remind days before")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})


class ManualSubmission(IdMixin, OrgScopedMixin, TimestampMixin, AuditedMixin, Base):
    """An exhibitor's form done: when, who recorded it, and what a simple
    form holds (the fascia name, the badge names; an uploaded certificate is
    an attachment of the submission). The drawings form has none: it
    follows the special-decoration projects."""

    __tablename__ = "exhibitions_manual_submission"
    __label__ = N_("Manual form submission")
    __table_args__ = (UniqueConstraint("form_id", "customer_id", name="uq_exhibitions_manual_submission"),)

    form_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_manual_form.id", ondelete="CASCADE"),
                                         info={"label": N_("Manual form")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    done_on: Mapped[date] = mapped_column(Date, info={"label": N_("Done on")})
    recorded_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"),
                                                    info={"label": N_("Recorded by")})
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Content")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})


class ManualReminder(IdMixin, Base):
    """A reminder sent to an exhibitor about a form, by a channel (``email``,
    or ``sms``). The unique (form, exhibitor, kind, channel) is what keeps
    the daily job from sending one twice."""

    __tablename__ = "exhibitions_manual_reminder"
    __label__ = N_("Manual form reminder")
    __table_args__ = (UniqueConstraint("form_id", "customer_id", "kind", "channel",
                                       name="uq_exhibitions_manual_reminder"),)

    form_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_manual_form.id", ondelete="CASCADE"),
                                         info={"label": N_("Manual form")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    kind: Mapped[str] = mapped_column(String(10), info={"label": N_("Reminder"), "choices": REMINDER_KINDS})
    channel: Mapped[str] = mapped_column(String(10), info={"label": N_("Channel")})
    address: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Sent to")})
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={"label": N_("Sent at")})
