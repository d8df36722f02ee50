#!/usr/bin/env python3
"""The exhibitions' floor plan under load: a plan of 2,000 booths.

    .venv/bin/python bench/exhibitions_plan.py               # SQLite
    .venv/bin/python bench/exhibitions_plan.py --postgres    # database suanpan_bench (dropped after)

Sets up a fresh installation (``suanpan setup``), draws a plan of 2,000
booths (40 rows of 50 through the generation service; a third sold, some
held), then

1. the server time of the plan page ``GET /exhibitions/plans/<id>``: p50 and
   p95 over 50 requests in-process (the ASGI app driven directly, as
   bench/profile_request.py does), with the SQL statements per request;
   target ≤ 150 ms;
2. 20 sellers at once (threads, each its own session and actor) changing
   booth statuses (hold, vacate) on random booths for ``--seconds``,
   reporting changes per second and conflicts (a booth changed meanwhile).

Nothing outside ``bench/`` is changed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import harness as bench  # noqa: E402
from profile_request import asgi_call, cookies_of  # noqa: E402


def build(kernel: Any) -> tuple[int, list[int], list[int]]:
    """A venue, hall, series, edition and a plan of 2,000 booths; (plan id, booth ids, customer ids)."""
    from sqlalchemy import select

    from core import load_actor
    from core.models import User
    from plugins.crm.services.customers import create_customer
    from plugins.exhibitions.models import Booth, Edition, FloorPlan, ShowSeries, Space, Venue
    from plugins.exhibitions.services import booths, plans

    with kernel.db.session() as db:
        admin = db.scalar(select(User).where(User.username == "admin"))
        actor = load_actor(db, admin, all_codes=set(kernel.registry.permissions))
        venue = Venue(org_id=admin.org_id, name="全国农业展览馆")
        db.add(venue)
        db.flush()
        hall = Space(org_id=admin.org_id, venue_id=venue.id, kind="hall", code="1", name="1号馆")
        series = ShowSeries(org_id=admin.org_id, name="中国国际农业博览会")
        db.add_all([hall, series])
        db.flush()
        edition = Edition(org_id=admin.org_id, series_id=series.id, number=25, venue_id=venue.id,
                          name="第二十五届中国国际农业博览会", state="selling")
        db.add(edition)
        db.flush()
        plan = FloorPlan(org_id=admin.org_id, edition_id=edition.id, space_id=hall.id, title="1号馆",
                         width=Decimal(200), depth=Decimal(200), grid=Decimal(1))
        db.add(plan)
        db.flush()
        for row in range(20):  # 20 blocks of 2 × 50 booths
            plans.generate(db, actor, plan.id, plans.GridSpec(
                prefix=chr(ord("A") + row), first=101, last=200, columns=50, width=Decimal(3), depth=Decimal(3),
                aisle=Decimal(3), x=Decimal(10), y=Decimal(5 + row * 9)))
        customers = [create_customer(db, actor, {"name": f"参展商{i:03d}农业科技有限公司",
                                                 "short_name": f"参展商{i:03d}"}).id for i in range(200)]
        db.flush()
        ids = list(db.scalars(select(Booth.id).where(Booth.plan_id == plan.id).order_by(Booth.id)))
        rng = random.Random(7)
        for booth_id in rng.sample(ids, 700):
            booths.change(db, actor, booth_id, "sell", customer_id=rng.choice(customers))
        return plan.id, ids, customers


def page_times(app: Any, kernel: Any, path: str, password: str, n: int) -> tuple[list[float], float]:
    from sqlalchemy import event

    statements: Counter[str] = Counter()

    @event.listens_for(kernel.db.engine, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements[statement[:60]] += 1

    async def run() -> tuple[list[float], float]:
        from urllib.parse import urlencode
        _, h, _ = await asgi_call(app, "GET", "/login")
        csrf = cookies_of(h)["suanpan_csrf"]
        body = urlencode({"username": "admin", "password": password, "csrf_token": csrf}).encode()
        st, h, _ = await asgi_call(app, "POST", "/login", f"suanpan_csrf={csrf}", body,
                                   "application/x-www-form-urlencoded")
        jar = {"suanpan_csrf": csrf, **cookies_of(h)}
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        for _ in range(5):  # warm up
            st, _, page = await asgi_call(app, "GET", path, cookie)
            assert st == 200, st
        assert page.count(b'class="exh-booth ') == 2000
        statements.clear()
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            st, _, _ = await asgi_call(app, "GET", path, cookie)
            times.append((time.perf_counter() - t0) * 1000)
            assert st == 200
        return times, sum(statements.values()) / n

    return asyncio.run(run())


def sellers(kernel: Any, ids: list[int], customers: list[int], threads: int, seconds: float) -> dict[str, Any]:
    from sqlalchemy import select

    from core import Conflict, load_actor
    from core.models import User
    from plugins.exhibitions.models import Booth
    from plugins.exhibitions.services import booths

    counts: Counter[str] = Counter()
    lock = threading.Lock()
    free = ids[:]  # any booth: a sold one refuses a hold (a conflict too)
    stop = time.perf_counter() + seconds
    start = threading.Barrier(threads)

    def seller(i: int) -> None:
        rng = random.Random(i)
        start.wait()
        while time.perf_counter() < stop:
            booth_id = rng.choice(free[:200])  # 200 booths: sellers collide often
            try:
                with kernel.db.session() as db:
                    user = db.scalar(select(User).where(User.username == "admin"))
                    actor = load_actor(db, user, all_codes=set(kernel.registry.permissions))
                    seen = db.scalar(select(Booth.version).where(Booth.id == booth_id))
                    status = db.scalar(select(Booth.status).where(Booth.id == booth_id))
                    action = "vacate" if status in ("held", "sold", "reserved") else "hold"
                    booths.change(db, actor, booth_id, action, version=seen,
                                  customer_id=rng.choice(customers) if action == "hold" else None)
                kind = "changes"
            except Conflict:
                kind = "conflicts"
            except Exception:  # noqa: BLE001 - counted: anything but a conflict is a failure
                kind = "errors"
            with lock:
                counts[kind] += 1

    t0 = time.perf_counter()
    workers = [threading.Thread(target=seller, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    return {"changes": counts["changes"], "conflicts": counts["conflicts"], "errors": counts["errors"],
            "seconds": wall,
            "changes_per_s": counts["changes"] / wall}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postgres", action="store_true", help="use PostgreSQL (suanpan_bench)")
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--sellers", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="suanpan-plan-"))
    try:
        db_url = bench.pg_recreate("suanpan_bench") if args.postgres else None
        env = bench.suanpan_env(workdir, db_url)
        subprocess.run([bench.suanpan_bin(), "setup"], cwd=REPO, env=env, check=True, capture_output=True,
                       timeout=300)
        for key in [k for k in os.environ if k.startswith("SUANPAN_")]:
            del os.environ[key]
        os.environ.update({k: v for k, v in env.items() if k.startswith("SUANPAN_")})
        import core.web
        from core.app import create_app

        async def inline(fn: Any, *a: Any, **kw: Any) -> Any:  # the handler in this thread
            return fn(*a, **kw)

        core.web.run_in_threadpool = inline  # type: ignore[assignment]
        app = create_app()
        kernel = app.state.kernel
        t0 = time.perf_counter()
        plan_id, ids, customers = build(kernel)
        print(f"database: {kernel.settings.database_url.split('@')[-1].split('/')[-1]}; "
              f"plan of {len(ids)} booths built in {time.perf_counter() - t0:.1f} s")
        path = f"/exhibitions/plans/{plan_id}"
        times, sql = page_times(app, kernel, path, bench.ADMIN_PASSWORD, args.requests)
        q = statistics.quantiles(times, n=20)
        print(f"GET /exhibitions/plans/{plan_id} ({len(ids)} booths): p50 {statistics.median(times):.1f} ms, "
              f"p95 {q[18]:.1f} ms over {args.requests} requests; {sql:.1f} SQL statements per request "
              f"(target ≤ 150 ms)")
        out = sellers(kernel, ids, customers, args.sellers, args.seconds)
        print(f"{args.sellers} sellers for {out['seconds']:.1f} s: {out['changes']} status changes "
              f"({out['changes_per_s']:.0f}/s), {out['conflicts']} conflicts, {out['errors']} errors")
        kernel.db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if args.postgres:
            bench.pg_drop("suanpan_bench")
    return 0


if __name__ == "__main__":
    sys.exit(main())
