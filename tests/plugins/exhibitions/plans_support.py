"""Helpers of the floor-plan tests (imported by name)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exhibitions_support import actor_of
from sqlalchemy import select

from plugins.exhibitions.models import Booth
from plugins.exhibitions.services import plans
from plugins.exhibitions.services.plans import GridSpec


def grid(kernel: Any, user: Any, plan_id: int, **values: Any) -> dict[str, int]:
    """Generate booths (default A101–A110, 5 a row, 3 × 3 m); number -> id."""
    base: dict[str, Any] = {"prefix": "A", "first": 101, "last": 110, "columns": 5, "width": Decimal(3),
                            "depth": Decimal(3), "aisle": Decimal(3), "x": Decimal(2), "y": Decimal(2)}
    with kernel.db.session() as db:
        plans.generate(db, actor_of(kernel, db, user), plan_id, GridSpec(**{**base, **values}))
    with kernel.db.session(write=False) as db:
        return {b.number: b.id for b in db.scalars(select(Booth).where(Booth.plan_id == plan_id))}


def booth_row(kernel: Any, booth_id: int) -> Booth:
    with kernel.db.session(write=False) as db:
        found = db.get(Booth, booth_id)
        assert found is not None
        db.expunge(found)
        return found
