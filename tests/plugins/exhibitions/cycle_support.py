"""Helpers of the cycle's tests (surveys, rebooking, insights): the
edition before the fixture's 25th, and booths sold in it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from core.app import Kernel
from plugins.exhibitions.models import Edition


def edition(kernel: Kernel, expo: dict[str, Any], number: int, *, year: int, state: str = "closed") -> int:
    """Another edition of the fixture's series (``number``, held in November of ``year``); its id."""
    with kernel.db.session() as db:
        made = Edition(org_id=expo["hq"].id, owner_id=expo["manager"].id, series_id=expo["series"], number=number,
                       name=f"第{number}届中国国际农业博览会", name_en=f"Expo {number}", venue_id=expo["venue"],
                       move_in_on=date(year, 11, 17), opens_on=date(year, 11, 20), closes_on=date(year, 11, 23),
                       move_out_on=date(year, 11, 24), target_area=Decimal("8000"), state=state)
        db.add(made)
        db.flush()
        return int(made.id)
