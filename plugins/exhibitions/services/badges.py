"""Exhibitor staff badges (参展证) and the badges printed on demand.

An exhibitor's quota in an edition follows the edition's rule
(:class:`~plugins.exhibitions.models.VisitorSetup`): ``badges_per`` badges
for each whole ``per_area_m2`` m² of its reserved and sold booths, at least
``badge_minimum`` (an exhibitor with no booth gets none). Badges beyond the
quota are ``extra``: each one not yet charged goes on a new draft service
order of the edition's extra-badge service (the services part's
:func:`~plugins.exhibitions.services.service_orders.clean_lines`, priced at
today's tier), which staff confirm into a sales order as any other; an
edition without that service takes no extra badge.

:func:`set_badge_names` is the one way names change, for staff and for the
exhibitor portal alike: it takes the exhibitor explicitly (the portal has
checked the exhibitor is its user's) and, unless staff override it, refuses
after the edition's ``badge_deadline``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, next_number, utcnow
from plugins.exhibitions.models import Edition, ExhibitorBadge, ServiceOrder, VisitorSetup
from plugins.exhibitions.services import service_orders
from plugins.exhibitions.services.registration import setup_of
from plugins.exhibitions.services.visitors import new_code
from plugins.sales.services.documents import registry_of, today

#: the most badges one exhibitor holds in an edition
MAX_BADGES = 200
PAST_DEADLINE = N_("Badge names were due by {day}: ask the organiser to change them.")


@dataclass(frozen=True)
class Quota:
    area: Decimal
    included: int
    used: int

    @property
    def extra(self) -> int:
        return max(0, self.used - self.included)


def quota_of(setup: VisitorSetup, area: Decimal) -> int:
    """Badges included with ``area`` m² booked under the edition's rule."""
    if area <= 0:
        return 0
    per = Decimal(setup.per_area_m2 or 0)
    by_area = int(area // per) * int(setup.badges_per or 0) if per > 0 else 0
    return max(int(setup.badge_minimum or 0), by_area)


def badges_of(db: Session, edition_id: int, customer_id: int) -> list[ExhibitorBadge]:
    return list(db.scalars(select(ExhibitorBadge).where(
        ExhibitorBadge.edition_id == edition_id, ExhibitorBadge.customer_id == customer_id)
        .order_by(ExhibitorBadge.sequence, ExhibitorBadge.id)))


def quota(db: Session, edition: Edition, customer_id: int) -> Quota:
    area = service_orders.booked_area(db, edition.id, customer_id)
    used = len(badges_of(db, edition.id, customer_id))
    return Quota(area, quota_of(setup_of(db, edition), area), used)


def clean_names(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The badges' names, titles and mobiles, rows left empty dropped; each
    bad row named (``line_<n>_<field>``, n counting the rows given)."""
    errors: dict[str, str] = {}
    out: list[dict[str, str]] = []
    for n, row in enumerate(rows, start=1):
        values = {k: str(row.get(k) or "").strip() for k in ("name", "title", "mobile")}
        if not any(values.values()):
            continue
        if not values["name"]:
            errors[f"line_{n}_name"] = N_("Give the name printed on the badge.")
        for key, limit in (("name", 100), ("title", 100), ("mobile", 40)):
            if len(values[key]) > limit:
                errors[f"line_{n}_{key}"] = N_("This is too long.")
        out.append(values)
    if len(out) > MAX_BADGES:
        errors["names"] = N_("At most 200 badges for one exhibitor.")
    if errors:
        raise ValidationError(errors)
    return out


def set_badge_names(session: Session, actor: Actor | None, edition: Edition, customer_id: int,
                    names: Sequence[Mapping[str, Any]], *, override: bool = False) -> list[ExhibitorBadge]:
    """The exhibitor's badges become ``names`` in that order (a badge keeps
    its code where a row stays; surplus badges go). ``actor`` may be the
    exhibitor's portal user or nobody; ``override`` (staff: it needs
    ``exhibitions.exhibitor_badge.update``) lifts the deadline. The badges
    beyond the quota are extra, and those not yet charged go on a new draft
    service order (see the module's text). One ValidationError or Conflict,
    nothing written."""
    if override:
        if actor is None:
            raise PermissionError("only staff override the badge deadline")
        actor.require("exhibitions.exhibitor_badge.update")
    setup = setup_of(session, edition)
    if not override and setup.badge_deadline is not None and today() > setup.badge_deadline:
        raise Conflict(PAST_DEADLINE, day=setup.badge_deadline.isoformat())
    rows = clean_names(names)
    included = quota_of(setup, service_orders.booked_area(session, edition.id, customer_id))
    if len(rows) > included and setup.extra_badge_service_id is None:
        raise ValidationError({"names": N_("More names than the exhibitor's quota, and this edition sells "
                                           "no extra badge.")})
    existing = badges_of(session, edition.id, customer_id)
    kept: list[ExhibitorBadge] = []
    for i, row in enumerate(rows):
        badge = existing[i] if i < len(existing) else None
        if badge is None:
            badge = ExhibitorBadge(org_id=edition.org_id, owner_id=actor.user_id if actor else edition.owner_id,
                                   edition_id=edition.id, customer_id=customer_id, code=_free_code(session))
            session.add(badge)
        badge.sequence, badge.name, badge.title, badge.mobile = i + 1, row["name"], row["title"], row["mobile"]
        badge.extra = i >= included
        kept.append(badge)
    for badge in existing[len(rows):]:
        session.delete(badge)
    session.flush()
    unpaid = [b for b in kept if b.extra and b.order_id is None]
    if unpaid:
        order = _charge(session, actor, edition, customer_id, setup, len(unpaid))
        for badge in unpaid:
            badge.order_id = order.id
        session.flush()
    return kept


def _free_code(db: Session) -> str:
    code = new_code()
    while db.scalar(select(ExhibitorBadge.id).where(ExhibitorBadge.code == code)) is not None:
        code = new_code()
    return code


def _charge(db: Session, actor: Actor | None, edition: Edition, customer_id: int, setup: VisitorSetup,
            count: int) -> ServiceOrder:
    """A draft service order of ``count`` extra badges (the services part's lines and prices)."""
    day = today()
    rows = service_orders.clean_lines(db, edition, customer_id, [
        {"service_id": str(setup.extra_badge_service_id), "quantity": str(count)}], day)
    staff = actor is not None and actor.can("exhibitions.service_order.create")
    order = ServiceOrder(org_id=edition.org_id, owner_id=actor.user_id if staff and actor else edition.owner_id,
                         edition_id=edition.id, customer_id=customer_id, ordered_on=day,
                         channel="staff" if staff else "portal",
                         number=next_number(db, registry_of(db), "exhibitions.service_order", edition.org_id),
                         note="参展证加购 / Extra staff badges")
    db.add(order)
    db.flush()
    service_orders._write_lines(db, order, rows)
    return order


def mark_printed(db: Session, ids: Iterable[int]) -> None:
    db.execute(update(ExhibitorBadge).where(ExhibitorBadge.id.in_(list(ids))).values(printed_at=utcnow()))


def exhibitors(db: Session, edition_id: int) -> list[tuple[int, Decimal]]:
    """The edition's exhibitors (customers with a reserved or sold booth) and their booked m²."""
    from sqlalchemy import func

    from plugins.exhibitions.models import Booth

    return [(int(c or 0), Decimal(a)) for c, a in db.execute(
        select(Booth.customer_id, func.sum(Booth.area)).where(
            Booth.edition_id == edition_id, Booth.customer_id.is_not(None),
            Booth.status.in_(service_orders.BOOKED)).group_by(Booth.customer_id))]
