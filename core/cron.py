"""Five-field cron schedules (minute hour day-of-month month day-of-week),
evaluated in China's time zone.

Each field is ``*``, a number, a range ``a-b``, a step ``*/n`` or ``a-b/n``
(``a/n`` runs from ``a`` to the field's end), or a comma-separated list of
those. Months and weekdays may be written as English three-letter names
(``jan``, ``mon``); Sunday is ``0`` or ``7``. As in Vixie cron, when both the
day of the month and the day of the week are restricted, a day matching
either one fires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.i18n import DEFAULT_TZ

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
#: (name, lowest, highest, names) of the five fields
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {n: i + 1 for i, n in enumerate(_MONTHS)}),
    ("day of week", 0, 7, {n: i for i, n in enumerate(_DAYS)}),
)
#: how far ahead to look for the next run: eight years covers 29 February
_HORIZON_DAYS = 8 * 366


class CronError(ValueError):
    """A schedule that is not a valid five-field cron expression."""


@dataclass(frozen=True)
class Cron:
    """A parsed schedule; :meth:`next_after` gives its next run."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # the day of month is "*"
    any_weekday: bool  # the day of week is "*"

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_day = day.day in self.days
        by_weekday = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return by_day and by_weekday
        return by_day or by_weekday

    def next_after(self, moment: datetime, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
        """The first run strictly after ``moment``, as an aware UTC datetime."""
        local = moment.astimezone(tz).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day, earliest = local.date(), local.time()
        for _ in range(_HORIZON_DAYS):
            if self.matches_day(day):
                at = self._first_time(earliest)
                if at is not None:
                    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
            day, earliest = day + timedelta(days=1), time(0, 0)
        raise CronError(f"schedule {self.expression!r} never runs")

    def _first_time(self, earliest: time) -> time | None:
        for hour in sorted(h for h in self.hours if h >= earliest.hour):
            low = earliest.minute if hour == earliest.hour else 0
            minute = min((m for m in self.minutes if m >= low), default=None)
            if minute is not None:
                return time(hour, minute)
        return None


def parse(expression: str) -> Cron:
    """Parse a five-field schedule; :class:`CronError` says what is wrong."""
    parts = expression.split()
    if len(parts) != 5:
        raise CronError("schedule needs 5 cron fields")
    values = [_field(part, *spec) for part, spec in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in values[4])
    cron = Cron(expression, values[0], values[1], values[2], values[3], weekdays,
                any_day=parts[2] == "*", any_weekday=parts[4] == "*")
    cron.next_after(datetime(2000, 1, 1, tzinfo=UTC))  # "0 0 31 2 *" never runs
    return cron


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    out: set[int] = set()
    for item in text.lower().split(","):
        span, _, step_text = item.partition("/")
        step = _number(step_text, name, names={}) if step_text else 1
        if step < 1:
            raise CronError(f"{name}: step {step_text!r} must be at least 1")
        if span == "*":
            start, end = low, high
        elif "-" in span:
            first, _, last = span.partition("-")
            start, end = _number(first, name, names), _number(last, name, names)
        else:
            start = _number(span, name, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high):
            raise CronError(f"{name}: {item!r} is outside {low}-{high}")
        if start > end:
            raise CronError(f"{name}: range {item!r} runs backwards")
        out.update(range(start, end + 1, step))
    return frozenset(out)


def _number(text: str, name: str, names: dict[str, int]) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise CronError(f"{name}: {text!r} is not a number")
    return int(text)
