"""The opportunity kanban in a real browser: drag a card to the next stage
(the deal moves in the database and both columns' totals change), drag one
to the lost column (the reason is asked first), and screenshots of the
kanban and the funnel in Chinese for the docs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.app import Kernel
from core.clock import FakeClock, use
from core.config import load_settings
from core.models import User
from core.permissions import load_actor
from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e

#: name, customer, amount, stage, owner, days ago it was created, expected close in days
DEALS = (
    ("智慧园区安防改造", "北京百度网讯科技有限公司", "1280000", "初步接洽", "lina", 3, 40),
    ("门店收银系统升级", "华润万家有限公司", "356000", "初步接洽", "zhangwei", 12, 25),
    ("员工培训平台采购", "格力电器股份有限公司", "98000", "初步接洽", "wangfang", 2, 60),
    ("云服务器扩容", "杭州阿里巴巴网络技术有限公司", "640000", "需求确认", "lina", 20, 18),
    ("工厂 MES 一期", "比亚迪股份有限公司", "2150000", "需求确认", "zhangwei", 30, -5),
    ("会议室视频系统", "深圳市腾讯计算机系统有限公司", "188000", "方案报价", "wangfang", 25, 10),
    ("仓储管理系统", "宁德时代新能源科技股份有限公司", "760000", "方案报价", "lina", 40, 30),
    ("渠道商管理平台", "美的集团股份有限公司", "420000", "商务谈判", "zhangwei", 50, 7),
    ("全国网点网络改造", "上海浦东发展银行股份有限公司", "3600000", "商务谈判", "lina", 70, -2),
    ("财务共享中心", "海尔智家股份有限公司", "980000", "赢单", "wangfang", 80, -10),
    ("客服热线系统", "小米科技有限责任公司", "230000", "输单", "zhangwei", 60, -20),
)
PATHS = {"需求确认": ("需求确认",), "方案报价": ("需求确认", "方案报价"),
         "商务谈判": ("需求确认", "方案报价", "商务谈判"), "赢单": ("需求确认", "方案报价", "商务谈判", "赢单"),
         "输单": ("需求确认", "输单")}


def seed(server: Any) -> dict[str, int]:
    """Customers, competitors and deals of the demo colleagues, moved along
    their stages over the past weeks (another process, on the served database)."""
    from plugins.crm.models import Competitor, Opportunity, Pipeline, Stage
    from plugins.crm.services.customers import create_customer
    from plugins.crm.services.opportunities import create_opportunity, ensure_pipelines, move_stage

    settings = load_settings(var_dir=server.var_dir, inprocess_worker=False,
                             database_url=f"sqlite:///{(server.var_dir / 'suanpan.db').as_posix()}")
    kernel = Kernel(settings)
    codes = set(kernel.registry.permissions)
    now = datetime.now(UTC)
    try:
        with kernel.db.session() as db:
            people = {u.username: u for u in db.scalars(select(User))}
            admin = people["admin"]
            actor = load_actor(db, admin, all_codes=codes)
            ensure_pipelines(db, admin.org_id)
            standard = db.scalar(select(Pipeline).where(Pipeline.org_id == admin.org_id,
                                                        Pipeline.name == "标准产品销售"))
            assert standard is not None
            stages = {s.name: s.id for s in db.scalars(select(Stage).where(Stage.pipeline_id == standard.id))}
            # a clean board: the demo's deals of this pipeline go to the recycle bin
            for demo_deal in db.scalars(select(Opportunity).where(Opportunity.pipeline_id == standard.id)):
                demo_deal.deleted_at = now
            rivals = [Competitor(org_id=admin.org_id, name=n, threat_level=t)
                      for n, t in (("金蝶", "high"), ("用友", "high"), ("纷享销客", "medium"))]
            db.add_all(rivals)
            db.flush()
            ids: dict[str, int] = {}
            for n, (name, customer_name, amount, stage, owner, ago, close_in) in enumerate(DEALS):
                start = now - timedelta(days=ago)
                with use(FakeClock(start)):
                    customer = create_customer(db, actor, {"name": customer_name})
                    db.flush()
                    deal = create_opportunity(db, actor, {
                        "name": name, "customer_id": customer.id, "pipeline_id": standard.id,
                        "stage_id": stages["初步接洽"], "amount": Decimal(amount),
                        "expected_close_on": date.today() + timedelta(days=close_in),
                        "competitor_ids": [rivals[n % 3].id]})
                    db.flush()
                for step, name_of_stage in enumerate(PATHS.get(stage, ())):
                    with use(FakeClock(start + timedelta(days=(step + 1) * ago / (len(PATHS[stage]) + 1)))):
                        move_stage(db, actor, deal.id, stages[name_of_stage], lost_reason="price",
                                   lost_to_id=rivals[0].id)
                deal.owner_id = people[owner].id
                deal.department_id = people[owner].department_id
                ids[name] = deal.id
            db.flush()
            assert db.scalar(select(Opportunity.id).where(Opportunity.name == "云服务器扩容")) is not None
            return {"pipeline": standard.id, **{f"stage:{k}": v for k, v in stages.items()}, **ids}
    finally:
        kernel.db.dispose()


def stage_and_state(server: Any, deal_id: int) -> tuple[int, str, str]:
    from plugins.crm.models import Opportunity

    settings = load_settings(var_dir=server.var_dir, inprocess_worker=False,
                             database_url=f"sqlite:///{(server.var_dir / 'suanpan.db').as_posix()}")
    kernel = Kernel(settings)
    try:
        with kernel.db.session(write=False) as db:
            deal = db.get(Opportunity, deal_id)
            assert deal is not None
            return deal.stage_id, deal.state, deal.lost_reason
    finally:
        kernel.db.dispose()


def column(page: Any, stage_id: int) -> Any:
    return page.locator(f"section.crm-column[data-stage='{stage_id}']")


def drag(page: Any, card: Any, target: Any) -> None:
    """Drag with the mouse in small steps, as a person does (SortableJS
    listens to the native drag events Chromium fires for it)."""
    card.scroll_into_view_if_needed()
    box, goal = card.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + 30, steps=5)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 40, steps=20)
    # linger over the target, as a hand does: SortableJS samples the pointer
    # on a timer while it drags
    for dx in (4, 0):
        page.wait_for_timeout(120)
        page.mouse.move(goal["x"] + goal["width"] / 2 + dx, goal["y"] + 42, steps=2)
    page.mouse.up()


def test_dragging_a_card_moves_the_deal_and_updates_the_columns(admin_page: Any, server: Any,
                                                               tmp_path: Path) -> None:
    ids = seed(server)
    page = admin_page
    page.set_viewport_size({"width": 1680, "height": 900})  # every column in view
    page.goto(f"/crm/opportunities/board?pipeline={ids['pipeline']}")
    first, second = ids["stage:初步接洽"], ids["stage:需求确认"]
    expect(column(page, first).locator("[data-role=count]")).to_have_text("3")
    expect(column(page, second).locator("[data-role=count]")).to_have_text("2")
    shoot(page, SCREENSHOTS / "crm-sales-kanban.png")
    # when the administrator drags 智慧园区安防改造 (¥1,280,000) from 初步接洽 to 需求确认
    card = column(page, first).locator("article.crm-card", has_text="智慧园区安防改造")
    with page.expect_response(lambda r: "/stage" in r.url and r.request.method == "POST") as answer:
        drag(page, card, column(page, second).locator(".crm-cards"))
    assert answer.value.status == 200, answer.value.text()
    # then the deal is in 需求确认 in the database, and both headers count and sum again
    assert stage_and_state(server, ids["智慧园区安防改造"])[:2] == (second, "open")
    expect(column(page, first).locator("[data-role=count]")).to_have_text("2")
    expect(column(page, second).locator("[data-role=count]")).to_have_text("3")
    expect(column(page, second).locator("[data-role=totals]")).to_contain_text("¥4,070,000.00")
    expect(column(page, first).locator("[data-role=totals]")).to_contain_text("¥454,000.00")
    expect(column(page, second).locator("article.crm-card", has_text="智慧园区安防改造")).to_contain_text("0 天")

    # when a card goes to 输单, the reason is asked first
    lost = ids["stage:输单"]
    card = column(page, first).locator("article.crm-card", has_text="员工培训平台采购")
    drag(page, card, column(page, lost).locator(".crm-cards"))
    dialog = page.locator("#crm-lost-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#crm-lost-reason").select_option("budget")
    dialog.locator("#crm-lost-to").select_option(label="用友")
    with page.expect_response(lambda r: "/stage" in r.url and r.request.method == "POST") as answer:
        dialog.locator("button[type=submit]").click()
    assert answer.value.status == 200, answer.value.text()
    assert stage_and_state(server, ids["员工培训平台采购"]) == (lost, "lost", "budget")
    expect(column(page, lost).locator("[data-role=count]")).to_have_text("2")

    # the funnel of the same pipeline, for the docs
    page.goto(f"/crm/funnel?pipeline={ids['pipeline']}")
    expect(page.locator("svg.crm-funnel")).to_be_visible()
    shoot(page, SCREENSHOTS / "crm-sales-funnel.png")
    # the deal's page and its form render (shots under the test's folder, to look at)
    page.goto(f"/crm/opportunities/{ids['智慧园区安防改造']}")
    expect(page.locator("#crm-opportunity-history")).to_contain_text("需求确认")
    shoot(page, tmp_path / "opportunity-detail.png")
    page.goto(f"/crm/opportunities/{ids['智慧园区安防改造']}/edit")
    expect(page.locator(".ts-wrapper").first).to_be_visible()  # the customer search (tom-select)
    shoot(page, tmp_path / "opportunity-form.png")
