"""Helpers of the services part's tests: the catalogue's price dates (the
``catalogue`` fixture is in conftest.py) and a clock fixed on a day in Beijing."""

from __future__ import annotations

from datetime import date
from typing import Any

from selling_support import beijing

from core import clock
from core.clock import FakeClock

ADVANCE_UNTIL, STANDARD_UNTIL = date(2027, 9, 20), date(2027, 11, 16)


def on(day: date) -> Any:
    return clock.use(FakeClock(beijing(day)))


