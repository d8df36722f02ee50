"""One behavioural test per kernel hook, through the example ``notes`` plugin
(tests/example_plugin) and the real kernel; bad declarations come from
throwaway plugins registered through ``Kernel(extra_plugins=...)``."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select

from core import (
    ACTIONS,
    AUTHENTICATED,
    PUBLIC,
    BadRequest,
    Conflict,
    DatasetDecl,
    Forbidden,
    JobDecl,
    MenuItem,
    NotFound,
    PermissionDecl,
    Routes,
    Transition,
    ValidationError,
    WorkflowDecl,
    hookimpl,
)
from core.app import Kernel
from core.models import AuditLog, ExternalId, Role, User
from core.plugins import Manifest
from core.setup import load_demo

WRITER = ("notes.writer",)


def note_model() -> Any:
    from suanpan_notes.models import Note

    return Note


@pytest.fixture
def events() -> Iterator[list[tuple[str, str, int]]]:
    """What the notes plugin's on_record_* handlers saw during the test."""
    from suanpan_notes.hooks import EVENTS

    EVENTS.clear()
    yield EVENTS
    EVENTS.clear()


@pytest.fixture
def throwaway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[Manifest, ModuleType]]:
    """A throwaway plugin whose hooks are the given functions, for ``start``."""

    def make_plugin(name: str, *, depends: tuple[str, ...] = (),
                    **hooks: Callable[..., Any]) -> tuple[Manifest, ModuleType]:
        package = f"suanpan_test_{name}"
        module = ModuleType(package)
        module.__path__ = []  # a package without submodules: no <package>.hookspecs
        monkeypatch.setitem(sys.modules, package, module)
        for hook_name, fn in hooks.items():
            setattr(module, hook_name, hookimpl(fn))
        return Manifest(name=name, module=package, path=tmp_path, depends=depends), module

    return make_plugin


def create_note(client: Any, title: str, body: str = "") -> int:
    response = client.submit("/notes/", {"title": title, "body": body}, follow_redirects=False)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/notes/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def audit_actions(kernel: Kernel, note_id: int) -> list[str]:
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(AuditLog.action).where(
            AuditLog.model == "notes.note", AuditLog.record_id == note_id).order_by(AuditLog.id)))


def add_notes(kernel: Kernel, owner: User, *titles: str) -> None:
    note = note_model()
    with kernel.db.session() as db:
        for title in titles:
            db.add(note(org_id=owner.org_id, owner_id=owner.id, title=title))


# ----------------------------------------------------------------- declarations


def test_register_models_puts_the_note_model_in_the_registry(kernel):
    assert kernel.registry.models["notes.note"] is note_model()
    assert kernel.registry.model_plugin["notes.note"] == "notes"


def test_register_permissions_declares_every_action_on_notes(kernel):
    codes = {f"notes.note.{action}" for action in ACTIONS}
    assert codes <= set(kernel.registry.permissions)
    assert kernel.registry.permissions["notes.note.read"].model == "notes.note"


def test_register_roles_ships_the_writer_role_under_the_plugins_prefix(kernel):
    with kernel.db.session(write=False) as db:
        role = db.scalar(select(Role).where(Role.key == "notes.writer"))
        assert role is not None
        assert role.plugin == "notes"
        assert (role.name, role.name_en) == ("便签作者", "Note writer")
        assert {p.code: p.scope for p in role.permissions} == {
            "notes.note.read": "own", "notes.note.create": "own",
            "notes.note.update": "own", "notes.note.delete": "own",
            "notes.expense.read": "own", "notes.expense.create": "own",
            "notes.expense.update": "own", "notes.expense.delete": "own"}
        external = db.scalar(select(ExternalId).where(
            ExternalId.plugin == "notes", ExternalId.key == "role.writer"))
        assert external is not None and external.record_id == role.id


def test_register_routes_mounts_the_notes_pages_under_notes(make, client):
    make.user(roles=WRITER, username="writer")
    make.user(roles=("staff",), username="clerk")
    client.login("writer")
    assert client.get("/notes/").status_code == 200
    assert client.get("/notes/new").status_code == 200
    client.submit("/logout")
    client.login("clerk")
    assert client.get("/notes/").status_code == 403


@pytest.mark.parametrize(("error", "status"), [
    (Forbidden("throwaway.thing.read"), 403),
    (NotFound(), 404),
    (Conflict("Someone else changed this record meanwhile."), 409),
    (ValidationError({"title": "Title is required."}), 422),
    (BadRequest("the page number is not a number"), 400),
], ids=["forbidden", "not_found", "conflict", "validation_error", "bad_request"])
def test_register_routes_handlers_raise_the_public_errors_to_answer(
    throwaway, start, browser, error, status
):
    routes = Routes()

    @routes.get("/", name="thing_list", permission=PUBLIC)
    def thing_list(ctx):
        raise error

    kernel = start(throwaway("throwaway", register_routes=lambda: routes))
    client = browser(kernel, raise_server_exceptions=False)
    response = client.get("/throwaway/", headers={"accept": "application/json"})
    assert response.status_code == status


def test_register_menu_items_shows_notes_only_to_those_who_may_read_them(make, client, new_client):
    make.user(roles=WRITER, username="writer")
    make.user(roles=("staff",), username="clerk")
    client.login("writer")
    assert 'href="/notes/"' in client.get("/").text
    clerk = new_client()
    clerk.login("clerk")
    home = clerk.get("/")
    assert home.status_code == 200
    assert 'href="/notes/"' not in home.text


def test_register_workflows_records_the_validated_note_workflow(kernel):
    workflow = kernel.registry.workflows["notes.note"]
    assert workflow.initial == "draft"
    assert [t.name for t in workflow.transitions] == ["publish"]


def test_register_workflows_refuses_a_transition_to_an_unknown_state(throwaway, start):
    def register_workflows():
        return [WorkflowDecl(model="throwaway.doc", states=("draft", "done"), initial="draft",
                             transitions=(Transition("finish", ("draft",), "archived", "x.y.z"),))]

    kernel = start(throwaway("throwaway", register_workflows=register_workflows))
    assert "unknown state 'archived'" in kernel.errors["throwaway"]
    assert "throwaway.doc" not in kernel.registry.workflows


def test_register_workflows_refuses_a_transition_that_can_never_fire(throwaway, start):
    def register_workflows():
        return [WorkflowDecl(
            model="throwaway.doc", states=("draft", "done", "void"), initial="draft",
            transitions=(Transition("finish", ("draft",), "done", "x.y.z"),
                         Transition("revive", ("void",), "draft", "x.y.z")))]

    kernel = start(throwaway("throwaway", register_workflows=register_workflows))
    assert "transition 'revive' can never fire" in kernel.errors["throwaway"]


def test_register_report_datasets_records_the_notes_dataset(kernel):
    dataset = kernel.registry.datasets["notes.by_state"]
    assert dataset.model is note_model()
    assert dataset.dimensions == ("state", "org_id")


def test_register_report_datasets_refuses_an_unknown_dimension(throwaway, start):
    def register_report_datasets():
        return [DatasetDecl("throwaway.bad", "Bad", note_model(), ("colour",), {"n": "count"})]

    kernel = start(throwaway("throwaway", register_report_datasets=register_report_datasets))
    assert "dataset throwaway.bad: unknown dimension 'colour'" in kernel.errors["throwaway"]
    assert "throwaway.bad" not in kernel.registry.datasets


def test_register_jobs_records_the_notes_job(kernel):
    from suanpan_notes.services import purge_old_drafts

    job = kernel.registry.jobs["notes.purge_old_drafts"]
    assert (job.func, job.schedule) == (purge_old_drafts, "0 3 * * *")


def test_register_jobs_refuses_a_schedule_that_is_not_cron(throwaway, start):
    def register_jobs():
        return [JobDecl("throwaway.nightly", print, "every night")]

    kernel = start(throwaway("throwaway", register_jobs=register_jobs))
    assert "job throwaway.nightly: schedule" in kernel.errors["throwaway"]


# ----------------------------------------------------------------- UI slots


def panel_text(html: str, key: str) -> str | None:
    match = re.search(rf'id="panel-{key}".*?<div class="card-body">(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else None


def test_record_panels_adds_the_notes_count_to_a_users_page(make, client, admin):
    author = make.user(roles=WRITER, username="author")
    add_notes(client.app.state.kernel, author, "拜访客户", "季度计划")
    page = client.get(f"/admin/users/{author.id}")
    assert page.status_code == 200
    text = panel_text(page.text, "notes-count")
    assert text is not None and "2" in text
    # the kernel fills the same slot; the activity plugin's timeline replaces its change history
    assert 'id="panel-activity-timeline"' in page.text and 'id="panel-audit"' not in page.text


def test_a_panel_can_replace_another(start, throwaway, make, browser):
    # given the kernel's change-history panel, and a plugin whose panel says it shows it already
    from core import Panel

    def record_panels(session, model_key, record, actor):
        return [Panel("history", "History", "core/_audit_panel.html", {"entries": []}, replaces=("audit",))]

    plain = start(plugins=["notes"])
    replacing = start(throwaway("hist", record_panels=record_panels), plugins=["notes", "hist"])
    make.user(roles=("admin",), username="boss")
    target = make.user(username="someone")
    pages = []
    for kernel in (plain, replacing):
        b = browser(kernel)
        b.login("boss")
        pages.append(b.get(f"/admin/users/{target.id}").text)
    # then the kernel's panel shows without the plugin and is left off with it
    assert 'id="panel-audit"' in pages[0]
    assert 'id="panel-audit"' not in pages[1] and 'id="panel-history"' in pages[1]


def test_record_panels_shows_no_notes_panel_to_who_cannot_read_notes(make, client):
    author = make.user(roles=WRITER, username="author")
    make.user(roles=("org_admin",), username="hr")
    add_notes(client.app.state.kernel, author, "拜访客户")
    client.login("hr")
    page = client.get(f"/admin/users/{author.id}")
    assert page.status_code == 200
    assert 'id="panel-notes-count"' not in page.text


# ----------------------------------------------------------------- data


def test_load_demo_data_gives_demo_users_their_notes(kernel, make):
    make.user(roles=("admin",), username="admin")
    assert load_demo(kernel, "demo-password-1")
    note = note_model()
    with kernel.db.session(write=False) as db:
        rows = db.execute(select(User.username, note.org_id, User.org_id)
                          .join(User, User.id == note.owner_id)).all()
    assert sorted(username for username, _, _ in rows) == ["chenjie", "lina", "zhangwei"]
    assert all(note_org == owner_org for _, note_org, owner_org in rows)
    assert not load_demo(kernel, "demo-password-1")  # once only


def test_load_demo_data_runs_dependencies_before_their_dependants(throwaway, start, make):
    calls: list[str] = []
    crm = throwaway("crm", load_demo_data=lambda session, orgs, users: calls.append("crm"))
    sales = throwaway("sales", depends=("crm",),
                      load_demo_data=lambda session, orgs, users: calls.append("sales"))
    kernel = start(crm, sales)
    make.user(roles=("admin",), username="admin")
    load_demo(kernel, "demo-password-1")
    # sales' demo orders need crm's demo customers to exist already
    assert calls == ["crm", "sales"]


# ----------------------------------------------------------------- events


def test_on_record_created_fires_when_a_note_is_saved_through_the_page(kernel, make, client, events):
    make.user(roles=WRITER, username="writer")
    client.login("writer")
    note_id = create_note(client, "第一条便签")
    assert ("created", "notes.note", note_id) in events
    assert audit_actions(kernel, note_id) == ["create"]


def test_on_record_updated_fires_when_a_note_is_edited(kernel, make, client, events):
    make.user(roles=WRITER, username="writer")
    client.login("writer")
    note_id = create_note(client, "草稿")
    response = client.submit(f"/notes/{note_id}", {"title": "定稿", "body": "", "version": "1"},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    assert events[-1] == ("updated", "notes.note", note_id)
    assert audit_actions(kernel, note_id) == ["create", "update"]


def test_on_record_deleted_fires_softly_when_a_note_goes_to_the_recycle_bin(
    kernel, make, client, events
):
    make.user(roles=WRITER, username="writer")
    client.login("writer")
    note_id = create_note(client, "待删除")
    response = client.submit(f"/notes/{note_id}/delete", {"version": "1"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert events[-1] == ("deleted", "notes.note", note_id)
    assert audit_actions(kernel, note_id) == ["create", "delete"]


def test_on_record_deleted_fires_with_soft_false_when_a_note_is_purged(
    kernel, make, client, admin, events
):
    note_id = create_note(client, "彻底删除")
    client.submit(f"/notes/{note_id}/delete", {"version": "1"})
    response = client.submit(f"/admin/recycle/notes.note/{note_id}/purge", follow_redirects=False)
    assert response.status_code == 303, response.text
    assert events[-1] == ("purged", "notes.note", note_id)
    assert audit_actions(kernel, note_id) == ["create", "delete", "purge"]


def test_on_record_updated_gets_the_actor_and_each_changed_field(
    throwaway, start, browser, make, events
):
    seen: list[tuple[str | None, dict[str, Any]]] = []

    def on_record_updated(session, actor, record, changes):
        seen.append((actor.username if actor else None, changes))

    kernel = start(throwaway("spy", on_record_updated=on_record_updated))
    make.user(roles=WRITER, username="writer")
    client = browser(kernel)
    client.login("writer")
    note_id = create_note(client, "旧标题", "正文")
    client.submit(f"/notes/{note_id}", {"title": "新标题", "body": "正文", "version": "1"})
    assert seen == [("writer", {"title": ["旧标题", "新标题"]})]
    assert events[-1] == ("updated", "notes.note", note_id)  # every plugin hears the event


# ----------------------------------------------------------------- start-up checks


def test_a_plugin_cannot_declare_permissions_in_another_namespace(throwaway, start):
    # a plugin declaring core.user.read would take over the kernel's users
    def register_permissions():
        return [PermissionDecl("core.user.read", "hijack")]

    kernel = start(throwaway("rogue", register_permissions=register_permissions))
    assert "permission 'core.user.read' is outside its namespace 'rogue'" in kernel.errors["rogue"]
    assert kernel.registry.permissions["core.user.read"].label != "hijack"


def test_a_menu_item_naming_an_unknown_route_leaves_its_plugin_out(throwaway, start, client, admin):
    def register_menu_items():
        return [MenuItem("ghost", "Ghost", "ghost:nowhere", AUTHENTICATED)]

    kernel = start(throwaway("ghost", register_menu_items=register_menu_items))
    assert "names an unknown route 'ghost:nowhere'" in kernel.errors["ghost"]
    assert all(item.key != "ghost" for item in kernel.registry.menu)


def test_a_transition_needs_a_declared_permission(throwaway, start):
    def register_workflows():
        return [WorkflowDecl(model="flow.doc", states=("draft", "done"), initial="draft",
                             transitions=(Transition("finish", ("draft",), "done", "flow.doc.approve"),))]

    kernel = start(throwaway("flow", register_workflows=register_workflows))
    assert "needs an undeclared permission 'flow.doc.approve'" in kernel.errors["flow"]


def test_record_events_fire_for_writes_outside_requests_too(kernel, make):
    # given a note written by a script or job (no web request)
    from suanpan_notes import hooks as notes_hooks
    from suanpan_notes.models import Note

    owner = make.user()
    notes_hooks.EVENTS.clear()
    with kernel.db.session() as db:
        db.add(Note(org_id=owner.org_id, owner_id=owner.id, title="脚本写入"))
    assert [e[0] for e in notes_hooks.EVENTS] == ["created"]
