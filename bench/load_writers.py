#!/usr/bin/env python3
"""Concurrent writers: N users creating and updating CRM customers through the
real pages against ``suanpan serve --workers 2``, for S seconds.

    .venv/bin/python bench/load_writers.py                        # SQLite, 50 users, 60 s
    .venv/bin/python bench/load_writers.py --postgres             # PostgreSQL
    .venv/bin/python bench/load_writers.py --backup               # and `suanpan backup` half-way
    .venv/bin/python bench/load_writers.py --clients 20 --seconds 10 --trace
    .venv/bin/python bench/load_writers.py --think 1                # users pause 0..2 s between saves

Each user logs in as the administrator (its own session and keep-alive
connection), then creates customers and updates the ones it created (one
create for two updates), each a form post with its CSRF token
(tests/load/writers.py), each request as soon as its last one was answered
(``--think S``: after a pause of 0..2 S seconds). Afterwards it checks the database: every customer
answered created is stored once, with the values and version of its last
update and an audit row per write. The run fails (exit 1) on any failed
request, any difference in the database, a traceback or a restarted worker
in the server log. It prints requests per second and latency percentiles
(goal: p95 < 250 ms) and writes bench/results/load-writers-<time>.json.

A fresh var dir under /tmp (and, with --postgres, the database
``--pg-database``, dropped and created again, dropped at the end) each run.
``--trace`` turns on the SQLite statement trace (setting ``sql_trace_dir``)
and checks the PRAGMAs and BEGIN IMMEDIATE of every connection, as the CI
test does; it slows the server, so figures with it are not comparable.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import harness as bench  # noqa: E402

from tests.load import sqltrace  # noqa: E402
from tests.load.served import ADMIN_PASSWORD, Installation  # noqa: E402
from tests.load.writers import run_writers, verify  # noqa: E402

PREFIX = "BENCH"
P95_GOAL_MS = 250


def one(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    url = bench.pg_recreate(args.pg_database) if backend == "postgresql" else None
    var_dir = workdir / backend
    inst = Installation(var_dir, url) if url else Installation.sqlite(var_dir)
    out: dict[str, Any] = {"backend": backend, "workers": args.workers, "think": args.think}
    try:
        started = time.perf_counter()
        inst.setup()
        out["setup_seconds"] = round(time.perf_counter() - started, 1)
        out["busy_before"] = round(bench.wait_quiet(0.15, args.quiet_timeout), 3)
        trace = var_dir / "sql-trace"
        env = {"SUANPAN_SQL_TRACE_DIR": str(trace)} if args.trace and not url else {}
        backup = var_dir / ("under-load.dump" if url else "under-load.db")
        side = (lambda: inst.run("backup", str(backup))) if args.backup else None
        database = args.pg_database if url else None
        with inst.served(workers=args.workers, log_name="serve.log", **env) as server:
            pgid = server.proc.pid
            cpu0, pg0, sys0 = bench.group_cpu(pgid), bench.pg_backend_cpu(database), bench.system_cpu()
            load0 = bench.loadavg()
            run = run_writers(server.url, clients=args.clients, seconds=args.seconds, password=ADMIN_PASSWORD,
                              prefix=PREFIX, think=args.think, side=side)
            cpu1, pg1, sys1 = bench.group_cpu(pgid), bench.pg_backend_cpu(database), bench.system_cpu()
            out["loadavg"] = [load0, bench.loadavg()]
        out.update(run.summary())
        machine = sys1[0] - sys0[0]
        out["cpu_seconds"] = {"server": round(cpu1 - cpu0, 1), "postgres": round(pg1 - pg0, 1),
                              "machine": round(machine, 1),
                              "others": round(machine - (cpu1 - cpu0) - (pg1 - pg0), 1)}
        if run.side is not None:
            out["backup"] = {"began": round(run.side[0], 2), "ended": round(run.side[1], 2),
                             "bytes": backup.stat().st_size}
        engine = inst.engine()
        try:
            problems = verify(engine, run, PREFIX)
        finally:
            engine.dispose()
        problems += [f"{s.kind} {s.status}: {s.error[:200]}" for s in run.errors[:10]]
        log = server.log.read_text(errors="replace")
        if "Traceback" in log or "died" in log:
            problems.append(f"the server log has a traceback or a restarted worker: {server.log}")
        out["requests_run_again"] = log.count("running it again")
        if env:
            report = sqltrace.check(trace)
            out["trace"] = {"connections": report.connections, "processes": len(report.processes),
                            "statements": report.statements, "writes": report.writes,
                            "transactions": report.transactions, "problems": report.problems[:20]}
            problems += report.problems[:20]
        out["problems"] = problems
        out["p95_goal_met"] = out["latency_ms"]["p95"] < P95_GOAL_MS
    finally:
        if url:
            bench.pg_drop(args.pg_database)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--think", type=float, default=0.0,
                    help="each user pauses 0..2x this many seconds between requests (0: none)")
    ap.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    ap.add_argument("--both", action="store_true", help="SQLite, then PostgreSQL")
    ap.add_argument("--pg-database", default="suanpan_bench_load")
    ap.add_argument("--backup", action="store_true", help="run `suanpan backup` half-way")
    ap.add_argument("--trace", action="store_true", help="SQLite: check every connection's statements")
    ap.add_argument("--quiet-timeout", type=float, default=180)
    ap.add_argument("--keep", action="store_true", help="keep the var dirs")
    args = ap.parse_args()
    if not 1 <= args.clients <= 500 or not 1 <= args.seconds <= 3600:
        ap.error("clients 1..500, seconds 1..3600")
    backends = ["sqlite", "postgresql"] if args.both else ["postgresql" if args.postgres else "sqlite"]
    workdir = Path(tempfile.mkdtemp(prefix="suanpan-load-"))
    results: dict[str, Any] = {"command": " ".join(sys.argv), "machine": bench.machine_info(),
                               "at": datetime.now(UTC).isoformat(timespec="seconds"), "runs": []}
    try:
        for backend in backends:
            bench.log(f"{backend}: {args.clients} users for {args.seconds:.0f} s, {args.workers} workers")
            found = one(backend, args, workdir)
            results["runs"].append(found)
            lat = found["latency_ms"]
            bench.log(f"{backend}: {found['requests']} requests ({found['creates']} creates, "
                      f"{found['updates']} updates), {found['errors']} errors, "
                      f"{found['requests_per_second']} req/s; "
                      f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms, max {lat['max']} ms "
                      f"(goal p95 < {P95_GOAL_MS} ms: {'met' if found['p95_goal_met'] else 'MISSED'}); "
                      f"CPU s {found['cpu_seconds']}; problems: {len(found['problems'])}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    bench.RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (bench.RESULTS / f"load-writers-{stamp}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results["runs"], indent=2, ensure_ascii=False))
    return 1 if any(r["problems"] for r in results["runs"]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
