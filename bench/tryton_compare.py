#!/usr/bin/env python3
"""Suanpan and Tryton 8.2 side by side: the same operations, same data, same machine, one run.

    .venv/bin/python bench/tryton_compare.py                 # SQLite, 10,000 customers, 1,000 orders
    .venv/bin/python bench/tryton_compare.py --postgres      # PostgreSQL (h_tryton and h_tryton_t)
    .venv/bin/python bench/tryton_compare.py --quick         # 1,000 customers, 100 orders

Tryton runs in a subprocess with the Python of its own virtual environment
(``build/tryton-venv``, made by ``bench/tryton/setup_venv.sh`` when missing,
never the suite's), driven through trytond's Python API by
``bench/tryton/driver.py``; its database is initialised with
``trytond-admin --all`` and the modules party, product, sale and
sale_opportunity (kept in ``build/tryton-cache`` after the first run: the
initialisation takes minutes and is no part of any figure). Suanpan runs in
this process, through its services and, for the list page, its ASGI app,
as ``bench/crm_list.py`` and ``bench/sales_contracts.py`` do. Both sides get
the customers, products and orders of ``bench/tryton/data.py``.

The operations, on each side:

1. N customers, each with an address and two contact mechanisms (phone and
   e-mail), created in batches of 1,000 (one transaction each); then 20
   created one at a time (the interactive latency).
2. A search by a three-character substring of the name, and by a whole
   phone number: 20 hits with their names.
3. One list page of 80 customers with name, phone, e-mail and city; and the
   bare SQL query that fetches the same rows.
4. 1,000 sales orders of 5 lines created (batches of 100), then confirmed
   (batches of 100); then 20 created and confirmed one at a time.
5. The total order amount by customer (the report), and the same in raw SQL.

Every figure has its wall time and the CPU time of the process that asked
(on SQLite the database runs inside it; PostgreSQL's server is not counted);
ratios are Tryton / Suanpan, so 10 means Suanpan is ten times faster. The
table goes to stdout, the JSON to ``bench/results/tryton-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HERE = REPO / "bench"
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(HERE / "tryton")]

import data  # noqa: E402
from timing import Stopwatch, rate, sample, summary  # noqa: E402

RESULTS = HERE / "results"
VENV = REPO / "build" / "tryton-venv"
CACHE = REPO / "build" / "tryton-cache"
PG_SUANPAN, PG_TRYTON = "h_tryton", "h_tryton_t"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
MODULES = ["party", "product", "sale", "sale_opportunity"]
PASSWORD = "bench-password"
BATCH, ORDER_BATCH = 1000, 100
#: the states of an order that count in the report: Tryton's confirmed, processing and done
COUNTED = ("approved", "signed", "executing", "completed")


def log(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- Tryton


def tryton_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        log("making the Tryton venv (bench/tryton/setup_venv.sh)")
        subprocess.run([str(HERE / "tryton" / "setup_venv.sh"), str(VENV)], check=True)
    return python


def tryton_version(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import trytond; print(trytond.__version__)"], check=True,
                          capture_output=True, text=True).stdout.strip()


def pg(sql: str, database: str = "postgres") -> None:
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1",
                    "-c", sql], check=True, capture_output=True)


def tryton_env(postgres: bool, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRYTOND_")}
    env["TRYTOND_DATABASE__URI"] = PG_SERVER + "/" if postgres else "sqlite://"
    if not postgres:
        env["TRYTOND_DATABASE__PATH"] = str(tmp)
    return env


def tryton_database(python: Path, postgres: bool, tmp: Path) -> str:
    """A freshly initialised Tryton database with the four modules; its name."""
    version = tryton_version(python)
    env = tryton_env(postgres, tmp)
    CACHE.mkdir(parents=True, exist_ok=True)
    if postgres:
        cached = CACHE / f"trytond-{version}-postgresql.dump"
        pg(f'DROP DATABASE IF EXISTS "{PG_TRYTON}" WITH (FORCE)')
        pg(f'CREATE DATABASE "{PG_TRYTON}" ENCODING \'UTF8\' TEMPLATE template0')
        if cached.exists():
            subprocess.run(["pg_restore", "-h", "127.0.0.1", "-U", "postgres", "-d", PG_TRYTON, "--no-owner",
                            str(cached)], check=True)
            return PG_TRYTON
        # the extensions Tryton uses when present (similarity and unaccented search, and their indexes)
        pg("CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS unaccent", PG_TRYTON)
        init_tryton(python, env, PG_TRYTON, tmp)
        subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", "-f", str(cached), PG_TRYTON],
                       check=True)
        return PG_TRYTON
    name = "tryton_bench"
    target = tmp / f"{name}.sqlite"
    cached = CACHE / f"trytond-{version}-sqlite.sqlite"
    if not cached.exists():
        target.touch()
        init_tryton(python, env, name, tmp)
        shutil.copyfile(target, cached)
    shutil.copyfile(cached, target)
    return name


def init_tryton(python: Path, env: dict[str, str], name: str, tmp: Path) -> None:
    log(f"initialising the Tryton database {name} (trytond-admin --all, {', '.join(MODULES)}): "
        f"a few minutes, once; kept in {CACHE.relative_to(REPO)}")
    password = tmp / "tryton-admin-password"
    password.write_text("admin-password\n")
    started = time.perf_counter()
    done = subprocess.run([str(python.parent / "trytond-admin"), "-d", name, "--all", "-u", *MODULES,
                           "--activate-dependencies", "--email", "admin@example.com"],
                          env={**env, "TRYTONPASSFILE": str(password)}, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"trytond-admin failed:\n{done.stderr[-3000:]}")
    log(f"initialised in {time.perf_counter() - started:.0f} s")


def run_tryton(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    python = tryton_python()
    name = tryton_database(python, args.postgres, tmp)
    out = tmp / "tryton.json"
    log(f"Tryton {tryton_version(python)}: running the operations")
    subprocess.run([str(python), str(HERE / "tryton" / "driver.py"), "--database", name,
                    "--customers", str(args.customers), "--orders", str(args.orders),
                    "--samples", str(args.samples), "--repeat", str(args.repeat), "--seed", str(args.seed),
                    "--out", str(out)], env=tryton_env(args.postgres, tmp), check=True)
    figures: dict[str, Any] = json.loads(out.read_text())
    figures["version"] = tryton_version(python)
    if args.postgres and not args.keep:
        pg(f'DROP DATABASE IF EXISTS "{PG_TRYTON}" WITH (FORCE)')
    return figures


# ---------------------------------------------------------------- Suanpan


class Suanpan:
    """The same operations through Suanpan's services (and its ASGI app for the list page)."""

    def __init__(self, url: str, var: Path) -> None:
        from core import migrate
        from core.app import Kernel
        from core.config import load_settings

        settings = load_settings(var_dir=var, database_url=url, secret_key="bench", inprocess_worker=False)
        kernel = Kernel(settings)
        migrate.upgrade(kernel)
        kernel.db.dispose()
        self.kernel = Kernel(settings)
        self.codes = set(self.kernel.registry.permissions)

    def setup(self) -> None:
        """Head office, a sales department and its director (crm.director: every customer and
        contract of the organisation), who does everything; yuan and the ten products."""
        from sqlalchemy import select

        from core.admin import services as admin
        from core.approvals import sync_shipped_chains
        from core.auth import create_api_token
        from core.models import Department, Role, RoleAssignment, User
        from plugins.catalog.models import Currency, Product, Unit

        k = self.kernel
        with k.db.session() as db:
            admin.sync_shipped_roles(db, k.registry)
            sync_shipped_chains(db, k.registry)
            org = admin.create_org(db, None, {"code": "HQ", "name": "总公司", "active": True})
            team = Department(org_id=org.id, name="销售部")
            db.add(team)
            db.flush()
            boss = User(username="director", display_name="赵总监", org_id=org.id, department_id=team.id,
                        password_hash=k.passwords.hash(PASSWORD))
            db.add(boss)
            db.flush()
            team.head_id = boss.id
            db.add(RoleAssignment(user_id=boss.id, role_id=db.scalar(select(Role.id).where(
                Role.key == "crm.director")), org_id=org.id))
            db.add(Currency(code="CNY", name="人民币", name_en="Chinese yuan", symbol="¥", places=2,
                            is_base=True))
            unit = Unit(code="set", name="台")
            db.add(unit)
            db.flush()
            products = [Product(org_id=org.id, owner_id=boss.id, code=code, name=name, unit_id=unit.id,
                                list_price=price, tax_rate=Decimal(0)) for code, name, price in data.PRODUCTS]
            db.add_all(products)
            db.flush()
            self.products = [p.id for p in products]
            self.user_id, self.org_id = boss.id, org.id
            _row, self.token = create_api_token(db, boss, "bench")

    def actor(self, db: Any) -> Any:
        """The director as a request gets them: from the kernel's actor cache (core.actors), which
        checks the ACL counter and rebuilds the actor only when roles or grants changed."""
        from core.models import User

        return self.kernel.actors.actor(db, db.get(User, self.user_id), self.kernel.registry.permissions)

    # ------------------------------------------------------------ 1. customers

    @staticmethod
    def customer_values(c: data.Customer) -> dict[str, Any]:
        return {"name": c.name, "province": c.province, "city": c.city, "address": c.street, "phone": c.phone,
                "email": c.email}

    @staticmethod
    def contact_values(c: data.Customer) -> dict[str, Any]:
        return {"name": c.person, "mobile": c.phone, "email": c.email, "is_main": True}

    def create_customers(self, rows: list[data.Customer]) -> Stopwatch:
        """As an import does: the customers (checked, with their letter, owner and ownership log)
        and their main contacts, a batch at a time, each in one transaction, indexed for search."""
        from core import create_many
        from plugins.crm.models import Contact
        from plugins.crm.services.customers import clean_contact_values, create_customers

        with Stopwatch() as s:
            for start in range(0, len(rows), BATCH):
                chunk = rows[start:start + BATCH]
                with self.kernel.db.session() as db:
                    actor = self.actor(db)
                    ids = create_customers(db, actor, [self.customer_values(c) for c in chunk])
                    create_many(db, actor, Contact, [
                        {"customer_id": i, "org_id": actor.org_id, "owner_id": actor.user_id,
                         "department_id": actor.department_id, **clean_contact_values(self.contact_values(c))}
                        for i, c in zip(ids, chunk, strict=True)])
        return s

    def create_one(self, rows: list[data.Customer]) -> dict[str, Any]:
        from plugins.crm.services.customers import create_contact, create_customer

        samples = []
        for c in rows:
            with Stopwatch() as s, self.kernel.db.session() as db:
                actor = self.actor(db)
                customer = create_customer(db, actor, self.customer_values(c))
                create_contact(db, actor, customer, self.contact_values(c))
            samples.append((s.wall, s.cpu))
        return summary(samples)

    # ------------------------------------------------------------ 2. search

    def search(self, q: str, everything: bool = False) -> list[str]:
        """The kernel's search (plugins.search), 20 hits: in customers, as Tryton searches parties;
        or, ``everything``, in every searchable model the reader may read (the top bar's search)."""
        from plugins.search.query import search

        with self.kernel.db.session(write=False) as db:
            groups = search(db, self.kernel.registry, self.actor(db), q, limit=20,
                            models=None if everything else ["crm.customer"])
            return [h.title for g in groups if g.model == "crm.customer" for h in g.hits]

    # ------------------------------------------------------------ 3. the list page

    def api_page(self, client: Any, fields: str | None = None) -> list[dict[str, Any]]:
        """Every field the reader may see (28), or the ``fields`` asked for (as Tryton's read)."""
        params: dict[str, Any] = {"limit": 80} if fields is None else {"limit": 80, "fields": fields}
        response = client.get("/api/v1/crm/customer", params=params)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def html_page(self, client: Any) -> str:
        response = client.get("/crm/customers")
        assert response.status_code == 200 and 'name="ids[]"' in response.text, response.text[:500]
        return str(response.text)

    def bare_list_sql(self) -> list[tuple[Any, ...]]:
        """The API page's rows in one SQL statement on the driver's cursor: the newest 80 customers of
        the organisation not in the recycle bin, with name, phone, e-mail and city."""
        conn = self.kernel.db.engine.raw_connection()
        try:
            cursor = conn.cursor()
            mark = "?" if self.kernel.db.engine.dialect.name == "sqlite" else "%s"
            cursor.execute("SELECT id, name, phone, email, city FROM crm_customer WHERE org_id = " + mark +
                           " AND deleted_at IS NULL ORDER BY id DESC LIMIT 80", (self.org_id,))
            return list(cursor.fetchall())
        finally:
            conn.close()

    # ------------------------------------------------------------ 4. orders

    def order_values(self, n: int, customer_ids: list[int]) -> dict[str, Any]:
        lines = [{"product_id": self.products[i], "description": data.PRODUCTS[i][1], "quantity": str(qty),
                  "unit_price": str(price), "discount": "0", "tax_rate": "0"}
                 for i, qty, price in data.order_lines(n)]
        return {"kind": "order", "customer_id": customer_ids[data.order_customer(n, len(customer_ids))],
                "signed_on": date(2026, 3, 2), "lines": lines}

    def create_orders(self, start: int, stop: int, customer_ids: list[int]) -> list[int]:
        from plugins.sales.services.contracts import create_contract

        with self.kernel.db.session() as db:
            actor = self.actor(db)
            return [create_contract(db, actor, self.order_values(n, customer_ids)).id
                    for n in range(start, stop)]

    def confirm(self, ids: list[int]) -> None:
        """Submit: the approval chain starts; under its thresholds the order is approved at once
        (stamped, the receivable plan made)."""
        from plugins.sales.services.contracts import fire

        with self.kernel.db.session() as db:
            actor = self.actor(db)
            for i in ids:
                state = fire(db, actor, i, "submit").state
                assert state == "approved", state

    def order_states(self) -> dict[str, int]:
        from sqlalchemy import func, select

        from plugins.sales.models import Contract, Instalment

        with self.kernel.db.session(write=False) as db:
            stmt = select(Contract.state, func.count()).group_by(Contract.state)
            states = {s: n for s, n in db.execute(stmt)}
            states["instalments"] = db.scalar(select(func.count()).select_from(Instalment)) or 0
            return states

    # ------------------------------------------------------------ 5. the report

    def report(self) -> list[tuple[str, Decimal]]:
        from core import ReportQuery, aggregate

        with self.kernel.db.session(write=False) as db:
            result = aggregate(db, self.actor(db), self.kernel.registry, ReportQuery(
                "sales.contracts", rows=("customer_id",), measures=("amount", "contracts"),
                filters={"state": list(COUNTED)}))
            names = result.names["customer_id"]
            return [(names[r.keys[0]], r.values[0]) for r in result.rows]

    def raw_report(self) -> list[tuple[Any, ...]]:
        conn = self.kernel.db.engine.raw_connection()
        try:
            cursor = conn.cursor()
            mark = "?" if self.kernel.db.engine.dialect.name == "sqlite" else "%s"
            states = ", ".join(f"'{s}'" for s in COUNTED)
            cursor.execute(
                "SELECT c.name, SUM(k.subtotal), COUNT(*) FROM sales_contract k "
                "JOIN crm_customer c ON c.id = k.customer_id "
                f"WHERE k.org_id = {mark} AND k.deleted_at IS NULL AND k.state IN ({states}) "
                "GROUP BY c.id, c.name ORDER BY c.name", (self.org_id,))
            return list(cursor.fetchall())
        finally:
            conn.close()


def run_suanpan(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from conftest import Client  # type: ignore[import-not-found]  # tests/conftest.py: login helper
    from sqlalchemy import select, text
    from starlette.testclient import TestClient

    from plugins.crm.models import Customer

    if args.postgres:
        pg(f'DROP DATABASE IF EXISTS "{PG_SUANPAN}" WITH (FORCE)')
        pg(f'CREATE DATABASE "{PG_SUANPAN}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_SUANPAN}"
    else:
        url = f"sqlite:///{tmp / 'suanpan.db'}"
    s = Suanpan(url, tmp)
    s.setup()
    out: dict[str, Any] = {}
    people = list(data.customers(args.customers + args.samples, args.seed))
    bulk, single = people[:args.customers], people[args.customers:]

    out["customers_bulk"] = rate(len(bulk), s.create_customers(bulk))
    log(f"suanpan customers: {out['customers_bulk']}")
    out["customer_one"] = s.create_one(single)
    log(f"suanpan one customer: {out['customer_one']}")
    with s.kernel.db.session() as db:  # fresh statistics after the bulk load, as autovacuum or ANALYZE gives
        db.execute(text("ANALYZE"))

    wanted = data.pick(bulk, args.repeat, args.seed)
    for name, key, everything in (("search_name", "query", False), ("search_phone", "phone", False),
                                  ("search_name_everywhere", "query", True),
                                  ("search_phone_everywhere", "phone", True)):
        for c in wanted[:5]:
            s.search(getattr(c, key), everything)
        samples, found = [], 0
        for c in wanted:
            with Stopwatch() as w:
                names = s.search(getattr(c, key), everything)
            samples.append((w.wall, w.cpu))
            found += c.name in names
        out[name] = {**summary(samples), "found": found}
        log(f"suanpan {name}: {out[name]}")

    with TestClient(s.kernel.asgi(), base_url="http://testserver",
                    headers={"Authorization": f"Bearer {s.token}"}) as api:
        figures, items = sample(lambda: s.api_page(api), args.repeat)
        first = items[0]
        out["list_page_api"] = {**figures, "rows": len(items),
                                "first": [first["name"], first["phone"], first["email"], first["city"]]}
        figures, items = sample(lambda: s.api_page(api, "name,phone,email,city"), args.repeat)
        assert [items[0][k] for k in ("name", "phone", "email", "city")] == out["list_page_api"]["first"]
        out["list_page_api_fields"] = {**figures, "rows": len(items)}
    figures, raw = sample(s.bare_list_sql, args.repeat)
    out["list_page_sql"] = {**figures, "rows": len(raw), "first": list(raw[0][1:])}
    with Client(s.kernel.asgi(), base_url="http://testserver") as browser:
        browser.login("director", PASSWORD)
        figures, _html = sample(lambda: s.html_page(browser), args.repeat)
    out["list_page_html"] = {**figures, "rows": 50}
    log(f"suanpan list page: API {out['list_page_api']}, API of 4 fields {out['list_page_api_fields']}, "
        f"HTML {out['list_page_html']}, "
        f"SQL {out['list_page_sql']}")

    with s.kernel.db.session(write=False) as db:
        by_name = {n: i for i, n in db.execute(select(Customer.id, Customer.name).where(
            Customer.name.in_([c.name for c in bulk[:500]])))}
    customer_ids = [by_name[c.name] for c in bulk[:500]]
    ids: list[int] = []
    with Stopwatch() as w:
        for start in range(0, args.orders, ORDER_BATCH):
            ids += s.create_orders(start, min(args.orders, start + ORDER_BATCH), customer_ids)
    out["orders_create"] = rate(len(ids), w)
    log(f"suanpan orders created: {out['orders_create']}")
    with Stopwatch() as w:
        for start in range(0, len(ids), ORDER_BATCH):
            s.confirm(ids[start:start + ORDER_BATCH])
    out["orders_confirm"] = rate(len(ids), w)
    log(f"suanpan orders confirmed: {out['orders_confirm']}")
    created, confirmed = [], []
    for k in range(args.samples):
        with Stopwatch() as made:
            one = s.create_orders(args.orders + k, args.orders + k + 1, customer_ids)
        with Stopwatch() as done:
            s.confirm(one)
        created.append((made.wall, made.cpu))
        confirmed.append((done.wall, done.cpu))
    out["order_one_create"] = summary(created)
    out["order_one_confirm"] = summary(confirmed)
    out["order_states"] = s.order_states()
    log(f"suanpan one order: create {out['order_one_create']}, confirm {out['order_one_confirm']}; "
        f"{out['order_states']}")

    figures, rows = sample(s.report, args.repeat)
    out["report"] = {**figures, "groups": len(rows), "total": str(sum(r[1] for r in rows))}
    figures, raw = sample(s.raw_report, args.repeat)
    out["report_sql"] = {**figures, "groups": len(raw), "total": str(sum(Decimal(str(r[1])) for r in raw))}
    log(f"suanpan report: {out['report']}, SQL {out['report_sql']}")
    s.kernel.db.dispose()
    if args.postgres and not args.keep:
        pg(f'DROP DATABASE IF EXISTS "{PG_SUANPAN}" WITH (FORCE)')
    return out


# ---------------------------------------------------------------- report


#: (label, key, kind): "rate" figures are per second (higher is better), "ms" are latencies
ROWS = [
    ("1. customers created in bulk (/s)", "customers_bulk", "rate"),
    ("1. one customer created (ms)", "customer_one", "ms"),
    ("2. search: name substring (ms)", "search_name", "ms"),
    ("2. search: exact phone (ms)", "search_phone", "ms"),
    ("2. name substring: Suanpan in every model (ms)", ("search_name", "search_name_everywhere"), "ms"),
    ("2. exact phone: Suanpan in every model (ms)", ("search_phone", "search_phone_everywhere"), "ms"),
    ("3. list page of 80 (ms): Tryton ORM / Suanpan API", ("list_page_orm", "list_page_api"), "ms"),
    ("3. list page of 80 (ms): Tryton RPC / Suanpan API", ("list_page_rpc", "list_page_api"), "ms"),
    ("3. list page of 80, 4 fields: Tryton RPC / Suanpan API ?fields=", ("list_page_rpc", "list_page_api_fields"),
     "ms"),
    ("3. list page: Tryton RPC / Suanpan HTML page (50 rows)", ("list_page_rpc", "list_page_html"), "ms"),
    ("3. bare SQL of the page's rows (ms)", "list_page_sql", "ms"),
    ("4. orders created in bulk (/s)", "orders_create", "rate"),
    ("4. orders confirmed in bulk (/s)", "orders_confirm", "rate"),
    ("4. one order created (ms)", "order_one_create", "ms"),
    ("4. one order confirmed (ms)", "order_one_confirm", "ms"),
    ("5. amount by customer, report (ms)", "report", "ms"),
    ("5. amount by customer, raw SQL (ms)", "report_sql", "ms"),
]


def figures_of(side: dict[str, Any], key: str, kind: str) -> tuple[float, float]:
    f = side[key]
    if kind == "rate":
        return f["per_s"], f["per_cpu_s"]
    return f["p50_ms"], f["cpu_p50_ms"]


def compare(tryton: dict[str, Any], suanpan: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for label, key, kind in ROWS:
        tkey, skey = key if isinstance(key, tuple) else (key, key)
        (tw, tc), (sw, sc) = figures_of(tryton, tkey, kind), figures_of(suanpan, skey, kind)
        if kind == "rate":
            ratio, cpu_ratio = sw / tw, (sc / tc if tc and sc else None)
        else:
            ratio, cpu_ratio = tw / sw, (tc / sc if sc else None)
        out.append({"operation": label, "tryton": tw, "suanpan": sw, "ratio": round(ratio, 1),
                    "tryton_cpu": tc, "suanpan_cpu": sc,
                    "cpu_ratio": round(cpu_ratio, 1) if cpu_ratio is not None else None})
    return out


def goals(suanpan: dict[str, Any]) -> list[str]:
    """The issue's goals against raw SQL, by wall and by CPU time (the SQL is too short to be
    interrupted much on a busy machine; the page is not, so the wall ratio overstates)."""
    def ratio(page: str, sql: str) -> str:
        p, q = suanpan[page], suanpan[sql]
        return f"{p['p50_ms'] / q['p50_ms']:.1f}x wall, {p['cpu_p50_ms'] / q['cpu_p50_ms']:.1f}x CPU"
    api = ratio("list_page_api", "list_page_sql")
    return [f"list page (API, 80 rows) / its bare SQL: {api} (goal: within 3x)",
            f"list page (API, 80 rows, the 4 fields) / its bare SQL: {ratio('list_page_api_fields', 'list_page_sql')}",
            f"list page (HTML, 50 rows) / the bare SQL of 80: {ratio('list_page_html', 'list_page_sql')}",
            f"report / raw SQL: {ratio('report', 'report_sql')} (goal: within 2x)"]


def table(rows: list[dict[str, Any]]) -> str:
    head = f"{'operation':<56}{'Tryton':>10}{'Suanpan':>10}{'ratio':>8}{'CPU ratio':>11}"
    lines = [head, "-" * len(head)]
    for r in rows:
        cpu = f"{r['cpu_ratio']:.1f}" if r["cpu_ratio"] is not None else "-"
        lines.append(f"{r['operation']:<56}{r['tryton']:>10.2f}{r['suanpan']:>10.2f}{r['ratio']:>8.1f}{cpu:>11}")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "")
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "loadavg": list(os.getloadavg())}


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--postgres", action="store_true", help="PostgreSQL (databases h_tryton, h_tryton_t)")
    ap.add_argument("--quick", action="store_true", help="1,000 customers, 100 orders, fewer samples")
    ap.add_argument("--customers", type=int, default=None, help="customers (10,000)")
    ap.add_argument("--orders", type=int, default=None, help="sales orders (1,000)")
    ap.add_argument("--samples", type=int, default=None, help="one-at-a-time creations (20)")
    ap.add_argument("--repeat", type=int, default=None, help="runs of each read (50)")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--only", choices=["suanpan", "tryton"], help="run one side (no ratios)")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    args = ap.parse_args()
    quick = args.quick
    args.customers = args.customers or (1_000 if quick else 10_000)
    args.orders = args.orders or (100 if quick else 1_000)
    args.samples = args.samples or (5 if quick else 20)
    args.repeat = args.repeat or (10 if quick else 50)
    if args.customers < 500:
        ap.error("--customers must be 500 or more (orders go to the first 500)")
    started = datetime.now(UTC)
    result: dict[str, Any] = {"date": started.isoformat(timespec="seconds"), "machine": machine(),
                              "database": "postgresql" if args.postgres else "sqlite",
                              "settings": {k: getattr(args, k) for k in ("customers", "orders", "samples",
                                                                          "repeat", "seed")}}
    with tempfile.TemporaryDirectory(prefix="suanpan-tryton-") as name:
        tmp = Path(name)
        if args.only != "tryton":
            result["suanpan"] = run_suanpan(args, tmp)
        if args.only != "suanpan":
            result["tryton"] = run_tryton(args, tmp)
    result["machine"]["loadavg_after"] = list(os.getloadavg())
    result["seconds"] = round((datetime.now(UTC) - started).total_seconds())
    if "suanpan" in result and "tryton" in result:
        result["comparison"] = compare(result["tryton"], result["suanpan"])
        result["goals"] = goals(result["suanpan"])
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"tryton-{result['database']}-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nSuanpan and Tryton {result.get('tryton', {}).get('version', '')}, {result['database']}, "
          f"{args.customers:,} customers, {args.orders:,} orders, {result['date']}, "
          f"{result['machine']['nproc']} CPUs, load average {result['machine']['loadavg'][0]:.1f} before, "
          f"{result['machine']['loadavg_after'][0]:.1f} after; {result['seconds']} s")
    if "comparison" in result:
        print("ratio = Tryton / Suanpan time (or Suanpan / Tryton rate): 10 means Suanpan 10x faster")
        print(table(result["comparison"]))
        print("\n".join(result["goals"]))
    print(f"results: {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
