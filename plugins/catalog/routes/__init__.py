"""The catalog's pages, mounted at ``/catalog``; one module per concept, each
registering its pages on the one ``routes`` table of ``common``."""

from plugins.catalog.routes import categories, currencies, price_lists, products  # noqa: F401 - they register
from plugins.catalog.routes.common import routes

__all__ = ["routes"]
