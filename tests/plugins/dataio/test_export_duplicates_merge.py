"""Exporting a filtered list, duplicate candidates on create (scope-aware),
and the merge wizard moving references and timeline entries."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from plugins.activity.models import Note as TimelineNote
from plugins.dataio.models import MergeLog


def models() -> tuple[Any, Any]:
    from suanpan_notes.models import Expense, Note

    return Note, Expense


def add(kernel: Any, user: Any, title: str, **kw: Any) -> int:
    Note, _ = models()
    with kernel.db.session() as db:
        note = Note(org_id=user.org_id, owner_id=user.id, title=title, **kw)
        db.add(note)
        db.flush()
        return int(note.id)


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))


def test_export_follows_the_list_filter_and_neutralises_formulas(client, admin, kernel):
    add(kernel, admin, "季度计划", body="ok")
    add(kernel, admin, "=HYPERLINK(\"http://evil\")", body="@SUM(A1)")
    add(kernel, admin, "展会复盘", body="-2+3")
    response = client.get("/dataio/notes.note/export/file?col=title&col=body&q=计划")
    assert response.status_code == 200
    assert read_csv(response.content) == [["标题", "内容"], ["季度计划", "ok"]]
    rows = read_csv(client.get("/dataio/notes.note/export/file?col=body&col=title&sort=title&dir=asc").content)
    assert rows[0] == ["内容", "标题"]
    assert ["'@SUM(A1)", "'=HYPERLINK(\"http://evil\")"] in rows
    assert ["'-2+3", "展会复盘"] in rows


def test_export_to_xlsx_and_only_rows_and_fields_the_user_may_see(client, make, kernel):
    from openpyxl import load_workbook

    other = make.user(roles=(), username="other", grants={"notes.note.read": "own"})
    me = make.user(roles=(), username="me", grants={"notes.note.read": "own", "notes.note.export": "own"})
    add(kernel, me, "我的便签", body="秘密")
    add(kernel, other, "别人的便签")
    with kernel.db.session() as db:  # the role hides the body from "me"
        from core.models import FieldRule, RoleAssignment

        role_id = db.scalar(select(RoleAssignment.role_id).where(RoleAssignment.user_id == me.id))
        db.add(FieldRule(role_id=role_id, model="notes.note", field="body", mode="hidden"))
    client.login("me")
    response = client.get("/dataio/notes.note/export/file?format=xlsx&col=title&col=body")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [["标题"], ["我的便签"]]
    client.login("other")
    assert client.get("/dataio/notes.note/export/file").status_code == 403


def test_export_templates_are_saved_per_user(client, admin, kernel):
    response = client.submit("/dataio/notes.note/export/templates", {"name": "周报", "col": ["body", "title"]},
                             follow_redirects=False)
    assert response.status_code == 303
    page = client.get("/dataio/notes.note/export").text
    assert "周报" in page and "col=body&col=title&" in page


def test_duplicates_on_create_show_readable_candidates_and_only_the_owner_of_others(client, make, kernel):
    lina = make.user(roles=(), username="lina", name="李娜",
                     grants={"notes.note.read": "own", "notes.note.create": "own"})
    zhang = make.user(roles=(), username="zhang", name="张伟", grants={"notes.note.read": "own"})
    add(kernel, lina, "北京百度网讯科技有限公司")
    add(kernel, zhang, "北京百度網訊科技（有限公司）")
    add(kernel, zhang, "广州唯品会电子商务有限公司")
    client.login("lina")
    page = client.get("/dataio/notes.note/duplicates", params={"title": "北京百度网讯科技"}).text
    assert "北京百度网讯科技有限公司" in page           # hers: shown with its title
    assert "網訊" not in page and "张伟" in page        # his: only that it exists, and whose it is
    assert "唯品会" not in page
    fuzzy = client.get("/dataio/notes.note/duplicates", params={"title": "北京百度网讯科技发展有限公司"}).text
    assert "李娜" in fuzzy and "张伟" in fuzzy


def test_the_merge_moves_references_and_timeline_entries_to_the_survivor(client, admin, kernel):
    Note, Expense = models()
    survivor = add(kernel, admin, "上海汽车集团")
    duplicate = add(kernel, admin, "上海汽车集团股份有限公司")
    with kernel.db.session() as db:
        first = Expense(org_id=admin.org_id, owner_id=admin.id, title="原单", amount=10)
        db.add(first)
        db.flush()
        db.add(Expense(org_id=admin.org_id, owner_id=admin.id, title="更正", amount=12, amends_id=first.id))
        extra = Expense(org_id=admin.org_id, owner_id=admin.id, title="重复单", amount=12)
        db.add(extra)
        db.flush()
        first_id, extra_id = first.id, extra.id
    with kernel.db.session() as db:  # a timeline entry on the duplicate
        db.add(TimelineNote(record_model="notes.note", record_id=duplicate, org_id=admin.org_id,
                            owner_id=admin.id, body="电话确认过地址"))
    # the wizard previews what moves
    page = client.submit("/dataio/notes.note/merge/preview", {"survivor": survivor, "others": str(duplicate)}).text
    assert "activity_note.record_id: 1" in page
    response = client.submit("/dataio/notes.note/merge", {"survivor": survivor, "others": str(duplicate)},
                             follow_redirects=False)
    assert response.status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(TimelineNote.record_id).where(TimelineNote.record_model == "notes.note")) == survivor
        assert db.get(Note, duplicate).deleted_at is not None
        log = db.scalar(select(MergeLog))
        assert log is not None and (log.survivor_id, log.merged_ids) == (survivor, [duplicate])
    # foreign keys: merging expense claims moves the amendments pointing at the duplicate
    client.submit("/dataio/notes.expense/merge", {"survivor": extra_id, "others": str(first_id)})
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Expense.amends_id).where(Expense.title == "更正")) == extra_id


def test_merging_needs_delete_on_the_duplicates(client, make, kernel):
    make.user(roles=(), username="editor", grants={"notes.note.read": "org", "notes.note.update": "org"})
    owner = make.user(roles=(), username="owner")
    a, b = add(kernel, owner, "甲公司"), add(kernel, owner, "甲公司有限公司")
    client.login("editor")
    response = client.submit("/dataio/notes.note/merge", {"survivor": a, "others": str(b)})
    assert response.status_code == 403


def test_list_pages_offer_export_and_import_and_the_new_form_warns_of_duplicates(client, make, kernel):
    # list_actions: the notes list carries the export button with the list's own query, and import
    clerk = make.user(roles=(), username="clerk", grants={
        "notes.note.read": "org", "notes.note.create": "org", "notes.note.export": "org"})
    add(kernel, clerk, "上海展会复盘")
    client.login("clerk")
    page = client.get("/notes/", params={"q": "展会"}).text
    assert 'id="dataio-export" href="/dataio/notes.note/export?q=' in page
    assert "/dataio/notes.note/import" not in page  # no import permission
    # form_panels: the new-note form looks up duplicates as its fields change
    form = client.get("/notes/new").text
    assert 'hx-get="/dataio/notes.note/duplicates"' in form and 'id="dataio-duplicates"' in form
    assert "上海展会复盘" in client.get("/dataio/notes.note/duplicates", params={"title": "上海展会复盘"}).text
    # a user who may neither export nor import gets no buttons
    reader = make.user(roles=(), username="reader", grants={"notes.note.read": "org"})
    assert reader.id
    client.login("reader")
    assert 'id="dataio-export"' not in client.get("/notes/").text
