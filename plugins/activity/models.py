"""The timeline's records: notes, activities and attachments, each linked to
one record of any plugin by its model key and id.

All three are org-scoped like the kernel's records: the owner is the author,
the organisation is the parent record's (the author's when the parent has
none), the department is the author's. That scope never opens a row on its
own: reading goes through the parent (design rule 4); it narrows who may
delete or change what someone else wrote.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

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
    utcnow,
)

#: kinds of activity, in the order the form offers them
KINDS: dict[str, str] = {
    "call": N_("Call"),
    "visit": N_("Visit"),
    "meeting": N_("Meeting"),
    "task": N_("Task"),
}


class RecordLink:
    """The parent record: its model key (``notes.note``) and id."""

    record_model: Mapped[str] = mapped_column(String(120), info={"label": N_("Record type")})
    record_id: Mapped[int] = mapped_column(BigId, info={"label": N_("Record")})

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        table = cls.__tablename__  # type: ignore[attr-defined]
        return (Index(f"ix_{table}_record", "record_model", "record_id"),)


class Note(IdMixin, RecordLink, OrgScopedMixin, TimestampMixin, AuditedMixin, Base):
    """A few lines of plain text someone wrote on a record."""

    __tablename__ = "activity_note"
    __label__ = N_("Timeline note")
    __shareable__ = False

    body: Mapped[str] = mapped_column(Text, info={"label": N_("Text")})


class Activity(IdMixin, RecordLink, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A call, visit or meeting that happened, or a task to do by a due date.

    ``assignee_id`` and ``due_at`` are what reminders and the inbox will read
    when they come (with the job runner); ``done_at`` closes it.
    """

    __tablename__ = "activity_activity"
    __label__ = N_("Activity")
    __shareable__ = False

    kind: Mapped[str] = mapped_column(String(20), info={"label": N_("Kind")})
    subject: Mapped[str] = mapped_column(String(200), info={"label": N_("Subject")})
    content: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Details")})
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Due")})
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Done")})
    assignee_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_user.id"), index=True, info={"label": N_("Assignee")})


class Attachment(IdMixin, RecordLink, OrgScopedMixin, TimestampMixin, AuditedMixin, Base):
    """A file on a record. The bytes live once per content in the blob store
    (``<attachments_dir>/ab/cd/<sha256>``); this row names them."""

    __tablename__ = "activity_attachment"
    __label__ = N_("Attachment")
    __shareable__ = False

    filename: Mapped[str] = mapped_column(String(255), info={"label": N_("File name")})
    content_type: Mapped[str] = mapped_column(String(100), info={"label": N_("Type")})
    size: Mapped[int] = mapped_column(BigInteger, info={"label": N_("Size")})
    sha256: Mapped[str] = mapped_column(String(64), index=True, info={"label": N_("Checksum")})


# ------------------------------------------------------------ notifications


class InboxItem(IdMixin, Base):
    """One notification in one user's in-app inbox (:func:`core.notify`).

    ``subject`` and ``body`` are message ids, formatted with ``params`` in the
    reader's language when shown.
    """

    __tablename__ = "activity_notification"
    __table_args__ = (Index("ix_activity_notification_inbox", "user_id", "read_at", "id"),)
    __label__ = N_("Notification")

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_user.id", ondelete="CASCADE"),
                                         info={"label": N_("Recipient")})
    category: Mapped[str] = mapped_column(String(20), info={"label": N_("Category")})
    subject: Mapped[str] = mapped_column(String(300), info={"label": N_("Subject")})
    body: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Message")})
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Values")})
    link: Mapped[str] = mapped_column(String(500), default="", info={"label": N_("Link")})
    record_model: Mapped[str | None] = mapped_column(String(120), info={"label": N_("Record type")})
    record_id: Mapped[int | None] = mapped_column(BigId, info={"label": N_("Record")})
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Urgent")})
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id", ondelete="SET NULL"),
                                                 info={"label": N_("Sent by")})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 info={"label": N_("Sent")})
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Read at")})


class Delivery(IdMixin, Base):
    """One notification sent (or to be sent) through one channel to one address.

    The job that sends it marks it ``sent``; a retried job finds it sent and
    does nothing (the idempotency of e-mail and SMS).

    A message to an outside address (a customer's contact: :func:`queue_message`)
    has no notification: it carries its organisation, its own ``subject`` and
    ``body`` (plain text, already in the reader's language) and the sender's
    ``ref``, which the hook ``activity_delivery_finished`` hands back.
    """

    __tablename__ = "activity_delivery"
    __label__ = N_("Delivery")

    notification_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("activity_notification.id", ondelete="CASCADE"), index=True,
        info={"label": N_("Notification")})
    org_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"),
                                               info={"label": N_("Organisation")})
    subject: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Subject")})
    body: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Message")})
    ref: Mapped[str] = mapped_column(String(100), default="", index=True, info={"label": N_("Reference")})
    channel: Mapped[str] = mapped_column(String(40), info={"label": N_("Channel")})
    address: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Address")})
    #: queued, sent, failed
    status: Mapped[str] = mapped_column(String(20), default="queued", info={"label": N_("Status")})
    error: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Error")})
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Sent")})


class ChannelSettings(IdMixin, TimestampMixin, Base):
    """An organisation's settings for one outgoing channel (``email``: SMTP
    server; ``sms``: gateway). Secrets in ``config`` are never shown back."""

    __tablename__ = "activity_channel_settings"
    __table_args__ = (UniqueConstraint("org_id", "channel"),)
    __label__ = N_("Channel settings")

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"),
                                        info={"label": N_("Organisation")})
    channel: Mapped[str] = mapped_column(String(40), info={"label": N_("Channel")})
    enabled: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Enabled")})
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Settings")})


class Preference(IdMixin, Base):
    """A user's choice to receive (or not) one category through one channel."""

    __tablename__ = "activity_preference"
    __table_args__ = (UniqueConstraint("user_id", "channel", "category"),)
    __label__ = N_("Notification preference")

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_user.id", ondelete="CASCADE"),
                                         info={"label": N_("User")})
    channel: Mapped[str] = mapped_column(String(40), info={"label": N_("Channel")})
    category: Mapped[str] = mapped_column(String(20), info={"label": N_("Category")})
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Enabled")})


# ------------------------------------------------------------------ reminders

#: whom a reminder rule tells
RECIPIENTS: dict[str, str] = {
    "owner": N_("The record's owner"),
    "manager": N_("The owner's manager"),
    "role": N_("Everyone with a role"),
    "user": N_("One user"),
}


class ReminderRule(IdMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """Remind someone ``offset_days`` before (negative) or after a date field
    of every record of a model in an organisation."""

    __tablename__ = "activity_reminder_rule"
    __label__ = N_("Reminder rule")
    __shareable__ = False

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id"), index=True,
                                        info={"label": N_("Organisation")})
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    model: Mapped[str] = mapped_column(String(120), info={"label": N_("Record type")})
    field: Mapped[str] = mapped_column(String(80), info={"label": N_("Date field")})
    offset_days: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Days")})
    recipients: Mapped[str] = mapped_column(String(20), default="owner",
                                            info={"label": N_("Recipients")})
    role_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_role.id", ondelete="SET NULL"),
                                                info={"label": N_("Role")})
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id", ondelete="SET NULL"),
                                                info={"label": N_("User")})
    message: Mapped[str] = mapped_column(String(300), default="", info={"label": N_("Message")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class ReminderSent(IdMixin, Base):
    """A rule fired for a record's date once: the sweep never repeats it."""

    __tablename__ = "activity_reminder_sent"
    __table_args__ = (UniqueConstraint("rule_id", "record_id", "due_on"),)
    __label__ = N_("Reminder sent")

    rule_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("activity_reminder_rule.id", ondelete="CASCADE"), info={"label": N_("Reminder rule")})
    record_id: Mapped[int] = mapped_column(BigId, info={"label": N_("Record")})
    due_on: Mapped[date] = mapped_column(Date, info={"label": N_("Date")})
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, info={"label": N_("Sent")})


MODELS: tuple[type[Base], ...] = (Note, Activity, Attachment, InboxItem, Delivery, ChannelSettings,
                                  Preference, ReminderRule, ReminderSent)
