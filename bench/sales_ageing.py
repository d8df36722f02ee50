#!/usr/bin/env python3
"""The receivables ageing report (应收账龄) over N instalments.

    .venv/bin/python bench/sales_ageing.py                       # SQLite, 100,000 instalments, 10,000 customers
    .venv/bin/python bench/sales_ageing.py --postgres            # PostgreSQL (database sales_ageing_bench)
    .venv/bin/python bench/sales_ageing.py --instalments 20000 --customers 2000

Builds one organisation with two sales departments of five salespeople
each, N/10 customers, N/4 approved contracts and four instalments per
contract, due over the 18 months around the report's date; a third of the
instalments partly or fully received. All in bulk. Then times
:func:`plugins.sales.services.ageing.ageing` (the one aggregate query by
customer and bucket, filtered by the reader's scope, and the customers'
names) as of a fixed date for three readers: the director (the whole
organisation), a department's manager (its tree) and one salesperson (own),
and reports p50 / p95 in ms. PostgreSQL uses a database of its own
(``sales_ageing_bench``, dropped and created again; never ``test``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sales_ageing_bench"
BATCH = 20_000
AS_OF = date(2026, 6, 30)


def build(url: str, var: Path, instalments: int, customers: int) -> tuple[Any, dict[str, Any]]:
    from sqlalchemy import select, text

    from core import migrate
    from core.admin import services
    from core.app import Kernel
    from core.config import load_settings
    from core.models import Department, User
    from plugins.crm.models import Customer
    from plugins.sales.models import Contract, Instalment

    settings = load_settings(var_dir=var, database_url=url, secret_key="bench", inprocess_worker=False)
    kernel = Kernel(settings)
    migrate.upgrade(kernel)
    kernel = Kernel(settings)
    with kernel.db.session() as db:
        services.sync_shipped_roles(db, kernel.registry)
        org = services.create_org(db, None, {"code": "HQ", "name": "总公司", "active": True})
        departments = [Department(org_id=org.id, name=name) for name in ("销售一部", "销售二部")]
        db.add_all(departments)
        db.flush()
        for d in departments:
            d.path = f"/{d.id}/"
        users = [User(username=f"rep{i}", display_name=f"销售{i}", org_id=org.id, password_hash="x",
                      department_id=departments[i % 2].id) for i in range(10)]
        db.add_all(users)
        db.flush()
        people = {"org_id": org.id, "users": [(u.id, u.department_id) for u in users],
                  "departments": [(d.id, d.path) for d in departments]}
    now = datetime.now(UTC)
    started = time.perf_counter()
    owners = people["users"]
    first_customer = _bulk(kernel, Customer, [
        {"org_id": people["org_id"], "owner_id": owners[i % 10][0], "department_id": owners[i % 10][1],
         "name": f"客户{i:06d}有限公司", "kind": "company", "initial": "K", "level": "normal", "version": 1,
         "created_at": now, "updated_at": now, "extra": {}} for i in range(customers)])
    contracts = instalments // 4
    first_contract = _bulk(kernel, Contract, [
        {"org_id": people["org_id"], "owner_id": owners[c % customers % 10][0],
         "department_id": owners[c % customers % 10][1], "number": f"HT-B-{c:06d}", "revision": 1,
         "customer_id": first_customer + c % customers, "state": "signed", "total": Decimal("40000.00"),
         "received": Decimal("0"), "version": 1, "created_at": now, "updated_at": now, "extra": {}}
        for c in range(contracts)])
    rows = []
    for c in range(contracts):
        customer = c % customers
        owner, department = owners[customer % 10]
        for n in range(4):
            k = c * 4 + n
            due = AS_OF + timedelta(days=(k * 37) % 540 - 360)  # 360 days before to 180 after
            paid = Decimal("10000.00") if k % 6 == 0 else Decimal("2500.00") if k % 6 == 1 else Decimal("0")
            rows.append({"org_id": people["org_id"], "owner_id": owner, "department_id": department,
                         "contract_id": first_contract + c, "customer_id": first_customer + customer,
                         "sequence": n + 1, "label": f"第{n + 1}期", "amount": Decimal("10000.00"),
                         "currency_code": "CNY", "due_on": due, "received": paid,
                         "state": "paid" if paid == Decimal("10000.00") else "partial" if paid else "open",
                         "version": 1, "created_at": now, "updated_at": now})
    _bulk(kernel, Instalment, rows)
    print(f"built {customers:,} customers, {contracts:,} contracts, {len(rows):,} instalments "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    with kernel.db.session() as db:
        db.execute(text("ANALYZE"))
        assert db.scalar(select(Instalment.id).limit(1)) is not None
    return kernel, people


def _bulk(kernel: Any, model: Any, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` in batches; the first new row's id."""
    from sqlalchemy import func, insert, select

    with kernel.db.session(write=False) as db:
        before = db.scalar(select(func.max(model.id))) or 0
    for start in range(0, len(rows), BATCH):
        with kernel.db.session() as db:
            db.execute(insert(model), rows[start:start + BATCH])
    return int(before) + 1


def readers(people: dict[str, Any]) -> dict[str, Any]:
    from core.permissions import Actor, Grant

    org = people["org_id"]
    (rep, rep_department) = people["users"][0]
    department, path = people["departments"][0]

    def actor(user_id: int, dept: int | None, grant: Grant) -> Actor:
        return Actor(user_id=user_id, username="bench", display_name="bench", locale="zh_CN", org_id=org,
                     department_id=dept, grants={"sales.instalment.read": [grant]}, org_ids=frozenset({org}))

    return {
        "director (organisation)": actor(people["users"][1][0], None, Grant(org, "org", None, None)),
        "manager (department tree)": actor(people["users"][2][0], department,
                                           Grant(org, "department_tree", department, path)),
        "salesperson (own)": actor(rep, rep_department, Grant(org, "own", rep_department, None)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instalments", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        if args.postgres:
            for cmd in ("dropdb", "createdb"):
                extra = ["--if-exists"] if cmd == "dropdb" else []
                subprocess.run([cmd, "-h", "127.0.0.1", "-U", "postgres", *extra, "sales_ageing_bench"],
                               check=True)
            url = PG_URL
        else:
            url = f"sqlite:///{var / 'bench.db'}"
        kernel, people = build(url, var, args.instalments, args.customers)
        from plugins.sales.services.ageing import ageing

        for name, actor in readers(people).items():
            times = []
            for _ in range(args.runs + 2):
                with kernel.db.session(write=False) as db:
                    started = time.perf_counter()
                    report = ageing(db, actor, AS_OF)
                    times.append((time.perf_counter() - started) * 1000)
            times = sorted(times[2:])  # two warm-up runs
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            print(f"{name}: {report.customers:,} customers owing ({len(report.rows)} on the page), "
                  f"{report.count:,} open instalments, "
                  f"total {report.total:,.2f}; p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms",
                  flush=True)
        if args.postgres:
            kernel.db.engine.dispose()
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "sales_ageing_bench"],
                           check=False)


if __name__ == "__main__":
    main()
