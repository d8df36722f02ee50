"""An organisation's settings of the e-mail and SMS channels (the
administrators' page), and their test messages.

Secrets (the SMTP password, the gateway's API key) are write-only: they are
never handed to a template, and an empty field keeps the stored one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, ValidationError
from plugins.activity.channels import SECURITY, Rendered, build_message, gateway_for, send_mail
from plugins.activity.models import ChannelSettings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Spec:
    """The fields of one channel's form: plain ones and write-only secrets."""

    fields: tuple[str, ...]
    secrets: tuple[str, ...]


SPECS: dict[str, Spec] = {
    "email": Spec(("host", "port", "security", "username", "from_address", "from_name"), ("password",)),
    "sms": Spec(("url", "sender"), ("api_key",)),
}


def get_settings(session: Session, org_id: int, channel: str) -> ChannelSettings | None:
    return session.scalar(select(ChannelSettings).where(
        ChannelSettings.org_id == org_id, ChannelSettings.channel == channel))


def public_view(row: ChannelSettings | None, channel: str) -> dict[str, Any]:
    """What the form shows: the plain fields, and only *whether* each secret is set."""
    config = dict(row.config or {}) if row is not None else {}
    spec = SPECS[channel]
    view: dict[str, Any] = {f: config.get(f, "") for f in spec.fields}
    view.update({f"{s}_set": bool(config.get(s)) for s in spec.secrets})
    view["enabled"] = bool(row.enabled) if row is not None else False
    return view


def save_settings(session: Session, org_id: int, channel: str, form: dict[str, str]) -> ChannelSettings:
    """Validate and store the organisation's settings of ``channel``."""
    spec = SPECS[channel]
    row = get_settings(session, org_id, channel)
    old = dict(row.config or {}) if row is not None else {}
    config: dict[str, Any] = {f: form.get(f, "").strip() for f in spec.fields}
    for secret in spec.secrets:
        config[secret] = form.get(secret, "") or old.get(secret, "")
    enabled = form.get("enabled") in ("on", "1", "true")
    _validate(channel, config, enabled)
    if channel == "email":
        config["port"] = int(config["port"] or 25)
    if row is None:
        row = ChannelSettings(org_id=org_id, channel=channel)
        session.add(row)
    row.enabled, row.config = enabled, config
    session.flush()
    return row


def _validate(channel: str, config: dict[str, Any], enabled: bool) -> None:
    errors: dict[str, str] = {}
    if channel == "email":
        port = str(config["port"] or "25")
        if not port.isdigit() or not 0 < int(port) < 65536:
            errors["port"] = N_("Enter a port between 1 and 65535.")
        if config["security"] not in SECURITY:
            errors["security"] = N_("Choose one of the offered values.")
        if enabled and not config["host"]:
            errors["host"] = N_("Enter the SMTP server to switch e-mail on.")
        address = config["from_address"]
        if (enabled or address) and ("@" not in address or any(c in address for c in " \r\n<>")):
            errors["from_address"] = N_("Enter a valid e-mail address.")
        if any(c in config["from_name"] for c in "\r\n"):
            errors["from_name"] = N_("Enter a single line.")
    else:
        url = config["url"]
        if (enabled or url) and not url.startswith(("https://", "http://")):
            errors["url"] = N_("Enter an http:// or https:// address.")
        key = config["api_key"]
        if (enabled and not key) or (key and not (key.isascii() and key.isprintable())):
            errors["api_key"] = N_("Enter the gateway's API key.")
    if errors:
        raise ValidationError(errors)


def send_test(session: Session, org_id: int, channel: str, to: str, rendered: Rendered) -> None:
    """Send a test message with the stored settings, at once (the page shows
    the error, if any); raises ``ValidationError`` on field ``to``."""
    row = get_settings(session, org_id, channel)
    config = dict(row.config or {}) if row is not None else {}
    if not to.strip() or any(c in to for c in "\r\n"):
        raise ValidationError({"to": N_("Enter where to send the test.")})
    if channel == "email":
        send_mail(config, build_message(config, to.strip(), rendered, "test"))
    else:
        gateway_for(config).send(to.strip(), rendered.short)
