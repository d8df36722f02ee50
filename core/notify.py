"""Notifications: the kernel says *who* should hear *what*; plugins deliver.

The kernel (approvals, reminders of its own) and every plugin call
:func:`notify` inside their transaction. It fires ``on_notification``; the
activity plugin keeps an in-app inbox and sends e-mail and SMS through the
job outbox, so nothing leaves the machine unless the transaction commits.
Without a plugin implementing the hook a notification goes nowhere, and
nothing else changes.

Texts are message ids (``N_``) formatted with ``params`` in each recipient's
own language when they are shown or sent; ``params`` hold plain values
(names, numbers, document numbers), never translated text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

__all__ = ["CATEGORIES", "Notification", "notify"]

#: what a notification is about; channels and preferences are chosen per category
CATEGORIES = ("approval", "reminder", "task", "mention", "system")


@dataclass(frozen=True)
class Notification:
    """One message to some users.

    ``subject`` and ``body`` are message ids formatted with ``params``;
    ``link`` is a path inside the suite (``/notes/12``); ``record`` is the
    ``(model key, id)`` it is about, if any; ``urgent`` asks for the
    channels that reach people away from their desk (SMS) too. ``table`` is
    a small table the message carries (a scheduled report): rows of text,
    the first one the header, shown under the body (an HTML table in
    e-mail). Its cells are final text in the recipients' language and
    formats: send a notification with a table to one recipient, or to
    recipients who share a language.
    """

    user_ids: tuple[int, ...]
    subject: str
    body: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    link: str = ""
    category: str = "system"
    record: tuple[str, int] | None = None
    urgent: bool = False
    actor_id: int | None = None
    table: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown notification category {self.category!r}")
        if self.link and not self.link.startswith("/"):
            raise ValueError("a notification links to a path inside the suite")


def notify(session: Session, notification: Notification | None = None, *,
           user_ids: Iterable[int] = (), **fields: Any) -> Notification | None:
    """Tell ``user_ids`` about something, in ``session``'s transaction.

    Pass a :class:`Notification`, or its fields as keywords. Recipients are
    deduplicated, and the acting user (``actor_id``) never notifies themself.
    Returns what was sent, or None when nobody was left to tell.
    """
    if notification is None:
        notification = Notification(user_ids=tuple(user_ids), **fields)
    recipients = tuple(dict.fromkeys(u for u in notification.user_ids
                                     if u is not None and u != notification.actor_id))
    if not recipients:
        return None
    sent = Notification(**{**notification.__dict__, "user_ids": recipients})
    hook = session.info.get("hook")
    if hook is not None:
        hook.on_notification(session=session, notification=sent)
    return sent
