"""The exhibitions' pages, one module per part, all on one table."""

from __future__ import annotations

from core import Routes

routes = Routes()

import plugins.exhibitions.routes.leads  # noqa: E402, F401 - the portal part's pages, registered on routes
import plugins.exhibitions.routes.portal  # noqa: E402, F401
import plugins.exhibitions.routes.portal_accounts  # noqa: E402, F401
from plugins.exhibitions.routes import (  # noqa: E402, F401 - they register on routes
    apply,
    badges,
    decoration,
    desk,
    manual,
    plans,
    registration,
    reports,
    selling,
    services,
    storage,
    venues,
    visitors,
)

# isort: split
from plugins.exhibitions.routes import insights, rebooking, surveys  # noqa: E402, F401 - the cycle after the show
