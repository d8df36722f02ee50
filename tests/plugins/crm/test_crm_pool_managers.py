"""Managers assign, transfer and recall customers with a reason; owners
release theirs; administrators set up pools, rules and the settings."""

from __future__ import annotations

from typing import Any

import pytest
from crm_pool_support import call, log_of, make_pool, owner_of, pooled
from sqlalchemy import select

from core import Conflict, NotFound, ValidationError
from core.app import Kernel
from core.models import Role
from plugins.crm.models import Contact, Pool, PoolRole, PoolRule, Settings
from plugins.crm.services import pools


def test_a_manager_transfers_a_customer_from_its_page_with_a_reason(
        client: Any, kernel: Kernel, new_customer: Any, sales: dict[str, Any]) -> None:
    # given rep1's customer with a contact
    customer = new_customer(sales["rep1"], "苏州科沃斯机器人")
    client.login("rep1")
    client.submit("/crm/contacts", {"customer_id": str(customer), "name": "钱经理"})
    client.cookies.clear()
    # when their manager transfers it to rep2 from the customer's page
    client.login("manager")
    page = client.get(f"/crm/customers/{customer}").text
    assert 'id="panel-crm-ownership"' in page and "孙销售" in page
    answer = client.submit(f"/crm/customers/{customer}/assign", {"to_user_id": str(sales["rep2"].id),
                                                                 "reason": "孙销售调岗"}, follow_redirects=False)
    assert answer.status_code == 303
    # then rep2 owns it and its contact, and the history says who, when and why
    assert owner_of(kernel, customer) == (sales["rep2"].id, None)
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Contact.owner_id).where(Contact.customer_id == customer)) == sales["rep2"].id
    assert log_of(kernel, customer)[-1] == ("transfer", sales["rep1"].id, sales["rep2"].id, "孙销售调岗")
    history = client.get(f"/crm/customers/{customer}").text
    assert "转移" in history and "孙销售调岗" in history and "操作人：钱经理" in history


def test_a_move_without_a_reason_is_refused_and_nothing_changes(
        client: Any, kernel: Kernel, new_customer: Any, sales: dict[str, Any]) -> None:
    customer = new_customer(sales["rep1"], "无锡药明康德")
    with pytest.raises(ValidationError) as refused:
        call(kernel, sales["manager"], pools.assign, [customer], sales["rep2"].id, "  ")
    assert "reason" in refused.value.errors
    client.login("manager")
    back = client.submit(f"/crm/customers/{customer}/assign", {"to_user_id": str(sales["rep2"].id), "reason": ""})
    assert owner_of(kernel, customer) == (sales["rep1"].id, None)
    assert "请填写原因" in back.text


def test_a_manager_reaches_only_their_departments_customers_and_people(
        kernel: Kernel, new_customer: Any, sales: dict[str, Any]) -> None:
    # given a customer of 销售二部 and one of 华北组 (below the manager's 销售一部)
    theirs = new_customer(sales["rep3"], "广州白云山医药")
    below = new_customer(sales["north"], "天津港集团")
    pool = make_pool(kernel, sales["hq"].id, is_default=True)
    # then another department's customer is not there for the manager (404)
    with pytest.raises(NotFound):
        call(kernel, sales["manager"], pools.assign, [theirs], sales["rep1"].id, "整合客户")
    with pytest.raises(NotFound):
        call(kernel, sales["manager"], pools.recall, [theirs], pool, "整合客户")
    # nor may they hand customers to someone of that department
    with pytest.raises(ValidationError) as refused:
        call(kernel, sales["manager"], pools.assign, [below], sales["rep3"].id, "整合客户")
    assert "to_user_id" in refused.value.errors
    # while the department below is theirs
    assert call(kernel, sales["manager"], pools.assign, [below], sales["rep1"].id, "华北组调整") == 1
    people = {name for _, name in call(kernel, sales["manager"], pools.assignable_people, sales["hq"].id)}
    assert {"孙销售", "李销售", "周销售", "钱经理"} <= people and "吴销售" not in people
    assert owner_of(kernel, theirs) == (sales["rep3"].id, None)


def test_the_manager_pages_answer_404_outside_the_department(client: Any, kernel: Kernel, new_customer: Any,
                                                             sales: dict[str, Any]) -> None:
    theirs = new_customer(sales["rep3"], "广州白云山医药")
    make_pool(kernel, sales["hq"].id, is_default=True)
    client.login("manager")
    for action in ("assign", "recall"):
        answer = client.submit(f"/crm/customers/{theirs}/{action}", {"to_user_id": str(sales["rep1"].id),
                                                                     "reason": "试试"}, follow_redirects=False)
        assert answer.status_code == 404
    assert owner_of(kernel, theirs) == (sales["rep3"].id, None)
    assert client.get(f"/crm/customers/{theirs}").status_code == 404


def test_a_manager_recalls_to_a_pool_and_assigns_from_it(
        client: Any, kernel: Kernel, new_customer: Any, sales: dict[str, Any]) -> None:
    pool = make_pool(kernel, sales["hq"].id, "华东公海", is_default=True)
    customer = new_customer(sales["rep1"], "宁波舟山港")
    # when the manager recalls it (the default pool)
    assert call(kernel, sales["manager"], pools.recall, [customer], None, "长期未跟进") == 1
    assert owner_of(kernel, customer) == (None, pool)
    assert log_of(kernel, customer)[-1] == ("recall", sales["rep1"].id, None, "长期未跟进")
    # and assigns it from the pool page to rep2
    client.login("manager")
    page = client.get(f"/crm/pools/{pool}").text
    assert "宁波舟山港" in page and "分配所选" in page and "孙销售" in page  # the previous owner
    client.post(f"/crm/pools/{pool}/assign", data={"customer_id": str(customer), "to_user_id": str(sales["rep2"].id),
                                                   "reason": "李销售熟悉港口行业"},
                headers={"HX-Request": "true", "X-CSRF-Token": client.csrf()})
    assert owner_of(kernel, customer) == (sales["rep2"].id, None)
    assert log_of(kernel, customer)[-1] == ("assign", None, sales["rep2"].id, "李销售熟悉港口行业")


def test_assigning_from_a_pool_keeps_the_receivers_holding_cap(
        kernel: Kernel, new_customer: Any, sales: dict[str, Any]) -> None:
    pool = make_pool(kernel, sales["hq"].id, "华东公海", holding_cap=1)
    new_customer(sales["rep2"], "已有客户")
    (waiting,) = pooled(kernel, pool, "常州天合光能")
    with pytest.raises(Conflict) as refused:
        call(kernel, sales["manager"], pools.assign, [waiting], sales["rep2"].id, "分配")
    assert refused.value.params["user"] == "李销售" and refused.value.params["cap"] == "1"


def test_an_owner_releases_a_customer_from_its_page(client: Any, kernel: Kernel, new_customer: Any,
                                                    sales: dict[str, Any]) -> None:
    pool = make_pool(kernel, sales["hq"].id, "华东公海", is_default=True)
    customer = new_customer(sales["rep1"], "南京熊猫电子")
    client.login("rep1")
    page = client.get(f"/crm/customers/{customer}").text
    assert "放回公海" in page and 'id="crm-release-modal"' in page
    answer = client.submit(f"/crm/customers/{customer}/release", {"pool_id": str(pool), "reason": "预算取消"},
                           follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].endswith("/crm/customers")
    assert owner_of(kernel, customer) == (None, pool)
    assert log_of(kernel, customer)[-1] == ("release", sales["rep1"].id, None, "预算取消")
    # nobody may release someone else's customer
    other = new_customer(sales["rep2"], "李销售的客户")
    with pytest.raises(NotFound):
        call(kernel, sales["rep1"], pools.release, [other], None, "不要了")


def test_an_administrator_sets_up_a_pool_its_roles_rules_and_the_default(
        client: Any, kernel: Kernel, sales: dict[str, Any]) -> None:
    client.login("director")
    assert client.get("/crm/admin/pools").status_code == 200
    with kernel.db.session(write=False) as db:
        role_id = db.scalar(select(Role.id).where(Role.key == "crm.manager"))
    # a pool with a name missing is refused, naming the field
    refused = client.submit("/crm/admin/pools", {"name": " ", "holding_cap": "x", "active": "1"})
    assert refused.status_code == 422 and "请填写公海名称" in refused.text and "不小于 0 的整数" in refused.text
    # a good one is made, for the managers only, as the default pool
    answer = client.submit("/crm/admin/pools", {"name": "大客户公海", "holding_cap": "50", "daily_claim_cap": "5",
                                                "cooling_days": "15", "active": "1", "is_default": "1",
                                                "role_id": [str(role_id)]}, follow_redirects=False)
    assert answer.status_code == 303
    with kernel.db.session(write=False) as db:
        pool = db.scalar(select(Pool).where(Pool.name == "大客户公海"))
        assert pool is not None and (pool.holding_cap, pool.daily_claim_cap, pool.cooling_days) == (50, 5, 15)
        assert db.scalars(select(PoolRole.role_id).where(PoolRole.pool_id == pool.id)).all() == [role_id]
        assert db.scalar(select(Settings.default_pool_id)) == pool.id
    # a rule: VIP customers return after 60 days without follow-up, warned 5 days before
    client.submit(f"/crm/admin/pools/{pool.id}/rules", {"level": "vip", "no_followup_days": "60",
                                                        "no_won_days": "0", "warn_days": "5"})
    # a second rule for the same level, or a warning longer than the protection, is refused
    clash = client.submit(f"/crm/admin/pools/{pool.id}/rules", {"level": "vip", "no_followup_days": "30"})
    assert clash.status_code == 422 and "已为该客户级别设置了保护规则" in clash.text
    long = client.submit(f"/crm/admin/pools/{pool.id}/rules", {"level": "key", "no_followup_days": "3",
                                                               "warn_days": "5"})
    assert long.status_code == 422
    with kernel.db.session(write=False) as db:
        rules = db.execute(select(PoolRule.level, PoolRule.no_followup_days, PoolRule.warn_days)).all()
        assert [tuple(r) for r in rules] == [("vip", 60, 5)]
    # the settings page: lock days and the default pool
    assert client.get("/crm/admin/settings").status_code == 200
    client.submit("/crm/admin/settings", {"followup_lock_days": "14", "default_pool_id": ""})
    with kernel.db.session(write=False) as db:
        settings = db.scalar(select(Settings))
        assert settings is not None and (settings.followup_lock_days, settings.default_pool_id) == (14, None)
    # and a salesperson may not open the administration
    client.cookies.clear()
    client.login("rep1")
    assert client.get("/crm/admin/pools").status_code == 403
    assert client.get(f"/crm/admin/pools/{pool.id}").status_code == 403
