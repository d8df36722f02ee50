"""The CRM's pages, mounted at ``/crm``; one module per concept, each
registering its pages on the one ``routes`` table of ``common``."""

import plugins.crm.routes.batch  # noqa: F401 - registers its pages on ``routes``
import plugins.crm.routes.contacts  # noqa: F401 - registers its pages on ``routes``
import plugins.crm.routes.customers  # noqa: F401 - registers its pages on ``routes``
from plugins.crm.routes.common import routes

__all__ = ["routes"]
