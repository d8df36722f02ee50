"""Notes, activities and files inherit their parent record's access (design
rule 4): who cannot read the record gets 404 for all of them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plugins.activity.models import Activity, Attachment, Note

READ = {"notes.note.read": "org"}
WRITE = {**READ, "activity.note.create": "org", "activity.activity.create": "org",
         "activity.attachment.create": "org"}


@pytest.fixture
def timeline_in_hq(client, admin, memo, kernel):
    """A record of the head office with a note, an activity and a file on it."""
    memo_id = memo(admin, "机密客户")
    base = f"/activity/records/notes.note/{memo_id}"
    client.submit(f"{base}/notes", {"body": "机密备注"})
    client.submit(f"{base}/activities", {"kind": "task", "subject": "机密待办",
                                         "assignee_id": str(admin.id)})
    client.post(f"{base}/attachments", data={"csrf_token": client.csrf()},
                files={"file": ("机密.txt", "机密内容 access".encode(), "text/plain")})
    with kernel.db.session(write=False) as db:
        ids = {"note": db.scalar(select(Note.id)), "activity": db.scalar(select(Activity.id)),
               "attachment": db.scalar(select(Attachment.id))}
    return memo_id, ids


def every_route(memo_id: int, ids: dict[str, int]) -> list[tuple[str, str]]:
    base = f"/activity/records/notes.note/{memo_id}"
    return [
        ("GET", base), ("POST", f"{base}/notes"), ("POST", f"{base}/activities"),
        ("POST", f"{base}/attachments"), ("GET", f"/activity/attachments/{ids['attachment']}"),
        ("GET", f"/activity/attachments/{ids['attachment']}?inline=1"),
        ("POST", f"/activity/notes/{ids['note']}/delete"),
        ("POST", f"/activity/activities/{ids['activity']}/complete"),
        ("POST", f"/activity/activities/{ids['activity']}/reopen"),
        ("POST", f"/activity/activities/{ids['activity']}/delete"),
        ("POST", f"/activity/attachments/{ids['attachment']}/delete"),
    ]


def call(browser, method: str, url: str):
    if method == "GET":
        return browser.get(url, follow_redirects=False)
    return browser.submit(url, {"body": "x", "kind": "call", "subject": "x"}, follow_redirects=False,
                          files={"file": ("x.txt", b"x", "text/plain")} if url.endswith("attachments") else None)


def test_a_user_of_another_org_gets_404_everywhere(timeline_in_hq, make, new_client, kernel):
    memo_id, ids = timeline_in_hq
    # given a user of another organisation with every activity permission there
    branch = make.org("华东分公司")
    make.user(org=branch, roles=(), username="east", grants={
        **WRITE, "activity.note.delete": "org", "activity.activity.update": "org",
        "activity.activity.delete": "org", "activity.attachment.delete": "org",
        "core.audit.read": "org"})
    east = new_client()
    east.login("east")
    # then the head office's record, and all on its timeline, is not found
    for method, url in every_route(memo_id, ids):
        response = call(east, method, url)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "机密" not in response.text
    # and nothing changed
    with kernel.db.session(write=False) as db:
        assert db.get(Activity, ids["activity"]).done_at is None
        assert len(db.scalars(select(Note)).all()) == 1
        assert len(db.scalars(select(Attachment)).all()) == 1
    assert east.get("/activity/tasks").status_code == 200


def test_a_user_who_may_not_read_that_kind_of_record_gets_404_too(timeline_in_hq, make, new_client):
    memo_id, ids = timeline_in_hq
    make.user(roles=(), username="nosy", grants={"activity.note.create": "org",
                                                 "activity.attachment.create": "org"})
    nosy = new_client()
    nosy.login("nosy")
    assert nosy.get(f"/activity/records/notes.note/{memo_id}").status_code == 404
    assert nosy.get(f"/activity/attachments/{ids['attachment']}").status_code == 404
    assert nosy.submit(f"/activity/records/notes.note/{memo_id}/notes", {"body": "x"}).status_code == 404


def test_reading_the_record_is_enough_to_read_its_timeline(timeline_in_hq, make, new_client):
    memo_id, ids = timeline_in_hq
    make.user(roles=(), username="reader", grants=READ)
    reader = new_client()
    reader.login("reader")
    page = reader.get(f"/notes/{memo_id}").text
    assert "机密备注" in page and "机密待办" in page and "机密.txt" in page
    assert "activity-note-form" not in page  # but no forms to add to it
    assert reader.get(f"/activity/attachments/{ids['attachment']}").status_code == 200
    # adding needs the plugin's permission as well
    for kind in ("notes", "activities", "attachments"):
        assert reader.submit(f"/activity/records/notes.note/{memo_id}/{kind}", {}).status_code == 403


def test_a_shared_record_opens_its_timeline(timeline_in_hq, make, new_client, client):
    memo_id, _ids = timeline_in_hq
    branch = make.org("华南分公司")
    guest = make.user(org=branch, roles=(), username="guest", grants={"notes.note.read": "own"})
    browser = new_client()
    browser.login("guest")
    assert browser.get(f"/activity/records/notes.note/{memo_id}").status_code == 404
    client.submit(f"/share/notes.note/{memo_id}", {"user_id": str(guest.id)})
    assert "机密备注" in browser.get(f"/activity/records/notes.note/{memo_id}").text


def test_authors_delete_their_own_notes_others_need_activity_note_delete(
        client, admin, make, new_client, memo, kernel):
    memo_id = memo(admin)
    make.user(roles=(), username="writer", grants=WRITE)
    writer = new_client()
    writer.login("writer")
    base = f"/activity/records/notes.note/{memo_id}/notes"
    writer.submit(base, {"body": "我写的"})
    client.submit(base, {"body": "管理员写的"})
    with kernel.db.session(write=False) as db:
        mine, theirs = db.scalars(select(Note.id).order_by(Note.id)).all()
    page = writer.get(f"/notes/{memo_id}").text
    assert f'/activity/notes/{mine}/delete' in page and f'/activity/notes/{theirs}/delete' not in page
    assert writer.submit(f"/activity/notes/{theirs}/delete", {}).status_code == 403
    assert writer.submit(f"/activity/notes/{mine}/delete", {}, follow_redirects=False).status_code == 303
    # the moderator's code, in the note's organisation, deletes anyone's
    assert client.submit(f"/activity/notes/{theirs}/delete", {}, follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.scalars(select(Note)).all() == []


def test_the_delete_permission_works_within_its_scope(client, admin, make, new_client, memo, kernel):
    branch = make.org("华东分公司")
    memo_id = memo(admin)
    client.submit(f"/activity/records/notes.note/{memo_id}/notes", {"body": "总部的备注"})
    # a moderator of another org who may read the record (shared) may not delete there
    moderator = make.user(org=branch, roles=(), username="mod", grants={
        "notes.note.read": "org", "activity.note.delete": "org"})
    client.submit(f"/share/notes.note/{memo_id}", {"user_id": str(moderator.id)})
    browser = new_client()
    browser.login("mod")
    with kernel.db.session(write=False) as db:
        note_id = db.scalar(select(Note.id))
    assert browser.submit(f"/activity/notes/{note_id}/delete", {}).status_code == 403


def test_the_assignee_completes_a_task_others_need_activity_activity_update(
        client, admin, make, new_client, memo, kernel):
    memo_id = memo(admin)
    doer = make.user(roles=(), username="doer", grants=READ)
    make.user(roles=(), username="bystander", grants=READ)
    client.submit(f"/activity/records/notes.note/{memo_id}/activities",
                  {"kind": "task", "subject": "回访", "assignee_id": str(doer.id)})
    with kernel.db.session(write=False) as db:
        task_id = db.scalar(select(Activity.id))
    bystander = new_client()
    bystander.login("bystander")
    assert bystander.submit(f"/activity/activities/{task_id}/complete", {}).status_code == 403
    browser = new_client()
    browser.login("doer")
    assert "回访" in browser.get("/activity/tasks").text
    assert browser.submit(f"/activity/activities/{task_id}/complete", {"next": "tasks"},
                          follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.get(Activity, task_id).done_at is not None


def test_my_tasks_leaves_out_tasks_on_records_i_can_no_longer_read(client, admin, make, new_client, memo):
    memo_id = memo(admin, "已转交的客户")
    doer = make.user(roles=(), username="doer", grants={"notes.note.read": "own"})
    client.submit(f"/activity/records/notes.note/{memo_id}/activities",
                  {"kind": "task", "subject": "看不到的待办", "assignee_id": str(doer.id)})
    browser = new_client()
    browser.login("doer")
    page = browser.get("/activity/tasks").text
    assert "看不到的待办" not in page and "已转交的客户" not in page
