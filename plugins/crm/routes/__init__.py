"""The CRM's pages, mounted at ``/crm``; one module per concept, each
registering its pages on the one ``routes`` table of ``common``."""

import plugins.crm.routes.batch
import plugins.crm.routes.care
import plugins.crm.routes.competitors
import plugins.crm.routes.contacts
import plugins.crm.routes.customers
import plugins.crm.routes.followups
import plugins.crm.routes.funnel
import plugins.crm.routes.leads
import plugins.crm.routes.opportunities
import plugins.crm.routes.pipelines
import plugins.crm.routes.pools
import plugins.crm.routes.segments
import plugins.crm.routes.sfa
import plugins.crm.routes.value
import plugins.crm.routes.webforms  # noqa: F401 - each registers its pages on ``routes``
from plugins.crm.routes.common import routes

__all__ = ["routes"]
