"""Messages to outside addresses (a customer's contact): queued with the
sender's transaction through the same Delivery + outbox path as
notifications, sent once, and reported back to the sender through the hook
``activity_delivery_finished``; and tasks a plugin's job sets."""

from __future__ import annotations

from typing import Any

import pytest
from activity_notify_support import deliveries, run_jobs
from sqlalchemy import select

from core import ValidationError, hookimpl
from core.app import Kernel
from plugins.activity.api import queue_message, set_task_done, system_task
from plugins.activity.models import Activity, ChannelSettings


class Listener:
    def __init__(self) -> None:
        self.heard: list[tuple[str, bool, str]] = []

    @hookimpl
    def activity_delivery_finished(self, session: Any, delivery_id: int, ref: str, sent: bool, error: str) -> None:
        self.heard.append((ref, sent, error))


@pytest.fixture
def listener(kernel: Kernel) -> Any:
    heard = Listener()
    kernel.pm.register(heard, name="test-delivery-listener")
    yield heard
    kernel.pm.unregister(heard)


def switch_on_email(kernel: Kernel, org_id: int, port: int) -> None:
    with kernel.db.session() as db:
        db.add(ChannelSettings(org_id=org_id, channel="email", enabled=True, config={
            "host": "127.0.0.1", "port": port, "security": "none", "from_address": "sales@suanpan.example"}))


def test_a_message_to_an_outside_address_is_sent_once_and_reported(kernel: Kernel, make: Any, smtp: Any,
                                                                     listener: Any) -> None:
    port, server = smtp
    org = make.hq()
    switch_on_email(kernel, org.id, port)
    # when a plugin queues a mail to a customer's contact, and the jobs run twice
    with kernel.db.session() as db:
        queue_message(db, org_id=org.id, channel="email", address="zhang@jingmi.example", subject="产品资料",
                      text="张经理您好：\n附上产品资料。", ref="crm.enrollment_step:7")
    assert server.messages == [], "nothing leaves before the job runs"
    run_jobs(kernel)
    run_jobs(kernel)
    # then it went out once, as text and HTML, and the sender heard so with its reference
    [(to, mail)] = server.messages
    assert to == ["zhang@jingmi.example"] and mail["Subject"] == "产品资料"
    assert "附上产品资料。" in mail.get_body(("plain",)).get_content()
    assert "张经理您好：<br>" in mail.get_body(("html",)).get_content()
    assert deliveries(kernel) == [("email", "zhang@jingmi.example", "sent")]
    assert listener.heard == [("crm.enrollment_step:7", True, "")]


def test_a_failure_is_reported_and_nothing_is_queued_without_an_address_or_channel(
        kernel: Kernel, make: Any, unused_port: int, listener: Any) -> None:
    org = make.hq()
    with kernel.db.session() as db, pytest.raises(ValidationError) as refused:
        queue_message(db, org_id=org.id, channel="sms", address="13812345678", subject="", text="您好")
    assert refused.value.errors == {"channel": "SMS is not switched on for this organisation."}
    with kernel.db.session() as db, pytest.raises(ValidationError) as refused:
        queue_message(db, org_id=org.id, channel="email", address=" ", subject="", text="您好")
    assert refused.value.errors == {"address": "There is no address to send this to."}
    # a mail server that is down: the delivery fails, the sender hears why, the job will retry
    switch_on_email(kernel, org.id, unused_port)
    with kernel.db.session() as db:
        queue_message(db, org_id=org.id, channel="email", address="a@b.example", subject="s", text="t", ref="x:1")
    run_jobs(kernel)
    assert deliveries(kernel) == [("email", "a@b.example", "failed")]
    [(ref, sent, error)] = listener.heard
    assert (ref, sent) == ("x:1", False) and "ConnectionRefusedError" in error


def test_a_system_task_is_the_assignees_and_can_be_closed(kernel: Kernel, make: Any) -> None:
    from suanpan_notes.models import Note

    user = make.user(roles=())
    with kernel.db.session() as db:
        note = Note(org_id=user.org_id, owner_id=user.id, title="拜访准备")
        db.add(note)
        db.flush()
        task = system_task(db, note, assignee_id=user.id, subject="打电话", content="问需求")
        set_task_done(db, task.id, True)
    with kernel.db.session(write=False) as db:
        stored = db.scalar(select(Activity))
        assert stored is not None
        assert (stored.kind, stored.assignee_id, stored.owner_id, stored.record_model) == (
            "task", user.id, user.id, "notes.note")
        assert stored.done_at is not None
