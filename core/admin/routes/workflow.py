"""Workflow transitions fired from a record's page (:mod:`core.workflows`)."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from core.admin.routes import routes
from core.errors import Conflict
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
    try:
        with ctx.db.begin_nested():  # a refusal undoes whatever the step began
            transition(ctx.db, ctx.kernel.registry, ctx.user, record, ctx.params["transition"],
                       comment=ctx.field("comment"))
    except Conflict as refused:
        if "application/json" in ctx.request.headers.get("accept", ""):
            raise
        # back to the record's page, which says why; nothing was changed
        ctx.flash_problem(str(refused), refused.params)
    return RedirectResponse(ctx.next_path(), status_code=303)
