"""Approval chains (core/approvals.py), told through the notes plugin's expense
claims: a claim is submitted, the chain an administrator published decides
it, and an approved claim is amended rather than edited."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from core import Conflict, NotFound, ValidationError, clock, hookimpl
from core.approvals import Step, active_request, decide, publish, sweep, withdraw
from core.models import (
    ApprovalChain,
    ApprovalRequest,
    ApprovalStep,
    ApprovalTask,
    Role,
    RoleAssignment,
    User,
    WorkflowHistory,
)
from core.permissions import get_for, load_actor
from core.workflows import allowed_transitions, amend, transition

WRITER = ("notes.writer",)
REVIEWER = ("notes.reviewer",)


def expense_model() -> Any:
    from suanpan_notes.models import Expense

    return Expense


class Heard:
    """Records every notification, as a delivering plugin would see it."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    @hookimpl
    def on_notification(self, session: Any, notification: Any) -> None:
        self.items.append(notification)

    def to(self, user_id: int) -> list[str]:
        return [n.subject for n in self.items if user_id in n.user_ids]


@pytest.fixture
def heard(kernel):
    listener = Heard()
    kernel.pm.register(listener)
    yield listener
    kernel.pm.unregister(listener)


@pytest.fixture
def people(kernel, make):
    """A writer whose manager is 王经理, two reviewers (the finance role) and
    a director above the manager."""
    hq = make.hq()
    director = make.user(roles=("staff",), username="director", name="赵总监")
    manager = make.user(roles=("staff",), username="manager", name="王经理")
    writer = make.user(roles=WRITER, username="writer", name="李娜")
    finance1 = make.user(roles=REVIEWER, username="fin1", name="财务一")
    finance2 = make.user(roles=REVIEWER, username="fin2", name="财务二")
    with kernel.db.session() as db:
        db.get(User, writer.id).manager_id = manager.id
        db.get(User, manager.id).manager_id = director.id
        db.get(User, finance1.id).manager_id = director.id
    return {"hq": hq, "director": director, "manager": manager, "writer": writer,
            "fin1": finance1, "fin2": finance2}


def role_id(kernel, key: str) -> int:
    with kernel.db.session(write=False) as db:
        found = db.scalar(select(Role.id).where(Role.key == key))
        assert found is not None
        return found


def chain(kernel, steps: list[dict[str, Any]], *, org_id: int | None = None, by: Any = None) -> int:
    """Publish a chain on the expense claim's submit point."""
    with kernel.db.session() as db:
        c = ApprovalChain(model="notes.expense", point="submit", org_id=org_id, name="报销审批",
                          steps=[Step.from_dict(s).to_dict() for s in steps])
        db.add(c)
        db.flush()
        publish(db, actor(db, kernel, by.id) if by else _root(db, kernel), c)
        return c.id


def _root(db, kernel) -> Any:
    user = db.scalar(select(User).order_by(User.id).limit(1))
    return load_actor(db, user, all_codes=set(kernel.registry.permissions))


def actor(db, kernel, user_id: int) -> Any:
    return load_actor(db, db.get(User, user_id), all_codes=set(kernel.registry.permissions))


def claim(kernel, owner, amount: str = "3000", title: str = "北京出差") -> int:
    with kernel.db.session() as db:
        e = expense_model()(org_id=owner.org_id, owner_id=owner.id, title=title, amount=Decimal(amount),
                            category="travel")
        db.add(e)
        db.flush()
        return e.id


def fire(kernel, user, expense_id: int, name: str, comment: str = "") -> None:
    with kernel.db.session() as db:
        record = db.get(expense_model(), expense_id)
        transition(db, kernel.registry, actor(db, kernel, user.id), record, name, comment=comment)


def state(kernel, expense_id: int) -> str:
    with kernel.db.session(write=False) as db:
        return db.get(expense_model(), expense_id).state


def pending_tasks(kernel, expense_id: int) -> dict[int, int]:
    """approver id -> task id of the claim's pending tasks"""
    with kernel.db.session(write=False) as db:
        return {t.user_id: t.id for t in db.scalars(select(ApprovalTask).where(
            ApprovalTask.model == "notes.expense", ApprovalTask.record_id == expense_id,
            ApprovalTask.status == "pending"))}


def approve(kernel, user, expense_id: int, comment: str = "同意", decision: str = "approve") -> None:
    task_id = pending_tasks(kernel, expense_id)[user.id]
    with kernel.db.session() as db:
        decide(db, kernel.registry, actor(db, kernel, user.id), task_id, decision, comment)


def history(kernel, expense_id: int) -> list[tuple[str, str, str]]:
    with kernel.db.session(write=False) as db:
        return [(h.transition, h.from_state, h.to_state) for h in db.scalars(
            select(WorkflowHistory).where(WorkflowHistory.model == "notes.expense",
                                          WorkflowHistory.record_id == expense_id)
            .order_by(WorkflowHistory.id))]


MANAGER_STEP = {"name": "部门经理审批", "approver": "manager", "level": 1, "required": 1}


def finance_step(kernel, **extra: Any) -> dict[str, Any]:
    return {"name": "财务审批", "approver": "role", "role_id": role_id(kernel, "notes.reviewer"),
            "required": 1, **extra}


# ------------------------------------------------------------------ scenarios


def test_without_a_chain_a_reviewer_approves_by_hand(kernel, people):
    expense = claim(kernel, people["writer"])
    fire(kernel, people["writer"], expense, "submit")
    assert state(kernel, expense) == "submitted" and pending_tasks(kernel, expense) == {}
    fire(kernel, people["fin1"], expense, "approve", "ok")
    assert state(kernel, expense) == "approved"


def test_a_condition_on_the_amount_adds_the_finance_step(kernel, people, heard):
    # given: the manager always approves; finance only above 50,000
    chain(kernel, [MANAGER_STEP, finance_step(kernel, conditions=[
        {"field": "amount", "op": ">", "value": "50000"}])])
    small = claim(kernel, people["writer"], "30000", "小额报销")
    big = claim(kernel, people["writer"], "80000", "大额报销")

    # a small claim needs the manager only
    fire(kernel, people["writer"], small, "submit")
    assert set(pending_tasks(kernel, small)) == {people["manager"].id}
    assert "Please approve: {document}" in heard.to(people["manager"].id)
    approve(kernel, people["manager"], small)
    assert state(kernel, small) == "approved"
    assert "Approved: {document}" in heard.to(people["writer"].id)

    # a big one goes on to finance (both members), in sequence
    fire(kernel, people["writer"], big, "submit")
    assert set(pending_tasks(kernel, big)) == {people["manager"].id}
    approve(kernel, people["manager"], big)
    assert state(kernel, big) == "submitted"
    assert set(pending_tasks(kernel, big)) == {people["fin1"].id, people["fin2"].id}
    approve(kernel, people["fin2"], big, "金额核对无误")
    assert state(kernel, big) == "approved"
    assert pending_tasks(kernel, big) == {}  # fin1's task is void: one of two was enough
    assert history(kernel, big) == [
        ("submit", "draft", "submitted"),
        ("approval:approve", "submitted", "submitted"),
        ("approval:approve", "submitted", "submitted"),
        ("approve", "submitted", "approved"),
    ]


def test_parallel_steps_and_n_distinct_approvers(kernel, people):
    # the manager and finance in parallel; finance needs both of its members
    chain(kernel, [MANAGER_STEP, finance_step(kernel, parallel=True, required=2)])
    expense = claim(kernel, people["writer"])
    fire(kernel, people["writer"], expense, "submit")
    assert set(pending_tasks(kernel, expense)) == {people["manager"].id, people["fin1"].id,
                                                   people["fin2"].id}
    approve(kernel, people["fin1"], expense)
    approve(kernel, people["manager"], expense)
    assert state(kernel, expense) == "submitted"  # finance still needs a second person
    approve(kernel, people["fin2"], expense)
    assert state(kernel, expense) == "approved"


def test_nobody_approves_their_own_claim(kernel, people, make):
    # a reviewer who submits is left out of the finance step's approvers
    chain(kernel, [finance_step(kernel)])
    submitter = people["fin1"]
    with kernel.db.session() as db:
        writer_role = db.scalar(select(Role.id).where(Role.key == "notes.writer"))
        db.add(RoleAssignment(user_id=submitter.id, role_id=writer_role, org_id=submitter.org_id))
    expense = claim(kernel, submitter)
    fire(kernel, submitter, expense, "submit")
    assert set(pending_tasks(kernel, expense)) == {people["fin2"].id}


def test_a_step_without_anyone_to_approve_refuses_the_submission(kernel, people):
    # finance needs three people; the role has two
    chain(kernel, [finance_step(kernel, required=3)])
    expense = claim(kernel, people["writer"])
    with pytest.raises(Conflict) as refused:
        fire(kernel, people["writer"], expense, "submit")
    assert refused.value.params == {"step": "财务审批", "needed": "3", "found": "2"}
    assert state(kernel, expense) == "draft"  # nothing written half-way
    assert history(kernel, expense) == []
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(ApprovalRequest)) is None


def test_no_applicable_step_approves_at_once(kernel, people):
    chain(kernel, [finance_step(kernel, conditions=[{"field": "amount", "op": ">=", "value": "50000"}])])
    expense = claim(kernel, people["writer"], "200")
    fire(kernel, people["writer"], expense, "submit")
    assert state(kernel, expense) == "approved"
    assert history(kernel, expense) == [("submit", "draft", "submitted"), ("approve", "submitted", "approved")]


def test_rejecting_needs_a_reason_and_sends_the_claim_back(kernel, people, heard):
    chain(kernel, [MANAGER_STEP, finance_step(kernel, parallel=True)])
    expense = claim(kernel, people["writer"])
    fire(kernel, people["writer"], expense, "submit")
    with pytest.raises(ValidationError) as no_reason:
        approve(kernel, people["manager"], expense, "", decision="reject")
    assert "comment" in no_reason.value.errors
    approve(kernel, people["manager"], expense, "发票不全", decision="reject")
    assert state(kernel, expense) == "draft"
    assert pending_tasks(kernel, expense) == {}  # finance's tasks are void
    assert "Rejected: {document}" in heard.to(people["writer"].id)
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(WorkflowHistory.comment).where(WorkflowHistory.transition == "reject")) == "发票不全"


def test_only_the_approver_decides_and_only_once(kernel, people):
    chain(kernel, [MANAGER_STEP])
    expense = claim(kernel, people["writer"])
    fire(kernel, people["writer"], expense, "submit")
    task_id = pending_tasks(kernel, expense)[people["manager"].id]
    with kernel.db.session() as db, pytest.raises(NotFound):  # someone else's task
        decide(db, kernel.registry, actor(db, kernel, people["fin1"].id), task_id, "approve")
    approve(kernel, people["manager"], expense)
    with kernel.db.session() as db, pytest.raises(Conflict):  # decided already
        decide(db, kernel.registry, actor(db, kernel, people["manager"].id), task_id, "approve")


def test_while_the_chain_runs_nobody_approves_by_hand(kernel, people):
    chain(kernel, [MANAGER_STEP])
    expense = claim(kernel, people["writer"])
    fire(kernel, people["writer"], expense, "submit")
    with pytest.raises(Conflict):
        fire(kernel, people["fin1"], expense, "approve")
    with kernel.db.session(write=False) as db:
        record = db.get(expense_model(), expense)
        buttons = allowed_transitions(db, kernel.registry, actor(db, kernel, people["fin1"].id), record)
        assert [t.name for t in buttons] == []
    assert state(kernel, expense) == "submitted"


def test_an_approver_may_read_what_they_are_asked_to_approve(kernel, people):
    # the manager holds no right on expense claims at all, the reviewer only "org"
    chain(kernel, [MANAGER_STEP])
    expense = claim(kernel, people["writer"])
    other = claim(kernel, people["writer"], title="另一张")
    fire(kernel, people["writer"], expense, "submit")
    with kernel.db.session(write=False) as db:
        boss = actor(db, kernel, people["manager"].id)
        boss.grants.setdefault("notes.expense.read", [])  # a read right with no scope of its own
        assert get_for(db, boss, expense_model(), expense).id == expense
        with pytest.raises(NotFound):
            get_for(db, boss, expense_model(), other)


def test_withdrawing_takes_the_claim_back(kernel, people):
    chain(kernel, [MANAGER_STEP])
    expense = claim(kernel, people["writer"])
    fire(kernel, people["writer"], expense, "submit")
    with kernel.db.session() as db:
        request = active_request(db, "notes.expense", expense)
        assert request is not None
        with pytest.raises(NotFound):  # only the submitter withdraws
            withdraw(db, kernel.registry, actor(db, kernel, people["manager"].id), request.id)
    with kernel.db.session() as db:
        request = active_request(db, "notes.expense", expense)
        withdraw(db, kernel.registry, actor(db, kernel, people["writer"].id), request.id, "金额写错了")
    assert state(kernel, expense) == "draft" and pending_tasks(kernel, expense) == {}


def test_a_published_chain_is_versioned_and_running_requests_keep_theirs(kernel, people):
    first = chain(kernel, [MANAGER_STEP])
    expense = claim(kernel, people["writer"])
    fire(kernel, people["writer"], expense, "submit")
    second = chain(kernel, [finance_step(kernel)])
    with kernel.db.session(write=False) as db:
        assert db.get(ApprovalChain, first).status == "retired"
        assert (db.get(ApprovalChain, second).status, db.get(ApprovalChain, second).version) == ("published", 2)
    approve(kernel, people["manager"], expense)  # the running request finishes under version 1
    assert state(kernel, expense) == "approved"
    later = claim(kernel, people["writer"])
    fire(kernel, people["writer"], later, "submit")
    assert set(pending_tasks(kernel, later)) == {people["fin1"].id, people["fin2"].id}


def test_an_org_chain_wins_over_the_installation_wide_one(kernel, people):
    chain(kernel, [MANAGER_STEP])
    chain(kernel, [finance_step(kernel)], org_id=people["hq"].id)
    expense = claim(kernel, people["writer"])
    fire(kernel, people["writer"], expense, "submit")
    assert set(pending_tasks(kernel, expense)) == {people["fin1"].id, people["fin2"].id}


# ------------------------------------------------------------------ timeouts


def test_a_late_step_reminds_then_escalates_to_the_managers(kernel, people, heard):
    chain(kernel, [finance_step(kernel, timeout_hours=24, required=2)])
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    fake = clock.FakeClock(start)
    with clock.use(fake):
        expense = claim(kernel, people["writer"])
        fire(kernel, people["writer"], expense, "submit")
        approve(kernel, people["fin2"], expense)  # fin1 sits on it

        fake.advance(hours=23)
        with kernel.db.session() as db:
            assert (sweep(db, kernel.registry).reminded, sweep(db, kernel.registry).escalated) == (0, 0)
        fake.advance(hours=2)
        with kernel.db.session() as db:
            result = sweep(db, kernel.registry)
        assert (result.reminded, result.escalated) == (1, 0)
        assert "Reminder: {document} awaits your approval" in heard.to(people["fin1"].id)
        assert "Reminder: {document} awaits your approval" not in heard.to(people["fin2"].id)

        fake.advance(hours=24)
        with kernel.db.session() as db:
            result = sweep(db, kernel.registry)
        assert (result.reminded, result.escalated) == (0, 1)
        # fin1's manager, the director, now holds the step and is told so, urgently
        assert set(pending_tasks(kernel, expense)) == {people["fin1"].id, people["director"].id}
        urgent = [n for n in heard.items if people["director"].id in n.user_ids]
        assert urgent and urgent[-1].urgent and urgent[-1].subject == "Escalated to you: {document}"
        with kernel.db.session() as db:  # a second sweep does nothing more
            assert sweep(db, kernel.registry).escalated == 0
        approve(kernel, people["director"], expense, "我批了")
    assert state(kernel, expense) == "approved"
    events = [h[0] for h in history(kernel, expense)]
    assert events == ["submit", "approval:approve", "approval:remind", "approval:escalate",
                      "approval:approve", "approve"]


def test_the_timeout_job_is_scheduled(kernel):
    assert kernel.registry.jobs["core.approval_timeouts"].schedule == "*/5 * * * *"


# ------------------------------------------------------------------ amendments


def test_an_approved_claim_is_cancelled_and_amended(kernel, people):
    expense = claim(kernel, people["writer"], "1200")
    fire(kernel, people["writer"], expense, "submit")
    fire(kernel, people["fin1"], expense, "approve")
    with kernel.db.session() as db:
        original = db.get(expense_model(), expense)
        copy = amend(db, kernel.registry, actor(db, kernel, people["writer"].id), original)
        copy_id = copy.id
        assert (copy.state, copy.amends_id, copy.title, copy.amount) == ("draft", expense, "北京出差",
                                                                         Decimal("1200.00"))
    assert state(kernel, expense) == "cancelled"
    assert history(kernel, expense)[-1] == ("amend", "approved", "cancelled")
    assert state(kernel, copy_id) == "draft"


def test_a_draft_is_not_amended(kernel, people):
    expense = claim(kernel, people["writer"])
    with kernel.db.session() as db, pytest.raises(Conflict):
        amend(db, kernel.registry, actor(db, kernel, people["writer"].id), db.get(expense_model(), expense))


def test_steps_remember_their_stage(kernel, people):
    chain(kernel, [MANAGER_STEP, finance_step(kernel, parallel=True),
                   {"name": "总监", "approver": "user", "user_ids": [people["director"].id]}])
    expense = claim(kernel, people["writer"])
    fire(kernel, people["writer"], expense, "submit")
    with kernel.db.session(write=False) as db:
        steps = [(s.name, s.stage, s.status) for s in db.scalars(
            select(ApprovalStep).order_by(ApprovalStep.position))]
    assert steps == [("部门经理审批", 0, "active"), ("财务审批", 0, "active"), ("总监", 1, "waiting")]


# ----------------------------------------------------------------- chains plugins ship


def _shipping(kernel: Any, *steps: dict[str, Any]) -> Any:
    """The kernel's registry, with the expense claim's approval point shipping ``steps``."""
    from dataclasses import replace

    wf = kernel.registry.workflows["notes.expense"]
    point = replace(wf.approvals[0], default_steps=steps, default_name="默认报销审批")
    return replace(kernel.registry, workflows={**kernel.registry.workflows,
                                               "notes.expense": replace(wf, approvals=(point,))})


def test_a_shipped_chain_is_put_in_force_once_and_never_brought_back(kernel):
    from core.approvals import sync_shipped_chains
    from core.models import ExternalId

    registry = _shipping(kernel, {"name": "经理审批", "approver": "manager", "level": 1, "required": 1,
                                  "conditions": [{"field": "amount", "op": ">", "value": "1000"}]},
                         {"name": "复核", "approver": "role", "role": "notes.reviewer", "required": 1})
    with kernel.db.session() as db:
        # given a plugin shipping a chain for expense claims, when the plugin is set up
        made = sync_shipped_chains(db, registry)
        # then the chain is in force for every organisation, its role named by key resolved
        assert [(c.model, c.point, c.org_id, c.status, c.name) for c in made] == [
            ("notes.expense", "submit", None, "published", "默认报销审批")]
        reviewer = db.scalar(select(Role.id).where(Role.key == "notes.reviewer"))
        steps = [Step.from_dict(s) for s in made[0].steps]
        assert [(s.name, s.approver, s.role_id) for s in steps] == [("经理审批", "manager", None),
                                                                     ("复核", "role", reviewer)]
        assert steps[0].conditions[0].describe() == "amount > 1000"
        assert db.scalar(select(ExternalId.record_id).where(
            ExternalId.plugin == "notes", ExternalId.key == "chain.notes.expense.submit")) == made[0].id
        # when an administrator retires it and the plugin is set up again (an upgrade)
        made[0].status = "retired"
        db.flush()
        # then it does not come back
        assert sync_shipped_chains(db, registry) == []
        assert db.scalar(select(ApprovalChain).where(ApprovalChain.model == "notes.expense",
                                                     ApprovalChain.status == "published")) is None


def test_a_chain_an_administrator_published_first_stays_in_force(kernel, make):
    from core.approvals import sync_shipped_chains

    user = make.user(roles=("admin",))
    with kernel.db.session() as db:
        admin = actor(db, kernel, user.id)
        own = ApprovalChain(model="notes.expense", point="submit", org_id=None, name="Ours", status="draft",
                            steps=[Step(name="Boss", approver="manager").to_dict()])
        db.add(own)
        db.flush()
        publish(db, admin, own)
        assert sync_shipped_chains(db, _shipping(kernel, {"name": "Shipped", "approver": "manager"})) == []
        assert [c.name for c in db.scalars(select(ApprovalChain).where(
            ApprovalChain.model == "notes.expense", ApprovalChain.status == "published"))] == ["Ours"]


def test_a_shipped_chain_naming_a_missing_role_waits_for_it(kernel):
    from core.approvals import sync_shipped_chains

    registry = _shipping(kernel, {"name": "复核", "approver": "role", "role": "gone.role"})
    with kernel.db.session() as db:
        assert sync_shipped_chains(db, registry) == []
        assert db.scalar(select(ApprovalChain).where(ApprovalChain.model == "notes.expense")) is None
