"""The kernel's pages. Handlers parse, call a service, render."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, select
from starlette.responses import RedirectResponse, Response

from core import auth
from core.admin import services
from core.db import Base, SoftDeleteMixin, id_column, utcnow
from core.errors import Conflict, ValidationError
from core.i18n import LOCALE_NAMES, N_
from core.kit import COUNT_LIMIT, Column, Crud, Filter, Form, FormField, ListView, _choices
from core.models import (
    SCOPE_LABELS,
    SCOPES,
    ApiToken,
    Department,
    FieldRule,
    Membership,
    Org,
    Role,
    RoleAssignment,
    User,
)
from core.permissions import get_for, scope
from core.registry import ACTION_LABELS, PermissionDecl
from core.web import AUTHENTICATED, PUBLIC, Ctx, Routes

routes = Routes(prefix="")


# ------------------------------------------------------------------ choices


def org_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(select(Org.id, Org.name).where(scope(ctx.user, Org)).order_by(Org.path))
    return [(str(i), n) for i, n in rows]


def department_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(
        select(Department.id, Department.name, Org.name)
        .join(Org, Org.id == Department.org_id)
        .where(scope(ctx.user, Department)).order_by(Department.org_id, Department.path)
    )
    return [(str(i), f"{o} / {n}") for i, n, o in rows]


def user_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(
        select(User.id, User.display_name, User.username)
        .where(scope(ctx.user, User), User.active.is_(True)).order_by(User.username).limit(2000)
    )
    return [(str(i), f"{n} ({u})") for i, n, u in rows]


def locale_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [("", ctx._("Browser default"))] + [
        (loc, LOCALE_NAMES.get(loc, loc)) for loc in ctx.kernel.settings.locales
    ]


MEMBERSHIP_FORM = Form([
    FormField("org_id", N_("Organisation"), "select", required=True, choices=org_choices),
    FormField("department_id", N_("Department"), "select", choices=department_choices),
    FormField("position", N_("Position"), max_length=100),
])

# ------------------------------------------------------------------ auth


@routes.get("/login", name="session_new", permission=PUBLIC)
def session_new(ctx: Ctx) -> Response:
    return ctx.render("core/session_new.html", error=None, username="", next=ctx.query.get("next", "/"))


@routes.post("/login", name="session_create", permission=PUBLIC)
def session_create(ctx: Ctx) -> Response:
    username = ctx.field("username").strip()[:80]
    password = ctx.field("password")[:200]
    target = ctx.field("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    ip = ctx.request.client.host if ctx.request.client else ""
    kernel = ctx.kernel
    ctx.commit_on_error = True  # keep the failure count even though we answer 4xx
    try:
        user = auth.authenticate(ctx.db, kernel.passwords, kernel.throttle,
                                 username=username, password=password, ip=ip)
    except auth.LoginThrottled:
        return ctx.render("core/session_new.html", status=429, username=username, next=target,
                          error=ctx._("Too many failed attempts. Try again in a few minutes."))
    except auth.LoginFailed:
        return ctx.render("core/session_new.html", status=401, username=username, next=target,
                          error=ctx._("Wrong username or password."))
    auth.end_session(ctx.db, ctx.request.cookies.get(auth.SESSION_COOKIE))
    token = auth.create_session(
        ctx.db, user, days=kernel.settings.session_days, ip=ip,
        user_agent=ctx.request.headers.get("user-agent", ""),
    )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=kernel.settings.secure_cookies,
                        max_age=kernel.settings.session_days * 86400)
    # A new CSRF token at login, so a token planted before login is useless.
    response.set_cookie(auth.CSRF_COOKIE, auth.new_csrf_token(), samesite="lax",
                        secure=kernel.settings.secure_cookies)
    return response


@routes.post("/logout", name="session_delete", permission=AUTHENTICATED)
def session_delete(ctx: Ctx) -> Response:
    auth.end_session(ctx.db, ctx.request.cookies.get(auth.SESSION_COOKIE))
    response = RedirectResponse(ctx.url_for("core:session_new"), status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


@routes.post("/locale", name="locale_switch", permission=PUBLIC)
def locale_switch(ctx: Ctx) -> Response:
    locale = ctx.field("locale")
    if locale not in ctx.kernel.settings.locales:
        raise ValidationError({"locale": N_("Unknown language.")})
    if ctx.actor is not None:
        user = ctx.db.get(User, ctx.actor.user_id)
        assert user is not None
        user.locale = locale
    back = ctx.request.headers.get("referer", "/")
    response = RedirectResponse(back if back.startswith(str(ctx.request.base_url)) else "/",
                                status_code=303)
    response.set_cookie("suanpan_locale", locale, samesite="lax", max_age=365 * 86400)
    return response


@routes.get("/", name="workbench_home", permission=AUTHENTICATED)
def workbench_home(ctx: Ctx) -> Response:
    """The workbench: counts of what the actor may read (widgets come with
    the dashboard plugin)."""
    stats = []
    for key, model in ctx.kernel.registry.models.items():
        if ctx.user.can(f"{key}.read"):
            found = ctx.db.scalar(select(func.count()).select_from(
                select(id_column(model)).where(scope(ctx.user, model)).limit(COUNT_LIMIT + 1).subquery()))
            stats.append((model.__label__, min(found or 0, COUNT_LIMIT), (found or 0) > COUNT_LIMIT))
    search = (ctx.query.get("q") or "").strip()[:100]
    return ctx.render("core/workbench_home.html", stats=stats, search=search, now=utcnow())


# ------------------------------------------------------------------ profile


PASSWORD_FORM = Form([
    FormField("current", N_("Current password"), "password", required=True),
    FormField("new", N_("New password"), "password", required=True),
    FormField("confirm", N_("Repeat the new password"), "password", required=True),
])


def _me(ctx: Ctx) -> User:
    user = ctx.db.get(User, ctx.user.user_id)
    assert user is not None
    return user


def _profile(ctx: Ctx, *, errors: dict[str, str] | None = None, new_token: str | None = None,
             status: int = 200) -> Response:
    me = _me(ctx)
    tokens = ctx.db.scalars(select(ApiToken).where(
        ApiToken.user_id == me.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id))
    return ctx.render("core/profile_detail.html", status=status, me=me, errors=errors or {},
                      org=ctx.db.get(Org, me.org_id),
                      department=ctx.db.get(Department, me.department_id) if me.department_id else None,
                      assignments=user_roles(ctx, me),
                      tokens=list(tokens), new_token=new_token, password_form=PASSWORD_FORM)


@routes.get("/profile", name="profile_detail", permission=AUTHENTICATED)
def profile(ctx: Ctx) -> Response:
    return _profile(ctx)


@routes.post("/profile/password", name="password_change", permission=AUTHENTICATED)
def password_change(ctx: Ctx) -> Response:
    try:
        values = PASSWORD_FORM.bind(ctx)
        if values["new"] != values["confirm"]:
            raise ValidationError({"confirm": ctx._("The two new passwords differ.")})
        services.change_password(
            ctx.db, _me(ctx), current=values["current"], new=values["new"],
            passwords=ctx.kernel.passwords, keep_session=ctx.request.cookies.get(auth.SESSION_COOKIE),
        )
    except ValidationError as exc:
        return _profile(ctx, errors={k: ctx._(v) for k, v in exc.errors.items()}, status=422)
    return ctx.redirect("core:profile_detail", flash="password_changed")


@routes.post("/profile/tokens", name="token_create", permission=AUTHENTICATED)
def token_create(ctx: Ctx) -> Response:
    name = ctx.field("name").strip()[:100]
    if not name:
        return _profile(ctx, errors={"name": ctx._("{label} is required.", label=ctx._("Token name"))},
                        status=422)
    _, plain = auth.create_api_token(ctx.db, _me(ctx), name)
    return _profile(ctx, new_token=plain)


@routes.post("/profile/tokens/{id:int}/revoke", name="token_revoke", permission=AUTHENTICATED)
def token_revoke(ctx: Ctx) -> Response:
    auth.revoke_api_token(ctx.db, ctx.user.user_id, ctx.params["id"])
    return ctx.redirect("core:profile_detail")


# ------------------------------------------------------------------ organisations


orgs = Crud(
    model=Org, noun="org", path="admin/orgs", title=N_("Organisations"),
    list_view=ListView(Org, [
        Column("code", N_("Code"), link=True),
        Column("name", N_("Name"), link=True),
        Column("name_en", N_("English name")),
        Column("parent_id", N_("Parent organisation"), kind="ref", ref=Org, sortable=False),
        Column("phone", N_("Phone")),
        Column("active", N_("Active"), kind="bool"),
    ], search=("code", "name", "name_en"), default_sort="code", default_desc=False),
    form=Form([
        FormField("code", N_("Code"), required=True, max_length=40),
        FormField("name", N_("Name"), required=True),
        FormField("name_en", N_("English name")),
        FormField("parent_id", N_("Parent organisation"), "select", choices=org_choices),
        FormField("address", N_("Address"), max_length=400),
        FormField("phone", N_("Phone"), max_length=40),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=services.create_org, update=services.update_org,
    detail_fields=[
        Column("code", N_("Code")), Column("name", N_("Name")), Column("name_en", N_("English name")),
        Column("parent_id", N_("Parent organisation"), kind="ref", ref=Org),
        Column("address", N_("Address")), Column("phone", N_("Phone")),
        Column("active", N_("Active"), kind="bool"),
    ],
)
orgs.register(routes)

departments = Crud(
    model=Department, noun="department", path="admin/departments", title=N_("Departments"),
    list_view=ListView(Department, [
        Column("name", N_("Name"), link=True),
        Column("name_en", N_("English name")),
        Column("org_id", N_("Organisation"), kind="ref", ref=Org),
        Column("parent_id", N_("Parent department"), kind="ref", ref=Department, sortable=False),
        Column("head_id", N_("Head"), kind="ref", ref=User, ref_label="display_name", sortable=False),
    ], search=("name", "name_en"), filters=[Filter("org_id", N_("Organisation"), org_choices)],
        default_sort="path", default_desc=False),
    form=Form([
        FormField("org_id", N_("Organisation"), "select", required=True, choices=org_choices),
        FormField("name", N_("Name"), required=True),
        FormField("name_en", N_("English name")),
        FormField("parent_id", N_("Parent department"), "select", choices=department_choices),
        FormField("head_id", N_("Head"), "select", choices=user_choices),
    ]),
    create=services.create_department, update=services.update_department,
    detail_fields=[
        Column("name", N_("Name")), Column("name_en", N_("English name")),
        Column("org_id", N_("Organisation"), kind="ref", ref=Org),
        Column("parent_id", N_("Parent department"), kind="ref", ref=Department),
        Column("head_id", N_("Head"), kind="ref", ref=User, ref_label="display_name"),
    ],
)
departments.register(routes)


users = Crud(
    model=User, noun="user", path="admin/users", title=N_("Users"), title_attr="display_name",
    list_view=ListView(User, [
        Column("username", N_("Username"), link=True),
        Column("display_name", N_("Full name"), link=True),
        Column("org_id", N_("Organisation"), kind="ref", ref=Org),
        Column("department_id", N_("Department"), kind="ref", ref=Department),
        Column("position", N_("Position")),
        Column("phone", N_("Mobile")),
        Column("email", N_("E-mail")),
        Column("active", N_("Active"), kind="bool"),
    ], search=("username", "display_name", "phone", "email"),
        filters=[Filter("org_id", N_("Organisation"), org_choices),
                 Filter("active", N_("Status"), [("1", N_("Active")), ("0", N_("Inactive"))])],
        default_sort="username", default_desc=False),
    form=Form([
        FormField("username", N_("Username"), required=True, max_length=80),
        FormField("display_name", N_("Full name"), required=True),
        FormField("org_id", N_("Organisation"), "select", required=True, choices=org_choices),
        FormField("department_id", N_("Department"), "select", choices=department_choices),
        FormField("position", N_("Position"), max_length=100),
        FormField("manager_id", N_("Manager"), "select", choices=user_choices),
        FormField("phone", N_("Mobile"), max_length=40),
        FormField("email", N_("E-mail"), "email"),
        FormField("locale", N_("Language"), "select", choices=locale_choices),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=services.create_user, update=services.update_user,
    detail_fields=[
        Column("username", N_("Username")), Column("display_name", N_("Full name")),
        Column("org_id", N_("Organisation"), kind="ref", ref=Org),
        Column("department_id", N_("Department"), kind="ref", ref=Department),
        Column("position", N_("Position")),
        Column("manager_id", N_("Manager"), kind="ref", ref=User, ref_label="display_name"),
        Column("phone", N_("Mobile")),
        Column("email", N_("E-mail")), Column("active", N_("Active"), kind="bool"),
    ],
    detail_template="core/user_detail.html",
    detail_context=lambda ctx, user: {
        "assignments": user_roles(ctx, user),
        "role_choices": [(r.id, r.name if ctx.t.locale == "zh_CN" or not r.name_en else r.name_en)
                         for r in ctx.db.scalars(select(Role).order_by(Role.key))],
        "org_choices": org_choices(ctx),
        "memberships": user_memberships(ctx, user),
        "membership_form": MEMBERSHIP_FORM,
        "membership_choices": {f.name: _choices(f.choices, ctx) for f in MEMBERSHIP_FORM.fields},
    },
)
users.register(routes)


@routes.post("/admin/users/{id:int}/roles", name="user_role_add", permission="core.user.assign")
def user_role_add(ctx: Ctx) -> Response:
    user = get_for(ctx.db, ctx.user, User, ctx.params["id"], "assign")
    try:
        role_id, org_id = int(ctx.field("role_id")), int(ctx.field("org_id"))
    except ValueError:
        raise ValidationError({"role_id": N_("Choose a role and an organisation.")}) from None
    services.assign_role(ctx.db, ctx.user, user, role_id, org_id, ctx.kernel.registry)
    return ctx.redirect("user_detail", id=user.id)


@routes.post("/admin/users/{id:int}/roles/{aid:int}/remove", name="user_role_remove",
             permission="core.user.assign")
def user_role_remove(ctx: Ctx) -> Response:
    user = get_for(ctx.db, ctx.user, User, ctx.params["id"], "assign")
    services.unassign_role(ctx.db, ctx.user, user, ctx.params["aid"])
    return ctx.redirect("user_detail", id=user.id)


@routes.post("/admin/users/{id:int}/memberships", name="user_membership_set",
             permission="core.user.assign")
def user_membership_set(ctx: Ctx) -> Response:
    user = get_for(ctx.db, ctx.user, User, ctx.params["id"], "assign")
    values = MEMBERSHIP_FORM.bind(ctx)
    services.set_membership(ctx.db, ctx.user, user, values["org_id"], values["department_id"],
                            values["position"])
    return ctx.redirect("user_detail", id=user.id, flash="saved")


@routes.post("/admin/users/{id:int}/memberships/{mid:int}/remove", name="user_membership_remove",
             permission="core.user.assign")
def user_membership_remove(ctx: Ctx) -> Response:
    user = get_for(ctx.db, ctx.user, User, ctx.params["id"], "assign")
    services.remove_membership(ctx.db, ctx.user, user, ctx.params["mid"])
    return ctx.redirect("user_detail", id=user.id)


@routes.post("/admin/users/{id:int}/password", name="user_password", permission="core.user.update")
def user_password(ctx: Ctx) -> Response:
    user = get_for(ctx.db, ctx.user, User, ctx.params["id"], "update")
    services.set_password(ctx.db, user, ctx.field("password"), ctx.kernel.passwords)
    return ctx.redirect("user_detail", id=user.id, flash="password_changed")


# ------------------------------------------------------------------ roles


roles = Crud(
    model=Role, noun="role", path="admin/roles", title=N_("Roles"),
    list_view=ListView(Role, [
        Column("key", N_("Key"), link=True),
        Column("name", N_("Name"), link=True),
        Column("name_en", N_("English name")),
        Column("grants_all", N_("All permissions"), kind="bool"),
    ], search=("key", "name", "name_en"), default_sort="key", default_desc=False),
    form=Form([
        FormField("key", N_("Key"), required=True, max_length=80),
        FormField("name", N_("Name"), required=True),
        FormField("name_en", N_("English name")),
        FormField("description", N_("Description"), "textarea", max_length=2000),
    ]),
    create=services.create_role, update=services.update_role,
    detail_fields=[Column("key", N_("Key")), Column("name", N_("Name")),
                   Column("name_en", N_("English name")),
                   Column("description", N_("Description"), kind="translated")],
    detail_template="core/role_detail.html",
    detail_context=lambda ctx, role: role_matrix(ctx, role),
)
roles.register(routes)


@routes.post("/admin/roles/{id:int}/grants", name="role_grants", permission="core.role.update")
def role_grants(ctx: Ctx) -> Response:
    role = get_for(ctx.db, ctx.user, Role, ctx.params["id"], "update")
    if role.grants_all:
        raise Conflict(N_("The administrator role always has every permission."))
    grants = {}
    for code in ctx.kernel.registry.permissions:
        chosen = ctx.field(f"scope:{code}")
        if chosen:
            grants[code] = chosen
    services.set_role_grants(ctx.db, role, grants, ctx.kernel.registry)
    rules: dict[tuple[str, str], str] = {}
    for key, value in ctx.form.items():
        if key.startswith("field:") and value in ("hidden", "readonly"):
            model, _, fname = key[6:].rpartition(".")
            rules[(model, fname)] = value
    services.set_field_rules(ctx.db, role, rules, ctx.kernel.registry)
    return ctx.redirect("role_detail", id=role.id, flash="saved")


# ------------------------------------------------------------------ plugins


@routes.get("/admin/plugins", name="plugin_list", permission="core.plugin.manage")
def plugin_list(ctx: Ctx) -> Response:
    k = ctx.kernel
    return ctx.render("core/plugin_list.html", installed=sorted(k.installed.values(), key=lambda m: m.name),
                      enabled=set(k.enabled), errors=k.errors)


@routes.post("/admin/plugins/{name}", name="plugin_toggle", permission="core.plugin.manage")
def plugin_toggle(ctx: Ctx) -> Response:
    name = ctx.params["name"]
    if name not in ctx.kernel.installed:
        from core.permissions import NotFound

        raise NotFound()
    services.set_plugin_enabled(ctx.db, name, ctx.field("enabled") == "1")
    return ctx.redirect("plugin_list", flash="restart_needed")


# ------------------------------------------------------------------ recycle bin


def _deletable_models(ctx: Ctx) -> dict[str, type[Base]]:
    return {k: m for k, m in ctx.kernel.registry.models.items()
            if issubclass(m, SoftDeleteMixin) and ctx.user.can(f"{k}.read")}


@routes.get("/admin/recycle", name="recycle_bin", permission="core.recycle.read")
def recycle_bin(ctx: Ctx) -> Response:
    models = _deletable_models(ctx)
    key = ctx.query.get("model") or next(iter(models), "")
    page = None
    if key in models:
        model = models[key]
        view = ListView(model, [Column("id", "ID"), Column("deleted_at", N_("Deleted at"), kind="datetime")],
                        default_sort="deleted_at")
        page = view.page(ctx, deleted=True)
    return ctx.render("core/recycle_bin.html", models=models, current=key, page=page)


@routes.post("/admin/recycle/{model}/{id:int}/restore", name="recycle_restore",
             permission="core.recycle.restore")
def recycle_restore(ctx: Ctx) -> Response:
    model = _model_or_404(ctx)
    services.restore(ctx.db, ctx.user, model, ctx.params["id"])
    return RedirectResponse(ctx.url_for("recycle_bin") + f"?model={model.__model_key__}", 303)


@routes.post("/admin/recycle/{model}/{id:int}/purge", name="recycle_purge",
             permission="core.recycle.purge")
def recycle_purge(ctx: Ctx) -> Response:
    model = _model_or_404(ctx)
    services.purge(ctx.db, ctx.user, model, ctx.params["id"])
    return RedirectResponse(ctx.url_for("recycle_bin") + f"?model={model.__model_key__}", 303)


def _model_or_404(ctx: Ctx) -> type[Base]:
    from core.permissions import NotFound

    model = _deletable_models(ctx).get(ctx.params["model"])
    if model is None:
        raise NotFound()
    return model


# ------------------------------------------------------------------ sharing


def _shareable(ctx: Ctx) -> type[Base]:
    from core.permissions import NotFound

    model = ctx.kernel.registry.models.get(ctx.params["model"])
    if model is None:
        raise NotFound()
    return model


@routes.post("/share/{model}/{id:int}", name="share_add", permission=AUTHENTICATED)
def share_add(ctx: Ctx) -> Response:
    """Share a record (the service checks ``<model>.share`` on that model)."""
    model = _shareable(ctx)
    services.share_record(ctx.db, ctx.user, model, ctx.params["id"], ctx.field("user_id"),
                          can_write=ctx.field("can_write") == "1")
    return _back_to_record(ctx)


@routes.post("/share/{model}/{id:int}/{sid:int}/remove", name="share_remove", permission=AUTHENTICATED)
def share_remove(ctx: Ctx) -> Response:
    model = _shareable(ctx)
    services.unshare_record(ctx.db, ctx.user, model, ctx.params["id"], ctx.params["sid"])
    return _back_to_record(ctx)


def _back_to_record(ctx: Ctx) -> Response:
    back = ctx.field("next")
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    return RedirectResponse(back, status_code=303)


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
