"""The workflow engine (core/workflows.py), told through the notes plugin's
workflow: a draft note is published, and a published note is locked."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from core import Conflict, Transition
from core.models import User, WorkflowHistory
from core.permissions import load_actor
from core.workflows import amend

WRITER = ("notes.writer",)


def note_model() -> Any:
    from suanpan_notes.models import Note

    return Note


@pytest.fixture
def events():
    from suanpan_notes.hooks import EVENTS

    EVENTS.clear()
    yield EVENTS
    EVENTS.clear()


def add_note(kernel, owner, title: str = "季度计划") -> int:
    with kernel.db.session() as db:
        note = note_model()(org_id=owner.org_id, owner_id=owner.id, title=title, body="")
        db.add(note)
        db.flush()
        return note.id


def note_state(kernel, note_id: int) -> tuple[str, int]:
    with kernel.db.session(write=False) as db:
        note = db.get(note_model(), note_id)
        return note.state, note.version


def history_of(kernel, note_id: int) -> list[tuple[str, str, str, str]]:
    with kernel.db.session(write=False) as db:
        return [(h.transition, h.from_state, h.to_state, h.comment) for h in db.scalars(
            select(WorkflowHistory).where(WorkflowHistory.model == "notes.note",
                                          WorkflowHistory.record_id == note_id)
            .order_by(WorkflowHistory.id))]


def publish(client, note_id: int, comment: str = "") -> Any:
    return client.submit(f"/workflow/notes.note/{note_id}/publish",
                         {"comment": comment, "next": f"/notes/{note_id}"}, follow_redirects=False)


def refusal_on(client, response: Any) -> str:
    """The error the page a refused transition went back to shows."""
    page = client.get(response.headers["location"])
    found = re.search(r'id="sp-problem">([^<]*)<', page.text)
    assert found, page.text[:500]
    return found.group(1)


def with_publish(kernel, monkeypatch, **changes: Any) -> None:
    """Swap the note workflow's publish transition for a changed one."""
    decl = kernel.registry.workflows["notes.note"]
    changed = replace(decl.transitions[0], **changes)
    monkeypatch.setitem(kernel.registry.workflows, "notes.note", replace(decl, transitions=(changed,)))


def test_a_writer_publishes_a_note_from_its_page(kernel, make, client, events):
    # given a writer's draft note, whose page offers the publish button
    writer = make.user(roles=WRITER, username="writer")
    note_id = add_note(kernel, writer)
    client.login("writer")
    page = client.get(f"/notes/{note_id}")
    assert 'id="core-workflow-state"' in page.text and "/workflow/notes.note/" in page.text
    # when they publish it with a comment
    response = publish(client, note_id, "可以发布了")
    # then the note is published, the step is in its history and the event fired
    assert response.status_code == 303 and response.headers["location"] == f"/notes/{note_id}"
    assert note_state(kernel, note_id)[0] == "published"
    assert history_of(kernel, note_id) == [("publish", "draft", "published", "可以发布了")]
    assert ("transitioned:publish", "notes.note", note_id) in events
    # and the page shows the history, no more steps and no edit button
    page = client.get(f"/notes/{note_id}")
    assert 'id="panel-workflow"' in page.text and "可以发布了" in page.text
    assert "/workflow/notes.note/" not in page.text
    assert f"/notes/{note_id}/edit" not in page.text


def test_on_record_transitioned_fires_once_per_transition(kernel, make, client, events):
    writer = make.user(roles=WRITER, username="writer")
    note_id = add_note(kernel, writer)
    client.login("writer")
    assert publish(client, note_id).status_code == 303
    assert events.count(("transitioned:publish", "notes.note", note_id)) == 1
    assert ("updated", "notes.note", note_id) in events  # the state column changed too


def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(kernel, make, client, events):
    writer = make.user(roles=WRITER, username="writer")
    note_id = add_note(kernel, writer)
    client.login("writer")
    assert publish(client, note_id).status_code == 303
    before = note_state(kernel, note_id)
    events.clear()
    again = publish(client, note_id, "再来一次")
    # back on the record's page, the message names the transition and the state, in the
    # reader's language (the plugin translates them), once
    assert again.status_code == 303 and again.headers["location"] == f"/notes/{note_id}"
    problem = refusal_on(client, again)
    assert "发布" in problem and "已发布" in problem
    assert 'id="sp-problem"' not in client.get(f"/notes/{note_id}").text
    assert note_state(kernel, note_id) == before
    assert len(history_of(kernel, note_id)) == 1
    assert events == []


def test_an_unknown_transition_is_refused(kernel, make, client):
    writer = make.user(roles=WRITER, username="writer")
    note_id = add_note(kernel, writer)
    client.login("writer")
    response = client.submit(f"/workflow/notes.note/{note_id}/archive", {}, follow_redirects=False,
                             headers={"accept": "application/json"})
    assert response.status_code == 409 and "archive" in response.json()["title"]
    assert note_state(kernel, note_id)[0] == "draft"


def test_without_the_transitions_permission_the_step_is_forbidden(kernel, make, client, monkeypatch):
    # given publishing needs notes.note.approve, which a writer lacks
    with_publish(kernel, monkeypatch, permission="notes.note.approve")
    writer = make.user(roles=WRITER, username="writer")
    note_id = add_note(kernel, writer)
    client.login("writer")
    # then the page offers no button and the request is refused
    assert "/workflow/notes.note/" not in client.get(f"/notes/{note_id}").text
    assert publish(client, note_id).status_code == 403
    assert note_state(kernel, note_id)[0] == "draft" and history_of(kernel, note_id) == []


def test_a_note_of_another_org_is_not_found(kernel, make, client):
    writer = make.user(roles=WRITER, username="writer")
    note_id = add_note(kernel, writer)
    branch = make.org("华东分公司")
    make.user(org=branch, roles=(), username="other",
              grants={"notes.note.read": "org", "notes.note.update": "org"})
    client.login("other")
    assert publish(client, note_id).status_code == 404
    assert client.submit(f"/workflow/no.such/{note_id}/publish", {}).status_code == 404
    assert note_state(kernel, note_id)[0] == "draft"


def test_a_guard_that_refuses_stops_the_transition(kernel, make, client, monkeypatch):
    with_publish(kernel, monkeypatch, guard=lambda note: bool(note.body))
    writer = make.user(roles=WRITER, username="writer")
    note_id = add_note(kernel, writer)
    client.login("writer")
    assert "/workflow/notes.note/" not in client.get(f"/notes/{note_id}").text
    refused = publish(client, note_id)
    assert refused.status_code == 303 and "发布" in refusal_on(client, refused)
    assert note_state(kernel, note_id)[0] == "draft" and history_of(kernel, note_id) == []


def test_a_published_note_can_be_neither_edited_nor_deleted(kernel, make, client):
    writer = make.user(roles=WRITER, username="writer")
    note_id = add_note(kernel, writer)
    client.login("writer")
    assert publish(client, note_id).status_code == 303
    state, version = note_state(kernel, note_id)
    assert client.get(f"/notes/{note_id}/edit").status_code == 409
    update = client.submit(f"/notes/{note_id}", {"title": "改了", "body": "", "version": str(version)})
    assert update.status_code == 409
    delete = client.submit(f"/notes/{note_id}/delete", {"version": str(version)})
    assert delete.status_code == 409
    assert note_state(kernel, note_id) == (state, version)
    with kernel.db.session(write=False) as db:
        note = db.get(note_model(), note_id)
        assert note.title == "季度计划" and note.deleted_at is None


def test_the_refusal_is_translated(kernel, make, client):
    writer = make.user(roles=WRITER, username="writer")
    note_id = add_note(kernel, writer)
    client.login("writer")
    client.cookies.set("suanpan_locale", "zh_CN")
    assert publish(client, note_id).status_code == 303
    refused = client.get(f"/notes/{note_id}/edit", headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 409 and "不能再修改" in refused.text
    # the state is named by its label, in the reader's language, not by its key
    assert "“已发布”" in refused.text and "published" not in refused.text.split("不能再修改")[0][-40:]


def test_a_note_cannot_be_amended_since_it_has_no_amends_id(kernel, make):
    writer = make.user(roles=WRITER, username="writer")
    note_id = add_note(kernel, writer)
    with kernel.db.session() as db:
        actor = load_actor(db, db.get(User, writer.id), all_codes=set(kernel.registry.permissions))
        note = db.get(note_model(), note_id)
        note.state = "published"
        with pytest.raises(Conflict):
            amend(db, kernel.registry, actor, note)


def test_transition_names_its_permission_in_the_declaration(kernel):
    publish_ = kernel.registry.workflows["notes.note"].transitions[0]
    assert publish_ == Transition("publish", ("draft",), "published", "notes.note.update", label="Publish")
