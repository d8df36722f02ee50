"""SFA: sequence templates (the kit's pages, with a step editor on the
detail page), starting a sequence on customers, the runs, and the
workbench of steps to do today."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from core import N_, Column, Crud, Ctx, Filter, Form, FormField, ListView, ValidationError, get_for, scope
from plugins.crm import kernel
from plugins.crm.models import Customer, Enrollment
from plugins.crm.models import Sequence as SfaSequence
from plugins.crm.models.choices import (
    ENROLLMENT_STATES,
    SEQUENCE_ACTIONS,
    SEQUENCE_TIMINGS,
    STEP_DISPLAY_STATES,
)
from plugins.crm.routes.common import routes
from plugins.crm.services import sfa, sfa_run


def _steps_context(ctx: Ctx, sequence: Any, errors: dict[str, str] | None = None,
                   values: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"sequence": sequence, "steps": sfa.steps_of(ctx.db, sequence.id), "timings": SEQUENCE_TIMINGS,
            "actions": SEQUENCE_ACTIONS, "step_errors": errors or {}, "step_values": values or {},
            "may_edit": ctx.user.can("crm.sequence.update")}


sequences = Crud(
    model=SfaSequence, noun="sequence", path="/sequences", title=N_("SFA sequences"), title_attr="name",
    list_view=ListView(SfaSequence, [
        Column("name", N_("Name"), link=True),
        Column("description", N_("Description"), sortable=False),
        Column("active", N_("Active"), kind="bool"),
        Column("updated_at", N_("Updated"), kind="datetime"),
    ], search=("name",), default_sort="name", default_desc=False),
    form=Form([
        FormField("name", N_("Name"), required=True),
        FormField("description", N_("Description"), "textarea", max_length=5000),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=sfa.create_sequence, update=sfa.update_sequence,
    detail_fields=[Column("name", N_("Name")), Column("description", N_("Description")),
                   Column("active", N_("Active"), kind="bool")],
    detail_template="crm/sequence_detail.html",
    detail_context=lambda ctx, record: _steps_context(ctx, record),
)
sequences.register(routes)


def _steps_answer(ctx: Ctx, sequence_id: int, errors: dict[str, str] | None = None,
                  values: dict[str, Any] | None = None) -> Response:
    sequence = get_for(ctx.db, ctx.user, SfaSequence, sequence_id, "read")
    if ctx.is_htmx or errors:
        return ctx.render("crm/_sequence_steps.html", status=422 if errors else 200,
                          **_steps_context(ctx, sequence, errors, values))
    return ctx.redirect("sequence_detail", id=sequence_id)


@routes.post("/sequences/{id:int}/steps", name="sequence_step_create", permission="crm.sequence.update")
def sequence_step_create(ctx: Ctx) -> Response:
    values = {k: ctx.form.get(k) for k in ("name", "timing", "offset_days", "on_date", "every_days", "repeat",
                                           "action", "automatic", "subject", "body")}
    try:
        sfa.add_step(ctx.db, ctx.user, ctx.params["id"], values)
    except ValidationError as exc:
        return _steps_answer(ctx, ctx.params["id"], exc.errors, values)
    return _steps_answer(ctx, ctx.params["id"])


@routes.post("/sequences/{id:int}/steps/{step:int}/delete", name="sequence_step_delete",
             permission="crm.sequence.update")
def sequence_step_delete(ctx: Ctx) -> Response:
    ctx.attempt(lambda: sfa.delete_step(ctx.db, ctx.user, ctx.params["id"], ctx.params["step"]), flash=None)
    return _steps_answer(ctx, ctx.params["id"])


@routes.post("/sequences/{id:int}/steps/{step:int}/move", name="sequence_step_move",
             permission="crm.sequence.update")
def sequence_step_move(ctx: Ctx) -> Response:
    sfa.move_step(ctx.db, ctx.user, ctx.params["id"], ctx.params["step"], ctx.field("direction"))
    return _steps_answer(ctx, ctx.params["id"])


# ------------------------------------------------------------------ runs


@routes.post("/sfa/enrollments", name="enrollment_create", permission="crm.enrollment.create")
def enrollment_create(ctx: Ctx) -> Response:
    """Start a sequence on the customers ``customer_ids[]`` (or ``customer_id``)."""
    raw = ctx.form.get("customer_ids[]") or ctx.form.get("customer_id") or []
    ids = [int(i) for i in (raw if isinstance(raw, list) else [raw]) if str(i).isdigit()]
    start = ctx.field("start_on")
    try:
        start_on = date.fromisoformat(start) if start else None
    except ValueError:
        raise ValidationError({"start_on": N_("Enter a date.")}) from None
    sequence_id = int(ctx.field("sequence_id")) if ctx.field("sequence_id").isdigit() else 0
    ctx.attempt(lambda: sfa.start_sequence(ctx.db, ctx.user, sequence_id, ids, start_on))
    return _see_other(ctx.next_path(default=ctx.url_for("enrollment_list")))


def _see_other(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


ENROLLMENTS = ListView(Enrollment, [
    Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
    Column("sequence_id", N_("SFA sequence"), kind="ref", ref=SfaSequence),
    Column("owner_id", N_("Owner"), kind="user"),
    Column("started_on", N_("Started on"), kind="date"),
    Column("next_due_on", N_("Next step due"), kind="date", link=True),
    Column("state", N_("State"), kind="choice", choices=ENROLLMENT_STATES),
], filters=[Filter("state", N_("State"), list(ENROLLMENT_STATES.items()))], default_sort="next_due_on",
    default_desc=False, page_size=50, extra=False)


@routes.get("/sfa/enrollments", name="enrollment_list", permission="crm.enrollment.read")
def enrollment_list(ctx: Ctx) -> Response:
    """Runs the actor may read, soonest next step first (running ones unless a state is chosen)."""
    stmt = ENROLLMENTS.base_query(ctx)
    if not ctx.query.get("state"):
        stmt = stmt.where(Enrollment.state == "active")
    page = ENROLLMENTS.page(ctx, stmt=stmt)
    template = "crm/_enrollment_table.html" if ctx.is_htmx else "crm/enrollment_list.html"
    return ctx.render(template, page=page)


@routes.get("/sfa/enrollments/{id:int}", name="enrollment_detail", permission="crm.enrollment.read")
def enrollment_detail(ctx: Ctx) -> Response:
    enrollment = get_for(ctx.db, ctx.user, Enrollment, ctx.params["id"])
    customer = ctx.db.get(Customer, enrollment.customer_id)
    sequence = ctx.db.get(SfaSequence, enrollment.sequence_id)
    may_update = bool(ctx.db.scalar(select(Enrollment.id).where(Enrollment.id == enrollment.id,
                                                                scope(ctx.user, Enrollment, "update"))))
    return ctx.render("crm/enrollment_detail.html", enrollment=enrollment, customer=customer, sequence=sequence,
                      steps=sfa.run_steps(ctx.db, enrollment.id), today=sfa.today(),
                      display_state=sfa.display_state, labels=STEP_DISPLAY_STATES, states=ENROLLMENT_STATES,
                      owner=kernel.names(ctx.db, [enrollment.owner_id]).get(enrollment.owner_id or 0, ""),
                      may_update=may_update, actions=SEQUENCE_ACTIONS)


@routes.post("/sfa/enrollments/{id:int}/stop", name="enrollment_stop", permission="crm.enrollment.update")
def enrollment_stop(ctx: Ctx) -> Response:
    ctx.attempt(lambda: sfa.stop_enrollment(ctx.db, ctx.user, ctx.params["id"]))
    return ctx.redirect("enrollment_detail", id=ctx.params["id"])


@routes.post("/sfa/steps/{id:int}/close", name="enrollment_step_close", permission="crm.enrollment.update")
def enrollment_step_close(ctx: Ctx) -> Response:
    ctx.attempt(lambda: sfa.close_step(ctx.db, ctx.user, ctx.params["id"], ctx.field("state"),
                                       ctx.field("note")))
    return _see_other(ctx.next_path(default=ctx.url_for("sfa_workbench")))


@routes.post("/sfa/steps/{id:int}/retry", name="enrollment_step_retry", permission="crm.enrollment.update")
def enrollment_step_retry(ctx: Ctx) -> Response:
    ctx.attempt(lambda: sfa_run.retry_step(ctx.db, ctx.user, ctx.params["id"]))
    return _see_other(ctx.next_path(default=ctx.url_for("sfa_workbench")))


@routes.get("/sfa", name="sfa_workbench", permission="crm.enrollment.read")
def sfa_workbench(ctx: Ctx) -> Response:
    return ctx.render("crm/sfa_workbench.html", due=sfa_run.due_steps(ctx.db, ctx.user),
                      failed=sfa_run.failed_steps(ctx.db, ctx.user), today=sfa.today(),
                      display_state=sfa.display_state, labels=STEP_DISPLAY_STATES, actions=SEQUENCE_ACTIONS)
