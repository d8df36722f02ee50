"""The floor plan printed (A3 landscape): the booths as the SVG draws them,
the legend, the title, edition and hall, as plain values for the print
sandbox. Exhibitors' names only as the reader may read them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core import Actor, shown_value
from plugins.exhibitions.models import Edition, FloorPlan, Space
from plugins.exhibitions.models.choices import BOOTH_STATES
from plugins.exhibitions.services.plan_view import plan_view

#: a status's colour on paper (as on the screen)
FILLS = {"available": "#86efac", "held": "#fcd34d", "reserved": "#93c5fd", "sold": "#fca5a5",
         "blocked": "#64748b"}


class _Plain:
    """The translator the plan view wants, without a request: labels stay message ids
    (the print template translates them)."""

    def gettext(self, message: str, /, **params: object) -> str:
        return message

    def money(self, value: Any, currency: str = "CNY") -> str:
        return f"¥{value:,.2f}"


def print_context(session: Session, actor: Actor, plan: FloorPlan) -> dict[str, Any]:
    view = plan_view(session, actor, plan, _Plain())
    edition = session.get(Edition, plan.edition_id)
    hall = session.get(Space, plan.space_id)
    booths = [{"number": b["number"], "x": float(b["x"]), "y": float(b["y"]), "w": float(b["width"]),
               "d": float(b["depth"]), "status": b["status"], "fill": FILLS[b["status"]],
               "exhibitor": b["exhibitor"],
               "size": round(max(0.6, min(float(b["width"]) / (len(b["number"]) * 0.62 + 0.4),
                                          float(b["depth"]) / 2.6, 2.4)), 2)}
              for b in view.booths]
    legend = [{"status": s, "label": label, "count": view.legend[s].count, "area": float(view.legend[s].area)}
              for s, label in BOOTH_STATES.items()]
    return {"edition_name": shown_value(actor, Edition, "name", edition.name if edition else "") or "",
            "hall_name": shown_value(actor, Space, "name", hall.name if hall else "") or "",
            "booths": booths, "legend": legend, "total_count": view.total.count,
            "total_area": float(view.total.area), "view_w": float(plan.width) + 2,
            "view_d": float(plan.depth) + 2}
