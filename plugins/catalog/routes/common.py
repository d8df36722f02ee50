"""The one route table of the catalog (mounted at ``/catalog``)."""

from __future__ import annotations

from core import Routes

routes = Routes()
