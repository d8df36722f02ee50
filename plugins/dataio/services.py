"""Import batches: upload, mapping, dry run, the commit job and undo.

Every function checks ``<model>.import`` itself; routes and the job call
them, and hold no rules of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, BadRequest, Conflict, JobContext, NotFound, enqueue, get_for, scope, utcnow
from plugins.dataio import importer
from plugins.dataio.importer import Checker, Plan, Target
from plugins.dataio.models import MODES, Batch, SavedMapping
from plugins.dataio.reading import Table, Unreadable, read_table

#: files with at most this many rows are checked in the request, larger ones by a job
INLINE_ROWS = 20_000
#: the largest file accepted
MAX_BYTES = 50 * 1024 * 1024
#: progress of running jobs in this process: batch id -> rows done (the job's
#: own transaction is invisible until it commits, so progress cannot go there)
PROGRESS: dict[int, int] = {}


def upload(db: Session, actor: Actor, target: Target, filename: str, data: bytes, mode: str,
           match_key: str) -> Batch:
    actor.require(f"{target.key}.import")
    if mode not in MODES:
        raise BadRequest("unknown mode")
    if mode != "insert" and match_key not in (*target.decl.match_keys, "id"):
        raise Conflict(N_("Choose a match key for an update."))
    try:
        table = read_table(filename, data)
    except Unreadable as exc:
        raise Conflict(str(exc)) from None
    batch = Batch(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                  model=target.key, filename=filename[:255], file_format=table.file_format,
                  encoding=table.encoding, mode=mode, match_key=match_key if mode != "insert" else "",
                  state="uploaded", total_rows=len(table.rows), headers=table.headers, source=data,
                  mapping={}, report={})
    db.add(batch)
    db.flush()
    return batch


def batch_for(db: Session, actor: Actor, batch_id: int) -> Batch:
    """A batch its uploader sees, or one in the scope of ``dataio.batch.read``."""
    batch = db.get(Batch, batch_id)
    if batch is None:
        raise NotFound()
    if batch.owner_id != actor.user_id:
        batch = get_for(db, actor, Batch, batch_id, "read")
    return batch


def table_of(batch: Batch) -> Table:
    return read_table(batch.filename, batch.source)


def labels_in(catalogs: Any) -> Callable[[str], list[str]]:
    """A message id -> its text in every locale (for matching headers and choices)."""
    translators = [catalogs.translator(loc) for loc in ("zh_CN", "en")]

    def labels(message: str) -> list[str]:
        return list(dict.fromkeys([message, *(t.gettext(message) for t in translators)]))

    return labels


def initial_mapping(db: Session, actor: Actor, target: Target, batch: Batch,
                    labels: Callable[[str], list[str]]) -> dict[str, str]:
    """The batch's mapping, else the user's saved one (where its headers are
    in this file), else one matched by the fields' names and labels."""
    if batch.mapping:
        return dict(batch.mapping)
    fields = importer.fields_for(target, actor)
    auto = importer.auto_map(batch.headers, fields, lambda f: labels(f.label))
    saved = db.scalar(select(SavedMapping).where(SavedMapping.user_id == actor.user_id,
                                                 SavedMapping.model == target.key))
    if saved is not None:
        auto |= {k: v for k, v in saved.mapping.items() if v in batch.headers}
    return auto


def save_mapping(db: Session, actor: Actor, target: Target, batch: Batch, mapping: dict[str, str]) -> None:
    allowed = {f.name for f in importer.fields_for(target, actor)}
    mapping = {k: v for k, v in mapping.items() if k in allowed and v in batch.headers}
    batch.mapping = mapping
    saved = db.scalar(select(SavedMapping).where(SavedMapping.user_id == actor.user_id,
                                                 SavedMapping.model == target.key))
    if saved is None:
        db.add(SavedMapping(user_id=actor.user_id, model=target.key, mapping=mapping))
    else:
        saved.mapping = mapping


def checker_for(db: Session, actor: Actor, target: Target, kernel: Any) -> Checker:
    fields = importer.fields_for(target, actor)
    labels = labels_in(kernel.catalogs)
    t = kernel.catalogs.translator(actor.locale or "zh_CN")
    light = SimpleNamespace(db=db, user=actor, actor=actor, kernel=kernel, t=t, _=t.gettext)
    choices = {}
    for f in fields:
        if f.kind == "select" and f.choices is not None:
            choices[f.name] = list(f.choices(cast(Any, light)) if callable(f.choices) else f.choices)
    return Checker(db, target.model, fields, choices, labels)


def dry_run(db: Session, actor: Actor, target: Target, batch: Batch, kernel: Any,
            progress: Callable[[int], None] | None = None) -> Plan:
    """Check every row and store the report on the batch; writes no record."""
    actor.require(f"{target.key}.import")
    plan = importer.check(db, actor, target, table_of(batch), batch.mapping, batch.mode, batch.match_key,
                          checker_for(db, actor, target, kernel), progress)
    batch.report = plan.report()
    batch.state = "checked" if plan.ok else "invalid"
    return plan


def queue_commit(db: Session, actor: Actor, target: Target, batch: Batch) -> None:
    """Queue the commit job; it checks the rows again and writes all or nothing."""
    actor.require(f"{target.key}.import")
    if batch.state != "checked":
        raise Conflict(N_("Run the check without errors before importing."))
    batch.state = "queued"
    job = enqueue(db, "dataio.commit", {"batch_id": batch.id}, key=f"dataio-batch-{batch.id}",
                  org_id=batch.org_id)
    batch.job_id = job.id


def run_commit(db: Session, actor: Actor, target: Target, batch: Batch, kernel: Any) -> bool:
    """Check and write a batch in ``db``'s transaction; False (and nothing
    written) when a row is bad now."""
    progress = _progress(batch.id)
    plan = dry_run(db, actor, target, batch, kernel, progress)
    if not plan.ok:
        batch.state = "failed"
        return False
    importer.commit(db, actor, target, batch, plan, lambda n: progress(batch.total_rows + n))
    return True


def commit_task(ctx: JobContext) -> None:
    """The job ``dataio.commit``: one transaction for the whole file."""
    from plugins.dataio.importer import targets

    db = ctx.session
    batch = db.get(Batch, int(ctx.payload["batch_id"]))
    if batch is None or batch.state != "queued":
        return
    actor = ctx.actor()  # who queued it, with the rights they hold now; audited as theirs
    if actor is None:
        batch.state, batch.error = "failed", "the importing user is no longer active"
        return
    target = targets(ctx.kernel.pm.hook, ctx.kernel.registry).get(batch.model)
    if target is None:
        batch.state, batch.error = "failed", "not importable"
        return
    try:
        ok = run_commit(db, actor, target, batch, ctx.kernel)
    finally:
        PROGRESS.pop(batch.id, None)
    ctx.log(f"batch {batch.id}: {'imported' if ok else 'refused'} {batch.inserted} new, "
            f"{batch.updated} updated")


def _progress(batch_id: int) -> Callable[[int], None]:
    def report(done: int) -> None:
        PROGRESS[batch_id] = done

    return report


def progress_of(batch: Batch) -> int:
    """Percent done: checking counts for the first half, writing the second."""
    if batch.state in ("done", "failed", "undone", "invalid", "checked"):
        return 100
    total = max(batch.total_rows * 2, 1)
    return min(99, PROGRESS.get(batch.id, 0) * 100 // total)


def undo_batch(db: Session, actor: Actor, target: Target, batch: Batch) -> int:
    actor.require(f"{target.key}.import")
    return importer.undo(db, actor, target, batch)


def visible_batches(db: Session, actor: Actor, limit: int = 50) -> list[Batch]:
    stmt = select(Batch).where((Batch.owner_id == actor.user_id) | scope(actor, Batch, "read"))
    return list(db.scalars(stmt.order_by(Batch.id.desc()).limit(limit)))


def finished(batch: Batch) -> None:
    batch.finished_at = utcnow()


def mapping_from_form(form: dict[str, Any], names: Iterable[str]) -> dict[str, str]:
    return {n: v for n in names if isinstance(v := form.get(f"map_{n}"), str) and v}
