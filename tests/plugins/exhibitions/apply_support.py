"""Helpers of the apply part's tests (imported by name)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import utcnow
from core.app import Kernel
from plugins.exhibitions.models import Application, Booth, Edition, FloorPlan

GOOD = {"company": "山东寿光蔬菜产业集团有限公司", "company_en": "Shouguang Vegetable Group",
        "contact_name": "王立新", "mobile": "139 0536 1234", "email": "wang@sgveg.cn", "products": "有机蔬菜",
        "categories[]": ["agriculture", "food"], "area_wanted": "54", "construction": "raw",
        "booth_type": "corner", "neighbours_wanted": "北大荒", "competitors_avoided": "某某蔬菜", "website": ""}


def applications_of(kernel: Kernel, edition_id: int) -> list[Application]:
    with kernel.db.session(write=False) as db:
        rows = list(db.scalars(select(Application).where(Application.edition_id == edition_id)
                               .order_by(Application.id)))
        db.expunge_all()
        return rows


def application(kernel: Kernel, expo: dict[str, Any], edition_id: int | None = None, **values: Any) -> int:
    with kernel.db.session() as db:
        row = Application(org_id=expo["hq"].id, owner_id=expo["manager"].id,
                          edition_id=edition_id or expo["edition"],
                          **{"company": "北京绿源农业科技有限公司", "contact_name": "赵六", "mobile": "13812345678",
                             "area_wanted": Decimal("18"), "construction": "shell", "channel": "web", **values})
        db.add(row)
        db.flush()
        return int(row.id)


def earlier_edition(kernel: Kernel, expo: dict[str, Any], number: int) -> int:
    """An earlier, closed edition of the series; its id."""
    with kernel.db.session() as db:
        opens = date(2027 - (25 - number), 11, 20)
        row = Edition(org_id=expo["hq"].id, owner_id=expo["manager"].id, series_id=expo["series"], number=number,
                      name=f"第{number}届", venue_id=expo["venue"], opens_on=opens,
                      closes_on=opens + timedelta(days=3), state="closed")
        db.add(row)
        db.flush()
        return int(row.id)


def sold(kernel: Kernel, expo: dict[str, Any], edition_id: int, customer_id: int, number: str, area: int,
         contract_id: int | None = None) -> int:
    """A sold booth of ``area`` m² of the customer in the edition (a plan of hall 1 made on first use)."""
    with kernel.db.session() as db:
        plan_id = db.scalar(select(FloorPlan.id).where(FloorPlan.edition_id == edition_id))
        if plan_id is None:
            plan = FloorPlan(org_id=expo["hq"].id, owner_id=expo["manager"].id, edition_id=edition_id,
                             space_id=expo["hall"], title="1号馆", width=Decimal("120"), depth=Decimal("90"))
            db.add(plan)
            db.flush()
            plan_id = plan.id
        row = Booth(org_id=expo["hq"].id, plan_id=plan_id, edition_id=edition_id, number=number,
                    x=Decimal("0"), y=Decimal("0"), width=Decimal(area), depth=Decimal("1"), area=Decimal(area),
                    status="sold", customer_id=customer_id, contract_id=contract_id)
        db.add(row)
        db.flush()
        return int(row.id)


def backdate(kernel: Kernel, model: Any, row_id: int, days: int) -> None:
    with kernel.db.session() as db:
        db.get(model, row_id).created_at = utcnow() - timedelta(days=days)


def contract(kernel: Kernel, expo: dict[str, Any], customer_id: int, total: str, state: str = "approved") -> int:
    """A booth contract of the customer with this total, straight to the table; its id."""
    from plugins.sales.models import Contract

    with kernel.db.session() as db:
        row = Contract(org_id=expo["hq"].id, owner_id=expo["seller1"].id, number=f"HT-{customer_id}-{total}",
                       customer_id=customer_id, state=state, total=Decimal(total))
        db.add(row)
        db.flush()
        return int(row.id)


def form_url(kernel: Kernel, edition_id: int) -> str:
    """The public form's address of the edition (its id and signature)."""
    from plugins.exhibitions.services.applications import edition_token

    return f"/exhibitions/apply/{edition_token(kernel.settings.secret_key, edition_id)}"
