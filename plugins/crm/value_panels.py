"""The customer page's panels of the "value" area: the value score with its
reasons, the segments the customer is in, and its SFA sequence runs with a
form to start one. Each lists only what the reader may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Panel, scope
from plugins.crm.models import Customer, Enrollment
from plugins.crm.models import Sequence as SfaSequence
from plugins.crm.services import segments, value
from plugins.crm.services.sfa import display_state, today


def value_area_panels(session: Session, record: Customer, actor: Actor) -> list[Panel]:
    panels: list[Panel] = []
    if actor.can("crm.customer_value.read"):
        panels.append(Panel("crm-value", N_("Customer value"), "crm/_value_panel.html",
                            {"value": value.latest(session, actor, record.id), "explain": value.explain},
                            order=60))
    if actor.can("crm.segment.read"):
        panels.append(Panel("crm-segments", N_("Segments"), "crm/_segment_panel.html",
                            {"memberships": segments.customer_segments(session, actor, record.id)}, order=70))
    if actor.can("crm.enrollment.read"):
        panels.append(Panel("crm-sequences", N_("SFA sequences"), "crm/_sequence_panel.html",
                            _sequence_context(session, record, actor), order=80))
    return panels


def _sequence_context(session: Session, record: Customer, actor: Actor) -> dict[str, Any]:
    runs = list(session.execute(
        select(Enrollment, SfaSequence.name).join(SfaSequence, SfaSequence.id == Enrollment.sequence_id)
        .where(Enrollment.customer_id == record.id, scope(actor, Enrollment, "read"))
        .order_by(Enrollment.state != "active", Enrollment.next_due_on, Enrollment.id.desc())
        .limit(10)))
    may_start = actor.can("crm.enrollment.create") and actor.can("crm.sequence.read") and bool(
        session.scalar(select(Customer.id).where(Customer.id == record.id, scope(actor, Customer, "update"))))
    choices = list(session.execute(
        select(SfaSequence.id, SfaSequence.name).where(scope(actor, SfaSequence, "read"),
                                                       SfaSequence.active.is_(True))
        .order_by(SfaSequence.name))) if may_start else []
    return {"runs": runs, "choices": choices, "today": today(), "display_state": display_state}
