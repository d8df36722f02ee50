"""Actors kept between requests (core.actors): built once per user while
nothing they are made of changes, rebuilt at once when something does, in
this process or another."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from core import actors
from core.admin import services
from core.app import Kernel
from core.models import AclStamp, Department, FieldRule, Role, RoleAssignment, User

WRITER = ("notes.writer",)


@pytest.fixture
def builds(monkeypatch):
    """Counts the actors built from the database."""
    built: list[int] = []
    real = actors.load_actor

    def counting(session, user, **kw):
        built.append(user.id)
        return real(session, user, **kw)

    monkeypatch.setattr(actors, "load_actor", counting)
    return built


def stamp(kernel) -> int:
    with kernel.db.session(write=False) as db:
        value = actors.stamp(db)
    assert value is not None
    return value


def test_an_actor_is_built_once_while_nothing_changes(make, client, builds):
    writer = make.user(roles=WRITER, username="writer")
    client.login("writer")
    for _ in range(3):
        assert client.get("/notes/").status_code == 200
    assert builds.count(writer.id) == 1


def test_a_removed_role_takes_effect_on_the_next_request(kernel, make, client, builds):
    writer = make.user(roles=WRITER, username="writer")
    client.login("writer")
    assert client.get("/notes/").status_code == 200
    with kernel.db.session() as db:
        db.execute(delete(RoleAssignment).where(RoleAssignment.user_id == writer.id))
    assert client.get("/notes/").status_code == 403
    assert builds.count(writer.id) == 2


def test_a_grant_changed_in_another_process_is_seen(kernel, base_settings, make, client):
    make.user(roles=WRITER, username="writer")
    client.login("writer")
    assert client.get("/notes/").status_code == 200
    other = Kernel(base_settings)  # another worker: its own cache, the same database
    try:
        with other.db.session() as db:
            role = db.scalar(select(Role).where(Role.key == "notes.writer"))
            assert role is not None
            services.set_role_grants(db, role, {"notes.note.create": "own"}, other.registry)
    finally:
        other.db.dispose()
    assert client.get("/notes/").status_code == 403


def test_which_changes_move_the_counter(kernel, make):
    hq = make.hq()
    sales = make.department(hq, "销售部")
    user = make.user(roles=WRITER)
    before = stamp(kernel)
    with kernel.db.session() as db:
        db.get(User, user.id).display_name = "新名字"  # taken from the user row per request
        db.get(User, user.id).locale = "en"
    assert stamp(kernel) == before
    with kernel.db.session() as db:
        db.get(User, user.id).department_id = sales.id
    assert stamp(kernel) == before + 1
    with kernel.db.session() as db:
        db.execute(delete(FieldRule))  # a statement, not the ORM: seen too
    assert stamp(kernel) == before + 2
    with kernel.db.session() as db:
        db.get(Department, sales.id).name = "华东销售部"  # its name is not part of an actor
    assert stamp(kernel) == before + 2
    with kernel.db.session() as db:
        db.get(Department, sales.id).path = "/9/"  # its place in the tree is (scope "department and below")
    assert stamp(kernel) == before + 3
    with pytest.raises(RuntimeError), kernel.db.session() as db:
        db.execute(delete(RoleAssignment))
        raise RuntimeError  # rolled back: nothing changed, the counter stays
    assert stamp(kernel) == before + 3
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(AclStamp.id)) == 1


def test_name_and_language_come_from_the_user_row(kernel, make, client, builds):
    writer = make.user(roles=WRITER, username="writer", name="李娜")
    client.login("writer")
    assert "李娜" in client.get("/notes/").text
    with kernel.db.session() as db:
        db.get(User, writer.id).display_name = "李娜娜"
        db.get(User, writer.id).locale = "en"
    page = client.get("/notes/").text
    assert "李娜娜" in page and 'lang="en"' in page
    assert builds.count(writer.id) == 1


def test_the_cache_keeps_at_most_its_size(kernel, make):
    cache = actors.ActorCache(size=2)
    users = [make.user(roles=WRITER) for _ in range(3)]
    with kernel.db.session(write=False) as db:
        for user in users:
            cache.actor(db, db.get(User, user.id), kernel.registry.permissions)
    assert list(cache._items) == [users[1].id, users[2].id]
