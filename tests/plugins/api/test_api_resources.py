"""The REST resources: a note's life through an API token, under the same
permissions, scopes and field rules as the pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from core.admin import services
from core.models import RoleAssignment


def test_no_token_or_a_wrong_one_is_a_401_problem(api, make):
    make.user(username="root")
    for client in (api(), api(bearer="sp_not-a-token")):
        response = client.get("/api/v1/notes/note")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 401


def test_a_session_cookie_cannot_write_without_the_csrf_token(client, admin):
    response = client.post("/api/v1/notes/note", json={"title": "x"})
    assert response.status_code == 403
    response = client.post("/api/v1/notes/note", json={"title": "带令牌"},
                           headers={"X-CSRF-Token": client.csrf()})
    assert response.status_code == 201, response.text


def test_a_note_is_created_read_listed_updated_and_deleted(api, make):
    c = api(make.user(username="root"))
    created = c.post("/api/v1/notes/note", json={"title": "客户拜访", "body": "带上报价单"})
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["title"] == "客户拜访" and note["state"] == "draft" and note["version"] == 1
    assert created.headers["location"] == f"/api/v1/notes/note/{note['id']}"
    assert c.get(created.headers["location"]).json() == note
    assert [n["id"] for n in c.get("/api/v1/notes/note").json()["items"]] == [note["id"]]
    updated = c.patch(f"/api/v1/notes/note/{note['id']}", json={"title": "客户回访", "version": 1})
    assert updated.status_code == 200, updated.text
    assert updated.json()["title"] == "客户回访" and updated.json()["body"] == "带上报价单"
    assert updated.json()["version"] == 2 and updated.headers["etag"] == '"2"'
    assert c.delete(f"/api/v1/notes/note/{note['id']}").status_code == 204
    assert c.get(f"/api/v1/notes/note/{note['id']}").status_code == 404
    assert c.get("/api/v1/notes/note").json()["items"] == []


def test_lists_page_by_cursor_sort_filter_and_search(api, make, note):
    owner = make.user(username="root")
    ids = [note(owner, f"笔记{i:02}") for i in range(7)]
    note(owner, "已发布的", state="published")
    c = api(owner)
    first = c.get("/api/v1/notes/note", params={"sort": "title", "dir": "asc", "limit": 3,
                                                "state": "draft"}).json()
    assert [n["title"] for n in first["items"]] == ["笔记00", "笔记01", "笔记02"]
    rest = c.get("/api/v1/notes/note", params={"sort": "title", "dir": "asc", "limit": 5,
                                               "state": "draft", "after": first["next"]}).json()
    assert [n["id"] for n in rest["items"]] == ids[3:] and rest["next"] is None
    assert [n["title"] for n in c.get("/api/v1/notes/note?q=发布").json()["items"]] == ["已发布的"]


def test_bad_list_parameters_are_400_naming_them(api, make):
    c = api(make.user(username="root"))
    response = c.get("/api/v1/notes/note", params={"sort": "body", "limit": 1000, "owner_id": 1,
                                                   "after": "garbage"})
    assert response.status_code == 400
    assert {e["name"] for e in response.json()["errors"]} == {"sort", "limit", "owner_id"}
    assert c.get("/api/v1/notes/note", params={"after": "garbage"}).status_code == 400


def test_fields_sends_only_those_and_reads_no_other_column(kernel, api, make, note):
    owner = make.user(username="root")
    ids = [note(owner, f"笔记{i}", body=f"正文{i}") for i in range(5)]
    c = api(owner)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(kernel.db.engine, "before_cursor_execute", seen)
    try:
        first = c.get("/api/v1/notes/note", params={"fields": "title", "sort": "title", "limit": 2}).json()
    finally:
        event.remove(kernel.db.engine, "before_cursor_execute", seen)
    # the id always comes; nothing else but what was asked
    assert [set(item) for item in first["items"]] == [{"id", "title"}] * 2
    assert [item["title"] for item in first["items"]] == ["笔记4", "笔记3"]
    page = [s for s in statements if "FROM notes_note" in s and "notes_note.title" in s]
    assert page and all("notes_note.body" not in s for s in page), page
    # the cursor of a sparse page goes on where it stopped, sorted by a field not asked for
    rest = c.get("/api/v1/notes/note", params={"fields": "body", "sort": "title", "limit": 5,
                                               "after": first["next"]}).json()
    assert [item["body"] for item in rest["items"]] == ["正文2", "正文1", "正文0"]
    assert [set(item) for item in rest["items"]] == [{"id", "body"}] * 3
    one = c.get(f"/api/v1/notes/note/{ids[0]}", params={"fields": "title, body"})
    assert one.json() == {"id": ids[0], "title": "笔记0", "body": "正文0"} and one.headers["etag"] == '"1"'


def test_fields_naming_no_field_or_a_hidden_one_is_400(kernel, api, make, note):
    user = _holder(kernel, make, _rule(kernel, "hidden", "body"))
    record = note(user, "有正文", body="机密正文")
    c = api(user)
    for fields in ("body", "title,body", "title,nosuch", "", " , ", "extra"):
        for url in ("/api/v1/notes/note", f"/api/v1/notes/note/{record}"):
            refused = c.get(url, params={"fields": fields})
            assert refused.status_code == 400, (url, fields)
            assert [e["name"] for e in refused.json()["errors"]] == ["fields"]
            assert "机密正文" not in refused.text
    assert c.get("/api/v1/notes/note", params={"fields": "title"}).json()["items"] == [
        {"id": record, "title": "有正文"}]


def test_another_orgs_note_is_not_found_and_never_listed(api, make, note):
    mine = make.user(username="root")
    hidden = note(mine, "甲方机密")
    other = make.user(org=make.org("乙公司"), username="other", roles=(),
                      grants={"notes.note.read": "org", "notes.note.update": "org",
                              "notes.note.delete": "org"})
    c = api(other)
    assert c.get(f"/api/v1/notes/note/{hidden}").status_code == 404
    assert c.patch(f"/api/v1/notes/note/{hidden}", json={"title": "x", "version": 1}).status_code == 404
    assert c.delete(f"/api/v1/notes/note/{hidden}").status_code == 404
    assert c.get("/api/v1/notes/note").json()["items"] == []
    assert "甲方机密" not in c.get("/api/v1/notes/note?q=机密").text


def test_a_user_without_the_permission_gets_403(api, make, note):
    owner = make.user(username="root")
    record = note(owner)
    c = api(make.user(username="nobody", roles=()))
    assert c.get("/api/v1/notes/note").status_code == 403
    assert c.get(f"/api/v1/notes/note/{record}").status_code == 403
    assert c.post("/api/v1/notes/note", json={"title": "x"}).status_code == 403


def _rule(kernel, mode: str, field: str) -> Any:
    """A role reading and editing notes, with ``field`` hidden or read-only."""
    with kernel.db.session() as db:
        role = services.create_role(db, None, {"key": f"notes_{mode}", "name": mode})  # type: ignore[arg-type]
        services.set_role_grants(db, role, {"notes.note.read": "org", "notes.note.create": "org",
                                            "notes.note.update": "org"}, kernel.registry)
        services.set_field_rules(db, role, {("notes.note", field): mode}, kernel.registry)
        return role.id


def _holder(kernel, make, role: int) -> Any:
    user = make.user(username=f"holder{role}", roles=())
    with kernel.db.session() as db:
        db.add(RoleAssignment(user_id=user.id, role_id=role, org_id=user.org_id))
    return user


def test_a_hidden_field_never_leaves_and_cannot_be_sent(kernel, api, make, note):
    user = _holder(kernel, make, _rule(kernel, "hidden", "body"))
    record = note(user, "有正文", body="机密正文")
    c = api(user)
    assert "body" not in c.get(f"/api/v1/notes/note/{record}").json()
    assert "机密正文" not in c.get("/api/v1/notes/note").text
    refused = c.patch(f"/api/v1/notes/note/{record}", json={"body": "改", "version": 1})
    assert refused.status_code == 422 and refused.json()["errors"][0]["name"] == "body"


def test_a_read_only_field_is_refused_with_422_naming_it(kernel, api, make, note):
    user = _holder(kernel, make, _rule(kernel, "readonly", "title"))
    record = note(user, "原标题")
    c = api(user)
    assert c.get(f"/api/v1/notes/note/{record}").json()["title"] == "原标题"
    response = c.patch(f"/api/v1/notes/note/{record}", json={"title": "新标题", "version": 1})
    assert response.status_code == 422
    assert [e["name"] for e in response.json()["errors"]] == ["title"]
    fine = c.patch(f"/api/v1/notes/note/{record}", json={"body": "可改", "version": 1})
    assert fine.status_code == 200 and fine.json()["title"] == "原标题"


def test_unknown_and_meta_fields_are_refused(api, make):
    c = api(make.user(username="root"))
    response = c.post("/api/v1/notes/note", json={"title": "x", "org_id": 99, "colour": "red",
                                                  "state": "published"})
    assert response.status_code == 422
    assert {e["name"] for e in response.json()["errors"]} == {"org_id", "colour", "state"}


def test_validation_errors_are_problem_details_naming_the_field(api, make):
    c = api(make.user(username="root"))
    response = c.post("/api/v1/notes/note", json={"body": "无标题"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422 and problem["type"] and problem["title"]
    assert problem["errors"][0]["name"] == "title" and problem["errors"][0]["pointer"] == "#/title"
    assert c.post("/api/v1/notes/note", json={"title": ["a", "b"]}).status_code == 422
    assert c.post("/api/v1/notes/note", json={"title": "a\x00b"}).status_code == 422
    assert c.post("/api/v1/notes/note", content=b"[1]",
                  headers={"content-type": "application/json"}).status_code == 400


def test_a_stale_version_is_a_409_and_a_missing_one_a_428(api, make, note):
    owner = make.user(username="root")
    record = note(owner)
    c = api(owner)
    assert c.patch(f"/api/v1/notes/note/{record}", json={"title": "甲"}).status_code == 428
    assert c.patch(f"/api/v1/notes/note/{record}", json={"title": "甲"},
                   headers={"If-Match": '"1"'}).status_code == 200
    stale = c.patch(f"/api/v1/notes/note/{record}", json={"title": "乙", "version": 1})
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert c.get(f"/api/v1/notes/note/{record}").json()["title"] == "甲"
    assert c.delete(f"/api/v1/notes/note/{record}", headers={"If-Match": '"1"'}).status_code == 412


def test_a_published_note_is_locked_and_a_transition_publishes_it(api, make, note):
    owner = make.user(username="root")
    record = note(owner)
    c = api(owner)
    fired = c.post(f"/api/v1/notes/note/{record}/transitions/publish", json={"comment": "定稿"})
    assert fired.status_code == 200, fired.text
    assert fired.json()["state"] == "published"
    assert c.patch(f"/api/v1/notes/note/{record}", json={"title": "改", "version": 2}).status_code == 409
    assert c.delete(f"/api/v1/notes/note/{record}").status_code == 409
    again = c.post(f"/api/v1/notes/note/{record}/transitions/publish")
    assert again.status_code == 409
    assert c.post(f"/api/v1/notes/note/{record}/transitions/fly").status_code == 404


def test_the_kernels_users_are_a_resource_too(api, make):
    root = make.user(username="root")
    c = api(root)
    users = c.get("/api/v1/core/user", params={"username": "root"}).json()["items"]
    assert [u["id"] for u in users] == [root.id]
    assert "password_hash" not in users[0]
    hq = make.hq()
    created = c.post("/api/v1/core/user", json={"username": "zhang.san", "display_name": "张三",
                                                "org_id": hq.id, "active": True})
    assert created.status_code == 201, created.text
    assert created.json()["org_id"] == hq.id and created.json()["active"] is True


def test_expense_amounts_are_decimal_strings(api, make):
    c = api(make.user(username="root"))
    created = c.post("/api/v1/notes/expense", json={"title": "差旅", "amount": "1234.50",
                                                    "category": "travel"})
    assert created.status_code == 201, created.text
    assert created.json()["amount"] == "1234.50"
    too_big = c.post("/api/v1/notes/expense", json={"title": "x", "amount": "1e30", "category": "travel"})
    assert too_big.status_code == 422 and too_big.json()["errors"][0]["name"] == "amount"
    assert c.post("/api/v1/notes/expense", json={"title": "x", "amount": "NaN",
                                                 "category": "travel"}).status_code == 422


def test_a_filter_beyond_a_32_bit_column_is_400_not_a_server_error(api, make):
    # the catalog's units: ``places`` is a 32-bit INTEGER column (PostgreSQL refuses 2**31 in a comparison)
    c = api(make.user(username="root"))
    refused = c.get("/api/v1/catalog/unit", params={"places": str(2**31)})
    assert refused.status_code == 400
    assert [e["name"] for e in refused.json()["errors"]] == ["places"]
    assert c.get("/api/v1/catalog/unit", params={"places": str(2**31 - 1)}).status_code == 200


def test_every_list_answers_without_parameters_in_its_pages_order(kernel, api, make):
    # a list page's default order may be a column the page does not show (the
    # departments' tree path): the API keeps it, as the page does
    root = make.user(username="root")
    make.department(make.hq(), "销售部")
    c = api(root)
    for mount, crud in kernel.registry.cruds.values():
        response = c.get(f"/api/v1/{mount}/{crud.noun}")
        assert response.status_code == 200, (crud.key, response.text)
    departments = c.get("/api/v1/core/department").json()["items"]
    assert [d["name"] for d in departments] == ["销售部"]
    assert c.get("/api/v1/core/department", params={"sort": "path"}).status_code == 200
    assert c.get("/api/v1/core/department", params={"sort": "head_id"}).status_code == 400
