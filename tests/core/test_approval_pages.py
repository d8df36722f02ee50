"""The approval pages as people use them: an administrator builds, tries and
publishes a chain in the browser; a claimant submits; approvers decide from
the record, the request page and the inbox, one at a time or in bulk."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from core.models import ApprovalChain, Role, User

WRITER = ("notes.writer",)


@pytest.fixture
def team(kernel, make):
    manager = make.user(roles=("staff",), username="manager", name="王经理")
    writer = make.user(roles=WRITER, username="writer", name="李娜")
    finance = make.user(roles=("notes.reviewer",), username="fin", name="财务张")
    with kernel.db.session() as db:
        db.get(User, writer.id).manager_id = manager.id
    return {"manager": manager, "writer": writer, "fin": finance}


def claim(kernel, owner, amount: str, title: str) -> int:
    from decimal import Decimal

    from suanpan_notes.models import Expense

    with kernel.db.session() as db:
        e = Expense(org_id=owner.org_id, owner_id=owner.id, title=title, amount=Decimal(amount))
        db.add(e)
        db.flush()
        return e.id


def state(kernel, expense_id: int) -> str:
    from suanpan_notes.models import Expense

    with kernel.db.session(write=False) as db:
        return db.get(Expense, expense_id).state


def problem(page: Any) -> str:
    found = re.search(r'id="sp-problem">([^<]*)<', page.text)
    return found.group(1) if found else ""


def build_chain(client, kernel) -> int:
    """Through the pages: a manager step, then finance above 50,000; published."""
    created = client.submit("/admin/workflows/notes.expense/chains", {"point": "submit", "org": ""},
                            follow_redirects=False)
    assert created.status_code == 303
    chain_id = int(created.headers["location"].rsplit("/", 1)[1])
    with kernel.db.session(write=False) as db:
        reviewer = db.scalar(select(Role.id).where(Role.key == "notes.reviewer"))
    assert client.submit(f"/admin/approval-chains/{chain_id}/steps", {
        "name": "部门经理", "approver": "manager", "level": "1", "required": "1"},
        follow_redirects=False).status_code == 303
    assert client.submit(f"/admin/approval-chains/{chain_id}/steps", {
        "name": "财务", "approver": "role", "role_id": str(reviewer), "required": "1",
        "field_0": "amount", "op_0": ">", "value_0": "50000", "match": "all", "timeout_hours": "24"},
        follow_redirects=False).status_code == 303
    return chain_id


def test_an_administrator_builds_tries_and_publishes_a_chain(kernel, admin, client, team):
    # the workflows page lists the expense claim; its page draws the state machine
    assert "/admin/workflows/notes.expense" in client.get("/admin/workflows").text
    page = client.get("/admin/workflows/notes.expense")
    diagram = re.search(r'<div class="card-body overflow-auto" id="core-workflow-diagram">(.*?)</div>',
                        page.text, re.S)
    assert diagram and "<svg" in diagram.group(1) and "待审批" in diagram.group(1)

    chain_id = build_chain(client, kernel)
    # a wrong step is refused with each field named, and nothing is saved
    wrong = client.submit(f"/admin/approval-chains/{chain_id}/steps", {
        "name": "", "approver": "role", "required": "x", "field_0": "amount", "op_0": ">", "value_0": ""})
    assert wrong.status_code == 422
    assert 'id="core-step-required-err"' in wrong.text and "请输入整数" in wrong.text
    wrong = client.submit(f"/admin/approval-chains/{chain_id}/steps", {
        "name": "", "approver": "role", "field_0": "amount", "op_0": ">", "value_0": ""})
    assert wrong.status_code == 422
    for field in ("name", "role_id", "value_0"):
        assert f'id="core-step-{field}-err"' in wrong.text, field
    with kernel.db.session(write=False) as db:
        assert [s["name"] for s in db.get(ApprovalChain, chain_id).steps] == ["部门经理", "财务"]

    # tried on a big claim, both steps apply and the approvers are named; nothing is submitted
    big = claim(kernel, team["writer"], "80000", "展会搭建费")
    trial = client.get(f"/admin/approval-chains/{chain_id}?record={big}")
    box = trial.text.split('id="core-chain-trial"', 1)[1]
    assert "展会搭建费" in box and "王经理" in box and "财务张" in box
    assert state(kernel, big) == "draft"

    # published: the page says so and the chain can no longer be edited
    client.submit(f"/admin/approval-chains/{chain_id}/publish", {})
    detail = client.get(f"/admin/approval-chains/{chain_id}")
    assert "已发布" in detail.text and "<svg" in detail.text
    assert client.submit(f"/admin/approval-chains/{chain_id}/steps/0/delete", {}).status_code == 409


def test_submit_decide_from_the_record_and_the_request_page(kernel, admin, client, new_client, team, make):
    build_chain(client, kernel)
    chain_id = kernel_chain(kernel)
    client.submit(f"/admin/approval-chains/{chain_id}/publish", {})
    big = claim(kernel, team["writer"], "80000", "展会搭建费")

    writer = new_client()
    writer.login("writer")
    page = writer.get(f"/notes/expenses/{big}")
    assert "提交审批" in page.text
    writer.submit(f"/workflow/notes.expense/{big}/submit", {"next": f"/notes/expenses/{big}"})
    assert state(kernel, big) == "submitted"

    # the manager holds no right on claims, yet finds it in the inbox and decides on its page
    manager = new_client()
    manager.login("manager")
    inbox = manager.get("/approvals")
    assert "展会搭建费" in inbox.text and 'id="core-approvals-waiting">1<' in inbox.text
    request_url = re.search(r'href="(/approvals/requests/\d+)"', inbox.text).group(1)
    request_page = manager.get(request_url)
    assert 'id="core-approval-mine"' in request_page.text and "<svg" in request_page.text
    task = re.search(r'action="/approvals/tasks/(\d+)/decide"', request_page.text).group(1)
    refused = manager.submit(f"/approvals/tasks/{task}/decide", {"decision": "reject", "comment": "",
                                                                 "next": request_url})
    assert "说明驳回理由" in problem(refused) and state(kernel, big) == "submitted"
    manager.submit(f"/approvals/tasks/{task}/decide", {"decision": "approve", "comment": "同意",
                                                       "next": request_url})

    # finance decides from the claim's own page, whose approval panel shows the steps so far
    finance = new_client()
    finance.login("fin")
    record_page = finance.get(f"/notes/expenses/{big}")
    panel = record_page.text.split('id="core-approval-panel"', 1)[1]
    assert "王经理" in panel and "同意" in panel and 'class="core-approval-decide"' in panel
    task = re.search(r'action="/approvals/tasks/(\d+)/decide"', panel).group(1)
    finance.submit(f"/approvals/tasks/{task}/decide", {"decision": "approve", "next": f"/notes/expenses/{big}"})
    assert state(kernel, big) == "approved"
    assert "已通过" in writer.get(request_url).text

    # someone neither involved nor allowed to read the claim finds nothing
    outsider = new_client()
    make.user(roles=("staff",), username="outsider")
    outsider.login("outsider")
    assert outsider.get(request_url).status_code == 404


def test_bulk_decisions_are_all_or_nothing(kernel, admin, client, new_client, team):
    build_chain(client, kernel)
    client.submit(f"/admin/approval-chains/{kernel_chain(kernel)}/publish", {})
    claims = [claim(kernel, team["writer"], "100", f"打车费{i}") for i in range(3)]
    writer = new_client()
    writer.login("writer")
    for c in claims:
        writer.submit(f"/workflow/notes.expense/{c}/submit", {})
    manager = new_client()
    manager.login("manager")
    tasks = re.findall(r'name="task\[\]" value="(\d+)"', manager.get("/approvals").text)
    assert len(tasks) == 3
    # rejecting needs a reason: nothing is decided
    refused = manager.submit("/approvals/bulk", {"task[]": tasks[:2], "decision": "reject", "comment": ""})
    assert "说明驳回理由" in problem(refused)
    assert [state(kernel, c) for c in claims] == ["submitted"] * 3
    # two approved at once
    manager.submit("/approvals/bulk", {"task[]": tasks[:2], "decision": "approve", "comment": "批量同意"})
    assert sorted(state(kernel, c) for c in claims) == ["approved", "approved", "submitted"]
    done = manager.get("/approvals?tab=done")
    assert done.text.count("打车费") == 2


def test_a_submission_nobody_can_approve_is_refused_on_the_record_page(kernel, admin, client, new_client, team):
    created = client.submit("/admin/workflows/notes.expense/chains", {"point": "submit", "org": ""},
                            follow_redirects=False)
    chain_id = int(created.headers["location"].rsplit("/", 1)[1])
    client.submit(f"/admin/approval-chains/{chain_id}/steps", {
        "name": "总监", "approver": "manager", "level": "3", "required": "1"})
    client.submit(f"/admin/approval-chains/{chain_id}/publish", {})
    expense = claim(kernel, team["writer"], "100", "办公用品")
    writer = new_client()
    writer.login("writer")
    back = writer.submit(f"/workflow/notes.expense/{expense}/submit", {"next": f"/notes/expenses/{expense}"})
    assert "总监" in problem(back)
    assert state(kernel, expense) == "draft"


def kernel_chain(kernel) -> int:
    with kernel.db.session(write=False) as db:
        found = db.scalar(select(ApprovalChain.id).order_by(ApprovalChain.id.desc()).limit(1))
        assert found is not None
        return found
