"""The CRM's pages, mounted at ``/crm``; one module per concept, each
registering its pages on the one ``routes`` table of ``common``."""

import plugins.crm.routes.customers  # noqa: F401 - registers its pages on ``routes``
import plugins.crm.routes.segments  # noqa: F401
import plugins.crm.routes.sfa  # noqa: F401
import plugins.crm.routes.value  # noqa: F401
from plugins.crm.routes.common import routes

__all__ = ["routes"]
