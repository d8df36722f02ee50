"""Customer care (回访/关怀): the daily care-plan job plans care for a
segment's current members once per date; care is done with a
satisfaction or dropped; contacts' birthdays remind their owners once a
year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from core import clock, enqueue
from core.app import Kernel
from core.clock import FakeClock
from core.jobs import Worker
from plugins.crm.models import Care, CarePlan, Contact, Segment, SegmentMember
from plugins.crm.services.care import today
from tests.plugins.crm.conftest import actor_of


def _run(kernel: Kernel, task: str) -> None:
    with kernel.db.session() as db:
        enqueue(db, task, {})
    Worker(kernel, "w1").run_pending()


def _cares(kernel: Kernel) -> list[tuple[int, date, int | None]]:
    with kernel.db.session(write=False) as db:
        return [(c.customer_id, c.planned_on, c.owner_id) for c in
                db.scalars(select(Care).order_by(Care.customer_id, Care.planned_on))]


def test_the_care_plan_job_plans_care_for_the_segment_once_per_date(client: Any, kernel: Kernel,
                                                                    new_customer: Any,
                                                                    sales: dict[str, Any]) -> None:
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    with clock.use(fake):
        # given a segment with two current members and one who left, and a plan every 30 days from today
        a = new_customer(sales["rep1"], "重要客户甲")
        b = new_customer(sales["rep2"], "重要客户乙")
        gone = new_customer(sales["rep1"], "已流失客户")
        with kernel.db.session() as db:
            segment = Segment(org_id=sales["hq"].id, owner_id=sales["manager"].id, department_id=sales["one"].id,
                              name="VIP 客户")
            db.add(segment)
            db.flush()
            db.add_all([SegmentMember(segment_id=segment.id, customer_id=a),
                        SegmentMember(segment_id=segment.id, customer_id=b),
                        SegmentMember(segment_id=segment.id, customer_id=gone, left_at=fake()),])
            segment_id = segment.id
        client.login("manager")
        response = client.submit("/crm/care-plans", {
            "name": "VIP 季度回访", "kind": "return_visit", "segment_id": str(segment_id),
            "starts_on": today().isoformat(), "interval_days": "30", "instructions": "电话回访，了解使用情况",
            "active": "1"}, follow_redirects=False)
        assert response.status_code == 303, response.text
        # when the daily job runs
        _run(kernel, "crm.care_plans")
        # then each current member has one planned care record for its owner, with the instructions
        assert _cares(kernel) == [(a, today(), sales["rep1"].id), (b, today(), sales["rep2"].id)]
        with kernel.db.session(write=False) as db:
            plan = db.scalar(select(CarePlan))
            assert plan is not None and plan.next_run_on == today() + timedelta(days=30)
            assert {c.content for c in db.scalars(select(Care))} == {"电话回访，了解使用情况"}
        # and running again the same day plans nothing more
        _run(kernel, "crm.care_plans")
        assert len(_cares(kernel)) == 2
        # a month later the next round comes, once
        fake.advance(days=30)
        _run(kernel, "crm.care_plans")
        _run(kernel, "crm.care_plans")
        assert len(_cares(kernel)) == 4
        # and rep1 finds theirs on "my care to do"
        client.cookies.clear()
        client.login("rep1")
        page = client.get("/crm/care/mine").text
        assert page.count("重要客户甲") == 2 and "重要客户乙" not in page


def test_a_plan_without_segment_covers_its_owners_customers(kernel: Kernel, new_customer: Any,
                                                            sales: dict[str, Any]) -> None:
    from plugins.crm.services.care import create_plan, run_plan

    mine = new_customer(sales["rep1"], "孙销售的客户")
    new_customer(sales["rep2"], "李销售的客户")
    with kernel.db.session() as db:
        plan = create_plan(db, actor_of(kernel, db, sales["rep1"]), {
            "name": "节日问候", "kind": "holiday", "starts_on": today(), "interval_days": 365,
            "instructions": "", "active": True, "segment_id": None})
        assert run_plan(db, plan, today()) == 1
        assert run_plan(db, plan, today()) == 0
    assert [c[0] for c in _cares(kernel)] == [mine]


def test_care_is_done_with_a_satisfaction_or_dropped(client: Any, kernel: Kernel, new_customer: Any,
                                                     sales: dict[str, Any]) -> None:
    customer = new_customer(sales["rep1"], "南京苏宁")
    client.login("rep1")
    created = client.submit("/crm/care", {"customer_id": str(customer), "kind": "satisfaction",
                                          "planned_on": today().isoformat(), "content": "满意度调查"},
                            follow_redirects=False)
    assert created.status_code == 303, created.text
    care_id = int(created.headers["location"].rsplit("/", 1)[1])
    # the customer page shows it in its care panel
    assert "满意度调查" in client.get(f"/crm/customers/{customer}").text
    # a satisfaction out of range is refused
    client.submit(f"/crm/care/{care_id}/done", {"satisfaction": "9"})
    with kernel.db.session(write=False) as db:
        care = db.get(Care, care_id)
        assert care is not None and care.state == "planned"
    # done with 5 stars
    client.submit(f"/crm/care/{care_id}/done", {"satisfaction": "5", "duration_minutes": "20", "cost": "88"})
    with kernel.db.session(write=False) as db:
        care = db.get(Care, care_id)
        assert care is not None and (care.state, care.satisfaction, care.duration_minutes) == ("done", 5, 20)
        assert str(care.cost) == "88.00" and care.done_at is not None
    # and done care cannot be dropped any more
    client.submit(f"/crm/care/{care_id}/drop", {})
    with kernel.db.session(write=False) as db:
        care = db.get(Care, care_id)
        assert care is not None and care.state == "done"


def test_a_contacts_birthday_reminds_the_owner_once(kernel: Kernel, new_customer: Any,
                                                    sales: dict[str, Any]) -> None:
    from plugins.crm.services.customers import create_contact

    customer_id = new_customer(sales["rep1"], "厦门航空")
    soon = today() + timedelta(days=3)
    with kernel.db.session() as db:
        from plugins.crm.models import Customer

        customer = db.get(Customer, customer_id)
        assert customer is not None
        actor = actor_of(kernel, db, sales["rep1"])
        create_contact(db, actor, customer, {"name": "林总", "birthday": soon.replace(year=1980)
                                             if not (soon.month == 2 and soon.day == 29) else date(1980, 2, 29)})
        create_contact(db, actor, customer, {"name": "陈工", "birthday": (soon + timedelta(days=1))
                                             .replace(year=1985)})
    _run(kernel, "crm.birthdays")
    _run(kernel, "crm.birthdays")
    notification: Any = kernel.registry.models["activity.notification"]
    with kernel.db.session(write=False) as db:
        rows = list(db.scalars(select(notification).where(notification.user_id == sales["rep1"].id)))
        assert len(rows) == 1
        assert rows[0].params["name"] == "林总"
        assert db.scalar(select(func.count()).select_from(Contact)) == 2
