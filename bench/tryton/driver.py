"""The Tryton side of ``bench/tryton_compare.py``: run with the Tryton venv's
python (``build/tryton-venv/bin/python``), never the suite's.

    driver.py --database NAME --customers N --orders M --samples K --out FILE.json

The database must exist and be initialised (``trytond-admin --all`` with the
modules party, product, sale and sale_opportunity): tryton_compare.py does
that. The backend comes from the environment, as for trytond itself
(``TRYTOND_DATABASE__URI``, and ``TRYTOND_DATABASE__PATH`` for SQLite).

Everything goes through trytond's Python API, the way a Tryton developer
scripts it: ``Pool``, ``Transaction().start(...)``, the models' ``create``
(a list at a time for the bulk steps), ``search``/``read``, the sale's
``quote``/``confirm`` buttons, and the queued ``process`` task run after the
commit, as trytond's dispatcher runs it when no worker is configured. The
list page is also asked through trytond's own WSGI application in-process
(JSON-RPC ``search_read`` with a session), the way the Tryton client asks.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data  # noqa: E402
from timing import Stopwatch, rate, sample, summary  # noqa: E402
from trytond.pool import Pool  # noqa: E402
from trytond.transaction import Transaction  # noqa: E402

BATCH = 1000
ORDER_BATCH = 100
PASSWORD = "tryton-bench"


class Bench:
    def __init__(self, database: str) -> None:
        self.db = database
        self.pool = Pool(database)
        with Transaction().start(database, 0, readonly=True):
            self.pool.init()
            admin, = self.pool.get("res.user").search([("login", "=", "admin")])
            self.user = admin.id  # 1 on SQLite, not on PostgreSQL (its sequences)
        self.context: dict[str, Any] = {}

    def run(self, fn: Callable[[], Any], *, readonly: bool = False) -> Any:
        """``fn`` in a transaction of its own, committed, then the tasks it
        queued: what trytond's dispatcher does for an RPC call (including its
        retry when a transaction asks for a table lock first)."""
        from trytond.transaction import TransactionError
        from trytond.worker import run_task

        extras: dict[str, Any] = {}
        while True:
            with Transaction().start(self.db, self.user, readonly=readonly, context=self.context,
                                     **extras) as t:
                try:
                    result = fn()
                except TransactionError as e:
                    t.rollback()
                    t.tasks.clear()
                    e.fix(extras)
                    continue
                if not readonly:
                    t.commit()
                tasks = list(t.tasks)
                t.tasks.clear()
            break
        for task_id in tasks:
            run_task(self.pool, task_id)
        return result

    def get(self, name: str) -> Any:
        return self.pool.get(name)

    # ------------------------------------------------------------ set-up

    def setup(self) -> None:
        """A company in yuan (with a rate, which the sale reports need), the
        admin working in it, ten goods to sell, and the admin's password."""
        def company() -> None:
            Party, Currency, Company = self.get("party.party"), self.get("currency.currency"), \
                self.get("company.company")
            User = self.get("res.user")
            cny, = Currency.create([{"name": "人民币", "code": "CNY", "symbol": "¥", "digits": 2, "rounding":
                                     Decimal("0.01"), "rates": [("create", [{"date": date(2000, 1, 1),
                                                                                "rate": Decimal(1)}])]}])
            party, = Party.create([{"name": "总公司"}])
            company, = Company.create([{"party": party.id, "currency": cny.id}])
            User.write([User(self.user)], {"companies": [("add", [company.id])], "company": company.id,
                                           "password": PASSWORD})
        self.run(company)

        def prefs() -> dict[str, Any]:
            return dict(self.get("res.user").get_preferences(context_only=True))
        self.context = self.run(prefs, readonly=True)

        def products() -> None:
            Template, ModelData = self.get("product.template"), self.get("ir.model.data")
            Config = self.get("sale.configuration")
            unit = ModelData.get_id("product", "uom_unit")
            Template.create([{"name": name, "code": code, "type": "goods", "salable": True, "list_price": price,
                              "default_uom": unit, "sale_uom": unit, "products": [("create", [{}])]}
                             for code, name, price in data.PRODUCTS])
            # no chart of accounts in this database: orders are not invoiced on confirmation
            # (the Suanpan side invoices nothing either); the customer shipment is made
            Config.write([Config(1)], {"sale_invoice_method": "manual"})
        self.run(products)

    # ------------------------------------------------------------ 1. customers

    @staticmethod
    def party_values(c: data.Customer) -> dict[str, Any]:
        return {"name": c.name,
                "addresses": [("create", [{"street": c.street, "city": c.city}])],
                "contact_mechanisms": [("create", [{"type": "phone", "value": c.phone},
                                                   {"type": "email", "value": c.email}])]}

    def create_customers(self, rows: list[data.Customer]) -> Stopwatch:
        Party = self.get("party.party")
        with Stopwatch() as s:
            for start in range(0, len(rows), BATCH):
                chunk = rows[start:start + BATCH]
                self.run(lambda chunk=chunk: Party.create([self.party_values(c) for c in chunk]))
        return s

    def create_one(self, rows: list[data.Customer]) -> dict[str, Any]:
        Party = self.get("party.party")
        samples = []
        for c in rows:
            with Stopwatch() as s:
                self.run(lambda c=c: Party.create([self.party_values(c)]))
            samples.append((s.wall, s.cpu))
        return summary(samples)

    # ------------------------------------------------------------ 2. search

    def search_name(self, q: str) -> list[str]:
        Party = self.get("party.party")
        parties = Party.search([("name", "ilike", f"%{q}%")], limit=20)
        return [r["name"] for r in Party.read([p.id for p in parties], ["name"])]

    def search_phone(self, phone: str) -> list[str]:
        Party = self.get("party.party")
        parties = Party.search([("contact_mechanisms", "where", [("type", "=", "phone"),
                                                                 ("value_compact", "=", phone)])], limit=20)
        return [r["name"] for r in Party.read([p.id for p in parties], ["name"])]

    # ------------------------------------------------------------ 3. a list page

    def list_page(self) -> list[tuple[Any, ...]]:
        """The first page of 80 parties in the list's order, with name, phone,
        e-mail and the city of the first address (as the client's list reads them)."""
        Party = self.get("party.party")
        rows = Party.search_read([], 0, 80, None, ["name", "phone", "email", "addresses.city"])
        return [(r["name"], r["phone"], r["email"], (r["addresses."] or [{}])[0].get("city"))
                if "addresses." in r else (r["name"], r["phone"], r["email"], None) for r in rows]

    def bare_list_sql(self) -> list[tuple[Any, ...]]:
        """The same rows in one SQL query on Tryton's tables."""
        cursor = Transaction().connection.cursor()
        cursor.execute(LIST_SQL)
        return list(cursor.fetchall())

    def rpc_client(self) -> tuple[Any, dict[str, str]]:
        from trytond.wsgi import app
        from werkzeug.test import Client

        client = Client(app)
        response = client.post(f"/{self.db}/rpc/", json={"method": "common.db.login", "params": [
            "admin", {"password": PASSWORD}, "en"], "id": 1})
        user_id, session = response.get_json()["result"][:2]
        token = base64.b64encode(f"admin:{user_id}:{session}".encode()).decode()
        return client, {"Authorization": f"Session {token}"}

    def rpc_list_page(self, client: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
        body = {"method": "model.party.party.search_read", "id": 2,
                "params": [[], 0, 80, None, ["name", "phone", "email", "addresses.city"], self.context]}
        response = client.post(f"/{self.db}/rpc/", json=body, headers=headers)
        result = response.get_json()
        if "result" not in result:
            raise RuntimeError(f"Tryton RPC failed: {result}")
        return list(result["result"])

    # ------------------------------------------------------------ 4. orders

    def order_values(self, n: int, party_ids: list[int], addresses: dict[int, int],
                     products: list[tuple[int, int]]) -> dict[str, Any]:
        party = party_ids[data.order_customer(n, len(party_ids))]
        lines = [{"type": "line", "product": products[i][0], "unit": products[i][1], "quantity": float(qty),
                  "unit_price": price} for i, qty, price in data.order_lines(n)]
        return {"party": party, "invoice_address": addresses[party], "shipment_address": addresses[party],
                "company": self.context["company"], "currency": self.currency,
                "lines": [("create", lines)]}

    def order_refs(self, names: list[str]) -> tuple[list[int], dict[int, int], list[tuple[int, int]]]:
        def read() -> tuple[list[int], dict[int, int], list[tuple[int, int]]]:
            Party, Address, Product = self.get("party.party"), self.get("party.address"), \
                self.get("product.product")
            Company = self.get("company.company")
            self.currency = Company(self.context["company"]).currency.id
            by_name = {p.name: p.id for p in Party.search([("name", "in", names)])}
            ids = [by_name[n] for n in names]
            addresses = {a.party.id: a.id for a in Address.search([("party", "in", ids)])}
            products = {p.code: (p.id, p.default_uom.id) for p in Product.search([])}
            return ids, addresses, [products[code] for code, _, _ in data.PRODUCTS]
        return self.run(read, readonly=True)

    def create_orders(self, count: int, refs: Any) -> tuple[Stopwatch, list[int]]:
        Sale = self.get("sale.sale")
        ids: list[int] = []
        with Stopwatch() as s:
            for start in range(0, count, ORDER_BATCH):
                stop = min(count, start + ORDER_BATCH)
                ids += self.run(lambda start=start, stop=stop: [sale.id for sale in Sale.create(
                    [self.order_values(n, *refs) for n in range(start, stop)])])
        return s, ids

    def confirm(self, ids: list[int]) -> None:
        """The buttons Quote then Confirm (the processing task runs after the commit)."""
        Sale = self.get("sale.sale")
        sales = Sale.browse(ids)
        Sale.quote(sales)
        Sale.confirm(sales)

    def confirm_orders(self, ids: list[int]) -> Stopwatch:
        with Stopwatch() as s:
            for start in range(0, len(ids), ORDER_BATCH):
                self.run(lambda batch=ids[start:start + ORDER_BATCH]: self.confirm(batch))
        return s

    def one_order(self, n: int, refs: Any) -> tuple[Stopwatch, Stopwatch]:
        """One order created (one transaction), then confirmed (one transaction and its task)."""
        Sale = self.get("sale.sale")
        with Stopwatch() as created:
            sale_id = self.run(lambda: Sale.create([self.order_values(n, *refs)])[0].id)
        with Stopwatch() as confirmed:
            self.run(lambda: self.confirm([sale_id]))
        return created, confirmed

    def order_states(self) -> dict[str, int]:
        def count() -> dict[str, int]:
            cursor = Transaction().connection.cursor()
            cursor.execute("SELECT state, COUNT(*) FROM sale_sale GROUP BY state")
            states = {s: n for s, n in cursor.fetchall()}
            cursor.execute("SELECT COUNT(*) FROM stock_shipment_out")
            states["shipments"] = cursor.fetchone()[0]
            return states
        return self.run(count, readonly=True)

    # ------------------------------------------------------------ 5. report

    def report(self) -> list[tuple[str, Decimal]]:
        """Revenue by customer from the sale module's own report
        (``sale.reporting.customer``), with the customers' names."""
        Report = self.get("sale.reporting.customer")
        with Transaction().set_context(company=self.context["company"]):
            rows = Report.search_read([], fields_names=["customer.rec_name", "revenue", "number"])
        return [(r["customer."]["rec_name"], r["revenue"]) for r in rows]

    def raw_report(self) -> list[tuple[Any, ...]]:
        cursor = Transaction().connection.cursor()
        cursor.execute(REPORT_SQL.format(company=int(self.context["company"])))
        return list(cursor.fetchall())


#: the list page's rows: name, first phone, first e-mail, first address's city, in the list's order (name)
LIST_SQL = """
SELECT p.id, p.name,
  (SELECT c.value FROM party_contact_mechanism c WHERE c.party = p.id AND c.type = 'phone' AND c.active
   ORDER BY c.sequence, c.id LIMIT 1),
  (SELECT c.value FROM party_contact_mechanism c WHERE c.party = p.id AND c.type = 'email' AND c.active
   ORDER BY c.sequence, c.id LIMIT 1),
  (SELECT a.city FROM party_address a WHERE a.party = p.id AND a.active ORDER BY a.sequence, a.id LIMIT 1)
FROM party_party p WHERE p.active ORDER BY p.name, p.id LIMIT 80
"""

#: revenue (quantity x unit price) and orders by customer over confirmed, processing and done orders
REPORT_SQL = """
SELECT p.name, SUM(l.quantity * l.unit_price), COUNT(DISTINCT s.id)
FROM sale_line l JOIN sale_sale s ON l.sale = s.id JOIN party_party p ON p.id = s.party
WHERE s.state IN ('confirmed', 'processing', 'done') AND s.company = {company:d}
GROUP BY p.id, p.name ORDER BY p.name
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", required=True)
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--orders", type=int, default=1_000)
    ap.add_argument("--samples", type=int, default=20, help="interactive creations and confirmations")
    ap.add_argument("--repeat", type=int, default=50, help="runs of each read")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    out: dict[str, Any] = {}

    def log(text: str) -> None:
        print(f"tryton: {text}", file=sys.stderr, flush=True)

    b = Bench(args.database)
    b.setup()
    people = list(data.customers(args.customers + args.samples, args.seed))
    bulk, single = people[:args.customers], people[args.customers:]

    watch = b.create_customers(bulk)
    out["customers_bulk"] = rate(len(bulk), watch)
    log(f"customers: {out['customers_bulk']}")
    out["customer_one"] = b.create_one(single)
    log(f"one customer: {out['customer_one']}")

    wanted = data.pick(bulk, args.repeat, args.seed)
    for name, fn in (("search_name", lambda c: b.search_name(c.query)),
                     ("search_phone", lambda c: b.search_phone(c.phone))):
        for c in wanted[:5]:
            b.run(lambda c=c, fn=fn: fn(c), readonly=True)
        samples, found = [], 0
        for c in wanted:
            with Stopwatch() as s:
                names = b.run(lambda c=c, fn=fn: fn(c), readonly=True)
            samples.append((s.wall, s.cpu))
            found += c.name in names
        out[name] = {**summary(samples), "found": found}
        log(f"{name}: {out[name]}")

    figures, rows = sample(lambda: b.run(b.list_page, readonly=True), args.repeat)
    out["list_page_orm"] = {**figures, "rows": len(rows), "first": list(rows[0])}
    figures, raw = sample(lambda: b.run(b.bare_list_sql, readonly=True), args.repeat)
    out["list_page_sql"] = {**figures, "rows": len(raw), "first": list(raw[0][1:])}
    client, headers = b.rpc_client()
    figures, page = sample(lambda: b.rpc_list_page(client, headers), args.repeat)
    out["list_page_rpc"] = {**figures, "rows": len(page)}
    log(f"list page: ORM {out['list_page_orm']}, RPC {out['list_page_rpc']}, SQL {out['list_page_sql']}")

    refs = b.order_refs([c.name for c in bulk[:min(len(bulk), 500)]])
    watch, ids = b.create_orders(args.orders, refs)
    out["orders_create"] = rate(len(ids), watch)
    log(f"orders created: {out['orders_create']}")
    out["orders_confirm"] = rate(len(ids), b.confirm_orders(ids))
    log(f"orders confirmed: {out['orders_confirm']}")
    created, confirmed = [], []
    for k in range(args.samples):
        c, f = b.one_order(args.orders + k, refs)
        created.append((c.wall, c.cpu))
        confirmed.append((f.wall, f.cpu))
    out["order_one_create"] = summary(created)
    out["order_one_confirm"] = summary(confirmed)
    out["order_states"] = b.order_states()
    log(f"one order: create {out['order_one_create']}, confirm {out['order_one_confirm']}; "
        f"{out['order_states']}")

    figures, rows = sample(lambda: b.run(b.report, readonly=True), args.repeat)
    out["report"] = {**figures, "groups": len(rows), "total": str(sum(r[1] for r in rows))}
    figures, raw = sample(lambda: b.run(b.raw_report, readonly=True), args.repeat)
    out["report_sql"] = {**figures, "groups": len(raw), "total": str(sum(Decimal(str(r[1])) for r in raw))}
    log(f"report: {out['report']}, SQL {out['report_sql']}")
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
