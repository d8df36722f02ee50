"""What the approval pages show and change: the inbox, one request, and the
administrator's chains (drafts, steps, publishing). The engine itself is
:mod:`core.approvals`; these functions read for pages and check who may.

An approver sees the summary of what they are asked to approve (its title,
type, submitter and the fields the chain's conditions test) even without the
right to open the document itself; the document's page needs that right.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import approvals
from core.approvals import Step
from core.db import Base, id_column, id_of
from core.errors import Conflict, ValidationError
from core.i18n import N_
from core.models import ApprovalChain, ApprovalRequest, ApprovalStep, ApprovalTask, User
from core.permissions import Actor, Forbidden, NotFound, covers, get_for, scope
from core.registry import Registry

TABS = {"pending": N_("Waiting for me"), "done": N_("Decided by me"), "mine": N_("Submitted by me")}
REQUEST_STATES = {"pending": N_("In approval"), "approved": N_("Approved"), "rejected": N_("Rejected"),
                  "withdrawn": N_("Withdrawn")}
TASK_STATES = {"pending": N_("Waiting"), "approved": N_("Approved"), "rejected": N_("Rejected"),
               "void": N_("Not needed")}
STEP_STATES = {"waiting": N_("Not yet"), "active": N_("In progress"), "approved": N_("Approved"),
               "rejected": N_("Rejected"), "skipped": N_("Does not apply"), "void": N_("Stopped")}


@dataclass
class Summary:
    """What an approver needs to know about a document."""

    model: str
    record_id: int
    title: str
    kind: str  # the model's label (message id)
    facts: list[tuple[str, Any]] = field(default_factory=list)  # (label message id, value)


@dataclass
class InboxRow:
    request: ApprovalRequest
    summary: Summary
    submitter: str
    task: ApprovalTask | None = None
    step: str = ""


def _summaries(session: Session, registry: Registry, requests: list[ApprovalRequest]) -> dict[int, Summary]:
    """One summary per request, one query per model and one for the chains."""
    chain_ids = {r.chain_id for r in requests}
    chains = {c.id: c for c in session.scalars(select(ApprovalChain).where(ApprovalChain.id.in_(chain_ids)))}
    by_model: dict[str, set[int]] = defaultdict(set)
    for r in requests:
        by_model[r.model].add(r.record_id)
    records: dict[tuple[str, int], Any] = {}
    for key, ids in by_model.items():
        model = registry.models.get(key)
        if model is not None:
            for rec in session.scalars(select(model).where(id_column(model).in_(ids))):
                records[(key, id_of(rec))] = rec
    out: dict[int, Summary] = {}
    for r in requests:
        model = registry.models.get(r.model)
        record = records.get((r.model, r.record_id))
        title = approvals.record_title(record) if record else f"#{r.record_id}"
        summary = Summary(r.model, r.record_id, title, getattr(model, "__label__", r.model))
        chain = chains.get(r.chain_id)
        if record is not None and model is not None and chain is not None:
            labels = approvals.condition_fields(model)
            tested = dict.fromkeys(c["field"] for s in chain.steps for c in s.get("conditions") or ())
            summary.facts = [(labels[f], getattr(record, f, None)) for f in tested if f in labels]
        out[r.id] = summary
    return out


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))}


def inbox(session: Session, registry: Registry, actor: Actor, tab: str = "pending") -> list[InboxRow]:
    """The actor's approvals: waiting for them, decided by them, or submitted by them."""
    if tab == "mine":
        requests = list(session.scalars(select(ApprovalRequest).where(
            ApprovalRequest.submitter_id == actor.user_id).order_by(ApprovalRequest.id.desc()).limit(200)))
        tasks: list[tuple[ApprovalTask | None, str]] = [(None, "")] * len(requests)
    else:
        wanted = ("pending",) if tab == "pending" else ("approved", "rejected")
        rows = list(session.execute(
            select(ApprovalTask, ApprovalRequest, ApprovalStep.name)
            .join(ApprovalRequest, ApprovalRequest.id == ApprovalTask.request_id)
            .join(ApprovalStep, ApprovalStep.id == ApprovalTask.step_id)
            .where(ApprovalTask.user_id == actor.user_id, ApprovalTask.status.in_(wanted))
            .order_by(ApprovalTask.id.desc() if tab == "done" else ApprovalTask.id).limit(200)))
        requests = [r for _t, r, _s in rows]
        tasks = [(t, s) for t, _r, s in rows]
    summaries = _summaries(session, registry, requests)
    names = _names(session, {r.submitter_id for r in requests})
    return [InboxRow(r, summaries[r.id], names.get(r.submitter_id, ""), task, step)
            for r, (task, step) in zip(requests, tasks, strict=True)]


def waiting_count(session: Session, actor: Actor) -> int:
    return session.scalar(select(func.count()).select_from(ApprovalTask).where(
        ApprovalTask.user_id == actor.user_id, ApprovalTask.status == "pending")) or 0


@dataclass
class StepView:
    step: ApprovalStep
    tasks: list[tuple[ApprovalTask, str]]  # with the approver's name


@dataclass
class RequestView:
    request: ApprovalRequest
    summary: Summary
    submitter: str
    steps: list[StepView]
    my_task: ApprovalTask | None
    readable: bool  # the actor may open the document's own page
    can_withdraw: bool


def request_view(session: Session, registry: Registry, actor: Actor, request_id: int) -> RequestView:
    """One request, for its submitter, its approvers and readers of the document; NotFound otherwise."""
    request = session.get(ApprovalRequest, request_id)
    if request is None:
        raise NotFound()
    tasks = list(session.scalars(select(ApprovalTask).where(ApprovalTask.request_id == request.id)
                                 .order_by(ApprovalTask.id)))
    readable = _readable(session, registry, actor, request)
    involved = request.submitter_id == actor.user_id or any(t.user_id == actor.user_id for t in tasks)
    if not (readable or involved):
        raise NotFound()
    steps = list(session.scalars(select(ApprovalStep).where(ApprovalStep.request_id == request.id)
                                 .order_by(ApprovalStep.position)))
    names = _names(session, {t.user_id for t in tasks} | {request.submitter_id})
    views = [StepView(s, [(t, names.get(t.user_id, "")) for t in tasks if t.step_id == s.id]) for s in steps]
    mine = next((t for t in tasks if t.user_id == actor.user_id and t.status == "pending"), None)
    return RequestView(request, _summaries(session, registry, [request])[request.id],
                       names.get(request.submitter_id, ""), views, mine, readable,
                       request.status == "pending" and request.submitter_id == actor.user_id)


def _readable(session: Session, registry: Registry, actor: Actor, request: ApprovalRequest) -> bool:
    model = registry.models.get(request.model)
    if model is None or not actor.can(f"{request.model}.read"):
        return False
    try:
        get_for(session, actor, model, request.record_id)
    except NotFound:
        return False
    return True


def requests_of(session: Session, model: str, record_id: int) -> list[ApprovalRequest]:
    return list(session.scalars(select(ApprovalRequest).where(
        ApprovalRequest.model == model, ApprovalRequest.record_id == record_id)
        .order_by(ApprovalRequest.id.desc()).limit(20)))


def bulk_decide(session: Session, registry: Registry, actor: Actor, task_ids: list[int], decision: str,
                comment: str) -> int:
    """Decide many tasks in one transaction: all of them, or none (the error names the document)."""
    if not task_ids:
        raise ValidationError({"tasks": N_("Tick the approvals to decide.")})
    for task_id in task_ids:
        try:
            approvals.decide(session, registry, actor, task_id, decision, comment)
        except (Conflict, NotFound) as refused:
            task = session.get(ApprovalTask, task_id)
            request = session.get(ApprovalRequest, task.request_id) if task else None
            title = _summaries(session, registry, [request])[request.id].title if request else f"#{task_id}"
            reason = str(refused) if isinstance(refused, Conflict) else N_("It is not waiting for you.")
            raise Conflict(N_("Nothing was decided: “{document}”: {reason}"), document=title,
                           reason=reason) from refused
    return len(task_ids)


# ------------------------------------------------------------------ chains


def chain_for(session: Session, actor: Actor, chain_id: Any, action: str = "read") -> ApprovalChain:
    return get_for(session, actor, ApprovalChain, chain_id, action)


def chains_of(session: Session, actor: Actor, model: str) -> list[ApprovalChain]:
    return list(session.scalars(select(ApprovalChain).where(
        ApprovalChain.model == model, scope(actor, ApprovalChain))
        .order_by(ApprovalChain.point, ApprovalChain.org_id, ApprovalChain.version.desc(),
                  ApprovalChain.id.desc())))


def _may(actor: Actor, org_id: int | None, action: str) -> None:
    code = f"core.approval_chain.{action}"
    allowed = covers(actor, org_id, code, "org") if org_id is not None else covers(actor, -1, code, "all")
    if not allowed:
        raise Forbidden(code)


def new_draft(session: Session, registry: Registry, actor: Actor, model: str, point: str,
              org_id: int | None, name: str) -> ApprovalChain:
    """The draft for ``model``/``point``/``org_id``: the existing one, else a
    copy of the chain in force, else an empty one."""
    wf = registry.workflows.get(model)
    if wf is None or not any(p.submit == point for p in wf.approvals):
        raise NotFound()
    _may(actor, org_id, "create")
    same = (ApprovalChain.model == model, ApprovalChain.point == point,
            ApprovalChain.org_id.is_(None) if org_id is None else ApprovalChain.org_id == org_id)
    draft = session.scalar(select(ApprovalChain).where(*same, ApprovalChain.status == "draft"))
    if draft is not None:
        return draft
    current = session.scalar(select(ApprovalChain).where(*same, ApprovalChain.status == "published"))
    draft = ApprovalChain(model=model, point=point, org_id=org_id, status="draft",
                          name=current.name if current else name[:200],
                          steps=list(current.steps) if current else [],
                          version=(current.version + 1) if current else 1)
    session.add(draft)
    session.flush()
    return draft


def _draft(actor: Actor, chain: ApprovalChain) -> None:
    if chain.status != "draft":
        raise Conflict(N_("A published chain is not changed: start a new draft from it."))
    _may(actor, chain.org_id, "update")


def rename(actor: Actor, chain: ApprovalChain, name: str) -> None:
    _draft(actor, chain)
    name = name.strip()
    if not name:
        raise ValidationError({"name": N_("Give the chain a name.")})
    chain.name = name[:200]


def save_step(session: Session, registry: Registry, actor: Actor, chain: ApprovalChain, index: int | None,
              step: Step) -> None:
    """Add (``index`` None) or replace a step of a draft, after validating it."""
    _draft(actor, chain)
    model = registry.models.get(chain.model)
    if model is None:
        raise NotFound()
    approvals.validate_step(session, step, approvals.condition_fields(model))
    steps = list(chain.steps or [])
    if index is None:
        if len(steps) >= approvals.MAX_STEPS:
            raise ValidationError({"name": N_("A chain has at most 20 steps.")})
        steps.append(step.to_dict())
    elif 0 <= index < len(steps):
        steps[index] = step.to_dict()
    else:
        raise NotFound()
    chain.steps = steps


def remove_step(actor: Actor, chain: ApprovalChain, index: int) -> None:
    _draft(actor, chain)
    steps = list(chain.steps or [])
    if not 0 <= index < len(steps):
        raise NotFound()
    del steps[index]
    if steps and index == 0:
        steps[0] = {**steps[0], "parallel": False}
    chain.steps = steps


def move_step(actor: Actor, chain: ApprovalChain, index: int, offset: int) -> None:
    _draft(actor, chain)
    steps = list(chain.steps or [])
    other = index + offset
    if not (0 <= index < len(steps) and 0 <= other < len(steps)):
        raise NotFound()
    steps[index], steps[other] = steps[other], steps[index]
    steps[0] = {**steps[0], "parallel": False}
    chain.steps = steps


def publish(session: Session, actor: Actor, chain: ApprovalChain) -> None:
    _draft(actor, chain)
    approvals.publish(session, actor, chain)


def delete_draft(session: Session, actor: Actor, chain: ApprovalChain) -> None:
    if chain.status != "draft":
        raise Conflict(N_("Only a draft is deleted; a published chain is retired by publishing another."))
    _may(actor, chain.org_id, "delete")
    session.delete(chain)


def try_out(session: Session, registry: Registry, actor: Actor, chain: ApprovalChain,
            record_id: Any) -> tuple[Base, list[approvals.PlannedStep], dict[int, str]]:
    """How the chain would run for an existing document the actor may read,
    submitted by its owner (else by the actor). Changes nothing."""
    model = registry.models.get(chain.model)
    if model is None:
        raise NotFound()
    record = get_for(session, actor, model, record_id)
    submitter = getattr(record, "owner_id", None) or actor.user_id
    org_id = getattr(record, "org_id", None)
    planned = approvals.plan(session, approvals.steps_of(chain), record, submitter, org_id)
    names = _names(session, {u for p in planned for u in p.approvers} | {submitter})
    return record, planned, names


def last_activity(request: ApprovalRequest) -> datetime:
    return request.decided_at or request.created_at
