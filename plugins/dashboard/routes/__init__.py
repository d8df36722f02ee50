"""The dashboard's pages, mounted at ``/dashboard``: reports (builder,
saved reports, drill-down, export) and the workbench."""

import plugins.dashboard.routes.reports
import plugins.dashboard.routes.workbench  # noqa: F401 - each registers its pages on ``routes``
from plugins.dashboard.routes.common import routes

__all__ = ["routes"]
