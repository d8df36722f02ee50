"""The floor plans of the demo data: the three halls of both editions the
venues part made, about 600 booths in all, numbered by hall and row
(``1A101``: hall 1, row A), shell booths of 9 and 18 m² in blocks of two
rows back to back, raw space of 36 to 216 m² as islands, the pavilions
山东馆, 黑龙江馆, 国际馆 and 农机展区; most booths of the 24th edition sold,
the 25th on sale (some held, reserved and sold to the CRM's demo customers).
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import create_many, utcnow
from plugins.crm.models import Customer
from plugins.exhibitions.models import Booth, FloorPlan, Space, Zone
from plugins.exhibitions.services.geometry import area
from plugins.exhibitions.services.plans import recompute_sides

#: hall code -> (width, depth in metres, pavilion of row A, of row B, of the raw islands)
HALLS = {"1": (120, 90, "山东馆", "黑龙江馆", "农机展区"), "2": (90, 80, "国际馆", "国际馆", "农机展区"),
         "3": (80, 80, "", "山东馆", "农机展区")}
#: raw space islands: width × depth
ISLANDS = ((6, 6), (6, 9), (9, 12), (12, 12), (12, 18), (9, 9))
#: per edition: the share of booths (sold, reserved, held)
SPREAD = {24: (0.86, 0.0, 0.0), 25: (0.3, 0.1, 0.1)}


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Plans for the venues part's halls and editions, when it made them (else nothing)."""
    halls, editions = made.get("halls"), made.get("editions")
    if not halls or not editions or not made.get("org_id"):
        return
    org_id, owner = int(made["org_id"]), made.get("manager_id")
    customers = list(session.scalars(select(Customer.id).where(Customer.org_id == org_id).order_by(Customer.id)
                                     .limit(80)))
    rng = random.Random(25)
    plans: dict[tuple[int, str], int] = {}
    for number, edition_id in sorted(editions.items()):
        for code, hall_id in sorted(halls.items()):
            plan_id = _plan(session, org_id, owner, int(edition_id), int(hall_id), str(code))
            plans[(int(number), str(code))] = plan_id
            _sell(session, plan_id, int(number), customers, owner, rng)
    made["plans"] = plans


def _plan(session: Session, org_id: int, owner: int | None, edition_id: int, hall_id: int, code: str) -> int:
    width, depth, pav_a, pav_b, pav_raw = HALLS.get(code, HALLS["1"])
    hall_name = session.scalar(select(Space.name).where(Space.id == hall_id)) or code
    plan = FloorPlan(org_id=org_id, owner_id=owner, edition_id=edition_id, space_id=hall_id,
                     title=f"{hall_name}展位图", width=Decimal(width), depth=Decimal(depth), grid=Decimal(1))
    session.add(plan)
    session.flush()
    zones = {r.code: r.id for r in session.execute(select(Zone.code, Zone.id).where(Zone.space_id == hall_id))}
    rows: list[dict[str, Any]] = []

    def booth(number: str, x: float, y: float, w: float, d: float, kind: str, zone: str, pavilion: str) -> None:
        rows.append({"org_id": org_id, "owner_id": owner, "plan_id": plan.id, "edition_id": edition_id,
                     "number": number, "x": Decimal(str(x)), "y": Decimal(str(y)), "width": Decimal(w),
                     "depth": Decimal(d), "area": area(Decimal(w), Decimal(d)), "construction": kind,
                     "zone_id": zones.get(zone), "pavilion": pavilion, "status": "available",
                     "price": Decimal(w * d * (1200 if kind == "shell" else 1000))})

    # rows A, B, C: 14 shell booths of 3 × 3 m a row, two rows back to back, a 3 m aisle between blocks
    for block, (letter, pavilion) in enumerate((("A", pav_a), ("B", pav_b), ("C", ""))):
        for i in range(28):
            row, col = divmod(i, 14)
            booth(f"{code}{letter}{101 + i}", 5 + col * 3, 5 + block * 9 + row * 3, 3, 3, "shell", letter,
                  pavilion)
    # row D: 10 shell booths of 3 × 6 m (18 m²)
    for i in range(10):
        booth(f"{code}D{101 + i}", 5 + i * 3, 32, 3, 6, "shell", "C", "")
    # row E: raw space islands of 36 to 216 m², 4 m apart
    x = 3.0
    for i, (w, d) in enumerate(ISLANDS):
        booth(f"{code}E{101 + i}", x, 44, w, d, "raw", "C", pav_raw)
        x += w + 4
    # the drawn area: the booths and a margin of 5 m (the hall's outline is the background's)
    plan.width = max(r["x"] + r["width"] for r in rows) + 5
    plan.depth = max(r["y"] + r["depth"] for r in rows) + 5
    create_many(session, None, Booth, rows)
    recompute_sides(session, plan.id)
    return plan.id


def _sell(session: Session, plan_id: int, edition: int, customers: list[int], owner: int | None,
          rng: random.Random) -> None:
    if not customers:
        return
    sold, reserved, held = SPREAD.get(edition, SPREAD[25])
    now = utcnow()
    for b in session.scalars(select(Booth).where(Booth.plan_id == plan_id).order_by(Booth.id)):
        roll = rng.random()
        status = ("sold" if roll < sold else "reserved" if roll < sold + reserved
                  else "held" if roll < sold + reserved + held else None)
        if status is None:
            continue
        b.status, b.customer_id, b.owner_id = status, rng.choice(customers), owner
        b.held_until = now + timedelta(days=rng.randint(2, 7)) if status == "held" else None
    session.flush()
