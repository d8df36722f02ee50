"""The recycle bin."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from core.admin import services
from core.admin.routes import routes
from core.db import Base, SoftDeleteMixin
from core.i18n import N_
from core.kit import Column, ListView
from core.web import Ctx

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
                        default_sort="deleted_at", params=("model",))
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
