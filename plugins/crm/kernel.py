"""What the CRM reads of the kernel beyond its public API: users' names and
departments, roles and who holds them. The kernel exports no model class
for these, so they are read as tables of the one ``Base``'s metadata, here
and nowhere else in the plugin (as the activity and dashboard plugins do)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, Table, insert, or_, select, update
from sqlalchemy.orm import Session

from core import Actor, Base


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of users, by id (one query)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    u = _table("core_user").c
    return {uid: name for uid, name in session.execute(select(u.id, u.display_name).where(u.id.in_(ids)))}


def department_in(session: Session, user_id: int, org_id: int) -> int | None:
    """The department ``user_id`` works in within ``org_id``: their position
    there (a membership), else their home department when it is their home
    organisation."""
    m = _table("core_membership").c
    dept = session.scalar(select(m.department_id).where(m.user_id == user_id, m.org_id == org_id)
                          .order_by(m.id).limit(1))
    if dept is not None:
        return int(dept)
    u = _table("core_user").c
    row = session.execute(select(u.org_id, u.department_id).where(u.id == user_id)).first()
    return int(row.department_id) if row and row.org_id == org_id and row.department_id else None


def is_active_user(session: Session, user_id: int) -> bool:
    u = _table("core_user").c
    return bool(session.scalar(select(u.active).where(u.id == user_id)))


def org_users(session: Session, org_id: int) -> list[tuple[int, str]]:
    """Active users at home in ``org_id`` or holding a role or a position
    there, as ``(id, display name)`` by name."""
    a, m, u = _table("core_role_assignment").c, _table("core_membership").c, _table("core_user").c
    stmt = (select(u.id, u.display_name).where(u.active.is_(True), or_(
        u.org_id == org_id,
        u.id.in_(select(a.user_id).where(a.org_id == org_id)),
        u.id.in_(select(m.user_id).where(m.org_id == org_id))))
        .order_by(u.display_name, u.id))
    return [(uid, name) for uid, name in session.execute(stmt)]


def held_role_ids(session: Session, actor: Actor, org_id: int) -> set[int]:
    """The roles ``actor`` holds in ``org_id``."""
    a = _table("core_role_assignment").c
    return set(session.scalars(select(a.role_id).where(a.user_id == actor.user_id, a.org_id == org_id)))


def roles(session: Session) -> list[tuple[int, str, str]]:
    """Every role as ``(id, name, English name)``, by name."""
    r = _table("core_role").c
    return [(rid, name, name_en) for rid, name, name_en in
            session.execute(select(r.id, r.name, r.name_en).order_by(r.name))]


def department_subtree(department_id: int) -> Select[tuple[int]]:
    """The ids of ``department_id`` and the departments below it, as a
    sub-select (the department tree's materialised path)."""
    d = _table("core_department").c
    path = select(d.path).where(d.id == department_id).scalar_subquery()
    return select(d.id).where(d.path.startswith(path))


def departments(session: Session, org_id: int) -> list[tuple[int, str]]:
    """The organisation's departments as ``(id, name)``, in tree order."""
    d = _table("core_department").c
    return [(i, n) for i, n in session.execute(select(d.id, d.name).where(d.org_id == org_id)
                                                .order_by(d.path, d.id))]
def org_people(session: Session, org_id: int) -> list[tuple[int, str, int | None, str]]:
    """Active users of ``org_id`` (as :func:`org_users`) with the department
    each works in there and that department's tree path (``""`` when none),
    as ``(id, name, department id, path)`` by name: who a manager may hand
    customers to is decided on these."""
    m, u, d = _table("core_membership").c, _table("core_user").c, _table("core_department").c
    posts: dict[int, int | None] = {}
    for user_id, dept in session.execute(select(m.user_id, m.department_id).where(m.org_id == org_id)
                                         .order_by(m.id.desc())):
        posts[user_id] = dept  # the first position wins, as in department_in
    people = org_users(session, org_id)
    home_rows: Any = session.execute(select(u.id, u.department_id).where(
        u.id.in_([uid for uid, _ in people]), u.org_id == org_id)) if people else []
    homes: dict[int, int | None] = {uid: dept for uid, dept in home_rows}
    depts = {uid: posts.get(uid) or homes.get(uid) for uid, _ in people}
    paths: dict[int, str] = {did: path for did, path in session.execute(select(d.id, d.path).where(
        d.id.in_({x for x in depts.values() if x})))} if any(depts.values()) else {}
    return [(uid, name, depts[uid], paths.get(depts[uid] or 0, "") or "") for uid, name in people]


def roles_holding(session: Session, code: str) -> list[tuple[int, str, str]]:
    """The roles granting ``code`` (or everything), as ``(id, name, English name)``, by name."""
    r, p = _table("core_role").c, _table("core_role_permission").c
    stmt = select(r.id, r.name, r.name_en).where(or_(
        r.grants_all.is_(True), r.id.in_(select(p.role_id).where(p.code == code)))).order_by(r.name)
    return [(rid, name, name_en) for rid, name, name_en in session.execute(stmt)]
# ------------------------------------------------------------------ demo data (the sales organisation)


def demo_department(session: Session, org_id: int, parent_id: int | None, name: str, name_en: str) -> int:
    """A department below ``parent_id``, with its materialised path."""
    d = _table("core_department")
    parent_path = session.scalar(select(d.c.path).where(d.c.id == parent_id)) if parent_id else "/"
    new_id = int(session.execute(insert(d).values(org_id=org_id, parent_id=parent_id, name=name,
                                                  name_en=name_en, path="/").returning(d.c.id)).scalar_one())
    session.execute(update(d).where(d.c.id == new_id).values(path=f"{parent_path}{new_id}/"))
    return new_id


def department_of(session: Session, user_id: int) -> int | None:
    u = _table("core_user").c
    return session.scalar(select(u.department_id).where(u.id == user_id))


def demo_user(session: Session, *, username: str, name: str, org_id: int, department_id: int | None,
              position: str, phone: str, like_user_id: int) -> int:
    """A demo user sharing the password of ``like_user_id`` (the same hash)."""
    u = _table("core_user")
    password = session.scalar(select(u.c.password_hash).where(u.c.id == like_user_id)) or ""
    return int(session.execute(insert(u).values(
        username=username, display_name=name, email=f"{username}@example.com", phone=phone, org_id=org_id,
        department_id=department_id, position=position, password_hash=password).returning(u.c.id)).scalar_one())


def move_user(session: Session, user_id: int, department_id: int, position: str) -> None:
    u = _table("core_user")
    session.execute(update(u).where(u.c.id == user_id).values(department_id=department_id, position=position))


def set_head(session: Session, department_id: int, user_id: int) -> None:
    d = _table("core_department")
    session.execute(update(d).where(d.c.id == department_id).values(head_id=user_id))


def grant_role(session: Session, user_id: int, role_key: str, org_id: int) -> None:
    """Give ``user_id`` the role ``role_key`` in ``org_id`` (nothing when the role does not exist)."""
    r, a = _table("core_role").c, _table("core_role_assignment")
    role_id = session.scalar(select(r.id).where(r.key == role_key))
    if role_id is not None:
        session.execute(insert(a).values(user_id=user_id, role_id=role_id, org_id=org_id))


def role_id(session: Session, role_key: str) -> int | None:
    r = _table("core_role").c
    return session.scalar(select(r.id).where(r.key == role_key))
