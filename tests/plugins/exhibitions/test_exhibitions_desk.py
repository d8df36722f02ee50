"""The on-site desk: a request is due by its service level (the
organisation's own, else the plugin's default for its category and
priority); it is dispatched to staff who resolve requests (notified),
resolved with what was done, closed, or reopened with a new deadline; a
wrong move is refused and writes nothing; the queue puts the overdue first,
filters by hall and counts in one query; the requests show on the
exhibitor's timeline; another organisation sees none of it.
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from exhibitions_support import actor_of
from selling_support import beijing
from sqlalchemy import func, select

from core import Conflict, Forbidden, NotFound, ValidationError, clock
from core.app import Kernel
from core.clock import FakeClock
from plugins.activity.models import InboxItem
from plugins.exhibitions.models import DeskRequest, DeskSla, Space
from plugins.exhibitions.services import desk

SHOW_DAY = date(2027, 11, 20)
NINE = beijing(SHOW_DAY, 9)


def at(minutes: int = 0) -> Any:
    """The clock at 09:00 on a show day in Beijing, plus ``minutes``."""
    return clock.use(FakeClock(NINE + timedelta(minutes=minutes)))


@pytest.fixture
def staff(make: Any, expo: dict[str, Any]) -> dict[str, Any]:
    """``front`` (现场服务台) and ``tech`` (现场服务人员) of the organiser."""
    return {"front": make.user(org=expo["hq"], department=expo["dept"], username="front", name="服务台小赵",
                               roles=("exhibitions.desk",)),
            "tech": make.user(org=expo["hq"], department=expo["dept"], username="tech", name="电工老刘",
                              roles=("exhibitions.technician",))}


@pytest.fixture
def stands(kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> dict[str, int]:
    """Two exhibitors: 寿光蔬菜 at A101 in hall 1, 中化农业 at B201 in hall 2."""
    with kernel.db.session() as db:
        hall2 = Space(org_id=expo["hq"].id, venue_id=expo["venue"], kind="hall", code="2", name="2号馆",
                      name_en="Hall 2", area=Decimal("9000"), capacity=6000)
        db.add(hall2)
        db.flush()
        hall2_id = int(hall2.id)
    veg = new_customer(expo["seller1"], "寿光蔬菜产业集团")
    agro = new_customer(expo["seller2"], "中化现代农业")
    a101 = booth(plan(), "A101", customer_id=veg, status="sold")
    b201 = booth(plan(hall=hall2_id, title="2号馆展位图"), "B201", customer_id=agro, status="sold")
    return {"veg": veg, "agro": agro, "a101": a101, "b201": b201, "hall2": hall2_id}


def open_request(kernel: Kernel, user: Any, expo: dict[str, Any], **values: Any) -> DeskRequest:
    with kernel.db.session() as db:
        return desk.open_request(db, actor_of(kernel, db, user), {
            "edition_id": expo["edition"], "category": "power", "priority": "normal",
            "title": "展位总电源跳闸", **values})


def act(kernel: Kernel, user: Any, action: Any, *args: Any) -> DeskRequest:
    with kernel.db.session() as db:
        return action(db, actor_of(kernel, db, user), *args)


def state_of(kernel: Kernel, request_id: int) -> tuple[Any, ...]:
    with kernel.db.session(write=False) as db:
        r = db.get(DeskRequest, request_id)
        assert r is not None
        return r.state, r.assignee_id, r.resolution, r.reopened


def test_a_request_is_due_by_its_service_level(kernel, expo, staff, stands):
    with at():
        urgent = open_request(kernel, staff["front"], expo, customer_id=stands["veg"], booth_id=stands["a101"],
                              priority="urgent")
        cleaning = open_request(kernel, staff["front"], expo, customer_id=stands["veg"], category="cleaning",
                                priority="low", title="地毯有油污")
    assert urgent.number.startswith("XC-") and urgent.state == "open"
    assert urgent.due_at - urgent.opened_at == timedelta(minutes=15)  # power 30 min, urgent halves it
    assert cleaning.due_at - cleaning.opened_at == timedelta(minutes=120)  # cleaning 60 min, low doubles it
    with kernel.db.session() as db:  # the organisation's own level wins
        db.add(DeskSla(org_id=expo["hq"].id, name="电源故障·紧急", category="power", priority="urgent", minutes=10))
    with at():
        own = open_request(kernel, staff["front"], expo, customer_id=stands["veg"], priority="urgent")
    assert own.due_at - own.opened_at == timedelta(minutes=10)


def test_bad_requests_name_each_field_and_write_nothing(kernel, expo, staff, stands):
    with pytest.raises(ValidationError) as bad:
        open_request(kernel, staff["front"], expo, customer_id=stands["veg"], booth_id=stands["b201"],
                     category="plumbing", priority="whenever", title=" ")
    assert set(bad.value.errors) == {"booth_id", "category", "priority", "title"}
    with pytest.raises(ValidationError) as nobody:
        open_request(kernel, staff["front"], expo, customer_id="")
    assert set(nobody.value.errors) == {"customer_id"}
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(DeskRequest)) == 0


def test_dispatch_resolve_close_and_reopen(kernel, expo, staff, stands):
    with at():
        request = open_request(kernel, staff["front"], expo, customer_id=stands["veg"], booth_id=stands["a101"],
                               priority="urgent")
    # only staff who resolve requests are dispatched to: the space seller is not one
    with pytest.raises(ValidationError) as wrong:
        act(kernel, staff["front"], desk.dispatch, request.id, expo["seller1"].id)
    assert set(wrong.value.errors) == {"assignee_id"}
    with at(3):
        act(kernel, staff["front"], desk.dispatch, request.id, staff["tech"].id)
    assert state_of(kernel, request.id) == ("dispatched", staff["tech"].id, "", 0)
    with kernel.db.session(write=False) as db:
        told = db.scalars(select(InboxItem).where(InboxItem.user_id == staff["tech"].id)).all()
    assert [(n.record_model, n.record_id, n.urgent) for n in told] == [("exhibitions.desk_request", request.id, True)]

    # the technician resolves it with what was done; a resolution says something
    with pytest.raises(ValidationError) as empty:
        act(kernel, staff["tech"], desk.resolve, request.id, "  ")
    assert set(empty.value.errors) == {"resolution"}
    with at(12):
        act(kernel, staff["tech"], desk.resolve, request.id, "更换空气开关，已恢复供电")
    assert state_of(kernel, request.id)[:3] == ("resolved", staff["tech"].id, "更换空气开关，已恢复供电")
    # a technician neither closes nor reopens: the desk does, with the exhibitor
    with pytest.raises(Forbidden):
        act(kernel, staff["tech"], desk.close, request.id)
    act(kernel, staff["front"], desk.close, request.id)
    assert state_of(kernel, request.id)[0] == "closed"
    with pytest.raises(Conflict):
        act(kernel, staff["front"], desk.dispatch, request.id, staff["tech"].id)

    # not fixed after all: back to its technician, with a new deadline from now and the reason kept
    with at(60):
        reopened = act(kernel, staff["front"], desk.reopen, request.id, "下午又跳闸")
    assert (reopened.state, reopened.reopened, reopened.resolved_at, reopened.closed_at) == ("dispatched", 1, None,
                                                                                              None)
    assert reopened.due_at == NINE + timedelta(minutes=75) and "下午又跳闸" in reopened.description
    with pytest.raises(Conflict):  # a waiting request is not closed
        act(kernel, staff["front"], desk.close, request.id)


def test_the_queue_puts_the_overdue_first_and_counts_in_sql(kernel, expo, staff, stands):
    with at():
        late = open_request(kernel, staff["front"], expo, customer_id=stands["veg"], booth_id=stands["a101"],
                            category="security", priority="urgent", title="样机需看管")  # due in 7 min
        later = open_request(kernel, staff["front"], expo, customer_id=stands["agro"], booth_id=stands["b201"],
                             category="cleaning", title="垃圾未清运")  # due in 60 min
        done = open_request(kernel, staff["front"], expo, customer_id=stands["agro"], category="network",
                            title="网络不通")
        act(kernel, staff["front"], desk.resolve, done.id, "重启交换机")
    with at(30), kernel.db.session(write=False) as db:
        actor = actor_of(kernel, db, staff["front"])
        rows = desk.queue(db, actor, expo["edition"])
        assert [(r.request.id, r.overdue, r.hall, r.booth) for r in rows] == [
            (late.id, True, "1号馆", "A101"), (later.id, False, "2号馆", "B201")]
        assert [r.request.id for r in desk.queue(db, actor, expo["edition"], hall=stands["hall2"])] == [later.id]
        assert {r.request.id for r in desk.queue(db, actor, expo["edition"], waiting=False)} == {
            late.id, later.id, done.id}
        figures = desk.figures(db, actor, expo["edition"])
        assert (figures.waiting, figures.overdue, figures.resolved, figures.met, figures.met_share) == (2, 1, 1, 1,
                                                                                                          100)


def test_the_desk_pages(kernel, client, expo, staff, stands):
    with at():
        client.login("front")
        bad = client.submit("/exhibitions/desk", {"edition_id": expo["edition"], "customer_id": stands["veg"],
                                                      "category": "power", "priority": "urgent", "title": ""})
        assert bad.status_code == 422 and 'name="title"' in bad.text
        made = client.submit("/exhibitions/desk", {
            "edition_id": expo["edition"], "customer_id": stands["veg"], "booth_id": stands["a101"],
            "category": "power", "priority": "urgent", "title": "灯箱不亮", "reported_by": "王经理",
            "channel": "phone"}, follow_redirects=False)
        assert made.status_code == 303
        with kernel.db.session(write=False) as db:
            request_id = db.scalar(select(DeskRequest.id))
        page = client.get(f"/exhibitions/desk/{request_id}")
        assert page.status_code == 200 and 'id="exh-desk-dispatch"' in page.text and "电工老刘" in page.text
        assert "1号馆 · A101" in page.text
        client.submit(f"/exhibitions/desk/{request_id}/dispatch", {"assignee_id": staff["tech"].id})
        queue = client.get(f"/exhibitions/editions/{expo['edition']}/desk")
        assert queue.status_code == 200 and "灯箱不亮" in queue.text and 'id="exh-desk-waiting">1<' in queue.text
        fragment = client.get(f"/exhibitions/editions/{expo['edition']}/desk", headers={"HX-Request": "true"})
        assert "<html" not in fragment.text and "灯箱不亮" in fragment.text
    with at(40):
        late = client.get(f"/exhibitions/editions/{expo['edition']}/desk")
        assert 'data-overdue="1"' in late.text and "已逾期" in late.text
        client.login("tech")
        assert client.get(f"/exhibitions/desk/{request_id}/edit").status_code == 403
        client.submit(f"/exhibitions/desk/{request_id}/resolve", {"resolution": "更换灯管"})
    assert state_of(kernel, request_id)[0] == "resolved"
    # the exhibitor's timeline shows it, for a reader of the customer and the desk
    client.login("expomanager")
    timeline = client.get(f"/activity/records/crm.customer/{stands['veg']}").text
    assert "灯箱不亮" in timeline and "更换灯管" in timeline and "电源故障" in timeline


def test_another_organisation_sees_no_request(kernel, client, expo, staff, stands):
    with at():
        request = open_request(kernel, staff["front"], expo, customer_id=stands["veg"])
    client.login("outsider")
    assert client.get(f"/exhibitions/desk/{request.id}").status_code == 404
    assert client.get(f"/exhibitions/editions/{expo['edition']}/desk").status_code == 404
    with kernel.db.session() as db, pytest.raises(NotFound):
        desk.resolve(db, actor_of(kernel, db, expo["outsider"]), request.id, "不关我事")
    assert state_of(kernel, request.id)[0] == "open"
