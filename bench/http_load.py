#!/usr/bin/env python3
"""HTTP throughput and memory of ``suanpan serve`` on a generated installation.

    .venv/bin/python bench/http_load.py --customers 10000       # quick: builds it with datagen.py when missing
    .venv/bin/python bench/http_load.py                         # 1,000,000 customers (build them first)
    .venv/bin/python bench/http_load.py --postgres              # the PostgreSQL one (database h_benchdata)

It serves the installation bench/datagen.py made (``--var``, as datagen.py
names it; with ``--build``, or when it is missing, it is made first) with
``suanpan serve --workers 2`` on 127.0.0.1, logs in as the sales director
(who reads every customer), and drives five pages with wrk (Debian's;
bench/run.py installs it) at 50 connections, one run each:

* ``GET /login`` (the login page),
* ``GET /crm/customers`` (the customer list, first page),
* ``GET /crm/customers/<id>`` (a customer's 360 view: the customer of the
  first contract, with contacts, follow-ups, contracts),
* ``GET /search/?q=...`` (global search: a company-name fragment, a contact's
  mobile and a pinyin spelling, in turn),
* ``GET /printing/documents/sales.quote/<id>`` (a quote's PDF);

requests per second, p50 / p95 / p99 latency, non-2xx answers (any is a
failure), the CPU of the server, PostgreSQL, wrk and every other process.
Then the five pages in turn until the server has answered ``--memory-requests``
(10,000) requests since it started, and the peak resident set (``VmHWM``
from /proc) of each worker. Results: ``bench/results/http-*.json`` and a
Markdown table on stdout. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote as urlquote

from harness import (
    HOST,
    REPO,
    RESULTS,
    Server,
    check_page,
    ensure_wrk,
    log,
    login,
    machine_info,
    measure_load,
    memory_kb,
    pg_version,
    server_workers,
    suanpan_env,
    wrk_version,
)

sys.path.insert(0, str(REPO))

import datagen  # noqa: E402

#: the workers' peak resident set the issue asks for at most
TARGET_MB = 250


def installation(args: argparse.Namespace) -> dict[str, Any]:
    """The generated installation to serve (made first when missing or made otherwise)."""
    var = Path(args.var) if args.var else datagen.HERE / "var" / (
        f"datagen-pg-{args.database}" if args.postgres else f"datagen-{args.customers}")
    stamp_file = var / datagen.STAMP
    stamp: dict[str, Any] = json.loads(stamp_file.read_text()) if stamp_file.exists() else {}
    wanted = {"customers": args.customers, "seed": args.seed}
    params = stamp.get("params", {})
    made = stamp.get("status") != "building" and all(params.get(k) == v for k, v in wanted.items())
    if args.build or not made:
        log(f"making the installation with datagen.py ({args.customers:,} customers) in {var}")
        argv = ["--customers", str(args.customers), "--seed", str(args.seed), "--var", str(var)]
        if args.contracts is not None:
            argv += ["--contracts", str(args.contracts)]
        if args.postgres:
            argv += ["--postgres", "--database", args.database]
        stamp = datagen.main(argv)
    else:
        log(f"serving {var} (made {stamp['made_at']} by datagen.py: "
            f"{stamp['counts']['crm_customer']:,} customers)")
    return stamp


def targets(url: str) -> dict[str, Any]:
    """Ids and queries the pages ask for, read from the installation."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        contract = conn.execute(text("SELECT customer_id FROM sales_contract WHERE state = 'signed' "
                                     "ORDER BY id LIMIT 1")).scalar_one()
        quote = conn.execute(text("SELECT id FROM sales_quote ORDER BY id LIMIT 1")).scalar_one()
        name, short = conn.execute(text("SELECT name, short_name FROM crm_customer WHERE name <> name_en "
                                        "ORDER BY id LIMIT 1 OFFSET 100")).one()
        mobile = conn.execute(text("SELECT mobile FROM crm_contact ORDER BY id LIMIT 1 OFFSET 200")
                              ).scalar_one()
        pinyin = conn.execute(text("SELECT pinyin FROM search_entry WHERE model = 'crm.customer' "
                                   "ORDER BY id LIMIT 1 OFFSET 300")).scalar_one()
    engine.dispose()
    spelled = re.sub(r"[^a-z]", "", pinyin.split("\n")[0])[:12]
    return {"customer_id": contract, "quote_id": quote,
            "queries": [short or name[2:6], mobile, spelled]}


def pages(found: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(name, path, paths wrk requests in turn)."""
    searches = [f"/search/?q={urlquote(q)}" for q in found["queries"]]
    return [
        ("login page", "/login", []),
        ("customer list", "/crm/customers", []),
        ("customer 360", f"/crm/customers/{found['customer_id']}", []),
        ("global search", searches[0], searches),
        ("quote PDF", f"/printing/documents/sales.quote/{found['quote_id']}", []),
    ]


def check(port: int, name: str, path: str, cookie: str) -> int:
    """One request that must answer what the page is; its size."""
    if name == "customer list" or name == "customer 360" or name == "global search":
        return check_page(port, path, cookie)
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    pdf = name == "quote PDF"
    expected = body.startswith(b"%PDF") if pdf else b'name="password"' in body
    if resp.status != 200 or not expected:
        raise RuntimeError(f"GET {path} did not answer the {name} (HTTP {resp.status})")
    return len(body)


def served(server_log: Path) -> int:
    """Requests the server answered so far (its access log: one line each)."""
    return len(re.findall(r'"GET [^"]*" \d{3}', server_log.read_text(errors="replace")))


def memory(srv: Server) -> dict[str, Any]:
    workers = [pid for pid in server_workers(srv)
               if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()]
    each = {pid: memory_kb(pid) for pid in workers}
    peak = max((m.get("VmHWM", 0) for m in each.values()), default=0)
    return {"workers": [{"pid": pid, "peak_mb": round(m.get("VmHWM", 0) / 1024, 1),
                         "rss_mb": round(m.get("VmRSS", 0) / 1024, 1),
                         "anon_mb": round(m.get("RssAnon", 0) / 1024, 1),
                         "file_mb": round(m.get("RssFile", 0) / 1024, 1),
                         "pss_mb": round(m.get("Pss", 0) / 1024, 1)} for pid, m in each.items()],
            "peak_mb": round(peak / 1024, 1), "target_mb": TARGET_MB, "met": peak / 1024 <= TARGET_MB}


def run(args: argparse.Namespace, stamp: dict[str, Any], wrk: str) -> dict[str, Any]:
    var, url = Path(stamp["var"]), stamp["url"]
    found = targets(url)
    env = suanpan_env(var, url if url.startswith("postgresql") else None)
    server_log = var / "serve.log"
    server_log.write_text("")
    pg_name = stamp["database"] if url.startswith("postgresql") else None
    out: dict[str, Any] = {"pages": {}, "targets": found}
    with Server(env, 2, server_log) as srv:
        out["cold_start_s"] = round(srv.wait_ready(timeout=120), 2)
        cookie = login(srv.port, args.user, stamp["password"])
        for name, path, turns in pages(found):
            who = "" if name == "login page" else cookie  # the login page is asked for before logging in
            size = check(srv.port, name, path, who)
            res = measure_load(srv, path, who, size, args, wrk, pg_name, server_log, script_args=turns)
            res["name"] = name
            out["pages"][name] = res
            log(f"{name}: {res['rps']} req/s, p50 {res['latency_ms']['p50']} ms, p95 "
                f"{res['latency_ms']['p95']} ms, p99 {res['latency_ms']['p99']} ms, non-2xx {res['non_2xx']}, "
                f"socket errors {sum(res['socket_errors'].values())}; server CPU "
                f"{res['cpu']['server_cpu_ms_per_request']} ms/request, others "
                f"{res['cpu']['other_processes_pct']}% of the machine")
        mix = [path for _, path, turns in pages(found) for path in (turns or [path])]
        out["memory_runs"] = []
        while served(server_log) < args.memory_requests and len(out["memory_runs"]) < 20:
            res = measure_load(srv, mix[0], cookie, 0, args, wrk, pg_name, server_log, script_args=mix)
            out["memory_runs"].append({k: res[k] for k in ("requests", "rps", "non_2xx", "socket_errors")})
        out["requests_served"] = served(server_log)
        out["memory"] = memory(srv)
        log(f"after {out['requests_served']:,} requests: worker peak RSS {out['memory']['peak_mb']} MB "
            f"(target {TARGET_MB} MB), each: {out['memory']['workers']}")
    text = server_log.read_text(errors="replace")
    out["server_tracebacks"] = text.count("Traceback (most recent call last)")
    return out


def table(result: dict[str, Any]) -> str:
    s = result["installation"]
    lines = [f"| {s['database']}, {s['counts']['crm_customer']:,} customers, 2 workers, "
             f"wrk -c{result['connections']} | req/s | p50 (ms) | p95 (ms) | p99 (ms) | non-2xx "
             "| server CPU ms/req | others' CPU |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in result["pages"].items():
        ms = r["latency_ms"]
        lines.append(f"| {name} | {r['rps']:,.1f} | {ms['p50']:.1f} | {ms['p95']:.1f} | {ms['p99']:.1f} | "
                     f"{r['non_2xx'] + sum(r['socket_errors'].values())} | "
                     f"{r['cpu']['server_cpu_ms_per_request']} | {r['cpu']['other_processes_pct']}% |")
    m = result["memory"]
    lines.append(f"\nWorker peak RSS (VmHWM) after {result['requests_served']:,} requests: "
                 f"{', '.join(str(w['peak_mb']) for w in m['workers'])} MB (target {m['target_mb']} MB: "
                 f"{'met' if m['met'] else 'missed'}); now resident "
                 f"{', '.join(str(w['rss_mb']) for w in m['workers'])} MB, of which the heap "
                 f"{', '.join(str(w['anon_mb']) for w in m['workers'])} MB and mapped files "
                 f"{', '.join(str(w['file_mb']) for w in m['workers'])} MB (proportional set "
                 f"{', '.join(str(w['pss_mb']) for w in m['workers'])} MB).")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000, help="the installation's size (1,000,000)")
    ap.add_argument("--contracts", type=int, default=None, help="when making it: contracts (customers / 10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--var", default=None, help="the installation's var dir (as datagen.py names it)")
    ap.add_argument("--postgres", action="store_true", help="the PostgreSQL installation")
    ap.add_argument("--database", default=datagen.PG_DEFAULT)
    ap.add_argument("--build", action="store_true", help="make the installation again first")
    ap.add_argument("--user", default="director", help="who logs in (director: every customer)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per page (10)")
    ap.add_argument("--connections", type=int, default=50, help="open connections (50)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    ap.add_argument("--timeout", type=int, default=30, help="wrk's timeout per request, seconds (30)")
    ap.add_argument("--memory-requests", type=int, default=10_000,
                    help="requests served before the workers' peak memory is read (10,000)")
    ap.add_argument("--quiet-limit", type=float, default=0.15,
                    help="before each run, wait until other processes use less than this share of the CPUs")
    ap.add_argument("--quiet-timeout", type=float, default=20, help="longest wait for that, seconds (20)")
    args = ap.parse_args()
    wrk = ensure_wrk(allow_install=True)
    if wrk is None:
        sys.exit("http_load: wrk is required (Debian package wrk)")
    stamp = installation(args)
    started = datetime.now(UTC)
    result = {"date": started.isoformat(timespec="seconds"), "machine": machine_info(),
              "client": wrk_version(wrk), "connections": args.connections, "threads": args.threads,
              "duration_s": args.duration,
              "installation": {k: stamp[k] for k in ("database", "params", "counts", "made_at", "seconds")}}
    if stamp["url"].startswith("postgresql"):
        result["postgresql"] = pg_version()
    result.update(run(args, stamp, wrk))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"http-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print()
    print(table(result))
    print(f"\nresults: {path.relative_to(REPO)}")
    failed = result["server_tracebacks"] or any(
        r["non_2xx"] or sum(r["socket_errors"].values()) for r in result["pages"].values())
    with contextlib.suppress(KeyError):
        failed = failed or any(r["non_2xx"] for r in result["memory_runs"])
    if failed:
        log("ERROR: non-2xx answers, socket errors or tracebacks in the server log (see the JSON)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
