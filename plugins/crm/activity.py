"""What the CRM does with the activity plugin's concepts: the task a
follow-up's next contact date gives the customer's owner.

The task hangs on the follow-up itself (``record_model`` ``crm.followup``),
so it is found again when the follow-up changes, its reader is whoever may
read the follow-up (the customer's owner and their managers), and *My
tasks* links to the follow-up, whose page links to the customer. It is
written through ``plugins.activity.api.log_activity`` under the author's
own rights: the CRM's roles hold ``activity.activity.create`` and the
managers' ``activity.activity.assign``. An author who may not give the
owner a task gets it themself; one who may create no task at all saves the
follow-up without one.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import Actor, Base, Forbidden, NotFound, ValidationError
from plugins.activity.api import log_activity
from plugins.crm.models import Customer, FollowUp

#: a next contact date falls due at this hour of the day, China's time
DUE_HOUR = time(9, 0)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
SUBJECT_CHARS = 60


def _activity_model(session: Session) -> type[Base]:
    """The activity plugin's model, from the registry (the CRM depends on
    the plugin; its API exports functions, not the class)."""
    model: type[Base] = session.info["registry"].models["activity.activity"]
    return model


def open_tasks(session: Session, followup: FollowUp) -> list[Any]:
    model: Any = _activity_model(session)
    return list(session.scalars(select(model).where(
        model.record_model == "crm.followup", model.record_id == followup.id, model.kind == "task",
        model.done_at.is_(None))))


def drop_open_tasks(session: Session, followup: FollowUp) -> None:
    """Delete the follow-up's open tasks (audited by the activity plugin's model)."""
    for task in open_tasks(session, followup):
        session.delete(task)
    session.flush()


def replace_next_contact_task(session: Session, actor: Actor, followup: FollowUp, customer: Customer) -> None:
    """The follow-up's one open task, due on its next contact date, for the
    customer's owner: an earlier open one is replaced, none is left when the
    date is cleared."""
    drop_open_tasks(session, followup)
    if followup.next_contact_on is None:
        return
    due = datetime.combine(followup.next_contact_on, DUE_HOUR, tzinfo=LOCAL_TZ)
    summary = followup.content.replace("\n", " ")
    if len(summary) > SUBJECT_CHARS:
        summary = summary[:SUBJECT_CHARS] + "…"
    # the subject is data, not a message: the customer and what the follow-up said
    subject = f"{customer.name}：{summary}" if summary else customer.name
    values = {"kind": "task", "subject": subject[:200], "content": followup.content[:10_000],
              "due_at": due, "assignee_id": customer.owner_id or actor.user_id}
    try:
        log_activity(session, actor, followup, values)
    except ValidationError as refused:
        if "assignee_id" not in refused.errors:
            raise
        log_activity(session, actor, followup, {**values, "assignee_id": actor.user_id})
    except (Forbidden, NotFound):  # no right to tasks, or a follow-up the author cannot read back
        return

