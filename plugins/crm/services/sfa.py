"""SFA sequences (自定义SFA方案): templates of steps, and running them on
customers.

Starting a sequence on a customer (:func:`start_sequence`) makes an
enrollment owned like the customer (its owner and department follow the
customer's through ``services.ownership.move``) and one enrollment step per
occurrence of each template step, with its due date: ``relative`` steps
``offset_days`` after the start, ``absolute`` ones on their date,
``recurring`` ones from ``offset_days`` every ``every_days``, ``repeat``
times. Changing a template later changes only the runs started after.

A pending step reads *normal* before its day, *due* on it and *overdue*
after (:func:`display_state`); the owner closes manual steps as succeeded
or skipped. Tasks, e-mails and SMS are done by the hourly job in
``services/sfa_run.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, NotFound, ValidationError, get_for, scope, utcnow
from plugins.activity.api import set_task_done
from plugins.crm.models import Contact, Customer, Enrollment, EnrollmentStep, SequenceStep
from plugins.crm.models import Sequence as SfaSequence
from plugins.crm.models.choices import SEQUENCE_ACTIONS, SEQUENCE_TIMINGS
from plugins.crm.services.segment_rules import LOCAL_TZ

#: a recurring step repeats at most this often; a sequence has at most this many steps
MAX_REPEAT = 100
MAX_STEPS = 50


def today() -> date:
    """Today in China's time, by the kernel's clock."""
    return utcnow().astimezone(LOCAL_TZ).date()


def display_state(state: str, due_on: date, on: date | None = None) -> str:
    """``normal``, ``due`` or ``overdue`` for a pending step; else its state."""
    if state != "pending":
        return state
    day = on or today()
    return "normal" if due_on > day else "due" if due_on == day else "overdue"


# ------------------------------------------------------------------ templates


def create_sequence(db: Session, actor: Actor, values: Mapping[str, Any]) -> SfaSequence:
    sequence = SfaSequence(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                           **dict(values))
    db.add(sequence)
    db.flush()
    return sequence


def update_sequence(db: Session, actor: Actor, sequence: SfaSequence, values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        setattr(sequence, key, value)


def steps_of(db: Session, sequence_id: int) -> list[SequenceStep]:
    return list(db.scalars(select(SequenceStep).where(SequenceStep.sequence_id == sequence_id)
                           .order_by(SequenceStep.position, SequenceStep.id)))


def clean_step(values: Mapping[str, Any]) -> dict[str, Any]:
    """A step's values from a form, checked; ``ValidationError`` names each bad field."""
    errors: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name or len(name) > 200:
        errors["name"] = N_("Give the step a name of at most 200 characters.")
    timing = str(values.get("timing") or "relative")
    if timing not in SEQUENCE_TIMINGS:
        errors["timing"] = N_("Choose one of the offered values.")
    action = str(values.get("action") or "task")
    if action not in SEQUENCE_ACTIONS:
        errors["action"] = N_("Choose one of the offered values.")

    def number(key: str, low: int, high: int, default: int) -> int:
        raw = str(values.get(key) or "").strip()
        try:
            value = int(raw) if raw else default
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            errors[key] = N_("This number is out of range.")
        return value

    offset = number("offset_days", 0, 3650, 0)
    every = number("every_days", 1 if timing == "recurring" else 0, 3650, 7 if timing == "recurring" else 0)
    repeat = number("repeat", 1, MAX_REPEAT if timing == "recurring" else 1, 1 if timing != "recurring" else 3)
    on_date = None
    if timing == "absolute":
        try:
            on_date = date.fromisoformat(str(values.get("on_date") or "").strip())
        except ValueError:
            errors["on_date"] = N_("Enter a date.")
    subject = str(values.get("subject") or "").strip()
    body = str(values.get("body") or "").strip()
    if len(subject) > 200:
        errors["subject"] = N_("The subject is too long.")
    if len(body) > 5000:
        errors["body"] = N_("The message is too long.")
    if action in ("email", "sms") and not body:
        errors["body"] = N_("Write the message to send.")
    if errors:
        raise ValidationError(errors)
    automatic = action != "task" and values.get("automatic") in (True, "1", "on", "true", "yes")
    return {"name": name, "timing": timing, "offset_days": offset if timing != "absolute" else 0,
            "on_date": on_date, "every_days": every if timing == "recurring" else 0,
            "repeat": repeat if timing == "recurring" else 1, "action": action, "automatic": automatic,
            "subject": subject, "body": body}


def add_step(db: Session, actor: Actor, sequence_id: Any, values: Mapping[str, Any]) -> SequenceStep:
    sequence = get_for(db, actor, SfaSequence, sequence_id, "update")
    clean = clean_step(values)
    last = db.scalar(select(func.max(SequenceStep.position)).where(SequenceStep.sequence_id == sequence.id))
    if (db.scalar(select(func.count()).select_from(SequenceStep).where(SequenceStep.sequence_id == sequence.id))
            or 0) >= MAX_STEPS:
        raise ValidationError({"name": N_("A sequence has at most 50 steps.")})
    step = SequenceStep(sequence_id=sequence.id, position=(last or 0) + 1, **clean)
    db.add(step)
    db.flush()
    return step


def _step(db: Session, actor: Actor, sequence_id: Any, step_id: Any) -> tuple[SfaSequence, SequenceStep]:
    sequence = get_for(db, actor, SfaSequence, sequence_id, "update")
    step = db.scalar(select(SequenceStep).where(SequenceStep.id == _id(step_id),
                                                SequenceStep.sequence_id == sequence.id))
    if step is None:
        raise NotFound()
    return sequence, step


def _id(raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0


def delete_step(db: Session, actor: Actor, sequence_id: Any, step_id: Any) -> None:
    sequence, step = _step(db, actor, sequence_id, step_id)
    used = db.scalar(select(func.count()).select_from(EnrollmentStep).where(EnrollmentStep.step_id == step.id))
    if used:
        raise Conflict(N_("Runs of this sequence use this step: switch the sequence off and make a new one "
                          "instead."))
    db.delete(step)
    db.flush()
    _renumber(db, sequence.id)


def move_step(db: Session, actor: Actor, sequence_id: Any, step_id: Any, direction: str) -> None:
    """Move a step one place up or down."""
    sequence, step = _step(db, actor, sequence_id, step_id)
    steps = steps_of(db, sequence.id)
    i = steps.index(step)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(steps):
        steps[i], steps[j] = steps[j], steps[i]
        for position, s in enumerate(steps, start=1):
            s.position = position
    db.flush()


def _renumber(db: Session, sequence_id: int) -> None:
    for position, s in enumerate(steps_of(db, sequence_id), start=1):
        s.position = position


# ------------------------------------------------------------------ running


def occurrences(step: SequenceStep, start: date) -> list[date]:
    """The due dates of ``step`` in a run started on ``start``."""
    if step.timing == "absolute" and step.on_date is not None:
        return [step.on_date]
    first = start + timedelta(days=step.offset_days)
    if step.timing == "recurring":
        return [first + timedelta(days=step.every_days * k) for k in range(max(step.repeat, 1))]
    return [first]


def start_sequence(db: Session, actor: Actor, sequence_id: int, customer_ids: Sequence[int],
                   start_on: date | None = None) -> list[int]:
    """Start the sequence on each customer (one or many) in the caller's
    transaction; the enrollments' ids. Refuses the whole batch when the actor
    may not update one of the customers, or the sequence already runs on one."""
    actor.require("crm.enrollment.create")
    sequence = get_for(db, actor, SfaSequence, sequence_id, "read")
    if not sequence.active:
        raise ValidationError({"sequence_id": N_("This sequence is switched off.")})
    steps = steps_of(db, sequence.id)
    if not steps:
        raise ValidationError({"sequence_id": N_("This sequence has no steps yet.")})
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        raise ValidationError({"customer_ids": N_("Choose at least one customer.")})
    customers = list(db.scalars(select(Customer).where(Customer.id.in_(ids), scope(actor, Customer, "update"))
                                .order_by(Customer.id)))
    if len(customers) != len(ids):
        raise ValidationError({"customer_ids": N_("Some of the chosen customers are not yours to change: "
                                                  "no sequence was started.")})
    running = db.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.sequence_id == sequence.id, Enrollment.customer_id.in_(ids), Enrollment.state == "active"))
    if running:
        raise ValidationError({"customer_ids": N_("This sequence already runs on some of the chosen customers: "
                                                  "no sequence was started.")})
    start = start_on or today()
    mains = {cid: contact for cid, contact in db.execute(
        select(Contact.customer_id, func.min(Contact.id)).where(
            Contact.customer_id.in_(ids), Contact.is_main.is_(True), Contact.deleted_at.is_(None))
        .group_by(Contact.customer_id))}
    enrollments = []
    for customer in customers:
        enrollment = Enrollment(org_id=customer.org_id, owner_id=customer.owner_id,
                                department_id=customer.department_id, sequence_id=sequence.id,
                                customer_id=customer.id, contact_id=mains.get(customer.id), started_on=start,
                                state="active")
        db.add(enrollment)
        enrollments.append(enrollment)
    db.flush()
    db.add_all([EnrollmentStep(enrollment_id=e.id, step_id=s.id, occurrence=k, due_on=due, state="pending")
                for e in enrollments for s in steps for k, due in enumerate(occurrences(s, start), start=1)])
    db.flush()
    for enrollment in enrollments:
        advance(db, enrollment)
    return [e.id for e in enrollments]


def advance(db: Session, enrollment: Enrollment) -> None:
    """Set the run's next due date from its pending steps; a run with none
    is completed, a completed one with a pending step (sent again) runs again."""
    next_due = db.scalar(select(func.min(EnrollmentStep.due_on)).where(
        EnrollmentStep.enrollment_id == enrollment.id, EnrollmentStep.state == "pending"))
    enrollment.next_due_on = next_due
    if next_due is None and enrollment.state == "active":
        enrollment.state = "completed"
    elif next_due is not None and enrollment.state == "completed":  # a step to do again
        enrollment.state = "active"


def run_steps(db: Session, enrollment_id: int) -> list[tuple[EnrollmentStep, SequenceStep]]:
    return [(e, s) for e, s in db.execute(
        select(EnrollmentStep, SequenceStep).join(SequenceStep, SequenceStep.id == EnrollmentStep.step_id)
        .where(EnrollmentStep.enrollment_id == enrollment_id)
        .order_by(EnrollmentStep.due_on, SequenceStep.position, EnrollmentStep.occurrence))]


def close_step(db: Session, actor: Actor, step_id: Any, state: str, note: str = "") -> EnrollmentStep:
    """The owner marks a pending step ``succeeded`` or ``skipped`` (its task,
    if any, is completed with it)."""
    step = db.get(EnrollmentStep, _id(step_id))
    if step is None:
        raise NotFound()
    enrollment = get_for(db, actor, Enrollment, step.enrollment_id, "update")
    if state not in ("succeeded", "skipped"):
        raise ValidationError({"state": N_("Choose one of the offered values.")})
    if step.state != "pending" or enrollment.state != "active":
        raise Conflict(N_("This step is already closed."))
    step.state, step.done_at, step.detail = state, utcnow(), note.strip()[:500]
    if step.task_id is not None:
        set_task_done(db, step.task_id, True)
    db.flush()
    advance(db, enrollment)
    return step


def stop_enrollment(db: Session, actor: Actor, enrollment_id: Any) -> Enrollment:
    """Stop a run: its pending steps are skipped, their tasks completed."""
    enrollment = get_for(db, actor, Enrollment, enrollment_id, "update")
    if enrollment.state != "active":
        raise Conflict(N_("This run is not running."))
    for step, _template in run_steps(db, enrollment.id):
        if step.state == "pending":
            step.state, step.done_at, step.detail = "skipped", utcnow(), N_("The run was stopped.")
            if step.task_id is not None:
                set_task_done(db, step.task_id, True)
    enrollment.state, enrollment.next_due_on = "stopped", None
    db.flush()
    return enrollment
