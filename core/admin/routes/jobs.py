"""Background jobs: the outbox's jobs by state with their payload and log;
parked jobs run again."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from starlette.datastructures import QueryParams
from starlette.responses import Response

from core import jobs
from core.admin.routes import routes
from core.i18n import N_
from core.kit import COUNT_LIMIT, Column, Filter, ListView
from core.models import JOB_STATE_LABELS, Job, Org, User
from core.permissions import get_for, scope
from core.web import Ctx

#: the tabs of the list, parked first: those need someone to look at them
TABS = ("parked", "queued", "running", "done")

JOBS = ListView(Job, [
    Column("id", "ID", link=True),
    Column("task", N_("Task name"), link=True),
    Column("state", N_("State"), kind="choice", choices=JOB_STATE_LABELS),
    Column("attempts", N_("Attempts"), kind="number"),
    Column("run_at", N_("Due at"), kind="datetime"),
    Column("finished_at", N_("Finished at"), kind="datetime"),
    Column("org_id", N_("Organisation"), kind="ref", ref=Org),
], search=("task", "key"), filters=[Filter("state", N_("State"), list(JOB_STATE_LABELS.items()))])


def _counts(ctx: Ctx) -> dict[str, int]:
    """Jobs in the actor's scope per state, each count bounded (rule 15)."""
    out = {}
    for state in TABS:
        ids = select(Job.id).where(scope(ctx.user, Job), Job.state == state).limit(COUNT_LIMIT + 1)
        out[state] = ctx.db.scalar(select(func.count()).select_from(ids.subquery())) or 0
    return out


@routes.get("/admin/jobs", name="job_list", permission="core.job.read")
def job_list(ctx: Ctx) -> Response:
    counts = _counts(ctx)
    if "state" not in ctx.query:  # open on the parked jobs when there are any
        ctx.query = QueryParams({**ctx.query, "state": "parked" if counts["parked"] else ""})
    page = JOBS.page(ctx)
    template = "kit/_list_table.html" if ctx.is_htmx else "core/job_list.html"
    return ctx.render(template, page=page, crud={"noun": "job"}, counts=counts, tabs=TABS,
                      state=ctx.query.get("state", ""), labels=JOB_STATE_LABELS,
                      count_limit=COUNT_LIMIT)


@routes.get("/admin/jobs/{id:int}", name="job_detail", permission="core.job.read")
def job_detail(ctx: Ctx) -> Response:
    job = get_for(ctx.db, ctx.user, Job, ctx.params["id"])
    org = ctx.db.scalar(select(Org.name).where(Org.id == job.org_id, scope(ctx.user, Org)))
    creator = ctx.db.scalar(select(User.display_name).where(
        User.id == job.created_by_id, scope(ctx.user, User)))
    payload = json.dumps(job.payload, ensure_ascii=False, indent=2, sort_keys=True)
    return ctx.render("core/job_detail.html", job=job, payload=payload, org=org, creator=creator,
                      labels=JOB_STATE_LABELS, hidden=ctx.user.hidden_fields(Job))


@routes.post("/admin/jobs/{id:int}/retry", name="job_retry", permission="core.job.manage")
def job_retry(ctx: Ctx) -> Response:
    jobs.run_again(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("job_detail", id=ctx.params["id"], flash="saved")
