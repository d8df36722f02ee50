"""Reminders: a rule tells someone ``offset_days`` before (negative) or after
a date field of every record of a model in one organisation; open tasks
tell their assignee when they fall due.

The hourly job ``activity.reminders`` runs :func:`run_reminders`. It is
idempotent: what a rule fired is remembered in ``activity_reminder_sent``
(one row per rule, record and date), what a task fired is the job outbox's
idempotency key (``activity.task_due:<id>:<due time>``). A day the job did
not run is caught up for up to :data:`CATCH_UP_DAYS` days, never for days
before the rule existed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, DateTime, Select, and_, func, select
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    Base,
    Crud,
    JobContext,
    ValidationError,
    enqueue,
    manager_of,
    notify,
    role_members,
    scope,
    utcnow,
)
from plugins.activity import kernel
from plugins.activity.models import RECIPIENTS, Activity, ReminderRule, ReminderSent
from plugins.activity.services.records import TITLE_ATTRS

#: China's time decides "today" (the kernel's ``DEFAULT_TZ``, which ``core`` does not export)
CHINA = ZoneInfo("Asia/Shanghai")
CATCH_UP_DAYS = 7
MAX_OFFSET = 365
BATCH = 500
JOB = "activity.reminders"
TASK_DUE = "activity.task_due"
#: bookkeeping columns and tables nobody sets a reminder on
SKIP_FIELDS = frozenset({"created_at", "updated_at", "deleted_at"})
SKIP_MODELS = frozenset({"activity.notification", "activity.delivery", "activity.channel_settings",
                         "activity.preference", "activity.reminder_rule", "activity.reminder_sent",
                         "core.job"})
#: ``link(model_key, record_id)``: the path of a record's page, or ""
Links = Callable[[str, int], str]


class HasModels(Protocol):
    @property
    def models(self) -> Mapping[str, type[Base]]: ...


# ------------------------------------------------------------------ date fields


def date_fields(registry: HasModels) -> dict[str, list[tuple[str, str]]]:
    """Model key -> its date fields ``(name, label)``, for models with an
    organisation column and at least one date or date-time field."""
    out: dict[str, list[tuple[str, str]]] = {}
    for key, model in sorted(registry.models.items()):
        if key in SKIP_MODELS or _column(model, "org") is None:
            continue
        fields = [(c.key, str(c.info.get("label", c.key))) for c in model.__table__.columns
                  if c.key not in SKIP_FIELDS and _kind(c) is not None]
        if fields:
            out[key] = fields
    return out


def _kind(column: Any) -> type | None:
    """``date`` or ``datetime`` for a date or date-time column (``UTCDateTime`` too)."""
    stored = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator: what it stores
    if isinstance(stored, DateTime):
        return datetime
    return date if isinstance(stored, Date) else None


def _column(model: type[Base], role: str) -> Any:
    """The model's org or owner column (``__scope_columns__``), or None."""
    names = getattr(model, "__scope_columns__", None) or {"org": "org_id", "owner": "owner_id"}
    name = names.get(role)
    return getattr(model, name) if name and hasattr(model, name) else None


# ------------------------------------------------------------------ rules


def check_rule(session: Session, actor: Actor, registry: HasModels,
               values: Mapping[str, Any]) -> dict[str, Any]:
    """Clean values of a rule, or ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    fields = date_fields(registry)
    model_key = str(values.get("model") or "")
    field = str(values.get("field") or "")
    if model_key not in fields:
        errors["model"] = N_("Choose a record type that has a date field.")
    elif field not in dict(fields[model_key]):
        errors["field"] = N_("Choose a date field of this record type.")
    offset = values.get("offset_days")
    if not isinstance(offset, int) or abs(offset) > MAX_OFFSET:
        errors["offset_days"] = N_("Days must be a whole number between -365 and 365.")
    kind = str(values.get("recipients") or "")
    role_id, user_id = values.get("role_id"), values.get("user_id")
    if kind not in RECIPIENTS:
        errors["recipients"] = N_("Choose whom to remind.")
    elif kind in ("owner", "manager") and model_key in fields \
            and _column(registry.models[model_key], "owner") is None:
        errors["recipients"] = N_("This record type has no owner: remind a role or a user.")
    elif kind == "role" and not (role_id and any(r == role_id for r, _ in role_choices(session, actor))):
        errors["role_id"] = N_("Choose the role to remind.")
    elif kind == "user" and not (user_id and any(u == user_id for u, _ in user_choices(session, actor))):
        errors["user_id"] = N_("Choose the user to remind.")
    if errors:
        raise ValidationError(errors)
    return {**values, "model": model_key, "field": field, "recipients": kind,
            "role_id": role_id if kind == "role" else None,
            "user_id": user_id if kind == "user" else None,
            "message": str(values.get("message") or "").strip()}


def add_rule(session: Session, actor: Actor, values: dict[str, Any]) -> ReminderRule:
    """A new rule in the actor's organisation; ``values`` from :func:`check_rule`."""
    rule = ReminderRule(org_id=actor.org_id, **values)
    session.add(rule)
    return rule


def change_rule(session: Session, actor: Actor, rule: ReminderRule, values: dict[str, Any]) -> None:
    """Apply ``values`` from :func:`check_rule`; the organisation never changes."""
    for key, value in values.items():
        setattr(rule, key, value)


def role_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Roles the actor may read, by name."""
    role = _kernel_model("core.role")
    stmt = select(role.id, role.name).where(scope(actor, role, "read")).order_by(role.name)
    return [(rid, name) for rid, name in session.execute(stmt)]


def _kernel_model(key: str) -> Any:
    """A kernel model class by key (``core`` exports none), like ``kernel.user_model``."""
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__model_key__", None) == key:
            return mapper.class_
    raise LookupError(key)


def user_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Active users the actor may read, by name (at most 500)."""
    user = kernel.user_model()
    stmt = (select(user.id, user.display_name)  # type: ignore[attr-defined]
            .where(scope(actor, user, "read"), user.active.is_(True))  # type: ignore[attr-defined]
            .order_by(user.display_name).limit(kernel.MAX_ASSIGNEES))  # type: ignore[attr-defined]
    return [(uid, name) for uid, name in session.execute(stmt)]


# ------------------------------------------------------------------ the sweep


def today_in_china(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(CHINA).date()


def _local_date(value: date | datetime) -> date:
    return value.astimezone(CHINA).date() if isinstance(value, datetime) else value


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), CHINA).astimezone(UTC)


def _dated(model: type[Base], field: str, first: date, last: date) -> ColumnElement[bool]:
    """Records whose ``field`` falls on a day from ``first`` to ``last`` in China."""
    col = getattr(model, field)
    if _kind(col) is datetime:
        return and_(col >= _midnight(first), col < _midnight(last + timedelta(days=1)))
    between: ColumnElement[bool] = col.between(first, last)
    return between


def _records(model: type[Base], rule: ReminderRule, first: date, last: date) -> Select[Any]:
    stmt = select(model).where(_dated(model, rule.field, first, last), _column(model, "org") == rule.org_id)
    if hasattr(model, "deleted_at"):
        stmt = stmt.where(model.deleted_at.is_(None))
    return stmt


def sweep(session: Session, registry: HasModels, today: date, *, links: Links | None = None) -> int:
    """Fire every active rule for its records due today, and for those of the
    last :data:`CATCH_UP_DAYS` days not fired yet; the number of reminders."""
    fields = date_fields(registry)
    rules = session.scalars(select(ReminderRule).where(ReminderRule.active.is_(True))
                            .order_by(ReminderRule.id)).all()
    return sum(_fire(session, registry.models[r.model], r, today, links)
               for r in rules if r.field in dict(fields.get(r.model, ())))


def _fire(session: Session, model: type[Base], rule: ReminderRule, today: date, links: Links | None) -> int:
    first = max(today - timedelta(days=CATCH_UP_DAYS), _local_date(rule.created_at))
    shift = timedelta(days=rule.offset_days)
    lo, hi = first - shift, today - shift  # the record dates whose reminder day has come
    id_col = model.id  # type: ignore[attr-defined]
    stmt = _records(model, rule, lo, hi).order_by(id_col).limit(BATCH)
    people = _Recipients(session, rule, model)
    fired, last = 0, 0
    while batch := session.scalars(stmt.where(id_col > last)).all():
        last = batch[-1].id
        done = set(session.execute(select(ReminderSent.record_id, ReminderSent.due_on).where(
            ReminderSent.rule_id == rule.id, ReminderSent.record_id.in_([r.id for r in batch]),
            ReminderSent.due_on.between(lo, hi))))
        for record in batch:
            due = _local_date(getattr(record, rule.field))
            if (record.id, due) in done:
                continue
            session.add(ReminderSent(rule_id=rule.id, record_id=record.id, due_on=due))
            notify(session, user_ids=people.of(record), subject=N_("Reminder: {record}"),
                   body=N_("{message} (date: {date})"),
                   params={"record": label_of(record), "message": rule.message or rule.name,
                           "rule": rule.name, "date": due.isoformat()},
                   link=_link(links, record), category="reminder",
                   record=(model.__model_key__, record.id))
            fired += 1
    session.flush()
    return fired


class _Recipients:
    """Whom a rule tells about one record; managers looked up once per owner."""

    def __init__(self, session: Session, rule: ReminderRule, model: type[Base]) -> None:
        self.session, self.rule = session, rule
        self.owner = _column(model, "owner")
        self.managers: dict[int, int | None] = {}
        self.fixed: list[int] = []
        if rule.recipients == "role" and rule.role_id is not None:
            self.fixed = role_members(session, rule.role_id, rule.org_id)
        elif rule.recipients == "user" and rule.user_id is not None:
            self.fixed = [rule.user_id]

    def of(self, record: Any) -> list[int]:
        if self.rule.recipients not in ("owner", "manager"):
            return self.fixed
        owner = getattr(record, self.owner.key) if self.owner is not None else None
        if owner is None:
            return []
        if self.rule.recipients == "owner":
            return [owner]
        if owner not in self.managers:
            self.managers[owner] = manager_of(self.session, owner)
        boss = self.managers[owner]
        return [boss] if boss is not None else []


def preview(session: Session, registry: HasModels, rule: ReminderRule, today: date) -> int | None:
    """How many records the rule would remind about today (None: the rule's
    model or field is gone)."""
    model = registry.models.get(rule.model)
    if model is None or rule.field not in dict(date_fields(registry).get(rule.model, ())):
        return None
    day = today - timedelta(days=rule.offset_days)
    stmt = _records(model, rule, day, day).subquery()
    return session.scalar(select(func.count()).select_from(stmt)) or 0


def label_of(record: Any) -> str:
    """A short name for a record: its first non-empty title-like attribute."""
    for attr in TITLE_ATTRS:
        value = getattr(record, attr, None)
        if isinstance(value, str) and value.strip():
            return value
    return f"#{record.id}"


def _link(links: Links | None, record: Any) -> str:
    if links is None:
        return ""
    if isinstance(record, Activity):  # an activity is shown on its record's page
        return links(record.record_model, record.record_id)
    return links(record.__model_key__, record.id)


def record_links(app: Any) -> Links:
    """``link(model_key, id)`` from a kernel's routes: the record's ``Crud``
    detail page, or "" when its model has none."""
    names: dict[str, str] = {}
    for mount, table in app.routes.items():
        for spec in table.specs:
            crud = getattr(spec.handler, "__self__", None)
            if isinstance(crud, Crud) and spec.name == f"{crud.noun}_detail":
                names.setdefault(crud.key, f"{mount}:{spec.name}")

    def link(model_key: str, record_id: int) -> str:
        name = names.get(model_key)
        return str(app.url_path_for(name, id=record_id)) if name else ""

    return link


# ------------------------------------------------------------------ tasks


def queue_due_tasks(session: Session, now: datetime) -> int:
    """Queue a reminder for each open, assigned task that fell due in the last
    :data:`CATCH_UP_DAYS` days; the key makes each one once per due time."""
    stmt = (select(Activity.id, Activity.due_at, Activity.org_id)
            .where(Activity.kind == "task", Activity.assignee_id.is_not(None), Activity.done_at.is_(None),
                   Activity.due_at <= now, Activity.due_at > now - timedelta(days=CATCH_UP_DAYS))
            .order_by(Activity.id))
    count = 0
    for activity_id, due_at, org_id in session.execute(stmt):
        if due_at is None:
            continue
        stamp = due_at.strftime("%Y%m%dT%H%M%S")
        enqueue(session, TASK_DUE, {"activity_id": activity_id, "due_at": stamp},
                key=f"{TASK_DUE}:{activity_id}:{stamp}", org_id=org_id)
        count += 1
    return count


def remind_task(ctx: JobContext) -> None:
    """The task ``activity.task_due``: tell the assignee, if the task is
    still open and still due at the time it was queued for."""
    task = ctx.session.get(Activity, int(ctx.payload["activity_id"]))
    if task is None or task.done_at is not None or task.assignee_id is None or task.due_at is None \
            or task.due_at.strftime("%Y%m%dT%H%M%S") != ctx.payload["due_at"]:
        return
    model = ctx.kernel.registry.models.get(task.record_model)
    parent = ctx.session.get(model, task.record_id) if model is not None else None
    notify(ctx.session, user_ids=[task.assignee_id], subject=N_("Task due: {subject}"),
           body=N_("On {record}"),
           params={"subject": task.subject, "record": label_of(parent) if parent is not None else ""},
           link=_link(record_links(ctx.kernel), task), category="task",
           record=(task.record_model, task.record_id))
    ctx.log(f"reminded user {task.assignee_id} of task {task.id}")


def run_reminders(ctx: JobContext) -> None:
    """The hourly job ``activity.reminders``."""
    now = utcnow()
    sent = sweep(ctx.session, ctx.kernel.registry, today_in_china(now), links=record_links(ctx.kernel))
    tasks = queue_due_tasks(ctx.session, now)
    ctx.log(f"{sent} reminders sent, {tasks} due tasks checked")
