"""A job's lease: short (``job_lease_seconds``), renewed by its worker while
the task runs but never past the task's timeout, so a dead worker's job is
taken over soon after the worker died; and ``on_give_up``, which tells a
task's plugin when its job is parked. Time moves on a FakeClock; the renewal
runs on its own thread every third of the lease (real seconds, kept short)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select, update

from core import JobContext, TaskDecl, clock, enqueue, hookimpl
from core.app import Kernel
from core.clock import FakeClock
from core.config import Settings
from core.jobs import Worker
from core.models import Job, Org
from core.plugins import Manifest

#: what the tasks saw: ("lease", locked_until) and ("gave up", payload, reason)
seen: list[tuple[Any, ...]] = []
clocks: dict[str, FakeClock] = {}


def locked_until(kernel: Kernel, job_id: int) -> datetime:
    with kernel.db.session(write=False) as db:
        found = db.scalar(select(Job.locked_until).where(Job.id == job_id))
    assert found is not None
    return found


def wait_for_renewal(kernel: Kernel, job_id: int, old: datetime, seconds: float = 10) -> datetime:
    """The job's lease once the worker's renewal thread moved it past ``old``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (now := locked_until(kernel, job_id)) != old:
            return now
        time.sleep(0.05)
    pytest.fail(f"the lease of job {job_id} was not renewed within {seconds} s")


def lingering(ctx: JobContext) -> None:
    """Runs across two renewals, moving the clock before each."""
    first = locked_until(ctx.kernel, ctx.job_id)
    seen.append(("lease", first))
    clocks["now"].advance(seconds=1)
    second = wait_for_renewal(ctx.kernel, ctx.job_id, first)
    seen.append(("lease", second))
    clocks["now"].advance(seconds=3)
    seen.append(("lease", wait_for_renewal(ctx.kernel, ctx.job_id, second)))


def failing(ctx: JobContext) -> None:
    raise ConnectionError("the gateway is down")


def gave_up(session: Any, payload: Any, reason: str) -> None:
    seen.append(("gave up", payload, reason))
    # in the transaction that parks the job: this write commits with it
    session.execute(update(Org).where(Org.code == "HQ").values(name="放弃了"))


TASKS = [
    TaskDecl("leaset.linger", lingering, timeout_seconds=5),
    TaskDecl("leaset.quick", lambda ctx: seen.append(("lease", locked_until(ctx.kernel, ctx.job_id))),
             timeout_seconds=3600),
    TaskDecl("leaset.fail", failing, max_attempts=1, on_give_up=gave_up),
    TaskDecl("leaset.orphan", failing, max_attempts=2, on_give_up=gave_up),
]


@hookimpl
def register_tasks() -> list[TaskDecl]:
    return TASKS


@pytest.fixture
def now() -> Iterator[FakeClock]:
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    clocks["now"] = fake
    with clock.use(fake):
        yield fake


@pytest.fixture
def lk(kernel: Kernel, base_settings: Settings, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Iterator[Kernel]:
    """A kernel with the throwaway plugin ``leaset``, a 3 s lease (renewed every second)."""
    seen.clear()
    module = ModuleType("suanpan_test_leaset")
    module.__path__ = []  # no hookspecs submodule
    module.register_tasks = register_tasks  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    manifest = Manifest(name="leaset", module=module.__name__, path=tmp_path)
    k = Kernel(replace(base_settings, job_lease_seconds=3), extra_plugins=[(manifest, module)])
    assert "leaset" in k.enabled, k.errors
    yield k
    k.db.dispose()


def job(kernel: Kernel, job_id: int) -> Job:
    with kernel.db.session(write=False) as db:
        found = db.get(Job, job_id)
    assert found is not None
    return found


def test_a_claim_holds_for_the_lease_not_for_the_whole_timeout(lk: Kernel, now: FakeClock) -> None:
    # given a task that may run an hour
    with lk.db.session() as db:
        job_id = enqueue(db, "leaset.quick").id
    # when a worker claims it
    assert Worker(lk, "w1").run_pending() == 1
    # then the job is reserved for the 3 s lease only: a dead worker's job waits that long, not an hour
    assert seen == [("lease", now.current + timedelta(seconds=3))]
    assert job(lk, job_id).state == "done"


def test_the_worker_renews_the_lease_while_the_task_runs_but_never_past_its_timeout(lk: Kernel, now: FakeClock) -> None:
    start = now.current
    with lk.db.session() as db:
        job_id = enqueue(db, "leaset.linger").id
    assert Worker(lk, "w1").run_pending() == 1
    # the lease: 3 s at the claim; renewed to 3 s after the clock's next second;
    # then capped at the task's 5 s timeout, so a task that hangs is still taken over
    assert seen == [("lease", start + timedelta(seconds=3)), ("lease", start + timedelta(seconds=4)),
                    ("lease", start + timedelta(seconds=5))]
    assert job(lk, job_id).state == "done"


def test_a_dead_workers_job_is_taken_over_once_its_lease_ran_out(lk: Kernel, now: FakeClock) -> None:
    # given a job whose worker died during attempt 1 of 2, as kill -9 leaves it
    with lk.db.session() as db:
        orphan = enqueue(db, "leaset.orphan", {"batch_id": 7})
        orphan.state, orphan.attempts, orphan.locked_by = "running", 1, "gone:4242"
        orphan.locked_until = now.current + timedelta(seconds=3)
        job_id = orphan.id
    rescuer = Worker(lk, "rescuer")
    # then nobody takes it while the lease holds
    assert rescuer.run_pending() == 0
    # and once it ran out, another worker runs it again (attempt 2, which fails: parked)
    now.advance(seconds=4)
    assert rescuer.run_pending() == 1
    parked = job(lk, job_id)
    assert (parked.state, parked.attempts) == ("parked", 2)
    assert "the lease of gone:4242 ran out" in parked.log
    assert "attempt 2 of 2 started by rescuer" in parked.log
    assert seen == [("gave up", {"batch_id": 7}, "ConnectionError: the gateway is down")]


def test_a_job_whose_worker_died_in_its_last_attempt_is_parked_and_its_task_told(lk: Kernel, now: FakeClock) -> None:
    # given a job whose worker died in its last attempt
    with lk.db.session() as db:
        orphan = enqueue(db, "leaset.orphan", {"batch_id": 8})
        orphan.state, orphan.attempts, orphan.locked_by = "running", 2, "gone:4242"
        orphan.locked_until = now.current - timedelta(seconds=1)
        job_id = orphan.id
    # when another worker finds it
    assert Worker(lk, "rescuer").run_pending() == 1
    # then it is parked with the reason, and the task's on_give_up ran in the same transaction
    parked = job(lk, job_id)
    assert (parked.state, parked.attempts, parked.locked_by) == ("parked", 2, None)
    reason = "attempt 2 of 2 did not finish: its worker stopped, or it ran past its timeout"
    assert parked.last_error == reason and f"parked: {reason}" in parked.log
    assert seen == [("gave up", {"batch_id": 8}, reason)]
    with lk.db.session(write=False) as db:
        assert db.scalar(select(Org.name).where(Org.code == "HQ")) == "放弃了"


def test_a_task_failing_its_last_attempt_tells_on_give_up(lk: Kernel, now: FakeClock) -> None:
    with lk.db.session() as db:
        job_id = enqueue(db, "leaset.fail", {"batch_id": 9}).id
    assert Worker(lk, "w1").run_pending() == 1
    assert job(lk, job_id).state == "parked"
    assert seen == [("gave up", {"batch_id": 9}, "ConnectionError: the gateway is down")]


def test_a_renewal_never_waits_for_the_process_writer(lk: Kernel, now: FakeClock) -> None:
    # given another thread of this process holding the write transaction (on
    # SQLite the process's one writer; the job itself often does)
    with lk.db.session() as db:
        job_id = enqueue(db, "leaset.quick").id
    from core.jobs import _Claim, _Renewal

    claim = _Claim(job_id, "leaset.quick", {}, None, 1, None, TASKS[1], now.current + timedelta(hours=1))
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with lk.db.session():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        renewal = _Renewal(Worker(lk, "w1"), claim)
        started = time.monotonic()
        renewal.renew()  # skipped on SQLite, done on PostgreSQL: either way at once
        renewal.stop()
        assert time.monotonic() - started < 5
    finally:
        release.set()
        thread.join(10)
