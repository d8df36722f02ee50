"""The timeline of a record: notes, activities, files and the change history
on the record's own page, and the "My tasks" page."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import func, select

from core import hookimpl
from core.app import Kernel
from core.models import AuditLog
from core.plugins import Manifest
from plugins.activity.api import TimelineEntry, add_note
from plugins.activity.models import Activity, Attachment, Note

HTMX = {"HX-Request": "true"}


def entries(page: str) -> list[str]:
    """The ids of the timeline's entries, top to bottom."""
    return re.findall(r'<li class="list-group-item" id="([\w-]+)"', page)


def test_a_note_an_activity_and_a_file_show_on_the_records_page(client, admin, memo):
    # given a record of the example plugin
    memo_id = memo(admin)
    base = f"/activity/records/notes.note/{memo_id}"
    # when the user writes a note, logs a call and uploads a file on it
    assert client.submit(f"{base}/notes", {"body": "客户想下周\n再谈价格"},
                         follow_redirects=False).status_code == 303
    assert client.submit(f"{base}/activities", {"kind": "call", "subject": "电话回访张总",
                                                "done": "1"}, follow_redirects=False).status_code == 303
    response = client.post(f"{base}/attachments", data={"csrf_token": client.csrf()},
                           files={"file": ("报价单.txt", "单价：100 元".encode(), "text/plain")},
                           follow_redirects=False)
    # then each answer goes back to the record's page
    assert response.status_code == 303 and response.headers["location"] == f"/notes/{memo_id}"
    # and the record's page shows all three in its timeline panel, newest first
    page = client.get(f"/notes/{memo_id}").text
    assert 'id="panel-activity-timeline"' in page
    assert "客户想下周\n再谈价格" in page and "电话回访张总" in page and "报价单.txt" in page
    kinds = [e.split("-")[1] for e in entries(page)]
    assert kinds[:3] == ["attachment", "activity", "note"]


def test_the_timeline_merges_the_records_change_history(client, admin, memo):
    memo_id = memo(admin)
    client.submit(f"/notes/{memo_id}", {"title": "改过的标题", "body": "", "version": "1"})
    add = client.submit(f"/activity/records/notes.note/{memo_id}/notes", {"body": "改了标题"},
                        headers=HTMX)
    # the htmx answer is the timeline itself, with the change history in it
    assert add.status_code == 200 and add.text.lstrip().startswith("<div id=\"activity-timeline\"")
    kinds = [e.split("-")[1] for e in entries(add.text)]
    assert kinds == ["note", "audit", "audit"]
    assert "修改" in add.text and "标题" in add.text  # "Changed: Title", in Chinese


def test_the_change_history_is_left_out_without_core_audit_read(make, new_client, memo):
    writer = make.user(roles=(), username="writer",
                       grants={"notes.note.read": "own", "notes.note.update": "own",
                               "activity.note.create": "own"})
    memo_id = memo(writer)
    browser = new_client()
    browser.login("writer")
    page = browser.submit(f"/activity/records/notes.note/{memo_id}/notes", {"body": "备忘"},
                          headers=HTMX).text
    assert [e.split("-")[1] for e in entries(page)] == ["note"]


def test_an_empty_note_is_refused_naming_the_field(client, admin, memo):
    memo_id = memo(admin)
    plain = client.submit(f"/activity/records/notes.note/{memo_id}/notes", {"body": "  \n "},
                          headers={"Accept": "application/json"})
    assert plain.status_code == 422
    assert plain.json()["fields"] == {"body": "请先填写内容。"}
    htmx = client.submit(f"/activity/records/notes.note/{memo_id}/notes", {"body": ""}, headers=HTMX)
    assert htmx.status_code == 422 and "is-invalid" in htmx.text and "请先填写内容。" in htmx.text
    with client.app.state.kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Note)) == 0


def test_note_text_is_shown_as_text_never_as_markup(client, admin, memo):
    memo_id = memo(admin)
    client.submit(f"/activity/records/notes.note/{memo_id}/notes",
                  {"body": '<script>alert(1)</script><img src=x onerror="x()">\x00\x07'})
    page = client.get(f"/notes/{memo_id}").text
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_task_with_a_due_date_and_an_assignee_shows_both(client, admin, make, memo):
    colleague = make.user(username="lina", name="李娜")
    memo_id = memo(admin)
    client.submit(f"/activity/records/notes.note/{memo_id}/activities", {
        "kind": "task", "subject": "寄送合同", "due_at": "2026-03-02T10:00",
        "assignee_id": str(colleague.id)})
    with client.app.state.kernel.db.session(write=False) as db:
        task = db.scalars(select(Activity)).one()
    # the form's time is China's: 10:00 there is 02:00 UTC
    assert task.due_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert task.assignee_id == colleague.id and task.done_at is None
    assert task.owner_id == admin.id and task.org_id == admin.org_id
    page = client.get(f"/notes/{memo_id}").text
    assert "寄送合同" in page and "负责人：李娜" in page and "截止" in page


def test_assigning_a_task_to_someone_else_needs_activity_activity_assign(make, new_client, memo):
    colleague = make.user(username="lina")
    make.user(roles=(), username="rep", grants={"notes.note.read": "org",
                                                "activity.activity.create": "org",
                                                "core.user.read": "org"})
    browser = new_client()
    browser.login("rep")
    memo_id = memo(colleague)
    url = f"/activity/records/notes.note/{memo_id}/activities"
    refused = browser.submit(url, {"kind": "task", "subject": "跟进", "assignee_id": str(colleague.id)},
                             headers={"Accept": "application/json"})
    assert refused.status_code == 422 and "assignee_id" in refused.json()["fields"]
    me = browser.submit(url, {"kind": "task", "subject": "跟进", "assignee_id": ""}, follow_redirects=False)
    assert me.status_code == 303


def test_my_tasks_lists_my_open_tasks_first_soonest_due_first(client, admin, make, memo, kernel):
    memo_id = memo(admin, "华为项目")
    other = make.user(username="other")
    now = datetime.now(UTC)
    with kernel.db.session() as db:
        def task(subject: str, due: datetime | None, done: bool = False, assignee: int = admin.id) -> None:
            db.add(Activity(record_model="notes.note", record_id=memo_id, kind="task", subject=subject,
                            due_at=due, done_at=now if done else None, assignee_id=assignee,
                            org_id=admin.org_id, owner_id=admin.id))

        task("下周再说", now + timedelta(days=7))
        task("已经逾期", now - timedelta(days=1))
        task("没有期限", None)
        task("做完了", now - timedelta(days=3), done=True)
        task("别人的", now, assignee=other.id)
        db.add(Activity(record_model="notes.note", record_id=memo_id, kind="call", subject="一通电话",
                        assignee_id=admin.id, org_id=admin.org_id, owner_id=admin.id))
    page = client.get("/activity/tasks")
    assert page.status_code == 200
    order = [s for s in re.findall(r"(下周再说|已经逾期|没有期限|做完了|别人的|一通电话)", page.text)]
    assert order == ["已经逾期", "下周再说", "没有期限", "做完了"]
    assert "已逾期" in page.text and f'href="/notes/{memo_id}">华为项目' in page.text
    assert 'href="/activity/tasks"' in page.text  # the menu entry


def test_completing_a_task_from_my_tasks(client, admin, memo, kernel):
    memo_id = memo(admin)
    client.submit(f"/activity/records/notes.note/{memo_id}/activities",
                  {"kind": "task", "subject": "回电", "assignee_id": str(admin.id)})
    with kernel.db.session(write=False) as db:
        task_id = db.scalar(select(Activity.id))
    done = client.submit(f"/activity/activities/{task_id}/complete", {"next": "tasks"},
                         follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/activity/tasks"
    with kernel.db.session(write=False) as db:
        assert db.get(Activity, task_id).done_at is not None
    client.submit(f"/activity/activities/{task_id}/reopen", {}, headers=HTMX)
    with kernel.db.session(write=False) as db:
        assert db.get(Activity, task_id).done_at is None
        # completing and reopening are in the activity's own change history
        actions = db.scalars(select(AuditLog.action).where(AuditLog.model == "activity.activity"))
        assert list(actions) == ["create", "update", "update"]


def test_the_timeline_page_shows_the_record_and_links_back(client, admin, memo):
    memo_id = memo(admin, "季度销售计划")
    page = client.get(f"/activity/records/notes.note/{memo_id}")
    assert page.status_code == 200
    assert f'<a href="/notes/{memo_id}">季度销售计划</a>' in page.text
    assert 'id="activity-timeline"' in page.text


def test_kernel_records_have_a_timeline_too(client, admin, make):
    colleague = make.user(username="lina")
    client.submit(f"/activity/records/core.user/{colleague.id}/notes", {"body": "新同事，负责华东"})
    page = client.get(f"/admin/users/{colleague.id}").text
    assert "新同事，负责华东" in page


def test_the_timeline_has_no_timeline_of_its_own(client, admin, memo, kernel):
    memo_id = memo(admin)
    client.submit(f"/activity/records/notes.note/{memo_id}/notes", {"body": "x"})
    with kernel.db.session(write=False) as db:
        note_id = db.scalar(select(Note.id))
    assert client.get(f"/activity/records/activity.note/{note_id}").status_code == 404
    assert client.get(f"/activity/records/nosuch.thing/{note_id}").status_code == 404


def test_purging_a_record_removes_its_timeline(client, admin, memo, kernel, store):
    memo_id = memo(admin)
    base = f"/activity/records/notes.note/{memo_id}"
    client.submit(f"{base}/notes", {"body": "要删掉的"})
    client.submit(f"{base}/activities", {"kind": "visit", "subject": "拜访"})
    content = b"purge me " + str(memo_id).encode() + b" " + __name__.encode()
    client.post(f"{base}/attachments", data={"csrf_token": client.csrf()},
                files={"file": ("a.txt", content, "text/plain")})
    with kernel.db.session(write=False) as db:
        digest = db.scalar(select(Attachment.sha256))
    assert store.exists(digest)
    # soft delete: the record goes to the recycle bin, its timeline stays
    client.submit(f"/notes/{memo_id}/delete", {"version": "1"})
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Note)) == 1
    # purge: everything goes, the file too
    assert client.submit(f"/admin/recycle/notes.note/{memo_id}/purge", {},
                         follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        for model in (Note, Activity, Attachment):
            assert db.scalar(select(func.count()).select_from(model)) == 0
    assert not store.exists(digest)


# ----------------------------------------------------------------- the plugin's own hook


@pytest.fixture
def workflow_history(kernel: Kernel, base_settings: Any, monkeypatch: pytest.MonkeyPatch) -> Kernel:
    """A kernel with a throwaway plugin that adds entries to every timeline."""

    def activity_timeline_entries(session: Any, actor: Any, model_key: str, record: Any) -> list[Any]:
        if model_key != "notes.note":
            return []
        return [TimelineEntry(at=datetime(2020, 1, 1, tzinfo=UTC), kind="workflow.transition",
                              title="Published by {who}", params={"who": "王芳"}, body="<b>ok</b>",
                              icon="arrow-right", key="history-1")]

    module = ModuleType("suanpan_test_history")
    module.__path__ = []  # type: ignore[attr-defined]
    module.activity_timeline_entries = hookimpl(activity_timeline_entries)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "suanpan_test_history", module)
    manifest = Manifest(name="history", module="suanpan_test_history", path=base_settings.var_dir,
                        depends=("activity",))
    started = Kernel(base_settings, extra_plugins=[(manifest, module)])
    assert "history" in started.enabled, started.errors
    yield started
    started.db.dispose()


def test_other_plugins_add_entries_through_activity_timeline_entries(workflow_history, make, memo, client):
    # given a plugin implementing the hook, and a record
    root = make.user(username="root")
    memo_id = memo(root)
    with type(client)(workflow_history.asgi(), base_url="http://testserver") as browser:
        browser.login("root")
        # when the record's page is shown
        page = browser.get(f"/notes/{memo_id}").text
    # then the plugin's entry is in the timeline: its title translated (here: as
    # given) with its parameters, its body as text, in its place by time
    assert "Published by 王芳" in page
    assert "&lt;b&gt;ok&lt;/b&gt;" in page
    assert entries(page)[-1] == "history-1"


def test_the_api_writes_notes_under_the_same_rules(kernel, make, memo):
    from core.models import User
    from core.permissions import load_actor

    author = make.user(username="author")
    memo_id = memo(author)
    with kernel.db.session() as db:
        actor = load_actor(db, db.get(User, author.id), all_codes=set(kernel.registry.permissions))
        record = db.get(sys.modules["suanpan_notes.models"].Note, memo_id)
        note = add_note(db, actor, record, "  系统自动记录  ")
        assert (note.record_model, note.record_id, note.body) == ("notes.note", memo_id, "系统自动记录")


def test_the_timeline_speaks_english_too(client, admin, memo):
    memo_id = memo(admin)
    client.submit("/locale", {"locale": "en"})
    client.submit(f"/activity/records/notes.note/{memo_id}/activities",
                  {"kind": "meeting", "subject": "Kick-off", "due_at": "2026-03-02T10:00"})
    page = client.get(f"/notes/{memo_id}").text
    assert all(text in page for text in ("Timeline", "Add note", "Log activity", "Attach file",
                                         "Meeting", "Kick-off", "Due ", "Up to 20 MB."))
    assert "动态" not in page and "添加备注" not in page
