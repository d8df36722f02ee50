"""The workflow engine: run a document's declared transitions (issue 3, part 1).

A plugin declares its state machines as data (:class:`core.registry.WorkflowDecl`);
:func:`transition` moves one record along them after checking scope,
source state, permission and guard, writes one :class:`WorkflowHistory` row
and fires ``on_record_transitioned`` in the same transaction. Every check
comes before the first change, so a refused transition changes nothing.
A record in one of the workflow's ``locked`` states cannot be edited
(:func:`ensure_editable`); :func:`amend` copies it into a new draft.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from core import clock
from core.db import Base, id_of
from core.errors import Conflict
from core.i18n import N_
from core.models import User, WorkflowHistory
from core.permissions import Actor, Forbidden, NotFound, get_for
from core.registry import Registry, Transition, WorkflowDecl

__all__ = ["allowed_transitions", "amend", "ensure_editable", "fire", "history", "is_locked",
           "transition", "workflow_of"]

#: columns a copy made by :func:`amend` never takes over from the original
_NOT_COPIED = {"id", "state", "version", "created_at", "updated_at", "deleted_at", "amends_id"}


def workflow_of(registry: Registry, record: Base) -> WorkflowDecl | None:
    """The workflow declared for the record's model, if any."""
    return registry.workflows.get(record.__model_key__)


def _find(wf: WorkflowDecl, name: str) -> Transition | None:
    return next((t for t in wf.transitions if t.name == name), None)


def _permitted(session: Session, actor: Actor, record: Base, t: Transition) -> None:
    """Forbidden without the transition's permission; NotFound when its scope
    does not cover the record (a permission of the record's own model)."""
    actor.require(t.permission)
    model_key, action = t.permission.rsplit(".", 1)
    if model_key == record.__model_key__:
        get_for(session, actor, type(record), id_of(record), action)


def transition(
    session: Session, registry: Registry, actor: Actor, record: Base, name: str, *, comment: str = ""
) -> WorkflowHistory:
    """Fire transition ``name`` on ``record`` for ``actor``; the history row it wrote.

    Firing an approval point's ``submit`` starts its chain
    (:func:`core.approvals.start`); while that chain runs, its outcome
    transitions are the chain's to fire, not anyone's by hand.
    """
    from core import approvals

    get_for(session, actor, type(record), id_of(record), "read")
    wf = workflow_of(registry, record)
    if wf is None:
        raise Conflict(N_("This document type has no workflow."))
    current: str = getattr(record, "state")  # noqa: B009 - a workflow's model has a state column
    t = _find(wf, name)
    if t is None or current not in t.source:
        raise Conflict(N_("The step “{transition}” is not possible in the state “{state}”."),
                       transition=(t.label if t else "") or name, state=wf.state_label(current))
    _permitted(session, actor, record, t)
    if t.guard is not None and t.guard(record) is not True:
        raise Conflict(N_("The step “{transition}” is not allowed for this document now."),
                       transition=t.label or name)
    point = wf.approval_point(name)
    if point is not None and name != point.submit and _chain_running(session, record):
        raise Conflict(N_("An approval chain decides this document: approve or reject it from "
                          "your approval inbox."))
    row = fire(session, registry, actor, record, name, comment=comment)
    if point is not None and name == point.submit:
        approvals.start(session, registry, actor, record, point)
    return row


def _chain_running(session: Session, record: Base) -> bool:
    from core import approvals

    return approvals.active_request(session, record.__model_key__, id_of(record)) is not None


def fire(session: Session, registry: Registry, actor: Actor, record: Base, name: str, *,
         comment: str = "") -> WorkflowHistory:
    """Move ``record`` along transition ``name`` without checking who asks:
    for the kernel's approval chains, which decided already. Plugins call
    :func:`transition`."""
    wf = workflow_of(registry, record)
    t = _find(wf, name) if wf is not None else None
    current: str = getattr(record, "state")  # noqa: B009 - a workflow's model has a state column
    if t is None or current not in t.source:
        raise Conflict(N_("The step “{transition}” is not possible in the state “{state}”."),
                       transition=name, state=current)
    record.state = t.target  # type: ignore[attr-defined]
    row = WorkflowHistory(model=record.__model_key__, record_id=id_of(record), transition=name,
                          from_state=current, to_state=t.target, user_id=actor.user_id,
                          comment=comment.strip()[:2000], at=clock.now())
    session.add(row)
    session.flush()
    hook = session.info.get("hook")
    if hook is not None:
        hook.on_record_transitioned(session=session, actor=actor, record=record, transition=name,
                                    from_state=current, to_state=t.target, comment=row.comment)
    return row


def allowed_transitions(
    session: Session, registry: Registry, actor: Actor, record: Base
) -> list[Transition]:
    """The transitions ``actor`` may fire on ``record`` now: one button each."""
    wf = workflow_of(registry, record)
    if wf is None:
        return []
    current = getattr(record, "state", None)
    out = []
    running: bool | None = None
    for t in wf.transitions:
        if current not in t.source:
            continue
        point = wf.approval_point(t.name)
        if point is not None and t.name != point.submit:
            if running is None:
                running = _chain_running(session, record)
            if running:
                continue
        try:
            _permitted(session, actor, record, t)
        except (Forbidden, NotFound):
            continue
        if t.guard is None or t.guard(record) is True:
            out.append(t)
    return out


def is_locked(registry: Registry, record: Base) -> bool:
    wf = workflow_of(registry, record)
    return wf is not None and getattr(record, "state", None) in wf.locked


def ensure_editable(registry: Registry, record: Base) -> None:
    """Conflict when the record is in a locked state of its workflow."""
    if is_locked(registry, record):
        wf = workflow_of(registry, record)
        state = str(getattr(record, "state", ""))
        # the state's label: parameters are translated when the message is shown
        raise Conflict(N_("This document is “{state}” and can no longer be changed."),
                       state=wf.state_label(state) if wf else state)


def history(session: Session, actor: Actor, model_key: str, record_id: int) -> list[Row[Any]]:
    """``(WorkflowHistory, user name)`` rows of a record ``actor`` may read, newest first."""
    model = _model(model_key)
    get_for(session, actor, model, record_id)
    return list(session.execute(
        select(WorkflowHistory, User.display_name)
        .outerjoin(User, User.id == WorkflowHistory.user_id)
        .where(WorkflowHistory.model == model_key, WorkflowHistory.record_id == record_id)
        .order_by(WorkflowHistory.id.desc()).limit(200)))


def _model(model_key: str) -> type[Base]:
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__model_key__", None) == model_key and hasattr(cls, "__table__"):
            return cls
    raise NotFound()


def amend(session: Session, registry: Registry, actor: Actor, record: Base) -> Base:
    """A new record in the initial state, copied from a locked one and
    pointing to it through ``amends_id`` (only models with that column)."""
    model = type(record)
    get_for(session, actor, model, id_of(record), "update")
    actor.require(f"{record.__model_key__}.create")
    wf = workflow_of(registry, record)
    if wf is None or "amends_id" not in model.__table__.columns:
        raise Conflict(N_("This document type cannot be amended."))
    if not is_locked(registry, record):
        raise Conflict(N_("Only a locked document is amended; change this one directly."))
    values = {c.key: getattr(record, c.key) for c in model.__table__.columns
              if c.key not in _NOT_COPIED}
    copy = model(**values, state=wf.initial, amends_id=id_of(record))
    session.add(copy)
    session.flush()
    current = str(getattr(record, "state", ""))
    target = wf.amended or current
    record.state = target  # type: ignore[attr-defined]
    session.add(WorkflowHistory(model=record.__model_key__, record_id=id_of(record), transition="amend",
                                from_state=current, to_state=target, user_id=actor.user_id,
                                comment=f"→ #{id_of(copy)}", at=clock.now()))
    session.flush()
    return copy
