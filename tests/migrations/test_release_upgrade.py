"""A database made and filled by the previous release upgrades to this one.

``previous_release.json.gz`` is the database the release named in
``PREVIOUS_RELEASE`` made with its own code: its migrations, shipped roles,
administrator and demo data (``scripts/make_release_fixture.py`` builds it
from that commit's tree). Here it is loaded into an empty database of the
configured kind (SQLite, or a scratch PostgreSQL database on the configured
server), with its schema made by the current migrations up to the release's
heads, then upgraded by ``suanpan migrate``. After it: every row the release
wrote is still there, the database is at the heads of every enabled branch,
the models match the schema, the foreign keys hold, and the pages of every
``Crud`` open on the release's records for its administrator.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import JSON, Engine, MetaData, create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from core import cli, migrate
from core.app import Kernel
from core.auth import CSRF_COOKIE
from core.config import load_settings
from core.plugins import KERNEL
from core.testing import migration_differences

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "previous_release.json.gz"
#: tables whose rows an upgrade may remove, with the reason (none yet)
MAY_SHRINK: dict[str, str] = {}
_seq = count(1)


def previous_release() -> str:
    return next(line.strip() for line in (HERE / "PREVIOUS_RELEASE").read_text().splitlines()
                if line.strip() and not line.startswith("#"))


def read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return data


@pytest.fixture(scope="module")
def release() -> dict[str, Any]:
    """The previous release; ``SUANPAN_RELEASE_FIXTURE`` names another one
    (``make_release_fixture.py --commit C --out FILE``), to try an upgrade
    from an older release."""
    return read(Path(os.environ.get("SUANPAN_RELEASE_FIXTURE") or FIXTURE))


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the configured kind, of this test's own."""
    configured = os.environ.get("SUANPAN_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'release.db'}"
        return
    url = make_url(configured)
    name = f"{url.database}_release_{os.getpid()}_{next(_seq)}"  # next to the configured one
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


# ------------------------------------------------------------------ loading the release


def _value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    if kind == "bytes":
        return base64.b64decode(value)
    return value


def load(engine: Engine, release: dict[str, Any]) -> None:
    """The release's rows into the tables its migrations made, in one
    transaction with foreign keys checked at its end (SQLite) or after it
    (PostgreSQL: the release's rows refer to each other in cycles)."""
    meta = MetaData()
    meta.reflect(engine, only=list(release["tables"]))
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica" if postgres
                             else "PRAGMA defer_foreign_keys = ON")
        for name, table in release["tables"].items():
            target = meta.tables[name]
            conn.execute(target.delete())  # what the migrations seeded: the release's rows say
            for column in target.columns:
                if isinstance(column.type, JSON):
                    column.type.none_as_null = True  # a missing value stays SQL NULL
            rows = [{column: _value(kind, v) for column, kind, v in zip(table["columns"], table["kinds"], row,
                                                                         strict=True)}
                    for row in table["rows"]]
            for start in range(0, len(rows), 1000):
                conn.execute(insert(target), rows[start:start + 1000])
        if postgres:  # the sequences go on after the release's ids
            for name, table in meta.tables.items():
                key = list(table.primary_key.columns)
                if len(key) == 1 and release["tables"].get(name, {}).get("rows"):
                    conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, :c), "
                                      f"(SELECT max({key[0].name}) FROM {name})) "
                                      "WHERE pg_get_serial_sequence(:t, :c) IS NOT NULL"),
                                 {"t": name, "c": key[0].name})
        else:  # SQLite's full-text tables are derived from their content tables
            for (virtual,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                "AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'")):
                conn.execute(text(f"INSERT INTO {virtual}({virtual}) VALUES ('rebuild')"))


def orphans(engine: Engine) -> list[str]:
    """Foreign keys pointing at no row, one line per constraint."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.scalar(text("PRAGMA integrity_check")) == "ok"
            return [f"{t}.{p} -> {r}" for t, _row, r, p in conn.execute(text("PRAGMA foreign_key_check"))]
    found = []
    insp = inspect(engine)
    with engine.connect() as conn:
        for table in insp.get_table_names():
            for fk in insp.get_foreign_keys(table):
                on = " AND ".join(f"p.{r} = c.{c}" for c, r in zip(fk["constrained_columns"],
                                                                 fk["referred_columns"], strict=True))
                filled = " AND ".join(f"c.{c} IS NOT NULL" for c in fk["constrained_columns"])
                lost = conn.scalar(text(f"SELECT count(*) FROM {table} c WHERE {filled} AND NOT EXISTS "
                                        f"(SELECT 1 FROM {fk['referred_table']} p WHERE {on})"))
                if lost:
                    found.append(f"{table}.{fk['constrained_columns']} -> {fk['referred_table']}: {lost}")
    return found


def keys(engine: Engine, names: list[str]) -> dict[str, set[tuple[Any, ...]]]:
    """The primary keys of the rows of each table (all of its columns when it has none)."""
    meta = MetaData()
    meta.reflect(engine, only=names)
    out = {}
    with engine.connect() as conn:
        for name in names:
            table = meta.tables[name]
            columns = list(table.primary_key.columns) or list(table.columns)
            out[name] = {tuple(row) for row in conn.execute(select(*columns))}
    return out


# ------------------------------------------------------------------ the upgrade


def test_the_fixture_is_the_previous_release() -> None:
    kept = read(FIXTURE)
    assert kept["commit"].startswith(previous_release()), (
        "PREVIOUS_RELEASE moved: rebuild the fixture with scripts/make_release_fixture.py")
    assert kept["heads"] and sum(len(t["rows"]) for t in kept["tables"].values()) > 1000


def test_the_previous_release_upgrades_with_every_row_kept(
        release: Any, scratch_url: Any, tmp_path: Any, example_plugin: Any) -> None:
    settings = load_settings(var_dir=tmp_path, database_url=scratch_url, secret_key="test",
                             inprocess_worker=False)
    # given the release's schema, made by the current migrations up to its heads
    kernel = Kernel(settings)
    cfg = migrate.config(kernel)
    for head in release["heads"]:
        command.upgrade(cfg, head)
    kernel.db.dispose()
    engine = create_engine(scratch_url)
    made = {t: {c["name"] for c in inspect(engine).get_columns(t)} for t in inspect(engine).get_table_names()}
    edited = {t: sorted(set(table["columns"]) ^ made.get(t, set()))
              for t, table in release["tables"].items() if set(table["columns"]) != made.get(t)}
    assert not edited, f"a migration of a past release was changed (tables and columns that differ): {edited}"
    # and its rows
    load(engine, release)
    kept = [name for name in release["tables"] if name not in MAY_SHRINK]
    before = keys(engine, kept)
    # when the current code upgrades it
    env = {"SUANPAN_DATABASE_URL": scratch_url, "SUANPAN_VAR_DIR": str(tmp_path), "SUANPAN_SECRET_KEY": "test",
           "SUANPAN_CONFIG": str(tmp_path / "none.toml"), "SUANPAN_INPROCESS_WORKER": "0"}
    upgraded = CliRunner().invoke(cli.main, ["migrate"], env=env, catch_exceptions=False)
    assert upgraded.exit_code == 0, upgraded.output
    # then every branch is at its head
    kernel = Kernel(settings)
    try:
        script = ScriptDirectory.from_config(migrate.config(kernel))
        assert set(kernel.installed) <= set(kernel.enabled) | {KERNEL}  # every branch is upgraded
        current = migrate.current_heads(kernel)  # `alembic current`
        applied = {r.revision for head in current for r in script.iterate_revisions(head, "base")}
        assert current <= set(script.get_heads()) <= applied, (current, script.get_heads())
        assert not migrate.pending(kernel)
        # and every row of the release is still there, the foreign keys hold
        after = keys(engine, kept)
        lost = {name: len(rows - after[name]) for name, rows in before.items() if rows - after[name]}
        assert not lost, f"rows of the release lost by the upgrade, by table: {lost}"
        assert not orphans(engine)
        # and the models match the upgraded schema
        tables = migrate.enabled_tables(kernel)
        assert not migration_differences(kernel, tables)
        # and the release's administrator opens every list and a record of each
        smoke(kernel, release)
    finally:
        kernel.db.dispose()
        engine.dispose()


def smoke(kernel: Kernel, release: dict[str, Any]) -> None:
    with TestClient(kernel.asgi(), base_url="http://testserver") as browser:
        browser.get("/login")
        signed = browser.post("/login", data={"username": "admin", "password": release["password"],
                                              "csrf_token": browser.cookies[CSRF_COOKIE]}, follow_redirects=False)
        assert signed.status_code == 303, signed.text[:300]
        assert browser.get("/").status_code == 200
        opened = 0
        for key, (mount, crud) in sorted(kernel.registry.cruds.items()):
            listed = browser.get(kernel.url_path_for(f"{mount}:{crud.noun}_list"))
            assert listed.status_code == 200, (key, listed.status_code)
            table = crud.model.__table__.name
            rows = release["tables"].get(table, {}).get("rows")
            if rows and "id" in release["tables"][table]["columns"]:
                ident = rows[-1][release["tables"][table]["columns"].index("id")]
                with kernel.db.session(write=False) as db:
                    if getattr(crud.model, "deleted_at", None) is not None and db.scalar(
                            select(func.count()).select_from(crud.model).where(
                                crud.model.id == ident, crud.model.deleted_at.is_not(None))):
                        continue
                page = browser.get(kernel.url_path_for(f"{mount}:{crud.noun}_detail", id=ident))
                assert page.status_code == 200, (key, ident, page.status_code)
                assert re.search(r"<h1[^>]*>", page.text), key
                opened += 1
        assert opened >= 5, opened  # the records of the release, page by page
