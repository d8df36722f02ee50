"""What the visitors part registers (gathered by plugins.exhibitions.hooks):
the menu entry of the visitors, and the demo's visitors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import N_, MenuItem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MENU = [
    MenuItem("exhibitions.visitors", N_("Visitors"), "exhibitions:visitor_list", "exhibitions.visitor.read",
             icon="users", section=N_("Exhibitions"), order=460),
]

#: the demo's visitors: surname pool, given names, companies, kinds, delegations
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超")
COMPANIES = ("河北农垦集团", "江苏苏垦农发", "广东温氏食品", "四川新希望", "北京首农食品集团",
             "山东鲁花集团", "内蒙古伊利", "黑龙江北大荒农垦", "中粮集团", "Cargill China")
DELEGATIONS = ("", "", "", "新疆农业考察团", "东盟采购团")


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Sixty visitors of the 25th edition: trade visitors, buyers (some
    qualified), two delegations, a few media; each with a ticket code."""
    from plugins.exhibitions.models import Edition, Visitor
    from plugins.exhibitions.services.visitors import new_code

    edition_id = (made.get("editions") or {}).get(25)
    edition = session.get(Edition, edition_id) if edition_id else None
    if edition is None:
        return
    kinds = ("visitor", "visitor", "buyer", "visitor", "buyer", "media", "visitor", "vip")
    for n in range(60):
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
        kind = kinds[n % len(kinds)]
        session.add(Visitor(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id, name=name,
                            company=COMPANIES[n % len(COMPANIES)], mobile=f"139{n:08d}", kind=kind,
                            delegation=DELEGATIONS[n % len(DELEGATIONS)],
                            qualified=kind == "buyer" and n % 2 == 0, code=new_code()))
    session.flush()
