"""The on-site service desk: exhibitors' requests and complaints during the
show, each with a deadline from its service level.

A request is opened (:func:`open_request`) for an exhibitor of the
edition, at one of its booths if it names one; its ``due_at`` is the time
it was opened plus the service level of its category and priority
(:func:`sla_minutes`: the organisation's own ``DeskSla`` row, else the
plugin's defaults). It is dispatched to a member of staff who may resolve
requests (:func:`dispatch`, notified at once, urgent ones by SMS too),
resolved with a note saying what was done (:func:`resolve`), and closed
when the exhibitor agrees (:func:`close`) or reopened when they do not
(:func:`reopen`: a new deadline from that moment). A request still open or
dispatched after ``due_at`` is overdue (:func:`overdue`, a SQL condition:
the desk's queue sorts and counts by it). The requests show on the
exhibitor's timeline in the CRM.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    Conflict,
    ValidationError,
    get_for,
    next_number,
    notify,
    permission_holders,
    scope,
    utcnow,
)
from plugins.crm.models import Customer
from plugins.exhibitions.models import Booth, DeskRequest, DeskSla, Edition, FloorPlan, Space
from plugins.exhibitions.models.choices import DESK_CATEGORIES, DESK_CHANNELS, DESK_PRIORITIES, DESK_STATES
from plugins.exhibitions.services.editions import ident
from plugins.sales.services.documents import registry_of

#: minutes to resolve a request of normal priority, by category, where the organisation set none
DEFAULT_MINUTES = {"power": 30, "security": 15, "network": 60, "cleaning": 60, "damage": 120, "other": 240}
#: how a priority shortens or stretches that (urgent: half the time; low: twice)
PRIORITY_FACTOR = {"urgent": Decimal("0.5"), "high": Decimal("0.75"), "normal": Decimal(1), "low": Decimal(2)}
#: the states still waiting on the desk (their deadline runs)
ACTIVE = ("open", "dispatched")
FIELDS = ("category", "priority", "title", "description", "reported_by", "phone", "channel", "booth_id")
RESOLVER = "exhibitions.desk_request.resolve"


# ------------------------------------------------------------------ service levels


def sla_minutes(db: Session, org_id: int, category: str, priority: str) -> int:
    """The organisation's service level of a category and priority, in
    minutes; the plugin's default scaled by the priority where it set none."""
    own = db.scalar(select(DeskSla.minutes).where(DeskSla.org_id == org_id, DeskSla.category == category,
                                                  DeskSla.priority == priority))
    if own is not None:
        return int(own)
    base = DEFAULT_MINUTES.get(category, DEFAULT_MINUTES["other"])
    return max(int(base * PRIORITY_FACTOR.get(priority, Decimal(1))), 5)


def clean_sla(values: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"category": str(values.get("category") or ""),
                            "priority": str(values.get("priority") or ""),
            "name": str(values.get("name") or "").strip()}
    errors: dict[str, str] = {}
    if not data["name"]:
        errors["name"] = N_("Give the service level a name.")
    if data["category"] not in DESK_CATEGORIES:
        errors["category"] = N_("Choose the category.")
    if data["priority"] not in DESK_PRIORITIES:
        errors["priority"] = N_("Choose the priority.")
    try:
        data["minutes"] = int(values.get("minutes") or 0)
    except (TypeError, ValueError):
        data["minutes"] = 0
    if not 1 <= data["minutes"] <= 10080:
        errors["minutes"] = N_("Give the minutes to resolve, from 1 to 10080 (a week).")
    if errors:
        raise ValidationError(errors)
    return data


def create_sla(db: Session, actor: Actor, values: Mapping[str, Any]) -> DeskSla:
    actor.require("exhibitions.desk_sla.create")
    data = clean_sla(values)
    org_id = actor.org_id
    if db.scalar(select(DeskSla.id).where(DeskSla.org_id == org_id, DeskSla.category == data["category"],
                                          DeskSla.priority == data["priority"])) is not None:
        raise ValidationError({"priority": N_("This category and priority have a service level already.")})
    row = DeskSla(org_id=org_id, owner_id=actor.user_id, **data)
    db.add(row)
    db.flush()
    return row


def update_sla(db: Session, actor: Actor, row: DeskSla, values: Mapping[str, Any]) -> None:
    get_for(db, actor, DeskSla, row.id, "update")
    data = clean_sla({**{"name": row.name, "category": row.category, "priority": row.priority,
                         "minutes": row.minutes}, **values})
    clash = db.scalar(select(DeskSla.id).where(
        DeskSla.org_id == row.org_id, DeskSla.category == data["category"],
        DeskSla.priority == data["priority"], DeskSla.id != row.id))
    if clash is not None:
        raise ValidationError({"priority": N_("This category and priority have a service level already.")})
    for key, value in data.items():
        setattr(row, key, value)
    db.flush()


# ------------------------------------------------------------------ requests


def overdue(now: datetime) -> ColumnElement[bool]:
    """Still waiting on the desk after its deadline: for lists and counts."""
    return and_(DeskRequest.state.in_(ACTIVE), DeskRequest.due_at < now)


def _clean(db: Session, actor: Actor, edition: Edition, customer_id: Any,
           values: Mapping[str, Any]) -> dict[str, Any]:
    """A request's fields, checked; every bad one named in one ValidationError."""
    data: dict[str, Any] = {k: values[k] for k in FIELDS if k in values}
    for key in ("title", "description", "reported_by", "phone"):
        data[key] = str(data.get(key) or "").strip()
    errors: dict[str, str] = {}
    if not data["title"]:
        errors["title"] = N_("Say in a few words what is wrong.")
    if data.get("category") not in DESK_CATEGORIES:
        errors["category"] = N_("Choose the category.")
    data["priority"] = data.get("priority") or "normal"
    if data["priority"] not in DESK_PRIORITIES:
        errors["priority"] = N_("Choose the priority.")
    data["channel"] = data.get("channel") or "desk"
    if data["channel"] not in DESK_CHANNELS:
        errors["channel"] = N_("Choose how the request came in.")
    customer = None
    if ident(customer_id) is not None:
        customer = db.scalar(select(Customer).where(Customer.id == ident(customer_id),
                                                    scope(actor, Customer, "read")))
    if customer is None:
        errors["customer_id"] = N_("Choose the exhibitor.")
    booth_id = str(data.get("booth_id") or "")
    data["booth_id"] = None
    if booth_id:
        booth = db.scalar(select(Booth).where(Booth.id == ident(booth_id), Booth.edition_id == edition.id)
                          ) if ident(booth_id) is not None else None
        if booth is None or (customer is not None and booth.customer_id != customer.id):
            errors["booth_id"] = N_("Choose one of the exhibitor's booths in this edition.")
        else:
            data["booth_id"] = booth.id
    if errors:
        raise ValidationError(errors)
    assert customer is not None
    data["customer_id"] = customer.id
    return data


def open_request(db: Session, actor: Actor, values: Mapping[str, Any]) -> DeskRequest:
    """A new request of an exhibitor of an edition the actor may read, due by
    now plus its service level."""
    actor.require("exhibitions.desk_request.create")
    edition = get_for(db, actor, Edition, values.get("edition_id"))
    data = _clean(db, actor, edition, values.get("customer_id"), values)
    now = utcnow()
    request = DeskRequest(
        org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id, state="open", opened_at=now,
        due_at=now + timedelta(minutes=sla_minutes(db, edition.org_id, data["category"], data["priority"])),
        number=next_number(db, registry_of(db), "exhibitions.desk_request", edition.org_id), **data)
    db.add(request)
    db.flush()
    return request


def update_request(db: Session, actor: Actor, request: DeskRequest, values: Mapping[str, Any]) -> None:
    """Change what the request says; a new category or priority moves its
    deadline (from when it was opened). A closed request is not changed."""
    get_for(db, actor, DeskRequest, request.id, "update")
    if request.state == "closed":
        raise Conflict(N_("A closed request is not changed: reopen it first."))
    edition = db.get(Edition, request.edition_id)
    assert edition is not None
    merged = {**{k: getattr(request, k) for k in FIELDS}, **{k: values[k] for k in FIELDS if k in values}}
    data = _clean(db, actor, edition, request.customer_id, merged)
    data.pop("customer_id")
    for key, value in data.items():
        setattr(request, key, value)
    if request.state in ACTIVE:
        request.due_at = request.opened_at + timedelta(
            minutes=sla_minutes(db, request.org_id, request.category, request.priority))
    db.flush()


def assignees(db: Session, org_id: int) -> list[tuple[int, str]]:
    """Who a request may be dispatched to: active staff who may resolve requests."""
    from plugins.activity.kernel import user_model

    user: Any = user_model()
    return [(i, n) for i, n in db.execute(
        select(user.id, user.display_name).where(user.id.in_(permission_holders(RESOLVER, org_id)))
        .order_by(user.display_name))]


def _mine(db: Session, actor: Actor, request_id: Any, code: str) -> DeskRequest:
    actor.require(code)
    return get_for(db, actor, DeskRequest, request_id)


def dispatch(db: Session, actor: Actor, request_id: Any, assignee_id: Any) -> DeskRequest:
    """Give the request to a member of staff (again, to another one, while
    it waits); they are notified, by SMS too when it is urgent."""
    request = _mine(db, actor, request_id, "exhibitions.desk_request.dispatch")
    if request.state not in ACTIVE:
        raise Conflict(N_("Only a request waiting on the desk is dispatched."))
    allowed = dict(assignees(db, request.org_id))
    chosen = ident(assignee_id)
    if chosen is None or chosen not in allowed:
        raise ValidationError({"assignee_id": N_("Choose a member of staff who resolves desk requests.")})
    request.assignee_id = chosen
    request.state = "dispatched"
    request.dispatched_at = utcnow()
    db.flush()
    _tell(db, request, [chosen], actor_id=actor.user_id)
    return request


def _tell(db: Session, request: DeskRequest, user_ids: Any, *, actor_id: int | None = None) -> None:
    """Notify staff of a request: its subject and deadline, by SMS too when urgent."""
    notify(db, user_ids=list(user_ids), subject=N_("Desk request {number}: {title}"), body=N_("Due by {due}."),
           params={"number": request.number, "title": request.title,
                   "due": request.due_at.isoformat(timespec="minutes")},
           link=f"/exhibitions/desk/{request.id}", category="task",
           record=("exhibitions.desk_request", request.id), urgent=request.priority == "urgent",
           actor_id=actor_id)


def resolve(db: Session, actor: Actor, request_id: Any, resolution: Any) -> DeskRequest:
    """Resolved, with what was done."""
    request = _mine(db, actor, request_id, RESOLVER)
    if request.state not in ACTIVE:
        raise Conflict(N_("The request is {state}: only a waiting one is resolved."),
                       state=DESK_STATES[request.state])
    text = str(resolution or "").strip()
    if not text:
        raise ValidationError({"resolution": N_("Say what was done.")})
    request.state = "resolved"
    request.resolution = text
    request.resolved_at = utcnow()
    if request.assignee_id is None:
        request.assignee_id = actor.user_id
    db.flush()
    return request


def close(db: Session, actor: Actor, request_id: Any) -> DeskRequest:
    """The exhibitor agrees it is fixed."""
    request = _mine(db, actor, request_id, "exhibitions.desk_request.update")
    if request.state != "resolved":
        raise Conflict(N_("Only a resolved request is closed."))
    request.state = "closed"
    request.closed_at = utcnow()
    db.flush()
    return request


def reopen(db: Session, actor: Actor, request_id: Any, reason: Any) -> DeskRequest:
    """Not fixed after all: back to the desk (to its assignee, if it had
    one) with a new deadline from now, and the reason kept in its description."""
    request = _mine(db, actor, request_id, "exhibitions.desk_request.update")
    if request.state not in ("resolved", "closed"):
        raise Conflict(N_("Only a resolved or closed request is reopened."))
    text = str(reason or "").strip()
    if not text:
        raise ValidationError({"reason": N_("Say why it is not fixed.")})
    now = utcnow()
    request.state = "dispatched" if request.assignee_id else "open"
    request.reopened += 1
    request.description = f"{request.description}\n\n[{now:%Y-%m-%d %H:%M} UTC] {text}".strip()
    request.resolved_at = None
    request.closed_at = None
    minutes = sla_minutes(db, request.org_id, request.category, request.priority)
    request.due_at = now + timedelta(minutes=minutes)
    db.flush()
    return request


# ------------------------------------------------------------------ the desk's queue


@dataclass(frozen=True)
class QueueRow:
    request: DeskRequest
    customer: str
    booth: str
    hall: str
    overdue: bool


def location() -> Any:
    """The booth number and hall of a request, as outer joins on a select of DeskRequest."""
    return (select(DeskRequest, Customer.name, Booth.number, Space.name)
            .join(Customer, Customer.id == DeskRequest.customer_id)
            .outerjoin(Booth, Booth.id == DeskRequest.booth_id)
            .outerjoin(FloorPlan, FloorPlan.id == Booth.plan_id)
            .outerjoin(Space, Space.id == FloorPlan.space_id))


def queue(db: Session, actor: Actor, edition_id: int, *, hall: int | None = None, waiting: bool = True,
          limit: int = 200) -> list[QueueRow]:
    """The desk's queue of an edition: requests still waiting (or all), the
    overdue first, then by deadline; of one hall if asked."""
    actor.require("exhibitions.desk_request.read")
    now = utcnow()
    stmt = location().where(DeskRequest.edition_id == edition_id, scope(actor, DeskRequest, "read"))
    if waiting:
        stmt = stmt.where(DeskRequest.state.in_(ACTIVE))
    if hall is not None:
        stmt = stmt.where(FloorPlan.space_id == hall)
    late = case((overdue(now), 0), else_=1)
    stmt = stmt.order_by(late, DeskRequest.due_at, DeskRequest.id).limit(limit)
    return [QueueRow(r, c, b or "", h or "", r.state in ACTIVE and r.due_at < now)
            for r, c, b, h in db.execute(stmt)]


def halls(db: Session, edition_id: int) -> list[tuple[int, str]]:
    """The halls with a floor plan in the edition (the queue's filter)."""
    return [(i, n) for i, n in db.execute(
        select(Space.id, Space.name).join(FloorPlan, FloorPlan.space_id == Space.id)
        .where(FloorPlan.edition_id == edition_id).distinct().order_by(Space.name))]


@dataclass(frozen=True)
class Figures:
    waiting: int
    overdue: int
    resolved: int
    met: int

    @property
    def met_share(self) -> int | None:
        """Percent of resolved requests resolved by their deadline."""
        return round(100 * self.met / self.resolved) if self.resolved else None


def figures(db: Session, actor: Actor, edition_id: int) -> Figures:
    """The desk's counts of an edition, in one SQL query: waiting, overdue,
    resolved (or closed), and resolved within the service level."""
    now = utcnow()
    done = DeskRequest.resolved_at.is_not(None)
    row = db.execute(select(
        func.count().filter(DeskRequest.state.in_(ACTIVE)),
        func.count().filter(overdue(now)),
        func.count().filter(done),
        func.count().filter(done, DeskRequest.resolved_at <= DeskRequest.due_at),
    ).where(DeskRequest.edition_id == edition_id, scope(actor, DeskRequest, "read"))).one()
    return Figures(*(int(v or 0) for v in row))


# ------------------------------------------------------------------ the exhibitor portal

#: what the portal's stand-in actor (``services.portal.portal_actor``) may do to open a request
PORTAL_CODES = ("exhibitions.edition.read", "exhibitions.desk_request.create", "crm.customer.read")
#: the priorities an exhibitor chooses from in the portal (urgent is the desk's call)
PORTAL_PRIORITIES = ("high", "normal", "low")


def open_for_exhibitor(db: Session, account: Any, values: Mapping[str, Any]) -> DeskRequest:
    """A request the exhibitor opens in the portal: at one of its reserved or
    sold booths (the request's edition is the booth's), reported by the
    account, channel ``portal``; the staff who dispatch requests are told at once."""
    from plugins.exhibitions.services.portal import portal_actor, portal_scope

    booth_id = ident(values.get("booth_id"))
    booth = db.scalar(portal_scope(select(Booth), Booth, account).where(
        Booth.id == booth_id, Booth.status.in_(("reserved", "sold")))) if booth_id is not None else None
    if booth is None:
        raise ValidationError({"booth_id": N_("Choose one of the exhibitor's booths in this edition.")})
    priority = str(values.get("priority") or "normal")
    if priority not in PORTAL_PRIORITIES:
        raise ValidationError({"priority": N_("Choose the priority.")})
    request = open_request(db, portal_actor(db, account, PORTAL_CODES), {
        **{k: values.get(k) for k in ("category", "title", "description")}, "booth_id": booth.id,
        "priority": priority, "edition_id": booth.edition_id, "customer_id": account.customer_id,
        "channel": "portal", "reported_by": account.name, "phone": account.mobile})
    _tell(db, request, db.scalars(permission_holders("exhibitions.desk_request.dispatch", request.org_id)))
    return request


def of_exhibitor(db: Session, account: Any) -> list[QueueRow]:
    """The exhibitor's requests (the portal's page), the newest first."""
    from plugins.exhibitions.services.portal import portal_scope

    now = utcnow()
    stmt = portal_scope(location(), DeskRequest, account).order_by(DeskRequest.opened_at.desc()).limit(100)
    return [QueueRow(r, c, b or "", h or "", r.state in ACTIVE and r.due_at < now)
            for r, c, b, h in db.execute(stmt)]


def timeline_entries(db: Session, actor: Actor, customer: Any) -> list[Any]:
    """The exhibitor's desk requests the actor may read, as entries of the
    customer's timeline (``activity_timeline_entries``): when opened, and
    when resolved."""
    from plugins.activity.api import TimelineEntry

    if not actor.can("exhibitions.desk_request.read"):
        return []
    entries: list[TimelineEntry] = []
    for request, _c, booth, hall in db.execute(
            location().where(DeskRequest.customer_id == customer.id, scope(actor, DeskRequest, "read"))
            .order_by(DeskRequest.opened_at.desc()).limit(100)):
        context = {"request": request, "booth": booth, "hall": hall,
                   "category": DESK_CATEGORIES.get(request.category, request.category),
                   "state": DESK_STATES.get(request.state, request.state)}
        entries.append(TimelineEntry(
            at=request.opened_at, kind="exhibitions.desk_request", title=N_("Desk request {number}"),
            params={"number": request.number}, body=request.title, icon="lifebuoy",
            key=f"exhibitions-desk-{request.id}", template="exhibitions/_desk_entry.html", context=context))
        if request.resolved_at is not None:
            entries.append(TimelineEntry(
                at=request.resolved_at, kind="exhibitions.desk_request",
                title=N_("Desk request {number} resolved"),
                params={"number": request.number}, body=request.resolution, icon="circle-check",
                key=f"exhibitions-desk-{request.id}-resolved"))
    return entries
