"""What the floor-plan part registers (gathered by plugins.exhibitions.hooks):
MENU, JOBS, SEQUENCES, SEARCH, PRINTS, DATASETS, WIDGETS, ``load_demo`` and
``customer_panels``, each optional."""

from __future__ import annotations

from typing import Any

from core import N_, JobDecl, MenuItem, PrintDecl
from plugins.exhibitions.models import FloorPlan
from plugins.exhibitions.services import booths
from plugins.exhibitions.services.plan_demo import load_demo
from plugins.exhibitions.services.plan_print import print_context

SECTION = N_("Exhibitions")

JOBS = [JobDecl("exhibitions.release_holds", booths.release_lapsed_holds, "*/15 * * * *")]

MENU = [
    MenuItem("exhibitions.plans", N_("Floor plans"), "exhibitions:floor_plan_list",
             "exhibitions.floor_plan.read", icon="map", section=SECTION, order=420),
    MenuItem("exhibitions.booths", N_("Booths"), "exhibitions:booth_list", "exhibitions.booth.read",
             icon="layout-grid", section=SECTION, order=421),
]

PRINTS = [
    PrintDecl("exhibitions.floor_plan", N_("Floor plan"), FloorPlan, "exhibitions/print/plans_floor_plan.html",
              context=print_context),
]

__all__: list[Any] = ["JOBS", "MENU", "PRINTS", "load_demo"]
