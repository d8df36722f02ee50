"""Concurrent writers against a real server, with a backup taken meanwhile.

``suanpan serve --workers 2`` on the load installation; 20 users, each with
its own session and connection, create and update customers through the
real form posts for 10 s (tests/load/writers.py); half-way through,
``suanpan backup`` runs. One run, checked from several sides:

* no request failed, and the database holds exactly what the answers said:
  every created customer once, every update landed (its version and values);
* SQLite: every connection of the server's processes set the kernel's
  PRAGMAs and wrote only under ``BEGIN IMMEDIATE`` (the statement trace of
  the setting ``sql_trace_dir``); PostgreSQL: every deadlock the server
  counted was run again by the kernel, never shown;
* the backup restores with ``suanpan restore`` into a clean directory (or
  database), passes the integrity check and is one consistent moment of the
  load: every customer acknowledged before the backup began is in it,
  nothing sent after it ended, and each customer's audit rows match its
  version.

Latency is printed (``-s``), not asserted: speed is measured by
bench/load_writers.py (50 users, 60 s) and recorded in docs/performance.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.load import sqltrace
from tests.load.served import (
    ADMIN_PASSWORD,
    Installation,
    drop_postgres,
    fresh_postgres,
    integrity_problems,
    sibling_database,
    sqlite_backup_counts,
    sqlite_journal_mode,
    table_counts,
)
from tests.load.writers import Run, audit_rows, run_writers, stored, verify

CLIENTS, SECONDS, PREFIX = 20, 10.0, "LOAD"


@dataclass
class Loaded:
    run: Run
    log: Path
    trace: Path
    backup: Path
    #: PostgreSQL: deadlocks the server counted in the served database during the run
    deadlocks: int | None


def pg_deadlocks(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"))
                   or 0)


@pytest.fixture(scope="module")
def loaded(installation: Installation) -> Iterator[Loaded]:
    trace = installation.var_dir / "sql-trace"
    backup = installation.var_dir / ("under-load.db" if installation.is_sqlite else "under-load.dump")
    engine = installation.engine()
    before = None if installation.is_sqlite else pg_deadlocks(engine)
    env = {"SUANPAN_SQL_TRACE_DIR": str(trace)} if installation.is_sqlite else {}
    with installation.served(workers=2, log_name="load-serve.log", **env) as server:
        run = run_writers(server.url, clients=CLIENTS, seconds=SECONDS, password=ADMIN_PASSWORD,
                          prefix=PREFIX, side=lambda: installation.run("backup", str(backup)))
    # the server has stopped: its connections are closed, their traces and statistics complete
    deadlocks = None if before is None else pg_deadlocks(engine) - before
    engine.dispose()
    print("\nload:", json.dumps(run.summary()), "backup during", run.side)
    yield Loaded(run, server.log, trace, backup, deadlocks)


def test_twenty_writers_get_no_error_and_every_create_and_update_lands(
        loaded: Loaded, installation: Installation, record_property: Callable[[str, object], None]) -> None:
    run = loaded.run
    summary = run.summary()
    for key in ("requests", "creates", "updates", "errors", "requests_per_second"):
        record_property(key, summary[key])
    record_property("p95_ms", summary["latency_ms"]["p95"])
    # no request failed
    assert run.errors == [], [(s.kind, s.status, s.error[:200]) for s in run.errors[:5]]
    assert run.count("create") >= CLIENTS and run.count("update") >= CLIENTS, summary
    # the database holds every customer the answers named, once, each with the values and
    # version of its last update, and an audit row for its create and each update
    engine = installation.engine()
    try:
        assert verify(engine, run, PREFIX) == []
        assert len(stored(engine, PREFIX)) == run.count("create")
    finally:
        engine.dispose()
    # the server never failed or restarted a worker meanwhile
    log = loaded.log.read_text(errors="replace")
    assert "Traceback" not in log and "died" not in log, log[-3000:]


def test_the_database_discipline_held_on_every_server_connection(loaded: Loaded, installation: Installation) -> None:
    if installation.is_sqlite:
        report = sqltrace.check(loaded.trace)
        # both serving processes wrote; every connection began with the kernel's PRAGMAs, and
        # every write ran inside BEGIN IMMEDIATE
        assert len(report.processes) >= 2 and report.connections >= 2, report
        assert report.writes >= loaded.run.count("create") + loaded.run.count("update"), report
        assert report.transactions.get("IMMEDIATE", 0) >= loaded.run.count("create"), report
        assert report.problems == [], report.problems[:10]
        assert sqlite_journal_mode(installation.sqlite_path) == "wal"
        return
    # PostgreSQL: every deadlock the server detected was answered by running the request
    # again (the kernel logs each), and none reached a user (no request failed)
    log = loaded.log.read_text(errors="replace")
    retried = log.count("running it again")
    print(f"\nPostgreSQL deadlocks during the load: {loaded.deadlocks}; requests run again: {retried}")
    assert loaded.deadlocks is not None and retried >= loaded.deadlocks
    assert loaded.run.errors == []


def restored_installation(installation: Installation, tmp_path: Path) -> tuple[Installation, Any]:
    """A clean directory (and, on PostgreSQL, an empty database) to restore into."""
    if installation.is_sqlite:
        return Installation.sqlite(tmp_path / "restored"), None
    url = fresh_postgres(sibling_database(installation.database_url, "restored"))
    return Installation(tmp_path / "restored", url), url


def test_a_backup_taken_under_load_restores_consistent_into_a_clean_directory(
        loaded: Loaded, installation: Installation, tmp_path: Path) -> None:
    run = loaded.run
    assert run.side is not None and loaded.backup.is_file()
    began, ended = run.side
    clean, pg_url = restored_installation(installation, tmp_path)
    clean.var_dir.mkdir(parents=True)
    try:
        clean.run("restore", str(loaded.backup), "--yes")
        engine = clean.engine()
        try:
            problems = integrity_problems(engine)
            counts = table_counts(engine)
            found = stored(engine, PREFIX)
            audits = audit_rows(engine)
        finally:
            engine.dispose()
    finally:
        if pg_url is not None:
            drop_postgres(pg_url)
    # the restore passes the integrity check
    assert problems == []
    if installation.is_sqlite:  # every table has the rows the backup file has
        assert counts == sqlite_backup_counts(loaded.backup)
    # one moment of the load: every customer acknowledged before the backup began is there,
    # none sent after it ended, and each at a version between those two moments
    acked = {s.customer for s in run.samples if s.kind == "create" and s.ok and s.answered < began}
    sent = {s.customer for s in run.samples if s.kind == "create" and s.ok and s.sent < ended}
    assert acked <= set(found) <= sent, (len(acked), len(found), len(sent))
    assert len(acked) > 0 and counts["crm_customer"] >= len(found)
    for customer, (*_, version) in found.items():
        low = 1 + sum(1 for s in run.samples if s.kind == "update" and s.ok and s.customer == customer
                      and s.answered < began)
        high = 1 + sum(1 for s in run.samples if s.kind == "update" and s.ok and s.customer == customer
                       and s.sent < ended)
        assert low <= version <= high, (customer, low, version, high)
    # and the customers and their audit rows are of the same moment (no half transaction)
    assert {i: audits.get(i) for i in found} == {i: v for i, (*_, v) in found.items()}
