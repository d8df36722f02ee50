"""The workbench: ``home_page`` answers ``/`` with the user's widgets, each
loading on its own; users add, remove, reorder and resize them, and the
change persists; an administrator sets a role's default; a widget the user
may not see is left out; a failing widget shows an error box."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from dashboard_support import add_claims, claim, role_of
from sqlalchemy import select

from core import N_, WidgetDecl, clock, hookimpl, notify
from core.approvals import Step, publish
from core.clock import FakeClock
from core.models import ApprovalChain, User
from core.permissions import load_actor
from core.plugins import Manifest
from plugins.activity.models import Activity
from plugins.dashboard.models import Layout, Placement

WIDGET = re.compile(r'hx-get="/dashboard/widgets/([\w.]+)(?:\?p=(\d+))?" hx-trigger="load"')


def widgets_on(client: Any, path: str = "/") -> list[str]:
    """The widgets a page loads, in order."""
    page = client.get(path)
    assert page.status_code == 200
    return [key for key, _p in WIDGET.findall(page.text)]


def slot_of(client: Any, key: str, path: str = "/") -> int:
    return widgets_on(client, path).index(key)


def fragment(client: Any, key: str, path: str = "/") -> str:
    """The body a widget loads, as the page asks for it (with its placement)."""
    found = dict((k, p) for k, p in WIDGET.findall(client.get(path).text))
    response = client.get(f"/dashboard/widgets/{key}" + (f"?p={found[key]}" if found.get(key) else ""),
                          headers={"hx-request": "true"})
    assert response.status_code == 200, response.text
    return response.text


# ------------------------------------------------------------------ the page


def test_home_page_answers_slash_with_widgets_that_load_on_their_own(client, office):
    # given someone without a layout of their own and without a role default
    client.login("lina")
    # when they open the suite
    page = client.get("/")
    # then home_page shows the standard workbench, each widget loading by itself
    assert page.status_code == 200 and "李娜，您好" in page.text
    assert widgets_on(client) == ["dashboard.approvals", "activity.tasks", "dashboard.recent",
                                  "activity.reminders"]
    assert page.text.count('hx-trigger="load"') == 4
    for key in widgets_on(client):
        assert "could not" not in fragment(client, key) and "无法显示" not in fragment(client, key)
    # /dashboard/ is the same workbench
    assert widgets_on(client, "/dashboard/") == widgets_on(client)


def test_without_the_dashboard_the_kernel_counts_the_lists(kernel, start, browser, make):
    other = start(plugins=[n for n in kernel.enabled if n != "dashboard"])
    make.user(username="plain", roles=("admin",))
    b = browser(other)
    b.login("plain")
    page = b.get("/")
    assert page.status_code == 200 and "hx-trigger=\"load\"" not in page.text
    assert 'href="/admin/departments"' in page.text  # a tile per list the user may read


# ------------------------------------------------------------------ changing my workbench


def test_adding_removing_reordering_and_resizing_persist(client, office, kernel):
    client.login("lina")
    # add a key figure and my expense claims
    assert client.submit("/dashboard/layout/widgets", {"widget": "dashboard.kpi"},
                         follow_redirects=False).status_code == 303
    client.submit("/dashboard/layout/widgets", {"widget": "notes.my_expenses"})
    assert widgets_on(client) == ["dashboard.approvals", "activity.tasks", "dashboard.recent",
                                  "activity.reminders", "dashboard.kpi", "notes.my_expenses"]
    # move the claims to the front (htmx answers with the layout)
    moved = client.submit(f"/dashboard/layout/slots/{slot_of(client, 'notes.my_expenses')}/move",
                          {"direction": "earlier"}, headers={"hx-request": "true"})
    assert moved.status_code == 200 and 'id="dashboard-layout"' in moved.text and "<html" not in moved.text
    for _ in range(4):
        client.submit(f"/dashboard/layout/slots/{slot_of(client, 'notes.my_expenses')}/move",
                      {"direction": "earlier"})
    # remove the reminders, widen the key figure
    client.submit(f"/dashboard/layout/slots/{slot_of(client, 'activity.reminders')}/delete")
    client.submit(f"/dashboard/layout/slots/{slot_of(client, 'dashboard.kpi')}/size", {"size": "lg"})
    # then a new visit shows the same: stored per user
    expected = ["notes.my_expenses", "dashboard.approvals", "activity.tasks", "dashboard.recent", "dashboard.kpi"]
    assert widgets_on(client) == expected
    with kernel.db.session(write=False) as db:
        layout = db.scalar(select(Layout).where(Layout.user_id == office["lina"].id))
        stored = [(p.widget, p.size) for p in db.scalars(select(Placement).where(Placement.layout_id == layout.id)
                                                         .order_by(Placement.position))]
    assert [w for w, _s in stored] == expected and dict(stored)["dashboard.kpi"] == "lg"
    # another user's workbench did not change
    assert len(widgets_on_of(client, "wang")) == 4


def widgets_on_of(client: Any, username: str) -> list[str]:
    client.login(username)
    return widgets_on(client)


def test_a_refused_change_is_shown_and_changes_nothing(client, office, kernel):
    client.login("lina")
    twice = client.submit("/dashboard/layout/widgets", {"widget": "dashboard.approvals"},
                          headers={"hx-request": "true"})
    assert twice.status_code == 200 and "工作台上已有这个小组件" in twice.text
    assert client.submit("/dashboard/layout/widgets", {"widget": "nobody.nothing"},
                         headers={"hx-request": "true"}).status_code == 200
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Layout).where(Layout.user_id == office["lina"].id)) is None
    assert client.submit("/dashboard/layout/slots/9/delete").status_code == 404
    assert client.submit("/dashboard/layout/slots/0/size", {"size": "xl"},
                         headers={"hx-request": "true"}).text.count("请从列表中选择宽度") == 1


# ------------------------------------------------------------------ roles' defaults


def test_a_roles_default_applies_to_its_members_without_their_own(client, office, kernel, new_client, make):
    admin = make.user(org=office["hq"], username="root", roles=("admin",))
    sales_role = role_of(kernel, office["wang"])
    client.login("root")
    assert admin.id and client.get("/dashboard/roles").status_code == 200
    # the administrator gives wang's role a workbench: my expenses first, no reminders
    client.submit(f"/dashboard/roles/{sales_role}/widgets", {"widget": "notes.my_expenses"})
    editor = f"/dashboard/roles/{sales_role}"
    while slot_of(client, "notes.my_expenses", editor):
        client.submit(f"{editor}/slots/{slot_of(client, 'notes.my_expenses', editor)}/move",
                      {"direction": "earlier"})
    client.submit(f"{editor}/slots/{slot_of(client, 'activity.reminders', editor)}/delete")
    role_layout = widgets_on(client, editor)
    assert role_layout[0] == "notes.my_expenses" and "activity.reminders" not in role_layout
    # wang, who has no layout of their own, gets it
    wang = new_client()
    wang.login("wang")
    assert widgets_on(wang) == role_layout
    assert "角色的工作台" in wang.get("/").text
    # once wang changes it, it is wang's own; the role's stays
    wang.submit(f"/dashboard/layout/slots/{slot_of(wang, 'dashboard.recent')}/delete")
    assert "dashboard.recent" not in widgets_on(wang) and "dashboard.recent" in widgets_on(client, editor)
    # going back takes the role's again
    wang.submit("/dashboard/layout/reset")
    assert widgets_on(wang) == role_layout
    # lina holds another role: the standard workbench
    lina = new_client()
    lina.login("lina")
    assert widgets_on(lina) == ["dashboard.approvals", "activity.tasks", "dashboard.recent", "activity.reminders"]
    # the default is the head office's: the same role in the east branch has none
    with kernel.db.session(write=False) as db:
        layout = db.scalar(select(Layout).where(Layout.role_id == sales_role))
        assert layout.org_id == office["hq"].id


def test_only_layout_administrators_edit_a_roles_workbench(client, office, kernel):
    client.login("wang")
    role = role_of(kernel, office["wang"])
    assert client.get(f"/dashboard/roles/{role}").status_code == 403
    assert client.submit(f"/dashboard/roles/{role}/widgets", {"widget": "dashboard.kpi"}).status_code == 403


def test_a_widget_needing_a_permission_is_hidden_from_those_without_it(client, office, kernel, make, new_client):
    # given a role default with a key figure (needs dashboard.report.read)
    clerk = make.user(org=office["hq"], username="clerk", roles=(), grants={"notes.expense.read": "own"})
    make.user(org=office["hq"], username="root", roles=("admin",))
    client.login("root")
    role = role_of(kernel, clerk)
    client.submit(f"/dashboard/roles/{role}/widgets", {"widget": "dashboard.kpi"})
    assert "dashboard.kpi" in widgets_on(client, f"/dashboard/roles/{role}")
    # the clerk, without that permission, does not get it, cannot load it, nor add it
    b = new_client()
    b.login("clerk")
    assert "dashboard.kpi" not in widgets_on(b)
    assert b.get("/dashboard/widgets/dashboard.kpi").status_code == 403
    assert 'value="dashboard.kpi"' not in b.get("/?edit=1").text
    assert b.submit("/dashboard/layout/widgets", {"widget": "dashboard.kpi"},
                    headers={"hx-request": "true"}).text.count("请从列表中选择小组件") == 1


# ------------------------------------------------------------------ a failing widget


@pytest.fixture
def flaky(start, tmp_path, monkeypatch):
    """A kernel with a plugin whose widget always fails."""
    (tmp_path / "templates" / "flaky").mkdir(parents=True)
    (tmp_path / "templates" / "flaky" / "_widget.html").write_text("<p>{{ never }}</p>", encoding="utf-8")

    def broken(ctx: Any) -> dict[str, Any]:
        raise RuntimeError("the weather service is down")

    module = ModuleType("suanpan_test_flaky")
    module.__path__ = []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "suanpan_test_flaky", module)
    module.register_widgets = hookimpl(lambda: [WidgetDecl("flaky.weather", N_("Weather"),  # type: ignore[attr-defined]
                                                           "flaky/_widget.html", broken)])
    module.register_widgets.__name__ = "register_widgets"
    return start((Manifest(name="flaky", module="suanpan_test_flaky", path=tmp_path,
                           label={"zh_CN": "天气", "en": "Weather"}), module))


def test_register_widgets_and_a_failing_widget_shows_an_error_box(flaky, browser, office, caplog):
    assert "flaky.weather" in flaky.registry.widgets  # register_widgets collected it
    b = browser(flaky)
    b.login("lina")
    b.submit("/dashboard/layout/widgets", {"widget": "flaky.weather"})
    page = b.get("/")
    assert page.status_code == 200 and "/dashboard/widgets/flaky.weather" in page.text
    box = b.get("/dashboard/widgets/flaky.weather", headers={"hx-request": "true"})
    assert box.status_code == 200 and "这个小组件暂时无法显示" in box.text
    assert "weather service is down" not in box.text
    assert "widget flaky.weather failed" in caplog.text
    # the others still load
    assert "待我审批" in page.text and b.get("/dashboard/widgets/activity.tasks").status_code == 200


# ------------------------------------------------------------------ what the widgets show


def test_the_widgets_show_my_approvals_tasks_reminders_changes_and_claims(client, office, kernel, make):
    lina, boss = office["lina"], office["boss"]
    make.user(org=office["hq"], username="writer", name="刘洋", roles=("notes.writer",))
    # an approval chain naming the boss; the writer submits a claim
    with kernel.db.session() as db:
        chain = ApprovalChain(model="notes.expense", point="submit", org_id=None, name="报销审批",
                              steps=[Step("经理审批", "user", user_ids=(boss.id,)).to_dict()])
        db.add(chain)
        db.flush()
        publish(db, actor_of(kernel, db, boss), chain)
    client.login("writer")
    assert client.submit("/notes/expenses", {"title": "北京出差报销", "amount": "3000", "category": "travel"},
                         follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        from suanpan_notes.models import Expense

        expense = db.scalar(select(Expense.id).where(Expense.title == "北京出差报销"))
    assert client.submit(f"/workflow/notes.expense/{expense}/submit", {}).status_code == 200
    # a task due and a reminder for the boss
    with kernel.db.session() as db:
        db.add(Activity(record_model="core.user", record_id=boss.id, org_id=boss.org_id, owner_id=lina.id,
                        kind="task", subject="核对三月报销", assignee_id=boss.id,
                        due_at=datetime.now(UTC) + timedelta(days=1)))
        notify(db, user_ids=[boss.id], subject="Reminder: {record}", body="{message} (date: {date})",
               params={"record": "北京出差报销", "message": "请尽快处理", "date": "2026-03-01"},
               category="reminder")
    # the writer's recent changes link to the claim's page
    recent = fragment(client, "dashboard.recent")
    assert "北京出差报销" in recent and f'href="/notes/expenses/{expense}"' in recent
    client.login("boss")
    approvals = fragment(client, "dashboard.approvals")
    assert "北京出差报销" in approvals and "经理审批" in approvals and "/approvals/requests/" in approvals
    assert "核对三月报销" in fragment(client, "activity.tasks")
    assert "提醒：北京出差报销" in fragment(client, "activity.reminders")
    # lina's own claims, on her workbench
    add_claims(kernel, [claim(lina, amount="88.50", state="paid"), claim(lina, amount="10.00", state="submitted")])
    client.login("lina")
    client.submit("/dashboard/layout/widgets", {"widget": "notes.my_expenses"})
    mine = fragment(client, "notes.my_expenses")
    assert "已付款" in mine and "88.50" in mine and "待审批" in mine


def actor_of(kernel: Any, db: Any, user: Any) -> Any:
    return load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))


def test_a_key_figure_compares_this_month_with_last(client, office, kernel):
    lina = office["lina"]
    add_claims(kernel, [
        claim(lina, amount="100.00", at=datetime(2026, 3, 2, 2, tzinfo=UTC)),
        claim(lina, amount="50.00", at=datetime(2026, 3, 9, 2, tzinfo=UTC)),
        claim(lina, amount="60.00", at=datetime(2026, 2, 27, 2, tzinfo=UTC)),
        claim(lina, amount="999.00", state="draft", at=datetime(2026, 3, 9, 2, tzinfo=UTC)),
        claim(office["wang"], amount="5000.00", at=datetime(2026, 3, 9, 2, tzinfo=UTC)),  # not hers
    ])
    with clock.use(FakeClock(datetime(2026, 3, 15, 4, tzinfo=UTC))):
        client.login("lina")
        client.submit("/dashboard/layout/widgets", {"widget": "dashboard.kpi"})
        empty = fragment(client, "dashboard.kpi")
        assert "请在小组件设置中选择指标" in empty
        slot = slot_of(client, "dashboard.kpi")
        bad = client.submit(f"/dashboard/layout/slots/{slot}/settings", {"figure": "notes.expenses::profit"},
                            headers={"hx-request": "true"})
        assert "请从列表中选择指标" in bad.text
        client.submit(f"/dashboard/layout/slots/{slot}/settings",
                      {"figure": "notes.expenses::amount", "period": "month", "only": "state=paid"})
        shown = fragment(client, "dashboard.kpi")
    assert "150.00" in shown and "上月：60.00" in shown and "+150.0%" in shown


def test_a_saved_reports_chart_on_the_workbench(client, office, kernel, new_client):
    add_claims(kernel, [claim(office["lina"], category=c) for c in ("travel", "meals", "meals")])
    client.login("lina")
    report = client.submit("/dashboard/reports", {"name": "我的报销类别", "dataset": "notes.expenses",
                                                  "row": "category", "measure": "claims", "chart": "pie"},
                           follow_redirects=False).headers["location"]
    report_id = int(report.rsplit("/", 1)[1])
    client.submit("/dashboard/layout/widgets", {"widget": "dashboard.report_chart"})
    client.submit(f"/dashboard/layout/slots/{slot_of(client, 'dashboard.report_chart')}/settings",
                  {"report": str(report_id)})
    chart = fragment(client, "dashboard.report_chart")
    assert chart.count('class="sp-slice"') == 2 and f'href="/dashboard/reports/{report_id}"' in chart
    # a placement is read only by whose workbench holds it
    placement = dict(WIDGET.findall(client.get("/").text))["dashboard.report_chart"]
    other = new_client()
    other.login("wang")
    assert "我的报销类别" not in other.get(f"/dashboard/widgets/dashboard.report_chart?p={placement}").text
