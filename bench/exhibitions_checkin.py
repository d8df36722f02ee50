#!/usr/bin/env python3
"""Visitors through the gates: 20,000 check-ins of an open day.

    .venv/bin/python bench/exhibitions_checkin.py               # SQLite
    .venv/bin/python bench/exhibitions_checkin.py --postgres    # database suanpan_bench (dropped after)

Sets up a fresh installation (``suanpan setup --no-demo``), an edition open
on 2027-11-20 and ``--visitors`` registered visitors (written in bulk), then
``--gates`` gates (threads) scan at once, flat out or at ``--rate`` scans a
second over all gates: every visitor once, and one in ten a second time
(coming back in), in a shuffled order, each scan its own
transaction through ``services.visitors.scan`` with the gate's actor, as the
gate page does. Reports scans per second, p50/p95/p99 per scan, and checks
that no visitor was admitted twice: one admission row per visitor scanned,
scans adding up. 20,000 scans is an hour of a busy day's entrances.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import harness as bench  # noqa: E402

OPEN_DAY = date(2027, 11, 20)


def build(kernel: Any, visitors: int) -> tuple[int, list[str]]:
    """An edition open on OPEN_DAY and its visitors; (edition id, ticket codes)."""
    from sqlalchemy import insert, select

    from core.models import User
    from plugins.exhibitions.models import Edition, ShowSeries, Visitor
    from plugins.exhibitions.services.visitors import new_code

    with kernel.db.session() as db:
        admin = db.scalar(select(User).where(User.username == "admin"))
        series = ShowSeries(org_id=admin.org_id, name="中国国际农业博览会")
        db.add(series)
        db.flush()
        edition = Edition(org_id=admin.org_id, series_id=series.id, number=25, name="第二十五届农博会",
                          opens_on=OPEN_DAY, closes_on=OPEN_DAY + timedelta(days=3), state="running")
        db.add(edition)
        db.flush()
        codes = list({new_code() for _ in range(visitors)})
        now = datetime.now(UTC)
        db.execute(insert(Visitor), [
            {"org_id": admin.org_id, "owner_id": admin.id, "edition_id": edition.id, "name": f"观众{n:05d}",
             "company": "", "title": "", "mobile": f"139{n:08d}", "email": "", "kind": "visitor",
             "delegation": "", "qualified": False, "code": code, "version": 1, "created_at": now,
             "updated_at": now}
            for n, code in enumerate(codes)])
        return edition.id, codes


def gates(kernel: Any, edition_id: int, codes: list[str], n: int, rate: float) -> dict[str, Any]:
    from sqlalchemy import select

    from core import load_actor
    from core.models import User
    from plugins.exhibitions.services import visitors

    scans = codes + random.Random(7).sample(codes, len(codes) // 10)  # one in ten comes back in
    random.Random(11).shuffle(scans)
    queue = iter(scans)
    lock = threading.Lock()
    times: list[float] = []
    results: dict[str, int] = {}
    errors: list[str] = []
    at = datetime(2027, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing

    def gate(i: int) -> None:
        with kernel.db.session(write=False) as db:
            actor = load_actor(db, db.scalar(select(User).where(User.username == "admin")),
                               all_codes=set(kernel.registry.permissions))
        mine: list[float] = []
        interval = n / rate if rate else 0.0  # each gate's share of the arrivals
        began, k = time.perf_counter(), 0
        while True:
            if interval:
                k += 1
                wait = began + k * interval - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            with lock:
                code = next(queue, None)
            if code is None:
                break
            t = time.perf_counter()
            try:
                with kernel.db.session() as db:
                    result = visitors.scan(db, actor, edition_id, code, gate=f"G{i}", at=at).result
            except Exception as exc:  # noqa: BLE001 - counted and shown
                with lock:
                    errors.append(repr(exc))
                continue
            mine.append((time.perf_counter() - t) * 1000)
            with lock:
                results[result] = results.get(result, 0) + 1
        with lock:
            times.extend(mine)

    start = time.perf_counter()
    threads = [threading.Thread(target=gate, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return {"seconds": time.perf_counter() - start, "times": times, "results": results, "errors": errors,
            "scans": len(scans)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postgres", action="store_true", help="use PostgreSQL (suanpan_bench)")
    ap.add_argument("--visitors", type=int, default=18_200)
    ap.add_argument("--gates", type=int, default=20)
    ap.add_argument("--rate", type=float, default=0.0,
                    help="scans a second over all gates (0: as fast as they go; an hour of 20,000 is 5.6/s)")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="suanpan-gates-"))
    try:
        db_url = bench.pg_recreate("suanpan_bench") if args.postgres else None
        env = bench.suanpan_env(workdir, db_url)
        subprocess.run([bench.suanpan_bin(), "setup", "--no-demo"], cwd=REPO, env=env, check=True,
                       capture_output=True, timeout=300)
        for key in [k for k in os.environ if k.startswith("SUANPAN_")]:
            del os.environ[key]
        os.environ.update({k: v for k, v in env.items() if k.startswith("SUANPAN_")})
        # a connection for every gate thread (a server sizes its pool by its handler threads)
        os.environ["SUANPAN_THREADS"] = str(args.gates)
        from sqlalchemy import func, select

        from core.app import Kernel
        from core.config import load_settings
        from plugins.exhibitions.models import Admission

        kernel = Kernel(load_settings())
        edition_id, codes = build(kernel, args.visitors)
        out = gates(kernel, edition_id, codes, args.gates, args.rate)
        times = sorted(out["times"])
        q = statistics.quantiles(times, n=100)
        with kernel.db.session(write=False) as db:
            rows, total = db.execute(select(func.count(), func.sum(Admission.scans))).one()
        print(f"database: {kernel.settings.database_url.split('@')[-1].split('/')[-1]}; {len(codes)} visitors, "
              f"{out['scans']} scans by {args.gates} gates"
              f"{f' at {args.rate:.0f}/s' if args.rate else ', flat out'} in {out['seconds']:.1f} s "
              f"({out['scans'] / out['seconds']:.0f} scans/s)")
        print(f"per scan: p50 {statistics.median(times):.1f} ms, p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms "
              f"(target p95 ≤ 50 ms); results {out['results']}; errors {len(out['errors'])}")
        print(f"admissions {rows} for {len(codes)} visitors (one each: {rows == len(codes)}); "
              f"scans counted {total} of {out['scans']} ({total == out['scans']})")
        for error in out["errors"][:5]:
            print("  ", error)
        kernel.db.dispose()
        return 0 if rows == len(codes) and total == out["scans"] and not out["errors"] else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if args.postgres:
            bench.pg_drop("suanpan_bench")


if __name__ == "__main__":
    sys.exit(main())
