"""Hooks the activity plugin offers other plugins (documented, with their
signatures, in docs/plugins/activity.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor
    from plugins.activity.api import TimelineEntry
    from plugins.activity.channels import Channel


@hookspec
def activity_timeline_entries(
    session: Session, actor: Actor, model_key: str, record: Any
) -> list[TimelineEntry]:
    """Return entries for the timeline of ``record`` (of model ``model_key``).

    Called once per timeline shown, after the activity plugin checked that
    ``actor`` may read ``record``; entries of every plugin are merged, newest
    first. Return ``[]`` for records you do not extend; list only what the
    actor may see. firstresult: no.
    """


@hookspec
def activity_notification_channels() -> list[Channel]:
    """Return channels that notifications go out through (WeCom, DingTalk):
    instances of :class:`plugins.activity.api.Channel`.

    Called whenever a notification is delivered or the preferences page is
    shown; the first channel of a key wins (the built-in ``email`` and
    ``sms`` come first). firstresult: no.
    """


@hookspec
def activity_delivery_finished(session: Session, delivery_id: int, ref: str, sent: bool, error: str) -> None:
    """A message to an outside address (``plugins.activity.api.queue_message``)
    was sent (``sent``) or failed (``error`` says why; the job is retried, so
    a later call may report it sent). ``ref`` is what the sender gave.

    Called by the job ``activity.deliver``: after a success inside the job's
    transaction, after a failure inside the transaction that records it.
    Ignore refs that are not yours. firstresult: no.
    """
