"""Many records into one PDF: chosen from the list as filtered, printed by
a job of the kernel's outbox while the page shows its progress, each
document with its own page numbers; the batch is its user's alone."""

from __future__ import annotations

from printing_support import pdf_pages, pdf_text, squash
from sqlalchemy import select, update

from core.jobs import Worker
from plugins.printing.models import Batch

TITLES = ["差旅：成都客户回访", "差旅：武汉展会搭建", "差旅：西安渠道培训"]


def run_jobs(kernel) -> None:
    Worker(kernel).run_pending()


def batch_of(kernel, batch_id: int) -> Batch:
    with kernel.db.session(write=False) as db:
        batch = db.get(Batch, batch_id)
        assert batch is not None
        return batch


def test_the_list_prints_as_filtered_into_one_pdf(kernel, client, admin, hq, expense):
    # given three claims on the list, and one its search leaves out
    for title in TITLES:
        expense(admin, title=title, category="travel")
    expense(admin, title="部门聚餐", category="meals")
    # when the user prints the list searched for 差旅
    page = client.get("/notes/expenses/?q=差旅").text
    assert 'id="printing-batch"' in page and "q=%E5%B7%AE%E6%97%85" in page
    form = client.get("/printing/batches/new?model=notes.expense&q=差旅")
    assert "共 3 条记录" in form.text
    ids = form.text.split('name="ids" value="', 1)[1].split('"', 1)[0]
    response = client.submit("/printing/batches", {"key": "notes.expense", "ids": ids, "lang": "zh_CN"},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    batch_id = int(response.headers["location"].rsplit("/", 1)[1])
    # then the page shows it queued and polls its progress
    page = client.get(f"/printing/batches/{batch_id}").text
    assert "排队中" in page and 'hx-trigger="every 1s"' in page
    # when the job has run
    run_jobs(kernel)
    # then the progress says done (and reloads the page), and the PDF holds the three claims, one page each
    progress = client.get(f"/printing/batches/{batch_id}/progress?polling=1", headers={"HX-Request": "true"})
    assert progress.headers.get("HX-Refresh") == "true" and "已打印 3 / 3 份单据" in progress.text
    pdf = client.get(f"/printing/batches/{batch_id}/pdf")
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert pdf_pages(pdf.content) == 3
    text = squash(pdf_text(pdf.content))
    assert all(title in text for title in TITLES) and "部门聚餐" not in text
    assert text.count("第1页/共1页") == 3  # each document keeps its own page numbers
    assert batch_of(kernel, batch_id).pages == 3


def test_a_record_no_longer_readable_when_the_job_runs_is_left_out(kernel, client, make, hq, expense):
    from suanpan_notes.models import Expense

    user = make.user(roles=(), username="clerk", grants={"notes.expense.read": "own"})
    ids = [expense(user, title=t) for t in TITLES]
    client.login("clerk")
    response = client.submit("/printing/batches", {"key": "notes.expense", "ids": ",".join(map(str, ids))},
                             follow_redirects=False)
    batch_id = int(response.headers["location"].rsplit("/", 1)[1])
    other = make.user(roles=(), username="other")
    with kernel.db.session() as db:  # meanwhile the second claim changed hands
        db.execute(update(Expense).where(Expense.id == ids[1]).values(owner_id=other.id))
    run_jobs(kernel)
    batch = batch_of(kernel, batch_id)
    assert (batch.state, batch.done, batch.skipped, batch.pages) == ("done", 2, 1, 2)
    text = squash(pdf_text(batch.pdf or b""))
    assert TITLES[0] in text and TITLES[1] not in text and TITLES[2] in text


def test_a_batch_is_its_users_alone(kernel, client, admin, make, hq, expense):
    claim = expense(admin)
    response = client.submit("/printing/batches", {"key": "notes.expense", "ids": str(claim)},
                             follow_redirects=False)
    batch_id = int(response.headers["location"].rsplit("/", 1)[1])
    run_jobs(kernel)
    assert client.get("/printing/batches").text.count(f"/printing/batches/{batch_id}") >= 1
    make.user(roles=("admin",), username="root2")
    client.login("root2")
    for url in (f"/printing/batches/{batch_id}", f"/printing/batches/{batch_id}/pdf",
                f"/printing/batches/{batch_id}/progress"):
        assert client.get(url).status_code == 404, url


def test_a_batch_needs_records_and_at_most_five_hundred(kernel, client, admin, hq):
    assert client.submit("/printing/batches", {"key": "notes.expense", "ids": ""}).status_code == 422
    assert client.submit("/printing/batches", {"key": "notes.expense", "ids": "1,x"}).status_code == 422
    many = ",".join(str(i) for i in range(1, 502))
    refused = client.submit("/printing/batches", {"key": "notes.expense", "ids": many})
    assert refused.status_code == 422 and "500" in refused.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Batch.id)) is None


def test_old_batches_are_purged(kernel, client, admin, hq, expense):
    from datetime import timedelta

    from core import utcnow

    claim = expense(admin)
    client.submit("/printing/batches", {"key": "notes.expense", "ids": str(claim)})
    with kernel.db.session() as db:
        db.execute(update(Batch).values(created_at=utcnow() - timedelta(days=8)))
    from core import enqueue

    with kernel.db.session() as db:
        enqueue(db, "printing.purge_batches")
    run_jobs(kernel)
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Batch.id)) is None
