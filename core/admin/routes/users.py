"""Users: the standard pages, roles, positions in other organisations, passwords."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from core.admin import services
from core.admin.routes import routes
from core.admin.routes.choices import (
    MEMBERSHIP_FORM,
    department_choices,
    locale_choices,
    org_choices,
    user_choices,
)
from core.admin.routes.context import user_memberships, user_roles
from core.errors import ValidationError
from core.i18n import N_
from core.kit import Column, Crud, Filter, Form, FormField, ListView, _choices
from core.models import (
    Department,
    Org,
    Role,
    User,
)
from core.permissions import get_for
from core.web import Ctx

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
