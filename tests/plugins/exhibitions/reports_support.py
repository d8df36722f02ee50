"""Fixtures of the reports' tests: a known small set of booths and contracts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.app import Kernel
from plugins.exhibitions.models import Booth, FloorPlan, Space


def contract(kernel: Kernel, owner: Any, customer_id: int, number: str, total: str, received: str) -> int:
    """An approved booth contract of ``owner``'s organisation, straight to the table; its id."""
    from plugins.sales.models import Contract

    with kernel.db.session() as db:
        made = Contract(org_id=owner.org_id, owner_id=owner.id, department_id=owner.department_id, number=number,
                        customer_id=customer_id, state="approved", subtotal=Decimal(total), total=Decimal(total),
                        received=Decimal(received))
        db.add(made)
        db.flush()
        return int(made.id)


@pytest.fixture
def known(kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> dict[str, Any]:
    """One hall (1号馆展位图) of the edition with six booths, 81 m² drawn:

    ===== ====== ======= ========= ========= ==========================================
    booth m²     status  price     exhibitor contract
    ===== ====== ======= ========= ========= ==========================================
    A1    36     sold    43,200    绿源      HT-1 total 43,200, received 10,000 (unpaid)
    A2    9      reserved 12,150   鲁丰 (seller2's)
    A3    9      held    10,800    绿源
    A4    9      available 10,800
    A5    9      blocked 0
    A6    9      sold    10,800    绿源      HT-2 total 10,800, received 10,800 (paid)
    ===== ====== ======= ========= ========= ==========================================

    and, in another organisation, a plan and a sold booth that must never be counted."""
    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司", short_name="绿源", industry="agriculture",
                        province="北京市")
    food = new_customer(expo["seller2"], "山东鲁丰食品有限公司", short_name="鲁丰", industry="food", province="山东省")
    p = plan()
    c1 = contract(kernel, expo["seller1"], farm, "HT-1", "43200", "10000")
    c2 = contract(kernel, expo["seller1"], farm, "HT-2", "10800", "10800")
    ids = {
        "A1": booth(p, "A1", 0, 0, 6, 6, status="sold", price=Decimal("43200"), customer_id=farm, contract_id=c1,
                    booth_type="island", construction="raw"),
        "A2": booth(p, "A2", 10, 0, status="reserved", price=Decimal("12150"), customer_id=food,
                    booth_type="corner"),
        "A3": booth(p, "A3", 13, 0, status="held", price=Decimal("10800"), customer_id=farm),
        "A4": booth(p, "A4", 16, 0, price=Decimal("10800")),
        "A5": booth(p, "A5", 19, 0, status="blocked"),
        "A6": booth(p, "A6", 22, 0, status="sold", price=Decimal("10800"), customer_id=farm, contract_id=c2),
    }
    outsider = expo["outsider"]
    with kernel.db.session() as db:
        theirs = Space(org_id=outsider.org_id, venue_id=expo["venue"], kind="hall", code="9", name="外人的馆",
                       area=Decimal(2500))
        db.add(theirs)
        db.flush()
        stranger = FloorPlan(org_id=outsider.org_id, owner_id=outsider.id, edition_id=expo["edition"],
                             space_id=theirs.id, title="外人的展位图", width=Decimal(50), depth=Decimal(50))
        db.add(stranger)
        db.flush()
        db.add(Booth(org_id=outsider.org_id, plan_id=stranger.id, edition_id=expo["edition"], number="Z1",
                     width=Decimal(10), depth=Decimal(10), area=Decimal(100), status="sold", price=Decimal("999999"),
                     customer_id=food))
        db.flush()
    return {"plan": p, "farm": farm, "food": food, "c1": c1, "c2": c2, "booths": ids}
