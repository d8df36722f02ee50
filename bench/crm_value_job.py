#!/usr/bin/env python3
"""The nightly customer value job (``crm.compute_value``) over N customers.

    .venv/bin/python bench/crm_value_job.py                      # SQLite, 1,000,000 customers
    .venv/bin/python bench/crm_value_job.py --customers 100000
    .venv/bin/python bench/crm_value_job.py --customers 1000000 --postgres

Builds one organisation with N customers of 10 salespeople, a won deal for
one customer in three (one in ten has three), a follow-up with effort and
expenses for one in two and a done care record for one in twenty, all in
bulk; then times :func:`plugins.crm.services.value.compute_org`: the
GROUP BY reads, then one short transaction per 5,000 customers (a history
row each, and the customers' score and grade). It runs twice: the second
run of a day replaces the first's history rows. PostgreSQL uses a database
of its own (``crm_value_bench``, dropped and created again; never ``test``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/crm_value_bench"
BATCH = 20_000


def build(url: str, var: Path, customers: int) -> tuple[object, int]:
    from sqlalchemy import insert, select, text

    from core import migrate
    from core.admin import services
    from core.app import Kernel
    from core.config import load_settings
    from core.models import User
    from plugins.crm.models import Care, Customer, FollowUp, Opportunity, Pipeline, Stage

    settings = load_settings(var_dir=var, database_url=url, secret_key="bench", inprocess_worker=False)
    kernel = Kernel(settings)
    migrate.upgrade(kernel)
    kernel = Kernel(settings)
    with kernel.db.session() as db:
        services.sync_shipped_roles(db, kernel.registry)
        org = services.create_org(db, None, {"code": "HQ", "name": "总公司", "active": True})
        users = [User(username=f"rep{i}", display_name=f"销售{i}", org_id=org.id, password_hash="x")
                 for i in range(10)]
        db.add_all(users)
        db.flush()
        pipeline = Pipeline(org_id=org.id, name="标准产品销售")
        db.add(pipeline)
        db.flush()
        stage = Stage(pipeline_id=pipeline.id, name="赢单", kind="won", probability=100)
        db.add(stage)
        db.flush()
        org_id, user_ids, pipeline_id, stage_id = org.id, [u.id for u in users], pipeline.id, stage.id
    now = datetime.now(UTC)
    started = time.perf_counter()
    first_id = None
    for start in range(0, customers, BATCH):
        rows = [{"org_id": org_id, "owner_id": user_ids[i % 10], "name": f"客户{i:07d}有限公司",
                 "kind": "company", "initial": "K", "level": "normal", "version": 1, "created_at": now,
                 "updated_at": now, "extra": {}}
                for i in range(start, min(customers, start + BATCH))]
        with kernel.db.session() as db:
            db.execute(insert(Customer), rows)
            if first_id is None:
                first_id = db.scalar(select(Customer.id).order_by(Customer.id).limit(1))
    assert first_id is not None
    for start in range(0, customers, BATCH):
        deals, visits, care = [], [], []
        for i in range(start, min(customers, start + BATCH)):
            cid, owner = first_id + i, user_ids[i % 10]
            base = {"org_id": org_id, "owner_id": owner, "customer_id": cid, "version": 1, "created_at": now,
                    "updated_at": now}
            if i % 3 == 0:
                for k in range(3 if i % 10 == 0 else 1):
                    deals.append({**base, "name": "商机", "pipeline_id": pipeline_id, "stage_id": stage_id,
                                  "state": "won", "amount": Decimal(10_000 + (i * 37 + k * 1000) % 490_000),
                                  "closed_at": now - timedelta(days=(i * 7 + k * 90) % 900), "extra": {},
                                  "stage_entered_at": now})
            if i % 2 == 0:
                visits.append({**base, "kind": "visit", "happened_at": now - timedelta(days=i % 700),
                               "duration_minutes": 30 + i % 240, "cost": Decimal(i % 500), "extra": {}})
            if i % 20 == 0:
                care.append({**base, "kind": "return_visit", "state": "done", "planned_on": date.today(),
                             "duration_minutes": 45, "cost": Decimal(200)})
        with kernel.db.session() as db:
            for model, chunk in ((Opportunity, deals), (FollowUp, visits), (Care, care)):
                if chunk:
                    db.execute(insert(model), chunk)
    seconds = time.perf_counter() - started
    print(f"built {customers:,} customers with deals, follow-ups and care in {seconds:.1f} s", flush=True)
    if url.startswith("postgresql"):
        with kernel.db.session() as db:
            db.execute(text("ANALYZE"))
    return kernel, org_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        if args.postgres:
            for cmd in ("dropdb", "createdb"):
                extra = ["--if-exists"] if cmd == "dropdb" else []
                subprocess.run([cmd, "-h", "127.0.0.1", "-U", "postgres", *extra, "crm_value_bench"],
                               check=True)
            url = PG_URL
        else:
            url = f"sqlite:///{var / 'bench.db'}"
        kernel, org_id = build(url, var, args.customers)
        from sqlalchemy import func, select

        from plugins.crm.models import Customer, CustomerValue
        from plugins.crm.services.value import compute_org

        for run in (1, 2):
            started = time.perf_counter()
            done = compute_org(kernel.db.session, kernel.pm.hook, org_id)  # type: ignore[attr-defined]
            seconds = time.perf_counter() - started
            print(f"run {run}: scored {done:,} customers in {seconds:.1f} s "
                  f"({done / seconds:,.0f} customers/s)", flush=True)
        with kernel.db.session(write=False) as db:  # type: ignore[attr-defined]
            grades = {g: n for g, n in db.execute(select(Customer.value_grade, func.count())
                                                  .group_by(Customer.value_grade))}
            history = db.scalar(select(func.count()).select_from(CustomerValue))
        print(f"grades: {grades}; history rows: {history:,}")


if __name__ == "__main__":
    main()
