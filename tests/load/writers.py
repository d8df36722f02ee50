"""Concurrent writers: N simulated users, each on its own keep-alive HTTP
connection and session, create and update CRM customers through the real
pages (the form posts with their CSRF token) for a while, and every request
is recorded. Each user updates only the customers it created, so every
update must land: a customer's final version is 1 + the updates answered.

Used by tests/load/test_load_writers.py and bench/load_writers.py. The
client is a small asyncio HTTP/1.1 client (the same shape as bench/run.py's
fallback), so 50 users cost one thread of the machine, not 50.
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

CREATED = re.compile(r"^/crm/customers/(\d+)$")
#: a request that takes longer is an error
TIMEOUT = 60.0
#: a connection idle this long is opened anew (uvicorn closes it after 5 s)
IDLE = 3.0


@dataclass
class Sample:
    kind: str  # "create" or "update"
    client: int
    #: seconds since the run started, when the request was sent and when its answer was read
    sent: float
    answered: float
    status: int
    ok: bool
    customer: int | None = None
    #: the customer's version after this request (updates)
    version: int | None = None
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.answered - self.sent


@dataclass
class Customer:
    id: int
    name: str
    version: int = 1
    phone: str = ""
    note: str = ""


@dataclass
class Run:
    clients: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    customers: dict[int, Customer] = field(default_factory=dict)
    #: when the side action (a backup) started and ended, in run seconds
    side: tuple[float, float] | None = None
    side_result: Any = None
    logins: int = 0

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if not s.ok]

    def count(self, kind: str) -> int:
        return sum(1 for s in self.samples if s.ok and s.kind == kind)

    def percentile(self, p: float) -> float:
        """Latency in ms of the ``p``-th percentile (nearest rank) of all requests."""
        times = sorted(s.seconds for s in self.samples)
        if not times:
            return 0.0
        return times[min(len(times) - 1, max(0, round(p / 100 * len(times)) - 1))] * 1000

    def summary(self) -> dict[str, Any]:
        times = [s.seconds * 1000 for s in self.samples]
        return {
            "clients": self.clients, "seconds": round(self.seconds, 2),
            "requests": len(self.samples), "creates": self.count("create"),
            "updates": self.count("update"), "errors": len(self.errors),
            "requests_per_second": round(len(self.samples) / self.seconds, 1) if self.seconds else 0,
            "latency_ms": {"mean": round(statistics.fmean(times), 1) if times else 0,
                           "p50": round(self.percentile(50), 1), "p95": round(self.percentile(95), 1),
                           "p99": round(self.percentile(99), 1), "max": round(max(times, default=0), 1)},
        }


class Connection:
    """One keep-alive HTTP/1.1 connection with a cookie jar."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._used = 0.0

    async def request(self, method: str, path: str,
                      form: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        if self._reader is not None and (self._reader.at_eof() or time.monotonic() - self._used > IDLE):
            self.close()  # the server ends idle keep-alive connections: never send on one
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        body = urllib.parse.urlencode(form).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                "User-Agent: suanpan-load", "Accept-Language: zh-CN"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        raw = await self._reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" not in line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
            headers[name] = value
        if "content-length" in headers:
            payload = await self._reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            payload = await self._chunked()
        else:
            raise ValueError(f"{method} {path}: an answer without a length")
        self._used = time.monotonic()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, payload

    async def _chunked(self) -> bytes:
        assert self._reader is not None
        out = b""
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")
                return out
            out += await self._reader.readexactly(size)
            await self._reader.readexactly(2)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


async def _login(conn: Connection, username: str, password: str) -> None:
    status, _headers, _body = await conn.request("GET", "/login")
    assert status == 200, f"GET /login: {status}"
    status, headers, _body = await conn.request("POST", "/login", {
        "username": username, "password": password, "csrf_token": conn.cookies["suanpan_csrf"]})
    if status != 303 or "suanpan_session" not in conn.cookies:
        raise AssertionError(f"login as {username} failed: HTTP {status} {headers.get('location')}")


class _User:
    """One simulated user: creates customers, then mostly updates its own."""

    def __init__(self, run: Run, number: int, host: str, port: int, prefix: str, started: float,
                 seed: int, think: float) -> None:
        self.run, self.number, self.prefix, self.started = run, number, prefix, started
        self.think = think
        self.conn = Connection(host, port)
        self.mine: list[Customer] = []
        self.random = random.Random(seed * 1000 + number)
        self.created = 0

    async def work(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if not self.mine or self.random.random() < 1 / 3:
                await self._create()
            else:
                await self._update(self.random.choice(self.mine))
            if self.think:
                await asyncio.sleep(self.random.uniform(0, 2 * self.think))

    async def _post(self, kind: str, path: str, form: dict[str, str]) -> tuple[Sample, str]:
        sent = time.monotonic()
        form = {"csrf_token": self.conn.cookies.get("suanpan_csrf", ""), **form}
        try:
            status, headers, body = await asyncio.wait_for(self.conn.request("POST", path, form), TIMEOUT)
            location, error = headers.get("location", ""), ""
            if status != 303:
                error = body[:300].decode("utf-8", "replace")
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.conn.close()
            status, location, error = 0, "", f"{type(exc).__name__}: {exc}"
        answered = time.monotonic()
        sample = Sample(kind, self.number, sent - self.started, answered - self.started, status,
                        ok=status == 303 and not error, error=error)
        self.run.samples.append(sample)
        return sample, location

    async def _create(self) -> None:
        self.created += 1
        name = f"{self.prefix}-{self.number:02d}-{self.created:05d} 上海压测贸易有限公司"
        phone = f"139{self.number:02d}{self.created:06d}"  # a mobile number: stored as given
        sample, location = await self._post("create", "/crm/customers", {
            "name": name, "phone": phone, "province": "上海市", "city": "上海市", "note": "created"})
        found = CREATED.match(location)
        if sample.ok and found is None:
            sample.ok, sample.error = False, f"create answered 303 to {location!r}"
        if sample.ok and found is not None:
            customer = Customer(int(found.group(1)), name, 1, phone, "created")
            sample.customer, sample.version = customer.id, 1
            self.mine.append(customer)
            self.run.customers[customer.id] = customer

    async def _update(self, customer: Customer) -> None:
        note = f"update {customer.version + 1} by user {self.number}"
        phone = f"138{self.number:02d}{self.random.randrange(10**6):06d}"
        sample, location = await self._post("update", f"/crm/customers/{customer.id}", {
            "name": customer.name, "phone": phone, "province": "上海市", "city": "上海市", "note": note,
            "version": str(customer.version)})
        sample.customer = customer.id
        if sample.ok and location != f"/crm/customers/{customer.id}":
            sample.ok, sample.error = False, f"update answered 303 to {location!r}"
        if sample.ok:
            customer.version += 1
            customer.phone, customer.note = phone, note
            sample.version = customer.version


def run_writers(url: str, *, clients: int, seconds: float, password: str, prefix: str,
                username: str = "admin", seed: int = 1, think: float = 0.0,
                side: Callable[[], Any] | None = None, side_at: float = 0.5) -> Run:
    """``clients`` users writing for ``seconds`` against the server at ``url``,
    each sending its next request as soon as the last was answered, or, with
    ``think``, after a pause drawn from 0..2 × ``think`` seconds.

    ``side``, if given, runs in a thread of its own once ``side_at`` of the
    time has passed (a backup taken under load); its result and when it ran
    are in the run."""
    parsed = urllib.parse.urlsplit(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    run = Run(clients, seconds)

    async def main() -> None:
        users = [_User(run, n, host, port, prefix, 0.0, seed, think) for n in range(clients)]
        await asyncio.gather(*(_login(u.conn, username, password) for u in users))
        run.logins = len(users)
        started = time.monotonic()
        for u in users:
            u.started = started
        deadline = started + seconds
        side_task = None
        if side is not None:
            side_task = asyncio.ensure_future(_side(started, side_at * seconds))
        await asyncio.gather(*(u.work(deadline) for u in users))
        run.seconds = time.monotonic() - started
        if side_task is not None:
            await side_task
        for u in users:
            u.conn.close()

    async def _side(started: float, delay: float) -> None:
        assert side is not None
        await asyncio.sleep(delay)
        began = time.monotonic() - started
        done = threading.Event()
        result: dict[str, Any] = {}

        def call() -> None:
            try:
                result["value"] = side()
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
                result["error"] = exc
            finally:
                done.set()

        threading.Thread(target=call, daemon=True).start()
        while not done.is_set():
            await asyncio.sleep(0.05)
        run.side = (began, time.monotonic() - started)
        if "error" in result:
            raise result["error"]
        run.side_result = result.get("value")

    # in a thread of its own: the test process may hold a running event loop
    # (Playwright's sync driver of the browser tests keeps one per thread)
    failed: list[BaseException] = []

    def drive() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            failed.append(exc)

    driver = threading.Thread(target=drive, name="load-writers")
    driver.start()
    driver.join()
    if failed:
        raise failed[0]
    return run


# ---------------------------------------------------------------- what the database holds


def stored(engine: Engine, prefix: str) -> dict[int, tuple[str, str, str, int]]:
    """The customers a run created: id -> (name, phone, note, version)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name, phone, note, version FROM crm_customer "
                                 "WHERE name LIKE :p"), {"p": f"{prefix}-%"})
        return {r.id: (r.name, r.phone, r.note, r.version) for r in rows}


def audit_rows(engine: Engine) -> dict[int, int]:
    """Audit rows per customer (one for the create, one per update)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT record_id, count(*) FROM core_audit WHERE model = 'crm.customer' "
                                 "GROUP BY record_id"))
        return {int(record): int(n) for record, n in rows}


def verify(engine: Engine, run: Run, prefix: str) -> list[str]:
    """What the database holds that the answers did not say (empty: all is well):
    each created customer once, each with the values and version of its last
    update, and one audit row for its create and each update."""
    found = stored(engine, prefix)
    audits = audit_rows(engine)
    problems = []
    if set(found) != set(run.customers):
        missing, extra = set(run.customers) - set(found), set(found) - set(run.customers)
        problems.append(f"{len(run.customers)} customers answered created, {len(found)} stored "
                        f"({len(missing)} missing, {len(extra)} not answered)")
    for customer in run.customers.values():
        want = (customer.name, customer.phone, customer.note, customer.version)
        if customer.id in found and found[customer.id] != want:
            problems.append(f"customer {customer.id}: stored {found[customer.id]}, answered {want}")
        if customer.id in found and audits.get(customer.id) != found[customer.id][3]:
            problems.append(f"customer {customer.id}: version {found[customer.id][3]}, "
                            f"{audits.get(customer.id)} audit rows")
    updates = sum(c.version - 1 for c in run.customers.values())
    if updates != run.count("update"):
        problems.append(f"{run.count('update')} updates answered, {updates} counted in the versions")
    return problems
