"""The kernel's pages, one module per concept. Handlers parse, call a
service, render; every module registers on the one ``routes`` table."""

from __future__ import annotations

from core.web import Routes

routes = Routes(prefix="")

from core.admin.routes import (  # noqa: E402  (the modules register on ``routes``)
    approvals,
    chains,
    jobs,
    numbering,
    orgs,
    plugins,
    profile,
    recycle,
    roles,
    session,
    sharing,
    users,
    workflow,
)

__all__ = ["approvals", "chains",
           "jobs", "numbering", "orgs", "plugins", "profile", "recycle", "roles", "routes", "session",
           "sharing", "users", "workflow"]
