"""The field rule "masked": a role reads a field as 138****5678 on every
page, in the API, in exports and in the change history, and never writes it."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, select
from starlette.testclient import TestClient
from suanpan_notes.models import Note

from core import ReportQuery, ValidationError, aggregate, describe, looks_masked, mask_kind, mask_value
from core.admin import services
from core.auth import create_api_token
from core.models import FieldRule, Role, RoleAssignment, User
from core.permissions import load_actor

READER = {"notes.note.read": "org", "notes.note.update": "org", "notes.note.export": "org",
          "core.audit.read": "org"}
PHONE = "13812345678"


# ------------------------------------------------------------------ the masks


@pytest.mark.parametrize(("value", "kind", "masked"), [
    ("13812345678", "phone", "138****5678"),
    ("138 1234 5678", "phone", "138 **** 5678"),
    ("+86 138-1234-5678", "phone", "+86 1**-****-5678"),
    ("12345678", "phone", "12****78"),       # a short number: at most half its digits
    ("1234567", "phone", "1****67"),
    ("010-8888", "phone", "0**-**88"),      # separators stay
    ("zhang.san@example.com", "email", "z***@example.com"),
    ("a@example.com", "email", "***@example.com"),
    ("110101199003078888", "id", "1101**********8888"),
    ("91310115MA1H7KX123", "id", "9131**********X123"),
    ("ABC12345", "id", "AB****45"),
    ("张三丰", "text", "张***"),
    ("张", "text", "***"),
    ("", "text", ""),
    (None, "phone", ""),
])
def test_a_value_is_masked_by_its_kind(value, kind, masked):
    assert mask_value(value, kind) == masked
    assert looks_masked(masked)


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"),          # 7 digits or more, with + spaces dashes: a phone
    ("(021) 5080-1234", "(021) ****-1234"),
    ("li.na@example.cn", "l***@example.cn"),
    ("110101199003078888", "1101**********8888"),  # 15 to 20 letters and digits: an id
    ("北京百度网讯科技有限公司", "北***"),
    ("12345", "1***"),                       # too short for a phone: text
])
def test_without_a_kind_the_value_says_how_it_is_masked(value, masked):
    assert mask_value(value) == masked


def test_masked_text_masks_to_itself_and_clear_text_does_not():
    for value in ("13812345678", "021-5080 1234", "li.na@example.cn", "110101199003078888", "上海华信"):
        masked = mask_value(value)
        assert masked != value and looks_masked(masked), value
        assert not looks_masked(value), value
    assert not looks_masked("Ms. Li *VIP*") and not looks_masked(["138****5678"])


def test_a_column_declares_its_mask_kind():
    class Customer:
        __table__ = Table("crm_customer", MetaData(), Column("licence", String, info={"mask": "id"}),
                          Column("note", String))

    assert mask_kind(Customer, "licence") == "id"  # type: ignore[arg-type]
    assert mask_kind(Customer, "note") is None  # type: ignore[arg-type]
    assert mask_kind(User, "phone") == "phone" and mask_kind(User, "email") == "email"


# ------------------------------------------------------------------ given


def _role(kernel, key: str, rules: dict[str, str], grants: dict[str, str] = READER) -> int:
    """A role reading, changing and exporting notes, with field rules on notes."""
    with kernel.db.session() as db:
        role = services.create_role(db, None, {"key": key, "name": key})  # type: ignore[arg-type]
        services.set_role_grants(db, role, grants, kernel.registry)
        services.set_field_rules(db, role, {("notes.note", f): m for f, m in rules.items()}, kernel.registry)
        return role.id


def _holder(kernel, make, *role_ids: int, username: str = "mask") -> User:
    user = make.user(username=username, roles=())
    with kernel.db.session() as db:
        for role_id in role_ids:
            db.add(RoleAssignment(user_id=user.id, role_id=role_id, org_id=user.org_id))
    return user


def _note(kernel, owner: User, title: str, body: str = PHONE) -> int:
    with kernel.db.session() as db:
        note = Note(org_id=owner.org_id, owner_id=owner.id, title=title, body=body)
        db.add(note)
        db.flush()
        return note.id


def _modes(kernel, user: User) -> dict[str, str]:
    with kernel.db.session(write=False) as db:
        actor = load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))
        return actor.field_modes.get("notes.note", {})


@pytest.fixture
def masked_user(kernel, make) -> User:
    """A user whose one role masks the title and the body of notes."""
    return _holder(kernel, make, _role(kernel, "masking", {"title": "masked", "body": "masked"}))


# ------------------------------------------------------------------ roles


def test_roles_combine_a_role_showing_the_field_in_clear_wins(kernel, make):
    masking = _role(kernel, "masking", {"body": "masked"})
    hiding = _role(kernel, "hiding", {"body": "hidden"})
    hiding_too = _role(kernel, "hiding_too", {"body": "hidden"})
    clear = _role(kernel, "clear", {})
    read_only = _role(kernel, "read_only", {"body": "readonly"})
    assert _modes(kernel, _holder(kernel, make, masking, username="a")) == {"body": "masked"}
    assert _modes(kernel, _holder(kernel, make, masking, hiding, username="b")) == {"body": "masked"}
    assert _modes(kernel, _holder(kernel, make, hiding, hiding_too, username="c")) == {"body": "hidden"}
    # a role showing it in clear wins; with a read-only one it reads in clear and is still not written
    assert _modes(kernel, _holder(kernel, make, masking, clear, username="d")) == {}
    assert _modes(kernel, _holder(kernel, make, masking, read_only, username="e")) == {"body": "readonly"}


def test_a_masked_field_is_read_only_and_counts_as_not_readable_in_clear(kernel, masked_user):
    with kernel.db.session(write=False) as db:
        actor = load_actor(db, db.get(User, masked_user.id), all_codes=set(kernel.registry.permissions))
    assert actor.masked_fields(Note) == {"title", "body"}
    assert actor.hidden_fields(Note) == {"title", "body"}  # code unaware of masking leaves them out
    assert actor.readonly_fields(Note) == {"title", "body"}


def test_the_role_page_offers_masked_and_stores_it(kernel, client, admin):
    with kernel.db.session(write=False) as db:
        role_id = db.scalar(select(Role.id).where(Role.key == "staff"))
    page = client.get(f"/admin/roles/{role_id}", headers={"Accept-Language": "en"}).text
    assert '<option value="masked" >Masked</option>' in page
    page = client.get(f"/admin/roles/{role_id}", headers={"Accept-Language": "zh-CN"}).text
    assert '<option value="masked" >脱敏显示</option>' in page
    response = client.submit(f"/admin/roles/{role_id}/grants", {
        "scope:notes.note.read": "org", "field:notes.note.body": "masked"}, follow_redirects=False)
    assert response.status_code == 303
    with kernel.db.session(write=False) as db:
        rules = db.execute(select(FieldRule.field, FieldRule.mode).where(FieldRule.role_id == role_id)).all()
    assert [tuple(r) for r in rules] == [("body", "masked")]
    assert 'value="masked" selected' in client.get(f"/admin/roles/{role_id}").text
    with kernel.db.session() as db, pytest.raises(ValidationError):
        services.set_field_rules(db, db.get(Role, role_id), {("notes.note", "body"): "blurred"},
                                 kernel.registry)


# ------------------------------------------------------------------ pages


def test_the_list_shows_a_masked_field_masked_and_never_sorts_or_searches_by_it(kernel, client, make,
                                                                             masked_user):
    _note(kernel, masked_user, "张三丰的拜访")
    _note(kernel, masked_user, "李四的拜访")
    client.login("mask")
    page = client.get("/notes/").text
    assert "张***" in page and "李***" in page
    assert "张三丰" not in page and "李四" not in page
    assert "sort=title" not in page  # no sort link on a masked column
    # searching for the whole title cannot confirm it: the masked field is not searched
    found = client.get("/notes/", params={"q": "张三丰的拜访"}).text
    assert "张***" in found and "李***" in found
    # sorting by it is not offered, so the page cursor never carries its values
    sorted_page = client.get("/notes/", params={"sort": "title", "dir": "asc"})
    assert sorted_page.status_code == 400 and "张三丰" not in sorted_page.text


def test_the_detail_page_and_the_form_show_masked_values_and_a_post_changes_nothing(kernel, client,
                                                                                  masked_user):
    note_id = _note(kernel, masked_user, "张三丰的拜访")
    client.login("mask")
    detail = client.get(f"/notes/{note_id}").text
    assert "138****5678" in detail and "张***" in detail  # the page title too
    assert PHONE not in detail and "张三丰" not in detail
    form = client.get(f"/notes/{note_id}/edit").text
    assert "138****5678" in form and PHONE not in form and "张三丰" not in form
    assert 'name="body"' not in form and 'name="title"' not in form  # nothing to send back
    # when a post sends the fields anyway (the masked text, or a new value)
    response = client.submit(f"/notes/{note_id}", {"title": "张***", "body": "138****5678", "version": "1"},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        note = db.get(Note, note_id)
        assert (note.title, note.body, note.version) == ("张三丰的拜访", PHONE, 1)


def test_a_masked_custom_field_is_masked_on_the_pages(kernel, client, admin, make):
    response = client.submit("/customfields/models/notes.note",
                             {"label_zh": "客户手机", "label_en": "Customer mobile", "kind": "text"},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    from plugins.customfields.models import Field

    with kernel.db.session(write=False) as db:
        name = db.scalar(select(Field.name).where(Field.label_en == "Customer mobile"))
    role = _role(kernel, "masking", {name: "masked"})
    user = _holder(kernel, make, role)
    with kernel.db.session() as db:
        note = Note(org_id=user.org_id, owner_id=user.id, title="拜访", extra={name: "13987654321"})
        db.add(note)
        db.flush()
        note_id = note.id
    client.login("mask")
    for page in (client.get("/notes/").text, client.get(f"/notes/{note_id}").text,
                 client.get(f"/notes/{note_id}/edit").text):
        assert "139****4321" in page and "13987654321" not in page
    response = client.submit(f"/notes/{note_id}", {"title": "拜访", name: "1", "version": "1"},
                             follow_redirects=False)
    assert response.status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.get(Note, note_id).extra == {name: "13987654321"}


def test_a_role_that_shows_the_field_in_clear_wins_on_the_pages(kernel, client, make):
    both = _holder(kernel, make, _role(kernel, "masking", {"body": "masked"}), _role(kernel, "clear", {}))
    note_id = _note(kernel, both, "拜访")
    client.login("mask")
    assert PHONE in client.get(f"/notes/{note_id}").text


def test_a_declared_mask_kind_masks_user_phones_and_emails(kernel, client, make):
    with kernel.db.session() as db:
        role = services.create_role(db, None, {"key": "hr", "name": "hr"})  # type: ignore[arg-type]
        services.set_role_grants(db, role, {"core.user.read": "org"}, kernel.registry)
        services.set_field_rules(db, role, {("core.user", "phone"): "masked", ("core.user", "email"): "masked"},
                                 kernel.registry)
        role_id = role.id
    _holder(kernel, make, role_id)
    colleague = make.user(username="lina", name="李娜")
    with kernel.db.session() as db:
        user = db.get(User, colleague.id)
        user.phone, user.email = "13800138000", "li.na@example.cn"
    client.login("mask")
    page = client.get("/admin/users").text
    assert "138****8000" in page and "l***@example.cn" in page
    assert "13800138000" not in page and "li.na@" not in page


# ------------------------------------------------------------------ API, export, audit trail


def _api(kernel, user: User) -> TestClient:
    """A client of the REST API with an API token of ``user``."""
    with kernel.db.session() as db:
        _row, token = create_api_token(db, db.get(User, user.id), "tests")
    return TestClient(kernel.asgi(), base_url="http://testserver", headers={"Authorization": f"Bearer {token}"})


def test_the_api_reads_masked_values_and_refuses_to_write_or_filter_them(kernel, masked_user):
    note_id = _note(kernel, masked_user, "张三丰的拜访")
    with _api(kernel, masked_user) as c:
        _api_checks(kernel, c, note_id)


def _api_checks(kernel, c: TestClient, note_id: int) -> None:
    body = c.get(f"/api/v1/notes/note/{note_id}").json()
    assert (body["title"], body["body"]) == ("张***", "138****5678")
    listed = c.get("/api/v1/notes/note").json()["items"]
    assert [(n["title"], n["body"]) for n in listed] == [("张***", "138****5678")]
    # the list neither filters nor sorts by a masked field, and a search does not read it
    assert c.get("/api/v1/notes/note", params={"body": PHONE}).status_code == 400
    assert c.get("/api/v1/notes/note", params={"sort": "title"}).status_code == 400
    assert c.get("/api/v1/notes/note", params={"q": "张三丰"}).json()["items"][0]["id"] == note_id
    # writing it back is refused like a read-only field
    refused = c.patch(f"/api/v1/notes/note/{note_id}", json={"body": "138****5678", "version": 1})
    assert refused.status_code == 422 and [e["name"] for e in refused.json()["errors"]] == ["body"]
    with kernel.db.session(write=False) as db:
        assert db.get(Note, note_id).body == PHONE


def test_an_export_holds_masked_values(kernel, client, masked_user):
    _note(kernel, masked_user, "张三丰的拜访")
    client.login("mask")
    response = client.get("/dataio/notes.note/export/file?col=title&col=body")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1:] == [["张***", "138****5678"]]
    assert PHONE not in response.content.decode("utf-8-sig")


def test_the_duplicate_check_does_not_confirm_a_masked_value(kernel, client, make, masked_user):
    _note(kernel, masked_user, "张三丰的拜访")
    _holder(kernel, make, _role(kernel, "clear", {}), username="clear")
    client.login("clear")
    assert "张三丰的拜访" in client.get("/dataio/notes.note/duplicates", params={"title": "张三丰的拜访"}).text
    client.login("mask")
    page = client.get("/dataio/notes.note/duplicates", params={"title": "张三丰的拜访"})
    assert page.status_code == 200 and "张三丰" not in page.text
    with kernel.db.session(write=False) as db:
        from plugins.dataio.duplicates import candidates

        actor = load_actor(db, db.get(User, masked_user.id), all_codes=set(kernel.registry.permissions))
        assert candidates(db, actor, Note, {"title": "张三丰的拜访"}) == []


def test_the_change_history_shows_masked_old_and_new_values(kernel, client, make, masked_user):
    note_id = _note(kernel, masked_user, "张三丰的拜访")
    with kernel.db.session() as db:
        db.get(Note, note_id).body = "13987654321"
    client.login("mask")
    page = client.get(f"/notes/{note_id}").text
    assert "138****5678" in page and "139****4321" in page
    assert PHONE not in page and "13987654321" not in page
    from core import audit_trail
    from core.permissions import load_actor as actor_of

    with kernel.db.session(write=False) as db:
        actor = actor_of(db, db.get(User, masked_user.id), all_codes=set(kernel.registry.permissions))
        changes = [(c.field, c.old, c.new) for e in audit_trail(db, actor, db.get(Note, note_id))
                   for c in e.changes if c.field == "body"]
    assert changes == [("body", "138****5678", "139****4321"), ("body", None, "138****5678")]


def test_a_report_cannot_group_by_a_masked_field(kernel, make):
    # a group's key would show the field in clear
    with kernel.db.session() as db:
        role = services.create_role(db, None, {"key": "claims", "name": "claims"})  # type: ignore[arg-type]
        services.set_role_grants(db, role, {"notes.expense.read": "org"}, kernel.registry)
        services.set_field_rules(db, role, {("notes.expense", "category"): "masked"}, kernel.registry)
        role_id = role.id
    user = _holder(kernel, make, role_id)
    with kernel.db.session(write=False) as db:
        actor = load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))
    assert "category" not in [d.column for d in describe(actor, kernel.registry, "notes.expenses").dimensions]
    with kernel.db.session(write=False) as db, pytest.raises(ValidationError) as refused:
        aggregate(db, actor, kernel.registry, ReportQuery("notes.expenses", rows=("category",),
                                                          measures=("claims",)))
    assert list(refused.value.errors) == ["category"]


def test_a_required_field_the_role_may_not_set_is_named_not_a_server_error(kernel, client, make):
    # given a role that may create notes but reads their title only (a required column)
    _holder(kernel, make, _role(kernel, "no_title", {"title": "readonly"},
                                {**READER, "notes.note.create": "org"}), username="no_title")
    client.login("no_title")
    # when it posts a new note, title and all (a read-only field never binds)
    page = client.submit("/notes/", {"title": "张三丰的拜访", "body": "正文"})
    # then the form answers 422, and the API names the field, and nothing is written
    assert page.status_code == 422
    with kernel.db.session(write=False) as db:
        user = db.scalar(select(User).where(User.username == "no_title"))
    with _api(kernel, user) as c:
        refused = c.post("/api/v1/notes/note", json={"body": "正文"})
    assert refused.status_code == 422 and [e["name"] for e in refused.json()["errors"]] == ["title"]
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Note)) == 0
