"""What the apply part registers (gathered by plugins.exhibitions.hooks):
the menu entry of the applications, the customer 360 view's panel
"Exhibitions" (customer_panels), demo applications, a waitlist entry and a
points adjustment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, MenuItem, Panel, utcnow
from plugins.exhibitions.models import Application, Edition, PointsAdjustment, WaitlistEntry

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor

MENU = [
    MenuItem("exhibitions.applications", N_("Applications"), "exhibitions:application_index",
             "exhibitions.application.read", icon="file-description", section=N_("Exhibitions"), order=440),
]

def customer_panels(session: Session, actor: Actor, customer: Any) -> list[Panel]:
    """The exhibitor on the customer 360 view: editions exhibited with their
    booths, booth contracts and their payment, open applications, waitlist
    entries and priority points, each under the reader's scope; nothing
    (no tab) when the reader may see none of it or there is none."""
    from plugins.exhibitions.models.choices import (
        BOOTH_STATES,
        BOOTH_TYPES,
        CONSTRUCTIONS,
        SERVICE_ORDER_STATES,
        WAITLIST_STATES,
    )
    from plugins.exhibitions.services import exhibitor

    found = exhibitor.history(session, actor, customer.id)
    if not any(found.values()):
        return []
    from plugins.sales.models.choices import CONTRACT_STATES

    return [Panel("exhibitions-exhibitor", N_("Exhibitions"), "exhibitions/_customer_exhibitions.html",
                  {**found, "customer_id": customer.id, "booth_states": BOOTH_STATES,
                   "booth_types": BOOTH_TYPES,
                   "constructions": CONSTRUCTIONS, "waitlist_states": WAITLIST_STATES,
                   "contract_states": CONTRACT_STATES, "service_order_states": SERVICE_ORDER_STATES},
                  order=170)]


#: the demo's applications: company, English name, contact, mobile, m², construction, type, categories
DEMO = (
    ("山东寿光蔬菜产业集团有限公司", "Shouguang Vegetable Group", "王立新", "13905361234", "54", "raw",
     "corner", ["agriculture"]),
    ("黑龙江北大荒米业有限公司", "Beidahuang Rice", "刘晓燕", "13845112345", "18", "shell", "", ["food"]),
    ("云南普洱茶业有限公司", "Yunnan Pu'er Tea", "李茶香", "13708712345", "9", "shell", "inline",
     ["food", "agriculture"]),
    ("新疆果业集团有限公司", "Xinjiang Fruit Group", "阿不都", "13909912345", "36", "raw", "", ["agriculture"]),
)


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Four applications from the public form to the 25th edition (one
    rejected), when the venues part made it; else nothing."""
    edition_id = (made.get("editions") or {}).get(25)
    if edition_id is None:
        return
    edition = session.get(Edition, edition_id)
    if edition is None:
        return
    now = utcnow()
    for i, (company, english, contact, mobile, area, construction, booth_type, categories) in enumerate(DEMO):
        session.add(Application(
            org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id, company=company,
            company_en=english, contact_name=contact, mobile=mobile, products="", categories=categories,
            area_wanted=Decimal(area), construction=construction, booth_type=booth_type, channel="web",
            state="rejected" if i == 3 else "submitted",
            reason="光地需求已满，建议申请下一届。" if i == 3 else "", created_at=now - timedelta(days=10 - i)))
    session.flush()
    customer = _a_customer(session, edition.org_id)
    if customer is not None:
        session.add(PointsAdjustment(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                                     customer_id=customer, points=20, reason="协办单位推荐，加分"))
        session.add(WaitlistEntry(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                                  customer_id=customer, construction="raw", booth_type="island",
                                  area_wanted=Decimal("108"), state="waiting", note="想要岛型光地"))
        session.flush()


def _a_customer(session: Session, org_id: int) -> int | None:
    from plugins.crm.models import Customer

    return session.scalar(select(Customer.id).where(Customer.org_id == org_id).order_by(Customer.id).limit(1))

