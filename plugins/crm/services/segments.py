"""Segments: saved rules over customers, compiled to one SQL predicate, and
their membership over time.

A rule is ``{"field", "op", "value"}``; fields and operators come from
``segment_rules.FIELDS`` only (design rule 7), and ``clean_rules`` names the
row of any rule it refuses. ``predicate`` turns the rules into one
expression over ``crm_customer``: previews and member lists AND it with the
reader's permission scope, so nobody counts or sees a customer they could
not open. Membership (``crm_segment_member``) is computed over the whole
organisation by :func:`refresh`, a set-based diff that closes the rows of
customers who no longer match and opens rows for those who newly do; a
customer who leaves and comes back has two rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from core import N_, Actor, BigId, NotFound, UTCDateTime, ValidationError, get_for, scope, utcnow
from plugins.crm.models import Customer, Segment, SegmentMember
from plugins.crm.services.segment_rules import (
    FIELDS,
    LOCAL_TZ,
    MATCHES,
    OPS,
    clean_rules,
    describe,
    in_org,
    predicate,
    rules_from_form,
)

#: a preview counts up to this many customers ("10,000+" beyond)
PREVIEW_LIMIT = 10_000
#: customers shown as a sample under the preview
SAMPLE_SIZE = 8


# ------------------------------------------------------------------ preview


@dataclass(frozen=True)
class Preview:
    count: int
    capped: bool
    sample: list[tuple[int, str]]


def preview(db: Session, actor: Actor, rules: Sequence[Mapping[str, Any]], match: str) -> Preview:
    """How many of the customers the actor may read the rules select (up to
    :data:`PREVIEW_LIMIT`), and a few of them by name."""
    where = and_(in_org(actor.org_id, rules, match), scope(actor, Customer, "read"))
    counted = db.scalar(select(func.count()).select_from(
        select(Customer.id).where(where).limit(PREVIEW_LIMIT + 1).subquery())) or 0
    sample = [(i, n) for i, n in db.execute(select(Customer.id, Customer.name).where(where)
                                            .order_by(Customer.name, Customer.id).limit(SAMPLE_SIZE))]
    return Preview(min(counted, PREVIEW_LIMIT), counted > PREVIEW_LIMIT, sample)


# ------------------------------------------------------------------ segments


def readable(actor: Actor) -> ColumnElement[bool]:
    """The segments the actor may open: those in their ``crm.segment.read``
    scope, and the shared segments of every organisation they read segments in."""
    grants = actor.grants.get("crm.segment.read", [])
    if any(g.scope == "all" for g in grants):
        return Segment.deleted_at.is_(None)
    orgs = {g.org_id for g in grants}
    shared = and_(Segment.shared.is_(True), Segment.org_id.in_(orgs), Segment.deleted_at.is_(None))
    return or_(scope(actor, Segment, "read"), shared)


def get_segment(db: Session, actor: Actor, segment_id: Any, action: str = "read") -> Segment:
    """A segment the actor may ``action``; NotFound outside that."""
    if action != "read":
        return get_for(db, actor, Segment, segment_id, action)
    actor.require("crm.segment.read")
    try:
        key = int(segment_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    segment = db.scalar(select(Segment).where(Segment.id == key, readable(actor)))
    if segment is None:
        raise NotFound()
    return segment


def visible_segments(db: Session, actor: Actor) -> list[Segment]:
    return list(db.scalars(select(Segment).where(readable(actor)).order_by(Segment.name, Segment.id)))


def _clean(db: Session, org_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = N_("Give the segment a name.")
    elif len(name) > 200:
        errors["name"] = N_("The name is too long.")
    match = str(values.get("match") or "all")
    if match not in MATCHES:
        errors["match"] = N_("Choose one of the offered values.")
    try:
        rules = clean_rules(db, org_id, values.get("rules", []))
    except ValidationError as exc:
        errors.update(exc.errors)
        rules = []
    if errors:
        raise ValidationError(errors)
    return {"name": name, "description": str(values.get("description") or "")[:5000], "match": match,
            "shared": values.get("shared") in (True, "1", "on", "true", "yes"), "rules": rules}


def create_segment(db: Session, actor: Actor, values: Mapping[str, Any]) -> Segment:
    """A new segment of the actor's organisation, owned by them, refreshed at once."""
    actor.require("crm.segment.create")
    segment = Segment(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                      **_clean(db, actor.org_id, values))
    db.add(segment)
    db.flush()
    refresh(db, segment)
    return segment


def update_segment(db: Session, actor: Actor, segment_id: Any, values: Mapping[str, Any]) -> Segment:
    segment = get_segment(db, actor, segment_id, "update")
    for key, value in _clean(db, segment.org_id, values).items():
        setattr(segment, key, value)
    db.flush()
    refresh(db, segment)
    return segment


def delete_segment(db: Session, actor: Actor, segment_id: Any) -> Segment:
    segment = get_segment(db, actor, segment_id, "delete")
    segment.deleted_at = utcnow()
    db.flush()
    return segment


# ------------------------------------------------------------------ membership


def refresh(db: Session, segment: Segment, *, at: datetime | None = None) -> tuple[int, int]:
    """Bring the segment's membership up to date in three statements: close
    the open memberships of customers who no longer match (``left_at``),
    open one for each matching customer without one (``joined_at``).
    Returns (joined, left)."""
    when = at or utcnow()
    db.flush()
    selects = in_org(segment.org_id, segment.rules or [], segment.match, at=when)
    matching = select(Customer.id).where(selects)
    is_open = and_(SegmentMember.segment_id == segment.id, SegmentMember.left_at.is_(None))
    left = db.execute(update(SegmentMember).where(is_open, SegmentMember.customer_id.not_in(matching))
                      .values(left_at=when), execution_options={"synchronize_session": False})
    members = select(SegmentMember.customer_id).where(is_open)
    joined = db.execute(insert(SegmentMember).from_select(
        ["segment_id", "customer_id", "joined_at"],
        select(literal(segment.id, BigId), Customer.id, literal(when, UTCDateTime()))
        .where(selects, Customer.id.not_in(members))))
    count = db.scalar(select(func.count()).select_from(SegmentMember).where(is_open)) or 0
    db.execute(update(Segment).where(Segment.id == segment.id).values(member_count=count, refreshed_at=when),
               execution_options={"synchronize_session": False})
    db.expire(segment)
    return int(getattr(joined, "rowcount", 0) or 0), int(getattr(left, "rowcount", 0) or 0)


def refresh_all(db: Session, *, org_id: int | None = None) -> int:
    """Refresh every segment (of ``org_id``); how many."""
    stmt = select(Segment).where(Segment.deleted_at.is_(None)).order_by(Segment.id)
    if org_id is not None:
        stmt = stmt.where(Segment.org_id == org_id)
    segments = list(db.scalars(stmt))
    when = utcnow()
    for segment in segments:
        refresh(db, segment, at=when)
    return len(segments)


def members_stmt(actor: Actor, segment: Segment) -> Any:
    """The segment's present members the actor may read (a kit list's base query)."""
    current = select(SegmentMember.customer_id).where(SegmentMember.segment_id == segment.id,
                                                      SegmentMember.left_at.is_(None))
    return select(Customer).where(Customer.id.in_(current), scope(actor, Customer, "read"))


def member_counts(db: Session, actor: Actor, segment_ids: Iterable[int]) -> dict[int, int]:
    """Present members per segment, counting only customers the actor may read."""
    ids = list(segment_ids)
    if not ids:
        return {}
    stmt = (select(SegmentMember.segment_id, func.count())
            .join(Customer, Customer.id == SegmentMember.customer_id)
            .where(SegmentMember.segment_id.in_(ids), SegmentMember.left_at.is_(None),
                   scope(actor, Customer, "read"))
            .group_by(SegmentMember.segment_id))
    return {sid: int(n) for sid, n in db.execute(stmt)}


def history(db: Session, actor: Actor, segment: Segment) -> list[tuple[date, int]]:
    """Members the actor may read, by day (China's time), from the first
    refresh to today: one point per day something changed, and today."""
    visible = and_(SegmentMember.segment_id == segment.id, scope(actor, Customer, "read"))
    joined = (select(SegmentMember.joined_at, func.count())
              .join(Customer, Customer.id == SegmentMember.customer_id)
              .where(visible).group_by(SegmentMember.joined_at))
    left = (select(SegmentMember.left_at, func.count())
            .join(Customer, Customer.id == SegmentMember.customer_id)
            .where(visible, SegmentMember.left_at.is_not(None)).group_by(SegmentMember.left_at))
    events: list[tuple[datetime, int]] = [(at, int(n)) for at, n in db.execute(joined)]
    events += [(at, -int(n)) for at, n in db.execute(left) if at is not None]
    by_day: dict[date, int] = {}
    total = 0
    for at, delta in sorted(events, key=lambda e: (e[0], e[1] < 0)):
        total += delta
        by_day[at.astimezone(LOCAL_TZ).date()] = total
    today = utcnow().astimezone(LOCAL_TZ).date()
    if by_day:
        by_day.setdefault(today, total)
    return sorted(by_day.items())


def customer_segments(db: Session, actor: Actor, customer_id: int) -> list[tuple[Segment, datetime]]:
    """The segments a customer is in now that the actor may open, with since when."""
    stmt = (select(Segment, SegmentMember.joined_at)
            .join(SegmentMember, SegmentMember.segment_id == Segment.id)
            .where(SegmentMember.customer_id == customer_id, SegmentMember.left_at.is_(None), readable(actor))
            .order_by(Segment.name))
    return [(s, at) for s, at in db.execute(stmt)]


__all__ = ["FIELDS", "MATCHES", "OPS", "Preview", "clean_rules", "create_segment", "customer_segments",
           "delete_segment", "describe", "get_segment", "history", "member_counts", "members_stmt",
           "predicate", "preview", "readable", "refresh", "refresh_all", "rules_from_form", "update_segment",
           "visible_segments"]
