"""Hooks the activity plugin offers other plugins (documented, with their
signatures, in docs/plugins/activity.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor
    from plugins.activity.api import TimelineEntry


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
