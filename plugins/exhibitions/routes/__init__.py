"""The exhibitions' pages, one module per concept, all on one table."""

from __future__ import annotations

from core import Routes

routes = Routes()
