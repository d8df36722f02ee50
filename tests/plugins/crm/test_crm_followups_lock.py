"""Follow-up records (联系记录): the quick form on the customer page sets
the customer's last follow-up and gives the owner a task for the next
contact date; follow-ups appear on the customer's timeline; after the
lock period they are read-only on pages and through the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from core import clock
from core.app import Kernel
from core.clock import FakeClock
from plugins.crm.models import Customer, FollowUp, Settings


def _tasks_of(kernel: Kernel, followup_id: int) -> list[Any]:
    with kernel.db.session(write=False) as db:
        model: Any = kernel.registry.models["activity.activity"]
        return list(db.scalars(select(model).where(model.record_model == "crm.followup",
                                                   model.record_id == followup_id).order_by(model.id)))


def _only_followup(kernel: Kernel, customer_id: int) -> FollowUp:
    with kernel.db.session(write=False) as db:
        [followup] = db.scalars(select(FollowUp).where(FollowUp.customer_id == customer_id)).all()
        return followup


def test_a_follow_up_from_the_customer_page_sets_the_last_contact_and_makes_a_task(
        client: Any, kernel: Kernel, new_customer: Any, sales: dict[str, Any]) -> None:
    customer_id = new_customer(sales["rep1"], "杭州娃哈哈集团有限公司")
    client.login("rep1")
    # the customer page has the follow-up panel with its quick form
    page = client.get(f"/crm/customers/{customer_id}").text
    assert 'id="crm-followup-panel"' in page and "保存跟进" in page
    # when rep1 logs a call with a next contact date, through htmx
    next_day = date.today() + timedelta(days=3)
    response = client.submit(f"/crm/customers/{customer_id}/followups", {
        "kind": "call", "content": "电话沟通了年度采购计划，客户希望下周看方案", "result": "interested",
        "next_contact_on": next_day.isoformat(), "duration_minutes": "15", "cost": ""},
        headers={"HX-Request": "true"})
    # then the panel comes back with it, and the customer's last follow-up is set
    assert response.status_code == 200, response.text
    assert "跟进记录已保存。" in response.text and "电话沟通了年度采购计划" in response.text
    followup = _only_followup(kernel, customer_id)
    assert (followup.author_id, followup.owner_id, followup.duration_minutes) == (sales["rep1"].id,) * 2 + (15,)
    with kernel.db.session(write=False) as db:
        customer = db.get(Customer, customer_id)
        assert customer is not None and customer.last_followup_at == followup.happened_at
    # and rep1 has a task due on the next contact date, in *My tasks*
    [task] = _tasks_of(kernel, followup.id)
    assert (task.kind, task.assignee_id, task.done_at) == ("task", sales["rep1"].id, None)
    assert task.due_at.astimezone(UTC).date() in (next_day, next_day - timedelta(days=1))
    assert "杭州娃哈哈集团有限公司" in task.subject
    assert "杭州娃哈哈集团有限公司" in client.get("/activity/tasks").text


def test_a_managers_follow_up_gives_the_owner_the_task_and_an_edit_replaces_it(
        client: Any, kernel: Kernel, new_customer: Any, sales: dict[str, Any]) -> None:
    customer_id = new_customer(sales["rep1"], "青岛海尔")
    client.login("manager")
    client.submit(f"/crm/customers/{customer_id}/followups", {
        "kind": "visit", "content": "拜访了采购部", "next_contact_on": "2030-05-06"}, follow_redirects=False)
    followup = _only_followup(kernel, customer_id)
    [first] = _tasks_of(kernel, followup.id)
    assert first.assignee_id == sales["rep1"].id and first.owner_id == sales["manager"].id
    # when the next contact date is changed on the follow-up's form
    response = client.submit(f"/crm/followups/{followup.id}", {
        "version": str(followup.version), "customer_id": str(customer_id), "kind": "visit",
        "content": "拜访了采购部", "next_contact_on": "2030-05-09"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    # then the open task is replaced by one due on the new date: still one
    [task] = _tasks_of(kernel, followup.id)
    assert first.due_at.date() in (date(2030, 5, 6), date(2030, 5, 5))  # 09:00 in China, in UTC
    assert task.due_at.date() in (date(2030, 5, 9), date(2030, 5, 8)) and task.done_at is None


def test_follow_ups_appear_on_the_customers_timeline(client: Any, kernel: Kernel, new_customer: Any,
                                                     sales: dict[str, Any]) -> None:
    customer_id = new_customer(sales["rep1"], "深圳华为")
    other = new_customer(sales["rep2"], "深圳腾讯")
    client.login("rep1")
    client.submit(f"/crm/customers/{customer_id}/followups", {"kind": "wechat", "content": "微信发了产品资料"})
    timeline = client.get(f"/activity/records/crm.customer/{customer_id}").text
    assert "联系记录" in timeline and '>微信</span>' in timeline and "微信发了产品资料" in timeline
    # another salesperson's customer is not theirs to write on
    refused = client.submit(f"/crm/customers/{other}/followups", {"kind": "call", "content": "试图跟进"})
    assert refused.status_code == 404


def test_follow_ups_lock_after_the_lock_period_on_pages_and_api(client: Any, kernel: Kernel, new_customer: Any,
                                                                 sales: dict[str, Any]) -> None:
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    with clock.use(fake):
        # given an organisation that locks follow-ups after 10 days, and a follow-up of today
        with kernel.db.session() as db:
            db.add(Settings(org_id=sales["hq"].id, followup_lock_days=10))
        customer_id = new_customer(sales["rep1"], "成都天府软件园")
        client.login("manager")
        client.submit(f"/crm/customers/{customer_id}/followups", {"kind": "call", "content": "首次电话"})
        followup = _only_followup(kernel, customer_id)
        # it is editable for 10 days
        fake.advance(days=9)
        client.cookies.clear()
        client.login("manager")
        assert client.get(f"/crm/followups/{followup.id}/edit").status_code == 200
        # when 11 days have passed
        fake.advance(days=2)
        client.cookies.clear()
        client.login("manager")
        # then the page shows the lock and no edit or delete button
        page = client.get(f"/crm/followups/{followup.id}").text
        assert 'id="crm-followup-locked"' in page and "已锁定" in page
        assert f"/crm/followups/{followup.id}/edit" not in page
        # the customer's panel shows a lock instead of the link
        assert 'title="已锁定"' in client.get(f"/crm/customers/{customer_id}").text
        # and edit, update and delete are refused with a message naming the lock
        edit = client.get(f"/crm/followups/{followup.id}/edit")
        assert edit.status_code == 409 and "已超过 10 天，已被锁定" in edit.text
        update = client.submit(f"/crm/followups/{followup.id}", {
            "version": str(followup.version), "customer_id": str(customer_id), "kind": "call",
            "content": "改写历史"})
        assert update.status_code == 409
        delete = client.submit(f"/crm/followups/{followup.id}/delete", {"version": str(followup.version)})
        assert delete.status_code == 409 and "已被锁定" in delete.text
        # through the API too
        api = {"X-CSRF-Token": client.csrf(), "Accept": "application/json"}
        patch = client.patch(f"/api/v1/crm/followup/{followup.id}", json={"content": "改写历史"},
                             headers={**api, "If-Match": f'"{followup.version}"'})
        assert patch.status_code == 409, patch.text
        removed = client.delete(f"/api/v1/crm/followup/{followup.id}", headers=api)
        assert removed.status_code == 409, removed.text
        after = _only_followup(kernel, customer_id)
        assert (after.content, after.deleted_at) == ("首次电话", None)


def test_a_lock_period_of_zero_never_locks(client: Any, kernel: Kernel, new_customer: Any,
                                           sales: dict[str, Any]) -> None:
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    with clock.use(fake):
        with kernel.db.session() as db:
            db.add(Settings(org_id=sales["hq"].id, followup_lock_days=0))
        customer_id = new_customer(sales["rep1"], "武汉光谷")
        client.login("manager")
        client.submit(f"/crm/customers/{customer_id}/followups", {"kind": "call", "content": "电话"})
        followup = _only_followup(kernel, customer_id)
        fake.advance(days=400)
        client.cookies.clear()
        client.login("manager")
        delete = client.submit(f"/crm/followups/{followup.id}/delete", {"version": str(followup.version)},
                               follow_redirects=False)
        assert delete.status_code == 303
