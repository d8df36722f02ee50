"""The sales plugin's pages, mounted at ``/sales``; one module per concept,
each registering its pages on the one ``routes`` table of ``common``."""

import plugins.sales.routes.contracts
import plugins.sales.routes.lines
import plugins.sales.routes.payment_terms
import plugins.sales.routes.quotes  # noqa: F401 - each registers its pages on ``routes``
from plugins.sales.routes.common import routes

__all__ = ["routes"]

# targets, commissions and the sales settings (each registers its pages on ``routes``)
from plugins.sales.routes import commissions, settings, targets  # noqa: E402, F401
