"""A request whose transaction the database aborts because of another one
is run again by the kernel (core.web), so users never see a deadlock.

A throwaway route updates two organisations, A then B. On its first run a
second transaction takes B and then waits for A: the two wait for each
other. PostgreSQL detects the deadlock and aborts the request's transaction
(its ``deadlock_timeout`` is the shorter), and the kernel runs the request
again. On SQLite the second transaction cannot even begin while the request
writes (``BEGIN IMMEDIATE``, one writer at a time), so no deadlock can form
and the request commits in one run.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text, update
from starlette.responses import PlainTextResponse

from core import PUBLIC, Routes, hookimpl
from core.app import Kernel
from core.models import Org
from core.plugins import Manifest

#: the route's runs, and what the other transaction did
RUNS: list[int] = []
OTHER: dict[str, Any] = {}
CODES: dict[str, str] = {}

routes = Routes()


def _append(db: Any, code: str, mark: str) -> None:
    db.execute(update(Org).where(Org.code == code).values(name=Org.name + mark))


def _other_transaction(url: str, ready: threading.Event) -> None:
    """Take B, then wait for A (PostgreSQL), or be refused (SQLite)."""
    if url.startswith("sqlite"):
        lite = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            lite.execute("BEGIN IMMEDIATE")
            OTHER["outcome"] = "began"
        except sqlite3.OperationalError as exc:
            OTHER["outcome"] = f"refused: {exc}"
        finally:
            lite.close()
            ready.set()
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL deadlock_timeout = '10s'"))  # the request is the victim
            OTHER["pid"] = conn.scalar(text("SELECT pg_backend_pid()"))
            _append(conn, CODES["B"], "+h")
            ready.set()
            _append(conn, CODES["A"], "+h")  # waits for the request's transaction
        OTHER["outcome"] = "committed"
    finally:
        engine.dispose()


@routes.post("/swap", name="swap", permission=PUBLIC)
def swap(ctx: Any) -> PlainTextResponse:
    RUNS.append(len(RUNS) + 1)
    db = ctx.db
    postgres = db.get_bind().dialect.name == "postgresql"
    if postgres:
        db.execute(text("SET LOCAL deadlock_timeout = '20ms'"))
    _append(db, CODES["A"], "+r")
    if len(RUNS) == 1:
        ready = threading.Event()
        url = db.get_bind().url.render_as_string(hide_password=False)
        OTHER["thread"] = threading.Thread(target=_other_transaction, args=(url, ready))
        OTHER["thread"].start()
        assert ready.wait(30)
        if postgres:  # until the other transaction waits for A, which this one holds
            deadline = time.monotonic() + 30
            while not db.scalar(text("SELECT cardinality(pg_blocking_pids(:pid)) > 0"),
                                {"pid": OTHER["pid"]}):
                assert time.monotonic() < deadline, "the other transaction never waited for A"
                time.sleep(0.01)
    _append(db, CODES["B"], "+r")  # PostgreSQL: a deadlock, this transaction aborted
    return PlainTextResponse(f"run {len(RUNS)}")


@hookimpl
def register_routes() -> Routes:
    return routes


@pytest.fixture
def retry_kernel(kernel: Kernel, start: Any, make: Any, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[Kernel]:
    RUNS.clear()
    OTHER.clear()
    CODES.update(A=make.org("甲公司").code, B=make.org("乙公司").code)
    module = ModuleType("suanpan_test_retryt")
    module.__path__ = []  # no hookspecs submodule
    module.register_routes = register_routes  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    k = start((Manifest(name="retryt", module=module.__name__, path=tmp_path), module))
    assert "retryt" in k.enabled, k.errors
    yield k
    if "thread" in OTHER:
        OTHER["thread"].join(30)


def names(kernel: Kernel) -> tuple[str, str]:
    with kernel.db.session(write=False) as db:
        found = dict(db.execute(select(Org.code, Org.name).where(Org.code.in_(CODES.values()))).all())
    return found[CODES["A"]], found[CODES["B"]]


def test_a_request_caught_in_a_deadlock_runs_again_and_the_user_never_sees_it(
        retry_kernel: Kernel, browser: Any, caplog: pytest.LogCaptureFixture) -> None:
    client = browser(retry_kernel, raise_server_exceptions=False)
    # when a user's request and another transaction update the same two rows in opposite orders
    response = client.submit("/retryt/swap")
    OTHER["thread"].join(30)
    # then the user gets the page, and each transaction's change landed exactly once
    assert response.status_code == 200
    if retry_kernel.db.is_sqlite:
        # SQLite: the other writer could not begin while the request wrote
        assert response.text == "run 1" and RUNS == [1]
        assert OTHER["outcome"] == "refused: database is locked"
        assert names(retry_kernel) == ("甲公司+r", "乙公司+r")
        return
    # PostgreSQL: the deadlock aborted the request's first run; the kernel ran it again
    assert response.text == "run 2" and RUNS == [1, 2]
    assert OTHER["outcome"] == "committed"
    assert names(retry_kernel) == ("甲公司+h+r", "乙公司+h+r")
    assert "POST /retryt/swap: DeadlockDetected in attempt 1; running it again" in caplog.text
