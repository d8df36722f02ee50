"""Segments: rules compiled to one SQL predicate, refused rules named by
their row, the preview under the viewer's scope, shared and private
segments, and membership kept over time."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from crm_value_support import at_noon, days_ago, followup, set_fields, tag, won_deal
from sqlalchemy import func, select

from core import ValidationError, clock
from core.app import Kernel
from core.clock import FakeClock
from plugins.crm.models import Customer, Segment, SegmentMember
from plugins.crm.services import segments
from plugins.crm.services.segment_rules import clean_rules, in_org


def matching(kernel: Kernel, org_id: int, rules: list[dict[str, Any]], match: str = "all") -> set[str]:
    """Names of the customers the rules select (through the one SQL predicate)."""
    with kernel.db.session(write=False) as db:
        clean = clean_rules(db, org_id, rules)
        return set(db.scalars(select(Customer.name).where(in_org(org_id, clean, match))))


def segment_form(name: str, *rows: tuple[str, str, str], months: str = "", **extra: str) -> dict[str, Any]:
    return {"name": name, "match": "all", "rule_field[]": [r[0] for r in rows], "rule_op[]": [r[1] for r in rows],
            "rule_value[]": [r[2] for r in rows], "rule_months[]": [months for _ in rows], **extra}


def test_each_kind_of_rule_selects_in_sql(kernel: Kernel, sales: dict[str, Any], new_customer: Any) -> None:
    rep1, hq = sales["rep1"], sales["hq"]
    # given customers with industries, cities, tags, follow-ups and won deals
    steel = new_customer(rep1, "江苏沙钢集团", industry="manufacturing", province="江苏省", city="苏州市", level="vip")
    bank = new_customer(rep1, "上海浦东发展银行", industry="finance", province="上海市", city="上海市")
    shop = new_customer(sales["rep2"], "杭州银泰百货", industry="trade", province="浙江省", city="杭州市")
    fair = tag(kernel, hq.id, "展会客户", steel, shop)
    followup(kernel, bank, at=days_ago(3))
    followup(kernel, steel, at=days_ago(90))
    won_deal(kernel, steel, "300000", days_ago(40))
    won_deal(kernel, bank, "20000", days_ago(400))
    set_fields(kernel, shop, owner_id=None, department_id=None)
    tagged = {"field": "tag", "op": "has", "value": str(fair)}
    # then every field and operator selects what it says
    assert matching(kernel, hq.id, [{"field": "industry", "op": "eq", "value": "manufacturing"}]) == {"江苏沙钢集团"}
    assert matching(kernel, hq.id, [{"field": "province", "op": "contains", "value": "江"}]) == {
        "江苏沙钢集团", "杭州银泰百货"}
    assert matching(kernel, hq.id, [tagged]) == {"江苏沙钢集团", "杭州银泰百货"}
    assert matching(kernel, hq.id, [{**tagged, "op": "has_not"}]) == {"上海浦东发展银行"}
    # never followed up counts as long ago
    assert matching(kernel, hq.id, [{"field": "days_since_followup", "op": "gt", "value": "30"}]) == {
        "江苏沙钢集团", "杭州银泰百货"}
    assert matching(kernel, hq.id, [{"field": "days_since_followup", "op": "lt", "value": "30"}]) == {
        "上海浦东发展银行"}
    assert matching(kernel, hq.id, [{"field": "won_amount", "op": "gte",
                                     "value": {"amount": "100000", "months": "12"}}]) == {"江苏沙钢集团"}
    assert matching(kernel, hq.id, [{"field": "won_amount", "op": "gte",
                                     "value": {"amount": "10000", "months": "24"}}]) == {
        "江苏沙钢集团", "上海浦东发展银行"}
    assert matching(kernel, hq.id, [{"field": "owner", "op": "empty", "value": ""}]) == {"杭州银泰百货"}
    assert matching(kernel, hq.id, [{"field": "owner", "op": "eq", "value": str(rep1.id)}]) == {
        "江苏沙钢集团", "上海浦东发展银行"}
    assert matching(kernel, hq.id, [{"field": "created", "op": "within_days", "value": "7"}]) == {
        "江苏沙钢集团", "上海浦东发展银行", "杭州银泰百货"}
    assert matching(kernel, hq.id, [{"field": "created", "op": "before", "value": "2020-01-01"}]) == set()
    # and rules join by all or any
    both = [{"field": "industry", "op": "eq", "value": "finance"}, {"field": "level", "op": "eq", "value": "vip"}]
    assert matching(kernel, hq.id, both) == set()
    assert matching(kernel, hq.id, both, "any") == {"江苏沙钢集团", "上海浦东发展银行"}


def test_a_bad_rule_is_refused_naming_its_row_and_nothing_is_saved(client: Any, kernel: Kernel,
                                                                      sales: dict[str, Any]) -> None:
    # given a salesperson in the rule builder
    client.login("rep1")
    # when the second rule names an unknown field and the third an operator its field lacks
    response = client.submit("/crm/segments", {
        "name": "坏条件", "match": "all",
        "rule_field[]": ["industry", "colour", "city"], "rule_op[]": ["eq", "eq", "gt"],
        "rule_value[]": ["manufacturing", "red", "苏州市"], "rule_months[]": ["", "", ""]})
    # then the form comes back naming rows 2 and 3, and no segment exists
    assert response.status_code == 422
    assert "条件 2：请选择列出的字段之一。" in response.text
    assert "条件 3：该字段不能使用这个运算符。" in response.text
    assert "条件 1：" not in response.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Segment)) == 0
    # and the service names the rows the same way (an API or an import gets the same errors)
    with kernel.db.session(write=False) as db, pytest.raises(ValidationError) as refused:
        clean_rules(db, sales["hq"].id, [{"field": "industry", "op": "eq", "value": "rocket science"},
                                         {"field": "won_amount", "op": "gte", "value": {"amount": "x"}}])
    assert refused.value.errors == {"rules.1": "Choose one of the offered values.",
                                    "rules.2": "Enter an amount and a number of months."}


def test_a_salespersons_preview_counts_only_their_customers(client: Any, sales: dict[str, Any],
                                                             new_customer: Any) -> None:
    # given manufacturers of two salespeople of one department and of another department
    new_customer(sales["rep1"], "苏州精密机械", industry="manufacturing")
    new_customer(sales["rep1"], "无锡小天鹅", industry="manufacturing")
    new_customer(sales["rep2"], "常州东风农机", industry="manufacturing")
    new_customer(sales["rep3"], "佛山美的", industry="manufacturing")
    query = {"rule_field[]": "industry", "rule_op[]": "eq", "rule_value[]": "manufacturing", "rule_months[]": ""}
    # when rep1 previews "industry is manufacturing"
    client.login("rep1")
    page = client.get("/crm/segments/preview", params=query).text
    # then they count their own two, and see only their own names
    assert '<div class="h1 mb-1" id="crm-segment-count">2</div>' in page
    assert "苏州精密机械" in page and "常州东风农机" not in page
    # and the manager of 销售一部 counts the department's three, not 销售二部's
    client.cookies.clear()
    client.login("manager")
    page = client.get("/crm/segments/preview", params=query).text
    assert '<div class="h1 mb-1" id="crm-segment-count">3</div>' in page and "佛山美的" not in page


def test_the_builder_redraws_rows_and_the_preview(client: Any, sales: dict[str, Any], new_customer: Any) -> None:
    new_customer(sales["rep1"], "苏州精密机械", industry="manufacturing", level="vip")
    client.login("rep1")
    # when a row is added to "industry is manufacturing"
    page = client.get("/crm/segments/rules", params={
        "rule_field[]": "industry", "rule_op[]": "eq", "rule_value[]": "manufacturing", "rule_months[]": "",
        "add": "1"}).text
    # then two rows come back, the preview out of band, asking to complete the new row
    assert 'id="crm-rule-2"' in page and 'hx-swap-oob="true"' in page
    assert "条件 2：请从给出的选项中选择。" in page
    # and a field changed to a won amount draws the amount and months inputs
    page = client.get("/crm/segments/rules", params={
        "rule_field[]": "won_amount", "rule_op[]": "eq", "rule_value[]": "", "rule_months[]": ""}).text
    assert 'name="rule_months[]" type="number"' in page


def test_private_and_shared_segments(client: Any, kernel: Kernel, sales: dict[str, Any], new_customer: Any) -> None:
    new_customer(sales["rep1"], "苏州精密机械", industry="manufacturing")
    new_customer(sales["rep2"], "常州东风农机", industry="manufacturing")
    # given a private segment of rep1 and a shared one
    client.login("rep1")
    for name, shared in (("我的制造业", ""), ("全公司制造业", "on")):
        response = client.submit("/crm/segments", segment_form(name, ("industry", "eq", "manufacturing"),
                                                               shared=shared), follow_redirects=False)
        assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        ids = {n: i for n, i in db.execute(select(Segment.name, Segment.id))}
        # membership is the organisation's: both manufacturers
        assert db.scalar(select(Segment.member_count).where(Segment.id == ids["全公司制造业"])) == 2
    # then rep2 sees the shared one only, and among its members only their own customer
    client.cookies.clear()
    client.login("rep2")
    assert client.get(f"/crm/segments/{ids['我的制造业']}").status_code == 404
    page = client.get(f"/crm/segments/{ids['全公司制造业']}").text
    assert "常州东风农机" in page and "苏州精密机械" not in page
    listing = client.get("/crm/segments").text
    assert "全公司制造业" in listing and "我的制造业" not in listing
    # and may not change it
    assert client.submit(f"/crm/segments/{ids['全公司制造业']}/refresh").status_code == 404


def test_membership_over_time_keeps_a_customer_who_leaves_and_comes_back(kernel: Kernel, sales: dict[str, Any],
                                                                          new_customer: Any) -> None:
    from crm_value_support import actor_of

    vip = new_customer(sales["rep1"], "北京百度网讯", level="vip")
    new_customer(sales["rep1"], "北京小米科技", level="normal")
    fake = FakeClock(at_noon(date(2026, 3, 2)))
    with clock.use(fake):
        # given a segment of VIP customers, saved on 2 March
        with kernel.db.session() as db:
            segment = segments.create_segment(db, actor_of(kernel, db, sales["rep1"]), {
                "name": "VIP 客户", "rules": [{"field": "level", "op": "eq", "value": "vip"}]})
            segment_id = segment.id
        # when the customer is downgraded and the nightly refresh runs on 5 March
        set_fields(kernel, vip, level="normal")
        fake.advance(days=3)
        with kernel.db.session() as db:
            assert segments.refresh_all(db) == 1
        # and upgraded again, refreshed on 9 March
        set_fields(kernel, vip, level="vip")
        fake.advance(days=4)
        with kernel.db.session() as db:
            segments.refresh_all(db)
            # then the customer has two memberships: closed, then open
            rows = db.execute(select(SegmentMember.joined_at, SegmentMember.left_at)
                              .where(SegmentMember.customer_id == vip).order_by(SegmentMember.id)).all()
            assert len(rows) == 2
            assert rows[0].left_at is not None and rows[1].left_at is None
            assert rows[0].left_at.date() == date(2026, 3, 5) and rows[1].joined_at.date() == date(2026, 3, 9)
            # and the segment's members over time say 1, 0, 1
            history = segments.history(db, actor_of(kernel, db, sales["rep1"]), db.get(Segment, segment_id))
            assert history == [(date(2026, 3, 2), 1), (date(2026, 3, 5), 0), (date(2026, 3, 9), 1)]


def test_the_segment_page_shows_its_chart_and_the_customer_page_its_segments(
        client: Any, kernel: Kernel, sales: dict[str, Any], new_customer: Any) -> None:
    customer = new_customer(sales["rep1"], "苏州精密机械", industry="manufacturing")
    client.login("rep1")
    response = client.submit("/crm/segments", segment_form("苏州制造业", ("industry", "eq", "manufacturing"),
                                                           ("city", "contains", "")), follow_redirects=False)
    assert response.status_code == 422  # an empty city is refused
    response = client.submit("/crm/segments", segment_form("制造业", ("industry", "eq", "manufacturing")))
    assert response.status_code == 200
    assert '<svg class="crm-chart" role="img"' in response.text and "行业 等于 制造业" in response.text
    page = client.get(f"/crm/customers/{customer}").text
    assert 'id="panel-crm-segments"' in page and "制造业" in page
