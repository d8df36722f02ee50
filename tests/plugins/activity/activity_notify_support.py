"""Helpers shared by the notification tests: people with addresses and a
language, a notification sent in a transaction of its own, and the rows and
jobs it left behind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from core import notify
from core.app import Kernel
from core.jobs import Worker
from core.models import Job, User
from plugins.activity.models import Delivery, InboxItem

SUBJECT = "Test message from Suanpan"  # the plugin's own message id: translated in zh_CN
BODY = "If you can read this, {channel} works."


def reachable(kernel: Kernel, user: User, *, email: str = "", phone: str = "", locale: str = "") -> User:
    """Give ``user`` an e-mail address, a mobile number and a language."""
    with kernel.db.session() as db:
        db.execute(update(User).where(User.id == user.id).values(email=email, phone=phone, locale=locale))
    return user


def send(kernel: Kernel, *users: User, **fields: Any) -> None:
    """``notify`` the users in a committed transaction of its own."""
    fields.setdefault("subject", SUBJECT)
    fields.setdefault("body", BODY)
    fields.setdefault("params", {"channel": "E-mail"})
    with kernel.db.session() as db:
        notify(db, user_ids=[u.id for u in users], **fields)


def inbox_of(kernel: Kernel, user: User) -> list[InboxItem]:
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(InboxItem).where(InboxItem.user_id == user.id).order_by(InboxItem.id)))


def deliveries(kernel: Kernel) -> list[tuple[str, str, str]]:
    """(channel, address, status) of every delivery, oldest first."""
    with kernel.db.session(write=False) as db:
        return [tuple(r) for r in db.execute(
            select(Delivery.channel, Delivery.address, Delivery.status).order_by(Delivery.id))]


def count(kernel: Kernel, model: Any) -> int:
    with kernel.db.session(write=False) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def jobs(kernel: Kernel) -> list[Job]:
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(Job).where(Job.task == "activity.deliver").order_by(Job.id)))


def run_jobs(kernel: Kernel) -> int:
    return Worker(kernel, "test-worker").run_pending()
