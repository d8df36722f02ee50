"""Competitors: the kit's pages, their win/loss on the detail page, and
the win/loss table of all competitors."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from core import N_, Column, Crud, Ctx, Filter, Form, FormField, ListView
from plugins.crm.models import Competitor
from plugins.crm.models.choices import LOST_REASONS, OPPORTUNITY_STATES, THREAT_LEVELS
from plugins.crm.routes.common import routes
from plugins.crm.routes.opportunities import customer_names, names_of_stages
from plugins.crm.services import competitors as services
from plugins.crm.services.funnel import competitor_deals, win_loss


def _detail_context(ctx: Ctx, record: Competitor) -> dict[str, Any]:
    deals = competitor_deals(ctx.db, ctx.user, record.id)
    refs: dict[str, dict[int, str]] = {"customer_id": customer_names(ctx, {d.customer_id for d in deals})}
    names_of_stages(ctx, refs, deals)
    found = win_loss(ctx.db, ctx.user, record.org_id, record.id)
    return {"stats": found[0] if found else None, "deals": deals, "deal_refs": refs,
            "states": OPPORTUNITY_STATES, "lost_reasons": LOST_REASONS}


competitors = Crud(
    model=Competitor, noun="competitor", path="/competitors", title=N_("Competitors"), title_attr="name",
    list_view=ListView(Competitor, [
        Column("name", N_("Name"), link=True),
        Column("threat_level", N_("Threat level"), kind="choice", choices=THREAT_LEVELS),
        Column("website", N_("Website")),
        Column("strengths", N_("Strengths"), sortable=False),
    ], search=("name", "profile"), filters=[
        Filter("threat_level", N_("Threat level"), list(THREAT_LEVELS.items())),
    ], default_sort="name", default_desc=False),
    form=Form([
        FormField("name", N_("Name"), required=True),
        FormField("website", N_("Website")),
        FormField("threat_level", N_("Threat level"), "select", required=True,
                  choices=list(THREAT_LEVELS.items())),
        FormField("profile", N_("Profile"), "textarea", max_length=5000),
        FormField("strengths", N_("Strengths"), "textarea", max_length=5000),
        FormField("weaknesses", N_("Weaknesses"), "textarea", max_length=5000),
        FormField("prices", N_("Prices"), "textarea", max_length=5000),
    ]),
    create=services.create_competitor, update=services.update_competitor,
    detail_fields=[
        Column("threat_level", N_("Threat level"), kind="choice", choices=THREAT_LEVELS),
        Column("website", N_("Website")), Column("profile", N_("Profile")),
        Column("strengths", N_("Strengths")), Column("weaknesses", N_("Weaknesses")),
        Column("prices", N_("Prices")),
    ],
    detail_template="crm/competitor_detail.html", detail_context=_detail_context,
)


@routes.get("/competitors/winloss", name="competitor_winloss", permission="crm.competitor.read")
def competitor_winloss(ctx: Ctx) -> Response:
    return ctx.render("crm/competitor_winloss.html", rows=win_loss(ctx.db, ctx.user, ctx.user.org_id),
                      threat_levels=THREAT_LEVELS)


competitors.register(routes)
