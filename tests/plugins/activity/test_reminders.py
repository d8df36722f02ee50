"""Reminders: rules on any date field of any model, and tasks falling due.

Time moves on a FakeClock; the hourly job ``activity.reminders`` runs
through the job outbox, as a worker would run it. Notifications are heard
by a recording ``on_notification`` implementation, and land in the inbox.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Date, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    Base,
    IdMixin,
    Notification,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    clock,
    enqueue,
    hookimpl,
    utcnow,
)
from core.app import Kernel
from core.clock import FakeClock
from core.config import Settings
from core.jobs import Worker, tick
from core.models import Job, Role, User
from core.plugins import Manifest
from plugins.activity.models import Activity, InboxItem, ReminderRule, ReminderSent
from plugins.activity.services.reminders import CHINA

EN = {"Accept-Language": "en"}


class Contract(IdMixin, OrgScopedMixin, TimestampMixin, SoftDeleteMixin, Base):
    """A throwaway record with a date field and a recycle bin. Its table stays
    in ``Base.metadata`` for the session; only this module's kernel enables
    the plugin ``remindtest`` that owns it."""

    __tablename__ = "remindtest_contract"
    __label__ = N_("Contract")

    title: Mapped[str] = mapped_column(String(200), info={"label": N_("Title")})
    ends_on: Mapped[date] = mapped_column(Date, info={"label": N_("Ends on")})


class Heard:
    """Records every notification the kernel fires."""

    def __init__(self) -> None:
        self.got: list[Notification] = []

    @hookimpl
    def on_notification(self, session: Any, notification: Notification) -> None:
        self.got.append(notification)

    def to(self) -> list[tuple[int, ...]]:
        return [n.user_ids for n in self.got]


def beijing(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA).astimezone(UTC)


D = date(2026, 3, 20)  # the contract ends


@pytest.fixture
def now() -> Iterator[FakeClock]:
    fake = FakeClock(beijing(date(2026, 3, 10)))
    with clock.use(fake):
        yield fake


@pytest.fixture
def rk(kernel: Kernel, base_settings: Settings, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Iterator[Kernel]:
    """A kernel with the throwaway plugin ``remindtest`` (contracts) and its table."""
    module = ModuleType("suanpan_test_remindtest")
    module.__path__ = []  # type: ignore[attr-defined]  # no hookspecs submodule
    module.register_models = hookimpl(lambda: [Contract])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    k = Kernel(base_settings, extra_plugins=[(Manifest("remindtest", module.__name__, tmp_path), module)])
    assert "remindtest" in k.enabled, k.errors
    Contract.__table__.create(k.db.engine, checkfirst=True)  # type: ignore[attr-defined]
    yield k
    k.db.dispose()
    Contract.__table__.drop(kernel.db.engine, checkfirst=True)  # type: ignore[attr-defined]


@pytest.fixture
def heard(rk: Kernel) -> Iterator[Heard]:
    h = Heard()
    rk.pm.register(h, name="test-heard")
    yield h
    rk.pm.unregister(h)


def run_reminders(k: Kernel) -> None:
    """The hourly job, queued now and run by a worker."""
    with k.db.session() as db:
        enqueue(db, "activity.reminders")
    Worker(k, "w1").run_pending()
    with k.db.session(write=False) as db:
        assert db.scalars(select(Job.state).where(Job.state != "done")).all() == []


def contract(k: Kernel, owner: User, ends_on: date = D, **kw: Any) -> int:
    with k.db.session() as db:
        record = Contract(org_id=owner.org_id, owner_id=owner.id, title="百度年度合同", ends_on=ends_on, **kw)
        db.add(record)
        db.flush()
        return int(record.id)


def rule(k: Kernel, org_id: int, **values: Any) -> int:
    with k.db.session() as db:
        row = ReminderRule(org_id=org_id, **{"name": "合同到期提醒", "model": "remindtest.contract",
                                              "field": "ends_on", "offset_days": -3,
                                              "recipients": "owner", "message": "请联系客户续约", **values})
        db.add(row)
        db.flush()
        return int(row.id)


def count(k: Kernel, model: Any) -> int:
    with k.db.session(write=False) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


# ------------------------------------------------------------------ rules


def test_a_rule_three_days_before_fires_on_that_day_only(rk, make, now, heard):
    # given a contract ending on the 20th and a rule "3 days before, to the owner"
    owner = make.user(roles=("staff",), name="李娜")
    contract_id = contract(rk, owner)
    rule(rk, owner.org_id)
    # when the job runs on the 16th, nothing is due yet
    now.current = beijing(date(2026, 3, 16))
    run_reminders(rk)
    assert heard.got == []
    # on the 17th the owner is reminded, once
    now.current = beijing(date(2026, 3, 17))
    run_reminders(rk)
    assert heard.to() == [(owner.id,)]
    sent = heard.got[0]
    assert sent.category == "reminder" and sent.record == ("remindtest.contract", contract_id)
    assert sent.params["record"] == "百度年度合同" and sent.params["message"] == "请联系客户续约"
    assert sent.params["date"] == "2026-03-20"
    # and never again: later the same day, the next days, the day itself
    for day, hour in ((date(2026, 3, 17), 15), (date(2026, 3, 18), 9), (D, 9), (date(2026, 3, 23), 9)):
        now.current = beijing(day, hour)
        run_reminders(rk)
    assert len(heard.got) == 1 and count(rk, ReminderSent) == 1


def test_the_reminder_lands_in_the_owners_inbox(rk, make, now):
    owner = make.user(roles=("staff",))
    contract(rk, owner)
    rule(rk, owner.org_id)
    now.current = beijing(date(2026, 3, 17))
    run_reminders(rk)
    with rk.db.session(write=False) as db:
        items = db.scalars(select(InboxItem).where(InboxItem.user_id == owner.id)).all()
    assert [(i.category, i.params["record"]) for i in items] == [("reminder", "百度年度合同")]


def test_a_rule_reminds_the_owners_manager(rk, make, now, heard):
    boss = make.user(roles=("staff",), name="张伟")
    owner = make.user(roles=("staff",))
    with rk.db.session() as db:
        db.get(User, owner.id).manager_id = boss.id
    contract(rk, owner)
    rule(rk, owner.org_id, recipients="manager")
    now.current = beijing(date(2026, 3, 17))
    run_reminders(rk)
    assert heard.to() == [(boss.id,)]


def test_a_rule_reminds_the_members_of_a_role_in_its_organisation(rk, make, now, heard):
    owner = make.user(roles=("staff",))
    colleague = make.user(roles=("staff",))
    elsewhere = make.user(org=make.org(), roles=("staff",))  # the same role in another organisation
    with rk.db.session(write=False) as db:
        staff = db.scalar(select(Role.id).where(Role.key == "staff"))
    contract(rk, owner)
    rule(rk, owner.org_id, recipients="role", role_id=staff)
    now.current = beijing(date(2026, 3, 17))
    run_reminders(rk)
    assert heard.to() == [(owner.id, colleague.id)]
    assert elsewhere.id not in heard.got[0].user_ids


def test_a_rule_reminds_one_named_user(rk, make, now, heard):
    owner = make.user(roles=("staff",))
    assistant = make.user(roles=("staff",), name="王芳")
    contract(rk, owner)
    rule(rk, owner.org_id, recipients="user", user_id=assistant.id)
    now.current = beijing(date(2026, 3, 17))
    run_reminders(rk)
    assert heard.to() == [(assistant.id,)]


def test_records_in_the_recycle_bin_and_of_other_organisations_are_skipped(rk, make, now, heard):
    owner = make.user(roles=("staff",))
    outsider = make.user(org=make.org(), roles=("staff",))
    contract(rk, owner, deleted_at=utcnow())
    contract(rk, outsider)  # same date, another organisation
    rule(rk, owner.org_id)
    now.current = beijing(date(2026, 3, 17))
    run_reminders(rk)
    assert heard.got == [] and count(rk, ReminderSent) == 0


def test_a_missed_day_is_caught_up_once(rk, make, now, heard):
    # given the job did not run on the 17th (the server was off)
    owner = make.user(roles=("staff",))
    contract(rk, owner)
    rule(rk, owner.org_id)
    # when it runs again two days later, the reminder goes out then, once
    now.current = beijing(date(2026, 3, 19))
    run_reminders(rk)
    now.current = beijing(date(2026, 3, 19), 10)
    run_reminders(rk)
    assert heard.to() == [(owner.id,)]
    with rk.db.session(write=False) as db:
        assert db.scalars(select(ReminderSent.due_on)).all() == [D]


def test_a_new_rule_does_not_remind_of_days_before_it_existed(rk, make, now, heard):
    owner = make.user(roles=("staff",))
    contract(rk, owner)
    now.current = beijing(date(2026, 3, 19))
    rule(rk, owner.org_id)  # its day, the 17th, is already past
    run_reminders(rk)
    assert heard.got == []


def test_a_rule_on_a_date_time_uses_the_day_in_china(rk, make, now, heard, memo):
    # given a task due at 00:30 on the 20th, Beijing time (still the 19th in UTC)
    owner = make.user(roles=("staff",))
    memo_id = memo(owner)
    with rk.db.session() as db:
        db.add(Activity(org_id=owner.org_id, owner_id=owner.id, record_model="notes.note", record_id=memo_id,
                        kind="meeting", subject="签约会", due_at=beijing(D, 0).replace(minute=30)))
    rule(rk, owner.org_id, model="activity.activity", field="due_at", offset_days=0)
    now.current = beijing(date(2026, 3, 19), 23)
    run_reminders(rk)
    assert heard.got == []
    now.current = beijing(D, 1)
    run_reminders(rk)
    # the activity's reminder links to the page of the record it is on
    assert heard.to() == [(owner.id,)] and heard.got[0].link == f"/notes/{memo_id}"
    assert heard.got[0].params["record"] == "签约会"


def test_the_job_runs_hourly_from_the_scheduler(rk, now):
    assert rk.registry.jobs["activity.reminders"].schedule == "0 * * * *"
    tick(rk)  # learns the next time
    now.advance(hours=1)
    assert "activity.reminders" in [j.task for j in tick(rk)]


# ------------------------------------------------------------------ tasks


def test_a_task_reminds_its_assignee_once_when_due(rk, make, now, heard, memo):
    author = make.user(roles=("staff",))
    assignee = make.user(roles=("staff",), name="陈杰")
    memo_id = memo(author)
    with rk.db.session() as db:
        for subject, done in (("准备报价单", None), ("已完成的任务", utcnow())):
            db.add(Activity(org_id=author.org_id, owner_id=author.id, record_model="notes.note",
                            record_id=memo_id, kind="task", subject=subject, assignee_id=assignee.id,
                            due_at=beijing(date(2026, 3, 10), 15), done_at=done))
    # before it is due: nothing
    now.current = beijing(date(2026, 3, 10), 14)
    run_reminders(rk)
    assert heard.got == []
    # once due: the assignee hears of the open task, with a link to its record
    now.current = beijing(date(2026, 3, 10), 16)
    run_reminders(rk)
    assert heard.to() == [(assignee.id,)]
    assert heard.got[0].category == "task" and heard.got[0].params["subject"] == "准备报价单"
    assert heard.got[0].link == f"/notes/{memo_id}"
    # and only once
    now.current = beijing(date(2026, 3, 11), 9)
    run_reminders(rk)
    assert len(heard.got) == 1


# ------------------------------------------------------------------ the pages


@pytest.fixture
def rclient(rk: Kernel, make: Any, browser: Any) -> Any:
    """An administrator signed in on the ``rk`` kernel, in English."""
    make.user(roles=("admin",), username="boss", name="管理员")
    b = browser(rk, headers=EN)
    b.login("boss")
    return b


VALID = {"name": "合同到期提醒", "model": "remindtest.contract", "field": "ends_on", "offset_days": "-3",
         "recipients": "owner", "message": "请联系客户续约", "active": "1"}


@pytest.mark.parametrize("change, field, message", [
    ({"model": "remindtest.nothing"}, "model", "choose one of the offered values"),
    ({"field": "title"}, "field", "choose one of the offered values"),
    ({"offset_days": "400"}, "offset_days", "Days must be a whole number between -365 and 365."),
    ({"recipients": "role"}, "role_id", "Choose the role to remind."),
    ({"recipients": "user"}, "user_id", "Choose the user to remind."),
])
def test_an_invalid_rule_is_refused_naming_the_field(rk, rclient, change, field, message):
    response = rclient.submit("/activity/reminders", {**VALID, **change})
    assert response.status_code == 422
    assert f'id="f-{field}-err"' in response.text and message in response.text
    assert count(rk, ReminderRule) == 0


def test_an_administrator_sets_up_a_rule_and_sees_what_it_would_fire_today(rk, rclient, make, now):
    owner = make.user(roles=("staff",))
    contract(rk, owner, ends_on=date(2026, 3, 13))  # 3 days after "today", the 10th
    form = rclient.get("/activity/reminders/new")
    assert form.status_code == 200 and 'value="remindtest.contract"' in form.text
    fields = rclient.get("/activity/reminders/fields", params={"model": "remindtest.contract"})
    assert 'id="activity-reminder-field"' in fields.text and 'value="ends_on"' in fields.text
    created = rclient.submit("/activity/reminders", VALID, follow_redirects=False)
    assert created.status_code == 303, created.text
    page = rclient.get(created.headers["location"])
    assert "Would fire today for 1 record." in page.text
    with rk.db.session(write=False) as db:
        saved = db.scalars(select(ReminderRule)).one()
    assert (saved.org_id, saved.offset_days, saved.role_id) == (owner.org_id, -3, None)
    assert "合同到期提醒" in rclient.get("/activity/reminders").text
    # and edits it: the form shows the rule's own date fields, the change is saved
    edit = rclient.get(f"/activity/reminders/{saved.id}/edit")
    assert '<option value="ends_on" selected>' in edit.text
    changed = rclient.submit(f"/activity/reminders/{saved.id}",
                             {**VALID, "offset_days": "-7", "version": str(saved.version)},
                             follow_redirects=False)
    assert changed.status_code == 303, changed.text
    with rk.db.session(write=False) as db:
        assert db.scalars(select(ReminderRule.offset_days)).one() == -7


def test_the_menu_offers_reminder_rules_to_administrators(rclient):
    assert 'href="/activity/reminders"' in rclient.get("/activity/reminders").text
