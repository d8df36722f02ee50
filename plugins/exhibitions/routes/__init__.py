"""The exhibitions' pages, one module per part, all on one table."""

from __future__ import annotations

from core import Routes

routes = Routes()

from plugins.exhibitions.routes import (  # noqa: E402, F401 - they register on routes
    apply,
    decoration,
    manual,
    plans,
    reports,
    selling,
    services,
    storage,
    venues,
    visitors,
)
