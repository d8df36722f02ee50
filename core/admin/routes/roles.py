"""Roles: the standard pages and the grid of grants and field rules."""

from __future__ import annotations

from starlette.responses import Response

from core.admin import services
from core.admin.routes import routes
from core.admin.routes.context import role_matrix
from core.errors import Conflict
from core.i18n import N_
from core.kit import Column, Crud, Form, FormField, ListView
from core.models import (
    Role,
)
from core.permissions import FIELD_MODES, get_for
from core.web import Ctx

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
        if key.startswith("field:") and value in FIELD_MODES:
            model, _, fname = key[6:].rpartition(".")
            rules[(model, fname)] = value
    services.set_field_rules(ctx.db, role, rules, ctx.kernel.registry)
    return ctx.redirect("role_detail", id=role.id, flash="saved")
