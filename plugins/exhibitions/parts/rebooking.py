"""What the rebooking part registers (gathered by plugins.exhibitions.hooks):
the daily job expiring offers past their priority window, and the demo's
offers from the 24th edition to the 25th."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import JobDecl
from plugins.exhibitions.services import rebooking

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

JOBS = [JobDecl("exhibitions.expire_rebooking_offers", rebooking.expire_offers, "30 0 * * *")]


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Offers to the 24th's exhibitors whose booth number is free in the 25th
    (a priority window of the next month), one of them declined."""
    from datetime import timedelta

    from sqlalchemy import select

    from plugins.exhibitions.models import Booth, Edition, RebookingOffer
    from plugins.sales.services.documents import today

    editions = made.get("editions") or {}
    e24 = session.get(Edition, editions.get(24)) if editions.get(24) else None
    e25 = session.get(Edition, editions.get(25)) if editions.get(25) else None
    if e24 is None or e25 is None:
        return
    free = {b.number: b for b in session.scalars(select(Booth).where(Booth.edition_id == e25.id,
                                                                     Booth.status == "available"))}
    sold = list(session.scalars(select(Booth).where(Booth.edition_id == e24.id, Booth.status == "sold",
                                                    Booth.customer_id.is_not(None)).order_by(Booth.number)))
    start = today()
    for n, booth in enumerate([b for b in sold if b.number in free][:12]):
        target = free[booth.number]
        assert booth.customer_id is not None
        session.add(RebookingOffer(org_id=e25.org_id, owner_id=e25.owner_id, edition_id=e24.id,
                                   next_edition_id=e25.id, customer_id=booth.customer_id,
                                   from_booth_id=booth.id,
                                   booth_id=target.id, valid_from=start, valid_until=start + timedelta(days=30),
                                   deposit=rebooking.deposit_of(session, e25, target),
                                   state="declined" if n == 3 else "open",
                                   note="预算调整，明年再议" if n == 3 else ""))
    session.flush()
