"""E-mail over SMTP: an administrator sets the organisation's server in the
settings page, and a real SMTP server (aiosmtpd, on a loopback port)
receives the notifications, in each recipient's language, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from activity_notify_support import count, deliveries, jobs, reachable, run_jobs, send
from sqlalchemy import select

from core import clock, enqueue, notify
from core.clock import FakeClock
from plugins.activity.models import ChannelSettings, Delivery


def save_email_settings(client: Any, port: int, **extra: str) -> Any:
    return client.submit("/activity/notifications/channels/email", {
        "enabled": "on", "host": "127.0.0.1", "port": str(port), "security": "none",
        "username": "", "password": "", "from_address": "notify@suanpan.example",
        "from_name": "算盘通知", **extra}, follow_redirects=False)


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_mail_reaches_each_recipient_in_their_language(kernel, make, client, admin, smtp):
    port, server = smtp
    kernel.settings = replace(kernel.settings, extra={**kernel.settings.extra,
                                                      "base_url": "https://erp.example.cn/"})
    # given the organisation's SMTP server, saved through the settings page
    assert save_email_settings(client, port).status_code == 303
    chinese = reachable(kernel, make.user(name="王芳"), email="wang@example.cn")
    english = reachable(kernel, make.user(name="Li Na"), email="lina@example.com", locale="en")
    # when a notification is sent and the jobs run
    send(kernel, chinese, english, link="/notes/12", params={"channel": "E-mail"})
    assert server.messages == [], "nothing leaves before the job runs"
    assert run_jobs(kernel) == 2
    # then each got one mail, in their language, with a link into the suite
    mails = {to[0]: m for to, m in server.messages}
    assert set(mails) == {"wang@example.cn", "lina@example.com"}
    zh, en = mails["wang@example.cn"], mails["lina@example.com"]
    assert zh["Subject"] == "算盘测试消息" and en["Subject"] == "Test message from Suanpan"
    assert zh["From"] == "算盘通知 <notify@suanpan.example>"
    zh_text, zh_html = parts(zh)
    en_text, en_html = parts(en)
    assert "王芳，您好：" in zh_text and "如果您能看到这条消息，说明E-mail工作正常。" in zh_text
    assert "Hello Li Na," in en_text and "If you can read this, E-mail works." in en_text
    assert "https://erp.example.cn/notes/12" in zh_text
    assert 'href="https://erp.example.cn/notes/12"' in en_html and "王芳，您好：" in zh_html
    assert deliveries(kernel) == [("email", "wang@example.cn", "sent"), ("email", "lina@example.com", "sent")]


def test_a_rolled_back_transaction_sends_no_mail(kernel, make, client, admin, smtp):
    port, server = smtp
    save_email_settings(client, port)
    user = reachable(kernel, make.user(), email="wang@example.cn")
    with pytest.raises(RuntimeError), kernel.db.session() as db:
        notify(db, user_ids=[user.id], subject="Test message from Suanpan")
        raise RuntimeError("the approval failed")
    assert run_jobs(kernel) == 0
    assert server.messages == [] and count(kernel, Delivery) == 0


def test_a_retried_job_does_not_send_twice(kernel, make, client, admin, smtp, unused_port):
    port, server = smtp
    user = reachable(kernel, make.user(), email="wang@example.cn")
    # the first attempt finds no SMTP server listening: the job fails and waits
    save_email_settings(client, unused_port)
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    with clock.use(fake):
        send(kernel, user)
        assert run_jobs(kernel) == 1
        (job,) = jobs(kernel)
        assert (job.state, job.attempts) == ("queued", 1) and "Connection" in job.last_error
        assert deliveries(kernel) == [("email", "wang@example.cn", "failed")]
        # the administrator fixes the server; the retry sends it
        save_email_settings(client, port)
        fake.advance(minutes=5)
        assert run_jobs(kernel) == 1
    assert len(server.messages) == 1
    assert deliveries(kernel) == [("email", "wang@example.cn", "sent")]
    # the same delivery queued again (a replayed job) sends nothing
    with kernel.db.session() as db:
        delivery_id = db.scalar(select(Delivery.id))
        enqueue(db, "activity.deliver", {"delivery_id": delivery_id}, key="replayed")
    assert run_jobs(kernel) == 1
    assert len(server.messages) == 1


def test_the_smtp_password_is_write_only(kernel, client, admin, smtp):
    port, _ = smtp
    save_email_settings(client, port, username="mailer", password="s3cret-口令")
    page = client.get("/activity/notifications/channels").text
    assert "s3cret" not in page and 'value="mailer"' in page
    # saving again with the field left empty keeps the stored password
    save_email_settings(client, port, username="mailer2")
    with kernel.db.session(write=False) as db:
        config = db.scalar(select(ChannelSettings.config).where(ChannelSettings.channel == "email"))
    assert config["password"] == "s3cret-口令" and config["username"] == "mailer2"


def test_invalid_settings_are_refused_with_the_fields_marked(client, admin):
    answer = client.submit("/activity/notifications/channels/email", {
        "enabled": "on", "host": "", "port": "99999", "security": "tls?", "from_address": "nobody"})
    assert answer.status_code == 422
    assert answer.text.count("is-invalid") == 4


def test_the_test_button_sends_a_mail_at_once(kernel, client, admin, smtp, unused_port):
    port, server = smtp
    save_email_settings(client, port)
    answer = client.submit("/activity/notifications/channels/email/test", {"to": "admin@example.cn"})
    assert answer.status_code == 200 and "admin@example.cn" in answer.text
    assert [to for to, _ in server.messages] == [["admin@example.cn"]]
    assert server.messages[0][1]["Subject"] == "算盘测试消息"
    # a server that is not there: the page says why
    save_email_settings(client, unused_port)
    answer = client.submit("/activity/notifications/channels/email/test", {"to": "admin@example.cn"})
    assert "alert-danger" in answer.text and "ConnectionRefusedError" in answer.text

