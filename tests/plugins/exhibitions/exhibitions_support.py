"""Helpers of the exhibitions' tests (imported by name: no clash with the
other plugins' conftest modules)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from core.app import Kernel
from core.models import User
from core.permissions import Actor, load_actor


def actor_of(kernel: Kernel, db: Any, user: User | int) -> Actor:
    """The actor ``user`` is in a request (their roles, scopes and field rules)."""
    ident = user if isinstance(user, int) else user.id
    return load_actor(db, db.get(User, ident), all_codes=set(kernel.registry.permissions))


def race(attempt: Callable[[int], Any], runners: int) -> list[Any]:
    """Run ``attempt(i)`` in ``runners`` threads released at once; their
    results (an exception raised is its runner's result)."""
    start = threading.Barrier(runners)
    results: list[Any] = [None] * runners

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = attempt(i)
        except Exception as exc:  # noqa: BLE001 - the race's outcome, counted by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(runners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results

