"""The approval inbox, one approval request, and deciding: for every user.

Nobody needs a permission code here: a task is its approver's own, and a
request shows to its submitter, its approvers and readers of the document
(:mod:`core.admin.approvals`); anyone else gets 404.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from core import approvals
from core.admin import approvals as pages
from core.admin.routes import routes
from core.diagram import StepBox, chain_svg
from core.errors import BadRequest
from core.web import AUTHENTICATED, Ctx


@routes.get("/approvals", name="approval_inbox", permission=AUTHENTICATED)
def approval_inbox(ctx: Ctx) -> Response:
    tab = ctx.query.get("tab", "pending")
    if tab not in pages.TABS:
        tab = "pending"
    rows = pages.inbox(ctx.db, ctx.kernel.registry, ctx.user, tab)
    return ctx.render("core/approval_inbox.html", tab=tab, tabs=pages.TABS, rows=rows,
                      waiting=pages.waiting_count(ctx.db, ctx.user), states=pages.REQUEST_STATES,
                      task_states=pages.TASK_STATES, errors={})


@routes.post("/approvals/bulk", name="approval_bulk", permission=AUTHENTICATED)
def approval_bulk(ctx: Ctx) -> Response:
    try:
        ids = [int(v) for v in ctx.form.get("task[]", ()) if isinstance(v, str)]
    except ValueError:
        raise BadRequest() from None
    ctx.attempt(lambda: pages.bulk_decide(ctx.db, ctx.kernel.registry, ctx.user, ids, ctx.field("decision"),
                                          ctx.field("comment")))
    return RedirectResponse(ctx.url_for("approval_inbox"), status_code=303)


@routes.get("/approvals/requests/{id:int}", name="approval_request", permission=AUTHENTICATED)
def approval_request(ctx: Ctx) -> Response:
    view = pages.request_view(ctx.db, ctx.kernel.registry, ctx.user, ctx.params["id"])
    return ctx.render("core/approval_request.html", view=view, diagram=_diagram(ctx, view),
                      states=pages.REQUEST_STATES, step_states=pages.STEP_STATES,
                      task_states=pages.TASK_STATES, record_path=ctx.kernel.record_path(
                          view.request.model, view.request.record_id) if view.readable else None)


def _diagram(ctx: Ctx, view: pages.RequestView) -> str:
    stages: dict[int, list[StepBox]] = {}
    for sv in view.steps:
        who = [name for t, name in sv.tasks if t.status != "void" or t.decided_at]
        lines = tuple(filter(None, [", ".join(who[:3]) + ("…" if len(who) > 3 else ""),
                                    ctx._(pages.STEP_STATES.get(sv.step.status, sv.step.status))]))
        status = {"void": "skipped"}.get(sv.step.status, sv.step.status)
        stages.setdefault(sv.step.stage, []).append(StepBox(sv.step.name, lines, status))
    return chain_svg([stages[k] for k in sorted(stages)], start_label=ctx._("Submitted"),
                     end_label=ctx._(pages.REQUEST_STATES[view.request.status]),
                     title=view.summary.title)


@routes.post("/approvals/tasks/{id:int}/decide", name="approval_decide", permission=AUTHENTICATED)
def approval_decide(ctx: Ctx) -> Response:
    """Approve or reject from the request page, the record page or the inbox;
    a refusal goes back there with the reason, having changed nothing."""
    back = ctx.next_path(default=ctx.url_for("approval_inbox"))
    ctx.attempt(lambda: approvals.decide(ctx.db, ctx.kernel.registry, ctx.user, ctx.params["id"],
                                         ctx.field("decision"), ctx.field("comment")))
    return RedirectResponse(back, status_code=303)


@routes.post("/approvals/requests/{id:int}/withdraw", name="approval_withdraw", permission=AUTHENTICATED)
def approval_withdraw(ctx: Ctx) -> Response:
    approvals.withdraw(ctx.db, ctx.kernel.registry, ctx.user, ctx.params["id"], ctx.field("comment"))
    return RedirectResponse(ctx.url_for("approval_request", id=ctx.params["id"]), status_code=303)
