"""What the sales process (pipelines, opportunities, kanban, funnel,
competitors) registers through ``hooks.py``: its menu entries, the
customer page's opportunities panel, list buttons, the workbench widget
and the report dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, DatasetDecl, MenuItem, Panel, WidgetDecl
from plugins.crm.models import Opportunity, Stage
from plugins.crm.services.board import cards, my_pipeline
from plugins.crm.services.opportunities import customer_opportunities

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Ctx

MENU = [
    MenuItem("crm.opportunities", N_("Opportunities"), "crm:opportunity_list", "crm.opportunity.read",
             icon="target-arrow", order=20),
    MenuItem("crm.board", N_("Opportunity kanban"), "crm:opportunity_board", "crm.opportunity.read",
             icon="layout-kanban", order=21),
    MenuItem("crm.funnel", N_("Sales funnel"), "crm:opportunity_funnel", "crm.opportunity.read",
             icon="filter", order=22),
    MenuItem("crm.competitors", N_("Competitors"), "crm:competitor_list", "crm.competitor.read",
             icon="swords", order=23),
    MenuItem("crm.pipelines", N_("Sales pipelines"), "crm:pipeline_list", "crm.pipeline.update",
             icon="adjustments-horizontal", order=90),
]


def customer_panels(session: Session, customer: Any, actor: Actor) -> list[Panel]:
    """The customer page's opportunities: its deals the reader may read, and
    a "new opportunity" link for this customer."""
    if not actor.can("crm.opportunity.read"):
        return []
    deals = customer_opportunities(session, actor, customer.id)
    names = stage_names(session, {d.stage_id for d in deals})
    return [Panel("crm-opportunities", N_("Opportunities"), "crm/_customer_opportunities.html",
                  {"cards": cards(session, actor, deals), "stages": names, "customer_id": customer.id,
                   "can_create": actor.can("crm.opportunity.create")}, order=150)]


def stage_names(session: Session, stage_ids: set[int]) -> dict[int, tuple[str, str]]:
    if not stage_ids:
        return {}
    return {s.id: (s.name, s.name_en) for s in session.scalars(select(Stage).where(Stage.id.in_(stage_ids)))}


def list_actions(model_key: str, actor: Actor) -> list[Panel]:
    if model_key != "crm.opportunity":
        return []
    return [Panel("crm-opportunity-views", N_("Opportunity kanban"), "crm/_opportunity_views.html", order=50)]


def widget_my_pipeline(ctx: Ctx) -> dict[str, Any]:
    return {"rows": my_pipeline(ctx.db, ctx.user)}


WIDGETS = [
    WidgetDecl("crm.my_pipeline", N_("My pipeline"), "crm/_widget_my_pipeline.html", widget_my_pipeline,
               permission="crm.opportunity.read", size="md", icon="layout-kanban"),
]

DATASETS = [
    DatasetDecl("crm.opportunities", N_("Opportunities"), Opportunity,
                ("stage_id", "pipeline_id", "state", "owner_id", "department_id", "expected_close_on",
                 "closed_at", "created_at", "lost_reason", "lost_to_id", "currency", "source", "customer_id"),
                {"count": "count", "amount": "sum:amount", "average_amount": "avg:amount"},
                filters=("pipeline_id", "stage_id", "state", "owner_id", "department_id", "expected_close_on",
                         "closed_at", "created_at", "currency", "lost_reason"),
                labels={"count": N_("Opportunities"), "amount": N_("Amount"),
                        "average_amount": N_("Average amount"), "created_at": N_("Created on")}),
]
