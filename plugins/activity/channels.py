"""Outgoing notification channels: e-mail over SMTP, SMS through a gateway,
and whatever other plugins add through ``activity_notification_channels``.

A channel says where it reaches a user (:meth:`Channel.address_of`) and
sends one rendered notification (:meth:`Channel.send`), from the job
``activity.deliver`` only: never inside a request's transaction. Each
organisation's settings of a channel (SMTP server, gateway) are a
:class:`~plugins.activity.models.ChannelSettings` row; secrets in it are
write-only in the settings page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from sqlalchemy import select

from core import N_
from plugins.activity.models import ChannelSettings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import JobContext
    from plugins.activity.kernel import Person
    from plugins.activity.models import Delivery

SECURITY = ("none", "starttls", "ssl")
TIMEOUT = 30.0


@dataclass(frozen=True)
class Rendered:
    """A notification in its recipient's language: ``text`` and ``html`` are
    the e-mail's parts, ``short`` a single line for SMS and chat."""

    subject: str
    text: str
    html: str
    short: str
    url: str


class Channel:
    """A way to reach people outside the suite. Subclass it, set ``key`` and
    ``label`` (a message id), and return an instance from
    ``activity_notification_channels``.

    ``urgent_only`` channels are used for urgent notifications only (SMS costs
    money and wakes people up); users may switch any channel off per category.
    """

    key: ClassVar[str] = ""
    label: ClassVar[str] = ""
    urgent_only: ClassVar[bool] = False

    def address_of(self, user: Person) -> str:
        """Where ``user`` is reached; ``""``: not through this channel."""
        return ""

    def enabled_for(self, session: Session, org_id: int) -> bool:
        """Whether the organisation ``org_id`` switched the channel on
        (its settings row, by default)."""
        return bool(session.scalar(select(ChannelSettings.enabled).where(
            ChannelSettings.org_id == org_id, ChannelSettings.channel == self.key)))

    def send(self, ctx: JobContext, delivery: Delivery, user: Person, rendered: Rendered) -> None:
        """Send; raise on any failure (the job is retried, then parked)."""
        raise NotImplementedError


def org_config(ctx: JobContext, org_id: int, channel: str) -> dict[str, Any]:
    """The organisation's settings of ``channel`` (a read transaction of its own:
    no write lock is held while a channel talks to a server)."""
    with ctx.kernel.db.session(write=False) as db:
        config = db.scalar(select(ChannelSettings.config).where(
            ChannelSettings.org_id == org_id, ChannelSettings.channel == channel))
    return dict(config or {})


# ------------------------------------------------------------------ e-mail


class EmailChannel(Channel):
    key = "email"
    label = N_("E-mail")

    def address_of(self, user: Person) -> str:
        return user.email.strip()

    def send(self, ctx: JobContext, delivery: Delivery, user: Person, rendered: Rendered) -> None:
        config = org_config(ctx, user.org_id, self.key)
        message = build_message(config, delivery.address, rendered, ctx.idempotency_key)
        send_mail(config, message)
        ctx.log(f"mail to {delivery.address} sent through {config.get('host')}")


def build_message(config: dict[str, Any], to: str, rendered: Rendered, ref: str) -> EmailMessage:
    sender = str(config.get("from_address") or "")
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = formataddr((str(config.get("from_name") or ""), sender))
    message["To"] = to
    domain = sender.rpartition("@")[2] or "suanpan.localdomain"
    message["Message-ID"] = make_msgid(idstring=ref.replace(":", "-"), domain=domain)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def send_mail(config: dict[str, Any], message: EmailMessage) -> None:
    """Send over SMTP as ``config`` says: ``host``, ``port``, ``security``
    (none, starttls, ssl), ``username``, ``password``."""
    host, port = str(config.get("host") or ""), int(config.get("port") or 25)
    if not host:
        raise RuntimeError("no SMTP server is set for this organisation")
    security = config.get("security", "none")
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=context)
        if config.get("username"):
            smtp.login(str(config["username"]), str(config.get("password") or ""))
        smtp.send_message(message)


# ------------------------------------------------------------------ SMS


class SmsGateway(Protocol):
    """A provider that sends a text message; returns the provider's message id."""

    def send(self, phone: str, text: str) -> str: ...


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kw: Any) -> None:
        return None  # a 3xx is an error: never carry the key to another address


@dataclass(frozen=True)
class HttpSmsGateway:
    """POSTs ``{"to", "text", "sender"}`` as JSON to ``url`` with
    ``Authorization: Bearer <api_key>`` and ``X-Suanpan-Signature``: the
    hex HMAC-SHA256 of the body with the key. Anything but 2xx raises."""

    url: str
    api_key: str
    sender: str = ""
    idempotency_key: str = ""
    timeout: float = TIMEOUT

    def send(self, phone: str, text: str) -> str:
        body = json.dumps({"to": phone, "text": text, "sender": self.sender},
                          ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Authorization": f"Bearer {self.api_key}",
                   "X-Suanpan-Signature": signature(self.api_key, body)}
        if self.idempotency_key:
            headers["Idempotency-Key"] = self.idempotency_key
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"SMS gateway answered {exc.code}") from None
        try:
            data = json.loads(answer or b"{}")
        except ValueError:
            return ""
        return str(data.get("id", "")) if isinstance(data, dict) else ""


def signature(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def gateway_for(config: dict[str, Any], idempotency_key: str = "") -> SmsGateway:
    """The organisation's gateway (one provider so far: ``http``)."""
    if not config.get("url"):
        raise RuntimeError("no SMS gateway is set for this organisation")
    return HttpSmsGateway(str(config["url"]), str(config.get("api_key") or ""),
                          str(config.get("sender") or ""), idempotency_key)


class SmsChannel(Channel):
    key = "sms"
    label = N_("SMS")
    urgent_only = True

    def address_of(self, user: Person) -> str:
        return user.phone.strip()

    def send(self, ctx: JobContext, delivery: Delivery, user: Person, rendered: Rendered) -> None:
        gateway = gateway_for(org_config(ctx, user.org_id, self.key), ctx.idempotency_key)
        message_id = gateway.send(delivery.address, rendered.short)
        ctx.log(f"SMS to {delivery.address} accepted as {message_id or '(no id)'}")


BUILT_IN: tuple[Channel, ...] = (EmailChannel(), SmsChannel())
