"""An import whose job died (the server or worker killed half-way) is not
left "writing…" for ever: once the job's lease has run out, the next worker
parks the job and the batch shows as failed, in the reader's language, with
nothing written; the user checks the file again and imports it. The real
``kill -9`` of a serving process is in tests/load/test_import_kill.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from core.db import utcnow
from core.jobs import Worker
from core.models import Job
from plugins.dataio import services
from plugins.dataio.models import Batch
from tests.plugins.dataio.test_import import EXPENSE_HEADER, batch, check, commit, count, csv_file, upload


def die_while_writing(kernel: Any, batch_id: int) -> int:
    """Leave the batch and its job as a worker killed in the commit's transaction does:
    the state ``writing`` committed, the job running under a lease that ran out."""
    job_id = batch(kernel, batch_id).job_id
    assert job_id is not None
    with kernel.db.session() as db:
        db.execute(update(Job).where(Job.id == job_id).values(
            state="running", attempts=1, locked_by="killed:4242", locked_until=utcnow() - timedelta(seconds=1)))
        db.execute(update(Batch).where(Batch.id == batch_id).values(state="writing"))
    return job_id


def test_a_killed_import_shows_as_failed_and_is_imported_again(client: Any, admin: Any, kernel: Any) -> None:
    from suanpan_notes.models import Expense  # type: ignore[import-not-found]  # the example plugin

    rows = [EXPENSE_HEADER] + [[f"报销 {i}", "12.50", "差旅"] for i in range(50)]
    batch_id = upload(client, "notes.expense", csv_file(rows))
    check(client, batch_id, {"title": "标题", "amount": "金额", "category": "类别"})
    response = client.submit(f"/dataio/batches/{batch_id}/commit", follow_redirects=False)
    assert response.status_code == 303
    # given the commit job's worker died while writing (nothing of its transaction committed)
    dead_job = die_while_writing(kernel, batch_id)
    # when the next worker comes round
    assert Worker(kernel, "next").run_pending() == 1
    # then the job is parked, the batch failed with the reason in Chinese, and nothing was imported
    failed = batch(kernel, batch_id)
    assert (failed.state, failed.error) == ("failed", services.STOPPED)
    assert count(kernel, Expense) == 0
    with kernel.db.session(write=False) as db:
        assert db.get(Job, dead_job).state == "parked"
    page = client.get(f"/dataio/batches/{batch_id}").text
    assert "导入在完成之前中止，未写入任何数据。" in page and "失败" in page
    # and the user checks the file again and imports it: a new job, every row once
    check(client, batch_id, {"title": "标题", "amount": "金额", "category": "类别"})
    done = commit(client, kernel, batch_id)
    assert (done.state, done.inserted) == ("done", 50) and done.job_id != dead_job
    assert count(kernel, Expense) == 50
