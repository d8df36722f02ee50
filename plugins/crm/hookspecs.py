"""Hooks the CRM offers other plugins (documented, with their signatures, in
docs/plugins/crm.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor


# ---------------------------------------------------------------- sales process (opportunities)


@hookspec
def crm_opportunity_closed(session: Session, actor: Actor | None, opportunity: Any, won: bool) -> None:
    """An opportunity was just closed: moved into a won stage (``won`` is
    True) or a lost one (False) from a stage of another kind.

    Called by ``plugins.crm.services.opportunities.move_stage`` (the kanban,
    the opportunity's form, the API, demo data), inside the mover's
    transaction, after the move is flushed: ``opportunity.state``,
    ``stage_id``, ``closed_at`` and, when lost, ``lost_reason`` and
    ``lost_to_id`` are already set. ``actor`` is who moved it (``None`` from
    a job). An exception fails the move; queue side effects outside the
    database with ``enqueue``. Reopening a deal fires nothing, and closing it
    again fires again. firstresult: no.
    """
