"""What the on-site desk part registers (gathered by plugins.exhibitions.hooks):
the menu entries of the desk's requests and service levels, the requests'
number sequence, the desk's entries on the customer timeline, and the
demo's requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, MenuItem, SequenceDecl

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor

MENU = [
    MenuItem("exhibitions.desk", N_("On-site desk"), "exhibitions:desk_request_list",
             "exhibitions.desk_request.read", icon="lifebuoy", section=N_("Exhibitions"), order=465),
    MenuItem("exhibitions.desk_sla", N_("Desk service levels"), "exhibitions:desk_sla_list",
             "exhibitions.desk_sla.read", icon="clock", section=N_("Exhibitions"), order=466),
]

SEQUENCES = [SequenceDecl("exhibitions.desk_request", N_("Desk request number"), "XC-{year}-{seq:05}")]

#: the demo's desk staff: username, name, position, mobile, role
PEOPLE = (("zhaolei", "赵磊", "现场服务主管", "13610020001", "exhibitions.desk"),
          ("qianjin", "钱进", "现场电工", "13610020002", "exhibitions.technician"))

#: the demo's waiting requests: category, priority, subject
DEMO = (
    ("power", "urgent", "展位总电源跳闸，灯箱不亮"),
    ("cleaning", "normal", "展位地毯有油污，需要清洁"),
    ("damage", "high", "背板运输中破损一块"),
)


def timeline_entries(session: Session, actor: Actor, model_key: str, record: Any) -> list[Any]:
    if model_key != "crm.customer":
        return []
    from plugins.exhibitions.services import desk

    return desk.timeline_entries(session, actor, record)


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Three requests of the 25th edition waiting on the desk, at exhibitors'
    booths (the past editions' requests come with the insights part's
    history: who complained, and who did not come back); 赵磊 (zhaolei) runs
    the desk, 钱进 (qianjin) is its electrician."""
    from core import next_number
    from plugins.crm.kernel import demo_user, grant_role
    from plugins.exhibitions.models import Booth, DeskRequest, Edition
    from plugins.exhibitions.services.desk import sla_minutes
    from plugins.sales.services.documents import registry_of

    editions = made.get("editions") or {}
    if "HQ" in orgs and "zhangwei" in users:
        for username, name, position, phone, role in PEOPLE:
            uid = demo_user(session, username=username, name=name, org_id=orgs["HQ"], department_id=None,
                            position=position, phone=phone, like_user_id=users["zhangwei"])
            grant_role(session, uid, role, orgs["HQ"])
    edition = session.get(Edition, editions.get(25) or 0)
    if edition is None:
        return
    booths = list(session.scalars(select(Booth).where(Booth.edition_id == edition.id,
                                                      Booth.customer_id.is_not(None))
                                  .order_by(Booth.number).limit(len(DEMO))))
    for n, (booth, (category, priority, title)) in enumerate(zip(booths, DEMO, strict=False)):
        opened = datetime.now(UTC) - timedelta(minutes=10 + 25 * n)
        session.add(DeskRequest(
            org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
            number=next_number(session, registry_of(session), "exhibitions.desk_request", edition.org_id),
            customer_id=booth.customer_id, booth_id=booth.id, category=category, priority=priority, title=title,
            reported_by="展商现场负责人", channel="desk" if n % 3 else "phone", state="open", opened_at=opened,
            due_at=opened + timedelta(minutes=sla_minutes(session, edition.org_id, category, priority))))
    session.flush()
