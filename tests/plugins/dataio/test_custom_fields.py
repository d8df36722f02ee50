"""Custom fields in import and export: the fields an administrator added to
notes are columns of the import (matched by their labels), checked row by
row like the declared ones, stored with the record and restored by an undo;
the export has the fields the reader may see, in the reader's language."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from sqlalchemy import select

from core.models import Role, RoleAssignment
from tests.plugins.dataio.test_import import batch, check, commit, csv_file, note_model, upload

LEVELS = "vip|重要客户|Key account\nnormal|普通客户|Regular"


def extra_of(kernel: Any, title: str) -> dict[str, Any]:
    with kernel.db.session(write=False) as db:
        Note = note_model()
        return dict(db.scalar(select(Note.extra).where(Note.title == title, Note.deleted_at.is_(None))) or {})


def test_custom_fields_are_mapped_by_label_checked_per_row_and_column_and_stored(
        client, add_field, admin, make, new_client, kernel):
    # given custom fields of notes: a required unique code, a level, a head count, a related note
    code = add_field("Customer code", required=1, unique=1, label_zh="客户编码")
    level = add_field("Level", "choice", choices=LEVELS)
    heads = add_field("Head count", "number")
    related = add_field("Related note", "link", ref="notes.note")
    topics = add_field("Topics", "multi", choices="a|甲|Alpha\nb|乙|Beta")
    # a stored note already using code C-1, and a note of another organisation
    client.submit("/notes/", {"title": "已有", code: "C-1"})
    stranger = make.user(org=make.org("分公司"), roles=("admin",), username="stranger")
    other = new_client()
    other.login(stranger.username)
    foreign_id = other.submit("/notes/", {"title": "外部", code: "F-1"},
                              follow_redirects=False).headers["location"].rsplit("/", 1)[1]
    own_id = str(extra_id(kernel, "已有"))
    make.user(roles=(), username="clerk", grants={
        "notes.note.read": "org", "notes.note.create": "org", "notes.note.import": "org"})
    clerk = new_client()
    clerk.login("clerk")
    header = ["标题", "客户编码", "Level", "Head count（中）", "Related note", "Topics"]
    rows = [header,
            ["甲", "", "vip", "3", "", ""],                    # 2: code required
            ["乙", "C-1", "vip", "3", "", ""],                 # 3: code used by a stored note
            ["丙", "C-2", "火箭", "3", "", ""],                 # 4: unknown choice
            ["丁", "C-3", "vip", "三个", "", ""],               # 5: not a number
            ["戊", "C-4", "vip", "3", foreign_id, ""],         # 6: a note the clerk cannot see
            ["己", "C-5", "重要客户", "3", own_id, "甲、Beta"],  # 7: fine (choices by label)
            ["庚", "C-5", "Regular", "", "", ""]]              # 8: C-5 again in the file
    batch_id = upload(clerk, "notes.note", csv_file(rows))
    # when the clerk opens the batch: the custom columns are matched by their labels in either language
    page = clerk.get(f"/dataio/batches/{batch_id}").text
    for name, column in ((code, "客户编码"), (level, "Level"), (heads, "Head count（中）"),
                         (related, "Related note"), (topics, "Topics")):
        assert re.search(rf'name="map_{name}">.*?<option value="{re.escape(column)}" selected>', page, re.S), name
    mapping = {"title": "标题", code: "客户编码", level: "Level", heads: "Head count（中）",
               related: "Related note", topics: "Topics"}
    page = check(clerk, batch_id, mapping)
    # then the dry run names each bad row and column
    report = batch(kernel, batch_id).report
    assert [(e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        (2, "客户编码", "required"), (3, "客户编码", "unique"), (4, "Level", "choice"),
        (5, "Head count（中）", "type"), (6, "Related note", "link"), (8, "客户编码", "duplicate")]
    assert "客户编码：该值已被其他记录使用。" in page  # the clerk reads Chinese
    # and once the file is fixed, the import stores the values, converted
    fixed = [header, ["己", "C-5", "重要客户", "3", own_id, "甲、Beta"], ["庚", "C-6", "Regular", "", "", ""]]
    batch_id = upload(clerk, "notes.note", csv_file(fixed))
    check(clerk, batch_id, mapping)
    assert commit(clerk, kernel, batch_id).inserted == 2
    assert extra_of(kernel, "己") == {code: "C-5", level: "vip", heads: 3, related: int(own_id),
                                      topics: ["a", "b"]}
    assert extra_of(kernel, "庚") == {code: "C-6", level: "normal", heads: None, related: None, topics: []}


def extra_id(kernel: Any, title: str) -> int:
    with kernel.db.session(write=False) as db:
        Note = note_model()
        found = db.scalar(select(Note.id).where(Note.title == title))
        assert found is not None
        return int(found)


def test_undo_gives_updated_records_their_custom_values_back(client, add_field, admin, kernel):
    level = add_field("Level", "choice", choices=LEVELS)
    plate = add_field("Plate")
    client.submit("/notes/", {"title": "车队", level: "normal", plate: "粤B1"})
    client.submit("/notes/", {"title": "船队", level: "vip"})
    # when an update by title sets the level of both and a plate on the second
    rows = [["Title", "Level", "Plate"], ["车队", "Key account", ""], ["船队", "普通客户", "沪A2"]]
    batch_id = upload(client, "notes.note", csv_file(rows), mode="update", match_key="title")
    check(client, batch_id, {"title": "Title", level: "Level", plate: "Plate"})
    assert commit(client, kernel, batch_id).updated == 2
    assert extra_of(kernel, "车队") == {level: "vip", plate: "粤B1"}  # a blank cell leaves the value alone
    assert extra_of(kernel, "船队") == {level: "normal", plate: "沪A2"}
    # then undo restores the values before, and removes the one that was not there
    assert client.submit(f"/dataio/batches/{batch_id}/undo", follow_redirects=False).status_code == 303
    assert extra_of(kernel, "车队") == {level: "normal", plate: "粤B1"}
    assert extra_of(kernel, "船队") == {level: "vip"}


def test_the_export_has_the_custom_fields_the_reader_may_see_in_their_language(
        client, add_field, admin, make, new_client, kernel):
    level = add_field("Level", "choice", choices=LEVELS)
    margin = add_field("Margin", "money")
    client.submit("/notes/", {"title": "报价", level: "vip", margin: "12.5"})
    # the administrator (Chinese) gets both, with the level's Chinese label
    text = client.get("/dataio/notes.note/export/file").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert "Level（中）" in rows[0] and "Margin（中）" in rows[0]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert (record["Level（中）"], record["Margin（中）"]) == ("重要客户", "12.50")
    # a reader in English, whose role hides the margin, gets the level in English and no margin
    grants = {"notes.note.read": "org", "notes.note.export": "org"}
    reader = make.user(roles=(), grants=grants, username="reader")
    with kernel.db.session(write=False) as db:
        role_id = db.scalar(select(Role.id).join(RoleAssignment, RoleAssignment.role_id == Role.id)
                            .where(RoleAssignment.user_id == reader.id))
    data = {f"scope:{c}": s for c, s in grants.items()} | {f"field:notes.note.{margin}": "hidden"}
    assert client.submit(f"/admin/roles/{role_id}/grants", data, follow_redirects=False).status_code == 303
    with kernel.db.session() as db:
        from core.models import User

        db.get(User, reader.id).locale = "en"
    other = new_client()
    other.login("reader")
    text = other.get("/dataio/notes.note/export/file").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert "Level" in rows[0] and not any("Margin" in h for h in rows[0])
    assert dict(zip(rows[0], rows[1], strict=True))["Level"] == "Key account"
    assert margin not in other.get("/dataio/notes.note/export").text
