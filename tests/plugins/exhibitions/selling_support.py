"""Helpers of the selling part's tests: an edition's price rules written
straight to the table, and a clock fixed in Beijing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core import clock
from core.app import Kernel
from core.clock import FakeClock
from plugins.exhibitions.models import PriceRule


def beijing(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
def now() -> Iterator[FakeClock]:
    """The clock at 2027-05-10 10:00 in Beijing (six months before the show)."""
    fake = FakeClock(beijing(date(2027, 5, 10)))
    with clock.use(fake):
        yield fake


def rules(kernel: Kernel, expo: dict[str, Any], *rows: dict[str, Any]) -> None:
    with kernel.db.session() as db:
        for n, row in enumerate(rows, start=1):
            values = {"sequence": n * 10, **row}
            for key in ("amount", "percent", "min_area"):
                if key in values:
                    values[key] = Decimal(str(values[key]))
            db.add(PriceRule(org_id=expo["hq"].id, edition_id=expo["edition"], **values))


#: the demo's rules: shell 1,200/m², raw 1,000/m², corner +10 %, island +20 %,
#: early bird -10 % until 2027-08-20, VIP -5 %, raw space from 36 m²
STANDARD = (
    {"kind": "base", "construction": "shell", "amount": 1200},
    {"kind": "base", "construction": "raw", "amount": 1000},
    {"kind": "surcharge", "booth_type": "corner", "percent": 10},
    {"kind": "surcharge", "booth_type": "island", "percent": 20},
    {"kind": "early_bird", "until": date(2027, 8, 20), "percent": 10},
    {"kind": "member", "customer_level": "vip", "percent": 5},
    {"kind": "minimum", "construction": "raw", "min_area": 36},
)
