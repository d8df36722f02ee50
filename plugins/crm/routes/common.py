"""The one route table of the CRM (mounted at ``/crm``)."""

from __future__ import annotations

from core import Routes

routes = Routes()
