"""Sharing one record with one more user."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from core.admin import services
from core.admin.routes import routes
from core.db import Base
from core.web import AUTHENTICATED, Ctx

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
    return RedirectResponse(ctx.next_path(), status_code=303)
