"""Approvals in a real browser: the administrator draws up a chain in the
editor (steps, a condition, publishing), colleagues' expense claims arrive in
the approval inbox, two are approved in bulk and the last from its request
page, whose diagram shows the chain's progress. Screenshots for the docs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.app import Kernel
from core.config import load_settings
from core.models import Role, RoleAssignment, User
from core.permissions import load_actor
from core.workflows import transition
from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e
CLAIMS = (("lina", "北京出差差旅费", "3200"), ("wangfang", "客户招待餐费", "1580"),
          ("lina", "上海展会特装搭建费", "86000"))


def submit_claims(server: Any) -> None:
    """Colleagues submit their claims (another process, on the served database)."""
    from suanpan_notes.models import Expense

    settings = load_settings(var_dir=server.var_dir, inprocess_worker=False,
                             database_url=f"sqlite:///{(server.var_dir / 'suanpan.db').as_posix()}")
    kernel = Kernel(settings)
    try:
        for username, title, amount in CLAIMS:
            with kernel.db.session() as db:
                user = db.scalar(select(User).where(User.username == username))
                assert user is not None, username
                claim = Expense(org_id=user.org_id, owner_id=user.id, department_id=user.department_id,
                                title=title, amount=Decimal(amount), category="travel")
                db.add(claim)
                db.flush()
                writer = db.scalar(select(Role.id).where(Role.key == "notes.writer"))
                if db.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == user.id,
                                                             RoleAssignment.role_id == writer)) is None:
                    db.add(RoleAssignment(user_id=user.id, role_id=writer, org_id=user.org_id))
                    db.flush()
                actor = load_actor(db, user, all_codes=set(kernel.registry.permissions))
                transition(db, kernel.registry, actor, claim, "submit", comment="请审批")
    finally:
        kernel.db.dispose()


def add_step(page: Any, name: str, *, user: str, condition: tuple[str, str, str] | None = None,
             parallel: bool = False, timeout: str = "0") -> None:
    page.get_by_role("link", name="添加步骤").click()
    form = page.locator("#core-step-form")
    form.locator("#core-step-name").fill(name)
    form.locator("#core-step-approver").select_option("user")
    form.locator("#core-step-users").select_option(label=user)
    if parallel:
        form.get_by_label("与上一步骤同时进行（并行）").check()
    if condition:
        field, op, value = condition
        form.locator("#core-step-field-0").select_option(label=field)
        form.locator("#core-step-op-0").select_option(op)
        form.locator("#core-step-value-0").fill(value)
    form.locator("#core-step-timeout").fill(timeout)
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#sp-main table")).to_contain_text(name)


def test_a_chain_built_in_the_browser_decides_the_claims_in_the_inbox(admin_page, server):
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())

    # the workflow's page draws the state machine
    page.locator("aside").get_by_role("link", name="审批流程").click()
    page.locator("#sp-main").get_by_role("link", name="报销单").click()
    expect(page.locator("#core-workflow-diagram svg")).to_be_visible()
    expect(page.locator("#core-workflow-diagram")).to_contain_text("待审批")
    shoot(page, "workflow-diagram.png")

    # a draft chain: the administrator approves every claim; above 50,000 the same person signs twice
    page.get_by_role("button", name="编辑草稿").click()
    add_step(page, "部门主管审批", user="系统管理员 (admin)", timeout="24")
    # a wrong step is refused with its fields marked
    page.get_by_role("link", name="添加步骤").click()
    page.locator("#core-step-form").get_by_role("button", name="保存").click()
    expect(page.locator("#core-step-name-err")).to_contain_text("请为步骤命名")
    page.get_by_role("link", name="取消").click()
    add_step(page, "财务总监审批", user="系统管理员 (admin)", condition=("金额", ">", "50000"))
    expect(page.locator("#core-chain-diagram svg")).to_be_visible()
    page.get_by_role("button", name="发布").click()
    expect(page.locator("#core-chain-status")).to_contain_text("已发布")
    shoot(page, "approval-chain.png")

    submit_claims(server)

    # the inbox lists the three claims with their amounts; two are approved at once
    page.locator("aside").get_by_role("link", name="审批中心").click()
    expect(page.locator("#core-approvals-waiting")).to_have_text("3")
    for _user, title, _amount in CLAIMS:
        expect(page.locator("#sp-main")).to_contain_text(title)
    shoot(page, "approval-inbox.png")
    for title in ("北京出差差旅费", "客户招待餐费"):
        page.locator("tr", has_text=title).get_by_role("checkbox").check()
    page.locator("#core-bulk-comment").fill("票据齐全，同意")
    page.get_by_role("button", name="同意所选").click()
    expect(page.locator("#core-approvals-waiting")).to_have_text("1")

    # the big one goes through two steps, decided from its request page
    page.get_by_role("link", name="上海展会特装搭建费").click()
    expect(page.locator("#core-approval-diagram svg")).to_be_visible()
    page.locator("#core-approval-mine textarea").fill("预算内，同意")
    page.locator("#core-approval-mine").get_by_role("button", name="同意").click()
    expect(page.locator("#core-approval-mine")).to_be_visible()  # the second step waits for a decision
    expect(page.locator("#core-approval-diagram")).to_contain_text("财务总监审批")
    shoot(page, "approval-request.png")
    page.locator("#core-approval-mine").get_by_role("button", name="同意").click()
    expect(page.locator("#core-approval-status")).to_contain_text("已通过")
