#!/usr/bin/env python3
"""Sales contracts through the services: create and approve N contracts of 5 lines.

    .venv/bin/python bench/sales_contracts.py                     # SQLite, 10,000 contracts
    .venv/bin/python bench/sales_contracts.py --postgres          # PostgreSQL (database sales_bench)
    .venv/bin/python bench/sales_contracts.py --contracts 2000

One salesperson (crm.salesperson) of a department whose head is a manager,
20 customers, a catalog of 10 products and the shipped approval chain. Each
contract is one transaction, as a page's request is: ``create_contract``
(number from the kernel sequence, the buyer copied from the customer, 5
lines checked and summed) then ``fire(..., "submit")``, which starts the
approval chain; at 5 % off and under 200,000 no step applies and the
contract is approved at once (``approved_at``, ``sales_contract_approved``).
Every 10th contract has 12 % off and waits for the manager, who approves it
in the same transaction through ``core.approvals.decide``. Reports
contracts per second, and p50 / p95 per contract.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contracts", type=int, default=10_000)
    ap.add_argument("--postgres", action="store_true")
    args = ap.parse_args()

    from sqlalchemy import func, select

    from core import migrate
    from core.admin import services as admin
    from core.app import Kernel
    from core.approvals import decide, sync_shipped_chains
    from core.config import load_settings
    from core.models import ApprovalTask, Department, Role, RoleAssignment, User
    from core.permissions import load_actor
    from plugins.catalog.models import Currency, Product, Unit
    from plugins.crm.models import Customer
    from plugins.sales.models import Contract
    from plugins.sales.services import contracts

    tmp = Path(tempfile.mkdtemp(prefix="suanpan-sales-"))
    if args.postgres:
        import harness as bench

        url = bench.pg_recreate("sales_bench")
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    settings = load_settings(var_dir=tmp, database_url=url, secret_key="bench", inprocess_worker=False)
    kernel = Kernel(settings)
    migrate.upgrade(kernel)
    kernel.db.dispose()
    kernel = Kernel(settings)
    codes = set(kernel.registry.permissions)
    with kernel.db.session() as db:
        admin.sync_shipped_roles(db, kernel.registry)
        sync_shipped_chains(db, kernel.registry)
        org = admin.create_org(db, None, {"code": "HQ", "name": "总公司", "active": True})
        team = Department(org_id=org.id, name="销售一部")
        db.add(team)
        db.flush()
        manager = User(username="manager", display_name="钱经理", org_id=org.id, department_id=team.id,
                       password_hash="x")
        rep = User(username="rep", display_name="孙销售", org_id=org.id, department_id=team.id,
                   password_hash="x")
        db.add_all([manager, rep])
        db.flush()
        team.head_id = manager.id
        for user, key in ((manager, "crm.manager"), (rep, "crm.salesperson")):
            db.add(RoleAssignment(user_id=user.id, role_id=db.scalar(select(Role.id).where(Role.key == key)),
                                  org_id=org.id))
        db.add(Currency(code="CNY", name="人民币", name_en="Chinese yuan", symbol="¥", places=2, is_base=True))
        unit = Unit(code="set", name="台")
        db.add(unit)
        db.flush()
        products = [Product(org_id=org.id, owner_id=rep.id, code=f"P-{i:03d}", name=f"产品{i}", unit_id=unit.id,
                            list_price=Decimal(1000 + 250 * i), tax_rate=Decimal("13")) for i in range(10)]
        customers = [Customer(org_id=org.id, owner_id=rep.id, department_id=team.id,
                              name=f"客户{i:02d}有限公司",
                              address=f"北京市海淀区中关村大街{i}号") for i in range(20)]
        db.add_all(products + customers)
        db.flush()
        product_ids, customer_ids = [p.id for p in products], [c.id for c in customers]
        rep_id, manager_id = rep.id, manager.id

    times: list[float] = []
    waited = 0
    started = time.perf_counter()
    for n in range(args.contracts):
        t = time.perf_counter()
        slow = n % 10 == 9
        with kernel.db.session() as db:
            actor = load_actor(db, db.get(User, rep_id), all_codes=codes)  # type: ignore[arg-type]
            lines = [{"product_id": product_ids[(n + k) % 10], "description": f"产品 {k}",
                      "quantity": str(k + 1), "unit_price": str(1000 + 250 * ((n + k) % 10)),
                      "discount": "12" if slow and k == 0 else "5",
                      "tax_rate": "13"} for k in range(5)]
            contract = contracts.create_contract(db, actor, {
                "customer_id": customer_ids[n % 20], "signed_on": date(2026, 3, 2),
                "start_on": date(2026, 3, 2),
                "end_on": date(2027, 3, 1), "lines": lines})
            state = contracts.fire(db, actor, contract.id, "submit").state
            if state == "pending":
                waited += 1
                boss = load_actor(db, db.get(User, manager_id), all_codes=codes)  # type: ignore[arg-type]
                task = db.scalar(select(ApprovalTask.id).where(ApprovalTask.record_id == contract.id,
                                                               ApprovalTask.model == "sales.contract"))
                decide(db, kernel.registry, boss, task, "approve")  # type: ignore[arg-type]
        times.append((time.perf_counter() - t) * 1000)
        if (n + 1) % 1000 == 0:
            print(f"{n + 1:,} contracts, {(n + 1) / (time.perf_counter() - started):.0f}/s", flush=True)
    elapsed = time.perf_counter() - started
    with kernel.db.session(write=False) as db:
        approved = db.scalar(select(func.count(Contract.id)).where(Contract.state == "approved",
                                                                   Contract.approved_at.is_not(None)))
    kernel.db.dispose()
    if args.postgres:
        bench.pg_drop("sales_bench")
    times.sort()
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{database}: {args.contracts:,} contracts of 5 lines created and approved in {elapsed:.1f} s: "
          f"{args.contracts / elapsed:.0f} contracts/s; per contract p50 {statistics.median(times):.1f} ms, "
          f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms; {waited:,} waited for the manager; "
          f"{approved:,} approved")
    return 0 if approved == args.contracts else 1


if __name__ == "__main__":
    sys.exit(main())
