"""Saved reports: saving, changing, sharing and deleting them, and which a
reader may open.

A reader opens a saved report that is theirs, shared with everyone in its
organisation (where they work), shared with a role they hold in its
organisation, or within the scope of their ``dashboard.report.read``. Any of
these opens the *definition* only: the report runs with the reader's own
permissions (``core.aggregate``), never its author's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.orm import Session

from core import N_, Actor, Forbidden, NotFound, ValidationError, records_behind, scope, utcnow
from plugins.dashboard import kernel
from plugins.dashboard.models import SHARING, Report, ReportRole
from plugins.dashboard.specs import ReportSpec

MAX_NAME = 200


def readable(actor: Actor) -> ColumnElement[bool]:
    """The saved reports ``actor`` may open, as one expression."""
    shared_with_role = exists(select(ReportRole.id).where(
        ReportRole.report_id == Report.id,
        exists(kernel.holds_role(ReportRole.role_id, actor.user_id, Report.org_id))))
    return or_(
        Report.owner_id == actor.user_id,
        scope(actor, Report, "read"),
        (Report.sharing == "org") & Report.org_id.in_(actor.org_ids),
        (Report.sharing == "roles") & shared_with_role,
    ) & Report.deleted_at.is_(None)


def visible(session: Session, actor: Actor, *, limit: int = 200) -> list[Report]:
    """The saved reports ``actor`` may open: their own first, then by name."""
    stmt = (select(Report).where(readable(actor))
            .order_by((Report.owner_id != actor.user_id), Report.name, Report.id).limit(limit))
    return list(session.scalars(stmt))


def get(session: Session, actor: Actor, report_id: Any) -> Report:
    """A saved report ``actor`` may open; NotFound otherwise."""
    try:
        key = int(report_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    report = session.scalar(select(Report).where(Report.id == key, readable(actor)))
    if report is None:
        raise NotFound()
    return report


def spec_of(report: Report) -> ReportSpec:
    return ReportSpec.from_json(report.dataset, report.spec or {}, report.chart)


def check(actor: Actor, registry: Any, spec: ReportSpec) -> None:
    """``ValidationError`` naming what ``spec`` asks that the actor may not.
    (The kernel plans a query when it builds the drill-down's statement;
    building one checks every name without running anything.)"""
    records_behind(actor, registry, spec.query(), {})


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ValidationError({"name": N_("Give the report a name.")})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": N_("A name has at most 200 characters.")})
    return name


def save(session: Session, actor: Actor, registry: Any, name: str, spec: ReportSpec) -> Report:
    """A new saved report of ``actor``, in their current organisation."""
    actor.require("dashboard.report.create")
    clean = _name(name)
    check(actor, registry, spec)
    report = Report(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                    name=clean, dataset=spec.dataset, spec=spec.to_json(), chart=spec.chart)
    session.add(report)
    session.flush()
    return report


def change(session: Session, actor: Actor, registry: Any, report: Report, name: str, spec: ReportSpec) -> None:
    """Change a saved report: its author only."""
    _own(actor, report)
    clean = _name(name)
    check(actor, registry, spec)
    report.name, report.dataset, report.spec, report.chart = clean, spec.dataset, spec.to_json(), spec.chart


def remove(session: Session, actor: Actor, report: Report) -> None:
    """To the recycle bin: by its author, or with ``dashboard.report.delete`` in scope."""
    if report.owner_id != actor.user_id:
        allowed = session.scalar(select(Report.id).where(Report.id == report.id,
                                                         scope(actor, Report, "delete")))
        if allowed is None:
            raise Forbidden("dashboard.report.delete")
    report.deleted_at = utcnow()


def share(session: Session, actor: Actor, report: Report, sharing: str, role_ids: Iterable[str]) -> None:
    """Share a saved report with nobody, chosen roles or the whole organisation."""
    _own(actor, report)
    actor.require("dashboard.report.share")
    if sharing not in SHARING:
        raise ValidationError({"sharing": N_("Choose whom to share the report with.")})
    chosen: set[int] = set()
    for raw in role_ids:
        if not raw.isdigit() or not kernel.role_exists(session, int(raw)):
            raise ValidationError({"roles": N_("Choose roles from the list.")})
        chosen.add(int(raw))
    if sharing == "roles" and not chosen:
        raise ValidationError({"roles": N_("Choose at least one role.")})
    report.sharing = sharing
    session.execute(delete(ReportRole).where(ReportRole.report_id == report.id))
    if sharing == "roles":
        session.add_all(ReportRole(report_id=report.id, role_id=r) for r in sorted(chosen))


def shared_roles(session: Session, report: Report) -> list[int]:
    return list(session.scalars(select(ReportRole.role_id).where(ReportRole.report_id == report.id)))


def _own(actor: Actor, report: Report) -> None:
    if report.owner_id != actor.user_id:
        raise Forbidden("dashboard.report.create")
    actor.require("dashboard.report.create")
