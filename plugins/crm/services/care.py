"""Customer care (回访/关怀): care records, care plans and their daily job,
and the contacts' birthday reminders.

A care record is planned, then done (with the customer's satisfaction,
1 to 5) or dropped (stored as ``cancelled``). Its owner and department are
its customer's, like every record of a customer. A care plan gives, every
``interval_days`` from ``starts_on``, one planned record to each customer
of its segment (the current members: ``crm_segment_member.left_at IS
NULL``), or of its owner when it has no segment; customers in a pool (no
owner) get none, as nobody would do it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import extract, or_, select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, JobContext, ValidationError, enqueue, get_for, notify, scope, utcnow
from plugins.crm.models import Care, CarePlan, Contact, Customer, SegmentMember
from plugins.crm.models.choices import CARE_KINDS

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
#: days before a contact's birthday that its owner hears of it (setting ``crm_birthday_notice_days``)
BIRTHDAY_NOTICE_DAYS = 3
MAX_TEXT = 10_000


def today() -> date:
    """Today in China."""
    return utcnow().astimezone(LOCAL_TZ).date()


# ------------------------------------------------------------------ care records


def create_care(db: Session, actor: Actor, values: dict[str, Any]) -> Care:
    """A planned care record on a customer the actor may read (``crm.care.create``)."""
    actor.require("crm.care.create")
    customer_id = values.pop("customer_id", None)
    if customer_id in (None, ""):
        raise ValidationError({"customer_id": N_("Choose the customer.")})
    customer = get_for(db, actor, Customer, customer_id, "read")
    clean = _clean(db, customer.id, values)
    if clean.get("planned_on") is None:
        clean["planned_on"] = today()
    care = Care(customer_id=customer.id, org_id=customer.org_id, owner_id=customer.owner_id,
                department_id=customer.department_id, state="planned", **clean)
    db.add(care)
    db.flush()
    return care


def update_care(db: Session, actor: Actor, care: Care, values: Mapping[str, Any]) -> None:
    values = {k: v for k, v in values.items() if k != "customer_id"}
    clean = _clean(db, care.customer_id, values)
    if clean.get("planned_on", care.planned_on) is None:
        clean["planned_on"] = care.planned_on
    for key, value in clean.items():
        setattr(care, key, value)


def complete_care(db: Session, actor: Actor, care_id: int, values: Mapping[str, Any]) -> Care:
    """Mark a planned care record done, with the customer's satisfaction (1–5)."""
    care = get_for(db, actor, Care, care_id, "update")
    if care.state != "planned":
        raise Conflict(N_("Only planned care can be marked done or dropped."))
    errors: dict[str, str] = {}
    try:
        satisfaction = int(str(values.get("satisfaction") or ""))
        if not 1 <= satisfaction <= 5:
            raise ValueError
    except ValueError:
        errors["satisfaction"] = N_("Give the customer's satisfaction from 1 to 5.")
        satisfaction = 0
    try:
        clean = _clean(db, care.customer_id, {k: v for k, v in values.items()
                                              if k in ("content", "duration_minutes", "cost", "contact_id")})
    except ValidationError as invalid:
        errors.update(invalid.errors)
        clean = {}
    if errors:
        raise ValidationError(errors)
    for key, value in clean.items():
        setattr(care, key, value)
    care.satisfaction, care.state, care.done_at = satisfaction, "done", utcnow()
    db.flush()
    return care


def drop_care(db: Session, actor: Actor, care_id: int) -> Care:
    care = get_for(db, actor, Care, care_id, "update")
    if care.state != "planned":
        raise Conflict(N_("Only planned care can be marked done or dropped."))
    care.state = "cancelled"
    db.flush()
    return care


def _clean(db: Session, customer_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name, raw in values.items():
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        if name == "kind":
            if empty or str(raw) not in CARE_KINDS:
                errors[name] = N_("Choose one of the offered kinds.")
            else:
                out[name] = str(raw)
        elif name == "planned_on":
            if isinstance(raw, date) or empty:
                out[name] = raw if isinstance(raw, date) else None
            else:
                try:
                    out[name] = date.fromisoformat(str(raw).strip())
                except ValueError:
                    errors[name] = N_("Give the date as YYYY-MM-DD.")
        elif name == "content":
            text = "" if empty else str(raw).strip()
            if len(text) > MAX_TEXT:
                errors[name] = N_("The text is too long.")
            out[name] = text
        elif name == "duration_minutes":
            try:
                out[name] = 0 if empty else int(str(raw))
                if not 0 <= out[name] <= 24 * 60:
                    raise ValueError
            except ValueError:
                errors[name] = N_("Give between 0 and 1,440 minutes.")
        elif name == "cost":
            try:
                amount = Decimal("0") if empty else Decimal(str(raw).replace(",", ""))
                if not amount.is_finite() or amount < 0 or amount >= Decimal("1e15"):
                    raise InvalidOperation
                out[name] = amount.quantize(Decimal("0.01"))
            except InvalidOperation:
                errors[name] = N_("Give an amount such as 128.50.")
        elif name == "contact_id":
            if empty:
                out[name] = None
            elif db.scalar(select(Contact.id).where(Contact.id == int(raw), Contact.customer_id == customer_id,
                                                    Contact.deleted_at.is_(None))) is None:
                errors[name] = N_("Choose a contact of this customer.")
            else:
                out[name] = int(raw)
        elif name == "satisfaction":
            continue  # set when marked done
        else:
            errors[name] = N_("This field cannot be set.")
    if errors:
        raise ValidationError(errors)
    return out


def my_todo(db: Session, actor: Actor, *, limit: int = 200) -> list[tuple[Care, str]]:
    """The actor's planned care (their customers'), soonest first, with the customer's name."""
    stmt = (select(Care, Customer.name).join(Customer, Customer.id == Care.customer_id)
            .where(Care.owner_id == actor.user_id, Care.state == "planned", scope(actor, Care, "read"))
            .order_by(Care.planned_on, Care.id).limit(limit))
    return [(care, name) for care, name in db.execute(stmt)]


def of_customer(db: Session, actor: Actor, customer_id: int, *, limit: int = 10) -> list[Care]:
    """A customer's care the actor may read: planned first (soonest), then the latest done."""
    return list(db.scalars(select(Care).where(Care.customer_id == customer_id, scope(actor, Care, "read"))
                           .order_by((Care.state == "planned").desc(), Care.planned_on.desc(), Care.id.desc())
                           .limit(limit)))


# ------------------------------------------------------------------ care plans


def create_plan(db: Session, actor: Actor, values: dict[str, Any]) -> CarePlan:
    """A care plan owned by its creator; it first runs on its start date."""
    _check_plan(values)
    plan = CarePlan(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id, **values)
    plan.next_run_on = plan.starts_on
    db.add(plan)
    db.flush()
    return plan


def update_plan(db: Session, actor: Actor, plan: CarePlan, values: Mapping[str, Any]) -> None:
    values = dict(values)
    _check_plan(values)
    moved = "starts_on" in values and values["starts_on"] != plan.starts_on
    for key, value in values.items():
        setattr(plan, key, value)
    if moved:
        plan.next_run_on = plan.starts_on


def _check_plan(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    interval = values.get("interval_days")
    if interval is not None and not 1 <= int(interval) <= 3660:
        errors["interval_days"] = N_("Give between 1 and 3,660 days.")
    if "kind" in values and values["kind"] not in CARE_KINDS:
        errors["kind"] = N_("Choose one of the offered kinds.")
    if values.get("segment_id") in ("",):
        values["segment_id"] = None
    if errors:
        raise ValidationError(errors)


def plan_customers(db: Session, plan: CarePlan) -> list[tuple[int, int, int | None, int]]:
    """``(customer id, owner id, department id, org id)`` of the plan's
    customers with an owner: its segment's current members, else its owner's."""
    stmt = select(Customer.id, Customer.owner_id, Customer.department_id, Customer.org_id).where(
        Customer.org_id == plan.org_id, Customer.deleted_at.is_(None), Customer.owner_id.is_not(None))
    if plan.segment_id is not None:
        stmt = stmt.where(Customer.id.in_(select(SegmentMember.customer_id).where(
            SegmentMember.segment_id == plan.segment_id, SegmentMember.left_at.is_(None))))
    else:
        stmt = stmt.where(Customer.owner_id == plan.owner_id)
    return [(int(a), int(b or 0), c, int(d)) for a, b, c, d in db.execute(stmt.order_by(Customer.id))]


def run_plan(db: Session, plan: CarePlan, day: date) -> int:
    """Give the plan's customers their planned care for its due date, if
    due by ``day``; advance ``next_run_on`` past ``day``. Returns how many
    records were made (never two for one plan, customer and date)."""
    due = plan.next_run_on or plan.starts_on
    if not plan.active or plan.deleted_at is not None or due > day:
        return 0
    have = set(db.scalars(select(Care.customer_id).where(Care.plan_id == plan.id, Care.planned_on == due)))
    made = 0
    for customer_id, owner_id, department_id, org_id in plan_customers(db, plan):
        if customer_id in have:
            continue
        db.add(Care(customer_id=customer_id, org_id=org_id, owner_id=owner_id, department_id=department_id,
                    plan_id=plan.id, kind=plan.kind, planned_on=due, content=plan.instructions,
                    state="planned"))
        made += 1
    step = timedelta(days=max(plan.interval_days, 1))
    following = due + step
    if following <= day:  # the job did not run for a while: the next date still to come
        following += step * ((day - following).days // step.days + 1)
    plan.next_run_on = following
    db.flush()
    return made


def run_care_plans(ctx: JobContext) -> None:
    """The daily job ``crm.care_plans``."""
    day = today()
    db = ctx.session
    plans = list(db.scalars(select(CarePlan).where(
        CarePlan.active.is_(True), CarePlan.deleted_at.is_(None),
        or_(CarePlan.next_run_on <= day, CarePlan.next_run_on.is_(None)))))
    for plan in plans:
        made = run_plan(db, plan, day)
        if made:
            ctx.log(f"care plan {plan.id}: {made} planned care records")


# ------------------------------------------------------------------ birthdays


def birthdays_on(db: Session, day: date) -> list[Contact]:
    """Contacts with an owner whose birthday falls on ``day`` (29 February
    falls on the 28th in other years)."""
    days = [day.day]
    if day.month == 2 and day.day == 28 and not _leap(day.year):
        days.append(29)
    return list(db.scalars(select(Contact).where(
        Contact.deleted_at.is_(None), Contact.owner_id.is_not(None), Contact.birthday.is_not(None),
        extract("month", Contact.birthday) == day.month, extract("day", Contact.birthday).in_(days))
        .order_by(Contact.id)))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def run_birthdays(ctx: JobContext) -> None:
    """The daily job ``crm.birthdays``: one reminder per contact and year,
    ``crm_birthday_notice_days`` (3) days ahead, queued under a key of the
    contact and the year, so a second run the same day queues nothing."""
    notice = int(ctx.kernel.settings.extra.get("crm_birthday_notice_days", BIRTHDAY_NOTICE_DAYS))
    day = today() + timedelta(days=notice)
    for contact in birthdays_on(ctx.session, day):
        enqueue(ctx.session, "crm.birthday_notice", {"contact_id": contact.id, "on": day.isoformat()},
                key=f"crm.birthday:{contact.id}:{day.year}", org_id=contact.org_id)


def birthday_notice(ctx: JobContext) -> None:
    """Tell a contact's owner of the coming birthday."""
    contact = ctx.session.get(Contact, ctx.payload["contact_id"])
    if contact is None or contact.owner_id is None or contact.deleted_at is not None:
        return
    customer = ctx.session.get(Customer, contact.customer_id)
    notify(ctx.session, user_ids=[contact.owner_id], subject=N_("Birthday of {name} on {date}"),
           body=N_("{name} of {customer} has a birthday on {date}: a greeting keeps the relationship warm."),
           params={"name": contact.name, "customer": customer.name if customer else "",
                   "date": ctx.payload["on"]},
           link=f"/crm/contacts/{contact.id}", category="reminder", record=("crm.contact", contact.id))


__all__ = ["birthday_notice", "birthdays_on", "complete_care", "create_care", "create_plan", "drop_care",
           "my_todo", "of_customer", "plan_customers", "run_birthdays", "run_care_plans", "run_plan", "today",
           "update_care", "update_plan"]
