"""Fixtures of the exhibitions' tests: an organiser with an exhibition
manager and two space sellers (who are CRM salespeople too), customers, a
venue with a hall, a series with an edition, and factories of plans and
booths written straight to the tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import services_support
from exhibitions_support import actor_of

from core.app import Kernel
from plugins.catalog.models import Product, Unit
from plugins.exhibitions.models import Booth, Edition, FloorPlan, ShowSeries, Space, Venue
from plugins.exhibitions.services import service_orders


@pytest.fixture
def expo(kernel: Kernel, make: Any) -> dict[str, Any]:
    """``manager`` (exhibitions.manager and crm.director), ``seller1`` and
    ``seller2`` (exhibitions.seller and crm.salesperson) of 招展部; ``outsider``
    of another organisation with the same roles; the venue 全国农业展览馆
    with hall 1号馆 (``hall``); the series 中国国际农业博览会 with its 25th
    edition (``edition``), opening 2027-11-20."""
    hq = make.hq()
    dept = make.department(hq, "招展部")
    people: dict[str, Any] = {
        "hq": hq, "dept": dept,
        "manager": make.user(org=hq, department=dept, username="expomanager", name="周经理",
                             roles=("exhibitions.manager", "crm.director")),
        "seller1": make.user(org=hq, department=dept, username="seller1", name="陈招展",
                             roles=("exhibitions.seller", "crm.salesperson")),
        "seller2": make.user(org=hq, department=dept, username="seller2", name="林招展",
                             roles=("exhibitions.seller", "crm.salesperson")),
    }
    other = make.org("乙展览公司")
    people["outsider"] = make.user(org=other, username="outsider", name="外人",
                                   roles=("exhibitions.manager", "crm.director"))
    with kernel.db.session() as db:
        venue = Venue(org_id=hq.id, owner_id=people["manager"].id, name="全国农业展览馆",
                      name_en="National Agricultural Exhibition Center", city="北京市")
        db.add(venue)
        db.flush()
        hall = Space(org_id=hq.id, venue_id=venue.id, kind="hall", code="1", name="1号馆", name_en="Hall 1",
                     area=Decimal("10800"), capacity=8000, ceiling_height=Decimal("12"), floor_load=Decimal("30"))
        series = ShowSeries(org_id=hq.id, owner_id=people["manager"].id, name="中国国际农业博览会",
                            name_en="China International Agricultural Expo", short_name="农博会",
                            industry="agriculture")
        db.add_all([hall, series])
        db.flush()
        edition = Edition(org_id=hq.id, owner_id=people["manager"].id, series_id=series.id, number=25,
                          name="第二十五届中国国际农业博览会", name_en="25th China International Agricultural Expo",
                          venue_id=venue.id, move_in_on=date(2027, 11, 17), opens_on=date(2027, 11, 20),
                          closes_on=date(2027, 11, 23), move_out_on=date(2027, 11, 24), hours="09:00–17:00",
                          target_area=Decimal("8000"), target_revenue=Decimal("12000000"), state="selling")
        db.add(edition)
        db.flush()
        people.update(venue=venue.id, hall=hall.id, series=series.id, edition=edition.id)
    return people


@pytest.fixture
def new_customer(kernel: Kernel) -> Callable[..., int]:
    """``new_customer(owner, name, **values)``: a CRM customer owned by ``owner``; its id."""
    from plugins.crm.services.customers import create_customer

    def make_customer(owner: Any, name: str, **values: Any) -> int:
        with kernel.db.session() as db:
            customer = create_customer(db, actor_of(kernel, db, owner), {"name": name, **values})
            db.flush()
            return int(customer.id)

    return make_customer


@pytest.fixture
def plan(kernel: Kernel, expo: dict[str, Any]) -> Callable[..., int]:
    """``plan(edition=None, hall=None, **values)``: a floor plan (default: the
    edition's hall 1, 120 × 90 m); its id."""

    def make_plan(edition: int | None = None, hall: int | None = None, **values: Any) -> int:
        with kernel.db.session() as db:
            made = FloorPlan(org_id=expo["hq"].id, owner_id=expo["manager"].id,
                             edition_id=edition or expo["edition"], space_id=hall or expo["hall"],
                             **{"title": "1号馆展位图", "width": Decimal("120"), "depth": Decimal("90"), **values})
            db.add(made)
            db.flush()
            return int(made.id)

    return make_plan


@pytest.fixture
def booth(kernel: Kernel, expo: dict[str, Any]) -> Callable[..., int]:
    """``booth(plan_id, number, x=0, y=0, width=3, depth=3, **values)``: a booth; its id."""

    def make_booth(plan_id: int, number: str, x: float = 0, y: float = 0, width: float = 3, depth: float = 3,
                   **values: Any) -> int:
        with kernel.db.session() as db:
            edition = db.get(FloorPlan, plan_id).edition_id  # type: ignore[union-attr]
            made = Booth(org_id=expo["hq"].id, plan_id=plan_id, edition_id=edition, number=number,
                         x=Decimal(str(x)), y=Decimal(str(y)), width=Decimal(str(width)), depth=Decimal(str(depth)),
                         area=Decimal(str(width)) * Decimal(str(depth)), **values)
            db.add(made)
            db.flush()
            return int(made.id)

    return make_booth


@pytest.fixture
def desk(make: Any, expo: dict[str, Any]) -> Any:
    """展商服务专员 of the organiser (the services role)."""
    return make.user(org=expo["hq"], department=expo["dept"], username="desk", name="服务台小王",
                     roles=("exhibitions.services",))


@pytest.fixture
def catalogue(kernel: Kernel, expo: dict[str, Any]) -> dict[str, int]:
    """Power (600 / 800 / 1,100 a socket), the special-decoration fee (30 /
    30 / 40 a m², per m²) and meeting room A (2 a day: limited)."""
    made = {}
    with kernel.db.session() as db:
        unit = Unit(code="pc", name="个")
        db.add(unit)
        db.flush()
        actor = actor_of(kernel, db, expo["manager"])
        for key, name, category, prices, per_area, capacity in (
                ("power", "电源 380V/16A", "power", ("600", "800", "1100"), False, None),
                ("deco", "特装管理费", "decoration_fee", ("30", "30", "40"), True, None),
                ("room", "会议室 A", "meeting_room", ("3000", "3500", "4500"), False, 2)):
            product = Product(org_id=expo["hq"].id, code=f"T-{key}", name=name, name_en=key, kind="service",
                              list_price=Decimal(prices[1]), currency_code="CNY", tax_rate=Decimal(6),
                              unit_id=unit.id)
            db.add(product)
            db.flush()
            service = service_orders.create_service(db, actor, {
                "edition_id": expo["edition"], "product_id": product.id, "category": category,
                "advance_price": Decimal(prices[0]), "advance_until": services_support.ADVANCE_UNTIL,
                "standard_price": Decimal(prices[1]), "standard_until": services_support.STANDARD_UNTIL,
                "onsite_price": Decimal(prices[2]), "per_area": per_area, "capacity": capacity})
            made[key] = service.id
    return made
