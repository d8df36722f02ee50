"""Import batches: upload, mapping, dry run (in the request, or the check
job for large files), the commit job and undo.

Every function checks ``<model>.import`` itself; routes and the jobs call
them, and hold no rules of their own.

Progress lives in the batch row, so every process sees it. A job's own
transaction (``ctx.session``) holds SQLite's one writer until the job ends
and shows nothing before its commit, so:

* the check job reads in a read-only session and commits the rows checked
  so far in short write transactions of its own every
  ``importer.PROGRESS_EVERY`` rows; it opens the job's transaction only at
  the end, to store the report;
* the commit job writes everything in one transaction (all or nothing), so
  it first commits the state ``writing`` on its own, and the page shows
  "writing…" without a percentage until the job is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    BadRequest,
    Conflict,
    JobContext,
    NotFound,
    ValidationError,
    enqueue,
    get_for,
    scope,
    utcnow,
)
from plugins.dataio import importer
from plugins.dataio.importer import Checker, Plan, Target
from plugins.dataio.models import MODES, Batch, SavedMapping
from plugins.dataio.reading import Table, Unreadable, read_table

#: files with at most this many rows are checked in the request, larger ones by a job
INLINE_ROWS = 20_000
#: the largest file accepted
MAX_BYTES = 50 * 1024 * 1024
#: states in which a job works on the batch (the page polls its progress)
RUNNING = ("checking", "queued", "writing")
#: the batch's error when its job stopped before it finished (the server or worker died)
STOPPED = N_("The import stopped before it finished, and nothing of it was written. "
             "Check the file and import it again.")


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
    auto = importer.auto_map(batch.headers, fields, lambda f: labels(f.label),
                             importer.extra_for(db, target, actor))
    saved = db.scalar(select(SavedMapping).where(SavedMapping.user_id == actor.user_id,
                                                 SavedMapping.model == target.key))
    if saved is not None:
        auto |= {k: v for k, v in saved.mapping.items() if v in batch.headers}
    return auto


def save_mapping(db: Session, actor: Actor, target: Target, batch: Batch, mapping: dict[str, str]) -> None:
    allowed = set(importer.column_names(db, target, actor))
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
    # what a form's choices may read of a request: an import has no form, query or path values
    light = SimpleNamespace(db=db, user=actor, actor=actor, kernel=kernel, t=t, _=t.gettext, form={}, query={},
                            params={})
    choices = {}
    for f in fields:
        if f.kind == "select" and f.choices is not None:
            choices[f.name] = list(f.choices(cast(Any, light)) if callable(f.choices) else f.choices)
    return Checker(db, target.model, fields, choices, labels, importer.extra_for(db, target, actor))


def dry_run(db: Session, actor: Actor, target: Target, batch: Batch, kernel: Any,
            progress: Callable[[int], None] | None = None) -> Plan:
    """Check every row and store the report on the batch; writes no record."""
    plan = check_rows(db, actor, target, batch, kernel, progress)
    _store_report(batch, plan)
    return plan


def check_rows(db: Session, actor: Actor, target: Target, batch: Batch, kernel: Any,
               progress: Callable[[int], None] | None = None) -> Plan:
    """The dry run's checks, changing nothing (not even the batch)."""
    actor.require(f"{target.key}.import")
    return importer.check(db, actor, target, table_of(batch), batch.mapping, batch.mode, batch.match_key,
                          checker_for(db, actor, target, kernel), progress)


def _store_report(batch: Batch, plan: Plan) -> None:
    batch.report = plan.report()
    batch.state = "checked" if plan.ok else "invalid"
    batch.progress = batch.total_rows


def check_or_queue(db: Session, actor: Actor, target: Target, batch: Batch, kernel: Any) -> None:
    """The dry run in the request, or, above ``INLINE_ROWS`` rows, by the job
    ``dataio.check`` (acting for the user; the page follows its progress)."""
    actor.require(f"{target.key}.import")
    if batch.state in RUNNING:
        raise Conflict(N_("The batch is being worked on: wait until it is done."))
    if batch.total_rows <= INLINE_ROWS:
        dry_run(db, actor, target, batch, kernel)
        return
    batch.state, batch.progress, batch.report = "checking", 0, {}
    batch.job_id = enqueue(db, "dataio.check", {"batch_id": batch.id}, org_id=batch.org_id).id


def check_task(ctx: JobContext) -> None:
    """The job ``dataio.check``: the dry run of a large file, progress committed as it goes."""
    from plugins.dataio.importer import targets

    batch_id = int(ctx.payload["batch_id"])
    actor = _actor_read_only(ctx)
    plan: Plan | None = None
    error = ""
    with ctx.kernel.db.session(write=False) as db:
        batch = db.get(Batch, batch_id)
        if batch is None or batch.state != "checking":
            return
        target = targets(ctx.kernel.pm.hook, ctx.kernel.registry).get(batch.model)
        error = _refusal(actor, target, batch)
        if actor is not None and target is not None and not error:
            db.info["actor"] = actor
            plan = check_rows(db, actor, target, batch, ctx.kernel, _committer(ctx.kernel, batch_id))
    batch = ctx.session.get(Batch, batch_id)  # the job's transaction: stores the report with the job done
    if batch is None or batch.state != "checking":
        return
    if plan is None:
        batch.state, batch.error = "failed", error
        return
    _store_report(batch, plan)
    ctx.log(f"batch {batch_id}: checked {batch.total_rows} rows, {len(plan.problems)} errors")


def _refusal(actor: Actor | None, target: Target | None, batch: Batch) -> str:
    """Why a job may not work on the batch for its actor (for the batch's error), or ""."""
    if actor is None:
        return N_("the importing user is no longer active")
    if target is None:
        return N_("not importable")
    if not actor.can(f"{batch.model}.import"):
        return N_("the importing user may no longer import into this record type")
    return ""


def _actor_read_only(ctx: JobContext) -> Actor | None:
    """``ctx.actor()``, answered through a read-only session of its own.

    ``ctx.actor()`` reads through the job's write transaction, which on
    SQLite holds the process's one writer (and its lock) until the job
    ends; the check job keeps that transaction closed while it checks, so
    its progress can be committed beside it. Same rules, another session."""
    with ctx.kernel.db.session(write=False) as db:
        return ctx.actor(db)


def _committer(kernel: Any, batch_id: int) -> Callable[[int], None]:
    """A progress callback committing the rows checked in a short transaction."""
    def report(done: int) -> None:
        with kernel.db.session() as db:
            db.execute(update(Batch).where(Batch.id == batch_id).values(progress=done))

    return report


def queue_commit(db: Session, actor: Actor, target: Target, batch: Batch) -> None:
    """Queue the commit job; it checks the rows again and writes all or nothing."""
    actor.require(f"{target.key}.import")
    if batch.state != "checked":
        raise Conflict(N_("Run the check without errors before importing."))
    batch.state = "queued"
    # one commit job per click, however often it is clicked at once; after a
    # failed run (batch.job_id is then that run's job) the next click queues anew
    job = enqueue(db, "dataio.commit", {"batch_id": batch.id},
                  key=f"dataio-batch-{batch.id}-after-{batch.job_id or 0}", org_id=batch.org_id)
    batch.job_id = job.id


def run_commit(db: Session, actor: Actor, target: Target, batch: Batch, kernel: Any) -> bool:
    """Check and write a batch in ``db``'s transaction; False (and nothing
    written) when a row is bad now."""
    plan = dry_run(db, actor, target, batch, kernel)
    if not plan.ok:
        batch.state = "failed"
        return False
    try:
        with db.begin_nested():  # a row the model's service refuses (its own rules) leaves none written
            importer.commit(db, actor, target, batch, plan)
    except ValidationError as exc:
        t = kernel.catalogs.translator(actor.locale or "zh_CN")
        labels = {f.name: t.gettext(f.label) for f in target.crud.form.fields}
        batch.state, batch.inserted, batch.updated = "failed", 0, 0
        batch.error = "; ".join(f"{labels.get(name, name)}: {t.gettext(message, label=labels.get(name, name))}"
                                for name, message in exc.errors.items())
        return False
    return True


def commit_task(ctx: JobContext) -> None:
    """The job ``dataio.commit``: one transaction for the whole file."""
    from plugins.dataio.importer import targets

    batch_id = int(ctx.payload["batch_id"])
    with ctx.kernel.db.session() as db:  # committed at once: the page shows "writing…"
        db.execute(update(Batch).where(Batch.id == batch_id, Batch.state == "queued").values(state="writing"))
    db = ctx.session
    batch = db.get(Batch, batch_id)
    if batch is None or batch.state != "writing":
        return
    actor = ctx.actor()  # who queued it, with the rights they hold now; audited as theirs
    target = targets(ctx.kernel.pm.hook, ctx.kernel.registry).get(batch.model)
    error = _refusal(actor, target, batch)
    if actor is None or target is None or error:
        batch.state, batch.error = "failed", error
        return
    ok = run_commit(db, actor, target, batch, ctx.kernel)
    ctx.log(f"batch {batch.id}: {'imported' if ok else 'refused'} {batch.inserted} new, "
            f"{batch.updated} updated")


def give_up(db: Session, payload: Any, reason: str) -> None:
    """``on_give_up`` of both jobs: the kernel parked the batch's job (its
    worker died in it, or it failed): a batch still shown as worked on
    becomes ``failed``, so the user can check and import it again. The
    commit job's one transaction rolled back, so nothing of it was written."""
    batch = db.get(Batch, int(payload["batch_id"]))
    if batch is not None and batch.state in RUNNING:
        batch.state, batch.error = "failed", STOPPED


def progress_of(batch: Batch) -> int | None:
    """Percent done; None while the commit job writes (its one transaction
    shows nothing before it ends)."""
    if batch.state == "writing":
        return None
    if batch.state in ("uploaded", "queued"):
        return 0
    if batch.state == "checking":
        return min(99, batch.progress * 100 // max(batch.total_rows, 1))
    return 100


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
