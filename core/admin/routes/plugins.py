"""Enabling and disabling plugins."""

from __future__ import annotations

from starlette.responses import Response

from core.admin import services
from core.admin.routes import routes
from core.web import Ctx

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
