"""The sales process as salespeople and their director live it: pipelines
and their stages, opportunities entered through the form, moved on the
kanban (stage log, days in stage, lost reasons, won deals, reopening,
stale cards), who may move what, the customer page's panel and the hook
later plugins hear a deal close on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import crm_sales_support as support
import pytest
from crm_sales_support import STANDARD, actor_of, pipeline_id, stage_id
from sqlalchemy import func, select

from core import Conflict, NotFound, ValidationError, hookimpl
from core.app import Kernel
from plugins.crm.models import (
    Customer,
    Opportunity,
    OpportunityCompetitor,
    OpportunityProduct,
    Pipeline,
    Stage,
    StageLog,
)
from plugins.crm.services.opportunities import ensure_pipelines, move_stage

clock = support.clock  # a fixture
move = support.move  # a fixture
new_competitor = support.new_competitor  # a fixture
new_opportunity = support.new_opportunity  # a fixture


def count(kernel: Kernel, model: Any) -> int:
    with kernel.db.session(write=False) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


# ------------------------------------------------------------------ pipelines


def test_an_organisation_gets_three_pipelines_on_first_use(kernel: Kernel, sales: dict[str, Any]) -> None:
    # when the CRM first needs the pipelines of head office
    with kernel.db.session() as db:
        pipelines = ensure_pipelines(db, sales["hq"].id)
        again = ensure_pipelines(db, sales["hq"].id)
        # then there are three, the standard sale the default, each with one won and a lost stage
        assert [p.name for p in pipelines] == ["标准产品销售", "复杂项目销售", "大客户销售"]
        assert [p.id for p in again] == [p.id for p in pipelines], "made once"
        assert pipelines[0].is_default
        for p in pipelines:
            kinds = list(db.scalars(select(Stage.kind).where(Stage.pipeline_id == p.id)))
            assert kinds.count("won") == 1 and kinds.count("lost") >= 1
        standard = db.scalars(select(Stage).where(Stage.pipeline_id == pipelines[0].id)
                              .order_by(Stage.sequence)).all()
        assert [(s.name, s.probability) for s in standard] == [
            ("初步接洽", 10), ("需求确认", 25), ("方案报价", 50), ("商务谈判", 75), ("赢单", 100), ("输单", 0)]
        project = db.scalars(select(Stage.name).where(Stage.pipeline_id == pipelines[1].id)).all()
        assert "立项" in project and "招投标" in project


def stage_rows(*rows: tuple[str, str, str, str]) -> dict[str, list[str]]:
    return {"stage_id[]": [r[0] for r in rows], "stage_name[]": [r[1] for r in rows],
            "stage_name_en[]": ["" for _ in rows], "stage_probability[]": [r[2] for r in rows],
            "stage_kind[]": [r[3] for r in rows]}


def test_the_director_sets_up_a_pipeline_and_bad_stages_are_refused(client: Any, kernel: Kernel,
                                                                     sales: dict[str, Any]) -> None:
    client.login("director")
    assert client.get("/crm/pipelines").status_code == 200
    before = count(kernel, Stage)
    # when the director saves a pipeline without a won stage
    response = client.submit("/crm/pipelines", {"name": "渠道销售", **stage_rows(
        ("", "渠道接洽", "10", "open"), ("", "输单", "0", "lost"))})
    # then it is refused naming the rule, and nothing is written
    assert response.status_code == 422
    assert "有且只有一个赢单阶段" in response.text
    assert count(kernel, Stage) == before
    # and two won stages, a probability of 120 on row 2 and an unnamed pipeline are refused too
    response = client.submit("/crm/pipelines", {"name": "", **stage_rows(
        ("", "接洽", "10", "open"), ("", "谈判", "120", "open"), ("", "赢单", "100", "won"),
        ("", "再赢", "100", "won"), ("", "输单", "0", "lost"))})
    assert response.status_code == 422
    assert "第 2 行" in response.text and "请填写销售流程名称" in response.text
    assert count(kernel, Stage) == before
    # when a good one is saved as the default
    response = client.submit("/crm/pipelines", {"name": "渠道销售", "is_default": "1", "active": "1", **stage_rows(
        ("", "渠道接洽", "10", "open"), ("", "签约", "50", "won"), ("", "输单", "30", "lost"))},
        follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        channel = db.scalar(select(Pipeline).where(Pipeline.name == "渠道销售"))
        assert channel is not None and channel.is_default
        assert db.scalar(select(func.count(Pipeline.id)).where(Pipeline.is_default.is_(True))) == 1
        stages = db.scalars(select(Stage).where(Stage.pipeline_id == channel.id).order_by(Stage.sequence)).all()
        # won counts as 100 %, lost as 0 %, whatever was typed
        assert [(s.name, s.probability, s.kind) for s in stages] == [
            ("渠道接洽", 10, "open"), ("签约", 100, "won"), ("输单", 0, "lost")]
        ids = [str(s.id) for s in stages]
    # when the director reorders: adds 需求确认 and puts it first
    response = client.submit(f"/crm/pipelines/{channel.id}", {"name": "渠道销售", "is_default": "1", "active": "1",
                                                              **stage_rows(("", "需求确认", "20", "open"),
                                                                           (ids[0], "渠道接洽", "10", "open"),
                                                                           (ids[1], "签约", "100", "won"),
                                                                           (ids[2], "输单", "0", "lost"))},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        names = db.scalars(select(Stage.name).where(Stage.pipeline_id == channel.id).order_by(Stage.sequence)).all()
        assert names == ["需求确认", "渠道接洽", "签约", "输单"]


def test_a_stage_holding_deals_cannot_be_removed_and_salespeople_cannot_edit_pipelines(
        client: Any, kernel: Kernel, sales: dict[str, Any], new_customer: Any, new_opportunity: Any) -> None:
    customer = new_customer(sales["rep1"], "北京百度网讯科技有限公司")
    new_opportunity(sales["rep1"], customer, "百度云服务器采购", stage="需求确认")
    pid = pipeline_id(kernel, sales["hq"].id)
    with kernel.db.session(write=False) as db:
        stages = db.scalars(select(Stage).where(Stage.pipeline_id == pid).order_by(Stage.sequence)).all()
    kept = [s for s in stages if s.name != "需求确认"]
    client.login("director")
    response = client.submit(f"/crm/pipelines/{pid}", {"name": STANDARD, "active": "1", "is_default": "1",
                                                       **stage_rows(*[(str(s.id), s.name, str(s.probability), s.kind)
                                                                      for s in kept])})
    assert response.status_code == 422
    assert "仍有商机" in response.text
    assert count(kernel, Stage) == 6 + 9 + 8
    client.cookies.clear()
    client.login("rep1")
    assert client.get("/crm/pipelines").status_code == 403


# ------------------------------------------------------------------ opportunities


def test_a_salesperson_enters_an_opportunity_with_competitors_and_products(
        client: Any, kernel: Kernel, sales: dict[str, Any], new_customer: Any, new_competitor: Any) -> None:
    customer = new_customer(sales["rep1"], "北京百度网讯科技有限公司")
    huawei = new_competitor(sales["hq"].id, "华为云")
    pid = pipeline_id(kernel, sales["hq"].id)
    sid = stage_id(kernel, sales["hq"].id, "需求确认")
    client.login("rep1")
    # the form opens with the customer prefilled from the customer page's link
    page = client.get(f"/crm/opportunities/new?customer_id={customer}")
    assert page.status_code == 200 and "北京百度网讯科技有限公司" in page.text
    # when rep1 saves it with no probability, a competitor and two product lines
    response = client.submit("/crm/opportunities", {
        "name": "百度云服务器采购", "customer_id": str(customer), "pipeline_id": str(pid), "stage_id": str(sid),
        "amount": "1,280,000.50", "currency": "CNY", "expected_close_on": "2026-06-30", "source": "referral",
        "competitor_ids[]": [str(huawei)], "product_name[]": ["GPU 服务器", "运维服务", ""],
        "product_quantity[]": ["20", "1", ""], "product_amount[]": ["1200000", "80000.50", ""]},
        follow_redirects=False)
    assert response.status_code == 303, response.text
    # then the deal is rep1's, open, at the stage's probability, with its first stage log row
    with kernel.db.session(write=False) as db:
        deal = db.scalar(select(Opportunity).where(Opportunity.name == "百度云服务器采购"))
        assert deal is not None
        assert (deal.owner_id, deal.department_id, deal.state) == (sales["rep1"].id, sales["one"].id, "open")
        assert (deal.amount, deal.probability) == (Decimal("1280000.50"), 25)
        assert db.scalars(select(OpportunityCompetitor.competitor_id)).all() == [huawei]
        lines = db.scalars(select(OpportunityProduct).order_by(OpportunityProduct.id)).all()
        assert [(p.name, p.quantity, p.amount, p.product_id) for p in lines] == [
            ("GPU 服务器", Decimal("20"), Decimal("1200000"), None), ("运维服务", Decimal("1"), Decimal("80000.50"), None)]
        logs = db.scalars(select(StageLog)).all()
        assert [(log.from_stage_id, log.to_stage_id, log.days_in_from) for log in logs] == [(None, sid, None)]
    # and its page shows the stage bar, the products and the competitor
    page = client.get(f"/crm/opportunities/{deal.id}").text
    assert "需求确认" in page and "GPU 服务器" in page and "华为云" in page


def test_bad_input_names_each_field_and_writes_nothing(client: Any, kernel: Kernel, sales: dict[str, Any],
                                                       new_customer: Any) -> None:
    mine = new_customer(sales["rep1"], "北京百度网讯科技有限公司")
    theirs = new_customer(sales["rep2"], "上海浦东发展银行")
    pid = pipeline_id(kernel, sales["hq"].id)
    other_stage = stage_id(kernel, sales["hq"].id, "立项", "复杂项目销售")
    client.login("rep1")
    base = {"name": "百度云", "customer_id": str(mine), "pipeline_id": str(pid),
            "stage_id": str(stage_id(kernel, sales["hq"].id, "初步接洽")), "currency": "CNY"}
    cases = [
        ({"amount": "-100"}, "金额不能为负数"),
        ({"amount": "100.125"}, "金额最多两位小数"),
        ({"stage_id": str(other_stage)}, "请选择所选销售流程中的阶段"),
        ({"customer_id": str(theirs)}, "请选择您可以查看的客户"),
        ({"product_name[]": ["服务器"], "product_quantity[]": ["-1"], "product_amount[]": ["10"]}, "第 1 行"),
        ({"stage_id": str(stage_id(kernel, sales["hq"].id, "赢单"))}, "新商机须从进行中的阶段开始"),
    ]
    for change, message in cases:
        response = client.submit("/crm/opportunities", {**base, **change})
        assert response.status_code == 422, change
        assert message in response.text, (change, message)
    assert count(kernel, Opportunity) == 0 and count(kernel, StageLog) == 0 and count(kernel, OpportunityProduct) == 0


def test_moves_are_logged_with_the_days_spent_in_the_stage_left(kernel: Kernel, sales: dict[str, Any],
                                                                new_customer: Any, new_opportunity: Any,
                                                                move: Any, clock: Any) -> None:
    customer = new_customer(sales["rep1"], "杭州阿里巴巴")
    deal = new_opportunity(sales["rep1"], customer, "阿里钉钉集成")
    # three days later rep1 moves it to 需求确认, and two and a half days after that to 方案报价
    clock.advance(days=3, hours=2)
    move(sales["rep1"], deal, "需求确认")
    clock.advance(days=2, hours=12)
    move(sales["rep1"], deal, "方案报价")
    with kernel.db.session(write=False) as db:
        logs = db.scalars(select(StageLog).where(StageLog.opportunity_id == deal).order_by(StageLog.id)).all()
        names = dict(db.execute(select(Stage.id, Stage.name)).all())
        assert [(names.get(log.from_stage_id), names[log.to_stage_id], log.days_in_from) for log in logs] == [
            (None, "初步接洽", None), ("初步接洽", "需求确认", 3), ("需求确认", "方案报价", 2)]
        assert all(log.actor_id == sales["rep1"].id for log in logs)
        opportunity = db.get(Opportunity, deal)
        assert opportunity is not None
        # the probability follows the stage, and the deal is in its stage since the last move
        assert (opportunity.probability, opportunity.state) == (50, "open")
        assert opportunity.stage_entered_at == clock.current


def test_a_lost_deal_needs_a_reason_and_may_name_who_won_it(kernel: Kernel, sales: dict[str, Any],
                                                            new_customer: Any, new_opportunity: Any, move: Any,
                                                            new_competitor: Any) -> None:
    customer = new_customer(sales["rep1"], "深圳腾讯")
    deal = new_opportunity(sales["rep1"], customer, "腾讯会议室改造", stage="商务谈判")
    rival = new_competitor(sales["hq"].id, "金蝶")
    # moving to 输单 without a reason is refused, and the deal stays where it was
    with pytest.raises(ValidationError) as refused:
        move(sales["rep1"], deal, "输单")
    assert "lost_reason" in refused.value.errors
    assert count(kernel, StageLog) == 1
    # with the reason and the winner it is lost and closed
    move(sales["rep1"], deal, "输单", lost_reason="price", lost_to_id=rival, lost_note="对方报价低 20%")
    with kernel.db.session(write=False) as db:
        lost = db.get(Opportunity, deal)
        assert lost is not None
        assert (lost.state, lost.lost_reason, lost.lost_to_id, lost.probability) == ("lost", "price", rival, 0)
        assert lost.closed_at is not None
    # reopening it (back to an open stage) clears the closing fields
    move(sales["rep1"], deal, "方案报价")
    with kernel.db.session(write=False) as db:
        reopened = db.get(Opportunity, deal)
        assert reopened is not None
        assert (reopened.state, reopened.closed_at, reopened.lost_reason, reopened.lost_to_id) == (
            "open", None, "", None)


def test_a_won_deal_stamps_the_customers_last_won_date(kernel: Kernel, sales: dict[str, Any], new_customer: Any,
                                                       new_opportunity: Any, move: Any, clock: Any) -> None:
    customer = new_customer(sales["rep1"], "华润万家")
    deal = new_opportunity(sales["rep1"], customer, "华润门店收银系统", stage="商务谈判")
    clock.advance(days=1)
    move(sales["rep1"], deal, "赢单")
    with kernel.db.session(write=False) as db:
        won = db.get(Opportunity, deal)
        assert won is not None and (won.state, won.probability, won.closed_at) == ("won", 100, clock.current)
        stamped = db.get(Customer, customer)
        assert stamped is not None and stamped.last_won_at == clock.current


def test_a_card_moved_meanwhile_is_refused_as_stale(client: Any, kernel: Kernel, sales: dict[str, Any],
                                                    new_customer: Any, new_opportunity: Any, move: Any) -> None:
    customer = new_customer(sales["rep1"], "北京小米科技")
    deal = new_opportunity(sales["rep1"], customer, "小米工厂 MES")
    with kernel.db.session(write=False) as db:
        seen = db.get(Opportunity, deal).version  # type: ignore[union-attr]
    # the manager moves it while rep1's board still shows the old card
    move(sales["manager"], deal, "需求确认")
    client.login("rep1")
    target = stage_id(kernel, sales["hq"].id, "方案报价")
    response = client.submit(f"/crm/opportunities/{deal}/stage", {"stage_id": str(target), "version": str(seen)},
                             headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert "其他人" in response.json()["error"]
    with kernel.db.session(write=False) as db:
        names = dict(db.execute(select(Stage.id, Stage.name)).all())
        assert names[db.get(Opportunity, deal).stage_id] == "需求确认"  # type: ignore[union-attr]
    # the service says the same
    with kernel.db.session() as db, pytest.raises(Conflict):
        move_stage(db, actor_of(kernel, db, sales["rep1"]), deal, target, version=seen)


def test_a_salesperson_cannot_move_a_colleagues_deal(client: Any, kernel: Kernel, sales: dict[str, Any],
                                                    new_customer: Any, new_opportunity: Any) -> None:
    customer = new_customer(sales["rep2"], "上海浦东发展银行")
    deal = new_opportunity(sales["rep2"], customer, "浦发银行网点升级")
    target = stage_id(kernel, sales["hq"].id, "需求确认")
    client.login("rep1")
    response = client.submit(f"/crm/opportunities/{deal}/stage", {"stage_id": str(target)})
    assert response.status_code == 404
    assert client.get(f"/crm/opportunities/{deal}").status_code == 404
    with kernel.db.session() as db, pytest.raises(NotFound):
        move_stage(db, actor_of(kernel, db, sales["rep1"]), deal, target)
    assert count(kernel, StageLog) == 1
    # while their manager may
    client.cookies.clear()
    client.login("manager")
    response = client.submit(f"/crm/opportunities/{deal}/stage", {"stage_id": str(target)}, follow_redirects=False)
    assert response.status_code == 303
    assert count(kernel, StageLog) == 2


class Closings:
    """A throwaway implementation of crm_opportunity_closed."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool, str, int | None]] = []

    @hookimpl
    def crm_opportunity_closed(self, session: Any, actor: Any, opportunity: Any, won: bool) -> None:
        self.calls.append((opportunity.name, won, opportunity.state, actor.user_id if actor else None))


def test_other_plugins_hear_when_a_deal_closes(client: Any, kernel: Kernel, sales: dict[str, Any],
                                               new_customer: Any, new_opportunity: Any, move: Any) -> None:
    # given a plugin listening to crm_opportunity_closed
    closings = Closings()
    kernel.pm.register(closings, name="test-closings")
    customer = new_customer(sales["rep1"], "美的集团")
    deal = new_opportunity(sales["rep1"], customer, "美的空调渠道")
    # when rep1 wins the deal on the kanban (through the page's move)
    client.login("rep1")
    won = stage_id(kernel, sales["hq"].id, "赢单")
    response = client.submit(f"/crm/opportunities/{deal}/stage", {"stage_id": str(won)},
                             headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    assert closings.calls == [("美的空调渠道", True, "won", sales["rep1"].id)]
    # reopening says nothing; losing it says lost
    move(sales["rep1"], deal, "商务谈判")
    move(sales["rep1"], deal, "输单", lost_reason="budget")
    assert closings.calls[1:] == [("美的空调渠道", False, "lost", sales["rep1"].id)]
    kernel.pm.unregister(closings)


def test_the_customer_page_lists_its_deals_and_offers_a_new_one(client: Any, kernel: Kernel,
                                                               sales: dict[str, Any], new_customer: Any,
                                                               new_opportunity: Any) -> None:
    customer = new_customer(sales["rep1"], "格力电器")
    new_opportunity(sales["rep1"], customer, "格力产线传感器", amount=Decimal("560000"))
    client.login("rep1")
    page = client.get(f"/crm/customers/{customer}").text
    assert 'id="panel-crm-opportunities"' in page
    assert "格力产线传感器" in page and "初步接洽" in page
    assert f"/crm/opportunities/new?customer_id={customer}" in page


def test_the_kanban_shows_columns_with_counts_and_sums_and_a_move_updates_them(
        client: Any, kernel: Kernel, sales: dict[str, Any], new_customer: Any, new_opportunity: Any) -> None:
    customer = new_customer(sales["rep1"], "比亚迪")
    first = new_opportunity(sales["rep1"], customer, "比亚迪电池检测", amount=Decimal("300000"))
    new_opportunity(sales["rep1"], customer, "比亚迪仓储", amount=Decimal("200000"), expected_close_on="2020-01-31")
    other = new_customer(sales["rep2"], "宁德时代")
    new_opportunity(sales["rep2"], other, "宁德时代产线", amount=Decimal("999999"))
    client.login("rep1")
    page = client.get("/crm/opportunities/board").text
    # rep1 sees their two deals only, the column summed, the overdue date in red
    assert "比亚迪电池检测" in page and "宁德时代产线" not in page
    assert "¥500,000.00" in page and "text-danger" in page
    with kernel.db.session(write=False) as db:
        version = db.get(Opportunity, first).version  # type: ignore[union-attr]
    target = stage_id(kernel, sales["hq"].id, "需求确认")
    response = client.submit(f"/crm/opportunities/{first}/stage", {"stage_id": str(target), "version": str(version)},
                             headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == version + 1 and body["state"] == "open"
    assert "¥300,000.00" in body["heads"][str(target)] and "比亚迪电池检测" in body["card"]
    source = stage_id(kernel, sales["hq"].id, "初步接洽")
    assert "¥200,000.00" in body["heads"][str(source)]


def test_a_column_shows_fifty_cards_and_loads_the_rest_on_demand(client: Any, kernel: Kernel,
                                                                 sales: dict[str, Any], new_customer: Any) -> None:
    customer = new_customer(sales["rep1"], "海尔智家")
    pid = pipeline_id(kernel, sales["hq"].id)
    sid = stage_id(kernel, sales["hq"].id, "初步接洽")
    with kernel.db.session() as db:
        db.add_all(Opportunity(org_id=sales["hq"].id, owner_id=sales["rep1"].id, department_id=sales["one"].id,
                               name=f"海尔项目{n:03}", customer_id=customer, pipeline_id=pid, stage_id=sid,
                               amount=Decimal(1000 + n)) for n in range(60))
    client.login("rep1")
    page = client.get(f"/crm/opportunities/board?pipeline={pid}").text
    assert page.count('class="card crm-card"') == 50
    assert "海尔项目059" in page and "海尔项目009" not in page  # the biggest first
    more = client.get(f"/crm/opportunities/board/cards?pipeline={pid}&stage={sid}&after=1010:"
                      f"{_id_of(kernel, '海尔项目010')}").text
    assert more.count('class="card crm-card"') == 10 and "海尔项目000" in more


def _id_of(kernel: Kernel, name: str) -> int:
    with kernel.db.session(write=False) as db:
        return int(db.scalar(select(Opportunity.id).where(Opportunity.name == name)) or 0)


def test_the_edit_form_moves_the_stage_with_its_rules(client: Any, kernel: Kernel, sales: dict[str, Any],
                                                      new_customer: Any, new_opportunity: Any) -> None:
    customer = new_customer(sales["rep1"], "联想集团")
    deal = new_opportunity(sales["rep1"], customer, "联想笔记本集采", amount=Decimal("88000"))
    client.login("rep1")
    assert client.get(f"/crm/opportunities/{deal}/edit").status_code == 200
    with kernel.db.session(write=False) as db:
        row = db.get(Opportunity, deal)
        assert row is not None
        form = {"name": row.name, "customer_id": str(customer), "pipeline_id": str(row.pipeline_id),
                "stage_id": str(stage_id(kernel, sales["hq"].id, "输单")), "amount": "88000", "currency": "CNY",
                "version": str(row.version)}
    # lost through the form without a reason is refused, and nothing changes
    response = client.submit(f"/crm/opportunities/{deal}", form)
    assert response.status_code == 422 and "请说明输单原因" in response.text
    assert count(kernel, StageLog) == 1
    response = client.submit(f"/crm/opportunities/{deal}", {**form, "lost_reason": "timing", "amount": "90000"},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        row = db.get(Opportunity, deal)
        assert row is not None and (row.state, row.lost_reason, row.amount) == ("lost", "timing", Decimal("90000"))
    assert count(kernel, StageLog) == 2
