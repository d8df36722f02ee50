"""The sales plugin's pages, mounted at ``/sales``; one module per concept,
each registering its pages on the one ``routes`` table of ``common``."""

from plugins.sales.routes.common import routes

__all__ = ["routes"]
