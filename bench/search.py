#!/usr/bin/env python3
"""Search latency over a large index: p50 and p95 per kind of query.

    .venv/bin/python bench/search.py                      # SQLite, 1,000,000 customers
    .venv/bin/python bench/search.py -n 100000 --postgres # SQLite, then PostgreSQL

It migrates an empty database (the search plugin's migration: FTS5 trigram
table on SQLite, pg_trgm and the GIN index on PostgreSQL),
then writes ``-n`` customers with Chinese company names, their pinyin and a
mobile number, generated from ``--seed``, straight into a throwaway table
``bench_customer`` (the records: organisation, owner, recycle bin) and into
``search_entry`` (SQLite: with their FTS5 rows, as the plugin writes them;
PostgreSQL: the GIN index is built after the load, as a bulk import would).
Then it runs ``--queries`` queries of each kind through the plugin's own
per-model query (:func:`plugins.search.query.model_hits`, five hits, as the
top bar's drop-down asks), for a reader who may read every customer and for
one limited to one organisation of ten (the permission join in SQL).

Kinds: ``chinese`` (three or four characters of a name), ``short`` (its two-
character core), ``pinyin`` (full spelling of core and trade, as pypinyin
reads them together; the index holds every reading of the core's characters,
as the plugin does for a title), ``initials``
(of city and core), ``phone`` (a whole number, formatted like a person would
type it), ``miss`` (a name nobody has).

Only 127.0.0.1 is contacted; PostgreSQL uses a database of its own
(``suanpan_search_bench``, dropped and created again; never ``test``).
Results go to ``bench/results/search-*.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from pypinyin import Style, lazy_pinyin, pinyin  # noqa: E402
from sqlalchemy import BigInteger, Integer, create_engine, insert, text  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column  # noqa: E402

from core import migrate  # noqa: E402
from core.app import Kernel  # noqa: E402
from core.config import load_settings  # noqa: E402
from core.db import SoftDeleteMixin  # noqa: E402
from core.permissions import Actor, Grant, scope  # noqa: E402
from plugins.search import normalise as n  # noqa: E402
from plugins.search.index import FTS_COLUMNS, FTS_INSERT  # noqa: E402
from plugins.search.models import SearchEntry  # noqa: E402
from plugins.search.query import model_hits  # noqa: E402

RESULTS = HERE / "results"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DB = "suanpan_search_bench"
ORGS = 10
KEY = "bench.customer"

CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆", "天津", "苏州",
          "长沙", "郑州", "青岛", "厦门", "宁波", "合肥", "昆明", "沈阳", "大连", "济南", "福州", "无锡"]
TRADES = ["科技", "贸易", "物流", "建材", "食品", "电子", "医药", "文化传媒", "机械", "服装", "化工",
          "环保", "教育咨询", "餐饮管理", "广告", "家具", "汽车服务", "农业", "印刷", "软件"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "商贸行", "工作室"]
CORE = ("华信达鑫源泰恒通瑞丰宏盛兴隆嘉禾安康博远诚德中天明辉金鼎新宇海川东方佳美永利联合创志锦程"
        "恒昌万盛欣荣远航汇通九州天成鸿运长青卓越凯旋腾飞星辰蓝天绿洲鼎盛福瑞祥和富强振华光明日升"
        "宝丰和信同创致远正大仁和德润启明晨曦云帆")


class BenchBase(DeclarativeBase):
    pass


class Customer(SoftDeleteMixin, BenchBase):
    """The records the index points at (only what the permission join reads)."""

    __tablename__ = "bench_customer"
    __model_key__ = KEY
    __shareable__ = False

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    org_id: Mapped[int] = mapped_column(BigInteger, index=True)
    owner_id: Mapped[int] = mapped_column(BigInteger)


def spell(word: str) -> tuple[str, str]:
    return "".join(lazy_pinyin(word)), "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))


def core_spellings(core: str, readings: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """Every reading of the core's characters (as :func:`plugins.search.normalise.spellings`
    indexes a title), at most ``n.SPELLINGS``."""
    combos = itertools.islice(itertools.product(*(readings[c] for c in core)), n.SPELLINGS)
    return [("".join(f for f, _ in combo), "".join(i for _, i in combo)) for combo in combos]


def customers(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """Deterministic company-like names with pinyin and a phone number."""
    rng = random.Random(seed)
    spelled = {w: spell(w) for w in [*CITIES, *TRADES, *FORMS]}
    readings = {c: [(r, r[:1]) for r in dict.fromkeys(rs[0])]
                for c in CORE for rs in [pinyin(c, style=Style.NORMAL, heteronym=True)]}
    for i in range(1, count + 1):
        city, trade, form = rng.choice(CITIES), rng.choice(TRADES), rng.choice(FORMS)
        core = "".join(rng.choice(CORE) for _ in range(rng.choice((2, 2, 3))))
        name = city + core + trade + form
        # the index spells the name once per reading of its core (行 xing, hang, heng)
        variants = [(spelled[city][0] + f + spelled[trade][0] + spelled[form][0],
                     spelled[city][1] + i + spelled[trade][1] + spelled[form][1])
                    for f, i in core_spellings(core, readings)]
        full = n.joined(dict.fromkeys(f for f, _ in variants))
        initials = n.joined(dict.fromkeys(i for _, i in variants))
        mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        key = n.fold(name)
        yield {
            "id": i, "org_id": i % ORGS + 1, "name": name, "city": city, "core": core, "trade": trade,
            "mobile": mobile,
            "entry": {"id": i, "model": KEY, "record_id": i, "org_id": i % ORGS + 1, "title": name,
                      "subtitle": city, "title_key": key, "blob": key, "pinyin": full,
                      "initials": initials, "phones": mobile, "emails": "", "codes": f"C{i:08d}",
                      "grams": n.grams(key, variants[0][1])},
        }


def queries(sample: list[dict[str, Any]], per_kind: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed + 1)
    picks = [rng.choice(sample) for _ in range(per_kind)]

    def typed(mobile: str) -> str:
        return rng.choice([mobile, f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}",
                           f"+86-{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", f"0086{mobile}"])

    return {
        "chinese": [(c["core"] + c["trade"])[: rng.choice((3, 4))] for c in picks],
        "short": [c["core"][:2] for c in picks],
        "pinyin": [spell(c["core"] + c["trade"])[0] for c in picks],
        "initials": [spell(c["city"] + c["core"])[1] for c in picks],
        "phone": [typed(c["mobile"]) for c in picks],
        "miss": ["".join(rng.choice("乾坤艮巽兑") for _ in range(4)) for _ in picks],
    }


def load(kernel: Kernel, count: int, seed: int, batch: int = 20_000) -> tuple[float, list[dict[str, Any]]]:
    """Write the customers and their entries; seconds taken and a sample."""
    engine = kernel.db.engine
    BenchBase.metadata.create_all(engine)
    postgres = engine.dialect.name == "postgresql"
    sample: list[dict[str, Any]] = []
    started = time.perf_counter()
    with engine.begin() as conn:
        if postgres:
            conn.execute(text("DROP INDEX ix_search_entry_trgm"))
        rows: list[dict[str, Any]] = []
        for c in customers(count, seed):
            rows.append(c)
            if c["id"] % max(1, count // 2000) == 0:
                sample.append(c)
            if len(rows) == batch:
                _write(conn, rows)
                rows = []
        if rows:
            _write(conn, rows)
        if postgres:
            cols = ", ".join(f"{c} gin_trgm_ops" for c in
                             ("blob", "pinyin", "initials", "phones", "emails", "codes", "grams"))
            conn.execute(text(f"CREATE INDEX ix_search_entry_trgm ON search_entry USING gin ({cols})"))
            conn.execute(text("ANALYZE search_entry"))
            conn.execute(text("ANALYZE bench_customer"))
        else:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started, sample


def _write(conn: Any, rows: list[dict[str, Any]]) -> None:
    conn.execute(insert(Customer), [{"id": r["id"], "org_id": r["org_id"], "owner_id": 1} for r in rows])
    conn.execute(insert(SearchEntry), [r["entry"] for r in rows])
    if conn.dialect.name == "sqlite":  # the FTS rows, as the plugin writes them (index.insert_entries)
        conn.execute(FTS_INSERT, [{"id": r["entry"]["id"], **{c: r["entry"][c] for c in FTS_COLUMNS}}
                                   for r in rows])


def actor(grant: str) -> Actor:
    grants = [Grant(org_id=1, scope=grant, department_id=None, department_path=None)]
    return Actor(user_id=1, username="bench", display_name="bench", locale="zh_CN", org_id=1,
                 department_id=None, grants={f"{KEY}.read": grants}, org_ids=frozenset({1}))


def timed(session: Session, q: str, reader: Actor) -> tuple[float, int]:
    started = time.perf_counter()
    hits, _ = model_hits(session, n.parse(q), Customer, KEY, scope(reader, Customer, "read"), limit=5)
    return (time.perf_counter() - started) * 1000, len(hits)


def measure(kernel: Kernel, asked: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with Session(kernel.db.engine) as session:
        for reader_name, reader in (("all", actor("all")), ("org", actor("org"))):
            for kind, qs in asked.items():
                for q in qs[:20]:
                    timed(session, q, reader)  # warm the caches
                times, found = [], 0
                for q in qs:
                    ms, hits = timed(session, q, reader)
                    times.append(ms)
                    found += hits > 0
                times.sort()
                out[f"{reader_name}/{kind}"] = {
                    "queries": len(times), "found": found,
                    "p50_ms": round(statistics.median(times), 2),
                    "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
                    "max_ms": round(times[-1], 2),
                }
    return out


def run(url: str, var: Path, count: int, per_kind: int, seed: int) -> dict[str, Any]:
    settings = load_settings(var_dir=var, database_url=url, secret_key="bench", inprocess_worker=False)
    kernel = Kernel(settings, plugins=["search"])
    migrate.upgrade(kernel)
    seconds, sample = load(kernel, count, seed)
    asked = queries(sample, per_kind, seed)
    results = measure(kernel, asked)
    kernel.db.dispose()
    return {"database": url.split(":")[0], "records": count, "load_seconds": round(seconds, 1),
            "results": results, "examples": {k: v[:3] for k, v in asked.items()}}


def with_postgres(body: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    server = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    try:
        return body(PG_SERVER.rsplit("/", 1)[0] + f"/{PG_DB}")
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        server.dispose()


def table(report: dict[str, Any]) -> str:
    lines = [f"{report['database']}: {report['records']:,} records, loaded in {report['load_seconds']} s",
             f"{'reader/kind':<16}{'n':>6}{'found':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"]
    for name, r in report["results"].items():
        lines.append(f"{name:<16}{r['queries']:>6}{r['found']:>7}{r['p50_ms']:>9}{r['p95_ms']:>9}"
                     f"{r['max_ms']:>9}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--records", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300, help="queries of each kind")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too, after SQLite")
    args = parser.parse_args()
    reports = []
    with tempfile.TemporaryDirectory(prefix="suanpan-search-bench-") as tmp:
        reports.append(run(f"sqlite:///{tmp}/bench.db", Path(tmp), args.records, args.queries, args.seed))
        print(table(reports[-1]), flush=True)
        if args.postgres:
            reports.append(with_postgres(
                lambda url: run(url, Path(tmp), args.records, args.queries, args.seed)))
            print(table(reports[-1]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"search-{stamp}.json"
    path.write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
