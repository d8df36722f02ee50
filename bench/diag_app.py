"""An ASGI factory for ``bench/concurrency.py`` only: the normal app, plus

* ``BENCH_THREAD_LIMIT=N``: run the request handlers on at most N threads
  instead of Starlette's shared pool (40 threads), to see what thread
  contention costs (the handlers are synchronous and hold the GIL);
* a count of database connections opened and checked out, written every
  100 check-outs to ``$BENCH_COUNTS_DIR/counts-<pid>.json``.

It changes nothing in the project: it wraps ``core.app.create_app`` and
replaces ``core.web.run_in_threadpool`` in this process only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import event
from starlette.applications import Starlette

import core.web
from core.app import create_app


def create() -> Starlette:
    app = create_app()
    engine = app.state.kernel.db.engine
    counts = {"connect": 0, "checkout": 0, "pool": type(engine.pool).__name__}
    out_dir = os.environ.get("BENCH_COUNTS_DIR")

    @event.listens_for(engine, "connect")
    def _connect(*_a: Any) -> None:
        counts["connect"] += 1

    @event.listens_for(engine, "checkout")
    def _checkout(*_a: Any) -> None:
        counts["checkout"] += 1
        if out_dir and counts["checkout"] % 100 == 0:
            Path(out_dir, f"counts-{os.getpid()}.json").write_text(json.dumps(counts))

    limit = int(os.environ.get("BENCH_THREAD_LIMIT", "0"))
    if limit:
        holder: dict[str, anyio.CapacityLimiter] = {}

        async def run_limited(fn: Any, *args: Any, **kwargs: Any) -> Any:
            if "limiter" not in holder:  # created inside the event loop
                holder["limiter"] = anyio.CapacityLimiter(limit)
            return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs),
                                                  limiter=holder["limiter"])

        core.web.run_in_threadpool = run_limited  # type: ignore[assignment]
    return app
