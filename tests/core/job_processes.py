"""Job workers in processes of their own, for tests/core/test_jobs.py.

``python job_processes.py URL VAR_DIR MODE NAME`` starts a kernel on the
database at URL with the throwaway plugin ``jobp`` and runs a worker:

* ``hang``: take one job; its task prints ``started`` and then waits forever
  (the test kills the process there);
* ``bulk``: print ``ready``, wait for a line on stdin, then run jobs until
  none is due. Every run of ``jobp.bulk`` also appends the job id to
  ``VAR_DIR/NAME.ran``, outside the database, so a test sees any run, even
  one whose transaction rolled back.

The test process uses :func:`plugin` too, so both know the same tasks.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from types import ModuleType

from sqlalchemy import text

from core import JobContext, TaskDecl, hookimpl
from core.plugins import Manifest

#: set in the worker process: ``jobp.hang`` then never returns
HANG = False
#: where ``jobp.bulk`` notes each run, and who ran it
RUN_FILE: Path | None = None
WORKER = ""


def hang(ctx: JobContext) -> None:
    ctx.log("hang started")
    if HANG:
        print("started", flush=True)
        threading.Event().wait()


def bulk(ctx: JobContext) -> None:
    if RUN_FILE is not None:
        with RUN_FILE.open("a") as fh:
            fh.write(f"{ctx.job_id}\n")
    ctx.session.execute(text("INSERT INTO jobs_test_run (job_id, worker) VALUES (:id, :worker)"),
                        {"id": ctx.job_id, "worker": WORKER})


@hookimpl
def register_tasks() -> list[TaskDecl]:
    return [TaskDecl("jobp.hang", hang, timeout_seconds=60), TaskDecl("jobp.bulk", bulk)]


def plugin(path: Path) -> tuple[Manifest, ModuleType]:
    """The plugin ``jobp`` (a package without submodules, so no hookspecs)."""
    module = ModuleType("suanpan_jobp")
    module.__path__ = []  # type: ignore[attr-defined]
    module.register_tasks = register_tasks  # type: ignore[attr-defined]
    sys.modules["suanpan_jobp"] = module
    return Manifest(name="jobp", module="suanpan_jobp", path=path), module


def main(url: str, var_dir: str, mode: str, name: str) -> None:
    global HANG, RUN_FILE, WORKER
    from core.app import Kernel
    from core.config import load_settings
    from core.jobs import Worker

    settings = load_settings(var_dir=Path(var_dir), database_url=url, secret_key="test",
                             inprocess_worker=False)
    kernel = Kernel(settings, plugins=["jobp"], extra_plugins=[plugin(Path(var_dir))])
    worker = Worker(kernel, name)
    if mode == "hang":
        HANG = True
        worker.run_pending(limit=1)
    elif mode == "bulk":
        RUN_FILE, WORKER = Path(var_dir) / f"{name}.ran", name
        print("ready", flush=True)
        sys.stdin.readline()
        while worker.run_pending():
            pass
    kernel.db.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:])
