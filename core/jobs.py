"""Jobs: a transactional outbox, the workers that run it and the scheduler.

Side effects outside the database (mail, SMS, webhooks, heavy renders) are
queued with :func:`enqueue` in the transaction of the change that needs them,
so a rolled-back change queues nothing and a worker sees the job only after
the commit. A :class:`Worker` claims due jobs one at a time (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL; on SQLite under ``BEGIN IMMEDIATE``), runs the
task's function in a transaction of its own that commits together with
marking the job done, retries a failing job with back-off and parks it after
its last attempt. A claimed job carries a short lease (the setting
``job_lease_seconds``) that the worker renews while the task runs, up to the
task's timeout: when a worker dies, another takes the job over once the
lease runs out (or parks it, after its last attempt), and the first worker's
late result is refused. A task's ``on_give_up`` learns when its job is
parked. :func:`tick` enqueues the scheduled jobs plugins declare
(``register_jobs``).

All times come from :mod:`core.clock`, so tests move a clock instead of sleeping.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import traceback
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.cron import parse
from core.db import WriterBusy, utcnow
from core.errors import Conflict
from core.i18n import DEFAULT_TZ, N_
from core.models import Job, JobSchedule, User
from core.permissions import Actor, get_for, load_actor
from core.registry import JobDecl, TaskDecl

if TYPE_CHECKING:
    from core.app import Kernel

log = logging.getLogger("suanpan.jobs")

QUEUED, RUNNING, DONE, PARKED = "queued", "running", "done", "parked"
#: attempts of a job whose task the enqueuing process does not know
DEFAULT_MAX_ATTEMPTS = 5
#: the back-off after failed attempt n is BACKOFF * 2 ** (n - 1), at most BACKOFF_CAP
BACKOFF = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
#: a job's log keeps its last characters only
LOG_LIMIT = 20_000
#: done jobs are deleted after this long (the kernel's job ``core.purge_jobs``)
KEEP_DONE = timedelta(days=30)


# ------------------------------------------------------------------ enqueue


def enqueue(
    session: Session,
    task: str,
    payload: Any = None,
    *,
    key: str | None = None,
    run_at: datetime | None = None,
    org_id: int | None = None,
) -> Job:
    """Queue ``task`` in ``session``'s transaction: it runs after the commit,
    never if the transaction rolls back.

    ``payload`` must be JSON (dicts, lists, strings, numbers). With a ``key``
    that a job already has, that job is returned and nothing is queued, so a
    retried request or a second scheduler never queues the same work twice.
    ``run_at`` delays the job; ``org_id`` lets that organisation's
    administrators see it.

    Event handlers (``on_record_*``, which run inside a flush) may call it
    too: the job is then written by the commit's final flush.
    """
    tasks: dict[str, TaskDecl] | None = session.info.get("tasks")
    decl = tasks.get(task) if tasks is not None else None
    if tasks is not None and decl is None:
        raise ValueError(f"unknown task {task!r}: no enabled plugin declares it")
    payload = {} if payload is None else payload
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the payload of {task!r} is not JSON: {exc}") from None
    if key is not None:
        existing = session.scalar(select(Job).where(Job.key == key))
        if existing is not None:
            return existing
    actor: Actor | None = session.info.get("actor")
    job = Job(task=task, payload=payload, key=key, state=QUEUED, attempts=0,
              max_attempts=decl.max_attempts if decl else DEFAULT_MAX_ATTEMPTS,
              run_at=run_at or utcnow(), org_id=org_id,
              created_by_id=actor.user_id if actor else None, log=_line("queued") + "\n")
    if getattr(session, "_flushing", False):
        # called from an on_record_* event, inside the flush: the commit's next
        # flush writes the job (a savepoint or a flush is not possible here)
        session.add(job)
        return job
    if key is None:
        session.add(job)
        session.flush()
        return job
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        # another transaction queued the same key meanwhile (and committed)
        existing = session.scalar(select(Job).where(Job.key == key))
        if existing is None:
            raise
        return existing
    return job


def run_again(session: Session, actor: Actor, job_id: int) -> Job:
    """Queue a parked job again, attempts reset (the admin page's button)."""
    job = get_for(session, actor, Job, job_id, "manage")
    if job.state != PARKED:
        raise Conflict(N_("Only a parked job can run again."))
    job.state, job.attempts, job.run_at = QUEUED, 0, utcnow()
    job.finished_at = job.locked_by = job.locked_until = None
    _append(job, [_line(f"queued again by {actor.username}")])
    return job


# ------------------------------------------------------------------ running


class JobContext:
    """What a task function gets.

    ``session`` is the job's own transaction, opened on first use: what the
    task writes there commits together with marking the job done, and rolls
    back if the task raises. ``log(message)`` adds a line to the job's log.
    """

    def __init__(self, kernel: Kernel, claim: _Claim) -> None:
        self.kernel = kernel
        self.job_id = claim.id
        self.task = claim.task
        self.payload = claim.payload
        self.key = claim.key
        self.attempt = claim.attempt
        self.org_id = claim.org_id
        self.lines: list[str] = []
        self._stack = ExitStack()
        self._session: Session | None = None
        self._actor: Actor | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._stack.enter_context(self.kernel.db.session(write=True))
            if self._actor is not None:
                self._session.info["actor"] = self._actor
        return self._session

    @property
    def idempotency_key(self) -> str:
        """The same on every attempt of this job: hand it to a provider that
        deduplicates requests (an ``Idempotency-Key`` header)."""
        return self.key or f"suanpan-job-{self.job_id}"

    def actor(self, session: Session | None = None) -> Actor | None:
        """The user who queued the job, with the rights they hold now (in the
        job's organisation), or None when nobody did (a scheduled job) or they
        are no longer active. The job's writes are then audited as theirs.

        ``session`` reads through another (read-only) session instead of the
        job's own, which on SQLite would open the one write transaction: for a
        task that commits progress in short transactions of its own first.
        """
        db = session if session is not None else self.session
        job = db.get(Job, self.job_id)
        user = db.get(User, job.created_by_id) if job and job.created_by_id else None
        if user is None or not user.active:
            return None
        actor = load_actor(db, user, all_codes=set(self.kernel.registry.permissions), org_id=self.org_id)
        self._actor = actor
        if self._session is not None:
            self._session.info["actor"] = actor
        return actor

    def actor_of(self, user_id: int, *, session: Session | None = None) -> Actor | None:
        """Another user as an actor, with the rights they hold now (in their
        own organisation), or None when they are gone or inactive: for a job
        that computes something per recipient under each one's permissions
        (a scheduled report). It does not change who the job writes as."""
        db = session if session is not None else self.session
        user = db.get(User, user_id)
        if user is None or not user.active:
            return None
        return self.kernel.actors.actor(db, user, self.kernel.registry.permissions)

    def log(self, message: str) -> None:
        self.lines.append(_line(message))
        log.info("job %s (%s): %s", self.job_id, self.task, message)


@dataclass(frozen=True)
class _Claim:
    id: int
    task: str
    payload: Any
    key: str | None
    attempt: int
    org_id: int | None
    #: None when the claim parked the job instead of starting it
    decl: TaskDecl | None
    #: when the attempt's time is up (its lease is renewed until then)
    deadline: datetime | None = None


class _LeaseLost(Exception):
    """Another worker took the job over: this worker's result is refused."""


class Worker:
    """Runs due jobs. ``run_pending`` does one round (tests and ``--once``);
    ``run_forever`` loops until ``stop``; ``start`` does that in a thread."""

    def __init__(self, kernel: Kernel, name: str | None = None) -> None:
        self.kernel = kernel
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_pending(self, limit: int = 100) -> int:
        """Claim and run due jobs, one after another, until none is due (or
        ``limit``); the number of jobs handled."""
        handled = 0
        while handled < limit and not self._stopping.is_set():
            claim = self._claim()
            if claim is None:
                break
            if claim.decl is not None:
                self._run(claim)
            handled += 1
        return handled

    def run_forever(self, *, poll: float = 1.0) -> None:
        """Tick the scheduler and run jobs; wait ``poll`` seconds when idle."""
        failures = 0
        while not self._stopping.is_set():
            try:
                tick(self.kernel)
                busy = self.run_pending()
                failures = 0
            except Exception:  # noqa: BLE001 - a database outage must not end the worker
                failures += 1
                log.exception("job worker %s: round failed; trying again", self.name)
                busy = 0
            if not busy:
                self._stopping.wait(min(poll * 2 ** failures, 60.0))

    def start(self, *, poll: float = 1.0) -> None:
        self._thread = threading.Thread(target=self.run_forever, kwargs={"poll": poll},
                                        name=f"suanpan-worker-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the current job, then stop (wait at most ``timeout`` seconds)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("job worker %s: a job is still running; another worker takes it "
                            "over when its lease runs out", self.name)

    def _claim(self) -> _Claim | None:
        now = utcnow()
        # jobs of dead workers first, then due ones; each an index range on (state, run_at)
        kinds = (and_(Job.state == RUNNING, Job.locked_until < now),
                 and_(Job.state == QUEUED, Job.run_at <= now))
        with self.kernel.db.session(write=False) as db:  # idle workers take no write lock
            if db.scalar(select(Job.id).where(or_(*kinds)).limit(1)) is None:
                return None
        with self.kernel.db.session() as db:
            job = None
            for due in kinds:
                job = db.scalar(select(Job).where(due).order_by(Job.run_at, Job.id).limit(1)
                                .with_for_update(skip_locked=True))
                if job is not None:
                    break
            if job is None:
                return None
            lines = []
            if job.state == RUNNING:
                lines.append(_line(f"the lease of {job.locked_by} ran out: the worker stopped, or "
                                   f"attempt {job.attempts} ran past its timeout"))
            decl = self.kernel.registry.tasks.get(job.task)
            if decl is None:
                _park(job, now, f"unknown task {job.task!r}: no enabled plugin declares it", lines,
                      error=True)
            elif job.attempts >= job.max_attempts:
                if job.state == RUNNING:  # its worker died in the last attempt
                    _park(job, now, f"attempt {job.attempts} of {job.max_attempts} did not finish: "
                          "its worker stopped, or it ran past its timeout", lines, error=True)
                else:
                    _park(job, now, f"gave up after {job.attempts} attempts", lines)
                _give_up(db, decl, job)
            else:
                job.attempts += 1
                job.state, job.locked_by = RUNNING, self.name
                deadline = now + timedelta(seconds=decl.timeout_seconds)
                job.locked_until = min(deadline, now + self._lease)
                lines.append(_line(f"attempt {job.attempts} of {job.max_attempts} started by "
                                   f"{self.name}"))
                _append(job, lines)
                return _Claim(job.id, job.task, job.payload, job.key, job.attempts, job.org_id,
                              decl, deadline)
            return _Claim(job.id, job.task, job.payload, job.key, job.attempts, job.org_id, None)

    @property
    def _lease(self) -> timedelta:
        return timedelta(seconds=max(1, self.kernel.settings.job_lease_seconds))

    def _run(self, claim: _Claim) -> None:
        assert claim.decl is not None
        ctx = JobContext(self.kernel, claim)
        renewal = _Renewal(self, claim)
        try:
            with ctx._stack:  # noqa: SLF001 - the job's transaction, if the task opened it
                claim.decl.func(ctx)
                self._finish(ctx.session, claim, ctx.lines)
        except _LeaseLost:
            log.warning("job %s (%s): taken over by another worker; result of %s discarded",
                        claim.id, claim.task, self.name)
        except Exception as exc:  # noqa: BLE001 - a failing task is retried, then parked
            self._fail(claim, ctx.lines, exc)
        finally:
            renewal.stop()

    def _holds(self, job: Job | None, claim: _Claim) -> bool:
        return (job is not None and job.state == RUNNING and job.locked_by == self.name
                and job.attempts == claim.attempt)

    def _finish(self, db: Session, claim: _Claim, lines: list[str]) -> None:
        job = db.get(Job, claim.id, with_for_update=True, populate_existing=True)
        if job is None or not self._holds(job, claim):
            raise _LeaseLost()
        job.state, job.finished_at = DONE, utcnow()
        job.locked_by = job.locked_until = None
        _append(job, [*lines, _line(f"done in attempt {claim.attempt}")])

    def _fail(self, claim: _Claim, lines: list[str], exc: Exception) -> None:
        now = utcnow()
        error = f"{type(exc).__name__}: {exc}"
        log.warning("job %s (%s) attempt %s failed: %s", claim.id, claim.task, claim.attempt, error)
        tail = "".join(traceback.format_exception(exc)).rstrip().splitlines()[-12:]
        lines = [*lines, _line(f"attempt {claim.attempt} failed: {error}"), *tail]
        with self.kernel.db.session() as db:
            job = db.get(Job, claim.id, with_for_update=True)
            if job is None or not self._holds(job, claim):
                return  # another worker has it now
            job.last_error = error[:2000]
            job.locked_by = job.locked_until = None
            if job.attempts >= job.max_attempts:
                _park(job, now, f"gave up after {job.attempts} attempts", lines)
                _give_up(db, claim.decl, job)
                return
            job.state, job.run_at = QUEUED, now + backoff(job.attempts)
            _append(job, [*lines, _line(f"next attempt at {_local(job.run_at)}")])


class _Renewal:
    """Renews the lease of the job a worker runs, every third of the lease,
    until the attempt's deadline (the task's ``timeout_seconds``): while the
    worker lives, nobody takes the job over; once it dies, the lease runs out
    within ``job_lease_seconds``."""

    def __init__(self, worker: Worker, claim: _Claim) -> None:
        self.worker, self.claim = worker, claim
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"suanpan-lease-{claim.id}")
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5.0)  # a renewal waiting for the database gives up on its own

    def _loop(self) -> None:
        every = self.worker._lease.total_seconds() / 3  # noqa: SLF001 - the worker's own setting
        while not self._stopping.wait(every):
            self.renew()

    def renew(self) -> None:
        """Extend the lease by ``job_lease_seconds``, not past the deadline, if
        the job is still this attempt's."""
        claim, worker = self.claim, self.worker
        until = utcnow() + worker._lease  # noqa: SLF001
        if claim.deadline is not None:
            until = min(until, claim.deadline)
        try:
            # SQLite: when this process writes already (often the job itself, in
            # its one transaction), skip: no other process can claim the job
            # while that write transaction lasts, since claiming writes too
            with worker.kernel.db.session(wait=False) as db:
                db.execute(update(Job).where(
                    Job.id == claim.id, Job.state == RUNNING, Job.locked_by == worker.name,
                    Job.attempts == claim.attempt).values(locked_until=until))
        except WriterBusy:
            pass
        except Exception:  # noqa: BLE001 - the next renewal may succeed; the job goes on
            log.warning("job %s (%s): could not renew the lease of %s", claim.id, claim.task,
                        worker.name, exc_info=True)


def _give_up(db: Session, decl: TaskDecl | None, job: Job) -> None:
    """Tell the task's ``on_give_up`` that ``job`` was parked, in the
    transaction that parks it."""
    if decl is not None and decl.on_give_up is not None:
        decl.on_give_up(db, job.payload, job.last_error)


def backoff(attempt: int) -> timedelta:
    """How long to wait after failed attempt ``attempt`` (1, 2, ...)."""
    delay: timedelta = BACKOFF * 2 ** min(max(attempt - 1, 0), 20)  # no overflow
    return min(delay, BACKOFF_CAP)


def _park(job: Job, now: datetime, reason: str, lines: list[str], *, error: bool = False) -> None:
    """Park ``job``; ``error``: the reason is its last error too."""
    job.state, job.finished_at = PARKED, now
    job.locked_by = job.locked_until = None
    if error or not job.last_error:
        job.last_error = reason
    _append(job, [*lines, _line(f"parked: {reason}")])


def _line(message: str) -> str:
    return f"{_local(utcnow())} {message}"


def _local(moment: datetime) -> str:
    return moment.astimezone(DEFAULT_TZ).isoformat(sep=" ", timespec="seconds")


def _append(job: Job, lines: list[str]) -> None:
    text = (job.log or "") + "".join(f"{line}\n" for line in lines)
    job.log = text[-LOG_LIMIT:]


# ------------------------------------------------------------------ scheduler


def tick(kernel: Kernel, now: datetime | None = None) -> list[Job]:
    """Enqueue every scheduled job that is due; the jobs queued.

    Each run is queued with the key ``cron:<name>:<fire time>`` and the
    schedule row is advanced in the same transaction (locked on PostgreSQL),
    so any number of workers ticking at once queue it once. After a pause
    (the server was off) a job runs once, not once per missed time.
    """
    if not kernel.registry.jobs:
        return []
    now = now or utcnow()
    with kernel.db.session(write=False) as db:
        stored = {name: (schedule, at) for name, schedule, at in db.execute(
            select(JobSchedule.name, JobSchedule.schedule, JobSchedule.next_run_at))}
    due = [decl for name, decl in sorted(kernel.registry.jobs.items())
           if name not in stored or stored[name][0] != decl.schedule or stored[name][1] <= now]
    if not due:
        return []
    with kernel.db.session() as db:
        return [job for decl in due if (job := _fire(db, decl, now)) is not None]


def _fire(db: Session, decl: JobDecl, now: datetime) -> Job | None:
    cron = parse(decl.schedule)
    row = db.scalar(select(JobSchedule).where(JobSchedule.name == decl.name).with_for_update())
    if row is None:  # first sight of this job: it runs at its next time, not now
        try:
            with db.begin_nested():
                db.add(JobSchedule(name=decl.name, schedule=decl.schedule,
                                   next_run_at=cron.next_after(now)))
        except IntegrityError:
            pass  # another worker wrote it first
        return None
    if row.schedule != decl.schedule:  # the plugin changed its schedule
        row.schedule, row.next_run_at = decl.schedule, cron.next_after(now)
        return None
    if row.next_run_at > now:
        return None
    fire = row.next_run_at
    row.next_run_at = cron.next_after(now)
    return enqueue(db, decl.name, key=f"cron:{decl.name}:{fire.isoformat()}", run_at=fire)


def purge_jobs(ctx: JobContext) -> None:
    """The kernel's nightly job: delete done jobs older than :data:`KEEP_DONE`."""
    gone = ctx.session.execute(delete(Job).where(
        Job.state == DONE, Job.finished_at < utcnow() - KEEP_DONE))
    ctx.log(f"{getattr(gone, 'rowcount', 0)} done jobs deleted")


__all__ = ["JobContext", "Worker", "backoff", "enqueue", "run_again", "tick"]
