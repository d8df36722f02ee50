"""The exhibitor manual: an edition's forms and deadlines; where each
exhibitor (a customer holding a booth) is with each form, counted in SQL
with a constant number of queries; the drawings form following the
special-decoration projects; and the daily reminders job, which writes to
the exhibitor's contact before a deadline and once more when overdue,
through a real SMTP server, never the same reminder twice.
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from decoration_support import builder, call, drawings, new_project, store
from exhibitions_support import actor_of
from services_support import on
from sqlalchemy import event, select

from core import Conflict, ValidationError, enqueue
from core.app import Kernel
from core.jobs import Worker
from plugins.activity.models import ChannelSettings
from plugins.crm.models import Contact
from plugins.exhibitions.models import ExhibitorBadge, ExhibitorProfile, ManualReminder
from plugins.exhibitions.services import decoration, manual


@pytest.fixture
def reviewer(make: Any, expo: dict[str, Any]) -> Any:
    return make.user(org=expo["hq"], department=expo["dept"], username="reviewer", name="审图小刘",
                     roles=("exhibitions.decoration",))


@pytest.fixture
def fair(kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> dict[str, Any]:
    """北大荒 (a raw booth; its main contact 张经理 has an e-mail and a mobile),
    寿光 (a shell booth; the company's own e-mail), 云南 (a booth only held:
    not an exhibitor); the forms F01 (a form of the organiser's own, due 10-10, remind 7 days),
    F02 fascia (10-30, 5 days), F04 drawings (10-17, 10 days), F05 power
    (optional, 10-05)."""
    manager = expo["manager"]
    farm = new_customer(manager, "北大荒农垦集团")
    veg = new_customer(manager, "寿光蔬菜产业集团", email="info@shouguang.example")
    tea = new_customer(manager, "云南普洱茶业", email="tea@yunnan.example")
    floor = plan()
    raw = booth(floor, "E101", width=12, depth=6, construction="raw", status="sold", customer_id=farm)
    booth(floor, "A101", y=20, status="sold", customer_id=veg)
    booth(floor, "A102", x=3, y=20, status="held", customer_id=tea)
    with kernel.db.session() as db:
        db.add(Contact(org_id=expo["hq"].id, owner_id=manager.id, customer_id=farm, name="张经理", is_main=True,
                       email="zhang@beidahuang.example", mobile="13800000001"))
    forms = {}
    for code, kind, deadline, remind, mandatory in (("F01", "custom", date(2027, 10, 10), 7, True),
                                                    ("F02", "fascia", date(2027, 10, 30), 5, True),
                                                    ("F04", "drawings", date(2027, 10, 17), 10, True),
                                                    ("F05", "power", date(2027, 10, 5), 7, False)):
        made = call(kernel, manager, manual.create_form, {
            "edition_id": expo["edition"], "code": code, "name": f"{code} 表格", "name_en": f"Form {code}",
            "kind": kind, "deadline": deadline, "remind_days": remind, "mandatory": mandatory})
        forms[code] = made.id
    return {"farm": farm, "veg": veg, "tea": tea, "raw": raw, "forms": forms, "floor": floor}


def the_board(kernel: Kernel, user: Any, expo: dict[str, Any], **kw: Any) -> manual.Board:
    with kernel.db.session(write=False) as db:
        return manual.board(db, actor_of(kernel, db, user), expo["edition"], **kw)


def test_a_form_is_checked(kernel, expo, fair):
    with pytest.raises(ValidationError) as refused:
        call(kernel, expo["manager"], manual.create_form, {
            "edition_id": expo["edition"], "code": "F01", "name": "", "kind": "nonsense", "remind_days": 200})
    assert set(refused.value.errors) == {"name", "kind", "deadline", "remind_days"}
    with pytest.raises(ValidationError) as twice:
        call(kernel, expo["manager"], manual.create_form, {
            "edition_id": expo["edition"], "code": "F01", "name": "又一个", "kind": "custom",
            "deadline": date(2027, 10, 1)})
    assert set(twice.value.errors) == {"code"}


def test_the_board_counts_due_overdue_and_done(kernel, expo, fair, reviewer):
    forms, farm, veg = fair["forms"], fair["farm"], fair["veg"]
    with on(date(2027, 10, 8)):
        call(kernel, expo["manager"], manual.record, forms["F01"], farm, {"text": "北大荒集团简介……"})
        with pytest.raises(Conflict):  # the drawings form follows the projects
            call(kernel, expo["manager"], manual.record, forms["F04"], farm, {})
        with pytest.raises(ValidationError) as not_exhibitor:
            call(kernel, expo["manager"], manual.record, forms["F02"], fair["tea"], {"text": "云南普洱"})
        assert set(not_exhibitor.value.errors) == {"customer_id"}
        project = new_project(kernel, reviewer, expo, fair["raw"], builder(kernel, expo, "北京华展搭建"))
    with on(date(2027, 10, 12)):
        made = the_board(kernel, expo["manager"], expo)
        status = {(c, f): s for (c, f), (s, _d) in made.grid.items()}
        assert status == {
            (farm, forms["F01"]): "done", (farm, forms["F02"]): "due", (farm, forms["F04"]): "due",
            (farm, forms["F05"]): "overdue",
            (veg, forms["F01"]): "overdue", (veg, forms["F02"]): "due", (veg, forms["F05"]): "overdue",
        }, "no drawings form for an exhibitor without raw space; none for a booth only held"
        assert made.totals == {"done": 1, "overdue": 3, "due": 3}
        assert made.per_form[forms["F01"]] == {"done": 1, "overdue": 1, "due": 0}
        assert made.per_exhibitor[veg] == {"done": 0, "overdue": 2, "due": 1}
        assert made.grid[(farm, forms["F01"])][1] == date(2027, 10, 8)
        # the drawings submitted: the form is done, with the day of the first round
        call(kernel, reviewer, decoration.submit, project, store(kernel), drawings())
        made = the_board(kernel, expo["manager"], expo)
        assert made.grid[(farm, forms["F04"])][0] == "done"
        one = the_board(kernel, expo["manager"], expo, customer_id=veg)
        assert [c for c, _n in one.exhibitors] == [veg] and one.totals == {"done": 0, "overdue": 2, "due": 1}
    with on(date(2027, 10, 6)):
        call(kernel, expo["manager"], manual.record, forms["F05"], farm, {"text": "380V 32A"})
    with on(date(2027, 10, 12)):
        assert [c for c, _n in the_board(kernel, expo["manager"], expo, overdue_only=True).exhibitors] == [veg]
    # another organisation sees no board of this edition
    from core import NotFound
    with pytest.raises(NotFound):
        the_board(kernel, expo["outsider"], expo)


def test_the_board_takes_the_same_queries_for_two_or_ten_exhibitors(kernel, expo, fair, booth, new_customer):
    def statements() -> int:
        seen: list[str] = []
        engine = kernel.db.engine

        def count(*args: Any) -> None:
            seen.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            with on(date(2027, 10, 12)):
                the_board(kernel, expo["manager"], expo)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    few = statements()
    for n in range(8):
        booth(fair["floor"], f"B{n:03d}", x=n * 3, y=40, status="sold", customer_id=new_customer(expo["manager"], f"展商{n}"))
    with on(date(2027, 10, 12)):
        assert len(the_board(kernel, expo["manager"], expo).exhibitors) == 10
    assert statements() == few


def switch_on_email(kernel: Kernel, org_id: int, port: int) -> None:
    with kernel.db.session() as db:
        db.add(ChannelSettings(org_id=org_id, channel="email", enabled=True, config={
            "host": "127.0.0.1", "port": port, "security": "none", "from_address": "expo@suanpan.example"}))


def run_reminders(kernel: Kernel) -> None:
    """The job as the scheduler runs it, then the outbox's deliveries."""
    with kernel.db.session() as db:
        enqueue(db, "exhibitions.manual_reminders")
    worker = Worker(kernel, "test-worker")
    worker.run_pending()
    worker.run_pending()


def test_reminders_go_before_the_deadline_and_when_overdue_once_each(kernel, expo, fair, smtp, reviewer):
    port, inbox = smtp
    switch_on_email(kernel, expo["hq"].id, port)
    forms, farm = fair["forms"], fair["farm"]
    with on(date(2027, 10, 2)):  # nothing within a window yet
        run_reminders(kernel)
    assert inbox.messages == []
    with on(date(2027, 10, 5)):  # F01 due 10-10, reminded from 10-03: both exhibitors; twice run, once sent
        run_reminders(kernel)
        run_reminders(kernel)
    got = sorted((to[0], mail["Subject"]) for to, mail in inbox.messages)
    assert [to for to, _s in got] == ["info@shouguang.example", "zhang@beidahuang.example"]
    assert all("F01 表格" in s and "2027-10-10" in s and "Form F01" in s for _to, s in got)
    body = inbox.messages[0][1].get_body(("plain",)).get_content()
    assert "请在截止日期前提交" in body and "Please send it in time." in body
    with on(date(2027, 10, 8)):  # 北大荒 sends F01; its drawings (F04, due 10-17) are within 10 days
        call(kernel, expo["manager"], manual.record, forms["F01"], farm, {"text": "简介"})
        run_reminders(kernel)
    assert len(inbox.messages) == 3 and "F04 表格" in inbox.messages[2][1]["Subject"]
    with on(date(2027, 10, 11)):  # F01 overdue: 寿光 only
        run_reminders(kernel)
        run_reminders(kernel)
    assert len(inbox.messages) == 4
    to, mail = inbox.messages[3]
    assert to == ["info@shouguang.example"] and "已逾期" in mail["Subject"] and "Overdue" in mail["Subject"]
    with on(date(2027, 10, 16)):  # the drawings submitted before the deadline: no overdue reminder then
        project = new_project(kernel, reviewer, expo, fair["raw"], builder(kernel, expo, "北京华展搭建"))
        call(kernel, reviewer, decoration.submit, project, store(kernel), drawings())
    with on(date(2027, 10, 18)):
        run_reminders(kernel)
    with on(date(2027, 10, 26)):  # F02 due 10-30, reminded from 10-25: both
        run_reminders(kernel)
        run_reminders(kernel)
    assert len(inbox.messages) == 6
    with kernel.db.session(write=False) as db:
        sent = db.execute(select(ManualReminder.form_id, ManualReminder.customer_id, ManualReminder.kind,
                                 ManualReminder.channel)).all()
    assert sorted(sent) == sorted([
        (forms["F01"], farm, "before", "email"), (forms["F01"], fair["veg"], "before", "email"),
        (forms["F04"], farm, "before", "email"), (forms["F01"], fair["veg"], "overdue", "email"),
        (forms["F02"], farm, "before", "email"), (forms["F02"], fair["veg"], "before", "email")]), \
        "SMS is off for the organisation: no text message is recorded as sent"


def test_with_sms_switched_on_the_contact_gets_a_text_too(kernel, expo, fair):
    with kernel.db.session() as db:
        db.add(ChannelSettings(org_id=expo["hq"].id, channel="email", enabled=True, config={"host": "127.0.0.1"}))
        db.add(ChannelSettings(org_id=expo["hq"].id, channel="sms", enabled=True,
                               config={"url": "http://127.0.0.1:9/sms"}))
    with on(date(2027, 10, 5)), kernel.db.session() as db:
        assert manual.remind(db) == 2
    with kernel.db.session(write=False) as db:
        channels = sorted(db.execute(select(ManualReminder.channel, ManualReminder.address)).all())
    assert channels == [("email", "info@shouguang.example"), ("email", "zhang@beidahuang.example"),
                        ("sms", "13800000001")]


def test_the_badge_names_and_the_profile_follow_what_the_exhibitor_gave(kernel, expo, fair):
    """Those two forms are never recorded by hand: the badges part and the
    portal's directory profile are their source of truth, with their day."""
    forms = {}
    for code, kind in (("F07", "badges"), ("F08", "profile")):
        forms[kind] = call(kernel, expo["manager"], manual.create_form, {
            "edition_id": expo["edition"], "code": code, "name": f"{code} 表格", "kind": kind,
            "deadline": date(2027, 10, 20)}).id
    for kind in ("badges", "profile"):
        with pytest.raises(Conflict):
            call(kernel, expo["manager"], manual.record, forms[kind], fair["farm"], {"text": "手工登记"})
    with on(date(2027, 10, 9)), kernel.db.session() as db:
        db.add(ExhibitorProfile(org_id=expo["hq"].id, edition_id=expo["edition"], customer_id=fair["farm"],
                                company_name="北大荒农垦集团", intro="北大荒集团简介"))
        db.add(ExhibitorBadge(org_id=expo["hq"].id, edition_id=expo["edition"], customer_id=fair["veg"],
                              name="王五", code="BADGE12345", sequence=1))
    with on(date(2027, 10, 12)):
        grid = the_board(kernel, expo["manager"], expo).grid
    assert grid[(fair["farm"], forms["profile"])] == ("done", date(2027, 10, 9))
    assert grid[(fair["veg"], forms["badges"])] == ("done", date(2027, 10, 9))
    assert grid[(fair["farm"], forms["badges"])][0] == grid[(fair["veg"], forms["profile"])][0] == "due"
