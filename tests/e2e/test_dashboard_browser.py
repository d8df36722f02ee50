"""Reports and the workbench in a real browser: a saved report with its
chart and pivot, the drill-down from a number, and a workbench of several
widgets that load on their own; screenshots in Chinese for the docs (and in
English under the test's temporary folder, to look at)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core import notify
from core.app import Kernel
from core.approvals import Step, publish
from core.config import load_settings
from core.models import ApprovalChain, Role, RoleAssignment, User
from core.permissions import load_actor
from core.workflows import transition
from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e
STATES = ("draft", "submitted", "approved", "paid", "paid", "approved", "cancelled")
CATEGORIES = ("travel", "travel", "meals", "equipment")


def _months_back(now: datetime, k: int) -> datetime:
    month = (now.year * 12 + now.month - 1) - k
    return datetime(month // 12, month % 12 + 1, 1, 2, tzinfo=UTC)


def seed(server: Any) -> dict[str, int]:
    """Claims of the demo colleagues over the last six months, two waiting
    for the administrator's approval, two reminders, two saved reports and
    the administrator's own workbench (another process, on the served database)."""
    from suanpan_notes.models import Expense, Note

    from plugins.dashboard.models import Layout, Placement, Report

    settings = load_settings(var_dir=server.var_dir, inprocess_worker=False,
                             database_url=f"sqlite:///{(server.var_dir / 'suanpan.db').as_posix()}")
    kernel = Kernel(settings)
    codes = set(kernel.registry.permissions)
    rng = random.Random(11)
    now = datetime.now(UTC)
    try:
        with kernel.db.session() as db:
            people = {u.username: u for u in db.scalars(select(User))}
            admin = people["admin"]
            for _ in range(160):
                who = people[rng.choice(["lina", "wangfang", "zhangwei", "lina", "chenjie", "admin"])]
                start = _months_back(now, rng.randrange(6))
                at = min(start + timedelta(days=rng.randrange(28), hours=rng.randrange(10)), now)
                db.add(Expense(org_id=who.org_id, owner_id=who.id, department_id=who.department_id,
                               title=rng.choice(["差旅费", "客户招待", "办公设备", "展会搭建"]),
                               amount=Decimal(rng.randrange(8_000, 600_000)) / 100,
                               category=rng.choice(CATEGORIES), state=rng.choice(STATES),
                               created_at=at, updated_at=at))
            if db.scalar(select(ApprovalChain.id).where(ApprovalChain.model == "notes.expense")) is None:
                chain = ApprovalChain(model="notes.expense", point="submit", org_id=None, name="报销审批",
                                      steps=[Step("部门主管审批", "user", user_ids=(admin.id,)).to_dict()])
                db.add(chain)
                db.flush()
                publish(db, load_actor(db, admin, all_codes=codes), chain)
            lina = people["lina"]
            writer = db.scalar(select(Role.id).where(Role.key == "notes.writer"))
            if db.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == lina.id,
                                                         RoleAssignment.role_id == writer)) is None:
                db.add(RoleAssignment(user_id=lina.id, role_id=writer, org_id=lina.org_id))
                db.flush()
            for title, amount in (("杭州客户拜访差旅", "2680"), ("季度团建餐费", "1950")):
                claim = Expense(org_id=lina.org_id, owner_id=lina.id, department_id=lina.department_id,
                                title=title, amount=Decimal(amount), category="travel")
                db.add(claim)
                db.flush()
                transition(db, kernel.registry, load_actor(db, lina, all_codes=codes), claim, "submit")
            notify(db, user_ids=[admin.id], subject="Reminder: {record}", body="{message} (date: {date})",
                   params={"record": "华东区年度合同", "message": "合同下周到期，请联系客户续签",
                           "date": (now + timedelta(days=7)).date().isoformat()}, category="reminder")
        with kernel.db.session() as db:  # the administrator's own changes, in the audit trail
            admin = db.scalar(select(User).where(User.username == "admin"))
            db.info["actor"] = load_actor(db, admin, all_codes=codes)
            monthly = Report(org_id=admin.org_id, owner_id=admin.id, name="各月各类报销金额",
                             dataset="notes.expenses", chart="bar", sharing="org",
                             spec={"rows": ["created_at:month"], "columns": ["category"], "measures": ["amount"],
                                   "filters": {"state": ["approved", "paid"]}})
            kinds = Report(org_id=admin.org_id, owner_id=admin.id, name="各类报销单数", dataset="notes.expenses",
                           chart="pie", sharing="private",
                           spec={"rows": ["category"], "columns": [], "measures": ["claims"], "filters": {}})
            db.add_all([monthly, kinds, Note(org_id=admin.org_id, owner_id=admin.id, title="六月费用复盘",
                                              body="差旅费占比偏高")])
            db.flush()
            layout = Layout(user_id=admin.id, org_id=admin.org_id)
            db.add(layout)
            db.flush()
            placements = [
                ("dashboard.kpi", "sm", {"dataset": "notes.expenses", "measure": "amount", "period": "month",
                                         "filter": "state", "value": "paid"}),
                ("dashboard.kpi", "sm", {"dataset": "notes.expenses", "measure": "claims", "period": "month",
                                         "filter": None, "value": None}),
                ("dashboard.approvals", "md", {}),
                ("dashboard.report_chart", "md", {"report": monthly.id}),
                ("dashboard.report_chart", "md", {"report": kinds.id}),
                ("activity.tasks", "md", {}),
                ("dashboard.recent", "md", {}),
                ("activity.reminders", "md", {}),
                ("notes.my_expenses", "md", {}),
            ]
            db.add_all(Placement(layout_id=layout.id, widget=w, position=i, size=s, config=c)
                       for i, (w, s, c) in enumerate(placements))
            return {"monthly": monthly.id, "kinds": kinds.id}
    finally:
        kernel.db.dispose()


def switch(page: Any, label: str, lang: str) -> None:
    page.locator("form.sp-locale button", has_text=label).first.click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_a_saved_report_and_a_workbench_of_widgets(admin_page, server, tmp_path):
    page = admin_page
    reports = seed(server)

    # the saved report: a chart above the pivot, every number a link to its records
    page.goto(f"/dashboard/reports/{reports['monthly']}")
    chart = page.locator("#dashboard-result svg.sp-chart")
    expect(chart).to_be_visible()
    assert chart.locator("rect.sp-bar").count() > 6
    expect(page.locator("table.sp-report-table")).to_contain_text("合计")
    expect(page.locator("table.sp-report-table")).to_contain_text("差旅")
    shoot(page, SCREENSHOTS / "report-chart.png", tall=True)

    # a number opens the claims behind it
    page.locator("table.sp-report-table a.sp-drill").first.click()
    expect(page.locator("h1")).to_contain_text("数字背后的记录")
    expect(page.locator("#sp-main table tbody tr").first).to_be_visible()
    shoot(page, tmp_path / "drill-down.png", tall=True)

    # the builder, changed in place by htmx: rows by owner, a pie
    page.goto("/dashboard/reports/new?dataset=notes.expenses&row=owner_id&measure=claims&chart=pie")
    expect(page.locator("svg.sp-chart-pie")).to_be_visible()
    page.locator("#dashboard-chart").select_option("bar")
    expect(page.locator("svg.sp-chart-bar")).to_be_visible()
    assert "chart=bar" in page.url
    shoot(page, tmp_path / "builder.png", tall=True)

    page.goto("/dashboard/reports/new?dataset=notes.expenses&row=state&measure=claims&chart=funnel")
    expect(page.locator("svg.sp-chart-funnel rect.sp-stage")).to_have_count(5)
    shoot(page, tmp_path / "funnel.png", tall=True)

    # the workbench: every widget loads by itself
    page.goto("/")
    for title in ("关键指标", "待我审批", "已保存报表的图表", "我的待办任务", "我最近修改的记录", "我的提醒"):
        expect(page.locator("#dashboard-layout")).to_contain_text(title)
    expect(page.locator("#dashboard-layout .sp-kpi-value").first).to_be_visible()
    expect(page.locator("#dashboard-layout svg.sp-chart-pie")).to_be_visible()
    expect(page.locator("#dashboard-layout")).to_contain_text("杭州客户拜访差旅")
    expect(page.locator("#dashboard-layout")).to_contain_text("六月费用复盘")
    assert page.locator("#dashboard-layout .alert-warning").count() == 0  # no widget failed
    shoot(page, SCREENSHOTS / "workbench.png", tall=True)

    # customising moves a widget with htmx, and it stays moved
    page.get_by_role("link", name="自定义", exact=True).click()
    page.locator("#dashboard-slot-2").get_by_role("button", name="前移: 待我审批").click()
    expect(page.locator("#dashboard-slot-1")).to_contain_text("待我审批")
    shoot(page, tmp_path / "workbench-edit.png", tall=True)
    page.goto("/")
    expect(page.locator("#dashboard-slot-1")).to_contain_text("待我审批")

    # the same in English, to look at
    switch(page, "English", "en")
    page.goto(f"/dashboard/reports/{reports['monthly']}")
    expect(page.locator("#dashboard-result svg.sp-chart")).to_be_visible()
    shoot(page, tmp_path / "report-chart-en.png", tall=True)
    page.goto("/")
    expect(page.locator("#dashboard-layout")).to_contain_text("Approvals waiting for me")
    shoot(page, tmp_path / "workbench-en.png", tall=True)
    switch(page, "简体中文", "zh-CN")
    print(f"screenshots to look at: {tmp_path}")
