"""``kill -9`` during a big import, again and again, then the import run to
success: the driver behind tests/load/test_import_kill.py and
bench/import_kill.py.

A served installation, ``suanpan serve`` with its in-process job worker
(one process; job lease 2 s). The user uploads a generated CSV of customers
through the real pages, checks it and clicks *Import now*; once the
server's worker has claimed the job, the driver waits a random while and
kills the server with SIGKILL. Then, with no process running:

* the database passes its integrity check (SQLite ``integrity_check`` and
  ``foreign_key_check``; PostgreSQL: no foreign key pointing nowhere);
* no table gained a row but the job table (the import is one transaction:
  0 partial rows);

and after the server is started again: its worker parks the dead job once
its lease ran out, the batch shows as failed (its page says so), and the
user checks the file again and imports it. After the last kill the import
runs to the end: every row once.
"""

from __future__ import annotations

import csv
import io
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.load.served import (
    ADMIN_PASSWORD,
    Installation,
    Process,
    integrity_problems,
    table_counts,
    wait_for,
)

#: the lease of the server's jobs: how soon after a kill the restarted server takes the job over
LEASE_SECONDS = 2
HEADER = ["客户名称", "电话", "省份", "城市", "备注"]
MAPPING = {"name": "客户名称", "phone": "电话", "province": "省份", "city": "城市", "note": "备注"}
#: what the batch page says once the job died (plugins/dataio: services.STOPPED, in Chinese)
STOPPED_TEXT = "导入在完成之前中止，未写入任何数据。"


def customers_csv(rows: int, prefix: str, first: int = 0) -> bytes:
    """``rows`` distinct customers (names, landlines numbered from ``first``),
    UTF-8 with a BOM, as Excel writes it."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    for i in range(first, first + rows):
        writer.writerow([f"{prefix}{i:07d} 杭州数据科技有限公司", f"0571{i:08d}", "浙江省", "杭州市",
                         f"第 {i} 行"])
    return buf.getvalue().encode("utf-8-sig")


@dataclass
class Round:
    number: int
    #: seconds after the worker claimed the job when it was killed
    delay: float
    #: the batch's and the job's state just before the kill
    batch_state: str
    job_state: str
    #: seconds from the kill until the batch showed as failed (the server started again meanwhile)
    detected: float = 0.0
    integrity: list[str] = field(default_factory=list)
    #: tables that gained or lost rows between the click and the kill
    changed: dict[str, int] = field(default_factory=dict)
    #: the batch's page once it showed as failed
    page: str = ""


@dataclass
class Outcome:
    rows: int
    rounds: list[Round] = field(default_factory=list)
    imported: int = 0
    #: seconds of the final, uninterrupted import (click to done)
    final_seconds: float = 0.0
    final_integrity: list[str] = field(default_factory=list)
    job_states: list[str] = field(default_factory=list)


class ImportKill:
    """One served installation, killed and started again, and its user's browser session."""

    def __init__(self, installation: Installation, *, rows: int, prefix: str = "导入压测",
                 seed: int | None = None, log: Callable[[str], None] = lambda _msg: None) -> None:
        self.inst, self.rows, self.prefix, self.log = installation, rows, prefix, log
        self.seed = seed if seed is not None else random.randrange(10**6)
        self.random = random.Random(self.seed)
        self.web: Process | None = None
        self.engine: Engine = installation.engine()
        self.client: httpx2.Client | None = None
        self.batch_id = 0
        self.starts = 0

    # -- processes -------------------------------------------------------------

    def start(self) -> None:
        """``suanpan serve`` (again), and the user's session on it (logged in once)."""
        self.starts += 1
        self.web = self.inst.serve(workers=1, job_worker=True, log_name=f"import-serve-{self.starts}.log",
                                   SUANPAN_JOB_LEASE_SECONDS=str(LEASE_SECONDS))
        cookies = self.client.cookies if self.client is not None else None
        if self.client is not None:
            self.client.close()
        self.client = httpx2.Client(base_url=self.web.url, cookies=cookies, timeout=300,
                                    follow_redirects=False)
        if cookies is None:  # sessions live in the database: the cookie outlives the server
            self.client.get("/login")
            answer = self.client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                                      "csrf_token": self._csrf()})
            assert answer.status_code == 303, answer.text[:500]

    def close(self) -> None:
        if self.web is not None:
            self.web.stop()
        if self.client is not None:
            self.client.close()
        self.engine.dispose()

    # -- the user's pages ------------------------------------------------------

    def _csrf(self) -> str:
        assert self.client is not None
        return str(self.client.cookies["suanpan_csrf"])

    def _post(self, path: str, **kw: Any) -> httpx2.Response:
        assert self.client is not None
        data = {"csrf_token": self._csrf(), **kw.pop("data", {})}
        answer = self.client.post(path, data=data, **kw)
        assert answer.status_code == 303, f"POST {path}: {answer.status_code}\n{answer.text[:800]}"
        return answer

    def upload(self, prefix: str = "", first: int = 0) -> int:
        data = customers_csv(self.rows, prefix or self.prefix, first)
        answer = self._post("/dataio/crm.customer/import", data={"mode": "insert"},
                            files={"file": ("客户导入.csv", data, "text/csv")})
        found = re.fullmatch(r"/dataio/batches/(\d+)", answer.headers["location"])
        assert found, answer.headers["location"]
        self.batch_id = int(found.group(1))
        return self.batch_id

    def check(self) -> None:
        """The dry run (in the request, or by the check job of a large file), until ``checked``."""
        self._post(f"/dataio/batches/{self.batch_id}/check",
                   data={f"map_{k}": v for k, v in MAPPING.items()})
        state = wait_for("the check", lambda: self.batch()[0] not in ("checking",) and self.batch()[0],
                         timeout=1800, every=0.2)
        assert state == "checked", (state, self.batch())

    def page(self) -> str:
        assert self.client is not None
        return self.client.get(f"/dataio/batches/{self.batch_id}").text

    # -- the database, read from outside ------------------------------------------

    def batch(self) -> tuple[str, int | None, str, int]:
        with self.engine.connect() as conn:
            row = conn.execute(text("SELECT state, job_id, error, inserted FROM dataio_batch WHERE id = :id"),
                               {"id": self.batch_id}).one()
        return str(row.state), row.job_id, str(row.error or ""), int(row.inserted or 0)

    def job(self, job_id: int) -> tuple[str, str]:
        with self.engine.connect() as conn:
            row = conn.execute(text("SELECT state, last_error FROM core_job WHERE id = :id"),
                               {"id": job_id}).one()
        return str(row.state), str(row.last_error or "")

    def imported(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM crm_customer WHERE name LIKE :p"),
                                   {"p": f"{self.prefix}%"}) or 0)

    # -- the rounds -------------------------------------------------------------

    def kill_round(self, number: int, longest: float) -> Round:
        """Click *Import now*, kill the server ``0..longest`` s after its worker claimed
        the job, check the database, start the server again and wait until the batch failed."""
        assert self.web is not None
        before = table_counts(self.engine)
        self._post(f"/dataio/batches/{self.batch_id}/commit")
        job_id = self.batch()[1]
        assert job_id is not None
        wait_for("the worker's claim", lambda: self.job(job_id)[0] == "running", timeout=600, every=0.05)
        delay = self.random.uniform(0, longest)
        time.sleep(delay)
        batch_state, job_state = self.batch()[0], self.job(job_id)[0]
        self.web.kill()
        killed = time.monotonic()
        if self.batch()[0] == "done":
            raise AssertionError(f"round {number}: the kill came {delay:.2f} s after the claim, when the "
                                 "import had finished: kill sooner")
        found = Round(number, delay, batch_state, job_state)
        found.integrity = integrity_problems(self.engine)
        after = table_counts(self.engine)
        found.changed = {t: after.get(t, 0) - before.get(t, 0) for t in set(before) | set(after)
                         if after.get(t, 0) != before.get(t, 0)}
        self.log(f"round {number}: killed {delay:.2f} s after the claim, batch {batch_state}, "
                 f"job {job_state}; tables changed: {found.changed}")
        self.start()
        wait_for("the batch to show as failed", lambda: self.batch()[0] == "failed", timeout=600, every=0.1)
        found.detected = time.monotonic() - killed
        found.page = self.page()
        return found

    def final(self) -> tuple[float, int]:
        started = time.monotonic()
        self._post(f"/dataio/batches/{self.batch_id}/commit")
        state = wait_for("the import", lambda: self.batch()[0] in ("done", "failed") and self.batch()[0],
                         timeout=3600, every=0.2)
        assert state == "done", self.batch()
        return time.monotonic() - started, self.batch()[3]

    def timed_import(self, prefix: str, first: int) -> float:
        """Seconds of one uninterrupted import of another file of as many rows
        (from the click on *Import now* until the batch is done): how long the
        job the kills interrupt runs."""
        kept = self.batch_id
        self.upload(prefix, first)
        self.check()
        seconds, inserted = self.final()
        assert inserted == self.rows, inserted
        self.batch_id = kept
        return seconds

    def run(self, *, kills: int, longest: float) -> Outcome:
        outcome = Outcome(self.rows)
        self.log(f"seed {self.seed}: {self.rows} rows, {kills} kills, each 0..{longest:.1f} s after the claim")
        if self.web is None:
            self.start()
        self.upload()
        self.check()
        for number in range(1, kills + 1):
            found = self.kill_round(number, longest)
            outcome.rounds.append(found)
            outcome.job_states.append(self.job(self.batch()[1] or 0)[0])
            self.check()  # the user checks the file again, then imports it again
        outcome.final_seconds, outcome.imported = self.final()
        outcome.final_integrity = integrity_problems(self.engine)
        return outcome
