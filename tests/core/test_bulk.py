"""core.create_many: many records in one statement per chunk, with the
defaults, audit rows and created events a record written through the ORM gets."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core import create_many, hookimpl
from core.models import AuditLog, User
from core.permissions import load_actor


class BulkListener:
    """A plugin that takes created records all at once."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []

    @hookimpl
    def on_records_created(self, session: Any, actor: Any, model: Any, rows: Any) -> None:
        if model.__model_key__ == "notes.note":
            self.calls.append((model.__model_key__, [dict(r) for r in rows]))

    @hookimpl
    def on_record_created(self, session: Any, actor: Any, record: Any) -> None:
        if record.__model_key__ == "notes.note":
            raise AssertionError("a plugin with on_records_created is not called per record")


class SingleListener:
    """A plugin that knows only the per-record event."""

    def __init__(self) -> None:
        self.records: list[Any] = []

    @hookimpl
    def on_record_created(self, session: Any, actor: Any, record: Any) -> None:
        if record.__model_key__ == "notes.note":
            self.records.append((type(record).__name__, record.id, record.title))


@pytest.fixture
def listeners(kernel):
    bulk, single = BulkListener(), SingleListener()
    kernel.pm.register(bulk, name="test-bulk")
    kernel.pm.register(single, name="test-single")
    yield bulk, single
    kernel.pm.unregister(bulk)
    kernel.pm.unregister(single)


def actor_of(kernel, db, user):
    actor = load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))
    db.info["actor"] = actor
    return actor


def test_rows_become_records_with_defaults_ownership_and_ids_in_order(kernel, make):
    from suanpan_notes.models import Note

    dept = make.department(make.hq(), "销售部")
    user = make.user(department=dept)
    with kernel.db.session() as db:
        actor = actor_of(kernel, db, user)
        ids = create_many(db, actor, Note, [{"title": f"笔记{i}", "body": "正文"} for i in range(2500)]
                          + [{"title": "已发布", "state": "published"}])
    assert len(ids) == 2501 and ids == sorted(ids) and len(set(ids)) == 2501
    with kernel.db.session(write=False) as db:
        notes = {n.id: n for n in db.scalars(select(Note).where(Note.id.in_([ids[0], ids[2499], ids[-1]])))}
    first, last = notes[ids[0]], notes[ids[-1]]
    assert (first.title, first.body, first.state, first.version) == ("笔记0", "正文", "draft", 1)
    assert notes[ids[2499]].title == "笔记2499"
    assert (last.state, last.body) == ("published", "")
    assert (first.org_id, first.owner_id, first.department_id) == (user.org_id, user.id, dept.id)
    assert first.created_at is not None and first.updated_at is not None and first.deleted_at is None
    assert first.extra == {}


def test_each_record_gets_the_audit_row_an_orm_create_writes(kernel, make):
    from suanpan_notes.models import Note
    from suanpan_notes.services import create_note

    user = make.user()
    with kernel.db.session() as db:
        actor = actor_of(kernel, db, user)
        one = create_note(db, actor, {"title": "单条", "body": "内容"})
        db.flush()
        (many,) = create_many(db, actor, Note, [{"title": "单条", "body": "内容"}])
    with kernel.db.session(write=False) as db:
        rows = {r.record_id: r for r in db.scalars(select(AuditLog).where(AuditLog.model == "notes.note"))}
    assert rows[many].action == rows[one.id].action == "create"
    assert rows[many].user_id == user.id
    assert rows[many].changes == rows[one.id].changes
    assert rows[many].changes["title"] == [None, "单条"]


def test_on_records_created_gets_the_rows_once_and_others_each_record(kernel, make, listeners):
    from suanpan_notes.models import Note

    bulk, single = listeners
    user = make.user()
    with kernel.db.session() as db:
        actor = actor_of(kernel, db, user)
        ids = create_many(db, actor, Note, [{"title": "甲"}, {"title": "乙"}])
    assert [(key, [(r["id"], r["title"], r["state"]) for r in rows]) for key, rows in bulk.calls] == [
        ("notes.note", [(ids[0], "甲", "draft"), (ids[1], "乙", "draft")])]
    assert single.records == [("Note", ids[0], "甲"), ("Note", ids[1], "乙")]


def test_a_rollback_takes_records_and_audit_rows_back(kernel, make):
    from suanpan_notes.models import Note

    user = make.user()
    with pytest.raises(RuntimeError), kernel.db.session() as db:
        create_many(db, actor_of(kernel, db, user), Note, [{"title": "回滚"}])
        raise RuntimeError
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Note.id).where(Note.title == "回滚")) is None
        assert db.scalar(select(AuditLog.id).where(AuditLog.model == "notes.note")) is None


def test_an_unknown_column_is_refused_before_anything_is_written(kernel, make):
    from suanpan_notes.models import Note

    user = make.user()
    with kernel.db.session() as db:
        actor = actor_of(kernel, db, user)
        with pytest.raises(KeyError, match="notes.note: no column colour"):
            create_many(db, actor, Note, [{"title": "好"}, {"title": "坏", "colour": "红"}])
        assert db.scalar(select(Note.id)) is None
