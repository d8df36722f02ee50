"""Services sold to exhibitors: the edition's catalogue and its three price
tiers, service orders priced by the day they are placed, a per-m² fee taken
from the exhibitor's booths, limited services booked once per unit and day
(twenty desks confirming the last meeting room at once: one wins), the
sales order and receivables a confirmed order becomes, and cancelling.
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from exhibitions_support import actor_of, race
from services_support import on
from sqlalchemy import func, select

from core import Conflict, NotFound, ValidationError
from core.app import Kernel
from core.models import Department
from plugins.catalog.models import Product
from plugins.exhibitions.models import ExhibitorService, ServiceBooking, ServiceOrder
from plugins.exhibitions.services import service_orders as services
from plugins.sales.models import Contract, ContractLine, Instalment


def order(kernel: Kernel, user: Any, expo: dict[str, Any], customer: int, *lines: dict[str, Any]) -> int:
    with kernel.db.session() as db:
        made = services.create_order(db, actor_of(kernel, db, user), {
            "edition_id": expo["edition"], "customer_id": customer, "lines": list(lines)})
        return int(made.id)


def test_the_price_is_the_tier_of_the_day_the_order_is_placed(kernel, expo, catalogue, desk, new_customer):
    customer = new_customer(desk, "寿光蔬菜产业集团")
    totals = {}
    for day, tier in ((date(2027, 9, 20), "advance"), (date(2027, 9, 21), "standard"),
                      (date(2027, 11, 17), "onsite")):
        with on(day):
            made = order(kernel, desk, expo, customer, {"service_id": catalogue["power"], "quantity": "2"})
        with kernel.db.session() as db:
            line, _service, _product = services.lines_of(db, made)[0]
            assert line.tier == tier
            totals[tier] = db.get(ServiceOrder, made).total  # type: ignore[union-attr]
    assert totals == {"advance": Decimal("1200.00"), "standard": Decimal("1600.00"), "onsite": Decimal("2200.00")}


def test_a_per_m2_fee_takes_the_exhibitors_booked_area(kernel, expo, catalogue, desk, new_customer, plan, booth):
    customer = new_customer(desk, "北大荒米业")
    floor = plan()
    booth(floor, "A101", width=9, depth=6, status="sold", customer_id=customer)
    booth(floor, "A102", x=9, width=3, depth=6, status="reserved", customer_id=customer)
    booth(floor, "A103", x=12, width=3, depth=3, status="held", customer_id=customer)  # not booked yet
    with on(date(2027, 10, 8)):
        made = order(kernel, desk, expo, customer, {"service_id": catalogue["deco"], "quantity": "999"})
    with kernel.db.session() as db:
        line, _service, _product = services.lines_of(db, made)[0]
        assert (line.quantity, line.amount) == (Decimal("72.00"), Decimal("2160.00"))

    lonely = new_customer(desk, "没有展位的公司")
    with pytest.raises(ValidationError) as refused, on(date(2027, 10, 8)):
        order(kernel, desk, expo, lonely, {"service_id": catalogue["deco"]})
    assert set(refused.value.errors) == {"line_1_quantity"}


def test_bad_lines_are_each_named_and_nothing_is_written(kernel, expo, catalogue, desk, new_customer):
    customer = new_customer(desk, "云南普洱茶业")
    with pytest.raises(ValidationError) as refused, on(date(2027, 10, 8)):
        order(kernel, desk, expo, customer,
              {"service_id": catalogue["power"], "quantity": "0"},
              {"service_id": "999999", "quantity": "1"},
              {"service_id": catalogue["room"], "quantity": "1.5", "starts_on": "2027-11-20"},
              {"service_id": catalogue["room"], "quantity": "1"},
              {"service_id": catalogue["room"], "quantity": "1", "starts_on": "2027-11-20",
               "ends_on": "2027-11-19"},
              {"service_id": catalogue["power"], "quantity": "1"})
    assert refused.value.errors == {
        "line_1_quantity": "Enter a quantity above zero.",
        "line_2_service_id": "Choose a service this edition sells.",
        "line_3_quantity": "A limited service is ordered in whole units, up to its units a day.",
        "line_4_starts_on": "Give the day the service is used.",
        "line_5_ends_on": "The last day is on or after the first, at most 31 days on.",
    }
    with kernel.db.session() as db:
        assert db.scalar(select(func.count()).select_from(ServiceOrder)) == 0
    with pytest.raises(ValidationError) as empty, on(date(2027, 10, 8)):
        order(kernel, desk, expo, customer, {"service_id": "", "quantity": ""})
    assert set(empty.value.errors) == {"lines"}


def test_a_catalogue_entry_is_checked(kernel, expo, catalogue):
    with kernel.db.session() as db:
        actor = actor_of(kernel, db, expo["manager"])
        product = db.scalar(select(Product.id).where(Product.code == "T-power"))
        with pytest.raises(ValidationError) as twice:
            services.create_service(db, actor, {"edition_id": expo["edition"], "product_id": product,
                                                "category": "power"})
        assert set(twice.value.errors) == {"product_id"}
        service = db.get(ExhibitorService, catalogue["power"])
        with pytest.raises(ValidationError) as refused:
            services.update_service(db, actor, service, {"advance_until": date(2027, 12, 1), "capacity": 0,
                                                         "onsite_price": Decimal("-1")})
        assert set(refused.value.errors) == {"advance_until", "capacity", "onsite_price"}


def confirmed(kernel: Kernel, user: Any, order_id: int) -> ServiceOrder:
    with kernel.db.session() as db:
        return services.confirm(db, actor_of(kernel, db, user), order_id)


def test_confirming_books_the_limited_service_and_makes_an_approved_sales_order(
        kernel, expo, catalogue, desk, new_customer):
    customer = new_customer(desk, "新疆果业集团")
    with on(date(2027, 10, 8)):
        made = order(kernel, desk, expo, customer,
                     {"service_id": catalogue["room"], "quantity": "1", "starts_on": "2027-11-20",
                      "ends_on": "2027-11-21", "note": "签约仪式"},
                     {"service_id": catalogue["power"], "quantity": "3"})
        done = confirmed(kernel, desk, made)
    assert done.state == "confirmed" and done.contract_id is not None
    with kernel.db.session() as db:
        days = db.execute(select(ServiceBooking.day, ServiceBooking.unit).order_by(ServiceBooking.day)).all()
        assert [tuple(d) for d in days] == [(date(2027, 11, 20), 1), (date(2027, 11, 21), 1)]
        contract = db.get(Contract, done.contract_id)
        # submitted for approval; no step of the shipped chain applies (below 200,000): approved
        assert contract is not None and (contract.kind, contract.state, contract.customer_id) == (
            "order", "approved", customer)
        assert contract.total == Decimal("9400.00")  # the room 2 days × 3,500 and 3 sockets × 800
        lines = db.scalars(select(ContractLine).where(ContractLine.contract_id == contract.id)
                           .order_by(ContractLine.sequence)).all()
        assert [(line.description, line.quantity, line.unit_price, line.unit) for line in lines] == [
            ("会议室 A · 2027-11-20–2027-11-21 · 标准价 · 签约仪式", Decimal("2.00"), Decimal("3500.00"), "个"),
            ("电源 380V/16A · 标准价", Decimal("3.00"), Decimal("800.00"), "个")]

        # approved, it has its receivable
        plan = db.scalars(select(Instalment).where(Instalment.contract_id == done.contract_id)).all()
        assert sum(i.amount for i in plan) == Decimal("9400.00")

    with pytest.raises(Conflict), on(date(2027, 10, 9)):
        confirmed(kernel, desk, made)  # once


def test_a_fully_booked_day_refuses_the_whole_order(kernel, expo, catalogue, desk, new_customer):
    first, second, third = (new_customer(desk, f"参展商{i}") for i in range(3))
    with on(date(2027, 10, 8)):
        both = order(kernel, desk, expo, first, {"service_id": catalogue["room"], "quantity": "2",
                                                 "starts_on": "2027-11-21"})
        confirmed(kernel, desk, both)
        late = order(kernel, desk, expo, second,
                     {"service_id": catalogue["power"], "quantity": "1"},
                     {"service_id": catalogue["room"], "quantity": "1", "starts_on": "2027-11-20",
                      "ends_on": "2027-11-22"})
        with pytest.raises(Conflict) as full:
            confirmed(kernel, desk, late)
    assert full.value.params == {"service": "会议室 A", "day": "2027-11-21"}
    with kernel.db.session() as db:
        assert db.get(ServiceOrder, late).state == "draft"  # type: ignore[union-attr]
        assert db.scalar(select(func.count()).select_from(ServiceBooking)) == 2  # only the first order's
        assert db.scalar(select(func.count()).select_from(Contract)) == 1

    # cancelling the first frees its day: its approved sales order is terminated, by
    # someone who may terminate sales contracts (the desk may not)
    with kernel.db.session() as db:
        contract_id = db.get(ServiceOrder, both).contract_id  # type: ignore[union-attr]
    with pytest.raises(Conflict) as no_right, kernel.db.session() as db:
        services.cancel(db, actor_of(kernel, db, desk), both)
    assert "needs the right to terminate" in str(no_right.value)
    with kernel.db.session() as db:
        services.cancel(db, actor_of(kernel, db, expo["manager"]), both)
    with kernel.db.session() as db:
        assert db.get(Contract, contract_id).state == "terminated"  # type: ignore[union-attr]
        assert db.scalar(select(func.count()).select_from(ServiceBooking)) == 0
    with on(date(2027, 10, 8)):
        assert confirmed(kernel, desk, late).state == "confirmed"
    with on(date(2027, 10, 8)):
        third_order = order(kernel, desk, expo, third, {"service_id": catalogue["room"], "quantity": "1",
                                                        "starts_on": "2027-11-21"})
        assert confirmed(kernel, desk, third_order).state == "confirmed"  # the room has 2 units a day


def test_a_pending_sales_order_is_decided_before_its_order_is_cancelled(kernel, expo, catalogue, desk,
                                                                       new_customer):
    customer = new_customer(desk, "黑龙江农垦")
    with kernel.db.session() as db:  # the desk's manager approves what the shipped chain asks of them
        db.get(Department, expo["dept"].id).head_id = expo["manager"].id  # type: ignore[union-attr]
    with on(date(2027, 10, 8)):  # 300 sockets at 800: above 200,000, the desk's manager approves
        made = order(kernel, desk, expo, customer, {"service_id": catalogue["power"], "quantity": "300"})
        contract_id = confirmed(kernel, desk, made).contract_id
    with kernel.db.session() as db:
        assert db.get(Contract, contract_id).state == "pending"  # type: ignore[union-attr]
    with pytest.raises(Conflict) as waiting, kernel.db.session() as db:
        services.cancel(db, actor_of(kernel, db, expo["manager"]), made)
    assert "awaits approval" in str(waiting.value)
    with kernel.db.session() as db:
        assert db.get(ServiceOrder, made).state == "confirmed"  # type: ignore[union-attr]


DESKS = 20


def test_twenty_desks_confirming_the_last_room_one_wins(kernel, expo, catalogue, desk, new_customer):
    """Twenty orders of one unit of the meeting room on 2027-11-22, one unit
    already taken: twenty confirmations at once, each in its own transaction.
    Exactly one more gets it; nineteen are told it is fully booked."""
    with on(date(2027, 10, 8)):
        taken = order(kernel, desk, expo, new_customer(desk, "先到的公司"),
                      {"service_id": catalogue["room"], "quantity": "1", "starts_on": "2027-11-22"})
        confirmed(kernel, desk, taken)
        orders = [order(kernel, desk, expo, new_customer(desk, f"展商{i:02d}"),
                        {"service_id": catalogue["room"], "quantity": "1", "starts_on": "2027-11-22"})
                  for i in range(DESKS)]
    def confirm(i: int) -> str:
        with on(date(2027, 10, 8)):
            return confirmed(kernel, desk, orders[i]).state

    results = race(confirm, DESKS)
    won = [r for r in results if r == "confirmed"]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert (len(won), len(lost)) == (1, DESKS - 1), results
    with kernel.db.session() as db:
        units = db.scalars(select(ServiceBooking.unit).where(ServiceBooking.day == date(2027, 11, 22))).all()
        assert sorted(units) == [1, 2]
        assert db.scalar(select(func.count()).select_from(ServiceOrder).where(
            ServiceOrder.state == "confirmed")) == 2


def test_another_organisation_sees_none_of_it(kernel, expo, catalogue, desk, new_customer):
    customer = new_customer(desk, "某公司")
    with on(date(2027, 10, 8)):
        made = order(kernel, desk, expo, customer, {"service_id": catalogue["power"], "quantity": "1"})
    with kernel.db.session() as db:
        outsider = actor_of(kernel, db, expo["outsider"])
        assert services.catalogue(db, outsider, expo["edition"]) == []
        with pytest.raises(NotFound):
            services.confirm(db, outsider, made)
