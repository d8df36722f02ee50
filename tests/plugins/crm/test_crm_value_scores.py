"""The customer value score: grades and reasons on a hand-made data set,
revenue other plugins report through ``crm_customer_revenue``, the value
model's settings, and the report of resources spent against value."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_value_support import CHINA, days_ago, followup, run_jobs, won_deal
from sqlalchemy import func, select

from core import enqueue, hookimpl
from core.app import Kernel
from plugins.crm.models import Customer, CustomerValue
from plugins.crm.services import value

TODAY = date(2026, 6, 15)


def on(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time().replace(hour=10), CHINA)


def scores(kernel: Kernel) -> dict[str, tuple[int | None, str]]:
    with kernel.db.session(write=False) as db:
        return {n: (s, g) for n, s, g in db.execute(select(Customer.name, Customer.value_score,
                                                           Customer.value_grade))}


def test_grades_and_reasons_on_a_hand_made_data_set(kernel: Kernel, sales: dict[str, Any],
                                                    new_customer: Any) -> None:
    rep1, hq = sales["rep1"], sales["hq"]
    # given a customer who bought three times this year, one who last bought 14 months ago,
    # one who never bought but took 10 hours of visits, and one with no history at all
    loyal = new_customer(rep1, "苏州精密机械")
    for days, amount in ((10, "250000"), (60, "200000"), (200, "150000")):
        won_deal(kernel, loyal, amount, on(TODAY - timedelta(days=days)))
    lapsed = new_customer(rep1, "无锡小天鹅")
    won_deal(kernel, lapsed, "80000", on(TODAY - timedelta(days=425)))
    costly = new_customer(rep1, "常州东风农机")
    followup(kernel, costly, minutes=600, cost="800", at=on(TODAY - timedelta(days=20)))
    new_customer(rep1, "南通新客户")
    # when the value job runs on 15 June
    assert value.compute_org(kernel.db.session, kernel.pm.hook, hq.id, TODAY) == 4
    # then the grades follow recency, frequency, revenue and cost
    got = scores(kernel)
    assert got["苏州精密机械"][1] == "A" and got["苏州精密机械"][0] >= 75
    assert got["无锡小天鹅"][1] == "C"
    assert got["常州东风农机"] == (0, "D") and got["南通新客户"] == (0, "D")
    # and each computation keeps its reasons as message ids with parameters
    with kernel.db.session(write=False) as db:
        rows = {r.customer_id: r for r in db.scalars(select(CustomerValue))}
    assert rows[loyal].reasons == [["last purchase {days} days ago", {"days": 10}],
                                   ["{count} won deals worth {amount} in {months} months",
                                    {"count": 3, "amount": "¥600,000", "months": 24}]]
    assert rows[lapsed].reasons[0] == ["no purchase for {months} months", {"months": 14}]
    assert rows[costly].cost == Decimal("2800.00") and rows[costly].effort_minutes == 600
    assert rows[costly].reasons[-1] == ["service cost {cost} without revenue", {"cost": "¥2,800"}]
    # and a second run the same day replaces that day's rows instead of adding to them
    value.compute_org(kernel.db.session, kernel.pm.hook, hq.id, TODAY)
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(CustomerValue)) == 4


def test_the_customer_page_explains_the_grade_in_the_readers_language(client: Any, kernel: Kernel,
                                                                       sales: dict[str, Any],
                                                                       new_customer: Any) -> None:
    lapsed = new_customer(sales["rep1"], "无锡小天鹅")
    won_deal(kernel, lapsed, "80000", on(TODAY - timedelta(days=425)))
    value.compute_org(kernel.db.session, kernel.pm.hook, sales["hq"].id, TODAY)
    client.login("rep1")
    page = client.get(f"/crm/customers/{lapsed}").text
    assert 'id="panel-crm-value"' in page
    assert "C 级：14 个月没有成交；24 个月内赢单 1 笔，共 ¥80,000" in page


class Contracts:
    """What the sales plugin of issue 7 will answer: revenue from contracts."""

    def __init__(self, rows: list[tuple[int, Decimal, int, date]]) -> None:
        self.rows = rows
        self.asked: list[tuple[int, date]] = []

    @hookimpl
    def crm_customer_revenue(self, session: Any, org_id: int, since: date) -> list[tuple[int, Decimal, int, date]]:
        self.asked.append((org_id, since))
        return self.rows


def test_revenue_reported_by_another_plugin_adds_to_the_score(kernel: Kernel, sales: dict[str, Any],
                                                               new_customer: Any) -> None:
    rep1, hq = sales["rep1"], sales["hq"]
    # given a customer with one small won deal long ago
    customer = new_customer(rep1, "杭州阿里巴巴")
    won_deal(kernel, customer, "10000", on(TODAY - timedelta(days=500)))
    value.compute_org(kernel.db.session, kernel.pm.hook, hq.id, TODAY)
    before = scores(kernel)["杭州阿里巴巴"]
    # when a plugin reports two contracts of 400,000 signed last month
    contracts = Contracts([(customer, Decimal("400000"), 2, TODAY - timedelta(days=30))])
    kernel.pm.register(contracts, name="test-contracts")
    try:
        value.compute_org(kernel.db.session, kernel.pm.hook, hq.id, TODAY)
    finally:
        kernel.pm.unregister(contracts)
    # then it was asked for the last 24 months, and the score and grade rose with it
    assert contracts.asked == [(hq.id, date(2024, 6, 15))]
    after = scores(kernel)["杭州阿里巴巴"]
    assert after[0] is not None and before[0] is not None and after[0] > before[0]
    assert (before[1], after[1]) == ("D", "A")
    with kernel.db.session(write=False) as db:
        latest = db.scalar(select(CustomerValue).where(CustomerValue.customer_id == customer)
                           .order_by(CustomerValue.id.desc()).limit(1))
        assert latest is not None
        assert (latest.frequency, latest.monetary, latest.recency_days) == (3, Decimal("410000.00"), 30)


def test_the_value_model_is_checked_and_changes_the_grades(client: Any, kernel: Kernel, sales: dict[str, Any],
                                                           new_customer: Any) -> None:
    customer = new_customer(sales["rep1"], "无锡小天鹅")
    won_deal(kernel, customer, "80000", on(TODAY - timedelta(days=425)))
    client.login("director")
    form = {**{k: str(v) for k, v in value.DEFAULT_MODEL.items()}}
    # when grades are out of order, the form names the field and nothing is stored
    response = client.submit("/crm/value/settings", {**form, "grade_b": "80"})
    assert response.status_code == 422 and "A 级分数须高于 B 级" in response.text
    # when the director lowers the bar of grade B to 10
    response = client.submit("/crm/value/settings", {**form, "grade_b": "10", "grade_c": "5"},
                             follow_redirects=False)
    assert response.status_code == 303
    value.compute_org(kernel.db.session, kernel.pm.hook, sales["hq"].id, TODAY)
    # then the lapsed customer is graded B
    assert scores(kernel)["无锡小天鹅"][1] == "B"
    # and a salesperson may not change the model
    client.cookies.clear()
    client.login("rep1")
    assert client.get("/crm/value/settings").status_code == 403


def test_the_report_shows_cost_against_value_within_the_readers_scope(client: Any, kernel: Kernel,
                                                                       sales: dict[str, Any],
                                                                       new_customer: Any) -> None:
    mine = new_customer(sales["rep1"], "常州东风农机")
    followup(kernel, mine, minutes=120, cost="300")
    won_deal(kernel, mine, "1000", days_ago(5))
    good = new_customer(sales["rep1"], "苏州精密机械")
    for _ in range(5):
        won_deal(kernel, good, "100000", days_ago(5))
    other = new_customer(sales["rep3"], "佛山美的")
    followup(kernel, other, minutes=60)
    # given scores computed by the job (queued as the manager's button does)
    with kernel.db.session() as db:
        enqueue(db, "crm.compute_value", {"org_id": sales["hq"].id})
    run_jobs(kernel)
    client.login("rep1")
    page = client.get("/crm/value").text
    # then rep1 sees their two customers, the costly one first, and a scatter of them
    assert "佛山美的" not in page
    assert page.index("常州东风农机") < page.index("苏州精密机械")
    assert '<svg class="crm-chart" role="img"' in page
    # and filters by grade
    page = client.get("/crm/value", params={"grade": "A"}).text
    assert "苏州精密机械" in page and "常州东风农机" not in page
    # and a salesperson has no recompute button; the manager's queues the job
    assert "立即重新计算" not in client.get("/crm/value").text
    client.cookies.clear()
    client.login("manager")
    response = client.submit("/crm/value/compute", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("?queued=1")
