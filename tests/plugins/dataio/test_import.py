"""Importing CSV and XLSX files into the example plugin's notes and expense
claims: encoding detection, column mapping, the dry run, the commit job,
update and upsert, undo, and permissions."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.jobs import Worker
from plugins.dataio.models import Batch, SavedMapping


def expense_model() -> Any:
    from suanpan_notes.models import Expense

    return Expense


def note_model() -> Any:
    from suanpan_notes.models import Note

    return Note


def csv_file(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def upload(client: Any, model: str, data: bytes, name: str = "data.csv", mode: str = "insert",
           match_key: str = "") -> int:
    response = client.submit(f"/dataio/{model}/import", {"mode": mode, "match_key": match_key},
                             files={"file": (name, data, "application/octet-stream")},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def check(client: Any, batch_id: int, mapping: dict[str, str]) -> str:
    data = {f"map_{k}": v for k, v in mapping.items()}
    response = client.submit(f"/dataio/batches/{batch_id}/check", data)
    assert response.status_code == 200, response.text
    return str(response.text)


def commit(client: Any, kernel: Any, batch_id: int) -> Batch:
    response = client.submit(f"/dataio/batches/{batch_id}/commit", follow_redirects=False)
    assert response.status_code == 303, response.text
    Worker(kernel, "test").run_pending()
    return batch(kernel, batch_id)


def batch(kernel: Any, batch_id: int) -> Batch:
    with kernel.db.session(write=False) as db:
        found = db.get(Batch, batch_id)
        assert found is not None
        db.expunge(found)
        return found


def count(kernel: Any, model: Any) -> int:
    with kernel.db.session(write=False) as db:
        return db.scalar(select(func.count()).select_from(model).where(model.deleted_at.is_(None))) or 0


EXPENSE_HEADER = ["标题", "金额", "类别"]


def test_a_10000_row_file_with_one_bad_row_writes_nothing_and_names_the_row_and_column(client, admin, kernel):
    # given 10,000 expense claims, the 5,001st with an amount that is no number
    rows = [EXPENSE_HEADER] + [[f"差旅报销 {i:05}", f"{100 + i}.50", "差旅"] for i in range(10_000)]
    rows[5001][1] = "一百元"
    batch_id = upload(client, "notes.expense", csv_file(rows))
    # when the user checks it with the columns matched by their Chinese labels
    page = client.get(f"/dataio/batches/{batch_id}").text
    assert re.search(r'<option value="金额" selected>', page)
    page = check(client, batch_id, {"title": "标题", "amount": "金额", "category": "类别"})
    # then the report names the row (5,002 counting the header) and the column, and only that one
    found = batch(kernel, batch_id)
    assert found.state == "invalid"
    assert found.report["error_count"] == 1
    assert found.report["errors"][0] | {} == {"row": 5002, "column": "金额", "field": "amount",
                                             "code": "type", "detail": "一百元"}
    assert "5002" in page and "金额" in page
    # and it cannot be committed: nothing is written
    response = client.submit(f"/dataio/batches/{batch_id}/commit")
    assert response.status_code == 409
    assert count(kernel, expense_model()) == 0


def test_a_clean_file_is_imported_by_a_job_and_the_batch_undone_in_one_click(client, admin, kernel):
    rows = [EXPENSE_HEADER] + [[f"报销 {i}", "88.00", "餐费" if i % 2 else "travel"] for i in range(300)]
    batch_id = upload(client, "notes.expense", csv_file(rows))
    check(client, batch_id, {"title": "标题", "amount": "金额", "category": "类别"})
    assert batch(kernel, batch_id).state == "checked"
    done = commit(client, kernel, batch_id)
    assert (done.state, done.inserted) == ("done", 300)
    with kernel.db.session(write=False) as db:
        Expense = expense_model()
        categories = dict(db.execute(select(Expense.category, func.count()).group_by(Expense.category)).all())
        assert categories == {"meals": 150, "travel": 150}
        assert {e.org_id for e in db.scalars(select(Expense))} == {admin.org_id}
    page = client.get(f"/dataio/batches/{batch_id}/progress").text
    assert "100%" in page
    # when the user undoes the batch
    response = client.submit(f"/dataio/batches/{batch_id}/undo", follow_redirects=False)
    assert response.status_code == 303
    assert count(kernel, expense_model()) == 0
    assert batch(kernel, batch_id).state == "undone"


def test_undo_is_refused_naming_a_record_changed_since(client, admin, kernel):
    batch_id = upload(client, "notes.note", csv_file([["Title", "Body"], ["季度计划", "a"], ["展会复盘", "b"]]))
    check(client, batch_id, {"title": "Title", "body": "Body"})
    commit(client, kernel, batch_id)
    with kernel.db.session() as db:
        note = db.scalar(select(note_model()).where(note_model().title == "展会复盘"))
        note.body = "edited by hand"
        changed_id = note.id
    response = client.submit(f"/dataio/batches/{batch_id}/undo")
    assert response.status_code == 409
    assert f"#{changed_id}" in response.text and "3" in response.text
    assert count(kernel, note_model()) == 2


def test_encodings_are_detected_and_said(client, admin, kernel):
    rows = [["标题", "正文"], ["拜访北京百度", "准备资料"]]
    for encoding, expected in (("gb18030", "GB18030"), ("utf-8-sig", "UTF-8 BOM"), ("utf-8", "UTF-8")):
        batch_id = upload(client, "notes.note", csv_file(rows, encoding))
        page = client.get(f"/dataio/batches/{batch_id}").text
        assert f'<strong id="dataio-encoding">{expected}</strong>' in page
        assert '<option value="标题" selected>' in page  # the header read right, and matched


def test_an_xlsx_file_is_imported(client, admin, kernel):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["标题", "金额", "类别"])
    sheet.append(["上海展会差旅", 1280.5, "差旅"])
    sheet.append(["客户招待", 300, "Meals"])
    out = io.BytesIO()
    book.save(out)
    batch_id = upload(client, "notes.expense", out.getvalue(), name="报销.xlsx")
    check(client, batch_id, {"title": "标题", "amount": "金额", "category": "类别"})
    assert commit(client, kernel, batch_id).inserted == 2
    with kernel.db.session(write=False) as db:
        Expense = expense_model()
        got = {e.title: (e.amount, e.category) for e in db.scalars(select(Expense))}
    assert got == {"上海展会差旅": (Decimal("1280.50"), "travel"), "客户招待": (Decimal("300.00"), "meals")}


def test_update_and_upsert_by_match_key(client, admin, kernel):
    first = upload(client, "notes.expense", csv_file([EXPENSE_HEADER, ["打车", "30", "差旅"], ["午餐", "45", "餐费"]]))
    check(client, first, {"title": "标题", "amount": "金额", "category": "类别"})
    commit(client, kernel, first)
    # update: a row whose key matches nothing is an error, blank cells are left alone
    update = upload(client, "notes.expense", csv_file([EXPENSE_HEADER, ["打车", "35", ""], ["晚餐", "99", ""]]),
                    mode="update", match_key="title")
    check(client, update, {"title": "标题", "amount": "金额", "category": "类别"})
    report = batch(kernel, update).report
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(3, "not_found")]
    # upsert: the same file updates one and inserts the other
    upsert = upload(client, "notes.expense", csv_file([EXPENSE_HEADER, ["打车", "35", ""], ["晚餐", "99", "餐费"]]),
                    mode="upsert", match_key="title")
    check(client, upsert, {"title": "标题", "amount": "金额", "category": "类别"})
    done = commit(client, kernel, upsert)
    assert (done.inserted, done.updated) == (1, 1)
    with kernel.db.session(write=False) as db:
        Expense = expense_model()
        got = {e.title: (e.amount, e.category) for e in db.scalars(select(Expense))}
    assert got == {"打车": (Decimal("35.00"), "travel"), "午餐": (Decimal("45.00"), "meals"),
                   "晚餐": (Decimal("99.00"), "meals")}
    # and undoing the upsert restores the old amount and removes the new claim
    assert client.submit(f"/dataio/batches/{upsert}/undo", follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        got = {e.title: e.amount for e in db.scalars(select(Expense).where(Expense.deleted_at.is_(None)))}
    assert got == {"打车": Decimal("30.00"), "午餐": Decimal("45.00")}


def test_the_dry_run_reports_every_kind_of_bad_cell(client, admin, kernel):
    with kernel.db.session() as db:
        db.add(note_model()(org_id=admin.org_id, owner_id=admin.id, title="北京百度网讯科技有限公司"))
    rows = [["标题", "正文"],
            ["", "missing title"],
            ["上海展会", "ok"],
            ["上海展会", "duplicate within the file"],
            ["北京百度網訊科技", "duplicate of a stored note"],
            ["x" * 201, "too long"]]
    batch_id = upload(client, "notes.note", csv_file(rows))
    check(client, batch_id, {"title": "标题", "body": "正文"})
    report = batch(kernel, batch_id).report
    assert [(e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        (2, "标题", "required"), (4, "标题", "duplicate"), (5, "标题", "duplicate"), (6, "标题", "too_long")]
    bad_choice = upload(client, "notes.expense", csv_file([EXPENSE_HEADER, ["打车", "30", "火箭"]]))
    check(client, bad_choice, {"title": "标题", "amount": "金额", "category": "类别"})
    assert [e["code"] for e in batch(kernel, bad_choice).report["errors"]] == ["choice"]


def test_the_mapping_is_saved_per_user_and_model_and_offered_again(client, admin, kernel):
    first = upload(client, "notes.note", csv_file([["便签名", "内容"], ["a", "b"]]))
    check(client, first, {"title": "便签名", "body": "内容"})
    with kernel.db.session(write=False) as db:
        saved = db.scalar(select(SavedMapping).where(SavedMapping.user_id == admin.id))
        assert saved is not None and saved.mapping == {"title": "便签名", "body": "内容"}
    second = upload(client, "notes.note", csv_file([["便签名", "内容"], ["c", "d"]]))
    page = client.get(f"/dataio/batches/{second}").text
    assert '<option value="便签名" selected>' in page and '<option value="内容" selected>' in page


def test_import_needs_the_models_import_permission(client, make, kernel):
    make.user(roles=(), username="reader", grants={"notes.note.read": "org", "notes.note.create": "org"})
    client.login("reader")
    assert client.get("/dataio/notes.note/import").status_code == 403
    response = client.submit("/dataio/notes.note/import", {"mode": "insert"},
                             files={"file": ("a.csv", b"Title\nx\n", "text/csv")})
    assert response.status_code == 403
    assert client.get("/dataio/nothing.here/import").status_code == 404


def test_rows_land_in_the_importing_users_organisation(client, make, kernel):
    branch = make.org("华东分公司")
    make.user(org=branch, roles=(), username="east", grants={
        "notes.note.read": "own", "notes.note.create": "own", "notes.note.import": "own"})
    client.login("east")
    batch_id = upload(client, "notes.note", csv_file([["Title"], ["杭州客户回访"]]))
    check(client, batch_id, {"title": "Title"})
    assert commit(client, kernel, batch_id).inserted == 1
    with kernel.db.session(write=False) as db:
        note = db.scalar(select(note_model()))
        assert note is not None and note.org_id == branch.id


def test_new_notes_are_written_many_at_once_with_audit_index_and_match_keys(client, admin, kernel):
    from suanpan_notes.hooks import EVENTS

    from core.models import AuditLog, User
    from core.permissions import load_actor
    from plugins.search.query import search

    # the notes' Crud offers create_many: the import writes the new notes with it
    EVENTS.clear()
    rows = [["标题", "正文"]] + [[f"杭州西湖{i}号茶叶有限公司", f"第{i}条"] for i in range(2500)]
    batch_id = upload(client, "notes.note", csv_file(rows))
    check(client, batch_id, {"title": "标题", "body": "正文"})
    done = commit(client, kernel, batch_id)
    assert (done.state, done.inserted) == ("done", 2500)
    created = [e for e in EVENTS if e[:2] == ("created", "notes.note")]
    assert len(created) == 2500
    with kernel.db.session(write=False) as db:
        Note = note_model()
        ids = set(db.scalars(select(Note.id)))
        audited = set(db.scalars(select(AuditLog.record_id).where(
            AuditLog.model == "notes.note", AuditLog.action == "create", AuditLog.user_id == admin.id)))
        assert audited == ids and {e[2] for e in created} == ids
        actor = load_actor(db, db.get(User, admin.id), all_codes=set(kernel.registry.permissions))
        hits = {g.model: [h.title for h in g.hits] for g in search(db, kernel.registry, actor, "hzxh1234")}
        assert hits == {"notes.note": ["杭州西湖1234号茶叶有限公司"]}
    # the match keys are stored: the same names again are duplicates of stored notes
    again = upload(client, "notes.note", csv_file([["标题", "正文"], ["杭州西湖7号茶叶（有限公司）", "x"]]))
    check(client, again, {"title": "标题", "body": "正文"})
    report = batch(kernel, again).report
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(2, "duplicate")]


def test_a_row_the_models_own_rules_refuse_at_commit_fails_the_batch_naming_the_field(client, admin, kernel):
    # the check knows the columns' types and choices; a customer's province is checked by the CRM's own rules
    from plugins.crm.models import Customer

    rows = [["名称", "省份"], ["深圳华强电子有限公司", "广东省"], ["杭州西湖茶业有限公司", "火星省"]]
    batch_id = upload(client, "crm.customer", csv_file(rows))
    check(client, batch_id, {"name": "名称", "province": "省份"})
    assert batch(kernel, batch_id).state == "checked"
    done = commit(client, kernel, batch_id)
    # the batch failed, saying why, and wrote nothing: not left "writing" with its job parked
    assert (done.state, done.inserted) == ("failed", 0)
    assert "省" in done.error
    assert count(kernel, Customer) == 0
    assert "text-danger" in client.get(f"/dataio/batches/{batch_id}/progress").text
