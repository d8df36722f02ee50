"""Workflow transitions fired from a record's page (:mod:`core.workflows`)."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from core.admin.routes import routes
from core.permissions import NotFound, get_for
from core.web import AUTHENTICATED, Ctx
from core.workflows import transition


@routes.post("/workflow/{model}/{id:int}/{transition}", name="workflow_transition",
             permission=AUTHENTICATED)
def workflow_transition(ctx: Ctx) -> Response:
    """Fire one transition; the service checks the transition's own permission."""
    model = ctx.kernel.registry.models.get(ctx.params["model"])
    if model is None:
        raise NotFound()
    record = get_for(ctx.db, ctx.user, model, ctx.params["id"])
    def fire() -> None:
        transition(ctx.db, ctx.kernel.registry, ctx.user, record, ctx.params["transition"],
                   comment=ctx.field("comment"))

    if "application/json" in ctx.request.headers.get("accept", ""):
        fire()  # a JSON client gets the 409 itself
    else:
        ctx.attempt(fire, flash=None)  # a refusal goes back to the record's page, which says why
    return RedirectResponse(ctx.next_path(), status_code=303)
