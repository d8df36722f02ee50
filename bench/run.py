#!/usr/bin/env python3
"""Suanpan benchmarks: set-up time, cold start and requests per second.

    .venv/bin/python bench/run.py               # SQLite
    .venv/bin/python bench/run.py --postgres    # SQLite, then PostgreSQL

What it measures, on each database:

* ``suanpan setup`` on an empty var dir (and, for PostgreSQL, an empty
  database): migrate + administrator + demo data;
* cold start: from launching ``suanpan serve`` on the set-up database to the
  first 200 answer of ``GET /login`` (median of 5, with 1 and 2 workers);
* requests per second of ``GET /`` (home page) and ``GET /admin/users`` (a kit
  list page) with ``--workers 2``, logged in as ``admin``, over loopback, with
  wrk (``-t1 -c16 -d10s``); every non-2xx answer is counted as an error. The
  CPU used by the server, PostgreSQL, wrk and everything else is recorded; a run
  where one worker did most of the work (uvicorn's workers share one socket and a
  keep-alive connection stays with the worker that accepted it) is repeated, up to
  3 attempts, all kept in the JSON.

Only 127.0.0.1 is ever contacted. PostgreSQL runs use a database of their own
(``suanpan_bench``, dropped and created again; never ``test``). Results go to
``bench/results/`` as JSON (gitignored) and a table on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import (
    REPO,
    RESULTS,
    Server,
    check_page,
    ensure_wrk,
    keep_logs,
    log,
    login,
    machine_info,
    measure_load,
    pg_drop,
    pg_recreate,
    pg_version,
    suanpan_bin,
    suanpan_env,
    wait_quiet,
    wrk_version,
)

PAGES = [("home", "/"), ("users", "/admin/users")]


def bench_backend(backend: str, args: argparse.Namespace, wrk: str | None,
                  workdir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"backend": backend}
    if backend == "postgresql":
        out["server_version"] = pg_version()
        out["database"] = args.pg_database

    # 1. suanpan setup on an empty var dir (and an empty database)
    out["machine_busy_before_pct"] = round(
        100 * wait_quiet(args.quiet_limit, args.quiet_timeout), 1)
    setup_times = []
    var_dir = workdir
    db_url = None
    for i in range(args.setup_runs):
        var_dir = workdir / f"{backend}-var-{i}"
        var_dir.mkdir(parents=True)
        db_url = pg_recreate(args.pg_database) if backend == "postgresql" else None
        env = suanpan_env(var_dir, db_url)
        t0 = time.perf_counter()
        proc = subprocess.run([suanpan_bin(), "setup"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"suanpan setup failed:\n{proc.stdout}\n{proc.stderr}")
        setup_times.append(elapsed)
        log(f"{backend}: setup #{i + 1}: {elapsed:.3f} s")
    out["setup_s"] = {"median": round(statistics.median(setup_times), 3),
                      "runs": [round(t, 3) for t in setup_times]}
    env = suanpan_env(var_dir, db_url)  # the last set-up database serves from here on
    server_log = var_dir / "serve.log"

    # 2. cold start: launch -> first 200 of GET /login
    out["cold_start_s"] = {}
    for workers in (1, 2):
        times = []
        for i in range(args.cold_runs):
            with Server(env, workers, server_log) as srv:
                times.append(srv.wait_ready())
            log(f"{backend}: cold start, {workers} worker(s), #{i + 1}: {times[-1]:.3f} s")
            time.sleep(0.3)
        out["cold_start_s"][f"workers_{workers}"] = {
            "median": round(statistics.median(times), 3), "runs": [round(t, 3) for t in times]}

    # 3. requests per second, 2 workers, logged in
    out["throughput"] = {}
    pg_name = args.pg_database if backend == "postgresql" else None
    with Server(env, 2, server_log) as srv:
        srv.wait_ready()
        cookie = login(srv.port)
        for name, path in PAGES:
            size = check_page(srv.port, path, cookie)
            attempts = []
            for attempt in range(args.attempts):
                res = measure_load(srv, path, cookie, size, args, wrk, pg_name, server_log)
                attempts.append(res)
                top = res["cpu"]["server_s_per_process"][:2]
                share = top[0] / sum(top) if sum(top) > 0 else 1.0
                res["busiest_worker_share"] = round(share, 2)
                res["balanced"] = share <= args.balance_limit
                log(f"{backend}: GET {path}: {res['rps']} req/s, p50 {res['latency_ms']['p50']} "
                    f"ms, p99 {res['latency_ms']['p99']} ms, non-2xx {res['non_2xx']}; CPU s: "
                    f"server {res['cpu']['server_s']} {res['cpu']['server_s_per_process']}, "
                    f"PostgreSQL {res['cpu']['database_s']}, client {res['cpu']['client_s']}, "
                    f"other processes {res['cpu']['other_processes_pct']}% of the machine")
                time.sleep(1)
                if share <= args.balance_limit:
                    break
                log(f"{backend}: GET {path}: unbalanced ({share:.0%} of the server CPU in one "
                    f"worker: uvicorn's workers share one socket and each keep-alive "
                    f"connection stays with the worker that accepted it)"
                    + ("; measuring again" if attempt + 1 < args.attempts else
                       "; keeping it, no attempts left"))
            res = dict(attempts[-1])
            res["attempts"] = len(attempts)
            res["unbalanced_attempts"] = [
                {k: a[k] for k in ("rps", "busiest_worker_share", "latency_ms", "non_2xx",
                                   "socket_errors", "cpu")}
                for a in attempts[:-1]]
            out["throughput"][name] = res
    text = server_log.read_text(errors="replace")
    out["server_tracebacks"] = text.count("Traceback (most recent call last)")
    return out



def table(results: dict[str, Any]) -> str:
    rows = [("", *(b["backend"] for b in results["backends"]))]

    def add(label: str, fn: Any) -> None:
        rows.append((label, *(fn(b) for b in results["backends"])))

    add("suanpan setup, empty db (median s)", lambda b: f"{b['setup_s']['median']:.2f}")
    add("cold start, 1 worker (median s)",
        lambda b: f"{b['cold_start_s']['workers_1']['median']:.2f}")
    add("cold start, 2 workers (median s)",
        lambda b: f"{b['cold_start_s']['workers_2']['median']:.2f}")
    for name, path in PAGES:
        add(f"GET {path} req/s (2 workers)", lambda b, n=name: f"{b['throughput'][n]['rps']:.0f}")
        add(f"GET {path} p50 / p99 (ms)", lambda b, n=name: (
            f"{b['throughput'][n]['latency_ms']['p50']:.1f} / "
            f"{b['throughput'][n]['latency_ms']['p99']:.1f}"))
        add(f"GET {path} server CPU ms/request", lambda b, n=name: (
            f"{b['throughput'][n]['cpu']['server_cpu_ms_per_request']:.2f}"))
        add(f"GET {path} server CPU s per process", lambda b, n=name: "+".join(
            f"{x:.1f}" for x in b['throughput'][n]['cpu']['server_s_per_process'] if x >= 0.05))
        add(f"GET {path} unbalanced runs discarded", lambda b, n=name: (
            str(len(b['throughput'][n]['unbalanced_attempts']))))
        add(f"GET {path} CPU used by others (%)", lambda b, n=name: (
            f"{b['throughput'][n]['cpu']['other_processes_pct']:.0f}"))
        add(f"GET {path} non-2xx / socket errors", lambda b, n=name: (
            f"{b['throughput'][n]['non_2xx']} / "
            f"{sum(b['throughput'][n]['socket_errors'].values())}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        lines.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                               for i, c in enumerate(r)))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postgres", action="store_true",
                    help="also run on PostgreSQL at 127.0.0.1:5432 (user postgres)")
    ap.add_argument("--no-sqlite", action="store_true", help="skip SQLite (with --postgres)")
    ap.add_argument("--pg-database", default="suanpan_bench",
                    help="database to drop and create for the run (default: suanpan_bench)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per load run (10)")
    ap.add_argument("--connections", type=int, default=16, help="open connections (16)")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    ap.add_argument("--cold-runs", type=int, default=5, help="cold starts per setting (5)")
    ap.add_argument("--setup-runs", type=int, default=3, help="`suanpan setup` runs (3)")
    ap.add_argument("--client", choices=["auto", "wrk", "python"], default="auto",
                    help="load generator: wrk (installed from Debian if missing) or Python")
    ap.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    ap.add_argument("--quiet-limit", type=float, default=0.15,
                    help="before measuring, wait until other processes use less than this "
                         "share of the CPUs (0.15)")
    ap.add_argument("--quiet-timeout", type=float, default=180,
                    help="longest wait for a quiet machine, seconds (180); then measure anyway")
    ap.add_argument("--attempts", type=int, default=3,
                    help="load runs per page at most, repeated while one worker did most of the "
                         "work (3); every attempt is recorded")
    ap.add_argument("--balance-limit", type=float, default=0.75,
                    help="a run is unbalanced when one worker used more than this share of the "
                         "server CPU (0.75)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary var dirs and the PostgreSQL database")
    args = ap.parse_args()
    if not 1 <= args.duration <= 120 or not 1 <= args.connections <= 256:
        ap.error("--duration must be 1..120 and --connections 1..256")
    if not 1 <= args.attempts <= 5:
        ap.error("--attempts must be 1..5")
    if not 0 <= args.quiet_timeout <= 1800:
        ap.error("--quiet-timeout must be 0..1800")
    if not 1 <= args.cold_runs <= 20 or not 1 <= args.setup_runs <= 10:
        ap.error("--cold-runs must be 1..20 and --setup-runs 1..10")
    backends = ([] if args.no_sqlite else ["sqlite"]) + (["postgresql"] if args.postgres else [])
    if not backends:
        ap.error("nothing to run")

    wrk = None
    if args.client in ("auto", "wrk"):
        wrk = ensure_wrk(allow_install=not args.no_install)
        if wrk is None and args.client == "wrk":
            sys.exit("bench: wrk is required (--client wrk) but not available")
    info = machine_info()
    started = datetime.now(UTC)
    results: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "machine": info,
        "client": wrk_version(wrk) if wrk else "python-asyncio",
        "settings": {"duration_s": args.duration, "connections": args.connections,
                     "threads": args.threads, "cold_runs": args.cold_runs,
                     "setup_runs": args.setup_runs},
        "backends": [],
    }
    log(f"{info['nproc']} CPUs ({info['cpu_model']}), Python {info['python']}, "
        f"client: {results['client']}")
    workdir = Path(tempfile.mkdtemp(prefix="suanpan-bench-"))
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    failed = False
    try:
        for backend in backends:
            results["backends"].append(bench_backend(backend, args, wrk, workdir))
    finally:
        keep_logs(workdir, RESULTS / f"bench-{stamp}-logs")
        if args.keep:
            log(f"kept {workdir}" + (f" and database {args.pg_database}" if args.postgres else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if args.postgres:
                with contextlib.suppress(Exception):
                    pg_drop(args.pg_database)
    for b in results["backends"]:
        for name, final in b["throughput"].items():
            for res in [*final["unbalanced_attempts"], final]:
                if res["non_2xx"] or sum(res["socket_errors"].values()):
                    failed = True
                    log(f"ERROR: {b['backend']} {name}: {res['non_2xx']} non-2xx answers, "
                        f"socket errors {res['socket_errors']}")
        if b["server_tracebacks"]:
            failed = True
            log(f"ERROR: {b['backend']}: {b['server_tracebacks']} tracebacks in the server log")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "latest.json").write_text(path.read_text())
    print()
    print(f"Suanpan benchmarks, {results['date']}, {info['nproc']} CPUs ({info['cpu_model']}), "
          f"Python {info['python']}, client {results['client']}")
    print(table(results))
    print(f"\nresults: {path.relative_to(REPO)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
