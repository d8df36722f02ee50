"""Business rules of the kernel's records: plain functions taking
``(session, actor, ...)``; routes and the CLI both call them."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.auth import Passwords, end_all_sessions, password_problems
from core.db import Base, SoftDeleteMixin, id_column, id_of, utcnow
from core.errors import Conflict, ValidationError
from core.fields import extra_fields_of, has_extra
from core.i18n import N_
from core.models import (
    SCOPES,
    AuditLog,
    Department,
    ExternalId,
    FieldRule,
    Membership,
    Org,
    PluginState,
    RecordShare,
    Role,
    RoleAssignment,
    RolePermission,
    User,
)
from core.permissions import FIELD_MODES, Actor, Forbidden, covers, get_for, scope
from core.registry import Registry

#: a node of an organisation or department tree (materialised ``path``)
TreeNode = TypeVar("TreeNode", Org, Department)


def _apply(record: Base, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(record, key, value)


# ------------------------------------------------------------------ orgs


def create_org(db: Session, actor: Actor | None, values: dict[str, Any]) -> Org:
    _unique(db, Org, "code", values.get("code"))
    parent = _parent(db, actor, Org, values.get("parent_id"))
    org = Org(**{**values, "name_en": values.get("name_en") or ""})
    db.add(org)
    db.flush()
    set_tree_path(db, org, parent)
    return org


def update_org(db: Session, actor: Actor, org: Org, values: dict[str, Any]) -> None:
    _unique(db, Org, "code", values.get("code"), exclude=org.id)
    if "parent_id" in values and values["parent_id"] != org.parent_id:
        parent = _parent(db, actor, Org, values["parent_id"])
        _move(db, Org, org, parent)
    _apply(org, values)


# ------------------------------------------------------------------ departments


def create_department(db: Session, actor: Actor, values: dict[str, Any]) -> Department:
    org_id = values.pop("org_id", None) or actor.org_id
    get_for(db, actor, Org, org_id)
    parent = _parent(db, actor, Department, values.get("parent_id"))
    if parent is not None and parent.org_id != org_id:
        raise ValidationError({"parent_id": N_("The parent department belongs to another organisation.")})
    _check_user(db, actor, "head_id", values.get("head_id"))
    dept = Department(org_id=org_id, **values)
    db.add(dept)
    db.flush()
    set_tree_path(db, dept, parent)
    return dept


def update_department(db: Session, actor: Actor, dept: Department, values: dict[str, Any]) -> None:
    values.pop("org_id", None)  # a department does not move between organisations
    _check_user(db, actor, "head_id", values.get("head_id"))
    if "parent_id" in values and values["parent_id"] != dept.parent_id:
        parent = _parent(db, actor, Department, values["parent_id"])
        if parent is not None and parent.org_id != dept.org_id:
            raise ValidationError({"parent_id": N_("The parent department belongs to another organisation.")})
        _move(db, Department, dept, parent)
    _apply(dept, values)


def _parent(db: Session, actor: Actor | None, model: type[TreeNode], parent_id: Any) -> TreeNode | None:
    if not parent_id:
        return None
    if actor is None:
        return db.get(model, parent_id)
    found = db.scalars(select(model).where(model.id == parent_id, scope(actor, model, "read"))).first()
    if found is None:
        raise ValidationError({"parent_id": N_("Choose an existing parent.")})
    return found


def set_tree_path(db: Session, node: Org | Department, parent: Org | Department | None) -> None:
    """Give a just-inserted tree node its materialised path (``/1/4/9/``).

    The path needs the new id, so it is written with a plain UPDATE that does
    not count as an edit: no version bump, no audit row of its own.
    """
    path = f"{parent.path if parent else '/'}{node.id}/"
    model = type(node)
    db.execute(update(model).where(model.id == node.id).values(path=path))
    set_committed_value(node, "path", path)


def _move(db: Session, model: type[TreeNode], record: TreeNode, parent: TreeNode | None) -> None:
    """Re-parent a tree node, rewriting the materialised paths below it."""
    if parent is not None and parent.path.startswith(record.path):
        raise ValidationError({"parent_id": N_("A record cannot be moved below itself.")})
    old = record.path
    new = f"{parent.path if parent else '/'}{record.id}/"
    for node in db.scalars(select(model).where(model.path.startswith(old))):
        node.path = new + node.path[len(old):]


# ------------------------------------------------------------------ users


def create_user(
    db: Session, actor: Actor | None, values: dict[str, Any], *, passwords: Passwords | None = None
) -> User:
    password = values.pop("password", "") or ""
    _unique(db, User, "username", values.get("username"))
    if actor is not None:
        org_id = values.get("org_id") or actor.org_id
        get_for(db, actor, Org, org_id)
        values["org_id"] = org_id
    _check_department(db, values.get("department_id"), values["org_id"])
    _check_user(db, actor, "manager_id", values.get("manager_id"))
    user = User(**values)
    if password:
        _set_password(user, password, passwords)
    db.add(user)
    db.flush()
    return user


def update_user(db: Session, actor: Actor, user: User, values: dict[str, Any]) -> None:
    _unique(db, User, "username", values.get("username"), exclude=user.id)
    if "org_id" in values and values["org_id"] != user.org_id:
        get_for(db, actor, Org, values["org_id"])
    _check_department(db, values.get("department_id"), values.get("org_id", user.org_id))
    _check_user(db, actor, "manager_id", values.get("manager_id"))
    if values.get("manager_id") == user.id:
        raise ValidationError({"manager_id": N_("A user cannot be their own manager.")})
    was_active = user.active
    _apply(user, values)
    if was_active and not user.active:
        end_all_sessions(db, user.id)


def _check_user(db: Session, actor: Actor | None, field: str, user_id: Any) -> None:
    """A referenced user must exist and be within the actor's read scope."""
    if not user_id:
        return
    stmt = select(User.id).where(User.id == user_id)
    if actor is not None:
        stmt = stmt.where(scope(actor, User, "read"))
    if db.scalar(stmt) is None:
        raise ValidationError({field: N_("Choose an existing user.")})


def _check_department(db: Session, dept_id: Any, org_id: int) -> None:
    if dept_id:
        dept = db.get(Department, dept_id)
        if dept is None or dept.org_id != org_id:
            raise ValidationError({"department_id": N_("The department belongs to another organisation.")})


def _set_password(user: User, password: str, passwords: Passwords | None) -> None:
    problems = password_problems(password, username=user.username)
    if problems:
        raise ValidationError({"password": problems[0]})
    assert passwords is not None, "a password needs the hasher"
    user.password_hash = passwords.hash(password)
    user.password_changed_at = utcnow()


def change_password(
    db: Session, user: User, *, current: str, new: str, passwords: Passwords, keep_session: str | None
) -> None:
    if not passwords.verify(user.password_hash, current):
        raise ValidationError({"current": N_("The current password is wrong.")})
    try:
        _set_password(user, new, passwords)
    except ValidationError as exc:
        raise ValidationError({"new": exc.errors["password"]}) from None
    end_all_sessions(db, user.id, keep=keep_session)


def set_password(db: Session, user: User, new: str, passwords: Passwords) -> None:
    _set_password(user, new, passwords)
    end_all_sessions(db, user.id)


def assign_role(
    db: Session, actor: Actor, user: User, role_id: int, org_id: int, registry: Registry
) -> None:
    """Give ``user`` a role in an org; nobody hands out more than they hold."""
    get_for(db, actor, Org, org_id)
    role = db.get(Role, role_id)
    if role is None:
        raise ValidationError({"role_id": N_("Choose an existing role.")})
    held = [(c, "all") for c in registry.permissions] if role.grants_all else [
        (p.code, p.scope) for p in role.permissions]
    if not all(covers(actor, org_id, code, sc) for code, sc in held):
        raise Forbidden("core.role.assign")
    exists = db.scalar(select(RoleAssignment.id).where(
        RoleAssignment.user_id == user.id, RoleAssignment.role_id == role.id,
        RoleAssignment.org_id == org_id))
    if exists is None:
        db.add(RoleAssignment(user_id=user.id, role_id=role.id, org_id=org_id))


def unassign_role(db: Session, actor: Actor, user: User, assignment_id: int) -> None:
    row = db.get(RoleAssignment, assignment_id)
    if row is None or row.user_id != user.id:
        raise ValidationError({"assignment": N_("No such role assignment.")})
    get_for(db, actor, Org, row.org_id)
    db.delete(row)


def set_membership(
    db: Session, actor: Actor, user: User, org_id: int, department_id: int | None, position: str
) -> None:
    """The user's department and position in another organisation (the matrix)."""
    get_for(db, actor, Org, org_id)
    if org_id == user.org_id:
        raise ValidationError({"org_id": N_("This is the user's home organisation; edit the user instead.")})
    _check_department(db, department_id, org_id)
    row = db.scalar(select(Membership).where(Membership.user_id == user.id, Membership.org_id == org_id))
    if row is None:
        row = Membership(user_id=user.id, org_id=org_id)
        db.add(row)
    row.department_id, row.position = department_id, position[:100]


def remove_membership(db: Session, actor: Actor, user: User, membership_id: int) -> None:
    row = db.get(Membership, membership_id)
    if row is None or row.user_id != user.id:
        raise ValidationError({"membership": N_("No such position.")})
    get_for(db, actor, Org, row.org_id)
    db.delete(row)


# ------------------------------------------------------------------ roles


def create_role(db: Session, actor: Actor, values: dict[str, Any]) -> Role:
    _unique(db, Role, "key", values.get("key"))
    role = Role(**values)
    db.add(role)
    db.flush()
    return role


def update_role(db: Session, actor: Actor, role: Role, values: dict[str, Any]) -> None:
    _unique(db, Role, "key", values.get("key"), exclude=role.id)
    _apply(role, values)


def set_role_grants(
    db: Session, role: Role, grants: dict[str, str], registry: Registry
) -> None:
    """Replace a role's grants: ``{code: scope}``; unknown codes or scopes are refused."""
    for code, sc in grants.items():
        if code not in registry.permissions:
            raise ValidationError({code: N_("Unknown permission.")})
        if sc not in SCOPES:
            raise ValidationError({code: N_("Unknown scope.")})
    current = {p.code: p for p in role.permissions}
    for code, perm in current.items():
        if code not in grants and code in registry.permissions:
            role.permissions.remove(perm)
    for code, sc in grants.items():
        if code in current:
            current[code].scope = sc
        else:
            role.permissions.append(RolePermission(code=code, scope=sc))


def set_field_rules(db: Session, role: Role, rules: dict[tuple[str, str], str], registry: Registry) -> None:
    """Replace a role's field rules: ``{(model, field): "hidden" | "masked" | "readonly"}``.

    The fields are the models' columns and their run-time fields (custom
    fields, under their name). Rules on fields that are neither (a removed
    custom field, a disabled plugin's model) are kept, so they hold again
    when the field comes back.
    """
    known = {(key, name) for key, cls in registry.models.items() for name in _ruled_fields(db, key, cls)}
    for (model, fname), mode in rules.items():
        if (model, fname) not in known:
            raise ValidationError({f"{model}.{fname}": N_("Unknown field.")})
        if mode not in FIELD_MODES:
            raise ValidationError({f"{model}.{fname}": N_("Unknown field rule.")})
    current = db.scalars(select(FieldRule).where(FieldRule.role_id == role.id))
    before = {(r.model, r.field): r.mode for r in current if (r.model, r.field) in known}
    for rule in db.scalars(select(FieldRule).where(FieldRule.role_id == role.id)):
        if (rule.model, rule.field) in known:
            db.delete(rule)
    db.flush()
    for (model, fname), mode in rules.items():
        db.add(FieldRule(role_id=role.id, model=model, field=fname, mode=mode))
    changed = sorted({model for model, fname in set(before) | set(rules)
                      if before.get((model, fname)) != rules.get((model, fname))})
    hook = db.info.get("hook")
    if changed and hook is not None:
        db.flush()
        hook.on_field_rules_changed(session=db, role_id=role.id, model_keys=changed)


def _ruled_fields(db: Session, key: str, model: type[Base]) -> set[str]:
    """The fields of a model a field rule may name: its columns and its run-time fields."""
    names = {c.name for c in model.__table__.columns}
    return names | ({f.name for f in extra_fields_of(db, key)} if has_extra(model) else set())


def sync_shipped_roles(db: Session, registry: Registry) -> None:
    """Create or update the roles plugins ship (rule 2: by external id) and
    add the codes they and other plugins' role grants give that a role
    lacks (an administrator's changes stay). A handful of statements
    whatever the number of roles and codes: it runs at every start."""
    exts = {(e.plugin, e.key): e for e in db.scalars(select(ExternalId).where(ExternalId.key.like("role.%")))}
    by_id = {r.id: r for r in db.scalars(select(Role))}
    by_key = {r.key: r for r in by_id.values()}
    shipped: dict[str, Role] = {}  # by the key a plugin's role has
    wanted: dict[str, dict[str, str]] = {}
    missing_ext: list[tuple[str, str, Role]] = []
    for (plugin, key), decl in registry.roles.items():
        ext = exts.get((plugin, f"role.{key}"))
        role = by_id.get(ext.record_id) if ext else None
        role_key = key if plugin == "core" else f"{plugin}.{key}"
        if role is None:
            role = by_key.get(role_key) or Role(key=role_key, name=decl.name)
            db.add(role)
            role.plugin = plugin
            missing_ext.append((plugin, key, role))
        role.name, role.name_en, role.grants_all = decl.name, decl.name_en, decl.grants_all
        role.description = decl.description
        shipped[role_key] = role
        wanted[role_key] = dict(decl.grants)
    for _plugin, grant in registry.role_grants:
        if grant.role in shipped:  # else its plugin is off
            wanted[grant.role] = {**grant.grants, **wanted[grant.role]}
    db.flush()
    for plugin, key, role in missing_ext:
        ext = exts.get((plugin, f"role.{key}"))
        if ext is None:
            db.add(ExternalId(plugin=plugin, key=f"role.{key}", model="core.role", record_id=role.id))
        else:
            ext.record_id = role.id
    ids = [role.id for role in shipped.values()]
    have = {(role_id, code) for role_id, code in db.execute(
        select(RolePermission.role_id, RolePermission.code).where(RolePermission.role_id.in_(ids)))}
    rows = [{"role_id": shipped[key].id, "code": code, "scope": sc}
            for key, grants in wanted.items() for code, sc in grants.items()
            if (shipped[key].id, code) not in have]
    if rows:
        db.execute(insert(RolePermission), rows)
        for role in shipped.values():
            db.expire(role, ["permissions"])


# ------------------------------------------------------------------ sharing


def share_record(
    db: Session, actor: Actor, model: type[Base], record_id: Any, user_id: Any, *, can_write: bool
) -> RecordShare:
    """Open one record to one more user, beyond their role's scope.

    The actor needs ``<model>.share``, must see the record (and be allowed to
    change it to share it writable), and can only share with users they see.
    """
    key = model.__model_key__
    actor.require(f"{key}.share")
    record = get_for(db, actor, model, record_id, "update" if can_write else "read")
    rid = id_of(record)
    target = db.scalar(select(User).where(User.id == _int(user_id), User.active.is_(True),
                                          scope(actor, User, "read")))
    if target is None:
        raise ValidationError({"user_id": N_("Choose an existing user.")})
    if target.id == actor.user_id:
        raise ValidationError({"user_id": N_("You cannot share a record with yourself.")})
    share = db.scalar(select(RecordShare).where(
        RecordShare.model == key, RecordShare.record_id == rid, RecordShare.user_id == target.id))
    if share is None:
        share = RecordShare(model=key, record_id=rid, user_id=target.id, shared_by_id=actor.user_id)
        db.add(share)
    share.can_write = can_write
    db.add(AuditLog(model=key, record_id=rid, action="share", user_id=actor.user_id,
                    changes={"shared_with": [None, target.display_name], "can_write": [None, can_write]}))
    return share


def unshare_record(db: Session, actor: Actor, model: type[Base], record_id: Any, share_id: Any) -> None:
    key = model.__model_key__
    actor.require(f"{key}.share")
    rid = id_of(get_for(db, actor, model, record_id))
    share = db.get(RecordShare, _int(share_id))
    if share is None or share.model != key or share.record_id != rid:
        raise ValidationError({"share": N_("No such share.")})
    target = db.get(User, share.user_id)
    db.delete(share)
    db.add(AuditLog(model=key, record_id=rid, action="unshare", user_id=actor.user_id,
                    changes={"shared_with": [target.display_name if target else None, None]}))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# ------------------------------------------------------------------ plugins


def set_plugin_enabled(db: Session, name: str, enabled: bool) -> None:
    row = db.get(PluginState, name)
    if row is None:
        db.add(PluginState(name=name, enabled=enabled))
    else:
        row.enabled = enabled


# ------------------------------------------------------------------ recycle bin


def restore(db: Session, actor: Actor, model: type[Base], record_id: Any) -> Base:
    actor.require("core.recycle.restore")
    record = get_for(db, actor, model, record_id, "read", include_deleted=True)
    if not isinstance(record, SoftDeleteMixin) or record.deleted_at is None:
        raise Conflict(N_("This record is not deleted."))
    record.deleted_at = None
    return record


def purge(db: Session, actor: Actor, model: type[Base], record_id: Any) -> None:
    actor.require("core.recycle.purge")
    record = get_for(db, actor, model, record_id, "read", include_deleted=True)
    if getattr(record, "deleted_at", None) is None:
        raise Conflict(N_("Only deleted records can be purged."))
    db.delete(record)


# ------------------------------------------------------------------ helpers


def _unique(db: Session, model: type[Base], column: str, value: Any, *, exclude: int | None = None) -> None:
    if value in (None, ""):
        return
    id_col = id_column(model)
    stmt = select(id_col).where(getattr(model, column) == value)
    if exclude is not None:
        stmt = stmt.where(id_col != exclude)
    if db.scalar(stmt) is not None:
        raise ValidationError({column: N_("This value is already used.")})


