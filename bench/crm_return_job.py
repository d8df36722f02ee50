#!/usr/bin/env python3
"""The nightly return-to-pool job (``crm.return_to_pool``) over a million customers.

    .venv/bin/python bench/crm_return_job.py                     # SQLite, 1,000,000 customers
    .venv/bin/python bench/crm_return_job.py --postgres          # PostgreSQL (database crm_return_bench)
    .venv/bin/python bench/crm_return_job.py --customers 100000  # smaller

Builds one organisation with 500 salespeople and N owned customers in one
``INSERT … SELECT`` (a recursive CTE on SQLite, ``generate_series`` on
PostgreSQL: a million rows in seconds), spread over the four levels, owned
for up to 120 days, most followed up within the last 25 days, some won
deals. Rules: every level 30 days without a follow-up (warned 3 days
before), VIP 90 days, key customers also 180 days without a won deal.
Then queues the job and lets a worker run it, as the scheduler would at
02:30, and reports how long it took and what it did (customers returned,
owners warned, notifications). Target: 60 s for a million customers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

OWNERS = 500
LEVELS = ("vip", "key", "normal", "potential")

#: column values of the generated customers, from the row number n (SQLite)
SQLITE_FILL = """
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :count)
INSERT INTO crm_customer (org_id, owner_id, kind, name, name_en, short_name, uscc, industry, size, province,
    city, district, address, phone, email, website, source, level, note, initial, value_grade, version,
    extra, created_at, updated_at, owned_since, last_followup_at, last_won_at)
SELECT :org, :first_user + (n % :owners), 'company', '客户' || n, '', '', '', 'other', '', '', '上海', '',
    '', '', '', '', '', CASE n % 4 WHEN 0 THEN 'vip' WHEN 1 THEN 'key' WHEN 2 THEN 'normal' ELSE 'potential' END,
    '', 'K', '', 1, '{}',
    datetime(:now, '-200 days'), datetime(:now, '-200 days'),
    datetime(:now, '-' || (n % 120) || ' days', '-' || (n % 1440) || ' minutes'),
    CASE WHEN n % 10 < 7 THEN datetime(:now, '-' || (n % 25) || ' days', '-' || (n % 977) || ' minutes')
         WHEN n % 10 < 9 THEN datetime(:now, '-' || (25 + n % 40) || ' days') END,
    CASE WHEN n % 7 = 0 THEN datetime(:now, '-' || (n % 300) || ' days') END
FROM seq
"""

PG_FILL = """
INSERT INTO crm_customer (org_id, owner_id, kind, name, name_en, short_name, uscc, industry, size, province,
    city, district, address, phone, email, website, source, level, note, initial, value_grade, version,
    extra, created_at, updated_at, owned_since, last_followup_at, last_won_at)
SELECT :org, :first_user + (n % :owners), 'company', '客户' || n, '', '', '', 'other', '', '', '上海', '',
    '', '', '', '', '', CASE n % 4 WHEN 0 THEN 'vip' WHEN 1 THEN 'key' WHEN 2 THEN 'normal' ELSE 'potential' END,
    '', 'K', '', 1, '{}',
    CAST(:now AS timestamp) - interval '200 days', CAST(:now AS timestamp) - interval '200 days',
    CAST(:now AS timestamp) - (n % 120) * interval '1 day' - (n % 1440) * interval '1 minute',
    CASE WHEN n % 10 < 7 THEN CAST(:now AS timestamp) - (n % 25) * interval '1 day' - (n % 977) * interval '1 minute'
         WHEN n % 10 < 9 THEN CAST(:now AS timestamp) - (25 + n % 40) * interval '1 day' END,
    CASE WHEN n % 7 = 0 THEN CAST(:now AS timestamp) - (n % 300) * interval '1 day' END
FROM generate_series(1, :count) AS n
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--postgres", action="store_true")
    args = ap.parse_args()

    from sqlalchemy import func, select, text

    from core import clock, enqueue, migrate
    from core.admin import services as admin
    from core.app import Kernel
    from core.clock import FakeClock
    from core.config import load_settings
    from core.jobs import Worker
    from core.models import Job, User
    from plugins.crm.models import Customer, OwnershipLog, Pool, PoolRule

    tmp = Path(tempfile.mkdtemp(prefix="suanpan-return-"))
    if args.postgres:
        import harness as bench

        url = bench.pg_recreate("crm_return_bench")
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    settings = load_settings(var_dir=tmp, database_url=url, secret_key="bench", inprocess_worker=False)
    kernel = Kernel(settings)
    migrate.upgrade(kernel)
    kernel.db.dispose()
    kernel = Kernel(settings)
    now = datetime(2026, 6, 1, 18, 30, tzinfo=UTC)  # 02:30 in Beijing, the job's time
    with kernel.db.session() as db:
        admin.sync_shipped_roles(db, kernel.registry)
        org = admin.create_org(db, None, {"code": "HQ", "name": "总公司", "active": True})
        users = [User(username=f"rep{i}", display_name=f"销售{i}", org_id=org.id, password_hash="x")
                 for i in range(OWNERS)]
        db.add_all(users)
        db.flush()
        first_user = min(u.id for u in users)
        common = Pool(org_id=org.id, name="公共公海", is_default=True)
        big = Pool(org_id=org.id, name="大客户公海")
        db.add_all([common, big])
        db.flush()
        db.add_all([PoolRule(pool_id=common.id, level="", no_followup_days=30, warn_days=3),
                    PoolRule(pool_id=big.id, level="vip", no_followup_days=90, warn_days=7),
                    PoolRule(pool_id=common.id, level="key", no_followup_days=30, no_won_days=180, warn_days=3)])
        org_id = org.id
    began = time.perf_counter()
    with kernel.db.session() as db:
        db.execute(text(PG_FILL if args.postgres else SQLITE_FILL), {
            "count": args.customers, "org": org_id, "first_user": first_user, "owners": OWNERS,
            "now": now.replace(tzinfo=None).isoformat(sep=" ")})
    if args.postgres:
        with kernel.db.engine.connect() as conn:
            conn.execute(text("ANALYZE crm_customer"))
            conn.commit()
    built = time.perf_counter() - began
    print(f"{'postgresql' if args.postgres else 'sqlite'}: built {args.customers:,} customers in {built:.1f} s")
    with clock.use(FakeClock(now)):
        with kernel.db.session() as db:
            enqueue(db, "crm.return_to_pool")
        began = time.perf_counter()
        Worker(kernel, "bench").run_pending()
        took = time.perf_counter() - began
    with kernel.db.session(write=False) as db:
        job = db.scalar(select(Job).where(Job.task == "crm.return_to_pool"))
        assert job is not None
        counts = dict(db.execute(select(OwnershipLog.action, func.count()).group_by(OwnershipLog.action)).all())
        pooled = db.scalar(select(func.count()).select_from(Customer).where(Customer.owner_id.is_(None))) or 0
        print(f"job {job.state} in {took:.1f} s ({args.customers / took:,.0f} customers/s): "
              f"{counts.get('auto_return', 0):,} returned to their pools, {counts.get('warn', 0):,} owners' "
              f"customers warned; {pooled:,} customers now in pools")
        print(next((line for line in (job.log or "").splitlines() if "returned" in line), ""))
        if job.state != "done":
            print(job.last_error)
    # a second night: nothing is warned twice
    with clock.use(FakeClock(now)):
        with kernel.db.session() as db:
            enqueue(db, "crm.return_to_pool", key="again")
        began = time.perf_counter()
        Worker(kernel, "bench").run_pending()
        again = time.perf_counter() - began
    with kernel.db.session(write=False) as db:
        warned = db.scalar(select(func.count()).select_from(OwnershipLog).where(OwnershipLog.action == "warn"))
    print(f"the same night again: {again:.1f} s, warnings still {warned:,} (none repeated)")
    kernel.db.dispose()
    if args.postgres:
        bench.pg_drop("crm_return_bench")
    return 0 if job.state == "done" and warned == counts.get("warn", 0) else 1


if __name__ == "__main__":
    raise SystemExit(main())
