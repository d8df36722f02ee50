"""Approval chains: who must say yes before a document moves on (issue 3).

A workflow declares where an approval may happen (:class:`core.registry.ApprovalPoint`:
a ``submit`` transition and its ``approved``/``rejected`` outcomes). An
administrator attaches a chain to that point in the browser: steps in
sequence, or in parallel with the step before; each step's approvers are the
members of a role in the document's organisation, the submitter's manager
(``level`` 1) or the one above (2, ...), or named users; a step applies only
when its conditions on the document's fields hold; it needs ``required``
distinct approvals (0: every approver); the submitter never approves their
own document; after ``timeout_hours`` the approvers are reminded, and after
as long again the step escalates to a named user or the approvers' managers,
any one of whom completes it.

Firing ``submit`` (:func:`core.workflows.transition`) calls :func:`start`;
:func:`decide` records one approver's decision and fires the outcome when
the chain is through; :func:`sweep` (a scheduled job) reminds and
escalates. Every function works in the caller's transaction and checks
everything before it changes anything.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import clock
from core.db import Base, id_column, id_of
from core.errors import Conflict, ValidationError
from core.i18n import N_
from core.models import (
    ApprovalChain,
    ApprovalRequest,
    ApprovalStep,
    ApprovalTask,
    ExternalId,
    Role,
    User,
    WorkflowHistory,
)
from core.notify import notify
from core.people import manager_chain, manager_of, role_members
from core.permissions import Actor, NotFound
from core.registry import ApprovalPoint, Registry, WorkflowDecl

__all__ = [
    "APPROVER_KINDS", "OPERATORS", "Condition", "PlannedStep", "Step", "active_request", "decide",
    "plan", "published_chain", "publish", "start", "sweep", "sync_shipped_chains", "waiting_approvals",
    "withdraw", "WaitingApproval",
]

APPROVER_KINDS = {
    "role": N_("Everyone with a role"),
    "manager": N_("The submitter's manager"),
    "user": N_("Named users"),
}

#: comparison operators a condition may use, with how they read
OPERATORS = {
    "=": N_("equals"), "!=": N_("differs from"), ">": N_("is more than"), ">=": N_("is at least"),
    "<": N_("is less than"), "<=": N_("is at most"), "in": N_("is one of"), "contains": N_("contains"),
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, ">": operator.gt, ">=": operator.ge,
    "<": operator.lt, "<=": operator.le,
}
#: workflow history names of approval events (no state change)
EVENTS = {
    "approval:approve": N_("Approved a step"),
    "approval:reject": N_("Rejected"),
    "approval:remind": N_("Reminded the approvers"),
    "approval:escalate": N_("Escalated"),
    "approval:withdraw": N_("Withdrew the submission"),
}
MAX_STEPS = 20


# ------------------------------------------------------------------ definitions


@dataclass(frozen=True)
class Condition:
    """``field op value`` on the document, e.g. ``discount > 10``."""

    field: str
    op: str
    value: str

    def holds(self, record: Any) -> bool:
        actual = getattr(record, self.field, None)
        if actual is None:
            return False
        if self.op == "contains":
            return self.value.casefold() in str(actual).casefold()
        if self.op == "in":
            options = [v.strip() for v in self.value.replace("，", ",").split(",") if v.strip()]
            return any(_equal(actual, option) for option in options)
        if self.op in ("=", "!="):
            return _equal(actual, self.value) is (self.op == "=")
        wanted = _coerce(actual, self.value)
        if wanted is None:
            return False
        return _COMPARE[self.op](_plain(actual), wanted)

    def describe(self) -> str:
        return f"{self.field} {self.op} {self.value}"


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, datetime):
        return value.date()
    return value


def _coerce(actual: Any, text: str) -> Any:
    """The condition's value as the same kind as the field's, or None."""
    actual = _plain(actual)
    try:
        if isinstance(actual, bool):
            return text.strip().lower() in ("1", "true", "yes", "是")
        if isinstance(actual, Decimal):
            return Decimal(text.strip().rstrip("%").replace(",", ""))
        if isinstance(actual, date):
            return date.fromisoformat(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return text


def _equal(actual: Any, text: str) -> bool:
    wanted = _coerce(actual, text)
    return wanted is not None and _plain(actual) == wanted


@dataclass(frozen=True)
class Step:
    """One step of a chain, as the administrator defined it."""

    name: str
    approver: str  # a key of APPROVER_KINDS
    role_id: int | None = None
    level: int = 1
    user_ids: tuple[int, ...] = ()
    required: int = 1
    parallel: bool = False
    conditions: tuple[Condition, ...] = ()
    match: str = "all"  # all | any
    timeout_hours: int = 0
    escalate_to: int | None = None

    def applies(self, record: Any) -> bool:
        if not self.conditions:
            return True
        results = (c.holds(record) for c in self.conditions)
        return all(results) if self.match == "all" else any(results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "approver": self.approver, "role_id": self.role_id, "level": self.level,
            "user_ids": list(self.user_ids), "required": self.required, "parallel": self.parallel,
            "conditions": [{"field": c.field, "op": c.op, "value": c.value} for c in self.conditions],
            "match": self.match, "timeout_hours": self.timeout_hours, "escalate_to": self.escalate_to,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        return cls(
            name=str(data.get("name", "")), approver=str(data.get("approver", "")),
            role_id=data.get("role_id"), level=int(data.get("level") or 1),
            user_ids=tuple(int(u) for u in data.get("user_ids") or ()),
            required=int(data.get("required") or 0), parallel=bool(data.get("parallel")),
            conditions=tuple(Condition(str(c["field"]), str(c["op"]), str(c["value"]))
                             for c in data.get("conditions") or ()),
            match=str(data.get("match") or "all"), timeout_hours=int(data.get("timeout_hours") or 0),
            escalate_to=data.get("escalate_to"),
        )


def validate_step(session: Session, step: Step, fields: Iterable[str]) -> None:
    """ValidationError naming each wrong field of one step."""
    errors: dict[str, str] = {}
    if not step.name.strip():
        errors["name"] = N_("Give the step a name.")
    if step.approver not in APPROVER_KINDS:
        errors["approver"] = N_("Choose who approves.")
    elif step.approver == "role" and (step.role_id is None or session.get(Role, step.role_id) is None):
        errors["role_id"] = N_("Choose the role whose members approve.")
    elif step.approver == "user":
        if not step.user_ids:
            errors["user_ids"] = N_("Choose at least one approver.")
        elif len(set(session.scalars(select(User.id).where(User.id.in_(step.user_ids))))) != len(
                set(step.user_ids)):
            errors["user_ids"] = N_("One of the chosen users does not exist.")
        elif step.required > len(set(step.user_ids)):
            errors["required"] = N_("More approvals are required than there are approvers.")
    if not 1 <= step.level <= 5:
        errors["level"] = N_("The manager level is between 1 and 5.")
    if not 0 <= step.required <= 20:
        errors["required"] = N_("Between 0 (everyone) and 20 approvals.")
    if not 0 <= step.timeout_hours <= 24 * 90:
        errors["timeout_hours"] = N_("The timeout is between 0 (none) and 2160 hours.")
    if step.match not in ("all", "any"):
        errors["match"] = N_("Choose whether all or any condition must hold.")
    if step.escalate_to is not None and session.get(User, step.escalate_to) is None:
        errors["escalate_to"] = N_("That user does not exist.")
    known = set(fields)
    for i, c in enumerate(step.conditions):
        if c.field not in known:
            errors[f"conditions.{i}.field"] = N_("Choose a field of the document.")
        elif c.op not in OPERATORS:
            errors[f"conditions.{i}.op"] = N_("Choose a comparison.")
        elif not c.value.strip():
            errors[f"conditions.{i}.value"] = N_("Enter the value to compare with.")
    if errors:
        raise ValidationError(errors)


def condition_fields(model: type[Base]) -> dict[str, str]:
    """Fields of ``model`` a condition may test: name -> label message id."""
    skip = {"id", "version", "created_at", "updated_at", "deleted_at", "org_id", "owner_id",
            "department_id", "amends_id"}
    return {c.key: c.info.get("label", c.key) for c in model.__table__.columns
            if c.key not in skip and not c.key.endswith("_id")}


# ------------------------------------------------------------------ planning


@dataclass
class PlannedStep:
    """A step as it would run (or runs) for one document."""

    position: int
    stage: int
    step: Step
    applies: bool
    approvers: list[int] = field(default_factory=list)
    problem: str = ""  # a message id when the step cannot run
    params: dict[str, str] = field(default_factory=dict)

    @property
    def needed(self) -> int:
        return self.step.required or len(self.approvers)


def plan(session: Session, steps: Sequence[Step], record: Any, submitter_id: int,
         org_id: int | None) -> list[PlannedStep]:
    """How ``steps`` would run for ``record`` submitted by ``submitter_id``:
    their stages, whether each applies and who would approve. Changes nothing."""
    out: list[PlannedStep] = []
    stage = -1
    for i, step in enumerate(steps):
        if not (step.parallel and out):
            stage += 1
        planned = PlannedStep(i, stage, step, step.applies(record))
        if planned.applies:
            planned.approvers = approvers_of(session, step, submitter_id, org_id)
            if not planned.approvers or len(planned.approvers) < step.required:
                planned.problem = N_("The step “{step}” needs {needed} approvers other than the "
                                     "submitter; it has {found}.")
                planned.params = {"step": step.name, "needed": str(max(step.required, 1)),
                                  "found": str(len(planned.approvers))}
        out.append(planned)
    return out


def approvers_of(session: Session, step: Step, submitter_id: int, org_id: int | None) -> list[int]:
    """The active users who approve ``step`` for a document of ``org_id``, never the submitter."""
    if step.approver == "role":
        found = role_members(session, step.role_id, org_id) if step.role_id and org_id else []
    elif step.approver == "manager":
        chain = manager_chain(session, submitter_id, step.level)
        found = chain[-1:] if len(chain) == step.level else []
    else:
        found = list(session.scalars(select(User.id).where(
            User.id.in_(step.user_ids), User.active.is_(True)).order_by(User.id)))
    return [u for u in dict.fromkeys(found) if u != submitter_id]


# ------------------------------------------------------------------ chains


def published_chain(session: Session, model: str, point: str, org_id: int | None) -> ApprovalChain | None:
    """The chain in force for a document of ``org_id``: its organisation's own,
    else the installation-wide one."""
    rows = session.scalars(select(ApprovalChain).where(
        ApprovalChain.model == model, ApprovalChain.point == point,
        ApprovalChain.status == "published",
        (ApprovalChain.org_id == org_id) | ApprovalChain.org_id.is_(None)))
    chains = sorted(rows, key=lambda c: c.org_id is None)
    return chains[0] if chains else None


def steps_of(chain: ApprovalChain) -> list[Step]:
    return [Step.from_dict(d) for d in chain.steps or ()]


def publish(session: Session, actor: Actor, chain: ApprovalChain) -> ApprovalChain:
    """Put a draft in force; the chain it replaces is retired (running
    requests finish under the version they started with)."""
    if chain.status != "draft":
        raise Conflict(N_("Only a draft is published."))
    if not chain.steps:
        raise Conflict(N_("A chain without steps cannot be published."))
    same = (ApprovalChain.model == chain.model, ApprovalChain.point == chain.point,
            ApprovalChain.org_id.is_(None) if chain.org_id is None else ApprovalChain.org_id == chain.org_id)
    latest = session.scalar(select(func.max(ApprovalChain.version)).where(
        *same, ApprovalChain.status != "draft")) or 0
    for old in session.scalars(select(ApprovalChain).where(*same, ApprovalChain.status == "published")):
        old.status = "retired"
    chain.status = "published"
    chain.version = latest + 1
    chain.published_at = clock.now()
    chain.published_by = actor.user_id
    session.flush()
    return chain


def sync_shipped_chains(session: Session, registry: Registry) -> list[ApprovalChain]:
    """Put in force the chains plugins ship (``ApprovalPoint.default_steps``)
    that were never shipped before; the chains made now.

    Each is remembered by the external id ``(plugin, "chain.<model>.<submit>")``
    and never made again. Where an administrator already published a chain
    for every organisation, that one stays and is remembered instead."""
    made: list[ApprovalChain] = []
    for wf in registry.workflows.values():
        plugin = registry.model_plugin.get(wf.model, "")
        for point in wf.approvals:
            if not point.default_steps:
                continue
            key = f"chain.{wf.model}.{point.submit}"
            if session.scalar(select(ExternalId.id).where(ExternalId.plugin == plugin, ExternalId.key == key)):
                continue
            chain = published_chain(session, wf.model, point.submit, None)
            if chain is None:
                steps = [_shipped_step(session, data) for data in point.default_steps]
                if any(step is None for step in steps):
                    continue  # a role it names is not there (its plugin is off): try at the next sync
                chain = ApprovalChain(model=wf.model, point=point.submit, org_id=None,
                                      name=point.default_name or wf.model, version=1, status="published",
                                      steps=steps, published_at=clock.now())
                session.add(chain)
                session.flush()
                made.append(chain)
            session.add(ExternalId(plugin=plugin, key=key, model="core.approval_chain", record_id=chain.id))
    session.flush()
    return made


def _shipped_step(session: Session, data: dict[str, Any]) -> dict[str, Any] | None:
    """A shipped step as stored: its role named by key becomes ``role_id``."""
    data = dict(data)
    role_key = data.pop("role", None)
    if role_key is not None:
        data["role_id"] = session.scalar(select(Role.id).where(Role.key == role_key))
        if data["role_id"] is None:
            return None
    return Step.from_dict(data).to_dict()


# ------------------------------------------------------------------ running


def active_request(session: Session, model: str, record_id: int) -> ApprovalRequest | None:
    return session.scalar(select(ApprovalRequest).where(
        ApprovalRequest.model == model, ApprovalRequest.record_id == record_id,
        ApprovalRequest.status == "pending").order_by(ApprovalRequest.id.desc()).limit(1))


def start(session: Session, registry: Registry, actor: Actor, record: Base,
          point: ApprovalPoint) -> ApprovalRequest | None:
    """Run the published chain of ``point`` for a document just submitted.

    No chain: None (the outcome transitions stay with the people who hold
    their permission). No step applies: the document is approved at once.
    A step that would have no approver refuses the submission (Conflict).
    """
    model_key = record.__model_key__
    org_id = getattr(record, "org_id", None)
    chain = published_chain(session, model_key, point.submit, org_id)
    if chain is None:
        return None
    planned = plan(session, steps_of(chain), record, actor.user_id, org_id)
    for p in planned:
        if p.applies and p.problem:
            raise Conflict(p.problem, **p.params)
    request = ApprovalRequest(chain_id=chain.id, model=model_key, record_id=id_of(record), org_id=org_id,
                              submitter_id=actor.user_id, created_at=clock.now())
    session.add(request)
    session.flush()
    for p in planned:
        session.add(ApprovalStep(request_id=request.id, position=p.position, stage=p.stage,
                                 name=p.step.name, spec=p.step.to_dict(),
                                 status="waiting" if p.applies else "skipped"))
    session.flush()
    if not _activate_next(session, request, record):
        _finish(session, registry, actor, request, record, approved=True, comment="")
    return request


def _steps(session: Session, request: ApprovalRequest) -> list[ApprovalStep]:
    return list(session.scalars(select(ApprovalStep).where(ApprovalStep.request_id == request.id)
                                .order_by(ApprovalStep.position)))


def _activate_next(session: Session, request: ApprovalRequest, record: Any) -> bool:
    """Open the next stage with waiting steps; False when none is left."""
    waiting = [s for s in _steps(session, request) if s.status == "waiting"]
    if not waiting:
        return False
    stage = min(s.stage for s in waiting)
    now = clock.now()
    request.stage = stage
    for step in (s for s in waiting if s.stage == stage):
        spec = Step.from_dict(step.spec)
        users = approvers_of(session, spec, request.submitter_id, request.org_id)
        if not users or len(users) < spec.required:
            raise Conflict(N_("The step “{step}” needs {needed} approvers other than the submitter; "
                              "it has {found}."),
                           step=spec.name, needed=str(max(spec.required, 1)), found=str(len(users)))
        step.status = "active"
        step.activated_at = now
        step.due_at = now + timedelta(hours=spec.timeout_hours) if spec.timeout_hours else None
        for user_id in users:
            session.add(ApprovalTask(request_id=request.id, step_id=step.id, model=request.model,
                                     record_id=request.record_id, user_id=user_id, created_at=now))
        notify(session, user_ids=users, subject=N_("Please approve: {document}"),
               body=N_("{submitter} submitted {document} for approval (step “{step}”)."),
               params=_params(session, request, record, step=spec.name), link=request_path(request),
               category="approval", record=(request.model, request.record_id),
               actor_id=request.submitter_id)
    session.flush()
    return True


def request_path(request: ApprovalRequest | int) -> str:
    """The page of an approval request (or of the request with that id)."""
    return f"/approvals/requests/{request if isinstance(request, int) else request.id}"


def _params(session: Session, request: ApprovalRequest, record: Any, **extra: str) -> dict[str, str]:
    submitter = session.get(User, request.submitter_id)
    return {"document": record_title(record), "submitter": submitter.display_name if submitter else "",
            **extra}


def record_title(record: Any) -> str:
    """A short name for a document: its number, title or name, else ``#id``."""
    for attr in ("number", "code", "title", "name", "subject", "display_name"):
        value = getattr(record, attr, None)
        if isinstance(value, str) and value.strip():
            return value
    return f"#{getattr(record, 'id', '')}"


def _history(session: Session, request: ApprovalRequest, record: Any, event: str, user_id: int | None,
             comment: str) -> None:
    state = str(getattr(record, "state", ""))
    session.add(WorkflowHistory(model=request.model, record_id=request.record_id, transition=event,
                                from_state=state, to_state=state, user_id=user_id,
                                comment=comment.strip()[:2000], at=clock.now()))


def _finish(session: Session, registry: Registry, actor: Actor, request: ApprovalRequest, record: Base,
            *, approved: bool, comment: str) -> None:
    """Close the request and fire the outcome transition for the deciding actor."""
    from core.workflows import fire  # the engine calls back into the workflow

    wf = registry.workflows[request.model]
    point = _point(wf, session.get(ApprovalChain, request.chain_id))
    _close(session, request, "approved" if approved else "rejected")
    fire(session, registry, actor, record, point.approved if approved else point.rejected, comment=comment)
    notify(session, user_ids=[request.submitter_id],
           subject=N_("Approved: {document}") if approved else N_("Rejected: {document}"),
           body=N_("{decider} approved it.") if approved else N_("{decider} rejected it: {comment}"),
           params={"document": record_title(record), "decider": actor.display_name, "comment": comment},
           link=request_path(request), category="approval", record=(request.model, request.record_id),
           actor_id=actor.user_id)


def _close(session: Session, request: ApprovalRequest, status: str) -> None:
    """End a request: its open steps and tasks are no longer needed."""
    request.status = status
    request.decided_at = clock.now()
    session.execute(update(ApprovalTask).where(ApprovalTask.request_id == request.id,
                                               ApprovalTask.status == "pending").values(status="void"))
    session.execute(update(ApprovalStep).where(ApprovalStep.request_id == request.id,
                                               ApprovalStep.status.in_(("waiting", "active")))
                    .values(status="void"))


def _point(wf: WorkflowDecl, chain: ApprovalChain | None) -> ApprovalPoint:
    point = wf.approval_point(chain.point) if chain is not None else None
    if point is None:
        raise Conflict(N_("This document type has no approval at this step any more."))
    return point


def _load(session: Session, registry: Registry, request: ApprovalRequest) -> Base:
    model = registry.models.get(request.model)
    record = session.get(model, request.record_id) if model is not None else None
    if record is None:
        raise NotFound()
    return record


def decide(session: Session, registry: Registry, actor: Actor, task_id: int, decision: str,
           comment: str = "") -> ApprovalRequest:
    """``actor`` approves or rejects their pending task ``task_id``.

    Someone else's task answers NotFound; a decided one, or a request no
    longer pending, a Conflict; rejecting needs a reason. The last approval
    of the last stage fires the ``approved`` transition, any rejection the
    ``rejected`` one, both as ``actor`` with the comment.
    """
    task = session.scalar(select(ApprovalTask).where(ApprovalTask.id == task_id,
                                                     ApprovalTask.user_id == actor.user_id))
    if task is None:
        raise NotFound()
    if decision not in ("approve", "reject"):
        raise ValidationError({"decision": N_("Approve or reject.")})
    request = session.scalar(select(ApprovalRequest).where(ApprovalRequest.id == task.request_id)
                             .with_for_update())
    step = session.get(ApprovalStep, task.step_id)
    assert request is not None and step is not None
    session.refresh(task)
    if task.status != "pending" or request.status != "pending" or step.status != "active":
        raise Conflict(N_("This approval has already been decided."))
    if request.submitter_id == actor.user_id:
        raise Conflict(N_("Nobody approves their own submission."))
    comment = comment.strip()[:2000]
    if decision == "reject" and not comment:
        raise ValidationError({"comment": N_("Say why you reject it.")})
    record = _load(session, registry, request)
    now = clock.now()
    task.status = "approved" if decision == "approve" else "rejected"
    task.comment = comment
    task.decided_at = now
    _history(session, request, record, f"approval:{decision}", actor.user_id,
             f"{step.name}: {comment}" if comment else step.name)
    if decision == "reject":
        step.status, step.decided_at = "rejected", now
        _finish(session, registry, actor, request, record, approved=False, comment=comment)
        return request
    spec = Step.from_dict(step.spec)
    tasks = list(session.scalars(select(ApprovalTask).where(ApprovalTask.step_id == step.id)))
    approved = {t.user_id for t in tasks if t.status == "approved"}
    own = [t for t in tasks if t.via == ""]
    needed = spec.required or len(own)
    if task.via == "escalation" or len(approved) >= needed:
        step.status, step.decided_at = "approved", now
        for t in tasks:
            if t.status == "pending":
                t.status = "void"
        session.flush()
        still_open = session.scalar(select(func.count()).select_from(ApprovalStep).where(
            ApprovalStep.request_id == request.id, ApprovalStep.stage == step.stage,
            ApprovalStep.status == "active"))
        if not still_open and not _activate_next(session, request, record):
            _finish(session, registry, actor, request, record, approved=True, comment=comment)
    session.flush()
    return request


def withdraw(session: Session, registry: Registry, actor: Actor, request_id: int,
             comment: str = "") -> ApprovalRequest:
    """The submitter takes a pending document back: the ``rejected``
    transition fires (back to where it was edited) and open tasks are void."""
    request = session.scalar(select(ApprovalRequest).where(
        ApprovalRequest.id == request_id, ApprovalRequest.submitter_id == actor.user_id)
        .with_for_update())
    if request is None:
        raise NotFound()
    if request.status != "pending":
        raise Conflict(N_("This approval has already been decided."))
    record = _load(session, registry, request)
    _history(session, request, record, "approval:withdraw", actor.user_id, comment)
    from core.workflows import fire

    point = _point(registry.workflows[request.model], session.get(ApprovalChain, request.chain_id))
    _close(session, request, "withdrawn")
    fire(session, registry, actor, record, point.rejected, comment=comment)
    return request


# ------------------------------------------------------------------ timeouts


@dataclass
class SweepResult:
    reminded: int = 0
    escalated: int = 0


def sweep(session: Session, registry: Registry, now: datetime | None = None) -> SweepResult:
    """Remind the approvers of steps past their timeout, and escalate steps
    past twice their timeout: to the step's ``escalate_to`` user, else to the
    managers of the approvers still pending. Runs every few minutes."""
    now = now or clock.now()
    result = SweepResult()
    due = session.scalars(select(ApprovalStep).where(
        ApprovalStep.status == "active", ApprovalStep.due_at.is_not(None), ApprovalStep.due_at <= now,
        ApprovalStep.escalated_at.is_(None)).order_by(ApprovalStep.id).limit(500).with_for_update())
    for step in list(due):
        request = session.get(ApprovalRequest, step.request_id)
        assert request is not None and step.activated_at is not None and step.due_at is not None
        try:
            record = _load(session, registry, request)
        except (NotFound, KeyError):
            continue
        pending = list(session.scalars(select(ApprovalTask.user_id).where(
            ApprovalTask.step_id == step.id, ApprovalTask.status == "pending")))
        timeout = step.due_at - step.activated_at
        params = _params(session, request, record, step=step.name)
        if step.reminded_at is None:
            step.reminded_at = now
            _history(session, request, record, "approval:remind", None, step.name)
            notify(session, user_ids=pending, subject=N_("Reminder: {document} awaits your approval"),
                   body=N_("{submitter} submitted {document}; the step “{step}” is past its time."),
                   params=params, link=request_path(request), category="approval",
                   record=(request.model, request.record_id))
            result.reminded += 1
        if now < step.due_at + timeout:
            continue
        spec = Step.from_dict(step.spec)
        targets = [spec.escalate_to] if spec.escalate_to else [manager_of(session, u) for u in pending]
        taken = set(session.scalars(select(ApprovalTask.user_id).where(ApprovalTask.step_id == step.id)))
        fresh = [u for u in dict.fromkeys(targets)
                 if u is not None and u != request.submitter_id and u not in taken and _active(session, u)]
        step.escalated_at = now
        for user_id in fresh:
            session.add(ApprovalTask(request_id=request.id, step_id=step.id, model=request.model,
                                     record_id=request.record_id, user_id=user_id, via="escalation",
                                     created_at=now))
        names = ", ".join(session.scalars(select(User.display_name).where(User.id.in_(fresh))))
        _history(session, request, record, "approval:escalate", None, f"{step.name} → {names or '—'}")
        notify(session, user_ids=fresh, subject=N_("Escalated to you: {document}"),
               body=N_("{submitter} submitted {document}; the step “{step}” was not decided in time "
                       "and now waits for you."),
               params=params, link=request_path(request), category="approval",
               record=(request.model, request.record_id), urgent=True)
        result.escalated += 1
    session.flush()
    return result


# ------------------------------------------------------------------ what waits for someone


@dataclass(frozen=True)
class WaitingApproval:
    """A step of an approval waiting for one approver's decision."""

    request_id: int
    model: str
    record_id: int
    title: str  # the document's number, title or name (``record_title``)
    step: str
    since: datetime
    path: str  # the request's page


def waiting_approvals(session: Session, registry: Registry, actor: Actor, *,
                      limit: int = 10) -> tuple[int, list[WaitingApproval]]:
    """How many decisions wait for ``actor``, and the oldest ``limit`` of them
    (one query for the tasks, one per document type for the titles)."""
    pending = (ApprovalTask.user_id == actor.user_id, ApprovalTask.status == "pending")
    total = session.scalar(select(func.count()).select_from(ApprovalTask).where(*pending)) or 0
    rows = session.execute(
        select(ApprovalTask.request_id, ApprovalTask.model, ApprovalTask.record_id, ApprovalStep.name,
               ApprovalTask.created_at)
        .join(ApprovalStep, ApprovalStep.id == ApprovalTask.step_id)
        .where(*pending).order_by(ApprovalTask.created_at, ApprovalTask.id).limit(limit)).all()
    titles: dict[tuple[str, int], str] = {}
    for key in {r.model for r in rows}:
        model = registry.models.get(key)
        ids = [r.record_id for r in rows if r.model == key]
        if model is not None:
            for record in session.scalars(select(model).where(id_column(model).in_(ids))):
                titles[(key, id_of(record))] = record_title(record)
    return total, [WaitingApproval(r.request_id, r.model, r.record_id,
                                   titles.get((r.model, r.record_id), f"#{r.record_id}"), r.name,
                                   r.created_at, request_path(r.request_id)) for r in rows]


def _active(session: Session, user_id: int) -> bool:
    user = session.get(User, user_id)
    return user is not None and user.active
