"""Audit trail, optimistic locking, the recycle bin, bad input and
transactions, through the kernel's own pages."""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import AuditLog, Department, Org


def _dept_form(org_id: int, **extra: str) -> dict[str, str]:
    return {"org_id": str(org_id), "name": "市场部", "name_en": "Marketing", **extra}


def test_every_change_is_audited_field_by_field_and_shown_on_the_record(kernel, make, client, admin):
    hq = make.hq()
    # when the administrator creates then renames a department
    created = client.submit("/admin/departments", _dept_form(hq.id), follow_redirects=False)
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    dept_id = int(url.rsplit("/", 1)[1])
    client.submit(url, _dept_form(hq.id, name="市场营销部", version="1"), follow_redirects=False)
    # then the audit trail holds who, when, and each field's old and new value
    with kernel.db.session(write=False) as db:
        rows = list(db.scalars(select(AuditLog).where(
            AuditLog.model == "core.department", AuditLog.record_id == dept_id).order_by(AuditLog.id)))
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].changes == {"name": ["市场部", "市场营销部"]}
    assert all(r.user_id == admin.id for r in rows)
    # and the record page shows it
    page = client.get(url)
    assert "<del>市场部</del> → 市场营销部" in page.text


def test_a_stale_save_answers_409_and_never_overwrites(kernel, make, client, admin, new_client):
    hq = make.hq()
    dept = make.department(hq, "销售部")
    other = new_client()
    other.login("root")
    # both open the form at version 1; the other saves first
    first = other.submit(f"/admin/departments/{dept.id}", _dept_form(hq.id, name="销售中心", version="1"),
                         follow_redirects=False)
    assert first.status_code == 303
    stale = client.submit(f"/admin/departments/{dept.id}", _dept_form(hq.id, name="销售一部", version="1"))
    assert stale.status_code == 409
    with kernel.db.session(write=False) as db:
        assert db.get(Department, dept.id).name == "销售中心"


def test_deleted_records_go_to_the_recycle_bin_and_come_back(kernel, make, client, admin):
    hq = make.hq()
    dept = make.department(hq, "临时项目组")
    response = client.submit(f"/admin/departments/{dept.id}/delete", {"version": "1"},
                             follow_redirects=False)
    assert response.status_code == 303
    # gone from the list and from its own page
    assert "临时项目组" not in client.get("/admin/departments").text
    assert client.get(f"/admin/departments/{dept.id}").status_code == 404
    # listed in the recycle bin, restorable
    assert "临时项目组" in client.get("/admin/recycle?model=core.department").text
    client.submit(f"/admin/recycle/core.department/{dept.id}/restore")
    assert client.get(f"/admin/departments/{dept.id}").status_code == 200
    # the audit trail kept every step, soft delete or not
    with kernel.db.session(write=False) as db:
        actions = list(db.scalars(select(AuditLog.action).where(
            AuditLog.model == "core.department", AuditLog.record_id == dept.id).order_by(AuditLog.id)))
    assert actions == ["create", "delete", "restore"]


def test_purge_needs_its_own_permission(kernel, make, client):
    hq = make.hq()
    dept = make.department(hq, "待清除")
    make.user(username="keeper", roles=(), grants={
        "core.department.read": "org", "core.department.delete": "org",
        "core.recycle.read": "org", "core.recycle.restore": "org"})
    client.login("keeper")
    client.submit(f"/admin/departments/{dept.id}/delete", {"version": "1"})
    assert client.submit(f"/admin/recycle/core.department/{dept.id}/purge").status_code == 403
    with kernel.db.session(write=False) as db:
        assert db.get(Department, dept.id) is not None


def test_form_errors_name_the_field_and_write_nothing(kernel, make, client, admin):
    with kernel.db.session(write=False) as db:
        before = db.scalar(select(func.count()).select_from(Org))
    response = client.submit("/admin/orgs", {"code": "", "name": "新机构", "parent_id": "999999"})
    assert response.status_code == 422
    assert 'id="f-code-err"' in response.text and 'id="f-parent_id-err"' in response.text
    assert 'aria-invalid="true"' in response.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Org)) == before


def test_a_duplicate_code_is_reported_on_the_field(make, client, admin):
    response = client.submit("/admin/orgs", {"code": "HQ", "name": "重复", "active": "1"})
    assert response.status_code == 422 and 'id="f-code-err"' in response.text
    # the service's message, in the reader's language (zh_CN by default)
    assert "该值已被占用。" in response.text


def test_oversized_and_malformed_input_is_refused_cleanly(client, admin):
    huge = client.submit("/admin/orgs", {"code": "X1", "name": "x" * 30_000})
    assert huge.status_code == 413
    too_big = client.post("/admin/orgs", content=b"a" * 2_000_001,
                          headers={"content-type": "application/x-www-form-urlencoded",
                                   "X-CSRF-Token": client.csrf()})
    assert too_big.status_code == 413
    assert client.get("/admin/orgs/not-a-number").status_code == 404
    assert client.get("/admin/orgs/99999999").status_code == 404
    weird_sort = client.get("/admin/users?sort=password_hash&dir=desc")
    assert weird_sort.status_code == 400 and "$argon2" not in weird_sort.text


def test_control_characters_are_dropped_from_form_fields(kernel, client, admin):
    # PostgreSQL stores no NUL (the save was a server error there); an XLSX export refuses them all
    response = client.submit("/admin/departments", {"name": "销售\x00部\x07\x1b", "name_en": "Sales\ttwo\r\nlines",
                                                    "org_id": str(admin.org_id)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        dept = db.scalar(select(Department).where(Department.name == "销售部"))
        assert dept is not None and dept.name_en == "Sales\ttwo\r\nlines"


def test_a_request_that_fails_half_way_leaves_nothing(kernel, make, client, admin):
    # a user whose department belongs to another org is refused after the org check
    branch = make.org("华东分公司")
    dept = make.department(branch, "华东销售部")
    hq = make.hq()
    with kernel.db.session(write=False) as db:
        audits = db.scalar(select(func.count()).select_from(AuditLog))
    response = client.submit("/admin/users", {"username": "half", "display_name": "半途",
                                              "org_id": str(hq.id), "department_id": str(dept.id)})
    assert response.status_code == 422
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(AuditLog)) == audits
        from core.models import User

        assert db.scalar(select(User).where(User.username == "half")) is None


def test_lists_page_with_keysets_and_bound_their_count(kernel, make, client, admin):
    hq = make.hq()
    with kernel.db.session() as db:
        for n in range(120):
            db.add(Department(org_id=hq.id, name=f"部门{n:03}", path="/"))
    first = client.get("/admin/departments?sort=name&dir=asc")
    assert "部门000" in first.text and "部门049" in first.text and "部门050" not in first.text
    after = first.text.split("after=")[1].split("&")[0].split('"')[0]
    second = client.get(f"/admin/departments?sort=name&dir=asc&after={after}")
    assert "部门050" in second.text and "部门049" not in second.text
    before = second.text.split("before=")[1].split("&")[0].split('"')[0]
    back = client.get(f"/admin/departments?sort=name&dir=asc&before={before}")
    assert "部门000" in back.text and "部门050" not in back.text
    searched = client.get("/admin/departments?q=部门11")
    assert "部门110" in searched.text and "部门010" not in searched.text
    # htmx asks for the table only
    partial = client.get("/admin/departments?q=部门11", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith("<div id=\"kit-department-table\">")


def test_numbers_and_text_that_the_columns_cannot_hold_are_refused_by_name(kernel, make, client, admin):
    # an expense claim's amount is Numeric(18, 2): 16 digits before the point
    for amount, message in (("NaN", "必须是数字"), ("Infinity", "必须是数字"),
                            ("10000000000000000", "太大")):
        answer = client.submit("/notes/expenses", {"title": "差旅", "amount": amount,
                                                      "category": "travel"})
        assert answer.status_code == 422, amount
        assert message in answer.text, amount
    # a form field that would take more than its column stores is cut to the column
    from core.kit import FormField, fit_to_column

    assert fit_to_column(FormField("code", "Code"), Org.__table__.c.code).max_length == 40
    assert fit_to_column(FormField("code", "Code", max_length=10), Org.__table__.c.code).max_length == 10


def test_the_trail_shows_states_and_choices_by_their_labels(kernel, client, admin):
    from suanpan_notes.models import Expense

    response = client.submit("/notes/expenses", {"title": "上海出差", "amount": "120", "category": "travel"},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session() as db:
        expense = db.scalar(select(Expense).where(Expense.title == "上海出差"))
        expense.category = "meals"
    page = client.get(response.headers["location"]).text
    # stored as travel, meals and draft; read as 差旅 → 餐费 and 草稿 (the workflow's label)
    assert "<del>差旅</del> → 餐费" in page and "草稿" in page
    assert ">travel<" not in page and "→ meals" not in page and "draft</li>" not in page
