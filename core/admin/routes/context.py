"""Data for the kernel's detail pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select

from core.fields import extra_fields_of, has_extra
from core.models import (
    SCOPE_LABELS,
    SCOPES,
    Department,
    FieldRule,
    Membership,
    Org,
    Role,
    RoleAssignment,
    User,
)
from core.registry import ACTION_LABELS, PermissionDecl
from core.web import Ctx

# ------------------------------------------------------------------ role detail context


def role_matrix(ctx: Ctx, role: Role) -> dict[str, Any]:
    """The role page's grid: one row per model, one column per action, a
    scope in each cell; permissions that are not model actions below it."""
    current = {p.code: p.scope for p in role.permissions}
    registry = ctx.kernel.registry
    grid: dict[str, dict[str, tuple[PermissionDecl, str]]] = {}
    other: list[tuple[PermissionDecl, str]] = []
    for code, perm in sorted(registry.permissions.items()):
        if perm.model in registry.models and perm.action in ACTION_LABELS:
            grid.setdefault(perm.model, {})[perm.action] = (perm, current.get(code, ""))
        else:
            other.append((perm, current.get(code, "")))
    actions = [a for a in ACTION_LABELS if any(a in row for row in grid.values())]
    rules = {(r.model, r.field): r.mode for r in ctx.db.scalars(
        select(FieldRule).where(FieldRule.role_id == role.id))}
    fields = {
        key: [(c.name, c.info["label"], rules.get((key, c.name), "")) for c in model.__table__.columns
              if "label" in c.info]
        + [(f.name, f.label_for(ctx.t.locale), rules.get((key, f.name), ""))
           for f in (extra_fields_of(ctx.db, key) if has_extra(model) else ())]  # ruled under their name
        for key, model in registry.models.items()
    }
    return {"grid": grid, "grid_actions": actions, "other": other, "scopes": SCOPES,
            "scope_labels": SCOPE_LABELS, "action_labels": ACTION_LABELS, "field_rules": fields}


def user_memberships(ctx: Ctx, user: User) -> list[Row[int, str, str | None, str]]:
    """(membership id, organisation, department or None, position) of each position."""
    return list(ctx.db.execute(
        select(Membership.id, Org.name, Department.name, Membership.position)
        .join(Org, Org.id == Membership.org_id)
        .outerjoin(Department, Department.id == Membership.department_id)
        .where(Membership.user_id == user.id).order_by(Org.name)
    ))


def user_roles(ctx: Ctx, user: User) -> list[Row[int, str, str, str]]:
    """(assignment id, role name, its English name, organisation) of each role held."""
    return list(ctx.db.execute(
        select(RoleAssignment.id, Role.name, Role.name_en, Org.name)
        .join(Role, Role.id == RoleAssignment.role_id).join(Org, Org.id == RoleAssignment.org_id)
        .where(RoleAssignment.user_id == user.id).order_by(Org.name, Role.name)
    ))
