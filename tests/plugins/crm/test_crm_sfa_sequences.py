"""SFA sequences: step occurrences and their states against the kernel's
clock, batch starts refused as a whole, tasks for the owner, automatic
e-mail through the outbox to a real SMTP server (once), failing SMS, and
the workbench."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from crm_value_support import actor_of, at_noon, run_jobs
from sqlalchemy import func, select

from core import ValidationError, clock, enqueue
from core.app import Kernel
from core.clock import FakeClock
from plugins.activity.models import Activity, ChannelSettings, Delivery
from plugins.crm.models import Contact, Customer, Enrollment, EnrollmentStep, Sequence, SequenceStep
from plugins.crm.services import sfa
from plugins.crm.services.sfa_run import run_due

START = date(2026, 3, 2)  # a Monday


def make_sequence(kernel: Kernel, org_id: int, *steps: dict[str, Any], name: str = "新客户跟进") -> int:
    with kernel.db.session() as db:
        sequence = Sequence(org_id=org_id, name=name, active=True)
        db.add(sequence)
        db.flush()
        for position, values in enumerate(steps, start=1):
            db.add(SequenceStep(sequence_id=sequence.id, position=position, **values))
        return sequence.id


def start(kernel: Kernel, user: Any, sequence_id: int, *customer_ids: int) -> list[int]:
    with kernel.db.session() as db:
        return sfa.start_sequence(db, actor_of(kernel, db, user), sequence_id, list(customer_ids), START)


def run_states(kernel: Kernel, enrollment_id: int, on: date) -> list[tuple[str, date, str]]:
    with kernel.db.session(write=False) as db:
        return [(template.name, step.due_on, sfa.display_state(step.state, step.due_on, on))
                for step, template in sfa.run_steps(db, enrollment_id)]


def with_contact(kernel: Kernel, customer_id: int, **values: Any) -> None:
    """The customer's main contact 张经理, with ``values`` (an e-mail, a mobile)."""
    with kernel.db.session() as db:
        customer = db.get(Customer, customer_id)
        assert customer is not None
        db.add(Contact(org_id=customer.org_id, owner_id=customer.owner_id, department_id=customer.department_id,
                       customer_id=customer_id, name="张经理", is_main=True, **values))


def switch_on(kernel: Kernel, org_id: int, channel: str, config: dict[str, Any]) -> None:
    with kernel.db.session() as db:
        db.add(ChannelSettings(org_id=org_id, channel=channel, enabled=True, config=config))


def test_steps_are_normal_due_and_overdue_by_the_clock(kernel: Kernel, sales: dict[str, Any],
                                                       new_customer: Any) -> None:
    customer = new_customer(sales["rep1"], "苏州精密机械")
    sequence = make_sequence(kernel, sales["hq"].id,
                             {"name": "首次电话", "timing": "relative", "offset_days": 0, "action": "task"},
                             {"name": "寄送资料", "timing": "relative", "offset_days": 3, "action": "task"},
                             {"name": "月度回访", "timing": "recurring", "offset_days": 7, "every_days": 30,
                              "repeat": 3, "action": "task"},
                             {"name": "展会邀请", "timing": "absolute", "on_date": date(2026, 4, 20),
                              "action": "task"})
    # when the sequence starts on Monday 2 March
    [run] = start(kernel, sales["rep1"], sequence, customer)
    # then each step occurs on its day, the recurring one three times
    states = run_states(kernel, run, START)
    assert [(n, d) for n, d, _ in states] == [
        ("首次电话", START), ("寄送资料", date(2026, 3, 5)), ("月度回访", date(2026, 3, 9)),
        ("月度回访", date(2026, 4, 8)), ("展会邀请", date(2026, 4, 20)), ("月度回访", date(2026, 5, 8))]
    # and read against the day: due today, then overdue; later ones normal
    assert [s for _, _, s in states][:3] == ["due", "normal", "normal"]
    assert [s for _, _, s in run_states(kernel, run, date(2026, 3, 5))][:3] == ["overdue", "due", "normal"]
    with kernel.db.session(write=False) as db:
        enrollment = db.get(Enrollment, run)
        assert enrollment is not None
        assert (enrollment.owner_id, enrollment.next_due_on, enrollment.state) == (sales["rep1"].id, START, "active")


def test_the_workbench_lists_my_due_and_overdue_steps_by_the_kernels_clock(
        client: Any, kernel: Kernel, sales: dict[str, Any], new_customer: Any) -> None:
    customer = new_customer(sales["rep1"], "苏州精密机械")
    other = new_customer(sales["rep2"], "常州东风农机")
    sequence = make_sequence(kernel, sales["hq"].id,
                             {"name": "首次电话", "offset_days": 0, "action": "task"},
                             {"name": "寄送资料", "offset_days": 3, "action": "task"})
    start(kernel, sales["rep1"], sequence, customer)
    start(kernel, sales["rep2"], sequence, other)
    fake = FakeClock(at_noon(START + timedelta(days=3)))
    with clock.use(fake):
        client.login("rep1")
        page = client.get("/crm/sfa").text
        due = page[page.index('id="crm-sfa-due"'):page.index('id="crm-sfa-failed"')]
        # then on Thursday the call is overdue and the brochure due, both on my customer only
        assert "首次电话" in due and "寄送资料" in due and "常州东风农机" not in due
        assert "crm-step-overdue" in due and "crm-step-due" in due
        # when the owner marks the call done, it leaves the workbench
        with kernel.db.session(write=False) as db:
            call = db.scalar(select(EnrollmentStep.id).join(SequenceStep).join(Enrollment).where(
                SequenceStep.name == "首次电话", Enrollment.customer_id == customer))
        response = client.submit(f"/crm/sfa/steps/{call}/close", {"state": "succeeded", "next": "/crm/sfa"},
                                 follow_redirects=False)
        assert response.status_code == 303
        page = client.get("/crm/sfa").text
        assert "首次电话" not in page[page.index('id="crm-sfa-due"'):page.index('id="crm-sfa-failed"')]
        # and another salesperson's step cannot be closed by rep1
        with kernel.db.session(write=False) as db:
            theirs = db.scalar(select(EnrollmentStep.id).join(Enrollment).where(Enrollment.customer_id == other))
        client.submit(f"/crm/sfa/steps/{theirs}/close", {"state": "succeeded"})
        with kernel.db.session(write=False) as db:
            assert db.scalar(select(EnrollmentStep.state).where(EnrollmentStep.id == theirs)) == "pending"
    # and the runs list sorts by the next step due
    client.cookies.clear()
    client.login("manager")
    page = client.get("/crm/sfa/enrollments").text
    assert page.index("常州东风农机") < page.index("苏州精密机械")


def test_a_batch_start_is_refused_whole_when_one_customer_is_out_of_scope(
        client: Any, kernel: Kernel, sales: dict[str, Any], new_customer: Any) -> None:
    mine = new_customer(sales["rep1"], "苏州精密机械")
    also_mine = new_customer(sales["rep1"], "无锡小天鹅")
    theirs = new_customer(sales["rep2"], "常州东风农机")
    sequence = make_sequence(kernel, sales["hq"].id, {"name": "首次电话", "offset_days": 0, "action": "task"})
    # when rep1 starts the sequence on two of theirs and one of rep2's
    with kernel.db.session() as db:
        try:
            sfa.start_sequence(db, actor_of(kernel, db, sales["rep1"]), sequence, [mine, also_mine, theirs])
        except ValidationError as refused:
            errors = refused.errors
        else:
            raise AssertionError("the batch should be refused")
    # then nothing starts, and the message says why
    assert errors == {"customer_ids": "Some of the chosen customers are not yours to change: "
                                      "no sequence was started."}
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Enrollment)) == 0
    # and through the page the same batch is refused with the message on the next page
    client.login("rep1")
    response = client.submit("/crm/sfa/enrollments", {"sequence_id": str(sequence),
                                                      "customer_ids[]": [str(mine), str(theirs)],
                                                      "next": "/crm/sfa"})
    assert "所选客户中有您无权修改的：未启动任何方案。" in response.text
    # while their own two start together
    response = client.submit("/crm/sfa/enrollments", {"sequence_id": str(sequence),
                                                      "customer_ids[]": [str(mine), str(also_mine)]})
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Enrollment)) == 2


def test_a_task_step_gives_the_owner_a_task_that_closes_the_step(client: Any, kernel: Kernel,
                                                                 sales: dict[str, Any], new_customer: Any) -> None:
    customer = new_customer(sales["rep1"], "苏州精密机械")
    with_contact(kernel, customer, mobile="13812345678")
    sequence = make_sequence(kernel, sales["hq"].id,
                             {"name": "电话回访", "offset_days": 0, "action": "task", "body": "问问 {contact} 的需求"},
                             {"name": "短信问候", "offset_days": 0, "action": "sms", "automatic": False,
                              "body": "{contact}您好"})
    [run] = start(kernel, sales["rep1"], sequence, customer)
    with clock.use(FakeClock(at_noon(START))):
        # when the hourly job runs on the start day
        with kernel.db.session() as db:
            assert run_due(db) == (2, 0)
        with kernel.db.session() as db:
            assert run_due(db) == (0, 0), "a task is made once"
    # then rep1 has two tasks on the customer: the call, and the SMS to send by hand
    with kernel.db.session(write=False) as db:
        tasks = list(db.scalars(select(Activity).where(Activity.record_model == "crm.customer").order_by(Activity.id)))
    assert [(t.subject, t.assignee_id) for t in tasks] == [("电话回访", sales["rep1"].id),
                                                           ("短信问候", sales["rep1"].id)]
    assert tasks[0].content == "问问 张经理 的需求" and "13812345678" in tasks[1].content
    # when rep1 completes the call task on the customer's timeline, the step succeeds
    client.login("rep1")
    response = client.submit(f"/activity/activities/{tasks[0].id}/complete", follow_redirects=False)
    assert response.status_code in (200, 303), response.text
    assert [s for _, _, s in run_states(kernel, run, START)] == ["succeeded", "due"]


def test_an_automatic_email_is_sent_once_through_the_outbox(kernel: Kernel, sales: dict[str, Any],
                                                             new_customer: Any, smtp: Any) -> None:
    port, server = smtp
    hq = sales["hq"]
    switch_on(kernel, hq.id, "email", {"host": "127.0.0.1", "port": port, "security": "none",
                                       "from_address": "sales@suanpan.example", "from_name": "算盘销售"})
    customer = new_customer(sales["rep1"], "苏州精密机械")
    with_contact(kernel, customer, email="zhang@jingmi.example")
    sequence = make_sequence(kernel, hq.id, {"name": "欢迎邮件", "offset_days": 0, "action": "email",
                                             "automatic": True, "subject": "欢迎 {customer}",
                                             "body": "{contact}您好，我是{owner}。"})
    [run] = start(kernel, sales["rep1"], sequence, customer)
    fake = FakeClock(at_noon(START))
    with clock.use(fake):
        # when the hourly job runs twice, and the outbox's jobs with it
        for _ in range(2):
            with kernel.db.session() as db:
                enqueue(db, "crm.run_sequences")
            run_jobs(kernel)
            fake.advance(hours=1)
    # then the contact got exactly one mail, with the placeholders filled
    assert len(server.messages) == 1
    to, mail = server.messages[0]
    assert to == ["zhang@jingmi.example"] and mail["Subject"] == "欢迎 苏州精密机械"
    assert "张经理您好，我是孙销售。" in mail.get_body(("plain",)).get_content()
    # and the step succeeded through the delivery's report; the run is complete
    assert [s for _, _, s in run_states(kernel, run, START)] == ["succeeded"]
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Enrollment.state).where(Enrollment.id == run)) == "completed"
        assert db.scalars(select(Delivery.status)).all() == ["sent"]


def test_a_failing_sms_and_a_missing_address_mark_their_steps_failed(client: Any, kernel: Kernel,
                                                                      sales: dict[str, Any], new_customer: Any,
                                                                      unused_port: int) -> None:
    hq = sales["hq"]
    switch_on(kernel, hq.id, "sms", {"url": f"http://127.0.0.1:{unused_port}/sms", "api_key": "k"})
    reachable = new_customer(sales["rep1"], "苏州精密机械")
    with_contact(kernel, reachable, mobile="13812345678")
    unreachable = new_customer(sales["rep1"], "无锡小天鹅")
    sequence = make_sequence(kernel, hq.id, {"name": "短信提醒", "offset_days": 0, "action": "sms",
                                             "automatic": True, "body": "{contact}您好"})
    [sent, missing] = start(kernel, sales["rep1"], sequence, reachable, unreachable)
    with clock.use(FakeClock(at_noon(START))):
        with kernel.db.session() as db:
            enqueue(db, "crm.run_sequences")
        run_jobs(kernel)
        # then the customer without a mobile number fails at once, the gateway that is down after trying
        with kernel.db.session(write=False) as db:
            details = dict(db.execute(select(EnrollmentStep.enrollment_id, EnrollmentStep.detail)
                                      .where(EnrollmentStep.state == "failed")).all())
        assert details[missing] == "There is no mobile number to send this to."
        assert "URLError" in details[sent] or "Connection refused" in details[sent]
        # and both show on rep1's workbench as failed automatic steps, with a button to send again
        client.login("rep1")
        page = client.get("/crm/sfa").text
        failed = page[page.index('id="crm-sfa-failed"'):]
        assert "苏州精密机械" in failed and "无锡小天鹅" in failed and "没有可发送的手机号码。" in failed
        assert "重新发送" in failed
