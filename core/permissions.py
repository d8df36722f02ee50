"""Permissions, enforced in one place.

An :class:`Actor` is loaded once per request from the user's role
assignments. :func:`scope` compiles the actor's row scope for a model and an
action into one SQLAlchemy expression; lists, counts, exports, reports and
single-record access all use it (design rule 3), so a record outside the
scope is simply not found: 404.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Label, Row, and_, case, false, or_, select, true
from sqlalchemy.orm import QueryableAttribute, Session

from core.db import Base, SoftDeleteMixin, id_column
from core.models import (
    ApprovalTask,
    Department,
    FieldRule,
    Membership,
    RecordShare,
    Role,
    RoleAssignment,
    RolePermission,
    User,
)

T = TypeVar("T", bound=Base)
#: what a field rule makes of a field for a role (``core_field_rule.mode``)
FIELD_MODES = ("hidden", "readonly", "masked")
SCOPE_RANK = {"own": 1, "department": 2, "department_tree": 3, "org": 4, "all": 5}


class Forbidden(Exception):
    """The actor lacks the permission code (HTTP 403)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class NotFound(Exception):
    """No such record within the actor's scope (HTTP 404)."""


@dataclass(frozen=True)
class Grant:
    org_id: int
    scope: str
    department_id: int | None
    department_path: str | None


@dataclass
class Actor:
    """The user a request acts for, with their grants in every org."""

    user_id: int
    username: str
    display_name: str
    locale: str
    org_id: int
    department_id: int | None
    grants: dict[str, list[Grant]] = field(default_factory=dict)
    #: model key -> field -> "hidden" | "masked" | "readonly"
    field_modes: dict[str, dict[str, str]] = field(default_factory=dict)
    org_ids: frozenset[int] = frozenset()

    def can(self, code: str) -> bool:
        return code in self.grants

    def require(self, code: str) -> None:
        if code not in self.grants:
            raise Forbidden(code)

    def hidden_fields(self, model: type[Base]) -> set[str]:
        """The fields the actor may not read in clear: those hidden from them
        and those masked for them. Code that shows masked values (the kit,
        the API, exports, prints, the audit trail) takes
        :meth:`masked_fields` back out; any other code leaves them out, so a
        masked value never shows in clear where nobody thought of masking."""
        modes = self.field_modes.get(model.__model_key__, {})
        return {f for f, m in modes.items() if m in ("hidden", "masked")}

    def masked_fields(self, model: type[Base]) -> set[str]:
        """The fields the actor reads masked (``138****5678``, :func:`core.masking.mask_value`)."""
        modes = self.field_modes.get(model.__model_key__, {})
        return {f for f, m in modes.items() if m == "masked"}

    def readonly_fields(self, model: type[Base]) -> set[str]:
        """The fields the actor may not change: read-only, masked and hidden ones."""
        modes = self.field_modes.get(model.__model_key__, {})
        return set(modes)


def load_actor(
    session: Session, user: User, *, all_codes: set[str], org_id: int | None = None
) -> Actor:
    """Build the actor of ``user``: grants per code, field rules per model.

    ``all_codes`` are the permission codes of the enabled plugins, which a
    role with ``grants_all`` receives with scope "all".
    """
    rows = session.execute(
        select(RoleAssignment.org_id, Role.id, Role.grants_all, _department_in_assigned_org(user))
        .join(Role, Role.id == RoleAssignment.role_id)
        .where(RoleAssignment.user_id == user.id)
    ).all()
    dept_paths = _department_paths(session, {r[3] for r in rows if r[3]})
    grants: dict[str, list[Grant]] = defaultdict(list)
    role_ids = [r[1] for r in rows]
    perms_by_role: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if role_ids:
        for role_id, code, scope in session.execute(
            select(RolePermission.role_id, RolePermission.code, RolePermission.scope).where(
                RolePermission.role_id.in_(role_ids)
            )
        ):
            perms_by_role[role_id].append((code, scope))
    granting_roles: dict[str, set[int]] = defaultdict(set)
    for assigned_org, role_id, grants_all, dept_id in rows:
        path = dept_paths.get(dept_id) if dept_id else None
        pairs = [(c, "all") for c in all_codes] if grants_all else perms_by_role[role_id]
        for code, scope in pairs:
            if code not in all_codes:
                continue  # a disabled plugin's permission grants nothing
            grants[code].append(Grant(assigned_org, scope, dept_id, path))
            granting_roles[code].add(role_id)
    field_modes = _field_modes(session, role_ids, granting_roles, rows)
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        locale=user.locale,
        org_id=org_id or user.org_id,
        department_id=user.department_id,
        grants=dict(grants),
        field_modes=field_modes,
        org_ids=frozenset(r[0] for r in rows) | {user.org_id},
    )


def _department_in_assigned_org(user: User) -> Label[int | None]:
    """The user's department in the assignment's org: the home department at
    home, the membership's department elsewhere."""
    member_dept = (
        select(Membership.department_id)
        .where(Membership.user_id == user.id, Membership.org_id == RoleAssignment.org_id)
        .scalar_subquery()
    )
    return case(
        (RoleAssignment.org_id == user.org_id, user.department_id), else_=member_dept
    ).label("department_id")


def _department_paths(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(Department.id, Department.path).where(Department.id.in_(ids))
    return {dept_id: path for dept_id, path in session.execute(stmt)}


def _field_modes(
    session: Session,
    role_ids: list[int],
    granting_roles: dict[str, set[int]],
    rows: Sequence[Row[int, int, bool, int | None]],
) -> dict[str, dict[str, str]]:
    """A field is hidden when every role that grants the actor read on its
    model hides it; masked when every such role hides or masks it (and one
    masks it: a role that shows it in clear wins); read-only when every role
    that grants update on the model has a rule on it (a masked value is
    never written back)."""
    if not role_ids:
        return {}
    unrestricted = {r[1] for r in rows if r[2]}  # grants_all roles see everything
    rules: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for role_id, model, fname, mode in session.execute(
        select(FieldRule.role_id, FieldRule.model, FieldRule.field, FieldRule.mode).where(
            FieldRule.role_id.in_(role_ids)
        )
    ):
        rules[(model, fname)][role_id] = mode
    result: dict[str, dict[str, str]] = defaultdict(dict)
    for (model, fname), by_role in rules.items():
        reading = granting_roles.get(f"{model}.read", set())
        writing = granting_roles.get(f"{model}.update", set())
        readers, writers = reading - unrestricted, writing - unrestricted
        clear_readers = readers - {r for r, m in by_role.items() if m in ("hidden", "masked")}
        if readers and not (reading & unrestricted) and not clear_readers:
            hides = all(by_role[r] == "hidden" for r in readers)
            result[model][fname] = "hidden" if hides else "masked"
        elif writers and not (writers - set(by_role)) and not (writing & unrestricted):
            result[model][fname] = "readonly"
    return dict(result)


# ------------------------------------------------------------------ predicate


def _col(model: type[Base], role: str) -> QueryableAttribute[Any] | None:
    columns: dict[str, str] = getattr(model, "__scope_columns__", None) or {
        "org": "org_id",
        "owner": "owner_id",
        "department": "department_id",
    }
    name = columns.get(role)
    if name is None or not hasattr(model, name):
        return None
    return cast("QueryableAttribute[Any]", getattr(model, name))  # a mapped column, by name


def scope(
    actor: Actor, model: type[Base], action: str = "read", *, include_deleted: bool = False
) -> ColumnElement[bool]:
    """The rows of ``model`` that ``actor`` may ``action``, as one expression."""
    code = f"{model.__model_key__}.{action}"
    clauses: list[ColumnElement[bool]] = []
    org_col = _col(model, "org")
    for grant in actor.grants.get(code, ()):
        if grant.scope == "all":
            clauses = [true()]
            break
        if org_col is None:
            continue  # installation-wide records open only to installation-wide grants
        in_org = org_col == grant.org_id
        if grant.scope == "org":
            clauses.append(in_org)
        elif grant.scope in ("department", "department_tree"):
            dept_col = _col(model, "department")
            if dept_col is None or grant.department_id is None:
                continue
            if grant.scope == "department":
                clauses.append(and_(in_org, dept_col == grant.department_id))
            else:
                subtree = select(Department.id).where(
                    Department.path.startswith(grant.department_path or "/-/")
                )
                clauses.append(and_(in_org, dept_col.in_(subtree)))
        elif grant.scope == "own":
            owner_col = _col(model, "owner")
            if owner_col is not None:
                clauses.append(and_(in_org, owner_col == actor.user_id))
    # The records shared with the actor and those they are asked to approve are
    # uncorrelated ``id IN (...)`` sets, not correlated EXISTS: a database reads
    # each once (PostgreSQL: a hashed subplan) instead of once per row, which a
    # report aggregating a million rows of one organisation would feel.
    if action in ("read", "update") and getattr(model, "__shareable__", True):
        share = select(RecordShare.record_id).where(
            RecordShare.model == model.__model_key__,
            RecordShare.user_id == actor.user_id,
        )
        if action == "update":
            share = share.where(RecordShare.can_write.is_(True))
        clauses.append(id_column(model).in_(share))
    if action == "read" and getattr(model, "__approvable__", False):
        # an approver reads what they are asked to approve (core.approvals)
        clauses.append(id_column(model).in_(select(ApprovalTask.record_id).where(
            ApprovalTask.model == model.__model_key__,
            ApprovalTask.user_id == actor.user_id,
        )))
    predicate = or_(*clauses) if clauses else false()
    if issubclass(model, SoftDeleteMixin) and not include_deleted:
        predicate = and_(predicate, model.deleted_at.is_(None))
    return predicate


def get_for(
    session: Session,
    actor: Actor,
    model: type[T],
    record_id: Any,
    action: str = "read",
    *,
    include_deleted: bool = False,
) -> T:
    """Fetch one record through the same predicate as lists; NotFound otherwise."""
    actor.require(f"{model.__model_key__}.{action}")
    try:
        key = int(record_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    row = session.scalars(
        select(model).where(
            id_column(model) == key,
            scope(actor, model, action, include_deleted=include_deleted),
        )
    ).first()
    if row is None:
        raise NotFound()
    return row


def covers(actor: Actor, org_id: int, code: str, wanted_scope: str) -> bool:
    """Does the actor hold ``code`` in ``org_id`` with at least ``wanted_scope``?

    Used to stop privilege escalation: nobody hands out more than they hold.
    """
    need = SCOPE_RANK.get(wanted_scope, 99)
    for grant in actor.grants.get(code, ()):
        if grant.scope == "all" or (grant.org_id == org_id and SCOPE_RANK[grant.scope] >= need):
            return True
    return False
