"""Follow-up records (联系记录): writing them, the history lock, the task a
next contact date makes, and what they add to a customer's timeline.

A follow-up belongs to its customer: its owner and department are the
customer's (they move with it, services/ownership.py), ``author_id`` is
who wrote it. Writing one sets the customer's ``last_followup_at``, which
the pool's protection rules count from.

**The history lock.** A follow-up whose record was written more than the
organisation's ``crm_settings.followup_lock_days`` ago (30 by default; 0
never locks) is read-only: the services refuse to change or delete it with
a ``Conflict`` naming the lock, and an event handler (``guard_lock``,
called from hooks.py) refuses any other write of the ORM (the API, the
kit's delete, an import) the same way. The age counts from ``created_at``,
not from ``happened_at``: a call entered today about last month is
editable today, and backdating cannot lock a record early.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for, scope, utcnow
from plugins.crm import kernel
from plugins.crm.models import Care, Contact, Customer, FollowUp, Opportunity, Settings
from plugins.crm.models.choices import CARE_KINDS, CARE_STATES, FOLLOWUP_KINDS, FOLLOWUP_RESULTS

#: the CRM shows and takes times in China's time
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_LOCK_DAYS = 30
MAX_CONTENT = 10_000
#: the fields a follow-up's form and the API may set
FIELDS = ("kind", "contact_id", "opportunity_id", "happened_at", "content", "result", "next_contact_on",
          "duration_minutes", "cost")
LOCKED = N_("This follow-up was recorded more than {days} days ago and is locked: history can no longer "
            "be changed or deleted.")


# ------------------------------------------------------------------ the lock


def lock_days(db: Session, org_id: int) -> int:
    """The organisation's lock period in days (0: follow-ups never lock)."""
    days = db.scalar(select(Settings.followup_lock_days).where(Settings.org_id == org_id))
    return DEFAULT_LOCK_DAYS if days is None else max(int(days), 0)


def is_locked(db: Session, followup: FollowUp) -> bool:
    """Whether ``followup`` is older than its organisation's lock period."""
    days = lock_days(db, followup.org_id)
    written = followup.created_at
    return bool(days) and written is not None and written <= utcnow() - timedelta(days=days)


def ensure_unlocked(db: Session, followup: FollowUp) -> None:
    if is_locked(db, followup):
        raise Conflict(LOCKED, days=str(lock_days(db, followup.org_id)))


def guard_lock(session: Session, record: Any, changes: Mapping[str, Any] | None) -> None:
    """The event side of the lock: refuse a write of a locked follow-up that
    bypassed the services (``changes`` None: a soft delete). Restoring from
    the recycle bin (only ``deleted_at`` changes) is allowed."""
    if getattr(record, "__model_key__", "") != "crm.followup":
        return
    if changes is not None and set(changes) <= {"deleted_at"}:
        return
    ensure_unlocked(session, record)


# ------------------------------------------------------------------ writing


def log_followup(db: Session, actor: Actor, customer_id: int, values: dict[str, Any]) -> FollowUp:
    """Write a follow-up on a customer the actor may update
    (``crm.followup.create``). Sets the customer's ``last_followup_at``; a
    next contact date gives the customer's owner a task due that day."""
    actor.require("crm.followup.create")
    customer = get_for(db, actor, Customer, customer_id, "update")
    clean = _clean(db, actor, customer, values, partial=False)
    followup = FollowUp(customer_id=customer.id, org_id=customer.org_id, owner_id=customer.owner_id,
                        department_id=customer.department_id, author_id=actor.user_id, **clean)
    db.add(followup)
    db.flush()
    _touch_customer(db, customer, followup.happened_at)
    _sync_task(db, actor, followup, customer)
    return followup


def create_followup(db: Session, actor: Actor, values: dict[str, Any]) -> FollowUp:
    """The kit's and the API's create: ``values`` carries ``customer_id``."""
    customer_id = values.pop("customer_id", None)
    if customer_id in (None, ""):
        raise ValidationError({"customer_id": N_("Choose the customer.")})
    return log_followup(db, actor, int(customer_id), values)


def update_followup(db: Session, actor: Actor, followup: FollowUp, values: Mapping[str, Any]) -> None:
    """Change a follow-up that is not locked; a changed next contact date
    replaces its open task."""
    ensure_unlocked(db, followup)
    customer = db.get(Customer, followup.customer_id)
    assert customer is not None
    values = {k: v for k, v in values.items() if k != "customer_id"}
    clean = _clean(db, actor, customer, values, partial=True)
    next_changed = "next_contact_on" in clean and clean["next_contact_on"] != followup.next_contact_on
    for key, value in clean.items():
        setattr(followup, key, value)
    db.flush()
    if "happened_at" in clean:
        _touch_customer(db, customer, followup.happened_at)
    if next_changed:
        _sync_task(db, actor, followup, customer)


def delete_followup(db: Session, actor: Actor, followup_id: int, version: Any = None) -> FollowUp:
    """To the recycle bin, unless locked (``crm.followup.delete``); its open
    task goes with it."""
    from core import check_version
    from plugins.crm import activity

    followup = get_for(db, actor, FollowUp, followup_id, "delete")
    ensure_unlocked(db, followup)
    check_version(followup, version)
    followup.deleted_at = utcnow()
    activity.drop_open_tasks(db, followup)
    db.flush()
    return followup


def _touch_customer(db: Session, customer: Customer, at: datetime) -> None:
    """The customer's last follow-up is the latest one that happened (a
    late entry about an older call does not move it back)."""
    if customer.last_followup_at is None or at > customer.last_followup_at:
        customer.last_followup_at = at


def _sync_task(db: Session, actor: Actor, followup: FollowUp, customer: Customer) -> None:
    from plugins.crm import activity

    activity.replace_next_contact_task(db, actor, followup, customer)


def _clean(db: Session, actor: Actor, customer: Customer, values: Mapping[str, Any], *,
           partial: bool) -> dict[str, Any]:
    """Check and convert ``values``; ValidationError naming every bad field."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError({name: N_("This field cannot be set.") for name in sorted(unknown)})
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in FIELDS:
        if name not in values:
            if partial:
                continue
            raw: Any = None
        else:
            raw = values[name]
        try:
            out[name] = _convert(db, actor, customer, name, raw)
        except ValueError as exc:
            errors[name] = str(exc)
    if not partial and not errors and not out.get("content"):
        errors["content"] = N_("Write what was said or done.")
    if "content" in out and partial and not out["content"]:
        errors["content"] = N_("Write what was said or done.")
    if errors:
        raise ValidationError(errors)
    return out


def _convert(db: Session, actor: Actor, customer: Customer, name: str, raw: Any) -> Any:
    empty = raw is None or (isinstance(raw, str) and not raw.strip())
    if name == "kind":
        kind = "call" if empty else str(raw)
        if kind not in FOLLOWUP_KINDS:
            raise ValueError(N_("Choose one of the offered kinds."))
        return kind
    if name == "result":
        result = "" if empty else str(raw)
        if result and result not in FOLLOWUP_RESULTS:
            raise ValueError(N_("Choose one of the offered results."))
        return result
    if name == "content":
        text = "" if empty else str(raw).replace("\r\n", "\n").strip()
        if len(text) > MAX_CONTENT:
            raise ValueError(N_("The text is too long."))
        return text
    if name == "happened_at":
        return utcnow() if empty else _moment(raw)
    if name == "next_contact_on":
        return None if empty else _day(raw)
    if name == "duration_minutes":
        return 0 if empty else _minutes(raw)
    if name == "cost":
        return Decimal("0") if empty else _money(raw)
    if name == "contact_id":
        return None if empty else _contact_of(db, customer, raw)
    if name == "opportunity_id":
        return None if empty else _opportunity_of(db, actor, customer, raw)
    raise AssertionError(name)


def _moment(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        moment = raw
    else:
        try:
            moment = datetime.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValueError(N_("Give the date and time as YYYY-MM-DD HH:MM.")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    if moment > utcnow() + timedelta(minutes=5):
        raise ValueError(N_("A follow-up cannot happen in the future."))
    return moment


def _day(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValueError(N_("Give the date as YYYY-MM-DD.")) from None


def _minutes(raw: Any) -> int:
    try:
        minutes = int(str(raw).strip())
    except ValueError:
        raise ValueError(N_("Give a whole number of minutes.")) from None
    if not 0 <= minutes <= 24 * 60:
        raise ValueError(N_("Give between 0 and 1,440 minutes."))
    return minutes


def _money(raw: Any) -> Decimal:
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(N_("Give an amount such as 128.50.")) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e15"):
        raise ValueError(N_("Give an amount such as 128.50."))
    return amount.quantize(Decimal("0.01"))


def _contact_of(db: Session, customer: Customer, raw: Any) -> int:
    try:
        contact_id = int(str(raw))
    except ValueError:
        raise ValueError(N_("Choose a contact of this customer.")) from None
    found = db.scalar(select(Contact.id).where(Contact.id == contact_id, Contact.customer_id == customer.id,
                                               Contact.deleted_at.is_(None)))
    if found is None:
        raise ValueError(N_("Choose a contact of this customer."))
    return contact_id


def _opportunity_of(db: Session, actor: Actor, customer: Customer, raw: Any) -> int:
    try:
        opportunity_id = int(str(raw))
    except ValueError:
        raise ValueError(N_("Choose an opportunity of this customer.")) from None
    found = db.scalar(select(Opportunity.id).where(
        Opportunity.id == opportunity_id, Opportunity.customer_id == customer.id,
        scope(actor, Opportunity, "read")))
    if found is None:
        raise ValueError(N_("Choose an opportunity of this customer."))
    return opportunity_id


# ------------------------------------------------------------------ reading


def recent(db: Session, actor: Actor, customer_id: int, *, limit: int = 20) -> list[FollowUp]:
    """A customer's follow-ups the actor may read, newest first."""
    return list(db.scalars(select(FollowUp).where(
        FollowUp.customer_id == customer_id, scope(actor, FollowUp, "read"))
        .order_by(FollowUp.happened_at.desc(), FollowUp.id.desc()).limit(limit)))


def contacts_of(db: Session, customer_id: int) -> list[tuple[int, str]]:
    """The customer's contacts as (id, name), main contact first."""
    return [(i, n) for i, n in db.execute(select(Contact.id, Contact.name).where(
        Contact.customer_id == customer_id, Contact.deleted_at.is_(None))
        .order_by(Contact.is_main.desc(), Contact.name))]


def timeline_entries(db: Session, actor: Actor, customer: Any) -> list[Any]:
    """The customer's follow-ups and care records the actor may read, as
    timeline entries (``activity_timeline_entries``), newest first."""
    from plugins.activity.api import TimelineEntry

    entries: list[TimelineEntry] = []
    followups = recent(db, actor, customer.id, limit=100) if actor.can("crm.followup.read") else []
    cares = (list(db.scalars(select(Care).where(Care.customer_id == customer.id, scope(actor, Care, "read"))
                             .order_by(Care.planned_on.desc(), Care.id.desc()).limit(100)))
             if actor.can("crm.care.read") else [])
    names = kernel.names(db, [f.author_id for f in followups] + [c.owner_id for c in cares])
    contacts = dict(contacts_of(db, customer.id))
    for f in followups:
        entries.append(TimelineEntry(
            at=f.happened_at, kind="crm.followup", title=N_("Follow-up"), body=f.content,
            author=names.get(f.author_id or 0, ""), icon="message-dots", key=f"crm-followup-{f.id}",
            template="crm/_followup_entry.html",
            context={"followup": f, "contact": contacts.get(f.contact_id or 0, ""),
                     "kind": FOLLOWUP_KINDS.get(f.kind, f.kind), "result": FOLLOWUP_RESULTS.get(f.result, "")}))
    for c in cares:
        at = c.done_at or datetime.combine(c.planned_on, time(9), tzinfo=LOCAL_TZ)
        entries.append(TimelineEntry(
            at=at, kind="crm.care", title=N_("Customer care"), body=c.content,
            author=names.get(c.owner_id or 0, ""), icon="heart-handshake", key=f"crm-care-{c.id}",
            template="crm/_care_entry.html",
            context={"care": c, "kind": CARE_KINDS.get(c.kind, c.kind),
                     "state": CARE_STATES.get(c.state, c.state)}))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


__all__ = ["create_followup", "delete_followup", "ensure_unlocked", "guard_lock", "is_locked", "lock_days",
           "log_followup", "recent", "timeline_entries", "update_followup"]
