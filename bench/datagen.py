#!/usr/bin/env python3
"""Build a large, realistic Suanpan installation from a seed.

    .venv/bin/python bench/datagen.py                             # SQLite, 1,000,000 customers
    .venv/bin/python bench/datagen.py --customers 10000 --contracts 1000
    .venv/bin/python bench/datagen.py --postgres                  # PostgreSQL, database h_benchdata

What it makes, in one organisation (总公司) with every plugin enabled:

* a sales department with three regional departments, a director, three
  managers and ``--team`` salespeople (logins: ``director``, ``manager1``..3,
  ``rep01``..; the administrator ``admin``; every password ``--password``);
* the catalog's demo currencies, units, categories and products, three
  payment terms, the CRM's default public pool with its rules;
* ``--customers`` customers (bench/datagen_rows.py: Chinese and foreign
  companies, English names, addresses to the street, phones, e-mails), a
  fifth of them in the public pool, each with 2 contacts and 0-2 follow-ups,
  their ownership log and tags;
* ``--contracts`` contracts of 5 lines (drafts, approved and signed ones
  with their receivable plans) and ``--quotes`` quotes of 5 lines, numbered
  from the kernel's sequences, on customers owned by the salespeople.

Rows go in with ``core.create_many`` (one INSERT per 2,000 rows, with the
audit trail, the search index and the duplicate keys the app writes for
each new record), in one transaction per chunk of customers. The same seed
gives the same rows (dates count back from ``--as-of``, not from today).

The SQLite database is ``<var>/suanpan.db`` (``--var``, default
``bench/var/datagen-<customers>``); with ``--postgres`` the database
``--database`` (default ``h_benchdata``) is dropped and created again and
``--var`` holds the installation's other files. ``<var>/datagen.json``
records the parameters, counts and timings; bench/http_load.py serves it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any, cast

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

import datagen_bulk as bulk  # noqa: E402
import datagen_rows as gen  # noqa: E402
from sqlalchemy import Table, event, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from core import create_many  # noqa: E402
from core.app import Kernel  # noqa: E402
from core.config import load_settings  # noqa: E402
from core.models import Org  # noqa: E402
from core.models import Sequence as NumberSequence  # noqa: E402
from core.numbering import pattern_for  # noqa: E402
from core.setup import ensure_admin, migrate_and_sync  # noqa: E402
from plugins.catalog.models import Product, Unit  # noqa: E402
from plugins.catalog.services import demo as catalog_demo  # noqa: E402
from plugins.crm import kernel as crm_kernel  # noqa: E402
from plugins.crm.models import Contact, Customer, FollowUp, OwnershipLog  # noqa: E402
from plugins.crm.services import tags as tag_service  # noqa: E402
from plugins.crm.services.demo import GIVEN, SURNAMES, TAGS, Owner, _pool  # noqa: E402
from plugins.sales.models import PaymentTerm  # noqa: E402
from plugins.sales.services.contracts import describe_term  # noqa: E402
from plugins.sales.services.demo import TERMS, TERMS_TEXT  # noqa: E402
from plugins.search.models import SearchEntry  # noqa: E402

PASSWORD = "Bench-Data-2026!"
DEFAULT_AS_OF = date(2026, 11, 1)
PG_DEFAULT = "h_benchdata"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
#: customers per transaction
CHUNK = 5000
#: contracts or quotes per transaction
DOC_CHUNK = 2000
STAMP = "datagen.json"
#: what decides the rows (recorded in the stamp: http_load.py reuses a database made with the same)
PARAMS = ("seed", "customers", "contracts", "quotes", "team", "as_of")
REGION_NAMES = (("north", "华北大区", "North China"), ("east", "华东大区", "East China"),
                ("south", "华南大区", "South China"))


def log(msg: str) -> None:
    print(f"[datagen] {msg}", flush=True)


def forbidden(name: str) -> bool:
    """Databases this script never drops: the lead's test databases, the server's own."""
    return (name in ("test", "postgres", "template0", "template1") or name.startswith("test_gw")
            or not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name))


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers, once joined)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Phases:
    """Wall time of each phase, and the CPU time of this process, printed as it ends."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started, cpu = time.perf_counter(), time.process_time()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 2)
        self.cpu[name] = round(time.process_time() - cpu, 2)
        log(f"{name}: {self.seconds[name]:.1f} s (this process: {self.cpu[name]:.1f} s of CPU)")


# ---------------------------------------------------------------- the installation


def prepare(args: argparse.Namespace) -> tuple[Path, str]:
    """An empty var dir and database; their paths."""
    var = Path(args.var) if args.var else HERE / "var" / (
        f"datagen-pg-{args.database}" if args.postgres else f"datagen-{args.customers}")
    if var.exists():
        if any(var.iterdir()) and not (var / STAMP).exists() and not (var / "suanpan.db").exists():
            sys.exit(f"datagen: {var} holds files that are not a generated installation; choose another --var")
        shutil.rmtree(var)
    var.mkdir(parents=True)
    (var / STAMP).write_text(json.dumps({"generator": "bench/datagen.py", "status": "building"}) + "\n")
    if not args.postgres:
        return var, f"sqlite:///{var / 'suanpan.db'}"
    if forbidden(args.database):
        sys.exit(f"datagen: refusing to use the PostgreSQL database {args.database!r}")
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    return var, PG_SERVER.format(name=args.database)


def install(var: Path, url: str, password: str) -> Kernel:
    settings = load_settings(var_dir=var, database_url=url, inprocess_worker=False)
    migrate_and_sync(Kernel(settings))
    kernel = Kernel(settings)  # plugins enabled by the migration are now known
    ensure_admin(kernel, password)
    if kernel.db.is_sqlite:
        @event.listens_for(kernel.db.engine, "connect")
        def _big_cache(dbapi_conn: Any, _record: Any) -> None:
            # the writer's page cache (512 MB): the indexes of a million rows take random inserts
            dbapi_conn.execute("PRAGMA cache_size = -524288")

        kernel.db.engine.dispose()
    return kernel


@contextmanager
def trigram_index_later(kernel: Kernel) -> Iterator[None]:
    """PostgreSQL: the search entries' GIN trigram index built once after the
    load, as a bulk import would, rather than updated for every row."""
    index = next((i for i in cast(Table, SearchEntry.__table__).indexes if i.name == "ix_search_entry_trgm"),
                 None)
    if kernel.db.engine.dialect.name != "postgresql" or index is None:
        yield
        return
    with kernel.db.engine.begin() as conn:
        index.drop(conn)
    try:
        yield
    finally:
        with kernel.db.engine.begin() as conn:
            index.create(conn)


def organisation(db: Session, seed: int, team_size: int) -> gen.Team:
    """Departments, people and roles of the sales organisation, the catalog, the pool."""
    org_id = int(db.scalar(select(Org.id).where(Org.code == "HQ")) or 0)
    like = int(db.scalar(text("SELECT id FROM core_user WHERE username = 'admin'")) or 0)
    rng = gen.rng_of(seed, "team")
    sales = crm_kernel.demo_department(db, org_id, None, "销售部", "Sales")
    depts = {key: crm_kernel.demo_department(db, org_id, sales, name, name_en)
             for key, name, name_en in REGION_NAMES}

    def person(username: str, dept: int, position: str, role: str, n: int) -> int:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        uid = crm_kernel.demo_user(db, username=username, name=name, org_id=org_id, department_id=dept,
                                   position=position, phone=f"1391000{n:04d}", like_user_id=like)
        crm_kernel.grant_role(db, uid, role, org_id)
        return uid

    crm_kernel.set_head(db, sales, person("director", sales, "销售总监", "crm.director", 0))
    for n, (key, _, _) in enumerate(REGION_NAMES, start=1):
        crm_kernel.set_head(db, depts[key], person(f"manager{n}", depts[key], "大区经理", "crm.manager", n))
    regions = [key for key, _, _ in REGION_NAMES]
    owners = []
    for n in range(1, team_size + 1):
        region = regions[(n - 1) % len(regions)]
        uid = person(f"rep{n:02d}", depts[region], "销售代表", "crm.salesperson", 10 + n)
        owners.append(Owner(uid, depts[region], region))
    catalog_demo.load(db, {"HQ": org_id}, {})
    pool_id = _pool(db, org_id)
    db.add_all([PaymentTerm(org_id=org_id, name=name, name_en=name_en, instalments=[
        {"label": label, "percent": percent, "days": days, "basis": basis}
        for label, percent, days, basis in parts]) for name, name_en, parts in TERMS])
    return gen.Team(org_id, owners, pool_id)


# ---------------------------------------------------------------- the runs of jobs


class Writer:
    """Jobs made here (in a thread of this process), derived by the worker
    processes, written here in order, one transaction each."""

    def __init__(self, kernel: Kernel, var: Path, url: str, workers: int) -> None:
        self.kernel = kernel
        self.counts: Counter[str] = Counter()
        with kernel.db.session(write=False) as db:
            self.ids = bulk.Ids(db, ID_TABLES)
        # spawned, not forked: a worker shares no connection with this process
        self.pool = get_context("spawn").Pool(workers, initializer=bulk.start_worker, initargs=(str(var), url))
        self.workers = workers

    def run(self, jobs: Iterator[bulk.Job], label: str, total: int) -> None:
        started, done_records = time.perf_counter(), 0
        gated, done = bulk.bounded(jobs, self.workers + 2)
        for written, batch in enumerate(self.pool.imap(bulk.derive, gated), start=1):
            with self.kernel.db.session() as db:
                bulk.write(db, batch, self.ids)
            done()
            for name, _, rows in batch.parts:
                self.counts[name] += len(rows)
            done_records += batch.records
            if written % 10 == 0:
                log(f"  {label}: {self.counts[MAIN_TABLE[label]]:,} of {total:,} "
                    f"({done_records / (time.perf_counter() - started):,.0f} records/s)")

    def close(self) -> None:
        self.pool.close()
        self.pool.join()
        bulk.finish(self.kernel, ID_TABLES)


#: tables whose ids the writer gives (other rows refer to them, or their FTS rows do)
ID_TABLES = ("crm_customer", "crm_contact", "crm_followup", "search_entry", "sales_contract",
             "sales_instalment", "sales_quote")
MAIN_TABLE = {"customers": "crm_customer", "contracts": "sales_contract", "quotes": "sales_quote"}


# ---------------------------------------------------------------- customers


class CustomerJobs:
    """The customers' jobs: each chunk's customers with their ownership log,
    tags, contacts (the main one first) and follow-ups."""

    def __init__(self, db: Session, team: gen.Team, ids: bulk.Ids) -> None:
        self.team, self.ids = team, ids
        self.tag_ids = {t.name: t.id for t in tag_service.ensure(db, team.org_id, TAGS)}
        #: every customer's id, in order, and the indexes of those a salesperson owns
        self.customer_ids: list[int] = []
        self.owned: list[int] = []

    def jobs(self, planned: Iterator[gen.Planned]) -> Iterator[bulk.Job]:
        while chunk := list(islice(planned, CHUNK)):
            yield self.job(chunk)

    def job(self, chunk: Sequence[gen.Planned]) -> bulk.Job:
        take = self.ids.take
        ids, mains, others = take("crm_customer", len(chunk)), take("crm_contact", len(chunk)), \
            take("crm_contact", len(chunk))
        self.owned += [len(self.customer_ids) + n for n, p in enumerate(chunk)
                       if p.customer["owner_id"] is not None]
        self.customer_ids += ids
        rows = list(zip(chunk, ids, mains, others, strict=True))
        followups = [{**row, "customer_id": cid, "contact_id": (main, other)[which]}
                     for p, cid, main, other in rows for which, row in p.followups]
        job = bulk.Job()
        job.add("crm_customer", [{**p.customer, "id": cid} for p, cid, _, _ in rows])
        job.add("crm_ownership_log", [{**log, "customer_id": cid} for p, cid, _, _ in rows for log in p.log])
        job.add("crm_customer_tag", [{"customer_id": cid, "tag_id": self.tag_ids[name]}
                                     for p, cid, _, _ in rows for name in p.tags])
        job.add("crm_contact", [{**p.contacts[0], "id": main, "customer_id": cid} for p, cid, main, _ in rows]
                + [{**p.contacts[1], "id": other, "customer_id": cid, "reports_to_id": main}
                   for p, cid, main, other in rows])
        job.add("crm_followup", [{**row, "id": fid} for row, fid in
                                 zip(followups, take("crm_followup", len(followups)), strict=True)])
        return job


def write_customers(db: Session, org_id: int, chunk: Sequence[gen.Planned]) -> list[int]:
    """The same customers written the app's way, through ``core.create_many``
    and the CRM's tag service, one record's events at a time: the reference
    the bulk writer is checked against (tests/bench_support), and ``--slow``."""
    ids = create_many(db, None, Customer, [p.customer for p in chunk])
    db.execute(insert(OwnershipLog), [{**row, "customer_id": cid} for p, cid in zip(chunk, ids, strict=True)
                                      for row in p.log])
    tagged = [(cid, p.tags) for p, cid in zip(chunk, ids, strict=True) if p.tags]
    if tagged:
        tag_service.tag_rows(db, org_id, tagged)
    mains = create_many(db, None, Contact, [{**p.contacts[0], "customer_id": cid}
                                            for p, cid in zip(chunk, ids, strict=True)])
    others = create_many(db, None, Contact, [{**p.contacts[1], "customer_id": cid, "reports_to_id": main}
                                             for p, cid, main in zip(chunk, ids, mains, strict=True)])
    create_many(db, None, FollowUp, [{**row, "customer_id": cid, "contact_id": (main, other)[which]}
                                     for p, cid, main, other in zip(chunk, ids, mains, others, strict=True)
                                     for which, row in p.followups])
    return ids


# ---------------------------------------------------------------- contracts and quotes


def catalog(db: Session, org_id: int) -> list[gen.Product]:
    units: dict[int, str] = {i: n for i, n in db.execute(select(Unit.id, Unit.name))}
    return [gen.Product(p.id, p.name, units.get(p.unit_id or 0, ""), p.list_price, p.tax_rate)
            for p in db.scalars(select(Product).where(Product.org_id == org_id, Product.is_bundle.is_(False),
                                                      Product.active.is_(True), Product.deleted_at.is_(None))
                                .order_by(Product.code))]


def buyers(db: Session, customer_ids: set[int]) -> dict[int, gen.Buyer]:
    """What documents copy from these customers and their main contacts."""
    c = Customer.__table__.c
    k = Contact.__table__.c
    main: dict[int, int] = {c: i for c, i in db.execute(select(k.customer_id, k.id)
                                                        .where(k.customer_id.in_(customer_ids), k.is_main))}
    people = {row.id: row for row in db.execute(select(k.id, k.name, k.mobile, k.phone)
                                                 .where(k.id.in_(main.values())))}
    out = {}
    for row in db.execute(select(c.id, c.owner_id, c.department_id, c.name, c.short_name, c.province, c.city,
                                 c.district, c.address, c.uscc, c.phone).where(c.id.in_(customer_ids))):
        person = people.get(main.get(row.id, 0))
        phone = (person.mobile or person.phone) if person is not None else ""
        out[row.id] = gen.Buyer(row.id, row.owner_id, row.department_id, row.name, row.short_name,
                                gen.buyer_address(row.province, row.city, row.district, row.address), row.uscc,
                                person.name if person is not None else "", (phone or row.phone)[:50],
                                person.id if person is not None else None)
    return out


class Numbers:
    """Document numbers as ``core.numbering.next_number`` gives them, per year,
    written back to the sequence at the end (so the next one the app takes follows)."""

    def __init__(self, db: Session, kernel: Kernel, key: str, org_id: int) -> None:
        self.key, self.org_id = key, org_id
        self.pattern = pattern_for(db, kernel.registry.sequences[key], org_id)
        self.code = db.scalar(select(Org.code).where(Org.id == org_id)) or ""
        self.taken: Counter[int] = Counter()

    def next(self, at: datetime) -> str:
        local = at.astimezone(gen.CHINA)
        self.taken[local.year] += 1
        return self.pattern.format(seq=self.taken[local.year], year=local.year, yy=local.year % 100,
                                   month=local.month, org=self.code)

    def save(self, db: Session) -> None:
        for year, taken in self.taken.items():
            db.add(NumberSequence(org_id=self.org_id, key=self.key, period=year, next_value=taken + 1))


def contract_row(rng: random.Random, team: gen.Team, buyer: gen.Buyer, d: gen.Document, number: str,
                 term: gen.Term, doc_lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A contract as ``create_contract`` writes it, then stood in its state
    as the demo does: approved or signed ones stamped ``approved_at``."""
    day = d.made.astimezone(gen.CHINA).date()
    signed = None if d.state == "draft" else day + timedelta(days=rng.randint(0, 10))
    start = signed or day
    title = f"{buyer.short_name or buyer.name}{'采购合同' if d.kind == 'contract' else '订单'}"
    return {
        "org_id": team.org_id, "owner_id": buyer.owner_id, "department_id": buyer.department_id,
        "number": number, "revision": 1, "kind": d.kind, "title": title, "customer_id": buyer.customer_id,
        "contact_id": buyer.contact_id, "buyer_name": buyer.name[:200], "buyer_address": buyer.address,
        "buyer_tax_no": buyer.tax_no, "buyer_representative": buyer.representative[:100],
        "buyer_phone": buyer.phone, "payment_term_id": term.id, "payment_terms": term.text,
        "delivery_terms": gen.DELIVERY_TERMS, "terms": TERMS_TEXT, "note": "", "signed_on": signed,
        "start_on": start, "end_on": start + timedelta(days=365), "renewal_notice_days": 30, "state": d.state,
        "approved_at": None if signed is None else d.made + timedelta(hours=3), "currency_code": "CNY",
        "tax_included": True, "extra": {}, "version": 1, "created_at": d.made, "updated_at": d.made,
        **gen.totals(doc_lines)}


def quote_row(team: gen.Team, buyer: gen.Buyer, d: gen.Document, number: str,
              doc_lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A quote as ``create_quote`` writes it, stood in its state."""
    day = d.made.astimezone(gen.CHINA).date()
    return {
        "org_id": team.org_id, "owner_id": buyer.owner_id, "department_id": buyer.department_id,
        "number": number, "revision": 1, "title": f"{buyer.short_name or buyer.name}报价",
        "customer_id": buyer.customer_id, "contact_id": buyer.contact_id, "issued_on": day,
        "valid_until": day + timedelta(days=30), "payment_terms": gen.QUOTE_PAYMENT,
        "delivery_terms": gen.DELIVERY_TERMS, "terms": "", "note": "", "state": d.state, "currency_code": "CNY",
        "tax_included": True, "extra": {}, "version": 1, "created_at": d.made, "updated_at": d.made,
        **gen.totals(doc_lines)}


class DocumentJobs:
    """The jobs of contracts (with lines and receivable plans) and quotes (with lines)."""

    def __init__(self, kernel: Kernel, team: gen.Team, ids: bulk.Ids, customer_ids: Sequence[int]) -> None:
        self.kernel, self.team, self.ids, self.customer_ids = kernel, team, ids, customer_ids
        with kernel.db.session(write=False) as db:
            self.products = catalog(db, team.org_id)
            self.terms = [gen.Term(t.id, describe_term(t), t.instalments)
                          for t in db.scalars(select(PaymentTerm).where(PaymentTerm.org_id == team.org_id)
                                              .order_by(PaymentTerm.id))]
            self.numbers = {key: Numbers(db, kernel, key, team.org_id)
                            for key in ("sales.contract", "sales.quote")}

    def _buyers(self, chunk: Sequence[gen.Document]) -> dict[int, gen.Buyer]:
        with self.kernel.db.session(write=False) as db:
            return buyers(db, {self.customer_ids[d.customer_index] for d in chunk})

    def contracts(self, rng: random.Random, plans: Sequence[gen.Document]) -> Iterator[bulk.Job]:
        numbers = self.numbers["sales.contract"]
        for start in range(0, len(plans), DOC_CHUNK):
            chunk = plans[start:start + DOC_CHUNK]
            found = self._buyers(chunk)
            rows, lines, instalments = [], [], []
            for d, cid in zip(chunk, self.ids.take("sales_contract", len(chunk)), strict=True):
                term, doc_lines = rng.choice(self.terms), gen.lines(rng, self.products)
                row = {**contract_row(rng, self.team, found[self.customer_ids[d.customer_index]], d,
                                      numbers.next(d.made), term, doc_lines), "id": cid}
                rows.append(row)
                lines += [{**line, "contract_id": cid} for line in doc_lines]
                if row["signed_on"] is not None:
                    instalments += [
                        {**part, "contract_id": cid, "customer_id": row["customer_id"], "org_id": row["org_id"],
                         "owner_id": row["owner_id"], "department_id": row["department_id"],
                         "currency_code": "CNY", "version": 1, "created_at": row["approved_at"],
                         "updated_at": row["approved_at"]}
                        for part in gen.plan(row["total"], term, row["signed_on"], row["start_on"],
                                             row["end_on"])]
            job = bulk.Job()
            job.add("sales_contract", rows)
            job.add("sales_contract_line", lines)
            job.add("sales_instalment", [{**row, "id": iid} for row, iid in
                                         zip(instalments, self.ids.take("sales_instalment", len(instalments)),
                                             strict=True)])
            yield job

    def quotes(self, rng: random.Random, plans: Sequence[gen.Document]) -> Iterator[bulk.Job]:
        numbers = self.numbers["sales.quote"]
        for start in range(0, len(plans), DOC_CHUNK):
            chunk = plans[start:start + DOC_CHUNK]
            found = self._buyers(chunk)
            rows, lines = [], []
            for d, qid in zip(chunk, self.ids.take("sales_quote", len(chunk)), strict=True):
                doc_lines = gen.lines(rng, self.products)
                rows.append({**quote_row(self.team, found[self.customer_ids[d.customer_index]], d,
                                         numbers.next(d.made), doc_lines), "id": qid})
                lines += [{**line, "quote_id": qid} for line in doc_lines]
            job = bulk.Job()
            job.add("sales_quote", rows)
            job.add("sales_quote_line", lines)
            yield job

    def save_numbers(self) -> None:
        with self.kernel.db.session() as db:
            for numbers in self.numbers.values():
                numbers.save(db)


# ---------------------------------------------------------------- main


def analyse(kernel: Kernel) -> None:
    """Fresh planner statistics after the load, as autovacuum would soon give them."""
    if kernel.db.engine.dialect.name == "postgresql":
        with kernel.db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        with kernel.db.session() as db:
            db.execute(text("ANALYZE"))


def build(args: argparse.Namespace) -> dict[str, Any]:
    """Make the installation; what was made, and how long each phase took."""
    phases = Phases()
    as_of = gen.at_time(date.fromisoformat(args.as_of), 0)
    with phases("prepare"):
        var, url = prepare(args)
    with phases("migrate"):
        kernel = install(var, url, args.password)
    with phases("organisation, catalog"), kernel.db.session() as db:
        team = organisation(db, args.seed, args.team)
    writer = Writer(kernel, var, url, args.workers)
    with kernel.db.session() as db:
        customer_jobs = CustomerJobs(db, team, writer.ids)
    planned = iter(gen.Customers(args.seed, team, args.customers, as_of))
    with trigram_index_later(kernel), phases("customers, contacts, follow-ups"):
        if args.slow:  # the app's own path, one transaction per chunk
            while chunk := list(islice(planned, CHUNK)):
                with kernel.db.session() as db:
                    customer_jobs.customer_ids += write_customers(db, team.org_id, chunk)
                customer_jobs.owned += [len(customer_jobs.customer_ids) - len(chunk) + n
                                        for n, p in enumerate(chunk) if p.customer["owner_id"] is not None]
        else:
            writer.run(customer_jobs.jobs(planned), "customers", args.customers)
    documents = DocumentJobs(kernel, team, writer.ids, customer_jobs.customer_ids)
    owned = customer_jobs.owned
    with phases("contracts"):
        rng = gen.rng_of(args.seed, "contracts")
        plans = gen.documents(rng, args.contracts, owned, as_of, states=[s for s, _ in gen.CONTRACT_STATES],
                              weights=[w for _, w in gen.CONTRACT_STATES])
        writer.run(documents.contracts(rng, plans), "contracts", args.contracts)
    with phases("quotes"):
        rng = gen.rng_of(args.seed, "quotes")
        plans = gen.documents(rng, args.quotes, owned, as_of, states=gen.QUOTE_STATES, days=365)
        writer.run(documents.quotes(rng, plans), "quotes", args.quotes)
    documents.save_numbers()
    writer.close()
    with phases("analyse"):
        analyse(kernel)
    kernel.db.dispose()
    with kernel.db.session(write=False) as db:
        counts = {name: int(db.scalar(text(f"SELECT COUNT(*) FROM {name}")) or 0) for name in COUNTED}
    kernel.db.dispose()
    database = args.database if args.postgres else "sqlite"
    stamp = {"generator": "bench/datagen.py", "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
             "database": database, "url": url, "var": str(var),
             "params": {k: getattr(args, k) for k in PARAMS},
             "password": args.password, "counts": counts, "seconds": phases.seconds, "writer_cpu_s": phases.cpu,
             "cpu_s": round(cpu_seconds(), 1), "loadavg_1m": round(os.getloadavg()[0], 2),
             "total_s": round(sum(phases.seconds.values()), 1)}
    (var / STAMP).write_text(json.dumps(stamp, indent=2, ensure_ascii=False) + "\n")
    return stamp


#: the tables whose rows the stamp counts
COUNTED = ("crm_customer", "crm_contact", "crm_followup", "crm_ownership_log", "crm_customer_tag",
           "sales_contract", "sales_contract_line", "sales_instalment", "sales_quote", "sales_quote_line",
           "core_audit", "search_entry", "dataio_match_key")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000, help="customers (1,000,000)")
    ap.add_argument("--contracts", type=int, default=None, help="contracts of 5 lines (customers / 10)")
    ap.add_argument("--quotes", type=int, default=None, help="quotes of 5 lines (contracts / 10)")
    ap.add_argument("--team", type=int, default=30, help="salespeople (30)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default=DEFAULT_AS_OF.isoformat(), help="the day dates count back from")
    ap.add_argument("--password", default=PASSWORD, help="every generated user's password")
    ap.add_argument("--var", default=None, help="the installation's var dir (made afresh)")
    ap.add_argument("--postgres", action="store_true", help="PostgreSQL at 127.0.0.1:5432 instead of SQLite")
    ap.add_argument("--database", default=PG_DEFAULT, help=f"the PostgreSQL database to make ({PG_DEFAULT})")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                    help="processes deriving the rows (the number of CPUs)")
    ap.add_argument("--slow", action="store_true",
                    help="write the customers through core.create_many, record by record's events (a check)")
    return ap


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parser().parse_args(argv)
    args.contracts = args.customers // 10 if args.contracts is None else args.contracts
    args.quotes = args.contracts // 10 if args.quotes is None else args.quotes
    if args.customers < 1 or args.team < 1 or args.contracts < 0 or args.quotes < 0:
        sys.exit("datagen: --customers and --team must be at least 1, --contracts and --quotes at least 0")
    stamp = build(args)
    log(f"made {', '.join(f'{n:,} {k}' for k, n in stamp['counts'].items())} in {stamp['total_s']} s "
        f"({stamp['database']}, {stamp['var']})")
    return stamp


if __name__ == "__main__":
    main()
