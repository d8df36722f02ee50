"""Activities: calls, visits and meetings that happened, and tasks to do."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session

from core import N_, Actor, Base, NotFound, ValidationError, scope, utcnow
from plugins.activity import kernel
from plugins.activity.models import KINDS, Activity
from plugins.activity.services.records import (
    Models,
    allowed_ids,
    check_parent,
    clean_text,
    get_entry,
    owned_by,
    parent_model,
    require,
)

#: the kernel shows times in China's time zone; form input means that zone too
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_CONTENT = 10_000


def log_activity(session: Session, actor: Actor, parent: Any, values: Mapping[str, Any]) -> Activity:
    """Log an activity on a record the actor can read (``activity.activity.create``).

    ``values``: ``kind``, ``subject``, ``content``, ``due_at`` (an aware
    datetime, or ``YYYY-MM-DDTHH:MM`` in China's time), ``assignee_id``
    (someone else needs ``activity.activity.assign``), ``done`` (already done).
    """
    actor.require("activity.activity.create")
    parent = check_parent(session, actor, parent)
    clean = _clean(session, actor, values)
    activity = Activity(record_model=parent.__model_key__, record_id=parent.id, **clean,
                        **owned_by(actor, parent))
    session.add(activity)
    session.flush()
    return activity


def _clean(session: Session, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind = values.get("kind") or "task"
    if kind not in KINDS:
        errors["kind"] = N_("Choose one of the offered kinds.")
    try:
        subject = clean_text(values.get("subject"), max_chars=200)
    except ValueError:
        subject, errors["subject"] = "", N_("The subject is too long.")
    if not subject and "subject" not in errors:
        errors["subject"] = N_("Give the activity a subject.")
    try:
        content = clean_text(values.get("content"), max_chars=MAX_CONTENT)
    except ValueError:
        content, errors["content"] = "", N_("The details are too long.")
    due_at = _due(values.get("due_at"), errors)
    assignee_id = _assignee(session, actor, values.get("assignee_id"), errors)
    if errors:
        raise ValidationError(errors)
    done = values.get("done") in (True, "1", "on", "true", "yes")
    return {"kind": kind, "subject": subject, "content": content, "due_at": due_at,
            "assignee_id": assignee_id, "done_at": utcnow() if done else None}


def _due(raw: object, errors: dict[str, str]) -> datetime | None:
    if isinstance(raw, datetime):
        if raw.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        return raw
    if not raw:
        return None
    try:
        local = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        errors["due_at"] = N_("Give the due date as date and time.")
        return None
    return local.replace(tzinfo=LOCAL_TZ) if local.tzinfo is None else local


def _assignee(session: Session, actor: Actor, raw: object, errors: dict[str, str]) -> int | None:
    if raw in (None, ""):
        return None
    try:
        user_id = int(str(raw))
    except ValueError:
        errors["assignee_id"] = N_("Choose one of the offered people.")
        return None
    if user_id == actor.user_id:
        return user_id
    if not actor.can("activity.activity.assign"):
        errors["assignee_id"] = N_("You may only assign tasks to yourself.")
    elif user_id not in {uid for uid, _name in kernel.assignable_users(session, actor)}:
        errors["assignee_id"] = N_("Choose one of the offered people.")
    return user_id


def set_done(session: Session, actor: Actor, models: Models, activity_id: Any, done: bool) -> Activity:
    """Complete or reopen: the author and the assignee may; others need
    ``activity.activity.update`` in the activity's scope."""
    activity, _parent = get_entry(session, actor, models, Activity, activity_id)
    if activity.assignee_id != actor.user_id:
        require(session, actor, activity, "update")
    activity.done_at = (activity.done_at or utcnow()) if done else None
    session.flush()
    return activity


def delete_activity(session: Session, actor: Actor, models: Models, activity_id: Any) -> Activity:
    activity, _parent = get_entry(session, actor, models, Activity, activity_id)
    require(session, actor, activity, "delete")
    session.delete(activity)
    session.flush()
    return activity


def may_update(session: Session, actor: Actor, activities: list[Activity]) -> set[int]:
    """Ids of the activities the actor may complete or reopen (one query)."""
    mine = {a.id for a in activities if actor.user_id in (a.owner_id, a.assignee_id)}
    others = [a.id for a in activities if a.id not in mine]
    return mine | allowed_ids(session, actor, Activity, others, "update")


# ------------------------------------------------------------------ my tasks


def my_tasks(session: Session, actor: Actor, models: Models, *, limit: int = 200) -> list[Activity]:
    """Tasks assigned to the actor on records they can still read: open ones
    first, soonest due first; then the latest done."""
    keys = set(session.scalars(select(Activity.record_model).distinct().where(
        Activity.assignee_id == actor.user_id, Activity.kind == "task")))
    stmt = (_tasks(actor, models, keys)
            .order_by(Activity.done_at.is_not(None), Activity.due_at.is_(None), Activity.due_at,
                      Activity.done_at.desc(), Activity.id.desc())
            .limit(limit))
    return list(session.scalars(stmt))


def _tasks(actor: Actor, models: Models, keys: set[str]) -> Select[Any]:
    """The actor's tasks whose parent the actor may read, filtered in SQL."""
    readable = []
    for key in sorted(keys):
        try:
            model = parent_model(models, key)
        except NotFound:  # a disabled plugin's records: not shown
            continue
        if actor.can(f"{key}.read"):
            readable.append(and_(Activity.record_model == key,
                                 Activity.record_id.in_(_readable_ids(actor, model))))
    return select(Activity).where(Activity.assignee_id == actor.user_id, Activity.kind == "task",
                                  or_(*readable) if readable else false())


def _readable_ids(actor: Actor, model: type[Base]) -> Select[Any]:
    id_col = model.id  # type: ignore[attr-defined]
    return select(id_col).where(scope(actor, model, "read"))
