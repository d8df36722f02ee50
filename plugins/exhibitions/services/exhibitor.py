"""An exhibitor's history, for the CRM's customer 360 view (the panel
"Exhibitions", declared in ``parts/apply.py``): the editions they exhibited
at with their booths, the booth contracts and how far they are paid, open
applications, waitlist entries, priority points and service orders.

Every block is one query under the reader's scopes (booths, editions,
contracts, applications, waitlist entries), whatever the number of rows;
the points are :func:`~plugins.exhibitions.services.points.points_by_edition`
(three queries for every edition together). A field the field rules hide
(a contract's number or total, a booth's number or area) is left blank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from core import Actor, scope
from plugins.exhibitions.models import Application, Booth, Edition, ServiceOrder, WaitlistEntry
from plugins.exhibitions.services import points as point_services

#: booth statuses that put an exhibitor on a booth
ON_BOOTH = ("held", "reserved", "sold")
#: at most this many rows a block
LIMIT = 50


@dataclass
class Exhibited:
    """An edition the customer has booths in: its booths (id, number, m², status) and their m²."""

    edition_id: int
    name: str
    opens_on: date | None
    booths: list[tuple[int, str, Decimal | None, str]] = field(default_factory=list)

    @property
    def area(self) -> Decimal:
        return sum((b[2] or Decimal(0) for b in self.booths), Decimal(0))


@dataclass(frozen=True)
class BoothContract:
    id: int
    number: str
    state: str
    currency: str
    total: Decimal | None
    received: Decimal | None

    @property
    def payment(self) -> str:
        """``paid``, ``partly`` or ``unpaid`` (empty when the amounts are hidden)."""
        if self.total is None or self.received is None:
            return ""
        if self.received >= self.total:
            return "paid"
        return "partly" if self.received > 0 else "unpaid"


def history(db: Session, actor: Actor, customer_id: int) -> dict[str, Any]:
    """The panel's blocks for ``customer_id`` (a customer the CRM let the reader open)."""
    return {"exhibited": exhibited(db, actor, customer_id),
            "contracts": booth_contracts(db, actor, customer_id),
            "applications": open_applications(db, actor, customer_id),
            "waitlist": waitlist_entries(db, actor, customer_id), "points": points(db, actor, customer_id),
            "service_orders": service_orders(db, actor, customer_id)}


def exhibited(db: Session, actor: Actor, customer_id: int) -> list[Exhibited]:
    """The editions (newest first) with the customer's booths the reader may read."""
    if not (actor.can("exhibitions.booth.read") and actor.can("exhibitions.edition.read")):
        return []
    hidden = actor.hidden_fields(Booth)
    rows = db.execute(select(Edition.id, Edition.name, Edition.opens_on, Booth.id, Booth.number, Booth.area,
                             Booth.status)
                      .join(Edition, Edition.id == Booth.edition_id)
                      .where(Booth.customer_id == customer_id, Booth.status.in_(ON_BOOTH),
                             scope(actor, Booth, "read"), scope(actor, Edition, "read"))
                      .order_by(Edition.opens_on.desc(), Edition.id.desc(), Booth.number).limit(LIMIT * 4))
    out: dict[int, Exhibited] = {}
    for edition_id, name, opens_on, booth_id, number, area, status in rows:
        shown = out.setdefault(edition_id, Exhibited(edition_id, name, opens_on))
        shown.booths.append((booth_id, "" if "number" in hidden else number, None if "area" in hidden else area,
                             status))
    return list(out.values())[:LIMIT]


def booth_contracts(db: Session, actor: Actor, customer_id: int) -> list[BoothContract]:
    """The customer's contracts with booths on them that the reader may read, newest first."""
    if not actor.can("sales.contract.read"):
        return []
    from plugins.sales.models import Contract

    hidden = actor.hidden_fields(Contract)
    on_booths = select(Booth.contract_id).where(Booth.customer_id == customer_id,
                                                Booth.contract_id.is_not(None))
    rows = db.execute(select(Contract.id, Contract.number, Contract.state, Contract.currency_code,
                             Contract.total, Contract.received)
                      .where(Contract.id.in_(on_booths), Contract.customer_id == customer_id,
                             scope(actor, Contract, "read"))
                      .order_by(Contract.id.desc()).limit(LIMIT))
    return [BoothContract(i, "" if "number" in hidden else n, s, c, None if "total" in hidden else t,
                          None if "received" in hidden else r) for i, n, s, c, t, r in rows]


def open_applications(db: Session, actor: Actor, customer_id: int) -> list[tuple[Application, str]]:
    """The customer's submitted applications the reader may read, with their edition's name."""
    if not actor.can("exhibitions.application.read"):
        return []
    rows = db.execute(select(Application, Edition.name).join(Edition, Edition.id == Application.edition_id)
                      .where(Application.customer_id == customer_id, Application.state == "submitted",
                             Application.deleted_at.is_(None), scope(actor, Application, "read"))
                      .order_by(Application.created_at.desc(), Application.id.desc()).limit(LIMIT))
    return [(a, name) for a, name in rows]


def waitlist_entries(db: Session, actor: Actor, customer_id: int) -> list[tuple[WaitlistEntry, str, str]]:
    """The customer's waiting and offered entries the reader may read: (entry, edition, the booth offered,
    when the reader may read it)."""
    if not actor.can("exhibitions.waitlist_entry.read"):
        return []
    readable_booth = and_(Booth.id == WaitlistEntry.booth_id, scope(actor, Booth, "read"))
    rows = db.execute(select(WaitlistEntry, Edition.name, Booth.number)
                      .join(Edition, Edition.id == WaitlistEntry.edition_id)
                      .outerjoin(Booth, readable_booth)
                      .where(WaitlistEntry.customer_id == customer_id,
                             WaitlistEntry.state.in_(("waiting", "offered")),
                             scope(actor, WaitlistEntry, "read"))
                      .order_by(WaitlistEntry.created_at.desc(), WaitlistEntry.id.desc()).limit(LIMIT))
    hidden = "number" in actor.hidden_fields(Booth)
    return [(e, name, "" if hidden else (number or "")) for e, name, number in rows]


def points(db: Session, actor: Actor, customer_id: int) -> list[tuple[Edition, point_services.Points]]:
    """The customer's priority points in the editions still to come (planning
    or selling) the reader may read, where they have any."""
    if not (actor.can("exhibitions.points_adjustment.read") and actor.can("exhibitions.edition.read")):
        return []
    editions = list(db.scalars(select(Edition).where(Edition.state.in_(("planning", "selling")),
                                                     scope(actor, Edition, "read"))
                               .order_by(Edition.opens_on, Edition.id).limit(LIMIT)))
    found = point_services.points_by_edition(db, editions, customer_id)
    return [(e, found[e.id]) for e in editions if found[e.id].total or found[e.id].years]


def service_orders(db: Session, actor: Actor, customer_id: int) -> list[tuple[ServiceOrder, str]]:
    """The customer's service orders the reader may read, newest first, with
    their edition's name (one query)."""
    if not actor.can("exhibitions.service_order.read"):
        return []
    return [(order, name) for order, name in db.execute(
        select(ServiceOrder, Edition.name).join(Edition, Edition.id == ServiceOrder.edition_id)
        .where(ServiceOrder.customer_id == customer_id, scope(actor, ServiceOrder, "read"))
        .order_by(ServiceOrder.id.desc()).limit(LIMIT))]

