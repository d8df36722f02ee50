"""The ``search.reindex`` task: rebuild the index of one model (payload
``{"model": key}``) or of every declared model (no payload), in batches."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from core import JobContext, enqueue
from plugins.search.index import reindex

TASK = "search.reindex"


def run(ctx: JobContext) -> None:
    model = (ctx.payload or {}).get("model")
    counts = reindex(ctx.session, ctx.kernel.registry, [model] if model else None)
    for key, count in counts.items():
        ctx.log(f"{key}: {count}")


def queue(session: Session, models: Sequence[str] = ()) -> int:
    """Queue a rebuild: one job per model named, or one for all; how many."""
    if not models:
        enqueue(session, TASK)
        return 1
    for key in models:
        enqueue(session, TASK, {"model": key})
    return len(models)
