"""Migrations: Alembic with one branch per plugin (branch label = plugin
name), kernel versions in ``migrations/versions`` on the branch ``core``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.plugins import KERNEL

if TYPE_CHECKING:
    from core.app import Kernel

ROOT = Path(__file__).resolve().parent.parent


def plugin_versions(kernel: Kernel) -> dict[str, Path]:
    """The versions folder of the kernel and of every installed plugin."""
    out = {KERNEL: ROOT / "migrations" / "versions"}
    for name, manifest in kernel.installed.items():
        path = manifest.path / "migrations" / "versions"
        if path.is_dir():
            out[name] = path
    return out


def config(kernel: Kernel) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations", os.pathsep.join(str(p) for p in plugin_versions(kernel).values())
    )
    cfg.attributes["kernel"] = kernel
    cfg.attributes["tables"] = enabled_tables(kernel)
    return cfg


def enabled_tables(kernel: Kernel) -> set[str]:
    """Tables owned by the kernel and the enabled plugins (for autogenerate)."""
    from core.db import Base, table_of

    owned = set()
    for model in kernel.registry.models.values():
        owned.add(table_of(model).name)
    # tables without a registered model (link tables, sessions) belong to whoever
    # defines them: every table in the metadata whose prefix is an enabled plugin.
    prefixes = {KERNEL, *kernel.enabled}
    for name in Base.metadata.tables:
        if name.split("_", 1)[0] in prefixes:
            owned.add(name)
    return owned


def upgrade(kernel: Kernel) -> None:
    """Upgrade the kernel and every enabled plugin to its head."""
    cfg = config(kernel)
    branches = [KERNEL] + [n for n in kernel.enabled if n in plugin_versions(kernel)]
    for branch in branches:
        command.upgrade(cfg, f"{branch}@head")


def downgrade_all(kernel: Kernel) -> None:
    command.downgrade(config(kernel), "base")


def current_heads(kernel: Kernel) -> set[str]:
    with kernel.db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def pending(kernel: Kernel) -> bool:
    """True when an enabled branch is behind its head."""
    script = ScriptDirectory.from_config(config(kernel))
    applied = current_heads(kernel)
    for branch in [KERNEL, *kernel.enabled]:
        try:
            head = script.get_revision(f"{branch}@head")
        except Exception:  # noqa: BLE001 - a plugin without migrations
            continue
        if head is not None and head.revision not in applied and not any(
            head.revision in {r.revision for r in script.iterate_revisions(a, "base")}
            for a in applied
        ):
            return True
    return False


def new_revision(kernel: Kernel, plugin: str, message: str) -> None:
    """Autogenerate the next migration of ``plugin`` from its models.

    Only the plugin's own tables are compared, so the revision never touches
    another branch. A plugin's first revision depends on the kernel's head.
    """
    if plugin == KERNEL:
        path = ROOT / "migrations" / "versions"
    else:
        path = kernel.installed[plugin].path / "migrations" / "versions"
        path.mkdir(parents=True, exist_ok=True)
    cfg = config(kernel)
    cfg.attributes["tables"] = {t for t in enabled_tables(kernel) if t.split("_", 1)[0] == plugin}
    script = ScriptDirectory.from_config(cfg)
    try:
        script.get_revision(f"{plugin}@head")
        command.revision(cfg, message, autogenerate=True, head=f"{plugin}@head")
    except Exception:  # noqa: BLE001 - the branch does not exist yet: start it
        core_head = script.get_revision(f"{KERNEL}@head")
        command.revision(cfg, message, autogenerate=True, head="base", branch_label=plugin,
                         version_path=str(path), depends_on=core_head.revision if core_head else None)
