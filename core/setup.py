"""First-run set-up: migrate, ship roles, create the administrator, demo data."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from core import approvals, migrate
from core.admin import demo, services
from core.app import Kernel
from core.models import ExternalId, Org, Role, RoleAssignment, User


def migrate_and_sync(kernel: Kernel) -> None:
    """Bring the database to every enabled plugin's head and sync shipped roles."""
    migrate.upgrade(kernel)
    with kernel.db.session() as db:
        services.sync_shipped_roles(db, kernel.registry)
        approvals.sync_shipped_chains(db, kernel.registry)


def ensure_admin(kernel: Kernel, password: str | None) -> str | None:
    """Create the ``admin`` user on first run. Returns the password if generated."""
    with kernel.db.session() as db:
        if db.scalar(select(func.count()).select_from(User)):
            return None
        generated = None
        if not password:
            password = generated = secrets.token_urlsafe(12)
        org = db.scalar(select(Org).where(Org.code == "HQ")) or services.create_org(
            db, None, {"code": "HQ", "name": "总公司", "name_en": "Head office", "active": True})
        admin = services.create_user(db, None, {
            "username": "admin", "display_name": "系统管理员", "org_id": org.id,
            "password": password, "locale": "",
        }, passwords=kernel.passwords)
        role_id = db.scalar(select(Role.id).where(Role.key == "admin"))
        db.add(RoleAssignment(user_id=admin.id, role_id=role_id, org_id=org.id))
        return generated


def load_demo(kernel: Kernel, password: str) -> bool:
    """Load demo data once (recorded as an external id); False if already there."""
    with kernel.db.session() as db:
        done = db.scalar(select(ExternalId.id).where(
            ExternalId.plugin == "core", ExternalId.key == "demo.loaded"))
        if done is not None:
            return False
        orgs, users = demo.load(db, kernel.passwords, password)
        # in load order, dependencies first (pluggy alone would call the last
        # registered first): a plugin's demo data may use its dependencies'.
        order = list(kernel.pm.manifests)
        impls = sorted(kernel.pm.hook.load_demo_data.get_hookimpls(),
                       key=lambda impl: order.index(impl.plugin_name))
        args = {"session": db, "orgs": orgs, "users": users}
        for impl in impls:
            impl.function(*(args[name] for name in impl.argnames))
        db.add(ExternalId(plugin="core", key="demo.loaded", model="", record_id=0))
        return True
