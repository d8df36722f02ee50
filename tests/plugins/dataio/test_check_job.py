"""Large files: the dry run runs as a job acting for the user, its progress
committed to the batch row as it goes (so any process sees it); the commit
job shows "writing" while its one transaction is open."""

from __future__ import annotations

from typing import Any

from core.jobs import Worker
from plugins.dataio import importer, services
from tests.plugins.dataio.test_import import EXPENSE_HEADER, batch, check, commit, csv_file, upload


def seen_from_outside(kernel: Any, batch_id: int) -> tuple[str, int]:
    """The batch as another connection (another process) reads it now."""
    found = batch(kernel, batch_id)
    return found.state, found.progress


def test_a_large_dry_run_runs_as_a_job_whose_progress_other_connections_see(client, admin, kernel,
                                                                             monkeypatch):
    monkeypatch.setattr(services, "INLINE_ROWS", 5)
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 3)
    seen: list[tuple[str, int]] = []
    committer = services._committer

    def watched(kernel_: Any, batch_id: int) -> Any:
        report = committer(kernel_, batch_id)

        def step(done: int) -> None:
            report(done)
            seen.append(seen_from_outside(kernel, batch_id))

        return step

    monkeypatch.setattr(services, "_committer", watched)
    # given a file of 10 expense claims, the 7th with a bad amount, above the inline limit
    rows = [EXPENSE_HEADER] + [[f"报销 {i}", "10", "差旅"] for i in range(10)]
    rows[7][1] = "十元"
    batch_id = upload(client, "notes.expense", csv_file(rows))
    # when the user checks it, the request only queues the job
    page = check(client, batch_id, {"title": "标题", "amount": "金额", "category": "类别"})
    assert batch(kernel, batch_id).state == "checking"
    assert 'id="dataio-batch-progress" hx-get=' in page and "0%" in page
    assert "dataio-map-title" not in page  # no mapping to change while it runs
    # then the worker checks it, committing progress that another connection reads meanwhile
    Worker(kernel, "test").run_pending()
    assert seen == [("checking", 3), ("checking", 6), ("checking", 9)]
    done = batch(kernel, batch_id)
    assert (done.state, done.progress) == ("invalid", 10)
    assert [(e["row"], e["column"], e["code"]) for e in done.report["errors"]] == [(8, "金额", "type")]
    # and the page's next poll asks the browser to reload it, which shows the report
    poll = client.get(f"/dataio/batches/{batch_id}/progress?polling=1")
    assert poll.headers.get("HX-Refresh") == "true" and "100%" in poll.text
    assert "8" in client.get(f"/dataio/batches/{batch_id}").text


def test_the_commit_job_shows_writing_while_its_transaction_is_open(client, admin, kernel, monkeypatch):
    seen: list[tuple[str, int]] = []
    write = importer.commit

    def watched(session: Any, actor: Any, target: Any, found: Any, plan: Any) -> None:
        seen.append(seen_from_outside(kernel, found.id))
        page = client.get(f"/dataio/batches/{found.id}/progress?polling=1")
        seen.append(("page", "Writing…" in page.text or "正在写入" in page.text))
        write(session, actor, target, found, plan)

    monkeypatch.setattr(importer, "commit", watched)
    batch_id = upload(client, "notes.expense", csv_file([EXPENSE_HEADER, ["打车", "30", "差旅"]]))
    check(client, batch_id, {"title": "标题", "amount": "金额", "category": "类别"})
    assert client.get(f"/dataio/batches/{batch_id}/progress").text.count("100%") >= 1
    assert commit(client, kernel, batch_id).state == "done"
    assert seen == [("writing", 1), ("page", True)]


def test_a_check_job_whose_user_left_fails_the_batch(client, admin, make, new_client, kernel, monkeypatch):
    from core.models import User

    monkeypatch.setattr(services, "INLINE_ROWS", 1)
    clerk = make.user(roles=(), username="leaver", grants={
        "notes.note.read": "org", "notes.note.create": "org", "notes.note.import": "org"})
    other = new_client()
    other.login("leaver")
    batch_id = upload(other, "notes.note", csv_file([["标题"], ["a"], ["b"]]))
    check(other, batch_id, {"title": "标题"})
    with kernel.db.session() as db:
        db.get(User, clerk.id).active = False
    Worker(kernel, "test").run_pending()
    assert (batch(kernel, batch_id).state, batch(kernel, batch_id).error) == (
        "failed", "the importing user is no longer active")
