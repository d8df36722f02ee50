"""Batch prints: many records of one document type in one PDF, made by a
job (the kernel's outbox) while the page shows its progress.

The records are chosen when the batch is asked for (the list as filtered,
or ids) and read again by the job with the rights the user holds *then*:
a record they may no longer read is skipped, never printed. Each document
keeps its own page numbers. A batch is its user's alone and is deleted
after ``KEEP_DAYS`` days (the job ``printing.purge_batches``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core import N_, Actor, JobContext, NotFound, PrintDecl, ValidationError, enqueue, scope, utcnow
from plugins.printing import prints
from plugins.printing.engine import printer_for
from plugins.printing.models import Batch
from plugins.printing.sandbox import TemplateProblem

TASK = "printing.batch"
PURGE_JOB = "printing.purge_batches"
#: the most records one batch prints
MAX_RECORDS = 500
KEEP_DAYS = 7
#: seconds between two progress reports of a running batch
PROGRESS_SECONDS = 0.5
RUNNING = ("queued", "running")


def create(session: Session, actor: Actor, decl: PrintDecl, ids: Iterable[int], lang: str) -> Batch:
    """Queue a batch of the records among ``ids`` the actor may read, in that order."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise ValidationError({"ids": N_("Choose at least one record to print.")})
    if len(wanted) > MAX_RECORDS:
        raise ValidationError({"ids": N_("A batch prints at most 500 records: narrow the list down.")})
    model = decl.model
    id_col = model.__table__.columns["id"]
    readable = set(session.scalars(select(id_col).where(id_col.in_(wanted), scope(actor, model, "read"))))
    chosen = [i for i in wanted if i in readable]
    if not chosen:
        raise ValidationError({"ids": N_("Choose at least one record to print.")})
    batch = Batch(owner_id=actor.user_id, org_id=actor.org_id, doc_key=decl.key, lang=lang,
                  record_ids=chosen, total=len(chosen))
    session.add(batch)
    session.flush()
    batch.job_id = enqueue(session, TASK, {"batch_id": batch.id}, key=f"printing-batch-{batch.id}",
                           org_id=actor.org_id).id
    return batch


def get_own(session: Session, actor: Actor, batch_id: Any) -> Batch:
    """A batch of the actor's own, else NotFound."""
    try:
        batch = session.get(Batch, int(batch_id))
    except (TypeError, ValueError):
        batch = None
    if batch is None or batch.owner_id != actor.user_id:
        raise NotFound()
    return batch


def mine(session: Session, actor: Actor, limit: int = 20) -> list[Batch]:
    return list(session.scalars(select(Batch).where(Batch.owner_id == actor.user_id)
                                .order_by(Batch.id.desc()).limit(limit)))


def percent(batch: Batch) -> int:
    if batch.state not in RUNNING:
        return 100
    return min(99, (batch.done + batch.skipped) * 100 // max(batch.total, 1))


# ------------------------------------------------------------------ the job


def run(ctx: JobContext) -> None:
    """The job ``printing.batch``: lay out every record, then one PDF.

    Rendering happens before the job's own transaction is opened (on SQLite
    it holds the one writer): reads go through a read-only session, progress
    is committed in short transactions beside it, the PDF with the job."""
    batch_id = int(ctx.payload["batch_id"])
    outcome: dict[str, Any]
    with ctx.kernel.db.session(write=False) as db:
        batch = db.get(Batch, batch_id)
        if batch is None or batch.state not in RUNNING:
            return
        _report(ctx, batch_id, state="running")
        outcome = _print_all(ctx, db, batch)
    batch = ctx.session.get(Batch, batch_id)
    if batch is None:
        return
    for name, value in outcome.items():
        setattr(batch, name, value)
    batch.finished_at = utcnow()
    ctx.log(f"batch {batch_id}: {batch.state}, {batch.done} printed, {batch.skipped} skipped, "
            f"{batch.pages} pages")


def _print_all(ctx: JobContext, db: Session, batch: Batch) -> dict[str, Any]:
    """The batch's outcome: the PDF and its counts, or why it failed."""
    actor = ctx.actor(db)
    decl = ctx.kernel.registry.prints.get(batch.doc_key)
    if actor is None:
        return {"state": "failed", "error": "the user who asked is no longer active"}
    if decl is None:
        return {"state": "failed", "error": f"the document type {batch.doc_key} is not installed"}
    printer = printer_for(ctx.kernel)
    laid_out: list[Any] = []
    images: dict[str, Any] = {}  # the letterhead's logo, decoded once for the batch
    skipped, reported = 0, time.monotonic()
    for record_id in batch.record_ids:
        try:
            prepared = prints.prepare(db, actor, printer, decl, record_id, batch.lang)
        except NotFound:
            skipped += 1
            continue
        except TemplateProblem as problem:
            return {"state": "failed", "error": str(problem), "done": len(laid_out), "skipped": skipped}
        try:
            laid_out.append(printer.render_html(prepared.html, images)[0])
        except Exception as exc:  # noqa: BLE001 - the batch says why; a retry would fail the same way
            return {"state": "failed", "error": f"record {record_id}: {type(exc).__name__}: {exc}",
                    "done": len(laid_out), "skipped": skipped}
        if time.monotonic() - reported > PROGRESS_SECONDS:
            _report(ctx, batch.id, done=len(laid_out), skipped=skipped)
            reported = time.monotonic()
    if not laid_out:
        return {"state": "failed", "error": "none of the records can be read any more", "skipped": skipped}
    return {"state": "done", "pdf": printer.pdf_of_many(laid_out), "done": len(laid_out), "skipped": skipped,
            "pages": sum(len(d.pages) for d in laid_out), "error": ""}


def _report(ctx: JobContext, batch_id: int, **values: Any) -> None:
    """Progress, committed at once so the page polling it sees it."""
    with ctx.kernel.db.session() as db:
        db.execute(update(Batch).where(Batch.id == batch_id).values(**values))


def purge(ctx: JobContext) -> None:
    """The daily job ``printing.purge_batches``: batches older than ``KEEP_DAYS`` go."""
    cutoff = utcnow() - timedelta(days=KEEP_DAYS)
    gone = getattr(ctx.session.execute(delete(Batch).where(Batch.created_at < cutoff)), "rowcount", 0)
    ctx.log(f"deleted {gone} batch prints older than {KEEP_DAYS} days")
