"""The sales plugin's pages, mounted at ``/sales``; one module per concept,
each registering its pages on the one ``routes`` table of ``common``."""

from plugins.sales.routes.common import routes

__all__ = ["routes"]

# receivables, receipts, delivery notes and returns: each registers its pages on ``routes``
import plugins.sales.routes.deliveries
import plugins.sales.routes.receipts
import plugins.sales.routes.receivables
import plugins.sales.routes.returns  # noqa: F401, E402
