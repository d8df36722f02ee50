"""Booth quotes and contracts through the sales services; the approval
sells the booths and makes the deposit and balance plan; an overdue deposit
is reminded, escalated and, once a manager confirms, the booths released;
the edition's pipeline figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from exhibitions_support import actor_of
from selling_support import STANDARD, now, rules  # noqa: F401, F811 - fixtures
from sqlalchemy import select

from core import Conflict, NotFound
from plugins.activity.models import InboxItem
from plugins.exhibitions.models import Booth, EditionDeal
from plugins.exhibitions.services import contracts, pipeline
from plugins.sales.models import Contract, ContractLine, Instalment, QuoteLine
from plugins.sales.services import contracts as sales_contracts


def booth_state(kernel, booth_id):
    with kernel.db.session(write=False) as db:
        found = db.get(Booth, booth_id)
        return found.status, found.customer_id, found.contract_id


def test_a_quote_has_one_line_per_booth_with_its_explanation(kernel, expo, plan, booth, new_customer, now):  # noqa: F811 - the fixture
    rules(kernel, expo, *STANDARD)
    p = plan()
    a101 = booth(p, "A101", width=6, depth=3, booth_type="corner")
    r1 = booth(p, "R1", x=20, width=6, depth=6, construction="raw")
    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    with kernel.db.session() as db:
        quote = contracts.quote_booths(db, actor_of(kernel, db, expo["seller1"]), [a101, r1], farm)
        quote_id = quote.id
        assert quote.customer_id == farm and quote.state == "draft"
    with kernel.db.session(write=False) as db:
        lines = list(db.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(QuoteLine.sequence)))
        # early bird −10 % (priced on 2027-05-10): A101 18 m² × 1,200 + 10 % = 23,760 − 2,376 = 21,384
        assert [(line.unit, line.quantity, line.unit_price) for line in lines] == [
            ("m²", Decimal("18"), Decimal("1188.00")), ("m²", Decimal("36"), Decimal("900.00"))]
        assert lines[0].description.startswith("展位 A101 · 18 m² · 标摊 · 转角")
        assert "早鸟价" in lines[0].description and "光地" in lines[1].description
        assert lines[0].product_id == contracts.booth_fee_product(db, expo["hq"].id).id
        deal = db.scalar(select(EditionDeal).where(EditionDeal.edition_id == expo["edition"]))
        assert deal is not None and deal.area == Decimal(54)
    assert booth_state(kernel, a101) == ("available", None, None)  # a quote keeps the booths open


def test_a_contract_reserves_the_booths_and_its_approval_sells_them(kernel, expo, plan, booth, new_customer, now):  # noqa: F811 - the fixture
    rules(kernel, expo, *STANDARD)
    p = plan()
    a101 = booth(p, "A101")
    a102 = booth(p, "A102", x=3)
    farm = new_customer(expo["seller1"], "山东寿光蔬菜集团")
    with kernel.db.session() as db:
        seller = actor_of(kernel, db, expo["seller1"])
        contract = contracts.contract_booths(db, seller, [a101, a102], farm)
        contract_id = contract.id
        assert contract.total == Decimal("19440.00")  # 2 × 9 m² × 1,200 − 10 % early bird
    assert booth_state(kernel, a101) == ("reserved", farm, contract_id)
    with kernel.db.session() as db:
        assert len(db.scalars(select(ContractLine).where(ContractLine.contract_id == contract_id)).all()) == 2
        # under 200,000 and no discount: approved at once on submit, the hook fires
        sales_contracts.fire(db, actor_of(kernel, db, expo["seller1"]), contract_id, "submit")
    assert booth_state(kernel, a101) == ("sold", farm, contract_id)
    assert booth_state(kernel, a102) == ("sold", farm, contract_id)
    with kernel.db.session(write=False) as db:
        plan_rows = [(i.label, i.amount, i.due_on) for i in db.scalars(
            select(Instalment).where(Instalment.contract_id == contract_id).order_by(Instalment.sequence))]
    assert plan_rows == [("定金", Decimal("5832.00"), date(2027, 5, 25)),
                         ("尾款", Decimal("13608.00"), date(2027, 10, 21))]


def test_booths_of_another_customer_or_org_are_refused(kernel, expo, plan, booth, new_customer, now):  # noqa: F811 - the fixture
    rules(kernel, expo, *STANDARD)
    a101 = booth(plan(), "A101")
    first = new_customer(expo["seller1"], "黑龙江北大荒农业股份有限公司")
    second = new_customer(expo["seller1"], "云南普洱茶业集团")
    with kernel.db.session() as db:
        contracts.contract_booths(db, actor_of(kernel, db, expo["seller1"]), [a101], first)
    with kernel.db.session() as db, pytest.raises(Conflict):
        contracts.quote_booths(db, actor_of(kernel, db, expo["seller1"]), [a101], second)
    with kernel.db.session() as db, pytest.raises(NotFound):
        contracts.quote_booths(db, actor_of(kernel, db, expo["outsider"]), [a101], first)


def test_an_overdue_deposit_is_reminded_escalated_and_released(kernel, expo, plan, booth, new_customer, now):  # noqa: F811 - the fixture
    rules(kernel, expo, *STANDARD)
    a101 = booth(plan(), "A101")
    farm = new_customer(expo["seller1"], "新疆天山果业有限公司")
    with kernel.db.session() as db:
        seller = actor_of(kernel, db, expo["seller1"])
        contract_id = contracts.contract_booths(db, seller, [a101], farm).id
        sales_contracts.fire(db, seller, contract_id, "submit")
    with kernel.db.session() as db:
        assert contracts.remind_deposits(db) == (0, 0)  # due 2027-05-25: not yet
    now.advance(days=16)  # 2027-05-26: one day late
    with kernel.db.session() as db:
        assert contracts.remind_deposits(db) == (1, 0)
        assert contracts.remind_deposits(db) == (0, 0)  # once
        told = db.scalars(select(InboxItem.user_id).where(
            InboxItem.subject == contracts.REMINDER)).all()
        assert told == [expo["seller1"].id]
    with kernel.db.session() as db:
        seller = actor_of(kernel, db, expo["seller1"])
        with pytest.raises(Exception):  # noqa: B017 - a seller may not release (Forbidden)
            contracts.release(db, seller, expo["edition"], contract_id)
    with kernel.db.session(write=False) as db:
        listed = contracts.overdue_deposits(db, edition_id=expo["edition"],
                                            actor=actor_of(kernel, db, expo["manager"]))
        assert [(o.contract.id, o.days) for o in listed] == [(contract_id, 1)]
        assert contracts.overdue_deposits(db, edition_id=expo["edition"],
                                          actor=actor_of(kernel, db, expo["outsider"])) == []
    with kernel.db.session() as db, pytest.raises(NotFound):
        contracts.release(db, actor_of(kernel, db, expo["outsider"]), expo["edition"], contract_id)
    assert booth_state(kernel, a101)[0] == "sold"
    with kernel.db.session() as db:
        contracts.release(db, actor_of(kernel, db, expo["manager"]), expo["edition"], contract_id)
    assert booth_state(kernel, a101) == ("available", None, None)
    with kernel.db.session(write=False) as db:
        contract = db.get(Contract, contract_id)
        assert "定金逾期" in contract.note and "A101" in contract.note
        assert contracts.overdue_deposits(db, edition_id=expo["edition"]) == []  # its booths are gone


def test_the_manager_is_told_after_a_week(kernel, expo, plan, booth, new_customer, now):  # noqa: F811 - the fixture
    rules(kernel, expo, *STANDARD)
    a101 = booth(plan(), "A101")
    farm = new_customer(expo["seller1"], "内蒙古伊利实业")
    with kernel.db.session() as db:
        seller = actor_of(kernel, db, expo["seller1"])
        contract_id = contracts.contract_booths(db, seller, [a101], farm).id
        sales_contracts.fire(db, seller, contract_id, "submit")
    now.advance(days=15 + contracts.ESCALATE_DAYS)
    with kernel.db.session() as db:
        reminded, escalated = contracts.remind_deposits(db)
        assert reminded == 1
        assert escalated in (0, 1)  # the sellers' department may have no manager in the fixture


def test_the_pipeline_figures(kernel, expo, plan, booth, new_customer, now):  # noqa: F811 - the fixture
    rules(kernel, expo, *STANDARD)
    p = plan()
    a101 = booth(p, "A101")
    a102 = booth(p, "A102", x=3)
    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    with kernel.db.session() as db:
        seller = actor_of(kernel, db, expo["seller1"])
        contract_id = contracts.contract_booths(db, seller, [a101, a102], farm).id
        sales_contracts.fire(db, seller, contract_id, "submit")
    with kernel.db.session(write=False) as db:
        figures = pipeline.figures(db, actor_of(kernel, db, expo["manager"]), expo["edition"])
    assert figures.area_sold == Decimal(18)
    assert figures.revenue == Decimal("19440.00")
    assert figures.deals == 1 and figures.deal_area == Decimal(18)
    assert figures.curve == [((date(2027, 11, 20) - date(2027, 5, 10)).days, Decimal(18))]
    svg = pipeline.curve_svg(figures.curve, [], label="m²", previous_label="", axis_label="days")
    assert "<polyline" in svg
