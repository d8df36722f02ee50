"""What targets and commissions put in the menu and on the workbench: the
"Target vs actual" widget (my months of this year, and my team's for a
manager), as a chart and a short table."""

from __future__ import annotations

from typing import Any

from core import N_, Ctx, MenuItem, WidgetDecl, utcnow
from plugins.catalog.services.money import base_currency
from plugins.sales.services.targets import my_progress

MENU = [
    MenuItem("sales.targets", N_("Sales targets"), "sales:target_grid", "sales.target.read", icon="target",
             section=N_("Sales"), order=307),
    MenuItem("sales.commissions", N_("Commission statements"), "sales:commission_list",
             "sales.commission_statement.read", icon="coin", section=N_("Sales"), order=308),
    MenuItem("sales.commission_rules", N_("Commission rules"), "sales:commission_rule_list",
             "sales.commission_rule.read",
             icon="percentage", section=N_("Administration"), order=930),
    MenuItem("sales.settings", N_("Sales settings"), "sales:settings_edit", "sales.settings.update",
             icon="adjustments", section=N_("Administration"), order=931),
]


def widget_targets(ctx: Ctx) -> dict[str, Any]:
    from plugins.sales.routes.targets import chart_of

    year = utcnow().year
    rows = my_progress(ctx.db, ctx.user, year)
    return {"year": year, "month": utcnow().month, "currency": base_currency(ctx.db),
            "rows": [(row, chart_of(ctx, row.name, row.cells)) for row in rows]}


WIDGETS = [
    WidgetDecl("sales.target_actual", N_("Target vs actual"), "sales/_target_widget.html", widget_targets,
               permission="sales.target.read", size="md", icon="target"),
]
