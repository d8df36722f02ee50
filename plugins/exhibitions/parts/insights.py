"""What the insights part registers (gathered by plugins.exhibitions.hooks):
the demo's history over three editions (the 23rd made here), and the
customer 360 view's panel "Exhibitor insights": per series, the segment,
the chance to rebook the next edition with its reasons, and the editions
side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, Panel

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """The 23rd edition and the exhibitors' history in the 23rd and 24th (services/insights_demo.py)."""
    from plugins.exhibitions.services import insights_demo

    insights_demo.load_demo(session, made)


def customer_panels(session: Session, actor: Actor, customer: Any) -> list[Panel]:
    """For each series the customer exhibited in (that the reader may see):
    where they stand at its last closed edition (else its latest)."""
    from core import scope
    from plugins.exhibitions.models import Booth, Edition
    from plugins.exhibitions.models.choices import SEGMENTS
    from plugins.exhibitions.services import insights

    if not actor.can("exhibitions.insights.read"):
        return []
    series_ids = list(session.scalars(select(Edition.series_id).distinct().join(
        Booth, Booth.edition_id == Edition.id).where(Booth.customer_id == customer.id, scope(actor, Booth))))
    cards = []
    for series_id in series_ids:
        editions = list(session.scalars(select(Edition).where(
            Edition.series_id == series_id, Edition.deleted_at.is_(None), scope(actor, Edition))
            .order_by(Edition.number)))
        closed = [e for e in editions if e.state == "closed"] or editions
        if not closed:
            continue
        at = closed[-1]
        rows = insights.exhibitors(session, actor, at, customer_id=customer.id)
        if rows:
            cards.append({"edition": at, "row": rows[0], "numbers": [e.number for e in editions],
                          "next": next((e for e in editions if e.number == at.number + 1), None)})
    if not cards:
        return []
    return [Panel("exhibitions-insights", N_("Exhibitor insights"), "exhibitions/_customer_insights.html",
                  {"cards": cards, "segments": SEGMENTS, "labels": dict(insights.FEATURES)}, order=175)]
