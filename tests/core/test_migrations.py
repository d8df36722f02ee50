"""Migrations: the kernel's and the plugins' Alembic branches upgrade, downgrade
and upgrade again to the same schema; the models match the migrations; a
disabled plugin keeps its tables; every plugin branch starts on the kernel.

Runs on a SQLite file in a temporary folder, or, when SUANPAN_DATABASE_URL is
PostgreSQL, on a scratch database created (and dropped) for each test, so that
it never touches the shared ``test`` database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from core import migrate
from core.admin import services
from core.app import Kernel
from core.config import load_settings
from core.db import Base
from core.plugins import KERNEL
from core.setup import migrate_and_sync

_seq = count(1)


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the configured kind, of this test's own."""
    configured = os.environ.get("SUANPAN_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = make_url(configured)
    name = f"suanpan_mig_test_{os.getpid()}_{next(_seq)}"
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


@pytest.fixture
def kernels(tmp_path: Path, scratch_url: str, example_plugin: Path) -> Iterator[Any]:
    """Make kernels on the test's database (re-reading which plugins are on);
    every one made is disposed of at the end."""
    made: list[Kernel] = []
    settings = load_settings(var_dir=tmp_path, database_url=scratch_url, secret_key="test")

    def factory() -> Kernel:
        kernel = Kernel(settings)
        made.append(kernel)
        return kernel

    yield factory
    for kernel in made:
        kernel.db.dispose()


def schema(kernel: Kernel) -> dict[str, Any]:
    """Tables with their columns, indexes, unique and foreign keys, by name."""
    insp = inspect(kernel.db.engine)
    out: dict[str, Any] = {}
    for table in insp.get_table_names():
        out[table] = {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"])
                              for c in insp.get_columns(table)),
            "indexes": sorted((i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(table)),
            "unique": sorted((u["name"] or "", tuple(u["column_names"]))
                             for u in insp.get_unique_constraints(table)),
            "foreign_keys": sorted((f["name"] or "", tuple(f["constrained_columns"]),
                                    f["referred_table"])
                                   for f in insp.get_foreign_keys(table)),
        }
    return out


def differences(kernel: Kernel) -> list[Any]:
    """What autogenerate would write: the models of the kernel and the enabled
    plugins against the database, filtered like migrations/env.py does."""
    tables = migrate.enabled_tables(kernel)

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
        return name in tables if type_ == "table" else True

    with kernel.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": include_object,
            "target_metadata": Base.metadata})
        return list(compare_metadata(context, Base.metadata))


def table_names(kernel: Kernel) -> set[str]:
    return set(inspect(kernel.db.engine).get_table_names())


def add_note(kernel: Kernel, title: str) -> None:
    from suanpan_notes.models import Note

    with kernel.db.session() as db:
        org = services.create_org(db, None, {"code": f"O{next(_seq)}", "name": "总公司",
                                             "active": True})
        db.add(Note(org_id=org.id, title=title, body="正文"))


def note_titles(kernel: Kernel) -> list[str]:
    with kernel.db.engine.connect() as conn:
        return list(conn.scalars(text("SELECT title FROM notes_note ORDER BY id")))


# ---------------------------------------------------------------- round trip


def test_upgrade_downgrade_upgrade_gives_the_same_schema(kernels):
    kernel = kernels()
    assert "notes" in kernel.enabled
    assert migrate.pending(kernel)
    migrate.upgrade(kernel)
    assert not migrate.pending(kernel)
    first = schema(kernel)
    assert {"core_user", "core_org", "core_role", "core_plugin_state", "notes_note"} <= set(first)

    migrate.downgrade_all(kernel)
    assert table_names(kernel) <= {"alembic_version"}
    assert migrate.current_heads(kernel) == set()
    assert migrate.pending(kernel)

    migrate.upgrade(kernel)
    assert schema(kernel) == first
    assert not migrate.pending(kernel)


def test_a_plugin_branch_goes_down_and_up_alone(kernels):
    kernel = kernels()
    migrate.upgrade(kernel)
    first = schema(kernel)
    cfg = migrate.config(kernel)

    command.downgrade(cfg, "notes@base")
    assert "notes_note" not in table_names(kernel)
    assert "core_user" in table_names(kernel), "the kernel's tables stay"
    assert migrate.pending(kernel)

    migrate.upgrade(kernel)
    assert schema(kernel) == first


def test_the_models_match_the_migrations(kernels):
    kernel = kernels()
    migrate.upgrade(kernel)
    assert differences(kernel) == []


def test_autogenerate_sees_a_missing_table(kernels):
    """The comparison above is not vacuous: it notices a table that is missing."""
    kernel = kernels()
    migrate.upgrade(kernel)
    command.downgrade(migrate.config(kernel), "notes@base")
    diffs = differences(kernel)
    assert sorted(d[1].name for d in diffs if d[0] == "add_table") == ["notes_expense", "notes_note"]


# ---------------------------------------------------------------- enable / disable


def set_enabled(kernel: Kernel, name: str, enabled: bool) -> None:
    with kernel.db.session() as db:
        services.set_plugin_enabled(db, name, enabled)


def test_disabling_a_plugin_keeps_its_tables_and_reenabling_works(kernels):
    kernel = kernels()
    migrate_and_sync(kernel)
    add_note(kernel, "季度销售计划")

    set_enabled(kernel, "notes", False)
    disabled = kernels()
    assert "notes" not in disabled.enabled
    migrate_and_sync(disabled)
    assert "notes_note" in table_names(disabled)
    assert note_titles(disabled) == ["季度销售计划"]
    assert "notes_note" not in migrate.enabled_tables(disabled)
    assert differences(disabled) == [], "a disabled plugin's table is no difference"
    assert not migrate.pending(disabled)

    set_enabled(disabled, "notes", True)
    enabled = kernels()
    assert "notes" in enabled.enabled
    migrate_and_sync(enabled)
    assert note_titles(enabled) == ["季度销售计划"]
    assert differences(enabled) == []
    add_note(enabled, "上海展会复盘")
    assert note_titles(enabled) == ["季度销售计划", "上海展会复盘"]


def test_a_plugin_enabled_later_is_migrated_then(kernels):
    """A plugin off from the start gets its tables when it is first enabled."""
    kernel = kernels()
    migrate.upgrade(kernel)
    command.downgrade(migrate.config(kernel), "notes@base")
    set_enabled(kernel, "notes", False)

    off = kernels()
    migrate_and_sync(off)
    assert "notes_note" not in table_names(off)
    assert not migrate.pending(off)

    set_enabled(off, "notes", True)
    on = kernels()
    assert migrate.pending(on)
    migrate_and_sync(on)
    assert "notes_note" in table_names(on)
    assert differences(on) == []
    with on.db.session(write=False) as db:
        from suanpan_notes.models import Note

        assert db.scalar(select(func.count()).select_from(Note)) == 0


# ---------------------------------------------------------------- branch layout


def test_every_plugin_branch_starts_on_the_kernel(kernels):
    kernel = kernels()
    folders = migrate.plugin_versions(kernel)
    assert "notes" in folders
    script = ScriptDirectory.from_config(migrate.config(kernel))
    kernel_revisions = {r.revision for r in script.iterate_revisions(f"{KERNEL}@head", "base")}
    assert kernel_revisions

    bases = [r for r in script.walk_revisions() if not r.down_revision]
    by_label = {label: r for r in bases for label in r.branch_labels}
    assert set(by_label) == set(folders), "one base revision per branch, labelled with its name"
    assert not by_label[KERNEL].dependencies, "the kernel depends on nothing"

    for name, folder in folders.items():
        base = by_label[name]
        assert Path(base.path).parent == folder, f"{name}'s first revision lives in its folder"
        if name == KERNEL:
            continue
        depends = base.dependencies
        depends = {depends} if isinstance(depends, str) else set(depends or ())
        assert depends & kernel_revisions, f"{name}'s first revision must depend on the kernel"
        # every revision of the branch lives in the plugin's own folder (a branch
        # may depend on the branches of the plugins it depends on: sales on crm)
        needed = {folders[dep] for dep in kernel.pm.manifests[name].depends if dep in folders and dep != KERNEL}
        own = [r for r in script.iterate_revisions(f"{name}@head", "base")
               if r.revision not in kernel_revisions and Path(r.path).parent not in needed]
        assert own and all(Path(r.path).parent == folder for r in own)
