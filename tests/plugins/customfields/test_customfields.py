"""Custom fields: an administrator adds fields to the example plugin's notes in
the browser, and they appear at once on the note form, list and detail page,
with the kernel's field rules, validation and recycle of definitions."""

from __future__ import annotations

import re

from sqlalchemy import select

from core import ExtraField, extra_fields_of
from core.models import Role, RoleAssignment
from plugins.customfields.models import Field

CHOICES = "vip|重要客户|Key account\nnormal|普通客户|Regular"


def test_fields_of_every_kind_appear_on_the_note_form_detail_and_list(client, add_field, admin, note_values):
    # given fields of every kind, added through the admin pages
    names = {
        "text": add_field("Licence plate"),
        "number": add_field("Head count", "number"),
        "money": add_field("Budget", "money"),
        "date": add_field("Signed on", "date"),
        "choice": add_field("Level", "choice", choices=CHOICES),
        "multi": add_field("Topics", "multi", choices="a|甲|Alpha\nb|乙|Beta\nc|丙|Gamma"),
        "user": add_field("Account manager", "user"),
        "link": add_field("Related note", "link", ref="notes.note"),
        "bool": add_field("Key project", "bool"),
    }
    assert names["text"] == "x_licence_plate" and names["money"] == "x_budget"
    assert "notes.note" in client.get("/customfields/").text
    # when the administrator opens the note form, every field is on it
    form = client.get("/notes/new").text
    for kind, name in names.items():
        assert f'name="{name}{"[]" if kind == "multi" else ""}"' in form, kind
    # and a note saved with values keeps them, converted
    first = client.submit("/notes/", {"title": "上海车展"}, follow_redirects=False)
    assert first.status_code == 303
    first_id = int(first.headers["location"].rsplit("/", 1)[1])
    response = client.submit("/notes/", {
        "title": "北京项目", names["text"]: "京A12345", names["number"]: "12", names["money"]: "1,234.5",
        names["date"]: "2026-03-01", names["choice"]: "vip", f"{names['multi']}[]": ["c", "a"],
        names["user"]: str(admin.id), names["link"]: str(first_id), names["bool"]: "1",
    }, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert note_values("北京项目") == {
        names["text"]: "京A12345", names["number"]: 12, names["money"]: "1234.50",
        names["date"]: "2026-03-01", names["choice"]: "vip", names["multi"]: ["a", "c"],
        names["user"]: admin.id, names["link"]: first_id, names["bool"]: True,
    }
    # then the detail page shows them with labels in the reader's language
    detail = client.get(response.headers["location"]).text
    for text in ("Licence plate（中）", "京A12345", "重要客户", "甲、丙", "管理员", "上海车展", "2026"):
        assert text in detail, text
    # and the list has a column per field
    listing = client.get("/notes/").text
    assert "Budget（中）" in listing and "重要客户" in listing
    # and the edit form shows the stored values
    edit = client.get(response.headers["location"] + "/edit").text
    assert 'value="京A12345"' in edit and re.search(r'<option value="vip"\s+selected', edit)


def test_the_list_sorts_filters_searches_and_pages_by_a_custom_field(client, add_field, admin, kernel):
    from suanpan_notes.models import Note

    score = add_field("Score", "number")
    level = add_field("Level", "choice", choices=CHOICES)
    with kernel.db.session() as db:
        for i in range(70):
            extra = {} if i % 7 == 0 else {score: (i * 37) % 50, level: "vip" if i % 2 else "normal"}
            db.add(Note(org_id=admin.org_id, owner_id=admin.id, title=f"N{i:02d}", extra=extra))
    # when the administrator pages through the list sorted by score, both ways
    for direction in ("asc", "desc"):
        seen, url = [], f"/notes/?sort={score}&dir={direction}"
        while url:
            page = client.get(url).text
            seen += re.findall(r">(N\d\d)</a>", page)
            nxt = re.search(r'href="(/notes/\?[^"]*after=[^"]+)"', page)
            url = nxt.group(1).replace("&amp;", "&") if nxt else None
        # then every note comes exactly once, in score order, notes without one at the end (asc)
        assert sorted(seen) == [f"N{i:02d}" for i in range(70)], direction
        keys = [None if i % 7 == 0 else (i * 37) % 50 for i in (int(t[1:]) for t in seen)]
        present = [k for k in keys if k is not None]
        assert present == sorted(present, reverse=direction == "desc")
        nones = [i for i, k in enumerate(keys) if k is None]
        assert nones == (list(range(60, 70)) if direction == "asc" else list(range(10)))
    # and the choice filter selects by the stored value
    filtered = client.get(f"/notes/?{level}=vip").text
    titles = re.findall(r">(N\d\d)</a>", filtered)
    assert titles and all(int(t[1:]) % 2 == 1 and int(t[1:]) % 7 for t in titles)
    # and the search box finds text fields
    plate = add_field("Plate")
    client.submit("/notes/", {"title": "车牌", plate: "沪C88888"})
    assert re.findall(r">(车牌)</a>", client.get("/notes/?q=C888").text) == ["车牌"]


def test_required_unique_and_choice_errors_name_the_field_and_write_nothing(client, add_field, kernel):
    from suanpan_notes.models import Note

    code = add_field("Customer code", required=1, unique=1)
    level = add_field("Level", "choice", choices=CHOICES)
    # a missing required value
    missing = client.submit("/notes/", {"title": "甲", level: "vip"})
    assert missing.status_code == 422 and "Customer code（中）" in missing.text
    # an unknown choice
    wrong = client.submit("/notes/", {"title": "乙", code: "C1", level: "gold"})
    assert wrong.status_code == 422 and "Level（中）" in wrong.text
    # a duplicate of a unique value in the same organisation
    assert client.submit("/notes/", {"title": "丙", code: "C1"}, follow_redirects=False).status_code == 303
    duplicate = client.submit("/notes/", {"title": "丁", code: "C1"})
    assert duplicate.status_code == 422 and "Customer code（中）" in duplicate.text
    with kernel.db.session(write=False) as db:
        assert sorted(db.scalars(select(Note.title))) == ["丙"]


def test_field_rules_hide_or_lock_a_custom_field_for_a_role(client, add_field, make, new_client, kernel,
                                                             note_values):
    secret = add_field("Margin", "money")
    locked = add_field("Grade")
    # given a clerk whose role may read and update notes
    grants = {"notes.note.read": "org", "notes.note.create": "org", "notes.note.update": "org"}
    clerk = make.user(roles=(), grants=grants, username="clerk")
    with kernel.db.session(write=False) as db:
        role_id = db.scalar(select(Role.id).join(RoleAssignment, RoleAssignment.role_id == Role.id)
                            .where(RoleAssignment.user_id == clerk.id))
    # when the administrator hides one custom field and locks the other on the role page
    page = client.get(f"/admin/roles/{role_id}").text
    assert f'name="field:notes.note.{secret}"' in page and "Margin（中）" in page
    data = {f"scope:{c}": s for c, s in grants.items()}
    data |= {f"field:notes.note.{secret}": "hidden", f"field:notes.note.{locked}": "readonly"}
    assert client.submit(f"/admin/roles/{role_id}/grants", data, follow_redirects=False).status_code == 303
    response = client.submit("/notes/", {"title": "报价", secret: "99.00", locked: "A"}, follow_redirects=False)
    detail_url = response.headers["location"]
    # then the clerk sees neither the margin on the list, detail or form
    other = new_client()
    other.login("clerk")
    for url in ("/notes/", detail_url, detail_url + "/edit", "/notes/new"):
        text = other.get(url).text
        assert "Margin（中）" not in text and "99.00" not in text and secret not in text, url
    # and posting the locked or hidden field changes nothing
    edit = other.get(detail_url + "/edit").text
    version = re.search(r'name="version" value="(\d+)"', edit).group(1)
    other.submit(detail_url, {"title": "报价", "version": version, locked: "Z", secret: "1"})
    assert note_values("报价") == {secret: "99.00", locked: "A"}
    assert "Grade（中）" in edit and re.search(rf'name="{locked}"[^>]*readonly', edit, re.S)


def test_removing_a_field_keeps_its_values_and_restoring_shows_them(client, add_field, kernel, note_values):
    plate = add_field("Plate")
    response = client.submit("/notes/", {"title": "车", plate: "粤B12345"}, follow_redirects=False)
    detail_url = response.headers["location"]
    with kernel.db.session(write=False) as db:
        field_id = db.scalar(select(Field.id).where(Field.name == plate))
    # when the field is removed
    client.submit(f"/customfields/fields/{field_id}/delete")
    # then it is gone from the pages, but the value stays, also through an edit
    assert "粤B12345" not in client.get(detail_url).text
    assert plate not in client.get("/notes/new").text
    edit = client.get(detail_url + "/edit").text
    version = re.search(r'name="version" value="(\d+)"', edit).group(1)
    client.submit(detail_url, {"title": "车辆", "version": version})
    assert note_values("车辆") == {plate: "粤B12345"}
    # and restoring it shows the value again
    client.submit(f"/customfields/fields/{field_id}/restore")
    assert "粤B12345" in client.get(detail_url).text


def test_a_user_or_link_outside_the_actors_scope_is_refused(client, add_field, make, new_client, kernel):
    manager = add_field("Manager", "user")
    related = add_field("Related", "link", ref="notes.note")
    elsewhere = make.org("分公司")
    stranger = make.user(org=elsewhere, roles=("admin",), username="stranger")
    # a note of the other org, which a head-office writer cannot read
    other = new_client()
    other.login("stranger")
    foreign = other.submit("/notes/", {"title": "外部"}, follow_redirects=False).headers["location"]
    foreign_id = foreign.rsplit("/", 1)[1]
    make.user(roles=(), grants={"notes.note.read": "org", "notes.note.create": "org",
                                "core.user.read": "org"}, username="writer")
    writer = new_client()
    writer.login("writer")
    for data in ({manager: str(stranger.id)}, {related: foreign_id}):
        refused = writer.submit("/notes/", {"title": "越权", **data})
        assert refused.status_code == 422, data
    assert writer.submit("/notes/", {"title": "本地"}, follow_redirects=False).status_code == 303


def test_changing_the_kind_of_a_field_with_values_is_refused(client, add_field, kernel):
    plate = add_field("Plate")
    client.submit("/notes/", {"title": "车", plate: "粤B12345"})
    with kernel.db.session(write=False) as db:
        field = db.scalar(select(Field).where(Field.name == plate))
    response = client.submit(f"/customfields/fields/{field.id}", {
        "label_zh": "车牌", "label_en": "Plate", "kind": "number", "version": str(field.version)})
    assert response.status_code == 422 and "不能更改类型" in response.text
    assert "Plate" in response.text


def test_the_extra_fields_hook_answers_the_active_fields_once_per_transaction(add_field, kernel):
    plate = add_field("Plate", order=5)
    add_field("Removed")
    with kernel.db.session() as db:
        db.execute(Field.__table__.update().where(Field.label_en == "Removed").values(
            deleted_at=db.scalar(select(Field.created_at).limit(1))))
    with kernel.db.session(write=False) as db:
        db.info["hook"] = kernel.pm.hook
        answers = kernel.pm.hook.extra_fields(session=db, model_key="notes.note")
        fields = extra_fields_of(db, "notes.note")
        assert [f.name for group in answers for f in group] == [plate]
        assert fields == [ExtraField(plate, {"zh_CN": "Plate（中）", "en": "Plate"}, order=5)]
        assert extra_fields_of(db, "notes.note") is fields  # cached


def test_new_records_get_defaults(client, add_field, note_values):
    level = add_field("Level", "choice", choices=CHOICES, default="normal")
    flag = add_field("Flag", "bool", default="1")
    # the new form offers the defaults
    form = client.get("/notes/new").text
    assert re.search(rf'name="{flag}" value="1"\s+checked', form)
    assert re.search(r'<option value="normal"\s+selected', form)
    # and a value left empty gets its default
    client.submit("/notes/", {"title": "默认", flag: "1"})
    assert note_values("默认") == {level: "normal", flag: True}


def test_the_list_filters_by_one_value_of_a_multi_choice_field(client, add_field, admin, kernel):
    from suanpan_notes.models import Note

    topics = add_field("Topics", "multi", choices="a|农机|Machinery\nab|农机配件|Parts\n种子|种子|Seeds")
    with kernel.db.session() as db:
        for title, chosen in (("甲", ["a"]), ("乙", ["ab"]), ("丙", ["a", "种子"]), ("丁", [])):
            db.add(Note(org_id=admin.org_id, owner_id=admin.id, title=title, extra={topics: chosen}))
    listing = client.get("/notes/").text
    assert f'name="{topics}"' in listing and "农机配件" in listing  # offered as a filter
    for value, expected in (("a", ["丙", "甲"]), ("ab", ["乙"]), ("种子", ["丙"])):
        page = client.get("/notes/", params={topics: value}).text
        assert sorted(re.findall(r">([甲乙丙丁])</a>", page)) == sorted(expected), value
