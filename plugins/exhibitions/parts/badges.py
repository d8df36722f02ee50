"""What the badges part registers (gathered by plugins.exhibitions.hooks):
the exhibitor staff badge print and the demo's staff badges."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, PrintDecl, scope, shown_value
from plugins.exhibitions.models import Booth, Edition, ExhibitorBadge

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor


def staff_badge_context(session: Session, actor: Actor, badge: ExhibitorBadge) -> dict[str, Any]:
    """The edition, and the exhibitor's name and booths as the reader may read them."""
    from plugins.crm.models import Customer

    edition = session.get(Edition, badge.edition_id)
    name = session.scalar(select(Customer.name).where(Customer.id == badge.customer_id,
                                                      scope(actor, Customer, "read")))
    booths = session.scalars(select(Booth.number).where(
        Booth.edition_id == badge.edition_id, Booth.customer_id == badge.customer_id,
        Booth.status.in_(("reserved", "sold"))).order_by(Booth.number).limit(6))
    return {"edition_name": shown_value(actor, Edition, "name", edition.name if edition else "") or "",
            "edition_name_en": shown_value(actor, Edition, "name_en", edition.name_en if edition else "") or "",
            "exhibitor": shown_value(actor, Customer, "name", name) or "", "booths": " ".join(booths)}


PRINTS = [
    PrintDecl("exhibitions.staff_badge", N_("Staff badge"), ExhibitorBadge,
              "exhibitions/print/badges_staff.html", number="code", context=staff_badge_context),
]


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Staff badges of the first two exhibitors of the 25th edition (their quota's worth)."""
    from plugins.exhibitions.services import badges
    from plugins.exhibitions.services.registration import setup_of

    edition_id = (made.get("editions") or {}).get(25)
    edition = session.get(Edition, edition_id) if edition_id else None
    if edition is None:
        return
    people = ("张伟", "李娜", "王强", "刘洋", "陈静", "杨磊")
    setup = setup_of(session, edition)
    for customer_id, area in badges.exhibitors(session, edition.id)[:2]:
        count = min(len(people), badges.quota_of(setup, area))
        for n in range(count):
            session.add(ExhibitorBadge(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                                       customer_id=customer_id, sequence=n + 1, name=people[n],
                                       title="销售经理" if n == 0 else "", code=badges._free_code(session)))
    session.flush()
