"""Saved reports by e-mail: the hourly job finds the schedules due, and each
recipient receives the report computed with *their* permissions, through a
real SMTP server (aiosmtpd on a loopback port), once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from dashboard_support import add_claims, claim, role_of
from sqlalchemy import func, select, update

from core import clock
from core.clock import FakeClock
from core.jobs import Worker, tick
from core.models import Job, User
from plugins.dashboard.models import Schedule

MONDAY_7_30_IN_CHINA = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)


@pytest.fixture
def mailroom(kernel, make, office, smtp, new_client):
    """The head office's SMTP server set by an administrator; e-mail addresses
    for the boss and wang; the suite's address for links."""
    port, inbox = smtp
    kernel.settings = replace(kernel.settings, extra={**kernel.settings.extra, "base_url": "https://erp.example.cn"})
    make.user(org=office["hq"], username="root", roles=("admin",))
    root = new_client()
    root.login("root")
    saved = root.submit("/activity/notifications/channels/email", {
        "enabled": "on", "host": "127.0.0.1", "port": str(port), "security": "none", "username": "",
        "password": "", "from_address": "report@suanpan.example", "from_name": "算盘报表"}, follow_redirects=False)
    assert saved.status_code == 303
    with kernel.db.session() as db:
        for who, address, locale in (("boss", "boss@example.cn", "zh_CN"), ("wang", "wang@example.cn", "en")):
            db.execute(update(User).where(User.id == office[who].id).values(email=address, locale=locale))
    return inbox


def run_jobs(kernel) -> int:
    return Worker(kernel, "test-worker").run_pending()


def test_a_scheduled_report_reaches_each_recipient_with_their_own_numbers(client, office, kernel, mailroom):
    lina, wang = office["lina"], office["wang"]
    add_claims(kernel, [claim(lina, amount="100.00"), claim(lina, amount="20.50"),
                        claim(wang, amount="7.25"), claim(office["zhang"], amount="300.00")])
    with clock.use(FakeClock(MONDAY_7_30_IN_CHINA)) as fake:
        # given the boss's report, shared with wang's role, e-mailed on Mondays at 08:00 to all
        client.login("boss")
        report = client.submit("/dashboard/reports", {"name": "各人报销", "dataset": "notes.expenses",
                                                      "row": "owner_id", "measure": ["claims", "amount"]},
                               follow_redirects=False).headers["location"]
        client.submit(f"{report}/sharing", {"sharing": "roles", "roles": str(role_of(kernel, wang))})
        scheduled = client.submit(f"{report}/schedule", {"frequency": "weekly", "day": "0", "hour": "8",
                                                        "recipients": "shared"}, follow_redirects=False)
        assert scheduled.status_code == 303
        with kernel.db.session(write=False) as db:
            schedule = db.scalar(select(Schedule))
            assert schedule.next_run_at == datetime(2026, 3, 16, 0, tzinfo=UTC)  # 08:00 in Beijing
        tick(kernel)  # the scheduler meets the hourly job
        assert run_jobs(kernel) == 0 and mailroom.messages == []
        # when the hour comes and the workers run
        fake.advance(minutes=31)
        tick(kernel)
        run_jobs(kernel)
    # then each recipient got one mail, in their language, with their numbers
    mails = {to[0]: m for to, m in mailroom.messages}
    assert set(mails) == {"boss@example.cn", "wang@example.cn"}
    boss, theirs = mails["boss@example.cn"], mails["wang@example.cn"]
    assert boss["Subject"] == "报表：各人报销" and theirs["Subject"] == "Report: 各人报销"
    boss_html = boss.get_body(("html",)).get_content()
    boss_text = boss.get_body(("plain",)).get_content()
    assert "<table" in boss_html and "李娜" in boss_html and "120.50" in boss_html and "张伟" in boss_html
    assert "427.75" in boss_html  # the head office's total
    assert "李娜" in boss_text and "120.50" in boss_text
    assert "https://erp.example.cn/dashboard/reports/" in boss_text
    wang_html = theirs.get_body(("html",)).get_content()
    assert "7.25" in wang_html and "李娜" not in wang_html and "120.50" not in wang_html
    assert "with your permissions" in theirs.get_body(("plain",)).get_content()
    # and the schedule moved on a week, sending nothing twice
    with kernel.db.session(write=False) as db:
        schedule = db.scalar(select(Schedule))
        assert schedule.next_run_at == datetime(2026, 3, 23, 0, tzinfo=UTC) and schedule.last_sent_at
        sent_jobs = db.scalar(select(func.count()).select_from(Job).where(Job.task == "dashboard.send_report"))
    with clock.use(FakeClock(MONDAY_7_30_IN_CHINA + timedelta(hours=1, minutes=5))):
        tick(kernel)
        run_jobs(kernel)
    assert len(mailroom.messages) == 2
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Job).where(Job.task == "dashboard.send_report")) == sent_jobs


def test_a_reader_no_longer_shared_with_gets_nothing(client, office, kernel, mailroom):
    add_claims(kernel, [claim(office["wang"], amount="7.25")])
    client.login("boss")
    report = client.submit("/dashboard/reports", {"name": "报销", "dataset": "notes.expenses", "row": "state"},
                           follow_redirects=False).headers["location"]
    client.submit(f"{report}/sharing", {"sharing": "roles", "roles": str(role_of(kernel, office["wang"]))})
    client.submit(f"{report}/schedule", {"frequency": "daily", "hour": "9", "recipients": "shared"})
    client.submit(f"{report}/sharing", {"sharing": "private"})
    with kernel.db.session() as db:  # due now
        db.execute(update(Schedule).values(next_run_at=datetime.now(UTC) - timedelta(minutes=1)))
    from core import enqueue

    with kernel.db.session() as db:
        enqueue(db, "dashboard.send_reports")
    run_jobs(kernel)
    assert [to for to, _m in mailroom.messages] == [["boss@example.cn"]]


def test_a_schedule_needs_a_good_frequency_day_and_hour(client, office, kernel):
    client.login("boss")
    report = client.submit("/dashboard/reports", {"name": "报销", "dataset": "notes.expenses", "row": "state"},
                           follow_redirects=False).headers["location"]
    bad = client.submit(f"{report}/schedule", {"frequency": "hourly", "hour": "25", "recipients": "me"})
    assert bad.status_code == 422 and "frequency" in bad.text and "hour" in bad.text
    monthly = client.submit(f"{report}/schedule", {"frequency": "monthly", "day": "31", "hour": "8",
                                                   "recipients": "me"})
    assert monthly.status_code == 422 and "day" in monthly.text
    assert client.submit(f"{report}/schedule", {"frequency": "monthly", "day": "28", "hour": "8",
                                                "recipients": "me"}, follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        schedule = db.scalar(select(Schedule))
        local = schedule.next_run_at + timedelta(hours=8)
        assert (local.day, local.hour) == (28, 8)
    # only the author schedules a report
    client.submit(f"{report}/sharing", {"sharing": "org"})
    client.login("lina")
    assert client.submit(f"{report}/schedule", {"frequency": "daily", "hour": "8",
                                                "recipients": "me"}).status_code == 403
    client.login("boss")
    assert client.submit(f"{report}/schedule/delete", follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Schedule)) is None


def test_the_hourly_job_is_registered(kernel):
    assert kernel.registry.jobs["dashboard.send_reports"].schedule == "0 * * * *"
    assert kernel.registry.tasks["dashboard.send_report"].max_attempts == 3
