"""Jobs: the transactional outbox, workers, retries, the scheduler and the
admin page, with real workers on the test database; time moves on a
FakeClock, never by sleeping. Worker processes (a killed one; two at once on
PostgreSQL) run tests/core/job_processes.py on a scratch database."""

from __future__ import annotations

import os
import select as select_io
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import job_processes
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from core import JobContext, JobDecl, TaskDecl, clock, enqueue, hookimpl, migrate
from core.app import Kernel
from core.cli import main
from core.clock import FakeClock
from core.config import Settings, load_settings
from core.cron import CronError, parse
from core.i18n import DEFAULT_TZ
from core.jobs import Worker, backoff, tick
from core.models import Job, JobSchedule
from core.plugins import Manifest

HELPER = Path(job_processes.__file__).resolve()
ON_POSTGRES = os.environ.get("SUANPAN_DATABASE_URL", "").startswith("postgresql")


def note_model() -> Any:
    from suanpan_notes.models import Note

    return Note


# ---------------------------------------------------------------- the plugin "jobt"

RUNS: list[Any] = []
FLAKY = {"fail": True}
TAKEOVER: dict[str, FakeClock] = {}
STARTED = threading.Event()


def record(ctx: JobContext) -> None:
    RUNS.append(ctx.payload)
    STARTED.set()


def flaky(ctx: JobContext) -> None:
    RUNS.append(ctx.attempt)
    if FLAKY["fail"]:
        raise ConnectionError("mail server unreachable")
    ctx.log("mail sent")


def write(ctx: JobContext) -> None:
    Note = note_model()
    ctx.session.add(Note(org_id=ctx.payload["org_id"], title=ctx.payload["title"]))


def write_then_fail(ctx: JobContext) -> None:
    write(ctx)
    ctx.session.flush()
    raise ValueError("half-way through")


def overrun(ctx: JobContext) -> None:
    RUNS.append(ctx.attempt)
    if ctx.attempt == 1:
        # this attempt runs past its timeout, and meanwhile a second worker takes over
        TAKEOVER["clock"].advance(seconds=61)
        assert Worker(ctx.kernel, "w2").run_pending() == 1
    write(ctx)


TASKS = [
    TaskDecl("jobt.record", record),
    TaskDecl("jobt.flaky", flaky, max_attempts=3),
    TaskDecl("jobt.write", write),
    TaskDecl("jobt.write_then_fail", write_then_fail, max_attempts=1),
    TaskDecl("jobt.overrun", overrun, timeout_seconds=60),
]


def jobt_plugin(path: Path, monkeypatch: pytest.MonkeyPatch, **hooks: Any) -> tuple[Manifest, ModuleType]:
    name = hooks.pop("name", "jobt")
    module = ModuleType(f"suanpan_test_{name}")
    module.__path__ = []  # type: ignore[attr-defined]  # no hookspecs submodule
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for hook, fn in (hooks or {"register_tasks": lambda: TASKS}).items():
        setattr(module, hook, hookimpl(fn))
    return Manifest(name=name, module=module.__name__, path=path), module


@pytest.fixture
def jk(kernel: Kernel, base_settings: Settings, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Iterator[Kernel]:
    """A kernel with the throwaway plugin ``jobt`` and its tasks, on the
    emptied test database."""
    RUNS.clear()
    STARTED.clear()
    monkeypatch.setitem(FLAKY, "fail", True)
    k = Kernel(base_settings, extra_plugins=[jobt_plugin(tmp_path, monkeypatch)])
    assert "jobt" in k.enabled, k.errors
    yield k
    k.db.dispose()


@pytest.fixture
def now() -> Iterator[FakeClock]:
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    with clock.use(fake):
        yield fake


def job(kernel: Kernel, job_id: int) -> Job:
    with kernel.db.session(write=False) as db:
        found = db.get(Job, job_id)
        assert found is not None
        return found


def count_jobs(kernel: Kernel) -> int:
    with kernel.db.session(write=False) as db:
        return db.scalar(select(func.count()).select_from(Job)) or 0


def link(job_id: int) -> str:
    return f'href="/admin/jobs/{job_id}"'


def titles(kernel: Kernel) -> list[str]:
    Note = note_model()
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(Note.title).order_by(Note.id)))


# ---------------------------------------------------------------- the outbox


def test_a_job_queued_in_a_rolled_back_transaction_never_runs(jk):
    # given a change that queues a mail and then fails
    with pytest.raises(RuntimeError), jk.db.session() as db:
        enqueue(db, "jobt.record", {"to": "lina@example.cn"})
        raise RuntimeError("the order failed to save")
    # then nothing was queued and no worker sends anything
    assert count_jobs(jk) == 0
    assert Worker(jk).run_pending() == 0
    assert RUNS == []


class QueuesOnCreate:
    """An event handler that queues a job for every new note (inside the flush)."""

    @hookimpl
    def on_record_created(self, session: Any, actor: Any, record: Any) -> None:
        if record.__model_key__ == "notes.note":
            enqueue(session, "jobt.record", {"note": record.title}, key=f"note:{record.id}")
            enqueue(session, "jobt.record", {"again": record.title})


def test_an_event_handler_queues_jobs_inside_the_flush(jk, make):
    # given a plugin whose on_record_created queues jobs (keyed and not)
    handler = QueuesOnCreate()
    jk.pm.register(handler)
    try:
        hq = make.hq()
        with jk.db.session() as db:
            db.add(note_model()(org_id=hq.id, title="季度计划"))
            db.flush()  # the event fires here, inside the flush
        # then both jobs were written by the commit and run once
        assert Worker(jk).run_pending() == 2
        assert sorted(map(str, RUNS)) == sorted(map(str, [{"note": "季度计划"}, {"again": "季度计划"}]))
        # and a rolled-back creation queues nothing
        RUNS.clear()
        with pytest.raises(RuntimeError), jk.db.session() as db:
            db.add(note_model()(org_id=hq.id, title="作废"))
            db.flush()
            raise RuntimeError("no")
        assert Worker(jk).run_pending() == 0 and RUNS == []
    finally:
        jk.pm.unregister(handler)


def test_a_job_runs_only_after_its_transaction_commits(jk):
    worker = Worker(jk, "w1")
    with jk.db.session() as db:
        queued = enqueue(db, "jobt.record", {"to": "李娜"})
        assert queued.id is not None and queued.state == "queued"
        # while the transaction is open a worker sees nothing to do
        assert worker.run_pending() == 0
    assert worker.run_pending() == 1
    assert RUNS == [{"to": "李娜"}]
    done = job(jk, queued.id)
    assert (done.state, done.attempts, done.locked_by) == ("done", 1, None)
    assert done.finished_at is not None
    assert "started by w1" in done.log and "done in attempt 1" in done.log


def test_an_idempotency_key_queues_the_work_once(jk):
    with jk.db.session() as db:
        first = enqueue(db, "jobt.record", {"n": 1}, key="order-7-confirmation")
        again = enqueue(db, "jobt.record", {"n": 2}, key="order-7-confirmation")
        assert again.id == first.id
    with jk.db.session() as db:  # a retried request, in a transaction of its own
        assert enqueue(db, "jobt.record", {"n": 3}, key="order-7-confirmation").id == first.id
    assert Worker(jk).run_pending() == 1
    with jk.db.session() as db:  # even after the job ran
        assert enqueue(db, "jobt.record", {"n": 4}, key="order-7-confirmation").id == first.id
    assert Worker(jk).run_pending() == 0
    assert RUNS == [{"n": 1}] and count_jobs(jk) == 1


def test_a_reminder_queued_for_tomorrow_runs_when_the_clock_gets_there(jk, now):
    tomorrow_nine = now.current + timedelta(days=1)
    with jk.db.session() as db:
        enqueue(db, "jobt.record", {"remind": "续签合同"}, run_at=tomorrow_nine)
    worker = Worker(jk)
    assert worker.run_pending() == 0
    now.advance(hours=23, minutes=59)
    assert worker.run_pending() == 0
    now.advance(minutes=1)
    assert worker.run_pending() == 1 and RUNS == [{"remind": "续签合同"}]


def test_enqueue_refuses_an_unknown_task_and_a_payload_that_is_not_json(jk):
    with pytest.raises(ValueError, match="unknown task 'jobt.recrod'"), jk.db.session() as db:
        enqueue(db, "jobt.recrod")
    with pytest.raises(ValueError, match="is not JSON"), jk.db.session() as db:
        enqueue(db, "jobt.record", {"when": datetime.now(UTC)})


def test_a_job_enqueued_from_a_request_remembers_who_and_which_org(jk, make):
    hq = make.hq()
    user = make.user(org=hq)
    with jk.db.session() as db:
        from core.permissions import load_actor

        db.info["actor"] = load_actor(db, db.get(type(user), user.id), all_codes=set())
        queued = enqueue(db, "jobt.record", org_id=hq.id)
    assert (job(jk, queued.id).created_by_id, job(jk, queued.id).org_id) == (user.id, hq.id)


# ---------------------------------------------------------------- failures


def test_a_failing_job_is_retried_with_back_off_then_parked(jk, now):
    with jk.db.session() as db:
        job_id = enqueue(db, "jobt.flaky", {"to": "李娜"}).id
    worker = Worker(jk, "w1")
    # the first attempt fails: queued again in 30 s
    assert worker.run_pending() == 1
    first = job(jk, job_id)
    assert (first.state, first.attempts) == ("queued", 1)
    assert first.run_at == now.current + timedelta(seconds=30)
    assert first.last_error == "ConnectionError: mail server unreachable"
    assert worker.run_pending() == 0
    now.advance(seconds=29)
    assert worker.run_pending() == 0
    # the second fails too: queued again in 60 s
    now.advance(seconds=1)
    assert worker.run_pending() == 1
    assert job(jk, job_id).run_at == now.current + timedelta(seconds=60)
    # the third and last is parked, with its error and traceback in the log
    now.advance(seconds=60)
    assert worker.run_pending() == 1
    parked = job(jk, job_id)
    assert (parked.state, parked.attempts) == ("parked", 3)
    assert parked.last_error == "ConnectionError: mail server unreachable"
    assert "Traceback" in parked.log and "parked: gave up after 3 attempts" in parked.log
    now.advance(hours=5)
    assert worker.run_pending() == 0, "a parked job stays parked"
    assert RUNS == [1, 2, 3]


def test_back_off_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 50)] == [
        30, 60, 120, 1920, 3600, 3600]


def test_a_failed_job_leaves_none_of_its_own_writes(jk, make):
    hq = make.hq()
    with jk.db.session() as db:
        failed = enqueue(db, "jobt.write_then_fail", {"org_id": hq.id, "title": "半途而废"}).id
        done = enqueue(db, "jobt.write", {"org_id": hq.id, "title": "已完成"}).id
    assert Worker(jk).run_pending() == 2
    assert titles(jk) == ["已完成"]
    assert job(jk, failed).state == "parked" and "ValueError: half-way through" in job(jk, failed).log
    assert job(jk, done).state == "done"


def test_a_job_whose_task_is_unknown_is_parked_with_the_reason(jk, kernel):
    # given a job of a plugin that has since been disabled
    with jk.db.session() as db:
        job_id = enqueue(db, "jobt.record").id
    # when a worker without that plugin meets it
    assert Worker(kernel).run_pending() == 1
    parked = job(kernel, job_id)
    assert parked.state == "parked" and parked.attempts == 0
    assert parked.last_error == "unknown task 'jobt.record': no enabled plugin declares it"
    assert RUNS == []


def test_a_worker_whose_lease_ran_out_cannot_finish_the_job(jk, make, now, monkeypatch):
    # given a job whose first attempt runs past its 60 s timeout, so that a
    # second worker takes it over and finishes it meanwhile
    monkeypatch.setitem(TAKEOVER, "clock", now)
    hq = make.hq()
    with jk.db.session() as db:
        job_id = enqueue(db, "jobt.overrun", {"org_id": hq.id, "title": "提醒"}).id
    assert Worker(jk, "w1").run_pending() == 1
    # then the job ran twice but only the second attempt's writes count
    finished = job(jk, job_id)
    assert (finished.state, finished.attempts) == ("done", 2)
    assert RUNS == [1, 2] and titles(jk) == ["提醒"]
    assert "the lease of w1 ran out" in finished.log and "done in attempt 2" in finished.log


# ---------------------------------------------------------------- worker processes


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[str]:
    """An empty database of the configured kind with the kernel's tables
    (a PostgreSQL database of this test's own, dropped at the end)."""
    configured = os.environ.get("SUANPAN_DATABASE_URL", "")
    server = None
    if configured.startswith("postgresql"):
        url = make_url(configured)
        name = f"suanpan_jobs_test_{os.getpid()}"
        server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        scratch_url = url.set(database=name).render_as_string(hide_password=False)
    else:
        scratch_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    k = Kernel(load_settings(var_dir=tmp_path, database_url=scratch_url, secret_key="test",
                             inprocess_worker=False), plugins=[])
    migrate.upgrade(k)
    k.db.dispose()
    yield scratch_url
    if server is not None:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def process_kernel(scratch: str, tmp_path: Path) -> Iterator[Kernel]:
    """This process's kernel on the scratch database, with the same tasks as the workers."""
    settings = load_settings(var_dir=tmp_path, database_url=scratch, secret_key="test",
                             inprocess_worker=False)
    k = Kernel(settings, plugins=["jobp"], extra_plugins=[job_processes.plugin(tmp_path)])
    assert "jobp" in k.enabled, k.errors
    yield k
    k.db.dispose()
    sys.modules.pop("suanpan_jobp", None)


def start_worker(scratch: str, tmp_path: Path, mode: str, name: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(HELPER), scratch, str(tmp_path), mode, name],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def read_line(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    """The process's next line of output, waiting at most ``timeout`` seconds."""
    assert proc.stdout is not None
    ready, _, _ = select_io.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line:
        proc.kill()
        _out, err = proc.communicate(timeout=30)
        pytest.fail(f"the worker process said nothing within {timeout} s:\n{err}")
    return line.strip()


def test_a_worker_killed_mid_job_leaves_the_job_to_be_claimed_again(process_kernel, scratch, tmp_path, now):
    k = process_kernel
    with k.db.session() as db:
        job_id = enqueue(db, "jobp.hang", {"report": "月报"}).id
    # given a worker process that dies with SIGKILL in the middle of the job
    proc = start_worker(scratch, tmp_path, "hang", "doomed")
    try:
        assert read_line(proc) == "started"
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    orphan = job(k, job_id)
    assert (orphan.state, orphan.locked_by, orphan.attempts) == ("running", "doomed", 1)
    # then nobody takes the job while its lease holds
    rescuer = Worker(k, "rescuer")
    assert rescuer.run_pending() == 0
    # and another worker runs it once the lease has run out
    now.current = orphan.locked_until + timedelta(seconds=1)
    assert rescuer.run_pending() == 1
    rescued = job(k, job_id)
    assert (rescued.state, rescued.attempts) == ("done", 2)
    assert "the lease of doomed ran out" in rescued.log
    assert "attempt 2 of 5 started by rescuer" in rescued.log


@pytest.mark.skipif(not ON_POSTGRES, reason="claiming with FOR UPDATE SKIP LOCKED across worker "
                    "processes needs PostgreSQL (CI's PostgreSQL pass runs this test)")
def test_two_worker_processes_run_a_thousand_jobs_exactly_once(process_kernel, scratch, tmp_path):
    k = process_kernel
    with k.db.session() as db:
        db.execute(text("CREATE TABLE jobs_test_run (job_id BIGINT PRIMARY KEY, worker VARCHAR(20))"))
        ids = {enqueue(db, "jobp.bulk", {"n": n}).id for n in range(1000)}
    # given two worker processes, started and then let go together
    procs = [start_worker(scratch, tmp_path, "bulk", name) for name in ("w1", "w2")]
    try:
        for proc in procs:
            assert read_line(proc) == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            _out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    # then every job ran exactly once: one row each, and no second run even rolled back
    with k.db.session(write=False) as db:
        rows = dict(db.execute(text("SELECT job_id, worker FROM jobs_test_run")).all())
        states = dict(db.execute(select(Job.state, func.count()).group_by(Job.state)).all())
        attempts = set(db.scalars(select(Job.attempts).distinct()))
    assert set(rows) == ids and len(rows) == 1000
    assert states == {"done": 1000} and attempts == {1}
    runs = [int(n) for name in ("w1", "w2") for n in (tmp_path / f"{name}.ran").read_text().split()]
    assert len(runs) == 1000 and set(runs) == ids
    assert set(rows.values()) == {"w1", "w2"}, "both workers took part"


# ---------------------------------------------------------------- cron


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=DEFAULT_TZ)


@pytest.mark.parametrize("schedule, after, expected", [
    ("*/15 * * * *", beijing(2026, 3, 2, 10, 7), beijing(2026, 3, 2, 10, 15)),
    ("0 3 * * *", beijing(2026, 3, 2, 2, 59, 59), beijing(2026, 3, 2, 3, 0)),
    ("0 3 * * *", beijing(2026, 3, 2, 3, 0), beijing(2026, 3, 3, 3, 0)),
    ("30 8 * * mon-fri", beijing(2026, 3, 6, 9, 0), beijing(2026, 3, 9, 8, 30)),  # Fri -> Mon
    ("0 0 1 */3 *", beijing(2026, 2, 10, 0, 0), beijing(2026, 4, 1, 0, 0)),
    ("0 12 13 * 5", beijing(2026, 3, 1, 0, 0), beijing(2026, 3, 6, 12, 0)),  # the 13th or a Friday
    ("0 0 29 2 *", beijing(2026, 3, 1, 0, 0), beijing(2028, 2, 29, 0, 0)),
    ("5,35 9-11/2 * * *", beijing(2026, 3, 2, 9, 40), beijing(2026, 3, 2, 11, 5)),
    ("0 0 * * 7", beijing(2026, 3, 2, 0, 0), beijing(2026, 3, 8, 0, 0)),  # 7 is Sunday too
    ("0 9 * dec sun", beijing(2026, 3, 2, 0, 0), beijing(2026, 12, 6, 9, 0)),
    ("45 23 31 12 *", beijing(2026, 12, 31, 23, 46), beijing(2027, 12, 31, 23, 45)),
])
def test_cron_schedules_fire_at_the_next_matching_minute_in_beijing_time(schedule, after, expected):
    fired = parse(schedule).next_after(after)
    assert fired == expected and fired.tzinfo == UTC


@pytest.mark.parametrize("schedule, problem", [
    ("every night", "schedule needs 5 cron fields"),
    ("0 3 * *", "schedule needs 5 cron fields"),
    ("61 * * * *", "minute: '61' is outside 0-59"),
    ("* 24 * * *", "hour: '24' is outside 0-23"),
    ("* * 0 * *", "day of month: '0' is outside 1-31"),
    ("* * * * 8", "day of week: '8' is outside 0-7"),
    ("5-1 * * * *", "range '5-1' runs backwards"),
    ("*/0 * * * *", "step '0' must be at least 1"),
    ("x * * * *", "minute: 'x' is not a number"),
    ("0 0 31 2 *", "never runs"),
])
def test_a_bad_cron_schedule_is_refused_with_the_reason(schedule, problem):
    with pytest.raises(CronError, match=problem.replace("*", r"\*")):
        parse(schedule)


# ---------------------------------------------------------------- the scheduler


def queued_keys(kernel: Kernel, task: str) -> list[str | None]:
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(Job.key).where(Job.task == task).order_by(Job.id)))


def test_the_scheduler_queues_a_due_job_once_however_many_workers_tick(jk, kernel, now):
    now.current = beijing(2026, 3, 2, 2, 0).astimezone(UTC)
    # the first tick only learns when each job runs next
    assert tick(jk) == []
    with jk.db.session(write=False) as db:
        row = db.get(JobSchedule, "notes.purge_old_drafts")
        assert row is not None and row.next_run_at == beijing(2026, 3, 2, 3, 0)
    now.current = beijing(2026, 3, 2, 3, 0, 30).astimezone(UTC)
    # when two workers' kernels tick at once, and again
    barrier = threading.Barrier(2)
    queued: list[list[Job]] = []

    def ticker(k: Kernel) -> None:
        barrier.wait(timeout=30)
        queued.append(tick(k))

    threads = [threading.Thread(target=ticker, args=(k,)) for k in (jk, kernel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert tick(jk) == [] and tick(kernel) == []
    # then the job was queued once, keyed by its fire time (other jobs fall due at 03:00 too)
    assert sorted(len([j for j in q if j.task == "notes.purge_old_drafts"]) for q in queued) == [0, 1]
    assert queued_keys(jk, "notes.purge_old_drafts") == [
        "cron:notes.purge_old_drafts:2026-03-01T19:00:00+00:00"]
    # and the next day once more; a job missed for days runs once, not once per day
    now.advance(days=1)
    tick(jk)
    assert len(queued_keys(jk, "notes.purge_old_drafts")) == 2
    now.advance(days=5)
    tick(jk)
    tick(jk)
    assert len(queued_keys(jk, "notes.purge_old_drafts")) == 3


def test_a_changed_schedule_is_picked_up_without_firing(jk, now, base_settings, tmp_path, monkeypatch):
    now.current = beijing(2026, 3, 2, 2, 0).astimezone(UTC)
    tick(jk)
    hourly = jobt_plugin(tmp_path, monkeypatch, name="jobc", register_jobs=lambda: [
        JobDecl("jobc.sync", record, "0 * * * *")])
    daily = jobt_plugin(tmp_path, monkeypatch, name="jobc", register_jobs=lambda: [
        JobDecl("jobc.sync", record, "0 5 * * *")])
    for plugin, expected in ((hourly, beijing(2026, 3, 2, 3, 0)), (daily, beijing(2026, 3, 2, 5, 0))):
        k = Kernel(base_settings, extra_plugins=[plugin])
        try:
            assert tick(k) == []
            with k.db.session(write=False) as db:
                assert db.get(JobSchedule, "jobc.sync").next_run_at == expected
        finally:
            k.db.dispose()


def test_register_jobs_the_notes_purge_runs_through_the_scheduler(kernel, make, now):
    # given an old draft, a recent draft and an old published note
    Note = note_model()
    hq = make.hq()
    now.current = beijing(2025, 10, 1, 12, 0).astimezone(UTC)
    with kernel.db.session() as db:
        db.add_all([Note(org_id=hq.id, title="旧草稿"),
                    Note(org_id=hq.id, title="旧发布", state="published")])
    now.current = beijing(2026, 3, 2, 2, 0).astimezone(UTC)
    with kernel.db.session() as db:
        db.add(Note(org_id=hq.id, title="新草稿"))
    tick(kernel)
    # when the workers run past 03:00
    now.current = beijing(2026, 3, 2, 3, 0).astimezone(UTC)
    worker = Worker(kernel)
    due = {j.task for j in tick(kernel)}
    assert "notes.purge_old_drafts" in due
    assert worker.run_pending() == len(due)
    # then the old draft is in the recycle bin, in the job's transaction
    with kernel.db.session(write=False) as db:
        deleted = set(db.scalars(select(Note.title).where(Note.deleted_at.is_not(None))))
        ran = db.scalar(select(Job).where(Job.task == "notes.purge_old_drafts"))
    assert deleted == {"旧草稿"}
    assert ran is not None and ran.state == "done"
    assert "1 old drafts moved to the recycle bin" in ran.log


def test_the_kernel_deletes_done_jobs_after_thirty_days(jk, now):
    with jk.db.session() as db:
        old, parked = enqueue(db, "jobt.record").id, enqueue(db, "jobt.record").id
    Worker(jk).run_pending()
    with jk.db.session() as db:
        db.get(Job, parked).state = "parked"
    now.advance(days=31)
    with jk.db.session() as db:
        recent = enqueue(db, "jobt.record").id
        purge = enqueue(db, "core.purge_jobs").id
    Worker(jk).run_pending()
    with jk.db.session(write=False) as db:
        left = set(db.scalars(select(Job.id)))
    assert old not in left and {parked, recent, purge} <= left


# ---------------------------------------------------------------- declarations


def test_register_tasks_declares_the_notes_reindex_task_and_it_runs(kernel, make):
    hq = make.hq()
    task = kernel.registry.tasks["notes.reindex"]
    assert (task.max_attempts, task.timeout_seconds) == (3, 300)
    assert kernel.registry.tasks["notes.purge_old_drafts"].func is kernel.registry.jobs[
        "notes.purge_old_drafts"].func
    with kernel.db.session() as db:
        job_id = enqueue(db, "notes.reindex", {"org_id": hq.id}).id
    assert Worker(kernel).run_pending() == 1
    assert f"0 notes of organisation {hq.id} indexed" in job(kernel, job_id).log


def test_register_tasks_leaves_out_plugins_with_bad_tasks(kernel, base_settings, tmp_path, monkeypatch):
    plugins = [
        jobt_plugin(tmp_path, monkeypatch, name="badns",
                    register_tasks=lambda: [TaskDecl("remind", record)]),
        jobt_plugin(tmp_path, monkeypatch, name="twice",
                    register_tasks=lambda: [TaskDecl("twice.sync", record)],
                    register_jobs=lambda: [JobDecl("twice.sync", record, "0 * * * *")]),
        jobt_plugin(tmp_path, monkeypatch, name="never",
                    register_tasks=lambda: [TaskDecl("never.try", record, max_attempts=0)]),
        jobt_plugin(tmp_path, monkeypatch, name="fine",
                    register_tasks=lambda: [TaskDecl("fine.sync", record)]),
    ]
    k = Kernel(base_settings, extra_plugins=plugins)
    try:
        assert k.errors["badns"] == "task 'remind' is outside its namespace 'badns'"
        assert k.errors["twice"] == "task 'twice.sync' is declared twice"
        assert k.errors["never"] == "task never.try: max_attempts must be at least 1"
        assert "fine" in k.enabled and "fine.sync" in k.registry.tasks
        assert not {"remind", "twice.sync", "never.try"} & set(k.registry.tasks)
    finally:
        k.db.dispose()


# ---------------------------------------------------------------- running workers


def test_suanpan_worker_once_runs_the_due_jobs(kernel, make, base_settings, tmp_path):
    hq = make.hq()
    with kernel.db.session() as db:
        job_id = enqueue(db, "notes.reindex", {"org_id": hq.id}).id
    env = {"SUANPAN_DATABASE_URL": base_settings.database_url,
           "SUANPAN_VAR_DIR": str(base_settings.var_dir), "SUANPAN_SECRET_KEY": "test-secret",
           "SUANPAN_CONFIG": str(tmp_path / "absent.toml")}
    result = CliRunner().invoke(main, ["worker", "--once", "--name", "cli-worker"], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Jobs run: 1." in result.output
    assert job(kernel, job_id).state == "done" and "started by cli-worker" in job(kernel, job_id).log


def test_serve_runs_a_worker_in_process_and_stops_it_on_shutdown(jk, base_settings, tmp_path, monkeypatch):
    # given the application with its in-process worker (the tests' settings turn it off)
    settings = replace(base_settings, inprocess_worker=True)
    app_kernel = Kernel(settings, extra_plugins=[jobt_plugin(tmp_path, monkeypatch)])
    try:
        with TestClient(app_kernel.asgi()):
            workers = [t for t in threading.enumerate() if t.name.startswith("suanpan-worker")]
            assert len(workers) == 1
            with jk.db.session() as db:
                job_id = enqueue(db, "jobt.record", {"from": "serve"}).id
            # when a job is queued, the worker in the server's process runs it
            assert STARTED.wait(timeout=30)
        # then shutting the server down finishes the job and ends the worker
        assert not workers[0].is_alive()
        assert job(jk, job_id).state == "done" and RUNS == [{"from": "serve"}]
    finally:
        app_kernel.db.dispose()


# ---------------------------------------------------------------- the admin page


def test_an_administrator_sees_a_parked_job_with_its_log_and_runs_it_again(jk, now, admin, client,
                                                                          monkeypatch):
    with jk.db.session() as db:
        done_id = enqueue(db, "jobt.record", {"n": 1}).id
        job_id = enqueue(db, "jobt.flaky", {"to": "李娜"}).id
    worker = Worker(jk, "w1")
    for _ in range(3):
        worker.run_pending()
        now.advance(minutes=5)
    assert job(jk, job_id).state == "parked"
    # the list opens on the parked jobs
    listing = client.get("/admin/jobs")
    assert listing.status_code == 200
    assert link(job_id) in listing.text and link(done_id) not in listing.text
    assert link(done_id) in client.get("/admin/jobs?state=done").text
    assert link(done_id) in client.get("/admin/jobs?state=").text
    # the job's page shows its payload, error and log
    page = client.get(f"/admin/jobs/{job_id}")
    assert "李娜" in page.text and "ConnectionError: mail server unreachable" in page.text
    assert "parked: gave up after 3 attempts" in page.text
    # run again: queued with its attempts reset, and this time the mail goes out
    monkeypatch.setitem(FLAKY, "fail", False)
    again = client.submit(f"/admin/jobs/{job_id}/retry", follow_redirects=False)
    assert again.status_code == 303
    queued = job(jk, job_id)
    assert (queued.state, queued.attempts) == ("queued", 0)
    assert "queued again by root" in queued.log
    assert worker.run_pending() == 1
    assert (job(jk, job_id).state, job(jk, job_id).attempts) == ("done", 1)
    assert "mail sent" in job(jk, job_id).log
    # a job that is not parked cannot be run again
    assert client.submit(f"/admin/jobs/{job_id}/retry").status_code == 409


def test_jobs_are_visible_within_the_readers_scope(jk, make, new_client):
    hq, branch = make.hq(), make.org("华东分公司")
    with jk.db.session() as db:
        ours = enqueue(db, "jobt.record", org_id=branch.id).id
        theirs = enqueue(db, "jobt.record", org_id=hq.id).id
        system = enqueue(db, "jobt.record").id
    make.user(org=branch, username="east_admin", roles=(),
              grants={"core.job.read": "org", "core.job.manage": "org"})
    reader = new_client()
    reader.login("east_admin")
    listing = reader.get("/admin/jobs?state=").text
    assert link(ours) in listing
    assert link(theirs) not in listing and link(system) not in listing
    assert reader.get(f"/admin/jobs/{ours}").status_code == 200
    assert reader.get(f"/admin/jobs/{theirs}").status_code == 404
    assert reader.get(f"/admin/jobs/{system}").status_code == 404
    assert reader.submit(f"/admin/jobs/{theirs}/retry").status_code == 404
