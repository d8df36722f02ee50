"""Helpers of the registration and badges parts' tests: the public form's
address, a good submission, the organisation's e-mail switched on towards
a real SMTP server, and the jobs run."""

from __future__ import annotations

from typing import Any

from core.app import Kernel
from core.jobs import Worker
from plugins.exhibitions.services.applications import edition_token

GOOD = {"name": "王采购", "company": "中粮集团", "title": "采购总监", "mobile": "139 0000 1111",
        "email": "wang@cofco.example", "country": "中国", "kind": "buyer", "locale": "zh_CN"}


def form_url(kernel: Kernel, edition_id: int) -> str:
    return f"/exhibitions/register/{edition_token(kernel.settings.secret_key, edition_id)}"


def mail_on(kernel: Kernel, org_id: int, port: int) -> None:
    """The organisation's e-mail channel, towards the SMTP server on ``port``."""
    from plugins.activity.models import ChannelSettings

    with kernel.db.session() as db:
        db.add(ChannelSettings(org_id=org_id, channel="email", enabled=True, config={
            "host": "127.0.0.1", "port": port, "security": "none", "username": "",
            "from_address": "expo@nongbo.example", "from_name": "农博会"}))


def run_jobs(kernel: Kernel) -> int:
    return Worker(kernel, "test-worker").run_pending()


def member_rows(*people: tuple[str, str, str]) -> dict[str, Any]:
    """``member_<n>_name/mobile/email`` of a group's members."""
    out: dict[str, Any] = {}
    for n, (name, mobile, email) in enumerate(people, start=1):
        out |= {f"member_{n}_name": name, f"member_{n}_mobile": mobile, f"member_{n}_email": email}
    return out
