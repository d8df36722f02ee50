#!/usr/bin/env python3
"""One uvicorn worker under 1..16 open connections: req/s and server CPU per request.

    .venv/bin/python bench/concurrency.py                    # Starlette's thread pool
    .venv/bin/python bench/concurrency.py --thread-limit 1   # handlers on 1 thread
    .venv/bin/python bench/concurrency.py --postgres

A diagnostic, not part of ``make bench``: it shows how a single worker's
throughput changes with the number of concurrent requests, and what the
thread pool and the database pool do (connections opened vs. checked out).
It serves ``bench/diag_app.py:create`` with uvicorn directly (same settings as
``suanpan serve`` but no access log), on 127.0.0.1 only, with wrk.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness as bench  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--thread-limit", type=int, default=0,
                    help="run handlers on at most N threads (0: Starlette's pool of 40)")
    ap.add_argument("--connections", default="1,2,4,8,16")
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--postgres", action="store_true")
    args = ap.parse_args()
    conns = [int(c) for c in args.connections.split(",")]
    if not all(1 <= c <= 256 for c in conns) or not 1 <= args.duration <= 60:
        ap.error("connections 1..256, duration 1..60")
    wrk = bench.ensure_wrk(allow_install=True)
    if wrk is None:
        sys.exit("wrk is required")
    workdir = Path(tempfile.mkdtemp(prefix="suanpan-conc-"))
    try:
        url = bench.pg_recreate("suanpan_bench") if args.postgres else None
        env = bench.suanpan_env(workdir, url)
        subprocess.run([bench.suanpan_bin(), "setup"], cwd=bench.REPO, env=env, check=True,
                       capture_output=True, timeout=300)
        env.update(PYTHONPATH=str(HERE), BENCH_COUNTS_DIR=str(workdir),
                   BENCH_THREAD_LIMIT=str(args.thread_limit))
        port = bench.free_port()
        uvicorn = str(Path(bench.suanpan_bin()).parent / "uvicorn")
        with (workdir / "serve.log").open("wb") as log:
            proc = subprocess.Popen(
                [uvicorn, "diag_app:create", "--factory", "--host", bench.HOST, "--port",
                 str(port), "--workers", "1", "--proxy-headers", "--no-access-log"],
                cwd=bench.REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        cookie = bench.login(port)
                        break
                    except (OSError, KeyError, RuntimeError):
                        time.sleep(0.05)
                else:
                    sys.exit("server did not start")
                limit = args.thread_limit or "pool"
                print(f"database {'postgresql' if url else 'sqlite'}, 1 worker, "
                      f"handler threads: {limit}")
                for path in ("/", "/admin/users"):
                    for c in conns:
                        busy = bench.wait_quiet(0.15, 120)
                        cpu0 = bench.group_cpu(proc.pid)
                        res = bench.run_wrk(wrk, port, path, cookie, threads=1, connections=c,
                                            duration=args.duration)
                        cpu = bench.group_cpu(proc.pid) - cpu0
                        print(f"GET {path:13} -c{c:<3} {res['rps']:7.1f} req/s  server CPU "
                              f"{1000 * cpu / max(1, res['requests']):5.2f} ms/request  p50 "
                              f"{res['latency_ms']['p50']:6.1f} ms  non-2xx {res['non_2xx']}  "
                              f"(machine busy before: {busy:.0%})", flush=True)
                counts = [json.loads(p.read_text()) for p in workdir.glob("counts-*.json")]
                print(f"database connections: {counts}")
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if args.postgres:
            bench.pg_drop("suanpan_bench")
    return 0


if __name__ == "__main__":
    sys.exit(main())
