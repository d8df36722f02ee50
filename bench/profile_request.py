#!/usr/bin/env python3
"""Profile one page of Suanpan in-process: where does a request's time go?

    .venv/bin/python bench/profile_request.py                 # GET /, SQLite
    .venv/bin/python bench/profile_request.py --path /admin/users --requests 300
    .venv/bin/python bench/profile_request.py --postgres      # database suanpan_bench
    .venv/bin/python bench/profile_request.py --installation bench/var/datagen-1000000 \
        --path /crm/customers/123                             # an installation bench/datagen.py made

It sets up a fresh installation (``suanpan setup`` in a temporary var dir, or
the PostgreSQL database ``suanpan_bench``, dropped and created again; or, with
``--installation``, uses one bench/datagen.py made, logged in as its sales
director unless ``--user`` says otherwise), builds
the ASGI app in this process, logs in as admin and drives the app directly
(no sockets, no uvicorn). The request handler normally runs in Starlette's
thread pool; here it is called inline so that cProfile sees it. It prints the
wall time per request, the SQL statements per request and the cProfile top
functions. Nothing outside ``bench/`` is changed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import harness as bench  # noqa: E402  (bench/harness.py: setup helpers)


async def asgi_call(app: Any, method: str, path: str, cookie: str = "",
                    body: bytes = b"", ctype: str = "") -> tuple[int, dict[str, list[str]], bytes]:
    raw_path, _, query = path.partition("?")
    headers = [(b"host", b"127.0.0.1"), (b"user-agent", b"suanpan-profile")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if body:
        headers += [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": raw_path,
             "raw_path": raw_path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}
    sent = False
    status = 0
    out_headers: dict[str, list[str]] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for k, v in message.get("headers", []):
                out_headers.setdefault(k.decode().lower(), []).append(v.decode())
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, out_headers, b"".join(chunks)


def cookies_of(headers: dict[str, list[str]]) -> dict[str, str]:
    out = {}
    for h in headers.get("set-cookie", []):
        name, _, rest = h.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def add_departments(kernel: Any, n: int) -> None:
    """Bulk-insert ``n`` departments into the HQ organisation (plain SQL, no audit)."""
    from sqlalchemy import insert, select

    from core.db import utcnow
    from core.models import Department, Org

    with kernel.db.session() as db:
        org_id = db.scalar(select(Org.id).where(Org.code == "HQ"))
        now = utcnow()
        for start in range(0, n, 10_000):
            db.execute(insert(Department), [
                {"org_id": org_id, "name": f"部门 {i}", "name_en": f"Dept {i}", "path": "/",
                 "created_at": now, "updated_at": now, "version": 1}
                for i in range(start, min(n, start + 10_000))])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--path", action="append", help="page(s) to profile (default /)")
    ap.add_argument("--requests", type=int, default=200, help="requests per page (200)")
    ap.add_argument("--postgres", action="store_true", help="use PostgreSQL (suanpan_bench)")
    ap.add_argument("--top", type=int, default=30, help="functions to show (30)")
    ap.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    ap.add_argument("--dump", type=Path, help="also write the pstats file here")
    ap.add_argument("--user", default="admin",
                    help="log in as this user (admin, or a demo user such as lina)")
    ap.add_argument("--installation", type=Path,
                    help="the var dir of an installation bench/datagen.py made (its datagen.json)")
    ap.add_argument("--rows", type=int, default=0,
                    help="first add this many departments (to see how counts scale with data)")
    args = ap.parse_args()
    if not 1 <= args.requests <= 5000:
        ap.error("--requests must be 1..5000")
    if not 0 <= args.rows <= 2_000_000:
        ap.error("--rows must be 0..2000000")
    paths = args.path or ["/"]

    workdir = Path(tempfile.mkdtemp(prefix="suanpan-profile-"))
    password = bench.ADMIN_PASSWORD
    try:
        if args.installation:
            stamp = json.loads((args.installation / "datagen.json").read_text())
            password = stamp["password"]
            args.user = "director" if args.user == "admin" else args.user
            env = bench.suanpan_env(args.installation, stamp["url"] if stamp["url"].startswith("postgresql")
                                    else None)
        else:
            db_url = bench.pg_recreate("suanpan_bench") if args.postgres else None
            env = bench.suanpan_env(workdir, db_url)
            subprocess.run([bench.suanpan_bin(), "setup"], cwd=REPO, env=env, check=True,
                           capture_output=True, timeout=300)
        for key in [k for k in os.environ if k.startswith("SUANPAN_")]:
            del os.environ[key]
        os.environ.update({k: v for k, v in env.items() if k.startswith("SUANPAN_")})

        from sqlalchemy import event

        import core.web
        from core.app import create_app

        async def inline(fn: Any, *a: Any, **kw: Any) -> Any:  # no thread pool: profile it
            return fn(*a, **kw)

        core.web.run_in_threadpool = inline  # type: ignore[assignment]
        app = create_app()
        kernel = app.state.kernel
        statements: Counter[str] = Counter()
        if args.rows:
            add_departments(kernel, args.rows)

        seconds: Counter[str] = Counter()
        started: list[float] = []

        @event.listens_for(kernel.db.engine, "before_cursor_execute")
        def _count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            statements[statement.split("\n", 1)[0][:110]] += 1
            started.append(time.perf_counter())

        @event.listens_for(kernel.db.engine, "after_cursor_execute")
        def _time(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            seconds[statement.split("\n", 1)[0][:110]] += time.perf_counter() - started.pop()

        async def session_cookie() -> str:
            _, h, _ = await asgi_call(app, "GET", "/login")
            csrf = cookies_of(h)["suanpan_csrf"]
            body = urlencode({"username": args.user, "password": password,
                              "csrf_token": csrf}).encode()
            st, h, _ = await asgi_call(app, "POST", "/login", f"suanpan_csrf={csrf}", body,
                                       "application/x-www-form-urlencoded")
            jar = {"suanpan_csrf": csrf, **cookies_of(h)}
            assert st == 303 and "suanpan_session" in jar, st
            return "; ".join(f"{k}={v}" for k, v in jar.items())

        cookie = asyncio.run(session_cookie())
        print(f"database: {kernel.settings.database_url.split('@')[-1]}; user: {args.user}; "
              f"extra departments: {args.rows}")
        print(f"plugins enabled: {kernel.enabled or '(none but the kernel)'}; "
              f"models: {len(kernel.registry.models)}")
        for path in paths:
            async def many(n: int, path: str = path) -> None:
                for _ in range(n):
                    st, _, body = await asgi_call(app, "GET", path, cookie)
                    assert st == 200, (path, st)

            asyncio.run(many(20))  # warm caches (templates, compiled SQL)
            statements.clear()
            seconds.clear()
            t0 = time.perf_counter()
            asyncio.run(many(args.requests))
            wall = (time.perf_counter() - t0) / args.requests
            n_sql = sum(statements.values()) / args.requests
            print(f"\n=== GET {path}: {wall * 1000:.2f} ms per request in-process "
                  f"(no profiler, 1 thread), {n_sql:.1f} SQL statements per request")
            for stmt, n in statements.most_common():
                print(f"  {n / args.requests:5.1f} x {seconds[stmt] * 1000 / args.requests:8.2f} ms  {stmt}")
            prof = cProfile.Profile()
            prof.enable()
            asyncio.run(many(args.requests))
            prof.disable()
            buf = io.StringIO()
            stats = pstats.Stats(prof, stream=buf)
            stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
            print(buf.getvalue())
            if args.dump:
                slug = path.strip("/").replace("/", "_") or "home"
                stats.dump_stats(args.dump.with_suffix(f".{slug}.pstats"))
        kernel.db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if args.postgres and not args.installation:
            bench.pg_drop("suanpan_bench")
    return 0


if __name__ == "__main__":
    sys.exit(main())
