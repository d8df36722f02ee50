#!/usr/bin/env python3
"""Report benchmark: ``core.aggregate`` over N expense claims.

    .venv/bin/python bench/report.py                        # SQLite, 1,000,000 claims
    .venv/bin/python bench/report.py --postgres             # PostgreSQL, 1,000,000 claims
    .venv/bin/python bench/report.py --rows 100000 --repeat 10

Builds N claims of the example plugin (``notes.expenses``) in bulk with Core
inserts: five organisations, 50 owners (ten in each, in two departments),
24 months of 2025 and 2026, every state and category, amounts up to 9,000.
Then it times ``aggregate()`` as the dashboard calls it (the groups, the
totals and the owners' names) for the report "claims and amount by owner
and month, approved or paid, in 2026", as an administrator (scope ``all``)
and as a reader of one organisation (scope ``org``), and, for comparison,
the same without the date filter and the day of the claims by category.
Reports p50 / p95 / max in milliseconds. PostgreSQL uses a database of its
own (``report_bench``, dropped and created again; never ``test``).
"""

from __future__ import annotations

import argparse
import random
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
sys.path.insert(0, str(REPO / "tests"))
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/report_bench"
BATCH = 20_000
STATES = ("draft", "submitted", "approved", "paid", "cancelled")
CATEGORIES = ("travel", "meals", "equipment")


def build(url: str, var: Path, rows: int) -> tuple[Any, dict[str, Any]]:
    from conftest import install_example_plugin
    from sqlalchemy import insert, select, text

    from core import migrate
    from core.admin import services
    from core.app import Kernel
    from core.config import load_settings
    from core.models import Department, RoleAssignment, User
    from core.permissions import load_actor

    install_example_plugin()
    from suanpan_notes.models import Expense

    settings = load_settings(var_dir=var, database_url=url, secret_key="bench", inprocess_worker=False)
    kernel = Kernel(settings)
    migrate.upgrade(kernel)
    kernel = Kernel(settings)
    owners: list[tuple[int, int, int]] = []  # (org, owner, department)
    with kernel.db.session() as db:
        services.sync_shipped_roles(db, kernel.registry)
        orgs = [services.create_org(db, None, {"code": f"O{i}", "name": f"分公司{i}", "active": True})
                for i in range(5)]
        for org in orgs:
            depts = [Department(org_id=org.id, name=f"部门{j}", path="/") for j in range(2)]
            db.add_all(depts)
            db.flush()
            for k in range(10):
                user = User(username=f"u{org.id}_{k}", display_name=f"员工{org.id}-{k}", org_id=org.id,
                            department_id=depts[k % 2].id, password_hash="x")
                db.add(user)
                db.flush()
                owners.append((org.id, user.id, depts[k % 2].id))
        admin = User(username="admin", display_name="管理员", org_id=orgs[0].id, password_hash="x")
        reader = User(username="reader", display_name="分公司会计", org_id=orgs[0].id, password_hash="x")
        db.add_all([admin, reader])
        db.flush()
        db.add(_assign(db, admin.id, "admin", orgs[0].id))
        role = services.create_role(db, None, {"key": "bench_reader", "name": "会计"})  # type: ignore[arg-type]
        services.set_role_grants(db, role, {"notes.expense.read": "org", "core.user.read": "org"},
                                 kernel.registry)
        db.add(RoleAssignment(user_id=reader.id, role_id=role.id, org_id=orgs[0].id))
        ids = {"admin": admin.id, "reader": reader.id}
    rng = random.Random(5)
    first = datetime(2025, 1, 1, tzinfo=UTC)
    span = int((datetime(2027, 1, 1, tzinfo=UTC) - first).total_seconds())
    started = time.perf_counter()
    for start in range(0, rows, BATCH):
        chunk = []
        for _ in range(start, min(rows, start + BATCH)):
            org_id, owner_id, dept_id = rng.choice(owners)
            at = first + timedelta(seconds=rng.randrange(span))
            chunk.append({"org_id": org_id, "owner_id": owner_id, "department_id": dept_id, "title": "报销",
                          "amount": Decimal(rng.randrange(100, 900_000)) / 100,
                          "category": rng.choice(CATEGORIES),
                          "state": rng.choice(STATES), "version": 1, "created_at": at, "updated_at": at,
                          "extra": {}})
        with kernel.db.session() as db:
            db.execute(insert(Expense), chunk)
    print(f"built {rows:,} claims in {time.perf_counter() - started:.1f} s", flush=True)
    with kernel.db.session() as db:
        db.execute(text("ANALYZE notes_expense" if url.startswith("postgresql") else "ANALYZE"))
    actors = {}
    with kernel.db.session(write=False) as db:
        for name, user_id in ids.items():
            actors[name] = load_actor(db, db.get(User, user_id), all_codes=set(kernel.registry.permissions))
        assert db.scalar(select(Expense.id).limit(1)) is not None
    return kernel, actors


def _assign(db: Any, user_id: int, key: str, org_id: int) -> Any:
    from sqlalchemy import select

    from core.models import Role, RoleAssignment

    role_id = db.scalar(select(Role.id).where(Role.key == key))
    return RoleAssignment(user_id=user_id, role_id=role_id, org_id=org_id)


def measure(kernel: Any, actors: dict[str, Any], repeat: int) -> dict[str, tuple[float, float, float, int]]:
    from core import ReportQuery, aggregate

    paid = {"state": ["approved", "paid"]}
    year = {**paid, "created_at": (date(2026, 1, 1), date(2026, 12, 31))}
    rows, measures = ("owner_id", "created_at:month"), ("claims", "amount")
    cases = {
        "owner × month, approved or paid, 2026": ReportQuery("notes.expenses", rows, (), measures, year),
        "owner × month, approved or paid (2 years)": ReportQuery("notes.expenses", rows, (), measures, paid),
        "category × day, every state": ReportQuery(
            "notes.expenses", rows=("category",), columns=("created_at:day",), measures=("claims",)),
    }
    out = {}
    for who, actor in actors.items():
        for name, query in cases.items():
            times = []
            groups = 0
            for _ in range(repeat):
                with kernel.db.session(write=False) as db:
                    t = time.perf_counter()
                    result = aggregate(db, actor, kernel.registry, query)
                    times.append((time.perf_counter() - t) * 1000)
                groups = len(result.rows)
            times.sort()
            out[f"{who}: {name}"] = (statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)],
                                     times[-1], groups)
            print(f"{who}: {name}: p50 {out[f'{who}: {name}'][0]:.1f} ms", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            for cmd in ("dropdb", "createdb"):
                subprocess.run([cmd, "-h", "127.0.0.1", "-U", "postgres",
                                *(["--if-exists"] if cmd == "dropdb" else []), "report_bench"], check=True)
            url = PG_URL
        else:
            url = f"sqlite:///{tmp}/bench.db"
        try:
            kernel, actors = build(url, Path(tmp), args.rows)
            figures = measure(kernel, actors, args.repeat)
            kernel.db.dispose()
        finally:
            if args.postgres:
                subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "report_bench"],
                               check=False)
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"\n| {db}, {args.rows:,} claims | p50 (ms) | p95 (ms) | max (ms) | groups |")
    print("| --- | --- | --- | --- | --- |")
    for name, (p50, p95, top, groups) in figures.items():
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {top:.1f} | {groups:,} |")


if __name__ == "__main__":
    main()
