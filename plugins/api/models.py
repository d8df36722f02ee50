"""The api plugin's models: outgoing webhooks and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
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
    utcnow,
)


class Webhook(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A subscription: events of an organisation's records, POSTed to ``url``
    signed with ``secret`` (HMAC-SHA256 of the body)."""

    __tablename__ = "api_webhook"
    __label__ = N_("Webhook")
    #: the secret never reaches the change history (nor pages, nor the API)
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset({"secret"})

    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    url: Mapped[str] = mapped_column(String(500), info={"label": N_("URL")})
    secret: Mapped[str] = mapped_column(String(200), info={"label": N_("Secret")})
    #: one event a line: ``<model key>.created|updated|deleted|transitioned``
    events: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Events")})
    active: Mapped[bool] = mapped_column(default=True, info={"label": N_("Active")})

    def wants(self, event: str) -> bool:
        return event in self.events.split()


class Delivery(IdMixin, Base):
    """One attempt series of one event to one webhook: the delivery log."""

    __tablename__ = "api_delivery"
    __label__ = N_("Webhook delivery")
    __scope_columns__ = {"org": "org_id"}

    #: the log outlives its webhook
    webhook_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_webhook.id", ondelete="SET NULL"),
                                                   index=True, info={"label": N_("Webhook")})
    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id"), index=True,
                                        info={"label": N_("Organisation")})
    event: Mapped[str] = mapped_column(String(200), info={"label": N_("Event")})
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Payload")})
    #: queued | delivered | failed
    status: Mapped[str] = mapped_column(String(20), default="queued", info={"label": N_("Status")})
    attempts: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Attempts")})
    response_code: Mapped[int | None] = mapped_column(Integer, info={"label": N_("Response")})
    response_excerpt: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Response text")})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, info={"label": N_("Created")})
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Last attempt")})
    #: the delivery this one replays
    replay_of_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_delivery.id"),
                                                     info={"label": N_("Replay of")})


MODELS: list[type[Base]] = [Webhook, Delivery]
