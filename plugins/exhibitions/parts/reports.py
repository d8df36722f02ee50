"""What the reports part registers (gathered by plugins.exhibitions.hooks):
the dashboard's dataset on booths. The edition's reports page is in
``routes/reports.py``, its figures in ``services/reports.py``."""

from __future__ import annotations

from typing import Any

from core import N_, DatasetDecl
from plugins.exhibitions.models import Booth

#: booths grouped by where they are, what they are and who has them (the
#: dashboard's report builder, drill-down and Excel export)
DATASETS = [
    DatasetDecl("exhibitions.booths", N_("Booths"), Booth,
                ("edition_id", "plan_id", "zone_id", "booth_type", "construction", "status", "pavilion",
                 "customer_id", "open_sides", "created_at"),
                {"booths": "count", "area": "sum:area", "revenue": "sum:price", "average_price": "avg:price",
                 "exhibitors": "count_readable:customer_id"},
                filters=("edition_id", "plan_id", "zone_id", "booth_type", "construction", "status", "pavilion",
                         "customer_id"),
                labels={"booths": N_("Booths"), "area": N_("m²"), "revenue": N_("Price (sum)"),
                        "average_price": N_("Average price"), "exhibitors": N_("Exhibitors"),
                        "plan_id": N_("Hall (floor plan)"), "created_at": N_("Drawn on")}),
]

__all__: list[Any] = ["DATASETS"]
