"""Running SFA sequences: the hourly job, what it hears back from the
outbox, a completed task closing its step, and the workbench's lists.

The job ``crm.run_sequences`` takes the pending steps of running
enrollments that are due (today or before):

* a *task* step, or an e-mail or SMS step that is not automatic, becomes
  an open task (``activity``) for the enrollment's owner on the customer,
  once (``task_id``); completing the task completes the step;
* an automatic e-mail or SMS step goes to the enrollment's contact (the
  customer's main contact when the run started) through the activity
  plugin's outbox, once (``delivery_id``): ``activity_delivery_finished``
  then marks it succeeded or failed with the reason. A missing address or a
  channel the organisation has not switched on fails it at once.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, NotFound, ValidationError, get_for, scope, utcnow
from plugins.activity.api import queue_message, system_task
from plugins.crm import kernel
from plugins.crm.models import Contact, Customer, Enrollment, EnrollmentStep, SequenceStep
from plugins.crm.models import Sequence as SfaSequence
from plugins.crm.services.segment_rules import LOCAL_TZ
from plugins.crm.services.sfa import advance, today

REF = "crm.enrollment_step:"
NO_SYNC = {"synchronize_session": False}
BATCH = 500
PLACEHOLDER = re.compile(r"\{(customer|contact|owner)\}")
#: the workbench lists at most this many steps per list
WORKBENCH_LIMIT = 200


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{customer}``, ``{contact}`` and ``{owner}``; nothing else is formatted."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)


def _manual() -> Any:
    """Steps left to a person: tasks, and messages not sent automatically."""
    return or_(SequenceStep.action == "task", SequenceStep.automatic.is_(False))


def run_due(db: Session) -> tuple[int, int]:
    """Make the tasks and queue the messages of every due step; (tasks, messages)."""
    day = today()
    due = and_(Enrollment.state == "active", EnrollmentStep.state == "pending", EnrollmentStep.due_on <= day)
    base = (select(EnrollmentStep, SequenceStep, Enrollment)
            .join(SequenceStep, SequenceStep.id == EnrollmentStep.step_id)
            .join(Enrollment, Enrollment.id == EnrollmentStep.enrollment_id))
    tasks = messages = 0
    while batch := db.execute(base.where(due, EnrollmentStep.task_id.is_(None), _manual(),
                                         Enrollment.owner_id.is_not(None))
                              .order_by(EnrollmentStep.id).limit(BATCH)).all():
        for step, template, enrollment in batch:
            _make_task(db, step, template, enrollment)
            tasks += 1
    while batch := db.execute(base.where(due, EnrollmentStep.delivery_id.is_(None),
                                         SequenceStep.action.in_(("email", "sms")),
                                         SequenceStep.automatic.is_(True))
                              .order_by(EnrollmentStep.id).limit(BATCH)).all():
        for step, template, enrollment in batch:
            _send(db, step, template, enrollment)
            messages += 1
        db.flush()
    return tasks, messages


def _values(db: Session, enrollment: Enrollment) -> tuple[Customer, Contact | None, dict[str, str]]:
    customer = db.get(Customer, enrollment.customer_id)
    assert customer is not None
    contact = db.get(Contact, enrollment.contact_id) if enrollment.contact_id else None
    if contact is not None and contact.deleted_at is not None:
        contact = None
    owner = kernel.names(db, [enrollment.owner_id]).get(enrollment.owner_id or 0, "")
    return customer, contact, {"customer": customer.name, "contact": contact.name if contact else "",
                               "owner": owner}


def _make_task(db: Session, step: EnrollmentStep, template: SequenceStep, enrollment: Enrollment) -> None:
    customer, contact, values = _values(db, enrollment)
    subject = template.name
    to = ""
    if template.action != "task" and contact is not None:
        to = f"{contact.name} {contact.email if template.action == 'email' else contact.mobile}".strip()
    content = "\n\n".join(p for p in (to, fill(template.subject, values), fill(template.body, values)) if p)
    due_at = datetime.combine(step.due_on, time(18, 0), LOCAL_TZ)
    assert enrollment.owner_id is not None
    task = system_task(db, customer, assignee_id=enrollment.owner_id, subject=subject, content=content,
                       due_at=due_at)
    step.task_id = task.id


def _send(db: Session, step: EnrollmentStep, template: SequenceStep, enrollment: Enrollment) -> None:
    customer, contact, values = _values(db, enrollment)
    address = "" if contact is None else (contact.email if template.action == "email" else contact.mobile)
    try:
        delivery = queue_message(db, org_id=enrollment.org_id, channel=template.action, address=address,
                                 subject=fill(template.subject or template.name, values),
                                 text=fill(template.body, values), ref=f"{REF}{step.id}")
    except ValidationError as refused:
        step.state, step.done_at = "failed", utcnow()
        step.detail = next(iter(refused.errors.values()))[:500]
        advance(db, enrollment)
        return
    step.delivery_id = delivery.id


def delivery_finished(session: Session, ref: str, sent: bool, error: str) -> None:
    """The outbox tried an automatic step's message: succeeded, or failed with ``error``."""
    if not ref.startswith(REF):
        return
    step = session.get(EnrollmentStep, int(ref.removeprefix(REF)))
    if step is None or step.state not in ("pending", "failed"):
        return
    step.state, step.done_at, step.detail = ("succeeded", utcnow(), "") if sent else ("failed", utcnow(),
                                                                                      error[:500])
    enrollment = session.get(Enrollment, step.enrollment_id)
    if enrollment is not None:
        session.flush()
        advance(session, enrollment)


def task_changed(session: Session, task_id: int, done: bool) -> None:
    """A step's task was completed (the step succeeds) or reopened (pending
    again). Runs inside the flush that saved the task (``on_record_updated``),
    so it writes with statements, not through the unit of work."""
    row = session.execute(
        select(EnrollmentStep.id, EnrollmentStep.state, Enrollment.id, Enrollment.state)
        .join(Enrollment, Enrollment.id == EnrollmentStep.enrollment_id)
        .where(EnrollmentStep.task_id == task_id)).first()
    if row is None or row[3] == "stopped":
        return
    step_id, state, enrollment_id, run_state = row
    if done and state == "pending":
        values: dict[str, Any] = {"state": "succeeded", "done_at": utcnow()}
    elif not done and state == "succeeded":
        values = {"state": "pending", "done_at": None}
    else:
        return
    session.execute(update(EnrollmentStep).where(EnrollmentStep.id == step_id).values(**values),
                    execution_options=NO_SYNC)
    next_due = session.scalar(select(func.min(EnrollmentStep.due_on)).where(
        EnrollmentStep.enrollment_id == enrollment_id, EnrollmentStep.state == "pending"))
    session.execute(update(Enrollment).where(Enrollment.id == enrollment_id).values(
        next_due_on=next_due, state="completed" if next_due is None else "active"), execution_options=NO_SYNC)


def run_sequences(ctx: Any) -> None:
    """The job ``crm.run_sequences`` (hourly)."""
    tasks, messages = run_due(ctx.session)
    ctx.log(f"{tasks} tasks made, {messages} messages queued")


# ------------------------------------------------------------------ the workbench


Row = tuple[EnrollmentStep, SequenceStep, Enrollment, str, str]


def _rows(db: Session, stmt: Any) -> list[Row]:
    stmt = (stmt.add_columns(Customer.name, SfaSequence.name)
            .join(Customer, Customer.id == Enrollment.customer_id)
            .join(SfaSequence, SfaSequence.id == Enrollment.sequence_id))
    return [(r[0], r[1], r[2], r[3], r[4]) for r in db.execute(stmt.limit(WORKBENCH_LIMIT))]


def _steps() -> Any:
    return (select(EnrollmentStep, SequenceStep, Enrollment)
            .join(SequenceStep, SequenceStep.id == EnrollmentStep.step_id)
            .join(Enrollment, Enrollment.id == EnrollmentStep.enrollment_id))


def due_steps(db: Session, actor: Actor) -> list[Row]:
    """Pending steps due today or before on the actor's own running
    enrollments, left for a person (not automatic messages): oldest first."""
    stmt = _steps().where(Enrollment.owner_id == actor.user_id, scope(actor, Enrollment, "read"),
                          Enrollment.state == "active", EnrollmentStep.state == "pending",
                          EnrollmentStep.due_on <= today(), _manual())
    return _rows(db, stmt.order_by(EnrollmentStep.due_on, EnrollmentStep.id))


def failed_steps(db: Session, actor: Actor) -> list[Row]:
    """Automatic steps that failed, on runs the actor may read and nobody
    stopped (a run whose last step failed is complete, yet its failure
    waits here): newest first."""
    stmt = _steps().where(scope(actor, Enrollment, "read"), Enrollment.state != "stopped",
                          EnrollmentStep.state == "failed", SequenceStep.automatic.is_(True))
    return _rows(db, stmt.order_by(EnrollmentStep.done_at.desc(), EnrollmentStep.id.desc()))


def retry_step(db: Session, actor: Actor, step_id: int) -> None:
    """Send a failed automatic step again at the next run."""
    step = db.get(EnrollmentStep, step_id)
    if step is None:
        raise NotFound()
    enrollment = get_for(db, actor, Enrollment, step.enrollment_id, "update")
    if step.state != "failed" or enrollment.state == "stopped":
        raise Conflict(N_("Only a failed step can be sent again."))
    db.execute(update(EnrollmentStep).where(EnrollmentStep.id == step.id).values(
        state="pending", delivery_id=None, done_at=None, detail=""),
        execution_options={"synchronize_session": False})
    db.expire(step)
    advance(db, enrollment)
