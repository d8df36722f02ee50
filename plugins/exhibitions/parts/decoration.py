"""What the special-decoration part registers (gathered by
plugins.exhibitions.hooks): the menu entries of the builders and the
projects, the numbers of projects and permits, the printed permit, and the
demo's builders and projects."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, MenuItem, PrintDecl, SequenceDecl, shown_value
from plugins.exhibitions.models import DecorationProject

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor

MENU = [
    MenuItem("exhibitions.builders", N_("Stand builders"), "exhibitions:builder_list",
             "exhibitions.builder.read", icon="hammer", section=N_("Exhibitions"), order=470),
    MenuItem("exhibitions.decoration", N_("Special decoration"), "exhibitions:decoration_project_list",
             "exhibitions.decoration_project.read", icon="building", section=N_("Exhibitions"), order=471),
]

SEQUENCES = [
    SequenceDecl("exhibitions.decoration_project", N_("Special-decoration project number"),
                 "TZ-{year}-{seq:05}"),
    SequenceDecl("exhibitions.decoration_permit", N_("Construction permit number"), "SGZ-{year}-{seq:05}"),
]


def permit_context(session: Session, actor: Actor, project: DecorationProject) -> dict[str, Any]:
    """What the permit prints beyond the project's fields: the exhibitor, the
    booth and hall, the builder, the edition, and the QR of its code."""
    from plugins.crm.models import Customer
    from plugins.exhibitions.models import Booth, Builder, Edition, FloorPlan, Space
    from plugins.printing.engine import qr_data_url

    booth = session.get(Booth, project.booth_id)
    plan = session.get(FloorPlan, booth.plan_id) if booth is not None else None
    hall = session.get(Space, plan.space_id) if plan is not None else None
    customer, builder = session.get(Customer, project.customer_id), session.get(Builder, project.builder_id)
    edition = session.get(Edition, project.edition_id)

    def shown(record: Any, name: str) -> str:
        """A field of another record as the reader may see it ("" when hidden)."""
        if record is None:
            return ""
        value = shown_value(actor, type(record), name, getattr(record, name))
        return "" if value is None else str(value)

    return {"exhibitor": shown(customer, "name"), "booth_number": shown(booth, "number"),
            "hall": shown(hall, "name"), "builder_name": shown(builder, "name"),
            "builder_licence": shown(builder, "licence_no"), "edition_name": shown(edition, "name"),
            "in_force": project.state == "permit_issued",
            "permit_qr": qr_data_url(project.permit_code) if project.permit_code else ""}


PRINTS = [
    PrintDecl("exhibitions.decoration_permit", N_("Construction permit"), DecorationProject,
              "exhibitions/print/decoration_permit.html", number="permit_number", context=permit_context),
]

#: the demo's builders: name, licence, contact, phone, qualified for (days from today; None: no expiry),
#: blacklisted for
BUILDERS = (
    ("北京华展搭建工程有限公司", "京建字 2019-0231", "王工", "010-88886666", 400, ""),
    ("上海美陈展览装饰有限公司", "沪建字 2020-1187", "李经理", "021-66668888", 200, ""),
    ("广州锐意展示设计有限公司", "粤建字 2018-0542", "陈总", "020-38887777", -10, ""),
    ("天津速建展台工程部", "津建字 2021-0099", "赵师傅", "022-23336666", None,
     "2026 年展会撤展时遗留垃圾，拒不清理"),
)


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Four builders (one expired, one blacklisted), the 25th edition's
    rules (drawings due 30 days before move-in, a ¥2,000 late fee, a deposit
    of ¥100 a m² up to ¥20,000), and a project on each of the first raw
    booths sold: one a draft, one in review, one approved."""
    from core import next_number, utcnow
    from plugins.exhibitions.models import Booth, Builder, DecorationRound, DecorationRule, Edition
    from plugins.sales.services.documents import registry_of

    editions = made.get("editions") or {}
    edition = session.get(Edition, editions.get(25)) if editions.get(25) else None
    if edition is None or edition.opens_on is None:
        return
    day = utcnow().date()
    builders = []
    for name, licence, contact, phone, days, blacklisted in BUILDERS:
        builders.append(Builder(org_id=edition.org_id, owner_id=edition.owner_id, name=name, licence_no=licence,
                                contact=contact, phone=phone,
                                qualified_until=day + timedelta(days=days) if days is not None else None,
                                blacklisted=bool(blacklisted), blacklist_reason=blacklisted))
    session.add_all(builders)
    move_in = edition.move_in_on or edition.opens_on
    session.add(DecorationRule(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                               drawings_due_on=move_in - timedelta(days=30), late_fee=Decimal(2000),
                               deposit_rate=Decimal(100), deposit_cap=Decimal(20000)))
    session.flush()
    booths = session.scalars(select(Booth).where(Booth.edition_id == edition.id, Booth.construction == "raw",
                                                 Booth.customer_id.is_not(None),
                                                 Booth.status.in_(("reserved", "sold")))
                             .order_by(Booth.number).limit(3)).all()
    for k, booth in enumerate(booths):
        assert booth.customer_id is not None
        area = Decimal(booth.area)
        project = DecorationProject(
            org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
            customer_id=booth.customer_id,
            booth_id=booth.id, builder_id=builders[k % 2].id, height=Decimal("4.5") + k, two_storey=k == 2,
            area=area, deposit_due=min(area * 100, Decimal(20000)),
            state=("draft", "in_review", "approved")[k],
            number=next_number(session, registry_of(session), "exhibitions.decoration_project", edition.org_id))
        session.add(project)
        session.flush()
        if k:
            session.add(DecorationRound(org_id=edition.org_id, owner_id=edition.owner_id, project_id=project.id,
                                        number=1, submitted_at=utcnow(), verdict="approve" if k == 2 else "",
                                        comment="结构计算书齐全，同意施工。" if k == 2 else ""))
    session.flush()
