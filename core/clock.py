"""Injectable time. The kernel asks :func:`now` whenever it needs the time
(timestamps, sessions, throttling, jobs, sequences), so tests move a
:class:`FakeClock` instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - the default source


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _source()


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta | None = None, **kw: float) -> datetime:
        self.current += delta if delta is not None else timedelta(**kw)
        return self.current


@contextmanager
def use(source: Callable[[], datetime]) -> Iterator[Callable[[], datetime]]:
    """Make ``source`` the kernel's clock inside the block (tests)."""
    global _source
    previous, _source = _source, source
    try:
        yield source
    finally:
        _source = previous
