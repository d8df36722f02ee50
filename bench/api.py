#!/usr/bin/env python3
"""API list page benchmark: server time of ``GET /api/v1/notes/note`` at N rows.

    .venv/bin/python bench/api.py                      # SQLite, 1,000,000 notes
    .venv/bin/python bench/api.py --rows 100000
    .venv/bin/python bench/api.py --rows 100000 --postgres

Builds N notes of the example plugin in bulk (one organisation, an
administrator with an API token), then calls the API in-process through the
ASGI app (Starlette's test client: the figure is the server's time plus the
in-process client, no network) and reports p50 / p95 of: the first page
(default sort), a page deep in the table by cursor, a page sorted by title,
and a filtered page (``state=published``). PostgreSQL uses a database of its
own (``api_bench``, dropped and created again; never ``test``).
"""

from __future__ import annotations

import argparse
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
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/api_bench"
BATCH = 20_000


def build(url: str, var: Path, rows: int) -> tuple[object, str]:
    from conftest import install_example_plugin
    from sqlalchemy import insert, select, text

    from core import migrate
    from core.admin import services
    from core.app import Kernel
    from core.auth import create_api_token
    from core.config import load_settings
    from core.models import Org, Role, RoleAssignment, User

    install_example_plugin()
    from suanpan_notes.models import Note

    settings = load_settings(var_dir=var, database_url=url, secret_key="bench", inprocess_worker=False)
    kernel = Kernel(settings)
    migrate.upgrade(kernel)
    kernel = Kernel(settings)
    with kernel.db.session() as db:
        services.sync_shipped_roles(db, kernel.registry)
        org = services.create_org(db, None, {"code": "HQ", "name": "总公司", "active": True})
        user = User(username="admin", display_name="管理员", org_id=org.id, password_hash="x")
        db.add(user)
        db.flush()
        db.add(RoleAssignment(user_id=user.id, role_id=db.scalar(select(Role.id).where(Role.key == "admin")),
                              org_id=org.id))
        _row, token = create_api_token(db, user, "bench")
        org_id, user_id = org.id, user.id
    now = datetime.now(UTC)
    started = time.perf_counter()
    for start in range(0, rows, BATCH):
        chunk = [{"org_id": org_id, "owner_id": user_id, "title": f"笔记 {i:07d}", "body": "正文",
                  "state": "published" if i % 10 == 0 else "draft", "version": 1,
                  "created_at": now, "updated_at": now, "extra": {}}
                 for i in range(start, min(rows, start + BATCH))]
        with kernel.db.session() as db:
            db.execute(insert(Note), chunk)
    print(f"built {rows:,} notes in {time.perf_counter() - started:.1f} s", flush=True)
    if url.startswith("postgresql"):
        with kernel.db.session() as db:  # fresh statistics after the bulk load, as autovacuum would
            db.execute(text("ANALYZE notes_note"))
    with kernel.db.session() as db:
        assert db.scalar(select(Org.id)) == org_id
    return kernel, token


def measure(kernel: object, token: str, repeat: int) -> dict[str, tuple[float, float]]:
    from starlette.testclient import TestClient

    out = {}
    with TestClient(kernel.asgi(), base_url="http://testserver",  # type: ignore[attr-defined]
                    headers={"Authorization": f"Bearer {token}"}) as c:
        deep = c.get("/api/v1/notes/note", params={"limit": 200}).json()["next"]
        for _ in range(20):  # to the middle of the table, by cursor
            deep = c.get("/api/v1/notes/note", params={"limit": 200, "after": deep}).json()["next"] or deep
        cases = {"first page (50, by id)": {}, "deep page by cursor": {"after": deep},
                 "sorted by title": {"sort": "title", "dir": "asc"},
                 "filtered state=published": {"state": "published"}}
        for name, params in cases.items():
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                response = c.get("/api/v1/notes/note", params=params)
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.text
            times.sort()
            out[name] = (statistics.median(times), times[int(len(times) * 0.95) - 1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            for cmd in ("dropdb", "createdb"):
                subprocess.run([cmd, "-h", "127.0.0.1", "-U", "postgres", *(["--if-exists"] if cmd == "dropdb"
                                                                             else []), "api_bench"], check=True)
            url = PG_URL
        else:
            url = f"sqlite:///{tmp}/bench.db"
        try:
            kernel, token = build(url, Path(tmp), args.rows)
            figures = measure(kernel, token, args.repeat)
        finally:
            if args.postgres:
                subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "api_bench"],
                               check=False)
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"| {db}, {args.rows:,} notes | p50 (ms) | p95 (ms) |\n| --- | --- | --- |")
    for name, (p50, p95) in figures.items():
        print(f"| {name} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
