"""Workflows and their approval chains, for administrators: the diagram of
each state machine, and the chain editor (draft → test → publish)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from core import approvals
from core.admin import approvals as pages
from core.admin.routes import routes
from core.admin.routes.choices import user_choices
from core.approvals import Condition, Step
from core.diagram import Edge, StepBox, chain_svg, workflow_svg
from core.errors import ValidationError
from core.models import ApprovalChain, Org, Role
from core.permissions import NotFound, covers, scope
from core.registry import WorkflowDecl
from core.web import Ctx

#: condition rows the step form offers
CONDITION_ROWS = 3


def _workflow(ctx: Ctx, model: str) -> WorkflowDecl:
    wf = ctx.kernel.registry.workflows.get(model)
    if wf is None:
        raise NotFound()
    return wf


def workflow_diagram(ctx: Ctx, wf: WorkflowDecl, current: str | None = None) -> str:
    points = {p.submit for p in wf.approvals}
    edges = [Edge(t.name, t.source, t.target, ctx._(t.label or t.name), approval=t.name in points)
             for t in wf.transitions]
    model = ctx.kernel.registry.models.get(wf.model)
    return workflow_svg(wf.states, wf.initial, edges, state_label=lambda s: ctx._(wf.state_label(s)),
                        locked=wf.locked, current=current,
                        title=ctx._(getattr(model, "__label__", wf.model)))


@routes.get("/admin/workflows", name="workflow_list", permission="core.approval_chain.read")
def workflow_list(ctx: Ctx) -> Response:
    registry = ctx.kernel.registry
    published = {(c.model, c.point) for c in ctx.db.scalars(select(ApprovalChain).where(
        ApprovalChain.status == "published", scope(ctx.user, ApprovalChain)))}
    rows = [{"wf": wf, "label": getattr(registry.models.get(key), "__label__", key),
             "chained": [p for p in wf.approvals if (key, p.submit) in published]}
            for key, wf in sorted(registry.workflows.items())]
    return ctx.render("core/workflow_list.html", rows=rows)


@routes.get("/admin/workflows/{model}", name="workflow_detail", permission="core.approval_chain.read")
def workflow_detail(ctx: Ctx) -> Response:
    wf = _workflow(ctx, ctx.params["model"])
    model = ctx.kernel.registry.models.get(wf.model)
    chains = pages.chains_of(ctx.db, ctx.user, wf.model)
    orgs = {i: n for i, n in ctx.db.execute(select(Org.id, Org.name).where(Org.id.in_(
        {c.org_id for c in chains if c.org_id})))}
    creatable = [(str(o.id), o.name) for o in ctx.db.scalars(select(Org).where(scope(ctx.user, Org))
                                                              .order_by(Org.path))
                 if covers(ctx.user, o.id, "core.approval_chain.create", "org")]
    if covers(ctx.user, -1, "core.approval_chain.create", "all"):
        creatable.insert(0, ("", ctx._("All organisations")))
    return ctx.render("core/workflow_detail.html", wf=wf, label=getattr(model, "__label__", wf.model),
                      diagram=workflow_diagram(ctx, wf), chains=chains, orgs=orgs, creatable=creatable,
                      chain_states=_chain_states())


def _chain_states() -> dict[str, str]:
    from core.models import CHAIN_STATES

    return CHAIN_STATES


@routes.post("/admin/workflows/{model}/chains", name="chain_create",
             permission="core.approval_chain.create")
def chain_create(ctx: Ctx) -> Response:
    org = ctx.field("org")
    model = ctx.kernel.registry.models.get(ctx.params["model"])
    name = ctx._("Approval of {document}", document=ctx._(getattr(model, "__label__", "")))
    chain = pages.new_draft(ctx.db, ctx.kernel.registry, ctx.user, ctx.params["model"], ctx.field("point"),
                            int(org) if org.isdigit() else None, name)
    return RedirectResponse(ctx.url_for("chain_detail", id=chain.id), status_code=303)


# ------------------------------------------------------------------ one chain


def describe(ctx: Ctx, step: Step, fields: dict[str, str], roles: dict[int, str],
             users: dict[int, str]) -> list[str]:
    """A step in a few lines of the reader's language."""
    if step.approver == "role":
        who = ctx._("Role: {role}", role=roles.get(step.role_id or 0, "?"))
    elif step.approver == "manager":
        who = ctx._("The submitter's manager") if step.level == 1 else ctx._(
            "The manager {level} levels up", level=step.level)
    else:
        who = "、".join(users.get(u, f"#{u}") for u in step.user_ids)
    lines = [who]
    lines.append(ctx._("Everyone approves") if step.required == 0 else ctx.t.ngettext(
        "{n} approval", "{n} approvals", step.required))
    if step.conditions:
        joined = (" " + (ctx._("and") if step.match == "all" else ctx._("or")) + " ").join(
            f"{ctx._(fields.get(c.field, c.field))} {c.op} {c.value}" for c in step.conditions)
        lines.append(ctx._("Only if {condition}", condition=joined))
    if step.timeout_hours:
        lines.append(ctx._("Reminds after {hours} h, then escalates", hours=step.timeout_hours))
    return lines


def _lookup(ctx: Ctx, steps: list[Step]) -> tuple[dict[int, str], dict[int, str]]:
    from core.models import User

    role_ids = {s.role_id for s in steps if s.role_id}
    user_ids = {u for s in steps for u in s.user_ids} | {s.escalate_to for s in steps if s.escalate_to}
    roles = {i: n for i, n in ctx.db.execute(
        select(Role.id, Role.name_en if ctx.t.locale == "en" else Role.name).where(Role.id.in_(role_ids)))}
    users = {i: n for i, n in ctx.db.execute(
        select(User.id, User.display_name).where(User.id.in_(user_ids)))}
    return roles, users


def _chain_page(ctx: Ctx, chain: ApprovalChain, *, status: int = 200, **extra: Any) -> Response:
    wf = _workflow(ctx, chain.model)
    model = ctx.kernel.registry.models[chain.model]
    fields = approvals.condition_fields(model)
    steps = approvals.steps_of(chain)
    roles, users = _lookup(ctx, steps)
    described = [describe(ctx, s, fields, roles, users) for s in steps]
    stages: list[list[StepBox]] = []
    for step, lines in zip(steps, described, strict=True):
        if not (step.parallel and stages):
            stages.append([])
        stages[-1].append(StepBox(step.name, tuple(lines)))
    diagram = chain_svg(stages, start_label=ctx._("Submitted"), end_label=ctx._("Approved"),
                        title=chain.name) if stages else ""
    org = ctx.db.get(Org, chain.org_id) if chain.org_id else None
    return ctx.render("core/chain_detail.html", status=status, chain=chain, wf=wf, steps=steps,
                      described=described, diagram=diagram, org=org, editable=chain.status == "draft",
                      label=getattr(model, "__label__", chain.model), chain_states=_chain_states(),
                      trial=extra.pop("trial", None), errors=extra.pop("errors", {}), **extra)


@routes.get("/admin/approval-chains/{id:int}", name="chain_detail", permission="core.approval_chain.read")
def chain_detail(ctx: Ctx) -> Response:
    chain = pages.chain_for(ctx.db, ctx.user, ctx.params["id"])
    trial = None
    if ctx.query.get("record"):
        record, planned, names = pages.try_out(ctx.db, ctx.kernel.registry, ctx.user, chain,
                                                ctx.query["record"])
        trial = {"record": record, "title": approvals.record_title(record), "planned": planned,
                 "names": names}
    return _chain_page(ctx, chain, trial=trial)


@routes.post("/admin/approval-chains/{id:int}/name", name="chain_rename",
             permission="core.approval_chain.update")
def chain_rename(ctx: Ctx) -> Response:
    chain = pages.chain_for(ctx.db, ctx.user, ctx.params["id"], "update")
    try:
        pages.rename(ctx.user, chain, ctx.field("name"))
    except ValidationError as invalid:
        ctx.db.expire(chain)
        return _chain_page(ctx, chain, status=422, errors={k: ctx._(v) for k, v in invalid.errors.items()})
    return ctx.redirect("chain_detail", id=chain.id, flash="saved")


@routes.post("/admin/approval-chains/{id:int}/publish", name="chain_publish",
             permission="core.approval_chain.update")
def chain_publish(ctx: Ctx) -> Response:
    chain = pages.chain_for(ctx.db, ctx.user, ctx.params["id"], "update")
    pages.publish(ctx.db, ctx.user, chain)
    return ctx.redirect("chain_detail", id=chain.id, flash="saved")


@routes.post("/admin/approval-chains/{id:int}/delete", name="chain_delete",
             permission="core.approval_chain.delete")
def chain_delete(ctx: Ctx) -> Response:
    chain = pages.chain_for(ctx.db, ctx.user, ctx.params["id"], "delete")
    model = chain.model
    pages.delete_draft(ctx.db, ctx.user, chain)
    return ctx.redirect("workflow_detail", model=model)


# ------------------------------------------------------------------ steps


def _step_form(ctx: Ctx, chain: ApprovalChain, index: int | None, values: dict[str, Any],
               errors: dict[str, str], status: int = 200) -> Response:
    model = ctx.kernel.registry.models[chain.model]
    roles = [(str(i), n_en if ctx.t.locale == "en" and n_en else n) for i, n, n_en in ctx.db.execute(
        select(Role.id, Role.name, Role.name_en).where(scope(ctx.user, Role)).order_by(Role.key))]
    return ctx.render("core/step_edit.html", status=status, chain=chain, index=index, values=values,
                      errors=errors, roles=roles, users=user_choices(ctx),
                      fields=approvals.condition_fields(model), operators=approvals.OPERATORS,
                      kinds=approvals.APPROVER_KINDS, rows=range(CONDITION_ROWS))


def _values(step: Step) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": step.name, "approver": step.approver, "role_id": str(step.role_id or ""),
        "level": str(step.level), "user_ids": [str(u) for u in step.user_ids],
        "required": str(step.required), "parallel": step.parallel, "match": step.match,
        "timeout_hours": str(step.timeout_hours), "escalate_to": str(step.escalate_to or ""),
    }
    for i, c in enumerate(step.conditions):
        values.update({f"field_{i}": c.field, f"op_{i}": c.op, f"value_{i}": c.value})
    return values


def _parse(ctx: Ctx) -> tuple[Step, dict[str, Any], dict[str, str]]:
    """The step the form describes, what was typed, and errors naming fields."""
    errors: dict[str, str] = {}

    def number(name: str, default: int) -> int:
        text = ctx.field(name).strip()
        if not text:
            return default
        try:
            return int(text)
        except ValueError:
            errors[name] = ctx._("Enter a whole number.")
            return default

    def ref(name: str) -> int | None:
        text = ctx.field(name).strip()
        return int(text) if text.isdigit() else None

    conditions = []
    for i in range(CONDITION_ROWS):
        field, value = ctx.field(f"field_{i}").strip(), ctx.field(f"value_{i}").strip()
        if field or value:
            conditions.append(Condition(field, ctx.field(f"op_{i}"), value))
    users = [int(v) for v in ctx.form.get("user_ids[]", ()) if isinstance(v, str) and v.isdigit()]
    approver = ctx.field("approver")
    step = Step(name=ctx.field("name").strip()[:200], approver=approver,
                role_id=ref("role_id") if approver == "role" else None, level=number("level", 1),
                user_ids=tuple(users) if approver == "user" else (), required=number("required", 1),
                parallel=ctx.field("parallel") == "on", conditions=tuple(conditions),
                match=ctx.field("match") or "all", timeout_hours=number("timeout_hours", 0),
                escalate_to=ref("escalate_to"))
    typed = ("name", "approver", "role_id", "level", "required", "match", "timeout_hours", "escalate_to")
    values: dict[str, Any] = {k: ctx.field(k) for k in typed}
    values["user_ids"] = [str(u) for u in users]
    values["parallel"] = step.parallel
    for i in range(CONDITION_ROWS):
        values.update({f"{k}_{i}": ctx.field(f"{k}_{i}") for k in ("field", "op", "value")})
    return step, values, errors


def _index(ctx: Ctx) -> int:
    return int(ctx.params["index"])


@routes.get("/admin/approval-chains/{id:int}/steps/new", name="step_new",
            permission="core.approval_chain.update")
def step_new(ctx: Ctx) -> Response:
    chain = pages.chain_for(ctx.db, ctx.user, ctx.params["id"], "update")
    default = Step(name="", approver="role", parallel=False)
    return _step_form(ctx, chain, None, _values(default), {})


@routes.get("/admin/approval-chains/{id:int}/steps/{index:int}/edit", name="step_edit",
            permission="core.approval_chain.update")
def step_edit(ctx: Ctx) -> Response:
    chain = pages.chain_for(ctx.db, ctx.user, ctx.params["id"], "update")
    steps = approvals.steps_of(chain)
    if not 0 <= _index(ctx) < len(steps):
        raise NotFound()
    return _step_form(ctx, chain, _index(ctx), _values(steps[_index(ctx)]), {})


def _save(ctx: Ctx, index: int | None) -> Response:
    chain = pages.chain_for(ctx.db, ctx.user, ctx.params["id"], "update")
    step, values, errors = _parse(ctx)
    if not errors:
        try:
            pages.save_step(ctx.db, ctx.kernel.registry, ctx.user, chain, index, step)
        except ValidationError as invalid:
            errors = {_form_key(k): ctx._(v) for k, v in invalid.errors.items()}
    if errors:
        return _step_form(ctx, chain, index, values, errors, status=422)
    return ctx.redirect("chain_detail", id=chain.id, flash="saved")


def _form_key(key: str) -> str:
    """``conditions.1.op`` (the service's name) -> ``op_1`` (the form's)."""
    parts = key.split(".")
    return f"{parts[2]}_{parts[1]}" if len(parts) == 3 and parts[0] == "conditions" else key


@routes.post("/admin/approval-chains/{id:int}/steps", name="step_create",
             permission="core.approval_chain.update")
def step_create(ctx: Ctx) -> Response:
    return _save(ctx, None)


@routes.post("/admin/approval-chains/{id:int}/steps/{index:int}", name="step_update",
             permission="core.approval_chain.update")
def step_update(ctx: Ctx) -> Response:
    return _save(ctx, _index(ctx))


@routes.post("/admin/approval-chains/{id:int}/steps/{index:int}/delete", name="step_delete",
             permission="core.approval_chain.update")
def step_delete(ctx: Ctx) -> Response:
    chain = pages.chain_for(ctx.db, ctx.user, ctx.params["id"], "update")
    pages.remove_step(ctx.user, chain, _index(ctx))
    return ctx.redirect("chain_detail", id=chain.id, flash="saved")


@routes.post("/admin/approval-chains/{id:int}/steps/{index:int}/move", name="step_move",
             permission="core.approval_chain.update")
def step_move(ctx: Ctx) -> Response:
    chain = pages.chain_for(ctx.db, ctx.user, ctx.params["id"], "update")
    pages.move_step(ctx.user, chain, _index(ctx), -1 if ctx.field("direction") == "up" else 1)
    return ctx.redirect("chain_detail", id=chain.id, flash="saved")
