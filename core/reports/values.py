"""Values from a request (or Python) as a column's type, the filters a
report applies, and the days a date grain's key spans."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Date, DateTime, Integer, Numeric, String, and_, or_

from core.i18n import DEFAULT_TZ

_GRAIN_KEY = {"day": re.compile(r"(\d{4})-(\d{2})-(\d{2})"), "month": re.compile(r"(\d{4})-(\d{2})"),
              "quarter": re.compile(r"(\d{4})-Q([1-4])"), "year": re.compile(r"(\d{4})")}


def stored_type(column: Any) -> Any:
    """The type a column stores (a ``TypeDecorator``'s implementation)."""
    return getattr(column.type, "impl_instance", column.type)


def is_date(column: Any) -> bool:
    return isinstance(stored_type(column), Date | DateTime)


def convert(column: Any, raw: Any) -> Any:
    """``raw`` (a request's text, or a Python value) as the column's Python
    type; ValueError when it is none. A date-time column takes dates."""
    if raw is None:
        return None
    stored = stored_type(column)
    if isinstance(stored, Boolean):
        return as_bool(raw)
    if isinstance(stored, DateTime) and isinstance(raw, datetime):
        return raw
    if isinstance(stored, Date | DateTime):
        return as_date(raw)
    if isinstance(stored, Integer):
        if isinstance(raw, bool):
            raise ValueError(raw)
        return int(str(raw).strip())
    if isinstance(stored, Numeric):
        try:
            return Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValueError(raw) from None
    text = str(raw)
    length = stored.length if isinstance(stored, String) else None
    if length is not None and len(text) > length:
        raise ValueError(raw)
    return text


def as_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def as_date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.astimezone(DEFAULT_TZ).date()
    if isinstance(raw, date):
        return raw
    return date.fromisoformat(str(raw).strip())


def midnight(day: date) -> datetime:
    """The start of ``day`` in China, as an aware datetime (UTC columns take it)."""
    return datetime.combine(day, time(), DEFAULT_TZ).astimezone(UTC)


def filter_clause(column: Any, value: Any) -> ColumnElement[bool]:
    """One filter: a range ``(low, high)``, a list of values (any of them),
    or one value. A date-time column compares whole days in China's time."""
    if isinstance(value, tuple):
        if len(value) != 2 or value == (None, None):
            raise ValueError(value)
        low, high = (convert(column, v) for v in value)
        return and_(*range_clauses(column, low, high))
    values = list(value) if isinstance(value, list | set | frozenset) else [value]
    if not values:
        raise ValueError(value)
    converted = [convert(column, v) for v in values]
    if isinstance(stored_type(column), DateTime):
        return or_(*(and_(*range_clauses(column, v, v)) if v is not None else column.is_(None)
                     for v in converted))
    present = [v for v in converted if v is not None]
    clauses = [column.in_(present)] if present else []
    if len(present) < len(converted):
        clauses.append(column.is_(None))
    return or_(*clauses)


def range_clauses(column: Any, low: Any, high: Any) -> list[ColumnElement[bool]]:
    """``low <= column <= high``; dates on a date-time column from the start
    of ``low`` to the end of ``high`` in China's time."""
    day_times = isinstance(stored_type(column), DateTime)
    clauses = []
    if low is not None:
        clauses.append(column >= (midnight(low) if day_times and not isinstance(low, datetime) else low))
    if high is not None:
        if day_times and not isinstance(high, datetime):
            clauses.append(column < midnight(high + timedelta(days=1)))
        else:
            clauses.append(column <= high)
    return clauses


def grain_bounds(grain: str, key: str) -> tuple[date, date]:
    """The first day of a grain's key and the first day after it."""
    found = _GRAIN_KEY[grain].fullmatch(key.strip())
    if found is None:
        raise ValueError(key)
    year, *rest = (int(g) for g in found.groups())
    if grain == "day":
        first = date(year, rest[0], rest[1])
        return first, first + timedelta(days=1)
    if grain == "year":
        return date(year, 1, 1), date(year + 1, 1, 1)
    month = rest[0] if grain == "month" else (rest[0] - 1) * 3 + 1
    span = 1 if grain == "month" else 3
    first = date(year, month, 1)
    after = date(year + (month + span - 1) // 12, (month + span - 1) % 12 + 1, 1)
    return first, after
