"""Who is someone's manager, and who holds a role: the kernel's answers for
approvals, escalations and reminders (and any plugin that routes work).

A user's manager is their ``manager_id`` when set; otherwise the head of
their department, or, when they head it themselves (or it has no head), the
head of the nearest department above with another head. Only active users
are ever returned.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.models import Department, Role, RoleAssignment, RolePermission, User

__all__ = ["manager_chain", "manager_of", "role_members"]


def manager_of(session: Session, user_id: int) -> int | None:
    """The active manager of ``user_id``, or None at the top."""
    chain = manager_chain(session, user_id, 1)
    return chain[0] if chain else None


def manager_chain(session: Session, user_id: int, levels: int) -> list[int]:
    """Up to ``levels`` managers above ``user_id``, nearest first, without repeats."""
    out: list[int] = []
    seen = {user_id}
    current = user_id
    while len(out) < levels:
        boss = _one_up(session, current, seen)
        if boss is None:
            break
        out.append(boss)
        seen.add(boss)
        current = boss
    return out


def _one_up(session: Session, user_id: int, seen: set[int]) -> int | None:
    user = session.get(User, user_id)
    if user is None:
        return None
    if user.manager_id is not None and user.manager_id not in seen and _active(session, user.manager_id):
        return user.manager_id
    dept = session.get(Department, user.department_id) if user.department_id else None
    while dept is not None:
        if dept.head_id is not None and dept.head_id not in seen and dept.deleted_at is None \
                and _active(session, dept.head_id):
            return dept.head_id
        dept = session.get(Department, dept.parent_id) if dept.parent_id else None
    return None


def _active(session: Session, user_id: int) -> bool:
    user = session.get(User, user_id)
    return user is not None and user.active


def role_members(session: Session, role_id: int, org_id: int) -> list[int]:
    """Active users holding ``role_id`` in ``org_id``, by id."""
    return list(session.scalars(
        select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role_id == role_id, RoleAssignment.org_id == org_id,
               User.active.is_(True))
        .order_by(User.id)))


def permission_holders(code: str, org_id: int) -> Select[Any]:
    """Active users holding ``code`` in ``org_id`` through a role assigned
    there (or a role that grants everything), as a select of their ids to
    use inside a query: ``User.id.in_(permission_holders("sales.contract.create", org))``."""
    granting = select(RolePermission.role_id).where(RolePermission.code == code)
    return (select(RoleAssignment.user_id).join(User, User.id == RoleAssignment.user_id)
            .join(Role, Role.id == RoleAssignment.role_id)
            .where(RoleAssignment.org_id == org_id, User.active.is_(True),
                   Role.id.in_(granting) | Role.grants_all.is_(True)))
