"""Messages to people outside the suite, and tasks a plugin's job sets.

:func:`queue_message` sends an e-mail or an SMS to an outside address (a
customer's contact) through the same path as notifications: a
:class:`Delivery` row and the job ``activity.deliver`` queued in the
caller's transaction, sent once after it commits through the
organisation's SMTP server or SMS gateway. When the job has tried, the hook
``activity_delivery_finished`` tells the sender (by the ``ref`` it gave)
whether the message went out.

:func:`system_task` and :func:`set_task_done` let a plugin's own job give a
task to a user on a record and close it again, with no acting user: the
caller has decided that the work is due (a sequence step), so nobody's
``activity.activity.create`` is asked.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from core import N_, ValidationError, enqueue, utcnow
from plugins.activity.channels import EmailChannel, SmsChannel
from plugins.activity.models import Activity, Delivery

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: the channels an outside address is reached through
OUTSIDE_CHANNELS = {"email": EmailChannel(), "sms": SmsChannel()}
TASK = "activity.deliver"


def queue_message(session: Session, *, org_id: int, channel: str, address: str, subject: str, text: str,
                  ref: str = "") -> Delivery:
    """Queue ``text`` (plain, already in the reader's language) to ``address``
    by ``channel`` (``email`` or ``sms``) through ``org_id``'s settings of that
    channel. Raises ``ValidationError`` naming ``address`` when it is empty
    and ``channel`` when the organisation has not switched the channel on;
    nothing is queued then."""
    sender = OUTSIDE_CHANNELS.get(channel)
    if sender is None:
        raise ValidationError({"channel": N_("Choose one of the offered kinds.")})
    address = address.strip()
    if not address:
        raise ValidationError({"address": N_("There is no address to send this to.")
                               if channel == "email" else N_("There is no mobile number to send this to.")})
    if not sender.enabled_for(session, org_id):
        raise ValidationError({"channel": N_("E-mail is not switched on for this organisation.")
                               if channel == "email" else N_("SMS is not switched on for this organisation.")})
    delivery = Delivery(notification_id=None, org_id=org_id, channel=channel, address=address[:200],
                        subject=subject[:200], body=text, ref=ref[:100], status="queued")
    session.add(delivery)
    session.flush()
    enqueue(session, TASK, {"delivery_id": delivery.id}, key=f"{TASK}:{delivery.id}", org_id=org_id)
    return delivery


def system_task(session: Session, record: Any, *, assignee_id: int, subject: str, content: str = "",
                due_at: datetime | None = None) -> Activity:
    """An open task for ``assignee_id`` on ``record`` (an org-scoped record of
    any plugin), owned by the assignee, set by a plugin's job rather than by
    a user. The caller has checked that the work is the assignee's."""
    org_id = getattr(record, "org_id", None)
    if not isinstance(org_id, int):
        raise ValueError("a system task needs a record with an organisation")
    task = Activity(record_model=record.__model_key__, record_id=record.id, kind="task", subject=subject[:200],
                    content=content, due_at=due_at, assignee_id=assignee_id, org_id=org_id,
                    owner_id=assignee_id, department_id=getattr(record, "department_id", None))
    session.add(task)
    session.flush()
    return task


def set_task_done(session: Session, task_id: int, done: bool) -> None:
    """Complete or reopen a task a plugin set with :func:`system_task`."""
    session.execute(update(Activity).where(Activity.id == task_id, Activity.kind == "task").values(
        done_at=utcnow() if done else None, version=Activity.version + 1),
        execution_options={"synchronize_session": False})
