"""The public pool in a real browser: a salesperson opens a pool, claims a
customer with its row's button, and finds it in their customer list; the
administrator's pool page. Screenshots for the docs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core import utcnow
from core.app import Kernel
from core.config import load_settings
from core.models import Role, RoleAssignment, User
from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e
WAITING = (("浙江吉利控股集团", "manufacturing", "杭州", "key"), ("宁波舟山港股份", "logistics", "宁波", "normal"),
           ("苏州同程旅行", "it", "苏州", "potential"), ("无锡先导智能装备", "manufacturing", "无锡", "normal"),
           ("南京医药股份", "medical", "南京", "vip"), ("合肥科大讯飞", "it", "合肥", "key"))


def seed(server: Any) -> int:
    """A salesperson, a pool with a cap and a rule, and customers waiting in it
    (another process, on the served database). Returns the pool's id."""
    from plugins.crm.models import Customer, OwnershipLog, Pool, PoolRule
    from plugins.crm.services.ownership import move

    settings = load_settings(var_dir=server.var_dir, inprocess_worker=False,
                             database_url=f"sqlite:///{(server.var_dir / 'suanpan.db').as_posix()}")
    kernel = Kernel(settings)
    try:
        with kernel.db.session() as db:
            admin = db.scalar(select(User).where(User.username == "admin"))
            assert admin is not None
            rep = User(username="poolrep", display_name="陈销售", org_id=admin.org_id,
                       password_hash=kernel.passwords.hash(server.admin_password))
            gone = User(username="poolgone", display_name="王前任", org_id=admin.org_id, password_hash="x")
            db.add_all([rep, gone])
            db.flush()
            role = db.scalar(select(Role.id).where(Role.key == "crm.salesperson"))
            db.add(RoleAssignment(user_id=rep.id, role_id=role, org_id=admin.org_id))
            pool = Pool(org_id=admin.org_id, name="华东区公海", description="华东区域无人跟进的客户",
                        holding_cap=30, daily_claim_cap=10, cooling_days=15, is_default=True)
            db.add(pool)
            db.flush()
            db.add(PoolRule(pool_id=pool.id, level="", no_followup_days=30, warn_days=3))
            ids = []
            for name, industry, city, level in WAITING:
                customer = Customer(org_id=admin.org_id, owner_id=gone.id, name=name, industry=industry, city=city,
                                    level=level, phone="0571-87654321")
                db.add(customer)
                db.flush()
                db.add(OwnershipLog(org_id=admin.org_id, customer_id=customer.id, action="create",
                                    to_user_id=gone.id, at=utcnow() - timedelta(days=90)))
                ids.append((customer.id, gone.id))
            for k, pair in enumerate(ids):  # back in the pool over the last weeks
                move(db, None, admin.org_id, [pair], action="auto_return", to_user_id=None, pool_id=pool.id,
                     reason="followup:30", at=utcnow() - timedelta(days=3 * k + 1))
            return int(pool.id)
    finally:
        kernel.db.dispose()


def test_a_salesperson_claims_from_the_pool_and_sees_it_in_their_list(
        new_page: Any, server: Any, login: Any) -> None:
    pool_id = seed(server)
    page = new_page()
    login(page, "poolrep", server.admin_password)
    # the pools open to them, then the pool
    page.goto("/crm/pools")
    page.locator("#crm-pool-cards a", has_text="华东区公海").click()
    page.wait_for_url(f"**/crm/pools/{pool_id}")
    row = page.locator("tr", has_text="浙江吉利控股集团")
    expect(row).to_contain_text("王前任")  # the previous owner; no phone
    expect(page.locator("#crm-pool-body")).not_to_contain_text("0571-87654321")
    expect(page.locator("#crm-pool-quota")).to_contain_text("0 / 30")
    shoot(page, "crm-pool-claim.png")
    # when they claim it with its row's button
    row.get_by_role("button", name="领取").click()
    expect(page.locator("#crm-pool-message")).to_contain_text("已领取 1 个客户")
    expect(page.locator("#crm-pool-body")).not_to_contain_text("浙江吉利控股集团")
    expect(page.locator("#crm-pool-quota")).to_contain_text("1 / 30")
    # then it is in their customer list, with its ownership history
    page.goto("/crm/customers")
    page.get_by_role("link", name="浙江吉利控股集团").click()
    page.get_by_role("tab", name="归属").click()  # the 360 view's ownership tab
    panel = page.locator("#panel-crm-ownership")
    expect(panel).to_contain_text("从公海领取")
    expect(panel).to_contain_text("放回公海")
    expect(panel.locator("#crm-return-hint")).to_be_visible()  # the pool's rule: 30 days
    shoot(page, "crm-pool-ownership.png")


def test_the_administrator_sets_up_a_pool(admin_page: Any, server: Any) -> None:
    admin_page.goto("/crm/admin/pools")
    expect(admin_page.locator("#crm-pool-admin")).to_be_visible()
    admin_page.get_by_role("link", name="新建公海").click()
    admin_page.locator("#crm-pool-name").fill("大客户公海")
    admin_page.locator("#crm-pool-holding_cap").fill("20")
    admin_page.locator("#crm-pool-cooling_days").fill("30")
    admin_page.locator("label", has_text="销售经理").locator("input").check()
    admin_page.get_by_role("button", name="保存").click()
    expect(admin_page.locator("#crm-pool-rules")).to_be_visible()
    new = admin_page.locator("tr", has=admin_page.locator("select[form=crm-rule-new]"))
    new.locator("select").select_option("vip")
    new.locator("input[name=no_followup_days]").fill("60")
    new.locator("input[name=no_won_days]").fill("180")
    new.locator("input[name=warn_days]").fill("7")
    new.get_by_role("button", name="添加").click()
    expect(admin_page.locator("#crm-pool-rules select[name=level]").first).to_have_value("vip")
    shoot(admin_page, "crm-pool-admin.png")
