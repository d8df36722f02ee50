"""The sales plugin's pages, mounted at ``/sales``; one module per concept,
each registering its pages on the one ``routes`` table of ``common``."""

import plugins.sales.routes.commissions
import plugins.sales.routes.contracts
import plugins.sales.routes.deliveries
import plugins.sales.routes.lines
import plugins.sales.routes.payment_terms
import plugins.sales.routes.quotes
import plugins.sales.routes.receipts
import plugins.sales.routes.receivables
import plugins.sales.routes.returns
import plugins.sales.routes.settings
import plugins.sales.routes.targets  # noqa: F401 - each registers its pages on ``routes``
from plugins.sales.routes.common import routes

__all__ = ["routes"]
