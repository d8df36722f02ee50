#!/usr/bin/env python3
"""CRM customer list benchmark: server time of ``GET /crm/customers`` at N customers.

    .venv/bin/python bench/crm_list.py                      # SQLite, 1,000,000 customers
    .venv/bin/python bench/crm_list.py --rows 100000
    .venv/bin/python bench/crm_list.py --postgres           # PostgreSQL, database crm_bench

Builds N customers in bulk with the demo's generator
(``plugins.crm.services.demo.companies``: plausible names, regions, valid
credit codes, the letter index), owned by eight salespeople in three
regional departments under one sales department, plus a director and a
manager; then asks for the customer list in-process through the ASGI app
(Starlette's test client: the server's time plus the in-process client, no
network) and reports p50 / p95 of the wall time, and the median CPU time
of the process (server and in-process client: steadier on a busy
machine), of: the director's first page (default sort), the director's
list filtered by level and by industry, the letter index (B), a
salesperson's own customers and a manager's department tree.
PostgreSQL uses a database of its own (``crm_bench``, dropped and created
again; never ``test``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/crm_bench"
BATCH = 20_000
PASSWORD = "bench-password"


def build(url: str, var: Path, rows: int) -> object:
    from conftest import install_example_plugin
    from sqlalchemy import insert, select, text

    from core import migrate
    from core.admin import services
    from core.app import Kernel
    from core.config import load_settings
    from core.models import Department, Role, RoleAssignment, User
    from plugins.crm.models import Customer
    from plugins.crm.services.demo import Owner, companies

    install_example_plugin()
    settings = load_settings(var_dir=var, database_url=url, secret_key="bench", inprocess_worker=False)
    kernel = Kernel(settings)
    migrate.upgrade(kernel)
    kernel = Kernel(settings)
    password = kernel.passwords.hash(PASSWORD)
    with kernel.db.session() as db:
        services.sync_shipped_roles(db, kernel.registry)
        org = services.create_org(db, None, {"code": "HQ", "name": "总公司", "active": True})
        roles = {r.key: r.id for r in db.scalars(select(Role))}

        def dept(name: str, parent: Department | None) -> Department:
            d = Department(org_id=org.id, name=name, parent_id=parent.id if parent else None)
            db.add(d)
            db.flush()
            services.set_tree_path(db, d, parent)
            return d

        def user(username: str, department: Department, role: str) -> int:
            u = User(username=username, display_name=username, org_id=org.id, department_id=department.id,
                     password_hash=password)
            db.add(u)
            db.flush()
            db.add(RoleAssignment(user_id=u.id, role_id=roles[role], org_id=org.id))
            return u.id

        sales = dept("销售部", None)
        regions = {key: dept(name, sales) for key, name in (("north", "华北大区"), ("east", "华东大区"),
                                                           ("south", "华南大区"))}
        user("director", sales, "crm.director")
        user("manager", regions["north"], "crm.manager")
        owners = [Owner(user(f"rep{i}", regions[region], "crm.salesperson"), regions[region].id, region)
                  for i, region in enumerate(["north"] * 3 + ["east"] * 3 + ["south"] * 2)]
        org_id = org.id
    now = datetime.now(UTC)
    started = time.perf_counter()
    rng = random.Random(1)
    chunk: list[dict[str, object]] = []
    for row in companies(rng, owners, rows, org_id=org_id):
        row.update(version=1, created_at=now, updated_at=now, extra={}, owned_since=now, name_en="", website="",
                   email="", note="")
        chunk.append(row)
        if len(chunk) == BATCH:
            with kernel.db.session() as db:
                db.execute(insert(Customer.__table__), chunk)  # type: ignore[arg-type]
            chunk = []
    if chunk:
        with kernel.db.session() as db:
            db.execute(insert(Customer.__table__), chunk)  # type: ignore[arg-type]
    print(f"built {rows:,} customers in {time.perf_counter() - started:.1f} s", flush=True)
    # fresh statistics and (PostgreSQL) a visibility map after the bulk load, as autovacuum would
    # give a table that size soon after: index-only scans for the bounded counts
    if kernel.db.engine.dialect.name == "postgresql":
        with kernel.db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        with kernel.db.session() as db:
            db.execute(text("ANALYZE"))
    return kernel


CASES = {  # name: (user, query)
    "director: first page (default sort)": ("director", {}),
    "director: level = key": ("director", {"level": "key"}),
    "director: industry = it": ("director", {"industry": "it"}),
    "director: letter index B": ("director", {"letter": "B"}),
    "salesperson: own customers": ("rep0", {}),
    "manager: department tree": ("manager", {}),
}


def measure(kernel: object, repeat: int) -> dict[str, tuple[float, float, float]]:
    from conftest import Client

    out = {}
    clients: dict[str, Client] = {}
    try:
        for name, (username, params) in CASES.items():
            if username not in clients:
                c = Client(kernel.asgi(), base_url="http://testserver")  # type: ignore[attr-defined]
                c.__enter__()
                c.login(username, PASSWORD)
                clients[username] = c
            c = clients[username]
            times, cpu = [], []
            for n in range(repeat + 5):
                t, p = time.perf_counter(), time.process_time()
                response = c.get("/crm/customers", params=params)
                if n >= 5:  # warm-up first
                    times.append((time.perf_counter() - t) * 1000)
                    cpu.append((time.process_time() - p) * 1000)
                assert response.status_code == 200, response.text
                assert 'name="ids[]"' in response.text, name
            times.sort()
            out[name] = (statistics.median(times), times[int(len(times) * 0.95) - 1], statistics.median(cpu))
    finally:
        for c in clients.values():
            c.__exit__(None, None, None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            for cmd in ("dropdb", "createdb"):
                subprocess.run([cmd, "-h", "127.0.0.1", "-U", "postgres",
                                *(["--if-exists"] if cmd == "dropdb" else []), "crm_bench"], check=True)
            url = PG_URL
        else:
            url = f"sqlite:///{tmp}/bench.db"
        try:
            kernel = build(url, Path(tmp), args.rows)
            figures = measure(kernel, args.repeat)
            kernel.db.dispose()  # type: ignore[attr-defined]
        finally:
            if args.postgres:
                subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "crm_bench"],
                               check=False)
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"| {db}, {args.rows:,} customers | p50 (ms) | p95 (ms) | CPU p50 (ms) |\n| --- | --- | --- | --- |")
    for name, (p50, p95, cpu) in figures.items():
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {cpu:.1f} |")


if __name__ == "__main__":
    main()
