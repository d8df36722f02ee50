"""The activity plugin's workbench widgets (the dashboard shows them): my
open tasks, soonest due first, and my latest reminders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core import AUTHENTICATED, N_, Ctx, WidgetDecl, utcnow
from plugins.activity.models import InboxItem
from plugins.activity.routes import record_url
from plugins.activity.services import activities, records

SHOWN = 6


def my_tasks(ctx: Ctx) -> dict[str, Any]:
    """Open tasks assigned to me on records I may still read, soonest due first."""
    models = ctx.kernel.registry.models
    tasks = [a for a in activities.my_tasks(ctx.db, ctx.user, models, limit=50) if a.done_at is None]
    shown = tasks[:SHOWN]
    parents = records.load_parents(ctx.db, ctx.user, models, {(a.record_model, a.record_id) for a in shown})
    rows = [(a, records.title_of(parent, ctx.user), record_url(ctx, a.record_model, a.record_id))
            for a in shown if (parent := parents.get((a.record_model, a.record_id))) is not None]
    return {"rows": rows, "open": len(tasks), "now": utcnow()}


def my_reminders(ctx: Ctx) -> dict[str, Any]:
    """My reminders, unread ones first, newest first."""
    mine = (InboxItem.user_id == ctx.user.user_id, InboxItem.category == "reminder")
    items = list(ctx.db.scalars(select(InboxItem).where(*mine)
                                .order_by(InboxItem.read_at.is_not(None), InboxItem.id.desc()).limit(SHOWN)))
    unread = ctx.db.scalar(select(func.count()).select_from(InboxItem).where(
        *mine, InboxItem.read_at.is_(None))) or 0
    return {"items": items, "unread": unread}


WIDGETS = [
    WidgetDecl("activity.tasks", N_("My tasks due"), "activity/_widget_tasks.html", my_tasks,
               permission=AUTHENTICATED, size="md", icon="checklist"),
    WidgetDecl("activity.reminders", N_("My reminders"), "activity/_widget_reminders.html", my_reminders,
               permission=AUTHENTICATED, size="md", icon="alarm"),
]
