"""The selling part's pages (registered on plugins.exhibitions.routes.routes)."""

from __future__ import annotations

from plugins.exhibitions.routes import routes  # noqa: F401 - the part's pages register here
