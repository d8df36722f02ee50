#!/usr/bin/env python3
"""Import throughput: rows per second for importing N notes on SQLite.

    .venv/bin/python bench/import.py               # 100,000 rows
    .venv/bin/python bench/import.py --rows 10000

Imports a CSV of N rows (a company-like title and a body) into the example
plugin's notes (``notes.note``, whose title has a fuzzy name match rule)
through the dataio plugin's own path: the dry run (types, required fields,
duplicates within the file and against the stored match keys) and then the
commit (the Crud's create service, the audit trail, the record events, the
match keys and the batch's row log), in one transaction, as the job does.
Needs the example plugin installed (any test run installs it into
build/test-plugins).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "build" / "test-plugins")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--disable", default="", help="plugins to turn off first, comma-separated (search)")
    args = ap.parse_args()

    from sqlalchemy import select

    from core import migrate
    from core.admin import services as admin
    from core.app import Kernel
    from core.config import load_settings
    from core.models import Org, User
    from core.permissions import load_actor
    from plugins.dataio import services
    from plugins.dataio.importer import targets

    tmp = Path(tempfile.mkdtemp(prefix="suanpan-import-"))
    settings = load_settings(var_dir=tmp, database_url=f"sqlite:///{tmp / 'bench.db'}",
                             secret_key="bench", inprocess_worker=False)
    kernel = Kernel(settings)
    migrate.upgrade(kernel)
    with kernel.db.session() as db:
        from core.models import PluginState

        for name in filter(None, args.disable.split(",")):
            db.add(PluginState(name=name, enabled=False))
    kernel.db.dispose()
    kernel = Kernel(settings)
    with kernel.db.session() as db:
        admin.sync_shipped_roles(db, kernel.registry)
        org = admin.create_org(db, None, {"code": "HQ", "name": "总公司", "active": True})
        db.add(User(username="bench", display_name="压测", org_id=org.id, password_hash="x"))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["标题", "内容"])
    for i in range(args.rows):
        writer.writerow([f"上海第{i}号贸易有限公司", f"客户资料 {i}"])
    data = buf.getvalue().encode("utf-8")
    with kernel.db.session() as db:
        user = db.scalar(select(User).where(User.username == "bench"))
        assert user is not None and db.scalar(select(Org.id)) is not None
        db.execute(admin_role_grant(user.id, org.id))
        actor = load_actor(db, user, all_codes=set(kernel.registry.permissions))
        db.info["actor"] = actor
        target = targets(kernel.pm.hook, kernel.registry)["notes.note"]
        batch = services.upload(db, actor, target, "bench.csv", data, "insert", "")
        batch.mapping = {"title": "标题", "body": "内容"}
        started = time.perf_counter()
        plan = services.dry_run(db, actor, target, batch, kernel)
        checked = time.perf_counter()
        assert plan.ok, plan.report()["errors"][:3]
        batch.state = "queued"
        assert services.run_commit(db, actor, target, batch, kernel)
        db.flush()
        written = time.perf_counter()
    committed = time.perf_counter()
    n = args.rows
    print(f"rows: {n:,}")
    print(f"dry run:           {checked - started:6.2f} s  {n / (checked - started):9,.0f} rows/s")
    print(f"commit (re-check + write): {written - checked:6.2f} s  {n / (written - checked):9,.0f} rows/s")
    print(f"transaction commit: {committed - written:6.2f} s")
    print(f"total (check, commit job, COMMIT): {committed - started:6.2f} s  "
          f"{n / (committed - started):9,.0f} rows/s")
    kernel.db.dispose()
    return 0


def admin_role_grant(user_id: int, org_id: int):  # type: ignore[no-untyped-def]
    from sqlalchemy import insert, select

    from core.models import Role, RoleAssignment

    role = select(Role.id).where(Role.key == "admin").scalar_subquery()
    return insert(RoleAssignment).values(user_id=user_id, role_id=role, org_id=org_id)


if __name__ == "__main__":
    raise SystemExit(main())
