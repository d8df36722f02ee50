"""The one route table of the sales plugin (mounted at ``/sales``)."""

from __future__ import annotations

from core import Routes

routes = Routes()
