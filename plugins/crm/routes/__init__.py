"""The CRM's pages, mounted at ``/crm``; one module per concept, each
registering its pages on the one ``routes`` table of ``common``."""

import plugins.crm.routes.care  # noqa: F401
import plugins.crm.routes.competitors  # noqa: F401 - registers its pages on ``routes``
import plugins.crm.routes.customers  # noqa: F401 - registers its pages on ``routes``  # noqa: F401 - registers its pages on ``routes``
import plugins.crm.routes.followups  # noqa: F401
import plugins.crm.routes.funnel  # noqa: F401 - registers its pages on ``routes``
import plugins.crm.routes.leads  # noqa: F401
import plugins.crm.routes.opportunities  # noqa: F401 - registers its pages on ``routes``
import plugins.crm.routes.pipelines  # noqa: F401 - registers its pages on ``routes``
import plugins.crm.routes.pools  # noqa: F401 - the public pools, their administration
import plugins.crm.routes.webforms  # noqa: F401
from plugins.crm.routes.common import routes

__all__ = ["routes"]
