"""The nightly return to the pool: protection rules per level, the warning
K days before (sent once), the return itself; time moves on a FakeClock and
the job runs through the job outbox as a worker runs it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from crm_pool_support import beijing, log_of, make_pool, make_rule, owner_of
from sqlalchemy import select, update

from core import clock, enqueue
from core.app import Kernel
from core.clock import FakeClock
from core.jobs import Worker
from core.models import Job
from plugins.activity.models import InboxItem
from plugins.crm.models import Customer

START = date(2026, 3, 1)


@pytest.fixture
def now() -> Iterator[FakeClock]:
    fake = FakeClock(beijing(START, 10))
    with clock.use(fake):
        yield fake


def run_job(kernel: Kernel, day: date, now: FakeClock) -> None:
    """The night of ``day``: the job at 02:30, as the scheduler queues it."""
    now.current = beijing(day, 2, 30)
    with kernel.db.session() as db:
        enqueue(db, "crm.return_to_pool")
    Worker(kernel, "w1").run_pending()
    with kernel.db.session(write=False) as db:
        assert db.scalars(select(Job.state).where(Job.state != "done")).all() == []


def inbox(kernel: Kernel, user_id: int) -> list[tuple[str, dict[str, Any]]]:
    with kernel.db.session(write=False) as db:
        return [(i.subject, i.params) for i in db.scalars(select(InboxItem).where(InboxItem.user_id == user_id)
                                                          .order_by(InboxItem.id))]


def test_the_job_is_scheduled_every_night(kernel: Kernel) -> None:
    assert kernel.registry.jobs["crm.return_to_pool"].schedule == "30 2 * * *"


def test_an_idle_customer_is_warned_once_then_returns_to_the_pool(
        client: Any, kernel: Kernel, new_customer: Any, sales: dict[str, Any], now: FakeClock) -> None:
    # given a rule: 30 days without follow-up, warned 3 days before; rep1 got two customers on 1 March
    pool = make_pool(kernel, sales["hq"].id, "华东公海")
    make_rule(kernel, pool, level="", no_followup_days=30, warn_days=3)
    idle = new_customer(sales["rep1"], "闲置客户有限公司")
    busy = new_customer(sales["rep1"], "活跃客户有限公司")
    # and one of them was followed up on 20 March
    with kernel.db.session() as db:
        db.execute(update(Customer).where(Customer.id == busy).values(last_followup_at=beijing(date(2026, 3, 20))))
    # the owner sees when it would go back
    client.login("rep1")
    assert "2026年4月1日" in client.get(f"/crm/customers/{idle}").text
    # when the job runs on 28 March nothing happens yet
    run_job(kernel, date(2026, 3, 28), now)
    assert inbox(kernel, sales["rep1"].id) == []
    # on 29 March (3 days before the return date, 1 April) the owner is warned, about the idle one only
    run_job(kernel, date(2026, 3, 29), now)
    (warning,) = inbox(kernel, sales["rep1"].id)
    assert warning[1]["count"] == 1 and warning[1]["date"] == "2026-04-01" and warning[1]["names"] == "闲置客户有限公司"
    assert warning[1]["pool"] == "华东公海"
    assert log_of(kernel, idle)[-1] == ("warn", sales["rep1"].id, sales["rep1"].id, "followup:30:2026-04-01")
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Customer.return_warned_on).where(Customer.id == idle)) == date(2026, 4, 1)
    # the next nights it is not warned again, and it is still theirs on 31 March
    run_job(kernel, date(2026, 3, 30), now)
    run_job(kernel, date(2026, 3, 31), now)
    assert len(inbox(kernel, sales["rep1"].id)) == 1
    assert owner_of(kernel, idle) == (sales["rep1"].id, None)
    # on 1 April it goes back to the pool, logged with the rule; the busy one stays
    run_job(kernel, date(2026, 4, 1), now)
    assert owner_of(kernel, idle) == (None, pool)
    assert log_of(kernel, idle)[-1] == ("auto_return", sales["rep1"].id, None, "followup:30")
    assert owner_of(kernel, busy) == (sales["rep1"].id, None)
    # and a director reads why, in words
    client.cookies.clear()
    client.login("director")
    page = client.get(f"/crm/customers/{idle}").text
    assert "30 天未跟进" in page and "由保护规则自动执行" in page
    # the busy one is warned three days before its own date (20 March + 31 = 20 April)
    run_job(kernel, date(2026, 4, 17), now)
    assert inbox(kernel, sales["rep1"].id)[-1][1]["date"] == "2026-04-20"


def test_a_followup_after_the_warning_moves_the_date_and_may_warn_again(
        kernel: Kernel, new_customer: Any, sales: dict[str, Any], now: FakeClock) -> None:
    pool = make_pool(kernel, sales["hq"].id)
    make_rule(kernel, pool, level="", no_followup_days=10, warn_days=2)
    customer = new_customer(sales["rep1"], "反复跟进的客户")
    run_job(kernel, date(2026, 3, 10), now)  # warned: returns on 12 March
    assert len(inbox(kernel, sales["rep1"].id)) == 1
    with kernel.db.session() as db:
        db.execute(update(Customer).where(Customer.id == customer).values(
            last_followup_at=beijing(date(2026, 3, 11))))
    run_job(kernel, date(2026, 3, 12), now)  # saved by the follow-up
    assert owner_of(kernel, customer) == (sales["rep1"].id, None)
    run_job(kernel, date(2026, 3, 20), now)  # warned again, for 22 March
    assert [p["date"] for _, p in inbox(kernel, sales["rep1"].id)] == ["2026-03-12", "2026-03-22"]


def test_rules_apply_per_level_and_the_won_deal_check_counts_too(
        kernel: Kernel, new_customer: Any, sales: dict[str, Any], now: FakeClock) -> None:
    # given VIP customers kept 90 days without a follow-up, others 15 days, and a won deal needed every 20 days
    big = make_pool(kernel, sales["hq"].id, "大客户公海")
    common = make_pool(kernel, sales["hq"].id, "普通公海")
    make_rule(kernel, big, level="vip", no_followup_days=90)
    make_rule(kernel, common, level="", no_followup_days=15, no_won_days=20)
    vip = new_customer(sales["rep1"], "VIP客户", level="vip")
    normal = new_customer(sales["rep2"], "普通客户", level="normal")
    won_less = new_customer(sales["rep3"], "跟进但无成交", level="key")
    with kernel.db.session() as db:
        db.execute(update(Customer).where(Customer.id == won_less).values(
            last_followup_at=beijing(date(2026, 3, 15))))
    # on 17 March the normal one (nothing for 15 days) returns to the common pool
    run_job(kernel, date(2026, 3, 17), now)
    assert owner_of(kernel, normal) == (None, common)
    assert owner_of(kernel, won_less) == (sales["rep3"].id, None)
    # on 22 March the followed-up one returns for want of a won deal; the VIP stays
    run_job(kernel, date(2026, 3, 22), now)
    assert owner_of(kernel, won_less) == (None, common)
    assert log_of(kernel, won_less)[-1][3] == "won:20"
    assert owner_of(kernel, vip) == (sales["rep1"].id, None)
    # the VIP goes back to its own pool after 90 days
    run_job(kernel, date(2026, 5, 31), now)
    assert owner_of(kernel, vip) == (None, big)
