#!/usr/bin/env python3
"""Pool claims under contention: N salespeople race for the same customers.

    .venv/bin/python bench/crm_pool_claim.py                  # SQLite, 20 people, 100 customers
    .venv/bin/python bench/crm_pool_claim.py --postgres       # PostgreSQL (database crm_pool_bench)
    .venv/bin/python bench/crm_pool_claim.py --people 50 --customers 1000 --cap 30

Each salesperson is a thread with its own transactions, calling the CRM's
``pools.claim`` one customer at a time (every other one two at a time) in
their own random order, until the pool's caps refuse them or nothing is
left, as fast as they can. Reports claims per second, lost races (the
customer was taken meanwhile: "已被他人领取"), cap refusals and the time per
attempt, then checks the invariants: no customer claimed twice, every
claimed customer owned by its claimer, nobody past a cap. Exit 1 if an
invariant fails.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=20)
    ap.add_argument("--customers", type=int, default=100)
    ap.add_argument("--cap", type=int, default=10, help="holding cap per person (the daily cap is the same)")
    ap.add_argument("--postgres", action="store_true")
    args = ap.parse_args()

    from sqlalchemy import func, select

    from core import Conflict, migrate
    from core.admin import services as admin
    from core.app import Kernel
    from core.config import load_settings
    from core.models import Role, RoleAssignment, User
    from core.permissions import load_actor
    from plugins.crm.models import Customer, OwnershipLog, Pool
    from plugins.crm.services import pools

    tmp = Path(tempfile.mkdtemp(prefix="suanpan-pool-"))
    if args.postgres:
        import harness as bench

        url = bench.pg_recreate("crm_pool_bench")
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    settings = load_settings(var_dir=tmp, database_url=url, secret_key="bench", inprocess_worker=False)
    kernel = Kernel(settings)
    migrate.upgrade(kernel)
    kernel.db.dispose()
    kernel = Kernel(settings)
    with kernel.db.session() as db:
        admin.sync_shipped_roles(db, kernel.registry)
        org = admin.create_org(db, None, {"code": "HQ", "name": "总公司", "active": True})
        role = db.scalar(select(Role.id).where(Role.key == "crm.salesperson"))
        people = [User(username=f"rep{i}", display_name=f"销售{i}", org_id=org.id, password_hash="x")
                  for i in range(args.people)]
        db.add_all(people)
        db.flush()
        db.add_all(RoleAssignment(user_id=u.id, role_id=role, org_id=org.id) for u in people)
        pool = Pool(org_id=org.id, name="抢客公海", holding_cap=args.cap, daily_claim_cap=args.cap)
        db.add(pool)
        db.flush()
        db.add_all(Customer(org_id=org.id, pool_id=pool.id, name=f"客户{i:05d}") for i in range(args.customers))
        db.flush()
        pool_id, user_ids = pool.id, [u.id for u in people]
        ids = list(db.scalars(select(Customer.id)))
    codes = set(kernel.registry.permissions)
    outcome: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(user_ids) + 1)

    def race(user_id: int, seed: int) -> None:
        with kernel.db.session(write=False) as db:
            user = db.get(User, user_id)
            assert user is not None
            actor = load_actor(db, user, all_codes=codes)
        order = ids[:]
        random.Random(seed).shuffle(order)
        size = 1 + seed % 2
        start.wait()
        try:
            while order:
                batch, order = order[:size], order[size:]
                began = time.perf_counter()
                try:
                    with kernel.db.session() as db:
                        pools.claim(db, actor, pool_id, batch)
                    kind = "claimed"
                except Conflict as refused:
                    kind = "capped" if "cap" in refused.params else "lost"
                    if kind == "capped" and len(batch) > 1:
                        order, size, kind = batch[1:] + order, 1, "capped_pair"
                with lock:
                    latencies.append(time.perf_counter() - began)
                    outcome[kind] += len(batch) if kind == "claimed" else 1
                if kind == "capped":
                    return
        except BaseException as exc:  # noqa: BLE001 - reported
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(u, i)) for i, u in enumerate(user_ids)]
    for th in threads:
        th.start()
    start.wait()
    began = time.perf_counter()
    for th in threads:
        th.join()
    took = time.perf_counter() - began
    problems = [repr(e) for e in errors[:3]]
    with kernel.db.session(write=False) as db:
        claims = db.execute(select(OwnershipLog.customer_id, OwnershipLog.to_user_id)
                            .where(OwnershipLog.action == "claim")).all()
        per_customer = Counter(c for c, _ in claims)
        owners = dict(db.execute(select(Customer.id, Customer.owner_id)).all())
        if per_customer and max(per_customer.values()) > 1:
            problems.append("a customer was claimed twice")
        if any(owners[c] != u for c, u in claims):
            problems.append("a claimed customer is owned by someone else")
        if len(claims) != outcome["claimed"] or sum(1 for o in owners.values() if o) != len(claims):
            problems.append("claims, owners and successful calls disagree")
        held = dict(db.execute(select(Customer.owner_id, func.count()).where(Customer.owner_id.is_not(None))
                               .group_by(Customer.owner_id)).all())
        if any(n > args.cap for n in held.values()):
            problems.append("a holding cap was passed")
    kernel.db.dispose()
    ms = sorted(x * 1000 for x in latencies)
    backend = "postgresql" if args.postgres else "sqlite"
    print(f"{backend}: {args.people} salespeople, {args.customers} customers, caps {args.cap}/{args.cap}")
    print(f"claimed {outcome['claimed']} customers in {took:.2f} s: {outcome['claimed'] / took:,.0f} claims/s, "
          f"{len(ms) / took:,.0f} attempts/s")
    print(f"lost races (已被他人领取): {outcome['lost']}, cap refusals: {outcome['capped'] + outcome['capped_pair']}")
    if ms:
        print(f"attempt time: p50 {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms, "
              f"max {ms[-1]:.1f} ms")
    print("invariants: " + ("OK (no double claim, owners match, no cap passed)" if not problems
                            else "FAILED: " + "; ".join(problems)))
    if args.postgres:
        bench.pg_drop("crm_pool_bench")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
